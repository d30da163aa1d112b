"""The price rules (``tools/prices.py``) and the engine's date rules they use:
a yearly adjustment's days and the monthly factor of recurring revenue."""

from datetime import date

import prices
import pytest
from prices import Change, Line, amounts, apply, due, in_force, round_price
from recurrence import (
    InvalidIntervalError,
    InvalidPeriodError,
    Recurrence,
    monthly_factor,
    yearly_days,
)

# --------------------------------------------------------------------------
# The engine: yearly days, monthly factor
# --------------------------------------------------------------------------


def test_yearly_days_from_the_anchor_on():
    anchor = date(2027, 1, 1)
    until = date(2030, 6, 1)
    assert yearly_days(anchor, None, until) == [
        date(2027, 1, 1),
        date(2028, 1, 1),
        date(2029, 1, 1),
        date(2030, 1, 1),
    ]
    # after the last applied day (exclusive) up to the occurrence (inclusive)
    assert yearly_days(anchor, date(2028, 1, 1), date(2029, 1, 1)) == [date(2029, 1, 1)]
    assert yearly_days(anchor, date(2029, 1, 1), date(2029, 12, 31)) == []
    assert yearly_days(anchor, None, date(2026, 12, 31)) == []
    # a last day before the anchor changes nothing
    assert yearly_days(anchor, date(2020, 5, 5), date(2027, 1, 1)) == [anchor]


def test_yearly_days_on_29_february_are_clamped_like_occurrences():
    days = yearly_days(date(2028, 2, 29), None, date(2033, 3, 1))
    assert days == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
        date(2033, 2, 28),
    ]
    assert days == [Recurrence("year", date(2028, 2, 29)).nth(n) for n in range(6)]


def test_yearly_days_take_dates_only():
    with pytest.raises(TypeError):
        yearly_days("2027-01-01", None, date(2028, 1, 1))


@pytest.mark.parametrize(
    "period, interval, factor",
    [
        ("week", 1, 52 / 12),
        ("week", 2, 52 / 24),
        ("month", 1, 1),
        ("month", 3, 1 / 3),
        ("quarter", 1, 1 / 3),
        ("quarter", 2, 1 / 6),
        ("year", 1, 1 / 12),
        ("year", 2, 1 / 24),
    ],
)
def test_monthly_factor(period, interval, factor):
    assert monthly_factor(period, interval) == pytest.approx(factor)


def test_monthly_factor_rejects_bad_values():
    with pytest.raises(InvalidPeriodError):
        monthly_factor("day")
    with pytest.raises(InvalidIntervalError):
        monthly_factor("month", 0)


# --------------------------------------------------------------------------
# Rounding and applying one change
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, rounding, expected",
    [
        (12887.5, 0.01, 12887.5),
        (1.005, 0.01, 1.01),  # half up, not the float's 1.00499...
        (1031.0000000001, 0.01, 1031.0),
        (2.675, 0.01, 2.68),
        (-2.675, 0.01, -2.68),
        (1234.5, 1, 1235.0),
        (1234.4999, 1, 1234.0),
        (10.03, 0.05, 10.05),
    ],
)
def test_round_price(value, rounding, expected):
    assert round_price(value, rounding) == expected


def test_round_price_needs_a_positive_rounding():
    with pytest.raises(ValueError):
        round_price(1.0, 0)


def test_a_percentage_applies_to_every_line_rounded():
    prices = {1: 12500.0, 2: 333.33}
    change = Change(date(2028, 1, 1), percent=3.1)
    assert apply(prices, change, 0.01) == {1: 12887.5, 2: 343.66}
    assert apply(prices, Change(date(2028, 1, 1), percent=-10), 1) == {
        1: 11250.0,
        2: 300.0,
    }


def test_new_prices_apply_to_their_lines_only():
    change = Change(date(2028, 1, 1), prices={2: 99.999})
    assert apply({1: 10.0, 2: 50.0}, change, 0.01) == {1: 10.0, 2: 100.0}


def test_a_change_is_a_percentage_or_new_prices():
    with pytest.raises(ValueError):
        Change(date(2028, 1, 1))
    with pytest.raises(ValueError):
        Change(date(2028, 1, 1), percent=1, prices={1: 2.0})
    with pytest.raises(ValueError):
        Change(date(2028, 1, 1), percent=-100)


# --------------------------------------------------------------------------
# Which changes an invoice gets
# --------------------------------------------------------------------------


