"""Make the recurrence engine importable as ``recurrence`` without Odoo.

``recurring_invoice/__init__.py`` imports odoo, so the engine is loaded by file
path instead of through its package, and registered in ``sys.modules``.
"""

import importlib.util
import sys
from pathlib import Path

ENGINE_PATH = (
    Path(__file__).resolve().parents[1] / "recurring_invoice/tools/recurrence.py"
)


def _load_engine() -> None:
    if "recurrence" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location("recurrence", ENGINE_PATH)
    module = importlib.util.module_from_spec(spec)
    # Registered before executing: dataclasses look the module up while building.
    sys.modules["recurrence"] = module
    spec.loader.exec_module(module)


_load_engine()
