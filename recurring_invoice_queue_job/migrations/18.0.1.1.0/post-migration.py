# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: the morning's jobs run on the service ``recurring.invoice.job``.

The job functions (kept from updates: their channel and retry pattern may have
been changed) were ``account.move._recurring_job_make``, ``_recurring_job_send``
and ``_recurring_job_finish``; they become ``recurring.invoice.job._job_make``,
``_job_send`` and ``_job_finish``, with their settings. The jobs of a morning
that may still run when the module is updated are moved with them, so that
the job runner runs them on the service; the jobs that ended stay as they were.
"""

import json
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

#: Old method on account.move -> new method on recurring.invoice.job.
RENAMED = {
    "_recurring_job_make": "_job_make",
    "_recurring_job_send": "_job_send",
    "_recurring_job_finish": "_job_finish",
}
SERVICE = "recurring.invoice.job"
#: The states of a job that may still run.
ALIVE_STATES = ("wait_dependencies", "pending", "enqueued", "started")


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    move_job_functions(env)
    move_waiting_jobs(cr)


def move_job_functions(env):
    """The job functions of account.move's methods, on the service's; returns
    them."""
    service = env["ir.model"]._get(SERVICE)
    functions = env["queue.job.function"].search(
        [("model_id.model", "=", "account.move"), ("method", "in", list(RENAMED))]
    )
    for function in functions:
        function.write({"model_id": service.id, "method": RENAMED[function.method]})
    return functions


def move_waiting_jobs(cr):
    """The jobs of account.move's methods that may still run, on the
    service's; returns their ids."""
    # A job's records are its recordset stored as JSON text (queue_job's
    # JobSerialized): the service's empty recordset, with the same user and
    # context.
    cr.execute(
        """
        SELECT id, method_name, records
          FROM queue_job
         WHERE model_name = 'account.move'
           AND method_name IN %(old)s
           AND state IN %(alive)s
        """,
        {"old": tuple(RENAMED), "alive": ALIVE_STATES},
    )
    moved = []
    for job_id, method, records in cr.fetchall():
        recordset = json.loads(records)
        recordset.update(model=SERVICE, ids=[])
        new = RENAMED[method]
        cr.execute(
            """
            UPDATE queue_job
               SET model_name = %(service)s,
                   method_name = %(new)s,
                   channel_method_name = %(channel_method)s,
                   records = to_jsonb(%(records)s::text)
             WHERE id = %(id)s
            """,
            {
                "service": SERVICE,
                "new": new,
                "channel_method": f"<{SERVICE}>.{new}",
                "records": json.dumps(recordset),
                "id": job_id,
            },
        )
        _logger.info("Waiting job %s moved to %s.%s", job_id, SERVICE, new)
        moved.append(job_id)
    return moved
