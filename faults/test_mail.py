# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The mail server: 12 monthly invoices are made and their e-mails queued;
then Odoo's mail queue runs four times against a real SMTP server
(faults/smtp_server.py) that first refuses connections, then rate-limits
(takes 4 messages, then answers 421 and hangs up), then is slow, then works:
the invoices stay posted and sent once, and each invoice e-mail and the daily
summary reach the server exactly once, none left failed.
"""

import time

from .checks import check_database, deliveries, figures_text

MAIL_TEMPLATES = 12
#: The mail server through the rounds of Odoo's mail queue: (round, mode of
#: faults/smtp_server.py, or None: nothing listens).
MAIL_ROUNDS = [
    ("refused", None),
    ("rate-limited", {"mode": "ratelimit", "accept": 4}),
    ("slow", {"mode": "slow", "delay": 0.2}),
    ("working", {"mode": "ok"}),
]


def test_mail(lab, smtp):
    name = lab.name
    started = time.monotonic()
    db, _setup = lab.with_templates(
        "mail", [{"period": "month", "count": MAIL_TEMPLATES}]
    )
    lab.mail_server(db, smtp)
    job = lab.run_job(db, name, 0, 5)
    rounds, problems = [], []
    for label, mode in MAIL_ROUNDS:
        smtp.set_mode(mode)
        before = len(smtp.received())
        result = lab.mail_queue(db, label)
        got = len(smtp.received()) - before
        waiting = sum(n for _k, state, _a, n in result["mails"] if state == "outgoing")
        failed = sum(n for _k, state, _a, n in result["mails"] if state == "exception")
        rounds.append(
            f"{label}: {got} delivered, {waiting} waiting, {failed} failed "
            f"({result['elapsed']:.1f}s)"
        )
        if failed:
            problems.append(f"{failed} e-mail(s) left failed after '{label}'")
    received = smtp.received()
    smtp.stop()
    figures, db_problems = check_database(lab.odoo, db, lab.tomorrow)
    problems += db_problems
    names = [
        row[0]
        for row in lab.sql(
            db,
            "SELECT name FROM account_move WHERE recurring_template_id IS NOT NULL",
        )
    ]
    per_invoice, summaries = deliveries(received, names)
    never = [n for n in names if not per_invoice[n]]
    twice = sum(count - 1 for count in per_invoice.values() if count > 1)
    if never:
        problems.append(f"{len(never)} invoice e-mail(s) never delivered")
    if twice:
        problems.append(f"{twice} invoice e-mail(s) delivered twice")
    if summaries != 1:
        problems.append(f"{summaries} summary e-mails delivered, not 1")
    if len(received) != len(names) + summaries:
        problems.append(f"{len(received)} messages for {len(names)} invoices")
    left = lab.count(
        db,
        "SELECT count(*) FROM mail_mail WHERE recurring_job_mail "
        "AND state IN ('outgoing', 'exception')",
    )
    if left:
        problems.append(f"{left} e-mail(s) of the job still queued or failed")
    lab.conclude(
        f"{figures_text(figures)}; job {job['elapsed']:.1f}s; server "
        + "; ".join(rounds)
        + f"; the SMTP server took {len(received)} messages: "
        f"{sum(per_invoice.values())} invoice e-mails for {len(names)} "
        f"invoices (twice: {twice}), {summaries} summary; "
        f"total {time.monotonic() - started:.1f}s",
        problems,
    )
