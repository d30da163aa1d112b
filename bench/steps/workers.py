"""The morning as production runs it (bench/shell/workers.py): a real Odoo
server (its HTTP workers serving the PDFs' assets, the real scheduler,
outgoing SMTP pointed at a closed port, the mail queue's scheduled action off)
makes, posts and sends N templates due now with 1 and then 2 cron workers,
10,000 once with 2 (``--big-n``), then, where the bridge
recurring_invoice_queue_job is in the repository, N through queue_job's job
runner, channel capacity 2 (OCA's queue_job pip-installed by
harness/oca_addons.py). Each is timed from the trigger of the 06:15 scheduled
action to the last invoice sent.

Two workers are held to what the machine allows, measured in the same run:
two CPU-bound processes at once against one after the other (the machine's
own two-process speed-up, before and after the two runs), divided by the
CPUs one worker keeps busy (figures.workers_bound).
"""

import os
import subprocess
import time

from harness.cpu import cpu_ticks, cpus_busy
from harness.oca_addons import ensure_oca_addon
from harness.odoo_install import ROOT

from ..database import BenchError, free_port
from ..figures import MORNING, clock, cron_busy, machine_scaling, workers_bound
from ..results import HIGHER, LOWER

#: The add-on that puts the 06:15 job on queue_job's channel.
BRIDGE = "recurring_invoice_queue_job"
#: queue_job's job runner: its channels and their capacity (what odoo.conf's
#: [queue_job] channels would say).
QUEUE_JOB_CHANNELS = "root:2,root.recurring_invoice:2"


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


