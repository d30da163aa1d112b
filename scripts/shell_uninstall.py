"""Fed to ``odoo shell`` by run_tests.py: uninstall the add-on, then print one
line ``RESULT {"state": ...}`` with its state afterwards."""

import json

env = globals()["env"]
modules = env["ir.module.module"]
modules.search([("name", "=", "recurring_invoice")]).button_immediate_uninstall()
state = modules.search([("name", "=", "recurring_invoice")]).state
print("RESULT " + json.dumps({"state": state}), flush=True)
