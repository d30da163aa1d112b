# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A recipient of a recurring template: one more customer it bills.

A template without recipients bills its customer. Once it has a list, the
06:15 job makes one invoice per recipient on each send day (its own number,
payment reference, language, fiscal position and payment terms), each with
the recipient's price override and note line. A recipient added to a running
template starts with the template's next date, never an earlier one; a
paused recipient is not billed while paused (its occurrences are not owed);
a recipient removed keeps its invoices (they name the partner, not this row).
Billing users change recipients (the access rights), of their companies (the
record rule and ``check_company``).
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class RecurringInvoiceRecipient(models.Model):
    _name = "recurring.invoice.recipient"
    _inherit = ["recurring.job.fields.mixin"]
    _description = "Recurring Invoice Recipient"
    _order = "template_id, sequence, id"
    _check_company_auto = True

    template_id = fields.Many2one(
        "account.move",
        string="Recurring Template",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="template_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="template_id.currency_id")
    sequence = fields.Integer(default=10)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        domain="[('company_id', 'in', (False, company_id))]",
    )
    paused = fields.Boolean(
        help="A paused recipient is not billed until un-paused; the invoices "
        "of the periods in between are not made.",
    )
    discount = fields.Float(
        string="Discount (%)",
        digits="Discount",
        help="This recipient's discount on every line of the template.",
    )
    price_unit = fields.Monetary(
        string="Fixed Unit Price",
        help="This recipient's unit price instead of the template's (a template "
        "with one priced line): yearly price adjustments leave it as it is. "
        "0: the template's price.",
    )
    note = fields.Char(
        help="A line of text on this recipient's invoices: a membership number, "
        "a flat number.",
    )
    start_date = fields.Date(
        string="Billed From",
        readonly=True,
        help="The first period this recipient is billed for: the template's next "
        "date when the recipient was added.",
        recurring_job=True,
    )
    last_invoice_id = fields.Many2one(
        "account.move",
        string="Last Invoice",
        compute="_compute_last_invoice_id",
    )

    _sql_constraints = [
        (
            "partner_unique",
            "UNIQUE(template_id, partner_id)",
            "A customer is a recipient of a recurring invoice only once.",
        ),
        (
            "discount_range",
            "CHECK(discount >= 0 AND discount <= 100)",
            "A recipient's discount is between 0 and 100 %.",
        ),
        (
            "price_positive",
            "CHECK(price_unit >= 0)",
            "A recipient's fixed unit price cannot be negative.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        Move = self.env["account.move"]
        templates = Move.browse({vals.get("template_id") for vals in vals_list})
        if templates.filtered(lambda t: not t.recurring_state):
            raise ValidationError(
                _(
                    "Recipients are added to a recurring invoice: make the invoice "
                    "recurring first (the button Recurring invoice)."
                )
            )
        started = templates.filtered(lambda t: not t.recurring_recipient_ids)
        for vals in vals_list:
            template = Move.browse(vals.get("template_id"))
            # Never back-dated: from the template's next date (or its start).
            vals["start_date"] = (
                template.recurring_next_date or template.recurring_start_date or False
            )
        records = super(RecurringInvoiceRecipient, self._recurring_as_job()).create(
            vals_list
        )
        # A list started without the template's customer: the customer first,
        # as billed until now (remove it to bill the others only).
        customers = []
        for template in started:
            added = records.filtered(lambda r, t=template: r.template_id == t)
            if template.partner_id and template.partner_id not in added.partner_id:
                customers.append(
                    {
                        "template_id": template.id,
                        "partner_id": template.partner_id.id,
                        "sequence": min(added.mapped("sequence")) - 1,
                        "start_date": template.recurring_next_date
                        or template.recurring_start_date
                        or False,
                    }
                )
        if customers:
            records |= super(
                RecurringInvoiceRecipient, self._recurring_as_job()
            ).create(customers)
        return records.with_env(self.env)

    def write(self, vals):
        if "template_id" in vals and any(
            r.template_id.id != vals["template_id"] for r in self
        ):
            raise ValidationError(
                _(
                    "A recipient stays on its recurring invoice: add it to the "
                    "other one."
                )
            )
        return super().write(vals)

    @api.constrains("partner_id")
    def _check_partner(self):
        for recipient in self:
            if recipient.template_id.recurring_recipient_tag_id:
                raise ValidationError(
                    _(
                        "This recurring invoice bills the customers with the tag "
                        "%(tag)s: clear the tag to bill a list of recipients.",
                        tag=recipient.template_id.recurring_recipient_tag_id.name,
                    )
                )

    @api.constrains("price_unit", "template_id")
    def _check_price_unit(self):
        for recipient in self.filtered("price_unit"):
            lines = recipient.template_id.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )
            if len(lines) != 1:
                raise ValidationError(
                    _(
                        "A fixed unit price replaces the price of the template's one "
                        "invoice line: this template has %(count)s. Give %(partner)s "
                        "a discount instead.",
                        count=len(lines),
                        partner=recipient.partner_id.display_name,
                    )
                )

    def _compute_last_invoice_id(self):
        last = {}
        if self.template_id:
            for template, partner, invoice_id in self.env["account.move"]._read_group(
                [
                    ("recurring_template_id", "in", self.template_id.ids),
                    ("recurring_billed_partner_id", "in", self.partner_id.ids),
                ],
                ["recurring_template_id", "recurring_billed_partner_id"],
                ["id:max"],
            ):
                last[template.id, partner.id] = invoice_id
        for recipient in self:
            recipient.last_invoice_id = last.get(
                (recipient.template_id.id, recipient.partner_id.id), False
            )
