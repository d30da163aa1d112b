"""The bench's targets, each threshold written once, beside the words that say it.

A :class:`Target` holds what is compared (``label``), how (``op``), the
goal (``threshold``) and the unit both are read in; its :meth:`Target.line`
makes the verdict line the bench prints (``PASS  ours/native >= 3x: 3.42x at
N=1000``) from the measured value, so the goal in the text is always the one
checked. Plain Python: the bench's steps, bench/compare.py and tests/ import
it without Odoo.

The two-worker target is relative to the machine: two cron workers must
reach at least 95 % of the speed-up the machine allows, which the bench
measures in the same run (bench/figures.py, :func:`~bench.figures.workers_bound`).
"""

import dataclasses
import operator

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def show(value, unit, exact=False):
    """``value`` as read in ``unit``: a ratio ``3.42x``, a share ``95 %`` (of
    1), ``1.50 s``, ``2.10 invoices/s``, ``12 queries``; ``exact`` (for a
    threshold) prints it as written, ``3x``, ``15 min``."""
    number = f"{value:g}" if exact else f"{value:.2f}"
    if unit == "x":
        return f"{number}x"
    if unit == "%":
        return f"{value * 100:g} %" if exact else f"{value * 100:.1f} %"
    if unit == "queries":
        return f"{value:g} queries"
    if unit == "/s":
        return f"{number} invoices/s"
    return f"{number} {unit}".rstrip()


@dataclasses.dataclass(frozen=True)
class Target:
    """One goal of the bench: ``value op threshold`` passes. ``label`` says
    what is measured, with ``{name}`` fields the caller fills (``n``...);
    the goal itself is added to it, never written in it."""

    key: str
    label: str
    op: str
    threshold: float
    unit: str = ""

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"target {self.key}: unknown comparison {self.op!r}")

    def met(self, value):
        return OPS[self.op](value, self.threshold)

    def goal(self):
        """``>= 3x``, ``< 15 min``, ``>= 95 %``: the threshold as the label reads it."""
        return f"{self.op} {show(self.threshold, self.unit, exact=True)}"

    def title(self, **fields):
        """The label with its fields filled, and the goal: ``ours/native >= 3x``."""
        return f"{self.label.format(**fields)} {self.goal()}"

    def line(self, value, detail="", **fields):
        """``PASS  <title>: <value><detail>`` (or FAIL)."""
        verdict = "PASS" if self.met(value) else "FAIL"
        return f"{verdict}  {self.title(**fields)}: {show(value, self.unit)}{detail}"

    def not_measured(self, why, **fields):
        """``n/a   <title>: <why>``: the figure was not measured in this run."""
        return f"n/a   {self.title(**fields)}: {why}"


TARGETS = (
    Target(
        "batched",
        "ours vs the batched floor (copy_data once, one create() and _post() of all)",
        ">=",
        0.85,
        "x",
    ),
    Target("native", "ours/Odoo native auto_post", ">=", 3.0, "x"),
    Target("contract", "ours/OCA contract+post", ">=", 2.0, "x"),
    Target(
        "queries_spread",
        "queries/invoice N={small} vs N={big}, difference",
        "<=",
        0.10,
        "%",
    ),
    Target("rss_growth", "peak RSS N={big} vs N={mid}", "<=", 1.3, "x"),
    Target(
        "run_record_queries",
        "queries/invoice N={n} with the run record beyond without it",
        "<=",
        0.1,
        "queries/invoice",
    ),
    Target("big_run_minutes", "N=10000 made+posted in", "<", 15, "min"),
    Target(
        "send_rate",
        "sending with real PDFs, as shipped (0 ms script wait)",
        ">=",
        2.0,
        "/s",
    ),
    Target(
        "forecast_seconds", "forecast of {n} templates x 12 months in", "<", 2.0, "s"
    ),
    Target(
        "forecast_extra_queries",
        "forecast queries with {big} templates beyond those with {small} (the "
        "ORM's batches of 1,000)",
        "<=",
        5,
        "queries",
    ),
    Target(
        "panel_extra_queries",
        "side panel queries with 500 invoices beyond those with 5",
        "<=",
        0,
        "queries",
    ),
    Target(
        "workers_share",
        "2 cron workers vs 1 (N={n}, made+posted+sent), share of the speed-up "
        "this machine allows",
        ">=",
        0.95,
        "%",
    ),
    Target(
        "send_ceiling_share",
        "sends/s with 2 workers, share of what one invoice's cost alone allows "
        "on {cores} cores",
        ">=",
        0.8,
        "%",
    ),
)

#: One template billing N recipients must make its invoices at least as fast
#: per invoice as N separate templates. Both are measured in the same round,
#: one right after the other, best of --repeat rounds, but on this 2-core
#: machine shared with other Odoo runs one sample of a minute moves by up to
#: 20 % (bench_recurring.run()) and two back-to-back samples of the same
#: work differ by several percent: 0.95x lets that noise pass and still fails
#: a recipient path that is really slower (more than 5 % per invoice). Queries
#: are counted, not timed: no tolerance.
RECIPIENTS_TARGETS = (
    Target(
        "recipients_rate",
        "1 template x {n} recipients vs {n} templates, invoices/s",
        ">=",
        0.95,
        "x",
    ),
    Target(
        "recipients_queries",
        "1 template x {n} recipients vs {n} templates, queries/invoice",
        "<=",
        1.0,
        "x",
    ),
)

TARGETS += RECIPIENTS_TARGETS

BY_KEY = {target.key: target for target in TARGETS}


def target(key):
    """The target ``key``; KeyError names the known ones."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(
            f"no bench target {key!r} (known: {', '.join(BY_KEY)})"
        ) from None
