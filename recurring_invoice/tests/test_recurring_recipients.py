# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One template, many customers: the recipients of a recurring template."""

from datetime import date
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import RecurringInvoiceCase, oslo

JAN, FEB, MAR = date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)
REFUSED = "This customer's invoice cannot be posted"
LOCKED = "Journal locked"


@tagged("post_install", "-at_install")
class TestRecurringRecipients(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.members = cls.env["res.partner"].create(
            [
                {
                    "name": f"Member {n}",
                    "email": f"member{n}@example.com",
                    "invoice_sending_method": "email",
                }
                for n in range(1, 6)
            ]
        )

    def template_for(self, partners, **values):
        values.setdefault("invoice_user_id", self.accountant.id)
        values.setdefault("partner", self.customer)
        template = self.make_template(**values)
        template.recurring_recipient_ids = [
            Command.create({"partner_id": partner.id}) for partner in partners
        ]
        return template

    def made(self, template, day=None):
        invoices = template.recurring_invoice_ids
        if day:
            invoices = invoices.filtered(lambda i: i.recurring_occurrence_date == day)
        return invoices

    def summaries(self):
        return self.env["mail.mail"].search([("model", "=", "res.users")])

    # --- who is billed ------------------------------------------------------
    def test_a_list_bills_each_recipient_once_per_occurrence(self):
        template = self.template_for(self.members[:2])
        # the customer was put first in the list when it was started
        self.assertEqual(
            template.recurring_recipient_ids.partner_id,
            self.customer | self.members[:2],
        )
        self.assertEqual(
            template.recurring_recipient_ids.sorted("sequence")[0].partner_id,
            self.customer,
        )
        self.assertEqual(template.recurring_recipient_count, 3)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoices = self.made(template, JAN)
        self.assertEqual(len(invoices), 3)
        self.assertEqual(invoices.partner_id, self.customer | self.members[:2])
        self.assertEqual(invoices.recurring_billed_partner_id, invoices.partner_id)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertEqual(len(set(invoices.mapped("name"))), 3)
        self.assertEqual(len(set(invoices.mapped("payment_reference"))), 3)
        for invoice in invoices:
            receivable = invoice.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            )
            self.assertEqual(receivable.partner_id, invoice.partner_id)
            self.assertIn(invoice.partner_id, invoice.message_partner_ids)
        self.assertEqual(template.recurring_next_date, FEB)
        self.assertEqual(template.recurring_made_count, 1)
        # the same morning again: nothing more
        self.run_cron(oslo(2027, 1, 31, 9, 0))
        self.assertEqual(len(self.made(template)), 3)
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertEqual(len(self.made(template, FEB)), 3)

    def test_the_customer_can_be_removed_from_the_list(self):
        template = self.template_for(self.members[:1])
        template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.customer
        ).unlink()
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(self.made(template).partner_id, self.members[0])
        # an emptied list bills the customer again
        template.recurring_recipient_ids.unlink()
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertEqual(self.made(template, FEB).partner_id, self.customer)
        self.assertFalse(self.made(template, FEB).recurring_billed_partner_id)

    def test_a_recipient_added_later_starts_with_the_next_date(self):
        template = self.template_for(self.members[:1])
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        template.recurring_recipient_ids = [
            Command.create({"partner_id": self.members[1].id})
        ]
        added = template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.members[1]
        )
        self.assertEqual(added.start_date, FEB)
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertEqual(
            self.made(template)
            .filtered(lambda i: i.partner_id == self.members[1])
            .mapped("recurring_occurrence_date"),
            [FEB],
        )
        # its start is the job's to keep
        with self.assertRaises(UserError):
            added.start_date = JAN

    def test_a_paused_recipient_is_not_billed_and_owes_nothing(self):
        template = self.template_for(self.members[:2])
        paused = template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.members[0]
        )
        paused.paused = True
        self.assertEqual(template.recurring_recipient_count, 2)
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertNotIn(self.members[0], self.made(template).partner_id)
        self.assertFalse(template.recurring_owed)
        paused.paused = False
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertEqual(
            self.made(template)
            .filtered(lambda i: i.partner_id == self.members[0])
            .mapped("recurring_occurrence_date"),
            [FEB],
        )

    def test_a_removed_recipient_keeps_its_invoices(self):
        template = self.template_for(self.members[:1])
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        invoice = self.made(template).filtered(
            lambda i: i.partner_id == self.members[0]
        )
        template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.members[0]
        ).unlink()
        self.run_cron(oslo(2027, 2, 28, 6, 15))
        self.assertTrue(invoice.exists())
        self.assertEqual(invoice.recurring_template_id, template)
        self.assertNotIn(self.members[0], self.made(template, FEB).partner_id)

    def test_a_tag_bills_the_customers_carrying_it_on_the_send_day(self):
        tag = self.env["res.partner.category"].create({"name": "Medlem 2027"})
        self.members[:2].category_id = tag
        template = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        template.recurring_recipient_tag_id = tag
        self.assertEqual(template.recurring_recipient_count, 2)
        self.assertIn("Medlem 2027", template.recurring_billing_label)
        # tagged after the set up, untagged before the send day
        self.members[2].category_id = tag
        self.members[0].category_id = False
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(self.made(template).partner_id, self.members[1:3])
        # not both a tag and a list
        with self.assertRaises(ValidationError):
            template.recurring_recipient_ids = [
                Command.create({"partner_id": self.members[3].id})
            ]

    # --- exactly once ---------------------------------------------------------
    def test_one_invoice_per_template_recipient_and_occurrence(self):
        template = self.template_for(self.members[:1])
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Move._recurring_as_job().create(
                    template._recurring_invoice_values(JAN, self.members[0])
                )
        # the customer's own invoice too
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Move._recurring_as_job().create(
                    template._recurring_invoice_values(JAN, self.customer)
                )

    def test_a_big_list_is_made_over_several_batches_each_recipient_once(self):
        template = self.template_for(self.members)
        other = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        with patch.object(
            type(self.Job), "_cron_make_and_send", wraps=self.Job._cron_make_and_send
        ) as calls:
            self.run_cron(oslo(2027, 1, 31, 6, 15), batch_size=2)
        self.assertGreaterEqual(calls.call_count, 3)
        invoices = self.made(template)
        self.assertEqual(len(invoices), 6)
        self.assertEqual(invoices.partner_id, self.customer | self.members)
        self.assertEqual(template.recurring_next_date, FEB)
        self.assertEqual(template.recurring_made_count, 1)
        self.assertEqual(len(other.recurring_invoice_ids), 1)

    def test_a_number_of_invoices_counts_occurrences(self):
        template = self.template_for(self.members[:2], options={"max_invoices": 2})
        for day in (JAN, FEB, MAR):
            self.run_cron(oslo(day.year, day.month, day.day, 6, 15))
        self.assertEqual(len(self.made(template)), 6)
        self.assertEqual(
            sorted(set(self.made(template).mapped("recurring_occurrence_date"))),
            [JAN, FEB],
        )
        self.assertEqual(template.recurring_state, "ended")

    # --- a failing recipient --------------------------------------------------
    def test_an_archived_recipient_does_not_hold_the_others_and_is_made_once_fixed(
        self,
    ):
        template = self.template_for(self.members[:3])
        self.members[1].active = False
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(
            self.made(template).partner_id,
            self.customer | self.members[0] | self.members[2],
        )
        self.assertEqual(template.recurring_next_date, FEB)
        self.assertEqual(list(template.recurring_owed), [str(self.members[1].id)])
        # named in the summary, and in the panel
        [summary] = self.summaries()
        self.assertIn("Member 2", summary.body_html)
        self.assertIn("archived", summary.body_html)
        self.assertIn("Member 2", template.recurring_panel)
        # still archived the next day: still owed, nothing else made
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(len(self.made(template)), 3)
        self.assertTrue(template.recurring_owed)
        # fixed: made at the next run, once, for its occurrence
        self.members[1].active = True
        self.run_cron(oslo(2027, 2, 2, 6, 15))
        late = self.made(template).filtered(lambda i: i.partner_id == self.members[1])
        self.assertEqual(late.mapped("recurring_occurrence_date"), [JAN])
        # dated on its send day, as every invoice the job makes late
        self.assertEqual(late.invoice_date, JAN)
        self.assertFalse(template.recurring_owed)
        self.assertFalse(template.recurring_owed_after)
        self.run_cron(oslo(2027, 2, 3, 6, 15))
        self.assertEqual(len(self.made(template)), 4)

    def test_a_recipient_whose_invoice_fails_to_post_does_not_hold_the_others(self):
        template = self.template_for(self.members[:2])
        Move = type(self.Move)
        post = Move._post
        failing = self.members[0]

        def _post(moves, soft=True):
            if failing in moves.partner_id:
                raise UserError(REFUSED)
            return post(moves, soft=soft)

        with patch.object(Move, "_post", _post), self.muted_logs():
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(
            self.made(template).partner_id, self.customer | self.members[1]
        )
        self.assertEqual(
            template.recurring_owed[str(failing.id)],
            {
                "dates": [JAN.isoformat()],
                "error": REFUSED,
            },
        )
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(len(self.made(template)), 3)
        self.assertFalse(template.recurring_owed)

    def test_when_no_recipient_can_be_made_the_template_fails(self):
        template = self.template_for(self.members[:1])
        with (
            patch.object(type(self.Move), "_post", side_effect=UserError(LOCKED)),
            self.muted_logs(),
        ):
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertFalse(self.made(template))
        self.assertEqual(template.recurring_next_date, JAN)
        self.assertEqual(template.recurring_make_error, "Journal locked")
        self.assertFalse(template.recurring_owed)

    def test_stop_lets_go_of_what_recipients_owe(self):
        template = self.template_for(self.members[:1])
        self.members[0].active = False
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertTrue(template.recurring_owed)
        template.action_recurring_stop()
        self.assertFalse(template.recurring_owed)
        self.members[0].active = True
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertEqual(self.made(template).partner_id, self.customer)

    def test_owed_invoices_of_a_recipient_removed_are_let_go(self):
        template = self.template_for(self.members[:1])
        self.members[0].active = False
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.members[0]
        ).unlink()
        self.members[0].active = True
        self.run_cron(oslo(2027, 2, 1, 6, 15))
        self.assertNotIn(self.members[0], self.made(template).partner_id)
        self.assertFalse(template.recurring_owed)

    # --- each recipient's own invoice -------------------------------------------
    def test_each_invoice_is_the_recipients_own(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.members[0].lang = "nb_NO"
        self.members[1].lang = "en_US"
        template = self.template_for(
            self.members[:2] | self.partner_b, name="Kontingent {period}"
        )
        rows = template.recurring_recipient_ids
        rows.filtered(lambda r: r.partner_id == self.members[0]).write(
            {"discount": 20.0, "note": "Medlemsnummer 1001"}
        )
        rows.filtered(lambda r: r.partner_id == self.members[1]).price_unit = 400.0
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        by_partner = {i.partner_id: i for i in self.made(template)}
        self.assertFalse(template.recurring_owed)
        first, second = by_partner[self.members[0]], by_partner[self.members[1]]
        product = first.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        self.assertEqual(product.name, "Kontingent januar 2027")
        self.assertEqual(product.discount, 20.0)
        self.assertEqual(first.amount_untaxed, 800.0)
        note = first.invoice_line_ids.filtered(
            lambda line: line.display_type == "line_note"
        )
        self.assertEqual(note.name, "Medlemsnummer 1001")
        self.assertEqual(
            second.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ).name,
            "Kontingent January 2027",
        )
        self.assertEqual(second.amount_untaxed, 400.0)
        # partner_b: its fiscal position (taxes mapped) and payment terms
        third = by_partner[self.partner_b]
        self.assertEqual(third.fiscal_position_id, self.fiscal_pos_a)
        self.assertEqual(third.invoice_line_ids.tax_ids, self.tax_sale_b)
        self.assertEqual(third.invoice_payment_term_id, self.pay_terms_b)
        self.assertEqual(
            by_partner[self.customer].invoice_line_ids.tax_ids, self.tax_sale_a
        )

    def test_an_automatic_fiscal_position_follows_each_recipients_country(self):
        sweden = self.env.ref("base.se")
        abroad = self.env["account.fiscal.position"].create(
            {
                "name": "Abroad",
                "auto_apply": True,
                "country_id": sweden.id,
                "company_id": self.env.company.id,
                "tax_ids": [
                    Command.create(
                        {
                            "tax_src_id": self.tax_sale_a.id,
                            "tax_dest_id": self.tax_sale_b.id,
                        }
                    )
                ],
            }
        )
        self.members[0].country_id = sweden
        self.members[1].country_id = self.env.ref("base.no")
        template = self.template_for(self.members[:2])
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        by_partner = {i.partner_id: i for i in self.made(template)}
        swede, norwegian = by_partner[self.members[0]], by_partner[self.members[1]]
        self.assertEqual(swede.fiscal_position_id, abroad)
        self.assertEqual(swede.invoice_line_ids.tax_ids, self.tax_sale_b)
        self.assertFalse(norwegian.fiscal_position_id)
        self.assertEqual(norwegian.invoice_line_ids.tax_ids, self.tax_sale_a)

    def test_many_customers_are_added_at_once(self):
        template = self.template_for(self.members[:1])
        row = template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.members[0]
        )
        row.discount = 10.0
        # Odoo's many2many selection: ticked in the dialog, saved with the form
        template.recurring_recipient_add_ids = self.members[:4]
        self.assertEqual(
            template.recurring_recipient_ids.partner_id,
            self.customer | self.members[:4],
        )
        # the one already on the list is left as it was
        self.assertEqual(row.discount, 10.0)
        # only a way in: read again (as the form does once saved), empty
        template.invalidate_recordset(["recurring_recipient_add_ids"])
        self.assertFalse(template.recurring_recipient_add_ids)
        self.assertEqual(
            set(template.recurring_recipient_ids.mapped("start_date")), {JAN}
        )
        # on a template billing its customer: the customer first, as ever
        other = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        other.write({"recurring_recipient_add_ids": [Command.set(self.members.ids)]})
        self.assertEqual(len(other.recurring_recipient_ids), 6)
        self.assertEqual(
            other.recurring_recipient_ids.sorted("sequence")[0].partner_id,
            self.customer,
        )
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertEqual(self.made(other).partner_id, self.customer | self.members)
        # the Billing users only
        writer = self.make_invoice_writer()
        with self.assertRaises(AccessError):
            template.with_user(writer).recurring_recipient_add_ids = self.members
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn('name="recurring_recipient_add_ids"', arch)

    def test_a_fixed_price_needs_a_template_with_one_line(self):
        template = self.template_for(self.members[:1])
        template.invoice_line_ids = [
            Command.create(
                {"product_id": self.product_b.id, "name": "Extra", "price_unit": 10.0}
            )
        ]
        with self.assertRaises(ValidationError):
            template.recurring_recipient_ids[-1].price_unit = 100.0

    def test_recipients_are_imported_with_odoos_import(self):
        template = self.make_template(
            partner=self.customer, invoice_user_id=self.accountant.id
        )
        result = self.env["recurring.invoice.recipient"].load(
            ["template_id/.id", "partner_id/.id", "discount", "note"],
            [
                [str(template.id), str(member.id), "10", f"Nr. {n}"]
                for n, member in enumerate(self.members[:3], 1)
            ],
        )
        self.assertFalse(result["messages"])
        self.assertEqual(len(result["ids"]), 3)
        self.assertEqual(
            template.recurring_recipient_ids.partner_id,
            self.customer | self.members[:3],
        )
        # an import cannot back-date a recipient: it starts with the next date
        result = self.env["recurring.invoice.recipient"].load(
            ["template_id/.id", "partner_id/.id", "start_date"],
            [[str(template.id), str(self.members[3].id), "2026-01-01"]],
        )
        self.assertEqual(len(result["ids"]), 1)
        self.assertEqual(
            template.recurring_recipient_ids.mapped("start_date"), [JAN] * 5
        )

    def test_the_recipients_list_imports_by_name(self):
        """Invoicing > Customers > Recurring invoice recipients: Odoo's Import
        records there, a template named by its reference, customers by name."""
        action = self.env.ref("recurring_invoice.action_recurring_invoice_recipient")
        self.assertEqual(action.res_model, "recurring.invoice.recipient")
        menu = self.env.ref("recurring_invoice.menu_recurring_invoice_recipient")
        self.assertEqual(menu.groups_id, self.env.ref("account.group_account_invoice"))
        template = self.make_template(
            partner=self.customer,
            invoice_user_id=self.accountant.id,
            ref="Medlemskontingent 2027",
        )
        result = (
            self.env["recurring.invoice.recipient"]
            .with_user(self.accountant)
            .load(
                ["template_id", "partner_id", "note"],
                [
                    ["Medlemskontingent 2027", member.name, f"Nr. {n}"]
                    for n, member in enumerate(self.members[:3], 1)
                ],
            )
        )
        self.assertFalse(result["messages"])
        self.assertEqual(
            template.recurring_recipient_ids.partner_id,
            self.customer | self.members[:3],
        )
        self.assertIn(
            "Nr. 2", template.recurring_recipient_ids.mapped("note"), result["ids"]
        )

    # --- guards ------------------------------------------------------------------
    def test_recipients_belong_to_the_templates_company(self):
        other = self.setup_other_company()["company"]
        stranger = self.env["res.partner"].create(
            {"name": "Other company's customer", "company_id": other.id}
        )
        template = self.make_template(partner=self.customer)
        with self.assertRaises(UserError):
            template.recurring_recipient_ids = [
                Command.create({"partner_id": stranger.id})
            ]

    def test_only_billing_users_change_the_recipients(self):
        template = self.template_for(self.members[:1])
        reader = new_test_user(
            self.env, "reader", groups="base.group_user,account.group_account_readonly"
        )
        writer = self.make_invoice_writer()
        for user in (reader, writer):
            with self.assertRaises(AccessError):
                self.env["recurring.invoice.recipient"].with_user(user).create(
                    {"template_id": template.id, "partner_id": self.members[1].id}
                )
            with self.assertRaises(AccessError):
                template.recurring_recipient_ids.with_user(user).write({"discount": 50})
        # nor through the template, nor its tag
        with self.assertRaises(AccessError):
            template.with_user(writer).recurring_recipient_ids = [
                Command.create({"partner_id": self.members[2].id})
            ]
        tag = self.env["res.partner.category"].create({"name": "Medlem"})
        with self.assertRaises(AccessError):
            self.template_for(()).with_user(writer).recurring_recipient_tag_id = tag
        # the readers see the list
        self.assertEqual(
            len(
                template.recurring_recipient_ids.with_user(reader).read(["partner_id"])
            ),
            2,
        )
        # recipients of an invoice that is no template: refused
        with self.assertRaises(ValidationError):
            self.env["recurring.invoice.recipient"].create(
                {"template_id": self.make_draft().id, "partner_id": self.members[1].id}
            )

    # --- what the business sees ----------------------------------------------------
    def test_forecast_and_monthly_revenue_count_every_recipient(self):
        template = self.template_for(self.members[:2])
        template.recurring_recipient_ids.filtered(
            lambda r: r.partner_id == self.members[0]
        ).discount = 50.0
        self.assertEqual(template.recurring_mrr, 2500.0)
        Forecast = self.env["recurring.invoice.forecast"]
        Forecast._recurring_refresh(now=oslo(2027, 1, 1, 12, 0))
        rows = Forecast.search(
            [("template_id", "=", template.id), ("occurrence_date", "=", JAN)]
        )
        self.assertEqual(rows.partner_id, self.customer | self.members[:2])
        self.assertEqual(sum(rows.mapped("amount_untaxed")), 2500.0)

    def test_the_summary_tells_a_templates_invoices_together(self):
        template = self.template_for(self.members[:2], ref="Medlemskontingent 2027")
        self.members[1].email = False
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        [summary] = self.summaries()
        self.assertIn("Medlemskontingent 2027", summary.body_html)
        self.assertIn(">2<", summary.body_html.replace(" ", ""))
        # the invoices are not listed one by one as sent
        sent = self.made(template).filtered(lambda i: i.recurring_send_state == "sent")
        self.assertEqual(len(sent), 2)
        for invoice in sent:
            self.assertNotIn(invoice.name, summary.body_html)
        # the one not sent is named
        [failed] = self.made(template) - sent
        self.assertIn(failed.name, summary.body_html)

    def test_the_panel_shows_the_recipients_and_their_last_invoice(self):
        template = self.template_for(self.members[:1])
        self.run_cron(oslo(2027, 1, 31, 6, 15))
        template.invalidate_recordset()
        panel = template.recurring_panel
        last = self.made(template).filtered(lambda i: i.partner_id == self.members[0])
        self.assertIn("Member 1", panel)
        self.assertIn(last.name, panel)
        self.assertEqual(
            template.recurring_recipient_ids.filtered(
                lambda r: r.partner_id == self.members[0]
            ).last_invoice_id,
            last,
        )
