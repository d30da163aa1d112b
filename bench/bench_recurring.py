"""Benchmark the 06:15 job against Odoo's own recurring entries and OCA contract.

Plain Python: it drives ``odoo`` subprocesses and feeds ``bench_shell.py`` to
``odoo shell``, one step per process. Everything happens in ONE throw-away
database of the real Odoo 18, found and driven as ``make test`` does
(harness/driver.py), dropped at the end, also on failure.

Run from the repository's root: ``python3 -m bench.bench_recurring`` (the full
run, about 50 minutes on 2 idle cores) or ``--quick`` (N = 100 and 1,000,
alternatives at 100, 20 invoices sent). ``--profile`` adds cProfile runs of our
scheduler, the batched floor and sending after the measurements (never inside
them).

The report "Upcoming recurring invoices" is measured first, for 1,000 then
2,000 templates of every kind, 12 months ahead (quick runs too).

Last, the morning as production runs it: a real Odoo server (its HTTP server
serving the PDFs' assets, the real scheduler, outgoing SMTP pointed at a
closed port, the mail queue's scheduled action off) makes, posts and sends
1,000 templates due now with 1 and then 2 cron workers (``--workers-n``;
--quick: 100), 10,000 once with 2 (``--big-n``; --quick: none), then, where
the bridge recurring_invoice_queue_job is in the repository, 1,000 through
queue_job's job runner, channel capacity 2 (OCA's queue_job pip-installed by
harness/oca_addons.py). Each is timed from the trigger of the 06:15 scheduled
action to the last invoice sent; ``--workers-only`` runs only these (after
the one-worker sending measure that gives the per-invoice cost).

The output ends with one line per comparison (``ours/native: 3.4x``), one line
``forecast: N templates x 12 months in S s, Q queries`` per size,
``10000 templates: made+posted in S s, Q queries/invoice, peak R MB``, then
``send workers 1: S1 s, 2: S2 s (x.xx)``, ``queue_job capacity 2: S3 s (x.xx)``,
``one invoice alone: P s PDF+mail on B CPUs = K CPU-s → ceiling C/s on 2
cores; measured M/s (xx %)``
and ``10000 templates: made+posted+sent by 06:MM``.
"""

import argparse
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from harness.cpu import cpu_ticks, cpus_busy
from harness.driver import ADDON, Odoo, OdooError, error_lines
from harness.oca_addons import ensure_oca_addon
from harness.odoo_cache import OdooMissing
from harness.odoo_install import ROOT

SHELL_SCRIPT = Path(__file__).resolve().with_name("bench_shell.py")
CONTRACT_PACKAGE = "odoo-addon-contract"
STEP_TIMEOUT = 45 * 60

#: The add-on that puts the 06:15 job on queue_job's channel.
BRIDGE = "recurring_invoice_queue_job"
#: queue_job's job runner: its channels and their capacity (what odoo.conf's
#: [queue_job] channels would say).
QUEUE_JOB_CHANNELS = "root:2,root.recurring_invoice:2"

#: Templates of the forecast's measurements (each adds to the one before).
FORECAST_SIZES = (1000, 2000)

TARGETS = {
    "batched": 0.85,
    "native": 3.0,
    "contract": 2.0,
    "queries_spread": 0.10,
    "rss_growth": 1.3,
    "big_run_seconds": 15 * 60,
    "send_rate": 2.0,
    "forecast_seconds": 2.0,
    "workers_speedup": 1.7,
    "send_ceiling_share": 0.8,
}


class BenchError(OdooError):
    pass


def say(message=""):
    print(message, flush=True)


class Clock:
    def __init__(self):
        self.start = time.monotonic()

    def stamp(self):
        elapsed = int(time.monotonic() - self.start)
        return f"[{elapsed // 60:02d}:{elapsed % 60:02d}]"


# --- Odoo -----------------------------------------------------------------------------
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keep_best(results, key, result):
    """Keep in ``results[key]`` the faster of ``result`` and the round before."""
    if key not in results or rate(result) > rate(results[key]):
        results[key] = result


@dataclasses.dataclass
class BenchDatabase:
    """The bench's one throw-away database, driven through harness/driver.py:
    installs, the steps of bench_shell.py, the HTTP server for the PDFs; the
    ERROR lines of every log are kept for the end."""

    driver: Odoo
    database: str
    log_dir: Path
    error_lines: list = dataclasses.field(default_factory=list)
    server: subprocess.Popen | None = None
    server_label: str = "http-server"

    def _log(self, label):
        return self.log_dir / f"{label}.log"

    def _check_log(self, path):
        text = path.read_text(errors="replace")
        self.error_lines += [f"{path.name}: {line}" for line in error_lines(text)]
        return text

    def install(self, modules):
        """Install ``modules`` without demo data; True when Odoo exited 0."""
        log = self._log("install-" + "-".join(modules))
        returncode = self.driver.install(
            self.database,
            modules,
            "--log-level",
            "warn",
            log=log,
            timeout=STEP_TIMEOUT,
        )
        self._check_log(log)
        return returncode == 0

    def shell(self, step, label=None, **variables):
        """Run one step of bench_shell.py in a fresh ``odoo shell``; returns
        its RESULT."""
        label = label or step
        env = {key: str(value) for key, value in variables.items()}
        shell = self.driver.start_shell(
            self.database,
            SHELL_SCRIPT,
            {"BENCH_STEP": step, **env},
            self._log(label),
            log_level="warn",
        )
        shell.wait(STEP_TIMEOUT)
        text = self._check_log(shell.log)
        if shell.result is None:
            tail = "\n".join(text.strip().splitlines()[-25:])
            raise BenchError(
                f"step {label} gave no result (exit {shell.returncode}):\n{tail}"
            )
        return shell.result

    def start_server(self):
        """An Odoo HTTP server on this database only, no cron thread: it serves
        the report's CSS to wkhtmltopdf, as the production server does."""
        port = free_port()
        self.server = self.driver.start(
            self.database,
            "--http-port",
            str(port),
            "--http-interface",
            "127.0.0.1",
            "--max-cron-threads",
            "0",
            "--workers",
            "0",
            "--db-filter",
            f"^{re.escape(self.database)}$",
            "--log-level",
            "warn",
            log=self._log("http-server"),
        )
        self.server_label = "http-server"
        return self._wait_for_server(
            port, "the Odoo HTTP server for the PDFs", timeout=90, pause=1
        )

    def start_cron_server(self, port, label, *options, env=None):
        """The production-like server: Odoo's HTTP server (it serves the
        report's CSS to wkhtmltopdf) with the real scheduler, its cron workers
        as ``options`` say; outgoing SMTP points at a closed local port.
        Returns once it answers (its registry is loaded)."""
        self.stop_server()
        smtp_port = free_port()  # nothing listens there: a mail could not leave
        args = [
            "--http-port",
            str(port),
            "--http-interface",
            "127.0.0.1",
            "--db-filter",
            f"^{re.escape(self.database)}$",
            "--smtp",
            "127.0.0.1",
            "--smtp-port",
            str(smtp_port),
            "--log-level",
            "info",
            *options,
        ]
        with open(self._log(label), "w") as out:
            self.server = subprocess.Popen(
                [self.driver.command, *self.driver.options(self.database, *args)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.driver.env(env),
                start_new_session=True,
            )
        self.server_label = label
        return self._wait_for_server(
            port, f"the Odoo server {label}", timeout=120, pause=0.5
        )

    def _wait_for_server(self, port, name, timeout, pause):
        """Wait until the server just started (``name`` in the errors)
        answers on ``port``, looking every ``pause`` seconds, ``timeout``
        seconds at most. Returns its URL."""
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"{name} did not start")
            try:
                with urllib.request.urlopen(f"{url}/web/login", timeout=5) as answer:
                    if answer.status == 200:
                        return url
            except (urllib.error.URLError, OSError):
                time.sleep(pause)
        raise BenchError(f"{name} did not answer")

    def stop_server(self):
        if not self.server:
            return
        if self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self._check_log(self._log(self.server_label))
        self.server = None

    def drop(self):
        """Drop the database and its filestore; False (said why) when it could
        not be dropped."""
        try:
            self.driver.drop(self.database, check=True)
        except OdooError as error:
            say(f"could not drop {self.database}: {error}")
            return False
        return True


