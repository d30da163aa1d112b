# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending with real PDFs through the sending scheduled action, one process."""

import os
import time

from .common import (
    Measure,
    analyze,
    bench_data,
    block_outgoing,
    count_due,
    count_to_send,
    due_date,
    make_templates,
    param,
    peak_mb,
    run_scheduler,
    set_param,
    watch_addon_log,
)


def prepare(env):
    """BENCH_N templates made and posted with sending off (their invoices wait
    'to send'); invoices of earlier steps no longer wait; one warm-up PDF so
    that the report's assets exist, as on any server that printed before."""
    block_outgoing(env)
    env.cr.execute(
        "UPDATE account_move SET recurring_send_state = NULL"
        " WHERE recurring_send_state = 'to_send'"
    )
    set_param(env, "report.url", os.environ["BENCH_REPORT_URL"])
    result = make_templates(env)
    set_param(env, "recurring_invoice.hold_sending", "1")
    run_scheduler(env, lambda: count_due(env.registry), limit_calls=100)
    source = bench_data(env)["source"]
    warm = source.copy({"invoice_date": due_date(env)})
    warm._post()
    start = time.perf_counter()
    pdf, _kind = env["ir.actions.report"]._render_qweb_pdf(
        "account.account_invoices", warm.ids
    )
    result["warmup_pdf_seconds"] = time.perf_counter() - start
    result["warmup_pdf_bytes"] = len(pdf)
    env.cr.commit()
    result["to_send"] = count_to_send(env.registry)
    return result


def send(env):
    """Send the waiting invoices through the scheduled action, with the
    default send batch size and ``recurring_invoice.print_delay`` =
    BENCH_PRINT_DELAY (empty: as the add-on ships, unset, 0 ms; 1000 is
    Odoo's own ``report.print_delay``)."""
    block_outgoing(env)
    log = watch_addon_log()
    delay = os.environ.get("BENCH_PRINT_DELAY") or None
    set_param(env, "recurring_invoice.print_delay", delay)
    set_param(env, "recurring_invoice.hold_sending", None)
    set_param(env, "report.url", os.environ["BENCH_REPORT_URL"])
    env.cr.execute(
        "SELECT id FROM account_move WHERE recurring_send_state = 'to_send' ORDER BY id"
    )
    ids = [row[0] for row in env.cr.fetchall()]
    mails_before = env["mail.mail"].search_count([])
    analyze(env)
    with Measure() as measure:
        calls, rearms = run_scheduler(
            env, lambda: count_to_send(env.registry), limit_calls=len(ids) + 10
        )
    env.invalidate_all()
    invoices = env["account.move"].browse(ids)
    sent = invoices.filtered(lambda m: m.recurring_send_state == "sent")
    pdfs = sent.invoice_pdf_report_id
    mails = env["mail.mail"].search([], order="id desc", limit=10000)
    new_mails = mails[: max(0, len(mails) - mails_before)]
    states = {}
    for mail in new_mails:
        states[mail.state] = states.get(mail.state, 0) + 1
    errors = invoices.filtered("recurring_send_error").mapped("recurring_send_error")
    set_param(env, "recurring_invoice.hold_sending", "1")
    env.cr.commit()
    return {
        "invoices": len(ids),
        "sent": len(sent),
        "failed": len(invoices) - len(sent),
        "errors": sorted(set(errors))[:3],
        "pdfs": len(pdfs),
        "real_pdfs": sum(1 for pdf in pdfs if (pdf.raw or b"")[:5] == b"%PDF-"),
        "pdf_bytes_min": min((len(pdf.raw or b"") for pdf in pdfs), default=0),
        "new_mails": len(new_mails),
        "mail_states": states,
        "print_delay": param(env, "recurring_invoice.print_delay"),
        "seconds": measure.seconds,
        "cpus_busy": measure.cpus_busy,
        "queries": measure.queries,
        "runner_calls": calls,
        "rearms": rearms,
        "peak_mb": peak_mb(),
        "log": log,
        "profile": measure.profile_top,
    }
