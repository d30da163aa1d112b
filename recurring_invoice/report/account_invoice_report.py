# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    def _where(self) -> SQL:
        # A recurring template is a draft that is never posted: its amounts
        # are not revenue and must not show in the invoice analysis.
        return SQL("%s AND move.recurring_state IS NULL", super()._where())
