"""`make test`: the linters (`make lint`, scripts/lint.py: OCA's checks), the
pytest suite, the wheel, and the Odoo suite.

The Odoo suite installs the add-on with its tests into a fresh throw-away
database, then uninstalls it, and fails on any failing test, on any ERROR or
CRITICAL line in Odoo's log, and when Odoo ran no test at all. It runs the
user's own Odoo 18, else the one built in the per-user cache (built the first
time), through harness/driver.py; where neither can be had, it is skipped and
the reason is printed. A private PostgreSQL cluster it had to start is stopped
at the end. The last line counts both suites: ``N passed, N failed, N skipped``.

The bridge recurring_invoice_queue_job is linted and packaged the same way, and
its tests run in a second throw-away database when OCA's queue_job can be had
(harness/oca_addons.py: on the addons path, already installed, or installed
from PyPI into the cached build's environment); else one line says it was
skipped, and it counts as one skipped test.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.driver import ADDON, NO_SERVER, Odoo, OdooError, error_lines, say
from harness.oca_addons import ensure_oca_addon
from harness.odoo_cache import OdooMissing
from harness.odoo_install import ROOT, find_odoo
from scripts.lint import lint

#: The optional integration with OCA's queue_job, and what it needs.
BRIDGE = "recurring_invoice_queue_job"
BRIDGE_NEEDS = "queue_job"

UNINSTALL = Path(__file__).with_name("shell_uninstall.py")
VENV_BIN = Path(sys.executable).parent
LOG_DIR = ROOT / ".odoo-test-logs"

ODOO_RESULT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|error|errors)\b")
ODOO_SKIP = re.compile(r" INFO \S+ \S+: skipped (.*)$")


def run(cmd, **kwargs):
    say("$ " + " ".join(str(part) for part in cmd))
    return subprocess.run(cmd, cwd=ROOT, check=False, **kwargs)


def pytest_suite():
    """Run the plain pytest suite; returns (passed, failed, skipped)."""
    proc = run(
        [VENV_BIN / "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sys.stdout.write(proc.stdout)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    for number, word in PYTEST_COUNT.findall(summary):
        counts[word if word in counts else "failed"] += int(number)
    if proc.returncode not in (0, 5) and not counts["failed"]:
        counts["failed"] = 1  # pytest broke before counting (collection error)
    return counts["passed"], counts["failed"], counts["skipped"]


def build_wheel(addon=ADDON):
    """Build the add-on's wheel the way OCA does (whool); True when it builds."""
    with tempfile.TemporaryDirectory() as out:
        proc = run(
            [
                VENV_BIN / "python",
                "-m",
                "build",
                "--wheel",
                "--no-isolation",
                "--outdir",
                out,
                ROOT / addon,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wheels = list(Path(out).glob("*.whl"))
        if proc.returncode or not wheels:
            sys.stdout.write(proc.stdout)
            return False
        say(f"wheel: {wheels[0].name}")
        return True


def odoo_suite(odoo, addon=ADDON, modules=(ADDON, "l10n_no"), kind="test"):
    """Install ``modules`` with the tests of ``addon``, then uninstall
    ``addon``, in a throw-away database.

    Returns (passed, failed, skipped)."""
    LOG_DIR.mkdir(exist_ok=True)
    passed = failed = skipped = 0
    prefix = "" if addon == ADDON else f"{addon}-"
    install_log = LOG_DIR / f"{prefix}install.log"
    uninstall_log = LOG_DIR / f"{prefix}uninstall.log"
    suite = "Odoo suite" if addon == ADDON else f"Odoo suite ({addon})"
    with odoo.throwaway_database(kind) as database:
        returncode = odoo.run(
            database,
            "-i",
            # with Norway's localisation, and demo data as OCA's CI and
            # Odoo's runbot install it
            ",".join(modules),
            "--test-enable",
            "--test-tags",
            f"/{addon}",
            "--stop-after-init",
            *NO_SERVER,
            log=install_log,
            echo=True,
        )
        log = install_log.read_text()
        result = ODOO_RESULT.search(log)
        bad = error_lines(log)
        skips = [
            match.group(1) for match in map(ODOO_SKIP.search, log.splitlines()) if match
        ]
        for reason in skips:
            say(f"{suite}: skipped {reason}")
        skipped += len(skips)
        if result:
            fails, errors, total = map(int, result.groups())
            failed += fails + errors
            passed += total - fails - errors - len(skips)
        for line in bad:
            say(f"odoo log: {line}")
        if not result or not total:
            say(f"{suite}: Odoo ran no test (see {install_log})")
            failed += 1
        elif bad and not (fails + errors):
            failed += 1  # an ERROR outside any test still fails the run
        if returncode and not (fails + errors):
            say(f"Odoo exited with {returncode}")
            failed += 1
        say(f"{suite}: {result.group(0) if result else 'no result line'}")

        try:
            uninstalled = odoo.shell(
                database, UNINSTALL, env={"RI_UNINSTALL": addon}, log=uninstall_log
            )["state"]
        except OdooError:
            uninstalled = None
        if uninstalled == "uninstalled":
            say(f"{suite}: uninstall ... ok")
            passed += 1
        else:
            say(f"{suite}: uninstall FAILED (see {uninstall_log})")
            failed += 1
    return passed, failed, skipped


def queue_job_available(odoo, install):
    """Whether OCA's queue_job can be had by this Odoo: on its addons path,
    importable from its Python, or (the cached build only: a user's own
    environment is left alone) installed there from PyPI."""
    for folder in odoo.addons_path.split(","):
        if (Path(folder.strip()) / BRIDGE_NEEDS / "__manifest__.py").is_file():
            return True
    if install.cache is None:
        return ensure_oca_addon(odoo.command, BRIDGE_NEEDS, say=say, install=False)
    return ensure_oca_addon(odoo.command, BRIDGE_NEEDS, say=say)


def bridge_suite(odoo, install):
    """The bridge's tests in a second throw-away database, when queue_job
    can be had; else one skipped. Returns (passed, failed, skipped)."""
    if not queue_job_available(odoo, install):
        say(f"Odoo suite ({BRIDGE}): skipped: {BRIDGE_NEEDS} not available")
        return 0, 0, 1
    return odoo_suite(odoo, addon=BRIDGE, modules=(BRIDGE,), kind="qj")


def main():
    passed = failed = skipped = 0
    lint_failures = lint()
    failed += len(lint_failures)
    for name in lint_failures:
        say(f"lint: {name} FAILED")

    p, f, s = pytest_suite()
    passed += p
    failed += f
    skipped += s

    odoo = missing = install = None
    try:
        install = find_odoo()
        say(f"Odoo 18: {install.command} -c {install.rc}")
        odoo = Odoo(install)
    except OdooMissing as error:
        missing = error
    for addon in (ADDON, BRIDGE):
        if not build_wheel(addon):
            say(f"wheel: {addon} build FAILED")
            failed += 1
    if odoo:
        try:
            p, f, s = odoo_suite(odoo)
            p2, f2, s2 = bridge_suite(odoo, install)
            p, f, s = p + p2, f + f2, s + s2
        finally:
            stopped = odoo.close()
            if stopped:
                say(f"PostgreSQL: stopped the private cluster in {stopped.folder}")
        passed += p
        failed += f
        skipped += s
    else:
        say(f"Odoo suite skipped: missing {missing}")
    say(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
