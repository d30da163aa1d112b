# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Norwegian demo company of the demo data (``make run``).

Beside Odoo's US demo company, which stays as Odoo made it, the demo data sets
up Fjordhus AS, an office community in Bergen, as a Norwegian business has it:
Odoo's Norwegian chart (``l10n_no``: NOK, MVA 25 %), the sale journal with KID
references, a bank account, customers in Norwegian with e-mail addresses (one
receiving EHF e-invoices), recurring templates with some history, and the
administrator working in it in Norwegian.

The add-on does not depend on ``l10n_no``: the company is set up only where
``l10n_no`` is installed together with the add-on's demo data (``make run``
installs both). ``l10n_no`` loads after the add-on, so the demo data only asks
for the company, and it is set up once every module is loaded.
"""

import logging
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

from ..tools import recurrence

_logger = logging.getLogger(__name__)

MODULE = "recurring_invoice"

#: The customers, in Norwegian: key, values, e-invoice format (EHF: Peppol BIS
#: Billing 3.0; none: the PDF by e-mail only).
DEMO_CUSTOMERS = [
    (
        "demo_no_customer_regnskap",
        {
            "name": "Bergen Regnskap AS",
            "is_company": True,
            "street": "Torgallmenningen 8",
            "zip": "5014",
            "city": "Bergen",
            "email": "faktura@bergenregnskap.example.com",
            "vat": "NO912345696MVA",
            "l10n_no_bronnoysund_number": "912345696",
        },
        "ubl_bis3",
    ),
    (
        "demo_no_customer_design",
        {
            "name": "Bryggen Design AS",
            "is_company": True,
            "street": "Bryggen 15",
            "zip": "5003",
            "city": "Bergen",
            "email": "post@bryggendesign.example.com",
        },
        False,
    ),
    (
        "demo_no_customer_member",
        {
            "name": "Kari Nordmann",
            "street": "Kalfarveien 31",
            "zip": "5018",
            "city": "Bergen",
            "email": "kari.nordmann@example.com",
        },
        False,
    ),
]

#: The members of Fjordhus AS, partners of the company, billed the yearly
#: membership fee by the tag they carry: xml id, name, language (one member
#: reads English).
DEMO_MEMBERS = [
    ("demo_no_member_01", "Ingrid Hansen", "nb_NO"),
    ("demo_no_member_02", "Ole Johansen", "nb_NO"),
    ("demo_no_member_03", "Silje Olsen", "nb_NO"),
    ("demo_no_member_04", "Lars Larsen", "nb_NO"),
    ("demo_no_member_05", "Marit Andersen", "nb_NO"),
    ("demo_no_member_06", "Eirik Pedersen", "nb_NO"),
    ("demo_no_member_07", "Hanne Nilsen", "nb_NO"),
    ("demo_no_member_08", "Bjørn Kristiansen", "nb_NO"),
    ("demo_no_member_09", "Sofie Berg", "nb_NO"),
    ("demo_no_member_10", "Thomas Haugen", "nb_NO"),
    ("demo_no_member_11", "Nora Dahl", "nb_NO"),
    ("demo_no_member_12", "Emma Clarke", "en_US"),
]

#: The yearly membership fee (before MVA 25 %: 1 500,00 kr with it), made and
#: sent this many days before the year it is for begins.
MEMBERSHIP_FEE = ("Medlemskontingent {period}", 1, 1200.0)
MEMBERSHIP_DAYS_AHEAD = 14
#: A member's e-mail address from the name: "Bjørn Kristiansen",
#: bjorn.kristiansen@example.com.
EMAIL_LETTERS = str.maketrans({" ": ".", "æ": "ae", "ø": "o", "å": "a"})

#: The recurring templates: xml id, customer, period, line (description,
#: quantity, unit price before MVA), how long before today it started, and its
#: schedule options. The rent is for each month from the 1st, sent 14 days
#: ahead, and follows the consumer price index (KPI) each 1 January; the
#: cleaning, every other week, is due today (its earlier invoices made and
#: sent); the membership fee comes in 45 days.
DEMO_TEMPLATES = [
    (
        "demo_no_template_rent",
        "demo_no_customer_design",
        "month",
        ("Husleie kontor 2. etasje, {period}", 1, 10000.0),
        {"months": 3, "day": 1},
        {"days_ahead": 14, "index_percent": 3.1},
    ),
    (
        "demo_no_template_cleaning",
        "demo_no_customer_regnskap",
        "week",
        ("Renhold av kontor, {period}", 3, 450.0),
        {"weeks": 4},
        {"interval": 2},
    ),
    (
        "demo_no_template_membership",
        "demo_no_customer_member",
        "year",
        ("Medlemskap i kontorfellesskapet, {period}", 1, 2400.0),
        {"years": 1, "days": -45},
        {},
    ),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _recurring_demo_norway(self):
        """Called by the demo data: set up the Norwegian demo company once
        every module of this run is loaded (see _register_hook)."""
        if self.env.registry.loaded:
            self._recurring_demo_norway_setup()
        else:
            self.env.registry.recurring_invoice_demo_norway = True

    def _register_hook(self):
        super()._register_hook()
        registry = self.env.registry
        if getattr(registry, "recurring_invoice_demo_norway", False):
            del registry.recurring_invoice_demo_norway
            try:
                with self.env.cr.savepoint():
                    self._recurring_demo_norway_setup()
            except Exception:  # noqa: BLE001 - demo data must not stop Odoo
                _logger.exception("The Norwegian demo company could not be set up")

    @api.model
    def _recurring_demo_template(
        self, template_id, period, start, interval=1, days_ahead=0
    ):
        """Make the draft invoice ``template_id`` a template started on
        ``start``, in the past, as if it had been made recurring then: the
        demo shows some history (a user's template starts tomorrow at the
        earliest, see ``_recurring_setup``). Set up by admin."""
        start = fields.Date.to_date(start)
        template = self.env["account.move"].browse(template_id)
        template._recurring_write(
            {
                "recurring_state": "active",
                "recurring_period": period,
                "recurring_interval": interval,
                "recurring_days_ahead": days_ahead,
                "recurring_user_id": self.env.ref("base.user_admin").id,
                "recurring_start_date": start,
                "recurring_anchor_date": start,
                "recurring_next_date": start,
            }
        )
        return template

    @api.model
    def _recurring_demo_record(self, name, record):
        """Give ``record`` the xml id ``recurring_invoice.<name>``, as demo
        data: uninstalling the add-on deletes the templates; the company
        stays (see hooks.py), its accounting cannot be deleted."""
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": f"{MODULE}.{name}", "record": record, "noupdate": True}]
        )
        return record

    @api.model
    def _recurring_demo_norway_setup(self, now=None):
        """Set up Fjordhus AS (once, where l10n_no is installed)."""
        if self.env["ir.module.module"]._get("l10n_no").state != "installed":
            _logger.info("No Norwegian demo company: l10n_no is not installed")
            return self.browse()
        company = self.env.ref(f"{MODULE}.demo_company_no", raise_if_not_found=False)
        if company:
            # set up before the members' fee was part of the demo: only it
            self._recurring_demo_membership(company, now or fields.Datetime.now())
            return company
        now = now or fields.Datetime.now()
        # Norwegian for the Norwegian company only: loaded now, once Odoo's
        # own demo data is in (loaded at the start, as --load-language does,
        # Odoo's US customers would get it too).
        if not self.env["res.lang"]._lang_get("nb_NO"):
            self.env["base.language.install"].create(
                {"lang_ids": [Command.link(self.env.ref("base.lang_nb_NO").id)]}
            ).lang_install()
        norway = self.env.ref("base.no")
        nok = self.env.ref("base.NOK")
        # As Norwegians write amounts, 12 500,00 kr: Odoo's NOK puts its
        # symbol before the amount, a setting of the currency.
        nok.write({"active": True, "position": "after"})
        company = self._recurring_demo_record(
            "demo_company_no",
            self.create(
                {
                    "name": "Fjordhus AS",
                    "street": "Strandkaien 2",
                    "zip": "5013",
                    "city": "Bergen",
                    "country_id": norway.id,
                    "currency_id": nok.id,
                    "vat": "NO912345688MVA",
                    "company_registry": "912345688",
                    "phone": "+47 55 00 00 00",
                    "email": "post@fjordhus.example.com",
                    "website": "https://www.fjordhus.example.com",
                    "recurring_invoice_tz": "Europe/Oslo",
                    # no look-up of the made-up company on the Internet
                    **(
                        {"iap_enrich_auto_done": True}
                        if "iap_enrich_auto_done" in self._fields
                        else {}
                    ),
                }
            ),
        )
        company.partner_id.write(
            {
                "lang": "nb_NO",
                "tz": "Europe/Oslo",
                "l10n_no_bronnoysund_number": "912345688",
            }
        )
        self.env["res.partner.bank"].create(
            {
                "acc_number": "NO9386011117947",
                "partner_id": company.partner_id.id,
                "company_id": company.id,
                "bank_id": self.env["res.bank"]
                .create({"name": "DNB Bank ASA", "bic": "DNBANOKKXXX"})
                .id,
            }
        )
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(company.id)]})
        self.env["account.chart.template"].try_loading(
            "no", company=company, install_demo=False
        )
        company = company.with_company(company)
        journal = company._recurring_demo_sale_journal()
        # The Norwegian reference model: a KID on each invoice.
        journal.write(
            {"invoice_reference_model": "no", "invoice_reference_type": "invoice"}
        )
        admin.write({"company_id": company.id, "lang": "nb_NO", "tz": "Europe/Oslo"})
        customers = {}
        for name, values, edi_format in DEMO_CUSTOMERS:
            partner = self.env["res.partner"].create(
                {**values, "country_id": norway.id, "lang": "nb_NO"}
            )
            partner.with_company(company).write(
                {"invoice_sending_method": "email", "invoice_edi_format": edi_format}
            )
            customers[name] = partner
        self._recurring_demo_templates(company, journal, customers, now)
        self._recurring_demo_membership(company, now)
        return company

    @api.model
    def _recurring_demo_membership(self, company, now):
        """The members' yearly fee: the tag "Medlem <year>" on the 12 members
        (partners of the company, one reading English) and the template
        "Medlemskontingent <year>" following it, for the first year whose send
        day (two weeks before 1 January) is still to come: nothing is made
        yet, the scheduled action makes the 12 invoices that morning. Once:
        where the template is, nothing is done."""
        template = self.env.ref(
            f"{MODULE}.demo_no_template_membership_fee", raise_if_not_found=False
        )
        if template:
            return template
        company = company.with_company(company)
        today = recurrence.local_today(company.recurring_invoice_tz, now)
        year = date(today.year + 1, 1, 1)
        if recurrence.send_date(year, MEMBERSHIP_DAYS_AHEAD) <= today:
            year = year.replace(year=year.year + 1)
        # No xml id for the tag: its name is translatable, and the add-on's
        # terms are its code's, not its demo's (tests/test_i18n.py). It is
        # found as the template's tag, and stays with the company.
        tag = self.env["res.partner.category"].create({"name": f"Medlem {year.year}"})
        norway = self.env.ref("base.no")
        members = self.env["res.partner"]
        for name, full_name, lang in DEMO_MEMBERS:
            email = full_name.lower().translate(EMAIL_LETTERS) + "@example.com"
            member = self.env["res.partner"].create(
                {
                    "name": full_name,
                    "company_id": company.id,
                    "email": email,
                    "city": "Bergen",
                    "country_id": norway.id,
                    "lang": lang,
                    "category_id": [Command.link(tag.id)],
                }
            )
            member.with_company(company).write(
                {"invoice_sending_method": "email", "invoice_edi_format": False}
            )
            members |= self._recurring_demo_record(name, member)
        description, quantity, price = MEMBERSHIP_FEE
        template = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "journal_id": company._recurring_demo_sale_journal().id,
                    # written to the first member, as a user does, then made
                    # to follow the tag
                    "partner_id": members[0].id,
                    "ref": f"Medlemskontingent {year.year}",
                    "invoice_user_id": self.env.ref("base.user_admin").id,
                    "invoice_payment_term_id": self.env.ref(
                        "account.account_payment_term_15days"
                    ).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": description,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [
                                    Command.set(company.account_sale_tax_id.ids)
                                ],
                            }
                        )
                    ],
                }
            )
        )
        self._recurring_demo_template(
            template.id, "year", year, days_ahead=MEMBERSHIP_DAYS_AHEAD
        )
        template.recurring_recipient_tag_id = tag
        return self._recurring_demo_record("demo_no_template_membership_fee", template)

    def _recurring_demo_sale_journal(self):
        """This company's sale journal (the one with KID references)."""
        self.ensure_one()
        return self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self),
                ("type", "=", "sale"),
            ],
            limit=1,
        )

    @api.model
    def _recurring_demo_templates(self, company, journal, customers, now):
        """The templates of the demo company, and the invoices they made before
        today (already sent); today's are left to the scheduled action."""
        tz = company.recurring_invoice_tz
        today = company._recurring_last_due_date(now)
        admin = self.env.ref("base.user_admin")
        term = self.env.ref("account.account_payment_term_15days")
        mva = company.account_sale_tax_id  # MVA 25 %
        Move = self.env["account.move"].with_company(company)
        templates = Move.browse()
        for name, customer, period, line, ago, options in DEMO_TEMPLATES:
            description, quantity, price = line
            start = today - relativedelta(**ago)
            template = Move.create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "partner_id": customers[customer].id,
                    "invoice_user_id": admin.id,
                    "invoice_payment_term_id": term.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": description,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [Command.set(mva.ids)],
                            }
                        )
                    ],
                }
            )
            self._recurring_demo_template(
                template.id,
                period,
                start,
                interval=options.get("interval", 1),
                days_ahead=options.get("days_ahead", 0),
            )
            templates |= self._recurring_demo_record(name, template)
        # The history: what was due before today began, made and sent then.
        before_today = recurrence.day_start(tz, today).replace(tzinfo=None)
        invoices = templates.with_context(
            lang=company._recurring_lang()
        )._recurring_process(before_today)
        invoices._recurring_write(
            {"recurring_send_state": "sent", "is_move_sent": True}
        )
        # The consumer price index each 1 January, from the next one invoiced.
        for (*_template, options), template in zip(
            DEMO_TEMPLATES, templates, strict=True
        ):
            if options.get("index_percent"):
                after = template.recurring_next_date
                january = after.replace(month=1, day=1)
                template.write(
                    {
                        "recurring_index_percent": options["index_percent"],
                        "recurring_index_date": january
                        if january == after
                        else january.replace(year=after.year + 1),
                    }
                )
        # All paid but the last of each template.
        unpaid = self.env["account.move"].concat(
            *(
                template.recurring_invoice_ids.sorted("recurring_occurrence_date")[-1:]
                for template in templates
            )
        )
        self.env["account.payment.register"].with_company(company).with_context(
            active_model="account.move", active_ids=(invoices - unpaid).ids
        ).create({"group_payment": False}).action_create_payments()
        return templates
