# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by ``bench_recurring.py``: one step of the benchmark.

The step is chosen by the environment variable ``BENCH_STEP``, its size by
``BENCH_N``. Every step commits what it made and prints one line
``RESULT {json}`` that the driver reads. The set-up starts from the fixture the
fault suite shares (harness/fixtures.py).

Queries are counted with ``odoo.sql_db.sql_counter``: Odoo's own counter of
every ``execute`` on every cursor of this process (the cron runner's cursors
included, SAVEPOINTs included, COMMITs not). Peak memory is the process's
``ru_maxrss``.

Nothing leaves the machine: the outgoing mail server and IAP are replaced by
functions that raise, ``mail.mail.force.send.limit`` is 0 (mails stay queued as
``mail.mail``) and every scheduled action but the add-on's is inactive.
"""

import copy
import cProfile
import io
import json
import logging
import os
import pstats
import resource
import time
from datetime import date, timedelta

import psutil

import odoo
from odoo import Command, fields
from odoo.tools import SQL

from harness.cpu import cpu_ticks, cpus_busy
from harness.fixtures import sales_data

CRON_XMLID = "recurring_invoice.ir_cron_recurring_invoice"
# The add-on's logger: every module of it logs under it (getLogger(__name__)).
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
    """Counts the add-on's "retried one by one" and failure log lines."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.counts = {"batch_fallbacks": 0, "template_failures": 0, "not_sent": 0}

    def emit(self, record):
        message = record.getMessage()
        if "retried one by one" in message:
            self.counts["batch_fallbacks"] += 1
        elif "failed:" in message:
            self.counts["template_failures"] += 1
        elif "not sent" in message:
            self.counts["not_sent"] += 1


def watch_addon_log():
    handler = CountHandler()
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


def step_setup(env):
    """The shared fixture (chart, tax, product, 50 customers), the source
    invoice; every cron but ours off; mails only queued."""
    tax, product, partners = sales_data(env, "Bench", 50)
    company = env.company
    user = env.ref("base.user_admin")
    ours = env.ref(CRON_XMLID)
    others = (
        env["ir.cron"].with_context(active_test=False).search([("id", "!=", ours.id)])
    )
    switched_off = others.filtered("active")
    switched_off.write({"active": False})
    set_param(env, "mail.mail.force.send.limit", "0")
    set_param(env, "recurring_invoice.hold_sending", "1")
    mail_servers = env["ir.mail_server"].sudo().search([])
    mail_servers.write({"active": False})
    data = {
        "product_id": product.id,
        "tax_id": tax.id,
        "partner_ids": partners.ids,
        "user_id": user.id,
        "source_id": 0,
    }
    set_param(env, "bench.data", json.dumps(data))
    source = env["account.move"].create(
        invoice_values(bench_data(env), partners[0], due_date(env))
    )
    data["source_id"] = source.id
    set_param(env, "bench.data", json.dumps(data))
    contract = env["ir.module.module"].search(
        [("name", "=", "contract"), ("state", "=", "installed")]
    )
    contract_info = None
    if contract:
        manifest = odoo.modules.module.get_manifest("contract")
        core = odoo.modules.module.get_module_path("account").rsplit("/", 1)[0]
        contract_info = {
            "version": contract.installed_version,
            "path": odoo.modules.module.get_module_path("contract"),
            "depends": manifest["depends"],
            "all_core": all(
                (odoo.modules.module.get_module_path(dep) or "").startswith(core)
                for dep in manifest["depends"]
            ),
        }
    env.cr.execute("SHOW autovacuum")
    autovacuum = env.cr.fetchone()[0]
    env.cr.commit()
    return {
        "autovacuum": autovacuum,
        "chart": company.chart_template,
        "tax": f"{tax.name} ({tax.amount:g} %)",
        "product": product.display_name,
        "customers": len(partners),
        "crons_switched_off": switched_off.mapped("name"),
        "mail_servers_switched_off": len(mail_servers),
        "source_total": source.amount_total,
        "contract": contract_info,
    }


# --- ours -------------------------------------------------------------------------
def step_templates(env):
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


def count_due(registry):
    """Templates the scheduler still has to make an invoice for (own cursor)."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        return env["account.move"]._recurring_count_due(fields.Datetime.now())


def count_to_send(registry):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        return env["account.move"]._recurring_count_to_send(fields.Datetime.now())


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


def time_cron_calls(env):
    """Record the wall time of each call of the scheduled action's method
    (one batch each), by wrapping it on this registry's model class."""
    model = type(env["account.move"])
    method = model._cron_recurring_invoices
    calls = []

    def timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            calls.append(time.perf_counter() - start)

    model._cron_recurring_invoices = timed
    return calls


