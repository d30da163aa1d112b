# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The report "Upcoming recurring invoices": what the templates will invoice.

Its rows are made when a user opens the report (``action_open_forecast``),
for that user and the companies selected:

* one row per invoice each active template will make from now to the end of
  its company's forecast window (this month and the following ones, 12 months
  in all by default, a setting of the company). Dates and period starts come
  from the recurrence engine as the 06:15 job will find them
  (``_recurring_occurrences_until``: end date, number of invoices, skipped
  occurrences, days ahead; a paused template from the day it resumes by
  itself). Amounts, without and with taxes, are at the prices in force for
  each occurrence (:mod:`..tools.prices`: scheduled adjustments and the
  yearly adjustment), converted into the company's currency at today's rate,
  one rate per currency;
* one row per invoice the templates made in the last ``HISTORY_MONTHS``
  months and this one, read from the database.

The rows are written with one INSERT for the forecast and one for the
history: the queries do not grow with the months, and with the templates only
by the ORM's batches of 1,000 records.
"""

from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import prices, recurrence
from .account_move_recurring_schedule import PERIOD_SELECTION

#: Months of invoices already made that the report shows before this one.
HISTORY_MONTHS = 3


def add_months(day, months):
    """The first day of the month ``months`` after the month of ``day``."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, 1)


