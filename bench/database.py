"""The bench's one throw-away database, driven through harness/driver.py.

Installs, the steps of bench/shell/ (each in a fresh ``odoo shell`` fed
bench/bench_shell.py), an Odoo HTTP server for the PDFs' assets or a
production-like server with cron workers; the ERROR lines of every log are
kept for the end. Plain Python, no ``odoo`` import.
"""

import dataclasses
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness.driver import Odoo, OdooError, error_lines, say

SHELL_SCRIPT = Path(__file__).resolve().with_name("bench_shell.py")
STEP_TIMEOUT = 45 * 60


class BenchError(OdooError):
    """A step did not do what the bench measures (the message says what)."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class BenchDatabase:
    """The bench's one throw-away database, driven through harness/driver.py:
    installs, the steps of bench_shell.py, the HTTP server for the PDFs; the
    ERROR lines of every log are kept for the end."""

    driver: Odoo
    database: str
    log_dir: Path
    error_lines: list = dataclasses.field(default_factory=list)
    server: subprocess.Popen | None = None
    server_label: str = "http-server"

    def _log(self, label):
        return self.log_dir / f"{label}.log"

    def _check_log(self, path):
        text = path.read_text(errors="replace")
        self.error_lines += [f"{path.name}: {line}" for line in error_lines(text)]
        return text

    def install(self, modules):
        """Install ``modules`` without demo data; True when Odoo exited 0."""
        log = self._log("install-" + "-".join(modules))
        returncode = self.driver.install(
            self.database,
            modules,
            "--log-level",
            "warn",
            log=log,
            timeout=STEP_TIMEOUT,
        )
        self._check_log(log)
        return returncode == 0

    def shell(self, step, label=None, **variables):
        """Run the step ``step`` (``module.function`` of bench/shell/) in a
        fresh ``odoo shell`` with ``BENCH_*`` ``variables``; returns its
        RESULT. ``label`` names its log."""
        label = label or step.replace(".", "-")
        env = {key: str(value) for key, value in variables.items()}
        shell = self.driver.start_shell(
            self.database,
            SHELL_SCRIPT,
            {"BENCH_STEP": step, **env},
            self._log(label),
            log_level="warn",
        )
        shell.wait(STEP_TIMEOUT)
        text = self._check_log(shell.log)
        if shell.result is None:
            tail = "\n".join(text.strip().splitlines()[-25:])
            raise BenchError(
                f"step {label} gave no result (exit {shell.returncode}):\n{tail}"
            )
        return shell.result

    def start_server(self):
        """An Odoo HTTP server on this database only, no cron thread: it serves
        the report's CSS to wkhtmltopdf, as the production server does."""
        port = free_port()
        self.server = self.driver.start(
            self.database,
            "--http-port",
            str(port),
            "--http-interface",
            "127.0.0.1",
            "--max-cron-threads",
            "0",
            "--workers",
            "0",
            "--db-filter",
            f"^{re.escape(self.database)}$",
            "--log-level",
            "warn",
            log=self._log("http-server"),
        )
        self.server_label = "http-server"
        return self._wait_for_server(
            port, "the Odoo HTTP server for the PDFs", timeout=90, pause=1
        )

    def start_cron_server(self, port, label, *options, env=None):
        """The production-like server: Odoo's HTTP server (it serves the
        report's CSS to wkhtmltopdf) with the real scheduler, its cron workers
        as ``options`` say; outgoing SMTP points at a closed local port.
        Returns once it answers (its registry is loaded)."""
        self.stop_server()
        smtp_port = free_port()  # nothing listens there: a mail could not leave
        args = [
            "--http-port",
            str(port),
            "--http-interface",
            "127.0.0.1",
            "--db-filter",
            f"^{re.escape(self.database)}$",
            "--smtp",
            "127.0.0.1",
            "--smtp-port",
            str(smtp_port),
            "--log-level",
            "info",
            *options,
        ]
        with open(self._log(label), "w") as out:
            self.server = subprocess.Popen(
                [self.driver.command, *self.driver.options(self.database, *args)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.driver.env(env),
                start_new_session=True,
            )
        self.server_label = label
        return self._wait_for_server(
            port, f"the Odoo server {label}", timeout=120, pause=0.5
        )

    def _wait_for_server(self, port, name, timeout, pause):
        """Wait until the server just started (``name`` in the errors)
        answers on ``port``, looking every ``pause`` seconds, ``timeout``
        seconds at most. Returns its URL."""
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"{name} did not start")
            try:
                with urllib.request.urlopen(f"{url}/web/login", timeout=5) as answer:
                    if answer.status == 200:
                        return url
            except (urllib.error.URLError, OSError):
                time.sleep(pause)
        raise BenchError(f"{name} did not answer")

    def stop_server(self):
        if not self.server:
            return
        if self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self._check_log(self._log(self.server_label))
        self.server = None

    def drop(self):
        """Drop the database and its filestore; False (said why) when it could
        not be dropped."""
        try:
            self.driver.drop(self.database, check=True)
        except OdooError as error:
            say(f"could not drop {self.database}: {error}")
            return False
        return True
