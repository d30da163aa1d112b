# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0: the morning job is the service ``recurring.invoice.job``.

Its scheduled actions (kept from updates, and any copy of the sending one a
business made to add a worker) ran ``model._cron_recurring_invoices()`` and
``model._cron_recurring_send()`` on ``account.move``; they now run
``model._cron_make_and_send()`` and ``model._cron_send()`` on the service,
with the arguments they were given.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

#: Old method -> new method of the scheduled actions' code.
RENAMED = {
    "model._cron_recurring_invoices(": "model._cron_make_and_send(",
    "model._cron_recurring_send(": "model._cron_send(",
}


def migrate(cr, version):
    if not version:
        return
    move_scheduled_actions(api.Environment(cr, SUPERUSER_ID, {}))


def move_scheduled_actions(env):
    """Point the job's scheduled actions on ``account.move`` at the service;
    returns those moved."""
    service = env["ir.model"]._get("recurring.invoice.job")
    crons = (
        env["ir.cron"]
        .with_context(active_test=False)
        .search(
            [
                ("model_id.model", "=", "account.move"),
                ("code", "=like", "model._cron_recurring_%"),
            ]
        )
    )
    moved = crons.browse()
    for cron in crons:
        code = cron.code
        for old, new in RENAMED.items():
            code = code.replace(old, new)
        if code == cron.code:
            continue
        cron.write({"model_id": service.id, "code": code})
        moved |= cron
        _logger.info("Scheduled action %r runs on recurring.invoice.job", cron.name)
    return moved
