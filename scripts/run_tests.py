"""`make test`: linters, the pytest suite, the wheel, and the Odoo suite.

The Odoo suite installs the add-on with its tests into a fresh throw-away
database, then uninstalls it, and fails on any failing test, on any ERROR or
CRITICAL line in Odoo's log, and when Odoo ran no test at all. It runs the
user's own Odoo 18, else the one built in the per-user cache (built the first
time, see harness/odoo_cache.py); where neither can be had, it is skipped and the
reason is printed. A private PostgreSQL cluster it had to start is stopped at
the end. The last line counts both suites: ``N passed, N failed, N skipped``.
"""

import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from harness.odoo_install import OdooMissing, error_lines, find_odoo

ROOT = Path(__file__).resolve().parent.parent
ADDON = "recurring_invoice"
VENV_BIN = Path(sys.executable).parent
LOG_DIR = ROOT / ".odoo-test-logs"

ODOO_RESULT = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|error|errors)\b")
ODOO_SKIP = re.compile(r" INFO \S+ \S+: skipped (.*)$")


def say(message):
    print(message, flush=True)


def run(cmd, **kwargs):
    say("$ " + " ".join(str(part) for part in cmd))
    return subprocess.run(cmd, cwd=ROOT, check=False, **kwargs)


def lint():
    """Ruff and pylint-odoo; returns the names of the linters that failed."""
    failed = []
    python_paths = [ADDON, "tests", "harness", "scripts", "faults", "bench"]
    if run([VENV_BIN / "ruff", "check", *python_paths]).returncode:
        failed.append("ruff check")
    if run([VENV_BIN / "ruff", "format", "--check", *python_paths]).returncode:
        failed.append("ruff format")
    pylint = run([VENV_BIN / "pylint", "--rcfile", ROOT / ".pylintrc-mandatory", ADDON])
    if pylint.returncode:
        failed.append("pylint-odoo")
    return failed


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


def build_wheel():
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
                ROOT / ADDON,
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


def odoo_suite(install):
    """Install with tests, then uninstall, in a throw-away database.

    Returns (passed, failed, skipped)."""
    database = f"ri_test_{uuid.uuid4().hex[:10]}"
    LOG_DIR.mkdir(exist_ok=True)
    options = ["-c", install.rc, "-d", database, "--addons-path", install.addons_path]
    odoo, pg_env = install.command, install.pg_env()
    filestore = install.data_dir / "filestore" / database
    passed = failed = skipped = 0
    try:
        install = run(
            [
                odoo,
                *options,
                "-i",
                # with Norway's localisation, and demo data as OCA's CI and
                # Odoo's runbot install it
                f"{ADDON},l10n_no",
                "--test-enable",
                "--test-tags",
                f"/{ADDON}",
                "--stop-after-init",
                "--http-port",
                "0",
                "--max-cron-threads",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        log = install.stdout
        (LOG_DIR / "install.log").write_text(log)
        result = ODOO_RESULT.search(log)
        bad = error_lines(log)
        skips = [
            match.group(1) for match in map(ODOO_SKIP.search, log.splitlines()) if match
        ]
        for reason in skips:
            say(f"Odoo suite: skipped {reason}")
        skipped += len(skips)
        if result:
            fails, errors, total = map(int, result.groups())
            failed += fails + errors
            passed += total - fails - errors - len(skips)
        for line in bad:
            say(f"odoo log: {line}")
        if not result or not total:
            say("Odoo suite: Odoo ran no test (see .odoo-test-logs/install.log)")
            failed += 1
        elif bad and not (fails + errors):
            failed += 1  # an ERROR outside any test still fails the run
        if install.returncode and not (fails + errors):
            say(f"Odoo exited with {install.returncode}")
            failed += 1
        say(f"Odoo suite: {result.group(0) if result else 'no result line'}")

        uninstall = run(
            [odoo, "shell", *options],
            input=(
                f"env['ir.module.module'].search([('name', '=', '{ADDON}')])"
                ".button_immediate_uninstall()\n"
                f"state = env['ir.module.module'].search([('name', '=', '{ADDON}')])"
                ".state\n"
                "print('UNINSTALL-STATE', state)\n"
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        (LOG_DIR / "uninstall.log").write_text(uninstall.stdout)
        if "UNINSTALL-STATE uninstalled" in uninstall.stdout and not error_lines(
            uninstall.stdout
        ):
            say("Odoo suite: uninstall ... ok")
            passed += 1
        else:
            say("Odoo suite: uninstall FAILED (see .odoo-test-logs/uninstall.log)")
            failed += 1
    finally:
        subprocess.run(
            ["dropdb", "--if-exists", database],
            env=pg_env,
            check=False,
            capture_output=True,
        )
        shutil.rmtree(filestore, ignore_errors=True)
    return passed, failed, skipped


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

    install = started = missing = None
    try:
        install = find_odoo()
        say(f"Odoo 18: {install.command} -c {install.rc}")
        started = install.reach_database()
    except OdooMissing as error:
        install, missing = None, error
    if not build_wheel():
        say("wheel: build FAILED")
        failed += 1
    if install:
        try:
            p, f, s = odoo_suite(install)
        finally:
            if started:
                started.stop()
                say(f"PostgreSQL: stopped the private cluster in {started.folder}")
        passed += p
        failed += f
        skipped += s
    else:
        say(f"Odoo suite skipped: missing {missing}")
    say(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
