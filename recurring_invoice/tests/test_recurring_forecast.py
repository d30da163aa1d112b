# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The report "Upcoming recurring invoices": its dates are the engine's, its
amounts the prices in force then, its cost in queries the same for 3 or 12
months and for N or 2N templates."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from ..tools import recurrence
from .common import RecurringInvoiceCase, oslo

NOW = oslo(2027, 3, 10, 12, 0)


@tagged("post_install", "-at_install")
class TestRecurringForecast(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Forecast = cls.env["recurring.invoice.forecast"]

    def refresh(self, at=NOW, months=None):
        if months:
            self.env.company.recurring_forecast_months = months
        with freeze_time(at):
            self.Forecast._recurring_refresh()
        return self.Forecast.search([])

    def rows_of(self, rows, template, state="forecast"):
        return rows.filtered(
            lambda r: r.template_id == template and r.state == state
        ).sorted("occurrence_date")

    def expected(self, template, last_day):
        """The occurrences and send days the engine's own ``upcoming`` (not
        the ``plan`` the report uses) gives up to ``last_day``; a paused
        template from where the engine resumes it on its resume day."""
        if template.recurring_state not in ("active", "paused"):
            return []
        schedule = template._recurring_recurrence()
        next_date, skipped = template.recurring_next_date, template._recurring_skipped()
        if template.recurring_state == "paused":
            if not template.recurring_paused_until:
                return []
            resumed_at = recurrence.day_start(
                template.company_id.recurring_invoice_tz,
                template.recurring_paused_until,
            ).replace(tzinfo=None)
            next_date, skipped = schedule.resume(
                next_date, template.recurring_paused_at, resumed_at, skipped
            )
        moments = schedule.upcoming(
            next_date, 500, skipped, template._recurring_remaining()
        )
        return [
            (moment.date, moment.send_date)
            for moment in moments
            if not moment.skipped and moment.send_date <= last_day
        ]

    def test_dates_are_the_engines_for_every_option(self):
        templates = {
            "every 2 weeks, 3 days ahead": self.make_template(
                "week", date(2027, 1, 18), options={"interval": 2, "days_ahead": 3}
            ),
            "5 invoices": self.make_template(
                "month", date(2027, 1, 31), options={"max_invoices": 5}
            ),
            "quarterly until December": self.make_template(
                "quarter", date(2027, 2, 1), end=date(2027, 12, 31)
            ),
            "monthly, one skipped": self.make_template("month", date(2027, 1, 15)),
            "10 days ahead, due on the first day, ends": self.make_template(
                "month",
                date(2027, 2, 1),
                end=date(2027, 10, 1),
                options={"days_ahead": 10, "due_on_period_start": True},
            ),
            "paused until May": self.make_template("week", date(2027, 1, 20)),
            "paused": self.make_template("month", date(2027, 1, 20)),
            "yearly, every 2 years": self.make_template(
                "year", date(2027, 3, 20), options={"interval": 2}
            ),
            "ended": self.make_template("month", date(2027, 1, 20)),
        }
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        with freeze_time(oslo(2027, 2, 1, 12, 0)):
            templates["monthly, one skipped"].action_recurring_skip_next()
            templates["monthly, one skipped"].action_recurring_skip_next()
            templates["paused until May"].action_recurring_pause()
            templates["paused until May"].recurring_paused_until = date(2027, 5, 15)
            templates["paused"].action_recurring_pause()
            templates["ended"].action_recurring_stop()
        self.run_cron(oslo(2027, 3, 10, 6, 15))
        rows = self.refresh(months=12)
        last_day = date(2028, 2, 29)  # March 2027 and the 11 months after
        for label, template in templates.items():
            expected = self.expected(template, last_day)
            got = [(r.occurrence_date, r.date) for r in self.rows_of(rows, template)]
            self.assertEqual(got, expected, label)
        counts = {label: len(self.rows_of(rows, t)) for label, t in templates.items()}
        # the options do what they say, so the comparison above is not empty
        self.assertEqual(counts["5 invoices"], 3)  # Jan and Feb made
        self.assertEqual(counts["paused"], 0)
        self.assertEqual(counts["ended"], 0)
        self.assertEqual(counts["quarterly until December"], 3)
        self.assertEqual(counts["yearly, every 2 years"], 1)
        self.assertGreater(counts["paused until May"], 30)
        skipped = self.rows_of(rows, templates["monthly, one skipped"])
        self.assertNotIn(date(2027, 3, 15), skipped.mapped("occurrence_date"))
        ahead = self.rows_of(rows, templates["every 2 weeks, 3 days ahead"])
        self.assertTrue(all((r.occurrence_date - r.date).days == 3 for r in ahead))
        self.assertLessEqual(max(rows.mapped("date")), last_day)
        # and the history: the invoices made since December, as made
        made = self.Move.search(
            [("recurring_template_id", "in", [t.id for t in templates.values()])]
        )
        history = rows.filtered(lambda r: r.state == "invoiced")
        self.assertEqual(history.invoice_id, made)
        self.assertEqual(
            sum(history.mapped("amount_total")), sum(made.mapped("amount_total_signed"))
        )

    def test_overdue_occurrences_are_forecast_on_their_own_dates(self):
        template = self.make_template("month", date(2027, 1, 31))
        rows = self.refresh(at=oslo(2027, 3, 10, 12, 0), months=1)
        self.assertEqual(
            [(r.occurrence_date, r.date) for r in self.rows_of(rows, template)],
            [(date(2027, 1, 31), date(2027, 1, 31)), (date(2027, 2, 28),) * 2]
            + [(date(2027, 3, 31),) * 2],
        )

    def test_amounts_at_the_prices_in_force_in_the_company_currency(self):
        template = self.make_template("month", date(2027, 1, 31), price=1000.0)
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        with freeze_time(oslo(2027, 3, 1, 9, 0)):
            action = template.action_recurring_adjust_prices()
            self.env[action["res_model"]].with_context(**action["context"]).create(
                {"percent": 10.0, "effective_date": date(2027, 5, 1)}
            ).action_confirm()
        template.write(
            {"recurring_index_percent": 5.0, "recurring_index_date": date(2028, 1, 1)}
        )
        euro = self.setup_other_currency("EUR")  # 2 EUR for 1 of ours
        in_euro = self.make_template(
            "quarter", date(2027, 4, 1), price=500.0, currency_id=euro.id
        )
        rows = self.refresh(months=12)
        forecast = self.rows_of(rows, template)
        self.assertEqual(
            [(r.occurrence_date, r.amount_untaxed, r.price_adjusted) for r in forecast],
            [
                (date(2027, 3, 31), 1000.0, False),
                (date(2027, 4, 30), 1000.0, False),
            ]
            + [
                (date(2027, month, day), 1100.0, True)
                for month, day in ((5, 31), (6, 30), (7, 31), (8, 31), (9, 30))
                + ((10, 31), (11, 30), (12, 31))
            ]
            + [(date(2028, 1, 31), 1155.0, True), (date(2028, 2, 29), 1155.0, True)],
        )
        # 15 % tax on each
        self.assertEqual(
            forecast.mapped("amount_total"),
            [round(r.amount_untaxed * 1.15, 2) for r in forecast],
        )
        self.assertEqual(forecast.currency_id, self.env.company.currency_id)
        euros = self.rows_of(rows, in_euro)
        self.assertEqual(euros.mapped("amount_untaxed"), [250.0] * 4)
        self.assertEqual(euros.mapped("amount_total"), [287.5] * 4)
        # what the job then makes is what was forecast
        self.run_cron(oslo(2027, 5, 31, 6, 15))
        may = template.recurring_invoice_ids.filtered(
            lambda i: i.recurring_occurrence_date == date(2027, 5, 31)
        )
        self.assertEqual(may.amount_untaxed, forecast[2].amount_untaxed)
        self.assertEqual(may.amount_total, forecast[2].amount_total)

    def count_queries(self, months):
        self.env.company.recurring_forecast_months = months
        self.env.flush_all()
        self.env.invalidate_all()
        with freeze_time(NOW):
            self.Forecast._recurring_refresh()  # warm Odoo's caches
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            count = self.Forecast._recurring_refresh()
            return self.cr.sql_log_count - before, count

    def add_templates(self, count):
        templates = self.Move.browse()
        for n in range(count):
            period = ("week", "month", "quarter", "year")[n % 4]
            template = self.make_template(period, date(2027, 3, 1), price=100.0 + n)
            template.write(
                {
                    "recurring_index_percent": 2.0,
                    "recurring_index_date": date(2027, 9, 1),
                }
            )
            with freeze_time(oslo(2027, 2, 28, 13, 0)):
                action = template.action_recurring_adjust_prices()
                self.env[action["res_model"]].with_context(**action["context"]).create(
                    {"percent": 3.0, "effective_date": date(2027, 6, 1)}
                ).action_confirm()
            templates |= template
        return templates

    def test_queries_do_not_grow_with_months_or_templates(self):
        self.add_templates(4)
        three, rows_3 = self.count_queries(3)
        twelve, rows_12 = self.count_queries(12)
        self.assertGreater(rows_12, rows_3)
        self.add_templates(4)
        twice, rows_twice = self.count_queries(12)
        self.assertGreater(rows_twice, rows_12)
        self.assertLessEqual(abs(twelve - three), 1, (three, twelve))
        self.assertLessEqual(abs(twice - twelve), 1, (twelve, twice))
        self.assertLess(twice, 30)

    def test_each_user_reads_their_own(self):
        self.make_template("month", date(2027, 1, 31))
        other = new_test_user(
            self.env,
            "revisor",
            groups="account.group_account_readonly",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        mine = self.refresh()
        Other = self.Forecast.with_user(other)
        with freeze_time(NOW):
            action = Other.action_open_forecast()
        self.assertEqual(action["res_model"], "recurring.invoice.forecast")
        theirs = Other.search([])
        self.assertEqual(len(theirs), len(mine))
        self.assertFalse(theirs & mine)
        self.assertEqual(self.Forecast.search([]), mine)
        # the menu runs the action as the user
        server_action = self.env.ref(
            "recurring_invoice.action_server_recurring_invoice_forecast"
        )
        with freeze_time(NOW):
            result = server_action.with_user(other).run()
        self.assertEqual(result["res_model"], "recurring.invoice.forecast")
