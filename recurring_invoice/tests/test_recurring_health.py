# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, tools
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.base.models import ir_actions_report as base_report

from .common import RecurringInvoiceCase, oslo

#: The evening before the template's first invoice (Thursday 11 March 2027).
MORNING = oslo(2027, 3, 10, 6, 15)
EVENING = oslo(2027, 3, 10, 20, 0)


@tagged("post_install", "-at_install")
class TestRecurringHealth(RecurringInvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_customer_and_accountant()
        cls.Health = cls.env["recurring.invoice.health"]
        cls.company = cls.env.company
        cls.sender = cls.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        cls.mail_queue = cls.env.ref("mail.ir_cron_mail_scheduler_action")
        cls.health_cron = cls.env.ref(
            "recurring_invoice.ir_cron_recurring_invoice_health"
        )
        # All is well on the evening of 10 March: the watched scheduled actions
        # ran and are planned, this morning's run ran, a mail server is set up.
        crons = cls.cron | cls.sender | cls.mail_queue
        cls.env["ir.cron.trigger"].search([("cron_id", "in", crons.ids)]).unlink()
        crons.write(
            {
                "active": True,
                "lastcall": oslo(2027, 3, 10, 6, 15, 1),
                "nextcall": EVENING + timedelta(hours=1),
            }
        )
        cls.env["ir.mail_server"].search([]).unlink()
        cls.mail_server = cls.env["ir.mail_server"].create(
            {"name": "Fjordhus SMTP", "smtp_host": "smtp.fjordhus.example.com"}
        )

    def setUp(self):
        super().setUp()
        self.patch(base_report, "wkhtmltopdf_state", "ok")
        self.template = self.make_template(
            start=date(2027, 3, 11),
            partner=self.customer,
            invoice_user_id=self.accountant.id,
        )

    def clear_triggers(self):
        """Forget the calls the job planned while the tests ran it (no cron
        worker runs in a test)."""
        self.env["ir.cron.trigger"].search(
            [("cron_id", "in", (self.cron | self.sender | self.mail_queue).ids)]
        ).unlink()

    def codes(self, now=EVENING, probe=False):
        self.env.invalidate_all()
        return [
            problem["code"]
            for problem in self.Health._check_company(self.company, now, probe=probe)
        ]

    def test_all_is_well(self):
        self.assertEqual(self.codes(), [])

    # --- the scheduled actions -------------------------------------------------
    def test_inactive_scheduled_action(self):
        self.sender.active = False
        self.assertIn("cron_inactive", self.codes())
        self.sender.active = True
        self.assertNotIn("cron_inactive", self.codes())

    def test_cron_workers_not_running(self):
        # the mail queue has waited two hours: no worker takes the jobs
        self.mail_queue.nextcall = EVENING - timedelta(hours=2)
        self.assertEqual(self.codes(), ["cron_late"])
        self.mail_queue.nextcall = EVENING + timedelta(minutes=5)
        self.assertEqual(self.codes(), [])
        # a trigger of the job's scheduled action, waiting since 18:00
        self.env["ir.cron.trigger"].create(
            {"cron_id": self.cron.id, "call_at": EVENING - timedelta(hours=2)}
        )
        self.assertEqual(self.codes(), ["cron_late"])

    def test_morning_did_not_run(self):
        # the job last ran yesterday morning: nothing was made today
        self.cron.lastcall = oslo(2027, 3, 9, 6, 15, 1)
        self.assertEqual(self.codes(), ["morning_not_run"])
        problem = self.Health._check_company(self.company, EVENING)[0]
        self.assertIn(
            "were not made on 03/10/2027: no cron worker",
            self.Health._problem_message(problem, "en_US"),
        )
        # at 07:00 the morning is not late yet: yesterday's counts
        self.assertEqual(self.codes(oslo(2027, 3, 10, 7, 0)), [])
        # archived, it says so
        self.cron.active = False
        problems = self.Health._check_company(self.company, EVENING)
        self.assertEqual(
            [p["code"] for p in problems], ["cron_inactive", "morning_not_run"]
        )
        self.assertIn(
            "scheduled action is archived",
            self.Health._problem_message(problems[1], "en_US"),
        )
        self.cron.write({"active": True, "lastcall": oslo(2027, 3, 10, 6, 15, 1)})
        self.assertEqual(self.codes(), [])

    # --- the server ---------------------------------------------------------------
    def test_no_outgoing_mail_server(self):
        self.mail_server.active = False
        with patch.dict(
            tools.config.options, {"smtp_server": "localhost", "smtp_user": False}
        ):
            self.assertEqual(self.codes(), ["no_mail_server"])
        with patch.dict(tools.config.options, {"smtp_server": "smtp.example.com"}):
            self.assertEqual(self.codes(), [])
        self.mail_server.active = True
        self.assertEqual(self.codes(), [])

    def test_mail_server_answers_on_demand(self):
        Health = self.registry["recurring.invoice.health"]
        with patch.object(
            Health, "_probe_smtp", autospec=True, return_value="Connection refused"
        ) as probe:
            self.assertEqual(self.codes(), [])  # the evening check asks no server
            probe.assert_not_called()
            self.assertEqual(self.codes(probe=True), ["mail_server_silent"])
        with patch.object(Health, "_probe_smtp", autospec=True, return_value=None):
            self.assertEqual(self.codes(probe=True), [])

    def test_probe_of_a_closed_port(self):
        # nothing listens on port 1 of this machine: refused at once
        self.assertTrue(self.Health._probe_smtp("127.0.0.1", 1))

    def test_wkhtmltopdf_missing(self):
        self.patch(base_report, "wkhtmltopdf_state", "install")
        self.assertEqual(self.codes(), ["wkhtmltopdf"])
        self.patch(base_report, "wkhtmltopdf_state", "ok")
        self.assertEqual(self.codes(), [])

    # --- the templates due tomorrow ----------------------------------------------
    def test_customer_without_address(self):
        self.customer.email = False
        self.assertEqual(self.codes(), ["no_address"])
        # not due tomorrow: the evening before is soon enough
        self.assertEqual(self.codes(EVENING - timedelta(days=1)), [])
        # a customer who downloads its invoices needs none
        self.customer.invoice_sending_method = "manual"
        self.assertEqual(self.codes(), [])
        self.customer.write(
            {"invoice_sending_method": "email", "email": "post@fjordutleie.example.com"}
        )
        self.assertEqual(self.codes(), [])

    def test_an_ehf_customer_needs_its_endpoint(self):
        Partner = type(self.customer)
        methods = self.customer._fields["invoice_sending_method"].get_values(self.env)
        if "peppol" in methods:
            # no lookup of the endpoint on the Peppol network from a test
            self.patch(
                Partner, "_update_peppol_state_per_company", lambda p, vals=None: None
            )
            self.customer.invoice_sending_method = "peppol"
        else:
            # without account_peppol, a customer taking EHF as it would read
            self.patch(Partner, "invoice_sending_method", "peppol")
        # an e-mail address is not what an EHF customer is sent to
        self.customer.peppol_eas = False
        self.assertEqual(self.codes(), ["no_address"])
        self.customer.write({"peppol_eas": "0192", "peppol_endpoint": "912345726"})
        self.assertEqual(self.codes(), [])

    def test_template_with_nobody_to_invoice(self):
        tag = self.env["res.partner.category"].create({"name": "Medlem 2027"})
        self.template.recurring_recipient_tag_id = tag
        self.assertEqual(self.codes(), ["no_recipient"])
        self.customer.category_id = tag
        self.assertEqual(self.codes(), [])

    def test_post_only_template_needs_no_address(self):
        self.customer.email = False
        self.template._recurring_write({"recurring_mode": "post"})
        self.assertEqual(self.codes(), [])

    def test_kid_setup(self):
        journal = self.template.journal_id
        models = journal._fields["invoice_reference_model"].get_values(self.env)
        if "no" not in models:
            self.skipTest("l10n_no (Norway's KID reference model) is not installed")
        journal.write(
            {"invoice_reference_model": "no", "invoice_reference_type": "none"}
        )
        self.company.bank_ids.active = False
        journal.bank_account_id = False
        self.template.partner_bank_id = False
        self.assertEqual(self.codes(), ["kid_type", "kid_bank"])
        journal.invoice_reference_type = "invoice"
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "86011117947", "partner_id": self.company.partner_id.id}
        )
        journal.bank_account_id = bank
        self.assertEqual(self.codes(), [])

    def test_yearly_adjustment_without_percent(self):
        self.template.recurring_index_date = date(2027, 3, 11)
        self.assertEqual(self.codes(), ["yearly_percent"])
        self.template.recurring_index_percent = 3.1
        self.assertEqual(self.codes(), [])

    def test_template_failing_runs_in_a_row(self):
        template = self.make_template(start=date(2027, 3, 8), partner=self.customer)
        account = template.invoice_line_ids.account_id.copy()
        template.invoice_line_ids.account_id = account
        account.deprecated = True
        for day in (8, 9):
            with self.muted_logs():
                self.run_cron(oslo(2027, 3, day, 6, 15))
        self.assertEqual(template.recurring_make_failures, 2)
        self.clear_triggers()
        self.cron.lastcall = oslo(2027, 3, 9, 6, 15, 1)
        self.assertEqual(self.codes(oslo(2027, 3, 9, 20, 0)), [])
        self.cron.lastcall = oslo(2027, 3, 10, 6, 15, 1)
        with self.muted_logs():
            self.run_cron(oslo(2027, 3, 10, 6, 15))
        self.clear_triggers()
        problems = self.Health._check_company(self.company, EVENING)
        self.assertEqual([p["code"] for p in problems], ["failing"])
        self.assertEqual(problems[0]["res_id"], template.id)
        self.assertIn(
            "could not be made on 3 runs in a row",
            self.Health._problem_message(problems[0], "en_US"),
        )
        account.deprecated = False
        self.run_cron(oslo(2027, 3, 11, 6, 15))
        self.clear_triggers()
        self.assertEqual(template.recurring_make_failures, 0)
        self.assertNotIn("failing", self.codes())

    # --- the evening's e-mail, the banner -------------------------------------
    def health_mails(self):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "res.users"),
                ("res_id", "=", self.accountant.id),
                ("body_html", "ilike", "/odoo/recurring-invoices"),
            ]
        )

    def test_evening_mail_once_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        self.accountant.lang = "nb_NO"
        self.customer.email = False
        self.Health._cron_check_health(now=EVENING)
        mail = self.health_mails()
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")  # queued, not sent now
        self.assertEqual(mail.recipient_ids, self.accountant.partner_id)
        self.assertIn("Fjordutleie AS", mail.body_html)
        nb = self.Health._problem_message(
            self.company.recurring_health_problems[0], "nb_NO"
        )
        self.assertIn(nb, mail.body_html)
        self.assertNotIn("has no e-mail address", mail.body_html)
        # the same evening again: no second e-mail
        self.Health._cron_check_health(now=EVENING + timedelta(hours=1))
        self.assertEqual(len(self.health_mails()), 1)
        # not at all in the afternoon, once again the next evening
        self.Health._cron_check_health(now=EVENING + timedelta(hours=18))
        self.assertEqual(len(self.health_mails()), 1)
        self.Health._cron_check_health(now=EVENING + timedelta(days=1))
        self.assertEqual(len(self.health_mails()), 2)

    def test_the_mornings_run_notes_the_evening_mail(self):
        self.run_cron(MORNING)
        run = self.env["recurring.invoice.run"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(run), 1)
        self.assertFalse(run.health_mailed_at)
        self.customer.email = False
        self.Health._cron_check_health(now=EVENING)
        self.assertEqual(run.health_mailed_at, EVENING)
        self.assertEqual(
            run.health_problem_count, len(self.company.recurring_health_problems)
        )
        self.assertIn(self.accountant.name, run.health_mailed_to)

    def test_no_mail_when_all_is_well(self):
        self.Health._cron_check_health(now=EVENING)
        self.assertFalse(self.health_mails())
        self.assertFalse(self.company.recurring_health_problems)
        self.assertEqual(self.company.recurring_health_checked_at, EVENING)

    def test_next_check_at_20_local(self):
        self.Health._cron_check_health(now=EVENING)
        triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.health_cron.id)]
        )
        self.assertIn(oslo(2027, 3, 11, 20, 0), triggers.mapped("call_at"))
        # summer time: still 20:00 in Oslo
        self.Health._cron_check_health(now=oslo(2027, 3, 28, 20, 0))
        triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.health_cron.id)]
        )
        self.assertIn(oslo(2027, 3, 29, 20, 0), triggers.mapped("call_at"))

    def test_banner(self):
        Health = self.Health.with_user(self.accountant)
        self.Health._cron_check_health(now=EVENING)
        self.assertFalse(Health.get_banner_html())
        self.customer.email = False
        self.Health._cron_check_health(now=EVENING)
        html = str(Health.get_banner_html())
        self.assertIn("Fjordutleie AS has no e-mail address", html)
        self.assertIn(f'href="/odoo/account.move/{self.template.id}"', html)
        self.assertIn("data-recurring-health-check", html)  # Check now

    def test_check_now_is_for_billing_users(self):
        self.customer.email = False
        with (
            patch.object(
                self.registry["recurring.invoice.health"],
                "_probe_smtp",
                autospec=True,
                return_value=None,
            ),
            freeze_time(EVENING),
        ):
            html = str(self.Health.with_user(self.accountant).action_check_health())
        self.assertIn("has no e-mail address", html)
        self.assertTrue(self.company.recurring_health_checked_at)
        employee = new_test_user(self.env, "ola", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.Health.with_user(employee).action_check_health()
        self.assertFalse(self.Health.with_user(employee).get_banner_html())

    def test_problems_are_not_written_by_hand(self):
        with self.assertRaises(UserError):
            self.company.recurring_health_problems = [{"code": "x"}]


@tagged("post_install", "-at_install")
class TestRecurringHealthBanner(AccountTestInvoicingHttpCommon):
    def test_banner_above_the_templates_list(self):
        """Runs in Chromium where it is installed; Odoo skips it elsewhere."""
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                "lang": "en_US",
                "company_id": self.env.company.id,
                "company_ids": [Command.set(self.env.company.ids)],
                "groups_id": [
                    Command.link(self.env.ref("account.group_account_invoice").id)
                ],
            }
        )
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "invoice_line_ids": [
                    Command.create({"name": "Husleie", "price_unit": 9500.0})
                ],
            }
        )
        draft._recurring_setup("month", date.today() + timedelta(days=2), None)
        self.env["ir.mail_server"].search([]).unlink()
        self.patch(base_report, "wkhtmltopdf_state", "ok")
        self.env.company._recurring_as_job().write(
            {"recurring_health_problems": [{"code": "wkhtmltopdf", "params": {}}]}
        )
        with patch.dict(
            tools.config.options, {"smtp_server": "localhost", "smtp_user": False}
        ):
            self.start_tour(
                "/odoo/recurring-invoices",
                "recurring_invoice_health_tour",
                login="admin",
            )
        codes = [p["code"] for p in self.env.company.recurring_health_problems]
        self.assertIn("no_mail_server", codes)
        self.assertNotIn("wkhtmltopdf", codes)
