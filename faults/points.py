# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fault points: the one registry of the methods that the job processes
of the fault suite wrap, to count what the job does and to die where a
scenario says (the ``shell_*.py`` scripts fed to ``odoo shell``).

Each point names its target, a ``(model, method)`` of Odoo's registry. A
script wraps a point with :func:`wrap`: when the target is missing (the model
is not installed, the method was renamed or removed), it raises
:class:`FaultPointError` saying which point, model and method, before the job
runs. A fault that can no longer be injected fails its scenario: it never
passes by injecting nothing.

Plain Python: Odoo's ``env`` comes as an argument (anything that maps a model
name to a recordset, raising KeyError for an unknown one), no ``odoo``
import, so that tests/test_fault_points.py checks the registry without Odoo.
"""

import functools
from dataclasses import dataclass

#: The morning job's service (recurring_invoice, and the queue_job bridge's
#: extension of it).
JOB = "recurring.invoice.job"
MOVE = "account.move"


class FaultPointError(LookupError):
    """A fault point whose target is not there: the suite cannot inject it."""


@dataclass(frozen=True)
class FaultPoint:
    name: str
    model: str
    method: str
    what: str

    @property
    def target(self):
        return (self.model, self.method)


#: The fault points by name.
POINTS = {
    point.name: point
    for point in (
        FaultPoint(
            "post", MOVE, "_post",
            "Odoo's posting: the invoices posted (kill point `invoice`)",
        ),
        FaultPoint(
            "make", MOVE, "_recurring_make",
            "a batch's invoices made: the drafts for review among them "
            "(kill point `draft`; the posted ones count at `post`)",
        ),
        FaultPoint(
            "sequence", MOVE, "_set_next_sequence",
            "Odoo's numbering, inside _post: an invoice number taken "
            "(kill point `sequence`)",
        ),
        FaultPoint(
            "lock", JOB, "_lock_due_templates",
            "the due templates a batch locks (None: another worker holds them)",
        ),
        FaultPoint(
            "send", JOB, "_send_invoice",
            "one invoice sent: PDF made, e-mail queued (kill point `send`)",
        ),
        FaultPoint(
            "send_batch", JOB, "_send_pending",
            "a batch of sending: which of its sends survived their savepoint",
        ),
        FaultPoint(
            "adjust", MOVE, "_recurring_apply_price_changes",
            "a template's price changes applied before an occurrence "
            "(kill point `adjust`)",
        ),
        FaultPoint(
            "recipient", MOVE, "_recurring_recipient_values",
            "one recipient's invoice being made: the template's values made "
            "out to it, before the batch's create (kill point `recipient`)",
        ),
        FaultPoint(
            "advance", MOVE, "_recurring_advance",
            "the templates' next dates and owed recipients stored after their "
            "invoices (kill point `advance`, once a recipients template "
            "advanced)",
        ),
        FaultPoint(
            "summary", JOB, "_send_summaries",
            "the daily summaries (kill point `summary`; skipped on request)",
        ),
        FaultPoint(
            "finish", JOB, "_finish",
            "the end of the morning, where two workers are held to meet",
        ),
        FaultPoint(
            "job_make", JOB, "_job_make",
            "the queue_job bridge's make job (fails once after its work)",
        ),
        FaultPoint(
            "job_send", JOB, "_job_send",
            "the queue_job bridge's send job (fails once after its work)",
        ),
    )
}  # fmt: skip


def point(name):
    """The fault point ``name``; FaultPointError when there is none."""
    try:
        return POINTS[name]
    except KeyError:
        raise FaultPointError(
            f"no fault point {name!r} in faults/points.py "
            f"(known: {', '.join(sorted(POINTS))})"
        ) from None


def target(env, name):
    """The class of the point's model in ``env`` and the method it has there;
    FaultPointError naming the point, the model and the method when either is
    missing."""
    fault = point(name)
    try:
        model = env[fault.model]
    except KeyError:
        raise FaultPointError(
            f"fault point {name!r}: no model {fault.model!r} in this database "
            f"(is its add-on installed?); faults/points.py targets "
            f"{fault.model}.{fault.method}"
        ) from None
    cls = type(model)
    method = getattr(cls, fault.method, None)
    if not callable(method):
        raise FaultPointError(
            f"fault point {name!r}: model {fault.model!r} has no method "
            f"{fault.method!r} (renamed or removed?); update its target in "
            f"faults/points.py"
        )
    return cls, method


def require(env, names):
    """Check that every point of ``names`` has its target (FaultPointError
    for the first that has none), before anything is wrapped."""
    for name in names:
        target(env, name)


def wrap(env, name, around):
    """Replace the point's method, for this process, by one that calls
    ``around(method, records, *args, **kwargs)``, ``method`` being the one
    replaced (``around`` calls it, or not). Returns the method replaced."""
    fault = point(name)
    cls, method = target(env, name)

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        return around(method, self, *args, **kwargs)

    setattr(cls, fault.method, wrapped)
    return method
