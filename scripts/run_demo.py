"""`make run`: a demo database with the add-on, its demo data and Norwegian,
then Odoo on http://localhost:8069. `make stop` (``--stop``): stop the private
PostgreSQL cluster that `make run` started and left running for the server.

Odoo is found as `make test` finds it (harness/odoo_install.py): the user's own,
else the one built in the per-user cache, built the first time.
"""

import argparse
import os
import subprocess
import sys

from harness.odoo_cache import Cluster, OdooMissing, cache_dir, say
from harness.odoo_install import find_odoo

ADDON = "recurring_invoice"


def run(database):
    try:
        install = find_odoo()
        if install.reach_database():
            say("PostgreSQL: the private cluster stays up; `make stop` stops it")
    except OdooMissing as error:
        say(f"Missing: {error}")
        return 1
    odoo = [str(install.command), "-c", str(install.rc), "-d", database]
    odoo += ["--addons-path", install.addons_path]
    state = subprocess.run(
        ["psql", "-X", "-d", database, "-tAc"]
        + [f"SELECT state FROM ir_module_module WHERE name = '{ADDON}'"],
        env=install.pg_env(),
        capture_output=True,
        text=True,
    ).stdout.strip()
    if state != "installed":
        say(f"Creating {database}: {ADDON}, l10n_no, their demo data (Norwegian)...")
        created = subprocess.run(
            [*odoo, "-i", f"{ADDON},l10n_no", "--stop-after-init"]
            + ["--max-cron-threads", "0"],
            env=install.pg_env(),
        )
        if created.returncode:
            return created.returncode
    say(
        f"Odoo is starting on http://localhost:8069 (database {database}); "
        "log in as admin / admin."
    )
    command = [*odoo, "--http-port", "8069", "--db-filter", f"^{database}$"]
    os.execve(odoo[0], command, install.pg_env())


def stop():
    try:
        cluster = Cluster(cache_dir())
        if not cluster.running():
            say("No private PostgreSQL cluster is running.")
            return 0
        cluster.stop()
    except OdooMissing as error:
        say(f"make stop: {error}")
        return 1
    say(f"PostgreSQL: stopped the private cluster in {cluster.folder}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop", action="store_true", help="stop the private cluster")
    args = parser.parse_args()
    if args.stop:
        return stop()
    return run(os.environ.get("DEMO_DB", "recurring_demo"))


if __name__ == "__main__":
    sys.exit(main())
