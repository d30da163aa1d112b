# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bad input and access: a clear error at the right moment, nothing lost."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringSafety(RecurringInvoiceCase):
    def assert_failed_and_intact(self, template, reason, day=date(2027, 1, 31)):
        """The run recorded ``reason`` on the template and left it ready."""
        self.assertFalse(template.recurring_invoice_ids)
        self.assertEqual(template.recurring_state, "active")
        self.assertEqual(template.recurring_next_date, day)
        self.assertIn(reason, template.recurring_make_error)
        self.assertIn(reason, template.message_ids[0].body)
        self.assertEqual(template.state, "draft")
        self.assertTrue(template.invoice_line_ids)

    def test_negative_total_is_refused_in_the_dialog(self):
        draft = self.make_draft(price=-100.0)
        with freeze_time(oslo(2026, 11, 26, 10, 0)):
            with self.assertRaisesRegex(UserError, "negative total"):
                draft.action_recurring_invoice()
        self.assertFalse(draft.recurring_state)

    def test_zero_total_is_made(self):
        template = self.make_template(price=0.0)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(template.recurring_invoice_ids.state, "posted")
        self.assertEqual(template.recurring_invoice_ids.amount_total, 0.0)

    def test_archived_customer_fails_on_the_run(self):
        customer = self.partner_a.copy({"name": "Closed AS"})
        template = self.make_template(partner=customer)
        customer.active = False
        with self.muted_logs(expect="failed:"):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assert_failed_and_intact(template, "archived")

    def test_inactive_currency_fails_on_the_run(self):
        currency = self.setup_other_currency("EUR")
        template = self.make_template(currency_id=currency.id)
        currency.active = False
        with self.muted_logs(expect="failed:"):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assert_failed_and_intact(template, "inactive currency")

    def test_locked_period_posts_after_the_lock_date(self):
        """As Odoo does for any invoice: the accounting date moves to the first
        open day; the invoice date stays the occurrence date."""
        template = self.make_template(start=date(2027, 1, 31))
        self.env.company.fiscalyear_lock_date = date(2027, 1, 31)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date, date(2027, 1, 31))
        self.assertGreater(invoice.date, date(2027, 1, 31))

    def test_portal_customer_sees_invoices_not_the_template(self):
        customer = self.env["res.partner"].create(
            {"name": "Hytteeier", "email": "hytte@example.com"}
        )
        portal = new_test_user(
            self.env, "hytte", groups="base.group_portal", partner_id=customer.id
        )
        template = self.make_template(partner=customer)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        invoice.message_subscribe(customer.ids)
        template.message_subscribe(customer.ids)
        self.env.flush_all()
        moves = self.Move.with_user(portal).search([])
        self.assertIn(invoice, moves)
        self.assertNotIn(template, moves)
        with self.assertRaises(AccessError):
            template.with_user(portal).read(["recurring_state"])
