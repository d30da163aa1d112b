# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending the invoices the 06:15 job made, and the daily summary.

Each made invoice waits in the state "to send" until the job sends it through
Odoo's own sending (the PDF, the customer's e-invoice format and sending
method), with the e-mail template of its recurring template ("Recurring
invoice" unless the template names another one) in the customer's language,
each in its own savepoint: a failure never undoes the invoice, which is tried
again at the next runs, then left to the user. What was sent, and what could
not be sent or made, is told once a day to the responsible user in one
summary e-mail. The fields below are the sending's bookkeeping on a made
invoice, and the period it is for, as its e-mail names it.
"""

import logging
import threading
from contextlib import contextmanager

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import recurrence, trusted
from .account_move_recurring_job import _error_text

_logger = logging.getLogger(__name__)

#: How many times the scheduler tries to send an invoice before leaving it to
#: the user.
MAX_SEND_ATTEMPTS = 3

#: Errors of a sending that met another worker's commit (both wrote one
#: customer...): the invoice is sent in the next transaction.
COLLISIONS = (
    psycopg2.errors.TransactionRollbackError,
    psycopg2.errors.LockNotAvailable,
)


#: Set in the thread of a sending (_collisions_not_logged).
_sending = threading.local()


class _CollisionsNotLogged(logging.Filter):
    """Odoo logs each failed query as an ERROR ("bad query"). In the thread
    of a sending, one that met another worker's commit is expected and
    handled: not that one. Other threads' records all pass."""

    recurring_invoice = True

    def filter(self, record):
        if not getattr(_sending, "active", False):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(arg, COLLISIONS) for arg in args)


_sql_logger = logging.getLogger("odoo.sql_db")
if not any(getattr(known, "recurring_invoice", False) for known in _sql_logger.filters):
    _sql_logger.addFilter(_CollisionsNotLogged())


@contextmanager
def _collisions_not_logged():
    """While in it, this thread's queries that meet another worker's commit
    are not logged as errors (the filter above, installed once)."""
    previous = getattr(_sending, "active", False)
    _sending.active = True
    try:
        yield
    finally:
        _sending.active = previous


