"""Recipients: one template billing N recipients (bench/shell/recipients.py)
against N separate templates billing the same N customers, one each
(bench/shell/ours.py with BENCH_DISTINCT), in the same round, one
right after the other, both through Odoo's cron runner, sending off, measured
the same way: invoices made and posted per second, queries per invoice."""

from ..database import BenchError
from ..figures import keep_best, per_invoice, rate, recipients_vs_templates
from ..results import HIGHER, LOWER
from .ours import check_posted


def line(title, result):
    """``<title>: made+posted in S s (X invoices/s), Q queries/invoice``"""
    return (
        f"{title}: made+posted in {result['seconds']:.0f} s "
        f"({rate(result):.1f} invoices/s), {per_invoice(result):.1f} queries/invoice"
    )


class Recipients:
    def __init__(self, bench):
        self.bench = bench
        self.n = None
        #: the best round of each: {"recipients": RESULT, "templates": RESULT}
        self.results = {}

    def run(self, n, label=None, profile=None):
        """One template with N recipients set up and made+posted; its RESULT."""
        odoo = self.bench.odoo
        tag = label or f"recipients-{n}"
        made = odoo.shell(
            "recipients.template", f"template-{tag}", BENCH_N=n, BENCH_TAG=tag
        )
        if made["recipients"] != n or not made["customer_first"]:
            raise BenchError(f"{tag}: set up {made}, not {n} recipients")
        extra = {"BENCH_PROFILE": profile} if profile else {}
        result = odoo.shell("recipients.run", tag, BENCH_TAG=tag, **extra)
        check_posted(tag, result, n)
        if result["made_in_run"] != n or result["partners_billed"] != n:
            raise BenchError(
                f"{tag}: the run made {result['made_in_run']} invoices for "
                f"{result['partners_billed']} customers, not {n}"
            )
        result["setup_seconds"] = made["seconds"]
        return result

    def measure(self, n, round_no=1):
        """N separate templates, then one template x N recipients."""
        self.n = n
        # the same N customers both ways: Odoo's posting costs queries per
        # customer (its customer rank), whoever bills them
        templates = self.bench.ours.run(
            n, f"recipients-templates-{n}-r{round_no}", distinct=True
        )
        keep_best(self.results, "templates", templates)
        recipients = self.run(n, f"recipients-{n}-r{round_no}")
        keep_best(self.results, "recipients", recipients)
        for title, result in (
            (f"{n} templates", templates),
            (f"1 template x {n} recipients", recipients),
        ):
            batches = result["batch_seconds"]
            self.bench.log(
                f"{line(title, result)} (round {round_no}; {result['runner_calls']} "
                f"cron runner call(s), {batches.get('batches', 0)} batch(es) of "
                f"{result['batch_size']}, median {batches.get('median', 0):.2f} s; "
                f"peak {result['peak_mb']:.0f} MB)"
            )

    # -- the report
    def lines(self):
        if not self.results:
            return []
        n = self.n
        return [
            line(f"{n} templates", self.results["templates"]),
            line(f"1 template x {n} recipients", self.results["recipients"]),
        ]

    def check(self, results):
        if not self.results:
            return
        n = self.n
        ratios = recipients_vs_templates(
            self.results["recipients"], self.results["templates"]
        )
        results.check(
            "recipients_rate",
            ratios["rate"],
            f" ({rate(self.results['recipients']):.1f} vs "
            f"{rate(self.results['templates']):.1f} invoices/s)",
            n=n,
        )
        results.check(
            "recipients_queries",
            ratios["queries"],
            f" ({per_invoice(self.results['recipients']):.1f} vs "
            f"{per_invoice(self.results['templates']):.1f} queries/invoice)",
            n=n,
        )

    def summary(self, results):
        for text in self.lines():
            results.say(text)

    def figures(self, results):
        if not self.results:
            return
        n = self.n
        titles = {
            "templates": f"{n} templates",
            "recipients": f"1 template x {n} recipients",
        }
        for metric, unit, words, better, value in (
            ("rate", "invoices/s", "made+posted per second", HIGHER, rate),
            ("queries", "queries/invoice", "queries per invoice", LOWER, per_invoice),
            ("seconds", "s", "made+posted in", LOWER, lambda r: r["seconds"]),
        ):
            # Both side by side in bench.compare's list (its order is theirs).
            for key, title in titles.items():
                results.figure(
                    f"recipients.{n}.{key}.{metric}",
                    value(self.results[key]),
                    unit,
                    f"{title}: {words}",
                    better,
                )
