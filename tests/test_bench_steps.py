"""The bench's two sides meet: every step the driver asks ``odoo shell`` for
(``odoo.shell("ours.run", ...)`` in bench/steps/) is a function of
bench/shell/, and every target the steps check is in bench/targets.py. Read
with ast: bench/shell/ imports odoo, which this suite has not."""

import ast
from pathlib import Path

from bench.targets import BY_KEY

BENCH = Path(__file__).resolve().parents[1] / "bench"


def calls(method):
    """(file, first argument) of every call ``<...>.method("literal", ...)``
    in the driver's side of the bench."""
    found = []
    for path in [*BENCH.glob("*.py"), *(BENCH / "steps").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
                and node.args
                and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            ):
                found.append((path.name, node.args[0]))
    return found


def shell_functions():
    functions = set()
    for path in (BENCH / "shell").glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                functions.add(f"{path.stem}.{node.name}")
    return functions


def test_every_step_asked_for_is_a_function_of_bench_shell():
    functions = shell_functions()
    steps = []
    for name, argument in calls("shell"):
        if isinstance(argument, ast.JoinedStr):  # f"alternatives.{key}"
            prefix = argument.values[0].value
            assert any(function.startswith(prefix) for function in functions), name
            continue
        steps.append(argument.value)
        assert argument.value in functions, f"{name}: no bench/shell {argument.value}"
    assert {"set_up.run", "ours.run", "sending.send", "workers.prepare"} <= set(steps)


def test_each_alternative_is_a_step():
    from bench.steps.alternatives import KINDS

    functions = shell_functions()
    for key, _title in KINDS:
        assert f"alternatives.{key}" in functions


def test_every_target_checked_is_in_the_targets_file():
    from bench.steps.alternatives import COMPARISONS

    checked = {
        argument.value
        for _name, argument in calls("check")
        if isinstance(argument, ast.Constant)
    }
    # the alternatives check theirs from a table
    checked |= {key for _kind, _label, key in COMPARISONS if key}
    assert checked <= set(BY_KEY), checked - set(BY_KEY)
    # every target of the file is checked somewhere (none is left behind)
    assert set(BY_KEY) <= checked, set(BY_KEY) - checked
