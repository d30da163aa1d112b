"""Benchmark of the recurrence engine, without Odoo.

Run from the repository root: ``python -m bench.bench_engine``. The last line
of the output is ``engine: N successors/s``.
"""

import importlib.util
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ENGINE_PATH = (
    Path(__file__).resolve().parents[1] / "recurring_invoice/tools/recurrence.py"
)
SUCCESSOR_CALLS = 300_000
DUE_PAIRS = 100_000
TIMEZONES = ("Europe/Oslo", "America/New_York", "UTC", "Asia/Tokyo")
NOW = datetime(2026, 6, 1, 4, 0)  # naive UTC, as Odoo stores it


def load_engine():
    """Load the engine by file path, as tests/conftest.py does."""
    spec = importlib.util.spec_from_file_location("recurrence", ENGINE_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["recurrence"] = module
    spec.loader.exec_module(module)
    return module


def random_recurrence(engine, rng: random.Random, start_from: date):
    start = start_from + timedelta(days=rng.randrange(3650))
    return engine.Recurrence(
        period=rng.choice(engine.PERIODS), start=start, tz=rng.choice(TIMEZONES)
    )


def bench_successors(engine, rng: random.Random) -> int:
    """Return the best of 3 rates of ``successor`` calls, mixed periods."""
    pairs = []
    while len(pairs) < SUCCESSOR_CALLS:
        recurrence = random_recurrence(engine, rng, date(1990, 1, 1))
        pairs.extend((recurrence, recurrence.nth(n)) for n in range(100))
    best = float("inf")
    for _ in range(3):
        begin = time.perf_counter()
        for recurrence, occurrence in pairs:
            recurrence.successor(occurrence)
        best = min(best, time.perf_counter() - begin)
    return int(len(pairs) / best)


def bench_plan(engine, rng: random.Random) -> tuple[float, int]:
    """Return the seconds to plan a run for DUE_PAIRS stored pairs.

    Most stored next dates lie in the near future (nothing due), some are due
    today, some have a backlog after downtime.
    """
    pairs = []
    for _ in range(DUE_PAIRS):
        recurrence = random_recurrence(engine, rng, date(2016, 1, 1))
        around = NOW.date() + timedelta(days=rng.randint(-60, 400))
        pairs.append((recurrence, recurrence.first_on_or_after(around)))
    begin = time.perf_counter()
    made = sum(
        len(recurrence.plan(next_date, NOW).make) for recurrence, next_date in pairs
    )
    return time.perf_counter() - begin, made


def main() -> None:
    engine = load_engine()
    rng = random.Random(2026)
    seconds, made = bench_plan(engine, rng)
    print(f"plan: {DUE_PAIRS} stored pairs in {seconds:.3f} s ({made} occurrences due)")
    rate = bench_successors(engine, rng)
    print(f"successor: {SUCCESSOR_CALLS} calls, best of 3")
    print(f"engine: {rate} successors/s")


if __name__ == "__main__":
    main()
