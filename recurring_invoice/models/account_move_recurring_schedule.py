# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When a recurring template's invoices are due: its schedule.

The template's schedule fields, the glue to the recurrence engine
(:mod:`..tools.recurrence`, which decides every date: this file computes
none), the occurrences a template skips, and the side panel of the template's
form, which shows the invoices made and the next send dates.
"""

from datetime import date

from odoo import _, api, fields, models
from odoo.tools import format_date

from ..tools import recurrence

PERIOD_SELECTION = [
    ("week", "Week"),
    ("month", "Month"),
    ("quarter", "Quarter"),
    ("year", "Year"),
]

#: How many invoices made, and upcoming dates, the template's side panel lists.
PANEL_INVOICES = 10
PANEL_UPCOMING = 5


class AccountMove(models.Model):
    _inherit = "account.move"

    recurring_period = fields.Selection(
        PERIOD_SELECTION,
        string="Period",
        copy=False,
        readonly=True,
        tracking=True,
    )
    recurring_start_date = fields.Date(
        string="Start Date", copy=False, readonly=True, tracking=True
    )
    recurring_end_date = fields.Date(
        string="End Date",
        copy=False,
        readonly=True,
        tracking=True,
        help="Last day on which an invoice may be made. Empty: until stopped.",
    )
    recurring_next_date = fields.Date(
        string="Next Invoice Date",
        copy=False,
        readonly=True,
        help="Date of the next invoice this template will make.",
    )
    recurring_paused_at = fields.Datetime(string="Paused Since", copy=False)
    recurring_skipped_dates = fields.Json(
        string="Skipped Dates",
        copy=False,
        readonly=True,
        help="Occurrence dates (ISO) this template passes over without making "
        "their invoice, e.g. those that fell inside a pause.",
    )
    recurring_panel = fields.Html(
        string="Recurring Invoice Overview",
        compute="_compute_recurring_panel",
        sanitize=False,
    )

    # --- the schedule, as the engine computes it --------------------------------
    def _recurring_recurrence(self, **overrides):
        """The template's :class:`~..tools.recurrence.Recurrence`."""
        self.ensure_one()
        company = self.company_id
        values = {
            "period": self.recurring_period,
            "start": self.recurring_start_date,
            "end": self.recurring_end_date or None,
            "tz": company.recurring_invoice_tz,
            "send_time": company._recurring_send_time(),
        }
        values.update(overrides)
        return recurrence.Recurrence(**values)

    def _recurring_skipped(self):
        """The occurrence dates this template passes over, as dates."""
        self.ensure_one()
        return frozenset(map(date.fromisoformat, self.recurring_skipped_dates or ()))

    @api.model
    def _recurring_skipped_value(self, skipped):
        """The stored value of ``recurring_skipped_dates`` for these dates."""
        return sorted(day.isoformat() for day in skipped) or False

    def _recurring_plan(self, now):
        """What the scheduler makes of this template at instant ``now``: the
        engine's :class:`~..tools.recurrence.Plan`."""
        self.ensure_one()
        return self._recurring_recurrence().plan(
            self.recurring_next_date or None, now, self._recurring_skipped()
        )

    def _recurring_error_message(self, error):
        """Translate an error of the recurrence engine for the user."""
        if isinstance(error, recurrence.StartTooEarlyError):
            return _(
                "The start date must be tomorrow (%(date)s) or later: recurring "
                "invoices are made once a day, and none may be missed.",
                date=format_date(self.env, error.earliest),
            )
        if isinstance(error, recurrence.StartTooLateError):
            return _(
                "The start date must be within a year, on %(date)s at the latest: "
                "a date further ahead is most likely a typing error. Set the "
                "recurring invoice up nearer the time.",
                date=format_date(self.env, error.latest),
            )
        if isinstance(error, recurrence.EndBeforeStartError):
            return _(
                "The end date (%(end)s) must be on or after the start date "
                "(%(start)s).",
                end=format_date(self.env, error.end),
                start=format_date(self.env, error.start),
            )
        if isinstance(error, recurrence.InvalidPeriodError):
            return _("Choose a period: week, month, quarter or year.")
        if isinstance(error, recurrence.InvalidTimezoneError):
            return _(
                "The timezone of recurring invoices is not valid; choose one in "
                "the Invoicing settings."
            )
        return str(error)

    # --- the side panel ----------------------------------------------------------
    @api.depends(
        "recurring_state",
        "recurring_next_date",
        "recurring_end_date",
        "recurring_skipped_dates",
        "recurring_invoice_ids",
    )
    def _compute_recurring_panel(self):
        for move in self:
            move.recurring_panel = (
                move._recurring_panel_html() if move.recurring_state else False
            )

    def _recurring_panel_values(self):
        """What the side panel shows: the latest invoices made, newest first,
        and the next send moments. Its cost does not grow with the history."""
        self.ensure_one()
        invoices = self.search(
            [("recurring_template_id", "=", self._origin.id or 0)],
            order="recurring_occurrence_date desc, id desc",
            limit=PANEL_INVOICES,
        )
        upcoming = []
        if self.recurring_state == "active" and self.recurring_next_date:
            upcoming = self._recurring_recurrence().upcoming(
                self.recurring_next_date, PANEL_UPCOMING, self._recurring_skipped()
            )
        return {
            "template": self,
            "invoices": invoices,
            "invoice_count": self.recurring_invoice_count,
            "upcoming": upcoming,
            "payment_states": dict(
                self._fields["payment_state"]._description_selection(self.env)
            ),
        }

    def _recurring_panel_html(self):
        return self.env["ir.qweb"]._render(
            "recurring_invoice.recurring_template_panel",
            self._recurring_panel_values(),
        )
