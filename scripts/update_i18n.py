"""`make i18n`: export the add-on's terms with Odoo into i18n/recurring_invoice.pot
(from a throw-away database), then merge them into i18n/nb.po for translation.

Odoo is found and driven as `make test` does (harness/driver.py).
"""

import subprocess
import sys

from harness.driver import ADDON, NO_SERVER, Odoo
from harness.odoo_cache import OdooMissing, say
from harness.odoo_install import ROOT

I18N = ROOT / ADDON / "i18n"


def main():
    try:
        odoo = Odoo()
    except OdooMissing as error:
        say(f"Missing: {error}")
        return 1
    po, pot = I18N / "nb.po", I18N / f"{ADDON}.pot"
    quiet = ("--log-level", "warn")
    export = (f"--i18n-export={pot}", f"--modules={ADDON}", "--stop-after-init")
    try:
        with odoo.throwaway_database("i18n") as database:
            if odoo.install(database, [ADDON], *quiet):
                return 1
            if odoo.run(database, *export, *NO_SERVER, *quiet):
                return 1
    finally:
        odoo.close()
    merge = ["msgmerge", "--quiet", "--no-fuzzy-matching", "--update"]
    merge += ["--backup=none", po, pot]
    for step in (merge, ["msgattrib", "--no-obsolete", f"--output-file={po}", po]):
        if subprocess.run(step).returncode:
            return 1
    say(f"Updated the .pot; translate the empty entries of {po.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
