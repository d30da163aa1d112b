# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from html import unescape

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import format_amount

from .common import RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestRecurringMail(RecurringInvoiceCase):
    """The e-mail each made invoice goes with: the module's template
    "Recurring invoice", or the one its recurring template names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Harbour Offices Ltd",
                "email": "accounts@harbour.example.com",
                "invoice_sending_method": "email",
                "invoice_edi_format": False,
                "lang": "en_US",
            }
        )
        cls.bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": "GB33BUKB20201555555555",
                "partner_id": cls.env.company.partner_id.id,
            }
        )
        cls.module_template = cls.env.ref(
            "recurring_invoice.mail_template_recurring_invoice"
        )

    def made_invoice_mail(self, template, day=date(2027, 2, 1)):
        """The invoice ``template`` made at the 06:15 run of ``day`` and the
        e-mail queued for its customer."""
        self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
        invoice = template.recurring_invoice_ids.filtered(
            lambda inv: inv.recurring_occurrence_date == day
        )
        mail = self.env["mail.mail"].search(
            [
                ("recurring_invoice_id", "=", invoice.id),
                ("recipient_ids", "in", invoice.partner_id.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        return invoice, mail

    def test_invoice_goes_with_the_recurring_invoice_email(self):
        template = self.make_template(
            partner=self.customer, name="Office rent {period}", start=date(2027, 2, 1)
        )
        invoice, mail = self.made_invoice_mail(template)
        company = invoice.company_id.name
        self.assertEqual(invoice.recurring_period_name, "February 2027")
        self.assertEqual(
            mail.subject, f"{company}: invoice {invoice.name} for February 2027"
        )
        body = unescape(mail.body_html)
        for text in (
            "Dear Harbour Offices Ltd,",
            f"Here is invoice {invoice.name}",
            f"from {company}",
            "for February 2027.",
            "Amount",
            format_amount(self.env, invoice.amount_total, invoice.currency_id, "en_US"),
            "Due date",
            invoice.invoice_date_due.strftime("%m/%d/%Y"),
            "Payment reference",
            invoice.payment_reference,
            "Bank account",
            self.bank.acc_number,
            "use the payment reference above",
        ):
            self.assertIn(text, body)
        self.assertNotIn("KID", body)
        # Odoo's sending: the PDF attached, the invoice marked sent
        self.assertTrue(mail.attachment_ids.filtered(lambda a: a.name.endswith(".pdf")))
        self.assertTrue(invoice.is_move_sent)

    def test_a_template_names_another_email(self):
        other = self.module_template.copy(
            {"name": "Rent e-mail", "subject": "Your rent {{ object.name }}"}
        )
        template = self.make_template(partner=self.customer, start=date(2027, 2, 1))
        template.recurring_mail_template_id = other
        invoice, mail = self.made_invoice_mail(template)
        self.assertEqual(mail.subject, f"Your rent {invoice.name}")
        # chosen on the template only: a duplicate keeps it, a made invoice
        # has none of its own
        self.assertFalse(invoice.recurring_mail_template_id)
        self.assertEqual(template.copy().recurring_mail_template_id, other)
        # empty again: the module's e-mail
        template.recurring_mail_template_id = False
        invoice, mail = self.made_invoice_mail(template, date(2027, 3, 1))
        self.assertTrue(mail.subject.endswith(f"invoice {invoice.name} for March 2027"))

    def test_odoo_invoice_email_where_the_module_email_was_deleted(self):
        self.module_template.unlink()
        template = self.make_template(partner=self.customer, start=date(2027, 2, 1))
        invoice, mail = self.made_invoice_mail(template)
        self.assertIn(f"Invoice (Ref {invoice.name})", mail.subject)
        self.assertEqual(invoice.recurring_send_state, "sent")

    def test_template_form_offers_the_choice(self):
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="recurring_mail_template_id"', arch)
        field = self.env["account.move"]._fields["recurring_mail_template_id"]
        self.assertEqual(field.comodel_name, "mail.template")
        self.assertEqual(field.domain, [("model", "=", "account.move")])

    def test_email_tells_a_changed_price(self):
        template = self.make_template(
            partner=self.customer, name="Office rent", start=date(2027, 2, 1)
        )
        first_mail = self.made_invoice_mail(template)[1]
        with freeze_time(oslo(2027, 2, 10, 9, 0)):
            action = template.action_recurring_adjust_prices()
            self.env[action["res_model"]].with_context(**action["context"]).create(
                {"percent": 3.1, "effective_date": date(2027, 3, 1)}
            ).action_confirm()
        invoice, mail = self.made_invoice_mail(template, date(2027, 3, 1))
        body = unescape(mail.body_html)
        self.assertIn("New price from this invoice", body)
        currency = invoice.currency_id
        change = (
            f"Office rent: {format_amount(self.env, 1000.0, currency)} → "
            f"{format_amount(self.env, 1031.0, currency)}"
        )
        text = body.replace("<strong>", "").replace("</strong>", "")
        self.assertIn(" ".join(change.split()), " ".join(text.split()))
        self.assertNotIn("New price", unescape(first_mail.body_html))
