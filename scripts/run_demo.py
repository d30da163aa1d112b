"""`make run`: a demo database with the add-on, its demo data and Norwegian,
then Odoo on http://localhost:8069. `make stop` (``--stop``): stop the private
PostgreSQL cluster that `make run` started and left running for the server.

Odoo is found and driven as `make test` does (harness/driver.py): the user's
own, else the one built in the per-user cache, built the first time.
"""

import argparse
import os
import sys

from harness.driver import ADDON, Odoo
from harness.odoo_cache import Cluster, OdooMissing, cache_dir, say


def run(database):
    try:
        odoo = Odoo()
        if odoo.cluster:
            say("PostgreSQL: the private cluster stays up; `make stop` stops it")
    except OdooMissing as error:
        say(f"Missing: {error}")
        return 1
    state = odoo.sql(
        database,
        f"SELECT state FROM ir_module_module WHERE name = '{ADDON}'",
        check=False,
    )
    if state != [("installed",)]:
        say(f"Creating {database}: {ADDON}, l10n_no, their demo data (Norwegian)...")
        created = odoo.run(
            database,
            "-i",
            f"{ADDON},l10n_no",
            "--stop-after-init",
            "--max-cron-threads",
            "0",
        )
        if created:
            return created
    say(
        f"Odoo is starting on http://localhost:8069 (database {database}); "
        "log in as admin / admin."
    )
    server = odoo.options(
        database, "--http-port", "8069", "--db-filter", f"^{database}$"
    )
    os.execve(odoo.command, [odoo.command, *server], odoo.env())


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
