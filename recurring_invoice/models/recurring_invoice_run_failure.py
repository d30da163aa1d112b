# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An invoice a run could not make: the template (and recipient), and why.

Written by the job in the transaction of the batch that failed, so it is kept
exactly when the batch is. It belongs to its run by the company and the
morning (``recurring.invoice.run``'s key), not by a foreign key: the batch
never locks the run's row, which the other workers write beside it.
"""

from odoo import fields, models


class RecurringInvoiceRunFailure(models.Model):
    _name = "recurring.invoice.run.failure"
    _inherit = ["recurring.job.fields.mixin"]
    _description = "Recurring Invoices: an Invoice a Run Could Not Make"
    _order = "run_date desc, id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        recurring_job=True,
    )
    run_date = fields.Date(
        string="Morning", required=True, readonly=True, index=True, recurring_job=True
    )
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
    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        readonly=True,
        help="The recipient whose invoice could not be made (empty: the "
        "template's own).",
        recurring_job=True,
    )
    occurrence_date = fields.Date(readonly=True, recurring_job=True)
    error = fields.Text(readonly=True, recurring_job=True)
