# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Recurring invoice templates on ``account.move``: the template itself.

A customer invoice in draft becomes a *recurring template* with the button
"Recurring invoice". The template itself is never posted: every day at the
company's send time (06:15 Europe/Oslo by default) the scheduled action makes
one posted copy of it for each due occurrence date.

This file holds the template and its life: its state, the fields linking a
made invoice to it, the guards that keep a template a template, setting it up,
pausing, resuming and stopping it, and the values of the one invoice it makes
for an occurrence. Its schedule (when each invoice is due, as decided by the
plain-Python :mod:`..tools.recurrence`) and its side panel are in
``account_move_recurring_schedule.py``; what the 06:15 job keeps on a template
and an invoice in ``account_move_recurring_job.py`` and
``account_move_recurring_send.py``; the job itself, its sending and the daily
summary are the service ``recurring.invoice.job`` (``recurring_invoice_job.py``).
"""

import copy
from datetime import timedelta
from textwrap import shorten

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date

from ..tools import recurrence, trusted

PERIOD_PLACEHOLDER = "{period}"

#: The context key under which searches of journal entries leave templates
#: out (a value of tools/trusted.py): see _where_calc.
TEMPLATES_OUT = "recurring_templates_out"

#: The context key of the templates list: archived templates are left out of
#: its searches unless the domain asks for them (see _where_calc).
HIDE_ARCHIVED = "recurring_hide_archived"


def _asks_archived(domain):
    """Whether ``domain`` names the Archived state of templates."""
    for leaf in domain or ():
        if expression.is_leaf(leaf) and leaf[0] == "recurring_state":
            value = leaf[2]
            values = value if isinstance(value, list | tuple) else [value]
            if "archived" in values:
                return True
    return False


#: What a user may change on a running template (active or paused), as
#: Billing users: its schedule from the next invoice on (the constraints and
#: the schedule's ``write`` check it as the dialog does), the day a pause
#: ends, its invoice e-mail and its yearly price adjustment. None of them
#: means anything on another move.
TEMPLATE_FIELDS = {
    "recurring_period",
    "recurring_interval",
    "recurring_days_ahead",
    "recurring_end_date",
    "recurring_max_invoices",
    "recurring_due_on_period_start",
    "recurring_mode",
    "recurring_send_reviewed",
    "recurring_paused_until",
    "recurring_index_percent",
    "recurring_index_date",
}

#: Native recurrences (``auto_post``) an invoice made by a template may have:
#: Odoo's monthly, quarterly or yearly copies would bill a period twice.
MADE_INVOICE_AUTO_POST = ("no", "at_date")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "recurring.job.fields.mixin"]

    # --- the template -----------------------------------------------------
    recurring_state = fields.Selection(
        [
            ("active", "Active"),
            ("paused", "Paused"),
            ("ended", "Ended"),
            ("archived", "Archived"),
        ],
        string="Recurrence",
        copy=False,
        readonly=True,
        index=True,
        tracking=True,
        help="Set on recurring templates only: Active templates make their "
        "invoices on each due date; Paused and Ended ones make none; Archived "
        "ones are ended templates put away.",
        recurring_job=True,
    )
    recurring_user_id = fields.Many2one(
        "res.users",
        string="Recurrence Set Up By",
        copy=False,
        readonly=True,
        help="The user who made this invoice recurring.",
        recurring_job=True,
    )
    recurring_invoice_ids = fields.One2many(
        "account.move",
        "recurring_template_id",
        string="Created Invoices",
        readonly=True,
        recurring_job=True,
    )
    recurring_invoice_count = fields.Integer(
        string="Created Invoices Count", compute="_compute_recurring_invoice_count"
    )
    recurring_mail_template_id = fields.Many2one(
        "mail.template",
        string="Invoice E-mail",
        domain=[("model", "=", "account.move")],
        help="The e-mail sent to the customer with each invoice this template "
        'makes. Empty: the e-mail template "Recurring invoice".',
    )
    # --- an invoice made from a template ----------------------------------
    recurring_template_id = fields.Many2one(
        "account.move",
        string="Recurring Template",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
        # A template with invoices cannot be deleted (_unlink_except_recurring_
        # history); only uninstalling removes one (the demo data's), and its
        # invoices stay, without the link.
        ondelete="set null",
        recurring_job=True,
    )
    recurring_occurrence_date = fields.Date(
        string="Occurrence Date",
        copy=False,
        readonly=True,
        help="The occurrence of the recurring template this invoice was made for.",
        recurring_job=True,
    )

    # Exactly once per occurrence (and recipient): the unique indexes of
    # account_move_recurring_recipients.py.

    @api.constrains("recurring_mail_template_id")
    def _check_recurring_mail_template(self):
        for move in self.filtered("recurring_mail_template_id"):
            if move.recurring_mail_template_id.sudo().model != self._name:
                raise ValidationError(
                    _(
                        "The invoice e-mail of a recurring invoice must be an e-mail "
                        "template of invoices (Journal Entry), as “Recurring "
                        "invoice” is."
                    )
                )

    @api.depends("recurring_invoice_ids")
    def _compute_recurring_invoice_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("recurring_template_id", "in", self.ids)],
                ["recurring_template_id"],
                ["__count"],
            )
        )
        for move in self:
            move.recurring_invoice_count = counts.get(move, 0)

    @api.depends("recurring_state")
    def _compute_display_name(self):
        return super()._compute_display_name()

    def _get_move_display_name(self, show_ref=False):
        # A template is never posted: called a recurring template (with its
        # customer) rather than one more "Draft Invoice", in links and lists.
        if not self.recurring_state or self.env.context.get("name_as_amount_total"):
            return super()._get_move_display_name(show_ref=show_ref)
        name = self.env._(
            "Recurring template: %(customer)s", customer=self.partner_id.name or "-"
        )
        if show_ref and self.ref:
            name = f"{name} ({shorten(self.ref, width=50)})"
        return name

    @api.depends("recurring_state")
    def _compute_hide_post_button(self):
        res = super()._compute_hide_post_button()
        for move in self.filtered("recurring_state"):
            move.hide_post_button = True
        return res

    # --- not an entry of the books ------------------------------------------
    @api.model
    def _where_calc(self, domain, active_test=True):
        # Where Odoo looks for the entries of a period (its lock checks, the
        # journals' draft counts: res_company.py, account_journal.py), a
        # template, a draft that is never posted, is none of them.
        if trusted.get(self.env.context, TEMPLATES_OUT):
            domain = expression.AND([domain or [], [("recurring_state", "=", False)]])
        elif self.env.context.get(HIDE_ARCHIVED) and not _asks_archived(domain):
            # As Odoo's active_test: the templates list hides archived
            # templates unless the search asks for them (its Archived filter).
            domain = expression.AND(
                [domain or [], [("recurring_state", "!=", "archived")]]
            )
        return super()._where_calc(domain, active_test=active_test)

    @api.depends("recurring_state")  # added to account's own (fields.get_depends)
    def _compute_tax_lock_date_message(self):
        # Nor does a template warn that it would be booked after a lock date:
        # it is never booked; each invoice it makes is dated when made.
        templates = self.filtered("recurring_state")
        templates.tax_lock_date_message = False
        return super(AccountMove, self - templates)._compute_tax_lock_date_message()

    # --- guards -------------------------------------------------------------
    def _post(self, soft=True):
        if self.filtered("recurring_state"):
            raise UserError(
                _(
                    "A recurring template is never posted itself: its invoices are "
                    "made and posted by the scheduler on each due date."
                )
            )
        return super()._post(soft=soft)

    def button_cancel(self):
        if self.filtered("recurring_state"):
            raise UserError(
                _(
                    "A recurring template is not cancelled: use Stop to end it. "
                    "The invoices it made stay as they are."
                )
            )
        return super().button_cancel()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_recurring_history(self):
        # Counted in the database: every invoice made counts, seen or not.
        if self.ids and self.sudo().search_count(
            [("recurring_template_id", "in", self.ids)], limit=1
        ):
            running = self.filtered(lambda m: m.recurring_state in ("active", "paused"))
            if running:
                raise UserError(
                    _(
                        "This recurring template has already made invoices: it "
                        "stays as their history and cannot be deleted. Stop it, "
                        "then archive it to put it away."
                    )
                )
            raise UserError(
                _(
                    "This recurring template has already made invoices: it stays "
                    "as their history and cannot be deleted. Archive it to put it "
                    "away."
                )
            )

    def write(self, vals):
        if TEMPLATE_FIELDS.intersection(vals):
            self._recurring_check_template_fields(vals)
        if {"move_type", "state", "auto_post"}.intersection(vals):
            self._recurring_check_kept(vals)
        if "company_id" in vals or "journal_id" in vals:
            self._recurring_check_company_kept(vals)
        return super().write(vals)

    def _recurring_write(self, vals):
        """Write the job's bookkeeping (next dates, sending state, errors) as
        the job (``recurring_job`` fields, see recurring_job_fields_mixin.py):
        fields that touch no journal item, so Odoo's re-synchronisation of the
        invoice lines and its balance check, which every ``account.move``
        write runs, are skipped; the fields' tracking still applies."""
        return (
            self._recurring_as_job()
            .with_context(
                skip_invoice_sync=True,
                check_move_validity=False,
                skip_is_manually_modified=True,
            )
            .write(vals)
        )

    def _recurring_check_template_fields(self, vals):
        """A running template's schedule, pause, e-mail and yearly adjustment
        are changed by Billing users, on running templates only (an ended one
        gets its schedule when it is started again)."""
        if not self._recurring_changed_fields(vals, TEMPLATE_FIELDS):
            return
        self._recurring_check_access()
        if self._recurring_is_job():
            return
        others = self.filtered(lambda m: m.recurring_state not in ("active", "paused"))
        if others._recurring_changed_fields(vals, TEMPLATE_FIELDS):
            raise UserError(
                _(
                    "Only a running recurring template (active or paused) has a "
                    "schedule to change. Make the invoice recurring with the button "
                    "Recurring invoice, or start an ended one again."
                )
            )

    def _recurring_check_kept(self, vals):
        """A template stays a customer invoice in draft, and repeats by its
        own schedule only; an invoice it made stays an invoice, and is not
        copied by Odoo's own recurrence (``auto_post``)."""
        templates = self.filtered("recurring_state")
        made = self.filtered("recurring_template_id")
        if "move_type" in vals:
            if templates.filtered(lambda m: m.move_type != vals["move_type"]):
                raise UserError(
                    _(
                        "A recurring template stays a customer invoice: it cannot "
                        "become a credit note or a bill. To credit a customer, add "
                        "a credit note for an invoice it made."
                    )
                )
            if made.filtered(lambda m: m.move_type != vals["move_type"]):
                raise UserError(
                    _(
                        "This invoice was made by a recurring template for one of "
                        "its periods and stays an invoice. To correct it, add a "
                        "credit note."
                    )
                )
        if templates and vals.get("state", "draft") != "draft":
            raise UserError(
                _(
                    "A recurring template stays a draft: it is neither posted nor "
                    "cancelled itself. The scheduler posts the invoices it makes; "
                    "use Stop to end it."
                )
            )
        auto_post = vals.get("auto_post", "no")
        if templates and auto_post != "no":
            raise UserError(
                _(
                    "A recurring template repeats by its own schedule: Odoo's "
                    "Auto-post cannot be set on it."
                )
            )
        if made and auto_post not in MADE_INVOICE_AUTO_POST:
            raise UserError(
                _(
                    "An invoice made by a recurring template does not repeat "
                    "itself: its template makes the next one."
                )
            )

    def _recurring_check_company_kept(self, vals):
        """A template keeps its company: its invoices, numbering, timezone and
        send time all belong to it."""
        company_id = vals.get("company_id")
        if not company_id and vals.get("journal_id"):
            company_id = (
                self.env["account.journal"].browse(vals["journal_id"]).company_id.id
            )
        if company_id and self.filtered(
            lambda m: m.recurring_state and m.company_id.id != company_id
        ):
            raise UserError(
                _(
                    "A recurring template cannot move to another company. Duplicate "
                    "the invoice in the other company and make the copy recurring."
                )
            )

    def _recurring_check_access(self):
        if not self.env.su and not self.env.user.has_group(
            "account.group_account_invoice"
        ):
            raise AccessError(
                _(
                    "Only Billing and Accounting users can set up, pause or stop "
                    "recurring invoices."
                )
            )

    def _recurring_check_read_access(self):
        """The links between templates and their invoices are for the
        company's own users (not its portal customers)."""
        self.check_access("read")
        if not self.env.su and not self.env.user._is_internal():
            raise AccessError(_("Only the company's users see recurring templates."))

    def _recurring_check_eligible(self):
        """Raise unless every move of ``self`` can become a recurring template."""
        for move in self:
            if move.move_type != "out_invoice":
                raise UserError(
                    _(
                        "Only customer invoices can be made recurring: credit notes, "
                        "vendor bills and journal entries cannot."
                    )
                )
            if move.recurring_template_id:
                raise UserError(
                    _(
                        "This invoice was made by a recurring template; it cannot "
                        "become a template itself."
                    )
                )
            if move.state != "draft" or move.posted_before:
                raise UserError(
                    _(
                        "Only a draft invoice that was never posted can become a "
                        "recurring template. Duplicate this invoice and make the "
                        "copy recurring."
                    )
                )
            if not move.partner_id:
                raise UserError(
                    _("Choose the customer before making the invoice recurring.")
                )
            if not move.partner_id.active:
                raise UserError(
                    _(
                        "The customer %(customer)s is archived: restore the customer "
                        "before making the invoice recurring.",
                        customer=move.partner_id.display_name,
                    )
                )
            if not move.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ):
                raise UserError(
                    _(
                        "Add at least one invoice line before making the "
                        "invoice recurring."
                    )
                )
            if move.currency_id.compare_amounts(move.amount_total, 0) < 0:
                raise UserError(_("A recurring invoice cannot have a negative total."))

    def _recurring_setup(
        self,
        period,
        start_date,
        end_date=False,
        interval=1,
        days_ahead=0,
        max_invoices=0,
        due_on_period_start=False,
        mode=None,
        send_reviewed=True,
    ):
        """Turn the draft invoice into an active template, or restart an ended
        one (checked as the first time): every ``interval`` periods from
        ``start_date``, each invoice sent ``days_ahead`` days before its period
        (the first tomorrow at the earliest), until ``end_date`` or for
        ``max_invoices`` invoices, counted from ``start_date``; each invoice
        posted and sent, posted only or made as a draft for review (``mode``,
        by default the template's or its company's)."""
        self._recurring_check_access()
        now = fields.Datetime.now()
        last_made = self._recurring_last_made_occurrences()
        for move in self:
            move._recurring_check_startable()
            move._recurring_check_eligible()
            made = last_made.get(move.id)
            if made and start_date <= made:
                raise ValidationError(
                    _(
                        "This recurring invoice has already made its invoice for "
                        "%(period)s: start it again with a later period, after "
                        "%(date)s.",
                        period=move._recurring_period_name(made, self.env.lang),
                        date=format_date(self.env, made),
                    )
                )
            company = move.company_id
            try:
                recurrence.validate_setup(
                    period,
                    start_date,
                    end_date or None,
                    company.recurring_invoice_tz,
                    company._recurring_send_time(),
                    now=now,
                    interval=interval,
                    days_ahead=days_ahead,
                )
            except recurrence.RecurrenceError as error:
                raise ValidationError(move._recurring_error_message(error)) from error
            move._recurring_write(
                {
                    "recurring_state": "active",
                    "recurring_period": period,
                    "recurring_interval": interval,
                    "recurring_days_ahead": days_ahead,
                    "recurring_due_on_period_start": due_on_period_start,
                    "recurring_mode": mode or move._recurring_mode(),
                    "recurring_send_reviewed": send_reviewed,
                    "recurring_start_date": start_date,
                    "recurring_anchor_date": start_date,
                    "recurring_end_date": end_date or False,
                    "recurring_max_invoices": max_invoices,
                    "recurring_next_date": start_date,
                    "recurring_paused_at": False,
                    "recurring_paused_until": False,
                    "recurring_skipped_dates": False,
                    "recurring_user_id": move.recurring_user_id.id or self.env.uid,
                    "recurring_make_retry_after": False,
                    "recurring_make_error": False,
                    "recurring_make_failures": 0,
                }
            )
        self.env["recurring.invoice.job"]._schedule_next_run(now)
        return True

    # --- buttons ---------------------------------------------------------------
    def action_recurring_invoice(self):
        """Open the dialog that turns this invoice into a recurring template."""
        if len(self) != 1:
            raise UserError(_("Select exactly one invoice to make recurring."))
        self._recurring_check_access()
        self._recurring_check_startable()
        self._recurring_check_eligible()
        return {
            "type": "ir.actions.act_window",
            "name": _("Recurring invoice"),
            "res_model": "recurring.invoice.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _recurring_check_startable(self):
        """A template is started once at a time, and an archived one is
        restored first."""
        for move in self:
            if move.recurring_state in ("active", "paused"):
                raise UserError(
                    _("This recurring template is already running; stop it first.")
                )
            if move.recurring_state == "archived":
                raise UserError(
                    _(
                        "This recurring template is archived: restore it before "
                        "starting it again."
                    )
                )

    def action_recurring_pause(self):
        self._recurring_check_access()
        self.filtered(lambda m: m.recurring_state == "active")._recurring_write(
            {"recurring_state": "paused", "recurring_paused_at": fields.Datetime.now()}
        )
        return True

    def action_recurring_resume(self):
        """Resume sending now: occurrences that fell inside the pause are not
        sent (see :meth:`..tools.recurrence.Recurrence.resume`)."""
        self._recurring_check_access()
        now = fields.Datetime.now()
        self.filtered(lambda m: m.recurring_state == "paused")._recurring_resume(now)
        self.env["recurring.invoice.job"]._schedule_next_run(now)
        return True

    def _recurring_resume(self, resumed_at):
        """End the pause of these templates at instant ``resumed_at``."""
        for move in self:
            resumed = move._recurring_resumed(resumed_at)
            move._recurring_write(
                {
                    "recurring_state": "active" if resumed.next_date else "ended",
                    "recurring_next_date": resumed.next_date or False,
                    "recurring_paused_at": False,
                    "recurring_paused_until": False,
                    "recurring_skipped_dates": self._recurring_skipped_value(
                        resumed.skipped
                    ),
                }
            )

    def _recurring_resumed(self, resumed_at):
        """What resuming this template at instant ``resumed_at`` gives: the
        engine's :class:`~..tools.recurrence.Resumed` (next date, skipped)."""
        self.ensure_one()
        return self._recurring_recurrence().resume(
            self.recurring_next_date or None,
            min(self.recurring_paused_at or resumed_at, resumed_at),
            resumed_at,
            self._recurring_skipped(),
        )

    def action_recurring_stop(self):
        self._recurring_check_access()
        self.filtered(
            lambda m: m.recurring_state in ("active", "paused")
        )._recurring_write(
            {
                "recurring_state": "ended",
                "recurring_next_date": False,
                "recurring_paused_at": False,
                "recurring_paused_until": False,
                "recurring_skipped_dates": False,
                # what recipients still owed is not made either
                "recurring_owed": False,
                "recurring_owed_after": False,
            }
        )
        return True

    def action_recurring_archive(self):
        """Put ended templates away: hidden from the templates list (found
        under its Archived filter), their invoices untouched and linked."""
        self._recurring_check_access()
        running = self.filtered(lambda m: m.recurring_state in ("active", "paused"))
        if running:
            raise UserError(
                _(
                    "Stop the recurring invoice %(name)s before archiving it.",
                    name=running[0].display_name,
                )
            )
        self.filtered(lambda m: m.recurring_state == "ended")._recurring_write(
            {"recurring_state": "archived"}
        )
        return True

    def action_recurring_unarchive(self):
        """Restore archived templates as ended ones (start them again from
        there)."""
        self._recurring_check_access()
        self.filtered(lambda m: m.recurring_state == "archived")._recurring_write(
            {"recurring_state": "ended"}
        )
        return True

    def action_view_recurring_invoices(self):
        self.ensure_one()
        self._recurring_check_read_access()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            {
                "domain": [("recurring_template_id", "=", self.id)],
                "context": {"default_move_type": "out_invoice", "create": False},
                "name": _("Created Invoices"),
            }
        )
        return action

    def action_open_recurring_template(self):
        self.ensure_one()
        self._recurring_check_read_access()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.recurring_template_id.id,
            "view_mode": "form",
        }

    # --- the invoice of one occurrence -----------------------------------------
    def _recurring_invoice_values(
        self, occurrence_date, partner=None, recipient=None, copies=None
    ):
        """The values of the invoice this template makes for ``occurrence_date``:
        a copy of the template dated on its send day (Odoo's ``copy_data`` moves
        the accounting date after a lock date), with its salesperson, its due
        date, and the ``{period}`` placeholder of its lines filled with the
        occurrence's period in the customer's language. For a recipient
        ``partner`` (and its ``recipient`` row), made out to that partner
        (:meth:`_recurring_recipient_values`); ``copies`` ({occurrence:
        values}) keeps the template's copy (and what else can be reused) for
        its next recipients."""
        self.ensure_one()
        if copies is None:
            values = self._recurring_copy_values(occurrence_date)
        else:
            if occurrence_date not in copies:
                copies[occurrence_date] = self._recurring_copy_values(occurrence_date)
            values = copy.deepcopy(copies[occurrence_date])
        if partner:
            self._recurring_recipient_values(values, partner, recipient, memo=copies)
        if any(
            PERIOD_PLACEHOLDER in (line.name or "") for line in self.invoice_line_ids
        ):
            period_name = self._recurring_period_name(
                occurrence_date, (partner or self.partner_id).lang
            )
            for _command, _record_id, line_values in values.get("line_ids", []):
                if PERIOD_PLACEHOLDER in (line_values.get("name") or ""):
                    line_values["name"] = line_values["name"].replace(
                        PERIOD_PLACEHOLDER, period_name
                    )
        return values

    def _recurring_copy_values(self, occurrence_date):
        """The template's copy for ``occurrence_date``, dated and due (see
        :meth:`_recurring_invoice_values`)."""
        send_day = self._recurring_recurrence().send_date(occurrence_date)
        send_state = self._recurring_first_send_state()
        values = self.copy_data(
            {
                "date": send_day,
                "invoice_date": send_day,
                "invoice_user_id": self.invoice_user_id.id,
                "recurring_template_id": self.id,
                "recurring_occurrence_date": occurrence_date,
                "recurring_send_state": send_state,
                # not sent by the job: told in the next summary as they are
                "recurring_send_to_report": send_state != "to_send",
                "recurring_mail_template_id": False,
                "message_follower_ids": self._recurring_customer_follower(),
            }
        )[0]
        if self.recurring_due_on_period_start:
            values["invoice_payment_term_id"] = False
            values["invoice_date_due"] = occurrence_date
        elif not self.invoice_payment_term_id and self.invoice_date_due:
            # No payment terms: the template's own gap from its date to its due date.
            gap = (
                self.invoice_date_due - self.invoice_date
                if self.invoice_date
                else timedelta()
            )
            values["invoice_date_due"] = send_day + max(gap, timedelta())
        return values

    def _recurring_customer_follower(self, partner=None):
        """The customer (or ``partner``) as a follower of an invoice this
        template makes, with
        the subtypes ``_post`` would subscribe them to, created together with
        the invoices: ``_post`` then finds them following, instead of adding
        them one invoice at a time (five queries each)."""
        partner = partner or self.partner_id
        default, _internal, external = self.env[
            "mail.message.subtype"
        ].default_subtypes(self._name)
        subtypes = external if partner.partner_share else default
        return [
            Command.create(
                {
                    "res_model": self._name,
                    "partner_id": partner.id,
                    "subtype_ids": [Command.set(subtypes.ids)],
                }
            )
        ]

    def _recurring_period_dates(self, occurrence_date):
        """The first and last day of the period the invoice of
        ``occurrence_date`` is for, by the template's period and interval: the
        period :meth:`_recurring_period_name` names."""
        self.ensure_one()
        return recurrence.period_dates(
            self.recurring_period, occurrence_date, self.recurring_interval or 1
        )

    def _recurring_period_name(
        self, occurrence_date, lang=None, period=None, interval=None
    ):
        """The name of the period ``occurrence_date`` begins, in ``lang`` (by
        default the customer's language): ``januar 2027``, ``uke 3–4 2027``,
        ``1. kvartal 2027``. ``period`` and ``interval`` default to the
        template's."""
        lang = lang or self.partner_id.lang or self.env.lang or "en_US"
        return recurrence.period_name(
            period or self.recurring_period,
            occurrence_date,
            lang,
            week_label=self.with_context(lang=lang).env._("week"),
            interval=interval or self.recurring_interval or 1,
        )
