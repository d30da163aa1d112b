#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prove exactly-once: crashes, two workers, downtime.

Runs the scheduled job of the ``recurring_invoice`` add-on
(``account.move._cron_recurring_invoices``: lock a batch of due templates,
make and post their invoices, commit, send the invoices waiting to be sent,
e-mail the daily summary, commit) under faults, each scenario on its own
throw-away database, and checks that every due occurrence is invoiced exactly
once: one posted invoice per (template, occurrence date), dated on it, made
and numbered oldest first within its template, no draft left over, the sale
journal numbered without gap or double per sequence prefix, each invoice sent
once (one invoice e-mail in its chatter, one attempt) and reported in a daily
summary, each template's next date and state as the calendar says.

Plain Python: Odoo only runs as ``odoo`` / ``odoo shell`` subprocesses (the
scripts fed to ``odoo shell`` are the ``shell_*.py`` files next to this one);
the checks read the databases with ``psql``; the expected occurrences are
computed here, independently of the add-on's recurrence engine.

Scenarios (one line each, ``PASS name: details`` or ``FAIL name: details``):

``crash-*``
    20 templates (5 weekly, 5 monthly, 5 quarterly, 5 yearly) run 40 days
    after their start in batches of 5 (50 invoices); the process running the
    job is killed with SIGKILL once batch 1 is posted but not committed,
    inside ``_post`` right after an invoice number is taken, right after the
    first commit (invoices posted, none sent), after invoices are sent (all
    made) but before that commit, right after the first commit of sent
    invoices, on entering the daily summary, and from outside at an arbitrary
    moment once 20 invoices are made. Then the job runs again until nothing remains.
``two-workers``
    Two processes run the job loop at the same moment on 500 due monthly
    templates, in batches of 20; both must make some, neither may fail.
``two-workers-summary``
    Two workers finish together: both enter the end of the morning (which
    sends the daily summaries) at the same moment (held at its entry until
    both are there) with 30 invoices sent and not yet reported; one summary
    must go out, without error.
``mail``
    12 monthly invoices are made and their e-mails queued; then Odoo's mail
    queue runs four times against a real SMTP server (faults/smtp_server.py)
    that first refuses connections, then rate-limits (takes 4 messages, then
    answers 421 and hangs up), then is slow, then works: each invoice e-mail
    and the daily summary must reach it exactly once, none left failed.
``two-senders``
    The invoices of 500 due monthly templates are made, none sent; then two
    processes run the sending scheduled action (``_cron_recurring_send``, as
    a copy of it adds a worker) at the same moment, 20 invoices a
    transaction: each invoice sent once (one e-mail in its chatter and one in
    Odoo's mail queue), both workers send some, one summary per responsible
    user.
``sender-killed``
    The same with 120 invoices, and worker A killed with SIGKILL in the middle
    of its second batch (five invoices sent, PDF made and e-mail queued, none
    committed) while B sends: B and a later run of the job finish the work;
    then Odoo's mail queue delivers to faults/smtp_server.py: each invoice
    e-mail reaches it exactly once (A's lost sends too), one summary.
``queue-job-retry``
    The job on OCA's queue_job (the bridge add-on
    ``recurring_invoice_queue_job``, OCA's wheel pip-installed into Odoo's
    Python when missing), 40 monthly templates in make jobs of 20: the first
    make job and the first send job each fail once after their work (a
    retryable error before the commit) and queue_job runs them again; the jobs
    run one by one through queue_job's own controller code
    (faults/shell_queue.py). Each invoice made and sent once, one summary,
    every job done. Skipped (a ``SKIP`` line) without the bridge add-on.
``downtime``
    Weekly, monthly, quarterly and yearly templates (some with an end date)
    are run 43 to 45 days after their start, through the real scheduler
    (``ir.cron._process_jobs`` and its progress API): each missed occurrence
    is made once, with its own date, oldest first.
``yearly-adjustment``
    Templates of every period with a yearly price adjustment of 10 % run on
    three days over more than three years (days of downtime in between, two
    adjustment days in one run); the first run of each day is killed with
    SIGKILL: right after a price change is applied to a template's lines (not
    committed), again a few changes later, and right after a commit. Each
    year's adjustment must be applied exactly once, before the invoice of the
    first occurrence on or after its day, and every invoice must carry the
    price of its occurrence (the first price plus 10 % per adjustment day
    before it, rounded each year).

Invoice PDFs: QWeb renders each invoice report, but the wkhtmltopdf binary is
replaced by a one-page stub PDF in the job processes (over a second per
invoice otherwise; ``--real-pdf`` uses the real binary).

The last line is ``N passed, N failed, N skipped``; the exit code is 0 only
when none failed. Odoo is found and driven as ``make test`` does (harness/driver.py):
the user's own, else the cached build. Databases are named
``ri_faults_<random>_*`` and dropped at the end, on failure too; Odoo's logs are
kept (path printed) when a scenario fails.

