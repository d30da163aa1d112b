# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the fault suite (faults/lab.py): the mail side of
the mail scenarios.

``RI_MAIL_STEP``
    ``setup``: point Odoo's outgoing mail server at the test SMTP server on
    127.0.0.1:``RI_SMTP_PORT`` (no encryption, no login).
    ``queue``: let the waiting time pass (e-mails queued for later become due
    now), then run Odoo's mail queue once, as its scheduled action "Mail: Email
    Queue Manager" does (``mail.mail.process_email_queue``, which commits after
    each e-mail).

Odoo logs each refused e-mail as an ERROR with its traceback, as it should; this
step expects refusals, so those two loggers are muted here, and the scenario
checks the outcome instead. Prints one line ``RESULT {json}``: the job's
e-mails by state and delivery attempts.
"""

import json
import logging
import os
import time


def counts(env):
    env.cr.execute(
        """
        SELECT CASE WHEN recurring_invoice_id IS NULL THEN 'summary'
                    ELSE 'invoice' END,
               state, recurring_delivery_attempts, count(*)
          FROM mail_mail
         WHERE recurring_job_mail
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    )
    return [list(row) for row in env.cr.fetchall()]


def main(env):
    step = os.environ["RI_MAIL_STEP"]
    result = {"step": step}
    if step == "setup":
        server = env["ir.mail_server"].create(
            {
                "name": "Faults SMTP server",
                "smtp_host": "127.0.0.1",
                "smtp_port": int(os.environ["RI_SMTP_PORT"]),
                "smtp_encryption": "none",
                "smtp_authentication": "login",
            }
        )
        result["mail_server_id"] = server.id
    else:
        for name in (
            "odoo.addons.mail.models.mail_mail",
            "odoo.addons.base.models.ir_mail_server",
        ):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        env.cr.execute(
            """
            UPDATE mail_mail SET scheduled_date = now() at time zone 'utc'
             WHERE state = 'outgoing' AND scheduled_date IS NOT NULL
            """
        )
        result["made_due"] = env.cr.rowcount
        env.cr.commit()
        started = time.monotonic()
        env["mail.mail"].process_email_queue()
        env.cr.commit()
        result["elapsed"] = round(time.monotonic() - started, 2)
    result["mails"] = counts(env)
    env.cr.commit()
    print("RESULT " + json.dumps(result), flush=True)


main(globals()["env"])
