# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One line of a price adjustment: a template line's unit price, before and
after. Scheduled: the new price typed (or, by a percentage, the price it would
give today); applied: the prices as the job changed them."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class RecurringPriceAdjustmentLine(models.Model):
    _name = "recurring.price.adjustment.line"
    _inherit = ["recurring.job.fields.mixin"]
    _description = "Recurring Invoice Price Adjustment Line"
    _order = "adjustment_id, sequence, id"

    adjustment_id = fields.Many2one(
        "recurring.price.adjustment",
        string="Price Adjustment",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="adjustment_id.company_id", store=True)
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Template Line",
        ondelete="set null",
        index="btree_not_null",
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Description")
    currency_id = fields.Many2one(related="adjustment_id.currency_id")
    old_price = fields.Float(digits="Product Price")
    new_price = fields.Float(digits="Product Price")

    @api.constrains("new_price")
    def _check_new_price(self):
        if self.filtered(lambda line: line.new_price < 0):
            raise ValidationError(_("A unit price cannot be negative."))

    @api.constrains("move_line_id", "adjustment_id")
    def _check_template_line(self):
        for line in self.filtered("move_line_id"):
            if line.move_line_id.move_id != line.adjustment_id.template_id:
                raise ValidationError(
                    _(
                        "A price adjustment changes the lines of its own recurring "
                        "template only."
                    )
                )

    # An applied adjustment's lines are the history of the prices: the job
    # writes them as it applies the adjustment, nobody changes them after.
    @api.model_create_multi
    def create(self, vals_list):
        adjustments = self.env["recurring.price.adjustment"].browse(
            vals.get("adjustment_id") for vals in vals_list
        )
        adjustments._recurring_check_lines_editable()
        return super().create(vals_list)

    def write(self, vals):
        self.adjustment_id._recurring_check_lines_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        self.adjustment_id._recurring_check_lines_editable()
