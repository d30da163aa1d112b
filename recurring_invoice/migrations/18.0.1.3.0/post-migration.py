# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0: the daily summary tells a template's invoices to its
recipients together (one line: how many sent, who was not sent, who could
not be made). Its e-mail template (kept from updates) is loaded again where
it does not (see :mod:`odoo.addons.recurring_invoice.tools.summary_template`).
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.recurring_invoice.tools import summary_template


def reload_summary_template(env):
    """Returns whether the summary's template was loaded again."""
    return summary_template.reload_summary_template(env, "recurring_groups")


def migrate(cr, version):
    if not version:
        return
    reload_summary_template(api.Environment(cr, SUPERUSER_ID, {}))
