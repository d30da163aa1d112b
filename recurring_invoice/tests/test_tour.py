# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestRecurringInvoiceTour(AccountTestInvoicingHttpCommon):
    def test_make_invoice_recurring_pause_resume(self):
        """Runs in Chromium where it is installed; Odoo skips it elsewhere."""
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                # The flow, in English (the demo's Norwegian company makes admin
                # Norwegian; test_norwegian_company checks the Norwegian).
                "lang": "en_US",
                "company_id": self.env.company.id,
                "company_ids": [Command.link(self.env.company.id)],
                "groups_id": [
                    Command.link(self.env.ref("account.group_account_invoice").id)
                ],
            }
        )
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_line_ids": [
                    Command.create({"name": "Husleie {period}", "price_unit": 9500.0})
                ],
            }
        )
        self.start_tour(
            f"/odoo/account.move/{draft.id}", "recurring_invoice_tour", login="admin"
        )
        self.assertEqual(draft.recurring_state, "active")
        self.assertEqual(draft.recurring_period, "month")
        self.assertTrue(draft.recurring_next_date)
