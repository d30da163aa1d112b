# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..models.account_move_recurring_mode import MODES
from ..models.account_move_recurring_schedule import PERIOD_SELECTION, schedule_label
from ..tools import recurrence

PREVIEW_COUNT = 5


class RecurringInvoiceWizard(models.TransientModel):
    _name = "recurring.invoice.wizard"
    _description = "Make an invoice recurring"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="move_id.company_id")
    period = fields.Selection(PERIOD_SELECTION, required=True, default="month")
    interval = fields.Integer(
        string="Every",
        required=True,
        default=1,
        help="Every how many periods an invoice is made: 2 with Month is every "
        "other month.",
    )
    start_date = fields.Date(
        required=True,
        default=lambda self: self._default_start_date(),
        help="The first day of the period the first invoice is for. The first "
        "invoice is sent tomorrow at the earliest.",
    )
    days_ahead = fields.Integer(
        default=0,
        help="Make, post and send each invoice this many days before the period "
        "it is for begins (0: on its first day).",
    )
    due_on_period_start = fields.Boolean(
        string="Due on the First Day of the Period",
        help="The invoice is due on the first day of the period it is for, "
        "instead of by the payment terms.",
    )
    mode = fields.Selection(
        MODES,
        string="Each Invoice Is",
        required=True,
        default=lambda self: self._default_mode(),
        help="Post and send: each customer gets its invoice the way it takes "
        "invoices (e-mail, EHF). Post only: nothing is sent. Draft for review: "
        "you post each invoice yourself.",
    )
    send_reviewed = fields.Boolean(
        string="Send Once Posted",
        default=True,
        help="A draft you post is then sent as Post and send does.",
    )
    end_type = fields.Selection(
        [
            ("none", "Until stopped"),
            ("date", "On a date"),
            ("count", "After a number of invoices"),
        ],
        string="Ends",
        required=True,
        default="none",
    )
    end_date = fields.Date(
        help="No invoice is made for a period that begins after this day.",
    )
    max_invoices = fields.Integer(string="Number of Invoices", default=12)
    schedule_label = fields.Char(string="Schedule", compute="_compute_schedule_label")
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

    @api.model
    def _default_mode(self):
        move = self.env["account.move"].browse(self.env.context.get("default_move_id"))
        if move.recurring_mode:
            return move.recurring_mode
        return (move.company_id or self.env.company).recurring_invoice_mode

    @api.onchange("days_ahead")
    def _onchange_days_ahead(self):
        """Keep the first send day tomorrow or later as the days ahead grow."""
        company = self.company_id or self.env.company
        earliest = recurrence.earliest_start(
            company.recurring_invoice_tz,
            now=fields.Datetime.now(),
            days_ahead=max(self.days_ahead, 0),
        )
        if self.start_date and self.start_date < earliest:
            self.start_date = earliest

    @api.depends("period", "interval", "days_ahead")
    @api.depends_context("lang")
    def _compute_schedule_label(self):
        for wizard in self:
            wizard.schedule_label = schedule_label(
                wizard.env, wizard.period, wizard.interval, wizard.days_ahead
            )

    @api.depends(
        "period",
        "interval",
        "start_date",
        "days_ahead",
        "end_type",
        "end_date",
        "max_invoices",
        "company_id",
    )
    def _compute_preview(self):
        for wizard in self:
            wizard.preview = wizard._preview_html()

    @api.constrains("end_type", "end_date")
    def _check_end_date_chosen(self):
        """An end date is kept only when the recurrence ends on it: one given
        with another choice is refused, never silently dropped."""
        for wizard in self:
            if wizard.end_date and wizard.end_type != "date":
                raise ValidationError(
                    _(
                        "You gave the end date %(date)s, but the recurring invoice "
                        "does not end on a date: choose Ends: On a date, or clear "
                        "the end date.",
                        date=format_date(self.env, wizard.end_date),
                    )
                )

    def _schedule_options(self):
        """The options of the schedule, as ``_recurring_setup`` takes them."""
        self.ensure_one()
        return {
            "end_date": self.end_type == "date" and self.end_date,
            "interval": self.interval,
            "days_ahead": self.days_ahead,
            "max_invoices": self.max_invoices if self.end_type == "count" else 0,
            "due_on_period_start": self.due_on_period_start,
            "mode": self.mode,
            "send_reviewed": self.send_reviewed,
        }

    def _preview_html(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        options = self._schedule_options()
        try:
            schedule = recurrence.Recurrence(
                self.period,
                self.start_date,
                options["end_date"] or None,
                tz=company.recurring_invoice_tz,
                send_time=company._recurring_send_time(),
                interval=self.interval,
                days_ahead=self.days_ahead,
            )
        except (recurrence.RecurrenceError, TypeError, ValueError):
            return False
        upcoming = schedule.upcoming(
            schedule.start,
            PREVIEW_COUNT,
            remaining=options["max_invoices"] or None,
        )
        lines = self.move_id._recurring_upcoming_lines(
            upcoming, period=self.period, interval=self.interval
        )
        return self.env["ir.qweb"]._render(
            "recurring_invoice.recurring_upcoming_list", {"upcoming": lines}
        )

    def action_confirm(self):
        self.ensure_one()
        self.move_id._recurring_setup(
            self.period, self.start_date, **self._schedule_options()
        )
        return {"type": "ir.actions.act_window_close"}
