# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0: the period's first and last day on the invoices templates made
before, from each one's occurrence and its template's period and interval
(the period its ``{period}`` and e-mail name)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

FIELDS = ("recurring_period_start", "recurring_period_end")


def compute_made_invoice_periods(env):
    """Compute the period's days of the invoices made by a template whose
    period is not set yet; return how many."""
    moves = (
        env["account.move"]
        .with_context(active_test=False)
        .search(
            [
                ("recurring_template_id", "!=", False),
                ("recurring_occurrence_date", "!=", False),
                ("recurring_period_start", "=", False),
            ]
        )
    )
    for name in FIELDS:
        env.add_to_compute(moves._fields[name], moves)
    env.flush_all()
    _logger.info("Period dates computed on %s recurring invoices", len(moves))
    return len(moves)


def migrate(cr, version):
    if not version:
        return
    compute_made_invoice_periods(api.Environment(cr, SUPERUSER_ID, {}))
