# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the job does with a template's invoices: post and send, post only, or
drafts for review; and each customer's own sending preference."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import RecurringInvoiceCase, oslo

JAN, FEB, MAR = date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)
REVIEW = [("state", "=", "draft"), ("recurring_send_state", "=", "review")]


@tagged("post_install", "-at_install")
class TestRecurringModes(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.downloader = cls.env["res.partner"].create(
            {
                "name": "Papirfakta AS",
                "email": "post@papirfakta.example.com",
                "invoice_sending_method": "manual",
            }
        )

    def template_in(self, mode, partner=None, **options):
        template = self.make_template(
            partner=partner or self.customer,
            name="Husleie {period}",
            invoice_user_id=self.accountant.id,
            options={"mode": mode, **options},
        )
        self.assertEqual(template.recurring_mode, mode)
        return template

    def customer_mails(self, invoices):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "in", invoices.ids)]
        )

    def summary(self):
        return self.env["mail.mail"].search([("model", "=", "res.users")])

    # --- the choice -----------------------------------------------------------
    def test_the_company_setting_gives_a_new_template_its_mode(self):
        self.assertEqual(self.env.company.recurring_invoice_mode, "post_send")
        self.env.company.recurring_invoice_mode = "draft"
        draft = self.make_draft(partner=self.customer)
        wizard = Form(
            self.env["recurring.invoice.wizard"].with_context(default_move_id=draft.id)
        )
        self.assertEqual(wizard.mode, "draft")
        wizard.mode = "post"
        wizard.save().action_confirm()
        self.assertEqual(draft.recurring_mode, "post")
        # a template set up before modes existed follows its company
        draft.recurring_mode = False
        self.assertEqual(draft._recurring_mode(), "draft")

    def test_the_mode_is_changed_by_billing_users_on_templates(self):
        template = self.template_in("post_send")
        template.with_user(self.accountant).recurring_mode = "draft"
        self.assertEqual(template.recurring_mode, "draft")
        reader = new_test_user(
            self.env, "reader", groups="base.group_user,account.group_account_readonly"
        )
        with self.assertRaises(AccessError):
            template.with_user(reader).recurring_mode = "post"
        invoice = self.make_draft(partner=self.customer)
        with self.assertRaises(UserError):
            invoice.recurring_mode = "post"

    # --- post and send --------------------------------------------------------
    def test_post_and_send_follows_the_customers_preference(self):
        emailed = self.template_in("post_send")
        downloaded = self.template_in("post_send", partner=self.downloader)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        by_mail, kept = emailed.recurring_invoice_ids, downloaded.recurring_invoice_ids
        self.assertEqual(
            (
                by_mail.state,
                by_mail.recurring_send_state,
                by_mail.recurring_send_method,
            ),
            ("posted", "sent", "email"),
        )
        self.assertEqual(len(self.customer_mails(by_mail)), 1)
        # "Download": posted, not sent
        self.assertEqual(
            (kept.state, kept.recurring_send_state, kept.recurring_send_method),
            ("posted", "post_only", "manual"),
        )
        self.assertFalse(kept.is_move_sent)
        self.assertFalse(self.customer_mails(kept))
        body = self.summary().body_html
        self.assertIn("Sent by:", body)
        self.assertIn("E-mail", body)
        self.assertIn("Posted, not sent", body)
        self.assertIn("downloads its invoices", body)
        self.assertIn(kept.name, body)

    def test_an_ehf_customer_is_sent_by_peppol(self):
        invoice = self.template_in("post_send")
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = invoice.recurring_invoice_ids
        sender = self.env["account.move.send"]
        original = type(sender)._get_default_sending_method
        type(sender)._get_default_sending_method = lambda self, move: "peppol"
        try:
            settings = self.Job._get_sending_settings(invoice)
        finally:
            type(sender)._get_default_sending_method = original
        self.assertEqual(settings["sending_methods"], {"peppol"})

    # --- post only ------------------------------------------------------------
    def test_post_only_posts_once_and_sends_nothing(self):
        template = self.template_in("post")
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        invoice = template.recurring_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(
            (invoice.state, invoice.recurring_send_state), ("posted", "post_only")
        )
        self.assertFalse(self.customer_mails(invoice))
        body = self.summary().body_html
        self.assertIn("1 posted and not sent", body)
        self.assertIn("set to post only", body)

    # --- drafts for review ----------------------------------------------------
    def test_drafts_for_review_wait_in_their_filter_once_each(self):
        template = self.template_in("draft")
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        draft = template.recurring_invoice_ids
        self.assertEqual(len(draft), 1)
        self.assertEqual((draft.state, draft.recurring_send_state), ("draft", "review"))
        self.assertEqual(draft.invoice_date, JAN)
        self.assertEqual(draft.invoice_line_ids.name, "Husleie January 2027")
        self.assertFalse(self.customer_mails(draft))
        self.assertEqual(self.Move.search(REVIEW), draft)
        action = self.env.ref("recurring_invoice.action_recurring_drafts_to_review")
        self.assertIn("search_default_recurring_review", action.context)
        body = self.summary().body_html
        self.assertIn("1 made as drafts to review", body)
        self.assertIn(
            "action-recurring_invoice.action_recurring_drafts_to_review", body
        )
        # the next month's is made as a draft too
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertEqual(len(template.recurring_invoice_ids), 2)
        self.assertEqual(template.recurring_made_count, 2)

    def test_a_reviewed_draft_posted_by_a_user_is_sent(self):
        template = self.template_in("draft")
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        draft = template.recurring_invoice_ids
        sender = self.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", sender.id)])
        draft.with_user(self.accountant).action_post()
        self.assertEqual(draft.state, "posted")
        self.assertEqual(draft.recurring_send_state, "to_send")
        # the sending scheduled action is woken: sent within minutes
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", sender.id)]) - triggers
        )
        self.assertEqual(draft.invoice_line_ids.name, "Husleie January 2027")
        self.assertEqual(draft.invoice_date, JAN)
        self.run_cron(oslo(2027, 2, 1, 9, 0))
        self.assertEqual(draft.recurring_send_state, "sent")
        self.assertEqual(len(self.customer_mails(draft)), 1)

    def test_a_reviewed_draft_is_left_to_the_user_when_the_template_says(self):
        template = self.template_in("draft", send_reviewed=False)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        draft = template.recurring_invoice_ids
        draft.action_post()
        self.run_cron(oslo(2027, 2, 1, 9, 0))
        self.assertEqual(draft.recurring_send_state, "post_only")
        self.assertFalse(self.customer_mails(draft))

    def test_a_deleted_draft_is_not_made_again(self):
        template = self.template_in("draft", max_invoices=2)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        draft = template.recurring_invoice_ids
        draft.with_user(self.accountant).unlink()
        dismissal = self.env["recurring.invoice.dismissal"].search(
            [("template_id", "=", template.id)]
        )
        self.assertEqual(dismissal.occurrence_date, JAN)
        self.assertEqual(dismissal.create_uid, self.accountant)
        self.assertTrue(
            template.message_ids.filtered(lambda m: "not made again" in m.body)
        )
        # the occurrence is done: counted as made, the number of invoices holds
        self.assertEqual(template.recurring_made_count, 1)
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.run_cron(oslo(2027, 3, 31, 6, 15))
        made = template.recurring_invoice_ids
        self.assertEqual(made.mapped("recurring_occurrence_date"), [FEB])
        self.assertEqual(template.recurring_state, "ended")
        # the job alone writes what was deleted
        with self.assertRaises(AccessError):
            dismissal.with_user(self.accountant).unlink()

    def test_a_recipients_deleted_draft_is_not_made_again_mid_list(self):
        members = self.env["res.partner"].create(
            [
                {
                    "name": f"Medlem {n}",
                    "email": f"medlem{n}@example.com",
                    "invoice_sending_method": "email",
                }
                for n in range(3)
            ]
        )
        template = self.template_in("draft")
        template.recurring_recipient_ids = [
            Command.create({"partner_id": partner.id}) for partner in members
        ]
        # two of four made, the next date kept until all are billed
        at = oslo(2027, 1, 31, 6, 15)
        with freeze_time(at):
            self.Job._make_due(at, 10, invoices_limit=2)
        first = template.recurring_invoice_ids
        self.assertEqual(len(first), 2)
        self.assertEqual(template.recurring_next_date, JAN)
        deleted = first[:1].partner_id
        first[:1].unlink()
        self.run_cron(oslo(2027, 1, 31, 7, 0))
        made = template.recurring_invoice_ids
        self.assertEqual(len(made), 3)
        self.assertNotIn(deleted, made.partner_id)
        self.assertEqual(template.recurring_next_date, FEB)

    # --- the panel --------------------------------------------------------------
    def test_the_panel_tags_each_invoice_made(self):
        template = self.template_in("draft")
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertIn("o_recurring_badge_draft", template.recurring_panel)
        template.recurring_invoice_ids.action_post()
        template.invalidate_recordset(["recurring_panel"])
        self.assertIn("o_recurring_badge_posted", template.recurring_panel)
        self.run_cron(oslo(2027, 2, 1, 9, 0))
        template.invalidate_recordset(["recurring_panel"])
        self.assertIn("o_recurring_badge_sent", template.recurring_panel)
