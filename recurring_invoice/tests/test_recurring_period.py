# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every invoice a template makes states the period it is for: its first and
last day on the invoice (computed by the engine from the occurrence and the
schedule, whatever the days ahead), printed on its PDF."""

from datetime import date
from html import unescape

from lxml import html as lxml_html

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RecurringInvoiceCase, oslo
from .test_install import load_migration


def report_text(env, invoice):
    """The text of the invoice's PDF (its HTML), tags left out."""
    body = env["ir.actions.report"]._render_qweb_html(
        "account.account_invoices", invoice.ids
    )[0]
    return " ".join(unescape(lxml_html.fromstring(body).text_content()).split())


@tagged("post_install", "-at_install")
class TestRecurringPeriod(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a.lang = "en_US"

    def make_and_run(self, period, start, send_day=None, options=None, **values):
        """A template from ``start``, run at 06:15 on ``send_day`` (default:
        the start): its invoice."""
        template = self.make_template(
            period=period, start=start, options=options, **values
        )
        day = send_day or start
        self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(len(invoice), 1)
        return invoice

    def test_an_invoice_sent_ahead_states_its_period_not_its_send_day(self):
        invoice = self.make_and_run(
            "month",
            date(2027, 3, 1),
            send_day=date(2027, 2, 19),
            options={"days_ahead": 10},
            name="Rent {period}",
        )
        self.assertEqual(invoice.invoice_date, date(2027, 2, 19))
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(
            (invoice.recurring_period_start, invoice.recurring_period_end),
            (date(2027, 3, 1), date(2027, 3, 31)),
        )
        # The same period as {period} names in its line and its e-mail.
        self.assertEqual(invoice.recurring_period_name, "March 2027")
        self.assertEqual(invoice.invoice_line_ids.name, "Rent March 2027")

    def test_every_schedule_states_its_period(self):
        cases = [
            # period, start, options, first day, last day, name
            # A Wednesday: its ISO week, as "week 3 2027" names it.
            ("week", date(2027, 1, 20), {}, date(2027, 1, 18), date(2027, 1, 24)),
            (
                "week",
                date(2027, 1, 18),
                {"interval": 2},
                date(2027, 1, 18),
                date(2027, 1, 31),
            ),
            (
                "month",
                date(2027, 1, 31),
                {"interval": 2, "days_ahead": 14},
                date(2027, 1, 1),
                date(2027, 2, 28),
            ),
            ("quarter", date(2027, 4, 1), {}, date(2027, 4, 1), date(2027, 6, 30)),
            ("year", date(2027, 1, 1), {}, date(2027, 1, 1), date(2027, 12, 31)),
        ]
        for period, start, options, first, last in cases:
            with self.subTest(period=period, **options):
                template = self.make_template(
                    period=period, start=start, options=options
                )
                occurrence = start
                self.assertEqual(
                    template._recurring_period_dates(occurrence), (first, last)
                )
                send_day = template._recurring_recurrence().send_date(occurrence)
                self.run_cron(oslo(send_day.year, send_day.month, send_day.day, 6, 15))
                invoice = template.recurring_invoice_ids
                self.assertEqual(len(invoice), 1)
                self.assertEqual(
                    (invoice.recurring_period_start, invoice.recurring_period_end),
                    (first, last),
                )

    def test_the_period_is_the_jobs_and_only_on_made_invoices(self):
        invoice = self.make_and_run("month", date(2027, 3, 1))
        template = invoice.recurring_template_id
        self.assertFalse(template.recurring_period_start)
        self.assertFalse(template.recurring_period_end)
        with self.assertRaises(UserError):
            invoice.write({"recurring_period_start": date(2027, 2, 1)})
        self.assertEqual(invoice.recurring_period_start, date(2027, 3, 1))
        copy = invoice.copy()
        self.assertFalse(copy.recurring_period_start)
        self.assertFalse(copy.recurring_period_end)
        self.assertFalse(self.make_draft().recurring_period_start)

    def test_a_schedule_changed_later_leaves_made_invoices_their_period(self):
        invoice = self.make_and_run("month", date(2027, 3, 1))
        template = invoice.recurring_template_id
        template.write({"recurring_interval": 3})
        self.env.flush_all()
        invoice.invalidate_recordset()
        self.assertEqual(
            (invoice.recurring_period_start, invoice.recurring_period_end),
            (date(2027, 3, 1), date(2027, 3, 31)),
        )

    def test_migration_gives_invoices_made_before_their_period(self):
        invoice = self.make_and_run("quarter", date(2027, 4, 1))
        plain = self.make_draft()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move SET recurring_period_start = NULL, "
            "recurring_period_end = NULL WHERE id IN %s",
            (tuple((invoice | plain).ids),),
        )
        self.env.invalidate_all()
        self.assertFalse(invoice.recurring_period_start)
        migration = load_migration("18.0.1.4.0", "post-migration.py")
        self.assertGreaterEqual(migration.compute_made_invoice_periods(self.env), 1)
        self.env.invalidate_all()
        self.assertEqual(
            (invoice.recurring_period_start, invoice.recurring_period_end),
            (date(2027, 4, 1), date(2027, 6, 30)),
        )
        self.assertFalse(plain.recurring_period_start)

    def test_invoice_pdf_states_the_period(self):
        invoice = self.make_and_run(
            "month",
            date(2027, 3, 1),
            send_day=date(2027, 2, 19),
            options={"days_ahead": 10},
        )
        self.assertEqual(invoice._recurring_period_text(), "03/01/2027–03/31/2027")
        self.assertIn("Period: 03/01/2027–03/31/2027", report_text(self.env, invoice))

    def test_invoice_pdf_of_a_plain_invoice_states_no_period(self):
        invoice = self.make_draft()
        invoice.action_post()
        self.assertEqual(invoice._recurring_period_text(), "")
        self.assertNotIn("Period:", report_text(self.env, invoice))
