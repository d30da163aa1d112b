# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: no field means two things any more; schedules get options.

Before, three fields served both templates and the invoices they made:
``recurring_retry_after``, ``recurring_last_error`` and ``recurring_to_report``.
They become ``recurring_make_*`` on templates and ``recurring_send_*`` on made
invoices, with their values. A pause window kept on a template
(``recurring_skip_from``/``recurring_skip_until``) becomes the occurrence dates
it skips (``recurring_skipped_dates``). The daily summary's e-mail template,
kept from updates, is pointed at the new fields. Existing templates invoice
every period (interval 1), counted from their start date, on the first day of
the period (no days ahead): their next send day is their next date. The
column of the new monthly recurring revenue is created empty, so that Odoo
does not compute it for every journal entry; the post-migration computes it
for the templates.
"""

import json
import logging
from datetime import time

from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from odoo.addons.recurring_invoice.tools import recurrence

_logger = logging.getLogger(__name__)

NEW_COLUMNS = {
    "recurring_make_retry_after": "timestamp",
    "recurring_make_error": "text",
    "recurring_make_to_report": "boolean",
    "recurring_send_retry_after": "timestamp",
    "recurring_send_error": "text",
    "recurring_send_to_report": "boolean",
    "recurring_skipped_dates": "jsonb",
    "recurring_interval": "int4",
    "recurring_days_ahead": "int4",
    "recurring_anchor_date": "date",
    "recurring_next_send_date": "date",
}
OLD_COLUMNS = (
    "recurring_retry_after",
    "recurring_last_error",
    "recurring_to_report",
    "recurring_skip_from",
    "recurring_skip_until",
)


def _skipped_dates(cr):
    """The occurrences inside each kept pause window, as the engine says."""
    cr.execute(
        """
        SELECT move.id, move.recurring_period, move.recurring_start_date,
               move.recurring_end_date, move.recurring_next_date,
               move.recurring_skip_from, move.recurring_skip_until,
               company.recurring_invoice_tz, company.recurring_invoice_send_time
          FROM account_move move
          JOIN res_company company ON company.id = move.company_id
         WHERE move.recurring_skip_from IS NOT NULL
           AND move.recurring_skip_until IS NOT NULL
           AND move.recurring_next_date IS NOT NULL
        """
    )
    for row in cr.fetchall():
        move_id, period, start, end, next_date, skip_from, skip_until, tz, hours = row
        minutes = round((hours or 0) * 60)
        try:
            schedule = recurrence.Recurrence(
                period,
                start,
                end,
                tz or recurrence.DEFAULT_TZ,
                time(minutes // 60 % 24, minutes % 60),
            )
            skipped = schedule.resume(next_date, skip_from, skip_until).skipped
        except (recurrence.RecurrenceError, ValueError) as error:
            _logger.warning("Template %s: pause window not kept: %s", move_id, error)
            continue
        if skipped:
            yield move_id, sorted(day.isoformat() for day in skipped)


def migrate(cr, version):
    # Monthly recurring revenue, new: stored on templates only (computed by
    # the post-migration), not for every journal entry.
    if not column_exists(cr, "account_move", "recurring_mrr"):
        create_column(cr, "account_move", "recurring_mrr", "numeric")
    if not column_exists(cr, "account_move", "recurring_last_error"):
        return
    for column, column_type in NEW_COLUMNS.items():
        if not column_exists(cr, "account_move", column):
            create_column(cr, "account_move", column, column_type)
    cr.execute(
        """
        UPDATE account_move
           SET recurring_make_retry_after = recurring_retry_after,
               recurring_make_error = recurring_last_error,
               recurring_make_to_report = recurring_to_report
         WHERE recurring_state IS NOT NULL
        """
    )
    cr.execute(
        """
        UPDATE account_move
           SET recurring_send_retry_after = recurring_retry_after,
               recurring_send_error = recurring_last_error,
               recurring_send_to_report = recurring_to_report
         WHERE recurring_state IS NULL
           AND (recurring_template_id IS NOT NULL
                OR recurring_send_state IS NOT NULL)
        """
    )
    cr.execute(
        """
        UPDATE account_move
           SET recurring_interval = 1,
               recurring_days_ahead = 0,
               recurring_anchor_date = recurring_start_date,
               recurring_next_send_date = recurring_next_date
         WHERE recurring_state IS NOT NULL
        """
    )
    cr.execute("DROP INDEX IF EXISTS account_move_recurring_due_index")
    for move_id, skipped in list(_skipped_dates(cr)):
        cr.execute(
            "UPDATE account_move SET recurring_skipped_dates = %s WHERE id = %s",
            (json.dumps(skipped), move_id),
        )
    cr.execute(
        """
        UPDATE mail_template
           SET body_html = replace(
                   replace(body_html::text, 'invoice.recurring_last_error',
                           'invoice.recurring_send_error'),
                   'template.recurring_last_error', 'template.recurring_make_error'
               )::jsonb
         WHERE id IN (SELECT res_id FROM ir_model_data
                       WHERE module = 'recurring_invoice'
                         AND name = 'mail_template_recurring_summary')
        """
    )
    for column in OLD_COLUMNS:
        cr.execute(
            SQL(
                "ALTER TABLE account_move DROP COLUMN IF EXISTS %s",
                SQL.identifier(column),
            )
        )
    _logger.info("recurring_invoice: bookkeeping fields split per concern")
