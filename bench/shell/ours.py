# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ours: the 06:15 scheduled action through Odoo's own cron runner, sending
off; the templates it is measured on."""

import os
import time

from .common import (
    JOB,
    Measure,
    analyze,
    block_outgoing,
    count_due,
    make_templates,
    peak_mb,
    rss_mb,
    run_scheduler,
    set_param,
    watch_addon_log,
)


def templates(env):
    """BENCH_N templates due now, tagged BENCH_TAG (common.make_templates)."""
    return make_templates(env)


def time_cron_calls(env):
    """Record the wall time of each call of the scheduled action's method
    (one batch each), by wrapping it on this registry's model class."""
    model = type(env[JOB])
    method = model._cron_make_and_send
    calls = []

    def timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            calls.append(time.perf_counter() - start)

    model._cron_make_and_send = timed
    return calls


def batch_summary(calls):
    """Seconds per batch: the first, the median and the last ten."""
    if not calls:
        return {}
    ordered = sorted(calls)
    tail = calls[-10:]
    head = calls[:10]
    return {
        "batches": len(calls),
        "first10_avg": sum(head) / len(head),
        "median": ordered[len(ordered) // 2],
        "last10_avg": sum(tail) / len(tail),
    }


def without_run_record(env):
    """BENCH_NO_RUN_RECORD=1: the job writes no run record (what it costs is
    measured against this): each worker's registration and the finishing
    worker's updates are left out. The invoices still carry their morning, a
    value of their own insert."""
    if os.environ.get("BENCH_NO_RUN_RECORD") != "1":
        return
    model = type(env[JOB])
    model._run_register = lambda self, now: self._run_days(now)
    model._run_finish = lambda self, now: None
    model._run_summaries_sent = lambda self, now, summaries: None


def count_made(env):
    """Invoices made by any template so far."""
    env.cr.execute(
        "SELECT COUNT(*) FROM account_move WHERE recurring_template_id IS NOT NULL"
    )
    return env.cr.fetchone()[0]


def run(env):
    """Make and post the invoices of the BENCH_TAG templates through the cron
    runner, sending off; in a fresh process, so its peak memory is its own."""
    tag = os.environ["BENCH_TAG"]
    block_outgoing(env)
    log = watch_addon_log()
    set_param(env, "recurring_invoice.hold_sending", "1")
    # What-if (--profile only): another batch size than the add-on's default.
    set_param(env, "recurring_invoice.batch_size", os.environ.get("BENCH_BATCH"))
    templates = env["account.move"].search([("ref", "=", tag)])
    expected = len(templates)
    batch = env[JOB]._batch_size()
    analyze(env)
    without_run_record(env)
    batch_seconds = time_cron_calls(env)
    made_before = count_made(env)
    env.invalidate_all()
    rss_before = rss_mb()
    peak_before = peak_mb()
    with Measure() as measure:
        calls, rearms = run_scheduler(
            env,
            lambda: count_due(env.registry),
            limit_calls=expected // batch + 20,
        )
    peak = peak_mb()  # before anything is read to check the result
    env.cr.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'posted')"
        "  FROM account_move WHERE recurring_template_id = ANY(%s)",
        [templates.ids],
    )
    invoices, posted = env.cr.fetchone()
    return {
        "templates": expected,
        "invoices": invoices,
        "posted": posted,
        "made_in_run": count_made(env) - made_before,
        "seconds": measure.seconds,
        "queries": measure.queries,
        "runner_calls": calls,
        "rearms": rearms,
        "batch_size": batch,
        "batch_seconds": batch_summary(batch_seconds),
        "rss_before_mb": rss_before,
        "peak_before_mb": peak_before,
        "peak_mb": peak,
        "log": log,
        "profile": measure.profile_top,
    }
