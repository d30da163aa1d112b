# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who a recurring template bills: its customer, a list of recipients, or the
customers carrying a tag.

A template without recipients bills its customer, as before. Once it has a
list (``recurring.invoice.recipient``), exactly the recipients are billed, one
invoice each per occurrence; a template following a partner tag bills the
customers that carry the tag on the day the invoices are made. Each invoice
names the partner it was made for (``recurring_billed_partner_id``): exactly
once per (template, recipient, occurrence) is a unique index on it, and the
invoices made are the job's record of who has been billed for an occurrence
(a template with many recipients is made over several transactions).

A recipient whose invoice could not be made (archived, a posting error)
never holds the others back: the occurrence it still owes is kept on the
template (``recurring_owed``), named in the summary, and made at the next
day's run once fixed.
"""

from datetime import date

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

#: Who a template bills: changed by Billing users only.
RECIPIENT_FIELDS = {
    "recurring_recipient_tag_id",
    "recurring_recipient_ids",
    "recurring_recipient_add_ids",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    recurring_recipient_ids = fields.One2many(
        "recurring.invoice.recipient",
        "template_id",
        string="Recipients",
        copy=False,
        help="The customers this recurring invoice bills, one invoice each. "
        "Empty: its customer.",
    )
    recurring_recipient_tag_id = fields.Many2one(
        "res.partner.category",
        string="Bill Customers Tagged",
        copy=False,
        tracking=True,
        help="Bill every customer carrying this tag on the day the invoices are "
        "made, instead of a list of recipients.",
    )
    recurring_recipient_add_ids = fields.Many2many(
        "res.partner",
        string="Add Customers",
        compute="_compute_recurring_recipient_add_ids",
        inverse="_inverse_recurring_recipient_add_ids",
        domain="[('company_id', 'in', (False, company_id))]",
        help="Choose many customers at once (tick them in the list, then "
        "Select): each becomes a recipient when the invoice is saved.",
    )
    recurring_recipient_count = fields.Integer(
        string="Recipients Billed",
        compute="_compute_recurring_recipient_count",
        help="How many customers the next invoice goes to.",
    )
    recurring_billing_label = fields.Char(
        string="Billed",
        compute="_compute_recurring_recipient_count",
    )
    recurring_owed = fields.Json(
        string="Invoices Owed",
        copy=False,
        readonly=True,
        help="The recipients whose invoice could not be made: {partner id: "
        "{'dates': occurrences, 'error': why}}, made at the next run.",
        recurring_job=True,
    )
    recurring_owed_after = fields.Datetime(
        string="Owed Invoices Tried After",
        copy=False,
        readonly=True,
        recurring_job=True,
    )
    # --- an invoice made for a recipient ----------------------------------
    recurring_billed_partner_id = fields.Many2one(
        "res.partner",
        string="Recurring Recipient",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The recipient of the recurring template this invoice was made for "
        "(empty: the template's customer).",
        recurring_job=True,
    )

    def init(self):
        res = super().init()
        cr = self.env.cr
        # Exactly once per (template, occurrence) for a template billing its
        # customer, per (template, recipient, occurrence) for a list.
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_recurring_occurrence_once
                ON account_move (recurring_template_id, recurring_occurrence_date)
             WHERE recurring_template_id IS NOT NULL
               AND recurring_billed_partner_id IS NULL
            """
        )
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS
                account_move_recurring_recipient_occurrence_once
                ON account_move (recurring_template_id, recurring_occurrence_date,
                                 recurring_billed_partner_id)
             WHERE recurring_billed_partner_id IS NOT NULL
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_recurring_owed_index
                ON account_move (recurring_owed_after)
             WHERE recurring_owed_after IS NOT NULL
            """
        )
        return res

    @api.constrains("recurring_recipient_tag_id")
    def _check_recurring_recipient_tag(self):
        for move in self.filtered("recurring_recipient_tag_id"):
            if move.recurring_recipient_ids:
                raise ValidationError(
                    _(
                        "A recurring invoice bills either a list of recipients or "
                        "the customers with a tag, not both: empty the list first."
                    )
                )

    def write(self, vals):
        if RECIPIENT_FIELDS.intersection(vals):
            self._recurring_check_access()
        return super().write(vals)

    @api.depends(
        "recurring_recipient_ids.paused",
        "recurring_recipient_ids.partner_id",
        "recurring_recipient_tag_id",
    )
    @api.depends_context("lang")
    def _compute_recurring_recipient_count(self):
        for move in self:
            if move.recurring_recipient_tag_id:
                count = len(move._recurring_tagged_partners())
                label = _(
                    "The %(count)s customers tagged %(tag)s on the day of each "
                    "invoice",
                    count=count,
                    tag=move.recurring_recipient_tag_id.name,
                )
            elif move.recurring_recipient_ids:
                count = len(
                    move.recurring_recipient_ids.filtered(lambda r: not r.paused)
                )
                label = _(
                    "The %(count)s recipients below, one invoice each", count=count
                )
            else:
                count = 1 if move.partner_id else 0
                label = _("The customer")
            move.recurring_recipient_count = count if move.recurring_state else 0
            move.recurring_billing_label = label

    def _compute_recurring_recipient_add_ids(self):
        # only a way in: the customers chosen are recipients once saved
        self.recurring_recipient_add_ids = False

    def _inverse_recurring_recipient_add_ids(self):
        """The customers chosen at once become recipients (those already on
        the list are left as they are), from the template's next date."""
        values = []
        for move in self:
            listed = move.recurring_recipient_ids.partner_id
            values += [
                {"template_id": move.id, "partner_id": partner.id}
                for partner in move.recurring_recipient_add_ids - listed
            ]
        if values:
            self.env["recurring.invoice.recipient"].create(values)

    # --- who is billed --------------------------------------------------------
    def _recurring_bills_recipients(self):
        """Whether this template bills a list or a tag (not its customer)."""
        self.ensure_one()
        return bool(self.recurring_recipient_tag_id or self.recurring_recipient_ids)

    def _recurring_tagged_partners(self):
        """The customers of this template's company carrying its tag (or a
        tag below it), today."""
        self.ensure_one()
        return (
            self.env["res.partner"]
            .with_company(self.company_id)
            .search(
                [
                    ("category_id", "child_of", self.recurring_recipient_tag_id.id),
                    ("company_id", "in", (False, self.company_id.id)),
                ],
                order="name, id",
            )
        )

    def _recurring_billed(self, occurrence_date):
        """{partner: recipient row or None} billed for ``occurrence_date``, in
        order: the tagged customers (today's), or the list's recipients that
        are not paused and were on it by then."""
        self.ensure_one()
        if self.recurring_recipient_tag_id:
            return dict.fromkeys(self._recurring_tagged_partners())
        return {
            recipient.partner_id: recipient
            for recipient in self.recurring_recipient_ids.sorted(
                lambda r: (r.sequence, r.id)
            )
            if not recipient.paused
            and (not recipient.start_date or recipient.start_date <= occurrence_date)
        }

    def _recurring_shares(self):
        """[(partner, factor)] of the partners the next invoices go to, each
        factor the part of the template's amount it is billed (its discount or
        fixed price): the forecast and the monthly revenue count every one."""
        self.ensure_one()
        if not self._recurring_bills_recipients():
            return [(self.partner_id, 1.0)]
        line = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )[:1]
        shares = []
        for partner, recipient in self._recurring_billed(date.max).items():
            factor = 1.0
            if recipient and recipient.price_unit and line.price_unit:
                factor = recipient.price_unit / line.price_unit
            if recipient and recipient.discount:
                factor *= 1 - recipient.discount / 100
            shares.append((partner, factor))
        return shares

    # --- the invoice of one recipient ----------------------------------------
    def _recurring_recipient_values(self, values, partner, recipient=None, memo=None):
        """Adapt ``values`` (the template's invoice for an occurrence) to
        ``partner``: its fiscal position (taxes mapped), payment terms and
        delivery address, its price override and note line (``recipient``).
        ``memo``: a dict kept across the template's recipients of one run."""
        self.ensure_one()
        company = self.company_id
        fiscal_position = self._recurring_fiscal_position(partner, memo)
        values.update(
            {
                "partner_id": partner.id,
                "partner_shipping_id": partner.id,
                "recurring_billed_partner_id": partner.id,
                "fiscal_position_id": fiscal_position.id,
                "message_follower_ids": self._recurring_customer_follower(partner),
            }
        )
        terms = partner.with_company(company).property_payment_term_id
        if terms and not self.recurring_due_on_period_start:
            values["invoice_payment_term_id"] = terms.id
            values.pop("invoice_date_due", None)
        remap = fiscal_position != self.fiscal_position_id
        for _command, _id, line_values in values.get("line_ids", []):
            # every line is the recipient's (Odoo's inverse would write them
            # one by one after the create)
            line_values.pop("partner_id", None)
        lines = [
            line_values
            for _command, _id, line_values in values.get("line_ids", [])
            if line_values.get("display_type", "product") == "product"
        ]
        for line_values in lines:
            if remap:
                taxes = self.env["account.tax"].browse(
                    _command_ids(line_values.get("tax_ids"))
                )
                product = self.env["product.product"].browse(
                    line_values.get("product_id")
                )
                if product:
                    taxes = product.taxes_id._filter_taxes_by_company(company)
                line_values["tax_ids"] = [
                    Command.set(fiscal_position.map_tax(taxes).ids)
                ]
            if recipient and (recipient.discount or recipient.price_unit):
                if recipient.discount:
                    line_values["discount"] = recipient.discount
                if recipient.price_unit:
                    line_values["price_unit"] = recipient.price_unit
                # the amounts follow the new price (Odoo computes them again,
                # with the taxes and the amount due)
                for amount in ("balance", "amount_currency", "debit", "credit"):
                    line_values.pop(amount, None)
        if remap or (recipient and (recipient.discount or recipient.price_unit)):
            # Other taxes or amounts: the tax lines and the amount due are
            # Odoo's to compute again, not the template's to copy.
            values["line_ids"] = [
                command
                for command in values.get("line_ids", [])
                if command[2].get("display_type") not in ("tax", "payment_term")
            ]
        if recipient and recipient.note:
            values.setdefault("line_ids", []).append(
                Command.create(
                    {
                        "display_type": "line_note",
                        "name": recipient.note,
                        "sequence": 10**6,
                    }
                )
            )
        return values

    def _recurring_fiscal_position(self, partner, memo=None):
        """``partner``'s fiscal position in the template's company, as Odoo's
        ``_get_fiscal_position`` finds it for an invoice delivered to the
        partner. That method searches the company's automatic positions for
        each partner; where the company has none (the search made once per
        ``memo``), it can only return the partner's own position."""
        FiscalPosition = self.env["account.fiscal.position"].with_company(
            self.company_id
        )
        key = ("automatic fiscal positions", self.company_id.id)
        if memo is None or key not in memo:
            automatic = FiscalPosition.search_count(
                FiscalPosition._check_company_domain(self.company_id)
                + [("auto_apply", "=", True)],
                limit=1,
            )
            if memo is None:
                memo = {}
            memo[key] = bool(automatic)
        if memo[key]:
            return FiscalPosition._get_fiscal_position(partner, delivery=partner)
        return partner.with_company(self.company_id).property_account_position_id

    # --- what a recipient still owes -----------------------------------------
    def _recurring_owed_units(self):
        """[(partner id, occurrence)] this template still owes, oldest first."""
        self.ensure_one()
        return sorted(
            (
                (int(partner_id), date.fromisoformat(day))
                for partner_id, owed in (self.recurring_owed or {}).items()
                for day in owed.get("dates", ())
            ),
            key=lambda unit: (unit[1], unit[0]),
        )

    def _recurring_owed_value(self, units, errors):
        """The stored ``recurring_owed`` for ``units`` ({(partner id,
        occurrence)}), each partner with its last ``errors`` text."""
        owed = {}
        for partner_id, day in sorted(units, key=lambda u: (u[1], u[0])):
            entry = owed.setdefault(
                str(partner_id), {"dates": [], "error": errors.get(partner_id, "")}
            )
            entry["dates"].append(day.isoformat())
        return owed or False

    def _recurring_record_recipient_failures(self, failures):
        """Tell the chatter which recipients' invoices could not be made
        (``failures``: {(partner, occurrence): message}); they are kept owed
        and tried at the next run."""
        self.ensure_one()
        if not failures:
            return
        items = Markup("").join(
            Markup("<li>%s (%s): %s</li>")
            % (partner.display_name, format_date(self.env, day), message)
            for (partner, day), message in failures.items()
        )
        self.message_post(
            body=Markup("%s<ul>%s</ul>")
            % (
                _(
                    "These recipients' invoices could not be made; they are tried "
                    "again at the next run:"
                ),
                items,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _recurring_owed_rows(self):
        """The owed invoices of these templates for the summary and the panel:
        [{'template', 'partner', 'date', 'error'}]."""
        rows = []
        for template in self:
            owed = template.recurring_owed or {}
            for partner_id, day in template._recurring_owed_units():
                rows.append(
                    {
                        "template": template,
                        "partner": self.env["res.partner"].browse(partner_id),
                        "date": day,
                        "error": owed.get(str(partner_id), {}).get("error", ""),
                    }
                )
        return rows


def _command_ids(commands):
    """The ids a many2many's commands (as ``copy_data`` gives) set."""
    ids = []
    for command in commands or ():
        if command[0] == Command.SET:
            ids = list(command[2])
        elif command[0] == Command.LINK:
            ids.append(command[1])
    return ids
