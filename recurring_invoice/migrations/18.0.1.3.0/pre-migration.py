# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0: a template bills a list of recipients, one invoice each.

Exactly once per (template, occurrence) was the constraint
``account_move_recurring_occurrence_unique``; it is now two partial unique
indexes (``account_move_recurring_recipients.py``): per (template,
occurrence) for the invoices of a template's customer, as before (every
invoice made until now), and per (template, occurrence, recipient) for a
list's. The constraint goes before the update creates the indexes.
"""

import logging

_logger = logging.getLogger(__name__)

CONSTRAINT = "account_move_recurring_occurrence_unique"


def migrate(cr, version):
    if not version:
        return
    drop_occurrence_constraint(cr)


def drop_occurrence_constraint(cr):
    """Drop the old constraint; return whether it was there."""
    cr.execute(
        "SELECT 1 FROM pg_constraint "
        "WHERE conname = %s AND conrelid = 'account_move'::regclass",
        (CONSTRAINT,),
    )
    if not cr.fetchone():
        return False
    cr.execute(f"ALTER TABLE account_move DROP CONSTRAINT {CONSTRAINT}")
    _logger.info(
        "Constraint %s replaced by the recurring invoices' unique indexes", CONSTRAINT
    )
    return True
