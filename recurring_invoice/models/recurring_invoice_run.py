# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A morning of the recurring invoice job in one company: its run.

One row per company and morning (``run_date``: the company's last send day
whose send moment had passed when the job ran, see
``res.company._recurring_last_due_date``), unique in the database. The job
writes it as it goes and never waits on it (``recurring_invoice_job.py``,
:meth:`_run_register`): each worker adds itself in a short transaction of its
own (``INSERT ... ON CONFLICT``), so that two workers share one row and a
kill loses nothing that was committed.

What the morning did is not counted on the row: it is read from the
invoices the job made, each marked with its run's day
(``account.move.recurring_run_date``, written in the batch's own
transaction), and from the failures (``recurring.invoice.run.failure``). The
counts are therefore exactly what was committed, whatever was killed, and no
two workers ever update one counter. Runs older than the system parameter
``recurring_invoice.run_retention_days`` (400 days by default) are deleted by
the autovacuum.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from ..tools import recurrence

#: Days a run is kept, unless ``recurring_invoice.run_retention_days`` says.
DEFAULT_RETENTION_DAYS = 400

#: The longest stretch of mornings without a run that is listed day by day.
MAX_MISSED_DAYS = 31


class RecurringInvoiceRun(models.Model):
    _name = "recurring.invoice.run"
    _inherit = ["recurring.job.fields.mixin"]
    _description = "Recurring Invoices: a Morning's Run"
    _order = "run_date desc, company_id"
    _rec_name = "run_date"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        recurring_job=True,
    )
    run_date = fields.Date(
        string="Morning",
        required=True,
        readonly=True,
        help="The send day of the company this run made and sent the invoices " "of.",
        recurring_job=True,
    )
    started = fields.Datetime(readonly=True, recurring_job=True)
    finished = fields.Datetime(
        readonly=True,
        help="When the last worker found nothing left to make or send and sent "
        "the daily summaries (empty: not finished yet, or stopped).",
        recurring_job=True,
    )
    due_count = fields.Integer(
        string="Templates Due",
        readonly=True,
        help="The company's recurring templates due when the run began.",
        recurring_job=True,
    )
    workers = fields.Char(
        readonly=True,
        help="The processes (pid@host) or queue jobs (their uuid) that did the "
        "run's work, in the order they began.",
        recurring_job=True,
    )
    summary_count = fields.Integer(
        string="Summaries Sent",
        readonly=True,
        help="The daily summary e-mails sent to the responsible users.",
        recurring_job=True,
    )
    health_mailed_at = fields.Datetime(
        string="Health Check E-mailed",
        readonly=True,
        help="When that evening's health check e-mailed the responsible users "
        "what it found wrong (empty: nothing found, or not checked yet).",
        recurring_job=True,
    )
    health_problem_count = fields.Integer(
        string="Health Problems",
        readonly=True,
        help="What that evening's health check found wrong, as it e-mailed it.",
        recurring_job=True,
    )
    health_mailed_to = fields.Char(
        string="Health Check E-mailed To",
        readonly=True,
        recurring_job=True,
    )

    # --- what the morning did: read from the invoices and failures -----------
    made_count = fields.Integer(string="Invoices Made", compute="_compute_counts")
    posted_count = fields.Integer(string="Posted", compute="_compute_counts")
    sent_count = fields.Integer(string="Sent", compute="_compute_counts")
    not_sent_count = fields.Integer(
        string="Not Sent",
        compute="_compute_counts",
        help="Posted invoices to send that could not be sent (yet).",
    )
    failed_count = fields.Integer(
        string="Failures",
        compute="_compute_counts",
        help="Invoices that could not be made (a template, or one recipient).",
    )
    invoice_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_invoice_ids"
    )
    failure_ids = fields.Many2many(
        "recurring.invoice.run.failure",
        string="Not Made",
        compute="_compute_failure_ids",
    )
    catch_up_days = fields.Char(
        string="Days Caught Up",
        compute="_compute_catch_up_days",
        help="Earlier send days whose invoices this run made: the mornings it "
        "caught up.",
    )
    missed_days = fields.Char(
        string="Mornings Not Run",
        compute="_compute_missed_days",
        help="The mornings since the company's previous run that had no run at "
        "all (the scheduled action was inactive, or no worker ran it).",
    )

    _sql_constraints = [
        (
            "company_day_unique",
            "UNIQUE(company_id, run_date)",
            "One run per company and morning.",
        )
    ]

    def _invoice_domain(self):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("recurring_run_date", "=", self.run_date),
        ]

    def _counts_by_key(self):
        """{(company id, day): {count field: n}}, two queries for all runs."""
        self.env["account.move"].flush_model(
            ["recurring_run_date", "state", "recurring_send_state"]
        )
        self.env["recurring.invoice.run.failure"].flush_model()
        keys = [(run.company_id.id, run.run_date) for run in self]
        counts = {key: dict.fromkeys(_COUNTS, 0) for key in keys}
        if not keys:
            return counts
        companies = list({key[0] for key in keys})
        days = list({key[1] for key in keys})
        self.env.cr.execute(
            SQL(
                """
                SELECT company_id, recurring_run_date,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE state = 'posted'),
                       COUNT(*) FILTER (WHERE recurring_send_state = 'sent'),
                       COUNT(*) FILTER (WHERE state = 'posted'
                                        AND recurring_send_state
                                            IN ('to_send', 'failed'))
                  FROM account_move
                 WHERE company_id = ANY(%s) AND recurring_run_date = ANY(%s)
                 GROUP BY company_id, recurring_run_date
                """,
                companies,
                days,
            )
        )
        for company_id, day, made, posted, sent, not_sent in self.env.cr.fetchall():
            if (company_id, day) in counts:
                counts[company_id, day].update(
                    made_count=made,
                    posted_count=posted,
                    sent_count=sent,
                    not_sent_count=not_sent,
                )
        self.env.cr.execute(
            SQL(
                """
                SELECT company_id, run_date, COUNT(*)
                  FROM recurring_invoice_run_failure
                 WHERE company_id = ANY(%s) AND run_date = ANY(%s)
                 GROUP BY company_id, run_date
                """,
                companies,
                days,
            )
        )
        for company_id, day, failed in self.env.cr.fetchall():
            if (company_id, day) in counts:
                counts[company_id, day]["failed_count"] = failed
        return counts

    @api.depends("company_id", "run_date")
    def _compute_counts(self):
        counts = self._counts_by_key()
        for run in self:
            run.update(counts[run.company_id.id, run.run_date])

    @api.depends("company_id", "run_date")
    def _compute_invoice_ids(self):
        Move = self.env["account.move"]
        for run in self:
            run.invoice_ids = Move.search(run._invoice_domain()) if run.id else Move

    @api.depends("company_id", "run_date")
    def _compute_failure_ids(self):
        Failure = self.env["recurring.invoice.run.failure"]
        for run in self:
            run.failure_ids = Failure.search(
                [
                    ("company_id", "=", run.company_id.id),
                    ("run_date", "=", run.run_date),
                ]
            )

    def _caught_up_dates(self):
        """The earlier send days whose invoices this run made, in order."""
        self.ensure_one()
        days = set()
        for invoice in self.env["account.move"].sudo().search(self._invoice_domain()):
            template = invoice.recurring_template_id
            if not invoice.recurring_occurrence_date or not template:
                continue
            day = recurrence.send_date(
                invoice.recurring_occurrence_date, template.recurring_days_ahead or 0
            )
            if day < self.run_date:
                days.add(day)
        return sorted(days)

    def _missed_dates(self):
        """The mornings between the company's previous run and this one that
        had no run (none before the first run; the last MAX_MISSED_DAYS)."""
        self.ensure_one()
        previous = self.sudo().search(
            [
                ("company_id", "=", self.company_id.id),
                ("run_date", "<", self.run_date),
            ],
            order="run_date desc",
            limit=1,
        )
        if not previous:
            return []
        first = max(
            previous.run_date + timedelta(days=1),
            self.run_date - timedelta(days=MAX_MISSED_DAYS),
        )
        return [first + timedelta(days=n) for n in range((self.run_date - first).days)]

    def _format_days(self, days):
        return ", ".join(format_date(self.env, day) for day in days)

    @api.depends("company_id", "run_date")
    def _compute_catch_up_days(self):
        for run in self:
            run.catch_up_days = (
                run._format_days(run._caught_up_dates()) if run.id else ""
            )

    @api.depends("company_id", "run_date")
    def _compute_missed_days(self):
        for run in self:
            days = run._missed_dates() if run.id else []
            run.missed_days = run._format_days(days)

    @api.depends("company_id", "run_date")
    def _compute_display_name(self):
        for run in self:
            run.display_name = (
                f"{run.company_id.name} {format_date(self.env, run.run_date)}"
                if run.run_date
                else run.company_id.name or ""
            )

    # --- retention -----------------------------------------------------------
    @api.model
    def _retention_days(self):
        return self.env["recurring.invoice.job"]._int_param(
            "recurring_invoice.run_retention_days", DEFAULT_RETENTION_DAYS
        )

    @api.autovacuum
    def _gc_old_runs(self):
        """Delete the runs (and their failures) older than the retention."""
        limit = fields.Date.context_today(self) - timedelta(days=self._retention_days())
        self.env["recurring.invoice.run.failure"].sudo().search(
            [("run_date", "<", limit)]
        ).unlink()
        self.sudo().search([("run_date", "<", limit)]).unlink()


_COUNTS = ("made_count", "posted_count", "sent_count", "not_sent_count", "failed_count")
