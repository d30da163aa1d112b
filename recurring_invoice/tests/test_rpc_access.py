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
        cls.billing = new_test_user(
            cls.env,
            "billing",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
            company_ids=[cls.env.company.id],
        )
        cls.portal = new_test_user(cls.env, "rpc_portal", groups="base.group_portal")
        other = cls.setup_other_company()["company"]
        cls.outsider = new_test_user(
            cls.env,
            "outsider",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[other.id],
        )

    def call(self, login, method, args, kwargs=None, model="account.move"):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def assert_refused(
        self,
        login,
        method,
        args,
        kwargs=None,
        error="AccessError",
        model="account.move",
    ):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call(login, method, args, kwargs, model=model)
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
        self.assert_refused(
            "reader", "write", [ids, {"recurring_state": "ended"}], error="Error"
        )
        # the job's own methods are private: not callable through RPC at all
        self.assert_refused(
            "reader",
            "_cron_make_and_send",
            [],
            error="AccessError",
            model="recurring.invoice.job",
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
        self.assert_refused(
            "outsider", "write", [ids, {"recurring_state": "paused"}], error="Error"
        )
        self.assertEqual(self.template.recurring_state, "active")

    def test_billing_user_cannot_bend_the_template_over_rpc(self):
        """What the web client's RPC lets a billing user call: the job's
        fields (even with the job's context key), Odoo's switch into a credit
        note, a draft linked as a made invoice."""
        ids = [self.template.id]
        self.assert_refused(
            "billing",
            "write",
            [ids, {"recurring_next_date": "2026-01-31"}],
            {"context": {"recurring_job": True}},
            error="UserError",
        )
        self.assert_refused(
            "billing", "action_switch_move_type", [ids], error="UserError"
        )
        [draft] = self.call(
            "billing",
            "create",
            [[{"move_type": "out_invoice", "partner_id": self.partner_a.id}]],
        )
        self.assert_refused(
            "billing",
            "write",
            [[draft], {"recurring_template_id": self.template.id}],
            error="UserError",
        )
        self.assertEqual(self.template.move_type, "out_invoice")
        self.assertEqual(self.template.recurring_next_date, date(2027, 1, 31))
        # what the user may do: pause it
        self.call("billing", "action_recurring_pause", [ids])
        self.assertEqual(self.template.recurring_state, "paused")

    def test_portal_user_cannot_fill_the_forecast(self):
        self.assert_refused(
            "rpc_portal",
            "action_open_forecast",
            [],
            model="recurring.invoice.forecast",
        )
        action = self.call(
            "reader", "action_open_forecast", [], model="recurring.invoice.forecast"
        )
        self.assertEqual(action["res_model"], "recurring.invoice.forecast")
