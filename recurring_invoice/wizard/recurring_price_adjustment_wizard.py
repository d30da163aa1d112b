# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The "Adjust prices" dialog: new prices for one recurring template or many.

By a percentage (e.g. 3.1 % for the year's consumer price index), once or
every year from a day on, or new unit prices per line for one template. A
one-off adjustment becomes a scheduled ``recurring.price.adjustment`` that the
06:15 job applies before the first invoice on or after its effective date; an
adjustment every year sets the templates' yearly price adjustment. The dialog
shows each line's price before and after (at today's prices) and which invoice
gets the new prices first, saying so when an invoice on or after the
effective date is already made (the new prices then apply from the next one).
"""

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.recurring_price_adjustment import (
    EFFECTIVE_DATE_HELP,
    METHODS,
    PERCENT_HELP,
)
from ..tools import prices

#: Templates whose lines the dialog previews; the others are counted.
PREVIEW_TEMPLATES = 20


class RecurringPriceAdjustmentWizard(models.TransientModel):
    _name = "recurring.price.adjustment.wizard"
    _description = "Adjust the prices of recurring invoices"

    template_ids = fields.Many2many(
        "account.move",
        string="Recurring Invoices",
        required=True,
        domain=[("recurring_state", "in", ("active", "paused"))],
    )
    template_count = fields.Integer(
        string="Number of Recurring Invoices", compute="_compute_template_count"
    )
    effective_date = fields.Date(
        string="Effective From",
        required=True,
        default=lambda self: self._default_effective_date(),
        help=EFFECTIVE_DATE_HELP,
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
    yearly = fields.Boolean(
        string="Every Year",
        help="Adjust by this percentage every year on this day and month, from "
        "this date on: sets the yearly price adjustment of the recurring "
        "invoices (change its percentage there each year if it follows an "
        "index).",
    )
    line_ids = fields.One2many(
        "recurring.price.adjustment.wizard.line",
        "wizard_id",
        string="New Prices",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    @api.model
    def _default_effective_date(self):
        templates = self.env["account.move"].browse(
            self.env.context.get("default_template_ids") or []
        )
        dates = [day for day in templates.mapped("recurring_next_date") if day]
        return min(dates) if dates else fields.Date.context_today(self)

    @api.depends("template_ids")
    def _compute_template_count(self):
        for wizard in self:
            wizard.template_count = len(wizard.template_ids)

    @api.depends("template_ids", "method")
    def _compute_line_ids(self):
        for wizard in self:
            if wizard.method != "price" or len(wizard.template_ids) != 1:
                wizard.line_ids = [Command.clear()]
                continue
            template = wizard.template_ids._origin
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "move_line_id": line.id,
                        "name": template._recurring_line_label(line),
                        "old_price": line.price_unit,
                        "new_price": line.price_unit,
                    }
                )
                for line in template._recurring_priced_lines()
            ]

    @api.depends(
        "template_ids", "effective_date", "method", "percent", "line_ids.new_price"
    )
    def _compute_preview(self):
        for wizard in self:
            wizard.preview = wizard._preview_html()

    def _new_prices(self, template):
        """{template line id: new unit price} as the dialog says today."""
        self.ensure_one()
        current = {
            line.id: line.price_unit for line in template._recurring_priced_lines()
        }
        return prices.apply(current, self._change(), template.currency_id.rounding)

    def _change(self):
        """The dialog's adjustment as a :class:`~..tools.prices.Change`."""
        self.ensure_one()
        if self.method == "percent":
            return prices.Change(self.effective_date, percent=self.percent)
        return prices.Change(
            self.effective_date,
            prices={
                line.move_line_id.id: line.new_price
                for line in self.line_ids
                if line.move_line_id
            },
        )

    def _preview_html(self):
        self.ensure_one()
        if not self.effective_date or not self.template_ids:
            return False
        if self.method == "percent" and not prices.percent_in_range(self.percent):
            return False
        rows = []
        for template in self.template_ids._origin[:PREVIEW_TEMPLATES]:
            new = self._new_prices(template)
            rows.append(
                {
                    "template": template,
                    "lines": [
                        (
                            template._recurring_line_label(line),
                            line.price_unit,
                            new[line.id],
                        )
                        for line in template._recurring_priced_lines()
                    ],
                    "notice": template._recurring_price_notice(self.effective_date),
                }
            )
        return self.env["ir.qweb"]._render(
            "recurring_invoice.recurring_price_adjustment_preview",
            {
                "rows": rows,
                "more": len(self.template_ids) > PREVIEW_TEMPLATES
                and _(
                    "And %(count)s more recurring invoices.",
                    count=len(self.template_ids) - PREVIEW_TEMPLATES,
                ),
                "yearly": self.yearly and self.method == "percent",
            },
        )

    def _check(self):
        self.ensure_one()
        templates = self.template_ids
        if self.method == "percent":
            if not self.percent:
                raise UserError(_("Enter the percentage the prices change by."))
            self.env["recurring.price.adjustment"]._recurring_check_percent(
                self.percent
            )
        else:
            if len(templates) != 1:
                raise UserError(
                    _("New unit prices are typed for one recurring invoice at a time.")
                )
            if any(line.new_price < 0 for line in self.line_ids):
                raise UserError(_("A unit price cannot be negative."))
            if all(line.new_price == line.old_price for line in self.line_ids):
                raise UserError(_("Type at least one new unit price."))
        templates._recurring_check_adjustable_from(self.effective_date)

    def action_confirm(self):
        self.ensure_one()
        self.template_ids._recurring_check_access()
        self._check()
        templates = self.template_ids
        if self.yearly and self.method == "percent":
            templates.write(
                {
                    "recurring_index_percent": self.percent,
                    "recurring_index_date": self.effective_date,
                }
            )
            return {"type": "ir.actions.act_window_close"}
        Adjustment = self.env["recurring.price.adjustment"]
        for template in templates:
            new = self._new_prices(template)
            adjustment = Adjustment.create(
                {
                    "template_id": template.id,
                    "effective_date": self.effective_date,
                    "method": self.method,
                    "percent": self.percent if self.method == "percent" else 0.0,
                    "line_ids": [
                        Command.create(
                            {
                                "move_line_id": line.id,
                                "sequence": line.sequence,
                                "name": template._recurring_line_label(line),
                                "old_price": line.price_unit,
                                "new_price": new[line.id],
                            }
                        )
                        for line in template._recurring_priced_lines()
                        if new[line.id] != line.price_unit
                    ],
                }
            )
            template.message_post(
                body=template._recurring_price_changes_html(
                    _(
                        "Price adjustment scheduled. %(notice)s",
                        notice=template._recurring_price_notice(self.effective_date),
                    ),
                    adjustment,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return {"type": "ir.actions.act_window_close"}


class RecurringPriceAdjustmentWizardLine(models.TransientModel):
    _name = "recurring.price.adjustment.wizard.line"
    _description = "New unit price of a recurring invoice line"

    wizard_id = fields.Many2one(
        "recurring.price.adjustment.wizard", required=True, ondelete="cascade"
    )
    move_line_id = fields.Many2one("account.move.line", string="Line", readonly=True)
    name = fields.Char(string="Description", readonly=True)
    old_price = fields.Float(
        string="Current Price", digits="Product Price", readonly=True
    )
    new_price = fields.Float(digits="Product Price")
