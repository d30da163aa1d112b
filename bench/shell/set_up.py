# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The set-up step: the shared fixture, the source invoice, the machine kept
quiet (every other scheduled action off, mails only queued)."""

import json

import odoo

from harness.fixtures import sales_data

from .common import CRON_XMLID, bench_data, due_date, invoice_values, set_param


def run(env):
    """The shared fixture (chart, tax, product, 50 customers), the source
    invoice; every cron but ours off; mails only queued."""
    tax, product, partners = sales_data(env, "Bench", 50)
    company = env.company
    user = env.ref("base.user_admin")
    ours = env.ref(CRON_XMLID)
    others = (
        env["ir.cron"].with_context(active_test=False).search([("id", "!=", ours.id)])
    )
    switched_off = others.filtered("active")
    switched_off.write({"active": False})
    set_param(env, "mail.mail.force.send.limit", "0")
    set_param(env, "recurring_invoice.hold_sending", "1")
    mail_servers = env["ir.mail_server"].sudo().search([])
    mail_servers.write({"active": False})
    data = {
        "product_id": product.id,
        "tax_id": tax.id,
        "partner_ids": partners.ids,
        "user_id": user.id,
        "source_id": 0,
    }
    set_param(env, "bench.data", json.dumps(data))
    source = env["account.move"].create(
        invoice_values(bench_data(env), partners[0], due_date(env))
    )
    data["source_id"] = source.id
    set_param(env, "bench.data", json.dumps(data))
    contract = env["ir.module.module"].search(
        [("name", "=", "contract"), ("state", "=", "installed")]
    )
    contract_info = None
    if contract:
        manifest = odoo.modules.module.get_manifest("contract")
        core = odoo.modules.module.get_module_path("account").rsplit("/", 1)[0]
        contract_info = {
            "version": contract.installed_version,
            "path": odoo.modules.module.get_module_path("contract"),
            "depends": manifest["depends"],
            "all_core": all(
                (odoo.modules.module.get_module_path(dep) or "").startswith(core)
                for dep in manifest["depends"]
            ),
        }
    env.cr.execute("SHOW autovacuum")
    autovacuum = env.cr.fetchone()[0]
    env.cr.commit()
    return {
        "autovacuum": autovacuum,
        "chart": company.chart_template,
        "tax": f"{tax.name} ({tax.amount:g} %)",
        "product": product.display_name,
        "customers": len(partners),
        "crons_switched_off": switched_off.mapped("name"),
        "mail_servers_switched_off": len(mail_servers),
        "source_total": source.amount_total,
        "contract": contract_info,
    }
