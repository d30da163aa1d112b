"""What ours is compared with (bench/shell/alternatives.py), in the same rounds:
the ORM's floor one by one (copy() and _post() per invoice) and batched (one
create() and _post() of all: the most an ORM job can do), Odoo's native
auto_post, OCA contract's cron and a _post() of its drafts."""

from ..database import BenchError
from ..figures import keep_best, per_invoice, rate
from ..results import HIGHER, LOWER
from .ours import check_posted

#: (key, step of bench/shell/alternatives.py, title), in the order measured.
KINDS = (
    ("floor_batch", "batched floor: copy_data+create+post"),
    ("floor_one", "ORM floor: copy()+_post() one by one"),
    ("native", "Odoo native: auto_post monthly"),
    ("contract", "OCA contract: cron + _post()"),
)
TITLES = dict(KINDS)

#: The ratio lines at the end (ours over each), and the targets of three.
COMPARISONS = (
    ("floor_one", "ours/ORM floor", None),
    ("floor_batch", "ours/batched floor", "batched"),
    ("native", "ours/native", "native"),
    ("contract", "ours/contract", "contract"),
)


class Alternatives:
    def __init__(self, bench):
        self.bench = bench
        #: {key: the best round's RESULT, with its n and title}
        self.results = {}

    def measure(self, key, n, round_no=1):
        title = TITLES[key]
        result = self.bench.odoo.shell(
            f"alternatives.{key}", f"{key}-{n}-r{round_no}", BENCH_N=n
        )
        check_posted(title, result, n)
        if result["totals"] != [1150.0]:
            raise BenchError(f"{title}: unexpected totals {result['totals']}")
        result["n"] = n
        result["title"] = title
        keep_best(self.results, key, result)
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
        self.bench.log(
            f"{title} N={n} (round {round_no}): {rate(result):.1f} invoices/s, "
            f"{per_invoice(result):.1f} queries/invoice, {result['seconds']:.1f} s"
            f"{detail}"
        )

    def ratio(self, key):
        """(ours' rate over the alternative's at its N, that N), or (None, None)."""
        alternative = self.results.get(key)
        ours = self.bench.ours.results
        if not alternative or alternative["n"] not in ours:
            return None, None
        return rate(ours[alternative["n"]]) / rate(alternative), alternative["n"]

    # -- the report
    def rows(self):
        return [(r["title"], r["n"], r) for r in self.results.values()]

    def missing(self):
        """The table's line for contract when it was not measured."""
        if "contract" in self.results:
            return None
        return f"{TITLES['contract']:<44}  n/a: {self.bench.set_up.contract_note}"

    def reference(self):
        """What the batched floor is beside the others (its ratio over each)."""
        floor = self.results.get("floor_batch")
        if not floor:
            return None
        ceilings = [
            f"{rate(floor) / rate(alternative):.2f}x {key} (N={alternative['n']})"
            for key, alternative in self.results.items()
            if key != "floor_batch"
        ]
        return (
            f"for reference, the batched floor (N={floor['n']}), Odoo's create()+"
            f"_post() with its per-invoice creation message and follower, "
            f"is {', '.join(ceilings)}"
        )

    def check(self, results):
        for key, _label, target_key in COMPARISONS:
            if not target_key:
                continue
            value, n = self.ratio(key)
            if value is None:
                results.check(target_key, None, self.bench.set_up.contract_note)
            else:
                results.check(target_key, value, f" at N={n}")

    def comparisons(self):
        """``ours/native: 3.42x`` lines."""
        lines = []
        for key, label, _target in COMPARISONS:
            value, _n = self.ratio(key)
            if value is None:
                lines.append(f"{label}: n/a ({self.bench.set_up.contract_note})")
            else:
                lines.append(f"{label}: {value:.2f}x")
        return lines

    def figures(self, results):
        for key, label, _target in COMPARISONS:
            result = self.results.get(key)
            if not result:
                continue
            n = result["n"]
            results.figure(
                f"alternatives.{key}.rate",
                rate(result),
                "invoices/s",
                f"{result['title']} N={n}: made+posted per second",
                HIGHER,
            )
            results.figure(
                f"alternatives.{key}.queries",
                per_invoice(result),
                "queries/invoice",
                f"{result['title']} N={n}: queries per invoice",
                LOWER,
            )
            value, _n = self.ratio(key)
            results.figure(f"ratio.{key}", value, "x", f"{label} at N={n}", HIGHER)
