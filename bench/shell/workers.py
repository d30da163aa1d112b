# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The morning on a real server's cron workers (and queue_job): the
templates prepared before the server starts, what it left checked after."""

import os
from datetime import timedelta

from odoo import fields

from .common import CRON_XMLID, SEND_CRON_XMLID, make_templates, set_param


def prepare(env):
    """BENCH_N templates due now (tag BENCH_TAG) for a real Odoo server with
    cron workers: nothing else waits to be sent or reported, sending at the
    add-on's defaults, the sending scheduled action on, both scheduled actions
    idle until the driver triggers the 06:15 one; PDFs are printed against
    BENCH_REPORT_URL (that server). Mails only queue: the mail queue's
    scheduled action is off, no ir.mail_server is active, and the server's
    own SMTP options point at a closed port."""
    env.cr.execute(
        "UPDATE account_move SET recurring_send_state = NULL"
        " WHERE recurring_send_state = 'to_send'"
    )
    env.cr.execute(
        "UPDATE account_move SET recurring_send_to_report = FALSE,"
        "       recurring_make_to_report = FALSE"
        " WHERE recurring_send_to_report OR recurring_make_to_report"
    )
    env.cr.execute("UPDATE recurring_price_adjustment SET to_report = FALSE")
    for key in (
        "recurring_invoice.hold_sending",
        "recurring_invoice.send_batch_size",
        "recurring_invoice.batch_size",
        "recurring_invoice.print_delay",
    ):
        set_param(env, key, None)
    set_param(env, "mail.mail.force.send.limit", "0")
    set_param(env, "report.url", os.environ["BENCH_REPORT_URL"])
    # Where the queue_job bridge is installed: its queue, or the cron workers.
    set_param(
        env, "recurring_invoice.queue_job", os.environ.get("BENCH_QUEUE_JOB", "0")
    )
    result = make_templates(env)
    maker, sender = env.ref(CRON_XMLID), env.ref(SEND_CRON_XMLID)
    later = fields.Datetime.now() + timedelta(days=1)
    (maker | sender).write({"active": True, "nextcall": later})
    env["ir.cron.trigger"].search(
        [("cron_id", "in", (maker | sender).ids), ("call_at", "<=", later)]
    ).unlink()
    mail_cron = env.ref("mail.ir_cron_mail_scheduler_action")
    active_crons = env["ir.cron"].search([]).mapped("name")
    env.cr.commit()
    result.update(
        maker_cron_id=maker.id,
        sender_cron_id=sender.id,
        active_crons=active_crons,
        mail_cron_active=mail_cron.active,
        mail_servers=env["ir.mail_server"].search_count([]),
        mails_before=env["mail.mail"].search_count([]),
    )
    return result


def check(env):
    """What the server's run left for BENCH_TAG: invoices made, posted, sent,
    real PDFs (their first bytes read from the filestore), the invoice e-mails
    and the summaries queued, none delivered."""
    tag = os.environ["BENCH_TAG"]
    since = os.environ["BENCH_SINCE"]
    invoices = env["account.move"].search(
        [
            ("recurring_template_id.ref", "=", tag),
            ("recurring_template_id", "!=", False),
        ]
    )
    sent = invoices.filtered(lambda m: m.recurring_send_state == "sent")
    real = 0
    for attachment in sent.invoice_pdf_report_id:
        if attachment.store_fname:
            with open(attachment._full_path(attachment.store_fname), "rb") as pdf:
                real += pdf.read(5) == b"%PDF-"
        else:
            real += (attachment.db_datas or b"")[:5] == b"%PDF-"
    env.cr.execute(
        """
        SELECT msg.model, mail.state, COUNT(*)
          FROM mail_mail mail JOIN mail_message msg ON msg.id = mail.mail_message_id
         WHERE mail.create_date >= %s
         GROUP BY 1, 2
        """,
        [since],
    )
    mails = {f"{model}/{state}": count for model, state, count in env.cr.fetchall()}
    errors = invoices.filtered("recurring_send_error").mapped("recurring_send_error")
    return {
        "invoices": len(invoices),
        "posted": len(invoices.filtered(lambda m: m.state == "posted")),
        "sent": len(sent),
        "real_pdfs": real,
        "mails": mails,
        "errors": sorted(set(errors))[:3],
    }
