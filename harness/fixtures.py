"""The data the fault suite and the benchmark start from, made in ``odoo shell``.

Imported by the scripts they feed to ``odoo shell`` (faults/shell_base.py,
faults/shell_templates.py, bench/bench_shell.py), which find this package on
the PYTHONPATH that harness/driver.py gives them. Unlike the rest of harness/,
it runs inside Odoo.
"""

from datetime import datetime, timedelta

import pytz

from odoo import Command


def sales_data(env, label, customers):
    """What invoices need, for the company of ``env``: a chart of accounts
    (when it has none), the recurring settings (Europe/Oslo, 06:15), a 15 %
    sale tax (the chart's, else a new one), a service product and
    ``customers`` customers with an e-mail address, named after ``label``.

    Returns (tax, product, partners); commits nothing."""
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
                "name": f"Sales 15% ({label.lower()})",
                "amount": 15.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": company.id,
            }
        )
    product = env["product.product"].create(
        {
            "name": f"{label} subscription",
            "type": "service",
            "list_price": 1000.0,
            "taxes_id": [Command.set(tax.ids)],
        }
    )
    partners = env["res.partner"].create(
        [
            {
                "name": f"{label} customer {n:03d}",
                "email": f"customer{n:03d}@{label.lower()}.example.com",
                "lang": "en_US",
            }
            for n in range(1, customers + 1)
        ]
    )
    return tax, product, partners


def tomorrow(env):
    """Tomorrow in the company's timezone: the earliest start of a template."""
    zone = pytz.timezone(env.company.recurring_invoice_tz)
    return datetime.now(zone).date() + timedelta(days=1)
