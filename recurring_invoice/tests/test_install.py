# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import importlib.util
from pathlib import Path
from unittest.mock import patch

import pytz

from odoo.tests import Form, new_test_user, tagged

from .common import RecurringInvoiceCase


@tagged("post_install", "-at_install")
class TestInstall(RecurringInvoiceCase):
    def test_module_installed_with_its_cron(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "recurring_invoice")]
        )
        self.assertEqual(module.state, "installed")
        self.assertTrue(self.cron.active)
        self.assertEqual(self.cron.code.strip(), "model._cron_make_and_send()")
        # the job is a service of its own (an AbstractModel, no table)
        self.assertEqual(self.cron.model_id.model, "recurring.invoice.job")
        self.assertTrue(self.env["recurring.invoice.job"]._abstract)
        self.assertEqual(self.cron.user_id, self.env.ref("base.user_root"))
        # First run planned at 06:15 in Oslo, whatever the season.
        local = pytz.utc.localize(self.cron.nextcall).astimezone(
            pytz.timezone("Europe/Oslo")
        )
        self.assertEqual((local.hour, local.minute), (6, 15))
        # and its sender, woken by the job, a safety net a little later
        sender = self.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        self.assertTrue(sender.active)
        self.assertEqual(sender.model_id.model, "recurring.invoice.job")
        self.assertEqual(sender.code.strip(), "model._cron_send()")
        self.assertGreater(sender.priority, self.cron.priority)

    def test_company_defaults(self):
        company = self.env["res.company"].create({"name": "Nordlys AS"})
        self.assertEqual(company.recurring_invoice_tz, "Europe/Oslo")
        self.assertEqual(company._recurring_send_time().isoformat(), "06:15:00")

    def test_access_rules_exist(self):
        access = self.env["ir.model.access"].search(
            [("model_id.model", "=", "recurring.invoice.wizard")]
        )
        self.assertEqual(access.group_id, self.env.ref("account.group_account_invoice"))
        self.assertTrue(all(access.mapped("perm_create")))
        billing = new_test_user(
            self.env, "billing_only", groups="account.group_account_invoice"
        )
        self.assertTrue(
            self.env["recurring.invoice.wizard"].with_user(billing).has_access("create")
        )
        employee = new_test_user(self.env, "employee_only", groups="base.group_user")
        self.assertFalse(
            self.env["recurring.invoice.wizard"]
            .with_user(employee)
            .has_access("create")
        )

    def test_billing_user_opens_invoice_form(self):
        billing = new_test_user(
            self.env,
            "billing_form",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
        )
        move_form = Form(
            self.env["account.move"]
            .with_user(billing)
            .with_context(default_move_type="out_invoice")
        )
        move_form.partner_id = self.partner_a
        with move_form.invoice_line_ids.new() as line:
            line.product_id = self.product_a
        invoice = move_form.save()
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.recurring_state)
        arch = (
            self.env["account.move"]
            .with_user(billing)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="action_recurring_invoice"', arch)
        self.assertIn('name="recurring_state"', arch)

    def test_upgrade_gives_the_summary_its_price_adjustments(self):
        """A database of 18.0.1.0.x has a summary template (kept from updates)
        that cannot list price adjustments: the 18.0.1.1.0 migration loads the
        add-on's own again, with its Norwegian, and leaves a current one be."""
        migration = load_migration("18.0.1.1.0", "post-migration.py")
        template = self.env.ref("recurring_invoice.mail_template_recurring_summary")
        self.env["res.lang"]._activate_lang("nb_NO")
        self.assertFalse(migration.reload_summary_template(self.env))
        old = "<p>Hello, <t t-out='object.name'/>: the invoices sent today.</p>"
        template.with_context(lang="en_US").body_html = old
        template.with_context(lang="nb_NO").body_html = old.replace("Hello", "Hei")
        self.assertTrue(migration.reload_summary_template(self.env))
        # as Odoo does after the migration: the add-on's terms, not overwriting
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"]
        )
        self.assertIn("Prices adjusted", template.with_context(lang="en_US").body_html)
        self.assertIn("Priser justert", template.with_context(lang="nb_NO").body_html)
        self.assertFalse(migration.reload_summary_template(self.env))

    def test_upgrade_replaces_the_occurrence_constraint_by_the_indexes(self):
        """18.0.1.3.0: the unique constraint per (template, occurrence) goes,
        two partial unique indexes take its place (a template's customer, a
        list's recipients); the summary that tells them together is loaded."""
        pre = load_migration("18.0.1.3.0", "pre-migration.py")
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE account_move ADD CONSTRAINT "
            "account_move_recurring_occurrence_unique "
            "UNIQUE (recurring_template_id, recurring_occurrence_date)"
        )
        self.assertTrue(pre.drop_occurrence_constraint(cr))
        self.assertFalse(pre.drop_occurrence_constraint(cr))
        cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'account_move' "
            "AND indexname LIKE 'account_move_recurring_%%_once'"
        )
        self.assertEqual(
            sorted(row[0] for row in cr.fetchall()),
            [
                "account_move_recurring_occurrence_once",
                "account_move_recurring_recipient_occurrence_once",
            ],
        )
        post = load_migration("18.0.1.3.0", "post-migration.py")
        template = self.env.ref("recurring_invoice.mail_template_recurring_summary")
        self.assertFalse(post.reload_summary_template(self.env))
        template.with_context(
            lang="en_US"
        ).body_html = "<p>Hello: <t t-out='ctx.get(\"recurring_adjusted\")'/></p>"
        self.assertTrue(post.reload_summary_template(self.env))
        self.assertIn("recurring_groups", template.with_context(lang="en_US").body_html)

    def test_upgrade_keeps_templates_posting_and_sending(self):
        """18.0.1.4.0: a template set up before modes keeps post and send,
        whatever the company's new default; the summary telling drafts to
        review is loaded."""
        post = load_migration("18.0.1.4.0", "post-migration.py")
        template = self.Move.create(
            {"move_type": "out_invoice", "partner_id": self.partner_a.id}
        )
        # as a database of 18.0.1.3.0 has it: a running template, no mode
        self.env.cr.execute(
            "UPDATE account_move SET recurring_state = 'active', recurring_mode = NULL"
            " WHERE id = %s",
            [template.id],
        )
        template.invalidate_recordset(["recurring_mode"])
        self.assertGreaterEqual(post.keep_post_and_send(self.env.cr), 1)
        template.invalidate_recordset(["recurring_mode"])
        self.assertEqual(template.recurring_mode, "post_send")
        self.assertEqual(post.keep_post_and_send(self.env.cr), 0)
        summary = self.env.ref("recurring_invoice.mail_template_recurring_summary")
        for key in ("recurring_review_count", "recurring_caught_up"):
            self.assertIn(key, summary.with_context(lang="en_US").body_html)

    def test_upgrade_moves_the_scheduled_actions_to_the_service(self):
        """A database of 18.0.1.1.x runs the job on account.move, and a copy
        of the sending scheduled action may add a worker: the 18.0.1.2.0
        migration points them all at the service, with their arguments, and
        leaves the other scheduled actions of account.move alone."""
        migration = load_migration("18.0.1.2.0", "post-migration.py")
        move_model = self.env["ir.model"]._get("account.move")
        sender = self.env.ref("recurring_invoice.ir_cron_recurring_invoice_send")
        copy = sender.copy({"name": "Recurring invoices: send (2)", "active": False})
        (self.cron | sender | copy).write({"model_id": move_model.id})
        self.cron.code = "model._cron_recurring_invoices()"
        sender.code = "model._cron_recurring_send()"
        copy.code = "model._cron_recurring_send(batch_size=10)"
        other = copy.copy({"name": "Someone else's", "code": "model._autopost()"})
        moved = migration.move_scheduled_actions(self.env)
        self.assertEqual(moved, self.cron | sender | copy)
        self.assertEqual(set(moved.mapped("model_id.model")), {"recurring.invoice.job"})
        self.assertEqual(other.model_id, move_model)
        self.assertEqual(self.cron.code, "model._cron_make_and_send()")
        self.assertEqual(sender.code, "model._cron_send()")
        self.assertEqual(copy.code, "model._cron_send(batch_size=10)")
        self.assertFalse(migration.move_scheduled_actions(self.env))
        # the moved scheduled actions run the service's methods
        Job = type(self.env["recurring.invoice.job"])
        for cron, method in ((self.cron, "_cron_make_and_send"), (copy, "_cron_send")):
            with patch.object(Job, method, return_value=0) as entry_point:
                # as ir.cron runs it: as its user, the superuser
                cron.ir_actions_server_id.sudo().run()
            entry_point.assert_called_once()
        self.assertEqual(entry_point.call_args.kwargs, {"batch_size": 10})


def load_migration(version, name):
    """A migration script of the add-on, as Odoo runs it (its folder's name is
    no Python package name)."""
    path = Path(__file__).parents[1] / "migrations" / version / name
    spec = importlib.util.spec_from_file_location(f"recurring_invoice_{version}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