def ensure_contract(odoo_command, allow_install):
    """(available, note): OCA contract 18.0 in Odoo's Python, pip-installed
    with --no-deps when missing and allowed (harness/oca_addons.py)."""
    notes = []
    available = ensure_oca_addon(
        odoo_command, "contract", say=notes.append, install=allow_install
    )
    if available:
        return True, f"{CONTRACT_PACKAGE} 18.0 importable"
    if not allow_install:
        return (
            False,
            f"{CONTRACT_PACKAGE} 18.0 is not installed (--no-contract-install)",
        )
    return False, "; ".join(notes) or f"{CONTRACT_PACKAGE} 18.0 could not be installed"


def cron_options(threads):
    """A production server's options: worker processes (prefork), two of
    them serving HTTP (the PDFs' assets) and ``threads`` cron workers, each a
    process of its own (threads of one process would share its GIL), no time
    limit on a scheduled action's calls (ten batches of sending may take
    minutes)."""
    return (
        "--workers",
        "2",
        "--max-cron-threads",
        str(threads),
        "--limit-time-real-cron",
        "0",
        "--limit-time-real",
        "1800",
        "--limit-time-cpu",
        "1800",
    )


#: A CPU-bound Python loop, for the machine's own scaling (machine_scaling).
SPIN = "import sys\ntotal = 0\nfor i in range(int(sys.argv[1])):\n    total += i * i\n"


def machine_scaling(loops=30_000_000):
    """How much faster two CPU-bound processes finish than one after the
    other on this machine: 2 x (one alone) / (two at once), 2.0 on two real
    idle cores, less where the cores are hyperthreads of one or the host is
    busy. Returns (factor, seconds of one alone)."""

    def spin():
        return subprocess.Popen([sys.executable, "-c", SPIN, str(loops)])

    start = time.monotonic()
    spin().wait()
    alone = time.monotonic() - start
    start = time.monotonic()
    for process in [spin(), spin()]:
        process.wait()
    both = time.monotonic() - start
    return 2 * alone / both, alone


JOB_DONE = re.compile(r"Job '([^']+)' \((\d+)\) done in ([\d.]+)s")


def cron_busy(log_text):
    """{scheduled action: (seconds, calls)} of its calls in a server's log
    (ir.cron logs "Job 'name' (id) done in 1.234s" after each call)."""
    busy = {}
    for name, _id, seconds in JOB_DONE.findall(log_text):
        total, calls = busy.get(name, (0.0, 0))
        busy[name] = (total + float(seconds), calls + 1)
    return busy


# --- figures --------------------------------------------------------------------------
def rate(result):
    return result["posted"] / result["seconds"] if result["seconds"] else 0.0


def per_invoice(result, key="queries"):
    count = result.get("posted") or result.get("sent") or result.get("invoices")
    return result[key] / count if count else 0.0


def verdict(ok):
    return "PASS" if ok else "FAIL"


def check_made(label, result, expected):
    if result["posted"] != expected:
        raise BenchError(
            f"{label}: {result['posted']} of {expected} invoices posted ({result})"
        )


def print_profile(title, result):
    if result.get("profile"):
        say(f"--- cProfile: {title} (sorted by cumulative time) ---")
        lines = result["profile"].strip().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        for line in lines[start:]:
            say("  " + line.rstrip()[:160])


