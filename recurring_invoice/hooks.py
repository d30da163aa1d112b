# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Installing: make room for a computed column without computing it for every
journal entry. Uninstalling: give back Odoo's invoice actions the domain they
had before installing, and keep the Norwegian demo company."""

from odoo.tools.sql import column_exists, create_column

INVOICE_ACTIONS_DOMAIN = "[('move_type', 'in', ['out_invoice', 'out_refund'])]"


#: Stored computed fields of ``account.move`` that are empty but on templates
#: (the first two) or on the invoices they made (the period's days).
COMPUTED_COLUMNS = {
    "recurring_next_send_date": "date",
    "recurring_mrr": "numeric",
    "recurring_period_start": "date",
    "recurring_period_end": "date",
}


def pre_init_hook(env):
    """Create the columns of the stored computed fields of COMPUTED_COLUMNS
    before Odoo does: Odoo would then compute them for every existing journal
    entry, none of which is a template or was made by one."""
    create_computed_columns(env.cr)


def create_computed_columns(cr):
    for column, column_type in COMPUTED_COLUMNS.items():
        if not column_exists(cr, "account_move", column):
            create_column(cr, "account_move", column, column_type)


def uninstall_hook(env):
    """Give back Odoo's invoice and journal entry actions the domain they had
    before installing;
    the Norwegian demo company stays: its accounting cannot be deleted."""
    env["ir.model.data"].search(
        [("module", "=", "recurring_invoice"), ("name", "=", "demo_company_no")]
    ).unlink()
    for xmlid, domain in (
        ("account.action_move_out_invoice_type", INVOICE_ACTIONS_DOMAIN),
        ("account.action_move_out_invoice", INVOICE_ACTIONS_DOMAIN),
        ("account.action_move_journal_line", False),
    ):
        action = env.ref(xmlid, raise_if_not_found=False)
        if action:
            action.domain = domain
