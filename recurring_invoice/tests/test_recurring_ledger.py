# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A template is no draft entry of the books: the lock dates, the journals'
dashboard and the lists of entries leave it out; a template that is done
with is archived; the form says its schedule in words."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import (
    AccessError,
    RedirectWarning,
    UserError,
    ValidationError,
)
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import RecurringInvoiceCase, oslo

LOCKS = ("sale_lock_date", "tax_lock_date", "fiscalyear_lock_date", "hard_lock_date")


@tagged("post_install", "-at_install")
class TestRecurringLedger(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.journal = cls.company_data["default_journal_sale"]

    def made_on(self, template, day):
        return template.recurring_invoice_ids.filtered(
            lambda invoice: invoice.recurring_occurrence_date == day
        )

    # --- lock dates: res_company.py _validate_locks ---------------------------
    def test_every_lock_date_is_set_with_running_templates(self):
        """A Norwegian business locks its VAT period after filing: templates,
        running or paused, dated before the lock, never stand in the way."""
        running = self.make_template()
        paused = self.make_template()
        paused.action_recurring_pause()
        self.assertLess(running.date, date(2027, 2, 28))
        with freeze_time(oslo(2027, 3, 5, 9, 0)):
            self.env.company.write({name: date(2027, 2, 28) for name in LOCKS})
        self.assertEqual(self.env.company.hard_lock_date, date(2027, 2, 28))
        self.assertEqual(
            (running.recurring_state, paused.recurring_state), ("active", "paused")
        )
        # Nor does the template's form warn that it is dated in a locked period.
        draft = self.make_draft(invoice_date=date(2027, 2, 10))
        self.assertTrue(draft.tax_lock_date_message)
        self.assertFalse(running.tax_lock_date_message)
        self.assertFalse(paused.tax_lock_date_message)

    def test_hard_lock_still_refused_for_a_plain_draft(self):
        """Only templates are left out: a draft invoice in the period still
        stops the hard lock, as in Odoo."""
        template = self.make_template()
        draft = self.make_draft(invoice_date=date(2027, 2, 10))
        with (
            freeze_time(oslo(2027, 3, 5, 9, 0)),
            self.assertRaises(RedirectWarning) as refused,
        ):
            self.env.company.hard_lock_date = date(2027, 2, 28)
        shown = self.Move.search(refused.exception.args[1]["domain"])
        self.assertIn(draft, shown)
        self.assertNotIn(template, shown)
        self.assertFalse(self.env.company.hard_lock_date)

    def test_job_goes_on_after_a_lock(self):
        """After the locks, the job makes and posts every invoice due: one
        caught up from inside the locked period is booked after the lock (as
        Odoo books any invoice dated there), the next ones on their day; no
        invoice made before the lock changes."""
        template = self.make_template()
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        january = self.made_on(template, date(2027, 1, 31))
        self.assertEqual(january.state, "posted")
        number, booked = january.name, january.date
        # The server is down over February 28; the VAT period is locked on 5 March.
        with freeze_time(oslo(2027, 3, 5, 6, 0)):
            self.env.company.write({name: date(2027, 2, 28) for name in LOCKS})
        self.run_cron(oslo(2027, 3, 5, 6, 15))
        february = self.made_on(template, date(2027, 2, 28))
        self.assertEqual(february.state, "posted")
        self.assertGreater(february.date, date(2027, 2, 28))
        self.run_cron(oslo(2027, 3, 31, 6, 15))
        march = self.made_on(template, date(2027, 3, 31))
        self.assertEqual(march.state, "posted")
        self.assertEqual(march.date, date(2027, 3, 31))
        self.assertEqual((january.name, january.date), (number, booked))
        self.assertEqual(len(template.recurring_invoice_ids), 3)
        self.assertEqual(template.recurring_state, "active")

    # --- dashboards and lists: account_journal.py, the actions' domains --------
    def dashboard_drafts(self):
        data = self.journal._get_journal_dashboard_data_batched()
        return data[self.journal.id]["number_draft"]

    def test_sales_dashboard_counts_no_template_as_a_draft(self):
        before = self.dashboard_drafts()
        self.make_draft()
        self.assertEqual(self.dashboard_drafts(), before + 1)
        self.make_template()
        paused = self.make_template()
        paused.action_recurring_pause()
        self.assertEqual(self.dashboard_drafts(), before + 1)

    def test_journal_entries_and_invoices_lists_leave_templates_out(self):
        template = self.make_template()
        draft = self.make_draft()
        for xmlid in (
            "account.action_move_journal_line",
            "account.action_move_out_invoice_type",
            "account.action_move_out_invoice",
        ):
            with self.subTest(action=xmlid):
                action = self.env.ref(xmlid)
                found = self.Move.search(safe_eval(action.domain or "[]"))
                self.assertIn(draft, found)
                self.assertNotIn(template, found)

    def test_invoice_analysis_leaves_templates_out(self):
        template = self.make_template()
        self.env.flush_all()
        lines = self.env["account.invoice.report"].search(
            [("move_id", "=", template.id)]
        )
        self.assertFalse(lines)

    # --- archive: account_move.py action_recurring_archive ----------------------
    def ended_with_history(self):
        template = self.make_template()
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        template.action_recurring_stop()
        self.assertEqual(len(template.recurring_invoice_ids), 1)
        return template

    def templates_list(self, filters=()):
        """What the templates list shows, with the search view's ``filters``."""
        action = self.env.ref("recurring_invoice.action_recurring_template")
        context = safe_eval(action.context)
        domain = safe_eval(action.domain)
        search = self.env.ref("recurring_invoice.view_recurring_template_search")
        arch = etree.fromstring(search.arch_db)
        for name in filters:
            domain += safe_eval(
                arch.xpath(f"//filter[@name='{name}']")[0].get("domain")
            )
        return self.Move.with_context(**context).search(domain)

    def test_stopped_template_is_archived_and_restored(self):
        template = self.ended_with_history()
        invoice = template.recurring_invoice_ids
        self.assertIn(template, self.templates_list())
        template.with_user(self.accountant).action_recurring_archive()
        self.assertEqual(template.recurring_state, "archived")
        self.assertNotIn(template, self.templates_list())
        self.assertNotIn(template, self.templates_list(["ended_templates"]))
        self.assertIn(template, self.templates_list(["archived_templates"]))
        self.assertEqual(invoice.recurring_template_id, template)
        self.assertEqual(invoice.state, "posted")
        template.with_user(self.accountant).action_recurring_unarchive()
        self.assertEqual(template.recurring_state, "ended")
        self.assertIn(template, self.templates_list())
        self.assertEqual(template.recurring_invoice_ids, invoice)

    def test_archived_template_is_restored_before_starting_again(self):
        template = self.ended_with_history()
        template.action_recurring_archive()
        with self.assertRaisesRegex(UserError, "restore it"):
            template.action_recurring_invoice()
        with (
            freeze_time(oslo(2027, 2, 10, 12, 0)),
            self.assertRaisesRegex(UserError, "restore it"),
        ):
            template._recurring_setup("month", date(2027, 2, 28))
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertEqual(len(template.recurring_invoice_ids), 1)
        template.action_recurring_unarchive()
        with freeze_time(oslo(2027, 2, 10, 12, 0)):
            template._recurring_setup("month", date(2027, 2, 28))
        self.assertEqual(template.recurring_state, "active")

    def test_running_template_is_stopped_before_archiving(self):
        template = self.make_template()
        with self.assertRaisesRegex(UserError, "Stop"):
            template.action_recurring_archive()
        self.assertEqual(template.recurring_state, "active")

    def test_archive_is_for_billing_users(self):
        """Also for a user whom another module lets write invoices."""
        template = self.ended_with_history()
        writer = self.make_invoice_writer()
        with self.assertRaises(AccessError):
            template.with_user(writer).action_recurring_archive()
        self.assertEqual(template.recurring_state, "ended")
        template.action_recurring_archive()
        with self.assertRaises(AccessError):
            template.with_user(writer).action_recurring_unarchive()
        self.assertEqual(template.recurring_state, "archived")

    def test_archived_state_is_the_jobs_own(self):
        template = self.ended_with_history()
        with self.assertRaises(UserError):
            template.with_user(self.accountant).write({"recurring_state": "archived"})
        self.assertEqual(template.recurring_state, "ended")

    def test_delete_says_what_can_be_done(self):
        template = self.make_template()
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        with self.assertRaisesRegex(UserError, "Stop it, then archive it"):
            template.unlink()
        template.action_recurring_stop()
        with self.assertRaisesRegex(UserError, "Archive it to put it away"):
            template.unlink()
        unused = self.make_template()
        unused.action_recurring_stop()
        unused.unlink()
        self.assertFalse(unused.exists())

    # --- the dialog: wizard/recurring_invoice_wizard.py --------------------------
    def test_end_date_without_ends_on_a_date_is_refused(self):
        draft = self.make_draft()
        with (
            freeze_time(oslo(2027, 1, 10, 12, 0)),
            self.assertRaisesRegex(ValidationError, "does not end on a date"),
        ):
            self.env["recurring.invoice.wizard"].create(
                {
                    "move_id": draft.id,
                    "period": "month",
                    "start_date": date(2027, 1, 31),
                    "end_type": "none",
                    "end_date": date(2027, 12, 31),
                }
            )
        self.assertFalse(draft.recurring_state)

    # --- the schedule in words: account_move_recurring_schedule.py ---------------
    def labels(self, lang):
        if lang != "en_US":
            self.env["res.lang"]._activate_lang(lang)
            self.env["ir.module.module"]._load_module_terms(
                ["recurring_invoice"], [lang], overwrite=True
            )
        cases = [
            ("week", 1, 0),
            ("week", 2, 0),
            ("month", 2, 0),
            ("quarter", 2, 0),
            ("year", 1, 0),
            ("month", 3, 5),
            ("week", 4, 1),
        ]
        labels = []
        for period, interval, days_ahead in cases:
            template = self.make_template(
                period=period, options={"interval": interval, "days_ahead": days_ahead}
            )
            labels.append(template.with_context(lang=lang).recurring_schedule_label)
        return labels

    def test_schedule_in_words_in_english(self):
        self.assertEqual(
            self.labels("en_US"),
            [
                "Every week",
                "Every 2 weeks",
                "Every 2 months",
                "Every 2 quarters",
                "Every year",
                "Every 3 months, sent 5 days ahead",
                "Every 4 weeks, sent 1 day ahead",
            ],
        )

    def test_schedule_in_words_in_norwegian(self):
        self.assertEqual(
            self.labels("nb_NO"),
            [
                "Hver uke",
                "Hver 2. uke",
                "Annenhver måned",
                "Annethvert kvartal",
                "Hvert år",
                "Hver 3. måned, sendes 5 dager før",
                "Hver 4. uke, sendes 1 dag før",
            ],
        )
