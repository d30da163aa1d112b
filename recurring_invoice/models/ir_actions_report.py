# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A shorter wait for the PDFs of the recurring invoice job.

Odoo has wkhtmltopdf wait ``report.print_delay`` (1000 ms unless set) for the
page's scripts before printing each PDF; on a morning of thousands of invoices
that second is most of the sending time. The invoice report runs no script
that needs it, so the job's PDFs wait ``recurring_invoice.print_delay`` (0 ms
unless set); every other PDF keeps Odoo's delay.
"""

from odoo import models

from ..tools import trusted

DEFAULT_PRINT_DELAY = 0


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _build_wkhtmltopdf_args(
        self,
        paperformat_id,
        landscape,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        args = super()._build_wkhtmltopdf_args(
            paperformat_id,
            landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        if (
            trusted.get(self.env.context, "recurring_invoice_send")
            and "--javascript-delay" in args
        ):
            delay = self.env["recurring.invoice.job"]._int_param(
                "recurring_invoice.print_delay", DEFAULT_PRINT_DELAY, minimum=0
            )
            args[args.index("--javascript-delay") + 1] = str(delay)
        return args
