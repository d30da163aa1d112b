# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import pytz

from odoo.tests import Form, new_test_user, tagged

from .common import RecurringInvoiceCase


@tagged("post_install", "-at_install")
class TestInstall(RecurringInvoiceCase):
    def test_module_installed_with_its_cron(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "recurring_invoice")]
        )
        self.assertEqual(module.state, "installed")
        self.assertTrue(self.cron.active)
        self.assertEqual(self.cron.code.strip(), "model._cron_recurring_invoices()")
        self.assertEqual(self.cron.user_id, self.env.ref("base.user_root"))
        # First run planned at 06:15 in Oslo, whatever the season.
        local = pytz.utc.localize(self.cron.nextcall).astimezone(
            pytz.timezone("Europe/Oslo")
        )
        self.assertEqual((local.hour, local.minute), (6, 15))
        # and its sender, woken by the job, a safety net a little later
        sender = self.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        self.assertTrue(sender.active)
        self.assertGreater(sender.priority, self.cron.priority)

    def test_company_defaults(self):
        company = self.env["res.company"].create({"name": "Nordlys AS"})
        self.assertEqual(company.recurring_invoice_tz, "Europe/Oslo")
        self.assertEqual(company._recurring_send_time().isoformat(), "06:15:00")

    def test_access_rules_exist(self):
        access = self.env["ir.model.access"].search(
            [("model_id.model", "=", "recurring.invoice.wizard")]
        )
        self.assertEqual(access.group_id, self.env.ref("account.group_account_invoice"))
        self.assertTrue(all(access.mapped("perm_create")))
        billing = new_test_user(
            self.env, "billing_only", groups="account.group_account_invoice"
        )
        self.assertTrue(
            self.env["recurring.invoice.wizard"].with_user(billing).has_access("create")
        )
        employee = new_test_user(self.env, "employee_only", groups="base.group_user")
        self.assertFalse(
            self.env["recurring.invoice.wizard"]
            .with_user(employee)
            .has_access("create")
        )

    def test_billing_user_opens_invoice_form(self):
        billing = new_test_user(
            self.env,
            "billing_form",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
        )
        move_form = Form(
            self.env["account.move"]
            .with_user(billing)
            .with_context(default_move_type="out_invoice")
        )
        move_form.partner_id = self.partner_a
        with move_form.invoice_line_ids.new() as line:
            line.product_id = self.product_a
        invoice = move_form.save()
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.recurring_state)
        arch = (
            self.env["account.move"]
            .with_user(billing)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="action_recurring_invoice"', arch)
        self.assertIn('name="recurring_state"', arch)
