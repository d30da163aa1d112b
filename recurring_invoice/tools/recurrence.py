"""Recurrence engine: when is each recurring invoice due.

Plain Python (no Odoo), so that every scheduling rule lives in one place and can
be tested in isolation. The ORM stores a template's settings and its *next date*
and asks this module what to do with them.

Occurrences
    A recurrence has a period (``week``, ``month``, ``quarter`` or ``year``), a
    start date and an optional, inclusive end date. Occurrence ``n`` (``0`` is
    the start) is computed directly from the start, never by stepping from the
    previous occurrence, so a short month does not shift later occurrences:

    * weekly occurrences keep the start's weekday;
    * monthly, quarterly and yearly occurrences keep the start's day of month,
      clamped to the length of shorter months: monthly from 31 January gives
      31 Jan, 28/29 Feb, 31 Mar, 30 Apr, ...; yearly from 29 February gives
      28 Feb in common years and 29 Feb in leap years.

Send moment
    Occurrence date ``D`` becomes due at the template's send time (default
    06:15) on ``D`` on the wall clock of the company's time zone (default
    ``Europe/Oslo``): the same local time in summer and in winter, hence a UTC
    instant that moves with daylight saving time. A send time that does not
    exist on ``D`` (inside a spring-forward gap) is read with the offset in force
    before the gap, i.e. pushed forward by the gap's length (as RFC 5545 does);
    a send time that exists twice (autumn fall-back) means its first instance.

Due occurrences
    The scheduler runs once a day. At a run at instant ``now``, every occurrence
    from the stored next date on whose send moment is ``<= now`` is due, oldest
    first. After downtime every missed occurrence is therefore due, each with
    its own date; by advancing the stored next date to the successor of the last
    occurrence made, none is skipped and none is made twice.

Pause rule
    While a template is paused nothing is due (the ORM does not ask). On resume,
    the occurrences that fell inside the pause are not made, so resuming does
    not produce a burst of old invoices: the next date becomes the first
    occurrence whose send moment is still in the future at the moment of
    resuming. One exception keeps the promise that no occurrence is ever
    skipped: if the stored next date's send moment had already been reached
    *before* the pause began (it was due while the template was active, but had
    not been made yet, e.g. because of downtime), it is kept unchanged and made
    at the next run. :meth:`Recurrence.resume` implements this rule.

Conventions
    Instants (``now``, ``paused_at``) may be aware datetimes in any time zone or
    naive datetimes, which are taken to be UTC as Odoo stores them. Time zones
    are pytz names. The module holds no user-facing text: exception messages are
    meant for developers and logs; the ORM turns each exception's ``code`` into a
    translated message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import ClassVar, NamedTuple

import pytz
from babel import Locale
from babel.dates import format_date

__all__ = [
    "DEFAULT_SEND_TIME",
    "DEFAULT_TZ",
    "PERIODS",
    "EndBeforeStartError",
    "InvalidPeriodError",
    "InvalidTimezoneError",
    "Recurrence",
    "RecurrenceError",
    "SendMoment",
    "StartTooEarlyError",
    "StartTooLateError",
    "last_due_date",
    "next_send_moment",
    "local_today",
    "period_name",
    "validate_setup",
]

PERIODS = ("week", "month", "quarter", "year")
DEFAULT_TZ = "Europe/Oslo"
DEFAULT_SEND_TIME = time(6, 15)

#: Length of one step, in months, of the month-based periods ("week" is absent).
_MONTHS_PER_STEP = {"month": 1, "quarter": 3, "year": 12}
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_ORDINAL = date.max.toordinal()
#: The send moment of date D lies strictly between D - 1 day and D + 3 days
#: (midnight UTC): UTC offsets stay within ±24 h and a DST gap pushes the send
#: time forward by less than a day. Dates further than this from the UTC date of
#: an instant are decided without any time zone arithmetic.
_SAFE_DAYS = 3


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class RecurrenceError(ValueError):
    """Base class of the setup errors; ``code`` identifies the rule broken.

    The offending values are kept as attributes (and as ``args``), so callers can
    build their own, translated, message from ``code`` and those values.
    """

    code: ClassVar[str] = "recurrence_error"


class InvalidPeriodError(RecurrenceError):
    """The period is not one of :data:`PERIODS`."""

    code = "invalid_period"

    def __init__(self, period: object) -> None:
        super().__init__(period)
        self.period = period

    def __str__(self) -> str:
        return f"invalid period {self.period!r}, expected one of {PERIODS}"


class InvalidTimezoneError(RecurrenceError):
    """The time zone is not a name known to pytz."""

    code = "invalid_timezone"

    def __init__(self, tz: object) -> None:
        super().__init__(tz)
        self.tz = tz

    def __str__(self) -> str:
        return f"unknown time zone {self.tz!r}"


class EndBeforeStartError(RecurrenceError):
    """The end date lies before the start date."""

    code = "end_before_start"

    def __init__(self, start: date, end: date) -> None:
        super().__init__(start, end)
        self.start = start
        self.end = end

    def __str__(self) -> str:
        return f"end date {self.end} is before start date {self.start}"


class StartTooEarlyError(RecurrenceError):
    """The start date of a new setup is not tomorrow or later."""

    code = "start_too_early"

    def __init__(self, start: date, earliest: date) -> None:
        super().__init__(start, earliest)
        self.start = start
        self.earliest = earliest

    def __str__(self) -> str:
        return f"start date {self.start} is before the earliest allowed {self.earliest}"


class StartTooLateError(RecurrenceError):
    """The start date of a new setup is more than a year ahead: most likely a
    typing error (2062 for 2026), which would silently make nothing for years."""

    code = "start_too_late"

    def __init__(self, start: date, latest: date) -> None:
        super().__init__(start, latest)
        self.start = start
        self.latest = latest

    def __str__(self) -> str:
        return f"start date {self.start} is after the latest allowed {self.latest}"


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
        raise InvalidTimezoneError(name)
    try:
        return pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        raise InvalidTimezoneError(name) from None


def _as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive datetimes are UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=pytz.utc)
    return moment.astimezone(pytz.utc)


def _check_date(name: str, value: object) -> None:
    # datetime is a subclass of date, but mixing both breaks comparisons.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")


class SendMoment(NamedTuple):
    """An occurrence with the instant it becomes due, locally and in UTC."""

    date: date
    local: datetime
    utc: datetime


# --------------------------------------------------------------------------
# Recurrence
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Recurrence:
    """The occurrences of a recurring invoice template and when each is due.

    Construction validates the period, the time zone and that ``end`` (inclusive)
    is not before ``start``; it does not enforce that ``start`` lies in the
    future, which only applies to new setups (see :func:`validate_setup`).
    """

    period: str
    start: date
    end: date | None = None
    tz: str = DEFAULT_TZ
    send_time: time = DEFAULT_SEND_TIME

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise InvalidPeriodError(self.period)
        _timezone(self.tz)
        _check_date("start", self.start)
        if self.end is not None:
            _check_date("end", self.end)
            if self.end < self.start:
                raise EndBeforeStartError(self.start, self.end)
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
        step = _MONTHS_PER_STEP.get(self.period)
        if step is None:
            days = d.toordinal() - start.toordinal()
            if days < 0 or days % 7:
                return None
            return days // 7
        months = (d.year - start.year) * 12 + d.month - start.month
        if months < 0 or months % step:
            return None
        if d.day != min(start.day, _days_in_month(d.year, d.month)):
            return None
        return months // step

    def successor(self, d: date) -> date | None:
        """Return the occurrence after occurrence ``d``; None when past the end.

        :raise ValueError: if ``d`` is not an occurrence.
        """
        n = self.index(d)
        if n is None:
            raise ValueError(f"{d} is not an occurrence of {self!r}")
        return self._bounded(self._nth_or_none(n + 1))

    def first_on_or_after(self, d: date) -> date | None:
        """Return the first occurrence on or after ``d``; None when past the end."""
        return self._bounded(self._nth_or_none(self._first_index_on_or_after(d)))

    def period_bounds(self, d: date) -> tuple[date, date]:
        """Return the first and last day of the period that occurrence ``d`` covers.

        The period runs from ``d`` up to the day before the next occurrence,
        regardless of the end date: a monthly occurrence on 1 January 2027 covers
        1 to 31 January 2027.

        :raise ValueError: if ``d`` is not an occurrence.
        """
        n = self.index(d)
        if n is None:
            raise ValueError(f"{d} is not an occurrence of {self!r}")
        following = self._nth_or_none(n + 1)
        if following is None:
            return d, date.max
        return d, following - timedelta(days=1)

    # -- send moments ---------------------------------------------------------

    def local_send_moment(self, d: date) -> datetime:
        """Return the moment ``d`` becomes due, as an aware datetime in ``tz``.

        A send time inside a DST gap is pushed forward by the gap's length; one
        that occurs twice means its first (summer time) instance.
        """
        tzinfo = pytz.timezone(self.tz)
        naive = datetime.combine(d, self.send_time)
        try:
            return tzinfo.localize(naive, is_dst=None)
        except pytz.NonExistentTimeError:
            # is_dst=False reads the wall clock with the offset before the gap.
            return tzinfo.normalize(tzinfo.localize(naive, is_dst=False))
        except pytz.AmbiguousTimeError:
            # is_dst=True picks the earliest instant.
            return tzinfo.localize(naive, is_dst=True)

    def send_moment(self, d: date) -> datetime:
        """Return the moment ``d`` becomes due, as an aware UTC datetime."""
        return self.local_send_moment(d).astimezone(pytz.utc)

    # -- scheduling -----------------------------------------------------------

    def due(
        self,
        next_date: date | None,
        now: datetime,
        skip: tuple[datetime, datetime] | None = None,
    ) -> list[date]:
        """Return the occurrences to make at instant ``now``, oldest first.

        These are the occurrences from ``next_date`` (the first date not handled
        yet, normally itself an occurrence) up to the end date whose send moment
        is at or before ``now``. After making them, the caller stores the
        successor of the last one as the new next date.

        ``skip`` is a pause ``(paused_at, resumed_at)`` whose overdue next date
        :meth:`resume` kept: occurrences whose send moment falls after
        ``paused_at`` and at or before ``resumed_at`` are left out, so that only
        the occurrences due before the pause are made late. The caller then
        stores the successor of the last occurrence of ``due(next_date, now)``
        (without ``skip``), which passes over the skipped ones too.
        """
        if next_date is None:
            return []
        now_utc = _as_utc(now)
        occurrences = []
        for occurrence in self._occurrences_from(next_date):
            if not self._reached(occurrence, now_utc):
                break
            occurrences.append(occurrence)
        if skip is not None:
            paused_utc, resumed_utc = map(_as_utc, skip)
            occurrences = [
                occurrence
                for occurrence in occurrences
                if self._reached(occurrence, paused_utc)
                or not self._reached(occurrence, resumed_utc)
            ]
        return occurrences

    def upcoming(self, next_date: date | None, k: int = 5) -> list[SendMoment]:
        """Return the next ``k`` send moments from ``next_date``, stopping at end."""
        if next_date is None:
            return []
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        moments = []
        for occurrence in islice(self._occurrences_from(next_date), k):
            local = self.local_send_moment(occurrence)
            moments.append(SendMoment(occurrence, local, local.astimezone(pytz.utc)))
        return moments

    def resume(
        self, next_date: date | None, paused_at: datetime, now: datetime
    ) -> date | None:
        """Return the next date after a pause from ``paused_at`` until ``now``.

        Occurrences that became due during the pause are dropped: the result is
        the first occurrence whose send moment is after ``now``. But if the
        occurrence at ``next_date`` was already due when the pause began, it is
        kept; the caller then passes the pause as ``skip`` to :meth:`due`, so
        that the occurrences inside the pause are still not made. None means no
        occurrence remains before the end date.

        :raise ValueError: if ``paused_at`` is after ``now``.
        """
        if next_date is None:
            return None
        paused_utc, now_utc = _as_utc(paused_at), _as_utc(now)
        if paused_utc > now_utc:
            raise ValueError(f"paused at {paused_at}, after resuming at {now}")
        first = self.first_on_or_after(next_date)
        if first is None or self._reached(first, paused_utc):
            return first
        # Occurrences more than _SAFE_DAYS before today are surely past: skip them.
        horizon = now_utc.toordinal() - _SAFE_DAYS
        if first.toordinal() < horizon:
            first = date.fromordinal(horizon)
        for occurrence in self._occurrences_from(first):
            if not self._reached(occurrence, now_utc):
                return occurrence
        return None

    # -- internals ------------------------------------------------------------

    def _nth_or_none(self, n: int) -> date | None:
        """Return occurrence ``n >= 0``, or None if it lies beyond ``date.max``."""
        start = self.start
        step = _MONTHS_PER_STEP.get(self.period)
        if step is None:
            ordinal = start.toordinal() + 7 * n
            return date.fromordinal(ordinal) if ordinal <= _MAX_ORDINAL else None
        year, month = divmod(start.year * 12 + start.month - 1 + step * n, 12)
        if year > date.max.year:
            return None
        month += 1
        return date(year, month, min(start.day, _days_in_month(year, month)))

    def _first_index_on_or_after(self, d: date) -> int:
        """Return the index of the first occurrence on or after ``d``."""
        start = self.start
        if d <= start:
            return 0
        step = _MONTHS_PER_STEP.get(self.period)
        if step is None:
            return -(-(d.toordinal() - start.toordinal()) // 7)
        months = (d.year - start.year) * 12 + d.month - start.month
        n = -(-months // step)
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

    def _reached(self, d: date, moment_utc: datetime) -> bool:
        """Tell whether the send moment of ``d`` is at or before ``moment_utc``.

        Dates far from the instant are decided on the calendar alone, which
        keeps time zone arithmetic out of long backlogs and future dates.
        """
        days = d.toordinal() - moment_utc.toordinal()
        if days <= -_SAFE_DAYS:
            return True
        if days >= _SAFE_DAYS:
            return False
        return self.send_moment(d) <= moment_utc


# --------------------------------------------------------------------------
# Module functions
# --------------------------------------------------------------------------


def local_today(tz: str, now: datetime) -> date:
    """Return the date in time zone ``tz`` at instant ``now`` (naive means UTC)."""
    return _as_utc(now).astimezone(_timezone(tz)).date()


def last_due_date(
    tz: str = DEFAULT_TZ, send_time: time = DEFAULT_SEND_TIME, *, now: datetime
) -> date:
    """Return the last date whose send moment is at or before ``now``.

    Every occurrence on or before it is due at ``now``; the scheduler selects
    stored next dates up to it. Today in ``tz`` once the send time has passed,
    else yesterday.
    """
    today = local_today(tz, now)
    probe = Recurrence("week", today, tz=tz, send_time=send_time)
    return today if probe._reached(today, _as_utc(now)) else today - timedelta(days=1)


def next_send_moment(
    tz: str = DEFAULT_TZ, send_time: time = DEFAULT_SEND_TIME, *, now: datetime
) -> datetime:
    """Return the first send moment after ``now``, as an aware UTC datetime.

    It is when the occurrences of the day after :func:`last_due_date` become
    due: where the scheduler should run next, and when a failed template or
    invoice is tried again.
    """
    day = last_due_date(tz, send_time, now=now) + timedelta(days=1)
    return Recurrence("week", day, tz=tz, send_time=send_time).send_moment(day)


def validate_setup(
    period: str,
    start: date,
    end: date | None = None,
    tz: str = DEFAULT_TZ,
    send_time: time = DEFAULT_SEND_TIME,
    *,
    now: datetime,
) -> Recurrence:
    """Build the recurrence of a new setup, which must start tomorrow or later,
    and at most a year from today.

    "Today" is taken in ``tz`` at instant ``now`` (naive means UTC).

    :raise RecurrenceError: the subclass tells which rule is broken.
    """
    recurrence = Recurrence(period, start, end, tz, send_time)
    today = local_today(tz, now)
    earliest = today + timedelta(days=1)
    if start < earliest:
        raise StartTooEarlyError(start, earliest)
    try:
        latest = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        latest = date(today.year + 1, 2, 28)
    if start > latest:
        raise StartTooLateError(start, latest)
    return recurrence


def _babel_locale(code: str) -> Locale:
    """Parse an Odoo language code (``nb_NO``, ``sr@latin``) into a babel Locale."""
    code, _, modifier = code.replace("-", "_").partition("@")
    if modifier == "latin":
        language, _, territory = code.partition("_")
        code = "_".join(filter(None, (language, "Latn", territory)))
    return Locale.parse(code)


def period_name(period: str, d: date, locale: str, week_label: str) -> str:
    """Name the calendar period of kind ``period`` that ``d`` falls in.

    For 2027-01-18 in ``nb_NO``: ``januar 2027``, ``uke 3 2027``, ``1. kvartal
    2027``, ``2027``; in ``en_US``: ``January 2027``, ``week 3 2027``, ``Q1 2027``,
    ``2027``. Weeks are ISO weeks with their ISO year (1 January 2027 is in week
    53 of 2026); the caller supplies the translated word for week, as this module
    holds no user-facing text. Quarters use the wide name (``1. kvartal``) except
    in English, where the abbreviated one (``Q1``) is the common usage.
    """
    if period not in PERIODS:
        raise InvalidPeriodError(period)
    if period == "week":
        iso_year, iso_week, _ = d.isocalendar()
        return f"{week_label} {iso_week} {iso_year}"
    babel_locale = _babel_locale(locale)
    if period == "month":
        pattern = "LLLL y"
    elif period == "quarter":
        pattern = "QQQ y" if babel_locale.language == "en" else "QQQQ y"
    else:
        pattern = "y"
    return format_date(d, pattern, locale=babel_locale)
