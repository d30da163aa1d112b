"""The Odoo 18 the project's runners use, and its PostgreSQL.

`make test` (scripts/run_tests.py), `make run` (scripts/run_demo.py), `make bench`
(bench/bench_recurring.py) and `make test-faults` (the pytest suite faults/) drive
real ``odoo`` processes through harness/driver.py, which finds Odoo here. A
user's own Odoo always wins: the ``odoo`` command on PATH, configured by
``~/.odoorc`` (or the file ``$ODOO_RC`` names). Without one, they use the Odoo
18 built in the per-user cache (harness/odoo_cache.py), built the first time.
Either way the configuration's ``addons_path`` gets this repository appended.
Plain Python, no ``odoo`` import.
"""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

from .odoo_cache import (
    Cluster,
    OdooMissing,
    cache_dir,
    cached_odoo,
    locked,
    os_user,
    say,
)

ROOT = Path(__file__).resolve().parent.parent

#: PostgreSQL's environment variables for the database options of the config.
PG_VARIABLES = {
    "db_host": "PGHOST",
    "db_port": "PGPORT",
    "db_user": "PGUSER",
    "db_password": "PGPASSWORD",
}


class OdooInstall:
    """The ``odoo`` command and its configuration file; ``cache`` is the
    cache's folder when it is the cached build."""

    def __init__(self, command, rc, cache=None):
        self.command = command
        self.rc = rc
        self.cache = cache
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

    def reach_database(self):
        """Make sure PostgreSQL answers; returns the private cluster when this
        call started it (for the caller to stop), else None.

        An installed Odoo uses the server its configuration names. The cached
        build uses the server answering on the default socket, with a role for
        the current user, else its private cluster, which every process started
        from here reaches through PGHOST."""
        if not shutil.which("pg_isready"):
            raise OdooMissing("PostgreSQL (apt-get install postgresql)")
        if not subprocess.run(["pg_isready", "-q"], env=self.pg_env()).returncode:
            if self.cache:
                self.ensure_role()
            return None
        if not self.cache:
            raise OdooMissing(f"PostgreSQL (no server answers as {self.rc} says)")
        with locked(self.cache):
            cluster = Cluster(self.cache)
            os.environ["PGHOST"] = str(cluster.socket_dir)
            if cluster.running():
                return None
            say(f"PostgreSQL: no server answers; starting the cluster {cluster.folder}")
            cluster.start()
        return cluster

    def ensure_role(self):
        """Create the database role of the configuration when the server lacks
        it: root can, as the ``postgres`` OS user."""
        env = self.pg_env()
        user = env.get("PGUSER", os_user())
        probe = subprocess.run(
            ["psql", "-X", "-d", "postgres", "-c", "SELECT 1"],
            env=env,
            capture_output=True,
            text=True,
        )
        if f'role "{user}" does not exist' not in probe.stderr:
            return
        env.pop("PGUSER")
        create = ["runuser", "-u", "postgres", "--", "createuser", "-s", user]
        if os.geteuid() or subprocess.run(create, env=env, cwd="/").returncode:
            raise OdooMissing(
                f"PostgreSQL role {user} "
                f"(create it: sudo -u postgres createuser -s {user})"
            )


def find_odoo():
    """The Odoo 18 to use: the installed one, else the cached build (built when
    needed); OdooMissing says why there is none."""
    try:
        return installed_odoo()
    except OdooMissing as not_installed:
        try:
            command, rc = cached_odoo()
        except OdooMissing as error:
            raise OdooMissing(
                f"Odoo 18 ({not_installed}; the build in {cache_dir()}: {error})"
            ) from None
        return OdooInstall(command, rc, cache=cache_dir())


def installed_odoo():
    """The user's own Odoo 18, or OdooMissing saying why there is none."""
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
