# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import time

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import recurrence, trusted
from .account_move import TEMPLATES_OUT
from .account_move_recurring_mode import DEFAULT_MODE, MODES

#: The longest forecast of upcoming recurring invoices, in months.
MAX_FORECAST_MONTHS = 60


class ResCompany(models.Model):
    _inherit = "res.company"

    recurring_invoice_tz = fields.Selection(
        _tz_get,
        string="Recurring Invoices Timezone",
        default=recurrence.DEFAULT_TZ,
        required=True,
        help="Recurring invoices are made and sent at the send time in this "
        "timezone, the same wall-clock time in summer and winter.",
    )
    recurring_invoice_send_time = fields.Float(
        string="Recurring Invoices Send Time",
        default=recurrence.DEFAULT_SEND_TIME.hour
        + recurrence.DEFAULT_SEND_TIME.minute / 60,
        required=True,
        help="Local time of day at which the recurring invoices due that day "
        "are made, posted and sent.",
    )

    recurring_invoice_mode = fields.Selection(
        MODES,
        string="Recurring Invoices Are",
        default=DEFAULT_MODE,
        required=True,
        help="What the scheduler does with the invoices of a new recurring "
        "template: post and send them, post them only, or make them as drafts "
        "to review. Each template can say otherwise.",
    )
    recurring_forecast_months = fields.Integer(
        string="Upcoming Recurring Invoices: Months",
        default=12,
        required=True,
        help="How many months the report Upcoming recurring invoices looks "
        "ahead: this month and the following ones.",
    )

    @api.constrains("recurring_forecast_months")
    def _check_recurring_forecast_months(self):
        for company in self:
            if not 1 <= company.recurring_forecast_months <= MAX_FORECAST_MONTHS:
                raise ValidationError(
                    _(
                        "Upcoming recurring invoices are forecast 1 to %(max)s "
                        "months ahead.",
                        max=MAX_FORECAST_MONTHS,
                    )
                )

    @api.constrains("recurring_invoice_send_time")
    def _check_recurring_invoice_send_time(self):
        for company in self:
            if not 0 <= company.recurring_invoice_send_time < 24:
                raise ValidationError(
                    _(
                        "The send time of recurring invoices must be between "
                        "00:00 and 23:59."
                    )
                )

    def _validate_locks(self, values):
        # Odoo refuses a hard lock date while drafts are dated on or before
        # it: a recurring template is a draft that is never posted, not an
        # entry waiting in the period (its invoices are dated when made).
        return super(
            ResCompany, self.with_context(**{TEMPLATES_OUT: trusted.JOB})
        )._validate_locks(values)

    def _recurring_send_time(self):
        """The send time as a :class:`datetime.time`, to the minute."""
        self.ensure_one()
        minutes = round(self.recurring_invoice_send_time * 60)
        return time(minutes // 60 % 24, minutes % 60)

    def _recurring_next_send_moment(self, now):
        """The company's first send moment after ``now``, as a naive UTC
        datetime (as Odoo stores them)."""
        self.ensure_one()
        moment = recurrence.next_send_moment(
            self.recurring_invoice_tz, self._recurring_send_time(), now=now
        )
        return moment.replace(tzinfo=None)

    def _recurring_lang(self):
        """The language the recurring invoice job writes in for this company
        (the notes on its invoices and templates, their errors): the
        company's own, else the current one."""
        self.ensure_one()
        lang = self.partner_id.lang
        return (lang and self.env["res.lang"]._get_code(lang)) or self.env.lang

    def _recurring_last_due_date(self, now):
        """The last occurrence date that is due at ``now`` in this company."""
        self.ensure_one()
        return recurrence.last_due_date(
            self.recurring_invoice_tz, self._recurring_send_time(), now=now
        )
