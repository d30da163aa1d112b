# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The bench's steps inside ``odoo shell``, one module per part.

bench/bench_shell.py, fed to ``odoo shell``, runs one function of these
modules (``BENCH_STEP=ours.run``) and prints its RESULT; the driver's side of
each part is the module of the same name in bench/steps/. Only ``odoo shell``
imports them (they import ``odoo``).

``common``
    measuring (queries, memory, CPUs), outgoing mail blocked, the shared
    data, templates due now copied in SQL, Odoo's cron runner driven.
``set_up``
    the fixture, the source invoice, every other scheduled action off.
``ours``
    the 06:15 scheduled action through the cron runner, sending off.
``recipients``
    one template billing BENCH_N recipients, made like ours' templates, and
    its invoices made through the cron runner.
``alternatives``
    the ORM floors, Odoo's native auto_post, OCA contract.
``sending``
    sending with real PDFs in one process.
``workers``
    the templates for a real server's cron workers (and queue_job), and
    what that server left.
``forecast``, ``panel``
    the report of upcoming invoices, the template's side panel.
"""
