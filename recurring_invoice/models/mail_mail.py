# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The e-mails of the recurring invoice job wait in Odoo's mail queue until
the mail server takes them.

The scheduled action only queues each invoice e-mail (in the same transaction
that marks the invoice sent) and each daily summary; Odoo's "Mail: Email Queue
Manager" delivers them. Odoo does not retry an e-mail the mail server refused,
timed out or rate-limited: it marks it "Delivery Failed" for good. For the
job's e-mails, such a failure puts the e-mail back in the queue, later each
time, a few times; only then is it left failed, and, when it was the e-mail to
the customer (not an employee's copy), its invoice marked "Could not be sent"
and reported in the next daily summary. An e-mail that reached
one of its recipients is never sent again.
"""

import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..tools import trusted

_logger = logging.getLogger(__name__)

#: Failures worth another try: the server could not be reached or refused the
#: session ("mail_smtp"), or refused the message ("unknown": a 4xx/5xx reply,
#: a timeout). Invalid or missing addresses are final.
RETRY_FAILURE_TYPES = ("mail_smtp", "unknown")
#: Delivery tries in all, and the wait before each retry: 5 min, then x3.
MAX_DELIVERY_ATTEMPTS = 5
FIRST_RETRY_DELAY = timedelta(minutes=5)


class MailMail(models.Model):
    _inherit = "mail.mail"

    recurring_job_mail = fields.Boolean(
        string="Sent by the Recurring Invoice Job",
        readonly=True,
        help="Queued by the recurring invoice scheduled action: retried a few "
        "times when the mail server does not take it.",
    )
    recurring_invoice_id = fields.Many2one(
        "account.move",
        string="Recurring Invoice",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The recurring invoice this e-mail sends.",
    )
    recurring_delivery_attempts = fields.Integer(
        string="Delivery Attempts", readonly=True
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Set by the job only (tools/trusted.py): a client's context has none.
        invoice_id = trusted.get(self.env.context, "recurring_invoice_send")
        if invoice_id or trusted.get(self.env.context, "recurring_job_mail"):
            for vals in vals_list:
                vals.setdefault("recurring_job_mail", True)
                if invoice_id:
                    vals.setdefault("recurring_invoice_id", invoice_id)
        return super().create(vals_list)

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # Read before super(): it deletes the mails it is done with.
        failed = [
            (mail, mail.recurring_invoice_id, mail.recurring_delivery_attempts + 1)
            for mail in (self.filtered("recurring_job_mail") if failure_type else [])
        ]
        res = super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
        for mail, invoice, attempts in failed:
            mail._recurring_delivery_failed(
                invoice,
                attempts,
                failure_reason or mail.exists().failure_reason or failure_type,
                failure_type,
                retry=failure_type in RETRY_FAILURE_TYPES and not success_pids,
            )
        return res

    @api.model
    def process_email_queue(self, ids=None, batch_size=1000):
        res = super().process_email_queue(ids=ids, batch_size=batch_size)
        # When the server drops the connection (as after a "421 try again
        # later"), Odoo stops the batch and leaves the e-mail it was sending
        # "Delivery Failed" without post-processing it: take those up here.
        stranded = self.sudo().search(
            [
                ("recurring_job_mail", "=", True),
                ("state", "=", "exception"),
                ("failure_type", "=", False),
            ]
        )
        for mail in stranded:
            mail._recurring_delivery_failed(
                mail.recurring_invoice_id,
                mail.recurring_delivery_attempts + 1,
                _("The mail server closed the connection before taking it."),
                "unknown",
                retry=True,
            )
        return res

    def _recurring_carries_invoice_to_customer(self, invoice):
        """Whether this e-mail is the one to the invoice's customer, rather
        than the copy Odoo sends to an employee following the invoice (unknown
        when it is gone: counted as the customer's)."""
        return not self or invoice.partner_id in self.recipient_ids

    def _recurring_delivery_failed(
        self, invoice, attempts, reason, failure_type, retry
    ):
        """Put the e-mail back in the queue, to go after a wait that grows
        threefold with each attempt; or, when retrying is pointless or has
        been tried enough, leave it failed and mark its invoice "Could not be
        sent"."""
        mail = self.exists().sudo()
        if not (
            retry
            and attempts < MAX_DELIVERY_ATTEMPTS
            and mail
            and mail.state == "exception"
        ):
            if mail:
                mail.write(
                    {
                        "recurring_delivery_attempts": attempts,
                        "failure_type": failure_type or "unknown",
                    }
                )
            if invoice and mail._recurring_carries_invoice_to_customer(invoice):
                invoice.sudo().with_context(
                    lang=invoice.company_id._recurring_lang()
                )._recurring_record_delivery_failure(reason)
            return
        retry_at = fields.Datetime.now() + FIRST_RETRY_DELAY * 3 ** (attempts - 1)
        _logger.info(
            "E-mail %s of the recurring invoice job not delivered (%s); "
            "retried at %s",
            mail.id,
            reason,
            retry_at,
        )
        mail.write(
            {
                "state": "outgoing",
                "scheduled_date": retry_at,
                "recurring_delivery_attempts": attempts,
                "failure_type": False,
            }
        )
        self.env["mail.notification"].sudo().search(
            [("mail_mail_id", "=", mail.id), ("notification_status", "=", "exception")]
        ).write({"notification_status": "ready", "failure_type": False})
        self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger(retry_at)
