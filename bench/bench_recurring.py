"""Benchmark the 06:15 job against Odoo's own recurring entries and OCA contract.

Plain Python: it drives ``odoo`` subprocesses and feeds bench/bench_shell.py
to ``odoo shell``, one step per process (bench/shell/). Everything happens in
ONE throw-away database of the real Odoo 18, found and driven as ``make
test`` does (harness/driver.py, bench/database.py), dropped at the end, also
on failure.

Run from the repository's root: ``python3 -m bench.bench_recurring`` (the full
run, about 50 minutes on 2 idle cores) or ``--quick`` (N = 100 and 1,000,
alternatives at 100, 20 invoices sent, 100 by the cron workers, no 10,000).
``--profile`` adds cProfile runs after the measurements (never inside them).

The run, in steps (bench/steps/, one module each): the set-up; the report
"Upcoming recurring invoices" (1,000 then 2,000 templates) and the side
panel; ours at each N and the alternatives, in ``--repeat`` interleaved
rounds (the best kept); N=10,000; sending in one process; the morning on a
real server's cron workers and through queue_job. The thresholds are in
bench/targets.py, each beside its words.

The output ends with the verdicts (``PASS  ours/native >= 3x: 3.42x at
N=100``), one line per comparison (``ours/native: 3.42x``), one line
``forecast: N templates x 12 months in S s, Q queries`` per size,
``10000 templates: made+posted in S s, Q queries/invoice, peak R MB``, then
``send workers 1: S1 s, 2: S2 s (x.xx)``, ``queue_job capacity 2: S3 s (x.xx)``,
``one invoice alone: P s PDF+mail on B CPUs = K CPU-s → ceiling C/s on 2
cores; measured M/s (xx %)``, ``10000 templates: made+posted+sent by 06:MM``
and ``results: <file>.json``: every line printed, every figure and every
verdict, for ``python -m bench.compare a.json b.json``. A missed target
prints FAIL (and is counted on the line ``targets: N PASS, N FAIL, N n/a``);
the exit status is 1 only when a step failed (a benchmark, not a test).
"""

import argparse
import datetime
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

from harness.driver import Odoo, OdooError
from harness.odoo_cache import OdooMissing
from harness.odoo_install import ROOT

from .database import BenchDatabase
from .figures import per_invoice, rate
from .results import Results, git_commit
from .steps.alternatives import Alternatives
from .steps.forecast import Forecast
from .steps.ours import Ours
from .steps.panel import Panel
from .steps.profile import profile, profile_recipients
from .steps.recipients import Recipients
from .steps.sending import Sending
from .steps.set_up import SetUp
from .steps.workers import Workers


class Clock:
    def __init__(self):
        self.start = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.start

    def stamp(self):
        elapsed = int(self.elapsed())
        return f"[{elapsed // 60:02d}:{elapsed % 60:02d}]"


class Bench:
    """One run: its arguments, its database, its clock, its results, and
    its steps, which read each other's measures through it."""

    def __init__(self, args, odoo, results, clock=None):
        self.args = args
        self.odoo = odoo
        self.results = results
        self.clock = clock or Clock()
        self.set_up = SetUp(self)
        self.forecast = Forecast(self)
        self.panel = Panel(self)
        self.ours = Ours(self)
        self.recipients = Recipients(self)
        self.alternatives = Alternatives(self)
        self.sending = Sending(self)
        self.workers = Workers(self)

    def log(self, message):
        self.results.say(f"{self.clock.stamp()} {message}")

    def start_pdf_server(self):
        url = self.odoo.start_server()
        self.log(f"Odoo HTTP server for the PDF assets on {url} (no cron thread)")
        return url


def parse_args(argv=None):
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
        "--recipients-n",
        type=int,
        help="recipients of the one template compared with as many separate "
        "templates (default 1,000; --quick: 200; 0: not measured)",
    )
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
        "--recipients-only",
        action="store_true",
        help="only one template x --recipients-n recipients against as many "
        "templates (with --profile: and its cProfile), a few minutes",
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
    parser.add_argument(
        "--json",
        type=Path,
        help="write the results there (default: a new file in "
        "~/.cache/recurring-invoice/bench/, named in the last line)",
    )
    args = parser.parse_args(argv)
    args.sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    args.batched_n = args.alt_n or (100 if args.quick else 1000)
    args.slow_n = args.slow_n or args.batched_n
    args.send_n = args.send_n or (20 if args.quick else 100)
    args.repeat = max(1, args.repeat or (1 if args.quick else 2))
    args.workers_n = args.workers_n or (100 if args.quick else 1000)
    if args.recipients_n is None:
        args.recipients_n = 200 if args.quick else 1000
    if args.big_n is None:
        args.big_n = 0 if args.quick else 10000
    args.sizes = sorted({*args.sizes, args.batched_n, args.slow_n})
    return args


