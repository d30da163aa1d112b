# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: the monthly recurring revenue of the existing templates (its
column was created empty by the pre-migration, for templates only)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    templates = env["account.move"].search([("recurring_state", "!=", False)])
    env.add_to_compute(env["account.move"]._fields["recurring_mrr"], templates)
    templates.flush_recordset(["recurring_mrr"])
