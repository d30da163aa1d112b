# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    recurring_invoice_tz = fields.Selection(
        related="company_id.recurring_invoice_tz", readonly=False
    )
    recurring_invoice_send_time = fields.Float(
        related="company_id.recurring_invoice_send_time", readonly=False
    )
    recurring_invoice_mode = fields.Selection(
        related="company_id.recurring_invoice_mode", readonly=False
    )
    recurring_forecast_months = fields.Integer(
        related="company_id.recurring_forecast_months", readonly=False
    )
