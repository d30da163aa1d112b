"""The bench's results as JSON, beside the lines it prints.

:class:`Results` prints the bench's lines and keeps them, with every figure
(value, unit, which way is better, what it is) and every target's verdict,
then :meth:`Results.write` stores them in one JSON file, by default in
``${XDG_CACHE_HOME:-~/.cache}/recurring-invoice/bench/`` (outside the
checkout; the last line printed says where). ``python -m bench.compare a.json
b.json`` reads two of them (:func:`load`). Plain Python.

The file::

    {"bench_results": 1,
     "meta": {"started": "2026-12-03T12:42:54", "kind": "quick", "commit": ...,
              "cpus": 2, "load_start": 0.77, "load_end": 1.9, "seconds": 812, ...},
     "figures": {"ours.1000.rate": {"value": 31.2, "unit": "invoices/s",
                                    "better": "higher", "label": "..."}, ...},
     "targets": [{"key": "native", "title": "ours/Odoo native auto_post >= 3x",
                  "value": 3.4, "threshold": 3.0, "op": ">=", "unit": "x",
                  "verdict": "PASS", "line": "PASS  ..."}, ...],
     "lines": ["...every line printed..."]}
"""

import datetime
import json
import os
import subprocess
from pathlib import Path

from .targets import target

VERSION = 1
HIGHER, LOWER = "higher", "lower"


def results_dir():
    """Where the bench writes its JSON by default (the per-user cache, beside
    the cached Odoo build)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "recurring-invoice" / "bench"


def git_commit(root):
    """The checkout's commit (``abc1234``, ``+`` when it has changes), or None."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+" if dirty else "")


def print_line(line):
    print(line, flush=True)


class Results:
    """The lines printed, the figures and the verdicts of one bench run;
    ``echo`` prints a line (None: kept only)."""

    def __init__(self, meta=None, echo=print_line):
        self.meta = dict(meta or {})
        self.figures = {}
        self.targets = []
        self.lines = []
        self._echo = echo

    def say(self, line=""):
        """Print ``line`` and keep it."""
        self.lines.append(line)
        if self._echo:
            self._echo(line)

    def figure(self, key, value, unit, label, better=None):
        """Keep a figure for bench/compare.py: ``better`` is "higher",
        "lower" or None (neither: a count, a setting)."""
        if better not in (HIGHER, LOWER, None):
            raise ValueError(f"figure {key}: better is {better!r}")
        if value is None:
            return
        self.figures[key] = {
            "value": value,
            "unit": unit,
            "better": better,
            "label": label,
        }

    def check(self, key, value, detail="", **fields):
        """Print and keep the verdict of the target ``key`` (bench/targets.py)
        for ``value``; ``value`` None: not measured, ``detail`` says why."""
        goal = target(key)
        if value is None:
            line = goal.not_measured(detail, **fields)
            verdict = "n/a"
        else:
            line = goal.line(value, detail, **fields)
            verdict = "PASS" if goal.met(value) else "FAIL"
        self.targets.append(
            {
                "key": key,
                "title": goal.title(**fields),
                "value": value,
                "threshold": goal.threshold,
                "op": goal.op,
                "unit": goal.unit,
                "verdict": verdict,
                "line": line,
            }
        )
        self.say(line)
        return verdict

    def failed(self):
        return [entry for entry in self.targets if entry["verdict"] == "FAIL"]

    def as_dict(self):
        return {
            "bench_results": VERSION,
            "meta": self.meta,
            "figures": self.figures,
            "targets": self.targets,
            "lines": self.lines,
        }

    def default_path(self):
        """results_dir()/bench-<start>-<kind>.json"""
        started = self.meta.get("started") or datetime.datetime.now().isoformat()
        stamp = started[:19].replace(":", "").replace("-", "")
        return results_dir() / f"bench-{stamp}-{self.meta.get('kind', 'run')}.json"

    def write(self, path=None):
        """Write the JSON to ``path`` (default: default_path()); returns the path."""
        path = Path(path or self.default_path())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=1, default=str) + "\n")
        return path


class ResultsError(Exception):
    """A file that is not a bench's results."""


def load(path):
    """The results of one run, as written by :meth:`Results.write`."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ResultsError(f"{path}: {error}") from None
    if not isinstance(data, dict) or data.get("bench_results") != VERSION:
        raise ResultsError(f"{path}: not the JSON of a bench run (version {VERSION})")
    for key, kind in (("meta", dict), ("figures", dict), ("targets", list)):
        if not isinstance(data.get(key), kind):
            raise ResultsError(f"{path}: no {key}")
    return data
