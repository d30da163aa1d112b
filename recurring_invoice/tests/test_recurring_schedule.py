# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The schedule options: every N periods, made ahead of the period, a number
of invoices, skipping one, pausing until a date, editing a running schedule."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringSchedule(RecurringInvoiceCase):
    def run_daily(self, first, last):
        day = first
        while day <= last:
            self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
            day += timedelta(days=1)

    def made(self, template):
        """(occurrence, invoice date) of the invoices made, oldest first."""
        invoices = template.recurring_invoice_ids.sorted("recurring_occurrence_date")
        return [(i.recurring_occurrence_date, i.invoice_date) for i in invoices]

    def line_names(self, template):
        invoices = template.recurring_invoice_ids.sorted("recurring_occurrence_date")
        return [i.invoice_line_ids[:1].name for i in invoices]

    # --- every N periods ---
    def test_every_two_weeks_names_both_weeks(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.partner_b.lang = "nb_NO"
        english = self.make_template(
            "week", date(2027, 1, 18), options={"interval": 2}, name="Cleaning {period}"
        )
        norwegian = self.make_template(
            "week",
            date(2027, 1, 18),
            options={"interval": 2},
            partner=self.partner_b,
            name="Vask {period}",
        )
        self.run_daily(date(2027, 1, 17), date(2027, 2, 20))
        days = [
            (d, d) for d in (date(2027, 1, 18), date(2027, 2, 1), date(2027, 2, 15))
        ]
        self.assertEqual(self.made(english), days)
        self.assertEqual(
            self.line_names(english),
            [
                "Cleaning week 3–4 2027",
                "Cleaning week 5–6 2027",
                "Cleaning week 7–8 2027",
            ],
        )
        self.assertEqual(self.line_names(norwegian)[0], "Vask uke 3–4 2027")
        self.assertEqual(norwegian.recurring_next_date, date(2027, 3, 1))

    def test_every_six_months_from_the_31st(self):
        template = self.make_template(
            "month", date(2027, 8, 31), options={"interval": 6}, name="Fee {period}"
        )
        # Down from the start to March 2028: both are made, each with its date.
        self.run_cron(oslo(2028, 3, 1, 7, 0))
        occurrences = [date(2027, 8, 31), date(2028, 2, 29)]
        self.assertEqual(self.made(template), [(d, d) for d in occurrences])
        self.assertEqual(
            self.line_names(template),
            ["Fee August 2027 – January 2028", "Fee February – July 2028"],
        )
        self.assertEqual(template.recurring_next_date, date(2028, 8, 31))

    # --- made ahead of the period ---
    def test_rent_sent_fourteen_days_ahead(self):
        template = self.make_template(
            "month",
            date(2027, 2, 1),
            options={"days_ahead": 14},
            name="Rent {period}",
            invoice_payment_term_id=self.pay_terms_a.id,
        )
        self.assertEqual(template.recurring_next_send_date, date(2027, 1, 18))
        self.run_cron(oslo(2027, 1, 18, 6, 14))
        self.assertFalse(template.recurring_invoice_ids)
        self.run_cron(oslo(2027, 1, 18, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(
            (invoice.invoice_date, invoice.date, invoice.recurring_occurrence_date),
            (date(2027, 1, 18), date(2027, 1, 18), date(2027, 2, 1)),
        )
        self.assertEqual(invoice.invoice_line_ids.name, "Rent February 2027")
        # Due by the payment terms (immediate for pay_terms_a), from its date.
        self.assertEqual(invoice.invoice_date_due, date(2027, 1, 18))
        self.assertEqual(template.recurring_next_date, date(2027, 3, 1))
        self.assertEqual(template.recurring_next_send_date, date(2027, 2, 15))
        # Across the change to summer time (28 March): still 06:15 local.
        self.run_cron(oslo(2027, 3, 18, 6, 14))
        self.assertEqual(len(template.recurring_invoice_ids), 2)
        self.run_cron(oslo(2027, 3, 18, 6, 15))
        self.assertEqual(self.made(template)[-1], (date(2027, 4, 1), date(2027, 3, 18)))

    def test_due_on_the_first_day_of_the_period(self):
        template = self.make_template(
            "month",
            date(2027, 2, 1),
            options={"days_ahead": 14, "due_on_period_start": True},
            invoice_payment_term_id=self.pay_terms_b.id,
        )
        self.run_cron(oslo(2027, 1, 18, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.invoice_date, date(2027, 1, 18))
        self.assertEqual(invoice.invoice_date_due, date(2027, 2, 1))
        self.assertEqual(invoice.state, "posted")

    def test_first_send_day_must_be_tomorrow_or_later(self):
        draft = self.make_draft()
        with freeze_time(oslo(2027, 1, 10, 12, 0)):
            with self.assertRaisesRegex(ValidationError, "14 days before"):
                draft._recurring_setup("month", date(2027, 1, 24), days_ahead=14)
            draft._recurring_setup("month", date(2027, 1, 25), days_ahead=14)
        self.assertEqual(draft.recurring_next_send_date, date(2027, 1, 11))

    # --- a number of invoices ---
    def test_ends_after_a_number_of_invoices(self):
        template = self.make_template(
            "month", date(2027, 1, 31), options={"max_invoices": 3}
        )
        self.run_daily(date(2027, 1, 30), date(2027, 2, 27))
        with freeze_time(oslo(2027, 2, 27, 12, 0)):
            template.action_recurring_skip_next()  # 28 February: not counted
        self.run_cron(oslo(2027, 7, 1, 7, 0))
        self.assertEqual(
            [d for d, _day in self.made(template)],
            [date(2027, 1, 31), date(2027, 3, 31), date(2027, 4, 30)],
        )
        self.assertEqual(template.recurring_state, "ended")
        self.assertFalse(template.recurring_next_date)

    def test_end_date_and_number_exclude_each_other(self):
        template = self.make_template("month", date(2027, 1, 31))
        with self.assertRaises(ValidationError):
            template.write(
                {"recurring_max_invoices": 3, "recurring_end_date": date(2027, 6, 1)}
            )

    # --- skip ---
    def test_skip_then_ten_days_of_downtime(self):
        template = self.make_template("week", date(2027, 1, 4)).with_context(
            tracking_disable=False
        )
        self.run_cron(oslo(2027, 1, 4, 6, 15))
        with freeze_time(oslo(2027, 1, 5, 9, 0)):
            template.action_recurring_skip_next()
            panel = template.recurring_panel
        self.assertEqual(template.recurring_skipped_dates, ["2027-01-11"])
        self.assertIn("Skipped", panel)
        note = template.message_ids[0]
        self.assertIn("is skipped", note.body)
        self.assertIn("01/11/2027", note.body)
        # Down from 5 to 15 January: 11 January is not made, the rest is.
        self.run_cron(oslo(2027, 1, 19, 7, 0))
        self.assertEqual(
            [d for d, _day in self.made(template)],
            [date(2027, 1, 4), date(2027, 1, 18)],
        )
        self.assertEqual(template.recurring_next_date, date(2027, 1, 25))
        self.assertFalse(template.recurring_skipped_dates)

    def test_skipped_invoice_restored_until_its_send_day(self):
        template = self.make_template("week", date(2027, 1, 4))
        with freeze_time(oslo(2027, 1, 2, 9, 0)):
            template.action_recurring_skip_next()
            template.action_recurring_skip_next()
            self.assertEqual(
                template.recurring_skipped_dates, ["2027-01-04", "2027-01-11"]
            )
            template.action_recurring_restore_skipped()
        self.assertEqual(template.recurring_skipped_dates, ["2027-01-11"])
        self.assertIn("no longer skipped", template.message_ids[0].body)
        with freeze_time(oslo(2027, 1, 11, 6, 15)):
            with self.assertRaisesRegex(UserError, "send days have passed"):
                template.action_recurring_restore_skipped()
        self.run_cron(oslo(2027, 1, 19, 7, 0))
        self.assertEqual(
            [d for d, _day in self.made(template)],
            [date(2027, 1, 4), date(2027, 1, 18)],
        )

    # --- pause until a date ---
    def test_pause_until_a_date_crossing_an_occurrence(self):
        template = self.make_template("month", date(2027, 1, 31))
        self.run_daily(date(2027, 1, 30), date(2027, 2, 1))
        with freeze_time(oslo(2027, 2, 10, 9, 0)):
            template.action_recurring_pause()
            with self.assertRaisesRegex(ValidationError, "tomorrow or later"):
                template.recurring_paused_until = date(2027, 2, 10)
            template.recurring_paused_until = date(2027, 4, 30)
            self.assertIn("04/30/2027", template.recurring_panel)
        # 28 February and 31 March fall in the pause; it ends by itself on
        # 30 April, whose invoice is made at 06:15 that day.
        self.run_daily(date(2027, 2, 11), date(2027, 4, 29))
        self.assertEqual(template.recurring_state, "paused")
        self.assertEqual(len(template.recurring_invoice_ids), 1)
        self.run_cron(oslo(2027, 4, 30, 6, 15))
        self.assertEqual(template.recurring_state, "active")
        self.assertFalse(template.recurring_paused_until)
        self.assertEqual(
            [d for d, _day in self.made(template)],
            [date(2027, 1, 31), date(2027, 4, 30)],
        )
        self.assertEqual(template.recurring_next_date, date(2027, 5, 31))

    def test_pause_until_ends_even_after_downtime(self):
        template = self.make_template("week", date(2027, 1, 4))
        with freeze_time(oslo(2027, 1, 2, 9, 0)):
            template.action_recurring_pause()
            template.recurring_paused_until = date(2027, 1, 13)
        # Nothing runs until 20 January: 4 and 11 January fell in the pause,
        # 18 January (after its end) is made late.
        self.run_cron(oslo(2027, 1, 20, 8, 0))
        self.assertEqual([d for d, _day in self.made(template)], [date(2027, 1, 18)])
        self.assertEqual(template.recurring_next_date, date(2027, 1, 25))

    # --- editing a running schedule ---
    def test_edit_between_two_invoices(self):
        template = self.make_template("month", date(2027, 1, 31)).with_context(
            tracking_disable=False, mail_notrack=False
        )
        self.run_daily(date(2027, 1, 30), date(2027, 3, 1))
        self.assertEqual(template.recurring_next_date, date(2027, 3, 31))
        self.flush_tracking()
        with freeze_time(oslo(2027, 3, 2, 9, 0)):
            with Form(template) as form:
                form.recurring_interval = 2
                # The panel shows the new dates before saving.
                self.assertIn("05/31/2027", form.recurring_panel)
                self.assertNotIn("04/30/2027", form.recurring_panel)
        self.flush_tracking()
        tracked = template.message_ids.tracking_value_ids.filtered(
            lambda v: v.field_id.name == "recurring_interval"
        )
        self.assertEqual((tracked.old_value_integer, tracked.new_value_integer), (1, 2))
        # 31 March stays the next one; every two months from the start after it.
        self.assertEqual(template.recurring_anchor_date, date(2027, 1, 31))
        # Now weekly, sent two days ahead: from the next invoice on.
        with freeze_time(oslo(2027, 3, 2, 9, 0)):
            template.write(
                {
                    "recurring_period": "week",
                    "recurring_interval": 1,
                    "recurring_days_ahead": 2,
                }
            )
        self.assertEqual(template.recurring_anchor_date, date(2027, 3, 31))
        self.assertEqual(template.recurring_next_send_date, date(2027, 3, 29))
        self.run_daily(date(2027, 3, 2), date(2027, 4, 6))
        self.assertEqual(
            self.made(template),
            [
                (date(2027, 1, 31), date(2027, 1, 31)),
                (date(2027, 2, 28), date(2027, 2, 28)),
                (date(2027, 3, 31), date(2027, 3, 29)),
                (date(2027, 4, 7), date(2027, 4, 5)),
            ],
        )

    def test_edit_refuses_an_end_before_the_next_invoice(self):
        template = self.make_template("month", date(2027, 1, 31))
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        with self.assertRaisesRegex(ValidationError, "use Stop"):
            template.recurring_end_date = date(2027, 2, 27)
        with self.assertRaisesRegex(ValidationError, "1 to 12"):
            template.recurring_interval = 13
        template.recurring_end_date = date(2027, 2, 28)
        self.run_cron(oslo(2027, 3, 31, 7, 0))
        self.assertEqual(len(template.recurring_invoice_ids), 2)
        self.assertEqual(template.recurring_state, "ended")

    # --- the dialog ---
    def test_dialog_with_every_option(self):
        draft = self.make_draft(name="Rent {period}")
        with freeze_time(oslo(2027, 1, 10, 10, 0)):
            action = draft.action_recurring_invoice()
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            form.period = "month"
            form.interval = 3
            form.days_ahead = 14
            # The start moves so that the first invoice is sent tomorrow.
            self.assertEqual(form.start_date, date(2027, 1, 25))
            form.start_date = date(2027, 2, 1)
            form.end_type = "count"
            form.max_invoices = 2
            # The preview: send day and the period each invoice is for.
            self.assertIn("01/18/2027", form.preview)
            self.assertIn("February – April 2027", form.preview.replace("\u2009", " "))
            self.assertIn("04/17/2027", form.preview)
            self.assertNotIn("07/18/2027", form.preview)
            form.save().action_confirm()
        self.assertEqual(
            (
                draft.recurring_interval,
                draft.recurring_days_ahead,
                draft.recurring_max_invoices,
                draft.recurring_end_date,
            ),
            (3, 14, 2, False),
        )
