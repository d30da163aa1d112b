"""The fault suite of `make test-faults`: run_faults.py and the scripts it feeds to
``odoo shell``."""
