# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The add-on's data is the job's: every rule holds in the model, for every
path a client can take (write, create, copy, import, Odoo's own actions),
not only in the form. Each test names the guard it checks."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import RecurringInvoiceCase, oslo

JOB_LOGGER = "odoo.addons.recurring_invoice.models.recurring_invoice_job"


@tagged("post_install", "-at_install")
class TestRecurringIntegrity(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.billing = cls.accountant

    def made(self, template, day=date(2027, 1, 31)):
        """Run the job on ``day`` (06:15 Oslo); the invoice made that day."""
        self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
        return template.recurring_invoice_ids.filtered(
            lambda invoice: invoice.recurring_occurrence_date == day
        )

    def snapshot(self, record, names):
        return {name: record[name] for name in names}

    # --- the job's own fields: recurring_job_fields_mixin.py -------------------
    def test_job_fields_of_a_template_are_not_written_by_hand(self):
        """Moving the next date back, a retry-after in 2099, skipped dates...:
        refused for every user, nothing changed."""
        template = self.make_template().with_user(self.billing)
        writes = {
            "recurring_state": "ended",
            "recurring_next_date": date(2026, 1, 31),
            "recurring_anchor_date": date(2026, 1, 31),
            "recurring_start_date": date(2026, 1, 31),
            "recurring_next_send_date": date(2026, 1, 31),
            "recurring_make_retry_after": "2099-01-01 00:00:00",
            "recurring_make_error": "silenced",
            "recurring_make_to_report": True,
            "recurring_skipped_dates": ["2027-01-31"],
            "recurring_paused_at": "2027-01-01 00:00:00",
            "recurring_user_id": self.billing.id,
            "recurring_index_last_date": date(2027, 1, 1),
            "recurring_mrr": 1.0,
        }
        before = self.snapshot(template, writes)
        for name, value in writes.items():
            with (
                self.subTest(field=name),
                self.assertRaisesRegex(UserError, "not by hand"),
            ):
                template.write({name: value})
        self.assertEqual(self.snapshot(template, writes), before)
        # the superuser is no exception
        with self.assertRaises(UserError):
            template.sudo().write({"recurring_next_date": date(2026, 1, 31)})
        # a client saving the values the record has changes nothing: passes
        template.write(
            {"recurring_state": "active", "recurring_next_date": date(2027, 1, 31)}
        )

    def test_job_fields_of_a_made_invoice_are_not_written_by_hand(self):
        """Its sending (sent again, or never) and its link to the template."""
        template = self.make_template(partner=self.customer)
        invoice = self.made(template).with_user(self.billing)
        writes = {
            "recurring_send_state": "to_send",
            "recurring_send_attempts": 0,
            "recurring_send_retry_after": "2099-01-01 00:00:00",
            "recurring_send_error": "x",
            "recurring_send_to_report": True,
            "recurring_template_id": False,
            "recurring_occurrence_date": date(2027, 2, 28),
        }
        before = self.snapshot(invoice.sudo(), writes)
        for name, value in writes.items():
            with self.subTest(field=name), self.assertRaises(UserError):
                invoice.write({name: value})
        self.assertEqual(self.snapshot(invoice.sudo(), writes), before)

    def test_no_draft_is_linked_to_a_template_by_hand(self):
        """Linked, a draft would hold the template's next occurrence (the
        unique key) and stop its invoice every morning."""
        template = self.make_template()
        draft = self.make_draft().with_user(self.billing)
        with self.assertRaises(UserError):
            draft.write(
                {
                    "recurring_template_id": template.id,
                    "recurring_occurrence_date": date(2027, 1, 31),
                }
            )
        with self.assertRaises(UserError):
            template.with_user(self.billing).write(
                {"recurring_invoice_ids": [Command.link(draft.id)]}
            )
        self.assertFalse(draft.recurring_template_id)
        self.assertEqual(self.made(template).amount_untaxed, 1000.0)

    def test_template_link_checks_the_company(self):
        """Not even the job links an invoice of another company."""
        template = self.make_template()
        other = self.setup_other_company()["company"]
        stranger = self.make_draft(company_id=other.id, taxes=self.env["account.tax"])
        with self.assertRaises(UserError):
            stranger._recurring_as_job().write({"recurring_template_id": template.id})

    def test_no_template_is_created_copied_or_imported_running(self):
        """A template is set up by the dialog only: never created, copied or
        imported running, with a start in the past that would make and send
        every "missed" invoice at the next run."""
        values = {
            "recurring_state": "active",
            "recurring_period": "month",
            "recurring_start_date": "2020-01-01",
            "recurring_next_date": "2020-01-01",
        }
        Move = self.Move.with_user(self.billing)
        with self.assertRaises(UserError):
            Move.create(
                {"move_type": "out_invoice", "partner_id": self.partner_a.id, **values}
            )
        template = self.make_template()
        with self.assertRaises(UserError):
            template.with_user(self.billing).copy(default=values)
        copy = template.with_user(self.billing).copy()
        self.assertFalse(copy.recurring_state)
        result = Move.load(
            ["move_type", "partner_id/.id", "recurring_state", "recurring_next_date"],
            [["out_invoice", str(self.partner_a.id), "active", "2020-01-01"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("not by hand", result["messages"][0]["message"])
        self.assertFalse(
            self.Move.search_count([("recurring_next_date", "=", date(2020, 1, 1))])
        )

    def test_posted_invoice_or_bill_is_not_turned_into_a_template(self):
        invoice = self.make_draft()
        invoice.action_post()
        bill = self.make_draft(
            move_type="in_invoice",
            invoice_date=date(2026, 12, 1),
            taxes=self.env["account.tax"],
        )
        for move in (invoice, bill):
            with self.assertRaises(UserError):
                move.with_user(self.billing).write(
                    {
                        "recurring_state": "active",
                        "recurring_period": "month",
                        "recurring_start_date": date(2026, 1, 1),
                        "recurring_next_date": date(2026, 1, 1),
                    }
                )
            self.assertFalse(move.recurring_state)

    def test_schedule_fields_belong_to_running_templates(self):
        """A period, an interval... mean nothing on another move, nor on an
        ended template (it gets its schedule when started again)."""
        draft = self.make_draft().with_user(self.billing)
        with self.assertRaisesRegex(UserError, "running recurring template"):
            draft.write({"recurring_period": "month", "recurring_interval": 2})
        ended = self.make_template()
        ended.action_recurring_stop()
        with self.assertRaisesRegex(UserError, "running recurring template"):
            ended.with_user(self.billing).write({"recurring_period": "week"})
        self.assertEqual(ended.recurring_period, "month")
        # what the form sends for an untouched field is no change
        draft.write({"recurring_period": False, "recurring_interval": 0})

    def test_template_with_history_keeps_its_state_and_stays(self):
        template = self.make_template()
        self.made(template)
        template.action_recurring_stop()
        with self.assertRaises(UserError):
            template.with_user(self.billing).write({"recurring_state": False})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            template.with_user(self.billing).unlink()
        self.assertEqual(template.recurring_state, "ended")

    def test_history_counts_invoices_the_user_does_not_see(self):
        """A user who does not see the invoices made (a record rule) still
        cannot delete their template."""
        template = self.make_template()
        self.made(template)
        template.action_recurring_stop()
        self.env["ir.rule"].create(
            {
                "name": "No made invoices",
                "model_id": self.env.ref("account.model_account_move").id,
                "domain_force": "[('recurring_template_id', '=', False)]",
            }
        )
        self.env.invalidate_all()
        self.assertFalse(template.with_user(self.billing).recurring_invoice_ids)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            template.with_user(self.billing).unlink()
        self.assertTrue(template.exists())

    # --- a template stays a customer invoice in draft -----------------------------
    def test_switch_into_credit_note_refused(self):
        """Odoo's own "Switch into credit note": the job would post and e-mail
        a credit note every period."""
        template = self.make_template().with_user(self.billing)
        with self.assertRaisesRegex(UserError, "stays a customer invoice"):
            template.action_switch_move_type()
        self.assertEqual(template.move_type, "out_invoice")
        self.assertEqual(template.recurring_state, "active")
        with self.assertRaises(UserError):
            template.write({"move_type": "out_refund"})

    def test_template_is_never_posted_or_cancelled_by_a_write(self):
        template = self.make_template().with_user(self.billing)
        for state in ("posted", "cancel"):
            with (
                self.subTest(state=state),
                self.assertRaisesRegex(UserError, "stays a draft"),
            ):
                template.write({"state": state})
        self.assertEqual(template.state, "draft")

    def test_no_auto_post_on_templates_and_their_invoices(self):
        """Odoo's own recurrence would copy them: billed twice."""
        template = self.make_template(partner=self.customer)
        with self.assertRaisesRegex(UserError, "its own schedule"):
            template.with_user(self.billing).write({"auto_post": "monthly"})
        invoice = self.made(template)
        invoice.button_draft()
        with self.assertRaisesRegex(UserError, "does not repeat itself"):
            invoice.with_user(self.billing).write({"auto_post": "monthly"})
        invoice.with_user(self.billing).write({"auto_post": "at_date"})

    def test_made_invoice_stays_an_invoice(self):
        """Reset to draft, it is still the invoice of its period (Odoo's
        switch refuses a document once posted; a write is refused too)."""
        template = self.make_template()
        invoice = self.made(template)
        invoice.button_draft()
        with self.assertRaisesRegex(UserError, "add a credit note"):
            invoice.with_user(self.billing).write({"move_type": "out_refund"})
        self.assertEqual(invoice.move_type, "out_invoice")

    def test_reset_and_post_again_makes_no_second_invoice(self):
        """Reset to draft, the invoice waits to be sent; posted again, it is
        sent once; no run makes another for its occurrence."""
        self.env["ir.config_parameter"].set_param("recurring_invoice.hold_sending", "1")
        template = self.make_template(partner=self.customer)
        invoice = self.made(template)
        invoice.button_draft()
        self.env["ir.config_parameter"].set_param(
            "recurring_invoice.hold_sending", False
        )
        self.run_cron(oslo(2027, 1, 31, 6, 30))
        # A draft waits: not sent, and no failed attempt either.
        self.assertEqual(invoice.recurring_send_state, "to_send")
        self.assertFalse(invoice.is_move_sent)
        self.assertEqual(invoice.recurring_send_attempts, 0)
        self.assertFalse(invoice.recurring_send_error)
        with freeze_time(oslo(2027, 1, 31, 12, 0)):
            invoice.action_post()
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.run_cron(oslo(2027, 2, 2, 6, 15))
        self.assertEqual(invoice.recurring_send_state, "sent")
        self.assertEqual(
            self.Move.search_count(
                [
                    ("recurring_template_id", "=", template.id),
                    ("recurring_occurrence_date", "=", date(2027, 1, 31)),
                ]
            ),
            1,
        )
        mails = self.env["mail.mail"].search(
            [("recurring_invoice_id", "=", invoice.id)]
        )
        self.assertEqual(
            len(mails.filtered(lambda m: self.customer in m.recipient_ids)), 1
        )

    # --- starting again: the same checks as the first time -----------------------
    def test_start_again_after_n_invoices_counts_from_the_restart(self):
        template = self.make_template(
            start=date(2027, 1, 31), options={"max_invoices": 2}
        )
        self.made(template)
        self.made(template, date(2027, 2, 28))
        self.assertEqual(template.recurring_state, "ended")
        with freeze_time(oslo(2027, 3, 10, 12, 0)):
            template._recurring_setup("month", date(2027, 4, 1), max_invoices=2)
        self.assertEqual(len(template._recurring_upcoming(5)), 2)
        self.made(template, date(2027, 4, 1))
        self.made(template, date(2027, 5, 1))
        self.made(template, date(2027, 6, 1))
        self.assertEqual(template.recurring_invoice_count, 4)
        self.assertEqual(template.recurring_state, "ended")

    def test_start_again_checks_as_the_first_time(self):
        customer = self.partner_a.copy({"name": "Gone AS"})
        template = self.make_template(partner=customer)
        self.made(template)
        template.action_recurring_stop()
        customer.active = False
        with freeze_time(oslo(2027, 3, 10, 12, 0)):
            with self.assertRaisesRegex(UserError, "archived"):
                template.action_recurring_invoice()
            with self.assertRaisesRegex(UserError, "archived"):
                template._recurring_setup("month", date(2027, 4, 1))
        self.assertEqual(template.recurring_state, "ended")

    def test_start_again_never_makes_a_period_twice(self):
        template = self.make_template(
            start=date(2027, 1, 31), options={"days_ahead": 20}
        )
        self.made(template, date(2027, 1, 11))
        template.action_recurring_stop()
        with freeze_time(oslo(2027, 1, 12, 12, 0)):
            with self.assertRaisesRegex(ValidationError, "already made"):
                template._recurring_setup("month", date(2027, 1, 31))
            template._recurring_setup("month", date(2027, 2, 28))
        self.assertEqual(template.recurring_state, "active")

    # --- relations ------------------------------------------------------------
    def test_invoice_email_is_an_invoice_template(self):
        template = self.make_template()
        other_model = self.env["mail.template"].create(
            {"name": "Users", "model_id": self.env.ref("base.model_res_users").id}
        )
        with self.assertRaisesRegex(ValidationError, "e-mail template of invoices"):
            template.with_user(self.billing).recurring_mail_template_id = other_model
        invoices = self.env["mail.template"].search(
            [("model", "=", "account.move")], limit=1
        )
        template.with_user(self.billing).recurring_mail_template_id = invoices

    # --- price adjustments --------------------------------------------------------
    def adjustment_values(self, template, **values):
        return {
            "template_id": template.id,
            "effective_date": date(2027, 2, 28),
            "method": "percent",
            "percent": 3.1,
            **values,
        }

    def test_adjustment_is_created_scheduled_and_applied_by_the_job(self):
        template = self.make_template()
        Adjustment = self.env["recurring.price.adjustment"].with_user(self.billing)
        for values in (
            {"state": "applied"},
            {"applied_date": date(2027, 2, 28)},
            {"to_report": True},
            {"kind": "yearly"},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                Adjustment.create(self.adjustment_values(template, **values))
        adjustment = Adjustment.create(
            self.adjustment_values(template, state="pending")
        )
        with self.assertRaises(UserError):
            adjustment.write({"state": "applied"})
        self.made(template)
        self.made(template, date(2027, 2, 28))
        self.assertEqual(adjustment.state, "applied")
        invoices = template.recurring_invoice_ids.sorted("recurring_occurrence_date")
        self.assertEqual(invoices.mapped("amount_untaxed"), [1000.0, 1031.0])

    def test_adjustment_prices_and_percentages_are_sane(self):
        template = self.make_template()
        line = template.invoice_line_ids
        Adjustment = self.env["recurring.price.adjustment"].with_user(self.billing)
        for percent in (-100.0, -250.0, 100.01, 1e6):
            with self.subTest(percent=percent), self.assertRaises(ValidationError):
                Adjustment.create(self.adjustment_values(template, percent=percent))
        with self.assertRaisesRegex(ValidationError, "negative"):
            Adjustment.create(
                self.adjustment_values(
                    template,
                    method="price",
                    line_ids=[
                        Command.create({"move_line_id": line.id, "new_price": -5.0})
                    ],
                )
            )
        with self.assertRaisesRegex(ValidationError, "percentage above -100"):
            template.with_user(self.billing).write(
                {
                    "recurring_index_percent": 500.0,
                    "recurring_index_date": date(2028, 1, 1),
                }
            )

    def test_adjustment_changes_its_own_template_only(self):
        template = self.make_template()
        other = self.make_template(start=date(2027, 2, 1))
        with self.assertRaisesRegex(ValidationError, "its own recurring template"):
            self.env["recurring.price.adjustment"].with_user(self.billing).create(
                self.adjustment_values(
                    template,
                    method="price",
                    line_ids=[
                        Command.create(
                            {
                                "move_line_id": other.invoice_line_ids.id,
                                "new_price": 1.0,
                            }
                        )
                    ],
                )
            )

    def test_adjustment_of_an_ended_template_refused(self):
        template = self.make_template()
        template.action_recurring_stop()
        with self.assertRaisesRegex(ValidationError, "active or paused"):
            self.env["recurring.price.adjustment"].with_user(self.billing).create(
                self.adjustment_values(template)
            )

    def test_applied_adjustment_is_immutable(self):
        template = self.make_template()
        adjustment = self.env["recurring.price.adjustment"].create(
            self.adjustment_values(template, effective_date=date(2027, 1, 31))
        )
        self.made(template)
        self.assertEqual(adjustment.state, "applied")
        line = adjustment.line_ids.with_user(self.billing)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.write({"new_price": 1.0})
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.unlink()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.create({"adjustment_id": adjustment.id, "name": "x", "new_price": 1.0})
        self.assertEqual(adjustment.line_ids.new_price, 1031.0)

    # --- access -------------------------------------------------------------------
    def test_portal_reads_no_bookkeeping_of_its_invoices(self):
        portal = new_test_user(
            self.env, "hytte", groups="base.group_portal", partner_id=self.customer.id
        )
        template = self.make_template(partner=self.customer)
        invoice = self.made(template)
        invoice.message_subscribe(self.customer.ids)
        self.env.flush_all()
        mine = invoice.with_user(portal)
        mine.read(["name", "amount_total"])
        for name in (
            "recurring_send_state",
            "recurring_send_error",
            "recurring_send_attempts",
            "recurring_send_retry_after",
        ):
            with self.subTest(field=name), self.assertRaises(AccessError):
                mine.read([name])

    def test_portal_opens_no_template_from_its_invoice(self):
        portal = new_test_user(
            self.env, "hytte", groups="base.group_portal", partner_id=self.customer.id
        )
        template = self.make_template(partner=self.customer)
        invoice = self.made(template)
        invoice.message_subscribe(self.customer.ids)
        self.env.flush_all()
        for action in (
            "action_open_recurring_template",
            "action_view_recurring_invoices",
        ):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(invoice.with_user(portal), action)()
        self.assertEqual(
            invoice.with_user(self.billing).action_open_recurring_template()["res_id"],
            template.id,
        )

    def test_forecast_is_for_billing_and_accounting_users(self):
        portal = new_test_user(
            self.env, "hytte", groups="base.group_portal", partner_id=self.customer.id
        )
        Forecast = self.env["recurring.invoice.forecast"]
        with self.assertRaises(AccessError):
            Forecast.with_user(portal).action_open_forecast()
        reader = new_test_user(
            self.env, "reader", groups="base.group_user,account.group_account_readonly"
        )
        self.assertEqual(
            Forecast.with_user(reader).action_open_forecast()["res_model"],
            "recurring.invoice.forecast",
        )

    def test_job_context_keys_from_a_client_do_nothing(self):
        """A client sending the job's own context keys: its e-mail is not the
        job's (not retried, not linked to an invoice), its write not a job's."""
        template = self.make_template(partner=self.customer)
        invoice = self.made(template)
        note = invoice.with_user(self.billing).with_context(
            recurring_invoice_send=invoice.id,
            recurring_job_mail=True,
            mail_notify_force_send=False,
        )
        note.message_post(
            body="Client note 4711",
            partner_ids=self.customer.ids,
            message_type="comment",
        )
        mails = self.env["mail.mail"].search(
            [("body_html", "ilike", "Client note 4711")]
        )
        self.assertTrue(mails)
        self.assertFalse(mails.filtered("recurring_job_mail"))
        self.assertFalse(mails.recurring_invoice_id)
        with self.assertRaises(UserError):
            template.with_user(self.billing).with_context(recurring_job=True).write(
                {"recurring_next_date": date(2026, 1, 31)}
            )

    # --- settings -----------------------------------------------------------------
    def test_batch_size_that_is_no_positive_number_falls_back(self):
        params = self.env["ir.config_parameter"]
        for n, wrong in enumerate(("0", "-3", "many")):
            with self.subTest(batch_size=wrong):
                params.set_param("recurring_invoice.batch_size", wrong)
                params.set_param("recurring_invoice.send_batch_size", wrong)
                day = date(2027, 3 + n, 1)
                template = self.make_template(start=day, partner=self.customer)
                with self.assertLogs(JOB_LOGGER, "WARNING") as logged:
                    self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
                self.assertEqual(
                    template.recurring_invoice_ids.recurring_send_state, "sent"
                )
                self.assertEqual(len(logged.output), 2)  # once per parameter
        self.assertEqual(self.Job._batch_size(), 100)
        self.assertEqual(self.Job._send_batch_size(), 20)
