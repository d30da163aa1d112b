# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The report "Upcoming recurring invoices" on templates of every kind."""

import os
import time
from datetime import date, timedelta

from odoo import fields

from .common import (
    Measure,
    analyze,
    bench_data,
    clone_moves,
    copy_rows,
    create_seeds,
    table_columns,
)

FORECAST_TAG = "bench-forecast"

#: The seeds' schedules, round robin: (period, interval, days ahead).
FORECAST_SCHEDULES = [
    ("month", 1, 0),
    ("month", 1, 7),
    ("quarter", 1, 0),
    ("year", 1, 0),
    ("week", 1, 0),
    ("month", 2, 0),
    ("week", 2, 3),
    ("quarter", 1, 14),
]


def forecast_seed_values(data, n, today):
    """A template of the forecast's mix: every period and option, a third
    with a yearly adjustment, some with an end date or a number of invoices;
    its first invoice is sent in the coming weeks (none is due now)."""
    period, interval, days_ahead = FORECAST_SCHEDULES[n % len(FORECAST_SCHEDULES)]
    start = today + timedelta(days=2 + days_ahead + n % 28)
    values = {
        "recurring_state": "active",
        "recurring_period": period,
        "recurring_interval": interval,
        "recurring_days_ahead": days_ahead,
        "recurring_start_date": start,
        "recurring_anchor_date": start,
        "recurring_next_date": start,
        "recurring_user_id": data["user"].id,
    }
    if n % 3 == 0:
        values.update(
            recurring_index_percent=3.1,
            recurring_index_date=date(today.year + 1, 1, 1),
        )
    if n % 10 == 1:
        values["recurring_end_date"] = start + timedelta(days=200)
    elif n % 10 == 2:
        values["recurring_max_invoices"] = 4
    return values


def clone_adjustments(env):
    """The seeds' scheduled adjustments for their copies of ``clone_moves``
    (in the same transaction: its map of moves)."""
    env.flush_all()
    env.cr.execute(
        """
        CREATE TEMP TABLE bench_adjustment_map ON COMMIT DROP AS
        SELECT adjustment.id AS seed_id, map.new_id AS template_id,
               nextval('recurring_price_adjustment_id_seq') AS new_id
          FROM bench_move_map map
          JOIN recurring_price_adjustment adjustment
            ON adjustment.template_id = map.seed_id
        """
    )
    copy_rows(
        env.cr,
        "recurring_price_adjustment",
        "bench_adjustment_map",
        "seed_id",
        "new_id",
        table_columns(env.cr, "recurring_price_adjustment", "id", "template_id"),
        "template_id",
    )


def run(env):
    """BENCH_N active templates of every kind (more are added to those of a
    previous call), a third with a yearly adjustment and a third with a
    scheduled one, then the report "Upcoming recurring invoices" filled for
    the administrator (record rules applied), 12 months ahead, its caches
    cold: seconds and queries."""
    n = int(os.environ["BENCH_N"])
    data = bench_data(env)
    partners = data["partners"]
    today = fields.Date.context_today(env["account.move"])
    Move = env["account.move"]
    existing = Move.search_count([("ref", "=", FORECAST_TAG)])
    start = time.perf_counter()
    if existing < n:
        count = min(n - existing, len(partners))
        seeds = create_seeds(
            env,
            data,
            count,
            FORECAST_TAG,
            lambda i: forecast_seed_values(data, i, today),
        )
        env["recurring.price.adjustment"].create(
            [
                {
                    "template_id": seed.id,
                    "effective_date": seed.recurring_next_date + timedelta(days=90),
                    "percent": 3.0,
                }
                for seed in seeds[1::3]
            ]
        )
        clone_moves(env, seeds, n - existing - count)
        clone_adjustments(env)
        env.cr.commit()
    setup_seconds = time.perf_counter() - start
    env.company.recurring_forecast_months = 12
    analyze(env)
    admin = env.ref("base.user_admin")
    Forecast = env(user=admin.id, su=False)["recurring.invoice.forecast"]
    Forecast._recurring_refresh()  # the registry's caches, as on a running server
    env.cr.commit()
    env.invalidate_all()
    with Measure() as measure:
        rows = Forecast._recurring_refresh()
        env.cr.commit()
    env.cr.execute(
        "SELECT count(*), count(DISTINCT template_id), sum(amount_untaxed),"
        "       count(*) FILTER (WHERE price_adjusted)"
        "  FROM recurring_invoice_forecast"
        " WHERE user_id = %s AND state = 'forecast'",
        [admin.id],
    )
    forecast, templates, untaxed, adjusted = env.cr.fetchone()
    return {
        "templates": Move.search_count(
            [("ref", "=", FORECAST_TAG), ("recurring_state", "=", "active")]
        ),
        "months": env.company.recurring_forecast_months,
        "rows": rows,
        "forecast_rows": forecast,
        "forecast_templates": templates,
        "adjusted_rows": adjusted,
        "untaxed": float(untaxed or 0),
        "seconds": measure.seconds,
        "queries": measure.queries,
        "setup_seconds": setup_seconds,
        "profile": measure.profile_top,
    }


def done(env):
    """End the forecast's templates: the scheduler's measurements that follow
    see only their own."""
    env.cr.execute(
        "UPDATE account_move SET recurring_state = 'ended', recurring_next_date = NULL,"
        "       recurring_next_send_date = NULL, recurring_mrr = 0"
        " WHERE ref = %s",
        [FORECAST_TAG],
    )
    ended = env.cr.rowcount
    env.cr.execute("DELETE FROM recurring_invoice_forecast")
    env.cr.commit()
    return {"ended": ended}
