# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The checks: a scenario's database and processes compared with the oracle
(faults/oracle.py).

Each ``check_*`` reads a database with ``psql`` (through harness/driver.py's
:meth:`~harness.driver.Odoo.sql`) and returns figures for the report and
problems, a list of what is wrong (empty: exactly once): one posted invoice
per (template, occurrence date), dated on its send day, made and numbered
oldest first within its template, no draft left over, the sale journal
numbered without gap or double per sequence prefix, each invoice sent once
(one invoice e-mail in its chatter, one attempt) and reported in a daily
summary, each template's next date and state as the calendar says; a
template's mode says how its invoices end (posted and sent; posted only, in
``post_only``, nothing sent; drafts for review, left in draft in ``review``,
unnumbered, nothing sent), the summary telling them all the same; for a
template billing recipients (a list or a tag), one such invoice per (template,
recipient, occurrence), made out to its recipient, and nothing left owed; the
mail queue; the yearly prices. The others read the job processes' output: their
errors, their results. Plain Python.
"""

import re
from collections import Counter, defaultdict
from datetime import date, timedelta

from harness.driver import LOG_LINE

from .oracle import expected_occurrences, expected_prices

TEMPLATE_FAILED = re.compile(r"Recurring template \d+ failed")
SUMMARY_SUBJECT = "Summary of recurring invoices"

# --------------------------------------------------------------------------
# Errors in Odoo's output
# --------------------------------------------------------------------------

EXCEPTION_LINE = re.compile(r"^([\w.]+(?:Error|Failure|Exception|Violation)\w*): (.*)$")
ADDON_FRAME = re.compile(
    r'File "([^"]*/recurring_invoice/[^"]*)", line (\d+), in (\w+)'
)


def describe_errors(text, width=120):
    """The exceptions of the tracebacks in ``text``, each with the deepest
    frame of the add-on it went through (its message cut at ``width``)."""
    errors, frame = [], None
    for line in text.splitlines():
        if match := ADDON_FRAME.search(line):
            path = match.group(1).split("/recurring_invoice/", 1)[1]
            frame = f"recurring_invoice/{path}:{match.group(2)} {match.group(3)}"
        elif match := EXCEPTION_LINE.match(line.strip()):
            name = match.group(1).rsplit(".", 1)[-1]
            where = f" (raised through {frame})" if frame else ""
            errors.append(f"{name}: {match.group(2)[:width]}{where}")
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


def found(*checks):
    """The messages of the ``(count, message)`` checks that counted something."""
    return [message for count, message in checks if count]


def parse_date(value):
    return date.fromisoformat(value) if value else None


def check_database(odoo, db, horizon):
    """Compare the database with the occurrences due on or before ``horizon``,
    each template's invoices as its mode says (:data:`MODE_ENDS`).

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
        "sequence_prefix, sequence_number, invoice_date, date, "
        "recurring_billed_partner_id, partner_id "
        "FROM account_move WHERE recurring_template_id IS NOT NULL ORDER BY id",
    )
    expected, problems = check_templates(templates, horizon)
    recipients = billed_recipients(odoo, db)
    expected = recipient_units(expected, recipients)
    days_ahead = {int(row[0]): int(row[-1] or 0) for row in templates}
    modes = template_modes(odoo, db)
    made, invoice_problems = check_invoices(invoices, expected, days_ahead, modes)
    numbering = check_numbering(odoo, db, {row[-3] for row in templates})
    sending = check_sending(odoo, db, modes)
    problems += invoice_problems + numbering.pop("problems") + sending.pop("problems")
    figures = {
        "templates": len(templates),
        "expected": len(expected),
        "made": len(invoices),
        **made,
        **numbering,
        **sending,
    }
    if recipients:
        owing = check_owed(odoo, db)
        figures["recipients"] = {
            "templates": len(recipients),
            "billed": sum(len(rows) for rows in recipients.values()),
            "owing": len(owing),
        }
        if owing:
            problems.append(
                f"{len(owing)} template(s) still owing recipients' invoices: "
                f"{owing[:3]}"
            )
    return figures, problems