Usage, from the repository's root: ``python3 -m faults.run_faults [--keep-logs]
[--real-pdf] [--only NAME ...]``
"""

import argparse
import calendar
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from harness.driver import ADDON, LOG_LINE, Odoo, OdooError

FAULTS = Path(__file__).resolve().parent
TEMPLATE_FAILED = re.compile(r"Recurring template \d+ failed")
MONTHS_PER_STEP = {"month": 1, "quarter": 3, "year": 12}
PERIODS = ("week", "month", "quarter", "year")


def kill_at(hook, k, call=0):
    """The environment of a job that kills itself at the ``k``-th ``hook`` (of
    its ``call``-th call; 0: of the whole run), as shell_job.py reads it."""
    return {"RI_KILL_HOOK": hook, "RI_KILL_CALL": str(call), "RI_KILL_K": str(k)}


#: Crash points: (name, environment of the killed run, what).
CRASH_POINTS = [
    ("crash-before-first-commit", kill_at("invoice", 1, call=1),
     "SIGKILL once batch 1's invoices are posted, before its commit"),
    ("crash-inside-post", kill_at("sequence", 3, call=3),
     "SIGKILL inside _post, right after batch 3's 3rd invoice number is taken"),
    ("crash-after-first-commit", kill_at("commit", 1),
     "SIGKILL right after the 1st commit (batch 1 posted, none sent)"),
    ("crash-while-sending", kill_at("send", 3),
     "SIGKILL after the 3rd invoice sent (all made), before its commit"),
    ("crash-after-send-commit", kill_at("sent_commit", 1),
     "SIGKILL right after the 1st commit of sent invoices"),
    ("crash-in-summary", kill_at("summary", 1),
     "SIGKILL on entering the daily summary step (its transaction lost)"),
    ("crash-external-kill", {"RI_PROGRESS": "1"},
     "SIGKILL from outside once 20 invoices are made"),
]  # fmt: skip
CRASH_BATCH = 5
CRASH_EXTERNAL_AT = 20
#: 5 templates of each period, all starting tomorrow, run 40 days later.
CRASH_TEMPLATES = [{"period": p, "count": 5} for p in PERIODS]
CRASH_DAYS = 40

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
#: The bridge add-on to OCA's queue_job (another branch); its scenario is
#: skipped while it is not in this tree.
QUEUE_ADDON = "recurring_invoice_queue_job"
QUEUE_TEMPLATES = 40
QUEUE_BATCH = 20
#: The jobs whose first one fails once, after its work, before its commit.
QUEUE_FAIL = ("_recurring_job_make", "_recurring_job_send")

MAIL_TEMPLATES = 12
#: The mail server through the mail scenario's rounds of Odoo's mail queue:
#: (round, mode of faults/smtp_server.py, or None: nothing listens).
MAIL_ROUNDS = [
    ("refused", None),
    ("rate-limited", {"mode": "ratelimit", "accept": 4}),
    ("slow", {"mode": "slow", "delay": 0.2}),
    ("working", {"mode": "ok"}),
]
DOWNTIME_DAYS = 45
DOWNTIME_BATCH = 5
DOWNTIME_TEMPLATES = [
    {"period": p, "count": 1, "start_offset": offset}
    for p in PERIODS
    for offset in (0, 1, 2)
] + [
    {"period": "week", "count": 1, "start_offset": 0, "end_offset": 20},
    {"period": "month", "count": 1, "start_offset": 1, "end_offset": 10},
    # Every N periods, and made ahead of the period.
    {"period": "week", "count": 1, "start_offset": 2, "interval": 2},
    {"period": "week", "count": 1, "start_offset": 0, "interval": 3, "days_ahead": 4},
    {"period": "month", "count": 1, "start_offset": 0, "days_ahead": 14},
    {"period": "month", "count": 1, "start_offset": 3, "interval": 2, "days_ahead": 10},
    {"period": "quarter", "count": 1, "start_offset": 5, "days_ahead": 30},
]
#: Templates with a yearly adjustment of 10 %, from ``index_offset`` days
#: after the earliest start (the yearly template's on its own start day).
YEARLY_TEMPLATES = [
    {"period": "month", "count": 2, "index_percent": 10, "index_offset": 45},
    {"period": "quarter", "count": 1, "index_percent": 10, "index_offset": 20},
    {"period": "week", "count": 1, "interval": 4, "index_percent": 10,
     "index_offset": 60},
    {"period": "year", "count": 1, "index_percent": 10, "index_offset": 0},
    {"period": "month", "count": 1, "days_ahead": 10, "index_percent": 10,
     "index_offset": 100},
]  # fmt: skip
YEARLY_PERCENT = 10
YEARLY_BATCH = 3
#: The days the job runs (after tomorrow), and how its first run that day dies.
YEARLY_RUNS = [
    (
        400,
        "after the 1st price change (nothing committed)",
        {"RI_KILL_HOOK": "adjust", "RI_KILL_K": "1"},
    ),
    (
        800,
        "after the 3rd price change of the run (its batch not committed)",
        {"RI_KILL_HOOK": "adjust", "RI_KILL_K": "3"},
    ),
    (
        1150,
        "right after the 1st commit (invoices at new prices committed, none sent)",
        {"RI_KILL_HOOK": "commit", "RI_KILL_K": "1"},
    ),
]

OTHER_SCENARIOS = [
    "two-workers",
    "two-workers-summary",
    "two-senders",
    "sender-killed",
    "queue-job-retry",
    "downtime",
    "mail",
    "yearly-adjustment",
]


class ScenarioError(OdooError):
    """A scenario could not run (as opposed to: it ran and found a fault)."""


def say(line=""):
    print(line, flush=True)


# --------------------------------------------------------------------------
# Occurrences, computed independently of the add-on's engine
# --------------------------------------------------------------------------


def nth(period, start, n, interval=1):
    if period == "week":
        return start + timedelta(days=7 * interval * n)
    year, month = divmod(
        start.year * 12 + start.month - 1 + MONTHS_PER_STEP[period] * interval * n, 12
    )
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def expected_occurrences(period, start, end, horizon, interval=1, days_ahead=0):
    """Occurrences sent on or before ``horizon`` (``days_ahead`` days before
    them), up to the end, and the next one after them (None when past the end)."""
    due, n = [], 0
    while True:
        occurrence = nth(period, start, n, interval)
        if end and occurrence > end:
            return due, None
        if occurrence - timedelta(days=days_ahead) > horizon:
            return due, occurrence
        due.append(occurrence)
        n += 1


def round_cents(amount):
    """``amount`` rounded to the cent, half up (as Odoo rounds)."""
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def expected_prices(first_price, anchor, percent, occurrences):
    """The price of each occurrence (ascending) of a template with a yearly
    adjustment of ``percent`` from ``anchor``: the first price, plus the
    percentage once per adjustment day on or before the occurrence, rounded
    each time. Also the adjustment days that apply to them."""
    days, prices, price, n = [], [], first_price, 0
    for occurrence in occurrences:
        while (day := nth("year", anchor, n)) <= occurrence:
            days.append(day)
            price = round_cents(price * (1 + percent / 100))
            n += 1
        prices.append(price)
    return prices, days


# --------------------------------------------------------------------------
# Errors in Odoo's output, and the SMTP server
# --------------------------------------------------------------------------


EXCEPTION_LINE = re.compile(r"^([\w.]+(?:Error|Failure|Exception|Violation)\w*): (.*)$")
ADDON_FRAME = re.compile(
    r'File "([^"]*/recurring_invoice/[^"]*)", line (\d+), in (\w+)'
)


def describe_errors(text):
    """The exceptions of the tracebacks in ``text``, each with the deepest
    frame of the add-on it went through."""
    errors, frame = [], None
    for line in text.splitlines():
        if match := ADDON_FRAME.search(line):
            path = match.group(1).split("/recurring_invoice/", 1)[1]
            frame = f"recurring_invoice/{path}:{match.group(2)} {match.group(3)}"
        elif match := EXCEPTION_LINE.match(line.strip()):
            name = match.group(1).rsplit(".", 1)[-1]
            where = f" (raised through {frame})" if frame else ""
            errors.append(f"{name}: {match.group(2)[:120]}{where}")
            frame = None
    return errors


def bad_lines(text):
    """Lines telling of an error: ERROR/CRITICAL log lines, tracebacks, a
    template failure recorded by the job, an unhandled error of the loop."""
    bad = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if (
            (match and match.group(1) in ("ERROR", "CRITICAL"))
            or line.startswith("Traceback")
            or "UNHANDLED" in line
            or TEMPLATE_FAILED.search(line)
        ):
            bad.append(line.strip()[:300])
    return bad


class SmtpServer:
    """faults/smtp_server.py in a subprocess, on a port of its own; stopped
    (nothing listens on the port: connections are refused) when its mode is
    None. Its files are the scenario's (``name``): each counts only what it
    was sent."""

    def __init__(self, workdir, name):
        self.mode_file = workdir / f"{name}-smtp-mode.json"
        self.log = workdir / f"{name}-smtp-received.jsonl"
        self.log.write_text("")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc = None

    def set_mode(self, mode):
        if mode is None:
            self.stop()
            return
        self.mode_file.write_text(json.dumps(mode))
        if self.proc is None:
            self.proc = subprocess.Popen(
                [
                    sys.executable, str(FAULTS / "smtp_server.py"),
                    "--port", str(self.port), "--mode-file", str(self.mode_file),
                    "--log", str(self.log),
                ],
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            line = self.proc.stdout.readline()
            if not line.startswith("LISTENING"):
                raise ScenarioError(f"SMTP server did not start: {line!r}")

    def received(self):
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def found(*checks):
    """The messages of the ``(count, message)`` checks that counted something."""
    return [message for count, message in checks if count]


def parse_date(value):
    return date.fromisoformat(value) if value else None


def check_database(odoo, db, horizon):
    """Compare the database with the occurrences due on or before ``horizon``.

    Returns (figures, problems): figures for the report, problems a list of
    what is wrong (empty: exactly once)."""
    templates = odoo.sql(
        db,
        "SELECT id, recurring_period, recurring_start_date, recurring_end_date, "
        "recurring_next_date, recurring_state, state, "
        "recurring_make_error IS NOT NULL, journal_id, recurring_interval, "
        "recurring_days_ahead "
        "FROM account_move WHERE recurring_state IS NOT NULL ORDER BY id",
    )
    invoices = odoo.sql(
        db,
        "SELECT id, recurring_template_id, recurring_occurrence_date, state, name, "
        "sequence_prefix, sequence_number, invoice_date, date "
        "FROM account_move WHERE recurring_template_id IS NOT NULL ORDER BY id",
    )
    expected, problems = check_templates(templates, horizon)
    days_ahead = {int(row[0]): int(row[-1] or 0) for row in templates}
    made, invoice_problems = check_invoices(invoices, expected, days_ahead)
    numbering = check_numbering(odoo, db, {row[-3] for row in templates})
    sending = check_sending(odoo, db)
    problems += invoice_problems + numbering.pop("problems") + sending.pop("problems")
    figures = {
        "templates": len(templates),
        "expected": len(expected),
        "made": len(invoices),
        **made,
        **numbering,
        **sending,
    }
    return figures, problems


def check_templates(templates, horizon):
    """The occurrences each template must have made by ``horizon``, and what
    is wrong with the templates: next date and state, posted, failed."""
    problems = []
    expected = set()
    for row in templates:
        tid, period, start, end, next_date, rstate, state, error = row[:8]
        interval, days_ahead = int(row[-2] or 1), int(row[-1] or 0)
        due, following = expected_occurrences(
            period, parse_date(start), parse_date(end), horizon, interval, days_ahead
        )
        expected.update((int(tid), occurrence) for occurrence in due)
        want_state = "active" if following else "ended"
        if parse_date(next_date) != following or rstate != want_state:
            problems.append(
                f"template {tid}: next {next_date or None}/{rstate}, "
                f"want {following}/{want_state}"
            )
        if state != "draft":
            problems.append(f"template {tid} is {state}")
        if error == "t":
            problems.append(f"template {tid} has a recorded error")
    return expected, problems


def check_invoices(invoices, expected, days_ahead):
    """One posted invoice per expected (template, occurrence), dated on its
    send day (its template's ``days_ahead`` days before the occurrence); within
    a template, made and numbered oldest first."""
    made = Counter()
    per_template = defaultdict(list)
    not_posted = drafts = wrong_dates = 0
    for iid, tid, occ, state, _name, prefix, number, inv_date, acc_date in invoices:
        occurrence = parse_date(occ)
        made[(int(tid), occurrence)] += 1
        if state != "posted":
            not_posted += 1
            drafts += state == "draft"
        send_day = occurrence - timedelta(days=days_ahead[int(tid)])
        if parse_date(inv_date) != send_day or parse_date(acc_date) != send_day:
            wrong_dates += 1
        per_template[int(tid)].append((int(iid), occurrence, prefix, int(number or 0)))
    duplicates = sum(count - 1 for count in made.values() if count > 1)
    missing = sorted(expected - set(made))
    extra = sorted(set(made) - expected)
    problems = found(
        (duplicates, f"{duplicates} duplicate invoice(s)"),
        (missing, f"{len(missing)} occurrence(s) without invoice: {missing[:3]}"),
        (extra, f"{len(extra)} invoice(s) for no due occurrence: {extra[:3]}"),
        (not_posted, f"{not_posted} invoice(s) not posted ({drafts} draft)"),
        (wrong_dates, f"{wrong_dates} invoice(s) not dated on their send day"),
    )
    # Oldest first: the creation order (ids) and the invoice numbers (prefix,
    # number) both follow the occurrence dates.
    disordered = 0
    for rows in per_template.values():
        by_number = [row[1] for row in sorted(rows, key=lambda row: row[2:])]
        by_id = [row[1] for row in sorted(rows)]
        if by_number != sorted(by_number) or by_id != sorted(by_id):
            disordered += 1
    if disordered:
        problems.append(f"{disordered} template(s) not invoiced oldest first")
    figures = {
        "duplicates": duplicates,
        "missing": len(missing),
        "not_posted": not_posted,
    }
    return figures, problems


def check_numbering(odoo, db, journals):
    """The posted entries of the templates' journals: per sequence prefix
    (one per year), numbers 1..n without gap, no number twice."""
    problems = []
    gaps = doubles = 0
    prefixes = {}
    journals = sorted(j for j in journals if j)
    numbers = []
    if journals:
        numbers = odoo.sql(
            db,
            "SELECT sequence_prefix, sequence_number, name FROM account_move "
            f"WHERE journal_id IN ({','.join(journals)}) AND state = 'posted'",
        )
    by_prefix = defaultdict(list)
    names = Counter()
    for prefix, number, name in numbers:
        by_prefix[prefix].append(int(number))
        names[name] += 1
    for prefix, nums in sorted(by_prefix.items()):
        distinct = set(nums)
        doubles += len(nums) - len(distinct)
        gap = set(range(1, max(distinct) + 1)) - distinct
        gaps += len(gap)
        prefixes[prefix] = f"{min(distinct)}-{max(distinct)}"
        if gap:
            problems.append(f"gap in {prefix}: {sorted(gap)[:5]}")
    doubles += sum(count - 1 for count in names.values() if count > 1)
    if doubles:
        problems.append(f"{doubles} doubled invoice number(s)")
    return {"gaps": gaps, "doubles": doubles, "numbers": prefixes, "problems": problems}


def check_sending(odoo, db):
    """Each invoice made is sent exactly once: sending state ``sent`` after one
    attempt, one invoice e-mail (a comment message with the customer as
    recipient) in its chatter, and reported in a daily summary.

    Skipped (``sending: None``) when the add-on does not send invoices."""
    column = odoo.sql(
        db,
        "SELECT 1 FROM information_schema.columns WHERE table_name = "
        "'account_move' AND column_name = 'recurring_send_state'",
    )
    if not column:
        return {"sending": None, "problems": []}
    rows = odoo.sql(
        db,
        """
        SELECT i.id, i.recurring_send_state, i.recurring_send_attempts,
               i.recurring_send_to_report, i.is_move_sent,
               (SELECT count(*) FROM mail_message m
                 WHERE m.model = 'account.move' AND m.res_id = i.id
                   AND m.message_type = 'comment'
                   AND m.subtype_id = (SELECT res_id FROM ir_model_data
                                        WHERE module = 'mail'
                                          AND name = 'mt_comment'))
          FROM account_move i
         WHERE i.recurring_template_id IS NOT NULL
        """,
    )
    unsent = double = retried = unreported = 0
    mails = 0
    for _id, state, attempts, to_report, is_sent, messages in rows:
        messages = int(messages)
        mails += messages
        if state != "sent" or is_sent != "t" or not messages:
            unsent += 1
        if messages > 1:
            double += messages - 1
        if int(attempts or 0) != 1:
            retried += 1
        if to_report == "t":
            unreported += 1
    summaries = int(
        odoo.sql(
            db,
            "SELECT count(*) FROM mail_message WHERE model = 'res.users' "
            "AND subject LIKE 'Summary of recurring invoices%'",
        )[0][0]
    )
    problems = found(
        (unsent, f"{unsent} invoice(s) not sent"),
        (double, f"{double} invoice e-mail(s) sent twice"),
        (retried, f"{retried} invoice(s) not sent at the first attempt"),
        (unreported, f"{unreported} invoice(s) left out of the daily summary"),
    )
    sending = {
        "sent": len(rows) - unsent,
        "mails": mails,
        "double_sent": double,
        "summaries": summaries,
    }
    return {"sending": sending, "problems": problems}


def check_yearly_prices(odoo, db, first_prices):
    """Each template's yearly adjustment applied once per adjustment day up to
    its last invoice, recorded as its last one, and each invoice at the price
    of its occurrence (see ``expected_prices``)."""
    templates = odoo.sql(
        db,
        "SELECT id, recurring_index_percent, recurring_index_date, "
        "recurring_index_last_date FROM account_move "
        "WHERE recurring_state IS NOT NULL ORDER BY id",
    )
    invoices = defaultdict(list)
    for tid, occurrence, price in odoo.sql(
        db,
        "SELECT i.recurring_template_id, i.recurring_occurrence_date, "
        "line.price_unit FROM account_move i "
        "JOIN account_move_line line ON line.move_id = i.id "
        "AND line.display_type = 'product' "
        "WHERE i.recurring_template_id IS NOT NULL",
    ):
        invoices[int(tid)].append((parse_date(occurrence), float(price)))
    applied = defaultdict(list)
    for tid, day, first_invoice, state in odoo.sql(
        db,
        "SELECT template_id, effective_date, applied_date, state "
        "FROM recurring_price_adjustment WHERE kind = 'yearly'",
    ):
        applied[int(tid)].append((parse_date(day), parse_date(first_invoice), state))
    problems = []
    figures = {"expected": 0, "applied": 0, "twice": 0, "missing": 0}
    checked = wrong = 0
    for tid, percent, anchor, last in templates:
        tid = int(tid)
        made = sorted(invoices[tid])
        occurrences = [occurrence for occurrence, _price in made]
        want, days = expected_prices(
            first_prices[tid], parse_date(anchor), float(percent), occurrences
        )
        for (occurrence, price), expected in zip(made, want, strict=True):
            checked += 1
            if abs(price - expected) > 0.001:
                wrong += 1
                if wrong <= 3:
                    problems.append(
                        f"template {tid}: invoice of {occurrence} at {price}, "
                        f"want {expected}"
                    )
        got = Counter(day for day, _first, _state in applied[tid])
        figures["expected"] += len(days)
        figures["applied"] += sum(got.values())
        twice = sum(count - 1 for count in got.values() if count > 1)
        missing = sorted(set(days) - set(got))
        extra = sorted(set(got) - set(days))
        figures["twice"] += twice
        figures["missing"] += len(missing)
        if twice:
            problems.append(
                f"template {tid}: {twice} yearly adjustment(s) applied twice"
            )
        if missing or extra:
            problems.append(
                f"template {tid}: yearly adjustments {sorted(got)}, want {days}"
            )
        for day, first_invoice, state in applied[tid]:
            reached = next((o for o in occurrences if o >= day), None)
            if state != "applied" or first_invoice != reached:
                problems.append(
                    f"template {tid}: adjustment of {day} {state} for the invoice "
                    f"of {first_invoice}, want applied for {reached}"
                )
        if parse_date(last) != (days[-1] if days else None):
            problems.append(
                f"template {tid}: last yearly adjustment {last or None}, "
                f"want {days[-1] if days else None}"
            )
    figures.update(checked=checked, wrong=wrong, problems=problems)
    return figures


def figures_text(fig):
    numbers = ", ".join(f"{p}{r}" for p, r in fig["numbers"].items()) or "none"
    text = (
        f"invoices expected {fig['expected']}, made {fig['made']}, "
        f"duplicates {fig['duplicates']}, missing {fig['missing']}, "
        f"gaps {fig['gaps']}, doubles {fig['doubles']}, "
        f"not posted {fig['not_posted']} (numbers {numbers})"
    )
    sending = fig.get("sending")
    if sending:
        text += (
            f"; sent {sending['sent']}, invoice e-mails {sending['mails']}, "
            f"sent twice {sending['double_sent']}, "
            f"summary e-mails {sending['summaries']}"
        )
    return text


#: The users told about a template: its salesperson, else the user who made it
#: recurring (each when active, with an e-mail address), else the first
#: billing administrator of its company with an e-mail address.
RESPONSIBLE_USERS = """
    WITH usable AS (
        SELECT u.id FROM res_users u JOIN res_partner p ON p.id = u.partner_id
         WHERE u.active AND COALESCE(p.email, '') <> ''
    ), admins AS (
        SELECT rel.cid AS company_id, min(u.id) AS id
          FROM res_users u
          JOIN res_partner p ON p.id = u.partner_id
          JOIN res_company_users_rel rel ON rel.user_id = u.id
          JOIN res_groups_users_rel g ON g.uid = u.id
          JOIN ir_model_data d ON d.res_id = g.gid AND d.model = 'res.groups'
               AND d.module = 'account' AND d.name = 'group_account_manager'
         WHERE u.active AND COALESCE(p.email, '') <> '' AND NOT u.share
         GROUP BY rel.cid
    )
    SELECT DISTINCT COALESCE(
        (SELECT id FROM usable WHERE id = t.invoice_user_id),
        (SELECT id FROM usable WHERE id = t.recurring_user_id),
        (SELECT id FROM admins WHERE company_id = t.company_id))
      FROM account_move t WHERE t.recurring_state IS NOT NULL
"""


def check_mail_queue(odoo, db):
    """Each invoice made has exactly one invoice e-mail in Odoo's mail queue
    (``mail.mail`` of the job for it, whatever its state: run this before the
    queue delivers and deletes them) and each responsible user (see
    RESPONSIBLE_USERS) one summary message, nobody else any."""
    per_invoice = odoo.sql(
        db,
        """
        SELECT i.id, (SELECT count(*) FROM mail_mail m
                       WHERE m.recurring_invoice_id = i.id)
          FROM account_move i
         WHERE i.recurring_template_id IS NOT NULL
        """,
    )
    none = sum(1 for _id, n in per_invoice if int(n) == 0)
    twice = sum(int(n) - 1 for _id, n in per_invoice if int(n) > 1)
    users = {row[0] for row in odoo.sql(db, RESPONSIBLE_USERS)}
    summaries = dict(
        odoo.sql(
            db,
            "SELECT res_id, count(*) FROM mail_message WHERE model = 'res.users' "
            "AND subject LIKE 'Summary of recurring invoices%' GROUP BY res_id",
        )
    )
    per_user = {user: int(summaries.get(user, 0)) for user in users}
    problems = found(
        (none, f"{none} invoice(s) without an e-mail in the mail queue"),
        (twice, f"{twice} invoice e-mail(s) queued twice"),
    )
    for user, count in sorted(per_user.items()):
        if count != 1:
            problems.append(f"{count} summaries for user {user}, want 1")
    strangers = sorted(set(summaries) - users)
    if strangers:
        problems.append(f"summaries for users {strangers} responsible for nothing")
    figures = {
        "queued": sum(int(n) for _id, n in per_invoice),
        "queued_twice": twice,
        "summary_users": per_user,
    }
    return figures, problems


def queue_text(fig):
    users = ", ".join(f"user {u}: {n}" for u, n in sorted(fig["summary_users"].items()))
    return (
        f"mail queue: {fig['queued']} invoice e-mails (twice: "
        f"{fig['queued_twice']}), summaries per responsible user: {users or 'none'}"
    )


# --------------------------------------------------------------------------
# The suite
# --------------------------------------------------------------------------


class Suite:
    def __init__(self, keep_logs=False, real_pdf=False):
        self.real_pdf = real_pdf
        self.prefix = f"ri_faults_{uuid.uuid4().hex[:8]}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.prefix}_"))
        self.keep_logs = keep_logs
        self.odoo = None
        self.dbs = []
        self.base = None
        self.base_error = None
        self.tomorrow = None
        self.results = []
        self.skipped = []
        self._crash_db = None

    # -- helpers --------------------------------------------------------------

    def db(self, suffix):
        name = f"{self.prefix}_{suffix}".replace("-", "_")
        self.dbs.append(name)
        return name

    def log(self, name):
        return self.workdir / f"{name}.log"

    def script(self, name):
        return str(FAULTS / name)

    def run_job(self, db, name, days, batch, **env):
        """The job, in one ``odoo shell``, run at 06:30 local time ``days``
        after tomorrow; returns its RESULT."""
        job_env = self.job_env(days, batch, name, **env)
        return self.odoo.shell(db, self.script("shell_job.py"), job_env, self.log(name))

    def job_env(self, days, batch, worker, **env):
        now_local = self.tomorrow + timedelta(days=days)
        return {
            "RI_NOW_LOCAL": f"{now_local.isoformat()}T06:30",
            "RI_BATCH": str(batch),
            "RI_WORKER": worker,
            "RI_REAL_PDF": "1" if self.real_pdf else "",
            **env,
        }

    def with_templates(self, suffix, groups):
        """A clone of the base database with ``groups`` of templates."""
        db = self.db(suffix)
        self.odoo.clone(self.base, db)
        result = self.odoo.shell(
            db,
            self.script("shell_templates.py"),
            {"RI_TEMPLATES": json.dumps(groups)},
            self.log(f"{suffix}-setup"),
        )
        tomorrow = date.fromisoformat(result["tomorrow"])
        if tomorrow != self.tomorrow:
            raise ScenarioError(f"templates start {tomorrow}, not {self.tomorrow}")
        return db, result

    def report(self, name, ok, details):
        self.results.append((name, ok))
        say(f"{'PASS' if ok else 'FAIL'} {name}: {details}")

    def skip(self, name, reason):
        self.skipped.append(name)
        say(f"SKIP {name}: {reason}")

    def conclude(self, name, details, problems):
        """Report ``name``: passed when it found no problem, else failed with
        its problems after the details."""
        if problems:
            details += "; PROBLEMS: " + "; ".join(problems)
        self.report(name, not problems, details)

    # -- setup ----------------------------------------------------------------

    def setup(self):
        started = time.monotonic()
        self.odoo = Odoo(bad_lines=bad_lines)
        self.base = self.db("base")
        log = self.log("base-install")
        rc = self.odoo.install(self.base, [ADDON], log=log)
        bad = bad_lines(log.read_text())
        if rc or bad:
            raise ScenarioError(f"install failed (rc {rc}): {bad[:1]} see {log}")
        installed = time.monotonic() - started
        result = self.odoo.shell(
            self.base,
            self.script("shell_base.py"),
            {"RI_CUSTOMERS": "50"},
            self.log("base-data"),
        )
        self.tomorrow = date.fromisoformat(result["tomorrow"])
        say(
            f"setup: base database {self.base} (chart {result['chart']}, tax "
            f"{result['tax']}, {result['customers']} customers) in "
            f"{time.monotonic() - started:.1f}s (install {installed:.1f}s); "
            f"templates start {self.tomorrow}"
        )

    # -- scenarios ------------------------------------------------------------

    def crash_template_db(self):
        if self._crash_db is None:
            started = time.monotonic()
            self._crash_db, result = self.with_templates("crash_tpl", CRASH_TEMPLATES)
            self._crash_setup = time.monotonic() - started
            self._crash_templates = result["templates"]
        return self._crash_db

    def scenario_crash(self, name, what, env):
        started = time.monotonic()
        source = self.crash_template_db()
        db = self.db(name)
        self.odoo.clone(source, db)
        horizon = self.tomorrow + timedelta(days=CRASH_DAYS)
        job_env = self.job_env(CRASH_DAYS, CRASH_BATCH, f"{name}-killed", **env)
        t0 = time.monotonic()
        shell = self.odoo.start_shell(
            db, self.script("shell_job.py"), job_env, self.log(f"{name}-killed")
        )
        if name == "crash-external-kill":
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
                f"the job was not killed (exit {rc}): {shell.bad[:1]} "
                f"see {shell.log}"
            )
        made_before_kill = sum(line.startswith("MADE ") for line in shell.lines)
        self.odoo.wait_idle(db)
        committed = int(
            self.odoo.sql(
                db,
                "SELECT count(*) FROM account_move "
                "WHERE recurring_template_id IS NOT NULL",
            )[0][0]
        )
        rerun = self.run_job(db, f"{name}-rerun", CRASH_DAYS, CRASH_BATCH)
        figures, problems = check_database(self.odoo, db, horizon)
        if (
            env.get("RI_KILL_HOOK") in ("invoice", "sequence")
            and env.get("RI_KILL_CALL") == "1"
            and committed
        ):
            problems.append(f"{committed} invoices committed before the 1st commit")
        hook = env.get("RI_KILL_HOOK")
        if hook in ("commit", "sent_commit", "send", "summary") and not committed:
            problems.append("nothing committed before a kill after a commit")
        summaries = (figures.get("sending") or {}).get("summaries", 1)
        if summaries != 1:
            problems.append(f"{summaries} summary e-mails, want 1")
        if rerun["invoices_committed"] != figures["expected"] - committed:
            problems.append(
                f"the rerun made {rerun['invoices_committed']}, want "
                f"{figures['expected'] - committed}"
            )
        extra = f", {made_before_kill} made when killed" if made_before_kill else ""
        details = (
            f"{what}; {committed} invoices committed before the kill{extra}, "
            f"{rerun['invoices_committed']} made and {rerun['invoices_sent']} sent "
            f"by the rerun "
            f"({rerun['calls']} batches of {CRASH_BATCH}); "
            f"{figures_text(figures)}; {figures['templates']} templates; "
            f"killed after {killed_after:.1f}s, rerun {rerun['elapsed']:.1f}s, "
            f"total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def run_workers(self, db, name, days, batch, worker_env=None, **env):
        """Run two job processes on ``db`` that start at the same moment (with
        ``env``, and ``worker_env[worker]`` for worker "A" or "B"); returns
        their shells (ended) and the wall time from the start."""
        go_file = self.workdir / f"{name}.go"
        shells = []
        try:
            for worker in ("A", "B"):
                job_env = self.job_env(
                    days,
                    batch,
                    f"{name}-{worker}",
                    RI_GO_FILE=str(go_file),
                    **env,
                    **(worker_env or {}).get(worker, {}),
                )
                shells.append(
                    self.odoo.start_shell(
                        db,
                        self.script("shell_job.py"),
                        job_env,
                        self.log(f"{name}-{worker}"),
                    )
                )
            for shell in shells:
                if not shell.wait_line(lambda line: line == "READY", timeout=180):
                    raise ScenarioError(f"a worker did not start, see {shell.log}")
            started = time.monotonic()
            go_file.touch()
            for shell in shells:
                shell.wait(600)
            return shells, time.monotonic() - started
        finally:
            for shell in shells:
                shell.kill()

    @staticmethod
    def worker_problems(shells):
        """(problems, results) of worker processes: a crash, an error in the
        output (a traceback, an ERROR line, a template failure)."""
        return Suite.worker_problems_of(zip(shells, ("A", "B"), strict=True))

    @staticmethod
    def worker_problems_of(shells):
        """worker_problems of (shell, worker name) pairs."""
        problems, results = [], []
        for shell, worker in shells:
            result = shell.result
            results.append(result)
            if shell.returncode or result is None:
                problems.append(f"worker {worker} exited {shell.returncode}")
            errors = describe_errors(shell.output) or shell.bad
            if errors:
                problems.append(
                    f"worker {worker} hit {len(errors)} error(s): {errors[0]}"
                )
        return problems, results

    def scenario_two_workers(self):
        name = "two-workers"
        started = time.monotonic()
        db, _setup = self.with_templates(
            "workers", [{"period": "month", "count": WORKERS_TEMPLATES}]
        )
        setup_time = time.monotonic() - started
        shells, run_time = self.run_workers(db, name, 0, WORKERS_BATCH)
        figures, problems = check_database(self.odoo, db, self.tomorrow)
        worker_problems, results = self.worker_problems(shells)
        problems += worker_problems
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
        details = (
            f"{figures_text(figures)}; {figures['templates']} templates, "
            f"batch {WORKERS_BATCH}; {'; '.join(parts)}; "
            f"run {run_time:.1f}s ({figures['made'] / max(run_time, 0.001):.0f} "
            f"invoices/s), setup {setup_time:.1f}s"
        )
        self.conclude(name, details, problems)

    def scenario_summary_race(self):
        """Two workers finish together: the invoices are all made and sent,
        not yet reported (a first run's summary step is skipped, as when the
        other worker's sends were still in flight), and both workers enter the
        daily summary step at the same moment."""
        name = "two-workers-summary"
        started = time.monotonic()
        db, _setup = self.with_templates(
            "summary", [{"period": "month", "count": SUMMARY_TEMPLATES}]
        )
        prep = self.run_job(db, f"{name}-prep", 0, 50, RI_SKIP_SUMMARY="1")
        if not prep.get("summary_hook"):
            raise ScenarioError("no _recurring_send_summaries to hold the workers at")
        to_report = int(
            self.odoo.sql(
                db,
                "SELECT count(*) FROM account_move "
                "WHERE recurring_send_to_report OR recurring_make_to_report",
            )[0][0]
        )
        barrier = self.workdir / f"{name}.barrier"
        shells, run_time = self.run_workers(
            db, name, 0, 50, RI_SUMMARY_BARRIER=str(barrier)
        )
        figures, problems = check_database(self.odoo, db, self.tomorrow)
        worker_problems, results = self.worker_problems(shells)
        problems += worker_problems
        if not all(result and result["barrier_met"] for result in results):
            problems.append("the workers did not reach the summary together")
        summaries = (figures.get("sending") or {}).get("summaries")
        if summaries != 1:
            problems.append(f"{summaries} summary e-mails for one set of invoices")
        parts = [
            f"{worker}: finish {result.get('finishes')}, summary calls "
            f"{result['summaries']}, errors {result['errors']}"
            for worker, result in zip(("A", "B"), results, strict=True)
            if result
        ]
        details = (
            f"{to_report} invoices sent and not yet reported, both workers "
            f"finishing at once; {figures_text(figures)}; {'; '.join(parts)}; "
            f"run {run_time:.1f}s, total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def made_to_send(self, name, templates):
        """A database with ``templates`` due monthly templates whose invoices
        are made and posted, none sent (as the maker leaves them to the
        sending workers). Returns (db, figures text)."""
        started = time.monotonic()
        db, _setup = self.with_templates(
            name, [{"period": "month", "count": templates}]
        )
        made = self.run_job(db, f"{name}-make", 0, MAKE_BATCH, RI_LOOP="make")
        to_send, sent = (
            int(n)
            for n in self.odoo.sql(
                db,
                "SELECT count(*) FILTER (WHERE recurring_send_state = 'to_send'), "
                "count(*) FILTER (WHERE recurring_send_state <> 'to_send') "
                "FROM account_move WHERE recurring_template_id IS NOT NULL",
            )[0]
        )
        if to_send != templates or sent:
            raise ScenarioError(
                f"the maker left {to_send} invoices to send and {sent} others, "
                f"want {templates} to send"
            )
        return db, (
            f"{to_send} invoices made and left to send in {made['calls']} batches "
            f"of {MAKE_BATCH} ({made['elapsed']:.1f}s, setup "
            f"{time.monotonic() - started:.1f}s)"
        )

    def scenario_two_senders(self):
        """Two sending workers (``_cron_recurring_send`` in a loop, as two
        copies of the sending scheduled action) start together on 500
        invoices: each invoice sent once, by one of them, both send some, one
        summary per responsible user."""
        name = "two-senders"
        started = time.monotonic()
        db, made = self.made_to_send("senders", SEND_TEMPLATES)
        shells, run_time = self.run_workers(db, name, 0, SEND_BATCH, RI_LOOP="send")
        figures, problems = check_database(self.odoo, db, self.tomorrow)
        queue, queue_problems = check_mail_queue(self.odoo, db)
        problems += queue_problems
        worker_problems, results = self.worker_problems(shells)
        problems += worker_problems
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
        details = (
            f"{made}; sent by A/B {'/'.join(map(str, split))}, batches of "
            f"{SEND_BATCH}: {'; '.join(parts)}; {figures_text(figures)}; "
            f"{queue_text(queue)}; run {run_time:.1f}s "
            f"({SEND_TEMPLATES / max(run_time, 0.001):.0f} invoices/s), "
            f"total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def scenario_sender_killed(self):
        """Two sending workers; A is killed (SIGKILL) in the middle of its
        second batch while B sends: five invoices sent (PDF made, e-mail
        queued) in A's transaction, none committed. B and a later run of the
        job finish the work; then Odoo's mail queue delivers to an SMTP server:
        each invoice's e-mail reaches it exactly once, one summary."""
        name = "sender-killed"
        started = time.monotonic()
        db, made = self.made_to_send("sender_killed", SEND_KILL_TEMPLATES)
        smtp = SmtpServer(self.workdir, name)
        problems = []
        try:
            smtp.set_mode({"mode": "ok"})
            self.odoo.shell(
                db,
                self.script("shell_mail.py"),
                {"RI_MAIL_STEP": "setup", "RI_SMTP_PORT": str(smtp.port)},
                self.log(f"{name}-mail-setup"),
            )
            kill = {"RI_KILL_HOOK": "send", "RI_KILL_K": str(SEND_KILL_AT)}
            shells, run_time = self.run_workers(
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
            survivor_problems, (result_b,) = self.worker_problems_of([(survivor, "B")])
            problems += survivor_problems
            self.odoo.wait_idle(db)
            later = self.run_job(db, f"{name}-later", 0, MAKE_BATCH)
            queue, queue_problems = check_mail_queue(self.odoo, db)
            problems += queue_problems
            queue_run = self.odoo.shell(
                db,
                self.script("shell_mail.py"),
                {"RI_MAIL_STEP": "queue"},
                self.log(f"{name}-mail-queue"),
            )
            received = smtp.received()
        finally:
            smtp.stop()
        figures, db_problems = check_database(self.odoo, db, self.tomorrow)
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
            self.odoo.sql(
                db,
                "SELECT id, name FROM account_move "
                "WHERE recurring_template_id IS NOT NULL",
            )
        )
        per_invoice = Counter()
        summaries = 0
        for message in received:
            per_invoice.update(n for n in names.values() if n in message["subject"])
            summaries += message["subject"].startswith("Summary of recurring invoices")
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
            for state, n in self.odoo.sql(
                db,
                "SELECT state, count(*) FROM mail_mail WHERE recurring_job_mail "
                "AND state IN ('outgoing', 'exception') GROUP BY state",
            )
        ]
        if left:
            problems.append(f"e-mails of the job left in the queue: {', '.join(left)}")
        details = (
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
            f"{queue_run['elapsed']:.1f}s); total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def scenario_queue_job(self):
        """The job on OCA's queue_job (the bridge add-on): the scheduled
        action enqueues make jobs, which enqueue send jobs, and a finish job;
        the first make job and the first send job fail once after doing their
        work (a retryable error before their commit) and are run again by
        queue_job: each invoice made and sent once, one summary, every job
        done. Skipped when the bridge add-on is not in this tree, or OCA's
        queue_job cannot be installed into Odoo's Python."""
        name = "queue-job-retry"
        started = time.monotonic()
        if not (FAULTS.parent / QUEUE_ADDON / "__manifest__.py").exists():
            self.skip(name, f"the add-on {QUEUE_ADDON} is not in this tree")
            return
        from harness.oca_addons import ensure_oca_addon

        why = []
        if not ensure_oca_addon(self.odoo.command, "queue_job", say=why.append):
            self.skip(name, f"OCA's queue_job is not available: {'; '.join(why)}")
            return
        db, _setup = self.with_templates(
            "queue", [{"period": "month", "count": QUEUE_TEMPLATES}]
        )
        log = self.log(f"{name}-install")
        rc = self.odoo.install(db, [QUEUE_ADDON], log=log)
        bad = bad_lines(log.read_text())
        if rc or bad:
            raise ScenarioError(f"{QUEUE_ADDON} install failed (rc {rc}): {bad[:1]}")
        setup_time = time.monotonic() - started
        env = self.job_env(0, QUEUE_BATCH, name, RI_QUEUE_FAIL=",".join(QUEUE_FAIL))
        result = self.odoo.shell(db, self.script("shell_queue.py"), env, self.log(name))
        figures, problems = check_database(self.odoo, db, self.tomorrow)
        queue, queue_problems = check_mail_queue(self.odoo, db)
        problems += queue_problems
        failed_once = result["failed_once"]
        for method in QUEUE_FAIL:
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
        for method in QUEUE_FAIL:
            if not retried[method]:
                problems.append(f"no {method} job was run again after its failure")
        if result["errors"]:
            problems.append(f"{result['errors']} job run(s) failed")
        summaries = (figures.get("sending") or {}).get("summaries")
        if summaries != 1:
            problems.append(f"{summaries} summary e-mails, want 1")
        enqueued = Counter()
        for method, _state, _retry, count in result["enqueued"]:
            enqueued[method] += count
        done = Counter()
        for (method, state), count in jobs.items():
            if state == "done":
                done[method] += count
        details = (
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
                for m in QUEUE_FAIL
            )
            + f"; {figures_text(figures)}; {queue_text(queue)}; run "
            f"{result['elapsed']:.1f}s, setup {setup_time:.1f}s, "
            f"total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def scenario_downtime(self):
        name = "downtime"
        started = time.monotonic()
        db, setup = self.with_templates("downtime", DOWNTIME_TEMPLATES)
        horizon = self.tomorrow + timedelta(days=DOWNTIME_DAYS)
        result = self.run_job(db, name, DOWNTIME_DAYS, DOWNTIME_BATCH, RI_VIA_CRON="1")
        figures, problems = check_database(self.odoo, db, horizon)
        per_period = self.odoo.sql(
            db,
            "SELECT t.recurring_period, count(i.id) FROM account_move t "
            "LEFT JOIN account_move i ON i.recurring_template_id = t.id "
            "WHERE t.recurring_state IS NOT NULL GROUP BY 1 ORDER BY 1",
        )
        if result.get("cron_failure_count"):
            problems.append(f"ir.cron failure count {result['cron_failure_count']}")
        details = (
            f"now = start + {DOWNTIME_DAYS} days 06:30 Europe/Oslo; "
            f"{figures_text(figures)}; per period "
            + ", ".join(f"{period} {count}" for period, count in per_period)
            + f"; {figures['templates']} templates, oldest first, own dates; "
            f"via ir.cron in {result['calls']} batches of {DOWNTIME_BATCH} "
            f"({result['rounds']} scheduler rounds), run {result['elapsed']:.1f}s, "
            f"total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def scenario_mail(self):
        """The mail server refuses, rate-limits, is slow, then works: the
        invoices stay posted and sent once; their e-mails wait in Odoo's queue
        and each reaches the server exactly once."""
        name = "mail"
        started = time.monotonic()
        db, _setup = self.with_templates(
            "mail", [{"period": "month", "count": MAIL_TEMPLATES}]
        )
        smtp = SmtpServer(self.workdir, name)
        try:
            self.odoo.shell(
                db,
                self.script("shell_mail.py"),
                {"RI_MAIL_STEP": "setup", "RI_SMTP_PORT": str(smtp.port)},
                self.log("mail-setup"),
            )
            job = self.run_job(db, name, 0, 5)
            rounds, problems = [], []
            for label, mode in MAIL_ROUNDS:
                smtp.set_mode(mode)
                before = len(smtp.received())
                result = self.odoo.shell(
                    db,
                    self.script("shell_mail.py"),
                    {"RI_MAIL_STEP": "queue"},
                    self.log(f"mail-{label}"),
                )
                got = len(smtp.received()) - before
                waiting = sum(
                    n for _k, state, _a, n in result["mails"] if state == "outgoing"
                )
                failed = sum(
                    n for _k, state, _a, n in result["mails"] if state == "exception"
                )
                rounds.append(
                    f"{label}: {got} delivered, {waiting} waiting, {failed} failed "
                    f"({result['elapsed']:.1f}s)"
                )
                if failed:
                    problems.append(f"{failed} e-mail(s) left failed after '{label}'")
            received = smtp.received()
        finally:
            smtp.stop()
        figures, db_problems = check_database(self.odoo, db, self.tomorrow)
        problems += db_problems
        names = [row[0] for row in self.odoo.sql(
            db,
            "SELECT name FROM account_move WHERE recurring_template_id IS NOT NULL",
        )]  # fmt: skip
        per_invoice = Counter()
        summaries = 0
        for message in received:
            hits = [n for n in names if n in message["subject"]]
            per_invoice.update(hits)
            summaries += message["subject"].startswith("Summary of recurring invoices")
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
        left = self.odoo.sql(
            db,
            "SELECT count(*) FROM mail_mail WHERE recurring_job_mail "
            "AND state IN ('outgoing', 'exception')",
        )[0][0]
        if int(left):
            problems.append(f"{left} e-mail(s) of the job still queued or failed")
        details = (
            f"{figures_text(figures)}; job {job['elapsed']:.1f}s; server "
            + "; ".join(rounds)
            + f"; the SMTP server took {len(received)} messages: "
            f"{sum(per_invoice.values())} invoice e-mails for {len(names)} "
            f"invoices (twice: {twice}), {summaries} summary; "
            f"total {time.monotonic() - started:.1f}s"
        )
        self.conclude(name, details, problems)

    def scenario_yearly(self):
        """Yearly price adjustments over three years, the job killed once on
        each day it runs: each year's adjustment applied once, every invoice
        at its occurrence's price."""
        name = "yearly-adjustment"
        started = time.monotonic()
        db, _setup = self.with_templates("yearly", YEARLY_TEMPLATES)
        first_prices = {
            int(tid): float(price)
            for tid, price in self.odoo.sql(
                db,
                "SELECT line.move_id, line.price_unit FROM account_move_line line "
                "JOIN account_move t ON t.id = line.move_id "
                "WHERE t.recurring_state IS NOT NULL "
                "AND line.display_type = 'product'",
            )
        }
        runs, problems = [], []
        for days, what, env in YEARLY_RUNS:
            label = f"{name}-day{days}"
            shell = self.odoo.start_shell(
                db,
                self.script("shell_job.py"),
                self.job_env(days, YEARLY_BATCH, f"{label}-killed", **env),
                self.log(f"{label}-killed"),
            )
            rc = shell.wait(600)
            if rc != -signal.SIGKILL:
                raise ScenarioError(
                    f"the job of day {days} was not killed (exit {rc}): "
                    f"{shell.bad[:1]} see {shell.log}"
                )
            self.odoo.wait_idle(db)
            rerun = self.run_job(db, f"{label}-rerun", days, YEARLY_BATCH)
            runs.append(
                f"day {days}: killed {what}, the rerun made "
                f"{rerun['invoices_committed']} and applied {rerun['adjusted']} "
                f"price change(s)"
            )
        horizon = self.tomorrow + timedelta(days=YEARLY_RUNS[-1][0])
        figures, problems = check_database(self.odoo, db, horizon)
        prices = check_yearly_prices(self.odoo, db, first_prices)
        problems += prices.pop("problems")
        summaries = (figures.get("sending") or {}).get("summaries")
        if summaries != len(YEARLY_RUNS):
            problems.append(f"{summaries} summary e-mails, want {len(YEARLY_RUNS)}")
        details = (
            f"{figures['templates']} templates with a yearly adjustment of "
            f"{YEARLY_PERCENT} %, run on {len(YEARLY_RUNS)} days over "
            f"{YEARLY_RUNS[-1][0]} days, batches of {YEARLY_BATCH}; "
            + "; ".join(runs)
            + f"; {prices['applied']} yearly adjustments applied for "
            f"{prices['expected']} adjustment days (twice: {prices['twice']}, "
            f"missing: {prices['missing']}), {prices['checked']} invoices at their "
            f"occurrence's price (wrong: {prices['wrong']}); "
            f"{figures_text(figures)}; total {time.monotonic() - started:.1f}s"
        )
        if problems:
            details += "; PROBLEMS: " + "; ".join(problems)
        self.report(name, not problems, details)

    def scenarios(self):
        named = {
            name: lambda n=name, w=what, e=env: self.scenario_crash(n, w, e)
            for name, env, what in CRASH_POINTS
        }
        named.update(
            {
                "two-workers": self.scenario_two_workers,
                "two-workers-summary": self.scenario_summary_race,
                "two-senders": self.scenario_two_senders,
                "sender-killed": self.scenario_sender_killed,
                "queue-job-retry": self.scenario_queue_job,
                "downtime": self.scenario_downtime,
                "mail": self.scenario_mail,
                "yearly-adjustment": self.scenario_yearly,
            }
        )
        return list(named.items())

    # -- run ------------------------------------------------------------------

    def run(self, only=None):
        started = time.monotonic()
        try:
            self.setup()
        except Exception as error:  # noqa: BLE001 - every scenario then fails
            self.base_error = f"setup failed: {error}"
            say(self.base_error)
        for name, scenario in self.scenarios():
            if only and name not in only:
                continue
            if self.base_error:
                self.report(name, False, self.base_error)
                continue
            scenario_started = time.monotonic()
            try:
                scenario()
            except Exception as error:  # noqa: BLE001 - go on with the others
                self.report(
                    name,
                    False,
                    f"could not run: {error} "
                    f"(after {time.monotonic() - scenario_started:.1f}s)",
                )
            finally:
                self.cleanup_scenario_dbs(keep={self.base, self._crash_db})
        passed = sum(ok for _name, ok in self.results)
        failed = len(self.results) - passed
        elapsed = time.monotonic() - started
        say(f"total time {elapsed:.1f}s; logs: {self.logs_note(failed)}")
        return passed, failed, len(self.skipped)

    def logs_note(self, failed):
        if failed or self.keep_logs:
            return str(self.workdir)
        return "removed (all passed; --keep-logs keeps them)"

    def cleanup_scenario_dbs(self, keep):
        if not self.odoo:
            return
        for db in list(self.dbs):
            if db not in keep:
                self.odoo.drop(db)
                self.dbs.remove(db)

    def cleanup(self, failed):
        if self.odoo:
            for shell in self.odoo.procs:
                shell.kill()
            for db in self.dbs:
                self.odoo.drop(db)
            self.odoo.close()
        if not failed and not self.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep Odoo's logs (kept on failure)"
    )
    parser.add_argument(
        "--real-pdf",
        action="store_true",
        help="render invoice PDFs with wkhtmltopdf instead of a stub (slow)",
    )
    parser.add_argument("--only", nargs="*", help="run only these scenarios (by name)")
    args = parser.parse_args()

    known = [name for name, _env, _what in CRASH_POINTS] + OTHER_SCENARIOS
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; known: {', '.join(known)}")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    suite = Suite(keep_logs=args.keep_logs, real_pdf=args.real_pdf)
    passed = failed = skipped = 0
    try:
        passed, failed, skipped = suite.run(args.only)
    except KeyboardInterrupt as error:
        say(f"interrupted: {error}")
        failed = max(failed, 1)
    finally:
        suite.cleanup(failed)
    say(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if passed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
