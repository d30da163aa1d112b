# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The invoice period (BG-14) in the UBL files Odoo attaches (UBL 2.0 and
every format built on it: UBL 2.1, Peppol BIS Billing 3.0 and so Norway's
EHF, XRechnung, NLCIUS...). Odoo 18 leaves it empty; an invoice made by a
recurring template states the period it is for, as its PDF does (Norway's
bokføringsforskriften § 5-1-1 asks when the service was delivered)."""

from odoo import models


class AccountEdiXmlUbl20(models.AbstractModel):
    _inherit = "account.edi.xml.ubl_20"

    def _get_invoice_period_vals_list(self, invoice):
        # EXTENDS account_edi_ubl_cii: cac:InvoicePeriod's cbc:StartDate and
        # cbc:EndDate, unless another module gave it dates already (BIS 3
        # allows one invoice period).
        vals_list = super()._get_invoice_period_vals_list(invoice)
        start = invoice.recurring_period_start
        end = invoice.recurring_period_end
        if not (start and end) or any(
            vals.get("start_date") or vals.get("end_date") for vals in vals_list
        ):
            return vals_list
        if vals_list:
            vals_list[0].update(start_date=start, end_date=end)
        else:
            vals_list.append({"start_date": start, "end_date": end})
        return vals_list
