# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..tools import trusted


class ResPartner(models.Model):
    _inherit = "res.partner"

    def signup_prepare(self, signup_type="signup"):
        """Odoo's portal prepares the customer's sign-up link in every invoice
        e-mail by writing the customer (``signup_type``), even when nothing
        changes. Two workers sending invoices to one customer side by side
        then fail on each other's commit. When the job sends, only a customer
        whose sign-up type changes is written: the link, signed with the
        type and not the write date, is the same."""
        if not trusted.get(self.env.context, "recurring_invoice_send"):
            return super().signup_prepare(signup_type=signup_type)
        changed = self.filtered(lambda partner: partner.signup_type != signup_type)
        if changed:
            super(ResPartner, changed).signup_prepare(signup_type=signup_type)
        return True
