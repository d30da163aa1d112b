"""bench/results.py and bench/compare.py: a run's figures and verdicts as
JSON, and two runs side by side (``python -m bench.compare a.json b.json``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import compare, results
from bench.results import HIGHER, LOWER, Results

ROOT = Path(__file__).resolve().parents[1]


def run_results(kind, rate, queries, speedup_share, extra=None):
    run = Results({"kind": kind, "started": "2026-12-03T12:00:00", "cpus": 2}, None)
    run.say("a line as printed")
    run.figure("ours.1000.rate", rate, "invoices/s", "ours N=1000: rate", HIGHER)
    run.figure("ours.1000.queries", queries, "queries/invoice", "ours q", LOWER)
    run.figure("workers.bound", 1.59, "x", "what 2 workers can reach")
    run.figure("unmeasured", None, "s", "a figure not measured")
    if extra:
        run.figure(*extra)
    run.check("native", rate / 9.0, " at N=100")
    run.check("workers_share", speedup_share, " (...)", n=100)
    return run


def write_pair(tmp_path, b_share=0.97, b_rate=31.0):
    a = run_results("quick", 30.0, 6.6, 0.91).write(tmp_path / "a.json")
    b = run_results(
        "quick", b_rate, 6.6, b_share, ("sending.cost", 0.26, "CPU-s", "cost", LOWER)
    ).write(tmp_path / "b.json")
    return a, b


def test_the_json_holds_lines_figures_and_verdicts(tmp_path):
    path, _ = write_pair(tmp_path)
    data = results.load(path)
    assert data["bench_results"] == results.VERSION
    assert data["lines"][0] == "a line as printed"
    assert "unmeasured" not in data["figures"]
    assert data["figures"]["ours.1000.rate"] == {
        "value": 30.0,
        "unit": "invoices/s",
        "better": "higher",
        "label": "ours N=1000: rate",
    }
    verdicts = {entry["key"]: entry["verdict"] for entry in data["targets"]}
    assert verdicts == {"native": "PASS", "workers_share": "FAIL"}
    assert data["lines"][-1].startswith("FAIL  2 cron workers vs 1")


def test_default_path_is_in_the_cache_outside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    run = Results({"kind": "quick", "started": "2026-12-03T12:42:54"}, None)
    path = run.write()
    assert path == tmp_path / "recurring-invoice/bench/bench-20261203T124254-quick.json"
    assert results.load(path)["meta"]["kind"] == "quick"


def test_a_figure_says_which_way_is_better():
    with pytest.raises(ValueError, match="better"):
        Results(echo=None).figure("k", 1, "s", "label", better="up")


def test_load_refuses_what_is_not_a_run(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"figures": {}}))
    with pytest.raises(results.ResultsError, match="not the JSON of a bench run"):
        results.load(other)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(results.ResultsError):
        results.load(broken)


@pytest.mark.parametrize(
    "a, b, better, expected",
    [
        (30.0, 33.0, HIGHER, ("+10.0 %", "better")),
        (30.0, 27.0, HIGHER, ("-10.0 %", "worse")),
        (6.6, 7.26, LOWER, ("+10.0 %", "worse")),
        (6.6, 5.94, LOWER, ("-10.0 %", "better")),
        (30.0, 31.0, HIGHER, ("+3.3 %", "")),  # within the noise
        (1.59, 1.8, None, ("+13.2 %", "")),  # neither way is better
        (5, 5, LOWER, ("=", "")),
        (0, 2, LOWER, ("new", "")),
    ],
)
def test_change(a, b, better, expected):
    assert compare.change(a, b, better, noise=5) == expected


def test_compare_two_runs(tmp_path):
    a, b = write_pair(tmp_path, b_share=0.97, b_rate=36.0)
    lines = compare.compare(results.load(a), results.load(b))
    text = "\n".join(lines)
    rate = next(line for line in lines if line.endswith("ours N=1000: rate"))
    assert rate.split()[:5] == ["30.0", "invoices/s", "36.0", "invoices/s", "+20.0"]
    assert "better" in rate
    assert next(line for line in lines if line.endswith("ours q")).split()[4] == "="
    cost = next(line for line in lines if line.endswith("cost"))
    assert cost.split()[0] == "-"  # only in b
    assert "only in b" in text
    share = next(line for line in lines if "2 cron workers vs 1" in line)
    assert share.startswith("FAIL 91.0 %  PASS 97.0 %")
    assert share.endswith("(FAIL -> PASS)")
    assert "verdicts changed: workers_share FAIL -> PASS" in lines
    assert "a: 1 PASS, 1 FAIL, 0 n/a" in lines
    assert "b: 2 PASS, 0 FAIL, 0 n/a" in lines


def test_python_m_bench_compare(tmp_path):
    a, b = write_pair(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.compare", str(a), str(b)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("a (a.json): quick run of 2026-12-03T12:00")
    assert "verdicts changed: workers_share FAIL -> PASS" in proc.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.compare", str(a), str(bad)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "not the JSON of a bench run" in proc.stderr


def test_without_files_it_compares_the_two_newest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = results.results_dir()
    assert compare.main([]) == 2
    first = run_results("quick", 30.0, 6.6, 0.91).write(folder / "bench-1-quick.json")
    second = run_results("quick", 33.0, 6.6, 0.97).write(folder / "bench-2-quick.json")
    os.utime(first, (1, 1))
    capsys.readouterr()
    assert compare.main([]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"a ({first.name})")
    assert out.splitlines()[1].startswith(f"b ({second.name})")
