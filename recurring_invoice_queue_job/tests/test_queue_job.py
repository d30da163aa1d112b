# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
import json
from pathlib import Path
from unittest.mock import patch

import psycopg2.errors
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.recurring_invoice.tests.common import (
    ADDON_LOGGER,
    RecurringInvoiceCase,
    oslo,
)

MORNING = oslo(2027, 1, 31, 6, 15)
CHANNEL = "root.recurring_invoice"
#: The bridge's logger, from this module's name (its modules log under it).
LOGGER = __name__.rpartition(".tests.")[0]


@tagged("post_install", "-at_install")
class TestQueueJob(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.env["ir.config_parameter"].sudo().set_param(
            "recurring_invoice.batch_size", 2
        )
        cls.env["queue.job"].sudo().search([]).unlink()

    def make_templates(self, count):
        templates = self.Move.browse()
        for n in range(count):
            templates |= self.make_template(
                partner=self.customer,
                invoice_user_id=self.accountant.id,
                price=100.0 + n,
            )
        return templates

    def run_cron(self, at=MORNING, batch_size=None):
        """The scheduled action as the scheduler runs it (cron_id in context)."""
        with freeze_time(at):
            self.Job.with_context(cron_id=self.cron.id)._cron_make_and_send()
        self.env.invalidate_all()

    def jobs(self, method, states=("pending",)):
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("model_name", "=", "recurring.invoice.job"),
                    ("method_name", "=", method),
                    ("state", "in", list(states)),
                ],
                order="id",
            )
        )

    def perform(self, records, at=MORNING):
        """Run stored jobs one after the other as queue_job's runner does:
        each in its own savepoint, postponed (pending again) when it raises
        RetryableJobError. Returns how many were done."""
        done = 0
        for record in records:
            job = Job.load(self.env, record.uuid)
            job.set_started()
            job.store()
            try:
                with freeze_time(at), self.env.cr.savepoint():
                    job.perform()
            except RetryableJobError as error:
                job.postpone(result=str(error), seconds=error.seconds)
                job.set_pending(reset_retry=False)
                job.store()
            else:
                job.set_done(result=job.result)
                job.store()
                done += 1
            self.env.invalidate_all()
        return done

    def summaries(self):
        return self.env["mail.mail"].search([("model", "=", "res.users")])

    def sendings(self, invoice):
        """The invoice e-mails posted on ``invoice``."""
        return invoice.message_ids.filtered(lambda m: m.message_type == "comment")

    def test_cron_enqueues_one_make_job_per_batch_on_its_channel(self):
        templates = self.make_templates(5)
        self.run_cron()
        makes = self.jobs("_job_make")
        self.assertEqual(len(makes), 3)  # batches of 2, 2 and 1
        self.assertEqual(set(makes.mapped("channel")), {CHANNEL})
        self.assertEqual(set(makes.mapped("max_retries")), {20})
        self.assertEqual(
            sorted(id_ for job in makes for id_ in job.args[1]), sorted(templates.ids)
        )
        finish = self.jobs("_job_finish")
        self.assertEqual(len(finish), 1)
        self.assertEqual(finish.channel, CHANNEL)
        # nothing is made by the scheduled action itself
        self.assertFalse(templates.recurring_invoice_ids)
        # run again the same morning: no batch, no finish job twice
        self.run_cron(oslo(2027, 1, 31, 6, 20))
        self.assertEqual(self.jobs("_job_make"), makes)
        self.assertEqual(self.jobs("_job_finish"), finish)

    def test_batch_size_that_is_no_positive_number_falls_back(self):
        """As in the core: a batch size of 0 (or -1, or "ten") would enqueue
        nothing, or crash; the default is used, with one warning."""
        templates = self.make_templates(3)
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_invoice.batch_size", "0"
        )
        with self.assertLogs(ADDON_LOGGER, "WARNING") as logged:
            self.run_cron()
        [make] = self.jobs("_job_make")
        self.assertEqual(sorted(make.args[1]), sorted(templates.ids))
        self.assertEqual(len(logged.output), 1)

    def test_sending_action_enqueues_send_jobs_in_its_batches(self):
        templates = self.make_templates(3)
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_invoice.hold_sending", "1"
        )
        self.run_cron()
        self.perform(self.jobs("_job_make"))
        self.assertFalse(self.jobs("_job_send"))  # left to a later run
        with freeze_time(MORNING):
            self.Job.with_context(cron_id=self.cron.id)._cron_send(batch_size=2)
        sends = self.jobs("_job_send")
        self.assertEqual([len(job.args[1]) for job in sends], [2, 1])
        self.assertEqual(
            sorted(id_ for job in sends for id_ in job.args[1]),
            sorted(templates.recurring_invoice_ids.ids),
        )

    def test_called_by_code_the_job_works_as_before(self):
        """Outside the scheduler (the core's tests, scripts) nothing is queued."""
        template = self.make_templates(1)
        with freeze_time(MORNING):
            self.Job._cron_make_and_send()
        self.env.invalidate_all()
        self.assertEqual(template.recurring_invoice_ids.state, "posted")
        self.assertFalse(self.env["queue.job"].sudo().search([]))

    def test_the_system_parameter_turns_the_queue_off(self):
        """Where queue_job runs no job runner, the job can work as before."""
        template = self.make_templates(1)
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_invoice.queue_job", "0"
        )
        with freeze_time(MORNING):
            self.Job.with_context(cron_id=self.cron.id)._cron_make_and_send()
        self.env.invalidate_all()
        self.assertEqual(template.recurring_invoice_ids.state, "posted")
        self.assertFalse(self.env["queue.job"].sudo().search([]))

    def test_jobs_make_send_and_summarise_each_once(self):
        templates = self.make_templates(3)
        self.run_cron()
        finish = self.jobs("_job_finish")
        # the finish job waits while templates are due and jobs may make them
        self.assertEqual(self.perform(finish), 0)
        self.assertEqual(finish.state, "pending")
        self.assertEqual(finish.retry, 0)  # waiting is not a failure
        self.assertFalse(self.summaries())

        makes = self.jobs("_job_make")
        self.assertEqual(self.perform(makes), 2)
        invoices = templates.recurring_invoice_ids
        self.assertEqual(len(invoices), 3)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertEqual(set(invoices.mapped("recurring_send_state")), {"to_send"})
        sends = self.jobs("_job_send")
        self.assertEqual(len(sends), 2)  # one per make job
        self.assertEqual(set(sends.mapped("channel")), {CHANNEL})
        self.assertEqual(
            sorted(id_ for job in sends for id_ in job.args[1]), sorted(invoices.ids)
        )
        # made, not yet sent: still waiting
        self.assertEqual(self.perform(finish), 0)
        self.assertFalse(self.summaries())

        self.assertEqual(self.perform(sends), 2)
        self.assertEqual(set(invoices.mapped("recurring_send_state")), {"sent"})
        for invoice in invoices:
            self.assertEqual(len(self.sendings(invoice)), 1)

        self.assertEqual(self.perform(finish), 1)
        summary = self.summaries()
        self.assertEqual(len(summary), 1)
        for invoice in invoices:
            self.assertIn(invoice.name, summary.body_html)

        # queue_job running the jobs again (a retry after a lost reply, a
        # duplicate) makes, sends and sums up nothing twice
        self.assertEqual(self.perform(makes | sends), 4)
        self.assertEqual(templates.recurring_invoice_ids, invoices)
        for invoice in invoices:
            self.assertEqual(len(self.sendings(invoice)), 1)
        self.assertFalse(self.jobs("_job_send"))
        self.run_cron(oslo(2027, 1, 31, 7, 0))
        self.assertFalse(self.jobs("_job_make"))
        self.assertEqual(self.perform(self.jobs("_job_finish")), 1)
        self.assertEqual(self.summaries(), summary)

    def test_make_job_retries_when_another_worker_took_its_templates(self):
        """Another worker committed the batch's rows after this job's snapshot
        (the core's lock returns None): the job makes nothing and is retried,
        and its retry, in a new transaction, makes each invoice once."""
        templates = self.make_templates(2)
        self.run_cron()
        make = self.jobs("_job_make")
        self.assertEqual(len(make), 1)
        Job = type(self.Job)
        with patch.object(Job, "_lock", return_value=None):
            self.assertEqual(self.perform(make), 0)
        self.assertEqual(make.state, "pending")
        self.assertEqual(make.retry, 1)
        self.assertFalse(templates.recurring_invoice_ids)
        self.assertFalse(self.jobs("_job_send"))
        self.assertEqual(self.perform(make), 1)
        self.assertEqual(len(templates.recurring_invoice_ids), 2)
        for template in templates:
            self.assertEqual(len(template.recurring_invoice_ids), 1)

    def test_templates_held_elsewhere_go_to_a_new_make_job(self):
        """SKIP LOCKED passes over templates another transaction holds: they
        are not lost, a new job makes them."""
        first, second = self.make_templates(2)
        self.run_cron()
        make = self.jobs("_job_make")
        Job = type(self.Job)
        lock = Job._lock_due_templates

        def only_the_first(records, now, limit, among=None):
            return lock(records, now, limit, among=[first.id])

        with patch.object(Job, "_lock_due_templates", only_the_first):
            self.assertEqual(self.perform(make), 1)
        self.assertEqual(len(first.recurring_invoice_ids), 1)
        self.assertFalse(second.recurring_invoice_ids)
        again = self.jobs("_job_make")
        self.assertEqual(len(again), 1)
        self.assertEqual(again.args[1], [second.id])
        self.assertTrue(again.eta)
        self.assertEqual(self.perform(again), 1)
        self.assertEqual(len(first.recurring_invoice_ids), 1)
        self.assertEqual(len(second.recurring_invoice_ids), 1)

    def test_send_job_meeting_another_transaction_is_tried_again(self):
        """Two send jobs e-mailing one customer at once: the invoice whose
        sending meets the other's commit is not left to the next day, nor
        counted as tried: a new send job takes it a few seconds later."""
        templates = self.make_templates(2)
        self.run_cron()
        self.perform(self.jobs("_job_make"))
        send = self.jobs("_job_send")
        first, second = invoices = templates.recurring_invoice_ids.sorted("id")
        Job = type(self.Job)
        original = Job._send_invoice

        def concurrent(job, invoice):
            if invoice == second:
                raise psycopg2.errors.SerializationFailure(
                    "could not serialize access due to concurrent update"
                )
            return original(job, invoice)

        with patch.object(Job, "_send_invoice", concurrent):
            self.assertEqual(self.perform(send), 1)
        self.assertEqual(first.recurring_send_state, "sent")
        self.assertEqual(second.recurring_send_state, "to_send")
        self.assertEqual(second.recurring_send_attempts, 0)
        self.assertFalse(self.sendings(second))
        again = self.jobs("_job_send") - send
        self.assertEqual(len(again), 1)
        self.assertEqual(self.perform(again), 1)
        self.assertEqual(set(invoices.mapped("recurring_send_state")), {"sent"})
        for invoice in invoices:
            self.assertEqual(len(self.sendings(invoice)), 1)

    def test_a_whole_send_job_meeting_another_transaction_runs_again(self):
        """When every invoice of a send job meets another transaction, the
        job runs again whole (queue_job's retry)."""
        templates = self.make_templates(1)
        self.run_cron()
        self.perform(self.jobs("_job_make"))
        send = self.jobs("_job_send")
        conflict = psycopg2.errors.SerializationFailure(
            "could not serialize access due to concurrent update"
        )
        with patch.object(type(self.Job), "_send_invoice", side_effect=conflict):
            self.assertEqual(self.perform(send), 0)
        self.assertEqual(send.state, "pending")
        invoice = templates.recurring_invoice_ids
        self.assertEqual(invoice.recurring_send_attempts, 0)
        self.assertEqual(self.perform(send), 1)
        self.assertEqual(invoice.recurring_send_state, "sent")

    def test_a_failing_invoice_still_waits_for_the_next_run(self):
        """Other errors are the core's: recorded, tried again the next day."""
        template = self.make_templates(1)
        self.customer.email = False
        self.run_cron()
        self.perform(self.jobs("_job_make"))
        self.assertEqual(self.perform(self.jobs("_job_send")), 1)
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.recurring_send_state, "to_send")
        self.assertEqual(invoice.recurring_send_attempts, 1)
        self.assertTrue(invoice.recurring_send_retry_after > MORNING)
        # the finish job does not wait for it
        self.assertEqual(self.perform(self.jobs("_job_finish")), 1)

    def test_an_invoice_reset_to_draft_is_no_work_left_to_a_send_job(self):
        """A made invoice reset to draft before its send job ran is not sent
        (the core sends posted invoices only), and the send job does not hand
        it on to a new job as if another transaction held it: the bridge's
        list of what is to send is the core's."""
        templates = self.make_templates(2)
        self.run_cron()
        self.perform(self.jobs("_job_make"))
        [send] = self.jobs("_job_send")
        drafted, sent = templates.recurring_invoice_ids.sorted("id")
        drafted.button_draft()
        self.assertEqual(self.Job._to_send_ids(MORNING), [sent.id])
        self.assertEqual(self.perform(send), 1)
        self.assertEqual(send.state, "done")
        self.assertEqual(sent.recurring_send_state, "sent")
        self.assertEqual(drafted.recurring_send_state, "to_send")
        self.assertFalse(self.jobs("_job_send"))
        self.assertFalse(self.sendings(drafted))

    def test_a_make_job_bills_every_recipient_of_its_templates(self):
        """A template with more recipients than a batch: its make job makes
        them all (queue jobs are not held to the scheduled action's time),
        once, and its send job sends them."""
        [template] = self.make_templates(1)
        members = self.env["res.partner"].create(
            [{"name": f"Member {n}", "email": f"m{n}@example.com"} for n in range(5)]
        )
        template.recurring_recipient_ids = [
            Command.create({"partner_id": member.id}) for member in members
        ]
        self.env["ir.config_parameter"].sudo().set_param(
            "recurring_invoice.batch_size", "2"
        )
        self.run_cron()
        [make] = self.jobs("_job_make")
        self.assertEqual(self.perform(make), 1)
        self.assertEqual(
            template.recurring_invoice_ids.partner_id, self.customer | members
        )
        self.assertFalse(self.Job._due_ids(MORNING))
        self.perform(self.jobs("_job_send"))
        self.assertEqual(
            set(template.recurring_invoice_ids.mapped("recurring_send_state")), {"sent"}
        )
        # the scheduled action again the same morning: nothing left to make
        self.run_cron()
        self.perform(self.jobs("_job_make"))
        self.assertEqual(len(template.recurring_invoice_ids), 6)

    def test_finish_job_goes_on_when_the_jobs_failed(self):
        """A make job that failed for good does not hold the summaries back:
        what was done is told, the next run tries the rest."""
        self.make_templates(3)
        self.run_cron()
        first, last = self.jobs("_job_make")
        self.assertEqual(self.perform(first), 1)
        self.perform(self.jobs("_job_send"))
        failed = Job.load(self.env, last.uuid)
        failed.set_failed(exc_info="psycopg2.errors.SerializationFailure")
        failed.store()
        with self.assertLogs(LOGGER, "WARNING") as logs:
            self.assertEqual(self.perform(self.jobs("_job_finish")), 1)
        self.assertIn("1 templates due", logs.output[0])
        self.assertEqual(len(self.summaries()), 1)

    def test_upgrade_moves_the_job_functions_and_waiting_jobs_to_the_service(self):
        """A database of the bridge's 18.0.1.0.x has its job functions, and
        maybe a morning's jobs waiting, on account.move: the 18.0.1.1.0
        migration moves both to the service, with the functions' settings;
        a job that ended stays as it was."""
        path = Path(__file__).parents[1] / "migrations/18.0.1.1.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("bridge_18_0_1_1_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        env = self.env(su=True)  # as Odoo runs a migration
        finish = env.ref("recurring_invoice_queue_job.job_function_recurring_finish")
        send = env.ref("recurring_invoice_queue_job.job_function_recurring_send")
        send.retry_pattern = {1: 7}
        self.run_cron()
        [waiting] = self.jobs("_job_finish")
        ended = self.Job.browse().with_delay(description="ended")._job_finish(MORNING)
        ended = ended.db_record()
        move_model = env["ir.model"]._get("account.move")
        for function in finish | send:
            function.write(
                {"model_id": move_model.id, "method": f"_recurring{function.method}"}
            )
        self.env.flush_all()
        old = json.dumps(
            {
                "_type": "odoo_recordset",
                "model": "account.move",
                "ids": [],
                "uid": 1,
                "su": True,
                "context": {},
            }
        )
        self.env.cr.execute(
            """
            UPDATE queue_job
               SET model_name = 'account.move',
                   method_name = '_recurring_job_finish',
                   channel_method_name = '<account.move>._recurring_job_finish',
                   records = to_jsonb(%s::text),
                   state = CASE WHEN id = %s THEN 'done' ELSE state END
             WHERE id IN %s
            """,
            [old, ended.id, (waiting.id, ended.id)],
        )
        self.env.invalidate_all()
        self.assertEqual(migration.move_job_functions(env), finish | send)
        self.assertEqual(migration.move_waiting_jobs(self.env.cr), [waiting.id])
        self.env.invalidate_all()
        self.assertEqual(finish.name, "<recurring.invoice.job>._job_finish")
        self.assertEqual(send.name, "<recurring.invoice.job>._job_send")
        self.assertEqual(send._parse_retry_pattern(), {1: 7})
        self.assertEqual(waiting.job_function_id, finish)
        self.assertEqual(ended.model_name, "account.move")
        # the moved job runs on the service
        job = Job.load(self.env, waiting.uuid)
        self.assertEqual(job.recordset._name, "recurring.invoice.job")
        self.assertEqual(self.perform(waiting), 1)
