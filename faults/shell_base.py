# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the fault suite (faults/lab.py): the data every
scenario shares.

The shared fixture (harness/fixtures.py: a chart of accounts when the company
has none, the company's recurring settings, the 15% sale tax, one product) with
``RI_CUSTOMERS`` customers, remembered in system parameters for
shell_templates.py. Commits, then prints one line ``RESULT {json}`` (with
tomorrow's date in the company's timezone, the earliest start of a template).
"""

import json
import os

from harness.fixtures import sales_data, tomorrow


def main(env):
    count = int(os.environ.get("RI_CUSTOMERS", "50"))
    tax, product, partners = sales_data(env, "Faults", count)
    company = env.company
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    env["ir.config_parameter"].sudo().set_param("faults.product_id", product.id)
    env["ir.config_parameter"].sudo().set_param("faults.tax_id", tax.id)
    env["ir.config_parameter"].sudo().set_param(
        "faults.partner_ids", ",".join(map(str, partners.ids))
    )
    env.cr.commit()
    result = {
        "tomorrow": tomorrow(env).isoformat(),
        "chart": company.chart_template,
        "tax": tax.name,
        "product_id": product.id,
        "customers": len(partners),
        "sale_journal_id": journal.id,
    }
    print("RESULT " + json.dumps(result), flush=True)


main(globals()["env"])
