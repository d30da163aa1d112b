"""The fault suite of `make test-faults` (``pytest faults``): the scenarios
(``test_*.py``, one module per family), their fixtures (conftest.py), the
oracle, the checks, the fault points, what a scenario does to Odoo (lab.py),
and the scripts fed to ``odoo shell`` (``shell_*.py``, which import only
points.py and shell_common.py from here: no pytest inside Odoo)."""
