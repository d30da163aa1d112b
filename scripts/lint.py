"""`make lint` (and the first step of `make test`): OCA's checks for 18.0, from
the pinned tools of the test environment (requirements-test.txt, package.json).

- ruff (check and format) on every Python folder;
- pylint-odoo with OCA's mandatory and optional checks (.pylintrc, which holds
  the mandatory ones of .pylintrc-mandatory too): any message fails but the
  few that OCA's .pylintrc marks as not failing the lint step, which are
  printed;
- oca-checks-odoo-module (the add-ons' manifests, XML, CSV) and oca-checks-po
  (their .po and .pot files), as OCA's pre-commit runs them: without
  po-pretty-format, which OCA's template turns off (it would empty every
  Norwegian term spelt as in English, "Pause", "Status", which
  tests/test_addon_files.py requires translated);
- prettier with @prettier/plugin-xml on the files OCA's pre-commit gives it
  (.prettierignore says what is left out, and why), installed from
  package-lock.json into node_modules/ by npm the first time;
- the add-ons' README.rst and index.html as `make readme` makes them.

.pre-commit-config.yaml runs the same tools for contributors.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from harness.driver import say
from harness.odoo_install import ROOT

ADDONS = ("recurring_invoice", "recurring_invoice_queue_job")
PYTHON_PATHS = (*ADDONS, "tests", "harness", "scripts", "faults", "bench")
VENV_BIN = Path(sys.executable).parent

#: What OCA's .pylintrc lists as "messages that do not cause the lint step to
#: fail" and the mandatory checks do not hold.
PYLINT_ADVISORY = {
    "consider-merging-classes-inherited",
    "deprecated-module",
    "redefined-builtin",
}
PYLINT_MESSAGE = re.compile(r"^\S+:\d+: \[\w+\(([\w-]+)\),")

#: The files OCA's pre-commit gives prettier.
PRETTIER_FILES = re.compile(
    r"\.(css|htm|html|js|json|jsx|less|md|scss|ts|xml|yaml|yml)$"
)
PRETTIER = ROOT / "node_modules" / ".bin" / "prettier"


def run(cmd, **kwargs):
    say("$ " + " ".join(str(part) for part in cmd))
    return subprocess.run(cmd, cwd=ROOT, check=False, **kwargs)


def pylint():
    """True when pylint-odoo found nothing but advisory messages."""
    proc = run(
        [VENV_BIN / "pylint", "--rcfile", ROOT / ".pylintrc"]
        + ["--output-format=text", *ADDONS],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    failing = advisory = 0
    for line in proc.stdout.splitlines():
        match = PYLINT_MESSAGE.match(line)
        if not match:
            continue
        if match.group(1) in PYLINT_ADVISORY:
            advisory += 1
            say(f"advisory: {line}")
        else:
            failing += 1
            print(line)
    if failing or (proc.returncode and not advisory):
        sys.stdout.write("" if failing else proc.stdout)
        return False
    return True


def tracked_files(*patterns):
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    return [name for name in proc.stdout.split("\0") if name]


def prettier():
    """True when prettier would change nothing."""
    if not PRETTIER.exists():
        if not shutil.which("npm"):
            say("prettier: npm not found (Debian: apt-get install npm)")
            return False
        install = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        if run(install).returncode:
            return False
    files = [name for name in tracked_files() if PRETTIER_FILES.search(name)]
    return not run([PRETTIER, "--check", "--log-level=warn", *files]).returncode


def lint():
    """Every check above; returns the names of those that failed."""
    failed = []
    if run([VENV_BIN / "ruff", "check", *PYTHON_PATHS]).returncode:
        failed.append("ruff check")
    if run([VENV_BIN / "ruff", "format", "--check", *PYTHON_PATHS]).returncode:
        failed.append("ruff format")
    if not pylint():
        failed.append("pylint-odoo")
    if run([VENV_BIN / "oca-checks-odoo-module", *ADDONS]).returncode:
        failed.append("oca-checks-odoo-module")
    po_files = tracked_files(*(f"{addon}/*.po*" for addon in ADDONS))
    po_check = [VENV_BIN / "oca-checks-po", "--disable=po-pretty-format", *po_files]
    if run(po_check).returncode:
        failed.append("oca-checks-po")
    if not prettier():
        failed.append("prettier")
    if run([VENV_BIN / "python", "-m", "scripts.gen_readme", "--check"]).returncode:
        failed.append("README.rst (make readme)")
    return failed


def main():
    failed = lint()
    for name in failed:
        say(f"lint: {name} FAILED")
    if not failed:
        say("lint: all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
