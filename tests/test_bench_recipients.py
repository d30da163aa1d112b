"""The recipients step's arithmetic and targets (bench/figures.py,
bench/targets.py, bench/steps/recipients.py): plain Python, no Odoo."""

import pytest

from bench.figures import recipients_vs_templates
from bench.results import Results
from bench.steps.recipients import Recipients, line
from bench.targets import target


def result(posted, seconds, queries):
    return {"posted": posted, "seconds": seconds, "queries": queries}


def test_ratios_per_invoice():
    templates = result(200, 20.0, 20000)  # 10 invoices/s, 100 queries/invoice
    recipients = result(200, 25.0, 16000)  # 8 invoices/s, 80 queries/invoice
    ratios = recipients_vs_templates(recipients, templates)
    assert ratios["rate"] == pytest.approx(0.8)
    assert ratios["queries"] == pytest.approx(0.8)


def test_ratios_without_templates_measured():
    ratios = recipients_vs_templates(result(10, 1.0, 10), result(0, 0.0, 0))
    assert ratios["rate"] == 0.0
    assert ratios["queries"] == float("inf")


@pytest.mark.parametrize(
    ("ratio", "verdict"), [(1.2, "PASS"), (0.95, "PASS"), (0.94, "FAIL")]
)
def test_rate_target_tolerates_five_percent(ratio, verdict):
    assert ("PASS" if target("recipients_rate").met(ratio) else "FAIL") == verdict


@pytest.mark.parametrize(
    ("ratio", "verdict"), [(0.7, "PASS"), (1.0, "PASS"), (1.01, "FAIL")]
)
def test_queries_target_has_no_tolerance(ratio, verdict):
    assert ("PASS" if target("recipients_queries").met(ratio) else "FAIL") == verdict


def test_line_reads_as_the_templates_line():
    assert line("1 template x 1000 recipients", result(1000, 40.0, 52500)) == (
        "1 template x 1000 recipients: made+posted in 40 s (25.0 invoices/s), "
        "52.5 queries/invoice"
    )


def test_check_summary_and_figures():
    step = Recipients(bench=None)
    step.n = 200
    step.results = {
        "templates": result(200, 20.0, 20000),
        "recipients": result(200, 10.0, 22000),
    }
    results = Results(echo=None)
    step.check(results)
    step.summary(results)
    step.figures(results)
    verdicts = {entry["key"]: entry["verdict"] for entry in results.targets}
    assert verdicts == {"recipients_rate": "PASS", "recipients_queries": "FAIL"}
    assert results.lines[-2:] == [
        "200 templates: made+posted in 20 s (10.0 invoices/s), 100.0 queries/invoice",
        "1 template x 200 recipients: made+posted in 10 s (20.0 invoices/s), "
        "110.0 queries/invoice",
    ]
    # bench.compare lists figures in their order: each pair side by side
    assert list(results.figures)[:2] == [
        "recipients.200.templates.rate",
        "recipients.200.recipients.rate",
    ]
