# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When a recurring template's invoices are due: its schedule.

The template's schedule fields, the glue to the recurrence engine
(:mod:`..tools.recurrence`, which decides every date: this file computes
none), the occurrences a template skips, and the side panel of the template's
form, which shows the invoices made and the next send dates.
"""

from datetime import date, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.translate import LazyTranslate

from ..tools import recurrence

PERIOD_SELECTION = [
    ("week", "Week"),
    ("month", "Month"),
    ("quarter", "Quarter"),
    ("year", "Year"),
]

#: How many invoices made, and upcoming dates, the template's side panel lists.
PANEL_INVOICES = 10
PANEL_UPCOMING = 5
PANEL_RECIPIENTS = 20


_lt = LazyTranslate(__name__)

#: The user's message for each rule of the engine a setup may break, by the
#: engine's error class; the errors carry the values (dates are formatted in
#: the user's language).
ENGINE_ERRORS = {
    recurrence.StartTooEarlyError: _lt(
        "The start date must be tomorrow (%(earliest)s) or later: recurring "
        "invoices are made once a day, and none may be missed."
    ),
    recurrence.StartTooLateError: _lt(
        "The start date must be within a year, on %(latest)s at the latest: a "
        "date further ahead is most likely a typing error. Set the recurring "
        "invoice up nearer the time."
    ),
    recurrence.EndBeforeStartError: _lt(
        "The end date (%(end)s) must be on or after the start date (%(start)s)."
    ),
    recurrence.InvalidPeriodError: _lt(
        "Choose a period: week, month, quarter or year."
    ),
    recurrence.InvalidIntervalError: _lt(
        "Invoice every 1 to %(max_interval)s periods."
    ),
    recurrence.InvalidDaysAheadError: _lt(
        "Invoices can be sent 0 to %(max_days_ahead)s days before their period "
        "begins."
    ),
    recurrence.InvalidTimezoneError: _lt(
        "The timezone of recurring invoices is not valid; choose one in the "
        "Invoicing settings."
    ),
}
START_TOO_EARLY_AHEAD = _lt(
    "The first invoice is sent %(days_ahead)s days before its period begins, and "
    "tomorrow at the earliest: the start date must be %(earliest)s or later."
)

#: How often, in words, by period: every one, every other, every n-th. The
#: every-other forms have their own text, as Norwegian says them in a word
#: ("Annenhver måned"); a week's has none (Norwegian says "Hver 2. uke").
SCHEDULE_WORDS = {
    "week": (_lt("Every week"), None, _lt("Every %(count)s weeks")),
    "month": (
        _lt("Every month"),
        _lt("Every 2 months"),
        _lt("Every %(count)s months"),
    ),
    "quarter": (
        _lt("Every quarter"),
        _lt("Every 2 quarters"),
        _lt("Every %(count)s quarters"),
    ),
    "year": (_lt("Every year"), _lt("Every 2 years"), _lt("Every %(count)s years")),
}
SENT_AHEAD = (
    _lt("%(schedule)s, sent 1 day ahead"),
    _lt("%(schedule)s, sent %(days)s days ahead"),
)


def schedule_label(env, period, interval=1, days_ahead=0):
    """The schedule in words, in ``env``'s language: "Every 2 weeks, sent 5
    days ahead"; empty without a period."""
    if period not in SCHEDULE_WORDS:
        return ""
    interval = max(interval or 1, 1)
    every, every_other, every_nth = SCHEDULE_WORDS[period]
    if interval == 1:
        label = env._(every)
    elif interval == 2 and every_other:
        label = env._(every_other)
    else:
        label = env._(every_nth) % {"count": interval}
    if days_ahead:
        ahead = SENT_AHEAD[0] if days_ahead == 1 else SENT_AHEAD[1]
        label = env._(ahead) % {"schedule": label, "days": days_ahead}
    return label


