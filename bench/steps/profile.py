"""``--profile``: cProfile runs of our scheduler, the batched floor and
sending, after the measurements (never inside them), and what other batch
sizes would give."""

import tempfile
from pathlib import Path

from ..figures import rate


def print_profile(say, title, result):
    if result.get("profile"):
        say(f"--- cProfile: {title} (sorted by cumulative time) ---")
        lines = result["profile"].strip().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        for line in lines[start:]:
            say("  " + line.rstrip()[:160])


def profile_recipients(bench, directory=None):
    """cProfile of the scheduler on one template x --recipients-n recipients
    (its stats file in ``directory``, kept for pstats)."""
    n = bench.args.recipients_n
    if not n:
        return None
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="ri_bench_profile_"))
        bench.log(f"profiling (cProfile files in {directory}) ...")
    result = bench.recipients.run(
        n, f"profile-recipients-{n}", str(directory / "recipients.prof")
    )
    print_profile(
        bench.results.say,
        f"our scheduler, 1 template x {n} recipients, sending off",
        result,
    )
    return result


def profile(bench, n, url):
    odoo, say = bench.odoo, bench.results.say
    directory = Path(tempfile.mkdtemp(prefix="ri_bench_profile_"))
    bench.log(f"profiling (cProfile files in {directory}) ...")
    ours = bench.ours.run(n, f"profile-ours-{n}", str(directory / "ours.prof"))
    print_profile(say, f"our scheduler, N={n}, sending off", ours)
    profile_recipients(bench, directory)
    floor = odoo.shell(
        "alternatives.floor_batch",
        f"profile-floor-{n}",
        BENCH_N=n,
        BENCH_PROFILE=directory / "floor.prof",
    )
    print_profile(say, f"batched floor, N={n}", floor)
    floor_rate = rate(bench.alternatives.results["floor_batch"])
    rates = []
    for batch in (50, 100, 200):
        result = bench.ours.run(n, f"whatif-batch{batch}-{n}", batch=batch)
        rates.append(
            f"batch {batch}: {rate(result):.1f} invoices/s "
            f"({rate(result) / floor_rate:.2f}x the batched floor), peak "
            f"{result['peak_mb']:.0f} MB"
        )
    bench.log(f"what-if, N={n}, batch size: " + "; ".join(rates))
    if url:
        n_send = min(20, bench.args.send_n)
        odoo.shell(
            "sending.prepare",
            "profile-send-prepare",
            BENCH_N=n_send,
            BENCH_TAG="send-profile",
            BENCH_REPORT_URL=url,
        )
        send = odoo.shell(
            "sending.send",
            "profile-send",
            BENCH_PRINT_DELAY="",
            BENCH_REPORT_URL=url,
            BENCH_PROFILE=directory / "send.prof",
        )
        print_profile(say, f"sending {n_send} invoices, print_delay shipped", send)
