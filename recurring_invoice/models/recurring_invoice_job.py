# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 06:15 job: a service that makes, posts and sends the due invoices of
recurring templates, and tells each responsible user once a day.

Read from the top: the scheduled action's entry point (:meth:`_cron_make_and_send`)
locks a batch of due templates (:meth:`_make_due`), makes and posts their
invoices (:meth:`_make_batch`: all together, or one template at a time when
that fails), commits them and wakes the sending scheduled action
(:meth:`_cron_send`, ``recurring_invoice_job_send.py``), which sends them on
another worker while the next batches are made; once nothing is left to make,
the job sends too. The last worker to find nothing left finishes the morning
(:meth:`_finish`): the daily summaries, and the next run at each company's send
moment.

Like Odoo's ``account.move.send``, the service holds no data: it takes the
templates and invoices as arguments, and what it keeps of a morning is written
on them (``account_move_recurring_job.py`` and ``account_move_recurring_send.py``:
the bookkeeping fields, and the one method that makes a template's due
invoices, :meth:`account.move._recurring_process`). Another add-on extends it
through the ``_hook_*`` methods and :meth:`_get_sending_settings`; the queue_job
bridge (``recurring_invoice_queue_job``) inherits it to run the same batches as
queue jobs.
"""

import logging

import psycopg2.errors

from odoo import api, fields, models, modules
from odoo.tools import SQL

from ..tools import recurrence, trusted

_logger = logging.getLogger(__name__)

#: Templates per call of the scheduled action (one transaction), unless the
#: system parameter ``recurring_invoice.batch_size`` says otherwise: 100 made
#: 23 % more invoices per second than 50 in the benchmark, at the same memory.
DEFAULT_BATCH_SIZE = 100

#: Invoices sent per transaction: about 4 s of PDFs and e-mails, so that two
#: workers sending side by side end close together.
DEFAULT_SEND_BATCH_SIZE = 20

#: The system parameters with a wrong value already told in the log.
_WARNED_PARAMS = set()

#: The transaction lock of the worker that finishes the morning.
FINISH_LOCK = "recurring_invoice.finish"

#: The context key of the morning (a company's run day) the job works for.
RUN_KEY = "recurring_run_date"

#: (database, company id, run day, worker) this process already added to its
#: run (:meth:`_run_register`): one short transaction per worker and morning.
_REGISTERED = set()


class RecurringInvoiceJob(models.AbstractModel):
    _name = "recurring.invoice.job"
    _description = "Recurring Invoices: the Morning Job"

    # --- the scheduled actions ---------------------------------------------------
    @api.model
    def _cron_make_and_send(self, batch_size=None, now=None, auto_commit=None):
        """The 06:15 job: make and post one batch of due templates' invoices
        per call, commit them and wake the senders (:meth:`_cron_send`), so
        that sending starts while the next batches are made on another worker;
        once nothing is left to make, send like a sender. ``ir.cron``'s
        progress API calls again while some work remains.

        System parameters: ``recurring_invoice.batch_size`` (templates per
        batch, DEFAULT_BATCH_SIZE), ``recurring_invoice.send_batch_size``
        (invoices sent per batch, DEFAULT_SEND_BATCH_SIZE) and
        ``recurring_invoice.hold_sending`` (set: make and post only, the
        invoices wait to be sent).

        Returns how much work remains (-1: unknown, another worker holds it)."""
        now = now or fields.Datetime.now()
        if auto_commit is None:
            auto_commit = not modules.module.current_test
        self._end_due_pauses(now)
        templates = self._make_due(now, batch_size or self._batch_size())
        if templates is None:
            return self._back_off()
        if templates:
            if auto_commit:
                # Made and posted invoices are safe before any is sent: a crash
                # loses at most this batch, which the next run makes again.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self._wake_senders()
            done = len(templates)
        else:
            sent = self._send_pending(now, self._send_batch_size())
            done = len(sent or ())
        return self._progress(now, done, auto_commit)

    @api.model
    def _cron_send(self, batch_size=None, now=None, auto_commit=None):
        """Send one batch of the invoices the 06:15 job made, beside the job
        (several such scheduled actions may send at once: each locks its own
        invoices). The last worker to find nothing left finishes the morning.

        Returns how many invoices remain to be sent (-1: unknown)."""
        now = now or fields.Datetime.now()
        if auto_commit is None:
            auto_commit = not modules.module.current_test
        sent = self._send_pending(now, batch_size or self._send_batch_size())
        if sent is None:
            return self._back_off()
        return self._progress(now, len(sent), auto_commit, making=False)

    # --- settings ------------------------------------------------------------------
    @api.model
    def _batch_size(self):
        return self._int_param("recurring_invoice.batch_size", DEFAULT_BATCH_SIZE)

    @api.model
    def _send_batch_size(self):
        """Invoices sent per batch; 0 while sending is held (the system
        parameter ``recurring_invoice.hold_sending``: the job then makes and
        posts, and the invoices wait to be sent until it is removed)."""
        if self._sending_held():
            return 0
        return self._int_param(
            "recurring_invoice.send_batch_size", DEFAULT_SEND_BATCH_SIZE
        )

    @api.model
    def _sending_held(self):
        if not self._bool_param("recurring_invoice.hold_sending"):
            return False
        if "recurring_invoice.hold_sending" not in _WARNED_PARAMS:
            _WARNED_PARAMS.add("recurring_invoice.hold_sending")
            _logger.warning(
                "Recurring invoices: sending is held by the system parameter "
                "recurring_invoice.hold_sending; the invoices made wait to be sent"
            )
        return True

    @api.model
    def _bool_param(self, key, default=False):
        """The system parameter ``key`` as a switch: unset gives ``default``;
        empty, ``0``, ``false``, ``no`` and ``off`` (in any case) are off;
        anything else is on."""
        raw = self.env["ir.config_parameter"].sudo().get_param(key)
        if raw is None or raw is False:
            return default
        return str(raw).strip().lower() not in ("", "0", "false", "no", "off")

    @api.model
    def _int_param(self, key, default, minimum=1):
        """The system parameter ``key`` as a whole number of at least
        ``minimum``; anything else (empty, 0, -5, "abc") gives ``default``, with
        one warning in the log per process and value."""
        raw = self.env["ir.config_parameter"].sudo().get_param(key)
        if raw is None or raw is False:
            return default
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = None
        if value is not None and value >= minimum:
            return value
        if (key, raw) not in _WARNED_PARAMS:
            _WARNED_PARAMS.add((key, raw))
            _logger.warning(
                "Recurring invoices: system parameter %s = %r is not a whole number "
                "of at least %s; %s is used instead",
                key,
                raw,
                minimum,
                default,
            )
        return default

    # --- making and posting ------------------------------------------------------
    @api.model
    def _make_due(self, now, limit, among=None, invoices_limit=None):
        """Lock up to ``limit`` due templates (of the ids ``among`` when
        given), make and post their invoices, each company's in its language,
        templates billing recipients up to ``invoices_limit`` invoices in all
        (default ``limit``; 0: no limit), the rest left to the next call.
        Returns the templates (None: another worker holds them)."""
        days = self._run_register(now)
        templates = self._lock_due_templates(now, limit, among=among)
        budget = limit if invoices_limit is None else invoices_limit
        for company in (templates or self.env["account.move"]).company_id:
            # What the job writes for the company's users (notes, errors) is in
            # the company's language, whatever OdooBot's; each invoice made is
            # marked with the company's run (recurring_invoice_run.py).
            made = (
                self.with_company(company)
                .with_context(
                    lang=company._recurring_lang(),
                    **{RUN_KEY: trusted.Trusted(days[company.id])},
                )
                ._make_batch(
                    templates.filtered(
                        lambda t, company=company: t.company_id == company
                    ),
                    now,
                    limit=budget or None,
                )
            )
            if budget:
                budget = max(budget - len(made), 1)
        return templates

    @api.model
    def _make_batch(self, templates, now, limit=None):
        """Make and post the due invoices of ``templates`` together, the fast
        way; if that fails, one by one, each in its own savepoint, so that one
        bad template (archived journal, deprecated account, locked period...)
        does not stop the others (:meth:`_hook_make_failed`); a template
        billing recipients then makes each recipient's invoice on its own, so
        that one recipient does not stop the others. ``limit``: the invoices
        of templates billing recipients made at most (None: all). Returns the
        invoices made."""
        templates = templates.with_env(self.env)
        if len(templates) > 1:
            try:
                with self.env.cr.savepoint():
                    return templates._recurring_process(now, limit=limit)
            except Exception as error:  # noqa: BLE001 - sorted out one by one below
                _logger.info("Recurring templates retried one by one: %s", error)
        invoices = templates.browse()
        for template in templates:
            left = None if limit is None else max(limit - len(invoices), 0)
            if left == 0 and template._recurring_bills_recipients():
                continue  # the next call goes on
            try:
                with self.env.cr.savepoint():
                    invoices |= template._recurring_process(now, limit=left)
                continue
            except Exception as error:  # noqa: BLE001 - one bad template must not stop the others
                failure = error
            if template._recurring_bills_recipients():
                try:
                    with self.env.cr.savepoint():
                        invoices |= template._recurring_process_each(now, limit=left)
                    continue
                except Exception as error:  # noqa: BLE001 - no recipient could be made
                    failure = error
            _logger.warning("Recurring template %s failed: %s", template.id, failure)
            self._hook_make_failed(template, failure, now)
        return invoices

    @api.model
    def _hook_make_failed(self, template, error, now):
        """A template's invoices could not be made (``error``, its savepoint
        rolled back): keep it active, tell its chatter why and try it again at
        the next day's run."""
        template._recurring_record_failure(error, now)
        template._recurring_run_failures([{"error": template.recurring_make_error}])

    # --- the end of a batch, and of the morning ----------------------------------
    @api.model
    def _progress(self, now, done, auto_commit, making=True):
        """Commit this batch, then count in a fresh snapshot what is left: the
        due templates (for the maker) and the invoices to send. A worker that
        finds nothing left at all finishes the morning (:meth:`_finish`).
        Returns what this worker has left to do."""
        if auto_commit:
            # The counts must see what the other workers committed meanwhile.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        due = self._count_due(now)
        to_send = self._count_to_send(now) if self._send_batch_size() else 0
        remaining = (due if making else 0) + to_send
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if done and remaining:
            # ir.cron runs at most 10 batches in a row, then the worker waits
            # for its next look at the jobs (a minute) unless woken: wake it.
            self._run_again()
        if not due and not to_send:
            self._finish(now)
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return remaining

    @api.model
    def _finish(self, now):
        """Everything due this morning was made and tried: send the daily
        summaries and plan the next run. Two workers finishing together: the
        first one does it (a transaction lock), the other leaves it."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", FINISH_LOCK)
        )
        if not self.env.cr.fetchone()[0]:
            return False
        self._send_summaries(now)
        self._run_finish(now)
        self._schedule_next_run(now)
        return True

    @api.model
    def _back_off(self):
        """Another worker committed the rows this one tried to take: run again
        soon, in a new transaction, and say that what remains is unknown."""
        self._run_again(
            default=self.env.ref("recurring_invoice.ir_cron_recurring_invoice")
        )
        return -1

    @api.model
    def _run_again(self, default=None):
        """Trigger the scheduled action running this call (or ``default``)."""
        cron = self.env["ir.cron"].browse(self.env.context.get("cron_id")) or default
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _wake_senders(self):
        """Start every sending scheduled action now (one ships; a copy of it
        adds a worker; none when they are archived). ``_trigger`` takes one
        scheduled action at a time."""
        for cron in (
            self.env["ir.cron"]
            .sudo()
            .search(
                [
                    ("model_id.model", "=", self._name),
                    ("code", "=like", "model._cron_send(%"),
                ]
            )
        ):
            cron._trigger()

    @api.model
    def _schedule_next_run(self, now):
        """Make the scheduled action fire at each company's next send moment.

        A daily ``ir.cron`` keeps a fixed UTC time and drifts by an hour at each
        change of summer time; a trigger at the exact local moment does not."""
        cron = self.env.ref(
            "recurring_invoice.ir_cron_recurring_invoice", raise_if_not_found=False
        )
        if not cron:
            return
        moments = {
            company._recurring_next_send_moment(now)
            for company in self.env["res.company"].sudo().search([])
        }
        Trigger = self.env["ir.cron.trigger"].sudo()
        planned = set(
            Trigger.search(
                [("cron_id", "=", cron.id), ("call_at", "in", list(moments))]
            ).mapped("call_at")
        )
        missing = sorted(moments - planned)
        if missing:
            cron.sudo()._trigger(missing)

    # --- which templates are due -------------------------------------------------
    @api.model
    def _lock_due_templates(self, now, limit, among=None):
        """Lock up to ``limit`` due templates (of the ids ``among`` when
        given), skipping those another worker holds, oldest next date first
        (None: back off, see :meth:`_lock`)."""
        return self._lock(
            SQL(
                """
                SELECT move.id %(due)s %(among)s
                 ORDER BY move.recurring_next_send_date, move.id
                 LIMIT %(limit)s
                   FOR NO KEY UPDATE OF move SKIP LOCKED
                """,
                due=self._due_domain_sql(now),
                among=SQL("AND move.id = ANY(%s)", list(among))
                if among is not None
                else SQL(),
                limit=limit,
            )
        )

    @api.model
    def _due_domain_sql(self, now):
        """``FROM ... WHERE ...`` of the templates due at ``now`` (``move``):
        active, sent on or before their company's last due day, or owing a
        recipient's invoice whose time has come (ended ones too); not waiting
        to be tried again."""
        return SQL(
            """
              FROM account_move move
              JOIN (VALUES %(cutoffs)s) AS cutoff(company_id, due_until)
                ON cutoff.company_id = move.company_id
             WHERE ((move.recurring_state = 'active'
                     AND move.recurring_next_send_date <= cutoff.due_until)
                    OR (move.recurring_state IN ('active', 'ended')
                        AND move.recurring_owed_after <= %(now)s))
               AND (move.recurring_make_retry_after IS NULL
                    OR move.recurring_make_retry_after <= %(now)s)
            """,
            cutoffs=self._company_days_sql(
                lambda company: company._recurring_last_due_date(now)
            ),
            now=now,
        )

    @api.model
    def _company_days_sql(self, day_of):
        """``(company_id, day)`` rows, ``day_of(company)`` for each company."""
        return SQL(", ").join(
            SQL("(%s, %s::date)", company.id, day_of(company))
            for company in self.env["res.company"].sudo().search([])
        )

    @api.model
    def _count_due(self, now):
        self.env.cr.execute(SQL("SELECT COUNT(*) %s", self._due_domain_sql(now)))
        return self.env.cr.fetchone()[0]

    @api.model
    def _end_due_pauses(self, now):
        """Resume the paused templates whose resume day has come, as of the
        start of that day: the occurrences sent during the pause are not
        made, those of the resume day and after are."""
        paused = self._lock(
            SQL(
                """
                SELECT move.id
                  FROM account_move move
                  JOIN (VALUES %(today)s) AS local(company_id, today)
                    ON local.company_id = move.company_id
                 WHERE move.recurring_state = 'paused'
                   AND move.recurring_paused_until <= local.today
                   FOR NO KEY UPDATE OF move SKIP LOCKED
                """,
                today=self._company_days_sql(
                    lambda company: recurrence.local_today(
                        company.recurring_invoice_tz, now
                    )
                ),
            )
        )
        for template in paused or ():
            template._recurring_resume(
                recurrence.day_start(
                    template.company_id.recurring_invoice_tz,
                    template.recurring_paused_until,
                ).replace(tzinfo=None)
            )

    @api.model
    def _lock(self, query, model="account.move"):
        """Run ``query`` (``SELECT id ... FOR NO KEY UPDATE SKIP LOCKED``) and
        return the records of ``model`` it locked: the rows this worker alone
        works on.

        Rows another worker holds are skipped. Rows another worker committed
        after this transaction's snapshot began raise a serialization failure:
        they are that worker's, so none is returned (None: the caller's next
        run, in a new transaction, sees them as they are); that query failing
        is no error, so Odoo does not log it as one."""
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(query, log_exceptions=False)
                return self.env[model].browse(row[0] for row in self.env.cr.fetchall())
        except psycopg2.errors.SerializationFailure:
            _logger.info("Recurring invoices: rows taken by another worker")
            return None