def check_runs(odoo, db, workers=None, summaries=None):
    """The run records (``recurring.invoice.run``): one per company and
    morning, each invoice the job made marked with a morning that has its
    run, the run's counts those of the invoices in the database; with
    ``workers``, how many workers each run with invoices names; with
    ``summaries``, the summary e-mails the runs say they sent.

    Returns (figures, problems)."""
    problems = []
    runs = odoo.sql(
        db,
        "SELECT company_id, run_date, COUNT(*), MAX(workers), "
        "BOOL_AND(finished IS NOT NULL), SUM(summary_count), MAX(due_count) "
        "FROM recurring_invoice_run GROUP BY company_id, run_date "
        "ORDER BY company_id, run_date",
    )
    doubled = [row[:3] for row in runs if int(row[2]) != 1]
    if doubled:
        problems.append(f"{len(doubled)} morning(s) with several runs: {doubled[:3]}")
    unmarked = int(
        odoo.sql(
            db,
            "SELECT COUNT(*) FROM account_move WHERE recurring_template_id IS NOT "
            "NULL AND recurring_run_date IS NULL",
        )[0][0]
    )
    if unmarked:
        problems.append(f"{unmarked} invoice(s) made by the job without a run")
    made = {
        (company, day): (int(n), int(posted), int(sent))
        for company, day, n, posted, sent in odoo.sql(
            db,
            "SELECT company_id, recurring_run_date, COUNT(*), "
            "COUNT(*) FILTER (WHERE state = 'posted'), "
            "COUNT(*) FILTER (WHERE recurring_send_state = 'sent') "
            "FROM account_move WHERE recurring_run_date IS NOT NULL "
            "GROUP BY company_id, recurring_run_date",
        )
    }
    keys = {(row[0], row[1]): row for row in runs}
    orphans = sorted(set(made) - set(keys))
    if orphans:
        problems.append(f"invoices of morning(s) without a run: {orphans[:3]}")
    for key, (n, _posted, _sent) in made.items():
        row = keys.get(key)
        if not row:
            continue
        named = [w for w in row[3].split(",") if w]
        if workers is not None and len(named) != workers:
            problems.append(
                f"run {key}: {len(named)} worker(s) {named}, want {workers}"
            )
        if row[4] != "t":
            problems.append(f"run {key} made {n} invoices and never finished")
    told = sum(int(row[5] or 0) for row in runs)
    if summaries is not None and told != summaries:
        problems.append(f"the runs say {told} summaries were sent, want {summaries}")
    figures = {
        "runs": len(runs),
        "made": sum(n for n, _p, _s in made.values()),
        "posted": sum(p for _n, p, _s in made.values()),
        "sent": sum(s for _n, _p, s in made.values()),
        "due": sum(int(row[6] or 0) for row in runs),
        "summaries": told,
        "workers": sorted({w for row in runs for w in row[3].split(",") if w}),
    }
    return figures, problems


def run_problems(odoo, db, figures, workers=None):
    """:func:`check_runs`, its counts compared with those of
    :func:`check_database` (``figures``): the invoices made and sent, the
    summary e-mails. Returns (text for the report, problems)."""
    runs, problems = check_runs(odoo, db, workers=workers)
    sending = figures["sending"]
    for what, theirs, ours in (
        ("made", figures["made"], runs["made"]),
        ("sent", sending["sent"], runs["sent"]),
        ("summaries", sending["summaries"], runs["summaries"]),
    ):
        if theirs != ours:
            problems.append(f"the runs count {ours} {what}, the database {theirs}")
    text = (
        f"runs {runs['runs']} (made {runs['made']}, sent {runs['sent']}, "
        f"summaries {runs['summaries']}, workers {len(runs['workers'])})"
    )
    return text, problems


#: What the job leaves an invoice as, by its template's mode: its state and
#: its sending state once the job is done with it (``sent``: sent once).
MODE_ENDS = {
    "post_send": ("posted", "sent"),
    "post": ("posted", "post_only"),
    "draft": ("draft", "review"),
}


def template_modes(odoo, db):
    """{template id: its mode} (a template without one: its company's, else
    post and send, as the add-on reads it)."""
    rows = odoo.sql(
        db,
        "SELECT t.id, COALESCE(t.recurring_mode, c.recurring_invoice_mode, "
        "'post_send') FROM account_move t JOIN res_company c ON c.id = t.company_id "
        "WHERE t.recurring_state IS NOT NULL",
    )
    return {int(tid): mode for tid, mode in rows}


def billed_recipients(odoo, db):
    """{template id: [(partner id, billed from or None)]} of the templates
    billing recipients, as they are now: a list's recipients not paused, or
    the active partners of the template's company carrying its tag."""
    rows = odoo.sql(
        db,
        """
        SELECT r.template_id, r.partner_id, r.start_date
          FROM recurring_invoice_recipient r
         WHERE NOT COALESCE(r.paused, false)
        UNION ALL
        SELECT t.id, p.id, NULL
          FROM account_move t
          JOIN res_partner_res_partner_category_rel rel
            ON rel.category_id = t.recurring_recipient_tag_id
          JOIN res_partner p ON p.id = rel.partner_id AND p.active
               AND (p.company_id IS NULL OR p.company_id = t.company_id)
         WHERE t.recurring_state IS NOT NULL
        """,
    )
    recipients = defaultdict(list)
    for tid, pid, start in rows:
        recipients[int(tid)].append((int(pid), parse_date(start)))
    return dict(recipients)


