"""OCA add-ons that optional integrations of this repository are tested with.

``ensure_oca_addon(odoo_command, "queue_job")`` makes the OCA add-on
``queue_job`` importable by the Odoo whose ``odoo`` command (or Python) is
given: when it is not yet, it pip-installs OCA's wheel ``odoo-addon-queue-job``
of the 18.0 series into that Odoo's Python environment, without its
dependencies (Odoo's own requirements already hold them). The wheel puts the
add-on in the ``odoo.addons`` namespace of that environment, where Odoo finds
it without any change to its addons path. Plain Python, no ``odoo`` import.
"""

import subprocess
from pathlib import Path

#: OCA's wheels of the 18.0 series: 18.0.x.y.z
SERIES = ">=18.0,<18.1"


def odoo_python(odoo_command):
    """The Python interpreter running ``odoo_command`` (its shebang), or the
    command itself when it is a Python interpreter."""
    path = Path(odoo_command)
    if path.name.startswith("python"):
        return str(path)
    try:
        with open(path, "rb") as script:
            first = script.readline().decode(errors="replace").strip()
    except OSError:
        return None
    if first.startswith("#!"):
        words = first[2:].split()
        if words and Path(words[0]).name == "env":
            words = words[1:]
        if words:
            return words[0]
    return str(path.parent / "python")


def importable(python, name):
    """Whether ``odoo.addons.<name>`` is found by ``python``."""
    probe = (
        "import importlib.util, odoo.addons; "
        f"raise SystemExit(importlib.util.find_spec('odoo.addons.{name}') is None)"
    )
    return not subprocess.run(
        [python, "-c", probe], capture_output=True, check=False
    ).returncode


def ensure_oca_addon(odoo_command_or_python, name, say=print, install=True):
    """Make the OCA add-on ``name`` importable by this Odoo; True when it is,
    False when it is not and cannot be installed (PyPI unreachable, no
    pip), saying why through ``say``. ``install=False`` only looks."""
    python = odoo_python(odoo_command_or_python)
    if not python:
        say(f"{name}: no Python found for {odoo_command_or_python}")
        return False
    if importable(python, name):
        return True
    if not install:
        say(f"{name}: not installed in {python}")
        return False
    package = f"odoo-addon-{name.replace('_', '-')}{SERIES}"
    proc = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--timeout",
            "30",
            package,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        say(f"{name}: pip install {package!r} failed: {lines[-1] if lines else '?'}")
        return False
    return importable(python, name)
