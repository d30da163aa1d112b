# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The morning job's sending, and the daily summary.

Each invoice the job made waits in the state "to send" until the job sends it
through Odoo's own sending (``account.move.send``: the PDF, the customer's
e-invoice format and sending method), with the e-mail template of its
recurring template ("Recurring invoice" unless the template names another
one) in the customer's language, each in its own savepoint: a failure never
undoes the invoice, which is tried again at the next runs, then left to the
user (:meth:`_hook_send_failed`). What was sent, and what could not be sent or
made, is told once a day to the responsible user in one summary e-mail.
"""

import logging
import threading
from contextlib import contextmanager

import psycopg2.errors

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import recurrence, trusted

_logger = logging.getLogger(__name__)

#: Errors of a sending that met another worker's commit (both wrote one
#: customer...): the invoice is sent in the next transaction.
COLLISIONS = (
    psycopg2.errors.TransactionRollbackError,
    psycopg2.errors.LockNotAvailable,
)


#: Set in the thread of a sending (_collisions_not_logged).
_sending = threading.local()


class _CollisionsNotLogged(logging.Filter):
    """Odoo logs each failed query as an ERROR ("bad query"). In the thread
    of a sending, one that met another worker's commit is expected and
    handled: not that one. Other threads' records all pass."""

    recurring_invoice = True

    def filter(self, record):
        if not getattr(_sending, "active", False):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(arg, COLLISIONS) for arg in args)


_sql_logger = logging.getLogger("odoo.sql_db")
if not any(getattr(known, "recurring_invoice", False) for known in _sql_logger.filters):
    _sql_logger.addFilter(_CollisionsNotLogged())


@contextmanager
def _collisions_not_logged():
    """While in it, this thread's queries that meet another worker's commit
    are not logged as errors (the filter above, installed once)."""
    previous = getattr(_sending, "active", False)
    _sending.active = True
    try:
        yield
    finally:
        _sending.active = previous


