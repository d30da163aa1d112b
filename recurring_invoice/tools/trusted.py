"""Context values that only the add-on's own code can set.

The job marks what it does with keys of Odoo's context: its own writes of the
fields it keeps (``recurring_job``), the invoice it is sending
(``recurring_invoice_send``), the e-mails it queues (``recurring_job_mail``).
A client sends a context with every call, as JSON: strings, numbers, lists,
objects. A value wrapped in :class:`Trusted`, a Python object, cannot come
from a client, so a key read with :func:`get` has no effect when a client
sends it.

Plain Python (no Odoo), like :mod:`.recurrence`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["JOB", "Trusted", "get"]


class Trusted:
    """A context value set by the add-on's own code: ``value`` wrapped."""

    __slots__ = ("value",)

    def __init__(self, value: Any = True) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Trusted({self.value!r})"


#: The mark of the job's own writes.
JOB = Trusted(True)


def get(context: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """The value the add-on's code set for ``key`` in ``context``; ``default``
    when it is missing or not set by the add-on (e.g. sent by a client)."""
    value = context.get(key)
    return value.value if isinstance(value, Trusted) else default
