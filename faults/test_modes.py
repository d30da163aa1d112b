# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Modes: the job killed with SIGKILL in the middle of a run making drafts for
review, then run again.

20 templates of every period: 12 making drafts for review (3 of each period),
4 posting only and 4 posting and sending (1 of each period), interleaved so
that every batch mixes modes; run 40 days after their start in batches of 5
(50 invoices: 30 drafts, 10 posted only, 10 posted and sent). The process
running the job is killed right after the batch making the 10th draft is made
(batch 2, not committed), right after batch 2's commit, on entering the daily
summary, and from outside once 40 invoices are made. Then the job runs again until
nothing remains: each occurrence made once, the drafts still drafts (in
``review``, unnumbered), nothing of the drafts or the posted-only invoices
sent, the others sent once, one summary (telling the drafts to review).
"""

import signal
import time
from datetime import timedelta

import pytest

from .checks import check_database, figures_text
from .lab import Lab, ScenarioError
from .oracle import PERIODS
from .test_crash import kill_at

BATCH = 5
DAYS = 40
EXTERNAL_AT = 40
#: Per period: 3 templates making drafts, 1 posting only, 1 posting and sending.
MODE_TEMPLATES = [
    {"period": period, "count": count, "mode": mode}
    for period in PERIODS
    for mode, count in (("draft", 3), ("post", 1), ("post_send", 1))
]
#: The invoices each mode makes by the run's day: a template of each period
#: makes 10 (weekly 6, monthly 2, quarterly 1, yearly 1); drafts have 3 such.
WANT = {"draft": 30, "post": 10, "post_send": 10}

#: Kill points: the environment of the killed run, and what it does.
KILL_POINTS = [
    pytest.param(kill_at("draft", 10),
                 "SIGKILL right after the batch making the 10th draft is made, "
                 "before its commit",
                 id="inside-batch"),
    pytest.param(kill_at("commit", 1, call=2),
                 "SIGKILL right after batch 2's commit (drafts and posted "
                 "invoices committed, none sent)",
                 id="after-commit"),
    pytest.param(kill_at("summary", 1),
                 "SIGKILL on entering the daily summary step (all made, its "
                 "transaction lost)",
                 id="in-summary"),
    pytest.param({"RI_PROGRESS": "1"},
                 f"SIGKILL from outside once {EXTERNAL_AT} invoices are made",
                 id="external-kill"),
]  # fmt: skip


@pytest.fixture(scope="module")
def mode_templates(suite):
    """The templates every kill starts from, made once, cloned per kill."""
    lab = Lab(suite, "modes")
    try:
        db, result = lab.with_templates("modes_tpl", MODE_TEMPLATES)
        want = {"draft": 12, "post": 4, "post_send": 4}
        if result["modes"] != want:
            raise ScenarioError(f"templates of modes {result['modes']}, want {want}")
        yield db
    finally:
        lab.close()


def mode_counts(lab, db):
    """{mode: invoices made} of the database."""
    rows = lab.sql(
        db,
        "SELECT t.recurring_mode, count(*) FROM account_move i "
        "JOIN account_move t ON t.id = i.recurring_template_id GROUP BY 1",
    )
    return {mode: int(n) for mode, n in rows}


@pytest.mark.parametrize(("env", "what"), KILL_POINTS)
def test_modes_killed(lab, mode_templates, env, what):
    name = lab.name
    started = time.monotonic()
    db = lab.clone(mode_templates, name)
    horizon = lab.tomorrow + timedelta(days=DAYS)
    shell = lab.start_job(db, f"{name}-killed", DAYS, BATCH, **env)
    if env.get("RI_PROGRESS") == "1":  # killed from outside
        if not shell.wait_line(lambda line: line == f"MADE {EXTERNAL_AT}", 300):
            shell.wait(60)
            raise ScenarioError("the job ended before it could be killed")
        shell.kill()
    rc = shell.wait(300)
    if rc != -signal.SIGKILL:
        raise ScenarioError(
            f"the job was not killed (exit {rc}): {shell.bad[:1]} see {shell.log}"
        )
    lab.odoo.wait_idle(db)
    before = mode_counts(lab, db)
    committed = sum(before.values())
    rerun = lab.run_job(db, f"{name}-rerun", DAYS, BATCH)
    figures, problems = check_database(lab.odoo, db, horizon)
    made = mode_counts(lab, db)
    if made != WANT:
        problems.append(f"invoices made per mode {made}, want {WANT}")
    hook = env.get("RI_KILL_HOOK")
    if hook == "summary" and committed != figures["expected"]:
        problems.append(f"{committed} invoices committed before the summary")
    elif hook != "summary" and not 0 < committed < figures["expected"]:
        problems.append(f"{committed} invoices committed when killed mid-run")
    if hook == "draft" and not before.get("draft"):
        problems.append("no draft committed before the kill (batch 1's)")
    summaries = figures["sending"]["summaries"]
    if summaries != 1:
        problems.append(f"{summaries} summary e-mails, want 1")
    if rerun["invoices_committed"] != figures["expected"] - committed:
        problems.append(
            f"the rerun made {rerun['invoices_committed']}, want "
            f"{figures['expected'] - committed}"
        )
    lab.conclude(
        f"{what}; {committed} invoices committed before the kill {before}, "
        f"{rerun['invoices_committed']} made ({rerun['drafts_made']} drafts) and "
        f"{rerun['invoices_sent']} sent by the rerun ({rerun['calls']} batches of "
        f"{BATCH}); {figures_text(figures)}; {figures['templates']} templates; "
        f"rerun {rerun['elapsed']:.1f}s, total {time.monotonic() - started:.1f}s",
        problems,
    )
