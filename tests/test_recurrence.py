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
    InvalidPeriodError,
    InvalidTimezoneError,
    Recurrence,
    RecurrenceError,
    SendMoment,
    StartTooEarlyError,
    StartTooLateError,
    last_due_date,
    local_today,
    next_send_moment,
    period_name,
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
    assert recurrence.due(day, utc(day.year, day.month, day.day, utc_hour, 14)) == []
    assert recurrence.due(day, utc(day.year, day.month, day.day, utc_hour, 15)) == [day]


def test_due_at_0614_and_0615_oslo_hand_checked():
    spring = Recurrence("month", date(2026, 3, 29))
    assert spring.due(date(2026, 3, 29), utc(2026, 3, 29, 4, 14, 59)) == []
    assert spring.due(date(2026, 3, 29), utc(2026, 3, 29, 4, 15)) == [date(2026, 3, 29)]
    autumn = Recurrence("month", date(2026, 10, 25))
    assert autumn.due(date(2026, 10, 25), utc(2026, 10, 25, 5, 14)) == []
    assert autumn.due(date(2026, 10, 25), utc(2026, 10, 25, 5, 15)) == [
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
    assert recurrence.period_bounds(date(9999, 6, 1)) == (date(9999, 6, 1), date.max)


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


@pytest.mark.parametrize(
    ("period", "start", "occurrence", "last"),
    [
        ("month", date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 31)),
        ("month", date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 30)),
        ("week", date(2026, 12, 28), date(2026, 12, 28), date(2027, 1, 3)),
        ("quarter", date(2026, 11, 30), date(2026, 11, 30), date(2027, 2, 27)),
        ("year", date(2028, 2, 29), date(2028, 2, 29), date(2029, 2, 27)),
    ],
)
def test_period_bounds(period, start, occurrence, last):
    recurrence = Recurrence(period, start, end=start)
    # The period is the occurrence's full period, even for the last occurrence.
    assert recurrence.period_bounds(occurrence) == (occurrence, last)


def test_period_bounds_rejects_non_occurrences():
    with pytest.raises(ValueError, match="not an occurrence"):
        Recurrence("month", date(2027, 1, 1)).period_bounds(date(2027, 1, 2))


# --------------------------------------------------------------------------
# Due, upcoming, resume
# --------------------------------------------------------------------------


def test_weekly_after_40_days_of_downtime():
    recurrence = Recurrence("week", date(2026, 3, 2))
    # The last run was on 1 March; the next one 40 days later at 07:00 Oslo.
    assert recurrence.due(date(2026, 3, 2), utc(2026, 3, 1, 5, 0)) == []
    due = recurrence.due(date(2026, 3, 2), utc(2026, 4, 10, 5, 0))
    assert due == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 23),
        date(2026, 3, 30),
        date(2026, 4, 6),
    ]
    # The run after that picks up where it left off.
    next_date = recurrence.successor(due[-1])
    assert next_date == date(2026, 4, 13)
    assert recurrence.due(next_date, utc(2026, 4, 11, 5, 0)) == []
    assert recurrence.due(next_date, utc(2026, 4, 13, 5, 0)) == [date(2026, 4, 13)]


def test_due_respects_end_and_none():
    recurrence = Recurrence("month", date(2026, 1, 1), end=date(2026, 3, 1))
    now = utc(2026, 12, 1)
    assert recurrence.due(date(2026, 1, 1), now) == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert recurrence.due(None, now) == []
    assert recurrence.due(date(2026, 4, 1), now) == []


