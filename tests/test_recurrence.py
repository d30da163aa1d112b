"""Hand-checked cases for the recurrence engine (no Odoo needed)."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
import pytz
from freezegun import freeze_time
from recurrence import (
    DEFAULT_SEND_TIME,
    DEFAULT_TZ,
    PERIODS,
    EndBeforeStartError,
    InvalidDaysAheadError,
    InvalidIntervalError,
    InvalidPeriodError,
    InvalidTimezoneError,
    Plan,
    Recurrence,
    RecurrenceError,
    Resumed,
    SendMoment,
    StartTooEarlyError,
    StartTooLateError,
    day_start,
    last_due_date,
    local_today,
    next_send_moment,
    period_dates,
    period_name,
    send_date,
    validate_setup,
)

OSLO = "Europe/Oslo"
NEW_YORK = "America/New_York"
YEARS = range(2026, 2036)


def utcnow() -> datetime:
    """Return the current instant, the way an ORM caller would (frozen in tests)."""
    return datetime.now(timezone.utc)


def utc(*args: int) -> datetime:
    """Return a naive UTC datetime, as Odoo stores them."""
    return datetime(*args)


def due(recurrence: Recurrence, next_date: date | None, now: datetime) -> list[date]:
    """The occurrences a run at ``now`` makes, as a list."""
    return list(recurrence.plan(next_date, now).make)


# --------------------------------------------------------------------------
# DST change days, computed from the legal rules rather than from pytz
# --------------------------------------------------------------------------


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def eu_changes(year: int) -> tuple[date, date]:
    """EU summer time: last Sunday of March to last Sunday of October."""
    return _last_sunday(year, 3), _last_sunday(year, 10)


def us_changes(year: int) -> tuple[date, date]:
    """US daylight time: second Sunday of March to first Sunday of November."""
    return _nth_sunday(year, 3, 2), _nth_sunday(year, 11, 1)


#: (time zone, change days, UTC hour of 06:15 local in winter, in summer)
DST_ZONES = [
    (OSLO, eu_changes, 5, 4),
    (NEW_YORK, us_changes, 11, 10),
]


def _dst_days():
    """Yield (tz, day, expected UTC hour at 06:15 local) around every change."""
    for tz, changes, winter_hour, summer_hour in DST_ZONES:
        for year in YEARS:
            spring, autumn = changes(year)
            # On the change day itself the switch (at night) precedes 06:15.
            yield tz, spring - timedelta(days=1), winter_hour
            yield tz, spring, summer_hour
            yield tz, spring + timedelta(days=1), summer_hour
            yield tz, autumn - timedelta(days=1), summer_hour
            yield tz, autumn, winter_hour
            yield tz, autumn + timedelta(days=1), winter_hour


def test_change_day_rules():
    assert eu_changes(2026) == (date(2026, 3, 29), date(2026, 10, 25))
    assert us_changes(2026) == (date(2026, 3, 8), date(2026, 11, 1))


@pytest.mark.parametrize(("tz", "day", "utc_hour"), list(_dst_days()))
def test_send_time_is_local_wall_clock_across_dst(tz, day, utc_hour):
    recurrence = Recurrence("week", day, tz=tz)
    local = recurrence.local_send_moment(day)
    assert (local.date(), local.hour, local.minute) == (day, 6, 15)
    assert local.tzinfo.zone == tz
    moment = recurrence.send_moment(day)
    assert (moment.date(), moment.hour, moment.minute) == (day, utc_hour, 15)
    assert moment.utcoffset() == timedelta(0)
    assert moment == local


@pytest.mark.parametrize(
    ("tz", "day", "utc_hour"),
    [(tz, d, hour) for tz, d, hour in _dst_days() if d.weekday() == 6],
)
def test_due_from_0615_local_on_dst_change_days(tz, day, utc_hour):
    recurrence = Recurrence("week", day, tz=tz)
    assert due(recurrence, day, utc(day.year, day.month, day.day, utc_hour, 14)) == []
    assert due(recurrence, day, utc(day.year, day.month, day.day, utc_hour, 15)) == [
        day
    ]


def test_due_at_0614_and_0615_oslo_hand_checked():
    spring = Recurrence("month", date(2026, 3, 29))
    assert due(spring, date(2026, 3, 29), utc(2026, 3, 29, 4, 14, 59)) == []
    assert due(spring, date(2026, 3, 29), utc(2026, 3, 29, 4, 15)) == [
        date(2026, 3, 29)
    ]
    autumn = Recurrence("month", date(2026, 10, 25))
    assert due(autumn, date(2026, 10, 25), utc(2026, 10, 25, 5, 14)) == []
    assert due(autumn, date(2026, 10, 25), utc(2026, 10, 25, 5, 15)) == [
        date(2026, 10, 25)
    ]


def test_send_time_in_dst_gap_and_overlap():
    recurrence = Recurrence("week", date(2026, 3, 29), send_time=time(2, 30))
    # 02:30 does not exist on 29 March 2026: pushed forward by the hour skipped.
    gap = recurrence.local_send_moment(date(2026, 3, 29))
    assert (gap.hour, gap.minute, gap.utcoffset()) == (3, 30, timedelta(hours=2))
    assert recurrence.send_moment(date(2026, 3, 29)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=pytz.utc
    )
    # 02:30 occurs twice on 25 October 2026: the first, summer-time, one.
    overlap = recurrence.local_send_moment(date(2026, 10, 25))
    assert (overlap.hour, overlap.minute) == (2, 30)
    assert overlap.utcoffset() == timedelta(hours=2)
    assert recurrence.send_moment(date(2026, 10, 25)).hour == 0


def test_send_time_on_a_skipped_day():
    # Samoa skipped 30 December 2011 altogether.
    recurrence = Recurrence("week", date(2011, 12, 30), tz="Pacific/Apia")
    local = recurrence.local_send_moment(date(2011, 12, 30))
    assert (local.date(), local.hour, local.minute) == (date(2011, 12, 31), 6, 15)


# --------------------------------------------------------------------------
# Occurrences
# --------------------------------------------------------------------------


def _first(recurrence: Recurrence, count: int) -> list[date]:
    return [recurrence.nth(n) for n in range(count)]


@pytest.mark.parametrize(
    ("period", "start", "expected"),
    [
        pytest.param(
            "month",
            date(2027, 1, 31),
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"],
            id="month-end",
        ),
        pytest.param(
            "month",
            date(2028, 1, 31),
            ["2028-01-31", "2028-02-29", "2028-03-31"],
            id="month-end-leap",
        ),
        pytest.param(
            "year",
            date(2028, 2, 29),
            ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"],
            id="leap-day",
        ),
        pytest.param(
            "quarter",
            date(2026, 11, 30),
            ["2026-11-30", "2027-02-28", "2027-05-30", "2027-08-30", "2027-11-30"]
            + ["2028-02-29"],
            id="quarter-from-30-nov",
        ),
        pytest.param(
            "week",
            date(2026, 12, 21),
            ["2026-12-21", "2026-12-28", "2027-01-04", "2027-01-11"],
            id="week-year-boundary",
        ),
        pytest.param(
            "month",
            date(2026, 11, 15),
            ["2026-11-15", "2026-12-15", "2027-01-15"],
            id="month-year-boundary",
        ),
    ],
)
def test_occurrences(period, start, expected):
    recurrence = Recurrence(period, start)
    expected = [date.fromisoformat(d) for d in expected]
    assert _first(recurrence, len(expected)) == expected
    for n, occurrence in enumerate(expected):
        assert recurrence.index(occurrence) == n
    for previous, following in zip(expected, expected[1:], strict=False):
        assert recurrence.successor(previous) == following


def test_century_years_are_not_all_leap():
    recurrence = Recurrence("year", date(2096, 2, 29))
    assert _first(recurrence, 5)[-1] == date(2100, 2, 28)
    assert Recurrence("year", date(1996, 2, 29)).nth(4) == date(2000, 2, 29)


def test_index_of_non_occurrences():
    recurrence = Recurrence("month", date(2027, 1, 31))
    assert recurrence.index(date(2027, 2, 27)) is None
    assert recurrence.index(date(2027, 1, 30)) is None
    assert recurrence.index(date(2026, 12, 31)) is None
    assert Recurrence("week", date(2027, 1, 4)).index(date(2027, 1, 10)) is None
    assert Recurrence("quarter", date(2027, 1, 4)).index(date(2027, 2, 4)) is None


def test_successor_rejects_non_occurrences_and_stops_at_end():
    recurrence = Recurrence("month", date(2027, 1, 31), end=date(2027, 3, 30))
    with pytest.raises(ValueError, match="not an occurrence"):
        recurrence.successor(date(2027, 2, 27))
    assert recurrence.successor(date(2027, 1, 31)) == date(2027, 2, 28)
    assert recurrence.successor(date(2027, 2, 28)) is None


def test_end_date_is_inclusive():
    recurrence = Recurrence("month", date(2027, 1, 31), end=date(2027, 3, 31))
    assert recurrence.successor(date(2027, 2, 28)) == date(2027, 3, 31)
    assert recurrence.successor(date(2027, 3, 31)) is None


def test_nth_bounds():
    recurrence = Recurrence("year", date(9998, 6, 1))
    assert recurrence.nth(1) == date(9999, 6, 1)
    with pytest.raises(OverflowError):
        recurrence.nth(2)
    with pytest.raises(ValueError):
        recurrence.nth(-1)
    assert recurrence.successor(date(9999, 6, 1)) is None


def test_first_on_or_after():
    recurrence = Recurrence("month", date(2027, 1, 31), end=date(2027, 6, 1))
    assert recurrence.first_on_or_after(date(2020, 1, 1)) == date(2027, 1, 31)
    assert recurrence.first_on_or_after(date(2027, 1, 31)) == date(2027, 1, 31)
    assert recurrence.first_on_or_after(date(2027, 2, 1)) == date(2027, 2, 28)
    assert recurrence.first_on_or_after(date(2027, 3, 1)) == date(2027, 3, 31)
    assert recurrence.first_on_or_after(date(2027, 6, 1)) is None
    weekly = Recurrence("week", date(2027, 1, 4))
    assert weekly.first_on_or_after(date(2027, 1, 5)) == date(2027, 1, 11)
    assert weekly.first_on_or_after(date(2027, 1, 11)) == date(2027, 1, 11)


# --------------------------------------------------------------------------
# Due, upcoming, resume
# --------------------------------------------------------------------------


def test_weekly_after_40_days_of_downtime():
    recurrence = Recurrence("week", date(2026, 3, 2))
    # The last run was on 1 March; the next one 40 days later at 07:00 Oslo.
    assert due(recurrence, date(2026, 3, 2), utc(2026, 3, 1, 5, 0)) == []
    plan = recurrence.plan(date(2026, 3, 2), utc(2026, 4, 10, 5, 0))
    assert list(plan.make) == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 23),
        date(2026, 3, 30),
        date(2026, 4, 6),
    ]
    # The run after that picks up where it left off.
    next_date = plan.next_date
    assert next_date == date(2026, 4, 13) == recurrence.successor(plan.make[-1])
    assert not plan.ended
    assert due(recurrence, next_date, utc(2026, 4, 11, 5, 0)) == []
    assert due(recurrence, next_date, utc(2026, 4, 13, 5, 0)) == [date(2026, 4, 13)]


def test_due_respects_end_and_none():
    recurrence = Recurrence("month", date(2026, 1, 1), end=date(2026, 3, 1))
    now = utc(2026, 12, 1)
    assert due(recurrence, date(2026, 1, 1), now) == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert due(recurrence, None, now) == []
    assert due(recurrence, date(2026, 4, 1), now) == []


def test_due_accepts_aware_now_in_any_timezone():
    recurrence = Recurrence("month", date(2026, 1, 1))
    tokyo = pytz.timezone("Asia/Tokyo")
    # 1 January 2026 06:15 Oslo is 05:15 UTC, 14:15 in Tokyo.
    before = tokyo.localize(datetime(2026, 1, 1, 14, 14))
    at = tokyo.localize(datetime(2026, 1, 1, 14, 15))
    assert due(recurrence, date(2026, 1, 1), before) == []
    assert due(recurrence, date(2026, 1, 1), at) == [date(2026, 1, 1)]
    assert due(recurrence, date(2026, 1, 1), utc(2026, 1, 1, 5, 15)) == [
        date(2026, 1, 1)
    ]


def test_upcoming():
    recurrence = Recurrence("week", date(2026, 3, 22), end=date(2026, 4, 5))
    upcoming = recurrence.upcoming(date(2026, 3, 22))
    assert [m.date for m in upcoming] == [
        date(2026, 3, 22),
        date(2026, 3, 29),
        date(2026, 4, 5),
    ]
    assert all(isinstance(m, SendMoment) for m in upcoming)
    assert [(m.local.hour, m.local.minute) for m in upcoming] == [(6, 15)] * 3
    assert [m.utc.hour for m in upcoming] == [5, 4, 4]
    assert all(m.utc == m.local for m in upcoming)
    assert len(recurrence.upcoming(date(2026, 3, 22), k=2)) == 2
    assert recurrence.upcoming(date(2026, 3, 22), k=0) == []
    assert recurrence.upcoming(None) == []
    assert recurrence.upcoming(date(2026, 4, 6)) == []


class TestResume:
    """Monthly on the 1st, Oslo: 06:15 is 05:15 UTC in winter, 04:15 in summer."""

    recurrence = Recurrence("month", date(2026, 1, 1))

    def test_occurrences_inside_the_pause_are_skipped(self):
        resumed = self.recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 2, 15, 12), now=utc(2026, 5, 10, 12)
        )
        assert resumed == Resumed(date(2026, 6, 1), frozenset())

    def test_short_pause_keeps_next_date(self):
        resumed = self.recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 2, 15, 12), now=utc(2026, 2, 20, 12)
        )
        assert resumed == Resumed(date(2026, 3, 1), frozenset())

    def test_resuming_at_the_send_moment_is_too_late(self):
        paused_at = utc(2026, 2, 15, 12)
        before = utc(2026, 6, 1, 4, 14)
        at = utc(2026, 6, 1, 4, 15)
        resumed = self.recurrence.resume(date(2026, 3, 1), paused_at, before)
        assert resumed.next_date == date(2026, 6, 1)
        resumed = self.recurrence.resume(date(2026, 3, 1), paused_at, at)
        assert resumed.next_date == date(2026, 7, 1)

    def test_overdue_before_the_pause_is_kept(self):
        # Due since 1 March 06:15 Oslo, not made yet (downtime), paused at 10:00.
        resumed = self.recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 3, 1, 9), now=utc(2026, 5, 10, 12)
        )
        # 1 April and 1 May fell in the pause: skipped.
        assert resumed == Resumed(
            date(2026, 3, 1), frozenset({date(2026, 4, 1), date(2026, 5, 1)})
        )
        # The next run makes 1 March only, and goes on from 1 June.
        plan = self.recurrence.plan(
            resumed.next_date, utc(2026, 5, 11, 5), resumed.skipped
        )
        assert plan == Plan((date(2026, 3, 1),), date(2026, 6, 1), frozenset())

    def test_paused_just_before_the_send_moment_is_not_kept(self):
        resumed = self.recurrence.resume(
            date(2026, 3, 1),
            paused_at=utc(2026, 3, 1, 5, 14),
            now=utc(2026, 5, 10, 12),
        )
        assert resumed.next_date == date(2026, 6, 1)

    def test_nothing_left_before_end(self):
        recurrence = Recurrence("month", date(2026, 1, 1), end=date(2026, 5, 31))
        resumed = recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 2, 15), now=utc(2026, 5, 10)
        )
        assert resumed == Resumed(None, frozenset())
        resumed = recurrence.resume(None, utc(2026, 2, 15), utc(2026, 5, 10))
        assert resumed.next_date is None

    def test_pause_after_resume_is_an_error(self):
        with pytest.raises(ValueError):
            self.recurrence.resume(date(2026, 3, 1), utc(2026, 3, 2), utc(2026, 3, 1))


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def test_defaults():
    recurrence = Recurrence("month", date(2026, 1, 1))
    assert (recurrence.tz, recurrence.send_time) == (DEFAULT_TZ, DEFAULT_SEND_TIME)
    assert (DEFAULT_TZ, DEFAULT_SEND_TIME) == ("Europe/Oslo", time(6, 15))
    assert PERIODS == ("week", "month", "quarter", "year")


@freeze_time("2026-05-10 12:00:00")
def test_validate_setup_accepts_tomorrow():
    recurrence = validate_setup("month", date(2026, 5, 11), now=utcnow())
    assert recurrence == Recurrence("month", date(2026, 5, 11))


@freeze_time("2026-05-10 12:00:00")
@pytest.mark.parametrize(
    "start", [date(2026, 5, 10), date(2026, 5, 9), date(2020, 1, 1)]
)
def test_validate_setup_rejects_today_and_past(start):
    with pytest.raises(StartTooEarlyError) as info:
        validate_setup("month", start, now=utcnow())
    error = info.value
    assert (error.start, error.earliest) == (start, date(2026, 5, 11))
    assert isinstance(error, RecurrenceError)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("today", "latest"),
    [
        ("2026-05-10", date(2027, 5, 10)),
        ("2028-02-29", date(2029, 2, 28)),
        ("2026-12-31", date(2027, 12, 31)),
    ],
)
def test_validate_setup_accepts_a_year_ahead_and_no_more(today, latest):
    with freeze_time(f"{today} 12:00:00"):
        now = utcnow()
        validate_setup("year", latest, now=now)
        with pytest.raises(StartTooLateError) as info:
            validate_setup("year", latest + timedelta(days=1), now=now)
    error = info.value
    assert error.latest == latest
    assert isinstance(error, RecurrenceError)


def test_tomorrow_is_taken_in_the_company_timezone():
    # 22:30 UTC on 10 May is already 00:30 on 11 May in Oslo.
    with freeze_time("2026-05-10 22:30:00"):
        now = utcnow()
        assert local_today(OSLO, now) == date(2026, 5, 11)
        assert local_today("UTC", now) == date(2026, 5, 10)
        assert local_today(OSLO, now.replace(tzinfo=None)) == date(2026, 5, 11)
        with pytest.raises(StartTooEarlyError):
            validate_setup("week", date(2026, 5, 11), now=now)
        validate_setup("week", date(2026, 5, 11), tz="UTC", now=now)
        validate_setup("week", date(2026, 5, 12), now=now)


@pytest.mark.parametrize(
    ("kwargs", "error_class", "attributes"),
    [
        (
            {"end": date(2026, 6, 30)},
            EndBeforeStartError,
            {"start": date(2026, 7, 1), "end": date(2026, 6, 30)},
        ),
        ({"period": "day"}, InvalidPeriodError, {"period": "day"}),
        (
            {"tz": "Mars/Olympus_Mons"},
            InvalidTimezoneError,
            {"tz": "Mars/Olympus_Mons"},
        ),
        ({"tz": None}, InvalidTimezoneError, {"tz": None}),
    ],
)
def test_validate_setup_errors(kwargs, error_class, attributes):
    setup = {"period": "month", "start": date(2026, 7, 1), **kwargs}
    with pytest.raises(error_class) as info:
        validate_setup(**setup, now=utc(2026, 5, 10))
    assert isinstance(info.value, RecurrenceError)
    for name, value in attributes.items():
        assert getattr(info.value, name) == value
    with pytest.raises(error_class):
        Recurrence(**setup)


def test_recurrence_does_not_require_a_future_start():
    assert Recurrence("month", date(2000, 1, 1)).nth(1) == date(2000, 2, 1)


def test_end_may_equal_start():
    recurrence = Recurrence("month", date(2026, 7, 1), end=date(2026, 7, 1))
    assert recurrence.plan(date(2026, 7, 1), utc(2027, 1, 1)) == Plan(
        (date(2026, 7, 1),), None, frozenset()
    )


def test_bad_types_are_programming_errors():
    with pytest.raises(TypeError):
        Recurrence("month", datetime(2026, 7, 1))
    with pytest.raises(TypeError):
        Recurrence("month", date(2026, 7, 1), send_time="06:15")


# --------------------------------------------------------------------------
# Period names
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "day", "locale", "label", "expected"),
    [
        ("month", date(2027, 1, 18), "nb_NO", "uke", "januar 2027"),
        ("week", date(2027, 1, 18), "nb_NO", "uke", "uke 3 2027"),
        ("quarter", date(2027, 1, 18), "nb_NO", "uke", "1. kvartal 2027"),
        ("year", date(2027, 1, 18), "nb_NO", "uke", "2027"),
        ("month", date(2027, 1, 18), "en_US", "week", "January 2027"),
        ("week", date(2027, 1, 18), "en_US", "week", "week 3 2027"),
        ("quarter", date(2027, 1, 18), "en_US", "week", "Q1 2027"),
        ("year", date(2027, 1, 18), "en_US", "week", "2027"),
        ("quarter", date(2027, 12, 31), "nb_NO", "uke", "4. kvartal 2027"),
        ("month", date(2027, 5, 31), "nb_NO", "uke", "mai 2027"),
        # ISO weeks: 31 Dec 2026 and 1 Jan 2027 are both in week 53 of 2026.
        ("week", date(2026, 12, 31), "nb_NO", "uke", "uke 53 2026"),
        ("week", date(2027, 1, 1), "nb_NO", "uke", "uke 53 2026"),
        ("week", date(2027, 1, 1), "en_US", "week", "week 53 2026"),
        ("week", date(2027, 1, 4), "en_US", "week", "week 1 2027"),
        # ISO year ahead of the calendar year.
        ("week", date(2024, 12, 30), "en_US", "week", "week 1 2025"),
        ("month", date(2027, 1, 18), "sr@latin", "nedelja", "januar 2027"),
    ],
)
def test_period_name(period, day, locale, label, expected):
    assert period_name(period, day, locale, label) == expected


def test_period_name_rejects_unknown_periods():
    with pytest.raises(InvalidPeriodError):
        period_name("day", date(2027, 1, 1), "en_US", "week")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2027, 3, 28, 4, 14), date(2027, 3, 27)),  # 06:14 CEST
        (utc(2027, 3, 28, 4, 15), date(2027, 3, 28)),  # 06:15 CEST
        (utc(2027, 1, 15, 5, 14), date(2027, 1, 14)),  # 06:14 CET
        (utc(2027, 1, 15, 5, 15), date(2027, 1, 15)),  # 06:15 CET
        (utc(2026, 12, 31, 23, 30), date(2026, 12, 31)),  # 00:30 on 1 Jan in Oslo
    ],
)
def test_last_due_date(now, expected):
    assert last_due_date("Europe/Oslo", time(6, 15), now=now) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Saturday 27 March 2027, after 06:15 CET: next is Sunday 06:15 CEST.
        (utc(2027, 3, 27, 6, 0), utc(2027, 3, 28, 4, 15)),
        # Sunday 31 October 2027 before 06:15 CET: the same morning.
        (utc(2027, 10, 31, 1, 0), utc(2027, 10, 31, 5, 15)),
        # Exactly at the send moment: the next one is tomorrow's.
        (utc(2027, 1, 15, 5, 15), utc(2027, 1, 16, 5, 15)),
    ],
)
def test_next_send_moment(now, expected):
    moment = next_send_moment("Europe/Oslo", time(6, 15), now=now)
    assert moment == pytz.utc.localize(expected)
    assert moment.astimezone(pytz.timezone("Europe/Oslo")).strftime("%H:%M") == "06:15"


# --------------------------------------------------------------------------
# Every N periods, days ahead, skipped occurrences, a number of invoices
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "interval", "start", "expected"),
    [
        pytest.param(
            "month",
            2,
            date(2027, 1, 31),
            ["2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31"],
            id="every-2-months-from-31-jan",
        ),
        pytest.param(
            "month",
            6,
            date(2026, 8, 31),
            ["2026-08-31", "2027-02-28", "2027-08-31", "2028-02-29"],
            id="every-6-months-from-31-aug",
        ),
        pytest.param(
            "week",
            2,
            date(2026, 12, 21),
            ["2026-12-21", "2027-01-04", "2027-01-18"],
            id="every-2-weeks",
        ),
        pytest.param(
            "year",
            2,
            date(2028, 2, 29),
            ["2028-02-29", "2030-02-28", "2032-02-29"],
            id="every-2-years-leap-day",
        ),
        pytest.param(
            "quarter",
            2,
            date(2027, 1, 1),
            ["2027-01-01", "2027-07-01", "2028-01-01"],
            id="every-2-quarters",
        ),
    ],
)
def test_occurrences_every_n_periods(period, interval, start, expected):
    recurrence = Recurrence(period, start, interval=interval)
    expected = [date.fromisoformat(d) for d in expected]
    assert _first(recurrence, len(expected)) == expected
    assert [recurrence.index(d) for d in expected] == list(range(len(expected)))
    for previous, following in zip(expected, expected[1:], strict=False):
        assert recurrence.successor(previous) == following
    # The months in between are no occurrences.
    assert recurrence.index(expected[0] + timedelta(days=7)) is None
    assert recurrence.first_on_or_after(expected[0] + timedelta(days=1)) == expected[1]


def test_days_ahead_moves_the_send_day_not_the_occurrence():
    # Rent for each month, sent 14 days before the 1st.
    rent = Recurrence("month", date(2027, 2, 1), days_ahead=14)
    assert rent.nth(1) == date(2027, 3, 1)
    assert rent.send_date(date(2027, 3, 1)) == date(2027, 2, 15)
    assert (rent.local_send_moment(date(2027, 3, 1)).date(), rent.nth(0)) == (
        date(2027, 2, 15),
        date(2027, 2, 1),
    )
    # At 06:15 on 15 February: February's is overdue, March's is due.
    plan = rent.plan(date(2027, 2, 1), utc(2027, 2, 15, 5, 15))
    assert plan.make == (date(2027, 2, 1), date(2027, 3, 1))
    assert plan.next_date == date(2027, 4, 1)
    assert due(rent, date(2027, 4, 1), utc(2027, 3, 18, 5, 14)) == []
    assert due(rent, date(2027, 4, 1), utc(2027, 3, 18, 5, 15)) == [date(2027, 4, 1)]


@pytest.mark.parametrize(
    ("occurrence", "send_day", "utc_hour"),
    [
        # Sent 14 days ahead: the send day, not the occurrence, decides the
        # offset. 28 March 2027 is the spring change, 31 October the autumn one.
        (date(2027, 4, 10), date(2027, 3, 27), 5),
        (date(2027, 4, 11), date(2027, 3, 28), 4),
        (date(2027, 11, 13), date(2027, 10, 30), 4),
        (date(2027, 11, 14), date(2027, 10, 31), 5),
    ],
)
def test_days_ahead_across_dst_changes(occurrence, send_day, utc_hour):
    recurrence = Recurrence("week", occurrence, days_ahead=14)
    moment = recurrence.send_moment(occurrence)
    assert (moment.date(), moment.hour, moment.minute) == (send_day, utc_hour, 15)
    assert recurrence.local_send_moment(occurrence).strftime("%H:%M") == "06:15"
    before = moment.replace(tzinfo=None) - timedelta(seconds=1)
    assert due(recurrence, occurrence, before) == []
    assert due(recurrence, occurrence, moment) == [occurrence]


def test_skipped_occurrences_are_passed_over():
    weekly = Recurrence("week", date(2027, 1, 4))
    skipped = {date(2027, 1, 11), date(2027, 2, 1)}
    # Ten days down after 4 January: 11 January is skipped, 18 January made.
    plan = weekly.plan(date(2027, 1, 11), utc(2027, 1, 21, 6), skipped)
    assert plan == Plan((date(2027, 1, 18),), date(2027, 1, 25), {date(2027, 2, 1)})
    # A skipped next date not due yet stays skipped and stays the next date;
    # skipped dates before it are forgotten.
    plan = weekly.plan(date(2027, 2, 1), utc(2027, 1, 30, 6), skipped)
    assert plan == Plan((), date(2027, 2, 1), frozenset({date(2027, 2, 1)}))


def test_a_number_of_invoices():
    monthly = Recurrence("month", date(2027, 1, 1))
    plan = monthly.plan(date(2027, 1, 1), utc(2027, 6, 1, 6), remaining=3)
    assert plan.make == (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
    assert plan.ended
    # Skipped occurrences are not counted: the third invoice is for April.
    plan = monthly.plan(
        date(2027, 1, 1), utc(2027, 6, 1, 6), {date(2027, 2, 1)}, remaining=3
    )
    assert plan.make == (date(2027, 1, 1), date(2027, 3, 1), date(2027, 4, 1))
    assert plan == (plan.make, None, frozenset())
    # Not all made yet: the plan goes on.
    plan = monthly.plan(date(2027, 1, 1), utc(2027, 1, 1, 6), remaining=3)
    assert plan == Plan((date(2027, 1, 1),), date(2027, 2, 1), frozenset())
    assert monthly.plan(date(2027, 1, 1), utc(2027, 1, 1, 6), remaining=0).ended
    assert monthly.upcoming(date(2027, 1, 1), 5, remaining=2)[-1].date == date(
        2027, 2, 1
    )


def test_upcoming_marks_skipped_and_gives_send_days():
    rent = Recurrence("month", date(2027, 1, 1), days_ahead=14)
    upcoming = rent.upcoming(date(2027, 3, 1), 3, skipped={date(2027, 4, 1)})
    assert [(m.date, m.send_date, m.skipped) for m in upcoming] == [
        (date(2027, 3, 1), date(2027, 2, 15), False),
        (date(2027, 4, 1), date(2027, 3, 18), True),
        (date(2027, 5, 1), date(2027, 4, 17), False),
    ]
    # A skipped occurrence does not use up the number of invoices left.
    upcoming = rent.upcoming(date(2027, 3, 1), 5, {date(2027, 4, 1)}, remaining=2)
    assert [m.date for m in upcoming] == [
        date(2027, 3, 1),
        date(2027, 4, 1),
        date(2027, 5, 1),
    ]


def test_resume_at_the_start_of_a_day():
    """A pause until 1 May ends at midnight in Oslo: the 1 May invoice is made."""
    monthly = Recurrence("month", date(2027, 1, 1))
    resume_at = day_start(OSLO, date(2027, 5, 1))
    assert resume_at == pytz.utc.localize(datetime(2027, 4, 30, 22, 0))
    resumed = monthly.resume(date(2027, 3, 1), utc(2027, 2, 10), resume_at)
    assert resumed == Resumed(date(2027, 5, 1), frozenset())
    # A user's skip after the pause is kept; one inside it is dropped.
    resumed = monthly.resume(
        date(2027, 3, 1),
        utc(2027, 2, 10),
        resume_at,
        skipped={date(2027, 4, 1), date(2027, 6, 1)},
    )
    assert resumed == Resumed(date(2027, 5, 1), frozenset({date(2027, 6, 1)}))


def test_first_send_day_must_be_tomorrow_or_later():
    now = utc(2027, 1, 10, 12)
    validate_setup("month", date(2027, 1, 25), now=now, days_ahead=14)
    with pytest.raises(StartTooEarlyError) as info:
        validate_setup("month", date(2027, 1, 24), now=now, days_ahead=14)
    assert info.value.earliest == date(2027, 1, 25)


@pytest.mark.parametrize(
    ("kwargs", "error_class"),
    [
        ({"interval": 0}, InvalidIntervalError),
        ({"interval": 13}, InvalidIntervalError),
        ({"interval": 1.5}, InvalidIntervalError),
        ({"days_ahead": -1}, InvalidDaysAheadError),
        ({"days_ahead": 91}, InvalidDaysAheadError),
    ],
)
def test_interval_and_days_ahead_bounds(kwargs, error_class):
    with pytest.raises(error_class):
        Recurrence("month", date(2027, 1, 1), **kwargs)
    Recurrence("month", date(2027, 1, 1), interval=12, days_ahead=90)


@pytest.mark.parametrize(
    ("period", "interval", "day", "locale", "label", "expected"),
    [
        ("week", 2, date(2027, 1, 18), "nb_NO", "uke", "uke 3–4 2027"),
        ("week", 2, date(2026, 12, 28), "en_US", "week", "week 53 2026–week 1 2027"),
        ("month", 2, date(2027, 1, 31), "nb_NO", "uke", "januar–februar 2027"),
        ("month", 2, date(2027, 1, 31), "en_US", "week", "January – February 2027"),
        ("month", 4, date(2027, 11, 1), "nb_NO", "uke", "november 2027–februar 2028"),
        ("quarter", 2, date(2027, 1, 1), "nb_NO", "uke", "1. kvartal–2. kvartal 2027"),
        ("quarter", 2, date(2027, 10, 1), "en_US", "week", "Q4 2027–Q1 2028"),
        ("year", 2, date(2027, 3, 1), "nb_NO", "uke", "2027–2028"),
        ("month", 1, date(2027, 1, 31), "nb_NO", "uke", "januar 2027"),
    ],
)
def test_period_name_of_several_periods(period, interval, day, locale, label, expected):
    name = period_name(period, day, locale, label, interval=interval)
    # Babel puts thin spaces around the English dash.
    assert name.replace("\u2009", " ") == expected


def test_a_schedule_changed_while_running_keeps_its_next_date():
    # Monthly from 31 January, next invoice 30 April: every 3 months from the
    # start also falls on 30 April, so the dates stay anchored on the start.
    quarterly = Recurrence("month", date(2027, 1, 31), interval=3)
    assert quarterly.anchored_at(date(2027, 4, 30)) is quarterly
    assert quarterly.anchored_at(date(2027, 4, 30)).nth(2) == date(2027, 7, 31)
    # Every 2 months from the start would skip 30 April: it starts there.
    every_two = Recurrence("month", date(2027, 1, 31), interval=2)
    rebased = every_two.anchored_at(date(2027, 4, 30))
    assert (rebased.start, rebased.nth(1)) == (date(2027, 4, 30), date(2027, 6, 30))
    assert rebased.plan(date(2027, 4, 30), utc(2027, 4, 30, 5)).make == (
        date(2027, 4, 30),
    )


def test_restorable_skipped_occurrences():
    weekly = Recurrence("week", date(2027, 1, 4), days_ahead=2)
    skipped = {date(2027, 1, 18), date(2027, 1, 11), date(2027, 1, 4)}
    # 9 January 06:15 Oslo is the send moment of 11 January's invoice.
    assert weekly.restorable(skipped, utc(2027, 1, 9, 5, 14)) == [
        date(2027, 1, 11),
        date(2027, 1, 18),
    ]
    assert weekly.restorable(skipped, utc(2027, 1, 9, 5, 15)) == [date(2027, 1, 18)]
    assert send_date(date(2027, 1, 11), 2) == date(2027, 1, 9)


@pytest.mark.parametrize(
    ("period", "interval", "day", "first", "last"),
    [
        ("month", 1, date(2027, 3, 1), date(2027, 3, 1), date(2027, 3, 31)),
        ("month", 1, date(2027, 2, 15), date(2027, 2, 1), date(2027, 2, 28)),
        ("month", 1, date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
        ("month", 2, date(2027, 1, 31), date(2027, 1, 1), date(2027, 2, 28)),
        ("month", 4, date(2027, 11, 1), date(2027, 11, 1), date(2028, 2, 29)),
        ("month", 12, date(2027, 12, 1), date(2027, 12, 1), date(2028, 11, 30)),
        ("week", 1, date(2027, 1, 18), date(2027, 1, 18), date(2027, 1, 24)),
        # A Wednesday: its ISO week, Monday to Sunday, as "uke 3 2027" names it.
        ("week", 1, date(2027, 1, 20), date(2027, 1, 18), date(2027, 1, 24)),
        ("week", 2, date(2026, 12, 28), date(2026, 12, 28), date(2027, 1, 10)),
        ("quarter", 1, date(2027, 1, 1), date(2027, 1, 1), date(2027, 3, 31)),
        ("quarter", 1, date(2027, 5, 15), date(2027, 4, 1), date(2027, 6, 30)),
        ("quarter", 2, date(2027, 10, 1), date(2027, 10, 1), date(2028, 3, 31)),
        ("year", 1, date(2027, 3, 1), date(2027, 1, 1), date(2027, 12, 31)),
        ("year", 2, date(2027, 1, 1), date(2027, 1, 1), date(2028, 12, 31)),
    ],
)
def test_period_dates(period, interval, day, first, last):
    assert period_dates(period, day, interval) == (first, last)


@pytest.mark.parametrize("days_ahead", [0, 10, 14, 90])
def test_period_dates_of_an_invoice_made_days_ahead(days_ahead):
    """The invoice sent days before its period states the period, not the days
    around its send day."""
    recurrence = Recurrence("month", date(2027, 3, 1), days_ahead=days_ahead)
    occurrence = recurrence.nth(0)
    assert recurrence.send_date(occurrence) == date(2027, 3, 1) - timedelta(
        days=days_ahead
    )
    assert period_dates("month", occurrence) == (date(2027, 3, 1), date(2027, 3, 31))


def test_period_dates_reject_what_a_recurrence_rejects():
    with pytest.raises(InvalidPeriodError):
        period_dates("day", date(2027, 1, 1))
    for interval in (0, 13, True, 1.0):
        with pytest.raises(InvalidIntervalError):
            period_dates("month", date(2027, 1, 1), interval)
    with pytest.raises(TypeError):
        period_dates("month", datetime(2027, 1, 1))
    with pytest.raises(OverflowError):
        period_dates("year", date(9999, 6, 1), 2)
    assert period_dates("year", date(9999, 6, 1)) == (date(9999, 1, 1), date.max)
