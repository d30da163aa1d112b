"""The one way the runners drive the real Odoo 18 and its PostgreSQL.

`make test`, `make run`, `make i18n`, `make test-faults` and `make bench` all
go through :class:`Odoo`: the Odoo that :func:`~harness.odoo_install.find_odoo`
finds (the user's own, else the cached build), PostgreSQL's tools connected as
its configuration says, throw-away databases (cloned, dropped with their
filestore), ``odoo`` runs, and ``odoo shell`` processes fed a script
(:class:`Shell`), whose answer is their last ``RESULT {json}`` line. The
processes started here find this repository's packages on PYTHONPATH, so a
script fed to ``odoo shell`` can import :mod:`harness.fixtures`. Plain Python,
no ``odoo`` import.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

from .odoo_install import ROOT, find_odoo

ADDON = "recurring_invoice"
#: Options of an ``odoo`` that serves nothing: no HTTP port, no cron thread.
NO_SERVER = ("--http-port", "0", "--max-cron-threads", "0")
#: The start of every line of Odoo's log: date, time, pid, level.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
#: psql's field separator in :meth:`Odoo.sql` (no value of ours contains it).
SEP = "\x1f"


class OdooError(Exception):
    """Odoo or PostgreSQL did not do what it was asked; the message says what."""


def say(message=""):
    print(message, flush=True)


def error_lines(log_text):
    """Lines of Odoo's log at level ERROR or CRITICAL."""
    return [
        line
        for line in log_text.splitlines()
        if (match := LOG_LINE.match(line)) and match.group(1) in ("ERROR", "CRITICAL")
    ]


