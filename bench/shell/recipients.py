# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recipients: one template billing BENCH_N recipients, made and posted by
the 06:15 scheduled action through Odoo's cron runner, sending off, measured
as ours.run measures BENCH_N separate templates."""

import os
import time

from odoo import Command

from .common import (
    JOB,
    Measure,
    analyze,
    bench_customers,
    bench_data,
    block_outgoing,
    create_seeds,
    due_date,
    peak_mb,
    rss_mb,
    run_scheduler,
    set_param,
    watch_addon_log,
)
from .ours import batch_summary, count_made, time_cron_calls


def template(env):
    """One active monthly template due now, tagged BENCH_TAG in ``ref``, made
    as common.make_templates makes its seeds, billing BENCH_N recipients: its
    own customer (the first bench customer, put first in the list by the
    add-on) and the other customers of common.bench_customers: the same
    BENCH_N customers as BENCH_N separate templates with BENCH_DISTINCT."""
    n = int(os.environ["BENCH_N"])
    tag = os.environ["BENCH_TAG"]
    data = bench_data(env)
    due = due_date(env)
    start = time.perf_counter()
    (seed,) = create_seeds(
        env,
        data,
        1,
        tag,
        lambda i: {
            "recurring_state": "active",
            "recurring_period": "month",
            "recurring_start_date": due,
            "recurring_next_date": due,
            "recurring_user_id": data["user"].id,
        },
    )
    # the customers N separate templates bill (common.make_templates with
    # BENCH_DISTINCT), the first one this template's own
    others = bench_customers(env, data, n, tag) - seed.partner_id
    job_env = env(su=True)["account.move"]._recurring_as_job().env
    template = seed.with_env(job_env)
    template.recurring_recipient_ids = [
        Command.create({"partner_id": partner.id}) for partner in others
    ]
    env.cr.commit()
    recipients = template.recurring_recipient_ids
    return {
        "templates": 1,
        "template_id": template.id,
        "recipients": len(recipients),
        "customer_first": recipients.sorted(lambda r: (r.sequence, r.id))[:1].partner_id
        == template.partner_id,
        "due_date": str(due),
        "seconds": round(time.perf_counter() - start, 1),
    }


def count_invoices(registry, template_id):
    """Invoices made so far by the template ``template_id`` (own cursor)."""
    with registry.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FROM account_move WHERE recurring_template_id = %s",
            [template_id],
        )
        return cr.fetchone()[0]


def run(env):
    """Make and post the invoices of the BENCH_TAG template's recipients
    through the cron runner, sending off, until each recipient has its
    invoice; in a fresh process, as ours.run (the same measure)."""
    tag = os.environ["BENCH_TAG"]
    block_outgoing(env)
    log = watch_addon_log()
    set_param(env, "recurring_invoice.hold_sending", "1")
    set_param(env, "recurring_invoice.batch_size", os.environ.get("BENCH_BATCH"))
    template = env["account.move"].search([("ref", "=", tag)])
    template.ensure_one()
    expected = len(template.recurring_recipient_ids)
    batch = env[JOB]._batch_size()
    analyze(env)
    batch_seconds = time_cron_calls(env)
    made_before = count_made(env)
    registry = env.registry
    env.invalidate_all()
    rss_before = rss_mb()
    peak_before = peak_mb()
    with Measure() as measure:
        # Templates due stay 1 until the last batch: what is left is counted
        # in invoices still to make.
        calls, rearms = run_scheduler(
            env,
            lambda: expected - count_invoices(registry, template.id),
            limit_calls=expected // batch + 20,
        )
    peak = peak_mb()
    env.cr.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'posted'),"
        "       COUNT(DISTINCT recurring_billed_partner_id)"
        "  FROM account_move WHERE recurring_template_id = %s",
        [template.id],
    )
    invoices, posted, partners = env.cr.fetchone()
    return {
        "templates": 1,
        "recipients": expected,
        "invoices": invoices,
        "posted": posted,
        "partners_billed": partners,
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
