"""The fault suite's checks of templates billing recipients (faults/checks.py),
without Odoo: one invoice per (template, occurrence, recipient billed by
then), made out to it; a second one, a missing one or one made out to another
partner is found."""

from datetime import date

from faults.checks import check_invoices, recipient_units

DAY = date(2027, 1, 1)
LATER = date(2027, 2, 1)


def invoice(iid, tid, billed, partner, occurrence=DAY, number=None):
    """A row of check_database's invoice query ('' for NULL, as psql gives)."""
    day = occurrence.isoformat()
    return (
        str(iid), str(tid), day, "posted", f"INV/{iid}", "INV/2027/",
        str(number or iid), day, day, str(billed or ""), str(partner),
    )  # fmt: skip


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
