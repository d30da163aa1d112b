"""Set-up: OCA contract, the add-on installed, the shared data
(bench/shell/set_up.py)."""

from harness.driver import ADDON
from harness.oca_addons import ensure_oca_addon

from ..database import BenchError

CONTRACT_PACKAGE = "odoo-addon-contract"


class SetUp:
    def __init__(self, bench):
        self.bench = bench
        #: the set-up step's RESULT
        self.data = None
        #: why OCA contract is not compared ("" when it is)
        self.contract_note = ""

    def contract(self, odoo_command, allow_install):
        """True when OCA contract 18.0 is in Odoo's Python, pip-installed with
        --no-deps when missing and allowed (harness/oca_addons.py); else
        contract_note says why not."""
        notes = []
        available = ensure_oca_addon(
            odoo_command, "contract", say=notes.append, install=allow_install
        )
        if available:
            note = f"{CONTRACT_PACKAGE} 18.0 importable"
        elif not allow_install:
            note = f"{CONTRACT_PACKAGE} 18.0 is not installed (--no-contract-install)"
        else:
            note = "; ".join(notes) or f"{CONTRACT_PACKAGE} 18.0 could not be installed"
        self.bench.log(f"OCA contract: {note}")
        if not available:
            self.contract_note = note
        return available

    def prepare(self, contract_wanted):
        """Install the add-on (and contract when wanted, else without it), then
        the shared data."""
        bench, odoo = self.bench, self.bench.odoo
        modules = [ADDON, "contract"] if contract_wanted else [ADDON]
        bench.log(f"installing {', '.join(modules)} in {odoo.database} ...")
        if not odoo.install(modules):
            if not contract_wanted:
                raise BenchError("installing recurring_invoice failed (see the log)")
            self.contract_note = "OCA contract could not be installed in Odoo 18"
            bench.log(f"{self.contract_note}; again without it")
            odoo.drop()
            if not odoo.install([ADDON]):
                raise BenchError("installing recurring_invoice failed (see the log)")
        self.data = setup = odoo.shell("set_up.run", "setup")
        if setup["autovacuum"] != "on":
            bench.log(
                f"PostgreSQL autovacuum is {setup['autovacuum']}: each step runs "
                "ANALYZE before it measures, as autovacuum would have"
            )
        bench.log(
            f"chart {setup['chart']}, tax {setup['tax']}, product {setup['product']}, "
            f"{setup['customers']} customers with e-mail; invoice total "
            f"{setup['source_total']:.2f}"
        )
        bench.log(
            f"switched off {len(setup['crons_switched_off'])} other scheduled "
            "actions (mail queue included); mail.mail.force.send.limit = 0, "
            "no mail server: mails are only queued"
        )
        info = setup["contract"]
        if info:
            bench.log(
                f"OCA contract {info['version']} installed from {info['path']}; "
                f"depends on {', '.join(info['depends'])} "
                f"({'all Odoo core' if info['all_core'] else 'NOT all core'})"
            )
        elif contract_wanted and not self.contract_note:
            self.contract_note = "OCA contract is not installed in the database"

    @property
    def contract_installed(self):
        return bool(self.data and self.data["contract"])
