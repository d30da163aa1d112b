# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The morning job's run records (``recurring.invoice.run``): written as the
job goes, never in its way.

Each worker adds itself to its companies' runs of the morning once, in a
short transaction of its own at READ COMMITTED (``INSERT ... ON CONFLICT``
on the unique company and day): two workers share one row, neither waits
for the other's batch, and the batch's own REPEATABLE READ transaction never
writes a row another worker writes (which would fail it with a serialization
error). What a batch made is marked on its invoices and failures, in the
batch's transaction: committed with it, lost with it. The worker that
finishes the morning writes when, and how many summaries it sent. Any error
of the run record is logged and the job goes on.
"""

import logging
import os
import socket
from contextlib import contextmanager

from odoo import api, models, modules
from odoo.tools import SQL

from .recurring_invoice_job import _REGISTERED

_logger = logging.getLogger(__name__)


class RecurringInvoiceJob(models.AbstractModel):
    _inherit = "recurring.invoice.job"

    @api.model
    def _run_worker(self):
        """Who does this call's work: the queue job (its uuid), else the
        process (pid@host)."""
        return self.env.context.get("job_uuid") or (
            f"{os.getpid()}@{socket.gethostname()}"
        )

    @api.model
    def _run_days(self, now):
        """{company id: the day of its run at ``now``}: its last send day
        whose send moment has passed."""
        return {
            company.id: company._recurring_last_due_date(now)
            for company in self.env["res.company"].sudo().search([])
        }

    @contextmanager
    def _run_cursor(self, own=True):
        """A cursor for the run record: its own short READ COMMITTED
        transaction, committed at once (in tests, and when not ``own``, a
        savepoint of this transaction). Errors are logged, never raised."""
        try:
            if modules.module.current_test or not own:
                with self.env.cr.savepoint():
                    yield self.env.cr
                return
            with self.env.registry.cursor() as cr:
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                yield cr
        except Exception as error:  # noqa: BLE001 - the run record never stops the job
            _logger.warning("Recurring invoices: run record not written: %s", error)

    @api.model
    def _run_register(self, now):
        """Add this worker to the run of the morning of each company with
        active templates (the run made if it is the first); its templates
        due are counted then. Once per process, worker and morning. Returns
        :meth:`_run_days`."""
        days = self._run_days(now)
        worker = self._run_worker()
        keys = {(self.env.cr.dbname, cid, day, worker) for cid, day in days.items()}
        if not days or keys <= _REGISTERED:
            return days
        registered = False
        with self._run_cursor() as cr:
            cr.execute(
                SQL(
                    """
                    INSERT INTO recurring_invoice_run AS run
                           (company_id, run_date, started, workers, due_count,
                            summary_count, create_uid, create_date, write_uid,
                            write_date)
                    SELECT wanted.company_id, wanted.day, %(now)s, %(worker)s, 0,
                           0, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM (VALUES %(days)s) AS wanted(company_id, day)
                     WHERE EXISTS (SELECT 1 FROM account_move move
                                    WHERE move.recurring_state = 'active'
                                      AND move.company_id = wanted.company_id)
                        ON CONFLICT (company_id, run_date) DO UPDATE
                       SET workers = concat_ws(',', run.workers, EXCLUDED.workers)
                     WHERE position(',' || EXCLUDED.workers || ','
                                    IN ',' || coalesce(run.workers, '') || ',') = 0
                 RETURNING run.id, run.company_id, run.xmax = 0
                    """,
                    now=now,
                    worker=worker,
                    uid=self.env.uid,
                    days=SQL(", ").join(
                        SQL("(%s, %s::date)", cid, day) for cid, day in days.items()
                    ),
                )
            )
            # the runs this worker began: their templates due
            new = {
                company_id: run_id
                for run_id, company_id, inserted in cr.fetchall()
                if inserted
            }
            if new:
                cr.execute(
                    SQL(
                        """
                        SELECT move.company_id, COUNT(*) %s
                           AND move.company_id = ANY(%s)
                         GROUP BY move.company_id
                        """,
                        self._due_domain_sql(now),
                        list(new),
                    )
                )
                for company_id, due in cr.fetchall():
                    cr.execute(
                        SQL(
                            """
                            UPDATE recurring_invoice_run SET due_count = %s
                             WHERE id = %s
                            """,
                            due,
                            new[company_id],
                        )
                    )
            registered = True
        if registered and not modules.module.current_test:
            _REGISTERED.update(keys)
        self.env["recurring.invoice.run"].invalidate_model()
        return days

    @api.model
    def _run_summaries_sent(self, now, summaries):
        """Count on each company's run of the morning the summary e-mails
        sent (``summaries``: {company id: n}); the run is finished then. In
        the finishing transaction, so the count is that of the summaries
        committed; the run record failing leaves the summaries be."""
        days = self._run_days(now)
        with self._run_cursor(own=False) as cr:
            for company_id, sent in summaries.items():
                cr.execute(
                    SQL(
                        """
                        UPDATE recurring_invoice_run
                           SET finished = %(now)s,
                               summary_count = summary_count + %(sent)s,
                               write_date = %(now)s
                         WHERE company_id = %(company)s AND run_date = %(day)s
                        """,
                        now=now,
                        sent=sent,
                        company=company_id,
                        day=days.get(company_id),
                    )
                )
        self.env["recurring.invoice.run"].invalidate_model()

    @api.model
    def _run_finish(self, now):
        """The morning is finished (:meth:`_finish`): its time on each run
        of the day not finished yet (a later finish with summaries to send
        moves it, :meth:`_run_summaries_sent`)."""
        days = self._run_days(now)
        with self._run_cursor(own=False) as cr:
            cr.execute(
                SQL(
                    """
                    UPDATE recurring_invoice_run run
                       SET finished = %(now)s, write_date = %(now)s
                      FROM (VALUES %(days)s) AS today(company_id, day)
                     WHERE run.company_id = today.company_id
                       AND run.run_date = today.day
                       AND run.finished IS NULL
                    """,
                    now=now,
                    days=SQL(", ").join(
                        SQL("(%s, %s::date)", cid, day) for cid, day in days.items()
                    ),
                )
            )
        self.env["recurring.invoice.run"].invalidate_model()
