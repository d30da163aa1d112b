# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Crashes: the job's process killed with SIGKILL, then run again.

20 templates (5 weekly, 5 monthly, 5 quarterly, 5 yearly) run 40 days after
their start in batches of 5 (50 invoices); the process running the job is
killed once batch 1 is posted but not committed, inside ``_post`` right after
an invoice number is taken, right after the first commit (invoices posted,
none sent), after invoices are sent (all made) but before that commit, right
after the first commit of sent invoices, on entering the daily summary, and
from outside at an arbitrary moment once 20 invoices are made. Then the job
runs again until nothing remains: every due occurrence invoiced once, sent
once, one summary.
"""

import signal
import time
from datetime import timedelta

import pytest

from .checks import check_database, figures_text, run_problems
from .lab import Lab, ScenarioError
from .oracle import PERIODS

CRASH_BATCH = 5
CRASH_EXTERNAL_AT = 20
#: 5 templates of each period, all starting tomorrow, run 40 days later.
CRASH_TEMPLATES = [{"period": p, "count": 5} for p in PERIODS]
CRASH_DAYS = 40


def kill_at(hook, k, call=0):
    """The environment of a job that kills itself at the ``k``-th ``hook`` (of
    its ``call``-th call; 0: of the whole run), as shell_job.py reads it."""
    return {"RI_KILL_HOOK": hook, "RI_KILL_CALL": str(call), "RI_KILL_K": str(k)}


#: Crash points: the environment of the killed run, and what it does.
CRASH_POINTS = [
    pytest.param(kill_at("invoice", 1, call=1),
                 "SIGKILL once batch 1's invoices are posted, before its commit",
                 id="before-first-commit"),
    pytest.param(kill_at("sequence", 3, call=3),
                 "SIGKILL inside _post, right after batch 3's 3rd invoice number "
                 "is taken",
                 id="inside-post"),
    pytest.param(kill_at("commit", 1),
                 "SIGKILL right after the 1st commit (batch 1 posted, none sent)",
                 id="after-first-commit"),
    pytest.param(kill_at("send", 3),
                 "SIGKILL after the 3rd invoice sent (all made), before its commit",
                 id="while-sending"),
    pytest.param(kill_at("sent_commit", 1),
                 "SIGKILL right after the 1st commit of sent invoices",
                 id="after-send-commit"),
    pytest.param(kill_at("summary", 1),
                 "SIGKILL on entering the daily summary step (its transaction "
                 "lost)",
                 id="in-summary"),
    pytest.param({"RI_PROGRESS": "1"},
                 f"SIGKILL from outside once {CRASH_EXTERNAL_AT} invoices are made",
                 id="external-kill"),
]  # fmt: skip


@pytest.fixture(scope="module")
def crash_templates(suite):
    """The templates every crash starts from, made once, cloned per crash."""
    lab = Lab(suite, "crash")
    try:
        db, _result = lab.with_templates("crash_tpl", CRASH_TEMPLATES)
        yield db
    finally:
        lab.close()


@pytest.mark.parametrize(("env", "what"), CRASH_POINTS)
def test_crash(lab, crash_templates, env, what):
    name = lab.name
    started = time.monotonic()
    db = lab.clone(crash_templates, name)
    horizon = lab.tomorrow + timedelta(days=CRASH_DAYS)
    t0 = time.monotonic()
    shell = lab.start_job(db, f"{name}-killed", CRASH_DAYS, CRASH_BATCH, **env)
    if env.get("RI_PROGRESS") == "1":  # killed from outside
        reached = shell.wait_line(
            lambda line: line == f"MADE {CRASH_EXTERNAL_AT}", timeout=300
        )
        if not reached:
            shell.wait(60)
            raise ScenarioError("the job ended before it could be killed")
        shell.kill()
    rc = shell.wait(300)
    killed_after = time.monotonic() - t0
    if rc != -signal.SIGKILL:
        raise ScenarioError(
            f"the job was not killed (exit {rc}): {shell.bad[:1]} see {shell.log}"
        )
    made_before_kill = sum(line.startswith("MADE ") for line in shell.lines)
    lab.odoo.wait_idle(db)
    committed = lab.count(
        db,
        "SELECT count(*) FROM account_move WHERE recurring_template_id IS NOT NULL",
    )
    rerun = lab.run_job(db, f"{name}-rerun", CRASH_DAYS, CRASH_BATCH)
    figures, problems = check_database(lab.odoo, db, horizon)
    hook = env.get("RI_KILL_HOOK")
    if hook in ("invoice", "sequence") and env.get("RI_KILL_CALL") == "1" and committed:
        problems.append(f"{committed} invoices committed before the 1st commit")
    if hook in ("commit", "sent_commit", "send", "summary") and not committed:
        problems.append("nothing committed before a kill after a commit")
    summaries = figures["sending"]["summaries"]
    if summaries != 1:
        problems.append(f"{summaries} summary e-mails, want 1")
    if rerun["invoices_committed"] != figures["expected"] - committed:
        problems.append(
            f"the rerun made {rerun['invoices_committed']}, want "
            f"{figures['expected'] - committed}"
        )
    # the killed worker and the rerun share the morning's one run
    runs, more = run_problems(lab.odoo, db, figures, workers=2)
    problems += more
    extra = f", {made_before_kill} made when killed" if made_before_kill else ""
    lab.conclude(
        f"{what}; {committed} invoices committed before the kill{extra}, "
        f"{rerun['invoices_committed']} made and {rerun['invoices_sent']} sent "
        f"by the rerun ({rerun['calls']} batches of {CRASH_BATCH}); "
        f"{figures_text(figures)}; {figures['templates']} templates; {runs}; "
        f"killed after {killed_after:.1f}s, rerun {rerun['elapsed']:.1f}s, "
        f"total {time.monotonic() - started:.1f}s",
        problems,
    )