class Bench:
    def __init__(self, args, odoo, clock):
        self.args = args
        self.odoo = odoo
        self.clock = clock
        self.ours = {}
        self.alternatives = {}
        self.sending = {}
        self.panel = None
        self.forecast = {}
        self.setup = None
        self.contract_note = ""
        self.workers = {}
        self.workers_big = None
        self.scaling = None
        self.queue_job = None
        self.queue_job_note = ""

    def log(self, message):
        say(f"{self.clock.stamp()} {message}")

    # -- the parts
    def prepare(self, contract_wanted):
        modules = [ADDON, "contract"] if contract_wanted else [ADDON]
        self.log(f"installing {', '.join(modules)} in {self.odoo.database} ...")
        if not self.odoo.install(modules):
            if not contract_wanted:
                raise BenchError("installing recurring_invoice failed (see the log)")
            self.contract_note = "OCA contract could not be installed in Odoo 18"
            self.log(f"{self.contract_note}; again without it")
            self.odoo.drop()
            if not self.odoo.install([ADDON]):
                raise BenchError("installing recurring_invoice failed (see the log)")
        self.setup = self.odoo.shell("setup")
        setup = self.setup
        if setup["autovacuum"] != "on":
            self.log(
                f"PostgreSQL autovacuum is {setup['autovacuum']}: each step runs "
                "ANALYZE before it measures, as autovacuum would have"
            )
        self.log(
            f"chart {setup['chart']}, tax {setup['tax']}, product {setup['product']}, "
            f"{setup['customers']} customers with e-mail; invoice total "
            f"{setup['source_total']:.2f}"
        )
        self.log(
            f"switched off {len(setup['crons_switched_off'])} other scheduled "
            "actions (mail queue included); mail.mail.force.send.limit = 0, "
            "no mail server: mails are only queued"
        )
        info = setup["contract"]
        if info:
            self.log(
                f"OCA contract {info['version']} installed from {info['path']}; "
                f"depends on {', '.join(info['depends'])} "
                f"({'all Odoo core' if info['all_core'] else 'NOT all core'})"
            )
        elif contract_wanted and not self.contract_note:
            self.contract_note = "OCA contract is not installed in the database"

    def run_ours(self, n, label=None, profile=None, batch=None):
        tag = label or f"ours-{n}"
        made = self.odoo.shell(
            "templates", f"templates-{tag}", BENCH_N=n, BENCH_TAG=tag
        )
        if made["templates"] != n:
            raise BenchError(f"{tag}: {made['templates']} templates set up, not {n}")
        extra = {"BENCH_PROFILE": profile} if profile else {}
        if batch:
            extra["BENCH_BATCH"] = str(batch)
        result = self.odoo.shell("ours", tag, BENCH_TAG=tag, **extra)
        check_made(tag, result, n)
        if result["made_in_run"] != n:
            raise BenchError(f"{tag}: the run made {result['made_in_run']}, not {n}")
        result["setup_seconds"] = made["seconds"]
        return result

    def measure_ours(self, n, round_no=1):
        result = self.run_ours(n, f"ours-{n}-r{round_no}")
        keep_best(self.ours, n, result)
        log = result["log"]
        self.log(
            f"ours N={n} (round {round_no}): {rate(result):.1f} invoices/s, "
            f"{per_invoice(result):.1f} queries/invoice, peak {result['peak_mb']:.0f} "
            f"MB (at start {result['peak_before_mb']:.0f} MB), "
            f"{result['seconds']:.1f} s in {result['runner_calls']} cron runner "
            f"call(s); batch fallbacks {log['batch_fallbacks']}, template failures "
            f"{log['template_failures']}"
        )
        batches = result["batch_seconds"]
        self.log(
            f"  {batches['batches']} calls of the scheduled action (batch size "
            f"{result['batch_size']}): first ten {batches['first10_avg']:.2f} s "
            f"each, median {batches['median']:.2f} s, last ten "
            f"{batches['last10_avg']:.2f} s"
        )

    def measure_alternative(self, key, step, n, title, round_no=1):
        result = self.odoo.shell(step, f"{key}-{n}-r{round_no}", BENCH_N=n)
        check_made(title, result, n)
        if result["totals"] != [1150.0]:
            raise BenchError(f"{title}: unexpected totals {result['totals']}")
        result["n"] = n
        result["title"] = title
        keep_best(self.alternatives, key, result)
        detail = ""
        if key == "contract":
            detail = (
                f" (cron {result['make_seconds']:.1f} s + post "
                f"{result['post_seconds']:.1f} s)"
            )
        elif key == "native":
            detail = (
                f" ({result['calls']} calls; {result['next_drafts']} next-month "
                "drafts made)"
            )
        self.log(
            f"{title} N={n} (round {round_no}): {rate(result):.1f} invoices/s, "
            f"{per_invoice(result):.1f} queries/invoice, {result['seconds']:.1f} s"
            f"{detail}"
        )

    def measure_sending(self, n, url, labels=("shipped", "odoo")):
        for label, delay in (("shipped", ""), ("odoo", "1000")):
            if label not in labels:
                continue
            prepared = self.odoo.shell(
                "send_prepare",
                f"send-prepare-{label}",
                BENCH_N=n,
                BENCH_TAG=f"send-{label}",
                BENCH_REPORT_URL=url,
            )
            if prepared["to_send"] != n:
                raise BenchError(f"sending: {prepared['to_send']} waiting, not {n}")
            result = self.odoo.shell(
                "send",
                f"send-{label}",
                BENCH_PRINT_DELAY=delay,
                BENCH_REPORT_URL=url,
            )
            result["warmup_pdf_seconds"] = prepared["warmup_pdf_seconds"]
            self.sending[label] = result
            self.log(
                f"sending N={n}, recurring_invoice.print_delay "
                f"{result['print_delay'] or 'unset (0 ms)'}: "
                f"{result['sent'] / result['seconds']:.2f} invoices/s, "
                f"{result['sent']} sent, {result['failed']} not, "
                f"{result['real_pdfs']} real PDFs (smallest {result['pdf_bytes_min']} "
                f"bytes), {result['new_mails']} mails queued {result['mail_states']}"
                + (
                    f"; {result['cpus_busy']:.2f} CPUs busy"
                    if result.get("cpus_busy") is not None
                    else ""
                )
            )
            if result["sent"] != n or result["real_pdfs"] != n:
                raise BenchError(f"sending: {result}")

    def wait_cron_listening(self, listeners, timeout=120):
        """Wait until the server's ``listeners`` cron workers LISTEN on
        cron_trigger (their connection to the database "postgres", named
        odoo-<pid>): a NOTIFY sent before would wait for their next poll, up
        to 60 s later."""
        sql = self.odoo.driver.sql
        pids = [self.odoo.server.pid]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                group_pids = subprocess.run(
                    ["pgrep", "-g", str(self.odoo.server.pid)],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout.split()
                pids = sorted({*pids, *map(int, group_pids)})
            except OSError:
                pass
            names = ", ".join(f"'odoo-{pid}'" for pid in pids)
            rows = sql(
                "postgres",
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = 'postgres'"
                f" AND application_name IN ({names})"
                " AND query IN ('LISTEN cron_trigger', 'COMMIT')",
            )
            if int(rows[0][0]) >= listeners:
                time.sleep(0.5)
                return
            time.sleep(0.3)
        raise BenchError(f"the server's {listeners} cron worker(s) never listened")

    def run_on_server(self, n, label, options, listeners=None, env=None, queue=False):
        """N templates due now, made, posted and sent by a real Odoo server
        started with ``options`` (its cron workers, or queue_job's runner):
        the driver sets the 06:15 scheduled action's nextcall to now and
        wakes the cron workers (pg_notify, as _trigger() does), then polls
        the database until every invoice is sent and the summary went out
        (no invoice left to report). Times are from that trigger, to the poll
        that first saw them committed (polls every 0.5 s; 1 s above 2,000)."""
        port = free_port()
        tag = f"server-{label}"
        prepared = self.odoo.shell(
            "workers_prepare",
            f"prepare-{label}",
            BENCH_N=n,
            BENCH_TAG=tag,
            BENCH_REPORT_URL=f"http://127.0.0.1:{port}",
            BENCH_QUEUE_JOB="1" if queue else "0",
        )
        if prepared["templates"] != n:
            raise BenchError(f"{label}: {prepared['templates']} templates, not {n}")
        if listeners is None:
            listeners = int(options[options.index("--max-cron-threads") + 1])
        if prepared["mail_cron_active"] or prepared["mail_servers"]:
            raise BenchError(f"{label}: the mail queue could deliver ({prepared})")
        self.odoo.start_cron_server(port, f"server-{label}", *options, env=env)
        db, sql = self.odoo.database, self.odoo.driver.sql
        self.wait_cron_listening(listeners)
        if self.args.cron_nice is not None:
            # Odoo's cron worker processes lower their priority (nice 10): on
            # a machine busy with other work they get little of the CPU.
            subprocess.run(
                [
                    "renice",
                    "-n",
                    str(self.args.cron_nice),
                    "-g",
                    str(self.odoo.server.pid),
                ],
                capture_output=True,
                check=False,
            )
        since = sql(db, "SELECT now() at time zone 'UTC'")[0][0]
        ticks_before = cpu_ticks()
        start = time.monotonic()
        # As ir.cron's _trigger() does: the job due now, committed, then a
        # NOTIFY on the database "postgres", where the cron workers LISTEN.
        sql(
            db,
            "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC')"
            f" - interval '1 second' WHERE id = {int(prepared['maker_cron_id'])}",
        )
        sql("postgres", f"SELECT pg_notify('cron_trigger', '{db}')")
        query = (
            "SELECT COUNT(*) FILTER (WHERE m.state = 'posted'),"
            " COUNT(*) FILTER (WHERE m.recurring_send_state = 'sent'),"
            " COUNT(*) FILTER (WHERE m.recurring_send_state = 'failed'),"
            " COUNT(*) FILTER (WHERE m.recurring_send_to_report),"
            " COUNT(*) FILTER (WHERE m.recurring_send_state = 'to_send'"
            " AND m.recurring_send_retry_after > now() at time zone 'UTC')"
            " FROM account_move m JOIN account_move t"
            " ON t.id = m.recurring_template_id"
            f" WHERE t.ref = '{tag}'"
        )
        interval = 0.5 if n <= 2000 else 1.0
        deadline = start + 600 + 1.5 * n
        marks = {}
        series = []
        last_said = start
        while True:
            now = time.monotonic()
            posted, sent, failed, to_report, later = map(int, sql(db, query)[0])
            elapsed = now - start
            series.append((round(elapsed, 1), posted, sent))
            if posted == n:
                marks.setdefault("posted", elapsed)
            if sent:
                marks.setdefault("first_sent", elapsed)
            if sent + failed + later == n:
                # (later: not sent, left for the next day's run)
                marks.setdefault("sent", elapsed)
                if not to_report:
                    marks["summary"] = elapsed
                    break
            if self.odoo.server.poll() is not None:
                raise BenchError(
                    f"{label}: the server stopped ({posted} posted, {sent} sent)"
                )
            if now > deadline:
                raise BenchError(
                    f"{label}: {posted} posted, {sent} sent, {failed} failed, "
                    f"{later} left for tomorrow, "
                    f"{to_report} to report after {elapsed:.0f} s"
                )
            if now - last_said > 120:
                self.log(f"  {label}: {elapsed:.0f} s, {posted} posted, {sent} sent")
                last_said = now
            time.sleep(max(0.0, interval - (time.monotonic() - now)))
        busy_cpus = cpus_busy(ticks_before, cpu_ticks())
        log = self.odoo._log(f"server-{label}")
        self.odoo.stop_server()
        check = self.odoo.shell(
            "workers_check", f"check-{label}", BENCH_TAG=tag, BENCH_SINCE=since
        )
        if check["sent"] != n or check["real_pdfs"] != n or check["posted"] != n:
            raise BenchError(f"{label}: {check}")
        busy = cron_busy(log.read_text(errors="replace"))
        result = {
            "n": n,
            "seconds": marks["sent"],
            "posted_seconds": marks["posted"],
            "first_sent_seconds": marks["first_sent"],
            "summary_seconds": marks["summary"],
            "busy": busy,
            "cpus_busy": busy_cpus,
            "check": check,
            "series": series,
        }
        mails = ", ".join(f"{k} {v}" for k, v in sorted(check["mails"].items()))
        self.log(
            f"{label}: {n} made+posted in {marks['posted']:.1f} s, first sent at "
            f"{marks['first_sent']:.1f} s, last at {marks['sent']:.1f} s "
            f"({n / marks['sent']:.2f}/s), summary at {marks['summary']:.1f} s; "
            f"{check['real_pdfs']} real PDFs; mails queued: {mails}; "
            + (
                f"{busy_cpus:.2f} of {os.cpu_count()} CPUs busy"
                if busy_cpus is not None
                else "CPU use not read"
            )
        )
        self.log(
            "  busy in the scheduled actions: "
            + ", ".join(
                f"{name} {seconds:.1f} s in {calls} call(s)"
                for name, (seconds, calls) in sorted(busy.items())
            )
        )
        return result

    def measure_workers(self):
        """Sending on Odoo's own cron workers, and through queue_job."""
        args = self.args
        n = args.workers_n
        self.stop_server()
        self.scaling = machine_scaling()
        self.log(
            "two CPU-bound Python processes at once finish "
            f"{self.scaling[0]:.2f}x as fast as one after the other "
            f"(one alone: {self.scaling[1]:.1f} s)"
        )
        for threads in (1, 2):
            self.workers[threads] = self.run_on_server(
                n, f"workers{threads}-{n}", cron_options(threads)
            )
        big = args.big_n
        if big:
            self.workers_big = self.run_on_server(
                big, f"workers2-{big}", cron_options(2)
            )
        # Last: once the bridge is installed, the scheduled actions enqueue.
        self.measure_queue_job(n)

    def measure_queue_job(self, n):
        """N templates through queue_job's job runner, channel
        root.recurring_invoice of capacity 2: the bridge add-on and OCA's
        queue_job installed into the bench's database (last: from then on the
        scheduled actions enqueue), Odoo with workers (two run jobs, the others
        serve the PDFs' assets) and one cron worker (the 06:15 scheduled
        action enqueues the jobs)."""
        self.queue_job = None
        if not (ROOT / BRIDGE / "__manifest__.py").is_file():
            self.queue_job_note = "skipped (bridge not available)"
            self.log(f"queue_job: {self.queue_job_note}")
            return
        notes = []
        if not ensure_oca_addon(
            self.odoo.driver.command, "queue_job", say=notes.append
        ):
            self.queue_job_note = f"skipped ({'; '.join(notes) or 'queue_job missing'})"
            self.log(f"queue_job: {self.queue_job_note}")
            return
        self.log(f"installing queue_job and {BRIDGE} ...")
        if not self.odoo.install(["queue_job", BRIDGE]):
            self.queue_job_note = "skipped (installing queue_job failed, see the log)"
            self.log(f"queue_job: {self.queue_job_note}")
            return
        self.queue_job = self.run_on_server(
            n,
            f"queue_job2-{n}",
            (
                "--workers",
                "4",
                "--max-cron-threads",
                "1",
                "--load",
                "base,web,queue_job",
                "--limit-time-real",
                "1800",
                "--limit-time-cpu",
                "1800",
            ),
            env={"ODOO_QUEUE_JOB_CHANNELS": QUEUE_JOB_CHANNELS},
            queue=True,
        )

    def stop_server(self):
        self.odoo.stop_server()

    def measure_forecast(self):
        """The report Upcoming recurring invoices for each size of
        FORECAST_SIZES (templates added to the previous size's), 12 months."""
        for n in FORECAST_SIZES:
            result = self.odoo.shell("forecast", f"forecast-{n}", BENCH_N=n)
            if result["forecast_templates"] != result["templates"]:
                raise BenchError(f"forecast: {result}")
            self.forecast[n] = result
            self.log(
                f"forecast of {result['templates']} templates x {result['months']} "
                f"months: {result['forecast_rows']} upcoming invoices "
                f"({result['adjusted_rows']} at adjusted prices) in "
                f"{result['seconds']:.2f} s, {result['queries']} queries "
                f"(set up in {result['setup_seconds']:.1f} s)"
            )
        self.odoo.shell("forecast_done")

    def measure_panel(self):
        self.panel = self.odoo.shell("panel")
        self.log(
            "side panel: "
            + ", ".join(
                f"{made} invoices {values['queries']} queries"
                for made, values in self.panel.items()
            )
        )

    def profile(self, n, url):
        directory = Path(tempfile.mkdtemp(prefix="ri_bench_profile_"))
        self.log(f"profiling (cProfile files in {directory}) ...")
        ours = self.run_ours(n, f"profile-ours-{n}", str(directory / "ours.prof"))
        print_profile(f"our scheduler, N={n}, sending off", ours)
        floor = self.odoo.shell(
            "floor_batch",
            f"profile-floor-{n}",
            BENCH_N=n,
            BENCH_PROFILE=directory / "floor.prof",
        )
        print_profile(f"batched floor, N={n}", floor)
        floor_rate = rate(self.alternatives["floor_batch"])
        rates = []
        for batch in (50, 100, 200):
            result = self.run_ours(n, f"whatif-batch{batch}-{n}", batch=batch)
            rates.append(
                f"batch {batch}: {rate(result):.1f} invoices/s "
                f"({rate(result) / floor_rate:.2f}x the batched floor), peak "
                f"{result['peak_mb']:.0f} MB"
            )
        self.log(f"what-if, N={n}, batch size: " + "; ".join(rates))
        if url:
            n_send = min(20, self.args.send_n)
            self.odoo.shell(
                "send_prepare",
                "profile-send-prepare",
                BENCH_N=n_send,
                BENCH_TAG="send-profile",
                BENCH_REPORT_URL=url,
            )
            send = self.odoo.shell(
                "send",
                "profile-send",
                BENCH_PRINT_DELAY="",
                BENCH_REPORT_URL=url,
                BENCH_PROFILE=directory / "send.prof",
            )
            print_profile(f"sending {n_send} invoices, print_delay shipped", send)

    # -- the report
    def report(self):
        args = self.args
        big, small = max(self.ours), min(self.ours)
        say()
        say("=" * 78)
        say("Side by side (invoices made and posted; queries counted with")
        say("odoo.sql_db.sql_counter: every execute on every cursor of the process;")
        say(f"below N=10,000 the best of {args.repeat} round(s) of each)")
        say("=" * 78)
        header = (
            f"{'approach':<44}{'N':>6}{'inv/s':>8}{'q/inv':>7}{'seconds':>9}"
            f"{'peak MB':>9}"
        )
        say(header)
        say("-" * len(header))
        for n, result in sorted(self.ours.items()):
            say(
                f"{'ours: scheduled action via the cron runner':<44}{n:>6}"
                f"{rate(result):>8.1f}{per_invoice(result):>7.1f}"
                f"{result['seconds']:>9.1f}{result['peak_mb']:>9.0f}"
            )
        for result in self.alternatives.values():
            say(
                f"{result['title']:<44}{result['n']:>6}{rate(result):>8.1f}"
                f"{per_invoice(result):>7.1f}{result['seconds']:>9.1f}"
                f"{'':>9}"
            )
        if "contract" not in self.alternatives:
            say(f"{'OCA contract: cron + _post()':<44}  n/a: {self.contract_note}")
        say("(peak MB: ru_maxrss of a fresh odoo shell that only ran the scheduler;")
        say(" the alternatives ran in their own shells, their memory is not compared)")
        for result in self.sending.values():
            delay = result["print_delay"] or "unset = 0 ms as shipped"
            say(
                f"sending, PDF script wait {delay}: {result['sent']} invoices in "
                f"{result['seconds']:.1f} s = {result['sent'] / result['seconds']:.2f}"
                f" invoices/s ({per_invoice(result):.0f} queries/invoice, "
                f"real PDFs {result['real_pdfs']}/{result['sent']})"
            )
        if self.panel:
            say(
                "side panel _recurring_panel_html(): "
                + ", ".join(
                    f"{made} invoices made: {values['queries']} queries"
                    for made, values in self.panel.items()
                )
            )

        floor = self.alternatives.get("floor_batch")
        if floor:
            ceilings = [
                f"{rate(floor) / rate(alternative):.2f}x {key} (N={alternative['n']})"
                for key, alternative in self.alternatives.items()
                if key != "floor_batch"
            ]
            say(
                f"for reference, the batched floor (N={floor['n']}), Odoo's create()+"
                f"_post() with its per-invoice creation message and follower, "
                f"is {', '.join(ceilings)}"
            )
        comparisons = self.comparisons()
        say()
        say("Targets (all measured in this run)")
        if args.quick:
            say("(quick run: N=10,000 is replaced by the largest N measured)")
        say("-" * 78)
        for line in self.targets(big, small):
            say(line)
        say()
        for label, value in comparisons:
            say(f"{label}: {value}")
        self.report_forecast()
        result = self.ours[big]
        say(
            f"{big} templates: made+posted in {result['seconds']:.0f} s, "
            f"{per_invoice(result):.1f} queries/invoice, "
            f"peak {result['peak_mb']:.0f} MB"
        )
        self.report_workers()

    def report_workers(self):
        """The lines of the cron workers' (and queue_job's) measurements."""
        if not self.workers:
            return
        w1, w2 = self.workers[1]["seconds"], self.workers[2]["seconds"]
        n = self.workers[2]["n"]
        say(f"send workers 1: {w1:.0f} s, 2: {w2:.0f} s ({w1 / w2:.2f})")
        if self.queue_job:
            s3 = self.queue_job["seconds"]
            say(f"queue_job capacity 2: {s3:.0f} s ({w1 / s3:.2f})")
        else:
            say(f"queue_job: {self.queue_job_note}")
        ceiling = self.send_ceiling()
        if ceiling:
            measured = n / w2
            say(
                f"one invoice alone: {ceiling['alone']:.2f} s PDF+mail on "
                f"{ceiling['busy']:.2f} CPUs = {ceiling['cost']:.2f} CPU-s \u2192 "
                f"ceiling {ceiling['limit']:.2f}/s on {ceiling['cores']} cores; "
                f"measured {measured:.2f}/s ({measured / ceiling['limit'] * 100:.0f} %)"
            )
        if self.workers_big:
            big = self.workers_big
            finish = 6 * 3600 + 15 * 60 + big["seconds"]
            say(
                f"{big['n']} templates: made+posted+sent by "
                f"{int(finish // 3600):02d}:{int(finish % 3600 // 60):02d}"
            )
        else:
            big_n = self.args.big_n or 10000
            say(f"{big_n} templates: made+posted+sent n/a (not measured)")

    def workers_bound(self):
        """(CPUs busy with 1 worker, with 2, the machine's scaling, the most 2
        workers can gain over 1): one worker that keeps c1 CPUs busy (its
        process, wkhtmltopdf, PostgreSQL, the HTTP worker serving the PDFs'
        assets) leaves the second worker only what the machine's two CPUs
        give beyond c1: at most scaling / c1 (capped at 2)."""
        c1 = self.workers[1].get("cpus_busy")
        c2 = self.workers[2].get("cpus_busy")
        if not (c1 and c2 and self.scaling):
            return None
        scaling = self.scaling[0]
        return c1, c2, scaling, min(2.0, scaling / c1)

    def send_ceiling(self):
        """What the cost of one invoice's PDF and e-mail, measured alone (the
        one-worker sending measure), allows on the cores in use: its wall
        time, the CPUs the machine kept busy meanwhile (wkhtmltopdf,
        PostgreSQL and the HTTP worker serving the PDFs' assets work beside
        the sending process), their product, the invoice's cost in
        CPU-seconds, and the invoices per second the cores allow at that
        cost (``wall_limit``: as if one invoice kept one CPU busy)."""
        shipped = self.sending.get("shipped")
        if not shipped or not shipped["sent"]:
            return None
        alone = shipped["seconds"] / shipped["sent"]
        busy = shipped.get("cpus_busy") or 1.0
        cores = min(2, os.cpu_count() or 1)
        cost = alone * busy
        return {
            "alone": alone,
            "busy": busy,
            "cost": cost,
            "cores": cores,
            "limit": cores / cost,
            "wall_limit": cores / alone,
        }

    def workers_targets(self):
        if not self.workers:
            return []
        w1, w2 = self.workers[1]["seconds"], self.workers[2]["seconds"]
        n = self.workers[2]["n"]
        lines = [
            f"{verdict(w1 / w2 >= TARGETS['workers_speedup'])}  2 cron workers vs 1 "
            f">= {TARGETS['workers_speedup']}x (N={n}, made+posted+sent): "
            f"{w1 / w2:.2f}x"
        ]
        bound = self.workers_bound()
        if bound:
            c1, c2, scaling, most = bound
            lines.append(
                f"      1 worker kept {c1:.2f} CPUs busy, 2 workers {c2:.2f}; two "
                f"CPU-bound processes at once finish {scaling:.2f}x as fast as one "
                f"after the other here: 2 workers can reach about {most:.2f}x "
                f"over 1 on this machine; measured {w1 / w2 / most * 100:.0f} % of it"
            )
        ceiling = self.send_ceiling()
        if ceiling:
            share = n / w2 / ceiling["limit"]
            lines.append(
                f"{verdict(share >= TARGETS['send_ceiling_share'])}  sends/s with 2 "
                f"workers >= 80 % of what one invoice's cost alone allows on "
                f"{ceiling['cores']} cores: {share * 100:.0f} % (of "
                f"{ceiling['cores']} / {ceiling['cost']:.2f} CPU-s; of "
                f"{ceiling['cores']} / {ceiling['alone']:.2f} s, as if it kept one "
                f"CPU busy: {n / w2 / ceiling['wall_limit'] * 100:.0f} %)"
            )
        if self.workers_big:
            big = self.workers_big
            lines.append(
                f"      N={big['n']} with 2 workers: made+posted in "
                f"{big['posted_seconds'] / 60:.1f} min, last sent after "
                f"{big['seconds'] / 60:.1f} min, summary after "
                f"{big['summary_seconds'] / 60:.1f} min"
            )
        return lines

    def report_forecast(self):
        for _n, forecast in sorted(self.forecast.items()):
            say(
                f"forecast: {forecast['templates']} templates x "
                f"{forecast['months']} months in {forecast['seconds']:.2f} s, "
                f"{forecast['queries']} queries"
            )

    def comparisons(self):
        lines = []
        for key, label in (
            ("floor_one", "ours/ORM floor"),
            ("floor_batch", "ours/batched floor"),
            ("native", "ours/native"),
            ("contract", "ours/contract"),
        ):
            alternative = self.alternatives.get(key)
            if not alternative:
                lines.append((label, f"n/a ({self.contract_note})"))
                continue
            ours = self.ours[alternative["n"]]
            lines.append((label, f"{rate(ours) / rate(alternative):.2f}x"))
        return lines

    def ratio(self, key):
        alternative = self.alternatives.get(key)
        if not alternative:
            return None, None
        return rate(self.ours[alternative["n"]]) / rate(alternative), alternative["n"]

    def targets(self, big, small):
        lines = []
        for key, label in (
            ("floor_batch", "ours vs batched floor"),
            ("native", "ours/native"),
            ("contract", "ours/OCA contract+post"),
        ):
            target = TARGETS["batched" if key == "floor_batch" else key]
            value, n = self.ratio(key)
            if value is None:
                lines.append(f"n/a   {label} >= {target}: {self.contract_note}")
            else:
                lines.append(
                    f"{verdict(value >= target)}  {label} >= {target}: "
                    f"{value:.2f}x at N={n}"
                )
        q_small, q_big = per_invoice(self.ours[small]), per_invoice(self.ours[big])
        spread = (q_big - q_small) / q_small
        lines.append(
            f"{verdict(abs(spread) <= TARGETS['queries_spread'])}  queries/invoice "
            f"N={small}"
            f" vs N={big} equal +-10 %: {q_small:.2f} vs {q_big:.2f} "
            f"({spread * 100:+.1f} %)"
        )
        mid = sorted(self.ours)[-2] if len(self.ours) > 1 else small
        growth = self.ours[big]["peak_mb"] / self.ours[mid]["peak_mb"]
        lines.append(
            f"{verdict(growth <= TARGETS['rss_growth'])}  peak RSS N={big} vs N={mid}"
            f" <= 1.3x: {self.ours[big]['peak_mb']:.0f} MB vs "
            f"{self.ours[mid]['peak_mb']:.0f} MB ({growth:.2f}x)"
        )
        if 10000 in self.ours:
            seconds = self.ours[10000]["seconds"]
            lines.append(
                f"{verdict(seconds < TARGETS['big_run_seconds'])}  N=10000 made+posted"
                f" < 15 min: {seconds / 60:.1f} min"
            )
        else:
            projected = 10000 / rate(self.ours[big]) / 60
            lines.append(
                f"n/a   N=10000 < 15 min: not measured in a quick run "
                f"(projected from N={big}: {projected:.1f} min)"
            )
        for label, result in self.sending.items():
            sent_rate = result["sent"] / result["seconds"]
            if label != "shipped":
                lines.append(
                    f"      (with Odoo's 1000 ms PDF script wait: {sent_rate:.2f}/s)"
                )
                continue
            lines.append(
                f"{verdict(sent_rate >= TARGETS['send_rate'])}  sending >= 2 invoices/s"
                f" with real PDFs, as shipped (0 ms script wait): {sent_rate:.2f}/s"
            )
        lines.append(self.morning_sentence())
        if self.forecast:
            small_n, big_n = min(self.forecast), max(self.forecast)
            small_f, big_f = self.forecast[small_n], self.forecast[big_n]
            lines.append(
                f"{verdict(small_f['seconds'] < TARGETS['forecast_seconds'])}  "
                f"forecast of {small_n} templates x 12 months < 2 s: "
                f"{small_f['seconds']:.2f} s"
            )
            lines.append(
                f"{verdict(big_f['queries'] <= small_f['queries'] + 5)}  forecast "
                f"queries with {small_n} and {big_n} templates equal but for the "
                f"ORM's batches of 1,000: {small_f['queries']} and {big_f['queries']}"
            )
        lines += self.workers_targets()
        if self.panel:
            counts = [values["queries"] for values in self.panel.values()]
            lines.append(
                f"{verdict(len(set(counts)) == 1)}  side panel queries with 5 and "
                f"500 invoices equal: {' and '.join(map(str, counts))}"
            )
        return lines

    def morning_sentence(self):
        if not self.sending:
            return "      (sending not measured)"
        make = self.ours[max(self.ours)]
        make_seconds = 10000 / rate(make)
        parts = []
        for label, result in self.sending.items():
            send_seconds = 10000 / (result["sent"] / result["seconds"])
            finish = 6 * 3600 + 15 * 60 + make_seconds + send_seconds
            parts.append(
                f"{'as shipped' if label == 'shipped' else 'with a 1000 ms wait'}: "
                f"sending takes {send_seconds / 3600:.1f} h, the last is sent at "
                f"{int(finish // 3600) % 24:02d}:{int(finish % 3600 // 60):02d}"
            )
        return (
            f"      10,000 invoices on one worker, projected from these rates: "
            f"made+posted in {make_seconds / 60:.0f} min from 06:15, then sent one "
            f"by one ({'; '.join(parts)}); with 2 workers, measured: below."
        )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="N = 100 and 1,000 only, alternatives at 100, 20 invoices sent",
    )
    parser.add_argument(
        "--alt-n",
        type=int,
        help="N of every alternative (default 1,000; --quick: 100)",
    )
    parser.add_argument(
        "--slow-n",
        type=int,
        help="N of the slow alternatives only (ORM floor one by one, native, "
        "contract), e.g. 100 on a busy machine; default: --alt-n",
    )
    parser.add_argument("--send-n", type=int, help="invoices sent (default 100)")
    parser.add_argument(
        "--repeat",
        type=int,
        help="rounds of the compared measurements, the best kept (default 2; "
        "--quick: 1)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="add cProfile runs at the end"
    )
    parser.add_argument("--no-contract", action="store_true", help="skip OCA contract")
    parser.add_argument(
        "--forecast-only",
        action="store_true",
        help="only the report Upcoming recurring invoices (1,000 and 2,000 "
        "templates), a few minutes",
    )
    parser.add_argument(
        "--no-contract-install",
        action="store_true",
        help="do not pip install OCA contract when it is missing",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database (debugging)"
    )
    parser.add_argument(
        "--workers-n",
        type=int,
        help="templates made, posted and sent by a real server with 1 and 2 "
        "cron workers, and through queue_job (default 1,000; --quick: 100)",
    )
    parser.add_argument(
        "--big-n",
        type=int,
        help="templates made, posted and sent once by 2 cron workers (default "
        "10,000; --quick: 0, not measured)",
    )
    parser.add_argument(
        "--cron-nice",
        type=int,
        help="renice the server's processes (its cron workers: Odoo runs them "
        "at nice 10) to this value once they listen, e.g. 0 on a machine busy "
        "with other work",
    )
    parser.add_argument(
        "--workers-only",
        action="store_true",
        help="only sending on a real server's cron workers (and queue_job), "
        "after the one-worker sending measure that gives the ceiling",
    )
    args = parser.parse_args()
    args.sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    args.batched_n = args.alt_n or (100 if args.quick else 1000)
    args.slow_n = args.slow_n or args.batched_n
    args.send_n = args.send_n or (20 if args.quick else 100)
    args.repeat = max(1, args.repeat or (1 if args.quick else 2))
    args.workers_n = args.workers_n or (100 if args.quick else 1000)
    if args.big_n is None:
        args.big_n = 0 if args.quick else 10000
    args.sizes = sorted({*args.sizes, args.batched_n, args.slow_n})
    return args


