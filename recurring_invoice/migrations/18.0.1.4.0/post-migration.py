# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0:

- What the job does with a template's invoices is chosen per template (post
  and send, post only, draft for review): the templates set up before keep
  doing what they did, post and send.
- The period's first and last day on the invoices templates made before, from
  each one's occurrence and its template's period and interval (the period
  its ``{period}`` and e-mail name).
- The daily summary tells the invoices posted and not sent, the drafts to
  review, how invoices were sent and the mornings caught up (the runs): its
  e-mail template (kept from updates)
  is loaded again where it does not (see
  :mod:`odoo.addons.recurring_invoice.tools.summary_template`).
"""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.recurring_invoice.tools import summary_template

_logger = logging.getLogger(__name__)

FIELDS = ("recurring_period_start", "recurring_period_end")


def keep_post_and_send(cr):
    """Templates set up before modes keep post and send; return how many."""
    cr.execute(
        """
        UPDATE account_move SET recurring_mode = 'post_send'
         WHERE recurring_state IS NOT NULL AND recurring_mode IS NULL
        """
    )
    return cr.rowcount


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
    keep_post_and_send(cr)
    env = api.Environment(cr, SUPERUSER_ID, {})
    compute_made_invoice_periods(env)
    summary_template.reload_summary_template(env, "recurring_caught_up")
