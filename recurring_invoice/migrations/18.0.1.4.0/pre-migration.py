# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0: an invoice made by a template keeps the first and last day of
its period (``recurring_period_start``, ``recurring_period_end``, stored
computed fields). Their columns are made here, before the update, so that
Odoo does not compute them for every journal entry: the post-migration
computes them for the invoices the templates made, the only ones they are
not empty on."""

from odoo.addons.recurring_invoice.hooks import create_computed_columns


def migrate(cr, version):
    if not version:
        return
    create_computed_columns(cr)
