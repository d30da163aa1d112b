"""Prices in force: which price adjustments an invoice gets, and the prices.

Plain Python (no Odoo), like :mod:`.recurrence`, so that the 06:15 job and the
forecast apply the same rules. The dates come from the recurrence engine (the
days of a yearly adjustment are :func:`.recurrence.yearly_days`); this module
only orders and applies changes.

Changes
    A recurring template's lines have unit prices, keyed by the caller (the
    template's line ids). A :class:`Change` adjusts them from a day on: by a
    percentage (``+3.1`` for the year's consumer price index), or to new unit
    prices for some lines. A one-off price adjustment is one change; a yearly
    adjustment is one change per year, on its days.

When a change applies
    Before the invoice of occurrence ``D`` (the first day of the period it is
    for) is made, every change not applied yet whose day is on or before ``D``
    applies, oldest first; on the same day the yearly change comes first, then
    the one-off changes in the order given (their entry order), so that new
    prices typed for that day are the ones in force. An invoice made before
    keeps its prices. A change entered with a day on or before an occurrence
    already made therefore applies from the next invoice on.

Prices
    Each change starts from the prices the previous one left (a yearly
    percentage compounds) and rounds each new price to the currency's rounding
    (half up, as Odoo rounds amounts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

__all__ = [
    "MAX_PERCENT",
    "Change",
    "Line",
    "amounts",
    "apply",
    "due",
    "in_force",
    "percent_in_range",
    "round_price",
]

#: The largest change by a percentage: +100 % doubles the prices; a larger
#: change is typed as new prices. The smallest is just above -100 %: a price
#: cannot fall to nothing by a percentage.
MAX_PERCENT = 100.0


def percent_in_range(percent: float) -> bool:
    """Whether prices may change by ``percent``: above -100 and at most
    MAX_PERCENT."""
    return -100 < percent <= MAX_PERCENT


@dataclasses.dataclass(frozen=True)
class Change:
    """Prices changed from ``day`` on: by ``percent``, or to ``prices`` (new
    unit prices by line key; lines without one keep theirs). ``key`` is the
    caller's id of a one-off adjustment; ``yearly`` marks a yearly
    adjustment's change."""

    day: date
    percent: float | None = None
    prices: Mapping[Hashable, float] | None = None
    key: Hashable = None
    yearly: bool = False

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.prices is None):
            raise ValueError("a change has either a percent or new prices")
        if self.percent is not None and self.percent <= -100:
            raise ValueError(f"a price cannot go down by {self.percent} %")


class Line(NamedTuple):
    """A template's line as it is now: unit price, quantity, discount (%),
    and its amounts without and with taxes."""

    price: float
    quantity: float = 1.0
    discount: float = 0.0
    subtotal: float = 0.0
    total: float = 0.0


def round_price(value: float, rounding: float) -> float:
    """Round ``value`` to a multiple of ``rounding`` (0.01, 1...), half up
    (away from zero), as Odoo's ``float_round`` does."""
    if rounding <= 0:
        raise ValueError(f"rounding must be positive, got {rounding}")
    step = Decimal(repr(rounding))
    units = (Decimal(repr(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(units * step)


def _order(changes: Iterable[Change]) -> list[Change]:
    """The changes in the order they apply: by day, on one day the yearly
    change first, then the others in their given order."""
    return [
        change
        for _rank, change in sorted(
            enumerate(changes),
            key=lambda ranked: (ranked[1].day, not ranked[1].yearly, ranked[0]),
        )
    ]


def due(changes: Iterable[Change], occurrence: date) -> list[Change]:
    """The changes that apply before the invoice of ``occurrence`` is made:
    those of ``changes`` (not applied yet) whose day is on or before it, in the
    order they apply."""
    return [change for change in _order(changes) if change.day <= occurrence]


def apply(
    prices: Mapping[Hashable, float], change: Change, rounding: float
) -> dict[Hashable, float]:
    """The prices after ``change``, each rounded to ``rounding``."""
    if change.percent is not None:
        factor = 1 + change.percent / 100
        return {
            key: round_price(price * factor, rounding) for key, price in prices.items()
        }
    return {
        key: round_price(change.prices.get(key, price), rounding)
        for key, price in prices.items()
    }


def in_force(
    prices: Mapping[Hashable, float],
    changes: Iterable[Change],
    occurrences: Iterable[date],
    rounding: float,
) -> list[dict[Hashable, float]]:
    """The prices each of ``occurrences`` (oldest first) is invoiced at,
    starting from ``prices`` with ``changes`` not applied yet: what the job
    will do, for a forecast."""
    pending = _order(changes)
    current = dict(prices)
    result = []
    for occurrence in occurrences:
        while pending and pending[0].day <= occurrence:
            current = apply(current, pending.pop(0), rounding)
        result.append(current)
    return result


def amounts(
    lines: Mapping[Hashable, Line], prices: Mapping[Hashable, float], rounding: float
) -> tuple[float, float]:
    """The amounts without and with taxes of an invoice of ``lines`` (as the
    template has them) at ``prices``, rounded to ``rounding``.

    A line at its own price keeps its amounts. A line whose price changed has
    them scaled by the change, each rounded: exact for percentage taxes,
    included in the price or not, and for discounts. A line that was free has
    no taxes to scale from: its new amount counts without taxes.
    """
    untaxed = total = 0.0
    for key, line in lines.items():
        price = prices.get(key, line.price)
        if price == line.price:
            untaxed += line.subtotal
            total += line.total
        elif line.price:
            ratio = price / line.price
            untaxed += round_price(line.subtotal * ratio, rounding)
            total += round_price(line.total * ratio, rounding)
        else:
            amount = round_price(
                price * line.quantity * (1 - line.discount / 100), rounding
            )
            untaxed += amount
            total += amount
    return round_price(untaxed, rounding), round_price(total, rounding)
