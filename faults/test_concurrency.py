# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Concurrency: two processes running the job, or its sending, at the same
moment (as two cron workers, or a copy of the sending scheduled action, do).

``test_two_workers``
    Two processes run the job loop at the same moment on 500 due monthly
    templates, in batches of 20; both must make some, neither may fail.
``test_two_workers_summary``
    Two workers finish together: both enter the end of the morning (which
    sends the daily summaries) at the same moment (held at its entry until
    both are there) with 30 invoices sent and not yet reported; one summary
    must go out, without error.
``test_two_senders``
    The invoices of 500 due monthly templates are made, none sent; then two
    processes run the sending scheduled action (``_cron_send``) at the same
    moment, 20 invoices a transaction: each invoice sent once (one e-mail in
    its chatter and one in Odoo's mail queue), both workers send some, one
    summary per responsible user.
``test_sender_killed``
    The same with 120 invoices, and worker A killed with SIGKILL in the middle
    of its second batch (five invoices sent, PDF made and e-mail queued, none
    committed) while B sends: B and a later run of the job finish the work;
    then Odoo's mail queue delivers to faults/smtp_server.py: each invoice
    e-mail reaches it exactly once (A's lost sends too), one summary.
"""

import json
import signal
import time

from .checks import (
    check_database,
    check_mail_queue,
    deliveries,
    figures_text,
    found,
    queue_text,
    run_problems,
    worker_problems,
)
from .lab import ScenarioError
from .points import point

WORKERS_TEMPLATES = 500
WORKERS_BATCH = 20
SUMMARY_TEMPLATES = 30
#: Two sending workers: the invoices of 500 due templates, made beforehand
#: (batches of MAKE_BATCH, nothing sent), sent SEND_BATCH per transaction.
SEND_TEMPLATES = 500
MAKE_BATCH = 100
SEND_BATCH = 20
#: A sending worker killed while another sends: SEND_KILL_TEMPLATES invoices;
#: worker A kills itself (SIGKILL) right after its SEND_KILL_AT-th send, in its
#: second batch (its first batch committed, five of the second sent, none of
#: them committed).
SEND_KILL_TEMPLATES = 120
SEND_KILL_AT = SEND_BATCH + 5


def test_two_workers(lab):
    name = lab.name
    started = time.monotonic()
    db, _setup = lab.with_templates(
        "workers", [{"period": "month", "count": WORKERS_TEMPLATES}]
    )
    setup_time = time.monotonic() - started
    shells, run_time = lab.run_workers(db, name, 0, WORKERS_BATCH)
    figures, problems = check_database(lab.odoo, db, lab.tomorrow)
    more, results = worker_problems(zip(shells, ("A", "B"), strict=True))
    problems += more
    # both workers in the morning's one run, its counts the database's
    runs, more = run_problems(lab.odoo, db, figures, workers=2)
    problems += more
    parts = []
    total = 0
    for result, worker in zip(results, ("A", "B"), strict=True):
        if result is None:
            parts.append(f"{worker} crashed")
            continue
        made = result["invoices_committed"]
        total += made
        parts.append(
            f"{worker} made {made}, sent {result['invoices_sent']}, "
            f"in {result['calls']} calls "
            f"({result['backoffs']} back-offs, {result['idle']} idle, "
            f"{result['errors']} errors, {result['elapsed']:.1f}s)"
        )
        if not made:
            problems.append(f"worker {worker} made nothing: no interleaving")
    if total != figures["made"]:
        problems.append(f"workers report {total}, database has {figures['made']}")
    lab.conclude(
        f"{figures_text(figures)}; {figures['templates']} templates, "
        f"batch {WORKERS_BATCH}; {'; '.join(parts)}; {runs}; "
        f"run {run_time:.1f}s ({figures['made'] / max(run_time, 0.001):.0f} "
        f"invoices/s), setup {setup_time:.1f}s",
        problems,
    )


def test_two_workers_summary(lab):
    """Two workers finish together: the invoices are all made and sent, not
    yet reported (a first run's summary step is skipped, as when the other
    worker's sends were still in flight), and both workers enter the end of
    the morning at the same moment."""
    name = lab.name
    started = time.monotonic()
    db, _setup = lab.with_templates(
        "summary", [{"period": "month", "count": SUMMARY_TEMPLATES}]
    )
    prep = lab.run_job(db, f"{name}-prep", 0, 50, RI_SKIP_SUMMARY="1")
    for needed in ("summary", "finish"):
        if needed not in prep["points"]:
            fault = point(needed)
            raise ScenarioError(
                f"no {fault.model}.{fault.method} to hold the workers at"
            )
    to_report = lab.count(
        db,
        "SELECT count(*) FROM account_move "
        "WHERE recurring_send_to_report OR recurring_make_to_report",
    )
    barrier = lab.suite.workdir / f"{name}.barrier"
    shells, run_time = lab.run_workers(db, name, 0, 50, RI_SUMMARY_BARRIER=str(barrier))
    figures, problems = check_database(lab.odoo, db, lab.tomorrow)
    more, results = worker_problems(zip(shells, ("A", "B"), strict=True))
    problems += more
    if not all(result and result["barrier_met"] for result in results):
        problems.append("the workers did not reach the summary together")
    summaries = figures["sending"]["summaries"]
    if summaries != 1:
        problems.append(f"{summaries} summary e-mails for one set of invoices")
    parts = [
        f"{worker}: finish {result.get('finishes')}, summary calls "
        f"{result['summaries']}, errors {result['errors']}"
        for worker, result in zip(("A", "B"), results, strict=True)
        if result
    ]
    lab.conclude(
        f"{to_report} invoices sent and not yet reported, both workers "
        f"finishing at once; {figures_text(figures)}; {'; '.join(parts)}; "
        f"run {run_time:.1f}s, total {time.monotonic() - started:.1f}s",
        problems,
    )


def test_two_senders(lab):
    """Two sending workers (``_cron_send`` in a loop, as two copies of the
    sending scheduled action) start together on 500 invoices: each invoice
    sent once, by one of them, both send some, one summary per responsible
    user."""
    name = lab.name
    started = time.monotonic()
    db, made = lab.made_to_send("senders", SEND_TEMPLATES, MAKE_BATCH)
    shells, run_time = lab.run_workers(db, name, 0, SEND_BATCH, RI_LOOP="send")
    figures, problems = check_database(lab.odoo, db, lab.tomorrow)
    queue, queue_problems = check_mail_queue(lab.odoo, db)
    problems += queue_problems
    more, results = worker_problems(zip(shells, ("A", "B"), strict=True))
    problems += more
    split, parts = [], []
    for result, worker in zip(results, ("A", "B"), strict=True):
        if result is None:
            parts.append(f"{worker} crashed")
            continue
        split.append(result["sends_committed"])
        parts.append(
            f"{worker} sent {result['sends_committed']} in {result['calls']} "
            f"calls ({result['backoffs']} back-offs, {result['idle']} idle, "
            f"summaries {result['summaries']}, {result['elapsed']:.1f}s)"
        )
        if not result["sends_committed"]:
            problems.append(f"worker {worker} sent nothing: no interleaving")
    if len(split) == 2 and sum(split) != SEND_TEMPLATES:
        problems.append(
            f"the workers committed {sum(split)} sends, want {SEND_TEMPLATES}"
        )
    lab.conclude(
        f"{made}; sent by A/B {'/'.join(map(str, split))}, batches of "
        f"{SEND_BATCH}: {'; '.join(parts)}; {figures_text(figures)}; "
        f"{queue_text(queue)}; run {run_time:.1f}s "
        f"({SEND_TEMPLATES / max(run_time, 0.001):.0f} invoices/s), "
        f"total {time.monotonic() - started:.1f}s",
        problems,
    )


def test_sender_killed(lab, smtp):
    """Two sending workers; A is killed (SIGKILL) in the middle of its second
    batch while B sends: five invoices sent (PDF made, e-mail queued) in A's
    transaction, none committed. B and a later run of the job finish the
    work; then Odoo's mail queue delivers to an SMTP server: each invoice's
    e-mail reaches it exactly once, one summary."""
    name = lab.name
    started = time.monotonic()
    db, made = lab.made_to_send("sender_killed", SEND_KILL_TEMPLATES, MAKE_BATCH)
    problems = []
    smtp.set_mode({"mode": "ok"})
    lab.mail_server(db, smtp)
    kill = {"RI_KILL_HOOK": "send", "RI_KILL_K": str(SEND_KILL_AT)}
    shells, run_time = lab.run_workers(
        db, name, 0, SEND_BATCH, worker_env={"A": kill}, RI_LOOP="send"
    )
    killed, survivor = shells
    if killed.returncode != -signal.SIGKILL:
        raise ScenarioError(
            f"worker A was not killed (exit {killed.returncode}): "
            f"{killed.bad[:1]} see {killed.log}"
        )
    committed_a = max(
        [int(line.split()[1]) for line in killed.lines
         if line.startswith("SENT_COMMITTED ")] or [0]
    )  # fmt: skip
    kill_line = next((line for line in killed.lines if "KILL self" in line), "")
    if not kill_line:
        raise ScenarioError(f"worker A did not say where it died: {killed.log}")
    lost = json.loads(kill_line.rsplit(": ", 1)[1].rstrip(")"))
    if not lost:
        problems.append("worker A had nothing sent and uncommitted when killed")
    if not committed_a:
        problems.append("worker A committed no send before it was killed")
    survivor_problems, (result_b,) = worker_problems([(survivor, "B")])
    problems += survivor_problems
    lab.odoo.wait_idle(db)
    later = lab.run_job(db, f"{name}-later", 0, MAKE_BATCH)
    queue, queue_problems = check_mail_queue(lab.odoo, db)
    problems += queue_problems
    queue_run = lab.mail_queue(db, "mail-queue")
    received = smtp.received()
    smtp.stop()
    figures, db_problems = check_database(lab.odoo, db, lab.tomorrow)
    problems += db_problems
    sent_b = result_b["sends_committed"] if result_b else 0
    sent_later = later["sends_committed"]
    if not sent_b:
        problems.append("worker B sent nothing")
    if committed_a + sent_b + sent_later != SEND_KILL_TEMPLATES:
        problems.append(
            f"A committed {committed_a}, B {sent_b}, the later run "
            f"{sent_later}: {committed_a + sent_b + sent_later}, want "
            f"{SEND_KILL_TEMPLATES}"
        )
    names = dict(
        lab.sql(
            db,
            "SELECT id, name FROM account_move WHERE recurring_template_id IS NOT NULL",
        )
    )
    per_invoice, summaries = deliveries(received, names.values())
    never = [n for n in names.values() if not per_invoice[n]]
    twice = sum(count - 1 for count in per_invoice.values() if count > 1)
    lost_twice = sum(per_invoice[names[str(i)]] != 1 for i in lost)
    problems += found(
        (never, f"{len(never)} invoice e-mail(s) never delivered"),
        (twice, f"{twice} invoice e-mail(s) delivered twice"),
        (lost_twice, f"{lost_twice} of A's lost sends not delivered exactly once"),
        (summaries != 1, f"{summaries} summary e-mails delivered, not 1"),
    )
    left = [
        f"{n} {state}"
        for state, n in lab.sql(
            db,
            "SELECT state, count(*) FROM mail_mail WHERE recurring_job_mail "
            "AND state IN ('outgoing', 'exception') GROUP BY state",
        )
    ]
    if left:
        problems.append(f"e-mails of the job left in the queue: {', '.join(left)}")
    lab.conclude(
        f"{made}; A killed (SIGKILL) after its send #{SEND_KILL_AT} with "
        f"{committed_a} sends committed and {len(lost)} sent uncommitted "
        f"(invoices {lost}); B sent {sent_b} "
        f"({result_b['calls'] if result_b else '?'} calls, summaries "
        f"{result_b['summaries'] if result_b else '?'}), the later run "
        f"{sent_later} (summaries {later['summaries']}); workers run "
        f"{run_time:.1f}s; {figures_text(figures)}; {queue_text(queue)}; "
        f"the SMTP server took {len(received)} messages: "
        f"{sum(per_invoice.values())} invoice e-mails for {len(names)} invoices "
        f"(twice: {twice}), {summaries} summary (mail queue "
        f"{queue_run['elapsed']:.1f}s); total {time.monotonic() - started:.1f}s",
        problems,
    )