def batch_summary(calls):
    """Seconds per batch: the first, the median and the last ten."""
    if not calls:
        return {}
    ordered = sorted(calls)
    tail = calls[-10:]
    head = calls[:10]
    return {
        "batches": len(calls),
        "first10_avg": sum(head) / len(head),
        "median": ordered[len(ordered) // 2],
        "last10_avg": sum(tail) / len(tail),
    }


def count_made(env):
    """Invoices made by any template so far."""
    env.cr.execute(
        "SELECT COUNT(*) FROM account_move WHERE recurring_template_id IS NOT NULL"
    )
    return env.cr.fetchone()[0]


def step_ours(env):
    """Make and post the invoices of the BENCH_TAG templates through the cron
    runner, sending off; in a fresh process, so its peak memory is its own."""
    tag = os.environ["BENCH_TAG"]
    block_outgoing(env)
    log = watch_addon_log()
    set_param(env, "recurring_invoice.hold_sending", "1")
    # What-if (--profile only): another batch size than the add-on's default.
    set_param(env, "recurring_invoice.batch_size", os.environ.get("BENCH_BATCH"))
    templates = env["account.move"].search([("ref", "=", tag)])
    expected = len(templates)
    batch = int(param(env, "recurring_invoice.batch_size", 100))
    analyze(env)
    batch_seconds = time_cron_calls(env)
    made_before = count_made(env)
    env.invalidate_all()
    rss_before = rss_mb()
    peak_before = peak_mb()
    with Measure() as measure:
        calls, rearms = run_scheduler(
            env,
            lambda: count_due(env.registry),
            limit_calls=expected // batch + 20,
        )
    peak = peak_mb()  # before anything is read to check the result
    env.cr.execute(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'posted')"
        "  FROM account_move WHERE recurring_template_id = ANY(%s)",
        [templates.ids],
    )
    invoices, posted = env.cr.fetchone()
    return {
        "templates": expected,
        "invoices": invoices,
        "posted": posted,
        "made_in_run": count_made(env) - made_before,
        "seconds": measure.seconds,
        "queries": measure.queries,
        "runner_calls": calls,
        "rearms": rearms,
        "batch_size": batch,
        "batch_seconds": batch_summary(batch_seconds),
        "rss_before_mb": rss_before,
        "peak_before_mb": peak_before,
        "peak_mb": peak,
        "log": log,
        "profile": measure.profile_top,
    }


# --- the alternatives -----------------------------------------------------------
def floor_start(env):
    """BENCH_N, the ready draft and the due date, statistics fresh and the
    cache empty: where both floors start from."""
    n = int(os.environ["BENCH_N"])
    source = bench_data(env)["source"]
    due = due_date(env)
    analyze(env)
    env.invalidate_all()
    return n, source, due


def step_floor_one(env):
    """copy() of the ready draft, then _post(), one invoice at a time."""
    n, source, due = floor_start(env)
    made = env["account.move"]
    with Measure() as measure:
        for _ in range(n):
            invoice = source.copy({"invoice_date": due, "date": due})
            invoice._post()
            made |= invoice
        env.cr.commit()
    return alternative_result(made, measure)


def step_floor_batch(env):
    """copy_data() once, one create() of N, one _post()."""
    n, source, due = floor_start(env)
    with Measure() as measure:
        values = source.copy_data({"invoice_date": due, "date": due})[0]
        made = env["account.move"].create([copy.deepcopy(values) for _ in range(n)])
        made._post()
        env.cr.commit()
    return alternative_result(made, measure)


def step_native(env):
    """Odoo's recurring entries: N drafts with auto_post 'monthly' dated today,
    posted by _autopost_draft_entries() (which also makes next month's drafts)
    until none is left, committing after each call as its cron would."""
    n = int(os.environ["BENCH_N"])
    data = bench_data(env)
    Move = env["account.move"]
    today = fields.Date.context_today(Move)
    partners = data["partners"]
    drafts = create_in_chunks(
        env,
        "account.move",
        [
            invoice_values(
                data,
                partners[i % len(partners)],
                today,
                date=today,
                auto_post="monthly",
                ref="bench-native",
            )
            for i in range(n)
        ],
    )
    analyze(env)
    env.invalidate_all()
    calls = 0
    with Measure() as measure:
        while Move.search_count(
            [("id", "in", drafts.ids), ("state", "=", "draft")], limit=1
        ):
            Move._autopost_draft_entries()
            env.cr.commit()
            calls += 1
            if calls > n // 100 + 20:
                raise RuntimeError("_autopost_draft_entries makes no progress")
    env.invalidate_all()
    result = alternative_result(drafts, measure)
    result["calls"] = calls
    result["next_drafts"] = Move.search_count(
        [("auto_post_origin_id", "in", drafts.ids), ("state", "=", "draft")]
    )
    return result


