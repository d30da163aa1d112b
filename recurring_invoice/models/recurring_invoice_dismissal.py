# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A draft a recurring template made, deleted by its reviewer.

Exactly once holds for drafts too: the occurrence of a draft that was
deleted is done. The job counts it as made (a number of invoices, a list of
recipients made over several runs), so it is never made again; the row says
who deleted which draft, and when. Written by the add-on alone.
"""

from odoo import fields, models


class RecurringInvoiceDismissal(models.Model):
    _name = "recurring.invoice.dismissal"
    _inherit = ["recurring.job.fields.mixin"]
    _description = "Recurring Invoice Draft Deleted"
    _order = "template_id, occurrence_date, id"
    _check_company_auto = True

    template_id = fields.Many2one(
        "account.move",
        string="Recurring Template",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        recurring_job=True,
    )
    company_id = fields.Many2one(
        related="template_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        readonly=True,
        help="The recipient the draft was made for (empty: the template's "
        "customer).",
        recurring_job=True,
    )
    occurrence_date = fields.Date(required=True, readonly=True, recurring_job=True)
    amount_total = fields.Monetary(string="Total", readonly=True, recurring_job=True)
    currency_id = fields.Many2one("res.currency", readonly=True, recurring_job=True)
