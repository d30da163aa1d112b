# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the steps of bench/shell/ share, inside ``odoo shell``.

Queries are counted with ``odoo.sql_db.sql_counter``: Odoo's own counter of
every ``execute`` on every cursor of this process (the cron runner's cursors
included, SAVEPOINTs included, COMMITs not). Peak memory is the process's
``ru_maxrss``. The CPUs busy are the machine's (harness/cpu.py).

Nothing leaves the machine: the outgoing mail server and IAP are replaced by
functions that raise (block_outgoing), ``mail.mail.force.send.limit`` is 0
(mails stay queued as ``mail.mail``) and every scheduled action but the
add-on's is inactive (the set-up step).

The morning's job is the service ``recurring.invoice.job`` (JOB); the
templates and invoices are ``account.move``.
"""

import cProfile
import io
import json
import logging
import os
import pstats
import resource
import sys
import time
from datetime import timedelta

import psutil

import odoo
from odoo import Command, fields
from odoo.tools import SQL

from harness.cpu import cpu_ticks, cpus_busy

#: The service that runs the morning: the scheduled actions' model.
JOB = "recurring.invoice.job"
CRON_XMLID = "recurring_invoice.ir_cron_recurring_invoice"
SEND_CRON_XMLID = "recurring_invoice.ir_cron_recurring_invoice_send"
#: The add-on's logger: every module of it logs under it (getLogger(__name__)).
ADDON_LOGGER = "odoo.addons.recurring_invoice"
CHUNK = 500  # records created per create() and commit while setting up


# --- measuring ------------------------------------------------------------------
def queries():
    return odoo.sql_db.sql_counter


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb():
    return psutil.Process().memory_info().rss / 2**20


class Measure:
    """Wall time, queries and the machine's CPUs busy (harness/cpu.py) of a
    block; cProfile too when BENCH_PROFILE is a file name (the stats go there,
    the top functions into the RESULT)."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0
        self.cpus_busy = None
        self.profile_top = None
        self._path = os.environ.get("BENCH_PROFILE")
        self._profiler = cProfile.Profile() if self._path else None

    def __enter__(self):
        self._queries = queries()
        if self._profiler:
            self._profiler.enable()
        self._ticks = cpu_ticks()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        self.cpus_busy = cpus_busy(self._ticks, cpu_ticks())
        if self._profiler:
            self._profiler.disable()
        self.queries = queries() - self._queries
        if self._profiler:
            self._profiler.dump_stats(self._path)
            self.profile_top = profile_top(self._path)
        return False