class RecurringInvoiceForecast(models.Model):
    _name = "recurring.invoice.forecast"
    _description = "Upcoming Recurring Invoices"
    _order = "date, id"
    _log_access = False
    # A cache of the report, filled again each time a user opens it: its table
    # is made by init(), without foreign keys (their checks took 90 % of the
    # time of inserting the rows) and unlogged.
    _auto = False

    user_id = fields.Many2one("res.users", string="User", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    template_id = fields.Many2one(
        "account.move", string="Recurring Template", readonly=True
    )
    invoice_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    period = fields.Selection(PERIOD_SELECTION, readonly=True)
    state = fields.Selection(
        [("invoiced", "Invoiced"), ("forecast", "Forecast")],
        string="Status",
        readonly=True,
    )
    date = fields.Date(string="Invoice Date", readonly=True)
    occurrence_date = fields.Date(string="Period Start", readonly=True)
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", currency_field="currency_id", readonly=True
    )
    amount_total = fields.Monetary(
        string="Total", currency_field="currency_id", readonly=True
    )
    price_adjusted = fields.Boolean(
        string="New Prices",
        readonly=True,
        help="Made at other prices than the template's current ones: a scheduled "
        "or yearly price adjustment applies before it.",
    )

    def init(self):
        self.env.cr.execute(
            """
            DROP TABLE IF EXISTS recurring_invoice_forecast;
            CREATE UNLOGGED TABLE recurring_invoice_forecast (
                id serial PRIMARY KEY,
                user_id int4 NOT NULL,
                company_id int4,
                currency_id int4,
                template_id int4,
                invoice_id int4,
                partner_id int4,
                period varchar,
                state varchar,
                date date,
                occurrence_date date,
                amount_untaxed numeric,
                amount_total numeric,
                price_adjusted boolean
            );
            CREATE INDEX recurring_invoice_forecast_user_id_index
                ON recurring_invoice_forecast (user_id);
            """
        )

    @api.model
    def action_open_forecast(self):
        """Fill the report for this user, then open it: for the users who may
        read it (Billing, Accounting readers), as its access rights say."""
        self.check_access("read")
        self._recurring_refresh()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "recurring_invoice.action_recurring_invoice_forecast"
        )

    @api.model
    def _recurring_refresh(self, now=None):
        """Write this user's rows for the companies of the context: the
        invoices the active templates will make in each company's window and
        those made in the last months. Returns the number of rows."""
        now = now or fields.Datetime.now()
        companies = self.env.companies
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            SQL(
                "DELETE FROM recurring_invoice_forecast WHERE user_id = %s",
                self.env.uid,
            )
        )
        # Each company's window: from the first day of its current month.
        months = {}
        for company in companies:
            today = recurrence.local_today(company.recurring_invoice_tz, now)
            months[company] = (
                add_months(today, -HISTORY_MONTHS),
                add_months(today, company.recurring_forecast_months),
            )
        rows = self._recurring_forecast_rows(companies, months, now)
        if rows:
            # Each column as one array literal ('{1,2,...}'): PostgreSQL
            # parses it at once, where a list of values is an expression each.
            columns = [
                "{" + ",".join(map(str, column)) + "}"
                for column in zip(*rows, strict=True)
            ]
            cr.execute(
                SQL(
                    """
                    INSERT INTO recurring_invoice_forecast
                           (user_id, state, company_id, currency_id, template_id,
                            partner_id, period, date, occurrence_date,
                            amount_untaxed, amount_total, price_adjusted)
                    SELECT %s, 'forecast', f.*
                      FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[],
                                  %s::varchar[], %s::date[], %s::date[],
                                  %s::numeric[], %s::numeric[], %s::bool[]) AS f
                    """,
                    self.env.uid,
                    *columns,
                )
            )
        cr.execute(
            SQL(
                """
                INSERT INTO recurring_invoice_forecast
                       (user_id, state, company_id, currency_id, template_id,
                        invoice_id, partner_id, period, date, occurrence_date,
                        amount_untaxed, amount_total, price_adjusted)
                SELECT %(uid)s, 'invoiced', invoice.company_id, company.currency_id,
                       invoice.recurring_template_id, invoice.id, invoice.partner_id,
                       template.recurring_period, invoice.invoice_date,
                       invoice.recurring_occurrence_date,
                       invoice.amount_untaxed_signed, invoice.amount_total_signed,
                       FALSE
                  FROM account_move invoice
                  JOIN account_move template
                    ON template.id = invoice.recurring_template_id
                  JOIN res_company company ON company.id = invoice.company_id
                  JOIN (VALUES %(since)s) AS history(company_id, since)
                    ON history.company_id = invoice.company_id
                 WHERE invoice.recurring_template_id IS NOT NULL
                   AND invoice.state = 'posted'
                   AND invoice.invoice_date >= history.since
                """,
                uid=self.env.uid,
                since=SQL(", ").join(
                    SQL("(%s, %s::date)", company.id, first)
                    for company, (first, _end) in months.items()
                ),
            )
        )
        return len(rows) + cr.rowcount

    @api.model
    def _recurring_forecast_rows(self, companies, months, now):
        """The forecast rows, as tuples in the INSERT's order."""
        templates = self.env["account.move"].search(
            [
                ("recurring_state", "in", ("active", "paused")),
                ("company_id", "in", companies.ids),
            ],
            order="id",
        )
        if not templates:
            return []
        lines = self._recurring_template_lines(templates)
        scheduled = self._recurring_scheduled_changes(templates)
        today = fields.Date.context_today(self)
        rates = {}
        rows = []
        for template in templates:
            company = template.company_id
            occurrences = template._recurring_occurrences_until(
                months[company][1] - timedelta(days=1), now
            )
            if not occurrences:
                continue
            template_lines = lines.get(template.id, {})
            base = {key: line.price for key, line in template_lines.items()}
            changes = scheduled.get(template.id, []) + (
                template._recurring_yearly_changes(occurrences[-1])
            )
            currency, company_currency = template.currency_id, company.currency_id
            if (currency, company) not in rates:
                rates[currency, company] = currency._get_conversion_rate(
                    currency, company_currency, company, today
                )
            rate = rates[currency, company]
            # The same for every row of the template; the amounts only change
            # with the prices (in_force gives the same dict until they do).
            fixed = (
                company.id,
                company_currency.id,
                template.id,
            )
            # one row per recipient (the customer when it has none), each at
            # its own share of the template's amount
            shares = template._recurring_shares()
            days_ahead = template.recurring_days_ahead
            by_prices = {}
            for occurrence, in_force in zip(
                occurrences,
                prices.in_force(base, changes, occurrences, currency.rounding),
                strict=True,
            ):
                if id(in_force) not in by_prices:
                    untaxed, total = prices.amounts(
                        template_lines, in_force, currency.rounding
                    )
                    if rate != 1:
                        untaxed = company_currency.round(untaxed * rate)
                        total = company_currency.round(total * rate)
                    by_prices[id(in_force)] = (untaxed, total, in_force != base)
                untaxed, total, adjusted = by_prices[id(in_force)]
                for partner, share in shares:
                    if share != 1:
                        amounts = (
                            company_currency.round(untaxed * share),
                            company_currency.round(total * share),
                        )
                    else:
                        amounts = (untaxed, total)
                    rows.append(
                        (
                            *fixed,
                            partner.id,
                            template.recurring_period,
                            recurrence.send_date(occurrence, days_ahead),
                            occurrence,
                            *amounts,
                            adjusted,
                        )
                    )
        return rows

    @api.model
    def _recurring_template_lines(self, templates):
        """{template id: {line id: prices.Line}} of the templates' priced
        lines, in one query."""
        self.env.cr.execute(
            SQL(
                """
                SELECT move_id, id, price_unit, quantity, discount,
                       price_subtotal, price_total
                  FROM account_move_line
                 WHERE move_id = ANY(%s) AND display_type = 'product'
                 ORDER BY move_id, sequence, id
                """,
                templates.ids,
            )
        )
        lines = {}
        for move_id, line_id, *amounts in self.env.cr.fetchall():
            lines.setdefault(move_id, {})[line_id] = prices.Line(
                *(float(amount or 0.0) for amount in amounts)
            )
        return lines

    @api.model
    def _recurring_scheduled_changes(self, templates):
        """{template id: [prices.Change]} of the templates' scheduled
        adjustments."""
        adjustments = self.env["recurring.price.adjustment"].search(
            [("template_id", "in", templates.ids), ("state", "=", "pending")]
        )
        changes = {}
        for adjustment in adjustments.sorted("id"):
            changes.setdefault(adjustment.template_id.id, []).extend(
                adjustment._recurring_changes()
            )
        return changes