def step_contract(env):
    """OCA contract: N monthly contracts due today; its cron method makes the
    draft invoices, then one _post() of those drafts."""
    n = int(os.environ["BENCH_N"])
    data = bench_data(env)
    Move = env["account.move"]
    today = fields.Date.context_today(Move)
    product = data["product"]
    partners = data["partners"]
    contracts = create_in_chunks(
        env,
        "contract.contract",
        [
            {
                "name": f"Bench contract {i}",
                "partner_id": partners[i % len(partners)].id,
                "user_id": data["user"].id,
                "line_recurrence": False,
                "recurring_rule_type": "monthly",
                "recurring_interval": 1,
                "date_start": today,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": product.name,
                            "quantity": 1,
                            "uom_id": product.uom_id.id,
                            "price_unit": 1000.0,
                        }
                    )
                ],
            }
            for i in range(n)
        ],
    )
    due = env["contract.contract"].search_count(
        [("id", "in", contracts.ids), ("recurring_next_date", "<=", today)]
    )
    analyze(env)
    env.invalidate_all()
    Contract = env["contract.contract"]
    with Measure() as make:
        Contract.cron_recurring_create_invoice()
        env.cr.commit()
    drafts = Move.search(
        [
            ("invoice_line_ids.contract_line_id.contract_id", "in", contracts.ids),
            ("state", "=", "draft"),
        ]
    )
    env.invalidate_all()
    with Measure() as post:
        drafts._post()
        env.cr.commit()
    measure = Measure()
    measure.seconds = make.seconds + post.seconds
    measure.queries = make.queries + post.queries
    result = alternative_result(drafts, measure)
    result.update(
        contracts=len(contracts),
        due=due,
        make_seconds=make.seconds,
        post_seconds=post.seconds,
        make_queries=make.queries,
        post_queries=post.queries,
    )
    return result


def alternative_result(made, measure):
    made.invalidate_recordset()
    posted = made.filtered(lambda m: m.state == "posted")
    totals = sorted(set(posted.mapped("amount_total")))
    return {
        "invoices": len(made),
        "posted": len(posted),
        "totals": totals,
        "seconds": measure.seconds,
        "queries": measure.queries,
        "peak_mb": peak_mb(),
        "profile": measure.profile_top,
    }


# --- sending --------------------------------------------------------------------
def step_send_prepare(env):
    """BENCH_N templates made and posted with sending off (their invoices wait
    'to send'); invoices of earlier steps no longer wait; one warm-up PDF so
    that the report's assets exist, as on any server that printed before."""
    block_outgoing(env)
    env.cr.execute(
        "UPDATE account_move SET recurring_send_state = NULL"
        " WHERE recurring_send_state = 'to_send'"
    )
    set_param(env, "report.url", os.environ["BENCH_REPORT_URL"])
    result = step_templates(env)
    set_param(env, "recurring_invoice.hold_sending", "1")
    run_scheduler(env, lambda: count_due(env.registry), limit_calls=100)
    source = bench_data(env)["source"]
    warm = source.copy({"invoice_date": due_date(env)})
    warm._post()
    start = time.perf_counter()
    pdf, _kind = env["ir.actions.report"]._render_qweb_pdf(
        "account.account_invoices", warm.ids
    )
    result["warmup_pdf_seconds"] = time.perf_counter() - start
    result["warmup_pdf_bytes"] = len(pdf)
    env.cr.commit()
    result["to_send"] = count_to_send(env.registry)
    return result


