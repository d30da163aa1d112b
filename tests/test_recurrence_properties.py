"""Property-based tests of the recurrence engine (hypothesis, no Odoo needed).

The expectations are computed the slow, obvious way (``nth`` for each index,
``send_moment`` for each occurrence) and compared with the engine's shortcuts.
"""

import random
from datetime import date, datetime, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from recurrence import (
    DEFAULT_SEND_TIME,
    MAX_DAYS_AHEAD,
    MAX_INTERVAL,
    PERIODS,
    Recurrence,
    period_dates,
    period_name,
)

#: Ordinary zones, and some with unusual offsets or DST rules: UTC+14, UTC-11,
#: a skipped day (Apia, 2011), a 30-minute DST shift (Lord Howe), +05:45.
TIMEZONES = (
    "Europe/Oslo",
    "America/New_York",
    "UTC",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Apia",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/St_Johns",
)
#: How far, in days, the runs of the scheduling properties reach per period.
SPAN_DAYS = {"week": 400, "month": 1200, "quarter": 3000, "year": 9000}
EXAMPLES = settings(max_examples=150, deadline=None)

starts = st.dates(date(1990, 1, 1), date(2100, 12, 31))
send_times = st.one_of(st.just(DEFAULT_SEND_TIME), st.times())


@st.composite
def recurrences(draw, bounded: bool = True) -> Recurrence:
    start = draw(starts)
    end = None
    if bounded:
        end = draw(
            st.none() | st.integers(0, 4000).map(lambda days: start + timedelta(days))
        )
    return Recurrence(
        period=draw(st.sampled_from(PERIODS)),
        start=start,
        end=end,
        tz=draw(st.sampled_from(TIMEZONES)),
        send_time=draw(send_times),
        interval=draw(st.one_of(st.just(1), st.integers(1, MAX_INTERVAL))),
        days_ahead=draw(st.one_of(st.just(0), st.integers(0, MAX_DAYS_AHEAD))),
    )


@st.composite
def instants(draw, around: date, span_days: int) -> datetime:
    """A naive UTC instant, or the same instant as an aware one in some zone."""
    moment = datetime.combine(around, datetime.min.time()) + timedelta(
        seconds=draw(st.integers(-3 * 86400, span_days * 86400))
    )
    zone = draw(st.none() | st.sampled_from(TIMEZONES))
    if zone is None:
        return moment
    return pytz.utc.localize(moment).astimezone(pytz.timezone(zone))


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return pytz.utc.localize(moment)
    return moment.astimezone(pytz.utc)


def _occurrences(recurrence: Recurrence, until: date) -> list[date]:
    """The occurrences up to ``until`` and the end date, by ``nth``."""
    found = []
    n = 0
    while (occurrence := recurrence.nth(n)) <= until and (
        recurrence.end is None or occurrence <= recurrence.end
    ):
        found.append(occurrence)
        n += 1
    return found


@EXAMPLES
@given(recurrences(bounded=False), st.integers(1, 60))
def test_nth_is_iterated_successor(recurrence, count):
    occurrence = recurrence.start
    for n in range(count):
        assert recurrence.nth(n) == occurrence
        assert recurrence.index(occurrence) == n
        following = recurrence.successor(occurrence)
        assert following > occurrence
        occurrence = following


@EXAMPLES
@given(recurrences(bounded=False), st.integers(1, 40), st.data())
def test_no_occurrence_is_skipped(recurrence, count, data):
    occurrences = [recurrence.nth(n) for n in range(count)]
    assert occurrences == sorted(set(occurrences))
    last = occurrences[-1]
    day = data.draw(st.dates(recurrence.start - timedelta(days=40), last))
    # A day is an occurrence exactly when it is in the list...
    expected_index = occurrences.index(day) if day in occurrences else None
    assert recurrence.index(day) == expected_index
    # ...and the first occurrence on or after it is the first listed one.
    assert recurrence.first_on_or_after(day) == min(o for o in occurrences if o >= day)


@EXAMPLES
@given(recurrences(bounded=False), st.integers(0, 200))
def test_index_inverts_nth(recurrence, n):
    occurrence = recurrence.nth(n)
    assert recurrence.index(occurrence) == n


#: Months per period of the month-based periods.
MONTHS = {"month": 1, "quarter": 3, "year": 12}


