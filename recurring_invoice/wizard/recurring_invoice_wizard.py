# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date, format_time

from ..models.account_move_recurring_schedule import PERIOD_SELECTION
from ..tools import recurrence

PREVIEW_COUNT = 5


class RecurringInvoiceWizard(models.TransientModel):
    _name = "recurring.invoice.wizard"
    _description = "Make an invoice recurring"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="move_id.company_id")
    period = fields.Selection(
        PERIOD_SELECTION, string="Period", required=True, default="month"
    )
    start_date = fields.Date(
        string="Start Date",
        required=True,
        default=lambda self: self._default_start_date(),
        help="The first invoice is made and sent on this date; tomorrow at the "
        "earliest.",
    )
    end_date = fields.Date(
        string="End Date",
        help="No invoice is made after this date. Leave empty to send until "
        "you stop it.",
    )
    preview = fields.Html(
        string="First Invoices",
        compute="_compute_preview",
        sanitize=False,
    )

    @api.model
    def _default_start_date(self):
        move = self.env["account.move"].browse(self.env.context.get("default_move_id"))
        company = move.company_id or self.env.company
        return recurrence.earliest_start(
            company.recurring_invoice_tz, now=fields.Datetime.now()
        )

    @api.depends("period", "start_date", "end_date", "company_id")
    def _compute_preview(self):
        for wizard in self:
            wizard.preview = wizard._preview_html()

    def _preview_html(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        try:
            schedule = recurrence.Recurrence(
                self.period,
                self.start_date,
                self.end_date or None,
                tz=company.recurring_invoice_tz,
                send_time=company._recurring_send_time(),
            )
        except (recurrence.RecurrenceError, TypeError, ValueError):
            return False
        items = Markup("").join(
            Markup("<li>%s %s</li>")
            % (
                format_date(self.env, moment.date),
                format_time(self.env, moment.local.time(), time_format="short"),
            )
            for moment in schedule.upcoming(schedule.start, PREVIEW_COUNT)
        )
        return Markup("<ul class='mb-0'>%s</ul>") % items

    def action_confirm(self):
        self.ensure_one()
        self.move_id._recurring_setup(self.period, self.start_date, self.end_date)
        return {"type": "ir.actions.act_window_close"}
