# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The language the 06:15 job writes in.

The job runs as OdooBot. What it writes for the company's users to read, the
note on each invoice it makes saying which template made it, why a template's
invoice could not be made or an invoice not sent, the dates in them, is
written in the language of the company the templates belong to
(``res.company._recurring_lang``), whatever OdooBot's language: a Norwegian
company reads Norwegian. Each e-mail to a customer is in the customer's
language, each summary in its user's, and the period names in the customer's.
"""

from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _recurring_process_isolated(self, now):
        # The scheduled action makes the invoices of one company at a time.
        company = self.company_id[:1]
        templates = (
            self.with_context(lang=company._recurring_lang()) if company else self
        )
        return super(AccountMove, templates)._recurring_process_isolated(now)
