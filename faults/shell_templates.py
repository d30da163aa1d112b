# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the fault suite (faults/lab.py): make recurring templates.

``RI_TEMPLATES`` is a JSON list of groups ``{"period": "week", "count": 10,
"start_offset": 0, "end_offset": null}``, optionally with an ``interval`` and
``days_ahead``, and a yearly price adjustment of ``index_percent`` from
``index_offset``; offsets are days after the earliest start (tomorrow, in the
company's timezone at the real current time, plus the days ahead), as
``_recurring_setup`` demands a first send day of tomorrow or later. The groups
are interleaved (one template of each group in turn), so that every batch of
the job mixes periods. A group may bill recipients: ``"recipients": N``, a
list of N partners (the template's customer first, as the model puts it, then
the shared customers, then partners made as needed), or ``"tag": N``, the
customers carrying a tag of the template's own, N partners. A group may
say its templates' mode (``"mode": "draft"``, ``"post"`` or ``"post_send"``,
passed to ``_recurring_setup``; else the company's) and, for drafts,
``"send_reviewed": false``. Commits, then prints one line ``RESULT {json}``
(``recipients``: per template billing recipients, how many it bills;
``modes``: how many templates of each mode).
"""

import json
import os
from collections import Counter
from datetime import timedelta
from itertools import zip_longest

from harness import fixtures

#: The partners made for recipients, beyond the shared customers.
MADE = []


def partners(env, shared, count, customer):
    """``count`` partners other than ``customer``: the shared customers first,
    then partners made as needed (made once, shared by the groups)."""
    Partner = env["res.partner"]
    chosen = [p for p in shared if p != customer][:count]
    while len(chosen) + len(MADE) < count:
        n = len(MADE) + 1
        MADE.append(
            Partner.create(
                {
                    "name": f"Faults recipient {n:04d}",
                    "email": f"recipient{n:04d}@faults.example.com",
                    "lang": "en_US",
                }
            ).id
        )
    chosen += MADE[: count - len(chosen)]
    return Partner.browse(chosen)


def bill_recipients(env, move, group, shared):
    """Make ``move`` bill ``group``'s recipients (a list or a tag), if any;
    returns how many partners it bills (None: its customer)."""
    if group.get("recipients"):
        others = partners(env, shared, group["recipients"] - 1, move.partner_id.id)
        env["recurring.invoice.recipient"].create(
            [{"template_id": move.id, "partner_id": p.id} for p in others]
        )
        return len(move.recurring_recipient_ids)
    if group.get("tag"):
        tag = env["res.partner.category"].create({"name": f"Faults tag {move.id}"})
        partners(env, shared, group["tag"], None).write({"category_id": [(4, tag.id)]})
        move.recurring_recipient_tag_id = tag
        return len(move._recurring_tagged_partners())
    return None


def main(env):
    groups = json.loads(os.environ["RI_TEMPLATES"])
    params = env["ir.config_parameter"].sudo()
    product = env["product.product"].browse(int(params.get_param("faults.product_id")))
    tax = env["account.tax"].browse(int(params.get_param("faults.tax_id")))
    partner_ids = [int(p) for p in params.get_param("faults.partner_ids").split(",")]
    tomorrow = fixtures.tomorrow(env)

    expanded = [[group] * group["count"] for group in groups]
    ordered = [g for row in zip_longest(*expanded) for g in row if g is not None]
    values = []
    billed = {}
    for n in range(len(ordered)):
        values.append(
            {
                "move_type": "out_invoice",
                "partner_id": partner_ids[n % len(partner_ids)],
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "name": "Rent {period}",
                            "quantity": 1,
                            "price_unit": 100.0 + n,
                            "tax_ids": [(6, 0, tax.ids)],
                        },
                    )
                ],
            }
        )
    moves = env["account.move"].create(values)
    for move, group in zip(moves, ordered, strict=True):
        days_ahead = group.get("days_ahead", 0)
        earliest = tomorrow + timedelta(days=days_ahead)
        start = earliest + timedelta(days=group.get("start_offset") or 0)
        end = group.get("end_offset")
        end = earliest + timedelta(days=end) if end is not None else False
        move._recurring_setup(
            group["period"],
            start,
            end,
            interval=group.get("interval", 1),
            days_ahead=days_ahead,
            mode=group.get("mode"),
            send_reviewed=group.get("send_reviewed", True),
        )
        if group.get("index_percent"):
            move.write(
                {
                    "recurring_index_percent": group["index_percent"],
                    "recurring_index_date": earliest
                    + timedelta(days=group.get("index_offset") or 0),
                }
            )
        count = bill_recipients(env, move, group, partner_ids)
        if count is not None:
            billed[move.id] = count
    env.cr.commit()
    result = {
        "templates": len(moves),
        "tomorrow": tomorrow.isoformat(),
        "first_id": min(moves.ids),
        "last_id": max(moves.ids),
        "states": sorted(set(moves.mapped("recurring_state"))),
        "recipients": billed,
        "modes": dict(Counter(moves.mapped("recurring_mode"))),
    }
    print("RESULT " + json.dumps(result), flush=True)


main(globals()["env"])
