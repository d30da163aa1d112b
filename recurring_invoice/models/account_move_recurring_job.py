# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 06:15 job: make and post the due invoices of recurring templates.

Read from the top: the scheduled action's entry point locks a batch of due
templates, makes and posts their invoices (all together, or one template at a
time when that fails), commits them and wakes the sending scheduled action
(``account_move_recurring_send.py``), which sends them on another worker while
the next batches are made; once nothing is left to make, the job sends too.
The last worker to find nothing left sends the daily summaries and plans the
next run at each company's send moment. A template whose invoice could not be
made keeps its next date and is tried again at the next day's run; the fields
below are that bookkeeping.
"""

import logging

import psycopg2.errors
from markupsafe import Markup

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from ..tools import recurrence

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


def _error_text(error):
    """The message of an error, as a user reads it."""
    if isinstance(error, UserError | ValidationError) and error.args:
        return error.args[0]
    return str(error) or error.__class__.__name__


class AccountMove(models.Model):
    _inherit = "account.move"

    # --- a template the job could not make an invoice of ----------------------
    recurring_make_retry_after = fields.Datetime(
        string="Make Again After",
        copy=False,
        readonly=True,
        help="The template's invoice could not be made: not tried again before "
        "this moment (the next run).",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_make_error = fields.Text(
        string="Last Recurrence Error",
        copy=False,
        readonly=True,
        help="Why the template's last invoice could not be made.",
        groups="base.group_user",
        recurring_job=True,
    )
    recurring_make_to_report = fields.Boolean(
        string="Not Made, to Report",
        copy=False,
        readonly=True,
        help="The template's invoice could not be made: to be told in the next "
        "daily summary.",
        groups="base.group_user",
        recurring_job=True,
    )

    def init(self):
        res = super().init()
        # The job's search: active templates by next send day.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_recurring_send_day_index
                ON account_move (recurring_next_send_date, company_id)
             WHERE recurring_state = 'active'
            """
        )
        return res

    # --- the scheduled actions ---------------------------------------------------
    @api.model
    def _cron_recurring_invoices(self, batch_size=None, now=None, auto_commit=None):
        """The 06:15 job: make and post one batch of due templates' invoices
        per call, commit them and wake the senders (_cron_recurring_send), so
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
        self._recurring_end_due_pauses(now)
        templates = self._recurring_make(
            now, batch_size or self._recurring_batch_size()
        )
        if templates is None:
            return self._recurring_back_off()
        if templates:
            if auto_commit:
                # Made and posted invoices are safe before any is sent: a crash
                # loses at most this batch, which the next run makes again.
                self.env.cr.commit()  # pylint: disable=invalid-commit
            self._recurring_wake_senders()
            done = len(templates)
        else:
            sent = self._recurring_send_pending(now, self._recurring_send_batch_size())
            done = len(sent or ())
        return self._recurring_progress(now, done, auto_commit)

    @api.model
    def _cron_recurring_send(self, batch_size=None, now=None, auto_commit=None):
        """Send one batch of the invoices the 06:15 job made, beside the job
        (several such scheduled actions may send at once: each locks its own
        invoices). The last worker to find nothing left sends the summaries.

        Returns how many invoices remain to be sent (-1: unknown)."""
        now = now or fields.Datetime.now()
        if auto_commit is None:
            auto_commit = not modules.module.current_test
        sent = self._recurring_send_pending(
            now, batch_size or self._recurring_send_batch_size()
        )
        if sent is None:
            return self._recurring_back_off()
        return self._recurring_progress(now, len(sent), auto_commit, making=False)

    @api.model
    def _recurring_batch_size(self):
        return self._recurring_int_param(
            "recurring_invoice.batch_size", DEFAULT_BATCH_SIZE
        )

    @api.model
    def _recurring_send_batch_size(self):
        """Invoices sent per batch; 0 while sending is held (the system
        parameter ``recurring_invoice.hold_sending``: the job then makes and
        posts, and the invoices wait to be sent until it is removed)."""
        if self._recurring_sending_held():
            return 0
        return self._recurring_int_param(
            "recurring_invoice.send_batch_size", DEFAULT_SEND_BATCH_SIZE
        )

    @api.model
    def _recurring_sending_held(self):
        held = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("recurring_invoice.hold_sending", "")
        )
        if held.strip().lower() in ("", "0", "false", "no", "off"):
            return False
        if ("recurring_invoice.hold_sending", held) not in _WARNED_PARAMS:
            _WARNED_PARAMS.add(("recurring_invoice.hold_sending", held))
            _logger.warning(
                "Recurring invoices: sending is held by the system parameter "
                "recurring_invoice.hold_sending; the invoices made wait to be sent"
            )
        return True

    @api.model
    def _recurring_int_param(self, key, default, minimum=1):
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

    @api.model
    def _recurring_make(self, now, limit, among=None):
        """Lock up to ``limit`` due templates (of ``among`` when given), make
        and post their invoices, each company's in its language. Returns the
        templates (None: another worker holds them)."""
        templates = self._recurring_lock_due_templates(now, limit, among=among)
        for company in (templates or self.browse()).company_id:
            # What the job writes for the company's users (notes, errors) is in
            # the company's language, whatever OdooBot's.
            templates.filtered(
                lambda t, company=company: t.company_id == company
            ).with_company(company).with_context(
                lang=company._recurring_lang()
            )._recurring_process_isolated(now)
        return templates

    @api.model
    def _recurring_progress(self, now, done, auto_commit, making=True):
        """Commit this batch, then count in a fresh snapshot what is left: the
        due templates (for the maker) and the invoices to send. A worker that
        finds nothing left at all finishes the morning (_recurring_finish).
        Returns what this worker has left to do."""
        if auto_commit:
            # The counts must see what the other workers committed meanwhile.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        due = self._recurring_count_due(now)
        to_send = (
            self._recurring_count_to_send(now)
            if self._recurring_send_batch_size()
            else 0
        )
        remaining = (due if making else 0) + to_send
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if done and remaining:
            # ir.cron runs at most 10 batches in a row, then the worker waits
            # for its next look at the jobs (a minute) unless woken: wake it.
            self._recurring_run_again()
        if not due and not to_send:
            self._recurring_finish(now)
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return remaining

    @api.model
    def _recurring_finish(self, now):
        """Everything due this morning was made and tried: send the daily
        summaries and plan the next run. Two workers finishing together: the
        first one does it (a transaction lock), the other leaves it."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_xact_lock(hashtext(%s))", FINISH_LOCK)
        )
        if not self.env.cr.fetchone()[0]:
            return False
        self._recurring_send_summaries(now)
        self._recurring_schedule_next_run(now)
        return True

    @api.model
    def _recurring_back_off(self):
        """Another worker committed the rows this one tried to take: run again
        soon, in a new transaction, and say that what remains is unknown."""
        self._recurring_run_again(
            default=self.env.ref("recurring_invoice.ir_cron_recurring_invoice")
        )
        return -1

    @api.model
    def _recurring_run_again(self, default=None):
        """Trigger the scheduled action running this call (or ``default``)."""
        cron = self.env["ir.cron"].browse(self.env.context.get("cron_id")) or default
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _recurring_wake_senders(self):
        """Start every sending scheduled action now (one ships; a copy of it
        adds a worker; none when they are archived). ``_trigger`` takes one
        scheduled action at a time."""
        for cron in (
            self.env["ir.cron"]
            .sudo()
            .search([("code", "=like", "model._cron_recurring_send(%")])
        ):
            cron._trigger()

    # --- which templates are due -------------------------------------------------
    def _recurring_lock_due_templates(self, now, limit, among=None):
        """Lock up to ``limit`` due templates (of the ids ``among`` when
        given), skipping those another worker holds, oldest next date first
        (None: back off, see _recurring_lock)."""
        return self._recurring_lock(
            SQL(
                """
                SELECT move.id %(due)s %(among)s
                 ORDER BY move.recurring_next_send_date, move.id
                 LIMIT %(limit)s
                   FOR NO KEY UPDATE OF move SKIP LOCKED
                """,
                due=self._recurring_due_domain_sql(now),
                among=SQL("AND move.id = ANY(%s)", list(among))
                if among is not None
                else SQL(),
                limit=limit,
            )
        )

    def _recurring_due_domain_sql(self, now):
        return SQL(
            """
              FROM account_move move
              JOIN (VALUES %(cutoffs)s) AS cutoff(company_id, due_until)
                ON cutoff.company_id = move.company_id
             WHERE move.recurring_state = 'active'
               AND move.recurring_next_send_date <= cutoff.due_until
               AND (move.recurring_make_retry_after IS NULL
                    OR move.recurring_make_retry_after <= %(now)s)
            """,
            cutoffs=self._recurring_company_days_sql(
                lambda company: company._recurring_last_due_date(now)
            ),
            now=now,
        )

    @api.model
    def _recurring_company_days_sql(self, day_of):
        """``(company_id, day)`` rows, ``day_of(company)`` for each company."""
        return SQL(", ").join(
            SQL("(%s, %s::date)", company.id, day_of(company))
            for company in self.env["res.company"].sudo().search([])
        )

    def _recurring_end_due_pauses(self, now):
        """Resume the paused templates whose resume day has come, as of the
        start of that day: the occurrences sent during the pause are not
        made, those of the resume day and after are."""
        paused = self._recurring_lock(
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
                today=self._recurring_company_days_sql(
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

    def _recurring_count_due(self, now):
        self.env.cr.execute(
            SQL("SELECT COUNT(*) %s", self._recurring_due_domain_sql(now))
        )
        return self.env.cr.fetchone()[0]

    def _recurring_lock(self, query):
        """Run ``query`` (``SELECT id ... FOR NO KEY UPDATE SKIP LOCKED``) and
        return the moves it locked: the rows this worker alone works on.

        Rows another worker holds are skipped. Rows another worker committed
        after this transaction's snapshot began raise a serialization failure:
        they are that worker's, so none is returned (the caller's next run, in a
        new transaction, sees them as they are); that query failing is no
        error, so Odoo does not log it as one."""
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(query, log_exceptions=False)
                return self.browse(row[0] for row in self.env.cr.fetchall())
        except psycopg2.errors.SerializationFailure:
            _logger.info("Recurring invoices: rows taken by another worker")
            return None

    # --- making and posting ------------------------------------------------------
    def _recurring_process_isolated(self, now):
        """Process the templates together, the fast way; if that fails, one
        by one, each in its own savepoint, so that one bad template (archived
        journal, deprecated account, locked period...) does not stop the
        others: its error goes on its chatter and it is tried again at the next
        run."""
        if len(self) > 1:
            try:
                with self.env.cr.savepoint():
                    return self._recurring_process(now)
            except Exception as error:  # noqa: BLE001 - sorted out one by one below
                _logger.info("Recurring templates retried one by one: %s", error)
        invoices = self.browse()
        for template in self:
            try:
                with self.env.cr.savepoint():
                    invoices |= template._recurring_process(now)
            except Exception as error:  # noqa: BLE001 - one bad template must not stop the others
                _logger.warning("Recurring template %s failed: %s", template.id, error)
                template._recurring_record_failure(error, now)
        return invoices

    def _recurring_process(self, now=None):
        """Make every invoice of these templates that is due at ``now``, oldest
        first for each template, and store each template's plan after them.

        All invoices are created in one ``create`` and posted in one ``_post``:
        all or nothing, so the caller runs it in a savepoint (and retries the
        templates one by one when it fails)."""
        now = now or fields.Datetime.now()
        values = []
        after = {}
        for template in self:
            plan = template._recurring_plan(now)
            if plan.make and not template.partner_id.active:
                raise UserError(
                    _(
                        "The customer %(customer)s is archived: no invoice is made "
                        "for an archived customer. Restore the customer or stop "
                        "this recurring invoice.",
                        customer=template.partner_id.display_name,
                    )
                )
            for day in plan.make:
                # Prices due by this occurrence first (account_move_recurring_price.py)
                template._recurring_apply_price_changes(day)
                values.append(template._recurring_invoice_values(day))
            state = (plan.next_date, plan.skipped)
            after[state] = after.get(state, self.browse()) | template
        # On an empty recordset: create() on the templates would re-sync their
        # lines. Odoo's "Invoice Created" note costs a message_post (about nine
        # queries) per invoice, and following every invoice would make the
        # scheduler's user a follower of them all: one note per invoice saying
        # where it comes from, logged in one batch, replaces both.
        invoices = (
            self.browse()
            ._recurring_as_job()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(values)
            .with_env(self.env)
        )
        invoices._message_log_batch(
            bodies={
                invoice.id: self.env._(
                    "Invoice created from %(template)s.",
                    template=invoice.recurring_template_id._get_html_link(),
                )
                for invoice in invoices
            }
        )
        invoices._post(soft=False)
        for (next_date, skipped), templates in after.items():
            templates._recurring_write(
                {
                    "recurring_next_date": next_date or False,
                    "recurring_state": "active" if next_date else "ended",
                    "recurring_skipped_dates": self._recurring_skipped_value(skipped),
                    "recurring_make_retry_after": False,
                    "recurring_make_error": False,
                }
            )
        return invoices

    def _recurring_record_failure(self, error, now):
        """Keep a template that failed active, tell its chatter why, and try it
        again at the next day's run."""
        self.ensure_one()
        message = _error_text(error)
        self._recurring_write(
            {
                "recurring_make_retry_after": (
                    self.company_id._recurring_next_send_moment(now)
                ),
                "recurring_make_error": message,
                "recurring_make_to_report": True,
            }
        )
        self.message_post(
            body=Markup("%s<br/>%s")
            % (
                _(
                    "The invoice due on %(date)s could not be made; it will be "
                    "tried again at the next run:",
                    date=format_date(self.env, self.recurring_next_send_date),
                ),
                message,
            ),
            subtype_xmlid="mail.mt_note",
        )

    # --- the next run ------------------------------------------------------------
    @api.model
    def _recurring_schedule_next_run(self, now):
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
