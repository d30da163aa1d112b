# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One line of a price adjustment: a template line's unit price, before and
after. Scheduled: the new price typed (or, by a percentage, the price it would
give today); applied: the prices as the job changed them."""

from odoo import fields, models


class RecurringPriceAdjustmentLine(models.Model):
    _name = "recurring.price.adjustment.line"
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
    old_price = fields.Float(string="Old Price", digits="Product Price")
    new_price = fields.Float(string="New Price", digits="Product Price")
