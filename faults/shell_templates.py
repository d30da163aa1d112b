# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fed to ``odoo shell`` by the fault suite (faults/lab.py): make recurring templates.

``RI_TEMPLATES`` is a JSON list of groups ``{"period": "week", "count": 10,
"start_offset": 0, "end_offset": null}``, optionally with an ``interval`` and
``days_ahead``, and a yearly price adjustment of ``index_percent`` from
``index_offset``; offsets are days after the earliest start (tomorrow, in the
company's timezone at the real current time, plus the days ahead), as
``_recurring_setup`` demands a first send day of tomorrow or later. The groups
are interleaved (one template of each group in turn), so that every batch of
the job mixes periods. Commits, then prints one line ``RESULT {json}``.
"""

import json
import os
from datetime import timedelta
from itertools import zip_longest

from harness import fixtures


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
        )
        if group.get("index_percent"):
            move.write(
                {
                    "recurring_index_percent": group["index_percent"],
                    "recurring_index_date": earliest
                    + timedelta(days=group.get("index_offset") or 0),
                }
            )
    env.cr.commit()
    result = {
        "templates": len(moves),
        "tomorrow": tomorrow.isoformat(),
        "first_id": min(moves.ids),
        "last_id": max(moves.ids),
        "states": sorted(set(moves.mapped("recurring_state"))),
    }
    print("RESULT " + json.dumps(result), flush=True)


main(globals()["env"])
