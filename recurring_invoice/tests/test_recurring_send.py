# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import smtplib
import threading
from datetime import date, timedelta
from unittest.mock import patch

import psycopg2.errors
from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.models.account_move_send import AccountMoveSend
from odoo.addons.base.models.ir_mail_server import IrMailServer, MailDeliveryException
from odoo.addons.recurring_invoice.models.recurring_invoice_job import FINISH_LOCK
from odoo.addons.recurring_invoice.models.recurring_invoice_job_send import (
    _collisions_not_logged,
)
from odoo.addons.recurring_invoice.tools.trusted import Trusted

from .common import ADDON_LOGGER, RecurringInvoiceCase, oslo

MAIL_LOGGERS = (
    "odoo.addons.mail.models.mail_mail",
    "odoo.addons.recurring_invoice.models.mail_mail",
)


def refused(*args, **kwargs):
    raise ConnectionRefusedError(111, "Connection refused")


def rate_limited(*args, **kwargs):
    raise MailDeliveryException(
        "Mail Delivery Failed",
        "SMTPDataError: (421, b'4.7.0 Too many messages, try again later')",
    )


@tagged("post_install", "-at_install")
class TestRecurringSend(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()

    def made_not_sent(self, count):
        """``count`` invoices made and posted by the 06:15 job, left to send."""
        for n in range(count):
            self.make_template(
                partner=self.customer,
                invoice_user_id=self.accountant.id,
                price=10.0 + n,
            )
        self.env["ir.config_parameter"].set_param("recurring_invoice.hold_sending", "1")
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoices = self.Move.search([("recurring_send_state", "=", "to_send")])
        self.assertEqual(len(invoices), count)
        return invoices

    def summaries(self):
        """The summary e-mails queued so far (the only mails about users)."""
        return self.env["mail.mail"].search([("model", "=", "res.users")])

    def test_invoice_is_sent_after_it_is_posted(self):
        template = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.recurring_send_state, "sent")
        self.assertTrue(invoice.is_move_sent)
        self.assertTrue(invoice.invoice_pdf_report_id)
        message = invoice.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertIn(self.customer, message.partner_ids)
        self.assertEqual(message.author_id, self.accountant.partner_id)
        self.assertTrue(message.attachment_ids)

    def test_customer_without_email(self):
        self.customer.email = False
        template = self.make_template(partner=self.customer)
        with self.muted_logs(expect="not sent"):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.recurring_send_state, "to_send")
        self.assertIn("no e-mail address", invoice.recurring_send_error)
        self.assertIn("no e-mail address", invoice.message_ids[0].body)
        # tried again on the next days, then left to the user
        with self.muted_logs(expect="not sent"):
            self.run_cron(oslo(2027, 2, 1, 6, 15))
            self.run_cron(oslo(2027, 2, 2, 6, 15))
            self.run_cron(oslo(2027, 2, 3, 6, 15))
        self.assertEqual(invoice.recurring_send_state, "failed")
        self.assertEqual(invoice.recurring_send_attempts, 3)
        self.assertEqual(invoice.state, "posted")

    def test_failed_sending_is_retried_and_never_undoes_the_invoice(self):
        template = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        original = AccountMoveSend._generate_and_send_invoices

        def broken_pdf(self, moves, **kwargs):
            raise ValueError("Cannot read an empty file")  # like PyPDF2 EmptyFileError

        with (
            patch.object(AccountMoveSend, "_generate_and_send_invoices", broken_pdf),
            self.muted_logs(expect="not sent"),
        ):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.recurring_send_state, "to_send")
        self.assertFalse(invoice.is_move_sent)
        first = self.summaries()
        self.assertEqual(len(first), 1)
        self.assertIn("Could not be sent", first.body_html)
        self.assertIn("empty file", first.body_html)
        # the same morning nothing more happens; the next day it goes out
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        self.assertEqual(invoice.recurring_send_state, "to_send")
        self.assertEqual(AccountMoveSend._generate_and_send_invoices, original)
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(invoice.recurring_send_state, "sent")
        second = self.summaries() - first
        self.assertEqual(len(second), 1)
        self.assertIn(invoice.name, second.body_html)
        self.assertNotIn("Could not be sent", second.body_html)

    def test_one_summary_per_user_and_none_on_a_quiet_day(self):
        other = new_test_user(
            self.env,
            "ola",
            name="Ola Nordmann",
            email="ola@example.com",
            groups="account.group_account_invoice",
        )
        mine = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        also_mine = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id, price=250.0
        )
        theirs = self.make_template(partner=self.customer, invoice_user_id=other.id)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        summaries = self.summaries()
        self.assertEqual(len(summaries), 2)
        kari = summaries.filtered(
            lambda m: self.accountant.partner_id in m.recipient_ids
        )
        ola = summaries - kari
        self.assertIn(other.partner_id, ola.recipient_ids)
        for invoice in (mine | also_mine).recurring_invoice_ids:
            self.assertIn(invoice.name, kari.body_html)
            self.assertNotIn(invoice.name, ola.body_html)
        self.assertIn(theirs.recurring_invoice_ids.name, ola.body_html)
        # summaries are never posted on the invoices
        for invoice in (mine | also_mine | theirs).recurring_invoice_ids:
            self.assertFalse(
                invoice.message_ids.filtered(lambda m: "Summary" in (m.subject or ""))
            )
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(self.summaries(), summaries)

    def test_senders_send_while_the_job_makes(self):
        """The job makes one batch, commits it and wakes the sending scheduled
        action, which sends it while the job makes the next; the summary goes
        out once, when the last worker finds nothing left to make or send."""
        sender = self.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        self.assertEqual(sender.code.strip(), "model._cron_send()")
        templates = self.Move.browse()
        for n in range(3):
            templates |= self.make_template(
                partner=self.customer,
                invoice_user_id=self.accountant.id,
                price=100.0 + n,
            )
        Trigger = self.env["ir.cron.trigger"]
        woken = Trigger.search_count([("cron_id", "=", sender.id)])
        with freeze_time(oslo(2027, 1, 31, 6, 15)):
            # the job: one batch of two templates, made and posted, not sent
            self.assertEqual(self.Job._cron_make_and_send(batch_size=2), 3)
            made = templates.recurring_invoice_ids
            self.assertEqual(len(made), 2)
            self.assertEqual(set(made.mapped("recurring_send_state")), {"to_send"})
            self.assertEqual(
                Trigger.search_count([("cron_id", "=", sender.id)]), woken + 1
            )
            # a sender sends them while one template is still due: no summary yet
            self.assertEqual(self.Job._cron_send(), 0)
            self.assertEqual(set(made.mapped("recurring_send_state")), {"sent"})
            self.assertFalse(self.summaries())
            # the job makes the last one, then sends it itself
            self.assertEqual(self.Job._cron_make_and_send(batch_size=2), 1)
            self.assertFalse(self.summaries())
            self.assertEqual(self.Job._cron_make_and_send(batch_size=2), 0)
            # a sender with nothing left does not send a second summary
            self.assertEqual(self.Job._cron_send(), 0)
        self.env.invalidate_all()
        invoices = templates.recurring_invoice_ids
        self.assertEqual(len(invoices), 3)
        self.assertEqual(set(invoices.mapped("recurring_send_state")), {"sent"})
        summary = self.summaries()
        self.assertEqual(len(summary), 1)
        for invoice in invoices:
            self.assertIn(invoice.name, summary.body_html)

    def test_a_scheduled_action_with_work_left_runs_again_at_once(self):
        """ir.cron runs a job at most 10 batches in a row, then waits a minute
        for its next look unless triggered: with work left after a batch, the
        running scheduled action triggers itself; with nothing done, not."""
        for n in range(2):
            self.make_template(
                partner=self.customer, invoice_user_id=self.accountant.id, price=5.0 + n
            )
        Trigger = self.env["ir.cron.trigger"]

        def triggers():
            """The triggers to run now (not the next morning's)."""
            return Trigger.search_count(
                [
                    ("cron_id", "=", self.cron.id),
                    ("call_at", "<=", oslo(2027, 1, 31, 6, 15)),
                ]
            )

        before = triggers()
        job = self.Job.with_context(cron_id=self.cron.id)
        with freeze_time(oslo(2027, 1, 31, 6, 15)):
            self.assertEqual(job._cron_make_and_send(batch_size=1), 2)
            self.assertEqual(triggers(), before + 1)
            self.env["ir.config_parameter"].set_param(
                "recurring_invoice.hold_sending", "1"
            )
            self.assertEqual(job._cron_make_and_send(batch_size=1), 0)
            self.assertEqual(triggers(), before + 1)

    def test_job_wakes_every_sender_or_none(self):
        """A copy of the sending scheduled action adds a worker: the job wakes
        both; with every sender switched off it wakes none and still makes
        (``_trigger()`` takes one scheduled action at a time)."""
        sender = self.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        copy = sender.copy({"name": "Recurring invoices: send (2)"})
        Trigger = self.env["ir.cron.trigger"]

        def woken():
            return {
                cron: Trigger.search_count([("cron_id", "=", cron.id)])
                for cron in (sender, copy)
            }

        before = woken()
        self.Job._wake_senders()
        self.assertEqual(woken(), {cron: count + 1 for cron, count in before.items()})
        (sender | copy).active = False
        self.make_template(partner=self.customer, invoice_user_id=self.accountant.id)
        with freeze_time(oslo(2027, 1, 31, 6, 15)):
            self.Job._cron_make_and_send(batch_size=2)
        self.assertEqual(
            len(self.Move.search([("recurring_send_state", "!=", False)])), 1
        )

    def test_sending_takes_a_batch_of_the_invoices_given(self):
        """A sender sends at most its batch, of the invoices it is given (a
        queue job's), each once."""
        invoices = self.made_not_sent(4)
        now = oslo(2027, 1, 31, 6, 16)
        first = self.Job._send_pending(now, 2, among=invoices.ids)
        second = self.Job._send_pending(now, 10, among=invoices.ids)
        self.assertEqual(len(first), 2)
        # the first batch is sent: the second takes the rest
        self.assertEqual(second, invoices - first)
        self.assertFalse(self.Job._send_pending(now, 10, among=invoices.ids))
        self.assertEqual(set(invoices.mapped("recurring_send_state")), {"sent"})

    def test_concurrent_update_is_not_a_failed_sending(self):
        """Another worker committed a change to a record this sending writes
        (the customer: Odoo's portal prepares its sign-up link): the invoice
        is not counted as a failed attempt and waits for the next batch."""
        invoice = self.made_not_sent(1)
        now = oslo(2027, 1, 31, 6, 16)
        conflict = psycopg2.errors.SerializationFailure(
            "could not serialize access due to concurrent update"
        )
        with patch.object(type(self.Job), "_send_invoice", side_effect=conflict):
            # tried, not done: the progress API is not told it was sent
            self.assertFalse(self.Job._send_pending(now, 10))
        self.assertEqual(invoice.recurring_send_state, "to_send")
        self.assertEqual(invoice.recurring_send_attempts, 0)
        self.assertFalse(invoice.recurring_send_retry_after)
        self.assertFalse(invoice.recurring_send_error)
        self.Job._send_pending(now, 10)
        self.assertEqual(invoice.recurring_send_state, "sent")

    def test_a_collision_is_not_logged_as_an_error(self):
        """Odoo logs each failed query as an ERROR: while the job sends, a
        query that met another worker's commit is not (it is handled), any
        other failed query still is."""
        sql_logger = logging.getLogger("odoo.sql_db")
        conflict = psycopg2.errors.SerializationFailure("concurrent update")
        with self.assertNoLogs("odoo.sql_db", level="ERROR"):
            with _collisions_not_logged():
                sql_logger.error("bad query: %s\nERROR: %s", "UPDATE", conflict)
        with self.assertLogs("odoo.sql_db", level="ERROR"):
            with _collisions_not_logged():
                sql_logger.error(
                    "bad query: %s\nERROR: %s", "UPDATE", ValueError("other")
                )
        with self.assertLogs("odoo.sql_db", level="ERROR"):
            sql_logger.error("bad query: %s\nERROR: %s", "UPDATE", conflict)
        # while this thread sends, another thread's (another worker's) still is
        other = threading.Thread(
            target=sql_logger.error,
            args=("bad query: %s\nERROR: %s", "UPDATE", conflict),
        )
        with self.assertLogs("odoo.sql_db", level="ERROR"):
            with _collisions_not_logged():
                other.start()
                other.join()

    def test_sending_writes_the_customer_only_when_its_signup_changes(self):
        """Odoo's portal prepares the customer's sign-up link in each invoice
        e-mail by writing the customer: when the job sends, a customer whose
        sign-up type is already set is not written again (two workers sending
        to one customer would fail on each other's commit), and the link is
        the same."""
        customer = self.customer.sudo()
        customer.signup_type = False
        sending = customer.with_context(recurring_invoice_send=Trusted(1))
        sending.signup_prepare()
        self.assertEqual(customer.signup_type, "signup")
        self.env.flush_all()
        token = customer._generate_signup_token()
        with patch.object(type(customer), "write", side_effect=AssertionError):
            sending.signup_prepare()
        self.assertEqual(customer._generate_signup_token(), token)
        # elsewhere Odoo's own behaviour is unchanged, whatever a client's
        # context says
        for other in (customer, customer.with_context(recurring_invoice_send=1)):
            with patch.object(type(customer), "write", return_value=True) as write:
                other.signup_prepare()
            write.assert_called_once_with({"signup_type": "signup"})

    def test_only_one_worker_finishes_the_morning(self):
        """Two workers that both find nothing left: the summaries and the next
        run are done once (a transaction lock), the second leaves them."""
        now = oslo(2027, 1, 31, 6, 16)
        Job = type(self.Job)
        with (
            self.env.registry.cursor() as other_cr,
            patch.object(Job, "_send_summaries") as summaries,
            patch.object(Job, "_schedule_next_run") as next_run,
        ):
            # another worker finishing holds the lock
            other_cr.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [FINISH_LOCK]
            )
            self.assertFalse(self.Job._finish(now))
            summaries.assert_not_called()
            next_run.assert_not_called()
            other_cr.rollback()
            # the lock ends with the other's transaction
            self.assertTrue(self.Job._finish(now))
            summaries.assert_called_once_with(now)
            next_run.assert_called_once_with(now)

    def salesperson_who_leaves(self):
        """A billing user, archived by the test when they have left."""
        return new_test_user(
            self.env,
            "per",
            name="Per Sluttet",
            email="per@example.com",
            groups="account.group_account_invoice",
        )

    def test_summary_finds_someone_when_the_salesperson_has_left(self):
        """An archived salesperson is not told: the user who made the template
        recurring is; when they have left too (or have no e-mail address), the
        company's billing administrators are."""
        gone = self.salesperson_who_leaves()
        template = self.make_template(partner=self.customer, invoice_user_id=gone.id)
        template._recurring_write({"recurring_user_id": self.accountant.id})
        new_test_user(
            self.env,
            "anne",
            name="Anne Sjef",
            email="anne@example.com",
            groups="account.group_account_manager",
            company_id=template.company_id.id,
            company_ids=[Command.set(template.company_id.ids)],
        )
        gone.active = False

        def billing_administrator(partner):
            user = partner.user_ids
            self.assertEqual(len(user), 1)
            self.assertTrue(user.active and user.email)
            self.assertTrue(user.has_group("account.group_account_manager"))
            self.assertIn(template.company_id, user.company_ids)
            self.assertNotIn(user, gone | self.accountant)
            return True

        def told(day):
            before = self.summaries()
            self.run_cron(oslo(2027, day.month, day.day, 6, 15))
            summary = self.summaries() - before
            self.assertEqual(len(summary), 1)
            return summary.recipient_ids

        self.assertEqual(told(date(2027, 1, 31)), self.accountant.partner_id)
        self.accountant.email = False
        self.assertTrue(billing_administrator(told(date(2027, 2, 28))))
        self.accountant.email = "kari@example.com"
        self.accountant.active = False
        self.assertTrue(billing_administrator(told(date(2027, 3, 31))))

    def test_summary_looks_up_a_replacement_once(self):
        """The replacement for a salesperson who has left is looked up once per
        salesperson, not once per invoice: the summary costs the same queries
        for 2 invoices as for 6."""
        gone = self.salesperson_who_leaves()
        costs = []
        rounds = (
            (1, date(2027, 1, 31)),
            (2, date(2027, 2, 28)),
            (6, date(2027, 3, 31)),
        )
        for count, day in rounds:  # the first warms Odoo's caches
            templates = self.Move.browse()
            for n in range(count):
                templates |= self.make_template(
                    partner=self.customer,
                    invoice_user_id=gone.id,
                    price=100.0 + n,
                    start=day,
                )
            templates._recurring_write({"recurring_user_id": gone.id})
            gone.active = False
            self.env["ir.config_parameter"].set_param(
                "recurring_invoice.hold_sending", "1"
            )
            self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
            templates.recurring_invoice_ids._recurring_write(
                {"recurring_send_state": "sent", "recurring_send_to_report": True}
            )
            self.env.invalidate_all()
            summaries = self.summaries()
            before = self.env.cr.sql_log_count
            with freeze_time(oslo(day.year, day.month, day.day, 6, 20)):
                told = self.Job._send_summaries(
                    oslo(day.year, day.month, day.day, 6, 20)
                )
            costs.append(self.env.cr.sql_log_count - before)
            # one summary, to a replacement (not skipped for want of one)
            self.assertEqual(told, 1)
            summary = self.summaries() - summaries
            self.assertEqual(len(summary), 1)
            self.assertNotIn(gone.partner_id, summary.recipient_ids)
            for invoice in templates.recurring_invoice_ids:
                self.assertIn(invoice.name, summary.body_html)
            gone.active = True
        self.assertEqual(costs[1], costs[2])

    def test_summary_in_norwegian(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        self.accountant.lang = "nb_NO"
        nok = self.env.ref("base.NOK")
        nok.active = True
        template = self.make_template(
            start=date(2026, 11, 26),
            partner=self.customer,
            invoice_user_id=self.accountant.id,
            price=1234.5,
            taxes=self.env["account.tax"],
            currency_id=nok.id,
        )
        self.run_cron(oslo(2026, 11, 26, 6, 15))
        summary = self.summaries()
        invoice = template.recurring_invoice_ids
        self.assertEqual(len(summary), 1)
        self.assertIn(
            "Oppsummering av gjentagende fakturaer sendt i dag", summary.body_html
        )
        self.assertIn("26.11.2026", summary.body_html)
        # Norwegian amounts: no-break space between thousands, decimal comma
        self.assertRegex(summary.body_html, "1(\xa0|&nbsp;)234,50")
        self.assertIn(invoice.name, summary.body_html)

    def test_panel_shows_history_and_upcoming(self):
        template = self.make_template(period="month", start=date(2027, 1, 31))
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        html = str(template._recurring_panel_html())
        self.assertIn(template.recurring_invoice_ids.name, html)
        for day in (
            "02/28/2027",
            "03/31/2027",
            "04/30/2027",
            "05/31/2027",
            "06/30/2027",
        ):
            self.assertIn(day, html)
        self.assertNotIn("07/31/2027", html)
        self.assertIn("06:15", html)
        template.action_recurring_pause()
        template.invalidate_recordset(["recurring_panel"])
        self.assertIn("Paused", str(template.recurring_panel))
        self.assertNotIn("02/28/2027", str(template.recurring_panel))

    def count_queries(self, function):
        function()  # warm the registry's caches (currencies, languages)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        function()
        return self.cr.sql_log_count - before

    def test_panel_query_count_does_not_grow_with_history(self):
        template = self.make_template(period="week", start=date(2027, 1, 4))
        self.run_cron(oslo(2027, 1, 4, 6, 15))
        with_one = self.count_queries(template._recurring_panel_html)
        # 199 more invoices of the template (drafts are enough for the panel)
        values = template.copy_data()[0]
        self.Move._recurring_as_job().create(
            [
                {
                    **values,
                    "recurring_template_id": template.id,
                    "recurring_occurrence_date": date(2030, 1, 7 + n % 20).replace(
                        year=2030 + n // 20
                    ),
                    "line_ids": [
                        Command.create(dict(command[2]))
                        for command in values["line_ids"]
                    ],
                }
                for n in range(199)
            ]
        )
        with_200 = self.count_queries(template._recurring_panel_html)
        self.assertEqual(template.recurring_invoice_count, 200)
        self.assertEqual(with_one, with_200)

    def test_job_pdfs_skip_odoo_wait_for_scripts(self):
        report = self.env["ir.actions.report"]
        paperformat = self.env.ref("base.paperformat_euro")

        def delay(context):
            args = report.with_context(**context)._build_wkhtmltopdf_args(
                paperformat, False
            )
            return args[args.index("--javascript-delay") + 1]

        job = {"recurring_invoice_send": Trusted(1)}
        self.assertEqual(delay({}), "1000")  # Odoo's, for every other PDF
        self.assertEqual(delay({"recurring_invoice_send": 1}), "1000")  # a client's
        self.assertEqual(delay(job), "0")
        params = self.env["ir.config_parameter"]
        params.set_param("recurring_invoice.print_delay", 250)
        self.assertEqual(delay(job), "250")
        # not a whole number of milliseconds: the default, told once in the log
        for wrong in ("-5", "soon"):
            params.set_param("recurring_invoice.print_delay", wrong)
            with self.assertLogs(ADDON_LOGGER, "WARNING") as logged:
                self.assertEqual(delay(job), "0")
                self.assertEqual(delay(job), "0")
            self.assertEqual(len(logged.output), 1)

    # --- the mail server refuses, is slow, rate-limits ---------------------
    def invoice_mail(self, invoice):
        return self.env["mail.mail"].search([("recurring_invoice_id", "=", invoice.id)])

    def notification(self, invoice):
        return invoice.message_ids.notification_ids.filtered(
            lambda n: n.res_partner_id == self.customer
        )

    def made_invoice(self, **values):
        """The invoice a template made at the 06:15 run of 31 January 2027, and
        its e-mail waiting in the queue."""
        template = self.make_template(partner=self.customer, **values)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        return invoice, self.invoice_mail(invoice)

    def run_mail_queue(self, at, mail_server=None):
        """Odoo's "Mail: Email Queue Manager" at instant ``at``, with the mail
        server's ``connect`` and ``send_email`` replaced where given."""
        patches = [
            patch.object(IrMailServer, name, side_effect=side_effect)
            for name, side_effect in (mail_server or {}).items()
        ]
        with freeze_time(at), mute_logger(*MAIL_LOGGERS):
            for active in patches:
                active.start()
            try:
                self.env["mail.mail"].process_email_queue()
            finally:
                for active in patches:
                    active.stop()
        self.env.invalidate_all()

    def test_invoice_email_waits_in_the_mail_queue(self):
        template = self.make_template(partner=self.customer)
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = template.recurring_invoice_ids
        mail = self.invoice_mail(invoice)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertTrue(mail.attachment_ids)
        self.assertEqual(invoice.recurring_send_state, "sent")
        # the queue is told to run now rather than at its next hourly run
        new = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        self.assertTrue(new)

    def test_refused_then_rate_limited_mail_goes_later_once(self):
        invoice, mail = self.made_invoice(invoice_user_id=self.accountant.id)
        start = oslo(2027, 1, 31, 6, 16)
        # the mail server refuses the connection
        self.run_mail_queue(start, {"connect": refused})
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recurring_delivery_attempts, 1)
        self.assertEqual(mail.scheduled_date, start + timedelta(minutes=5))
        self.assertEqual(self.notification(invoice).notification_status, "ready")
        summary = self.summaries()
        self.assertEqual(summary.state, "outgoing")  # the summary waits too
        # not due again before its time
        with patch.object(IrMailServer, "send_email") as send_email:
            self.run_mail_queue(start + timedelta(minutes=4))
        send_email.assert_not_called()
        # then it rate-limits: the next wait is three times longer
        self.run_mail_queue(start + timedelta(minutes=5), {"send_email": rate_limited})
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recurring_delivery_attempts, 2)
        self.assertEqual(mail.scheduled_date, start + timedelta(minutes=20))
        # then it takes it: sent once, the invoice untouched
        with patch.object(
            IrMailServer, "send_email", return_value="<id@example.com>"
        ) as send_email:
            self.run_mail_queue(start + timedelta(minutes=20))
            self.run_mail_queue(start + timedelta(hours=5))
        self.assertEqual(send_email.call_count, 2)  # the invoice, the summary
        self.assertFalse(summary.exists() and summary.state != "sent")
        self.assertFalse(mail.exists())  # the invoice template's auto-delete
        self.assertEqual(self.notification(invoice).notification_status, "sent")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.recurring_send_state, "sent")
        self.assertFalse(invoice.recurring_send_to_report)

    def test_server_closing_the_connection_strands_no_mail(self):
        """A "421 try again later" closes the session: Odoo's queue stops and
        leaves the next e-mail failed without post-processing; it still goes."""
        templates = self.make_template(partner=self.customer) | self.make_template(
            partner=self.customer, price=500.0
        )
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        mails = self.env["mail.mail"].search(
            [("recurring_invoice_id", "in", templates.recurring_invoice_ids.ids)]
        )
        self.assertEqual(len(mails), 2)
        dropped = [
            MailDeliveryException("Mail Delivery Failed", "SMTPSenderRefused: 421"),
            smtplib.SMTPServerDisconnected("please run connect() first"),
        ]
        self.run_mail_queue(oslo(2027, 1, 31, 6, 16), {"send_email": dropped})
        self.assertEqual(mails.mapped("state"), ["outgoing", "outgoing"])
        self.assertEqual(mails.mapped("recurring_delivery_attempts"), [1, 1])
        with patch.object(
            IrMailServer, "send_email", return_value="<id@example.com>"
        ) as send_email:
            self.run_mail_queue(oslo(2027, 1, 31, 6, 30))
        self.assertEqual(send_email.call_count, 3)  # and the daily summary
        self.assertEqual(
            templates.recurring_invoice_ids.mapped("recurring_send_state"),
            ["sent", "sent"],
        )

    def test_mail_never_delivered_is_reported(self):
        invoice, mail = self.made_invoice(invoice_user_id=self.accountant.id)
        at = oslo(2027, 1, 31, 6, 16)
        for _attempt in range(5):
            self.run_mail_queue(at, {"send_email": rate_limited})
            at = max(at, mail.scheduled_date or at)
        self.assertEqual(mail.state, "exception")
        self.assertEqual(mail.recurring_delivery_attempts, 5)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.recurring_send_state, "failed")
        self.assertIn("421", invoice.recurring_send_error)
        self.assertIn("could not be delivered", invoice.message_ids[0].body)
        # listed in the next day's summary as not sent
        before = self.summaries()
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        summary = self.summaries() - before
        self.assertEqual(len(summary), 1)
        self.assertIn("Could not be sent", summary.body_html)
        self.assertIn(invoice.name, summary.body_html)

    def test_copy_to_a_follower_never_delivered_leaves_the_invoice_sent(self):
        """An employee following the invoice gets their own copy of its e-mail;
        when only that copy never goes, the customer has the invoice: it stays
        sent and is not reported."""
        self.env["ir.config_parameter"].set_param("recurring_invoice.hold_sending", "1")
        template = self.make_template(partner=self.customer)
        self.run_cron(oslo(2027, 1, 31, 6, 15))  # made, not sent yet
        invoice = template.recurring_invoice_ids
        invoice.message_subscribe(self.accountant.partner_id.ids)
        self.env["ir.config_parameter"].set_param(
            "recurring_invoice.hold_sending", False
        )
        self.run_cron(oslo(2027, 1, 31, 6, 16))
        mails = self.invoice_mail(invoice)
        copy = mails.filtered(lambda m: self.accountant.partner_id in m.recipient_ids)
        to_customer = mails - copy
        self.assertEqual(len(copy), 1)
        self.assertEqual(self.customer, to_customer.recipient_ids)

        def only_the_copy_fails(message, *args, **kwargs):
            if self.accountant.email in message["To"]:
                rate_limited()
            return "<id@example.com>"

        at = oslo(2027, 1, 31, 6, 17)
        for _attempt in range(5):
            self.run_mail_queue(at, {"send_email": only_the_copy_fails})
            at = max(at, copy.scheduled_date or at)
        self.assertEqual(copy.state, "exception")
        self.assertFalse(to_customer.exists())  # delivered (and auto-deleted)
        self.assertEqual(invoice.recurring_send_state, "sent")
        self.assertFalse(invoice.recurring_send_error)
        self.assertFalse(invoice.recurring_send_to_report)

    def test_invalid_address_is_not_retried(self):
        invoice, _mail = self.made_invoice()
        self.customer.email = "not an address"
        self.run_mail_queue(oslo(2027, 1, 31, 6, 16))
        self.assertFalse(
            self.invoice_mail(invoice).filtered(lambda m: m.state == "outgoing")
        )
        self.assertEqual(invoice.recurring_send_state, "failed")
