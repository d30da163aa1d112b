# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fault suite's fixtures (`make test-faults`: ``pytest faults``).

``odoo`` (the session's)
    Odoo as ``make test`` finds it (the user's own, else the cached build;
    harness/driver.py); the private PostgreSQL cluster it may have started is
    stopped at the end.
``suite`` (the session's)
    The folder of Odoo's logs, and the base database that every scenario's
    database is cloned from: the add-on without demo data and the shared
    data (faults/shell_base.py). Made once; when it cannot be made, every
    scenario errors with the reason. Dropped at the end.
``lab``
    One scenario's work on Odoo (faults/lab.py), named after its test
    (``test_two_workers`` is ``two-workers``, ``test_crash[in-summary]`` is
    ``crash-in-summary``, as its logs are): its databases are dropped when it
    ends, on failure too.
``smtp``
    The scenario's SMTP server (faults/smtp_server.py), not yet listening:
    ``smtp.set_mode(...)`` starts it; stopped when the scenario ends.

Options: ``--keep-logs`` keeps Odoo's logs (they are kept when a scenario
fails; the folder is printed in the section ``fault suite`` before pytest's
summary), ``--real-pdf`` renders the invoice PDFs with the real wkhtmltopdf
instead of a one-page stub (over a second per invoice). Each scenario that
passes prints its figures under its line (``-v``). SIGTERM ends the run as
Ctrl-C does: the shells are killed and the databases dropped.
"""

import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from .lab import Lab, SmtpServer, Suite, faults_odoo

#: What the section ``fault suite`` of the terminal summary says.
NOTES = {}


def pytest_addoption(parser):
    group = parser.getgroup("faults", "the fault suite (faults/)")
    group.addoption(
        "--keep-logs",
        action="store_true",
        help="keep Odoo's logs (they are kept when a scenario fails)",
    )
    group.addoption(
        "--real-pdf",
        action="store_true",
        help="render invoice PDFs with wkhtmltopdf instead of a stub (slow)",
    )


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    signal.signal(signal.SIGTERM, _interrupted)


@pytest.fixture(scope="session")
def odoo():
    odoo = faults_odoo()
    try:
        yield odoo
    finally:
        odoo.close()


@pytest.fixture(scope="session")
def suite(odoo, request):
    workdir = Path(tempfile.mkdtemp(prefix="ri_faults_"))
    NOTES["workdir"] = workdir
    suite = Suite(odoo, workdir, real_pdf=request.config.getoption("real_pdf"))
    try:
        NOTES["setup"] = suite.setup()
        yield suite
    except Exception as error:
        NOTES["setup"] = f"setup failed: {error}"
        raise
    finally:
        suite.close()


def _scenario_name(node):
    name = node.originalname.removeprefix("test_").replace("_", "-")
    callspec = getattr(node, "callspec", None)
    return f"{name}-{callspec.id}" if callspec else name


@pytest.fixture
def lab(suite, request):
    lab = Lab(suite, _scenario_name(request.node), request.node.user_properties)
    try:
        yield lab
    finally:
        for shell in suite.odoo.procs:
            shell.kill()
        lab.close()


@pytest.fixture
def smtp(suite, lab):
    server = SmtpServer(suite.workdir, lab.name)
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    """A passed scenario's figures, under its line."""
    if report.when != "call" or not report.passed:
        return
    terminal = NOTES.get("terminal")
    for key, value in report.user_properties:
        if key == "details" and terminal:
            terminal.write_line(f"    {value}")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    NOTES["terminal"] = session.config.pluginmanager.get_plugin("terminalreporter")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Where Odoo's logs are; they are removed when every scenario passed
    (unless --keep-logs)."""
    workdir = NOTES.get("workdir")
    if not workdir:
        return
    terminalreporter.section("fault suite")
    if "setup" in NOTES:
        terminalreporter.write_line(NOTES["setup"])
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if failed or exitstatus or config.getoption("keep_logs"):
        terminalreporter.write_line(f"logs: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        terminalreporter.write_line(
            "logs: removed (all passed; --keep-logs keeps them)"
        )