def profile_top(path, limit=30):
    """The ``limit`` functions of most cumulative time, as text."""
    out = io.StringIO()
    stats = pstats.Stats(path, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


class CountHandler(logging.Handler):
    """Counts the add-on's "retried one by one" and failure log lines, and
    every line of the add-on's loggers (``lines``)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.counts = {
            "batch_fallbacks": 0,
            "template_failures": 0,
            "not_sent": 0,
            "lines": 0,
            "loggers": 0,
        }

    def emit(self, record):
        self.counts["lines"] += 1
        message = record.getMessage()
        if "retried one by one" in message:
            self.counts["batch_fallbacks"] += 1
        elif "failed:" in message:
            self.counts["template_failures"] += 1
        elif "not sent" in message:
            self.counts["not_sent"] += 1


def addon_loggers():
    """The loggers of the add-on's loaded modules (their ``_logger``); raises
    when one logs under another name than ADDON_LOGGER, whose lines the
    counts would miss (as ...models.account_move did once the job moved)."""
    loggers = {
        name: module._logger.name
        for name, module in list(sys.modules.items())
        if name.startswith(ADDON_LOGGER + ".")
        and isinstance(getattr(module, "_logger", None), logging.Logger)
    }
    strays = sorted(
        f"{module}: {logger}"
        for module, logger in loggers.items()
        if not logger.startswith(ADDON_LOGGER + ".")
    )
    if strays or not loggers:
        raise RuntimeError(
            f"bench: the add-on's lines are counted on {ADDON_LOGGER}, but "
            + (
                f"these modules log elsewhere: {', '.join(strays)}"
                if strays
                else "no module of the add-on has a _logger"
            )
        )
    return sorted(set(loggers.values()))


def watch_addon_log():
    """Count the add-on's lines (CountHandler) on its package's logger, which
    every module of it logs under (getLogger(__name__)); returns the counts."""
    handler = CountHandler()
    handler.counts["loggers"] = len(addon_loggers())
    logger = logging.getLogger(ADDON_LOGGER)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler.counts


# --- nothing leaves this machine -------------------------------------------------
def block_outgoing(env):
    """Make any attempt to reach an SMTP server or IAP fail loudly."""

    def refuse(*args, **kwargs):
        raise RuntimeError("bench: outgoing connections are blocked")

    mail_server = type(env["ir.mail_server"])
    mail_server.connect = refuse
    mail_server.send_email = refuse
    try:
        from odoo.addons.iap.tools import iap_tools
    except ImportError:
        return
    iap_tools.iap_jsonrpc = refuse


# --- shared data ------------------------------------------------------------------
def param(env, key, default=None):
    return env["ir.config_parameter"].sudo().get_param(key, default)


def set_param(env, key, value):
    """Set a system parameter; ``None`` removes it (Odoo's default applies)."""
    env["ir.config_parameter"].sudo().set_param(key, value)


def bench_data(env):
    data = json.loads(param(env, "bench.data"))
    return {
        "product": env["product.product"].browse(data["product_id"]),
        "tax": env["account.tax"].browse(data["tax_id"]),
        "partners": env["res.partner"].browse(data["partner_ids"]),
        "user": env["res.users"].browse(data["user_id"]),
        "source": env["account.move"].browse(data["source_id"]),
    }


def due_date(env):
    """The newest occurrence date the scheduler treats as due right now:
    today in Europe/Oslo after 06:15, else yesterday."""
    return env.company._recurring_last_due_date(fields.Datetime.now())


def invoice_values(data, partner, invoice_date=False, **extra):
    """One customer invoice: one line, the product, the 15 % tax."""
    product = data["product"]
    return {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "invoice_user_id": data["user"].id,
        "invoice_date": invoice_date,
        "invoice_line_ids": [
            Command.create(
                {
                    "product_id": product.id,
                    "name": product.name,
                    "quantity": 1,
                    "price_unit": 1000.0,
                    "tax_ids": [Command.set(data["tax"].ids)],
                }
            )
        ],
        **extra,
    }


def analyze(env):
    """ANALYZE the database before measuring: this PostgreSQL may run without
    autovacuum, and the planner then still sees the tables as they were at
    install time (the sequence query of every _post() then scans the journal).
    A production database has fresh statistics."""
    env.cr.commit()
    start = time.perf_counter()
    env.cr.execute("ANALYZE")
    env.cr.commit()
    return time.perf_counter() - start


def create_in_chunks(env, model, values_list):
    """Create records CHUNK at a time, committing and emptying the cache in
    between so that setting up 10,000 records stays small and quick."""
    ids = []
    quiet = env[model].with_context(
        tracking_disable=True, mail_create_nolog=True, mail_notrack=True
    )
    for start in range(0, len(values_list), CHUNK):
        ids += quiet.create(values_list[start : start + CHUNK]).ids
        env.cr.commit()
        env.invalidate_all()
    return env[model].browse(ids)


def create_seeds(env, data, count, tag, values_of):
    """``count`` invoices through the ORM (create_in_chunks, as superuser and
    as the job: the values set the job's own fields), the i-th for the i-th
    customer in turn, ``ref`` ``tag`` and the values ``values_of(i)``."""
    partners = data["partners"]
    return create_in_chunks(
        env(su=True)["account.move"]._recurring_as_job().env,
        "account.move",
        [
            invoice_values(data, partners[i % len(partners)], ref=tag, **values_of(i))
            for i in range(count)
        ],
    )


# --- templates due now ------------------------------------------------------------
def make_templates(env):
    """BENCH_N active monthly templates due now, tagged BENCH_TAG in ``ref``:
    one per customer through the ORM, the others their row-for-row copies in
    SQL (setting up 10,000 through the ORM would take minutes of the run)."""
    n = int(os.environ["BENCH_N"])
    tag = os.environ["BENCH_TAG"]
    data = bench_data(env)
    due = due_date(env)
    partners = data["partners"]
    start = time.perf_counter()
    seeds = create_seeds(
        env,
        data,
        min(n, len(partners)),
        tag,
        lambda i: {
            "recurring_state": "active",
            "recurring_period": "month",
            "recurring_start_date": due,
            "recurring_next_date": due,
            "recurring_user_id": data["user"].id,
        },
    )
    clone_moves(env, seeds, n - len(seeds))
    if os.environ.get("BENCH_DISTINCT"):
        bill_distinct_customers(env, tag, bench_customers(env, data, n, tag))
    env.cr.commit()
    env.cr.execute(
        "SELECT COUNT(*), SUM(amount_total), COUNT(DISTINCT partner_id),"
        "       MIN(recurring_next_date), MAX(recurring_next_date)"
        "  FROM account_move WHERE ref = %s AND recurring_state = 'active'",
        [tag],
    )
    count, total, customers, first, last = env.cr.fetchone()
    return {
        "templates": count,
        "total": float(total or 0),
        "customers": customers,
        "due_date": str(due),
        "next_dates": [str(first), str(last)],
        "seconds": round(time.perf_counter() - start, 1),
    }


def bench_customers(env, data, n, tag):
    """``n`` customers: the bench's, then new ones made like them."""
    partners = data["partners"][:n]
    missing = n - len(partners)
    if missing > 0:
        partners |= create_in_chunks(
            env,
            "res.partner",
            [
                {
                    "name": f"{tag} customer {i:05d}",
                    "email": f"customer{i:05d}@{tag}.example.com",
                    "lang": "en_US",
                }
                for i in range(missing)
            ],
        )
    return partners


def bill_distinct_customers(env, tag, partners):
    """Make the templates tagged ``tag`` out to ``partners``, one each (in
    SQL, as clone_moves copied them): the same customers as one template
    billing them all as recipients."""
    env.flush_all()
    env.cr.execute(
        """
        WITH template AS (
            SELECT id, row_number() OVER (ORDER BY id) AS pos
              FROM account_move WHERE ref = %(tag)s
        ), customer AS (
            SELECT id, pos
              FROM unnest(%(partners)s::int[]) WITH ORDINALITY AS p(id, pos)
        )
        UPDATE account_move move
           SET partner_id = customer.id, commercial_partner_id = customer.id,
               partner_shipping_id = customer.id
          FROM template JOIN customer ON customer.pos = template.pos
         WHERE move.id = template.id
        """,
        {"tag": tag, "partners": partners.ids},
    )
    env.cr.execute(
        """
        UPDATE account_move_line line SET partner_id = move.partner_id
          FROM account_move move
         WHERE line.move_id = move.id AND move.ref = %(tag)s
        """,
        {"tag": tag},
    )
    env.invalidate_all()


def table_columns(cr, table, *exclude):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s"
        " ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall() if name not in exclude]


def copy_rows(cr, table, mapping, seed_key, new_key, columns, new_column):
    """INSERT a copy of the rows of ``table`` listed in the temporary table
    ``mapping``, with the new ids (and ``new_column`` replaced by
    ``mapping.new_column`` when given)."""
    targets = ["id", *([new_column] if new_column else []), *columns]
    sources = [
        SQL.identifier("map", new_key),
        *([SQL.identifier("map", new_column)] if new_column else []),
        *(SQL.identifier("src", column) for column in columns),
    ]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s map JOIN %s src ON src.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in targets),
            SQL(", ").join(sources),
            SQL.identifier(mapping),
            SQL.identifier(table),
            SQL.identifier("map", seed_key),
        )
    )


