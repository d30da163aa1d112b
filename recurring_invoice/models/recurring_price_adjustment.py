# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A price adjustment of a recurring template: from a day on, new prices.

A user enters one in the "Adjust prices" dialog (by a percentage, or new unit
prices per line, effective from a date); the 06:15 job makes one on each day
of a template's yearly adjustment. It stays *scheduled* until the job makes
the first invoice for an occurrence on or after its effective date: then, in
the same transaction as that invoice, the template's lines get the new prices
(``AccountMove._recurring_apply_price_changes``), the adjustment becomes
*applied*, keeps each line's price before and after, and waits to be listed
in the next daily summary. Which adjustments are due and the new prices are
decided by :mod:`..tools.prices`.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import prices

#: What the job may still write on an applied adjustment.
REPORT_FIELDS = {"to_report"}

#: Shared with the "Adjust prices" dialog (recurring_price_adjustment_wizard.py).
METHODS = [("percent", "By a percentage"), ("price", "New unit prices")]
EFFECTIVE_DATE_HELP = (
    "The invoices for periods beginning on or after this day are made at the "
    "new prices; those made before keep theirs."
)
PERCENT_HELP = (
    "Every unit price changes by this percentage (3.1 for the year's consumer "
    "price index, negative for a decrease), rounded to the currency."
)


class RecurringPriceAdjustment(models.Model):
    _name = "recurring.price.adjustment"
    _inherit = ["recurring.job.fields.mixin"]
    _description = "Recurring Invoice Price Adjustment"
    _order = "effective_date desc, id desc"
    _check_company_auto = True

    template_id = fields.Many2one(
        "account.move",
        string="Recurring Template",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        domain=[("recurring_state", "!=", False)],
    )
    company_id = fields.Many2one(
        related="template_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="template_id.currency_id")
    partner_id = fields.Many2one(related="template_id.partner_id", string="Customer")
    effective_date = fields.Date(
        string="Effective From",
        required=True,
        help=EFFECTIVE_DATE_HELP,
    )
    kind = fields.Selection(
        [("once", "One-off"), ("yearly", "Yearly")],
        string="Type",
        required=True,
        default="once",
        readonly=True,
        recurring_job=True,
    )
    method = fields.Selection(
        METHODS,
        string="Adjust",
        required=True,
        default="percent",
    )
    percent = fields.Float(
        string="Percentage",
        digits=(16, 2),
        help=PERCENT_HELP,
    )
    state = fields.Selection(
        [("pending", "Scheduled"), ("applied", "Applied")],
        string="Status",
        required=True,
        default="pending",
        readonly=True,
        index=True,
        recurring_job=True,
    )
    applied_date = fields.Date(
        string="First Invoice For",
        readonly=True,
        help="The period start of the first invoice made at the new prices.",
        recurring_job=True,
    )
    applied_at = fields.Datetime(string="Applied On", readonly=True, recurring_job=True)
    line_ids = fields.One2many(
        "recurring.price.adjustment.line",
        "adjustment_id",
        string="Lines",
        help="Each line's unit price before and after: as foreseen while "
        "scheduled, as changed once applied.",
    )
    to_report = fields.Boolean(
        readonly=True,
        copy=False,
        help="Applied: to be listed in the next daily summary.",
        recurring_job=True,
    )

    @api.depends("method", "percent", "effective_date", "kind")
    def _compute_display_name(self):
        for adjustment in self:
            day = format_date(self.env, adjustment.effective_date)
            if adjustment.method == "percent":
                percent = adjustment._recurring_percent_label()
                adjustment.display_name = _(
                    "%(percent)s from %(date)s", percent=percent, date=day
                )
            else:
                adjustment.display_name = _("New prices from %(date)s", date=day)

    def _recurring_percent_label(self):
        """The percentage as the user reads it: ``+3.1 %``, in Norwegian
        ``+3,1 %``."""
        self.ensure_one()
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        return f"{self.percent:+g} %".replace(".", lang.decimal_point or ".")

    @api.model
    def _recurring_check_percent(self, percent):
        """Raise unless prices may change by ``percent`` (the dialog, a
        scheduled adjustment and a template's yearly one alike)."""
        if not prices.percent_in_range(percent):
            largest = f"{prices.MAX_PERCENT:g}"
            raise ValidationError(
                _(
                    "A price changes by a percentage above -100 %% and up to "
                    "+%(max)s %%; for a larger change, type the new unit prices.",
                    max=largest,
                )
            )

    @api.constrains("method", "percent")
    def _check_percent(self):
        for adjustment in self.filtered(lambda a: a.method == "percent"):
            if not adjustment.percent:
                raise ValidationError(_("Enter the percentage the prices change by."))
            self._recurring_check_percent(adjustment.percent)

    @api.constrains("template_id", "effective_date", "state")
    def _check_template_makes_it(self):
        for adjustment in self.filtered(lambda a: a.state == "pending"):
            adjustment.template_id._recurring_check_adjustable_from(
                adjustment.effective_date
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        if self.filtered(lambda a: a.state == "applied"):
            raise UserError(
                _(
                    "An applied price adjustment is the history of the template's "
                    "prices and cannot be deleted."
                )
            )

    def write(self, vals):
        if set(vals) - REPORT_FIELDS and self.filtered(lambda a: a.state == "applied"):
            raise UserError(_("An applied price adjustment cannot be changed."))
        return super().write(vals)

    def _recurring_check_lines_editable(self):
        if not self._recurring_is_job() and self.filtered(
            lambda a: a.state == "applied"
        ):
            raise UserError(_("An applied price adjustment cannot be changed."))

    # --- for the price rules ---------------------------------------------------
    def _recurring_changes(self):
        """These scheduled adjustments as :class:`~..tools.prices.Change`,
        keyed by id, in entry order."""
        changes = []
        for adjustment in self.sorted("id"):
            if adjustment.method == "percent":
                change = prices.Change(
                    adjustment.effective_date,
                    percent=adjustment.percent,
                    key=adjustment.id,
                )
            else:
                change = prices.Change(
                    adjustment.effective_date,
                    prices={
                        line.move_line_id.id: line.new_price
                        for line in adjustment.line_ids
                        if line.move_line_id
                    },
                    key=adjustment.id,
                )
            changes.append(change)
        return changes

    # --- the daily summary -------------------------------------------------------
    def _recurring_summary_rows(self, lang):
        """One row per line changed, for the daily summary in ``lang``: the
        template, the period start of the first invoice at the new prices,
        the adjustment (``+3,1 %`` in Norwegian, or new prices), the line and
        its unit price before and after."""
        env = self.with_context(lang=lang).env
        rows = []
        for adjustment in self.with_env(env).sorted(lambda a: (a.applied_date, a.id)):
            if adjustment.method == "percent":
                what = adjustment._recurring_percent_label()
                if adjustment.kind == "yearly":
                    what = env._("%(percent)s (yearly)", percent=what)
            else:
                what = env._("New prices")
            for line in adjustment.line_ids:
                rows.append(
                    {
                        "template": adjustment.template_id,
                        "date": adjustment.applied_date,
                        "what": what,
                        "name": line.name,
                        "old": line.old_price,
                        "new": line.new_price,
                        "currency": adjustment.currency_id,
                    }
                )
        return rows
