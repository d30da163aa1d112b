# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the job's sending keeps on an invoice it made, and who is told.

Each made invoice waits in the state "to send" until the job's sending
(``recurring_invoice_job_send.py``) sends it: a failure never undoes the
invoice, which is tried again at the next runs, then left to the user. The
fields below are that bookkeeping, and the period the invoice is for, as its
e-mail names it; the responsible user is told in the daily summary.
"""

from odoo import _, api, fields, models
from odoo.tools import format_date

from .account_move_recurring_job import _error_text

#: How many times the scheduler tries to send an invoice before leaving it to
#: the user.
MAX_SEND_ATTEMPTS = 3


class AccountMove(models.Model):
    _inherit = "account.move"

    # --- sending an invoice made from a template --------------------------------
    recurring_send_state = fields.Selection(
        [
            ("review", "Draft to review"),
            ("to_send", "To send"),
            ("sent", "Sent"),
            ("post_only", "Posted, not sent"),
            ("failed", "Could not be sent"),
        ],
        string="Sending",
        copy=False,
        readonly=True,
        help="Sending of an invoice made by a recurring template: the scheduler "
        "tries a few times, then leaves it to you.",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_send_method = fields.Selection(
        [("email", "E-mail"), ("peppol", "EHF / Peppol"), ("manual", "Download")],
        string="Sent By",
        copy=False,
        readonly=True,
        help="How the scheduler sent the invoice, as its customer takes "
        "invoices; Download: posted, not sent.",
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

    # The period's first and last day, stored: an invoice keeps the period it
    # was made for when its template's schedule changes later. Computed when
    # the job creates the invoice (and, by the 18.0.1.4.0 migration, for the
    # invoices made before), from the template's period and interval as they
    # are then; its schedule is not a dependency, on purpose.
    recurring_period_start = fields.Date(
        string="Period Start",
        compute="_compute_recurring_period_dates",
        store=True,
        copy=False,
        help="The first day of the period an invoice made by a recurring "
        "template is for (printed on it, and its invoice period in the EHF/UBL "
        "file), whatever the days it is sent ahead.",
        recurring_job=True,
    )
    recurring_period_end = fields.Date(
        string="Period End",
        compute="_compute_recurring_period_dates",
        store=True,
        copy=False,
        help="The last day of the period an invoice made by a recurring "
        "template is for.",
        recurring_job=True,
    )

    @api.depends("recurring_template_id", "recurring_occurrence_date")
    def _compute_recurring_period_dates(self):
        for move in self:
            template = move.recurring_template_id
            start = end = False
            if template.recurring_period and move.recurring_occurrence_date:
                start, end = template._recurring_period_dates(
                    move.recurring_occurrence_date
                )
            move.recurring_period_start = start
            move.recurring_period_end = end

    def _recurring_period_text(self):
        """The period this invoice is for as its PDF prints it, its first and
        last day in the customer's language's date format (``01.03.2027–
        31.03.2027`` in Norwegian, ``03/01/2027–03/31/2027`` in English); empty
        but on an invoice made by a recurring template."""
        self.ensure_one()
        if not (self.recurring_period_start and self.recurring_period_end):
            return ""
        lang = self.partner_id.lang or self.env.lang
        first = format_date(self.env, self.recurring_period_start, lang_code=lang)
        last = format_date(self.env, self.recurring_period_end, lang_code=lang)
        return f"{first}–{last}"

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

    # --- what the job's sending keeps on an invoice ----------------------------
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
