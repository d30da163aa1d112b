"""The bench's arithmetic: rates, what the machine allows, clock times.

Plain Python (no Odoo): the steps on the driver's side use it on the RESULTs
of bench_shell.py, and tests/ check it.
"""

import re
import subprocess
import sys
import time

#: The 06:15 job's start, in seconds after midnight.
MORNING = 6 * 3600 + 15 * 60


def rate(result):
    """Invoices posted per second of a RESULT."""
    return result["posted"] / result["seconds"] if result["seconds"] else 0.0


def per_invoice(result, key="queries"):
    """``result[key]`` per invoice (posted, else sent, else set up)."""
    count = result.get("posted") or result.get("sent") or result.get("invoices")
    return result[key] / count if count else 0.0


def keep_best(results, key, result):
    """Keep in ``results[key]`` the faster of ``result`` and the round before."""
    if key not in results or rate(result) > rate(results[key]):
        results[key] = result


def clock(seconds_after_midnight):
    """``06:38`` for a number of seconds after midnight."""
    seconds = int(seconds_after_midnight)
    return f"{seconds // 3600 % 24:02d}:{seconds % 3600 // 60:02d}"


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


def workers_bound(scaling, cpus_one_worker):
    """The most two cron workers can gain over one on this machine: one
    worker that keeps ``cpus_one_worker`` CPUs busy (its process,
    wkhtmltopdf, PostgreSQL, the HTTP worker serving the PDFs' assets) leaves
    the second only what the machine's two processes at once give beyond
    that: ``scaling / cpus_one_worker``, never above 2 nor below 1. Without a
    reading of the CPUs, the machine's two-process speed-up itself."""
    if not cpus_one_worker:
        return min(2.0, scaling)
    return max(1.0, min(2.0, scaling / cpus_one_worker))


def send_ceiling(sent, seconds, cpus_busy, cores):
    """What the cost of one invoice's PDF and e-mail, measured alone (the
    one-worker sending measure), allows on ``cores``: its wall time
    (``alone``), the CPUs the machine kept busy meanwhile (wkhtmltopdf,
    PostgreSQL and the HTTP worker serving the PDFs' assets work beside the
    sending process), their product (``cost``, CPU-seconds), and the invoices
    per second the cores allow at that cost (``limit``; ``wall_limit``: as if
    one invoice kept one CPU busy). None when nothing was sent."""
    if not sent or not seconds:
        return None
    alone = seconds / sent
    busy = cpus_busy or 1.0
    cost = alone * busy
    return {
        "alone": alone,
        "busy": busy,
        "cost": cost,
        "cores": cores,
        "limit": cores / cost,
        "wall_limit": cores / alone,
    }


JOB_DONE = re.compile(r"Job '([^']+)' \((\d+)\) done in ([\d.]+)s")


def cron_busy(log_text):
    """{scheduled action: (seconds, calls)} of its calls in a server's log
    (ir.cron logs "Job 'name' (id) done in 1.234s" after each call)."""
    busy = {}
    for name, _id, seconds in JOB_DONE.findall(log_text):
        total, calls = busy.get(name, (0.0, 0))
        busy[name] = (total + float(seconds), calls + 1)
    return busy


def recipients_vs_templates(recipients, templates):
    """One template billing N recipients against N separate templates:
    ``rate`` its invoices/s over theirs (1.0: as fast per invoice), and
    ``queries`` its queries/invoice over theirs (1.0: as many)."""
    template_rate = rate(templates)
    template_queries = per_invoice(templates)
    return {
        "rate": rate(recipients) / template_rate if template_rate else 0.0,
        "queries": (
            per_invoice(recipients) / template_queries
            if template_queries
            else float("inf")
        ),
    }
