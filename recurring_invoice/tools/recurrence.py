"""Recurrence engine: when is each recurring invoice due.

Plain Python (no Odoo), so that every scheduling rule lives in one place and can
be tested in isolation. The ORM stores a template's settings, its *next date*
and the occurrences it skips, and asks :meth:`Recurrence.plan` what to make.

Occurrences
    A recurrence has a period (``week``, ``month``, ``quarter`` or ``year``), an
    interval (every 1 to 12 periods), a start date and an optional, inclusive end
    date. Occurrence ``n`` (``0`` is the start) is computed directly from the
    start, never by stepping from the previous occurrence, so a short month does
    not shift later occurrences:

    * weekly occurrences keep the start's weekday;
    * monthly, quarterly and yearly occurrences keep the start's day of month,
      clamped to the length of shorter months: monthly from 31 January gives
      31 Jan, 28/29 Feb, 31 Mar, 30 Apr, ...; every 6 months from 31 August
      gives the last day of February; yearly from 29 February gives 28 Feb in
      common years and 29 Feb in leap years.

    (dateutil's ``rrule`` skips the months too short for the start's day instead
    of clamping; ``start + relativedelta(months=k * n)`` clamps and gives the
    same dates as this module, which a property test checks, at a tenth of the
    speed.) An occurrence is the first day of the period its invoice is for.

Send day and send moment
    The invoice of occurrence ``D`` is made and sent ``days_ahead`` days before
    ``D`` (0 by default: on ``D``), on its *send day*, at the template's send
    time (default 06:15) on the wall clock of the company's time zone (default
    ``Europe/Oslo``): the same local time in summer and in winter, hence a UTC
    instant that moves with daylight saving time. A send time that does not
    exist on that day (inside a spring-forward gap) is read with the offset in
    force before the gap, i.e. pushed forward by the gap's length (as RFC 5545
    does); a send time that exists twice (autumn fall-back) means its first
    instance.

The plan
    The scheduler runs once a day. At a run at instant ``now``,
    :meth:`Recurrence.plan` tells everything the run needs: the occurrences to
    make, oldest first (every occurrence from the stored next date on whose send
    moment is ``<= now``, but for the skipped ones and within the number of
    invoices left), the next date to store after them, and whether the
    recurrence has ended. After downtime every missed occurrence is therefore
    made, each with its own date; by storing the plan's next date none is
    skipped and none is made twice.

Skipped occurrences and pauses
    A template may skip occurrences: the user skips the next one, or a pause
    left some behind. A skipped occurrence is passed over, never made. While a
    template is paused nothing is made (the ORM does not ask). On resume,
    :meth:`Recurrence.resume` leaves out the occurrences whose send moment fell
    inside the pause, so resuming does not produce a burst of old invoices. One
    exception keeps the promise that no occurrence is ever missed: occurrences
    already due when the pause began (due while the template was active, not
    made yet, e.g. because of downtime) stay due; the pause's occurrences after
    them are then recorded as skipped.

Conventions
    Instants (``now``, ``paused_at``) may be aware datetimes in any time zone or
    naive datetimes, which are taken to be UTC as Odoo stores them. Time zones
    are pytz names. The module holds no user-facing text: exception messages are
    meant for developers and logs, and the ORM translates each exception class
    into a message of its own.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Iterator
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

import pytz
from babel import Locale
from babel.dates import format_date, format_interval

__all__ = [
    "DEFAULT_SEND_TIME",
    "DEFAULT_TZ",
    "MAX_DAYS_AHEAD",
    "MAX_INTERVAL",
    "PERIODS",
    "EndBeforeStartError",
    "InvalidDaysAheadError",
    "InvalidIntervalError",
    "InvalidPeriodError",
    "InvalidTimezoneError",
    "Plan",
    "Recurrence",
    "RecurrenceError",
    "Resumed",
    "SendMoment",
    "StartTooEarlyError",
    "StartTooLateError",
    "day_start",
    "earliest_start",
    "last_due_date",
    "local_today",
    "monthly_factor",
    "next_send_moment",
    "period_dates",
    "period_name",
    "send_date",
    "validate_setup",
    "yearly_days",
]

PERIODS = ("week", "month", "quarter", "year")
DEFAULT_TZ = "Europe/Oslo"
DEFAULT_SEND_TIME = time(6, 15)
#: Every 1 to MAX_INTERVAL periods; made 0 to MAX_DAYS_AHEAD days ahead.
MAX_INTERVAL = 12
MAX_DAYS_AHEAD = 90

#: Length of one period, in months, of the month-based periods ("week" is absent).
_MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}
#: Weeks in a month on average, as monthly recurring revenue counts them.
_WEEKS_PER_MONTH = 52 / 12
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_ORDINAL = date.max.toordinal()
_NONE: frozenset[date] = frozenset()
#: The send moment of send day S lies strictly between S - 1 day and S + 3 days
#: (midnight UTC): UTC offsets stay within ±24 h and a DST gap pushes the send
#: time forward by less than a day. Days further than this from the UTC date of
#: an instant are decided without any time zone arithmetic.
_SAFE_DAYS = 3


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class RecurrenceError(ValueError):
    """Base class of the setup errors; the subclass tells the rule broken.

    The offending values are kept as attributes (and as ``args``), so callers can
    build their own, translated, message from them; ``str()`` gives a message
    for developers and logs.
    """

    message = "invalid recurrence"

    def __init__(self, **values: object) -> None:
        super().__init__(*values.values())
        self.__dict__.update(values)

    def __str__(self) -> str:
        return self.message.format(**self.__dict__)


class InvalidPeriodError(RecurrenceError):
    """The period (``period``) is not one of :data:`PERIODS`."""

    message = "invalid period {period!r}, expected one of " + ", ".join(PERIODS)


class InvalidIntervalError(RecurrenceError):
    """The interval (``interval``) is not a whole number from 1 to
    :data:`MAX_INTERVAL`."""

    message = "interval {interval!r} is not from 1 to " + str(MAX_INTERVAL)


class InvalidDaysAheadError(RecurrenceError):
    """The days ahead (``days_ahead``) are not a whole number from 0 to
    :data:`MAX_DAYS_AHEAD`."""

    message = "days ahead {days_ahead!r} is not from 0 to " + str(MAX_DAYS_AHEAD)


class InvalidTimezoneError(RecurrenceError):
    """The time zone (``tz``) is not a name known to pytz."""

    message = "unknown time zone {tz!r}"


class EndBeforeStartError(RecurrenceError):
    """The end date (``end``) lies before the start date (``start``)."""

    message = "end date {end} is before start date {start}"


class StartTooEarlyError(RecurrenceError):
    """The first send day of a new setup is not tomorrow or later: ``earliest``
    is the first start date allowed, its invoice sent ``days_ahead`` days
    before it."""

    message = "start date {start} is before the earliest allowed {earliest}"


class StartTooLateError(RecurrenceError):
    """The start date of a new setup is more than a year ahead (after
    ``latest``): most likely a typing error (2062 for 2026), which would
    silently make nothing for years."""

    message = "start date {start} is after the latest allowed {latest}"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and _is_leap(year):
        return 29
    return _DAYS_IN_MONTH[month]


def _timezone(name: object) -> pytz.BaseTzInfo:
    """Return the pytz time zone called ``name``, or raise InvalidTimezoneError."""
    if not isinstance(name, str):
        raise InvalidTimezoneError(tz=name)
    try:
        return pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        raise InvalidTimezoneError(tz=name) from None


def _as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive datetimes are UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=pytz.utc)
    return moment.astimezone(pytz.utc)


def _check_date(name: str, value: object) -> None:
    # datetime is a subclass of date, but mixing both breaks comparisons.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")


def _localize(tzinfo: pytz.BaseTzInfo, naive: datetime) -> datetime:
    """``naive`` wall-clock time in ``tzinfo``: a time inside a DST gap is pushed
    forward by the gap's length, one that occurs twice means its first instance."""
    try:
        return tzinfo.localize(naive, is_dst=None)
    except pytz.NonExistentTimeError:
        # is_dst=False reads the wall clock with the offset before the gap.
        return tzinfo.normalize(tzinfo.localize(naive, is_dst=False))
    except pytz.AmbiguousTimeError:
        # is_dst=True picks the earliest instant.
        return tzinfo.localize(naive, is_dst=True)


