# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the 06:15 job keeps on a template, and the one method that makes a
template's due invoices.

The job itself is the service ``recurring.invoice.job``
(``recurring_invoice_job.py``): it locks the due templates and calls
:meth:`AccountMove._recurring_process` on them. A template whose invoice could
not be made keeps its next date and is tried again at the next day's run
(:meth:`AccountMove._recurring_record_failure`); the fields below are that
bookkeeping.
"""

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date


def _error_text(error):
    """The message of an error, as a user reads it."""
    if isinstance(error, UserError | ValidationError) and error.args:
        return error.args[0]
    return str(error) or error.__class__.__name__


class AccountMove(models.Model):
    _inherit = "account.move"

    # --- a template the job could not make an invoice of ----------------------
    recurring_make_retry_after = fields.Datetime(
        string="Make Again After",
        copy=False,
        readonly=True,
        help="The template's invoice could not be made: not tried again before "
        "this moment (the next run).",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_make_error = fields.Text(
        string="Last Recurrence Error",
        copy=False,
        readonly=True,
        help="Why the template's last invoice could not be made.",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_make_to_report = fields.Boolean(
        string="Not Made, to Report",
        copy=False,
        readonly=True,
        help="The template's invoice could not be made: to be told in the next "
        "daily summary.",
        groups="base.group_user",
        recurring_job=True,
    )

    def init(self):
        res = super().init()
        # The job's search: active templates by next send day.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_recurring_send_day_index
                ON account_move (recurring_next_send_date, company_id)
             WHERE recurring_state = 'active'
            """
        )
        return res

    # --- making and posting ------------------------------------------------------
    def _recurring_process(self, now=None):
        """Make every invoice of these templates that is due at ``now``, oldest
        first for each template, and store each template's plan after them.

        All invoices are created in one ``create`` and posted in one ``_post``:
        all or nothing, so the job runs it in a savepoint (and retries the
        templates one by one when it fails: ``recurring.invoice.job``'s
        ``_make_batch``)."""
        now = now or fields.Datetime.now()
        values = []
        after = {}
        for template in self:
            plan = template._recurring_plan(now)
            if plan.make and not template.partner_id.active:
                raise UserError(
                    _(
                        "The customer %(customer)s is archived: no invoice is made "
                        "for an archived customer. Restore the customer or stop "
                        "this recurring invoice.",
                        customer=template.partner_id.display_name,
                    )
                )
            for day in plan.make:
                # Prices due by this occurrence first (account_move_recurring_price.py)
                template._recurring_apply_price_changes(day)
                values.append(template._recurring_invoice_values(day))
            state = (plan.next_date, plan.skipped)
            after[state] = after.get(state, self.browse()) | template
        # On an empty recordset: create() on the templates would re-sync their
        # lines. Odoo's "Invoice Created" note costs a message_post (about nine
        # queries) per invoice, and following every invoice would make the
        # scheduler's user a follower of them all: one note per invoice saying
        # where it comes from, logged in one batch, replaces both.
        invoices = (
            self.browse()
            ._recurring_as_job()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(values)
            .with_env(self.env)
        )
        invoices._message_log_batch(
            bodies={
                invoice.id: self.env._(
                    "Invoice created from %(template)s.",
                    template=invoice.recurring_template_id._get_html_link(),
                )
                for invoice in invoices
            }
        )
        invoices._post(soft=False)
        for (next_date, skipped), templates in after.items():
            templates._recurring_write(
                {
                    "recurring_next_date": next_date or False,
                    "recurring_state": "active" if next_date else "ended",
                    "recurring_skipped_dates": self._recurring_skipped_value(skipped),
                    "recurring_make_retry_after": False,
                    "recurring_make_error": False,
                }
            )
        return invoices

    def _recurring_record_failure(self, error, now):
        """Keep a template that failed active, tell its chatter why, and try it
        again at the next day's run."""
        self.ensure_one()
        message = _error_text(error)
        self._recurring_write(
            {
                "recurring_make_retry_after": (
                    self.company_id._recurring_next_send_moment(now)
                ),
                "recurring_make_error": message,
                "recurring_make_to_report": True,
            }
        )
        self.message_post(
            body=Markup("%s<br/>%s")
            % (
                _(
                    "The invoice due on %(date)s could not be made; it will be "
                    "tried again at the next run:",
                    date=format_date(self.env, self.recurring_next_send_date),
                ),
                message,
            ),
            subtype_xmlid="mail.mt_note",
        )
