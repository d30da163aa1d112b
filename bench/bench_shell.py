# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the bench's driver (bench/database.py): one step.

``BENCH_STEP`` names it as ``module.function`` of bench/shell/ (``ours.run``,
``sending.send``...), the other ``BENCH_*`` variables its size and tags. The
step commits what it made and returns a dict, printed as one line ``RESULT
{json}`` that the driver reads. The steps import this repository's packages
(bench.shell, harness), which Odoo's processes find on PYTHONPATH
(harness/driver.py).
"""

import importlib
import json
import os


def main(env):
    module, function = os.environ["BENCH_STEP"].rsplit(".", 1)
    step = getattr(importlib.import_module(f"bench.shell.{module}"), function)
    print("RESULT " + json.dumps(step(env), default=str), flush=True)


main(globals()["env"])
