# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringTemplate(RecurringInvoiceCase):
    # --- the button and its dialog ---
    def test_dialog_turns_draft_into_template(self):
        draft = self.make_draft()
        with freeze_time(oslo(2026, 11, 26, 10, 0)):
            action = draft.action_recurring_invoice()
            self.assertEqual(action["res_model"], "recurring.invoice.wizard")
            wizard_form = Form(
                self.env[action["res_model"]].with_context(**action["context"])
            )
            self.assertEqual(wizard_form.start_date, date(2026, 11, 27))
            wizard_form.period = "month"
            wizard_form.start_date = date(2027, 1, 31)
            # live preview of the first five dates, 06:15 local
            for day in (
                "01/31/2027",
                "02/28/2027",
                "03/31/2027",
                "04/30/2027",
                "05/31/2027",
            ):
                self.assertIn(day, wizard_form.preview)
            self.assertNotIn("06/30/2027", wizard_form.preview)
            wizard_form.save().action_confirm()
        self.assertEqual(draft.recurring_state, "active")
        self.assertEqual(draft.recurring_period, "month")
        self.assertEqual(draft.recurring_next_date, date(2027, 1, 31))
        self.assertEqual(draft.recurring_user_id, self.env.user)
        self.assertEqual(draft.state, "draft")

    def test_default_start_is_tomorrow_in_oslo(self):
        draft = self.make_draft()
        # Late evening in Oslo: tomorrow is the 27th.
        with freeze_time(oslo(2026, 11, 26, 23, 30)):
            wizard = (
                self.env["recurring.invoice.wizard"]
                .with_context(default_move_id=draft.id)
                .create({"move_id": draft.id, "period": "week"})
            )
        self.assertEqual(wizard.start_date, date(2026, 11, 27))
        # Half past midnight in Oslo is still the 26th in UTC: tomorrow is the 28th.
        with freeze_time(oslo(2026, 11, 27, 0, 30)):
            wizard = (
                self.env["recurring.invoice.wizard"]
                .with_context(default_move_id=draft.id)
                .create({"move_id": draft.id, "period": "week"})
            )
        self.assertEqual(wizard.start_date, date(2026, 11, 28))

    def test_start_today_or_in_the_past_is_refused(self):
        draft = self.make_draft()
        with freeze_time(oslo(2026, 11, 26, 10, 0)):
            for start in (date(2026, 11, 26), date(2026, 1, 1)):
                with self.assertRaisesRegex(ValidationError, "tomorrow"):
                    draft._recurring_setup("month", start)
        self.assertFalse(draft.recurring_state)

    def test_start_more_than_a_year_ahead_is_refused(self):
        draft = self.make_draft()
        with freeze_time(oslo(2026, 11, 26, 10, 0)):
            draft._recurring_setup("year", date(2027, 11, 26))
            draft.action_recurring_stop()
            for start in (date(2027, 11, 27), date(2062, 11, 26)):
                with self.assertRaisesRegex(
                    ValidationError, "within a year, on 11/26/2027 at the latest"
                ):
                    draft._recurring_setup("year", start)
        self.assertEqual(draft.recurring_state, "ended")
        self.assertEqual(draft.recurring_start_date, date(2027, 11, 26))

    def test_errors_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        draft = self.make_draft().with_context(lang="nb_NO")
        with freeze_time(oslo(2026, 11, 26, 10, 0)):
            with self.assertRaisesRegex(ValidationError, r"Startdatoen .*27\.11\.2026"):
                draft._recurring_setup("month", date(2026, 11, 26))
        self.assertFalse(draft.recurring_state)

    def test_template_is_named_as_a_template(self):
        """Not one more "Draft Invoice": links, lists and breadcrumbs say it is
        a recurring template, and whose."""
        draft = self.make_draft(ref="Husleie")
        self.assertIn("Draft Invoice", draft.display_name)
        template = self.make_template(ref="Husleie")
        self.assertEqual(
            template.display_name,
            f"Recurring template: {self.partner_a.name} (Husleie)",
        )
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        self.assertEqual(
            template.with_context(lang="nb_NO").display_name,
            f"Gjentagende fakturamal: {self.partner_a.name} (Husleie)",
        )
        template.action_recurring_stop()
        self.assertTrue(template.display_name.startswith("Recurring template"))

    def test_end_before_start_is_refused(self):
        draft = self.make_draft()
        with freeze_time(oslo(2026, 11, 26, 10, 0)):
            with self.assertRaisesRegex(ValidationError, "end date"):
                draft._recurring_setup("month", date(2027, 1, 1), date(2026, 12, 31))
        self.assertFalse(draft.recurring_state)

    def test_refused_on_posted_invoice_credit_note_and_bill(self):
        posted = self.init_invoice("out_invoice", products=self.product_a, post=True)
        refund = self.init_invoice("out_refund", products=self.product_a)
        bill = self.init_invoice("in_invoice", products=self.product_a)
        with self.assertRaisesRegex(UserError, "draft invoice"):
            posted.action_recurring_invoice()
        for move in (refund, bill):
            with self.assertRaisesRegex(UserError, "Only customer invoices"):
                move.action_recurring_invoice()
        reset = self.init_invoice("out_invoice", products=self.product_a, post=True)
        reset.button_draft()
        with self.assertRaisesRegex(UserError, "never posted"):
            reset.action_recurring_invoice()

    def test_refused_without_customer_or_lines(self):
        no_lines = self.Move.create(
            {"move_type": "out_invoice", "partner_id": self.partner_a.id}
        )
        with self.assertRaisesRegex(UserError, "invoice line"):
            no_lines.action_recurring_invoice()
        no_partner = self.make_draft()
        no_partner.partner_id = False
        with self.assertRaisesRegex(UserError, "customer"):
            no_partner.action_recurring_invoice()

    def test_list_action_needs_one_invoice(self):
        drafts = self.make_draft() | self.make_draft()
        with self.assertRaisesRegex(UserError, "exactly one"):
            drafts.action_recurring_invoice()
        action = self.env.ref("recurring_invoice.action_server_recurring_invoice")
        self.assertEqual(action.binding_model_id.model, "account.move")
        result = action.with_context(
            active_model="account.move",
            active_ids=drafts[:1].ids,
            active_id=drafts[0].id,
        ).run()
        self.assertEqual(result["res_model"], "recurring.invoice.wizard")

    # --- a template is safe ---
    def test_template_is_never_posted(self):
        template = self.make_template()
        self.assertTrue(template.hide_post_button)
        with self.assertRaisesRegex(UserError, "recurring template"):
            template.action_post()
        self.assertEqual(template.state, "draft")

    def test_template_is_stopped_not_cancelled(self):
        """Cancelling a template would leave it making invoices: refused, with
        the way to stop it; ordinary drafts are still cancelled."""
        template = self.make_template()
        with self.assertRaisesRegex(UserError, "Stop"):
            template.button_cancel()
        self.assertEqual(template.state, "draft")
        self.assertEqual(template.recurring_state, "active")
        draft = self.make_draft()
        draft.button_cancel()
        self.assertEqual(draft.state, "cancel")

    def test_template_not_in_invoices_list_nor_report(self):
        template = self.make_template()
        invoice = self.init_invoice("out_invoice", products=self.product_a)
        for xmlid in (
            "account.action_move_out_invoice_type",
            "account.action_move_out_invoice",
        ):
            domain = safe_eval(self.env.ref(xmlid).domain)
            found = self.Move.search(domain)
            self.assertIn(invoice, found)
            self.assertNotIn(template, found)
        menu_domain = safe_eval(
            self.env.ref("recurring_invoice.action_recurring_template").domain
        )
        self.assertEqual(self.Move.search(menu_domain), template)
        self.env.flush_all()
        report = self.env["account.invoice.report"].search([])
        self.assertIn(invoice, report.move_id)
        self.assertNotIn(template, report.move_id)

    # --- states ---
    def test_pause_resume_stop_are_tracked(self):
        template = self.make_template(start=date(2027, 1, 31)).with_context(
            tracking_disable=False, mail_notrack=False
        )
        self.flush_tracking()
        with freeze_time(oslo(2027, 1, 10, 9, 0)):
            template.action_recurring_pause()
            self.assertEqual(template.recurring_state, "paused")
            self.flush_tracking()
            template.action_recurring_resume()
            self.assertEqual(template.recurring_state, "active")
            self.assertEqual(template.recurring_next_date, date(2027, 1, 31))
            self.flush_tracking()
            template.action_recurring_stop()
            self.flush_tracking()
        self.assertEqual(template.recurring_state, "ended")
        self.assertFalse(template.recurring_next_date)
        tracked = template.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "recurring_state"
        )
        self.assertEqual(
            sorted(tracked.mapped("new_value_char")),
            sorted(["Paused", "Active", "Ended"]),
        )
        self.assertTrue(all(m.author_id for m in tracked.mail_message_id))

    def test_ended_template_starts_again(self):
        template = self.make_template(start=date(2027, 1, 31))
        with freeze_time(oslo(2027, 3, 1, 9, 0)):
            template.action_recurring_stop()
            with self.assertRaisesRegex(ValidationError, "tomorrow"):
                template._recurring_setup("quarter", date(2027, 3, 1))
            template._recurring_setup("quarter", date(2027, 4, 1))
        self.assertEqual(template.recurring_state, "active")
        self.assertEqual(template.recurring_period, "quarter")
        self.assertEqual(template.recurring_next_date, date(2027, 4, 1))

    def test_running_template_cannot_be_set_up_again(self):
        template = self.make_template()
        with self.assertRaisesRegex(UserError, "already running"):
            template._recurring_setup("week", date(2099, 1, 1))

    def test_delete_template_with_invoices_refused(self):
        template = self.make_template(start=date(2027, 1, 31))
        self.run_cron(oslo(2027, 1, 31, 6, 16))
        self.assertEqual(template.recurring_invoice_count, 1)
        invoice = template.recurring_invoice_ids
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            template.unlink()
        self.assertTrue(template.exists())
        self.assertEqual(invoice.recurring_template_id, template)
        # a template that made nothing yet can go
        unused = self.make_template(start=date(2027, 6, 1))
        unused.unlink()
        self.assertFalse(unused.exists())

    # --- security ---
    def test_only_billing_users_control_templates(self):
        template = self.make_template()
        reader = new_test_user(
            self.env, "reader", groups="base.group_user,account.group_account_readonly"
        )
        for method in (
            "action_recurring_pause",
            "action_recurring_stop",
            "action_recurring_invoice",
        ):
            with self.assertRaises(AccessError):
                getattr(template.with_user(reader), method)()
        with self.assertRaises(AccessError):
            template.with_user(reader).write({"recurring_interval": 2})
        with self.assertRaises(UserError):  # the job's own field: for nobody
            template.with_user(reader).write({"recurring_state": "paused"})
        # Another module may let its users write invoices (as Sales does its
        # salespeople): they still do not change a template's schedule.
        writer = self.make_invoice_writer()
        with self.assertRaises(AccessError):
            template.with_user(writer).write({"recurring_interval": 2})
        self.assertEqual(template.recurring_interval, 1)
        self.assertEqual(template.recurring_state, "active")
        billing = new_test_user(
            self.env, "billing", groups="account.group_account_invoice"
        )
        template.with_user(billing).action_recurring_pause()
        self.assertEqual(template.recurring_state, "paused")

    def test_companies_are_kept_apart(self):
        template = self.make_template()
        other = self.setup_other_company()["company"]
        outsider = new_test_user(
            self.env,
            "outsider",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[other.id],
        )
        templates = self.Move.with_user(outsider).search(
            [("recurring_state", "!=", False)]
        )
        self.assertNotIn(template, templates)
        with self.assertRaises(AccessError):
            template.with_user(outsider).action_recurring_stop()
        self.assertEqual(template.recurring_state, "active")

    def test_template_keeps_its_company(self):
        template = self.make_template()
        company = template.company_id
        other = self.setup_other_company()["company"]
        journal = self.env["account.journal"].search(
            [("company_id", "=", other.id), ("type", "=", "sale")], limit=1
        )
        for vals in ({"company_id": other.id}, {"journal_id": journal.id}):
            with self.assertRaisesRegex(UserError, "cannot move to another company"):
                template.write(vals)
        self.assertEqual(template.company_id, company)
        self.assertEqual(template.recurring_state, "active")
