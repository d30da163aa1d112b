# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0: what the job does with a template's invoices is chosen per
template (post and send, post only, draft for review). The templates set up
before keep doing what they did: post and send. The daily summary tells the
invoices posted and not sent, the drafts to review and how invoices were
sent: its e-mail template (kept from updates) is loaded again where it does
not (see :mod:`odoo.addons.recurring_invoice.tools.summary_template`).
"""

from odoo import SUPERUSER_ID, api

from odoo.addons.recurring_invoice.tools import summary_template


def keep_post_and_send(cr):
    cr.execute(
        """
        UPDATE account_move SET recurring_mode = 'post_send'
         WHERE recurring_state IS NOT NULL AND recurring_mode IS NULL
        """
    )
    return cr.rowcount


def migrate(cr, version):
    if not version:
        return
    keep_post_and_send(cr)
    summary_template.reload_summary_template(
        api.Environment(cr, SUPERUSER_ID, {}), "recurring_review_count"
    )