def run(bench, command):
    """Every measurement, in an order that keeps ours and the alternatives it
    is compared with close together; N=10,000 and sending come last."""
    args = bench.args
    contract_wanted = False
    if args.forecast_only:
        bench.prepare(False)
        bench.measure_forecast()
        return
    if args.workers_only:
        bench.prepare(False)
        url = bench.odoo.start_server()
        bench.log(f"Odoo HTTP server for the PDF assets on {url} (no cron thread)")
        bench.measure_sending(args.send_n, url, labels=("shipped",))
        bench.measure_workers()
        return
    if args.no_contract:
        bench.contract_note = "skipped (--no-contract)"
    else:
        contract_wanted, note = ensure_contract(command, not args.no_contract_install)
        bench.log(f"OCA contract: {note}")
        if not contract_wanted:
            bench.contract_note = note
    bench.prepare(contract_wanted)
    bench.measure_forecast()
    bench.measure_panel()
    # The compared figures are the best of --repeat rounds, each round measuring
    # ours and every alternative in turn: one sample of a minute is at the
    # mercy of whatever else the machine does (up to 20 % seen here).
    for round_no in range(1, args.repeat + 1):
        for n in args.sizes:
            if n < 10000:
                bench.measure_ours(n, round_no)
        for key, n, title in (
            ("floor_batch", args.batched_n, "batched floor: copy_data+create+post"),
            ("floor_one", args.slow_n, "ORM floor: copy()+_post() one by one"),
            ("native", args.slow_n, "Odoo native: auto_post monthly"),
            ("contract", args.slow_n, "OCA contract: cron + _post()"),
        ):
            if key != "contract" or bench.setup["contract"]:
                bench.measure_alternative(key, key, n, title, round_no)
    for n in args.sizes:
        if n >= 10000:
            bench.measure_ours(n)
    url = bench.odoo.start_server()
    bench.log(f"Odoo HTTP server for the PDF assets on {url} (no cron thread)")
    bench.measure_sending(args.send_n, url)
    if args.profile:
        bench.profile(args.batched_n, url)
    bench.measure_workers()


