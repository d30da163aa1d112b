# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""queue_job: the job on OCA's queue_job (the bridge add-on
``recurring_invoice_queue_job``, OCA's wheel pip-installed into Odoo's Python
when missing), 40 monthly templates in make jobs of 20. The scheduled action
enqueues make jobs, which enqueue send jobs, and a finish job; the first make
job and the first send job each fail once after their work (a retryable error
before the commit) and queue_job runs them again; the jobs run one by one
through queue_job's own controller code (faults/shell_queue.py). Each invoice
made and sent once, one summary, every job done. Skipped when OCA's queue_job
cannot be had.
"""

import time
from collections import Counter

import pytest

from harness.oca_addons import ensure_oca_addon

from .checks import check_database, check_mail_queue, figures_text, queue_text
from .points import point

QUEUE_ADDON = "recurring_invoice_queue_job"
QUEUE_TEMPLATES = 40
QUEUE_BATCH = 20
#: The fault points of the jobs whose first one fails once, after its work,
#: before its commit.
QUEUE_FAIL = ("job_make", "job_send")


@pytest.fixture(scope="session")
def queue_job(odoo):
    """OCA's queue_job importable by the suite's Odoo (pip-installed when
    missing), else the scenarios that need it are skipped, saying why (before
    the base database is made, when they run alone)."""
    why = []
    if not ensure_oca_addon(odoo.command, "queue_job", say=why.append):
        pytest.skip(f"OCA's queue_job is not available: {'; '.join(why)}")


def test_queue_job_retry(queue_job, lab):
    started = time.monotonic()
    db, _setup = lab.with_templates(
        "queue", [{"period": "month", "count": QUEUE_TEMPLATES}]
    )
    lab.install(db, QUEUE_ADDON)
    setup_time = time.monotonic() - started
    result = lab.shell(
        db,
        "shell_queue.py",
        lab.job_env(0, QUEUE_BATCH, lab.name, RI_QUEUE_FAIL=",".join(QUEUE_FAIL)),
        lab.name,
    )
    figures, problems = check_database(lab.odoo, db, lab.tomorrow)
    queue, queue_problems = check_mail_queue(lab.odoo, db)
    problems += queue_problems
    methods = [point(name).method for name in QUEUE_FAIL]
    failed_once = result["failed_once"]
    for method in methods:
        if method not in failed_once:
            problems.append(f"no {method} job failed: the fault was not injected")
    jobs = Counter()
    retried = Counter()
    for method, state, retry, count in result["jobs"]:
        jobs[(method, state)] += count
        if state == "done" and retry > 1:
            retried[method] += count
    not_done = {key: n for key, n in jobs.items() if key[1] != "done"}
    if not_done:
        problems.append(f"jobs not done: {not_done}")
    for method in methods:
        if not retried[method]:
            problems.append(f"no {method} job was run again after its failure")
    if result["errors"]:
        problems.append(f"{result['errors']} job run(s) failed")
    summaries = figures["sending"]["summaries"]
    if summaries != 1:
        problems.append(f"{summaries} summary e-mails, want 1")
    enqueued = Counter()
    for method, _state, _retry, count in result["enqueued"]:
        enqueued[method] += count
    done = Counter()
    for (method, state), count in jobs.items():
        if state == "done":
            done[method] += count
    lab.conclude(
        f"{QUEUE_TEMPLATES} templates, batches of {QUEUE_BATCH}; the scheduled "
        f"action enqueued "
        + ", ".join(f"{n} {m}" for m, n in sorted(enqueued.items()))
        + "; jobs done "
        + ", ".join(f"{n} {m}" for m, n in sorted(done.items()))
        + f" in {result['runs']} runs; failed once after their work and run "
        f"again: "
        + ", ".join(
            f"{m} ({failed_once.get(m, 'not failed')}; done after "
            f"{retried[m]} retried job(s))"
            for m in methods
        )
        + f"; {figures_text(figures)}; {queue_text(queue)}; run "
        f"{result['elapsed']:.1f}s, setup {setup_time:.1f}s, "
        f"total {time.monotonic() - started:.1f}s",
        problems,
    )
