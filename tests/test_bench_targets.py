"""bench/targets.py: every threshold of the bench once, beside its words;
bench/figures.py: what the two-worker target is measured against."""

import re

import pytest

from bench import figures, targets
from bench.results import Results
from bench.targets import TARGETS, Target, target

FIELDS = {"n": 1000, "small": 100, "big": 1000, "mid": 100, "cores": 2}


def test_keys_are_unique_and_found():
    keys = [t.key for t in TARGETS]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert target(key).key == key
    with pytest.raises(KeyError, match="no bench target 'nope'"):
        target("nope")


@pytest.mark.parametrize("goal", TARGETS, ids=lambda goal: goal.key)
def test_no_label_writes_a_goal_of_its_own(goal):
    """The goal is added to the label from the threshold; a label that says
    one itself (``>= 1.7x``, ``80 %``, ``< 15 min``) is how thresholds came to
    be kept twice."""
    assert not re.search(r"(?:[<>]=?|==)\s*\d", goal.label), goal.label
    assert not re.search(r"\d\s*(%|x\b|min\b|s\b)", goal.label), goal.label
    # every field of the label is one the bench fills
    assert set(re.findall(r"{(\w+)}", goal.label)) <= set(FIELDS)


@pytest.mark.parametrize("goal", TARGETS, ids=lambda goal: goal.key)
def test_the_line_says_the_threshold_it_checks(goal):
    title = goal.title(**FIELDS)
    assert title.endswith(goal.goal())
    assert goal.op in goal.goal()
    line = goal.line(goal.threshold, " (detail)", **FIELDS)
    assert line.startswith(("PASS  ", "FAIL  "))
    assert line.endswith(" (detail)")
    assert title in line


@pytest.mark.parametrize(
    "op, threshold, passing, failing",
    [(">=", 3.0, [3.0, 3.1], [2.99]), ("<", 15, [14.9], [15, 16]), ("<=", 0, [0], [1])],
)
def test_met_on_and_around_the_threshold(op, threshold, passing, failing):
    goal = Target("t", "a figure", op, threshold)
    assert all(goal.met(value) for value in passing)
    assert not any(goal.met(value) for value in failing)
    assert goal.line(passing[0]).startswith("PASS  a figure")
    assert goal.line(failing[0]).startswith("FAIL  a figure")


def test_unknown_comparison_is_refused():
    with pytest.raises(ValueError, match="unknown comparison"):
        Target("t", "a figure", "=>", 1)


def test_goals_read_in_their_unit():
    assert target("native").title() == "ours/Odoo native auto_post >= 3x"
    assert target("big_run_minutes").goal() == "< 15 min"
    assert target("workers_share").goal() == ">= 95 %"
    assert target("send_ceiling_share").goal() == ">= 80 %"
    assert target("send_rate").goal() == ">= 2 invoices/s"
    assert target("panel_extra_queries").goal() == "<= 0 queries"


def test_values_read_in_their_unit():
    assert targets.show(3.4167, "x") == "3.42x"
    assert targets.show(1.0189, "%") == "101.9 %"
    assert targets.show(2.1, "/s") == "2.10 invoices/s"
    assert targets.show(9.25, "min") == "9.25 min"
    assert targets.show(2, "queries") == "2 queries"


def test_a_target_not_measured_says_why():
    line = target("contract").not_measured("skipped (--no-contract)")
    assert line == "n/a   ours/OCA contract+post >= 2x: skipped (--no-contract)"


def test_the_two_worker_target_is_95_percent_of_what_the_machine_allows():
    goal = target("workers_share")
    assert (goal.op, goal.threshold, goal.unit) == (">=", 0.95, "%")
    # this machine: two processes at once 1.91x, one worker keeps 1.20 CPUs busy
    bound = figures.workers_bound(1.91, 1.20)
    assert bound == pytest.approx(1.59, abs=0.01)
    assert goal.met(1.62 / bound)  # measured 1.62x: 102 %
    assert goal.met(1.52 / bound)  # 96 %
    assert not goal.met(1.45 / bound)  # 91 %
    # the old absolute goal of 1.7x is beyond what this machine allows
    assert 1.7 > bound


def test_workers_bound_stays_between_one_and_two():
    assert figures.workers_bound(1.95, 0.9) == 2.0
    assert figures.workers_bound(1.14, 1.92) == 1.0  # a busy machine
    # without a reading of the CPUs: the two-process speed-up itself
    assert figures.workers_bound(1.86, None) == pytest.approx(1.86)
    assert figures.workers_bound(2.3, None) == 2.0


def test_send_ceiling():
    ceiling = figures.send_ceiling(sent=20, seconds=5.0, cpus_busy=1.1, cores=2)
    assert ceiling["alone"] == pytest.approx(0.25)
    assert ceiling["cost"] == pytest.approx(0.275)
    assert ceiling["limit"] == pytest.approx(2 / 0.275)
    assert ceiling["wall_limit"] == pytest.approx(8.0)
    assert figures.send_ceiling(0, 5.0, 1.0, 2) is None


def test_rates_and_clock():
    assert figures.rate({"posted": 100, "seconds": 4.0}) == 25.0
    assert figures.rate({"posted": 100, "seconds": 0}) == 0.0
    assert figures.per_invoice({"posted": 10, "queries": 73}) == 7.3
    assert figures.per_invoice({"sent": 4, "queries": 8}) == 2.0
    assert figures.clock(figures.MORNING + 23 * 60 + 59) == "06:38"
    best = {}
    figures.keep_best(best, 100, {"posted": 100, "seconds": 4.0})
    figures.keep_best(best, 100, {"posted": 100, "seconds": 5.0})
    assert best[100]["seconds"] == 4.0


def test_cron_busy_reads_odoo_cron_log_lines():
    log = (
        "2026-12-03 06:15:03,1 42 INFO db odoo.addons.base.models.ir_cron: "
        "Job 'Recurring invoices: send' (7) done in 2.500s\n"
        "... Job 'Recurring invoices: send' (7) done in 1.5s\n"
        "... Job 'Other' (3) done in 0.1s\n"
    )
    assert figures.cron_busy(log) == {
        "Recurring invoices: send": (4.0, 2),
        "Other": (0.1, 1),
    }


def test_results_keep_each_verdict_with_its_threshold():
    lines = []
    results = Results({"kind": "quick"}, echo=lines.append)
    assert results.check("native", 3.42, " at N=100") == "PASS"
    assert results.check("workers_share", 0.91, " (1.45x of 1.59x)", n=100) == "FAIL"
    assert results.check("contract", None, "skipped") == "n/a"
    assert lines == [
        "PASS  ours/Odoo native auto_post >= 3x: 3.42x at N=100",
        "FAIL  2 cron workers vs 1 (N=100, made+posted+sent), share of the "
        "speed-up this machine allows >= 95 %: 91.0 % (1.45x of 1.59x)",
        "n/a   ours/OCA contract+post >= 2x: skipped",
    ]
    assert [entry["key"] for entry in results.failed()] == ["workers_share"]
    native = results.targets[0]
    assert (native["threshold"], native["op"], native["value"]) == (3.0, ">=", 3.42)