def test_nth_is_relativedelta_from_the_start():
    """The hand-written month arithmetic clamps as dateutil's relativedelta,
    checked on 20,000 random cases (plain random: hypothesis would take a minute)."""
    rng = random.Random(2026)
    for _ in range(20_000):
        period = rng.choice(PERIODS)
        start = date.fromordinal(rng.randrange(date(1990, 1, 1).toordinal(), 767_000))
        interval, n = rng.randint(1, MAX_INTERVAL), rng.randrange(300)
        recurrence = Recurrence(period, start, interval=interval)
        if period == "week":
            step = relativedelta(weeks=interval * n)
        else:
            step = relativedelta(months=MONTHS[period] * interval * n)
        assert recurrence.nth(n) == start + step, (recurrence, n)


@EXAMPLES
@given(recurrences())
def test_end_date_is_respected(recurrence):
    assume(recurrence.end is not None)
    walked = []
    occurrence = recurrence.start
    while occurrence is not None:
        walked.append(occurrence)
        occurrence = recurrence.successor(occurrence)
    assert walked == _occurrences(recurrence, recurrence.end)
    assert walked[-1] <= recurrence.end
    assert recurrence.nth(len(walked)) > recurrence.end
    assert recurrence.first_on_or_after(recurrence.end + timedelta(days=1)) is None
    assert recurrence.first_on_or_after(recurrence.end) in (walked[-1], None)


@EXAMPLES
@given(st.sampled_from(TIMEZONES), starts, send_times)
def test_send_moment_is_send_time_on_the_day(tz, day, send_time):
    recurrence = Recurrence("week", day, tz=tz, send_time=send_time)
    local = recurrence.local_send_moment(day)
    moment = recurrence.send_moment(day)
    assert local == moment
    assert local.tzinfo.zone == tz
    assert moment.utcoffset() == timedelta(0)
    naive = datetime.combine(day, send_time)
    try:
        pytz.timezone(tz).localize(naive, is_dst=None)
    except pytz.NonExistentTimeError:
        # Pushed forward past the gap, at most by a day.
        assert naive < local.replace(tzinfo=None) <= naive + timedelta(days=1)
    except pytz.AmbiguousTimeError:
        assert local.replace(tzinfo=None) == naive
    else:
        assert local.replace(tzinfo=None) == naive


@EXAMPLES
@given(
    st.sampled_from(TIMEZONES),
    starts,
    send_times,
    st.integers(-3 * 86400, 3 * 86400),
    st.booleans(),
)
def test_due_exactly_from_the_send_moment(tz, day, send_time, seconds, naive):
    recurrence = Recurrence("week", day, tz=tz, send_time=send_time)
    now = recurrence.send_moment(day) + timedelta(seconds=seconds)
    if naive:
        now = now.replace(tzinfo=None)
    assert list(recurrence.plan(day, now).make) == ([day] if seconds >= 0 else [])


@EXAMPLES
@given(recurrences(), st.data())
def test_runs_make_each_occurrence_exactly_once(recurrence, data):
    span = SPAN_DAYS[recurrence.period]
    runs = data.draw(
        st.lists(instants(recurrence.start, span), min_size=1, max_size=8).map(
            lambda runs: sorted(runs, key=_as_utc)
        )
    )
    next_date = recurrence.start
    made = []
    for now in runs:
        now_utc = _as_utc(now)
        plan = recurrence.plan(next_date, now)
        assert plan == recurrence.plan(next_date, now_utc.replace(tzinfo=None))
        due = list(plan.make)
        assert due == sorted(set(due))
        assert all(recurrence.send_moment(d) <= now_utc for d in due)
        made.extend(due)
        if due:
            assert plan.next_date == recurrence.successor(due[-1])
        next_date = plan.next_date
        # Nothing due is left behind.
        assert next_date is None or recurrence.send_moment(next_date) > now_utc
    last_run = _as_utc(runs[-1])
    horizon = last_run.date() + timedelta(days=3 + recurrence.days_ahead)
    expected = [
        d
        for d in _occurrences(recurrence, horizon)
        if recurrence.send_moment(d) <= last_run
    ]
    assert made == expected