def step_send(env):
    """Send the waiting invoices through the scheduled action, with the
    default send batch size and ``recurring_invoice.print_delay`` =
    BENCH_PRINT_DELAY (empty: as the add-on ships, unset, 0 ms; 1000 is
    Odoo's own ``report.print_delay``)."""
    block_outgoing(env)
    log = watch_addon_log()
    delay = os.environ.get("BENCH_PRINT_DELAY") or None
    set_param(env, "recurring_invoice.print_delay", delay)
    set_param(env, "recurring_invoice.hold_sending", None)
    set_param(env, "report.url", os.environ["BENCH_REPORT_URL"])
    env.cr.execute(
        "SELECT id FROM account_move WHERE recurring_send_state = 'to_send' ORDER BY id"
    )
    ids = [row[0] for row in env.cr.fetchall()]
    mails_before = env["mail.mail"].search_count([])
    analyze(env)
    with Measure() as measure:
        calls, rearms = run_scheduler(
            env, lambda: count_to_send(env.registry), limit_calls=len(ids) + 10
        )
    env.invalidate_all()
    invoices = env["account.move"].browse(ids)
    sent = invoices.filtered(lambda m: m.recurring_send_state == "sent")
    pdfs = sent.invoice_pdf_report_id
    mails = env["mail.mail"].search([], order="id desc", limit=10000)
    new_mails = mails[: max(0, len(mails) - mails_before)]
    states = {}
    for mail in new_mails:
        states[mail.state] = states.get(mail.state, 0) + 1
    errors = invoices.filtered("recurring_send_error").mapped("recurring_send_error")
    set_param(env, "recurring_invoice.hold_sending", "1")
    env.cr.commit()
    return {
        "invoices": len(ids),
        "sent": len(sent),
        "failed": len(invoices) - len(sent),
        "errors": sorted(set(errors))[:3],
        "pdfs": len(pdfs),
        "real_pdfs": sum(1 for pdf in pdfs if (pdf.raw or b"")[:5] == b"%PDF-"),
        "pdf_bytes_min": min((len(pdf.raw or b"") for pdf in pdfs), default=0),
        "new_mails": len(new_mails),
        "mail_states": states,
        "print_delay": param(env, "recurring_invoice.print_delay"),
        "seconds": measure.seconds,
        "cpus_busy": measure.cpus_busy,
        "queries": measure.queries,
        "runner_calls": calls,
        "rearms": rearms,
        "peak_mb": peak_mb(),
        "log": log,
        "profile": measure.profile_top,
    }


# --- sending on Odoo's own cron workers -------------------------------------------
SEND_CRON_XMLID = "recurring_invoice.ir_cron_recurring_invoice_send"


def step_workers_prepare(env):
    """BENCH_N templates due now (tag BENCH_TAG) for a real Odoo server with
    cron workers: nothing else waits to be sent or reported, sending at the
    add-on's defaults, the sending scheduled action on, both scheduled actions
    idle until the driver triggers the 06:15 one; PDFs are printed against
    BENCH_REPORT_URL (that server). Mails only queue: the mail queue's
    scheduled action is off, no ir.mail_server is active, and the server's
    own SMTP options point at a closed port."""
    env.cr.execute(
        "UPDATE account_move SET recurring_send_state = NULL"
        " WHERE recurring_send_state = 'to_send'"
    )
    env.cr.execute(
        "UPDATE account_move SET recurring_send_to_report = FALSE,"
        "       recurring_make_to_report = FALSE"
        " WHERE recurring_send_to_report OR recurring_make_to_report"
    )
    env.cr.execute("UPDATE recurring_price_adjustment SET to_report = FALSE")
    for key in (
        "recurring_invoice.hold_sending",
        "recurring_invoice.send_batch_size",
        "recurring_invoice.batch_size",
        "recurring_invoice.print_delay",
    ):
        set_param(env, key, None)
    set_param(env, "mail.mail.force.send.limit", "0")
    set_param(env, "report.url", os.environ["BENCH_REPORT_URL"])
    # Where the queue_job bridge is installed: its queue, or the cron workers.
    set_param(
        env, "recurring_invoice.queue_job", os.environ.get("BENCH_QUEUE_JOB", "0")
    )
    result = step_templates(env)
    maker, sender = env.ref(CRON_XMLID), env.ref(SEND_CRON_XMLID)
    later = fields.Datetime.now() + timedelta(days=1)
    (maker | sender).write({"active": True, "nextcall": later})
    env["ir.cron.trigger"].search(
        [("cron_id", "in", (maker | sender).ids), ("call_at", "<=", later)]
    ).unlink()
    mail_cron = env.ref("mail.ir_cron_mail_scheduler_action")
    active_crons = env["ir.cron"].search([]).mapped("name")
    env.cr.commit()
    result.update(
        maker_cron_id=maker.id,
        sender_cron_id=sender.id,
        active_crons=active_crons,
        mail_cron_active=mail_cron.active,
        mail_servers=env["ir.mail_server"].search_count([]),
        mails_before=env["mail.mail"].search_count([]),
    )
    return result


