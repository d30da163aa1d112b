# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringCron(RecurringInvoiceCase):
    def run_daily(self, first, last, hour=6, minute=15):
        day = first
        while day <= last:
            self.run_cron(oslo(day.year, day.month, day.day, hour, minute))
            day += timedelta(days=1)

    def test_first_invoice_at_0615_on_start_date(self):
        template = self.make_template(start=date(2027, 1, 31))
        self.run_cron(oslo(2027, 1, 31, 6, 14))
        self.assertFalse(template.recurring_invoice_ids)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_date, date(2027, 1, 31))
        self.assertEqual(invoice.date, date(2027, 1, 31))
        self.assertEqual(invoice.recurring_occurrence_date, date(2027, 1, 31))
        self.assertEqual(invoice.invoice_user_id, template.invoice_user_id)
        self.assertEqual(invoice.amount_total, template.amount_total)
        self.assertEqual(invoice.partner_id, template.partner_id)
        self.assertNotEqual(invoice.name, "/")
        self.assertEqual(template.recurring_next_date, date(2027, 2, 28))
        self.assertEqual(template.state, "draft")
        # its chatter says where it comes from (one note instead of Odoo's
        # "Invoice Created"), and the customer follows it as after any posting
        created = invoice.message_ids.filtered(
            lambda m: "Invoice created from" in (m.body or "")
        )
        self.assertEqual(len(created), 1)
        self.assertIn("Recurring template: ", created.body)
        self.assertIn(f'data-oe-id="{template.id}"', created.body)
        self.assertEqual(created.subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse(
            invoice.message_ids.filtered(
                lambda m: m.subtype_id == self.env.ref("account.mt_invoice_created")
            )
        )
        self.assertIn(template.partner_id, invoice.message_partner_ids)
        # running again the same day makes nothing more
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        self.assertEqual(len(template.recurring_invoice_ids), 1)

    def test_customer_follows_as_after_posting_by_hand(self):
        """The job subscribes the customer when it creates the invoices; the
        subtypes are those Odoo's _post gives an outside contact, or an
        employee invoiced as a customer."""
        employee = self.env.user.partner_id
        self.assertFalse(employee.partner_share)
        # a default subtype for employees only: the two kinds of follower differ
        internal = self.env["mail.message.subtype"].create(
            {
                "name": "Staff only",
                "res_model": "account.move",
                "default": True,
                "internal": True,
            }
        )
        for partner in (self.partner_a, employee):
            template = self.make_template(partner=partner)
            self.run_cron(oslo(2027, 1, 31, 6, 15))
            by_hand = self.make_draft(partner=partner)
            by_hand.action_post()
            followers = [
                move.message_follower_ids.filtered(
                    lambda f, p=partner: f.partner_id == p
                )
                for move in (template.recurring_invoice_ids, by_hand)
            ]
            self.assertEqual(len(followers[0]), 1, partner.name)
            self.assertTrue(followers[0].subtype_ids, partner.name)
            self.assertEqual(
                followers[0].subtype_ids, followers[1].subtype_ids, partner.name
            )
            self.assertEqual(
                internal in followers[0].subtype_ids, partner == employee, partner.name
            )

    def test_one_year_of_daily_runs_for_each_period(self):
        expected = {
            "week": 53,  # 7 Jan 2027 .. 6 Jan 2028, every Thursday
            "month": 12,
            "quarter": 4,
            "year": 1,
        }
        templates = {
            period: self.make_template(period=period, start=date(2027, 1, 7))
            for period in expected
        }
        self.run_daily(date(2027, 1, 6), date(2028, 1, 6))
        for period, template in templates.items():
            invoices = template.recurring_invoice_ids.sorted("invoice_date")
            self.assertEqual(len(invoices), expected[period], period)
            schedule = template._recurring_recurrence()
            self.assertEqual(
                invoices.mapped("invoice_date"),
                [schedule.nth(n) for n in range(expected[period])],
                period,
            )
            self.assertTrue(all(inv.state == "posted" for inv in invoices))

    def test_started_on_the_31st(self):
        template = self.make_template(period="month", start=date(2027, 1, 31))
        self.run_daily(date(2027, 1, 30), date(2027, 6, 1))
        self.assertEqual(
            template.recurring_invoice_ids.sorted("invoice_date").mapped(
                "invoice_date"
            ),
            [
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30),
                date(2027, 5, 31),
            ],
        )

    def test_summer_time_changes(self):
        # 28 March and 31 October 2027 are the change days in Oslo.
        for day in (date(2027, 3, 28), date(2027, 10, 31)):
            template = self.make_template(period="year", start=day)
            self.run_cron(oslo(day.year, day.month, day.day, 6, 14))
            self.assertFalse(template.recurring_invoice_ids, day)
            self.run_cron(oslo(day.year, day.month, day.day, 6, 16))
            self.assertEqual(template.recurring_invoice_ids.invoice_date, day, day)

    def test_leap_day_and_new_years_eve(self):
        leap = self.make_template(period="year", start=date(2028, 2, 29))
        eve = self.make_template(period="month", start=date(2027, 12, 31))
        for day in (date(2027, 12, 31), date(2028, 2, 29)):
            self.run_cron(oslo(day.year, day.month, day.day, 6, 14))
            self.run_cron(oslo(day.year, day.month, day.day, 6, 16))
        self.assertEqual(leap.recurring_invoice_ids.invoice_date, date(2028, 2, 29))
        self.assertEqual(leap.recurring_next_date, date(2029, 2, 28))
        self.assertEqual(
            sorted(eve.recurring_invoice_ids.mapped("invoice_date")),
            [date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 29)],
        )
        self.assertEqual(eve.recurring_next_date, date(2028, 3, 31))

    def test_forty_days_of_downtime(self):
        template = self.make_template(period="week", start=date(2027, 1, 4))
        self.run_cron(oslo(2027, 2, 13, 6, 15))  # 40 days later
        invoices = template.recurring_invoice_ids.sorted("id")
        expected = [date(2027, 1, 4) + timedelta(weeks=n) for n in range(6)]
        self.assertEqual(invoices.mapped("invoice_date"), expected)
        # oldest first: numbers follow the dates
        self.assertEqual(invoices.sorted("name").mapped("invoice_date"), expected)
        self.assertEqual(template.recurring_next_date, date(2027, 2, 15))

    def test_failing_template_between_two_good_ones(self):
        good_a = self.make_template(start=date(2027, 1, 31))
        bad = self.make_template(start=date(2027, 1, 31))
        good_b = self.make_template(start=date(2027, 1, 31))
        account = bad.invoice_line_ids.account_id.copy()
        bad.invoice_line_ids.account_id = account
        account.deprecated = True
        # All three in one batch: the batch fails, then each is tried alone.
        with self.muted_logs(expect="retried one by one"):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(len(good_a.recurring_invoice_ids), 1)
        self.assertEqual(len(good_b.recurring_invoice_ids), 1)
        self.assertFalse(bad.recurring_invoice_ids)
        self.assertEqual(bad.recurring_state, "active")
        self.assertEqual(bad.recurring_next_date, date(2027, 1, 31))
        self.assertIn("is deprecated", bad.recurring_make_error)
        self.assertIn("is deprecated", bad.message_ids[0].body)
        summary = self.env["mail.mail"].search([("model", "=", "res.users")])
        self.assertEqual(len(summary), 1)
        self.assertIn("Could not be made", summary.body_html)
        self.assertIn("is deprecated", summary.body_html)
        # not retried again the same morning...
        self.run_cron(oslo(2027, 1, 31, 9, 0))  # nothing to log: not tried
        self.assertEqual(
            len(bad.message_ids.filtered(lambda m: "deprecated" in (m.body or ""))), 1
        )
        # ...but at the next run, and it succeeds once fixed
        account.deprecated = False
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(bad.recurring_invoice_ids.invoice_date, date(2027, 1, 31))
        self.assertFalse(bad.recurring_make_error)
        self.assertEqual(bad.recurring_next_date, date(2027, 2, 28))

    def test_paused_template_makes_nothing(self):
        template = self.make_template(period="week", start=date(2027, 1, 4))
        self.run_cron(oslo(2027, 1, 4, 6, 15))
        with freeze_time(oslo(2027, 1, 5, 12, 0)):
            template.action_recurring_pause()
        self.run_daily(date(2027, 1, 6), date(2027, 1, 25))
        self.assertEqual(len(template.recurring_invoice_ids), 1)
        # resumed on Monday 25 Jan after 06:15: 11, 18 and 25 Jan are not sent
        with freeze_time(oslo(2027, 1, 25, 8, 0)):
            template.action_recurring_resume()
        self.assertEqual(template.recurring_next_date, date(2027, 2, 1))
        self.run_daily(date(2027, 1, 26), date(2027, 2, 1))
        self.assertEqual(
            sorted(template.recurring_invoice_ids.mapped("invoice_date")),
            [date(2027, 1, 4), date(2027, 2, 1)],
        )

    def test_end_date_is_respected(self):
        template = self.make_template(
            period="month", start=date(2027, 1, 15), end=date(2027, 3, 20)
        )
        self.run_daily(date(2027, 1, 14), date(2027, 5, 1))
        self.assertEqual(
            sorted(template.recurring_invoice_ids.mapped("invoice_date")),
            [date(2027, 1, 15), date(2027, 2, 15), date(2027, 3, 15)],
        )
        self.assertEqual(template.recurring_state, "ended")
        self.assertFalse(template.recurring_next_date)

    def test_editing_template_changes_future_invoices_only(self):
        template = self.make_template(period="month", start=date(2027, 1, 1))
        self.run_daily(date(2027, 1, 1), date(2027, 2, 1))
        first_two = template.recurring_invoice_ids
        self.assertEqual(len(first_two), 2)
        totals = first_two.mapped("amount_untaxed")
        template.invoice_line_ids.price_unit = 1500.0
        template.partner_id = self.partner_b
        self.run_daily(date(2027, 2, 2), date(2027, 3, 1))
        self.assertEqual(first_two.mapped("amount_untaxed"), totals)
        self.assertEqual(first_two.partner_id, self.partner_a)
        third = template.recurring_invoice_ids - first_two
        self.assertEqual(third.amount_untaxed, 1500.0)
        self.assertEqual(third.partner_id, self.partner_b)

    def test_period_placeholder_in_customer_language(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.partner_b.lang = "nb_NO"
        template = self.make_template(
            period="month",
            start=date(2027, 1, 1),
            partner=self.partner_b,
            name="Husleie {period}",
        )
        self.run_cron(oslo(2027, 1, 1, 6, 15))
        self.assertEqual(
            template.recurring_invoice_ids.invoice_line_ids.name, "Husleie januar 2027"
        )
        self.assertEqual(template.invoice_line_ids.name, "Husleie {period}")

    def test_unique_invoice_per_occurrence(self):
        template = self.make_template(start=date(2027, 1, 31))
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Move._recurring_as_job().create(
                    template._recurring_invoice_values(date(2027, 1, 31))
                )

    def test_each_company_in_its_own_timezone(self):
        other_data = self.setup_other_company()
        other = other_data["company"]
        other.recurring_invoice_tz = "America/New_York"
        oslo_template = self.make_template(start=date(2027, 1, 31))
        ny_template = self.make_template(
            start=date(2027, 1, 31),
            at=oslo(2027, 1, 30, 12, 0),
            journal_id=other_data["default_journal_sale"].id,
            taxes=other_data["default_tax_sale"],
        )
        self.assertEqual(ny_template.company_id, other)
        # 06:15 in Oslo is 00:15 in New York: only Oslo is due
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(len(oslo_template.recurring_invoice_ids), 1)
        self.assertFalse(ny_template.recurring_invoice_ids)
        # 06:15 in New York is 12:15 in Oslo
        self.run_cron(oslo(2027, 1, 31, 12, 15))
        self.assertEqual(ny_template.recurring_invoice_ids.company_id, other)

    def test_next_run_is_planned_at_0615_local(self):
        self.make_template(start=date(2027, 3, 28))
        self.run_cron(oslo(2027, 3, 27, 6, 15))
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        self.assertIn(oslo(2027, 3, 28, 6, 15), triggers.mapped("call_at"))
        # after the change to summer time, still 06:15 local
        self.run_cron(oslo(2027, 3, 28, 6, 15))
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        self.assertIn(oslo(2027, 3, 29, 6, 15), triggers.mapped("call_at"))