class SendMoment(NamedTuple):
    """An occurrence, the day its invoice is sent and the instant, locally and
    in UTC; ``skipped`` when it will not be made."""

    date: date
    send_date: date
    local: datetime
    utc: datetime
    skipped: bool = False


class Plan(NamedTuple):
    """What a run at one instant does with a template.

    ``make``: the occurrences to make now, oldest first. ``next_date``: the first
    occurrence not handled after them, to store (None: nothing is left, the
    recurrence has ended). ``skipped``: the skipped occurrences still ahead, to
    store (those passed over are dropped).
    """

    make: tuple[date, ...]
    next_date: date | None
    skipped: frozenset[date]

    @property
    def ended(self) -> bool:
        return self.next_date is None


class Resumed(NamedTuple):
    """The next date and skipped occurrences to store when a pause ends."""

    next_date: date | None
    skipped: frozenset[date]


# --------------------------------------------------------------------------
# Recurrence
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Recurrence:
    """The occurrences of a recurring invoice template and when each is due.

    Construction validates the period, the interval, the days ahead, the time
    zone and that ``end`` (inclusive) is not before ``start``; it does not
    enforce that ``start`` lies in the future, which only applies to new setups
    (see :func:`validate_setup`).
    """

    period: str
    start: date
    end: date | None = None
    tz: str = DEFAULT_TZ
    send_time: time = DEFAULT_SEND_TIME
    interval: int = 1
    days_ahead: int = 0

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise InvalidPeriodError(period=self.period)
        if (
            not isinstance(self.interval, int)
            or isinstance(self.interval, bool)
            or not 1 <= self.interval <= MAX_INTERVAL
        ):
            raise InvalidIntervalError(interval=self.interval)
        if (
            not isinstance(self.days_ahead, int)
            or isinstance(self.days_ahead, bool)
            or not 0 <= self.days_ahead <= MAX_DAYS_AHEAD
        ):
            raise InvalidDaysAheadError(days_ahead=self.days_ahead)
        _timezone(self.tz)
        _check_date("start", self.start)
        if self.end is not None:
            _check_date("end", self.end)
            if self.end < self.start:
                raise EndBeforeStartError(start=self.start, end=self.end)
        if not isinstance(self.send_time, time) or self.send_time.tzinfo is not None:
            raise TypeError("send_time must be a naive time (local to tz)")

    # -- occurrences --------------------------------------------------------

    def nth(self, n: int) -> date:
        """Return occurrence ``n`` (``0`` is the start), ignoring the end date.

        :raise ValueError: if ``n`` is negative.
        :raise OverflowError: if the occurrence lies beyond ``date.max``.
        """
        if n < 0:
            raise ValueError(f"occurrence index must be >= 0, got {n}")
        occurrence = self._nth_or_none(n)
        if occurrence is None:
            raise OverflowError(f"occurrence {n} of {self!r} is beyond {date.max}")
        return occurrence

    def index(self, d: date) -> int | None:
        """Return ``n`` such that ``nth(n) == d``, or None if ``d`` is no occurrence.

        The end date is ignored, like in :meth:`nth`.
        """
        start = self.start
        months = self._months_per_step()
        if months is None:
            days = d.toordinal() - start.toordinal()
            if days < 0 or days % (7 * self.interval):
                return None
            return days // (7 * self.interval)
        elapsed = (d.year - start.year) * 12 + d.month - start.month
        if elapsed < 0 or elapsed % months:
            return None
        if d.day != min(start.day, _days_in_month(d.year, d.month)):
            return None
        return elapsed // months

    def successor(self, d: date) -> date | None:
        """Return the occurrence after occurrence ``d``; None when past the end.

        :raise ValueError: if ``d`` is not an occurrence.
        """
        n = self.index(d)
        if n is None:
            raise ValueError(f"{d} is not an occurrence of {self!r}")
        return self._bounded(self._nth_or_none(n + 1))

    def anchored_at(self, next_date: date) -> Recurrence:
        """Return this recurrence, changed while running, so that its next
        invoice stays on ``next_date``: itself when ``next_date`` is one of its
        occurrences (the dates stay anchored on the start), else the same
        recurrence started on ``next_date``."""
        if self.index(next_date) is not None:
            return self
        return dataclasses.replace(self, start=next_date)

    def first_on_or_after(self, d: date) -> date | None:
        """Return the first occurrence on or after ``d``; None when past the end."""
        return self._bounded(self._nth_or_none(self._first_index_on_or_after(d)))

    # -- send moments ---------------------------------------------------------

    def send_date(self, d: date) -> date:
        """Return the day the invoice of occurrence ``d`` is made and sent."""
        return send_date(d, self.days_ahead)

    def local_send_moment(self, d: date) -> datetime:
        """Return the moment ``d`` becomes due, as an aware datetime in ``tz``.

        A send time inside a DST gap is pushed forward by the gap's length; one
        that occurs twice means its first (summer time) instance.
        """
        naive = datetime.combine(self.send_date(d), self.send_time)
        return _localize(pytz.timezone(self.tz), naive)

    def send_moment(self, d: date) -> datetime:
        """Return the moment ``d`` becomes due, as an aware UTC datetime."""
        return self.local_send_moment(d).astimezone(pytz.utc)

    # -- scheduling -----------------------------------------------------------

    def plan(
        self,
        next_date: date | None,
        now: datetime,
        skipped: Collection[date] = (),
        remaining: int | None = None,
    ) -> Plan:
        """Tell what a run at instant ``now`` makes, and what to store after it.

        ``next_date`` is the stored first occurrence not handled yet (None: the
        recurrence has ended), ``skipped`` the occurrences not to make, and
        ``remaining`` how many invoices may still be made (None: no limit). The
        occurrences from ``next_date`` whose send moment is at or before ``now``
        are made, oldest first, except the skipped ones, up to ``remaining``; the
        plan's next date is the first occurrence after them.
        """
        if next_date is None or remaining is not None and remaining <= 0:
            return Plan((), None, _NONE)
        now_utc = _as_utc(now)
        make: list[date] = []
        following = None
        for occurrence in self._occurrences_from(next_date):
            if not self._reached(occurrence, now_utc):
                following = occurrence
                break
            if occurrence in skipped:
                continue
            if remaining is not None and len(make) == remaining:
                break
            make.append(occurrence)
        if remaining is not None and len(make) == remaining:
            following = None
        return Plan(tuple(make), following, self._skipped_from(skipped, following))

    def restorable(self, skipped: Collection[date], now: datetime) -> list[date]:
        """Return the skipped occurrences whose send moment is still after
        ``now``, oldest first: those a user may still decide to make."""
        now_utc = _as_utc(now)
        return sorted(d for d in skipped if not self._reached(d, now_utc))

    def upcoming(
        self,
        next_date: date | None,
        k: int = 5,
        skipped: Collection[date] = (),
        remaining: int | None = None,
    ) -> list[SendMoment]:
        """Return the next ``k`` occurrences from ``next_date`` with their send
        moments, the skipped ones marked, stopping at the end date and once
        ``remaining`` invoices are listed."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        if next_date is None:
            return []
        moments = []
        to_make = remaining
        for occurrence in self._occurrences_from(next_date):
            if len(moments) == k or to_make is not None and to_make <= 0:
                break
            is_skipped = occurrence in skipped
            if not is_skipped and to_make is not None:
                to_make -= 1
            local = self.local_send_moment(occurrence)
            moments.append(
                SendMoment(
                    occurrence,
                    self.send_date(occurrence),
                    local,
                    local.astimezone(pytz.utc),
                    is_skipped,
                )
            )
        return moments

    def resume(
        self,
        next_date: date | None,
        paused_at: datetime,
        now: datetime,
        skipped: Collection[date] = (),
    ) -> Resumed:
        """Return the next date and skipped occurrences after a pause from
        ``paused_at`` until ``now``.

        Occurrences whose send moment fell inside the pause are not made. When
        nothing was due yet as the pause began, the next date becomes the first
        occurrence whose send moment is after ``now``. Otherwise the next date is
        kept, so that the occurrences due before the pause are still made, and
        those inside the pause are added to the skipped ones.

        :raise ValueError: if ``paused_at`` is after ``now``.
        """
        paused_utc, now_utc = _as_utc(paused_at), _as_utc(now)
        if paused_utc > now_utc:
            raise ValueError(f"paused at {paused_at}, after resuming at {now}")
        if next_date is None:
            return Resumed(None, _NONE)
        before = self.plan(next_date, paused_utc, skipped)
        if before.make:
            inside = set()
            if before.next_date is not None:
                for occurrence in self._occurrences_from(before.next_date):
                    if not self._reached(occurrence, now_utc):
                        break
                    inside.add(occurrence)
            return Resumed(next_date, frozenset(skipped) | inside)
        following = self._first_not_reached(next_date, now_utc)
        return Resumed(following, self._skipped_from(skipped, following))

    # -- internals ------------------------------------------------------------

    def _months_per_step(self) -> int | None:
        """Months between two occurrences; None for weeks."""
        months = _MONTHS_PER_PERIOD.get(self.period)
        return None if months is None else months * self.interval

    def _nth_or_none(self, n: int) -> date | None:
        """Return occurrence ``n >= 0``, or None if it lies beyond ``date.max``."""
        start = self.start
        months = self._months_per_step()
        if months is None:
            ordinal = start.toordinal() + 7 * self.interval * n
            return date.fromordinal(ordinal) if ordinal <= _MAX_ORDINAL else None
        year, month = divmod(start.year * 12 + start.month - 1 + months * n, 12)
        if year > date.max.year:
            return None
        month += 1
        return date(year, month, min(start.day, _days_in_month(year, month)))

    def _first_index_on_or_after(self, d: date) -> int:
        """Return the index of the first occurrence on or after ``d``."""
        start = self.start
        if d <= start:
            return 0
        months = self._months_per_step()
        if months is None:
            return -(-(d.toordinal() - start.toordinal()) // (7 * self.interval))
        elapsed = (d.year - start.year) * 12 + d.month - start.month
        n = -(-elapsed // months)
        occurrence = self._nth_or_none(n)
        # Same month as d but an earlier day: the next occurrence is after d.
        if occurrence is not None and occurrence < d:
            n += 1
        return n

    def _bounded(self, occurrence: date | None) -> date | None:
        """Return ``occurrence``, or None if it lies after the end date."""
        if occurrence is None or (self.end is not None and occurrence > self.end):
            return None
        return occurrence

    def _occurrences_from(self, d: date) -> Iterator[date]:
        """Yield the occurrences on or after ``d``, up to the end date."""
        n = self._first_index_on_or_after(d)
        while (occurrence := self._bounded(self._nth_or_none(n))) is not None:
            yield occurrence
            n += 1

    def _first_not_reached(self, d: date, moment_utc: datetime) -> date | None:
        """Return the first occurrence on or after ``d`` whose send moment is
        after ``moment_utc``; None when none is left before the end date."""
        # Occurrences sent more than _SAFE_DAYS before the instant are surely
        # reached: start looking after them.
        horizon = moment_utc.toordinal() - _SAFE_DAYS + self.days_ahead
        if d.toordinal() < horizon:
            d = date.fromordinal(horizon)
        for occurrence in self._occurrences_from(d):
            if not self._reached(occurrence, moment_utc):
                return occurrence
        return None

    def _reached(self, d: date, moment_utc: datetime) -> bool:
        """Tell whether the send moment of ``d`` is at or before ``moment_utc``.

        Send days far from the instant are decided on the calendar alone, which
        keeps time zone arithmetic out of long backlogs and future dates.
        """
        days = d.toordinal() - self.days_ahead - moment_utc.toordinal()
        if days <= -_SAFE_DAYS:
            return True
        if days >= _SAFE_DAYS:
            return False
        return self.send_moment(d) <= moment_utc

    @staticmethod
    def _skipped_from(skipped: Collection[date], d: date | None) -> frozenset[date]:
        """The skipped occurrences on or after ``d`` (none when ``d`` is None)."""
        if d is None or not skipped:
            return _NONE
        return frozenset(occurrence for occurrence in skipped if occurrence >= d)


# --------------------------------------------------------------------------
# Module functions
# --------------------------------------------------------------------------


def send_date(occurrence: date, days_ahead: int = 0) -> date:
    """Return the day the invoice of ``occurrence`` is made and sent, made
    ``days_ahead`` days before the period it is for."""
    return date.fromordinal(max(occurrence.toordinal() - days_ahead, 1))


def local_today(tz: str, now: datetime) -> date:
    """Return the date in time zone ``tz`` at instant ``now`` (naive means UTC)."""
    return _as_utc(now).astimezone(_timezone(tz)).date()


@functools.lru_cache(maxsize=4096)
def day_start(tz: str, day: date) -> datetime:
    """Return the instant ``day`` begins in time zone ``tz``, as an aware UTC
    datetime: where a pause until ``day`` ends."""
    return _localize(_timezone(tz), datetime.combine(day, time())).astimezone(pytz.utc)


def last_due_date(
    tz: str = DEFAULT_TZ, send_time: time = DEFAULT_SEND_TIME, *, now: datetime
) -> date:
    """Return the last send day whose send moment is at or before ``now``.

    Every invoice sent on or before it is due at ``now``; the scheduler selects
    stored next send days up to it. Today in ``tz`` once the send time has
    passed, else yesterday.
    """
    today = local_today(tz, now)
    probe = Recurrence("week", today, tz=tz, send_time=send_time)
    return today if probe._reached(today, _as_utc(now)) else today - timedelta(days=1)


def next_send_moment(
    tz: str = DEFAULT_TZ, send_time: time = DEFAULT_SEND_TIME, *, now: datetime
) -> datetime:
    """Return the first send moment after ``now``, as an aware UTC datetime.

    It is when the invoices of the day after :func:`last_due_date` become due:
    where the scheduler should run next, and when a failed template or invoice
    is tried again.
    """
    day = last_due_date(tz, send_time, now=now) + timedelta(days=1)
    return Recurrence("week", day, tz=tz, send_time=send_time).send_moment(day)


def earliest_start(tz: str = DEFAULT_TZ, *, now: datetime, days_ahead: int = 0) -> date:
    """Return the first start date a new setup may have at ``now``: the one
    whose invoice is sent tomorrow, ``days_ahead`` days before it."""
    return local_today(tz, now) + timedelta(days=1 + days_ahead)


def validate_setup(
    period: str,
    start: date,
    end: date | None = None,
    tz: str = DEFAULT_TZ,
    send_time: time = DEFAULT_SEND_TIME,
    *,
    now: datetime,
    interval: int = 1,
    days_ahead: int = 0,
) -> Recurrence:
    """Build the recurrence of a new setup, whose first invoice must be sent
    tomorrow or later, and whose start is at most a year from today.

    "Today" is taken in ``tz`` at instant ``now`` (naive means UTC).

    :raise RecurrenceError: the subclass tells which rule is broken.
    """
    recurrence = Recurrence(
        period, start, end, tz, send_time, interval=interval, days_ahead=days_ahead
    )
    earliest = earliest_start(tz, now=now, days_ahead=days_ahead)
    if start < earliest:
        raise StartTooEarlyError(start=start, earliest=earliest, days_ahead=days_ahead)
    today = local_today(tz, now)
    try:
        latest = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        latest = date(today.year + 1, 2, 28)
    if start > latest:
        raise StartTooLateError(start=start, latest=latest)
    return recurrence


def monthly_factor(period: str, interval: int = 1) -> float:
    """Return how many invoices of a recurrence fall in one month on average,
    as monthly recurring revenue counts them: every week is 52 / 12 a month,
    every quarter 1 / 3, every year 1 / 12, each divided by the interval."""
    if period not in PERIODS:
        raise InvalidPeriodError(period=period)
    if not isinstance(interval, int) or not 1 <= interval <= MAX_INTERVAL:
        raise InvalidIntervalError(interval=interval)
    if period == "week":
        return _WEEKS_PER_MONTH / interval
    return 1 / (_MONTHS_PER_PERIOD[period] * interval)


def yearly_days(anchor: date, after: date | None, until: date) -> list[date]:
    """Return the days of a yearly rule after ``after`` (exclusive; None: from
    the start) up to ``until`` (inclusive), oldest first.

    The rule falls every year on the day and month of ``anchor``, from
    ``anchor`` on, clamped like yearly occurrences (29 February is 28 February
    in common years): a yearly price adjustment's days.
    """
    _check_date("anchor", anchor)
    _check_date("until", until)
    rule = Recurrence("year", anchor)
    start = anchor if after is None else max(anchor, after + timedelta(days=1))
    days = []
    for day in rule._occurrences_from(start):
        if day > until:
            break
        days.append(day)
    return days


def _babel_locale(code: str) -> Locale:
    """Parse an Odoo language code (``nb_NO``, ``sr@latin``) into a babel Locale."""
    code, _, modifier = code.replace("-", "_").partition("@")
    if modifier == "latin":
        language, _, territory = code.partition("_")
        code = "_".join(filter(None, (language, "Latn", territory)))
    return Locale.parse(code)


def period_dates(period: str, d: date, interval: int = 1) -> tuple[date, date]:
    """Return the first and the last day of the ``interval`` calendar periods
    of kind ``period`` from the one ``d`` falls in: the period an invoice of
    occurrence ``d`` is for, as :func:`period_name` names it (and its send day,
    ``days_ahead`` before ``d``, plays no part).

    For 2027-01-18: 2027-01-18..2027-01-24 (ISO week 3, Monday to Sunday),
    2027-01-01..2027-01-31, 2027-01-01..2027-03-31 (the first quarter),
    2027-01-01..2027-12-31; with an interval of 2: 2027-01-18..2027-01-31,
    2027-01-01..2027-02-28, 2027-01-01..2027-06-30, 2027-01-01..2028-12-31.

    :raise InvalidPeriodError, InvalidIntervalError: as :class:`Recurrence`.
    :raise OverflowError: if the last day lies beyond ``date.max``.
    """
    if period not in PERIODS:
        raise InvalidPeriodError(period=period)
    if (
        not isinstance(interval, int)
        or isinstance(interval, bool)
        or not 1 <= interval <= MAX_INTERVAL
    ):
        raise InvalidIntervalError(interval=interval)
    _check_date("d", d)
    if period == "week":
        first = d - timedelta(days=d.weekday())
        return first, first + timedelta(weeks=interval, days=-1)
    months = _MONTHS_PER_PERIOD[period]
    # The first month of the calendar period d falls in (January for years,
    # January, April, July or October for quarters).
    month0 = (d.month - 1) // months * months
    first = date(d.year, month0 + 1, 1)
    year, month = divmod(d.year * 12 + month0 + months * interval - 1, 12)
    if year > date.max.year:
        raise OverflowError(f"the period of {d} ends beyond {date.max}")
    return first, date(year, month + 1, _days_in_month(year, month + 1))


def period_name(
    period: str, d: date, locale: str, week_label: str, interval: int = 1
) -> str:
    """Name the ``interval`` calendar periods of kind ``period`` from the one
    ``d`` falls in.

    For 2027-01-18 in ``nb_NO``: ``januar 2027``, ``uke 3 2027``, ``1. kvartal
    2027``, ``2027``; in ``en_US``: ``January 2027``, ``week 3 2027``, ``Q1 2027``,
    ``2027``. With an interval of 2: ``januar–februar 2027``, ``uke 3–4 2027``,
    ``1. kvartal–2. kvartal 2027``, ``2027–2028`` (babel's interval formats).
    Weeks are ISO weeks with their ISO year (1 January 2027 is in week 53 of
    2026); the caller supplies the translated word for week, as this module
    holds no user-facing text. Quarters use the wide name (``1. kvartal``)
    except in English, where the abbreviated one (``Q1``) is the common usage.
    """
    # The very period period_dates gives an invoice: its name and its dates agree.
    d, last = period_dates(period, d, interval)
    if period == "week":
        first_year, first_week, _ = d.isocalendar()
        last_year, last_week, _ = last.isocalendar()
        if interval == 1:
            return f"{week_label} {first_week} {first_year}"
        if first_year == last_year:
            return f"{week_label} {first_week}–{last_week} {first_year}"
        return (
            f"{week_label} {first_week} {first_year}–"
            f"{week_label} {last_week} {last_year}"
        )
    babel_locale = _babel_locale(locale)
    if period == "month":
        if interval == 1:
            return format_date(d, "LLLL y", locale=babel_locale)
        return format_interval(d, last, "yMMMM", locale=babel_locale)
    if period == "year":
        if interval == 1:
            return format_date(d, "y", locale=babel_locale)
        return format_interval(d, last, "y", locale=babel_locale)
    quarter = "QQQ" if babel_locale.language == "en" else "QQQQ"
    if interval == 1:
        return format_date(d, f"{quarter} y", locale=babel_locale)
    if d.year == last.year:
        return "{}–{} {}".format(
            format_date(d, quarter, locale=babel_locale),
            format_date(last, quarter, locale=babel_locale),
            format_date(d, "y", locale=babel_locale),
        )
    return "{}–{}".format(
        format_date(d, f"{quarter} y", locale=babel_locale),
        format_date(last, f"{quarter} y", locale=babel_locale),
    )
