# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recipients: a template billing 500 recipients, made 50 invoices a
transaction over several calls, killed or run by two workers at once.

The templates (made once, cloned per scenario): one monthly template billing a
list of 500 recipients (its customer first), one following a partner tag
carried by 30 partners, and 5 ordinary monthly templates, all due tomorrow;
the job runs in batches of 50 invoices (535 in all, then sent).

``test_recipients_killed``
    The job's process is killed with SIGKILL inside the making of a
    recipient's invoice in the middle of a batch, right after the commit of a
    batch, right after the 500-recipient template is advanced (its last
    recipients made, its next date stored, not committed), and from outside
    once some invoices are made; then the job runs again until nothing
    remains: each recipient invoiced once, made out to it, sent once, nothing
    left owed, one summary.
``test_recipients_two_workers``
    Two processes run the job at the same moment on those templates: each
    recipient invoiced once, sent once, the work shared between them.
"""

import signal
import time

import pytest

from .checks import check_database, figures_text, worker_problems
from .lab import Lab, ScenarioError
from .test_crash import kill_at

RECIPIENTS = 500
TAGGED = 30
ORDINARY = 5
BATCH = 50
RECIPIENT_TEMPLATES = [
    {"period": "month", "count": 1, "recipients": RECIPIENTS},
    {"period": "month", "count": 1, "tag": TAGGED},
    {"period": "month", "count": ORDINARY},
]
#: Killed from outside once this many invoices are made (in batch 6).
EXTERNAL_AT = 275

#: Kill points: the environment of the killed run, and what it does.
KILL_POINTS = [
    pytest.param(kill_at("recipient", 25, call=3),
                 "SIGKILL inside the making of batch 3's 25th recipient invoice",
                 id="inside-recipient"),
    pytest.param(kill_at("commit", 1, call=4),
                 "SIGKILL right after the commit of batch 4's invoices",
                 id="after-batch-commit"),
    pytest.param(kill_at("advance", 1),
                 f"SIGKILL right after the {RECIPIENTS}-recipient template is "
                 "advanced (its last batch made, its next date stored), before "
                 "its commit",
                 id="at-advance"),
    pytest.param({"RI_PROGRESS": "1"},
                 f"SIGKILL from outside once {EXTERNAL_AT} invoices are made",
                 id="external-kill"),
]  # fmt: skip


@pytest.fixture(scope="module")
def recipient_templates(suite):
    """The templates every scenario starts from, made once, cloned."""
    lab = Lab(suite, "recipients")
    try:
        started = time.monotonic()
        db, result = lab.with_templates("recipients_tpl", RECIPIENT_TEMPLATES)
        billed = sorted(result["recipients"].values())
        if billed != sorted([RECIPIENTS, TAGGED]):
            raise ScenarioError(f"templates billing {billed} recipients")
        yield db, f"setup {time.monotonic() - started:.1f}s"
    finally:
        lab.close()


def summary_problems(figures):
    summaries = figures["sending"]["summaries"]
    return [] if summaries == 1 else [f"{summaries} summary e-mails, want 1"]


@pytest.mark.parametrize(("env", "what"), KILL_POINTS)
def test_recipients_killed(lab, recipient_templates, env, what):
    name = lab.name
    started = time.monotonic()
    source, setup = recipient_templates
    db = lab.clone(source, name)
    shell = lab.start_job(db, f"{name}-killed", 0, BATCH, **env)
    if env.get("RI_PROGRESS") == "1":  # killed from outside
        if not shell.wait_line(lambda line: line == f"MADE {EXTERNAL_AT}", 300):
            shell.wait(60)
            raise ScenarioError("the job ended before it could be killed")
        shell.kill()
    rc = shell.wait(300)
    killed_after = time.monotonic() - started
    if rc != -signal.SIGKILL:
        raise ScenarioError(
            f"the job was not killed (exit {rc}): {shell.bad[:1]} see {shell.log}"
        )
    kill_line = next((line for line in shell.lines if "KILL self" in line), "")
    lab.odoo.wait_idle(db)
    committed = lab.count(
        db,
        "SELECT count(*) FROM account_move WHERE recurring_template_id IS NOT NULL",
    )
    rerun = lab.run_job(db, f"{name}-rerun", 0, BATCH)
    figures, problems = check_database(lab.odoo, db, lab.tomorrow)
    problems += summary_problems(figures)
    if not 0 < committed < figures["expected"]:
        problems.append(
            f"{committed} invoices committed before the kill: not in the middle "
            f"of the {figures['expected']}"
        )
    if rerun["invoices_committed"] != figures["expected"] - committed:
        problems.append(
            f"the rerun made {rerun['invoices_committed']}, want "
            f"{figures['expected'] - committed}"
        )
    where = f" ({kill_line.split('KILL ', 1)[1]})" if kill_line else ""
    lab.conclude(
        f"{what}{where}; {committed} invoices committed before the kill, "
        f"{rerun['invoices_committed']} made ({rerun['recipients_made']} for "
        f"recipients) and {rerun['invoices_sent']} sent by the rerun "
        f"({rerun['calls']} calls of {BATCH}); {figures_text(figures)}; "
        f"{figures['templates']} templates; killed after {killed_after:.1f}s, "
        f"rerun {rerun['elapsed']:.1f}s, total "
        f"{time.monotonic() - started:.1f}s ({setup} once)",
        problems,
    )


def test_recipients_two_workers(lab, recipient_templates):
    name = lab.name
    started = time.monotonic()
    source, setup = recipient_templates
    db = lab.clone(source, name)
    shells, run_time = lab.run_workers(db, name, 0, BATCH)
    figures, problems = check_database(lab.odoo, db, lab.tomorrow)
    problems += summary_problems(figures)
    more, results = worker_problems(zip(shells, ("A", "B"), strict=True))
    problems += more
    parts = []
    made = sent = 0
    for result, worker in zip(results, ("A", "B"), strict=True):
        if result is None:
            parts.append(f"{worker} crashed")
            continue
        made += result["invoices_committed"]
        sent += result["sends_committed"]
        parts.append(
            f"{worker} made {result['invoices_committed']} "
            f"({result['recipients_made']} recipient invoices tried), sent "
            f"{result['sends_committed']}, in {result['calls']} calls "
            f"({result['backoffs']} back-offs, {result['idle']} idle, "
            f"{result['errors']} errors, {result['elapsed']:.1f}s)"
        )
        if not (result["invoices_committed"] or result["sends_committed"]):
            problems.append(f"worker {worker} did nothing: no sharing")
    if made != figures["made"]:
        problems.append(f"workers report {made} made, database has {figures['made']}")
    if sent != figures["made"]:
        problems.append(f"workers report {sent} sent, want {figures['made']}")
    lab.conclude(
        f"{figures_text(figures)}; {figures['templates']} templates, batch "
        f"{BATCH}; {'; '.join(parts)}; run {run_time:.1f}s "
        f"({figures['made'] / max(run_time, 0.001):.0f} invoices/s), total "
        f"{time.monotonic() - started:.1f}s ({setup} once)",
        problems,
    )