def step_workers_check(env):
    """What the server's run left for BENCH_TAG: invoices made, posted, sent,
    real PDFs (their first bytes read from the filestore), the invoice e-mails
    and the summaries queued, none delivered."""
    tag = os.environ["BENCH_TAG"]
    since = os.environ["BENCH_SINCE"]
    invoices = env["account.move"].search(
        [
            ("recurring_template_id.ref", "=", tag),
            ("recurring_template_id", "!=", False),
        ]
    )
    sent = invoices.filtered(lambda m: m.recurring_send_state == "sent")
    real = 0
    for attachment in sent.invoice_pdf_report_id:
        if attachment.store_fname:
            with open(attachment._full_path(attachment.store_fname), "rb") as pdf:
                real += pdf.read(5) == b"%PDF-"
        else:
            real += (attachment.db_datas or b"")[:5] == b"%PDF-"
    env.cr.execute(
        """
        SELECT msg.model, mail.state, COUNT(*)
          FROM mail_mail mail JOIN mail_message msg ON msg.id = mail.mail_message_id
         WHERE mail.create_date >= %s
         GROUP BY 1, 2
        """,
        [since],
    )
    mails = {f"{model}/{state}": count for model, state, count in env.cr.fetchall()}
    errors = invoices.filtered("recurring_send_error").mapped("recurring_send_error")
    return {
        "invoices": len(invoices),
        "posted": len(invoices.filtered(lambda m: m.state == "posted")),
        "sent": len(sent),
        "real_pdfs": real,
        "mails": mails,
        "errors": sorted(set(errors))[:3],
    }


# --- the side panel ------------------------------------------------------------
def step_panel(env):
    """Queries of ``_recurring_panel_html()`` for a template with 5 made
    invoices and for one with 500. Their next invoice is next month's, so the
    scheduler's runs that follow leave them alone."""
    data = bench_data(env)
    due = due_date(env)
    counts = {}
    templates = {}
    for made in (0, 5, 500):
        values = invoice_values(
            data,
            data["partners"][made % 50],
            ref=f"bench-panel-{made}",
            recurring_state="active",
            recurring_period="month",
            recurring_start_date=due,
            recurring_next_date=due,
            recurring_user_id=data["user"].id,
        )
        Job = env["account.move"].sudo()._recurring_as_job()
        template = Job.create(values)
        if made:
            invoices = Job.create(
                [
                    template._recurring_invoice_values(due - timedelta(days=day))
                    for day in range(1, made + 1)
                ]
            )
            invoices._post()
        template._recurring_write(
            {"recurring_next_date": template._recurring_recurrence().successor(due)}
        )
        templates[made] = template
    env.cr.commit()
    templates[0]._recurring_panel_html()  # compiles the QWeb template once
    for made in (5, 500):
        env.invalidate_all()
        template = env["account.move"].browse(templates[made].id)
        before = queries()
        html = template._recurring_panel_html()
        counts[made] = {"queries": queries() - before, "html_chars": len(str(html))}
    return counts


# --- the forecast -----------------------------------------------------------------
FORECAST_TAG = "bench-forecast"
#: The seeds' schedules, round robin: (period, interval, days ahead).
FORECAST_SCHEDULES = [
    ("month", 1, 0),
    ("month", 1, 7),
    ("quarter", 1, 0),
    ("year", 1, 0),
    ("week", 1, 0),
    ("month", 2, 0),
    ("week", 2, 3),
    ("quarter", 1, 14),
]


def forecast_seed_values(data, n, today):
    """A template of the forecast's mix: every period and option, a third
    with a yearly adjustment, some with an end date or a number of invoices;
    its first invoice is sent in the coming weeks (none is due now)."""
    period, interval, days_ahead = FORECAST_SCHEDULES[n % len(FORECAST_SCHEDULES)]
    start = today + timedelta(days=2 + days_ahead + n % 28)
    values = {
        "recurring_state": "active",
        "recurring_period": period,
        "recurring_interval": interval,
        "recurring_days_ahead": days_ahead,
        "recurring_start_date": start,
        "recurring_anchor_date": start,
        "recurring_next_date": start,
        "recurring_user_id": data["user"].id,
    }
    if n % 3 == 0:
        values.update(
            recurring_index_percent=3.1,
            recurring_index_date=date(today.year + 1, 1, 1),
        )
    if n % 10 == 1:
        values["recurring_end_date"] = start + timedelta(days=200)
    elif n % 10 == 2:
        values["recurring_max_invoices"] = 4
    return values