class AccountMove(models.Model):
    _inherit = "account.move"

    # --- sending an invoice made from a template --------------------------------
    recurring_send_state = fields.Selection(
        [("to_send", "To send"), ("sent", "Sent"), ("failed", "Could not be sent")],
        string="Sending",
        copy=False,
        readonly=True,
        help="Sending of an invoice made by a recurring template: the scheduler "
        "tries a few times, then leaves it to you.",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_send_attempts = fields.Integer(
        copy=False, readonly=True, groups="base.group_user", recurring_job=True
    )
    recurring_send_retry_after = fields.Datetime(
        string="Send Again After",
        copy=False,
        readonly=True,
        help="The invoice could not be sent: not tried again before this moment "
        "(the next run).",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_send_error = fields.Text(
        string="Sending Error",
        copy=False,
        readonly=True,
        help="Why the invoice could not be sent, or its e-mail not delivered.",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_send_to_report = fields.Boolean(
        string="Sending to Report",
        copy=False,
        readonly=True,
        help="Sent, or could not be sent: to be told in the next daily summary.",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_period_name = fields.Char(
        string="Invoiced Period",
        compute="_compute_recurring_period_name",
        help="The period an invoice made by a recurring template is for, in "
        "the customer's language, as {period} reads in its lines.",
    )

    @api.depends(
        "recurring_template_id.recurring_period",
        "recurring_template_id.recurring_interval",
        "recurring_template_id.partner_id.lang",
        "recurring_occurrence_date",
    )
    def _compute_recurring_period_name(self):
        for move in self:
            template = move.recurring_template_id
            move.recurring_period_name = (
                template._recurring_period_name(move.recurring_occurrence_date)
                if template.recurring_period and move.recurring_occurrence_date
                else False
            )

    def init(self):
        res = super().init()
        # The job's search for what to send.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_recurring_to_send_index
                ON account_move (id)
             WHERE recurring_send_state = 'to_send'
            """
        )
        return res

    # --- sending -----------------------------------------------------------------
    def _recurring_send_pending(self, now, limit, among=None):
        """Send up to ``limit`` invoices waiting to be sent (of the ids
        ``among`` when given), each in its own savepoint: a failure never
        undoes the invoice, which stays posted and is tried again at the next
        run, at most MAX_SEND_ATTEMPTS times. Returns the invoices tried (None:
        another worker committed them meanwhile, see _recurring_lock).

        Another worker sending to the same customer at once must not make an
        invoice fail: the job's sending writes no customer it need not
        (res_partner.py), and a collision that happens anyway (a record this
        sending writes, changed by another worker since this transaction
        began) leaves the invoice to send in the next transaction, not counted
        as an attempt nor as done."""
        if not limit:
            return self.browse()
        invoices = self._recurring_lock(
            SQL(
                """
                SELECT id FROM account_move
                 WHERE recurring_send_state = 'to_send'
                   AND state = 'posted'
                   AND (recurring_send_retry_after IS NULL
                        OR recurring_send_retry_after <= %(now)s)
                   %(among)s
                 ORDER BY id
                 LIMIT %(limit)s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                now=now,
                among=SQL("AND id = ANY(%s)", list(among))
                if among is not None
                else SQL(),
                limit=limit,
            )
        )
        if invoices is None:
            return None
        collided = self.browse()
        for invoice in invoices:
            # Its chatter notes and errors in the language of its company.
            invoice = invoice.with_company(invoice.company_id).with_context(
                lang=invoice.company_id._recurring_lang()
            )
            try:
                with _collisions_not_logged(), self.env.cr.savepoint():
                    invoice._recurring_send()
            except COLLISIONS as error:
                # Another worker wrote a record this sending writes too, after
                # this transaction began: not the invoice's fault.
                _logger.info(
                    "Recurring invoice %s collided with another worker, left to "
                    "send in the next transaction: %s",
                    invoice.id,
                    error,
                )
                collided |= invoice
            except Exception as error:  # noqa: BLE001 - PDF and mail errors alike
                _logger.info("Recurring invoice %s not sent: %s", invoice.id, error)
                invoice._recurring_record_send_failure(error, now)
            else:
                invoice._recurring_write(
                    {
                        "recurring_send_state": "sent",
                        "recurring_send_attempts": invoice.recurring_send_attempts + 1,
                        "recurring_send_error": False,
                        "recurring_send_retry_after": False,
                        "recurring_send_to_report": True,
                    }
                )
        if invoices:
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        return invoices - collided

    def _recurring_count_to_send(self, now):
        return self.search_count(
            [
                ("recurring_send_state", "=", "to_send"),
                ("state", "=", "posted"),
                "|",
                ("recurring_send_retry_after", "=", False),
                ("recurring_send_retry_after", "<=", now),
            ]
        )

    def _recurring_send(self):
        """Send one invoice made by the scheduler with Odoo's own sending: the
        e-mail of its template (_recurring_mail_template) with the PDF and the
        e-invoice in the customer's format, in the customer's language, or the
        customer's own sending method where Odoo knows one. The e-mail is
        queued: Odoo's mail queue delivers it, and retries it (mail_mail.py),
        instead of this job waiting on the mail server; the PDF is printed
        without Odoo's wait for scripts (ir_actions_report.py). Raises when
        the invoice could not be sent."""
        self.ensure_one()
        invoice = self.with_context(
            mail_notify_force_send=False,
            recurring_invoice_send=trusted.Trusted(self.id),
        )
        sender = invoice.env["account.move.send"]
        method = sender._get_default_sending_method(invoice)
        # "Manual" means nobody sends it: a recurring invoice is e-mailed.
        methods = {"email"} if method in (False, "manual") else {method}
        if "email" in methods and not invoice.partner_id.email:
            raise UserError(
                _(
                    "The customer %(customer)s has no e-mail address.",
                    customer=invoice.partner_id.display_name,
                )
            )
        author = invoice._recurring_responsible_user() or self.env.user
        mail_template = invoice._recurring_mail_template()
        sender._generate_and_send_invoices(
            invoice,
            allow_raising=True,
            sending_methods=methods,
            author_user_id=author.id,
            author_partner_id=author.partner_id.id,
            # Odoo's invoice e-mail where the module's was deleted
            **({"mail_template": mail_template} if mail_template else {}),
        )
        if not invoice.is_move_sent:
            raise UserError(_("Odoo could not send this invoice."))

    def _recurring_mail_template(self):
        """The e-mail template an invoice made by a recurring template is sent
        with: the one its template names, else "Recurring invoice" (empty when
        that was deleted)."""
        self.ensure_one()
        return self.recurring_template_id.recurring_mail_template_id or self.env.ref(
            "recurring_invoice.mail_template_recurring_invoice",
            raise_if_not_found=False,
        )

    def _recurring_record_send_failure(self, error, now):
        """Keep the invoice posted, tell its chatter (internal note) why it was
        not sent, and try again at the next day's run, a few times at most."""
        self.ensure_one()
        attempts = self.recurring_send_attempts + 1
        message = _error_text(error)
        self._recurring_write(
            {
                "recurring_send_state": "to_send"
                if attempts < MAX_SEND_ATTEMPTS
                else "failed",
                "recurring_send_attempts": attempts,
                "recurring_send_error": message,
                "recurring_send_retry_after": (
                    self.company_id._recurring_next_send_moment(now)
                ),
                "recurring_send_to_report": True,
            }
        )
        self.with_context(no_new_invoice=True).message_post(
            body=_(
                "This invoice could not be sent (attempt %(attempt)s of %(max)s): "
                "%(reason)s",
                attempt=attempts,
                max=MAX_SEND_ATTEMPTS,
                reason=message,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _recurring_record_delivery_failure(self, reason):
        """The mail server never took this invoice's e-mail: leave the invoice
        posted, say so in its chatter and in the next daily summary."""
        self.ensure_one()
        if self.recurring_send_state != "sent":
            return
        self._recurring_write(
            {
                "recurring_send_state": "failed",
                "recurring_send_error": reason,
                "recurring_send_to_report": True,
            }
        )
        self.with_context(no_new_invoice=True).message_post(
            body=_(
                "The e-mail with this invoice could not be delivered: %(reason)s",
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )

    # --- who is told ---------------------------------------------------------------
    def _recurring_responsible_user(self):
        """Who is told about this template's invoices, and signs their
        e-mails (see _recurring_responsible_users)."""
        self.ensure_one()
        return self._recurring_responsible_users()[self]

    def _recurring_responsible_users(self):
        """{record: user told about its invoices}: the template's salesperson,
        else the user who made it recurring, else, when both have left or have
        no e-mail address, a billing administrator of its company, looked up
        once per company (an empty user: nobody can be told)."""
        administrators = {}
        users = {}
        for record in self:
            template = record.recurring_template_id or record
            candidates = template.invoice_user_id | template.recurring_user_id
            user = candidates.filtered(lambda u: u.active and u.email)[:1]
            if not user:
                company = template.company_id
                if company not in administrators:
                    administrators[company] = self.env["res.users"].search(
                        [
                            (
                                "groups_id",
                                "in",
                                self.env.ref("account.group_account_manager").id,
                            ),
                            ("company_ids", "in", company.id),
                            ("email", "!=", False),
                            ("share", "=", False),
                        ],
                        order="id",
                        limit=1,
                    )
                user = administrators[company]
            users[record] = user
        return users

    # --- the daily summary -------------------------------------------------------
    @api.model
    def _recurring_send_summaries(self, now):
        """E-mail each responsible user one summary of what was sent, and what
        could not be sent or made, since the last summary. Never posted on the
        invoices: their followers include customers."""
        # Two workers finishing together: each reports only what it locked.
        records = self._recurring_lock(
            SQL(
                """
                SELECT id FROM account_move
                 WHERE recurring_send_to_report OR recurring_make_to_report
                 ORDER BY recurring_occurrence_date, id
                   FOR NO KEY UPDATE SKIP LOCKED
                """
            )
        )
        records = records or self.browse()
        # The price adjustments applied since (account_move_recurring_price.py).
        adjusted = self.env["recurring.price.adjustment"]._recurring_lock_to_report()
        if not records and not adjusted:
            return 0
        mail_template = self.env.ref(
            "recurring_invoice.mail_template_recurring_summary"
        )
        users = (records | adjusted.template_id)._recurring_responsible_users()
        by_user = {}
        for record in records:
            by_user.setdefault(users[record], [self.browse(), adjusted.browse()])
            by_user[users[record]][0] |= record
        for adjustment in adjusted:
            user = users[adjustment.template_id]
            by_user.setdefault(user, [self.browse(), adjusted.browse()])
            by_user[user][1] |= adjustment
        for user, (user_records, user_adjusted) in by_user.items():
            if not user:
                _logger.warning(
                    "Recurring invoices: nobody to send the summary of invoices %s "
                    "to (no active user with an e-mail address)",
                    user_records.ids,
                )
                continue
            mail_template.with_context(
                lang=user.lang,
                recurring_job_mail=trusted.JOB,
                recurring_adjusted=user_adjusted._recurring_summary_rows(user.lang),
                **user_records._recurring_summary_context(user, now),
            ).send_mail(user.id, email_layout_xmlid="mail.mail_notification_light")
        invoices = records.filtered("recurring_send_to_report")
        invoices._recurring_write({"recurring_send_to_report": False})
        (records - invoices)._recurring_write({"recurring_make_to_report": False})
        adjusted._recurring_as_job().write({"to_report": False})
        return len(by_user)

    def _recurring_summary_context(self, user, now):
        """The rendering context of one user's summary: the invoices sent,
        those that could not be sent, the templates whose invoice could not be
        made, and the totals sent per currency."""
        not_made = self.filtered("recurring_make_to_report")
        invoices = self - not_made
        sent = invoices.filtered(lambda inv: inv.recurring_send_state == "sent")
        totals = {}
        for invoice in sent:
            totals[invoice.currency_id] = (
                totals.get(invoice.currency_id, 0.0) + invoice.amount_total
            )
        tz = (
            user.tz
            or self.company_id[:1].recurring_invoice_tz
            or user.company_id.recurring_invoice_tz
        )
        return {
            "recurring_sent": sent,
            "recurring_failed": invoices - sent,
            "recurring_not_made": not_made,
            "recurring_totals": list(totals.items()),
            "recurring_date": recurrence.local_today(tz, now),
        }
