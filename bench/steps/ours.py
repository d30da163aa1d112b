"""Ours: the 06:15 scheduled action through Odoo's cron runner (bench/shell/ours.py).

N templates due now are set up (bench/shell/common.py copies them in SQL),
then a fresh ``odoo shell`` runs the cron runner until none is due, sending
off: invoices made and posted per second, queries per invoice, peak memory.
"""

from ..database import BenchError
from ..figures import keep_best, per_invoice, rate
from ..results import HIGHER, LOWER

TITLE = "ours: scheduled action via the cron runner"


def check_posted(label, result, expected):
    if result["posted"] != expected:
        raise BenchError(
            f"{label}: {result['posted']} of {expected} invoices posted ({result})"
        )


class Ours:
    def __init__(self, bench):
        self.bench = bench
        #: {N: the best round's RESULT}
        self.results = {}
        #: {N: the best round's RESULT without the run record}
        self.without = {}

    def run(
        self, n, label=None, profile=None, batch=None, distinct=False, run_record=True
    ):
        """N templates set up and made+posted once; returns the RESULT.
        ``distinct``: each template bills a customer of its own (else the
        bench's 50 customers in turn)."""
        odoo = self.bench.odoo
        tag = label or f"ours-{n}"
        setup = {"BENCH_DISTINCT": "1"} if distinct else {}
        made = odoo.shell(
            "ours.templates", f"templates-{tag}", BENCH_N=n, BENCH_TAG=tag, **setup
        )
        if made["templates"] != n:
            raise BenchError(f"{tag}: {made['templates']} templates set up, not {n}")
        extra = {"BENCH_PROFILE": profile} if profile else {}
        if batch:
            extra["BENCH_BATCH"] = str(batch)
        if not run_record:
            extra["BENCH_NO_RUN_RECORD"] = "1"
        result = odoo.shell("ours.run", tag, BENCH_TAG=tag, **extra)
        check_posted(tag, result, n)
        if result["made_in_run"] != n:
            raise BenchError(f"{tag}: the run made {result['made_in_run']}, not {n}")
        result["setup_seconds"] = made["seconds"]
        return result

    def measure_without_run_record(self, n, round_no=1):
        """N templates made with the run record left out (bench/shell/ours.py
        ``without_run_record``): what the run record costs, in queries."""
        result = self.run(n, f"ours-{n}-norun-r{round_no}", run_record=False)
        keep_best(self.without, n, result)
        self.bench.log(
            f"ours N={n} without the run record (round {round_no}): "
            f"{rate(result):.1f} invoices/s, {per_invoice(result):.2f} queries/invoice"
        )

    def measure(self, n, round_no=1):
        result = self.run(n, f"ours-{n}-r{round_no}")
        keep_best(self.results, n, result)
        log = result["log"]
        self.bench.log(
            f"ours N={n} (round {round_no}): {rate(result):.1f} invoices/s, "
            f"{per_invoice(result):.1f} queries/invoice, peak {result['peak_mb']:.0f} "
            f"MB (at start {result['peak_before_mb']:.0f} MB), "
            f"{result['seconds']:.1f} s in {result['runner_calls']} cron runner "
            f"call(s); batch fallbacks {log['batch_fallbacks']}, template failures "
            f"{log['template_failures']} (of {log['lines']} line(s) on the add-on's "
            f"{log['loggers']} loggers)"
        )
        batches = result["batch_seconds"]
        self.bench.log(
            f"  {batches['batches']} calls of the scheduled action (batch size "
            f"{result['batch_size']}): first ten {batches['first10_avg']:.2f} s "
            f"each, median {batches['median']:.2f} s, last ten "
            f"{batches['last10_avg']:.2f} s"
        )

    # -- the report
    @property
    def big(self):
        return max(self.results)

    @property
    def small(self):
        return min(self.results)

    def rows(self):
        """(approach, N, result) of the side-by-side table."""
        return [(TITLE, n, result) for n, result in sorted(self.results.items())]

    def check(self, results):
        """Queries per invoice flat in N, memory flat in N, 10,000 in 15 min."""
        small, big = self.small, self.big
        ours = self.results
        q_small, q_big = per_invoice(ours[small]), per_invoice(ours[big])
        spread = (q_big - q_small) / q_small
        results.check(
            "queries_spread",
            abs(spread),
            f" ({q_small:.2f} vs {q_big:.2f})",
            small=small,
            big=big,
        )
        mid = sorted(ours)[-2] if len(ours) > 1 else small
        growth = ours[big]["peak_mb"] / ours[mid]["peak_mb"]
        results.check(
            "rss_growth",
            growth,
            f" ({ours[big]['peak_mb']:.0f} MB vs {ours[mid]['peak_mb']:.0f} MB)",
            big=big,
            mid=mid,
        )
        for n, without in sorted(self.without.items()):
            if n in ours:
                with_it, without_it = per_invoice(ours[n]), per_invoice(without)
                results.check(
                    "run_record_queries",
                    with_it - without_it,
                    f" ({with_it:.2f} with, {without_it:.2f} without)",
                    n=n,
                )
        if 10000 in ours:
            results.check("big_run_minutes", ours[10000]["seconds"] / 60)
        else:
            projected = 10000 / rate(ours[big]) / 60
            results.check(
                "big_run_minutes",
                None,
                f"not measured in a quick run (projected from N={big}: "
                f"{projected:.1f} min)",
            )

    def summary(self, results):
        big = self.big
        result = self.results[big]
        results.say(
            f"{big} templates: made+posted in {result['seconds']:.0f} s, "
            f"{per_invoice(result):.1f} queries/invoice, "
            f"peak {result['peak_mb']:.0f} MB"
        )

    def figures(self, results):
        for n, result in sorted(self.results.items()):
            results.figure(
                f"ours.{n}.rate",
                rate(result),
                "invoices/s",
                f"ours N={n}: made+posted per second",
                HIGHER,
            )
            results.figure(
                f"ours.{n}.queries",
                per_invoice(result),
                "queries/invoice",
                f"ours N={n}: queries per invoice",
                LOWER,
            )
            results.figure(
                f"ours.{n}.peak_mb",
                result["peak_mb"],
                "MB",
                f"ours N={n}: peak memory of the process",
                LOWER,
            )
            if n in self.without:
                results.figure(
                    f"ours.{n}.queries_without_run_record",
                    per_invoice(self.without[n]),
                    "queries/invoice",
                    f"ours N={n}: queries per invoice without the run record",
                    LOWER,
                )
            log = result["log"]
            results.figure(
                f"ours.{n}.batch_fallbacks",
                log["batch_fallbacks"],
                "",
                f"ours N={n}: batches retried one by one",
                LOWER,
            )
            results.figure(
                f"ours.{n}.template_failures",
                log["template_failures"],
                "",
                f"ours N={n}: templates that failed",
                LOWER,
            )
