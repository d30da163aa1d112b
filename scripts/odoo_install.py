"""The installed Odoo 18, as the project's runners find it.

`make test` (scripts/run_tests.py), `make bench` (bench/bench_recurring.py) and
`make test-faults` (faults/run_faults.py) drive real ``odoo`` processes. They
find Odoo the way every add-on does: the ``odoo`` command on PATH, configured by
``~/.odoorc`` (or the file ``$ODOO_RC`` names), whose ``addons_path`` gets this
repository appended. Plain Python, no ``odoo`` import.
"""

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The start of every line of Odoo's log: date, time, pid, level.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")

#: PostgreSQL's environment variables for the database options of the config.
PG_VARIABLES = {
    "db_host": "PGHOST",
    "db_port": "PGPORT",
    "db_user": "PGUSER",
    "db_password": "PGPASSWORD",
}


class OdooMissing(Exception):
    """No usable Odoo 18 here; the message says what is missing."""


class OdooInstall:
    """The ``odoo`` command and its configuration file."""

    def __init__(self, command, rc):
        self.command = command
        self.rc = rc
        config = configparser.ConfigParser(interpolation=None)
        config.read(rc)
        self.options = dict(config["options"]) if config.has_section("options") else {}

    @property
    def addons_path(self):
        """The configured addons path with this repository appended."""
        configured = self.options.get("addons_path", "")
        paths = [path.strip() for path in configured.split(",") if path.strip()]
        return ",".join([*paths, str(ROOT)])

    @property
    def data_dir(self):
        configured = self.options.get("data_dir")
        return Path(configured or Path.home() / ".local/share/Odoo").expanduser()

    def pg_env(self):
        """``os.environ`` with the PG* variables that reach Odoo's database."""
        env = dict(os.environ)
        for option, variable in PG_VARIABLES.items():
            value = self.options.get(option, "")
            if value and value != "False":
                env[variable] = value
        return env


def find_odoo():
    """The installed Odoo 18, or OdooMissing saying why there is none."""
    command = shutil.which("odoo")
    if not command:
        raise OdooMissing("no 'odoo' command on PATH")
    version = subprocess.run(
        [command, "--version"], capture_output=True, text=True, check=False
    ).stdout
    if " 18.0" not in version:
        raise OdooMissing(f"'odoo --version' says {version.strip()!r}, not 18.0")
    rc = Path(os.environ.get("ODOO_RC", Path.home() / ".odoorc"))
    if not rc.is_file():
        raise OdooMissing(f"no Odoo configuration at {rc} (set ODOO_RC)")
    return OdooInstall(command, rc)


def error_lines(log_text):
    """Lines of Odoo's log at level ERROR or CRITICAL."""
    return [
        line
        for line in log_text.splitlines()
        if (match := LOG_LINE.match(line)) and match.group(1) in ("ERROR", "CRITICAL")
    ]
