# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The journals' dashboard counts no recurring template among the drafts to
post: a template is never posted; its invoices are."""

from odoo import models

from ..tools import trusted
from .account_move import TEMPLATES_OUT


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _get_draft_sales_purchases_query(self):
        return super(
            AccountJournal, self.with_context(**{TEMPLATES_OUT: trusted.JOB})
        )._get_draft_sales_purchases_query()