@EXAMPLES
@given(recurrences(), st.data())
def test_runs_with_skips_and_a_limit_partition_the_occurrences(recurrence, data):
    """Consecutive runs make every occurrence once, but the skipped ones, and
    stop after the number of invoices allowed."""
    span = SPAN_DAYS[recurrence.period]
    runs = sorted(
        data.draw(st.lists(instants(recurrence.start, span), min_size=1, max_size=6)),
        key=_as_utc,
    )
    occurrences = _occurrences(
        recurrence, recurrence.start + timedelta(days=span + 100)
    )
    skipped = frozenset(data.draw(st.lists(st.sampled_from(occurrences), max_size=5)))
    limit = data.draw(st.none() | st.integers(0, 30))
    next_date, to_skip, made = recurrence.start, skipped, []
    for now in runs:
        remaining = None if limit is None else limit - len(made)
        plan = recurrence.plan(next_date, now, to_skip, remaining)
        assert not set(plan.make) & skipped
        assert all(d >= next_date for d in plan.make) if next_date else not plan.make
        assert plan.skipped <= to_skip
        made.extend(plan.make)
        next_date, to_skip = plan.next_date, plan.skipped
    last_run = _as_utc(runs[-1])
    expected = [
        d
        for d in occurrences
        if recurrence.send_moment(d) <= last_run and d not in skipped
    ]
    if limit is not None:
        expected = expected[:limit]
        if len(made) == limit:
            assert next_date is None
    assert made == expected


@EXAMPLES
@given(recurrences(), st.integers(0, 30), st.data())
def test_resume(recurrence, n, data):
    next_date = recurrence.nth(n)
    assume(recurrence.end is None or next_date <= recurrence.end)
    span = SPAN_DAYS[recurrence.period]
    paused_at, now = sorted(
        (data.draw(instants(next_date, span)) for _ in range(2)), key=_as_utc
    )
    resumed = recurrence.resume(next_date, paused_at, now)
    now_utc = _as_utc(now)
    paused_utc = _as_utc(paused_at)
    if recurrence.plan(next_date, paused_at).make:
        # Already due when paused: kept, so it is not skipped; the pause's
        # occurrences are skipped instead.
        assert resumed.next_date == next_date
        assert resumed.skipped == {
            d
            for d in _occurrences(recurrence, now_utc.date() + timedelta(days=200))
            if paused_utc < recurrence.send_moment(d) <= now_utc
        }
        return
    # Otherwise: the first occurrence still in the future when resuming.
    expected = next_date
    while expected is not None and recurrence.send_moment(expected) <= now_utc:
        expected = recurrence.successor(expected)
    assert resumed == (expected, frozenset())


@EXAMPLES
@given(recurrences(), st.integers(0, 10))
def test_upcoming(recurrence, k):
    upcoming = recurrence.upcoming(recurrence.start, k)
    dates = [moment.date for moment in upcoming]
    assert dates == [recurrence.nth(n) for n in range(len(dates))]
    assert len(dates) == k or recurrence.successor(dates[-1]) is None
    for moment in upcoming:
        assert moment.local == recurrence.local_send_moment(moment.date)
        assert moment.utc == moment.local
        assert moment.utc.utcoffset() == timedelta(0)


@EXAMPLES
@given(
    st.sampled_from(PERIODS),
    st.integers(1, MAX_INTERVAL),
    st.dates(date(1990, 1, 1), date(2100, 12, 31)),
)
def test_period_dates_hold_the_day_and_agree_with_the_name(period, interval, day):
    first, last = period_dates(period, day, interval)
    assert first <= day <= last
    # The period begins a calendar period, and ends the day before the one
    # interval periods later begins.
    after = last + timedelta(days=1)
    if period == "week":
        assert first.weekday() == 0
        assert (after - first).days == 7 * interval
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[period]
        assert first.day == after.day == 1
        assert (first.month - 1) % months == 0
        elapsed = (after.year - first.year) * 12 + after.month - first.month
        assert elapsed == months * interval
    # Every day of it gives the same period, and the name of any of its first
    # periods' days is the name of the whole: what {period} reads.
    assert period_dates(period, first, interval) == (first, last)
    assert period_name(period, first, "nb_NO", "uke", interval) == period_name(
        period, day, "nb_NO", "uke", interval
    )


@EXAMPLES
@given(
    st.sampled_from(PERIODS),
    st.integers(1, MAX_INTERVAL),
    st.dates(date(1990, 1, 1), date(2100, 12, 31)),
    st.integers(0, MAX_DAYS_AHEAD),
)
def test_periods_of_a_recurrence_from_a_period_start_follow_each_other(
    period, interval, day, days_ahead
):
    """Started on the first day of a period, a recurrence's invoices are for
    periods that follow each other without a gap or an overlap."""
    start, _last = period_dates(period, day, interval)
    recurrence = Recurrence(period, start, interval=interval, days_ahead=days_ahead)
    periods = [period_dates(period, recurrence.nth(n), interval) for n in range(6)]
    for (_first, last), (following, _end) in zip(periods, periods[1:], strict=False):
        assert following == last + timedelta(days=1)
    assert periods[0][0] == recurrence.nth(0)
