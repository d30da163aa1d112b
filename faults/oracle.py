# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The oracle: what the job must have made, computed here independently of
the add-on's recurrence engine (recurring_invoice/tools/recurrence.py): the
occurrences a template has due by a day, and the price of each under a yearly
adjustment. Plain Python."""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

MONTHS_PER_STEP = {"month": 1, "quarter": 3, "year": 12}
PERIODS = ("week", "month", "quarter", "year")


def nth(period, start, n, interval=1):
    """The ``n``-th occurrence (0: ``start``) every ``interval`` periods; a
    month too short for the start's day gives its last day."""
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