def recipient_units(expected, recipients):
    """The invoices due: each (template, occurrence) of ``expected``, that of a
    template billing recipients as one (template, occurrence, partner) per
    recipient billed by then."""
    units = set()
    for tid, occurrence in expected:
        if tid not in recipients:
            units.add((tid, occurrence))
            continue
        units.update(
            (tid, occurrence, pid)
            for pid, start in recipients[tid]
            if not start or start <= occurrence
        )
    return units


def check_owed(odoo, db):
    """The templates that still owe recipients' invoices (``recurring_owed``)."""
    return [
        int(row[0])
        for row in odoo.sql(
            db,
            "SELECT id FROM account_move WHERE recurring_state IS NOT NULL "
            "AND (recurring_owed IS NOT NULL OR recurring_owed_after IS NOT NULL) "
            "ORDER BY id",
        )
    ]


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


def check_invoices(invoices, expected, days_ahead, modes=None):
    """One invoice per expected (template, occurrence), or (template,
    occurrence, recipient) for a template billing recipients, made out to its
    recipient, dated on its send day (its template's ``days_ahead`` days before
    the occurrence), posted, or left in draft for a template making drafts
    for review (``modes``: {template id: mode}, post and send when not
    given), unnumbered (named '/'); within a template (and recipient), made
    oldest first, and the posted ones numbered oldest first."""
    modes = modes or {}
    made = Counter()
    per_template = defaultdict(list)
    not_posted = drafts = wrong_dates = misaddressed = 0
    reviewing = not_draft = numbered_drafts = 0
    for row in invoices:
        iid, tid, occ, state, name, prefix, number, inv_date, acc_date = row[:9]
        billed, partner = row[9:]
        occurrence = parse_date(occ)
        unit = (int(tid), occurrence) + ((int(billed),) if billed else ())
        made[unit] += 1
        if billed and partner != billed:
            misaddressed += 1
        if modes.get(int(tid), "post_send") == "draft":
            reviewing += state == "draft"
            not_draft += state != "draft"
            # a draft holding a number would leave a gap once deleted
            numbered_drafts += state == "draft" and name not in ("", "/")
        elif state != "posted":
            not_posted += 1
            drafts += state == "draft"
        send_day = occurrence - timedelta(days=days_ahead[int(tid)])
        if parse_date(inv_date) != send_day or parse_date(acc_date) != send_day:
            wrong_dates += 1
        per_template[int(tid), billed].append(
            (int(iid), occurrence, prefix, int(number or 0), state == "posted")
        )
    duplicates = sum(count - 1 for count in made.values() if count > 1)
    missing = sorted(expected - set(made))
    extra = sorted(set(made) - expected)
    problems = found(
        (duplicates, f"{duplicates} duplicate invoice(s)"),
        (missing, f"{len(missing)} occurrence(s) without invoice: {missing[:3]}"),
        (extra, f"{len(extra)} invoice(s) for no due occurrence: {extra[:3]}"),
        (not_posted, f"{not_posted} invoice(s) not posted ({drafts} draft)"),
        (not_draft, f"{not_draft} draft(s) for review not left in draft"),
        (numbered_drafts, f"{numbered_drafts} draft(s) for review numbered"),
        (wrong_dates, f"{wrong_dates} invoice(s) not dated on their send day"),
        (misaddressed, f"{misaddressed} invoice(s) not made out to their recipient"),
    )
    # Oldest first: the creation order (ids) and the invoice numbers (prefix,
    # number) of the posted ones both follow the occurrence dates.
    disordered = 0
    for rows in per_template.values():
        numbered = sorted((row for row in rows if row[4]), key=lambda row: row[2:4])
        by_number = [row[1] for row in numbered]
        by_id = [row[1] for row in sorted(rows)]
        if by_number != sorted(by_number) or by_id != sorted(by_id):
            disordered += 1
    if disordered:
        problems.append(f"{disordered} template(s) not invoiced oldest first")
    figures = {
        "duplicates": duplicates,
        "missing": len(missing),
        "not_posted": not_posted,
        "misaddressed": misaddressed,
        "drafts": reviewing,
        "not_draft": not_draft,
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


def check_sending(odoo, db, modes=None):
    """Each invoice made is sent exactly once: sending state ``sent`` after one
    attempt, one invoice e-mail (a comment message with the customer as
    recipient) in its chatter, and reported in a daily summary. One of a
    template that posts only or makes drafts for review (``modes``: {template
    id: mode}, post and send when not given) is never sent: in its first
    sending state (``post_only``, ``review``), no attempt, not marked sent, no
    invoice e-mail in its chatter nor in the mail queue; and reported all the
    same."""
    modes = modes or {}
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
                                          AND name = 'mt_comment')),
               i.recurring_template_id,
               (SELECT count(*) FROM mail_mail q WHERE q.recurring_invoice_id = i.id)
          FROM account_move i
         WHERE i.recurring_template_id IS NOT NULL
        """,
    )
    unsent = double = retried = unreported = 0
    mails = 0
    kept = Counter()
    wrong_state = Counter()
    sent_anyway = Counter()
    for _id, state, attempts, to_report, is_sent, messages, tid, queued in rows:
        messages = int(messages)
        mails += messages
        if to_report == "t":
            unreported += 1
        mode = modes.get(int(tid), "post_send")
        if mode != "post_send":
            want = MODE_ENDS[mode][1]
            kept[want] += 1
            if state != want:
                wrong_state[mode] += 1
            if is_sent == "t" or messages or int(queued) or int(attempts or 0):
                sent_anyway[mode] += 1
            continue
        if state != "sent" or is_sent != "t" or not messages:
            unsent += 1
        if messages > 1:
            double += messages - 1
        if int(attempts or 0) != 1:
            retried += 1
    summaries = int(
        odoo.sql(
            db,
            "SELECT count(*) FROM mail_message WHERE model = 'res.users' "
            f"AND subject LIKE '{SUMMARY_SUBJECT}%'",
        )[0][0]
    )
    problems = found(
        (unsent, f"{unsent} invoice(s) not sent"),
        (double, f"{double} invoice e-mail(s) sent twice"),
        (retried, f"{retried} invoice(s) not sent at the first attempt"),
        (unreported, f"{unreported} invoice(s) left out of the daily summary"),
    )
    for mode, count in sorted(wrong_state.items()):
        problems.append(
            f"{count} invoice(s) of {mode}-mode templates not in "
            f"{MODE_ENDS[mode][1]}"
        )
    for mode, count in sorted(sent_anyway.items()):
        problems.append(
            f"{count} invoice(s) of {mode}-mode templates sent (marked sent, "
            "attempted, an e-mail in the chatter or the mail queue)"
        )
    sending = {
        "sent": len(rows) - unsent - sum(kept.values()),
        "mails": mails,
        "double_sent": double,
        "summaries": summaries,
    }
    if kept:
        sending["kept"] = dict(kept)
        sending["sent_anyway"] = sum(sent_anyway.values())
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
    sending = fig["sending"]
    text += (
        f"; sent {sending['sent']}, invoice e-mails {sending['mails']}, "
        f"sent twice {sending['double_sent']}, "
        f"summary e-mails {sending['summaries']}"
    )
    if "kept" in sending:
        kept = sending["kept"]
        text += (
            f"; drafts for review {kept.get('review', 0)} ({fig['drafts']} in "
            f"draft, {fig['not_draft']} not), posted only "
            f"{kept.get('post_only', 0)}, of these sent {sending['sent_anyway']}"
        )
    if "recipients" in fig:
        rec = fig["recipients"]
        text += (
            f"; {rec['templates']} template(s) billing {rec['billed']} recipients, "
            f"invoices not made out to their recipient {fig['misaddressed']}, "
            f"templates still owing {rec['owing']}"
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
            f"AND subject LIKE '{SUMMARY_SUBJECT}%' GROUP BY res_id",
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
# The job processes, and what the SMTP server took
# --------------------------------------------------------------------------


def worker_problems(shells):
    """(problems, results) of job processes, (shell, worker name) pairs: a
    crash, an error in the output (a traceback, an ERROR line, a template
    failure)."""
    problems, results = [], []
    for shell, worker in shells:
        result = shell.result
        results.append(result)
        if shell.returncode or result is None:
            problems.append(f"worker {worker} exited {shell.returncode}")
        errors = describe_errors(shell.output) or shell.bad
        if errors:
            problems.append(f"worker {worker} hit {len(errors)} error(s): {errors[0]}")
    return problems, results


def deliveries(received, names):
    """The messages the SMTP server took (faults/smtp_server.py's log) for
    the invoices named ``names``: how many invoice e-mails per invoice name
    (a Counter), and how many daily summaries."""
    per_invoice = Counter()
    summaries = 0
    for message in received:
        per_invoice.update(n for n in names if n in message["subject"])
        summaries += message["subject"].startswith(SUMMARY_SUBJECT)
    return per_invoice, summaries
