"""The bench's parts on the driver's side, one module each, in the order of a
run (bench/bench_recurring.py runs them):

``set_up``
    OCA contract found or pip-installed, the add-ons installed, the shared data.
``forecast``, ``panel``
    the report of upcoming invoices (1,000 and 2,000 templates), the
    template's side panel (5 and 500 invoices).
``ours``
    the 06:15 scheduled action through Odoo's cron runner at each N.
``alternatives``
    the ORM floors, Odoo's native auto_post and OCA contract, in the same
    rounds as ours.
``sending``
    sending with real PDFs in one process (as shipped, and with Odoo's 1 s
    script wait).
``workers``
    the morning on a real server with 1 and 2 cron workers, 10,000 with 2,
    and through queue_job; the machine's own two-process speed-up.
``recipients``
    one template billing N recipients against N separate templates, in the
    same rounds as ours (N = 1,000, --quick 200; ``--recipients-only``).
``profile``
    ``--profile``: cProfile runs after the measurements.

Each part measures through bench/database.py (its shell side is the module of
the same name in bench/shell/), logs as it goes, and gives the report its
lines, its verdicts (bench/targets.py) and its figures (bench/results.py). A
new part is one module here, one in
bench/shell/, its targets in bench/targets.py and one line in
bench_recurring.run().
"""
