# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Price adjustments: once from a date or every year, applied by the job
before the invoice of the first occurrence on or after their day, exactly
once; the dialog, the chatter, the daily summary, the invoice e-mail's price
change, and the monthly recurring revenue."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringPrices(RecurringInvoiceCase):
    def adjust(self, templates, at, **values):
        """Adjust the prices of ``templates`` in the dialog at instant ``at``."""
        with freeze_time(at):
            action = templates.action_recurring_adjust_prices()
            wizard = (
                self.env[action["res_model"]]
                .with_context(**action["context"])
                .create(values)
            )
            preview = str(wizard.preview)
            wizard.action_confirm()
        return wizard, preview

    def prices(self, template):
        """(occurrence, unit price of the first line) of its invoices."""
        invoices = template.recurring_invoice_ids.sorted("recurring_occurrence_date")
        return [
            (invoice.recurring_occurrence_date, invoice.invoice_line_ids[0].price_unit)
            for invoice in invoices
        ]

    def run_on(self, *days):
        for day in days:
            self.run_cron(oslo(day.year, day.month, day.day, 6, 15))

    # --- one-off adjustments --------------------------------------------------------
    def test_adjustment_effective_between_two_occurrences(self):
        template = self.make_template(start=date(2027, 1, 31), price=1000.0)
        _wizard, preview = self.adjust(
            template,
            oslo(2027, 1, 30, 14, 0),
            percent=10.0,
            effective_date=date(2027, 2, 15),
        )
        # the dialog shows the prices and the first invoice at the new prices
        self.assertIn("1,000.00", preview)
        self.assertIn("1,100.00", preview)
        self.assertIn("February 2027", preview)
        adjustment = template.recurring_price_adjustment_ids
        self.assertEqual(adjustment.state, "pending")
        self.assertEqual(template.invoice_line_ids.price_unit, 1000.0)
        self.run_on(date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31))
        self.assertEqual(
            self.prices(template),
            [
                (date(2027, 1, 31), 1000.0),
                (date(2027, 2, 28), 1100.0),
                (date(2027, 3, 31), 1100.0),
            ],
        )
        self.assertEqual(adjustment.state, "applied")
        self.assertEqual(adjustment.applied_date, date(2027, 2, 28))
        self.assertEqual(
            adjustment.line_ids.mapped(lambda line: (line.old_price, line.new_price)),
            [(1000.0, 1100.0)],
        )
        self.assertEqual(template.invoice_line_ids.price_unit, 1100.0)
        self.assertEqual(template.amount_untaxed, 1100.0)
        # both steps on the chatter, old -> new
        notes = template.message_ids.filtered(lambda m: "1,100.00" in (m.body or ""))
        self.assertEqual(len(notes), 2)
        self.assertIn("Prices adjusted for the invoice of February 2027", notes[0].body)
        self.assertIn("Price adjustment scheduled", notes[1].body)
        self.assertIn("1,000.00", notes[0].body)

    def test_adjustment_effective_on_an_occurrence_date(self):
        on_the_day = self.make_template(start=date(2027, 1, 31), price=500.0)
        day_after = self.make_template(start=date(2027, 1, 31), price=500.0)
        self.adjust(
            on_the_day,
            oslo(2027, 2, 1, 9, 0),
            percent=4.0,
            effective_date=date(2027, 2, 28),
        )
        self.adjust(
            day_after,
            oslo(2027, 2, 1, 9, 0),
            percent=4.0,
            effective_date=date(2027, 3, 1),
        )
        self.run_on(date(2027, 1, 31), date(2027, 2, 28))
        self.assertEqual(self.prices(on_the_day)[-1], (date(2027, 2, 28), 520.0))
        self.assertEqual(self.prices(day_after)[-1], (date(2027, 2, 28), 500.0))
        self.run_on(date(2027, 3, 31))
        self.assertEqual(self.prices(day_after)[-1], (date(2027, 3, 31), 520.0))

    def test_adjustment_entered_after_its_invoice_was_made(self):
        template = self.make_template(start=date(2027, 1, 31), price=800.0)
        self.run_on(date(2027, 1, 31))
        first = template.recurring_invoice_ids
        _wizard, preview = self.adjust(
            template,
            oslo(2027, 1, 31, 10, 0),
            percent=2.5,
            effective_date=date(2027, 1, 31),
        )
        # the dialog and the chatter say so: from the next invoice
        self.assertIn("already made", preview)
        self.assertIn("January 2027", preview)
        self.assertIn("February 2027", preview)
        note = template.message_ids.filtered(
            lambda m: "Price adjustment scheduled" in (m.body or "")
        )
        self.assertIn("already made", note.body)
        self.assertIn("next invoice, for February 2027", note.body)
        self.run_on(date(2027, 2, 28))
        self.assertEqual(
            self.prices(template),
            [(date(2027, 1, 31), 800.0), (date(2027, 2, 28), 820.0)],
        )
        self.assertEqual(first.amount_untaxed, 800.0)
        adjustment = template.recurring_price_adjustment_ids
        self.assertEqual(adjustment.applied_date, date(2027, 2, 28))

    def test_one_batch_makes_the_old_price_then_the_new(self):
        """After downtime one run makes January and February of one template:
        an adjustment from 1 February reaches February only, and both
        invoices are made in one batch, oldest first."""
        template = self.make_template(start=date(2027, 1, 31), price=1000.0)
        self.adjust(
            template,
            oslo(2027, 1, 30, 15, 0),
            percent=3.1,
            effective_date=date(2027, 2, 1),
        )
        self.run_cron(oslo(2027, 3, 1, 7, 0))
        self.assertEqual(
            self.prices(template),
            [(date(2027, 1, 31), 1000.0), (date(2027, 2, 28), 1031.0)],
        )
        invoices = template.recurring_invoice_ids.sorted("id")
        self.assertEqual(
            invoices.mapped("recurring_occurrence_date"),
            [date(2027, 1, 31), date(2027, 2, 28)],
        )

    def test_new_unit_prices_per_line(self):
        template = self.make_template(start=date(2027, 1, 31), price=1000.0)
        template.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Parking {period}", "quantity": 2, "price_unit": 300.0}
                    )
                ]
            }
        )
        with freeze_time(oslo(2027, 1, 30, 15, 0)):
            action = template.action_recurring_adjust_prices()
            form = Form(self.env[action["res_model"]].with_context(**action["context"]))
            form.method = "price"
            form.effective_date = date(2027, 2, 1)
            self.assertEqual(len(form.line_ids), 2)
            with form.line_ids.edit(1) as line:
                self.assertEqual(line.name, "Parking")
                self.assertEqual(line.old_price, 300.0)
                line.new_price = 350.0
            form.save().action_confirm()
        adjustment = template.recurring_price_adjustment_ids
        self.assertEqual(adjustment.method, "price")
        self.assertEqual(len(adjustment.line_ids), 1)
        self.run_on(date(2027, 1, 31), date(2027, 2, 28))
        february = template.recurring_invoice_ids.sorted("recurring_occurrence_date")[
            -1
        ]
        self.assertEqual(
            february.invoice_line_ids.sorted("sequence").mapped("price_unit"),
            [1000.0, 350.0],
        )
        self.assertEqual(february.amount_untaxed, 1700.0)

    def test_many_templates_by_a_percentage_rounded_to_the_currency(self):
        templates = self.Move.browse()
        for price in (333.33, 1000.0, 49.99):
            templates |= self.make_template(start=date(2027, 1, 31), price=price)
        wizard, _preview = self.adjust(
            templates,
            oslo(2027, 1, 30, 15, 0),
            percent=3.1,
            effective_date=date(2027, 1, 31),
        )
        self.assertEqual(wizard.template_count, 3)
        self.assertEqual(len(templates.recurring_price_adjustment_ids), 3)
        self.run_on(date(2027, 1, 31))
        self.assertEqual(
            [
                invoice.invoice_line_ids.price_unit
                for invoice in templates.recurring_invoice_ids
            ],
            [343.66, 1031.0, 51.54],
        )

    def test_the_dialog_refuses_nonsense(self):
        template = self.make_template(start=date(2027, 1, 31), end=date(2027, 3, 31))
        at = oslo(2027, 1, 30, 15, 0)
        with self.assertRaisesRegex(UserError, "percentage"):
            self.adjust(template, at, percent=0.0, effective_date=date(2027, 2, 1))
        with self.assertRaisesRegex(UserError, "100 %"):
            self.adjust(template, at, percent=-100.0, effective_date=date(2027, 2, 1))
        with self.assertRaisesRegex(UserError, "no invoice on or after"):
            self.adjust(template, at, percent=5.0, effective_date=date(2027, 4, 1))
        template.action_recurring_stop()
        with self.assertRaises(ValidationError):
            template.action_recurring_adjust_prices()

    def test_an_applied_adjustment_stays(self):
        template = self.make_template(start=date(2027, 1, 31))
        self.adjust(
            template,
            oslo(2027, 1, 30, 15, 0),
            percent=5.0,
            effective_date=date(2027, 1, 31),
        )
        scheduled = template.recurring_price_adjustment_ids
        self.adjust(
            template,
            oslo(2027, 1, 30, 15, 0),
            percent=7.0,
            effective_date=date(2027, 3, 1),
        )
        later = template.recurring_price_adjustment_ids - scheduled
        later.unlink()  # a scheduled one may be taken back
        self.run_on(date(2027, 1, 31))
        self.assertEqual(scheduled.state, "applied")
        with self.assertRaises(UserError):
            scheduled.unlink()
        with self.assertRaises(UserError):
            scheduled.percent = 9.0
        self.run_on(date(2027, 2, 28), date(2027, 3, 31))
        self.assertEqual(self.prices(template)[-1][1], 1050.0)

    # --- the yearly adjustment -------------------------------------------------------
    def test_yearly_adjustment_once_a_year_across_three_years(self):
        template = self.make_template(start=date(2027, 1, 1), price=1000.0)
        template.write(
            {"recurring_index_percent": 10.0, "recurring_index_date": date(2027, 6, 1)}
        )
        months = [date(2027, month, 1) for month in range(1, 13)]
        self.run_on(*months)
        # two years of downtime: both yearly days in one run, in order
        self.run_cron(oslo(2029, 12, 1, 6, 15))
        self.run_cron(oslo(2029, 12, 1, 9, 0))  # and again: nothing more
        made = self.prices(template)
        self.assertEqual(len(made), 36)
        expected = []
        for year in (2027, 2028, 2029):
            for month in range(1, 13):
                day = date(year, month, 1)
                steps = sum(date(y, 6, 1) <= day for y in (2027, 2028, 2029))
                expected.append((day, [1000.0, 1100.0, 1210.0, 1331.0][steps]))
        self.assertEqual(made, expected)
        yearly = template.recurring_price_adjustment_ids.filtered(
            lambda a: a.kind == "yearly"
        )
        self.assertEqual(
            sorted(yearly.mapped("effective_date")),
            [date(2027, 6, 1), date(2028, 6, 1), date(2029, 6, 1)],
        )
        self.assertEqual(
            sorted(yearly.mapped("applied_date")),
            [date(2027, 6, 1), date(2028, 6, 1), date(2029, 6, 1)],
        )
        self.assertEqual(template.recurring_index_last_date, date(2029, 6, 1))
        self.assertEqual(template.invoice_line_ids.price_unit, 1331.0)

    def test_yearly_adjustment_undone_with_a_failed_batch(self):
        """The adjustment is applied in the savepoint of the invoice it is for:
        when that invoice cannot be made, neither is it; the next run applies
        it once."""
        currency = self.setup_other_currency("EUR")
        template = self.make_template(
            start=date(2027, 6, 1), price=1000.0, currency_id=currency.id
        )
        template.write(
            {"recurring_index_percent": 10.0, "recurring_index_date": date(2027, 6, 1)}
        )
        currency.active = False
        with self.muted_logs(expect="failed:"):
            self.run_on(date(2027, 6, 1))
        self.assertFalse(template.recurring_invoice_ids)
        self.assertTrue(template.recurring_make_error)
        self.assertFalse(template.recurring_price_adjustment_ids)
        self.assertFalse(template.recurring_index_last_date)
        self.assertEqual(template.invoice_line_ids.price_unit, 1000.0)
        currency.active = True
        self.run_on(date(2027, 6, 2), date(2027, 6, 3))
        self.assertEqual(self.prices(template), [(date(2027, 6, 1), 1100.0)])
        self.assertEqual(len(template.recurring_price_adjustment_ids), 1)

    def test_yearly_adjustment_begins_after_the_invoices_made(self):
        template = self.make_template(start=date(2027, 1, 31))
        with self.assertRaisesRegex(ValidationError, "Choose the day"):
            template.recurring_index_percent = 3.0
        with self.assertRaisesRegex(ValidationError, "start date"):
            template.write(
                {
                    "recurring_index_percent": 3.0,
                    "recurring_index_date": date(2027, 1, 1),
                }
            )
        self.run_on(date(2027, 1, 31), date(2027, 2, 28))
        with self.assertRaisesRegex(ValidationError, "February 2027"):
            template.write(
                {
                    "recurring_index_percent": 3.0,
                    "recurring_index_date": date(2027, 2, 28),
                }
            )
        template.write(
            {"recurring_index_percent": 3.0, "recurring_index_date": date(2027, 3, 1)}
        )
        # a new percentage each year keeps the day
        self.run_on(date(2027, 3, 31))
        template.recurring_index_percent = 2.0
        self.assertEqual(template.recurring_index_date, date(2027, 3, 1))

    def test_yearly_adjustment_from_the_dialog(self):
        templates = self.make_template(start=date(2027, 1, 31)) | self.make_template(
            start=date(2027, 1, 31), price=200.0
        )
        self.adjust(
            templates,
            oslo(2027, 1, 30, 15, 0),
            percent=3.1,
            effective_date=date(2028, 1, 1),
            yearly=True,
        )
        self.assertEqual(templates.mapped("recurring_index_percent"), [3.1, 3.1])
        self.assertEqual(
            templates.mapped("recurring_index_date"), [date(2028, 1, 1)] * 2
        )
        self.assertFalse(templates.recurring_price_adjustment_ids)
        self.run_cron(oslo(2028, 2, 1, 7, 0))
        self.assertEqual(self.prices(templates[1])[-1], (date(2028, 1, 31), 206.2))

    # --- telling about it --------------------------------------------------------
    def test_summary_lists_the_prices_adjusted(self):
        self.partner_a.email = "kunde@example.com"
        accountant = new_test_user(
            self.env,
            "ingrid",
            email="ingrid@example.com",
            groups="account.group_account_invoice",
        )
        template = self.make_template(
            start=date(2027, 1, 31), price=12500.0, invoice_user_id=accountant.id
        )
        template.write(
            {"recurring_index_percent": 3.1, "recurring_index_date": date(2027, 1, 31)}
        )
        self.run_on(date(2027, 1, 31))
        summary = self.env["mail.mail"].search([("model", "=", "res.users")])
        self.assertEqual(len(summary), 1)
        self.assertIn("Prices adjusted", summary.body_html)
        self.assertIn("+3.1 % (yearly)", summary.body_html)
        self.assertIn("12,500.00", summary.body_html)
        self.assertIn("12,887.50", summary.body_html)
        adjustment = template.recurring_price_adjustment_ids
        self.assertFalse(adjustment.to_report)
        # reported once
        self.run_on(date(2027, 2, 28))
        summaries = self.env["mail.mail"].search([("model", "=", "res.users")])
        self.assertEqual(len(summaries), 2)
        self.assertNotIn("Prices adjusted", (summaries - summary).body_html)

    def test_norwegian(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        accountant = new_test_user(
            self.env,
            "kari_nb",
            email="kari@example.com",
            lang="nb_NO",
            groups="account.group_account_invoice",
        )
        template = self.make_template(
            start=date(2027, 1, 31), price=12500.0, invoice_user_id=accountant.id
        )
        template.write(
            {"recurring_index_percent": 3.1, "recurring_index_date": date(2027, 1, 31)}
        )
        self.run_on(date(2027, 1, 31))
        summary = self.env["mail.mail"].search([("model", "=", "res.users")])
        self.assertIn("Priser justert", summary.body_html)
        self.assertIn("+3,1 % (årlig)", summary.body_html)
        menu = self.env.ref("recurring_invoice.menu_recurring_invoice_forecast")
        self.assertEqual(
            menu.with_context(lang="nb_NO").name, "Kommende gjentagende fakturaer"
        )
        arch = self.Move.with_context(lang="nb_NO").get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        self.assertIn("Juster priser", arch)
        self.assertIn("Prisjusteringer", arch)

    def test_invoice_tells_its_price_change(self):
        template = self.make_template(
            start=date(2027, 1, 31), price=1000.0, name="Rent {period}"
        )
        self.adjust(
            template,
            oslo(2027, 1, 30, 15, 0),
            percent=5.0,
            effective_date=date(2027, 2, 1),
        )
        self.run_on(date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31))
        january, february, march = template.recurring_invoice_ids.sorted(
            "recurring_occurrence_date"
        )
        self.assertFalse(january._recurring_price_change())
        self.assertEqual(
            february._recurring_price_change(),
            [{"name": "Rent February 2027", "old": 1000.0, "new": 1050.0}],
        )
        self.assertFalse(march._recurring_price_change())
        self.assertFalse(template._recurring_price_change())

    # --- monthly recurring revenue ---------------------------------------------------
    def test_monthly_recurring_revenue(self):
        cases = [
            ("week", {}, 1200.0, 5200.0),
            ("week", {"interval": 2}, 1200.0, 2600.0),
            ("month", {}, 1000.0, 1000.0),
            ("month", {"interval": 3}, 900.0, 300.0),
            ("quarter", {}, 900.0, 300.0),
            ("year", {}, 1200.0, 100.0),
            ("year", {"interval": 2}, 1200.0, 50.0),
        ]
        templates = self.Move.browse()
        for period, options, price, mrr in cases:
            template = self.make_template(
                period=period, start=date(2027, 1, 31), options=options, price=price
            )
            self.assertEqual(template.recurring_mrr, mrr, (period, options))
            templates |= template
        total = self.Move._read_group(
            [("id", "in", templates.ids)], [], ["recurring_mrr:sum"]
        )[0][0]
        self.assertAlmostEqual(total, sum(case[3] for case in cases))
        template = templates[2]
        template.action_recurring_pause()
        self.assertEqual(template.recurring_mrr, 0.0)
        template.action_recurring_resume()
        self.assertEqual(template.recurring_mrr, 1000.0)
        # follows the prices
        template.invoice_line_ids.price_unit = 1100.0
        self.assertEqual(template.recurring_mrr, 1100.0)
        # not a template: nothing
        self.assertFalse(self.make_draft().recurring_mrr)

    def test_mrr_in_the_company_currency(self):
        currency = self.setup_other_currency("EUR")  # 2 EUR for 1 of ours
        template = self.make_template(
            start=date(2027, 1, 31), price=1000.0, currency_id=currency.id
        )
        self.assertEqual(template.recurring_mrr, 500.0)

    def test_templates_list_shows_mrr_and_adjusts_prices(self):
        arch = self.Move.get_views(
            [
                (
                    self.env.ref("recurring_invoice.view_recurring_template_list").id,
                    "list",
                )
            ]
        )["views"]["list"]["arch"]
        self.assertIn('name="recurring_mrr"', arch)
        self.assertIn('sum="Total MRR"', arch)
        self.assertIn('name="action_recurring_adjust_prices"', arch)

    def test_yearly_days_follow_the_engine_after_days_ahead(self):
        """An invoice made ahead of its period gets the adjustment of its
        period's start: the rule looks at the occurrence, not the send day."""
        template = self.make_template(
            start=date(2027, 2, 1), options={"days_ahead": 14}, price=1000.0
        )
        template.write(
            {"recurring_index_percent": 10.0, "recurring_index_date": date(2027, 3, 1)}
        )
        # March's invoice is sent on 15 February, already at the new price
        day = date(2027, 3, 1) - timedelta(days=14)
        self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
        self.assertEqual(
            self.prices(template),
            [(date(2027, 2, 1), 1000.0), (date(2027, 3, 1), 1100.0)],
        )