def run(bench, command):
    """Every step, in an order that keeps ours and the alternatives it is
    compared with close together; N=10,000, sending and the workers last."""
    args = bench.args
    if args.forecast_only:
        bench.set_up.prepare(False)
        bench.forecast.measure()
        return
    if args.recipients_only:
        bench.set_up.prepare(False)
        for round_no in range(1, args.repeat + 1):
            bench.recipients.measure(args.recipients_n, round_no)
        if args.profile:
            profile_recipients(bench)
        return
    if args.workers_only:
        bench.set_up.prepare(False)
        bench.sending.measure(args.send_n, bench.start_pdf_server(), ("shipped",))
        bench.workers.measure()
        return
    contract_wanted = False
    if args.no_contract:
        bench.set_up.contract_note = "skipped (--no-contract)"
    else:
        contract_wanted = bench.set_up.contract(command, not args.no_contract_install)
    bench.set_up.prepare(contract_wanted)
    bench.forecast.measure()
    bench.panel.measure()
    # The compared figures are the best of --repeat rounds, each round measuring
    # ours and every alternative in turn: one sample of a minute is at the
    # mercy of whatever else the machine does (up to 20 % seen here).
    for round_no in range(1, args.repeat + 1):
        for n in args.sizes:
            if n < 10000:
                bench.ours.measure(n, round_no)
        # the run record's cost: the same morning without it
        bench.ours.measure_without_run_record(min(args.sizes[-1], 1000), round_no)
        if args.recipients_n:
            bench.recipients.measure(args.recipients_n, round_no)
        for key, n in (
            ("floor_batch", args.batched_n),
            ("floor_one", args.slow_n),
            ("native", args.slow_n),
            ("contract", args.slow_n),
        ):
            if key != "contract" or bench.set_up.contract_installed:
                bench.alternatives.measure(key, n, round_no)
    for n in args.sizes:
        if n >= 10000:
            bench.ours.measure(n)
    url = bench.start_pdf_server()
    bench.sending.measure(args.send_n, url)
    if args.profile:
        profile(bench, args.batched_n, url)
    bench.workers.measure()


def report(bench):
    """The side-by-side table, the verdicts, the closing lines."""
    args, say = bench.args, bench.results.say
    if args.forecast_only:
        bench.forecast.check(bench.results)
        bench.forecast.summary(bench.results)
        return
    if args.recipients_only:
        say()
        bench.recipients.check(bench.results)
        bench.recipients.summary(bench.results)
        return
    if args.workers_only:
        say()
        bench.workers.check(bench.results)
        bench.workers.summary(bench.results)
        return
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
    for title, n, result in bench.ours.rows():
        say(
            f"{title:<44}{n:>6}{rate(result):>8.1f}{per_invoice(result):>7.1f}"
            f"{result['seconds']:>9.1f}{result['peak_mb']:>9.0f}"
        )
    for title, n, result in bench.alternatives.rows():
        say(
            f"{title:<44}{n:>6}{rate(result):>8.1f}{per_invoice(result):>7.1f}"
            f"{result['seconds']:>9.1f}{'':>9}"
        )
    for line in filter(None, [bench.alternatives.missing()]):
        say(line)
    say("(peak MB: ru_maxrss of a fresh odoo shell that only ran the scheduler;")
    say(" the alternatives ran in their own shells, their memory is not compared)")
    for line in [*bench.sending.lines(), bench.panel.line()]:
        if line:
            say(line)
    for line in filter(None, [bench.alternatives.reference()]):
        say(line)
    say()
    say("Targets (all measured in this run; thresholds in bench/targets.py)")
    if args.quick:
        say("(quick run: N=10,000 is replaced by the largest N measured)")
    say("-" * 78)
    results = bench.results
    bench.alternatives.check(results)
    bench.ours.check(results)
    bench.recipients.check(results)
    bench.sending.check(results)
    bench.forecast.check(results)
    bench.workers.check(results)
    bench.panel.check(results)
    say()
    for line in bench.alternatives.comparisons():
        say(line)
    bench.forecast.summary(results)
    bench.ours.summary(results)
    bench.recipients.summary(results)
    bench.workers.summary(results)


def figures(bench):
    for step in (
        bench.ours,
        bench.recipients,
        bench.alternatives,
        bench.sending,
        bench.forecast,
        bench.panel,
        bench.workers,
    ):
        step.figures(bench.results)


def main(argv=None):
    args = parse_args(argv)
    clock = Clock()
    kind = (
        "quick"
        if args.quick
        else "forecast-only"
        if args.forecast_only
        else "workers-only"
        if args.workers_only
        else "recipients-only"
        if args.recipients_only
        else "full"
    )
    results = Results(
        {
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
            "kind": kind,
            "commit": git_commit(ROOT),
            "argv": sys.argv[1:] if argv is None else list(argv),
            "args": {k: v for k, v in vars(args).items() if k != "json"},
            "cpus": os.cpu_count(),
            "load_start": os.getloadavg()[0],
            "python": sys.version.split()[0],
        }
    )
    say = results.say
    try:
        driver = Odoo()
    except OdooMissing as error:
        say(f"bench: missing {error}")
        return 2
    database = f"ri_bench_{uuid.uuid4().hex[:10]}"
    log_dir = Path(tempfile.mkdtemp(prefix=f"{database}_logs_"))
    odoo = BenchDatabase(driver, database, log_dir)
    bench = Bench(args, odoo, results, clock)

    def on_signal(signum, _frame):
        raise SystemExit(f"bench: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    say(
        f"recurring_invoice benchmark ({kind} run): "
        f"ours at N = {', '.join(map(str, args.sizes))}; batched floor at "
        f"{args.batched_n}; ORM floor, native and contract at {args.slow_n}; "
        f"{args.send_n} invoices sent; cron workers on {args.workers_n}"
        + (f" and {args.big_n}" if args.big_n else "")
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
        report(bench)
        figures(bench)
        verdicts = [entry["verdict"] for entry in results.targets]
        missed = [entry["key"] for entry in results.failed()]
        say(
            f"targets: {verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL"
            f", {verdicts.count('n/a')} n/a"
            + (f" ({', '.join(missed)})" if missed else "")
        )
    results.meta.update(
        status=status,
        seconds=round(clock.elapsed()),
        load_end=os.getloadavg()[0],
        odoo_errors=len(odoo.error_lines),
    )
    path = args.json or results.default_path()
    say(f"results: {path}")
    results.write(path)
    return status


if __name__ == "__main__":
    sys.exit(main())
