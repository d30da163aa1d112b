"""Compare two bench runs: ``python -m bench.compare a.json b.json``.

Reads the JSON that ``python3 -m bench.bench_recurring`` writes beside its
lines (bench/results.py; without arguments, the two newest in
``~/.cache/recurring-invoice/bench/``, the older as ``a``) and prints, for
every figure of either run, a's value, b's and how b differs (``+6.0 %``),
called better or worse only beyond ``--noise`` percent (default 5: this
2-core machine shares its CPUs with other work); then each target's verdict
in both runs, and the verdicts that changed. Exit status 0, 2 when a file is
not a bench's results. Plain Python.
"""

import argparse
import sys
from pathlib import Path

from .results import HIGHER, LOWER, ResultsError, load, results_dir

NOISE_PERCENT = 5.0


def number(value, unit=""):
    """A figure as read: 3 significant digits or so, its unit after it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, int):
        text = str(value)
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if not unit:
        return text
    return f"{text}x" if unit == "x" else f"{text} {unit}"


def change(a, b, better, noise=NOISE_PERCENT):
    """(``+6.0 %``, ``better``/``worse``/``""``) of b against a."""
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return "", ""
    if a == b:
        return "=", ""
    if a == 0:
        return "new", ""
    percent = (b - a) / abs(a) * 100
    word = ""
    if better in (HIGHER, LOWER) and abs(percent) > noise:
        up = percent > 0
        word = "better" if up == (better == HIGHER) else "worse"
    return f"{percent:+.1f} %", word


def describe(name, data):
    meta = data["meta"]
    parts = [
        f"{meta.get('kind', '?')} run of {str(meta.get('started', '?'))[:16]}",
        f"commit {meta.get('commit') or '?'}",
        f"{meta.get('cpus', '?')} CPUs",
    ]
    if "load_start" in meta:
        parts.append(f"load {meta['load_start']:.2f} -> {meta.get('load_end', 0):.2f}")
    if meta.get("seconds"):
        parts.append(f"{meta['seconds'] / 60:.1f} min")
    return f"{name}: {', '.join(parts)}"


def target_cell(entry):
    if not entry:
        return "-"
    if entry["verdict"] == "n/a" or entry["value"] is None:
        return "n/a"
    unit = entry.get("unit", "")
    value = entry["value"] * 100 if unit == "%" else entry["value"]
    return f"{entry['verdict']} {number(value, {'/s': 'invoices/s'}.get(unit, unit))}"


def compare(a, b, noise=NOISE_PERCENT):
    """The lines comparing the results ``a`` and ``b`` (dicts from load())."""
    lines = []
    keys = list(a["figures"]) + [key for key in b["figures"] if key not in a["figures"]]
    rows = []
    counts = {"better": 0, "worse": 0, "same": 0, "only a": 0, "only b": 0}
    for key in keys:
        fa, fb = a["figures"].get(key), b["figures"].get(key)
        figure = fb or fa
        unit = figure.get("unit", "")
        if fa and fb:
            text, word = change(fa["value"], fb["value"], figure.get("better"), noise)
            counts[word or "same"] += 1
        else:
            text, word = "", ""
            counts["only a" if fa else "only b"] += 1
        rows.append(
            (
                number(fa["value"], unit) if fa else "-",
                number(fb["value"], unit) if fb else "-",
                text,
                word,
                figure.get("label") or key,
            )
        )
    width_a = max([len("a"), *(len(row[0]) for row in rows)])
    width_b = max([len("b"), *(len(row[1]) for row in rows)])
    lines.append(f"{'a':>{width_a}}  {'b':>{width_b}}  {'b vs a':>9}  {'':6}  figure")
    for value_a, value_b, text, word, label in rows:
        lines.append(
            f"{value_a:>{width_a}}  {value_b:>{width_b}}  {text:>9}  {word:6}  {label}"
        )
    lines.append(
        f"figures: {counts['better']} better, {counts['worse']} worse, "
        f"{counts['same']} within {noise:g} % or unranked"
        + (f", {counts['only a']} only in a" if counts["only a"] else "")
        + (f", {counts['only b']} only in b" if counts["only b"] else "")
    )

    lines.append("")
    targets_a = {entry["key"]: entry for entry in a["targets"]}
    targets_b = {entry["key"]: entry for entry in b["targets"]}
    order = list(targets_a) + [key for key in targets_b if key not in targets_a]
    cells = [
        (target_cell(targets_a.get(key)), target_cell(targets_b.get(key)), key)
        for key in order
    ]
    width_a = max([len("a"), *(len(cell[0]) for cell in cells)])
    width_b = max([len("b"), *(len(cell[1]) for cell in cells)])
    lines.append(f"{'a':<{width_a}}  {'b':<{width_b}}  target")
    changed = []
    for cell_a, cell_b, key in cells:
        entry = targets_b.get(key) or targets_a.get(key)
        verdict_a = (targets_a.get(key) or {}).get("verdict")
        verdict_b = (targets_b.get(key) or {}).get("verdict")
        mark = ""
        if verdict_a and verdict_b and verdict_a != verdict_b:
            mark = f"  ({verdict_a} -> {verdict_b})"
            changed.append(f"{key} {verdict_a} -> {verdict_b}")
        lines.append(
            f"{cell_a:<{width_a}}  {cell_b:<{width_b}}  {entry['title']}{mark}"
        )
    for name, targets in (("a", targets_a), ("b", targets_b)):
        verdicts = [entry["verdict"] for entry in targets.values()]
        lines.append(
            f"{name}: {verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL, "
            f"{verdicts.count('n/a')} n/a"
        )
    lines.append("verdicts changed: " + ("; ".join(changed) if changed else "none"))
    return lines


def newest_two(folder):
    files = sorted(Path(folder).glob("bench-*.json"), key=lambda p: p.stat().st_mtime)
    return files[-2:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", nargs="?", help="the first run's JSON (the reference)")
    parser.add_argument("b", nargs="?", help="the second run's JSON")
    parser.add_argument(
        "--noise",
        type=float,
        default=NOISE_PERCENT,
        help="changes within this many percent are neither better nor worse "
        f"(default {NOISE_PERCENT:g})",
    )
    args = parser.parse_args(argv)
    if bool(args.a) != bool(args.b):
        parser.error("give two files, or none for the two newest runs")
    paths = [args.a, args.b] if args.a else newest_two(results_dir())
    if len(paths) < 2:
        print(f"compare: fewer than two runs in {results_dir()}", file=sys.stderr)
        return 2
    try:
        a, b = (load(path) for path in paths)
    except ResultsError as error:
        print(f"compare: {error}", file=sys.stderr)
        return 2
    print(describe(f"a ({Path(paths[0]).name})", a))
    print(describe(f"b ({Path(paths[1]).name})", b))
    print()
    for line in compare(a, b, args.noise):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
