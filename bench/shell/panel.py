# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The template's side panel: its queries with 5 and 500 invoices made."""

from datetime import timedelta

from .common import bench_data, due_date, invoice_values, queries


def run(env):
    """Queries of ``_recurring_panel_html()`` for a template with 5 made
    invoices and for one with 500. Their next invoice is next month's, so the
    scheduler's runs that follow leave them alone."""
    data = bench_data(env)
    due = due_date(env)
    counts = {}
    templates = {}
    for made in (0, 5, 500):
        values = invoice_values(
            data,
            data["partners"][made % 50],
            ref=f"bench-panel-{made}",
            recurring_state="active",
            recurring_period="month",
            recurring_start_date=due,
            recurring_next_date=due,
            recurring_user_id=data["user"].id,
        )
        Job = env["account.move"].sudo()._recurring_as_job()
        template = Job.create(values)
        if made:
            invoices = Job.create(
                [
                    template._recurring_invoice_values(due - timedelta(days=day))
                    for day in range(1, made + 1)
                ]
            )
            invoices._post()
        template._recurring_write(
            {"recurring_next_date": template._recurring_recurrence().successor(due)}
        )
        templates[made] = template
    env.cr.commit()
    templates[0]._recurring_panel_html()  # compiles the QWeb template once
    for made in (5, 500):
        env.invalidate_all()
        template = env["account.move"].browse(templates[made].id)
        before = queries()
        html = template._recurring_panel_html()
        counts[made] = {"queries": queries() - before, "html_chars": len(str(html))}
    return counts
