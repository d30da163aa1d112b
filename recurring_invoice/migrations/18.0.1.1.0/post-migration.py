# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: the monthly recurring revenue of the existing templates (its
column was created empty by the pre-migration, for templates only), and the
daily summary's e-mail template as this version writes it.

The summary's template is kept from updates (``noupdate``), so that a
business's own wording stays; but the one of 18.0.1.0.x cannot list the price
adjustments this version makes (each applied one is reported once, in the
next summary). Where it does not, it is loaded again from the add-on's data,
as a new install has it, and its translations with it.
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.recurring_invoice.tools import summary_template


def reload_summary_template(env):
    """Load the summary's template again when it cannot list the price
    adjustments. Returns whether it did."""
    return summary_template.reload_summary_template(env, "recurring_adjusted")


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    templates = env["account.move"].search([("recurring_state", "!=", False)])
    env.add_to_compute(env["account.move"]._fields["recurring_mrr"], templates)
    templates.flush_recordset(["recurring_mrr"])
    reload_summary_template(env)
