# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Downtime: weekly, monthly, quarterly and yearly templates (some with an end
date, some every N periods, some made days ahead) are run 43 to 45 days after
their start, through the real scheduler (``ir.cron._process_jobs`` and its
progress API): each missed occurrence is made once, with its own date, oldest
first.
"""

import time
from datetime import timedelta

from .checks import check_database, figures_text
from .oracle import PERIODS

DOWNTIME_DAYS = 45
DOWNTIME_BATCH = 5
DOWNTIME_TEMPLATES = [
    {"period": p, "count": 1, "start_offset": offset}
    for p in PERIODS
    for offset in (0, 1, 2)
] + [
    {"period": "week", "count": 1, "start_offset": 0, "end_offset": 20},
    {"period": "month", "count": 1, "start_offset": 1, "end_offset": 10},
    # Every N periods, and made ahead of the period.
    {"period": "week", "count": 1, "start_offset": 2, "interval": 2},
    {"period": "week", "count": 1, "start_offset": 0, "interval": 3, "days_ahead": 4},
    {"period": "month", "count": 1, "start_offset": 0, "days_ahead": 14},
    {"period": "month", "count": 1, "start_offset": 3, "interval": 2, "days_ahead": 10},
    {"period": "quarter", "count": 1, "start_offset": 5, "days_ahead": 30},
]


def test_downtime(lab):
    name = lab.name
    started = time.monotonic()
    db, _setup = lab.with_templates("downtime", DOWNTIME_TEMPLATES)
    horizon = lab.tomorrow + timedelta(days=DOWNTIME_DAYS)
    result = lab.run_job(db, name, DOWNTIME_DAYS, DOWNTIME_BATCH, RI_VIA_CRON="1")
    figures, problems = check_database(lab.odoo, db, horizon)
    per_period = lab.sql(
        db,
        "SELECT t.recurring_period, count(i.id) FROM account_move t "
        "LEFT JOIN account_move i ON i.recurring_template_id = t.id "
        "WHERE t.recurring_state IS NOT NULL GROUP BY 1 ORDER BY 1",
    )
    if result.get("cron_failure_count"):
        problems.append(f"ir.cron failure count {result['cron_failure_count']}")
    lab.conclude(
        f"now = start + {DOWNTIME_DAYS} days 06:30 Europe/Oslo; "
        f"{figures_text(figures)}; per period "
        + ", ".join(f"{period} {count}" for period, count in per_period)
        + f"; {figures['templates']} templates, oldest first, own dates; "
        f"via ir.cron in {result['calls']} batches of {DOWNTIME_BATCH} "
        f"({result['rounds']} scheduler rounds), run {result['elapsed']:.1f}s, "
        f"total {time.monotonic() - started:.1f}s",
        problems,
    )
