# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What ours is compared with: the ORM floors (one by one, batched), Odoo's
native auto_post, OCA contract."""

import copy
import os

from odoo import Command, fields

from .common import (
    Measure,
    analyze,
    bench_data,
    create_in_chunks,
    due_date,
    invoice_values,
    peak_mb,
)


def floor_start(env):
    """BENCH_N, the ready draft and the due date, statistics fresh and the
    cache empty: where both floors start from."""
    n = int(os.environ["BENCH_N"])
    source = bench_data(env)["source"]
    due = due_date(env)
    analyze(env)
    env.invalidate_all()
    return n, source, due


def floor_one(env):
    """copy() of the ready draft, then _post(), one invoice at a time."""
    n, source, due = floor_start(env)
    made = env["account.move"]
    with Measure() as measure:
        for _ in range(n):
            invoice = source.copy({"invoice_date": due, "date": due})
            invoice._post()
            made |= invoice
        env.cr.commit()
    return alternative_result(made, measure)


def floor_batch(env):
    """copy_data() once, one create() of N, one _post()."""
    n, source, due = floor_start(env)
    with Measure() as measure:
        values = source.copy_data({"invoice_date": due, "date": due})[0]
        made = env["account.move"].create([copy.deepcopy(values) for _ in range(n)])
        made._post()
        env.cr.commit()
    return alternative_result(made, measure)


def native(env):
    """Odoo's recurring entries: N drafts with auto_post 'monthly' dated today,
    posted by _autopost_draft_entries() (which also makes next month's drafts)
    until none is left, committing after each call as its cron would."""
    n = int(os.environ["BENCH_N"])
    data = bench_data(env)
    Move = env["account.move"]
    today = fields.Date.context_today(Move)
    partners = data["partners"]
    drafts = create_in_chunks(
        env,
        "account.move",
        [
            invoice_values(
                data,
                partners[i % len(partners)],
                today,
                date=today,
                auto_post="monthly",
                ref="bench-native",
            )
            for i in range(n)
        ],
    )
    analyze(env)
    env.invalidate_all()
    calls = 0
    with Measure() as measure:
        while Move.search_count(
            [("id", "in", drafts.ids), ("state", "=", "draft")], limit=1
        ):
            Move._autopost_draft_entries()
            env.cr.commit()
            calls += 1
            if calls > n // 100 + 20:
                raise RuntimeError("_autopost_draft_entries makes no progress")
    env.invalidate_all()
    result = alternative_result(drafts, measure)
    result["calls"] = calls
    result["next_drafts"] = Move.search_count(
        [("auto_post_origin_id", "in", drafts.ids), ("state", "=", "draft")]
    )
    return result


def contract(env):
    """OCA contract: N monthly contracts due today; its cron method makes the
    draft invoices, then one _post() of those drafts."""
    n = int(os.environ["BENCH_N"])
    data = bench_data(env)
    Move = env["account.move"]
    today = fields.Date.context_today(Move)
    product = data["product"]
    partners = data["partners"]
    contracts = create_in_chunks(
        env,
        "contract.contract",
        [
            {
                "name": f"Bench contract {i}",
                "partner_id": partners[i % len(partners)].id,
                "user_id": data["user"].id,
                "line_recurrence": False,
                "recurring_rule_type": "monthly",
                "recurring_interval": 1,
                "date_start": today,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": product.name,
                            "quantity": 1,
                            "uom_id": product.uom_id.id,
                            "price_unit": 1000.0,
                        }
                    )
                ],
            }
            for i in range(n)
        ],
    )
    due = env["contract.contract"].search_count(
        [("id", "in", contracts.ids), ("recurring_next_date", "<=", today)]
    )
    analyze(env)
    env.invalidate_all()
    Contract = env["contract.contract"]
    with Measure() as make:
        Contract.cron_recurring_create_invoice()
        env.cr.commit()
    drafts = Move.search(
        [
            ("invoice_line_ids.contract_line_id.contract_id", "in", contracts.ids),
            ("state", "=", "draft"),
        ]
    )
    env.invalidate_all()
    with Measure() as post:
        drafts._post()
        env.cr.commit()
    measure = Measure()
    measure.seconds = make.seconds + post.seconds
    measure.queries = make.queries + post.queries
    result = alternative_result(drafts, measure)
    result.update(
        contracts=len(contracts),
        due=due,
        make_seconds=make.seconds,
        post_seconds=post.seconds,
        make_queries=make.queries,
        post_queries=post.queries,
    )
    return result


def alternative_result(made, measure):
    made.invalidate_recordset()
    posted = made.filtered(lambda m: m.state == "posted")
    totals = sorted(set(posted.mapped("amount_total")))
    return {
        "invoices": len(made),
        "posted": len(posted),
        "totals": totals,
        "seconds": measure.seconds,
        "queries": measure.queries,
        "peak_mb": peak_mb(),
        "profile": measure.profile_top,
    }
