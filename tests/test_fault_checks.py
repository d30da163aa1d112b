"""The fault suite's checks (faults/checks.py), without Odoo: of templates
billing recipients, one invoice per (template, occurrence, recipient billed by
then), made out to it; a second one, a missing one or one made out to another
partner is found. Of the modes: a draft for review made twice, posted or sent
is found, as is a post-only invoice sent; drafts' numbers are not checked."""

from datetime import date

from faults.checks import check_invoices, check_sending, recipient_units

DAY = date(2027, 1, 1)
LATER = date(2027, 2, 1)


def invoice(iid, tid, billed, partner, occurrence=DAY, number=None):
    """A row of check_database's invoice query ('' for NULL, as psql gives)."""
    day = occurrence.isoformat()
    return (
        str(iid), str(tid), day, "posted", f"INV/{iid}", "INV/2027/",
        str(number or iid), day, day, str(billed or ""), str(partner),
    )  # fmt: skip


def draft(iid, tid, occurrence=DAY):
    """A draft's row: no number (name '/', no sequence)."""
    day = occurrence.isoformat()
    return (str(iid), str(tid), day, "draft", "/", "", "", day, day, "", "5")


class Sql:
    """Stands for the Odoo of check_sending: the sending rows, then the count
    of summaries."""

    def __init__(self, rows, summaries=1):
        self.answers = [rows, [(str(summaries),)]]

    def sql(self, _db, _query):
        return self.answers.pop(0)


def sending(iid, tid, state, attempts=0, is_sent="f", messages=0, queued=0):
    """A row of check_sending's query, reported in a summary."""
    return (
        str(iid), state, str(attempts), "f", is_sent, str(messages), str(tid),
        str(queued),
    )  # fmt: skip


MODES = {1: "draft", 2: "post", 3: "post_send"}


def test_recipient_units_one_per_recipient_billed_by_then():
    expected = {(1, DAY), (1, LATER), (2, DAY)}
    recipients = {2: [(10, None), (11, DAY), (12, LATER)]}
    assert recipient_units(expected, recipients) == {
        (1, DAY),
        (1, LATER),
        (2, DAY, 10),
        (2, DAY, 11),
    }


def test_each_recipient_once_made_out_to_it_passes():
    expected = {(1, DAY), (2, DAY, 10), (2, DAY, 11)}
    rows = [invoice(1, 1, None, 5), invoice(2, 2, 10, 10), invoice(3, 2, 11, 11)]
    figures, problems = check_invoices(rows, expected, {1: 0, 2: 0})
    assert problems == []
    assert figures["duplicates"] == figures["missing"] == 0


def test_a_recipient_twice_another_missing_and_one_misaddressed_are_found():
    expected = {(2, DAY, 10), (2, DAY, 11), (2, DAY, 12)}
    rows = [invoice(1, 2, 10, 10), invoice(2, 2, 10, 10), invoice(3, 2, 12, 99)]
    figures, problems = check_invoices(rows, expected, {2: 0})
    assert figures["duplicates"] == 1
    assert figures["missing"] == 1
    assert figures["misaddressed"] == 1
    assert "1 duplicate invoice(s)" in problems
    assert any("without invoice: [(2, datetime.date(2027, 1, 1), 11)]" in p
               for p in problems)  # fmt: skip
    assert "1 invoice(s) not made out to their recipient" in problems


def test_drafts_for_review_once_unnumbered_pass():
    expected = {(1, DAY), (1, LATER), (2, DAY), (3, DAY)}
    rows = [
        draft(1, 1),
        invoice(2, 2, None, 5, number=1),
        invoice(3, 3, None, 5, number=2),
        draft(4, 1, LATER),
    ]
    figures, problems = check_invoices(rows, expected, {1: 0, 2: 0, 3: 0}, MODES)
    assert problems == []
    assert figures["drafts"] == 2
    assert figures["not_posted"] == figures["not_draft"] == 0


def test_a_draft_made_twice_or_posted_is_found():
    expected = {(1, DAY), (1, LATER)}
    rows = [draft(1, 1), draft(2, 1), invoice(3, 1, None, 5, LATER)]
    figures, problems = check_invoices(rows, expected, {1: 0}, MODES)
    assert figures["duplicates"] == 1
    assert figures["not_draft"] == 1
    assert "1 duplicate invoice(s)" in problems
    assert "1 draft(s) for review not left in draft" in problems


def test_a_numbered_draft_is_found():
    numbered = draft(1, 1)[:4] + ("INV/2027/00001", "INV/2027/", "1") + draft(1, 1)[7:]
    _figures, problems = check_invoices([numbered], {(1, DAY)}, {1: 0}, MODES)
    assert problems == ["1 draft(s) for review numbered"]


def test_a_draft_of_an_ordinary_template_is_still_not_posted():
    _figures, problems = check_invoices([draft(1, 3)], {(3, DAY)}, {3: 0}, MODES)
    assert "1 invoice(s) not posted (1 draft)" in problems
    _figures, problems = check_invoices([draft(1, 3)], {(3, DAY)}, {3: 0})
    assert "1 invoice(s) not posted (1 draft)" in problems


def test_drafts_and_post_only_not_sent_pass():
    rows = [
        sending(1, 1, "review"),
        sending(2, 2, "post_only"),
        sending(3, 3, "sent", attempts=1, is_sent="t", messages=1, queued=1),
    ]
    result = check_sending(Sql(rows), "db", MODES)
    assert result["problems"] == []
    assert result["sending"]["sent"] == 1
    assert result["sending"]["kept"] == {"review": 1, "post_only": 1}


def test_a_draft_sent_or_out_of_review_is_found():
    rows = [
        sending(1, 1, "review", queued=1),
        sending(2, 1, "review", messages=1),
        sending(3, 1, "review", is_sent="t"),
        sending(4, 1, "to_send"),
        sending(5, 2, "sent", attempts=1, is_sent="t", messages=1),
    ]
    problems = check_sending(Sql(rows), "db", MODES)["problems"]
    assert "1 invoice(s) of draft-mode templates not in review" in problems
    assert any(
        p.startswith("3 invoice(s) of draft-mode templates sent") for p in problems
    )
    assert "1 invoice(s) of post-mode templates not in post_only" in problems
    assert any(
        p.startswith("1 invoice(s) of post-mode templates sent") for p in problems
    )


def test_without_modes_every_invoice_must_be_sent():
    rows = [sending(1, 1, "review")]
    problems = check_sending(Sql(rows), "db")["problems"]
    assert "1 invoice(s) not sent" in problems