def test_due_changes_are_those_on_or_before_the_occurrence_oldest_first():
    feb = Change(date(2027, 2, 15), percent=2, key="feb")
    jan = Change(date(2027, 1, 10), percent=1, key="jan")
    mar = Change(date(2027, 3, 1), percent=3, key="mar")
    assert due([feb, jan, mar], date(2027, 1, 31)) == [jan]
    assert due([feb, jan, mar], date(2027, 2, 28)) == [jan, feb]
    # on the occurrence's own day: applies to it
    assert due([feb, jan, mar], date(2027, 3, 1)) == [jan, feb, mar]
    assert due([feb, jan, mar], date(2027, 1, 9)) == []


def test_on_one_day_the_yearly_change_comes_first_then_entry_order():
    day = date(2028, 1, 1)
    typed = Change(day, prices={1: 500.0}, key="typed")
    percent = Change(day, percent=10, key="percent")
    yearly = Change(day, percent=3, yearly=True)
    assert due([typed, percent, yearly], day) == [yearly, typed, percent]
    # the typed price is not undone by the yearly percentage
    prices = {1: 400.0}
    for change in due([typed, yearly], day):
        prices = apply(prices, change, 0.01)
    assert prices == {1: 500.0}


def test_in_force_invoices_before_keep_their_prices_and_changes_compound():
    prices = {1: 1000.0}
    changes = [
        Change(date(2027, 2, 1), percent=10, key=7),
        Change(date(2028, 1, 1), percent=10, yearly=True),
        Change(date(2029, 1, 1), percent=10, yearly=True),
    ]
    occurrences = [
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 12, 1),
        date(2028, 1, 1),
        date(2029, 6, 1),
    ]
    assert [p[1] for p in in_force(prices, changes, occurrences, 0.01)] == [
        1000.0,
        1100.0,
        1100.0,
        1210.0,
        1331.0,
    ]


def test_in_force_rounds_each_step_as_the_job_writes_it():
    # Each year's price is rounded before the next percentage applies: the
    # second year is not 1.01 * 1.005 ** 2 = 1.0201 -> 1.02.
    prices = {1: 1.01}
    changes = [
        Change(date(2028, 1, 1), percent=0.5, yearly=True),
        Change(date(2029, 1, 1), percent=0.5, yearly=True),
    ]
    [first, second] = in_force(
        prices, changes, [date(2028, 1, 1), date(2029, 1, 1)], 0.01
    )
    assert first == {1: 1.02}  # 1.01505 -> 1.02
    assert second == {1: 1.03}  # 1.02 * 1.005 = 1.0251 -> 1.03


def test_a_late_change_applies_from_the_next_occurrence():
    """Entered after the invoice of its day was made: that invoice keeps its
    price; the next occurrence is the first one made after, and gets it."""
    change = Change(date(2027, 2, 1), percent=5, key=1)
    # the job asks only for occurrences not made yet: 1 March is the next
    assert due([change], date(2027, 3, 1)) == [change]
    assert in_force({1: 100.0}, [change], [date(2027, 3, 1)], 0.01) == [{1: 105.0}]


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------


def test_amounts_keep_the_lines_own_when_no_price_changed():
    lines = {1: Line(100.0, 3, 0, 300.0, 375.0), 2: Line(33.33, 1, 10, 30.0, 30.0)}
    assert amounts(lines, {1: 100.0, 2: 33.33}, 0.01) == (330.0, 405.0)


def test_amounts_scale_a_changed_line_with_its_taxes():
    # 25 % VAT on top, then a 10 % discount line with 15 % VAT included
    lines = {
        1: Line(1000.0, 1, 0, 1000.0, 1250.0),
        2: Line(115.0, 2, 10, 180.0, 207.0),
    }
    untaxed, total = amounts(lines, {1: 1031.0, 2: 115.0}, 0.01)
    assert (untaxed, total) == (1211.0, 1495.75)


def test_amounts_of_a_line_that_was_free():
    lines = {1: Line(0.0, 2, 50, 0.0, 0.0)}
    assert amounts(lines, {1: 10.0}, 0.01) == (10.0, 10.0)


def test_percent_in_range():
    assert prices.percent_in_range(3.1)
    assert prices.percent_in_range(-99.99)
    assert prices.percent_in_range(prices.MAX_PERCENT)
    assert not prices.percent_in_range(-100)
    assert not prices.percent_in_range(-250)
    assert not prices.percent_in_range(prices.MAX_PERCENT + 0.01)
    assert not prices.percent_in_range(10_000)
