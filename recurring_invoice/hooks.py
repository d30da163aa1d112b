# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Uninstalling: give back Odoo's invoice actions the domain they had before
installing, and keep the Norwegian demo company."""

INVOICE_ACTIONS_DOMAIN = "[('move_type', 'in', ['out_invoice', 'out_refund'])]"


def uninstall_hook(env):
    # The Norwegian demo company stays: its accounting cannot be deleted.
    env["ir.model.data"].search(
        [("module", "=", "recurring_invoice"), ("name", "=", "demo_company_no")]
    ).unlink()
    for xmlid in (
        "account.action_move_out_invoice_type",
        "account.action_move_out_invoice",
    ):
        action = env.ref(xmlid, raise_if_not_found=False)
        if action:
            action.domain = INVOICE_ACTIONS_DOMAIN
