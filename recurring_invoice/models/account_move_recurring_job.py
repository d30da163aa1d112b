# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the 06:15 job keeps on a template, and the one method that makes a
template's due invoices.

The job itself is the service ``recurring.invoice.job``
(``recurring_invoice_job.py``): it locks the due templates and calls
:meth:`AccountMove._recurring_process` on them. A template whose invoice could
not be made keeps its next date and is tried again at the next day's run
(:meth:`AccountMove._recurring_record_failure`); the fields below are that
bookkeeping.
"""

import logging

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

from ..tools import trusted
from .recurring_invoice_job import RUN_KEY

_logger = logging.getLogger(__name__)


class _Work:
    """What a call of the job makes of some templates: ``units``, the values
    of each invoice by (partner id or None, occurrence); ``after``, each
    template's (next date, skipped) once made (absent: cut short);
    ``owed``, per template billing recipients, what it owed before and
    still owes (not tried now); ``failures``, per template, {(partner id,
    occurrence): message} of the recipients whose invoice could not be
    made."""

    def __init__(self):
        self.units = []
        self.after = {}
        self.owed = {}
        self.failures = {}


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
    recurring_make_failures = fields.Integer(
        string="Days Not Made in a Row",
        copy=False,
        readonly=True,
        help="On how many runs in a row the template's invoice could not be "
        "made (0 once one is made): the evening health check tells the "
        "responsible user of a template failing day after day.",
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

    # --- an invoice made by the job: its run (recurring_invoice_run.py) -------
    recurring_run_date = fields.Date(
        string="Run",
        copy=False,
        readonly=True,
        help="The morning whose run of the scheduler made this invoice.",
        recurring_job=True,
    )

    recurring_run_count = fields.Integer(
        string="Runs", compute="_compute_recurring_run_count"
    )

    def _recurring_runs(self):
        """The runs of the scheduler that made an invoice of this template,
        or could not."""
        self.ensure_one()
        self.env["account.move"].flush_model(["recurring_run_date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT recurring_run_date FROM account_move
                 WHERE recurring_template_id = %(id)s
                   AND recurring_run_date IS NOT NULL
                 UNION
                SELECT run_date FROM recurring_invoice_run_failure
                 WHERE template_id = %(id)s
                """,
                id=self.id,
            )
        )
        days = [row[0] for row in self.env.cr.fetchall()]
        if not days:
            return self.env["recurring.invoice.run"]
        return self.env["recurring.invoice.run"].search(
            [("company_id", "=", self.company_id.id), ("run_date", "in", days)]
        )

    def _compute_recurring_run_count(self):
        for move in self:
            move.recurring_run_count = (
                len(move._recurring_runs()) if move.id and move.recurring_state else 0
            )

    def action_view_recurring_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_invoice.action_recurring_invoice_run"
        )
        action["domain"] = [("id", "in", self._recurring_runs().ids)]
        return action

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
        # The runs' counts: the invoices of a company's morning.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_recurring_run_index
                ON account_move (company_id, recurring_run_date)
             WHERE recurring_run_date IS NOT NULL
            """
        )
        return res

    def _recurring_run_failures(self, rows):
        """Keep on this template's run of the morning the invoices it could
        not make (``rows``: dicts of ``error``, and ``partner_id`` and
        ``occurrence_date`` for a recipient's), in this transaction; nothing
        when the job is not making them (a user's button)."""
        self.ensure_one()
        day = trusted.get(self.env.context, RUN_KEY)
        if not day or not rows:
            return
        self.env["recurring.invoice.run.failure"].sudo()._recurring_as_job().create(
            [
                {
                    "company_id": self.company_id.id,
                    "run_date": day,
                    "template_id": self.id,
                    "occurrence_date": self.recurring_next_date,
                    **row,
                }
                for row in rows
            ]
        )

    # --- making and posting ------------------------------------------------------
    def _recurring_process(self, now=None, limit=None):
        """Make every invoice of these templates that is due at ``now``, oldest
        first for each template, and store each template's plan after them.

        All invoices are created in one ``create`` and posted in one ``_post``:
        all or nothing, so the job runs it in a savepoint (and retries the
        templates one by one when it fails: ``recurring.invoice.job``'s
        ``_make_batch``). ``limit`` caps the invoices of templates billing
        recipients: one cut short keeps its next date, and the next call goes
        on with the recipients not billed yet."""
        now = now or fields.Datetime.now()
        work = self._recurring_work(now, limit)
        invoices = self._recurring_make([values for _unit, values in work.units])
        self._recurring_advance(work, now)
        return invoices

    def _recurring_process_each(self, now=None, limit=None):
        """As :meth:`_recurring_process` for one template billing recipients,
        each invoice in its own savepoint: a recipient whose invoice fails is
        kept owed (made at the next run), the others are made. When none can
        be made, the template itself fails (its first error is raised, and
        the job tries it whole at the next run)."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        work = self._recurring_work(now, limit)
        invoices = self.browse()
        errors = {}
        for unit, values in work.units:
            try:
                with self.env.cr.savepoint():
                    invoices |= self._recurring_make([values])
            except Exception as error:  # noqa: BLE001 - one recipient must not stop the others
                _logger.warning(
                    "Recurring template %s: invoice of partner %s for %s failed: %s",
                    self.id,
                    unit[0],
                    unit[1],
                    error,
                )
                errors[unit] = error
        if errors and not invoices:
            # nobody's invoice could be made: the template's own fault
            raise next(iter(errors.values()))
        work.failures.setdefault(self, {}).update(
            {unit: _error_text(error) for unit, error in errors.items()}
        )
        self._recurring_advance(work, now)
        return invoices

    def _recurring_work(self, now, limit=None):
        """What these templates make at ``now``: the invoices' values, and
        each template's state after them (:class:`_Work`)."""
        work = _Work()
        made = self._recurring_made_units()
        budget = limit or float("inf")
        for template in self:
            plan = template._recurring_plan(now)
            if not template._recurring_bills_recipients():
                if plan.make and not template.partner_id.active:
                    raise UserError(
                        _(
                            "The customer %(customer)s is archived: no invoice is "
                            "made for an archived customer. Restore the customer "
                            "or stop this recurring invoice.",
                            customer=template.partner_id.display_name,
                        )
                    )
                for day in plan.make:
                    # Prices due by this occurrence first
                    # (account_move_recurring_price.py)
                    template._recurring_apply_price_changes(day)
                    work.units.append(
                        ((None, day), template._recurring_invoice_values(day))
                    )
                budget -= len(plan.make)
                work.after[template] = (plan.next_date, plan.skipped)
                continue
            if budget <= 0:
                continue  # left to the next call
            units, let_go = template._recurring_due_units(
                plan, now, made.get(template.id, ())
            )
            complete = len(units) <= budget
            units = units[: int(min(budget, len(units)))]
            budget -= len(units)
            owed = set(template._recurring_owed_units()) - let_go
            priced = set()
            copies = {}
            for partner, recipient, day in units:
                unit = (partner.id, day)
                owed.discard(unit)
                if not partner.active:
                    work.failures.setdefault(template, {})[unit] = _(
                        "The customer %(customer)s is archived: no invoice is made "
                        "for an archived customer.",
                        customer=partner.display_name,
                    )
                    continue
                if day not in priced:
                    template._recurring_apply_price_changes(day)
                    priced.add(day)
                work.units.append(
                    (
                        unit,
                        template._recurring_invoice_values(
                            day, partner, recipient, copies=copies
                        ),
                    )
                )
            work.owed[template] = owed
            if complete:
                work.after[template] = (plan.next_date, plan.skipped)
        return work

    def _recurring_due_units(self, plan, now, made):
        """[(partner, recipient row or None, occurrence)] this template billing
        recipients still has to make at ``now``: each due occurrence's
        recipients not billed yet (``made``: {(partner id, occurrence)}), then
        what recipients still owe once their retry time has come; and the
        owed ones let go (made meanwhile, or no longer billed: removed,
        paused, untagged)."""
        self.ensure_one()
        units = []
        owed = set(self._recurring_owed_units())
        done = set(made) | owed
        for day in plan.make:
            for partner, recipient in self._recurring_billed(day).items():
                if (partner.id, day) not in done:
                    units.append((partner, recipient, day))
        let_go = set()
        if owed and (not self.recurring_owed_after or self.recurring_owed_after <= now):
            Partner = self.env["res.partner"]
            for partner_id, day in sorted(owed, key=lambda u: (u[1], u[0])):
                billed = self._recurring_billed(day)
                partner = Partner.browse(partner_id)
                if (partner_id, day) in made or partner not in billed:
                    let_go.add((partner_id, day))
                else:
                    units.append((partner, billed[partner], day))
        return units, let_go

    def _recurring_made_units(self):
        """{template id: {(partner id, occurrence)}} of the invoices made for
        the recipients of these templates, for their due and owed
        occurrences: who has been billed already (one query)."""
        templates = self.filtered(lambda t: t._recurring_bills_recipients())
        if not templates:
            return {}
        self.env["account.move"].flush_model(
            ["recurring_template_id", "recurring_occurrence_date"]
        )
        self.env.cr.execute(
            SQL(
                """
                WITH made AS (
                    SELECT recurring_template_id AS template_id,
                           recurring_billed_partner_id AS partner_id,
                           recurring_occurrence_date AS day
                      FROM account_move
                     WHERE recurring_template_id = ANY(%(ids)s)
                       AND recurring_billed_partner_id IS NOT NULL
                     UNION ALL
                    -- a recipient's draft the reviewer deleted: done (never
                    -- made again)
                    SELECT dismissal.template_id, dismissal.partner_id,
                           dismissal.occurrence_date
                      FROM recurring_invoice_dismissal dismissal
                     WHERE dismissal.template_id = ANY(%(ids)s)
                       AND dismissal.partner_id IS NOT NULL
                )
                SELECT made.template_id, made.partner_id, made.day
                  FROM made
                  JOIN account_move template ON template.id = made.template_id
                 WHERE made.day >= template.recurring_next_date
                    OR template.recurring_owed IS NOT NULL
                """,
                ids=templates.ids,
            )
        )
        made = {}
        for template_id, partner_id, day in self.env.cr.fetchall():
            made.setdefault(template_id, set()).add((partner_id, day))
        return made

    def _recurring_make(self, values):
        """Create and post the invoices of ``values`` (drafts for review are
        left in draft), each with a note saying which template it comes
        from."""
        # On an empty recordset: create() on the templates would re-sync their
        # lines. Odoo's "Invoice Created" note costs a message_post (about nine
        # queries) per invoice, and following every invoice would make the
        # scheduler's user a follower of them all: one note per invoice saying
        # where it comes from, logged in one batch, replaces both.
        day = trusted.get(self.env.context, RUN_KEY)
        if day:
            values = [dict(vals, recurring_run_date=day) for vals in values]
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
        # Drafts for review wait for a user (account_move_recurring_mode.py).
        invoices.filtered(lambda i: i.recurring_send_state != "review")._post(
            soft=False
        )
        return invoices

    def _recurring_advance(self, work, now):
        """Store each template's plan after the invoices made (those cut
        short keep theirs), and what its recipients still owe."""
        by_state = {}
        for template, (next_date, skipped) in work.after.items():
            by_state.setdefault((next_date, skipped), self.browse())
            by_state[next_date, skipped] |= template
        for (next_date, skipped), templates in by_state.items():
            templates._recurring_write(
                {
                    "recurring_next_date": next_date or False,
                    "recurring_state": "active" if next_date else "ended",
                    "recurring_skipped_dates": self._recurring_skipped_value(skipped),
                    "recurring_make_retry_after": False,
                    "recurring_make_error": False,
                    "recurring_make_failures": 0,
                }
            )
        Partner = self.env["res.partner"]
        for template, owed in work.owed.items():
            failures = work.failures.get(template, {})
            old = template.recurring_owed or {}
            errors = {
                int(partner_id): entry.get("error", "")
                for partner_id, entry in old.items()
            }
            errors.update(
                {
                    partner_id: message
                    for (partner_id, _day), message in failures.items()
                }
            )
            remaining = owed | set(failures)
            vals = {
                "recurring_owed": template._recurring_owed_value(remaining, errors),
                "recurring_owed_after": (
                    template.company_id._recurring_next_send_moment(now)
                    if remaining
                    else False
                ),
            }
            if failures:
                vals["recurring_make_to_report"] = True
            if vals["recurring_owed"] != (template.recurring_owed or False) or failures:
                template._recurring_write(vals)
            template._recurring_run_failures(
                [
                    {"partner_id": partner_id, "occurrence_date": day, "error": message}
                    for (partner_id, day), message in failures.items()
                ]
            )
            template._recurring_record_recipient_failures(
                {
                    (Partner.browse(partner_id), day): message
                    for (partner_id, day), message in failures.items()
                }
            )

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
                "recurring_make_failures": self.recurring_make_failures + 1,
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
