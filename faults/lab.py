# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a scenario does to Odoo: databases cloned from the base one, the
scripts fed to ``odoo shell`` (the ``shell_*.py`` files next to this one:
templates, the job, the mail queue, queue_job's jobs), two workers started at
the same moment, and the SMTP server (faults/smtp_server.py).

:class:`Suite` is the run's (the pytest session's): Odoo, a working folder for
the logs, the base database (the add-on and the shared data) and the day the
templates start. :class:`Lab` is one scenario's, or one test module's: the
databases it makes, dropped when it ends. Plain Python: Odoo only runs as
``odoo`` / ``odoo shell`` subprocesses, through harness/driver.py.
"""

import json
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from harness.driver import ADDON, Odoo, OdooError

from .checks import bad_lines, describe_errors

FAULTS = Path(__file__).resolve().parent


class ScenarioError(OdooError):
    """A scenario could not run (as opposed to: it ran and found a fault)."""


def faults_odoo():
    """The Odoo that ``make test`` uses (harness/driver.py), whose shells'
    errors are read by checks.bad_lines."""
    return Odoo(bad_lines=bad_lines)


class Suite:
    """The run: Odoo, the folder of Odoo's logs, the database names
    ``ri_faults_<random>_*``, and the base database once :meth:`setup` made
    it."""

    def __init__(self, odoo, workdir, real_pdf=False):
        self.odoo = odoo
        self.workdir = Path(workdir)
        self.real_pdf = real_pdf
        self.prefix = f"ri_faults_{uuid.uuid4().hex[:8]}"
        self.base = None
        self.tomorrow = None

    def db_name(self, suffix):
        return f"{self.prefix}_{suffix}".replace("-", "_")

    def log(self, name):
        return self.workdir / f"{name}.log"

    def setup(self):
        """The base database: the add-on without demo data, then the shared
        data (faults/shell_base.py: chart, tax, product, 50 customers).
        Returns the line that says what was made."""
        started = time.monotonic()
        self.base = self.db_name("base")
        log = self.log("base-install")
        rc = self.odoo.install(self.base, [ADDON], log=log)
        bad = bad_lines(log.read_text())
        if rc or bad:
            raise ScenarioError(f"install failed (rc {rc}): {bad[:1]} see {log}")
        installed = time.monotonic() - started
        result = shell(
            self.odoo,
            self.base,
            "shell_base.py",
            {"RI_CUSTOMERS": "50"},
            self.log("base-data"),
        )
        self.tomorrow = date.fromisoformat(result["tomorrow"])
        return (
            f"base database {self.base} (chart {result['chart']}, tax "
            f"{result['tax']}, {result['customers']} customers) in "
            f"{time.monotonic() - started:.1f}s (install {installed:.1f}s); "
            f"templates start {self.tomorrow}"
        )

    def close(self):
        """Kill the shells still running, drop the base database."""
        for proc in self.odoo.procs:
            proc.kill()
        if self.base:
            self.odoo.drop(self.base)


def shell(odoo, db, script, env, log):
    """Run the script ``script`` of this folder in ``odoo shell`` on ``db``
    and return its RESULT; ScenarioError when it fails, saying the exception
    it died of where its output tells."""
    try:
        return odoo.shell(db, str(FAULTS / script), env, log)
    except OdooError as error:
        text = Path(log).read_text() if Path(log).exists() else ""
        errors = describe_errors(text, width=1000)
        if errors:
            raise ScenarioError(f"{script} failed: {errors[-1]}; see {log}") from None
        raise ScenarioError(str(error)) from None


class Lab:
    """One scenario's work on Odoo (or one test module's, for databases its
    scenarios share): its databases, dropped by :meth:`close`, and its logs,
    named after ``name``."""

    def __init__(self, suite, name, properties=None):
        self.suite = suite
        self.odoo = suite.odoo
        self.name = name
        self.dbs = []
        #: the test's user_properties, which get the details of its verdict
        self.properties = properties if properties is not None else []

    @property
    def tomorrow(self):
        return self.suite.tomorrow

    def log(self, name):
        return self.suite.log(name)

    def db(self, suffix):
        name = self.suite.db_name(suffix)
        self.dbs.append(name)
        return name

    def close(self):
        for db in self.dbs:
            self.odoo.drop(db)
        self.dbs.clear()

    def sql(self, db, query):
        return self.odoo.sql(db, query)

    def count(self, db, query):
        return int(self.odoo.sql(db, query)[0][0])

    def shell(self, db, script, env, log_name):
        return shell(self.odoo, db, script, env, self.log(log_name))

    # -- databases ----------------------------------------------------------

    def clone(self, source, suffix):
        db = self.db(suffix)
        self.odoo.clone(source, db)
        return db

    def with_templates(self, suffix, groups, source=None):
        """A clone of the base database (or ``source``) with ``groups`` of
        templates (faults/shell_templates.py); returns (db, its RESULT)."""
        db = self.clone(source or self.suite.base, suffix)
        result = self.shell(
            db,
            "shell_templates.py",
            {"RI_TEMPLATES": json.dumps(groups)},
            f"{suffix}-setup",
        )
        tomorrow = date.fromisoformat(result["tomorrow"])
        if tomorrow != self.tomorrow:
            raise ScenarioError(f"templates start {tomorrow}, not {self.tomorrow}")
        return db, result

    def install(self, db, module):
        log = self.log(f"{self.name}-install")
        rc = self.odoo.install(db, [module], log=log)
        bad = bad_lines(log.read_text())
        if rc or bad:
            raise ScenarioError(f"{module} install failed (rc {rc}): {bad[:1]}")

    # -- the job --------------------------------------------------------------

    def job_env(self, days, batch, worker, **env):
        """The environment of a job process (faults/shell_job.py) that runs
        at 06:30 local time ``days`` after tomorrow, ``batch`` per call."""
        now_local = self.tomorrow + timedelta(days=days)
        return {
            "RI_NOW_LOCAL": f"{now_local.isoformat()}T06:30",
            "RI_BATCH": str(batch),
            "RI_WORKER": worker,
            "RI_REAL_PDF": "1" if self.suite.real_pdf else "",
            **env,
        }

    def run_job(self, db, name, days, batch, **env):
        """The job, in one ``odoo shell``, run at 06:30 local time ``days``
        after tomorrow; returns its RESULT."""
        return self.shell(
            db, "shell_job.py", self.job_env(days, batch, name, **env), name
        )

    def start_job(self, db, name, days, batch, **env):
        """The job started in an ``odoo shell``, not waited for; its Shell."""
        return self.odoo.start_shell(
            db,
            str(FAULTS / "shell_job.py"),
            self.job_env(days, batch, name, **env),
            self.log(name),
        )

    def run_workers(self, db, name, days, batch, worker_env=None, **env):
        """Run two job processes on ``db`` that start at the same moment (with
        ``env``, and ``worker_env[worker]`` for worker "A" or "B"); returns
        their shells (ended) and the wall time from the start."""
        go_file = self.suite.workdir / f"{name}.go"
        shells = []
        try:
            for worker in ("A", "B"):
                shells.append(
                    self.start_job(
                        db,
                        f"{name}-{worker}",
                        days,
                        batch,
                        RI_GO_FILE=str(go_file),
                        **env,
                        **(worker_env or {}).get(worker, {}),
                    )
                )
            for shell_ in shells:
                if not shell_.wait_line(lambda line: line == "READY", timeout=180):
                    raise ScenarioError(f"a worker did not start, see {shell_.log}")
            started = time.monotonic()
            go_file.touch()
            for shell_ in shells:
                shell_.wait(600)
            return shells, time.monotonic() - started
        finally:
            for shell_ in shells:
                shell_.kill()

    def made_to_send(self, suffix, templates, batch):
        """A database with ``templates`` due monthly templates whose invoices
        are made and posted, ``batch`` per transaction, none sent (as the
        maker leaves them to the sending workers). Returns (db, figures
        text)."""
        started = time.monotonic()
        db, _setup = self.with_templates(
            suffix, [{"period": "month", "count": templates}]
        )
        made = self.run_job(db, f"{suffix}-make", 0, batch, RI_LOOP="make")
        to_send, sent = (
            int(n)
            for n in self.sql(
                db,
                "SELECT count(*) FILTER (WHERE recurring_send_state = 'to_send'), "
                "count(*) FILTER (WHERE recurring_send_state <> 'to_send') "
                "FROM account_move WHERE recurring_template_id IS NOT NULL",
            )[0]
        )
        if to_send != templates or sent:
            raise ScenarioError(
                f"the maker left {to_send} invoices to send and {sent} others, "
                f"want {templates} to send"
            )
        return db, (
            f"{to_send} invoices made and left to send in {made['calls']} batches "
            f"of {batch} ({made['elapsed']:.1f}s, setup "
            f"{time.monotonic() - started:.1f}s)"
        )

    def mail_server(self, db, smtp):
        """Point Odoo's outgoing mail server of ``db`` at ``smtp``."""
        self.shell(
            db,
            "shell_mail.py",
            {"RI_MAIL_STEP": "setup", "RI_SMTP_PORT": str(smtp.port)},
            f"{self.name}-mail-setup",
        )

    def mail_queue(self, db, label):
        """Run Odoo's mail queue once on ``db`` (the e-mails waiting made due
        first); returns shell_mail.py's RESULT."""
        return self.shell(
            db, "shell_mail.py", {"RI_MAIL_STEP": "queue"}, f"{self.name}-{label}"
        )

    # -- the verdict -----------------------------------------------------------

    def conclude(self, details, problems):
        """The scenario's verdict: passed when it found no problem, else failed
        with its problems, then the details."""
        self.properties.append(("details", details))
        assert not problems, "PROBLEMS: " + "; ".join(problems) + f"\n{details}"


class SmtpServer:
    """faults/smtp_server.py in a subprocess, on a port of its own; stopped
    (nothing listens on the port: connections are refused) when its mode is
    None. Its files are the scenario's (``name``): each counts only what it
    was sent."""

    def __init__(self, workdir, name):
        self.mode_file = Path(workdir) / f"{name}-smtp-mode.json"
        self.log = Path(workdir) / f"{name}-smtp-received.jsonl"
        self.log.write_text("")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.proc = None

    def set_mode(self, mode):
        if mode is None:
            self.stop()
            return
        self.mode_file.write_text(json.dumps(mode))
        if self.proc is None:
            self.proc = subprocess.Popen(
                [
                    sys.executable, str(FAULTS / "smtp_server.py"),
                    "--port", str(self.port), "--mode-file", str(self.mode_file),
                    "--log", str(self.log),
                ],
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            line = self.proc.stdout.readline()
            if not line.startswith("LISTENING"):
                raise ScenarioError(f"SMTP server did not start: {line!r}")

    def received(self):
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
