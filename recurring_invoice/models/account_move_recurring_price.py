# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a recurring template charges: price adjustments and recurring revenue.

The template's lines hold the prices its next invoice is made at. Price
adjustments (``recurring.price.adjustment``, entered in the "Adjust prices"
dialog) change them from an effective date on, and a yearly adjustment (a
percentage, every year from a day on, e.g. the consumer price index) makes one
each year. The 06:15 job applies the changes that are due right before it
computes each occurrence's invoice (``_recurring_apply_price_changes``, called
from ``_recurring_process``), in the same savepoint as that invoice: both are
committed or neither, so each change applies exactly once, and in occurrence
order (a batch making January and February with an adjustment from 1 February
makes January at the old prices, February at the new). Which changes are due
and the new prices come from :mod:`..tools.prices`, the yearly adjustment's
days from the recurrence engine.

Also here: the monthly recurring revenue of a template, and the prices an
invoice made from a template changed since the previous one (for its e-mail).
"""

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, format_date

from ..tools import prices, recurrence
from .account_move import PERIOD_PLACEHOLDER

#: Fields of the yearly adjustment that only billing users may change.
INDEX_FIELDS = {"recurring_index_percent", "recurring_index_date"}


class AccountMove(models.Model):
    _inherit = "account.move"

    recurring_price_adjustment_ids = fields.One2many(
        "recurring.price.adjustment",
        "template_id",
        string="Price Adjustments",
        readonly=True,
        recurring_job=True,
    )
    recurring_index_percent = fields.Float(
        string="Yearly Price Adjustment (%)",
        digits=(16, 2),
        copy=False,
        tracking=True,
        help="Every year, on the day and month of the date below, the unit "
        "prices change by this percentage (e.g. the consumer price index), "
        "rounded to the currency, before that period's invoice is made. "
        "0: no yearly adjustment.",
    )
    recurring_index_date = fields.Date(
        string="Yearly Adjustment From",
        copy=False,
        tracking=True,
        help="The first day of the yearly price adjustment; it applies again "
        "every year on the same day and month, to the invoices of the periods "
        "beginning on or after it.",
    )
    recurring_index_last_date = fields.Date(
        string="Last Yearly Adjustment",
        copy=False,
        readonly=True,
        help="The day of the last yearly adjustment applied: each year's is "
        "applied once, even after days of downtime.",
        recurring_job=True,
    )
    recurring_mrr = fields.Monetary(
        string="Monthly Recurring Revenue",
        currency_field="company_currency_id",
        compute="_compute_recurring_mrr",
        store=True,
        help="What an active recurring template invoices per month on average, "
        "without taxes, in the company's currency: a weekly invoice counts "
        "52 / 12 times a month, a quarterly one a third, a yearly one a "
        "twelfth, divided by the number of periods between invoices.",
        recurring_job=True,
    )

    @api.depends(
        "recurring_state",
        "recurring_period",
        "recurring_interval",
        "amount_untaxed_signed",
        "recurring_recipient_ids.paused",
        "recurring_recipient_ids.discount",
        "recurring_recipient_ids.price_unit",
        "recurring_recipient_tag_id",
    )
    def _compute_recurring_mrr(self):
        for move in self:
            if move.recurring_state != "active" or not move.recurring_period:
                move.recurring_mrr = 0.0
                continue
            factor = recurrence.monthly_factor(
                move.recurring_period, move.recurring_interval or 1
            )
            # every recipient counts, at its own price
            shares = sum(share for _partner, share in move._recurring_shares())
            move.recurring_mrr = move.company_currency_id.round(
                move.amount_untaxed_signed * factor * shares
            )

    # --- the yearly adjustment ---------------------------------------------------
    @api.constrains("recurring_index_percent", "recurring_index_date")
    def _check_recurring_index(self):
        for move in self.filtered("recurring_index_percent"):
            self.env["recurring.price.adjustment"]._recurring_check_percent(
                move.recurring_index_percent
            )
            if not move.recurring_index_date:
                raise ValidationError(
                    _("Choose the day the yearly price adjustment begins.")
                )

    def write(self, vals):
        if INDEX_FIELDS.intersection(vals):
            self._recurring_check_access()
            starting = self.filtered(
                lambda m: m.recurring_state
                and (
                    (
                        "recurring_index_date" in vals
                        and fields.Date.to_date(vals["recurring_index_date"])
                        != m.recurring_index_date
                    )
                    or (
                        "recurring_index_percent" in vals
                        and not m.recurring_index_percent
                    )
                )
            )
        else:
            starting = self.browse()
        result = super().write(vals)
        starting.filtered("recurring_index_percent")._recurring_check_index_start()
        return result

    def _recurring_check_index_start(self):
        """A yearly adjustment set up or moved begins after the invoices made
        and not before the template starts: the invoices made keep their
        prices, and no past year is caught up on."""
        last_made = self._recurring_last_made_occurrences()
        for move in self:
            first = move.recurring_index_date
            made = last_made.get(move.id)
            if (made and first <= made) or first < move.recurring_start_date:
                raise ValidationError(
                    _(
                        "The yearly price adjustment must begin after the last "
                        "invoice made (for %(period)s) and not before the start "
                        "date (%(start)s).",
                        period=move._recurring_period_name(made, self.env.lang)
                        if made
                        else "-",
                        start=format_date(self.env, move.recurring_start_date),
                    )
                )

    def _recurring_last_made_occurrences(self):
        """{template id: the latest occurrence it made an invoice for}, of
        every invoice made, whether the user sees it or not, or deleted as a
        draft."""
        last = {
            template.id: day
            for template, day in self.env["account.move"]
            .sudo()
            ._read_group(
                [("recurring_template_id", "in", self.ids)],
                ["recurring_template_id"],
                ["recurring_occurrence_date:max"],
            )
        }
        # a draft the reviewer deleted counts as made
        for template, day in (
            self.env["recurring.invoice.dismissal"]
            .sudo()
            ._read_group(
                [("template_id", "in", self.ids)],
                ["template_id"],
                ["occurrence_date:max"],
            )
        ):
            last[template.id] = max(day, last.get(template.id, day))
        return last

    def _recurring_yearly_changes(self, until):
        """The yearly adjustment's changes not applied yet, up to ``until``
        (an occurrence date) included, as :class:`~..tools.prices.Change`."""
        self.ensure_one()
        if not (self.recurring_index_percent and self.recurring_index_date):
            return []
        return [
            prices.Change(day, percent=self.recurring_index_percent, yearly=True)
            for day in recurrence.yearly_days(
                self.recurring_index_date, self.recurring_index_last_date or None, until
            )
        ]

    # --- applying price changes (the 06:15 job) ------------------------------------
    def _recurring_priced_lines(self):
        """The template's lines that have a unit price, in their order."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ).sorted(lambda line: (line.sequence, line.id))

    def _recurring_apply_price_changes(self, occurrence):
        """Apply to the template's lines the price changes due before its
        invoice for ``occurrence`` is made: its scheduled adjustments effective
        on or before it and its yearly adjustment's days since the last one
        applied, oldest first. Each becomes an applied adjustment, with every
        line's price before and after, told on the template's chatter and in
        the next daily summary. Returns the adjustments applied.

        Called by the job inside the savepoint that makes the invoice, so that
        the prices and the invoice are committed together or not at all."""
        self.ensure_one()
        Adjustment = self.env["recurring.price.adjustment"]._recurring_as_job()
        scheduled = self.recurring_price_adjustment_ids.filtered(
            lambda a: a.state == "pending"
        )._recurring_as_job()
        changes = prices.due(
            scheduled._recurring_changes() + self._recurring_yearly_changes(occurrence),
            occurrence,
        )
        if not changes:
            return Adjustment
        lines = self._recurring_priced_lines()
        before = {line.id: line.price_unit for line in lines}
        current = dict(before)
        applied = Adjustment
        now = fields.Datetime.now()
        for change in changes:
            new = prices.apply(current, change, self.currency_id.rounding)
            values = {
                "state": "applied",
                "applied_date": occurrence,
                "applied_at": now,
                "to_report": True,
                "line_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "move_line_id": line.id,
                            "sequence": line.sequence,
                            "name": self._recurring_line_label(line),
                            "old_price": current[line.id],
                            "new_price": new[line.id],
                        }
                    )
                    for line in lines
                    if new[line.id] != current[line.id]
                ],
            }
            if change.yearly:
                applied |= Adjustment.create(
                    {
                        "template_id": self.id,
                        "kind": "yearly",
                        "method": "percent",
                        "percent": change.percent,
                        "effective_date": change.day,
                        **values,
                    }
                )
            else:
                adjustment = scheduled.filtered(lambda a, key=change.key: a.id == key)
                adjustment.write(values)
                applied |= adjustment
            current = new
        updates = [
            Command.update(line_id, {"price_unit": price})
            for line_id, price in current.items()
            if price != before[line_id]
        ]
        if updates:
            self.write({"invoice_line_ids": updates})
        yearly = [change.day for change in changes if change.yearly]
        if yearly:
            self._recurring_write({"recurring_index_last_date": yearly[-1]})
        self.message_post(
            body=self._recurring_price_changes_html(
                _(
                    "Prices adjusted for the invoice of %(period)s:",
                    period=self._recurring_period_name(occurrence, self.env.lang),
                ),
                applied,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return applied

    @api.model
    def _recurring_line_label(self, line):
        """A template line's description without its period placeholder."""
        text = (line.name or line.product_id.display_name or "").split("\n")[0]
        text = " ".join(text.replace(PERIOD_PLACEHOLDER, " ").split())
        return text.rstrip(" ,:;-–") or line.product_id.display_name or "-"

    def _recurring_price_changes_html(self, title, adjustments):
        """A chatter note: ``title``, then each adjustment with its lines,
        old price → new price."""
        self.ensure_one()
        items = Markup()
        for adjustment in adjustments:
            what = adjustment.display_name
            if adjustment.kind == "yearly":
                percent = adjustment._recurring_percent_label()
                what = _("yearly adjustment %(percent)s", percent=percent)
            lines = Markup().join(
                Markup("<li>%s: %s → %s</li>")
                % (
                    line.name,
                    format_amount(self.env, line.old_price, self.currency_id),
                    format_amount(self.env, line.new_price, self.currency_id),
                )
                for line in adjustment.line_ids
            )
            items += Markup("<li>%s<ul>%s</ul></li>") % (what, lines)
        return Markup("<p>%s</p><ul>%s</ul>") % (title, items)

    # --- entering an adjustment ----------------------------------------------------
    def _recurring_first_made_from(self, day):
        """The first occurrence on or after ``day`` this template has not made
        and will make, skipped ones passed over (None: it has ended)."""
        self.ensure_one()
        if self.recurring_state not in ("active", "paused"):
            return None
        if not self.recurring_next_date:
            return None
        schedule = self._recurring_recurrence()
        skipped = self._recurring_skipped()
        occurrence = schedule.first_on_or_after(max(day, self.recurring_next_date))
        while occurrence is not None and occurrence in skipped:
            occurrence = schedule.successor(occurrence)
        return occurrence

    def _recurring_check_adjustable_from(self, day):
        """Raise unless the prices of these templates can change from ``day``:
        they are running and make an invoice on or after it."""
        for template in self:
            if template.recurring_state not in ("active", "paused"):
                raise ValidationError(
                    _("Only active or paused recurring invoices can be adjusted.")
                )
            if template._recurring_first_made_from(day) is None:
                raise ValidationError(
                    _(
                        "%(template)s makes no invoice on or after %(date)s.",
                        template=template.display_name,
                        date=format_date(self.env, day),
                    )
                )

    def _recurring_price_notice(self, effective_date):
        """What a price adjustment from ``effective_date`` means for this
        template, in a sentence: which invoice it reaches first; said plainly
        when an invoice on or after that day is already made (the adjustment
        then applies from the next invoice)."""
        self.ensure_one()
        first = self._recurring_first_made_from(effective_date)
        made = self._recurring_last_made_occurrences().get(self.id)
        if not first:
            return _("This recurring invoice makes no invoice on or after that day.")
        period = self._recurring_period_name(first, self.env.lang)
        send_day = format_date(
            self.env, recurrence.send_date(first, self.recurring_days_ahead)
        )
        if made and effective_date <= made:
            return _(
                "The invoice for %(made)s is already made and keeps its prices: the "
                "new prices apply from the next invoice, for %(period)s (sent on "
                "%(date)s).",
                made=self._recurring_period_name(made, self.env.lang),
                period=period,
                date=send_day,
            )
        return _(
            "The new prices apply from the invoice for %(period)s (sent on "
            "%(date)s).",
            period=period,
            date=send_day,
        )

    def action_recurring_adjust_prices(self):
        """Open the dialog that adjusts the prices of these templates."""
        self._recurring_check_access()
        templates = self.filtered(lambda m: m.recurring_state in ("active", "paused"))
        if not templates:
            raise ValidationError(
                _("Choose recurring invoices that are active or paused.")
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Adjust prices"),
            "res_model": "recurring.price.adjustment.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_template_ids": templates.ids},
        }

    # --- the invoice e-mail ---------------------------------------------------------
    def _recurring_price_change(self):
        """The unit prices of this invoice, made by a recurring template, that
        differ from the previous invoice of the same template: a list of
        ``{"name", "old", "new"}`` (amounts in the invoice's currency), or
        False when none changed or there is no previous invoice. Lines are
        paired by product, in their order."""
        self.ensure_one()
        if not self.recurring_template_id or not self.recurring_occurrence_date:
            return False
        previous = self.search(
            [
                ("recurring_template_id", "=", self.recurring_template_id.id),
                ("recurring_occurrence_date", "<", self.recurring_occurrence_date),
                ("state", "=", "posted"),
            ],
            order="recurring_occurrence_date desc",
            limit=1,
        )
        if not previous:
            return False

        def by_product(move):
            grouped = {}
            for line in move._recurring_priced_lines():
                grouped.setdefault(line.product_id, []).append(line)
            return grouped

        before = by_product(previous)
        changes = []
        for product, lines in by_product(self).items():
            for line, old in zip(lines, before.get(product, []), strict=False):
                if self.currency_id.compare_amounts(line.price_unit, old.price_unit):
                    changes.append(
                        {
                            "name": self._recurring_line_label(line),
                            "old": old.price_unit,
                            "new": line.price_unit,
                        }
                    )
        return changes or False
