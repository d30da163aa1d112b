# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Access through RPC, as a web client or a script would call the server."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import oslo


@tagged("post_install", "-at_install")
class TestRecurringRpcAccess(AccountTestInvoicingHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.recurring_invoice_tz = "Europe/Oslo"
        draft = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.partner_a.id,
                "invoice_line_ids": [
                    Command.create({"name": "Husleie", "price_unit": 9500.0})
                ],
            }
        )
        with freeze_time(oslo(2027, 1, 30, 12, 0)):
            draft._recurring_setup("month", date(2027, 1, 31))
        cls.template = draft
        cls.reader = new_test_user(
            cls.env,
            "reader",
            groups="base.group_user,account.group_account_readonly",
            company_id=cls.env.company.id,
            company_ids=[cls.env.company.id],
        )
        other = cls.setup_other_company()["company"]
        cls.outsider = new_test_user(
            cls.env,
            "outsider",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[other.id],
        )

    def call(self, login, method, args, kwargs=None):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "account.move",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def assert_refused(self, login, method, args, kwargs=None, error="AccessError"):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call(login, method, args, kwargs)
        self.assertIn(error, caught.exception.args[0])

    def test_reader_cannot_control_templates(self):
        ids = [self.template.id]
        for method in (
            "action_recurring_pause",
            "action_recurring_resume",
            "action_recurring_stop",
            "action_recurring_invoice",
        ):
            self.assert_refused("reader", method, [ids])
        self.assert_refused("reader", "write", [ids, {"recurring_state": "ended"}])
        # the job's own methods are private: not callable through RPC at all
        self.assert_refused(
            "reader", "_cron_recurring_invoices", [], error="AccessError"
        )
        self.assertEqual(self.template.recurring_state, "active")
        # reading is what a reader may do
        [values] = self.call("reader", "read", [ids, ["recurring_state"]])
        self.assertEqual(values["recurring_state"], "active")

    def test_other_company_neither_sees_nor_changes_the_template(self):
        ids = [self.template.id]
        found = self.call("outsider", "search", [[("recurring_state", "!=", False)]])
        self.assertNotIn(self.template.id, found)
        self.assert_refused("outsider", "read", [ids, ["recurring_state"]])
        self.assert_refused("outsider", "action_recurring_stop", [ids])
        self.assert_refused("outsider", "write", [ids, {"recurring_state": "paused"}])
        self.assertEqual(self.template.recurring_state, "active")
