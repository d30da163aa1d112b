# Copyright 2026 The recurring_invoice authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 06:15 job on queue_job's channel ``root.recurring_invoice``.

When the scheduler runs the job (recurring_invoice's scheduled actions), it
no longer makes the invoices itself: it ends the pauses due, then enqueues one
*make* job per batch of due templates, *send* jobs for the invoices still to
send from earlier days, and one *finish* job. A make job makes and posts its
templates' invoices (the core's ``_make_due``: locked rows, states) and
enqueues their sending in batches; the finish job waits until the morning's
jobs have ended, then sends the daily summaries once and plans the next run
(the core's ``_finish``). How many jobs run at once, on however many
Odoo servers, is the channel's capacity in the job runner's configuration.

The core's guarantees hold whatever queue_job does with a job (run it twice,
retry it after a serialization failure, run two side by side): a template is
made only while it is due and locked by the one transaction making it, an
invoice is sent only while it is ``to_send`` and locked by the one sending it.
"""

import hashlib
import logging

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import ENQUEUED, PENDING, STARTED, WAIT_DEPENDENCIES

_logger = logging.getLogger(__name__)

#: The states of a job that may still make or send something.
ALIVE_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)
#: The jobs the finish job waits for.
WORK_METHODS = ("_job_make", "_job_send")
#: Seconds between two looks of the finish job at what is left.
FINISH_POLL_SECONDS = 30
#: Seconds before a job tries again rows another transaction held.
TAKEN_RETRY_SECONDS = 10
#: Tries of a make or send job: jobs of one morning meeting each other (one
#: customer's invoices made or sent side by side) try again, several times on
#: a busy morning, before they could be left failed.
JOB_MAX_RETRIES = 20
#: Errors of a transaction meeting another one's: they pass when tried again.
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
)


def _identity(kind, now, ids=()):
    """A job's identity key: its kind, the day and its records, so that the
    scheduled action run twice the same day does not enqueue a batch that
    is still waiting to run."""
    digest = hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()
    return f"recurring_invoice.{kind}:{fields.Date.to_string(now.date())}:{digest}"


def _chunks(ids, size):
    return [ids[start : start + size] for start in range(0, len(ids), size)]


class RecurringInvoiceJob(models.AbstractModel):
    _inherit = "recurring.invoice.job"

    # --- the scheduled actions ---------------------------------------------------
    @api.model
    def _use_queue(self):
        """Whether this call of a scheduled action enqueues its work: when the
        scheduler runs it (by its schedule or *Run Manually*), not when code
        calls the method, unless the context key
        ``recurring_invoice_queue_job`` says otherwise; never when the system
        parameter ``recurring_invoice.queue_job`` is ``0`` or ``False`` (the
        job then works as without this module, e.g. where queue_job was
        installed for something else and no job runner runs)."""
        if not self._bool_param("recurring_invoice.queue_job", default=True):
            return False
        forced = self.env.context.get("recurring_invoice_queue_job")
        if forced is not None:
            return bool(forced)
        context = self.env.context
        return bool(context.get("cron_id") or context.get("ir_cron_progress_id"))

    @api.model
    def _cron_make_and_send(self, batch_size=None, now=None, auto_commit=None):
        """Enqueue the morning's work on the channel root.recurring_invoice
        (see the module's docstring). Returns 0: nothing is left to this
        scheduled action."""
        if not self._use_queue():
            return super()._cron_make_and_send(
                batch_size=batch_size, now=now, auto_commit=auto_commit
            )
        now = now or fields.Datetime.now()
        self._end_due_pauses(now)
        self._enqueue(now, batch_size=batch_size)
        return 0

    @api.model
    def _cron_send(self, batch_size=None, now=None, auto_commit=None):
        """Enqueue the sending of the invoices still to send (the make jobs
        enqueue the sending of theirs)."""
        if not self._use_queue():
            return super()._cron_send(
                batch_size=batch_size, now=now, auto_commit=auto_commit
            )
        now = now or fields.Datetime.now()
        self._enqueue(now, send_batch_size=batch_size, making=False)
        return 0

    @api.model
    def _enqueue(self, now, batch_size=None, making=True, send_batch_size=None):
        """Enqueue a make job per batch of the due templates (when
        ``making``), a send job per batch of the invoices to send, and the
        finish job (batch sizes: the system parameters unless given). Returns
        the jobs enqueued or found waiting."""
        jobs = []
        if making:
            size = batch_size or self._batch_size()
            for ids in _chunks(self._due_ids(now), size):
                jobs.append(self._delay_make(now, ids))
        send_size = send_batch_size or self._send_batch_size()
        if send_size:
            for ids in _chunks(self._to_send_ids(now), send_size):
                jobs.append(self._delay_send(now, ids))
        jobs.append(
            self.browse()
            .with_delay(
                identity_key=_identity("finish", now),
                description=_("Recurring invoices: daily summaries and next run"),
            )
            ._job_finish(now)
        )
        return jobs

    # --- what is left --------------------------------------------------------------
    @api.model
    def _due_ids(self, now, among=None):
        """The due templates' ids (of ``among`` when given), oldest next date
        first, without locking them."""
        self.env.cr.execute(
            SQL(
                "SELECT move.id %s %s ORDER BY move.recurring_next_send_date, move.id",
                self._due_domain_sql(now),
                SQL("AND move.id = ANY(%s)", list(among))
                if among is not None
                else SQL(),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _to_send_ids(self, now, among=None):
        """The ids of the invoices to send now (of ``among`` when given): those
        the core's sending takes (posted ones only)."""
        domain = self._to_send_domain(now)
        if among is not None:
            domain.append(("id", "in", list(among)))
        # one customer's invoices together: jobs sending side by side meet
        # less on the customer's partner record
        return (
            self.env["account.move"].sudo().search(domain, order="partner_id, id").ids
        )

    @api.model
    def _jobs_alive(self):
        """How many make and send jobs may still make or send something."""
        return (
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("model_name", "=", self._name),
                    ("method_name", "in", WORK_METHODS),
                    ("state", "in", ALIVE_STATES),
                ]
            )
        )

    # --- enqueuing -----------------------------------------------------------------
    @api.model
    def _delay_make(self, now, template_ids, eta=None):
        return self._delayed(
            "make",
            now,
            template_ids,
            eta,
            _(
                "Recurring invoices: make and post the invoices of "
                "%(count)s templates",
                count=len(template_ids),
            ),
        )._job_make(now, template_ids)

    @api.model
    def _delay_send(self, now, invoice_ids, eta=None):
        return self._delayed(
            "send",
            now,
            invoice_ids,
            eta,
            _("Recurring invoices: send %(count)s invoices", count=len(invoice_ids)),
        )._job_send(now, invoice_ids)

    @api.model
    def _delayed(self, kind, now, ids, eta, description):
        """The delayable of a make or send job (``kind``) on the records
        ``ids``: tried again up to JOB_MAX_RETRIES times, one per identity."""
        return self.browse().with_delay(
            eta=eta,
            max_retries=JOB_MAX_RETRIES,
            identity_key=_identity(kind, now, ids),
            description=description,
        )

    # --- the jobs ------------------------------------------------------------------
    @api.model
    def _job_make(self, now, template_ids):
        """Make and post the invoices of the templates ``template_ids`` still
        due at ``now``, then enqueue their sending. Templates another
        transaction holds are left to a new job (or, when it holds them all,
        to this job's retry); a batch another worker committed meanwhile is
        tried again in a new transaction, which finds those templates made."""
        # a job makes its templates' invoices whole, every recipient included
        templates = self.with_context(recurring_invoice_job=True)._make_due(
            now, len(template_ids), among=template_ids, invoices_limit=0
        )
        held = self._job_held(
            templates,
            lambda: self._due_ids(now, among=template_ids),
            _("Another worker made some of these templates' invoices meanwhile."),
            _("Another transaction holds these templates."),
        )
        if held:
            self._delay_make(now, held, eta=TAKEN_RETRY_SECONDS)
        send_size = self._send_batch_size()
        if templates and send_size:
            invoices = (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("recurring_template_id", "in", templates.ids),
                        ("recurring_send_state", "=", "to_send"),
                        ("recurring_send_retry_after", "=", False),
                    ],
                    order="partner_id, id",
                )
            )
            for ids in _chunks(invoices.ids, send_size):
                self._delay_send(now, ids)
        return _("%(count)s templates made and posted", count=len(templates))

    @api.model
    def _job_send(self, now, invoice_ids):
        """Send the invoices ``invoice_ids`` still to send at ``now``, each
        once (the core's ``_send_pending``)."""
        sent = self.with_context(recurring_invoice_job=True)._send_pending(
            now, len(invoice_ids), among=invoice_ids
        )
        held = self._job_held(
            sent,
            lambda: self._to_send_ids(now, among=invoice_ids),
            _("Another worker sent some of these invoices meanwhile."),
            _("Another transaction holds these invoices."),
        )
        if held:
            self._delay_send(now, held, eta=TAKEN_RETRY_SECONDS)
        return _("%(count)s invoices tried", count=len(sent))

    @api.model
    def _job_held(self, done, left_ids, taken_message, held_message):
        """The ids a make or send job left to another transaction: those
        ``left_ids()`` still finds (due, or to send) that ``done``, the
        records the job made or sent, does not hold. Raises RetryableJobError
        with ``taken_message`` when ``done`` is None (another worker committed
        some of them meanwhile), with ``held_message`` when another
        transaction holds them all (the job is tried again)."""
        if done is None:
            raise RetryableJobError(taken_message, seconds=TAKEN_RETRY_SECONDS)
        held = [record_id for record_id in left_ids() if record_id not in done.ids]
        if held and not done:
            raise RetryableJobError(held_message, seconds=TAKEN_RETRY_SECONDS)
        return held

    @api.model
    def _hook_make_failed(self, template, error, now):
        """In a job, a template that met another transaction (two jobs making
        invoices of one customer...) is not left to the next day: the whole
        job is tried again in a new transaction."""
        self._retry_on_concurrency(error)
        return super()._hook_make_failed(template, error, now)

    def _retry_on_concurrency(self, error):
        if self.env.context.get("recurring_invoice_job") and isinstance(
            error, CONCURRENCY_ERRORS
        ):
            raise RetryableJobError(
                _(
                    "Another transaction updated the same records: %(error)s",
                    error=error,
                ),
                seconds=TAKEN_RETRY_SECONDS,
            ) from error

    @api.model
    def _job_finish(self, now):
        """Once everything due this morning was made and tried, send the daily
        summaries and plan the next run (the core's ``_finish``).

        A job does not see the work other jobs have not committed: this one
        looks again, in a new transaction, every FINISH_POLL_SECONDS while
        something is due or to send and a make or send job may still do it
        (those looks do not count as retries). When the jobs have ended and
        something is still left, they failed (see *Job Queue › Jobs*): the
        summary tells what was done, the next run tries the rest."""
        due = self._count_due(now)
        to_send = self._count_to_send(now) if self._send_batch_size() else 0
        if due or to_send:
            if self._jobs_alive():
                raise RetryableJobError(
                    _(
                        "Still %(due)s templates to make and %(to_send)s invoices "
                        "to send.",
                        due=due,
                        to_send=to_send,
                    ),
                    seconds=FINISH_POLL_SECONDS,
                    ignore_retry=True,
                )
            _logger.warning(
                "Recurring invoices: the morning's jobs ended with %s templates "
                "due and %s invoices to send; the next run tries them again",
                due,
                to_send,
            )
        if not self._finish(now):
            return _("Another worker sends the summaries.")
        return _("Summaries sent, next run planned.")
