# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Norwegian business: Odoo's Norwegian chart (l10n_no: NOK, MVA 25 %), a
sale journal with KID references, customers in Norwegian, one receiving EHF
(Peppol BIS Billing 3.0). Skipped where l10n_no is not installed."""

from datetime import date
from html import unescape

from freezegun import freeze_time
from lxml import etree
from stdnum import luhn

from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from ..tools import recurrence
from .common import RecurringInvoiceCase, oslo
from .test_recurring_period import report_text

NBSP = "\xa0"
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@tagged("post_install", "-at_install")
class TestNorwegianCompany(RecurringInvoiceCase):
    @classmethod
    @RecurringInvoiceCase.setup_country("no")
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("nb_NO")
        cls.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "name": "Fjordlys AS",
                "street": "Strandkaien 4",
                "zip": "5013",
                "city": "Bergen",
                "vat": "NO912345718MVA",
                "email": "post@fjordlys.example.com",
            }
        )
        # The company's own language: what the job writes in it is Norwegian.
        cls.company.partner_id.write(
            {"lang": "nb_NO", "l10n_no_bronnoysund_number": "912345718"}
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": "NO9386011117947",
                "partner_id": cls.company.partner_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.company_data["default_journal_sale"].write(
            {"invoice_reference_model": "no", "invoice_reference_type": "invoice"}
        )
        cls.nok = cls.company.currency_id
        # Odoo's NOK reads "kr 12 500,00"; Norwegian businesses set the
        # symbol after the amount (Accounting > Currencies).
        cls.nok.position = "after"
        cls.accountant = new_test_user(
            cls.env,
            "ingrid",
            name="Ingrid Berg",
            email="ingrid@fjordlys.example.com",
            groups="account.group_account_invoice",
            lang="nb_NO",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.ehf_customer = cls.customer(
            name="Bergen Revisjon AS",
            is_company=True,
            street="Torgallmenningen 10",
            zip="5014",
            city="Bergen",
            vat="NO912345726MVA",
            l10n_no_bronnoysund_number="912345726",
            email="faktura@bergenrevisjon.example.com",
            edi_format="ubl_bis3",
        )
        cls.email_customer = cls.customer(
            name="Kari Nordmann", email="kari.nordmann@example.com"
        )
        cls.english_customer = cls.customer(
            name="Harbour Offices Ltd",
            email="accounts@harbour.example.com",
            lang="en_US",
            country_id=cls.env.ref("base.uk").id,
        )

    @classmethod
    def customer(cls, edi_format=False, **values):
        partner = cls.env["res.partner"].create(
            {"country_id": cls.env.ref("base.no").id, "lang": "nb_NO", **values}
        )
        partner.with_company(cls.company).write(
            {"invoice_sending_method": "email", "invoice_edi_format": edi_format}
        )
        return partner

    def rent(self, partner):
        """Office rent, 10 000 kr + MVA 25 % a month, from 1 February 2027."""
        return self.make_template(
            partner=partner,
            name="Husleie {period}",
            price=10000.0,
            start=date(2027, 2, 1),
            invoice_user_id=self.accountant.id,
        )

    def customer_mail(self, invoice):
        mail = self.env["mail.mail"].search(
            [
                ("recurring_invoice_id", "=", invoice.id),
                ("recipient_ids", "in", invoice.partner_id.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        return mail

    def summaries(self):
        return self.env["mail.mail"].search([("model", "=", "res.users")])

    def test_kid_on_every_invoice(self):
        templates = (
            self.rent(self.ehf_customer)
            | self.rent(self.email_customer)
            | self.rent(self.english_customer)
        )
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.run_cron(oslo(2027, 3, 1, 6, 15))
        invoices = templates.recurring_invoice_ids
        self.assertEqual(len(invoices), 6)
        self.assertEqual(set(invoices.mapped("currency_id.name")), {"NOK"})
        kids = invoices.mapped("payment_reference")
        self.assertEqual(len(set(kids)), 6, "each invoice has its own KID")
        for invoice in invoices:
            kid = invoice.payment_reference
            self.assertTrue(kid.isdigit(), kid)
            self.assertTrue(luhn.is_valid(kid), f"{kid}: wrong check digit")
            self.assertEqual(kid, invoice._get_kid_number())
            self.assertEqual(invoice.amount_total, 12500.0)  # MVA 25 %
            self.assertIn(kid, unescape(self.customer_mail(invoice).body_html))

    def test_drafts_for_review_get_their_kid_when_posted(self):
        template = self.rent(self.ehf_customer)
        template.recurring_mode = "draft"
        posted_only = self.rent(self.email_customer)
        posted_only.recurring_mode = "post"
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        draft = template.recurring_invoice_ids
        self.assertEqual((draft.state, draft.recurring_send_state), ("draft", "review"))
        self.assertEqual(draft.invoice_line_ids.name, "Husleie februar 2027")
        body = unescape(self.summaries().body_html)
        self.assertIn("1 laget som utkast til gjennomgang", body)
        self.assertIn("Gjentagende utkast til gjennomgang", body)
        self.assertIn("Bokført, ikke sendt", body)
        self.assertIn("satt til bare å bokføres", body)
        # the accountant reviews and posts: its KID, then sent with its EHF
        draft.with_user(self.accountant).action_post()
        self.assertTrue(luhn.is_valid(draft.payment_reference))
        self.assertEqual(draft.payment_reference, draft._get_kid_number())
        self.assertEqual(draft.invoice_line_ids.name, "Husleie februar 2027")
        self.run_cron(oslo(2027, 2, 1, 10, 0))
        self.assertEqual(draft.recurring_send_state, "sent")
        self.assertIn(
            draft.payment_reference, unescape(self.customer_mail(draft).body_html)
        )
        self.assertFalse(posted_only.recurring_invoice_ids.is_move_sent)

    def test_ehf_xml_for_an_ehf_customer_only(self):
        if "ubl_cii_xml_id" not in self.env["account.move"]._fields:
            self.skipTest("account_edi_ubl_cii (EHF) is not installed")
        ehf = self.rent(self.ehf_customer)
        email_only = self.rent(self.email_customer)
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        ehf_invoice = ehf.recurring_invoice_ids
        self.assertEqual(ehf_invoice.recurring_send_state, "sent")
        self.assertTrue(ehf_invoice.ubl_cii_xml_id.name.endswith("_ubl_bis3.xml"))
        names = self.customer_mail(ehf_invoice).attachment_ids.mapped("name")
        self.assertIn(ehf_invoice.ubl_cii_xml_id.name, names)
        self.assertTrue([name for name in names if name.endswith(".pdf")])
        email_invoice = email_only.recurring_invoice_ids
        self.assertEqual(email_invoice.recurring_send_state, "sent")
        self.assertFalse(email_invoice.ubl_cii_xml_id)
        names = self.customer_mail(email_invoice).attachment_ids.mapped("name")
        self.assertTrue([name for name in names if name.endswith(".pdf")])
        self.assertFalse([name for name in names if name.endswith(".xml")])

    def test_email_in_the_customers_language(self):
        norwegian = self.rent(self.email_customer)
        english = self.rent(self.english_customer)
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        invoice = norwegian.recurring_invoice_ids
        mail = self.customer_mail(invoice)
        self.assertEqual(
            mail.subject, f"Fjordlys AS: faktura {invoice.name} for februar 2027"
        )
        body = unescape(mail.body_html)
        for text in (
            "Hei Kari Nordmann,",
            f"Her er faktura {invoice.name}",
            "fra Fjordlys AS",
            "for februar 2027.",
            "Beløp",
            f"12{NBSP}500,00{NBSP}kr",
            "Forfallsdato",
            invoice.invoice_date_due.strftime("%d.%m.%Y"),
            "KID",
            invoice.payment_reference,
            "Kontonummer",
            self.bank.acc_number,
            "merk betalingen med KID-nummeret over",
            "Ta gjerne kontakt hvis du har spørsmål.",
        ):
            self.assertIn(text, body)
        for english_text in ("Dear", "Here is", "Due date", "Amount", "Bank account"):
            self.assertNotIn(english_text, body)
        self.assertIn("Husleie februar 2027", invoice.invoice_line_ids.name)

        invoice = english.recurring_invoice_ids
        mail = self.customer_mail(invoice)
        self.assertEqual(
            mail.subject, f"Fjordlys AS: invoice {invoice.name} for February 2027"
        )
        body = unescape(mail.body_html)
        for text in (
            "Dear Harbour Offices Ltd,",
            f"Here is invoice {invoice.name}",
            "for February 2027.",
            f"12,500.00{NBSP}kr",
            "Due date",
            invoice.invoice_date_due.strftime("%m/%d/%Y"),
            "KID",
            "Bank account",
        ):
            self.assertIn(text, body)
        self.assertNotIn("Forfallsdato", body)

    def test_one_template_to_three_recipients_each_their_own_invoice(self):
        """A membership fee to three members: each invoice has its own KID, is
        written and e-mailed in its member's language, and goes as EHF to
        the member that takes EHF only."""
        template = self.rent(self.email_customer)
        template.recurring_recipient_ids = [
            Command.create({"partner_id": partner.id})
            for partner in (self.ehf_customer, self.english_customer)
        ]
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        invoices = template.recurring_invoice_ids
        self.assertEqual(
            invoices.partner_id,
            self.email_customer | self.ehf_customer | self.english_customer,
        )
        kids = invoices.mapped("payment_reference")
        self.assertEqual(len(set(kids)), 3)
        for invoice in invoices:
            self.assertTrue(luhn.is_valid(invoice.payment_reference))
            self.assertEqual(invoice.payment_reference, invoice._get_kid_number())
            self.assertEqual(invoice.amount_total, 12500.0)
            self.assertEqual(invoice.recurring_send_state, "sent")
            self.assertIn(
                invoice.payment_reference,
                unescape(self.customer_mail(invoice).body_html),
            )
        by_partner = {invoice.partner_id: invoice for invoice in invoices}
        self.assertIn(
            "Husleie februar 2027",
            by_partner[self.email_customer].invoice_line_ids.name,
        )
        english = by_partner[self.english_customer]
        self.assertIn("Husleie February 2027", english.invoice_line_ids.name)
        self.assertIn("invoice", self.customer_mail(english).subject)
        if "ubl_cii_xml_id" in self.env["account.move"]._fields:
            self.assertTrue(by_partner[self.ehf_customer].ubl_cii_xml_id)
            self.assertFalse(by_partner[self.email_customer].ubl_cii_xml_id)
            self.assertFalse(english.ubl_cii_xml_id)

    def test_summary_and_notes_in_norwegian(self):
        """The job runs in English (OdooBot's language here); what it writes
        in the Norwegian company is Norwegian all the same."""
        self.assertFalse(self.env.lang and self.env.lang != "en_US")
        self.rent(self.ehf_customer)
        self.rent(self.email_customer)
        no_address = self.customer(name="Ola Uten E-post")
        failing = self.rent(no_address)
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        summary = self.summaries()
        self.assertEqual(len(summary), 1)
        self.assertEqual(summary.recipient_ids, self.accountant.partner_id)
        self.assertEqual(
            summary.subject, "Oppsummering av gjentagende fakturaer sendt i dag"
        )
        body = unescape(summary.body_html)
        self.assertIn("(01.02.2027)", body)
        self.assertIn(f"12{NBSP}500,00{NBSP}kr", body)
        self.assertIn("Totalt sendt:", body)
        self.assertIn(f"25{NBSP}000,00{NBSP}kr", body)
        self.assertIn("Kunne ikke sendes", body)
        self.assertIn("Kunden Ola Uten E-post har ingen e-postadresse.", body)
        # the notes on the invoices, and why one was not sent
        invoice = failing.recurring_invoice_ids
        notes = invoice.message_ids.mapped("body")
        self.assertTrue([n for n in notes if "Faktura opprettet fra" in n])
        self.assertTrue(
            [
                n
                for n in notes
                if "Denne fakturaen kunne ikke sendes (forsøk 1 av 3)" in n
            ]
        )
        self.assertFalse([n for n in notes if "Invoice created" in n])

    def test_invoice_pdf_labels_in_norwegian(self):
        """Labels Odoo's Norwegian leaves in English on the invoice PDF come
        from this add-on's i18n_extra/nb.po."""
        template = self.rent(self.email_customer)
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        invoice = template.recurring_invoice_ids
        html = unescape(
            self.env["ir.actions.report"]
            ._render_qweb_html("account.account_invoices", invoice.ids)[0]
            .decode()
        )
        for label in ("Fakturadato", "Forfallsdato", "Totalt"):
            self.assertIn(f"<strong>{label}</strong>", html)
        for label in ("Invoice Date", "Due Date", "Total"):
            self.assertNotIn(f"<strong>{label}</strong>", html)

    def rent_march(self, partner):
        """Office rent for March 2027, sent ten days ahead (19 February)."""
        template = self.make_template(
            partner=partner,
            name="Husleie {period}",
            price=10000.0,
            start=date(2027, 3, 1),
            options={"days_ahead": 10},
            invoice_user_id=self.accountant.id,
        )
        self.run_cron(oslo(2027, 2, 19, 6, 15))
        invoice = template.recurring_invoice_ids
        self.assertEqual(invoice.invoice_date, date(2027, 2, 19))
        return invoice

    def test_invoice_pdf_states_the_period_in_norwegian(self):
        """bokføringsforskriften § 5-1-1: the invoice says when the service is
        delivered; the customer's language's date format."""
        invoice = self.rent_march(self.email_customer)
        self.assertEqual(invoice.invoice_line_ids.name, "Husleie mars 2027")
        text = report_text(self.env, invoice)
        self.assertIn("Periode: 01.03.2027–31.03.2027", text)
        english = self.rent_march(self.english_customer)
        self.assertIn("Period: 03/01/2027–03/31/2027", report_text(self.env, english))

    def test_ehf_states_the_invoice_period(self):
        """BG-14: cac:InvoicePeriod with the period's first and last day, in
        the EHF (Peppol BIS Billing 3.0) file attached to the invoice, where
        BIS 3 orders it: after the buyer reference, before the order
        reference and the parties."""
        if "ubl_cii_xml_id" not in self.env["account.move"]._fields:
            self.skipTest("account_edi_ubl_cii (EHF) is not installed")
        # The customer's reference: the buyer reference BIS 3 asks for.
        self.ehf_customer.ref = "BR-4471"
        invoice = self.rent_march(self.ehf_customer)
        self.assertEqual(invoice.recurring_send_state, "sent")
        attached = etree.fromstring(invoice.ubl_cii_xml_id.raw)
        xml, errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(invoice)
        self.assertFalse(errors)
        for tree in (attached, etree.fromstring(xml)):
            periods = tree.findall("cac:InvoicePeriod", UBL_NS)
            self.assertEqual(len(periods), 1)
            self.assertEqual(
                periods[0].findtext("cbc:StartDate", None, UBL_NS), "2027-03-01"
            )
            self.assertEqual(
                periods[0].findtext("cbc:EndDate", None, UBL_NS), "2027-03-31"
            )
            names = [etree.QName(child).localname for child in tree]
            at = names.index("InvoicePeriod")
            before = {
                "IssueDate",
                "DueDate",
                "InvoiceTypeCode",
                "DocumentCurrencyCode",
                "BuyerReference",
                "AccountingCost",
            }
            after = {
                "OrderReference",
                "AdditionalDocumentReference",
                "AccountingSupplierParty",
                "AccountingCustomerParty",
                "PaymentMeans",
                "TaxTotal",
                "LegalMonetaryTotal",
                "InvoiceLine",
            }
            self.assertFalse(before & set(names[at + 1 :]), names)
            self.assertFalse(after & set(names[:at]), names)
            self.assertIn("BuyerReference", names[:at])
        # A plain invoice's file has no invoice period, as in Odoo.
        plain = self.make_draft(partner=self.ehf_customer)
        plain.action_post()
        xml, _errors = self.env["account.edi.xml.ubl_bis3"]._export_invoice(plain)
        self.assertIsNone(etree.fromstring(xml).find("cac:InvoicePeriod", UBL_NS))


@tagged("post_install", "-at_install")
class TestNorwegianDemo(TransactionCase):
    """``make run``'s Norwegian company, where the demo data and l10n_no are
    installed."""

    def test_demo_company(self):
        company = self.env.ref(
            "recurring_invoice.demo_company_no", raise_if_not_found=False
        )
        if not company:
            self.skipTest("no Norwegian demo company: no demo data or no l10n_no")
        self.assertEqual(company.chart_template, "no")
        self.assertEqual(company.currency_id.name, "NOK")
        self.assertEqual(company.account_sale_tax_id.amount, 25.0)
        self.assertEqual(company.country_id.code, "NO")
        self.assertTrue(company.bank_ids)
        self.assertEqual(company.partner_id.lang, "nb_NO")
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.company_id, company)
        self.assertEqual(admin.lang, "nb_NO")
        templates = self.env["account.move"].search(
            [("company_id", "=", company.id), ("recurring_state", "!=", False)]
        )
        # rent, cleaning, the office membership, the members' fee
        self.assertEqual(len(templates), 4)
        self.assertEqual(
            set(templates.mapped("recurring_period")), {"month", "week", "year"}
        )
        invoices = templates.recurring_invoice_ids
        self.assertTrue(invoices, "some history")
        self.assertTrue(
            all(luhn.is_valid(kid) for kid in invoices.mapped("payment_reference"))
        )
        self.assertTrue(
            all(
                partner.lang == "nb_NO" and partner.email
                for partner in templates.partner_id
            )
        )
        self.assertEqual(
            templates.partner_id.with_company(company)
            .mapped("invoice_edi_format")
            .count("ubl_bis3"),
            1,
        )
        # The US demo company is left as Odoo made it.
        us = self.env.ref("base.main_company")
        self.assertEqual(us.currency_id.name, "USD")
        self.assertNotEqual(us.chart_template, "no")

    def test_demo_membership_fee_bills_the_members_tagged(self):
        """The members' yearly fee follows the tag "Medlem <year>": 12 members,
        one reading English; on its send day the job makes their 12 invoices,
        each its member's own, in the member's language."""
        template = self.env.ref(
            "recurring_invoice.demo_no_template_membership_fee",
            raise_if_not_found=False,
        )
        if not template:
            self.skipTest("no Norwegian demo company: no demo data or no l10n_no")
        company = self.env.ref("recurring_invoice.demo_company_no")
        tag = template.recurring_recipient_tag_id
        year = template.recurring_next_date.year
        january = date(year, 1, 1)
        self.assertEqual(template.company_id, company)
        self.assertEqual(template.recurring_state, "active")
        self.assertEqual(template.recurring_period, "year")
        self.assertEqual(template.recurring_next_date, january)
        self.assertEqual(template.ref, f"Medlemskontingent {year}")
        self.assertEqual(tag.name, f"Medlem {year}")
        self.assertEqual(
            self.env["res.partner.category"].search([("name", "=", tag.name)]), tag
        )
        self.assertFalse(template.recurring_recipient_ids)
        line = template.invoice_line_ids
        self.assertEqual(line.name, "Medlemskontingent {period}")
        self.assertEqual(line.tax_ids.amount, 25.0)
        self.assertEqual(template.currency_id.name, "NOK")
        members = template._recurring_tagged_partners()
        self.assertEqual(len(members), 12)
        self.assertEqual(template.recurring_recipient_count, 12)
        self.assertIn(f"Medlem {year}", template.recurring_billing_label)
        self.assertEqual(members.company_id, company)
        self.assertTrue(all(members.mapped("email")))
        self.assertEqual(sorted(members.mapped("lang")), ["en_US"] + ["nb_NO"] * 11)
        self.assertEqual(
            members,
            self.env["res.partner"].concat(
                *(
                    self.env.ref(f"recurring_invoice.demo_no_member_{n:02d}")
                    for n in range(1, 13)
                )
            ),
        )
        # set up once: the demo's set up again makes nothing more
        partners = self.env["res.partner"].search_count([])
        Company = self.env["res.company"]
        self.assertEqual(Company._recurring_demo_norway_setup(), company)
        self.assertEqual(Company._recurring_demo_membership(company, None), template)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        # still to come: nothing made before its send day
        self.assertFalse(template.recurring_invoice_ids)
        send_day = template.recurring_next_send_date
        self.assertEqual(send_day, recurrence.send_date(january, 14))

        # The morning of its send day, the other templates set aside (as
        # RecurringInvoiceCase does).
        Move = self.env["account.move"].sudo()
        (Move.search([("recurring_state", "=", "active")]) - template)._recurring_write(
            {"recurring_state": "paused"}
        )
        Move.search([("recurring_send_state", "=", "to_send")])._recurring_write(
            {"recurring_send_state": "sent"}
        )
        morning = company._recurring_next_send_moment(
            recurrence.day_start(company.recurring_invoice_tz, send_day).replace(
                tzinfo=None
            )
        )
        Job = self.env["recurring.invoice.job"]
        with freeze_time(morning):
            for _batch in range(100):
                if Job._cron_make_and_send() <= 0:
                    break
        self.env.invalidate_all()

        invoices = template.recurring_invoice_ids
        self.assertEqual(len(invoices), 12)
        self.assertEqual(invoices.partner_id, members)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertEqual(set(invoices.mapped("invoice_date")), {send_day})
        self.assertEqual(len(set(invoices.mapped("name"))), 12)
        self.assertEqual(invoices.mapped("amount_total"), [1500.0] * 12)
        self.assertEqual(template.recurring_next_date, date(year + 1, 1, 1))
        english = invoices.filtered(lambda i: i.partner_id.lang == "en_US")
        self.assertEqual(english.partner_id.name, "Emma Clarke")
        for invoice in invoices:
            member = invoice.partner_id
            self.assertEqual(invoice.recurring_billed_partner_id, member)
            self.assertEqual(invoice.recurring_occurrence_date, january)
            self.assertTrue(luhn.is_valid(invoice.payment_reference))
            period = template._recurring_period_name(january, member.lang)
            self.assertEqual(
                invoice.invoice_line_ids.name, f"Medlemskontingent {period}"
            )
            self.assertEqual(invoice.recurring_period_name, period)
            mail = self.env["mail.mail"].search(
                [
                    ("recurring_invoice_id", "=", invoice.id),
                    ("recipient_ids", "in", member.ids),
                ]
            )
            self.assertEqual(len(mail), 1, member.name)
            word = "invoice" if invoice == english else "faktura"
            self.assertEqual(
                mail.subject, f"Fjordhus AS: {word} {invoice.name} for {period}"
            )