def main():
    args = parse_args()
    clock = Clock()
    try:
        driver = Odoo()
    except OdooMissing as error:
        say(f"bench: missing {error}")
        return 2
    database = f"ri_bench_{uuid.uuid4().hex[:10]}"
    log_dir = Path(tempfile.mkdtemp(prefix=f"{database}_logs_"))
    odoo = BenchDatabase(driver, database, log_dir)
    bench = Bench(args, odoo, clock)

    def on_signal(signum, _frame):
        raise SystemExit(f"bench: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    say(
        f"recurring_invoice benchmark ({'quick' if args.quick else 'full'} run): "
        f"ours at N = {', '.join(map(str, args.sizes))}; batched floor at "
        f"{args.batched_n}; ORM floor, native and contract at {args.slow_n}; "
        f"{args.send_n} invoices sent"
    )
    say(
        f"database {database}, logs in {log_dir}; {os.cpu_count()} CPU(s), load "
        f"average {os.getloadavg()[0]:.2f} (other work on the machine skews timings)"
    )
    status = 1
    try:
        run(bench, driver.command)
        status = 0
    except OdooError as error:
        say(f"bench failed: {error}")
    finally:
        odoo.stop_server()
        if args.keep_db:
            say(f"database {database} kept (--keep-db)")
        else:
            dropped = odoo.drop()
            bench.log(f"database {database} {'dropped' if dropped else 'NOT dropped'}")
        driver.close()
    if odoo.error_lines:
        say(f"Odoo logged {len(odoo.error_lines)} ERROR line(s), the first:")
        for line in odoo.error_lines[:5]:
            say("  " + line[:300])
        say(f"(logs kept in {log_dir})")
    elif status == 0:
        shutil.rmtree(log_dir, ignore_errors=True)
    if status == 0:
        bench.log(f"done; load average {os.getloadavg()[0]:.2f}")
        if args.forecast_only:
            bench.report_forecast()
        elif args.workers_only:
            say()
            for line in bench.workers_targets():
                say(line)
            bench.report_workers()
        else:
            bench.report()
    return status


if __name__ == "__main__":
    sys.exit(main())
