# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Yearly prices: templates of every period with a yearly price adjustment
of 10 % run on three days over more than three years (days of downtime in
between, two adjustment days in one run); the first run of each day is killed
with SIGKILL: right after a price change is applied to a template's lines (not
committed), again a few changes later, and right after a commit. Each year's
adjustment must be applied exactly once, before the invoice of the first
occurrence on or after its day, and every invoice must carry the price of its
occurrence (faults/oracle.py's ``expected_prices``: the first price plus 10 %
per adjustment day before it, rounded each year).
"""

import signal
import time
from datetime import timedelta

from .checks import check_database, check_yearly_prices, figures_text
from .lab import ScenarioError

#: Templates with a yearly adjustment of 10 %, from ``index_offset`` days
#: after the earliest start (the yearly template's on its own start day).
YEARLY_TEMPLATES = [
    {"period": "month", "count": 2, "index_percent": 10, "index_offset": 45},
    {"period": "quarter", "count": 1, "index_percent": 10, "index_offset": 20},
    {"period": "week", "count": 1, "interval": 4, "index_percent": 10,
     "index_offset": 60},
    {"period": "year", "count": 1, "index_percent": 10, "index_offset": 0},
    {"period": "month", "count": 1, "days_ahead": 10, "index_percent": 10,
     "index_offset": 100},
]  # fmt: skip
YEARLY_PERCENT = 10
YEARLY_BATCH = 3
#: The days the job runs (after tomorrow), and how its first run that day dies.
YEARLY_RUNS = [
    (
        400,
        "after the 1st price change (nothing committed)",
        {"RI_KILL_HOOK": "adjust", "RI_KILL_K": "1"},
    ),
    (
        800,
        "after the 3rd price change of the run (its batch not committed)",
        {"RI_KILL_HOOK": "adjust", "RI_KILL_K": "3"},
    ),
    (
        1150,
        "right after the 1st commit (invoices at new prices committed, none sent)",
        {"RI_KILL_HOOK": "commit", "RI_KILL_K": "1"},
    ),
]


def test_yearly_adjustment(lab):
    """Yearly price adjustments over three years, the job killed once on each
    day it runs: each year's adjustment applied once, every invoice at its
    occurrence's price."""
    name = lab.name
    started = time.monotonic()
    db, _setup = lab.with_templates("yearly", YEARLY_TEMPLATES)
    first_prices = {
        int(tid): float(price)
        for tid, price in lab.sql(
            db,
            "SELECT line.move_id, line.price_unit FROM account_move_line line "
            "JOIN account_move t ON t.id = line.move_id "
            "WHERE t.recurring_state IS NOT NULL "
            "AND line.display_type = 'product'",
        )
    }
    runs = []
    for days, what, env in YEARLY_RUNS:
        label = f"{name}-day{days}"
        shell = lab.start_job(db, f"{label}-killed", days, YEARLY_BATCH, **env)
        rc = shell.wait(600)
        if rc != -signal.SIGKILL:
            raise ScenarioError(
                f"the job of day {days} was not killed (exit {rc}): "
                f"{shell.bad[:1]} see {shell.log}"
            )
        lab.odoo.wait_idle(db)
        rerun = lab.run_job(db, f"{label}-rerun", days, YEARLY_BATCH)
        runs.append(
            f"day {days}: killed {what}, the rerun made "
            f"{rerun['invoices_committed']} and applied {rerun['adjusted']} "
            f"price change(s)"
        )
    horizon = lab.tomorrow + timedelta(days=YEARLY_RUNS[-1][0])
    figures, problems = check_database(lab.odoo, db, horizon)
    prices = check_yearly_prices(lab.odoo, db, first_prices)
    problems += prices.pop("problems")
    summaries = figures["sending"]["summaries"]
    if summaries != len(YEARLY_RUNS):
        problems.append(f"{summaries} summary e-mails, want {len(YEARLY_RUNS)}")
    lab.conclude(
        f"{figures['templates']} templates with a yearly adjustment of "
        f"{YEARLY_PERCENT} %, run on {len(YEARLY_RUNS)} days over "
        f"{YEARLY_RUNS[-1][0]} days, batches of {YEARLY_BATCH}; "
        + "; ".join(runs)
        + f"; {prices['applied']} yearly adjustments applied for "
        f"{prices['expected']} adjustment days (twice: {prices['twice']}, "
        f"missing: {prices['missing']}), {prices['checked']} invoices at their "
        f"occurrence's price (wrong: {prices['wrong']}); "
        f"{figures_text(figures)}; total {time.monotonic() - started:.1f}s",
        problems,
    )