def clone_moves(env, seeds, count):
    """``count`` copies of the moves ``seeds`` (round robin), row for row in
    SQL: the moves, their lines and the lines' taxes and tax tags."""
    if count <= 0:
        return
    cr = env.cr
    env.flush_all()
    cr.execute(
        """
        CREATE TEMP TABLE bench_move_map ON COMMIT DROP AS
        SELECT seed.id AS seed_id, nextval('account_move_id_seq') AS new_id
          FROM generate_series(0, %(count)s - 1) AS serie(n)
          JOIN unnest(%(seeds)s::int[]) WITH ORDINALITY AS seed(id, pos)
            ON seed.pos = serie.n %% %(size)s + 1
        """,
        {"count": count, "seeds": seeds.ids, "size": len(seeds)},
    )
    copy_rows(
        cr,
        "account_move",
        "bench_move_map",
        "seed_id",
        "new_id",
        table_columns(cr, "account_move", "id"),
        None,
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_line_map ON COMMIT DROP AS
        SELECT line.id AS seed_id, map.new_id AS move_id,
               nextval('account_move_line_id_seq') AS new_id
          FROM bench_move_map map
          JOIN account_move_line line ON line.move_id = map.seed_id
        """
    )
    copy_rows(
        cr,
        "account_move_line",
        "bench_line_map",
        "seed_id",
        "new_id",
        table_columns(cr, "account_move_line", "id", "move_id"),
        "move_id",
    )
    for relation, other in (
        ("account_move_line_account_tax_rel", "account_tax_id"),
        ("account_account_tag_account_move_line_rel", "account_account_tag_id"),
    ):
        cr.execute(
            SQL(
                "INSERT INTO %s (account_move_line_id, %s)"
                " SELECT map.new_id, rel.%s FROM bench_line_map map"
                " JOIN %s rel ON rel.account_move_line_id = map.seed_id",
                SQL.identifier(relation),
                SQL.identifier(other),
                SQL.identifier(other),
                SQL.identifier(relation),
            )
        )
    env.invalidate_all()


# --- Odoo's cron runner ------------------------------------------------------------
def count_due(registry):
    """Templates the scheduler still has to make an invoice for (own cursor)."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        return env[JOB]._count_due(fields.Datetime.now())


def count_to_send(registry):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        return env[JOB]._count_to_send(fields.Datetime.now())


def arm_cron(registry):
    """Make the scheduled action due now, if it is not (True when it had to)."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cron = env.ref(CRON_XMLID)
        now = fields.Datetime.now()
        if cron.nextcall <= now:
            return False
        cron.write({"nextcall": now - timedelta(minutes=1)})
        return True


def run_scheduler(env, pending, limit_calls):
    """Run Odoo's cron runner exactly as a cron worker does until
    ``pending()`` is 0. Returns the number of runner calls and re-arms."""
    registry = env.registry
    env.cr.commit()
    runner = type(env["ir.cron"])
    calls = rearms = 0
    left = pending()
    while left:
        if calls >= limit_calls:
            raise RuntimeError(f"scheduler still has {left} to do after {calls} calls")
        rearms += arm_cron(registry)
        runner._process_jobs(env.cr.dbname)
        calls += 1
        before, left = left, pending()
        if left >= before:
            raise RuntimeError(f"scheduler made no progress ({left} left)")
    return calls, rearms