class RecurringInvoiceJob(models.AbstractModel):
    _inherit = "recurring.invoice.job"

    # --- sending -----------------------------------------------------------------
    @api.model
    def _send_pending(self, now, limit, among=None):
        """Send up to ``limit`` invoices waiting to be sent (of the ids
        ``among`` when given), each in its own savepoint: a failure never
        undoes the invoice, which stays posted and is tried again at the next
        run, a few times at most. Returns the invoices tried (None: another
        worker committed them meanwhile, see :meth:`_lock`).

        Another worker sending to the same customer at once must not make an
        invoice fail: the job's sending writes no customer it need not
        (res_partner.py), and a collision that happens anyway (a record this
        sending writes, changed by another worker since this transaction
        began) leaves the invoice to send in the next transaction, not counted
        as an attempt nor as done."""
        if not limit:
            return self.env["account.move"]
        self._run_register(now)
        invoices = self._lock(
            SQL(
                """
                SELECT id FROM account_move
                 WHERE recurring_send_state = 'to_send'
                   AND state = 'posted'
                   AND (recurring_send_retry_after IS NULL
                        OR recurring_send_retry_after <= %(now)s)
                   %(among)s
                 ORDER BY id
                 LIMIT %(limit)s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                now=now,
                among=SQL("AND id = ANY(%s)", list(among))
                if among is not None
                else SQL(),
                limit=limit,
            )
        )
        if invoices is None:
            return None
        collided = invoices.browse()
        for invoice in invoices:
            # Its chatter notes and errors in the language of its company.
            job = self.with_company(invoice.company_id).with_context(
                lang=invoice.company_id._recurring_lang()
            )
            invoice = invoice.with_env(job.env)
            try:
                with _collisions_not_logged(), self.env.cr.savepoint():
                    method = job._send_invoice(invoice)
            except COLLISIONS as error:
                # Another worker wrote a record this sending writes too, after
                # this transaction began: not the invoice's fault.
                _logger.info(
                    "Recurring invoice %s collided with another worker, left to "
                    "send in the next transaction: %s",
                    invoice.id,
                    error,
                )
                collided |= invoice
            except Exception as error:  # noqa: BLE001 - PDF and mail errors alike
                _logger.info("Recurring invoice %s not sent: %s", invoice.id, error)
                job._hook_send_failed(invoice, error, now)
            else:
                invoice._recurring_write(
                    {
                        # a customer who downloads its invoices: posted only
                        "recurring_send_state": "sent"
                        if method != "manual"
                        else "post_only",
                        "recurring_send_method": method,
                        "recurring_send_attempts": invoice.recurring_send_attempts + 1,
                        "recurring_send_error": False,
                        "recurring_send_retry_after": False,
                        "recurring_send_to_report": True,
                    }
                )
        if invoices:
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
        return invoices - collided

    @api.model
    def _to_send_domain(self, now):
        """The invoices to send at ``now``: posted, waiting to be sent, not
        waiting to be tried again (as :meth:`_send_pending` locks them)."""
        return [
            ("recurring_send_state", "=", "to_send"),
            ("state", "=", "posted"),
            "|",
            ("recurring_send_retry_after", "=", False),
            ("recurring_send_retry_after", "<=", now),
        ]

    @api.model
    def _count_to_send(self, now):
        return self.env["account.move"].search_count(self._to_send_domain(now))

    @api.model
    def _send_invoice(self, invoice):
        """Send one invoice made by the job with Odoo's own sending, as
        :meth:`_get_sending_settings` says. The e-mail is queued: Odoo's mail
        queue delivers it, and retries it (mail_mail.py), instead of this job
        waiting on the mail server; the PDF is printed without Odoo's wait for
        scripts (ir_actions_report.py). Returns how it was sent (``email``,
        ``peppol``; ``manual``: not sent, the customer downloads its
        invoices); raises when the invoice could not be sent."""
        invoice.ensure_one()
        invoice = invoice.with_context(
            mail_notify_force_send=False,
            recurring_invoice_send=trusted.Trusted(invoice.id),
        )
        settings = self._get_sending_settings(invoice)
        if settings is None:
            return "manual"
        invoice.env["account.move.send"]._generate_and_send_invoices(
            invoice, allow_raising=True, **settings
        )
        if not invoice.is_move_sent:
            raise UserError(_("Odoo could not send this invoice."))
        return next(iter(settings["sending_methods"]))

    @api.model
    def _get_sending_settings(self, invoice):
        """The keyword arguments of ``account.move.send``'s
        ``_generate_and_send_invoices`` for one invoice: the customer's own
        sending method (EHF/Peppol where it takes it), else e-mail; the e-mail
        template of its recurring template in the customer's language; signed
        by the responsible user. None for a customer who downloads its
        invoices (Odoo's "Download"): it is not sent. Raises when the invoice
        cannot be sent that way."""
        sender = invoice.env["account.move.send"]
        method = sender._get_default_sending_method(invoice)
        if method == "manual":
            return None
        methods = {method or "email"}
        if "email" in methods and not invoice.partner_id.email:
            raise UserError(
                _(
                    "The customer %(customer)s has no e-mail address.",
                    customer=invoice.partner_id.display_name,
                )
            )
        author = invoice._recurring_responsible_user() or self.env.user
        mail_template = invoice._recurring_mail_template()
        settings = {
            "sending_methods": methods,
            "author_user_id": author.id,
            "author_partner_id": author.partner_id.id,
        }
        if mail_template:
            # else Odoo's invoice e-mail: the add-on's was deleted
            settings["mail_template"] = mail_template
        return settings

    @api.model
    def _hook_send_failed(self, invoice, error, now):
        """An invoice could not be sent (``error``, its savepoint rolled
        back): keep it posted, tell its chatter why and try again at the next
        day's run, a few times at most."""
        invoice._recurring_record_send_failure(error, now)

    # --- the daily summary -------------------------------------------------------
    @api.model
    def _send_summaries(self, now):
        """E-mail each responsible user one summary of what was sent, and what
        could not be sent or made, since the last summary. Never posted on the
        invoices: their followers include customers. Returns how many
        summaries were sent (and tells each company's run how many told its
        invoices: :meth:`_run_summaries_sent`)."""
        # Two workers finishing together: each reports only what it locked.
        Move = self.env["account.move"]
        records = (
            self._lock(
                SQL(
                    """
                    SELECT id FROM account_move
                     WHERE recurring_send_to_report OR recurring_make_to_report
                     ORDER BY recurring_occurrence_date, id
                       FOR NO KEY UPDATE SKIP LOCKED
                    """
                )
            )
            or Move
        )
        # The price adjustments applied since (account_move_recurring_price.py).
        Adjustment = self.env["recurring.price.adjustment"]
        adjusted = (
            self._lock(
                SQL(
                    """
                    SELECT id FROM recurring_price_adjustment
                     WHERE to_report
                     ORDER BY applied_date, id
                       FOR NO KEY UPDATE SKIP LOCKED
                    """
                ),
                model=Adjustment._name,
            )
            or Adjustment
        )
        if not records and not adjusted:
            return 0
        mail_template = self.env.ref(
            "recurring_invoice.mail_template_recurring_summary"
        )
        users = (records | adjusted.template_id)._recurring_responsible_users()
        by_user = {}
        by_company = {}
        for record in records:
            by_user.setdefault(users[record], [Move, Adjustment])
            by_user[users[record]][0] |= record
        for adjustment in adjusted:
            user = users[adjustment.template_id]
            by_user.setdefault(user, [Move, Adjustment])
            by_user[user][1] |= adjustment
        for user, (user_records, user_adjusted) in by_user.items():
            if not user:
                _logger.warning(
                    "Recurring invoices: nobody to send the summary of invoices %s "
                    "to (no active user with an e-mail address)",
                    user_records.ids,
                )
                continue
            mail_template.with_context(
                lang=user.lang,
                recurring_job_mail=trusted.JOB,
                recurring_adjusted=user_adjusted._recurring_summary_rows(user.lang),
                **self._summary_context(user_records, user, now),
            ).send_mail(user.id, email_layout_xmlid="mail.mail_notification_light")
            for company in (user_records | user_adjusted.template_id).company_id:
                by_company[company.id] = by_company.get(company.id, 0) + 1
        invoices = records.filtered("recurring_send_to_report")
        invoices._recurring_write({"recurring_send_to_report": False})
        (records - invoices)._recurring_write({"recurring_make_to_report": False})
        adjusted._recurring_as_job().write({"to_report": False})
        self._run_summaries_sent(now, by_company)
        return len(by_user)

    @api.model
    def _not_made_rows(self, templates):
        """The summary's rows of invoices not made: a template that failed
        as a whole (its next date), and each recipient still owed."""
        rows = []
        for template in templates:
            if template.recurring_make_error:
                rows.append(
                    {
                        "template": template,
                        "partner": template.partner_id,
                        "date": template.recurring_next_date,
                        "error": template.recurring_make_error,
                    }
                )
            rows.extend(template._recurring_owed_rows())
        return rows

    @api.model
    def _summary_methods(self, sent, lang):
        """[(how, count)] of the invoices ``sent``: by e-mail, by EHF..."""
        labels = dict(
            self.env["account.move"]
            .with_context(lang=lang)
            ._fields["recurring_send_method"]
            ._description_selection(self.with_context(lang=lang).env)
        )
        counts = {}
        for invoice in sent:
            method = invoice.recurring_send_method or "email"
            counts[method] = counts.get(method, 0) + 1
        return [(labels.get(method, method), n) for method, n in counts.items()]

    @api.model
    def _post_only_reason(self, invoice):
        """Why the job posted ``invoice`` and did not send it."""
        if invoice.recurring_send_method == "manual":
            return invoice.env._(
                "%(customer)s downloads its invoices (its sending preference)",
                customer=invoice.partner_id.display_name,
            )
        return invoice.env._("The recurring invoice is set to post only")

    @api.model
    def _summary_catch_up(self, records, user, now):
        """(the mornings that did not run, the earlier send days caught up)
        of the runs of the morning of ``records``' companies, as text in the
        user's language ("" when none): a morning caught up says so."""
        Run = self.env["recurring.invoice.run"].sudo().with_context(lang=user.lang)
        missed, caught_up = set(), set()
        for company in records.company_id:
            run = Run.search(
                [
                    ("company_id", "=", company.id),
                    ("run_date", "=", company._recurring_last_due_date(now)),
                ],
                limit=1,
            )
            if run:
                missed.update(run._missed_dates())
                caught_up.update(run._caught_up_dates())
        return Run._format_days(sorted(missed)), Run._format_days(sorted(caught_up))

    @api.model
    def _summary_context(self, records, user, now):
        """The rendering context of one user's summary of ``records``: the
        invoices sent (and how), those posted and not sent, the drafts waiting
        for review, those that could not be sent, the templates whose invoice
        could not be made, and the totals sent per currency."""
        not_made = records.filtered("recurring_make_to_report")
        invoices = records - not_made
        sent = invoices.filtered(lambda inv: inv.recurring_send_state == "sent")
        posted = invoices.filtered(lambda inv: inv.recurring_send_state == "post_only")
        review = invoices.filtered(lambda inv: inv.recurring_send_state == "review")
        not_sent = invoices - sent - posted - review
        totals = {}
        for invoice in sent:
            totals[invoice.currency_id] = (
                totals.get(invoice.currency_id, 0.0) + invoice.amount_total
            )
        # A template's invoices to its recipients are told together.
        groups = {}
        for invoice in invoices.filtered("recurring_billed_partner_id"):
            group = groups.setdefault(
                invoice.recurring_template_id,
                {"template": invoice.recurring_template_id, "sent": 0, "failed": []},
            )
            if invoice in sent:
                group["sent"] += 1
            elif invoice in not_sent:
                group["failed"].append(invoice)
        missed, caught_up = self._summary_catch_up(records, user, now)
        tz = (
            user.tz
            or records.company_id[:1].recurring_invoice_tz
            or user.company_id.recurring_invoice_tz
        )
        return {
            "recurring_sent": sent.filtered(
                lambda inv: not inv.recurring_billed_partner_id
            ),
            "recurring_sent_count": len(sent),
            "recurring_groups": list(groups.values()),
            "recurring_failed": not_sent,
            "recurring_methods": self._summary_methods(sent, user.lang),
            "recurring_posted_rows": [
                {"invoice": invoice, "reason": self._post_only_reason(invoice)}
                for invoice in posted.with_context(lang=user.lang)
            ],
            "recurring_review_count": len(review),
            "recurring_not_made": not_made,
            "recurring_not_made_rows": self._not_made_rows(not_made),
            "recurring_totals": list(totals.items()),
            "recurring_date": recurrence.local_today(tz, now),
            "recurring_missed": missed,
            "recurring_caught_up": caught_up,
        }
