# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by run_faults.py: the data every scenario shares.

A chart of accounts (when the company has none), the company's recurring
settings (Europe/Oslo, 06:15), one product, the chart's 15% sale tax (or a new
one) and ``RI_CUSTOMERS`` customers with an e-mail address. Commits, then
prints one line ``RESULT {json}`` (with tomorrow's date in the company's
timezone, the earliest start of a template).
"""

import json
import os
from datetime import datetime, timedelta

import pytz


def main(env):
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )
    company.write(
        {"recurring_invoice_tz": "Europe/Oslo", "recurring_invoice_send_time": 6.25}
    )
    tax = company.account_sale_tax_id
    if not tax or tax.amount != 15 or tax.amount_type != "percent":
        tax = env["account.tax"].create(
            {
                "name": "Sales 15% (faults)",
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
    product = env["product.product"].create(
        {
            "name": "Faults rent",
            "type": "service",
            "list_price": 1000.0,
            "taxes_id": [(6, 0, tax.ids)],
        }
    )
    count = int(os.environ.get("RI_CUSTOMERS", "50"))
    partners = env["res.partner"].create(
        [
            {
                "name": f"Faults customer {n:03d}",
                "email": f"customer{n:03d}@faults.example.com",
                "lang": "en_US",
            }
            for n in range(1, count + 1)
        ]
    )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    env["ir.config_parameter"].sudo().set_param("faults.product_id", product.id)
    env["ir.config_parameter"].sudo().set_param("faults.tax_id", tax.id)
    env["ir.config_parameter"].sudo().set_param(
        "faults.partner_ids", ",".join(map(str, partners.ids))
    )
    env.cr.commit()
    today = datetime.now(pytz.timezone(company.recurring_invoice_tz)).date()
    result = {
        "tomorrow": (today + timedelta(days=1)).isoformat(),
        "chart": company.chart_template,
        "tax": tax.name,
        "product_id": product.id,
        "customers": len(partners),
        "sale_journal_id": journal.id,
    }
    print("RESULT " + json.dumps(result), flush=True)


main(globals()["env"])