class Odoo:
    """The ``odoo`` command with its configuration, and PostgreSQL's tools
    connected the way that configuration says.

    ``Odoo()`` finds Odoo (or takes the ``install`` found) and makes sure
    PostgreSQL answers; OdooMissing says what is missing. ``bad_lines`` says
    which lines of a shell's output tell of an error (:meth:`shell` fails on
    them). :meth:`close` kills the shells still running and stops the private
    PostgreSQL cluster started here."""

    def __init__(self, install=None, bad_lines=error_lines):
        install = install or find_odoo()
        #: the private PostgreSQL cluster started here, stopped by close()
        self.cluster = install.reach_database()
        self.command = install.command
        self.rc = install.rc
        self.addons_path = install.addons_path
        self.data_dir = install.data_dir
        self.pg_env = install.pg_env()
        self.bad_lines = bad_lines
        self.procs = []

    def options(self, db, *more):
        """``odoo``'s options for ``db`` (configuration, addons path), then ``more``."""
        return ["-c", str(self.rc), "-d", db, "--addons-path", self.addons_path, *more]

    def env(self, extra=None):
        """The environment of the processes started here: PostgreSQL's, this
        repository on PYTHONPATH, then ``extra``."""
        path = [str(ROOT), *filter(None, [self.pg_env.get("PYTHONPATH")])]
        return {**self.pg_env, "PYTHONPATH": os.pathsep.join(path), **(extra or {})}

    def close(self):
        """Kill the shells still running, stop the private cluster started here;
        returns that cluster (None when there was none)."""
        for shell in self.procs:
            shell.kill()
        cluster, self.cluster = self.cluster, None
        if cluster:
            cluster.stop()
        return cluster

    # -- PostgreSQL -----------------------------------------------------------

    def pg(self, *cmd, check=True):
        proc = subprocess.run(
            cmd, env=self.pg_env, capture_output=True, text=True, check=False
        )
        if check and proc.returncode:
            raise OdooError(f"{' '.join(cmd)}: {proc.stderr.strip()}")
        return proc

    def sql(self, db, query, check=True):
        """Rows of ``query`` as tuples of strings ('' for NULL)."""
        proc = self.pg(
            "psql", "-X", "-q", "-A", "-t", "-F", SEP, "-v", "ON_ERROR_STOP=1",
            "-d", db, "-c", query, check=check,
        )  # fmt: skip
        return [tuple(line.split(SEP)) for line in proc.stdout.splitlines() if line]

    def backends(self, db):
        rows = self.sql(
            "postgres",
            "SELECT count(*) FROM pg_stat_activity "
            f"WHERE datname = '{db}' AND pid <> pg_backend_pid()",
        )
        return int(rows[0][0])

    def wait_idle(self, db, timeout=60):
        """Wait until no session is connected to ``db`` (a killed client's
        backend rolls back and ends)."""
        deadline = time.monotonic() + timeout
        while self.backends(db):
            if time.monotonic() > deadline:
                raise OdooError(f"sessions still connected to {db}")
            time.sleep(0.1)

    def clone(self, source, target):
        """``target``: a copy of the database ``source`` and its filestore."""
        self.wait_idle(source)
        self.pg("createdb", "-T", source, target)
        store = self.data_dir / "filestore" / source
        if store.is_dir():
            shutil.copytree(store, self.data_dir / "filestore" / target)

    def drop(self, db, check=False):
        """Drop ``db`` (its sessions ended) and its filestore."""
        self.pg("dropdb", "--if-exists", "--force", db, check=check)
        shutil.rmtree(self.data_dir / "filestore" / db, ignore_errors=True)

    @contextlib.contextmanager
    def throwaway_database(self, kind):
        """A fresh database name ``ri_<kind>_<random>`` (the database is made by
        the first Odoo run on it), dropped with its filestore at the end."""
        db = f"ri_{kind}_{uuid.uuid4().hex[:10]}"
        try:
            yield db
        finally:
            self.drop(db)

    # -- Odoo -----------------------------------------------------------------

    def run(self, db, *args, log=None, echo=False, timeout=None):
        """Run ``odoo`` on ``db`` with ``args`` until it ends; its output goes
        to the file ``log``, else to ours (``echo`` prints the command first).
        Returns its exit code."""
        cmd = [self.command, *self.options(db, *args)]
        if echo:
            say("$ " + " ".join(map(str, cmd)))
        with open(log, "w") if log else contextlib.nullcontext() as out:
            try:
                proc = subprocess.run(
                    cmd,
                    stdout=out,
                    stderr=subprocess.STDOUT if out else None,
                    env=self.env(),
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise OdooError(f"odoo timed out after {timeout}s") from None
        return proc.returncode

    def install(self, db, modules, *more, log=None, timeout=None):
        """Install ``modules`` without demo data into ``db`` (made when missing),
        then stop; returns Odoo's exit code."""
        return self.run(
            db,
            *("-i", ",".join(modules), "--without-demo=all", "--stop-after-init"),
            *NO_SERVER,
            *more,
            log=log,
            timeout=timeout,
        )

    def start(self, db, *args, log):
        """Start ``odoo`` on ``db`` with ``args`` in a session of its own, its
        output into the file ``log``; returns its Popen."""
        with open(log, "w") as out:
            return subprocess.Popen(
                [self.command, *self.options(db, *args)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
            )

    def start_shell(self, db, script, env, log, log_level="info"):
        """Start ``odoo shell`` on ``db`` fed the file ``script``, with ``env``
        added to its environment; returns a :class:`Shell`."""
        shell = Shell(self, db, script, env, log, log_level)
        self.procs.append(shell)
        return shell

    def shell(self, db, script, env=None, log=None, timeout=600):
        """Run ``script`` in ``odoo shell`` and return its RESULT; raises
        OdooError when it fails, prints no RESULT or logs a bad line."""
        shell = self.start_shell(db, script, env or {}, log)
        shell.wait(timeout)
        if shell.returncode or shell.result is None or shell.bad:
            raise OdooError(
                f"{Path(script).name} failed (rc {shell.returncode}): "
                f"{(shell.bad or ['no RESULT'])[0]} see {log}"
            )
        return shell.result


class Shell:
    """An ``odoo shell`` process fed a script on stdin. Its stdout is read line
    by line (``lines``); its log goes to the file ``log``, which gets the
    stdout appended when it ends."""

    def __init__(self, odoo, db, script, env, log, log_level="info"):
        self.odoo = odoo
        self.log = Path(log)
        self.lines = []
        self.cond = threading.Condition()
        self.stdin = open(script)  # noqa: SIM115 - closed in wait()
        self.stderr = open(self.log, "w")  # noqa: SIM115 - closed in wait()
        self.proc = subprocess.Popen(
            [
                odoo.command,
                "shell",
                *odoo.options(db, *NO_SERVER, "--log-level", log_level),
            ],
            stdin=self.stdin,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=odoo.env(env),
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.returncode = None

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, predicate, timeout):
        """Wait for a stdout line matching ``predicate``; False on timeout or
        when the process ended first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    if predicate(line):
                        return True
                seen = len(self.lines)
                if self.proc.poll() is not None and not self.reader.is_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.5))

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.returncode = self.proc.wait()
            self.reader.join(5)
            raise OdooError(f"timed out after {timeout}s, see {self.log}") from None
        except BaseException:  # interrupted: the shell does not outlive the wait
            self.kill()
            raise
        finally:
            self.reader.join(5)
            self.stdin.close()
            self.stderr.close()
            with open(self.log, "a") as log:
                log.write("\n--- stdout ---\n" + "\n".join(self.lines) + "\n")
        return self.returncode

    @property
    def output(self):
        return self.log.read_text()

    @property
    def result(self):
        for line in reversed(self.lines):
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        return None

    @property
    def bad(self):
        return self.odoo.bad_lines(self.output)
