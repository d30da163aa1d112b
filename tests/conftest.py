"""Make the plain-Python tools importable without Odoo: the recurrence engine
as ``recurrence``, the price rules as ``prices``.

``recurring_invoice/__init__.py`` imports odoo, so the tools are loaded by file
path instead of through their package, and registered in ``sys.modules``.
"""

import importlib.util
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "recurring_invoice/tools"
ENGINE_PATH = TOOLS / "recurrence.py"


def _load_tool(name: str, path: Path) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before executing: dataclasses look the module up while building.
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load_tool("recurrence", ENGINE_PATH)
_load_tool("prices", TOOLS / "prices.py")