#: What may change in a running template's schedule, from its next invoice on.
SCHEDULE_FIELDS = {
    "recurring_period",
    "recurring_interval",
    "recurring_days_ahead",
    "recurring_end_date",
    "recurring_max_invoices",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    recurring_period = fields.Selection(
        PERIOD_SELECTION, string="Period", copy=False, tracking=True
    )
    recurring_interval = fields.Integer(
        string="Every",
        copy=False,
        tracking=True,
        help="Every how many periods an invoice is made: 2 with Month is every "
        "other month.",
    )
    recurring_schedule_label = fields.Char(
        string="Schedule",
        compute="_compute_recurring_schedule_label",
        help="How often the invoice is made, in words.",
    )
    recurring_start_date = fields.Date(
        string="Start Date",
        copy=False,
        readonly=True,
        tracking=True,
        recurring_job=True,
    )
    recurring_end_date = fields.Date(
        string="End Date",
        copy=False,
        tracking=True,
        help="No invoice is made for a period that begins after this day. "
        "Empty: until stopped.",
    )
    recurring_max_invoices = fields.Integer(
        string="Number of Invoices",
        copy=False,
        tracking=True,
        help="End after this many invoices, instead of on an end date (0: no "
        "limit). A skipped invoice does not count.",
    )
    recurring_days_ahead = fields.Integer(
        string="Days Ahead",
        copy=False,
        tracking=True,
        help="Each invoice is made, posted and sent this many days before the "
        "period it is for begins (0: on its first day), and dated that day.",
    )
    recurring_due_on_period_start = fields.Boolean(
        string="Due on the First Day of the Period",
        copy=False,
        tracking=True,
        help="The invoice is due on the first day of the period it is for, "
        "instead of by the payment terms.",
    )
    recurring_anchor_date = fields.Date(
        string="Counted From",
        copy=False,
        readonly=True,
        help="The date the occurrences are counted from: the start date, or the "
        "next invoice's when the period changed while running.",
        recurring_job=True,
    )
    recurring_next_date = fields.Date(
        string="Next Period Start",
        copy=False,
        readonly=True,
        help="The first day of the period the next invoice is for.",
        recurring_job=True,
    )
    recurring_next_send_date = fields.Date(
        string="Next Invoice Date",
        compute="_compute_recurring_next_send_date",
        store=True,
        help="The day the next invoice is made, posted and sent.",
        recurring_job=True,
    )
    recurring_paused_at = fields.Datetime(
        string="Paused Since", copy=False, recurring_job=True
    )
    recurring_paused_until = fields.Date(
        string="Resume On",
        copy=False,
        tracking=True,
        help="A paused template resumes by itself on this day. The invoices that "
        "fall in the pause are not made.",
    )
    recurring_skipped_dates = fields.Json(
        string="Skipped Dates",
        copy=False,
        readonly=True,
        help="Occurrence dates (ISO) this template passes over without making "
        "their invoice: skipped by a user, or inside a pause.",
        recurring_job=True,
    )
    recurring_made_count = fields.Integer(
        string="Invoices Made Since Start",
        compute="_compute_recurring_made_count",
        help="The invoices made for the periods from the start date on: what a "
        "number of invoices counts, from the last time the template was started.",
    )
    recurring_panel = fields.Html(
        string="Recurring Invoice Overview",
        compute="_compute_recurring_panel",
        sanitize=False,
    )

    @api.depends("recurring_next_date", "recurring_days_ahead")
    def _compute_recurring_next_send_date(self):
        for move in self:
            move.recurring_next_send_date = move.recurring_next_date and (
                recurrence.send_date(
                    move.recurring_next_date, move.recurring_days_ahead
                )
            )

    @api.depends("recurring_invoice_ids", "recurring_start_date", "recurring_next_date")
    def _compute_recurring_made_count(self):
        # One query for the batch, every invoice made counted (seen by the
        # user or not), as the job counts them.
        ids = [move.id for move in self._origin if move.id]
        counts = {}
        if ids:
            self.env["account.move"].flush_model(
                [
                    "recurring_template_id",
                    "recurring_occurrence_date",
                    "recurring_start_date",
                    "recurring_next_date",
                ]
            )
            self.env.cr.execute(
                SQL(
                    """
                    WITH made AS (
                        SELECT recurring_template_id AS template_id,
                               recurring_occurrence_date AS day
                          FROM account_move
                         WHERE recurring_template_id = ANY(%(ids)s)
                         UNION ALL
                        -- a draft the reviewer deleted: its occurrence is done
                        SELECT template_id, occurrence_date
                          FROM recurring_invoice_dismissal
                         WHERE template_id = ANY(%(ids)s)
                    )
                    SELECT template.id, COUNT(DISTINCT made.day)
                      FROM account_move template
                      JOIN made
                        ON made.template_id = template.id
                       AND made.day >= template.recurring_start_date
                       -- an occurrence being made for its recipients counts
                       -- once it is done (its next date moved on)
                       AND (template.recurring_next_date IS NULL
                            OR made.day < template.recurring_next_date)
                     WHERE template.id = ANY(%(ids)s)
                     GROUP BY template.id
                    """,
                    ids=ids,
                )
            )
            counts = dict(self.env.cr.fetchall())
        for move in self:
            move.recurring_made_count = counts.get(move._origin.id, 0)

    @api.constrains(
        "recurring_interval",
        "recurring_days_ahead",
        "recurring_max_invoices",
        "recurring_end_date",
    )
    def _check_recurring_schedule(self):
        for move in self.filtered("recurring_state"):
            try:
                move._recurring_recurrence()
            except recurrence.RecurrenceError as error:
                raise ValidationError(move._recurring_error_message(error)) from error
            if move.recurring_max_invoices < 0:
                raise ValidationError(_("The number of invoices cannot be negative."))
            if move.recurring_max_invoices and move.recurring_end_date:
                raise ValidationError(
                    _(
                        "End either on a date or after a number of invoices, "
                        "not both."
                    )
                )

    @api.constrains("recurring_paused_until")
    def _check_recurring_paused_until(self):
        now = fields.Datetime.now()
        for move in self.filtered("recurring_paused_until"):
            today = recurrence.local_today(move.company_id.recurring_invoice_tz, now)
            if move.recurring_state != "paused" or move.recurring_paused_until <= today:
                raise ValidationError(
                    _(
                        "A paused recurring invoice resumes by itself tomorrow or "
                        "later; to resume it now, click Resume."
                    )
                )

    def write(self, vals):
        # A running template's changed schedule applies from its next invoice,
        # which keeps its date (see Recurrence.anchored_at).
        anchors = {}
        if SCHEDULE_FIELDS.intersection(vals):
            for move in self.filtered(
                lambda m: m.recurring_state in ("active", "paused")
            ):
                anchors[move] = move._recurring_rescheduled(vals).start
        result = super().write(vals)
        for move, anchor in anchors.items():
            if move.recurring_anchor_date != anchor:
                move._recurring_write({"recurring_anchor_date": anchor})
        return result

    def _recurring_rescheduled(self, vals):
        """The recurrence of this running template once ``vals`` are written,
        its next invoice kept; raise when the change is not valid."""
        self.ensure_one()
        new = {field: vals.get(field, self[field]) for field in SCHEDULE_FIELDS}
        try:
            schedule = self._recurring_recurrence(
                period=new["recurring_period"],
                interval=new["recurring_interval"] or 1,
                days_ahead=new["recurring_days_ahead"] or 0,
                end=None,
            ).anchored_at(self.recurring_next_date)
        except recurrence.RecurrenceError as error:
            raise ValidationError(self._recurring_error_message(error)) from error
        end = fields.Date.to_date(new["recurring_end_date"])
        if end and end < self.recurring_next_date:
            raise ValidationError(
                _(
                    "The end date must be on or after the first day of the next "
                    "invoice's period (%(date)s); to end now, use Stop.",
                    date=format_date(self.env, self.recurring_next_date),
                )
            )
        return schedule

    # --- the schedule, as the engine computes it --------------------------------
    def _recurring_recurrence(self, **overrides):
        """The template's :class:`~..tools.recurrence.Recurrence`."""
        self.ensure_one()
        company = self.company_id
        values = {
            "period": self.recurring_period,
            "start": self.recurring_anchor_date or self.recurring_start_date,
            "end": self.recurring_end_date or None,
            "tz": company.recurring_invoice_tz,
            "send_time": company._recurring_send_time(),
            "interval": self.recurring_interval or 1,
            "days_ahead": self.recurring_days_ahead or 0,
        }
        values.update(overrides)
        return recurrence.Recurrence(**values)

    def _recurring_remaining(self):
        """How many invoices the template may still make (None: no limit):
        its number of invoices counts those made since it was (last) started."""
        self.ensure_one()
        if not self.recurring_max_invoices:
            return None
        return max(self.recurring_max_invoices - self.recurring_made_count, 0)

    def _recurring_skipped(self):
        """The occurrence dates this template passes over, as dates."""
        self.ensure_one()
        return frozenset(map(date.fromisoformat, self.recurring_skipped_dates or ()))

    @api.model
    def _recurring_skipped_value(self, skipped):
        """The stored value of ``recurring_skipped_dates`` for these dates."""
        return sorted(day.isoformat() for day in skipped) or False

    def _recurring_plan(self, now):
        """What the scheduler makes of this template at instant ``now``: the
        engine's :class:`~..tools.recurrence.Plan`."""
        self.ensure_one()
        return self._recurring_recurrence().plan(
            self.recurring_next_date or None,
            now,
            self._recurring_skipped(),
            self._recurring_remaining(),
        )

    def _recurring_upcoming(self, count):
        """The next ``count`` occurrences with their send moments, the skipped
        ones marked (:meth:`~..tools.recurrence.Recurrence.upcoming`)."""
        self.ensure_one()
        if self.recurring_state != "active":
            return []
        return self._recurring_recurrence().upcoming(
            self.recurring_next_date or None,
            count,
            self._recurring_skipped(),
            self._recurring_remaining(),
        )

    def _recurring_occurrences_until(self, last_day, now):
        """The occurrences this template will make whose invoice is sent on or
        before ``last_day``, oldest first, as the job will find them: its plan
        at the end of that day (end date, number of invoices, skipped ones,
        days ahead), overdue ones included. A paused template makes none
        before it resumes by itself on its resume day (as the job resumes it),
        and none at all while it waits to be resumed by hand."""
        self.ensure_one()
        next_date, skipped = self.recurring_next_date or None, self._recurring_skipped()
        tz = self.company_id.recurring_invoice_tz
        if self.recurring_state == "paused" and self.recurring_paused_until:
            resumed = self._recurring_resumed(
                recurrence.day_start(tz, self.recurring_paused_until).replace(
                    tzinfo=None
                )
            )
            next_date, skipped = resumed.next_date, resumed.skipped
        elif self.recurring_state != "active":
            return ()
        end = recurrence.day_start(tz, last_day + timedelta(days=1))
        return (
            self._recurring_recurrence()
            .plan(
                next_date,
                end - timedelta(microseconds=1),
                skipped,
                self._recurring_remaining(),
            )
            .make
        )

    # --- skipping one invoice ----------------------------------------------------
    def action_recurring_skip_next(self):
        """Skip the next invoice that would be made; tracked on the chatter."""
        self._recurring_check_access()
        for move in self.filtered(lambda m: m.recurring_state == "active"):
            skipped = move._recurring_skipped()
            upcoming = move._recurring_upcoming(len(skipped) + 1)
            moment = next((m for m in upcoming if not m.skipped), None)
            if not moment:
                raise UserError(_("This recurring invoice has no invoice to skip."))
            move._recurring_write(
                {
                    "recurring_skipped_dates": self._recurring_skipped_value(
                        skipped | {moment.date}
                    )
                }
            )
            move.message_post(
                body=_(
                    "The invoice for %(period)s, to be sent on %(date)s, is skipped.",
                    period=move._recurring_period_name(moment.date, self.env.lang),
                    date=format_date(self.env, moment.send_date),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_recurring_restore_skipped(self):
        """Make again the first skipped invoice whose send day has not passed."""
        self._recurring_check_access()
        now = fields.Datetime.now()
        for move in self.filtered(lambda m: m.recurring_state == "active"):
            skipped = move._recurring_skipped()
            schedule = move._recurring_recurrence()
            restorable = schedule.restorable(skipped, now)
            if not restorable:
                raise UserError(
                    _(
                        "No skipped invoice can be restored: their send days have "
                        "passed."
                    )
                )
            day = restorable[0]
            move._recurring_write(
                {
                    "recurring_skipped_dates": self._recurring_skipped_value(
                        skipped - {day}
                    )
                }
            )
            move.message_post(
                body=_(
                    "The invoice for %(period)s is no longer skipped: it is sent on "
                    "%(date)s.",
                    period=move._recurring_period_name(day, self.env.lang),
                    date=format_date(self.env, schedule.send_date(day)),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _recurring_error_message(self, error):
        """Translate an error of the recurrence engine for the user."""
        message = ENGINE_ERRORS.get(type(error))
        if isinstance(error, recurrence.StartTooEarlyError) and error.days_ahead:
            message = START_TOO_EARLY_AHEAD
        if message is None:
            return str(error)
        values = {
            name: format_date(self.env, value) if isinstance(value, date) else value
            for name, value in vars(error).items()
        }
        values.update(
            max_interval=recurrence.MAX_INTERVAL,
            max_days_ahead=recurrence.MAX_DAYS_AHEAD,
        )
        return self.env._(message) % values

    @api.depends("recurring_period", "recurring_interval", "recurring_days_ahead")
    @api.depends_context("lang")
    def _compute_recurring_schedule_label(self):
        for move in self:
            move.recurring_schedule_label = schedule_label(
                move.env,
                move.recurring_period,
                move.recurring_interval,
                move.recurring_days_ahead,
            )

    # --- the side panel ----------------------------------------------------------
    @api.depends(
        "recurring_state",
        "recurring_period",
        "recurring_interval",
        "recurring_days_ahead",
        "recurring_end_date",
        "recurring_max_invoices",
        "recurring_next_date",
        "recurring_skipped_dates",
        "recurring_paused_until",
        "recurring_invoice_ids",
        "recurring_recipient_ids",
        "recurring_recipient_tag_id",
        "recurring_owed",
    )
    def _compute_recurring_panel(self):
        for move in self:
            move.recurring_panel = (
                move._recurring_panel_html() if move.recurring_state else False
            )

    def _recurring_panel_values(self):
        """What the side panel shows: the latest invoices made, newest first,
        and the next send days with the period each invoice is for. Its cost
        does not grow with the history."""
        self.ensure_one()
        invoices = self.search(
            [("recurring_template_id", "=", self._origin.id or 0)],
            order="recurring_occurrence_date desc, id desc",
            limit=PANEL_INVOICES,
        )
        try:
            upcoming = self._recurring_upcoming(PANEL_UPCOMING)
        except (recurrence.RecurrenceError, TypeError):
            upcoming = []  # a schedule being edited, not valid yet
        return {
            "template": self,
            "invoices": invoices,
            "invoice_count": self.recurring_invoice_count,
            "upcoming": self._recurring_upcoming_lines(upcoming),
            "payment_states": dict(
                self._fields["payment_state"]._description_selection(self.env)
            ),
            "recipients": self._recurring_panel_recipients(),
            "owed": self._origin._recurring_owed_rows() if self._origin else [],
        }

    def _recurring_panel_recipients(self):
        """The list's recipients with their last invoice, for the panel (the
        first PANEL_RECIPIENTS; a tag-following list shows its count)."""
        recipients = self.recurring_recipient_ids[:PANEL_RECIPIENTS]
        return [
            {"recipient": recipient, "invoice": recipient.last_invoice_id}
            for recipient in recipients
        ]

    def _recurring_upcoming_lines(self, upcoming, period=None, interval=None):
        """Each upcoming send moment with the name of the period its invoice
        is for, in the user's language, for the panel and the dialog."""
        return [
            {
                "moment": moment,
                "period": self._recurring_period_name(
                    moment.date, self.env.lang, period=period, interval=interval
                ),
            }
            for moment in upcoming
        ]

    def _recurring_panel_html(self):
        return self.env["ir.qweb"]._render(
            "recurring_invoice.recurring_template_panel",
            self._recurring_panel_values(),
        )
