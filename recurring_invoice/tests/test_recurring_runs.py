# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The run record: one per company and morning, what it made and sent."""

import logging
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringRuns(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.Run = cls.env["recurring.invoice.run"]

    def runs(self, company=None):
        return self.Run.search([("company_id", "=", (company or self.env.company).id)])

    def sent_template(self, **values):
        return self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id, **values
        )

    def test_counts_of_a_morning(self):
        sent = [self.sent_template() for _n in range(3)]
        mute = self.env["res.partner"].create(
            {"name": "Uten Epost AS", "invoice_sending_method": "email"}
        )
        not_sent = self.make_template(partner=mute, invoice_user_id=self.accountant.id)
        bad = self.sent_template()
        account = bad.invoice_line_ids.account_id.copy()
        bad.invoice_line_ids.account_id = account
        account.deprecated = True
        with self.muted_logs():
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        run = self.runs()
        self.assertEqual(len(run), 1)
        self.assertEqual(run.run_date, date(2027, 1, 31))
        self.assertEqual(run.started, oslo(2027, 1, 31, 6, 15))
        self.assertEqual(run.finished, oslo(2027, 1, 31, 6, 15))
        self.assertEqual(
            (
                run.due_count,
                run.made_count,
                run.posted_count,
                run.sent_count,
                run.not_sent_count,
                run.failed_count,
                run.summary_count,
            ),
            (5, 4, 4, 3, 1, 1, 1),
        )
        self.assertEqual(
            run.invoice_ids,
            sum((t.recurring_invoice_ids for t in sent + [not_sent]), self.Move),
        )
        self.assertEqual(run.failure_ids.template_id, bad)
        self.assertIn("is deprecated", run.failure_ids.error)
        self.assertRegex(run.workers, r"^\d+@")
        self.assertFalse(run.missed_days)
        self.assertFalse(run.catch_up_days)
        # the template's smart button
        self.assertEqual(bad.recurring_run_count, 1)
        self.assertEqual(sent[0].recurring_run_count, 1)
        action = sent[0].action_view_recurring_runs()
        self.assertEqual(self.Run.search(action["domain"]), run)
        # a later call the same morning adds no run, and counts the same
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        self.assertEqual(self.runs(), run)
        run.invalidate_recordset()
        self.assertEqual((run.made_count, run.sent_count), (4, 3))

    def test_one_run_per_morning_with_two_workers(self):
        templates = [self.sent_template() for _n in range(4)]
        first = self.Job.with_context(job_uuid="worker-1")
        second = self.Job.with_context(job_uuid="worker-2")
        with freeze_time(oslo(2027, 1, 31, 6, 15)):
            for _turn in range(20):
                left = first._cron_make_and_send(batch_size=1)
                left += max(second._cron_send(batch_size=1), 0)
                left += max(second._cron_make_and_send(batch_size=1), 0)
                left += max(first._cron_send(batch_size=1), 0)
                if left <= 0:
                    break
        self.env.invalidate_all()
        run = self.runs()
        self.assertEqual(len(run), 1)
        self.assertEqual(run.workers, "worker-1,worker-2")
        made = sum((t.recurring_invoice_ids for t in templates), self.Move)
        self.assertEqual(len(made), 4)
        self.assertEqual((run.due_count, run.made_count, run.sent_count), (4, 4, 4))
        self.assertEqual(run.summary_count, 1)
        self.assertTrue(run.finished)
        # the next morning: a run of its own
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(
            self.runs().mapped("run_date"), [date(2027, 2, 1), date(2027, 1, 31)]
        )

    def test_mornings_not_run_and_days_caught_up(self):
        template = self.sent_template(period="week", start=date(2027, 1, 4))
        self.run_cron(oslo(2027, 1, 4, 6, 15))
        # no run from the 5th to the 12th: the 13th makes the 11th's invoice
        self.run_cron(oslo(2027, 1, 13, 6, 15))
        late = self.runs()[0]
        self.assertEqual(late.run_date, date(2027, 1, 13))
        self.assertEqual(late._missed_dates(), [date(2027, 1, d) for d in range(5, 13)])
        self.assertEqual(late._caught_up_dates(), [date(2027, 1, 11)])
        self.assertTrue(late.missed_days)
        self.assertTrue(late.catch_up_days)
        self.assertEqual(late.made_count, 1)
        # the summary of the catch-up morning says so
        summary = self.env["mail.mail"].search(
            [("model", "=", "res.users")], order="id desc", limit=1
        )
        self.assertIn("did not run on", summary.body_html)
        self.assertIn("caught up the invoices", summary.body_html)
        self.assertIn(late._format_days([date(2027, 1, 11)]), summary.body_html)
        self.assertEqual(len(template.recurring_invoice_ids), 2)
        # the morning before the 06:15 send time belongs to the day before
        self.run_cron(oslo(2027, 1, 14, 6, 0))
        self.assertEqual(self.runs()[0].run_date, date(2027, 1, 13))

    def test_retention(self):
        runs = self.Run.sudo()._recurring_as_job()
        today = date.today()
        old, kept = runs.create(
            [
                {"company_id": self.env.company.id, "run_date": today - timedelta(401)},
                {"company_id": self.env.company.id, "run_date": today - timedelta(399)},
            ]
        )
        template = self.sent_template()
        failure = (
            self.env["recurring.invoice.run.failure"]
            .sudo()
            ._recurring_as_job()
            .create(
                {
                    "company_id": self.env.company.id,
                    "run_date": old.run_date,
                    "template_id": template.id,
                    "error": "old",
                }
            )
        )
        self.Run._gc_old_runs()
        self.assertFalse(old.exists())
        self.assertFalse(failure.exists())
        self.assertTrue(kept.exists())
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_invoice.run_retention_days", "30"
        )
        self.Run._gc_old_runs()
        self.assertFalse(kept.exists())

    def test_readable_by_billing_users_of_the_company_only(self):
        self.sent_template()
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        run = self.runs()
        as_billing = run.with_user(self.accountant)
        self.assertEqual(as_billing.made_count, 1)
        self.assertEqual(self.Run.with_user(self.accountant).search([]), run)
        Access = self.env["ir.model.access"].with_user(self.accountant)
        self.assertTrue(Access.check("recurring.invoice.run", "read", False))
        for mode in ("write", "create", "unlink"):
            self.assertFalse(Access.check("recurring.invoice.run", mode, False))
        with self.assertRaises(UserError):  # AccessError is one too
            as_billing.write({"workers": "me"})
        with self.assertRaises(AccessError):
            as_billing.unlink()
        with self.assertRaises(UserError):
            self.Run.with_user(self.accountant).create(
                {"company_id": self.env.company.id, "run_date": date(2027, 2, 1)}
            )
        # even an administrator does not write what the job keeps
        with self.assertRaises(UserError):
            run.sudo().write({"started": oslo(2027, 1, 1, 6, 15)})
        other = self.setup_other_company()["company"]
        stranger = new_test_user(
            self.env,
            "stranger",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[other.id],
        )
        self.assertFalse(self.Run.with_user(stranger).search([]))
        with self.assertRaises(AccessError):
            run.with_user(stranger).read(["run_date"])
        failure = (
            self.env["recurring.invoice.run.failure"]
            .sudo()
            ._recurring_as_job()
            .create(
                {
                    "company_id": self.env.company.id,
                    "run_date": run.run_date,
                    "template_id": run.invoice_ids.recurring_template_id.id,
                    "error": "Nope",
                }
            )
        )
        self.assertEqual(run.with_user(self.accountant).failure_ids, failure)
        with self.assertRaises(AccessError):
            failure.with_user(stranger).read(["error"])
        employee = new_test_user(self.env, "employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            run.with_user(employee).read(["run_date"])

    def test_the_run_record_failing_does_not_stop_the_job(self):
        template = self.sent_template()
        Job = type(self.Job)
        with (
            patch.object(Job, "_run_worker", return_value=object()),
            self.muted_logs(expect="run record not written"),
            self.muted_logs("odoo.sql_db", logging.ERROR),
        ):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(template.recurring_invoice_ids.recurring_send_state, "sent")
        self.assertFalse(self.runs())
