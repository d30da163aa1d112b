"""The fault suite's fault points (faults/points.py), without Odoo: a point
whose target is missing fails loudly, naming it; wrapping calls the method
replaced; and every point aimed at the add-ons names a method they define."""

import ast
import functools
from pathlib import Path

import pytest

from faults import points
from faults.points import JOB, MOVE, FaultPointError

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("recurring_invoice", "recurring_invoice_queue_job")


def env_of(**models):
    """An ``env`` as the points see Odoo's: model name -> a record of its
    registry class; KeyError for a model not installed."""
    return {name.replace("__", "."): cls() for name, cls in models.items()}


class Job:
    """Stands for the registry class of recurring.invoice.job."""

    def _send_invoice(self, invoice):
        return f"sent {invoice}"


def test_a_missing_method_raises_naming_point_model_and_method():
    class Renamed:
        def _recurring_send(self, invoice):
            return invoice

    env = env_of(recurring__invoice__job=Renamed)
    with pytest.raises(FaultPointError) as raised:
        points.wrap(env, "send", lambda method, job, invoice: method(job, invoice))
    message = str(raised.value)
    assert "'send'" in message
    assert f"'{JOB}'" in message
    assert "'_send_invoice'" in message
    assert "faults/points.py" in message
    assert not hasattr(Renamed, "_send_invoice")


def test_a_missing_model_raises():
    env = env_of(account__move=Job)
    with pytest.raises(FaultPointError, match=rf"no model '{JOB}'"):
        points.target(env, "send")


def test_an_unknown_point_raises():
    with pytest.raises(FaultPointError, match=r"no fault point 'sending'"):
        points.target(env_of(recurring__invoice__job=Job), "sending")


def test_an_attribute_that_is_no_method_is_missing():
    class NotCallable:
        _finish = None

    with pytest.raises(FaultPointError, match=r"no method '_finish'"):
        points.target(env_of(recurring__invoice__job=NotCallable), "finish")


def test_require_checks_every_point_before_any_is_wrapped():
    class Half(Job):
        pass

    env = env_of(recurring__invoice__job=Half)
    with pytest.raises(FaultPointError, match=r"'finish'"):
        points.require(env, ["send", "finish"])
    assert "_send_invoice" not in vars(Half)


def test_wrap_calls_around_with_the_method_it_replaced():
    class Wrapped(Job):
        pass

    seen = []

    def around(method, job, invoice):
        seen.append(invoice)
        return method(job, invoice).upper()

    env = env_of(recurring__invoice__job=Wrapped)
    replaced = points.wrap(env, "send", around)
    assert replaced is Job._send_invoice
    assert Wrapped()._send_invoice("INV/1") == "SENT INV/1"
    assert seen == ["INV/1"]
    assert Wrapped._send_invoice.__name__ == "_send_invoice"
    assert Job()._send_invoice("INV/2") == "sent INV/2"


@functools.cache
def defined_methods():
    """Model name -> the methods the add-ons' classes of it define."""
    methods = {}
    for addon in ADDONS:
        for path in sorted((ROOT / addon).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.ClassDef):
                    continue
                names = set()
                for item in node.body:
                    if isinstance(item, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id in ("_name", "_inherit")
                        for t in item.targets
                    ):
                        value = ast.literal_eval(item.value)
                        names.update([value] if isinstance(value, str) else value)
                for name in names:
                    methods.setdefault(name, set()).update(
                        item.name
                        for item in node.body
                        if isinstance(item, ast.FunctionDef)
                    )
    return methods


@pytest.mark.parametrize(
    "fault",
    [
        fault
        for fault in points.POINTS.values()
        if fault.model == JOB or fault.method.startswith("_recurring")
    ],
    ids=lambda fault: fault.name,
)
def test_points_aimed_at_the_addons_name_methods_they_define(fault):
    assert fault.model in (JOB, MOVE)
    if fault.method not in defined_methods().get(fault.model, ()):
        pytest.fail(
            f"fault point {fault.name!r}: no {fault.model}.{fault.method} in "
            f"{' or '.join(ADDONS)}: update its target in faults/points.py"
        )