def test_due_accepts_aware_now_in_any_timezone():
    recurrence = Recurrence("month", date(2026, 1, 1))
    tokyo = pytz.timezone("Asia/Tokyo")
    # 1 January 2026 06:15 Oslo is 05:15 UTC, 14:15 in Tokyo.
    before = tokyo.localize(datetime(2026, 1, 1, 14, 14))
    at = tokyo.localize(datetime(2026, 1, 1, 14, 15))
    assert recurrence.due(date(2026, 1, 1), before) == []
    assert recurrence.due(date(2026, 1, 1), at) == [date(2026, 1, 1)]
    assert recurrence.due(date(2026, 1, 1), utc(2026, 1, 1, 5, 15)) == [
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
        assert resumed == date(2026, 6, 1)

    def test_short_pause_keeps_next_date(self):
        resumed = self.recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 2, 15, 12), now=utc(2026, 2, 20, 12)
        )
        assert resumed == date(2026, 3, 1)

    def test_resuming_at_the_send_moment_is_too_late(self):
        paused_at = utc(2026, 2, 15, 12)
        before = utc(2026, 6, 1, 4, 14)
        at = utc(2026, 6, 1, 4, 15)
        assert self.recurrence.resume(date(2026, 3, 1), paused_at, before) == date(
            2026, 6, 1
        )
        assert self.recurrence.resume(date(2026, 3, 1), paused_at, at) == date(
            2026, 7, 1
        )

    def test_overdue_before_the_pause_is_kept(self):
        # Due since 1 March 06:15 Oslo, not made yet (downtime), paused at 10:00.
        resumed = self.recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 3, 1, 9), now=utc(2026, 5, 10, 12)
        )
        assert resumed == date(2026, 3, 1)
        # The next run makes 1 March only: 1 April and 1 May fell in the pause.
        pause = (utc(2026, 3, 1, 9), utc(2026, 5, 10, 12))
        run = utc(2026, 5, 11, 5)
        assert self.recurrence.due(resumed, run, skip=pause) == [date(2026, 3, 1)]
        handled = self.recurrence.due(resumed, run)
        assert handled == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
        assert self.recurrence.successor(handled[-1]) == date(2026, 6, 1)

    def test_paused_just_before_the_send_moment_is_not_kept(self):
        resumed = self.recurrence.resume(
            date(2026, 3, 1),
            paused_at=utc(2026, 3, 1, 5, 14),
            now=utc(2026, 5, 10, 12),
        )
        assert resumed == date(2026, 6, 1)

    def test_nothing_left_before_end(self):
        recurrence = Recurrence("month", date(2026, 1, 1), end=date(2026, 5, 31))
        resumed = recurrence.resume(
            date(2026, 3, 1), paused_at=utc(2026, 2, 15), now=utc(2026, 5, 10)
        )
        assert resumed is None
        assert recurrence.resume(None, utc(2026, 2, 15), utc(2026, 5, 10)) is None

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
    assert (error.code, error.start, error.earliest) == (
        "start_too_early",
        start,
        date(2026, 5, 11),
    )
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
    assert (error.code, error.latest) == ("start_too_late", latest)
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
    ("kwargs", "error_class", "code", "attributes"),
    [
        (
            {"end": date(2026, 6, 30)},
            EndBeforeStartError,
            "end_before_start",
            {"start": date(2026, 7, 1), "end": date(2026, 6, 30)},
        ),
        ({"period": "day"}, InvalidPeriodError, "invalid_period", {"period": "day"}),
        (
            {"tz": "Mars/Olympus_Mons"},
            InvalidTimezoneError,
            "invalid_timezone",
            {"tz": "Mars/Olympus_Mons"},
        ),
        ({"tz": None}, InvalidTimezoneError, "invalid_timezone", {"tz": None}),
    ],
)
def test_validate_setup_errors(kwargs, error_class, code, attributes):
    setup = {"period": "month", "start": date(2026, 7, 1), **kwargs}
    with pytest.raises(error_class) as info:
        validate_setup(**setup, now=utc(2026, 5, 10))
    assert info.value.code == code
    for name, value in attributes.items():
        assert getattr(info.value, name) == value
    with pytest.raises(error_class):
        Recurrence(**setup)


def test_recurrence_does_not_require_a_future_start():
    assert Recurrence("month", date(2000, 1, 1)).nth(1) == date(2000, 2, 1)


def test_end_may_equal_start():
    assert Recurrence("month", date(2026, 7, 1), end=date(2026, 7, 1)).due(
        date(2026, 7, 1), utc(2027, 1, 1)
    ) == [date(2026, 7, 1)]


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