class Workers:
    def __init__(self, bench):
        self.bench = bench
        self.odoo = bench.odoo
        self.args = bench.args
        self.log = bench.log
        #: {cron workers: result} for 1 and 2
        self.results = {}
        self.big = None
        self.queue_job = None
        self.queue_job_note = ""
        #: [(two-process speed-up, seconds of one alone)], before and after
        self.scalings = []

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
            "workers.prepare",
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
            "workers.check", f"check-{label}", BENCH_TAG=tag, BENCH_SINCE=since
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

    def measure_scaling(self, when):
        scaling, alone = machine_scaling()
        self.scalings.append((scaling, alone))
        self.log(
            f"two CPU-bound Python processes at once finish {scaling:.2f}x as "
            f"fast as one after the other ({when}; one alone: {alone:.1f} s)"
        )

    def measure(self):
        """Sending on Odoo's own cron workers, and through queue_job."""
        n = self.args.workers_n
        self.odoo.stop_server()
        self.measure_scaling("before the cron workers")
        for threads in (1, 2):
            self.results[threads] = self.run_on_server(
                n, f"workers{threads}-{n}", cron_options(threads)
            )
        self.measure_scaling("after them")
        big = self.args.big_n
        if big:
            self.big = self.run_on_server(big, f"workers2-{big}", cron_options(2))
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

    # -- what the machine allows
    def scaling(self):
        """The machine's two-process speed-up: the mean of the readings
        before and after the two runs."""
        if not self.scalings:
            return None
        return sum(scaling for scaling, _alone in self.scalings) / len(self.scalings)

    def speedup(self):
        """How much faster 2 cron workers made+posted+sent N than 1."""
        if not self.results:
            return None
        return self.results[1]["seconds"] / self.results[2]["seconds"]

    def bound(self):
        """The most 2 workers can gain over 1 here (figures.workers_bound)."""
        scaling = self.scaling()
        if not self.results or scaling is None:
            return None
        return workers_bound(scaling, self.results[1].get("cpus_busy"))

    # -- the report
    def check(self, results):
        if not self.results:
            return
        w2 = self.results[2]
        n = w2["n"]
        speedup, bound, scaling = self.speedup(), self.bound(), self.scaling()
        c1, c2 = self.results[1].get("cpus_busy"), w2.get("cpus_busy")
        if c1:
            why = (
                f"two CPU-bound processes at once finish {scaling:.2f}x as fast as "
                f"one after the other here, one worker kept {c1:.2f} CPUs busy"
                + (f" (two {c2:.2f})" if c2 else "")
            )
        else:
            why = (
                "the CPUs busy were not read: the machine's two-process "
                f"speed-up {scaling:.2f}x"
            )
        results.check(
            "workers_share",
            speedup / bound,
            f" ({speedup:.2f}x of {bound:.2f}x; {why})",
            n=n,
        )
        ceiling = self.bench.sending.ceiling()
        if ceiling:
            results.check(
                "send_ceiling_share",
                n / w2["seconds"] / ceiling["limit"],
                f" (of {ceiling['cores']} / {ceiling['cost']:.2f} CPU-s; of "
                f"{ceiling['cores']} / {ceiling['alone']:.2f} s, as if it kept one "
                f"CPU busy: {n / w2['seconds'] / ceiling['wall_limit'] * 100:.0f} %)",
                cores=ceiling["cores"],
            )
        if self.big:
            big = self.big
            results.say(
                f"      N={big['n']} with 2 workers: made+posted in "
                f"{big['posted_seconds'] / 60:.1f} min, last sent after "
                f"{big['seconds'] / 60:.1f} min, summary after "
                f"{big['summary_seconds'] / 60:.1f} min"
            )

    def summary(self, results):
        """The last lines: the cron workers' (and queue_job's) measures."""
        if not self.results:
            return
        w1, w2 = self.results[1]["seconds"], self.results[2]["seconds"]
        n = self.results[2]["n"]
        results.say(f"send workers 1: {w1:.0f} s, 2: {w2:.0f} s ({w1 / w2:.2f})")
        if self.queue_job:
            s3 = self.queue_job["seconds"]
            results.say(f"queue_job capacity 2: {s3:.0f} s ({w1 / s3:.2f})")
        else:
            results.say(f"queue_job: {self.queue_job_note}")
        ceiling = self.bench.sending.ceiling()
        if ceiling:
            measured = n / w2
            results.say(
                f"one invoice alone: {ceiling['alone']:.2f} s PDF+mail on "
                f"{ceiling['busy']:.2f} CPUs = {ceiling['cost']:.2f} CPU-s \u2192 "
                f"ceiling {ceiling['limit']:.2f}/s on {ceiling['cores']} cores; "
                f"measured {measured:.2f}/s ({measured / ceiling['limit'] * 100:.0f} %)"
            )
        if self.big:
            results.say(
                f"{self.big['n']} templates: made+posted+sent by "
                f"{clock(MORNING + self.big['seconds'])}"
            )
        else:
            big_n = self.args.big_n or 10000
            results.say(f"{big_n} templates: made+posted+sent n/a (not measured)")

    def figures(self, results):
        if not self.results:
            return
        for threads, result in sorted(self.results.items()):
            n = result["n"]
            results.figure(
                f"workers.{threads}.seconds",
                result["seconds"],
                "s",
                f"N={n} made+posted+sent by {threads} cron worker(s)",
                LOWER,
            )
            results.figure(
                f"workers.{threads}.cpus_busy",
                result.get("cpus_busy"),
                "CPUs",
                f"CPUs busy with {threads} cron worker(s)",
            )
        results.figure(
            "workers.speedup", self.speedup(), "x", "2 cron workers vs 1", HIGHER
        )
        results.figure(
            "workers.machine_scaling",
            self.scaling(),
            "x",
            "the machine's two-process speed-up (its load, not ours)",
        )
        results.figure(
            "workers.bound",
            self.bound(),
            "x",
            "what 2 cron workers can reach over 1 on this machine",
        )
        if self.queue_job:
            results.figure(
                "queue_job.seconds",
                self.queue_job["seconds"],
                "s",
                f"N={self.queue_job['n']} made+posted+sent through queue_job "
                "(capacity 2)",
                LOWER,
            )
        if self.big:
            results.figure(
                "workers.big.seconds",
                self.big["seconds"],
                "s",
                f"N={self.big['n']} made+posted+sent by 2 cron workers",
                LOWER,
            )