def clone_adjustments(env):
    """The seeds' scheduled adjustments for their copies of ``clone_moves``
    (in the same transaction: its map of moves)."""
    env.flush_all()
    env.cr.execute(
        """
        CREATE TEMP TABLE bench_adjustment_map ON COMMIT DROP AS
        SELECT adjustment.id AS seed_id, map.new_id AS template_id,
               nextval('recurring_price_adjustment_id_seq') AS new_id
          FROM bench_move_map map
          JOIN recurring_price_adjustment adjustment
            ON adjustment.template_id = map.seed_id
        """
    )
    copy_rows(
        env.cr,
        "recurring_price_adjustment",
        "bench_adjustment_map",
        "seed_id",
        "new_id",
        table_columns(env.cr, "recurring_price_adjustment", "id", "template_id"),
        "template_id",
    )


def step_forecast(env):
    """BENCH_N active templates of every kind (more are added to those of a
    previous call), a third with a yearly adjustment and a third with a
    scheduled one, then the report "Upcoming recurring invoices" filled for
    the administrator (record rules applied), 12 months ahead, its caches
    cold: seconds and queries."""
    n = int(os.environ["BENCH_N"])
    data = bench_data(env)
    partners = data["partners"]
    today = fields.Date.context_today(env["account.move"])
    Move = env["account.move"]
    existing = Move.search_count([("ref", "=", FORECAST_TAG)])
    start = time.perf_counter()
    if existing < n:
        count = min(n - existing, len(partners))
        seeds = create_seeds(
            env,
            data,
            count,
            FORECAST_TAG,
            lambda i: forecast_seed_values(data, i, today),
        )
        env["recurring.price.adjustment"].create(
            [
                {
                    "template_id": seed.id,
                    "effective_date": seed.recurring_next_date + timedelta(days=90),
                    "percent": 3.0,
                }
                for seed in seeds[1::3]
            ]
        )
        clone_moves(env, seeds, n - existing - count)
        clone_adjustments(env)
        env.cr.commit()
    setup_seconds = time.perf_counter() - start
    env.company.recurring_forecast_months = 12
    analyze(env)
    admin = env.ref("base.user_admin")
    Forecast = env(user=admin.id, su=False)["recurring.invoice.forecast"]
    Forecast._recurring_refresh()  # the registry's caches, as on a running server
    env.cr.commit()
    env.invalidate_all()
    with Measure() as measure:
        rows = Forecast._recurring_refresh()
        env.cr.commit()
    env.cr.execute(
        "SELECT count(*), count(DISTINCT template_id), sum(amount_untaxed),"
        "       count(*) FILTER (WHERE price_adjusted)"
        "  FROM recurring_invoice_forecast"
        " WHERE user_id = %s AND state = 'forecast'",
        [admin.id],
    )
    forecast, templates, untaxed, adjusted = env.cr.fetchone()
    return {
        "templates": Move.search_count(
            [("ref", "=", FORECAST_TAG), ("recurring_state", "=", "active")]
        ),
        "months": env.company.recurring_forecast_months,
        "rows": rows,
        "forecast_rows": forecast,
        "forecast_templates": templates,
        "adjusted_rows": adjusted,
        "untaxed": float(untaxed or 0),
        "seconds": measure.seconds,
        "queries": measure.queries,
        "setup_seconds": setup_seconds,
        "profile": measure.profile_top,
    }


def step_forecast_done(env):
    """End the forecast's templates: the scheduler's measurements that follow
    see only their own."""
    env.cr.execute(
        "UPDATE account_move SET recurring_state = 'ended', recurring_next_date = NULL,"
        "       recurring_next_send_date = NULL, recurring_mrr = 0"
        " WHERE ref = %s",
        [FORECAST_TAG],
    )
    ended = env.cr.rowcount
    env.cr.execute("DELETE FROM recurring_invoice_forecast")
    env.cr.commit()
    return {"ended": ended}


def main(env):
    step = os.environ["BENCH_STEP"]
    result = globals()[f"step_{step}"](env)
    print("RESULT " + json.dumps(result, default=str), flush=True)


main(globals()["env"])
