"""Fed to ``odoo shell`` by run_tests.py: uninstall the add-on (the one the
environment variable RI_UNINSTALL names, recurring_invoice by default), then
print one line ``RESULT {"state": ...}`` with its state afterwards."""

import json
import os

env = globals()["env"]
name = os.environ.get("RI_UNINSTALL", "recurring_invoice")
modules = env["ir.module.module"]
modules.search([("name", "=", name)]).button_immediate_uninstall()
state = modules.search([("name", "=", name)]).state
print("RESULT " + json.dumps({"state": state}), flush=True)
