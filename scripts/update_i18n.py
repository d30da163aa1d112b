"""`make i18n`: export the add-on's terms with Odoo into i18n/recurring_invoice.pot
(from a throw-away database), then merge them into i18n/nb.po for translation.

Odoo is found as `make test` finds it (harness/odoo_install.py).
"""

import os
import shutil
import subprocess
import sys

from harness.odoo_cache import OdooMissing, say
from harness.odoo_install import ROOT, find_odoo

ADDON = "recurring_invoice"
I18N = ROOT / ADDON / "i18n"


def main():
    try:
        install = find_odoo()
        started = install.reach_database()
    except OdooMissing as error:
        say(f"Missing: {error}")
        return 1
    database = f"ri_i18n_{os.getpid()}"
    odoo = [install.command, "-c", install.rc, "-d", database, "--http-port", "0"]
    odoo += ["--addons-path", install.addons_path, "--log-level", "warn"]
    po, pot = I18N / "nb.po", I18N / f"{ADDON}.pot"
    steps = [
        [*odoo, "-i", ADDON, "--without-demo=all", "--stop-after-init"],
        [*odoo, f"--i18n-export={pot}", f"--modules={ADDON}", "--stop-after-init"],
        ["msgmerge", "--quiet", "--no-fuzzy-matching", "--update"]
        + ["--backup=none", po, pot],
        ["msgattrib", "--no-obsolete", f"--output-file={po}", po],
    ]
    try:
        for step in steps:
            if subprocess.run(step, env=install.pg_env()).returncode:
                return 1
    finally:
        subprocess.run(["dropdb", "--if-exists", database], env=install.pg_env())
        shutil.rmtree(install.data_dir / "filestore" / database, ignore_errors=True)
        if started:
            started.stop()
    say(f"Updated the .pot; translate the empty entries of {po.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
