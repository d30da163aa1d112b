"""`make mutants`: each guard of the add-on has a test that fails without it.

Each mutant below takes one guard out of the add-on's code (one exact piece
of a file replaced), runs the tests that should catch it, and puts the file
back. The add-on is installed once into a throw-away database; the tests run
on it as Odoo's post-install tests (no update is needed: every mutant is in
Python). First the same tests run on the code as it is: they must pass. The
last line says how many mutants were caught; a mutant that survives (its
tests pass without the guard) fails the run.

    python3 -m scripts.guard_mutants [--only NAME|TEST CLASS]
"""

import argparse
import dataclasses
import re
import sys
import tempfile
from pathlib import Path

from harness.driver import ADDON, NO_SERVER, Odoo, say
from harness.odoo_cache import OdooMissing
from harness.odoo_install import ROOT

RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
MODELS = f"{ADDON}/models"
INTEGRITY = "TestRecurringIntegrity"
LEDGER = "TestRecurringLedger"


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple

    def tags(self):
        return ",".join(f"/{ADDON}:{test}" for test in self.tests)


def integrity(*names):
    return tuple(f"{INTEGRITY}.test_{name}" for name in names)


def ledger(*names):
    return tuple(f"{LEDGER}.test_{name}" for name in names)


def recipients(*names):
    return tuple(f"TestRecurringRecipients.test_{name}" for name in names)


def modes(*names):
    return tuple(f"TestRecurringModes.test_{name}" for name in names)


def health(*names):
    return tuple(f"TestRecurringHealth.test_{name}" for name in names)


HEALTH = f"{MODELS}/recurring_invoice_health.py"


def runs(*names):
    return tuple(f"TestRecurringRuns.test_{name}" for name in names)


def period(*names):
    return tuple(f"TestRecurringPeriod.test_{name}" for name in names)


MUTANTS = [
    Mutant(
        "the job's fields: write",
        f"{MODELS}/recurring_job_fields_mixin.py",
        "    def write(self, vals):\n        if not self._recurring_is_job():",
        "    def write(self, vals):\n        if False:",
        integrity(
            "job_fields_of_a_template_are_not_written_by_hand",
            "job_fields_of_a_made_invoice_are_not_written_by_hand",
            "no_draft_is_linked_to_a_template_by_hand",
            "posted_invoice_or_bill_is_not_turned_into_a_template",
            "template_with_history_keeps_its_state_and_stays",
        )
        + (
            "TestRecurringRpcAccess.test_billing_user_cannot_bend_the_template_over_rpc",
        ),
    ),
    Mutant(
        "the job's fields: create, copy, import",
        f"{MODELS}/recurring_job_fields_mixin.py",
        "    def create(self, vals_list):\n        if not self._recurring_is_job():",
        "    def create(self, vals_list):\n        if False:",
        integrity(
            "no_template_is_created_copied_or_imported_running",
            "adjustment_is_created_scheduled_and_applied_by_the_job",
        ),
    ),
    Mutant(
        "context keys only the add-on sets",
        f"{ADDON}/tools/trusted.py",
        "return value.value if isinstance(value, Trusted) else default",
        "return value.value if isinstance(value, Trusted) else (value or default)",
        integrity("job_context_keys_from_a_client_do_nothing")
        + (
            "TestRecurringSend.test_job_pdfs_skip_odoo_wait_for_scripts",
            "TestRecurringRpcAccess.test_billing_user_cannot_bend_the_template_over_rpc",
        ),
    ),
    Mutant(
        "the template link checks the company",
        f"{MODELS}/account_move.py",
        '        index="btree_not_null",\n        check_company=True,',
        '        index="btree_not_null",',
        integrity("template_link_checks_the_company"),
    ),
    Mutant(
        "a template stays a customer invoice",
        f"{MODELS}/account_move.py",
        'if templates.filtered(lambda m: m.move_type != vals["move_type"]):',
        "if False:",
        integrity("switch_into_credit_note_refused"),
    ),
    Mutant(
        "a made invoice stays an invoice",
        f"{MODELS}/account_move.py",
        'if made.filtered(lambda m: m.move_type != vals["move_type"]):',
        "if False:",
        integrity("made_invoice_stays_an_invoice"),
    ),
    Mutant(
        "a template stays a draft",
        f"{MODELS}/account_move.py",
        'if templates and vals.get("state", "draft") != "draft":',
        "if False:",
        integrity("template_is_never_posted_or_cancelled_by_a_write"),
    ),
    Mutant(
        "no auto-post on a template",
        f"{MODELS}/account_move.py",
        'if templates and auto_post != "no":',
        "if False:",
        integrity("no_auto_post_on_templates_and_their_invoices"),
    ),
    Mutant(
        "no auto-post copies of a made invoice",
        f"{MODELS}/account_move.py",
        "if made and auto_post not in MADE_INVOICE_AUTO_POST:",
        "if False:",
        integrity("no_auto_post_on_templates_and_their_invoices"),
    ),
    Mutant(
        "schedule fields on running templates only",
        f"{MODELS}/account_move.py",
        "if others._recurring_changed_fields(vals, TEMPLATE_FIELDS):",
        "if False:",
        integrity("schedule_fields_belong_to_running_templates"),
    ),
    Mutant(
        "a template's schedule is edited by billing users",
        f"{MODELS}/account_move.py",
        (
            "            return\n"
            "        self._recurring_check_access()\n"
            "        if self._recurring_is_job():"
        ),
        "            return\n        if self._recurring_is_job():",
        ("TestRecurringTemplate.test_only_billing_users_control_templates",),
    ),
    Mutant(
        "history counted whether the user sees it or not",
        f"{MODELS}/account_move.py",
        (
            "        if self.ids and self.sudo().search_count(\n"
            '            [("recurring_template_id", "in", self.ids)], limit=1\n'
            "        ):"
        ),
        '        if self.filtered("recurring_invoice_ids"):',
        integrity("history_counts_invoices_the_user_does_not_see"),
    ),
    Mutant(
        "starting again checks as the first time (setup)",
        f"{MODELS}/account_move.py",
        (
            "            move._recurring_check_eligible()\n"
            "            made = last_made.get(move.id)"
        ),
        (
            "            if not move.recurring_state:\n"
            "                move._recurring_check_eligible()\n"
            "            made = last_made.get(move.id)"
        ),
        integrity("start_again_checks_as_the_first_time"),
    ),
    Mutant(
        "an archived customer is not made recurring",
        f"{MODELS}/account_move.py",
        "            if not move.partner_id.active:",
        "            if False:",
        integrity("start_again_checks_as_the_first_time"),
    ),
    Mutant(
        "starting again never makes a period twice",
        f"{MODELS}/account_move.py",
        "if made and start_date <= made:",
        "if False:",
        integrity("start_again_never_makes_a_period_twice"),
    ),
    Mutant(
        "a number of invoices counts from the (re)start",
        f"{MODELS}/account_move_recurring_schedule.py",
        "self.recurring_max_invoices - self.recurring_made_count",
        "self.recurring_max_invoices - self.recurring_invoice_count",
        integrity("start_again_after_n_invoices_counts_from_the_restart"),
    ),
    Mutant(
        "the invoice e-mail is an e-mail template of invoices",
        f"{MODELS}/account_move.py",
        "if move.recurring_mail_template_id.sudo().model != self._name:",
        "if False:",
        integrity("invoice_email_is_an_invoice_template"),
    ),
    Mutant(
        "a percentage within its range",
        f"{MODELS}/recurring_price_adjustment.py",
        "        if not prices.percent_in_range(percent):",
        "        if percent <= -100:",
        integrity("adjustment_prices_and_percentages_are_sane"),
    ),
    Mutant(
        "no negative unit price",
        f"{MODELS}/recurring_price_adjustment_line.py",
        "if self.filtered(lambda line: line.new_price < 0):",
        "if False:",
        integrity("adjustment_prices_and_percentages_are_sane"),
    ),
    Mutant(
        "an adjustment changes its own template's lines",
        f"{MODELS}/recurring_price_adjustment_line.py",
        "if line.move_line_id.move_id != line.adjustment_id.template_id:",
        "if False:",
        integrity("adjustment_changes_its_own_template_only"),
    ),
    Mutant(
        "adjustments of running templates only",
        f"{MODELS}/recurring_price_adjustment.py",
        (
            '        for adjustment in self.filtered(lambda a: a.state == "pending"):\n'
            "            adjustment.template_id._recurring_check_adjustable_from("
        ),
        (
            "        for adjustment in self.browse():\n"
            "            adjustment.template_id._recurring_check_adjustable_from("
        ),
        integrity("adjustment_of_an_ended_template_refused"),
    ),
    Mutant(
        "an applied adjustment's lines stay",
        f"{MODELS}/recurring_price_adjustment.py",
        (
            "        if not self._recurring_is_job() and self.filtered(\n"
            '            lambda a: a.state == "applied"\n'
            "        ):"
        ),
        "        if False:",
        integrity("applied_adjustment_is_immutable"),
    ),
    Mutant(
        "portal users read no sending error",
        f"{MODELS}/account_move_recurring_send.py",
        (
            'help="Why the invoice could not be sent, or its e-mail not delivered.",\n'
            '        groups="base.group_user",'
        ),
        'help="Why the invoice could not be sent, or its e-mail not delivered.",',
        integrity("portal_reads_no_bookkeeping_of_its_invoices"),
    ),
    Mutant(
        "portal users open no template",
        f"{MODELS}/account_move.py",
        "        if not self.env.su and not self.env.user._is_internal():",
        "        if False:",
        integrity("portal_opens_no_template_from_its_invoice"),
    ),
    Mutant(
        "the forecast checks its readers",
        f"{MODELS}/recurring_invoice_forecast.py",
        '        self.check_access("read")\n        self._recurring_refresh()',
        "        self._recurring_refresh()",
        integrity("forecast_is_for_billing_and_accounting_users")
        + ("TestRecurringRpcAccess.test_portal_user_cannot_fill_the_forecast",),
    ),
    Mutant(
        "a batch size is a positive number",
        f"{MODELS}/recurring_invoice_job.py",
        "if value is not None and value >= minimum:",
        "if value is not None:",
        integrity("batch_size_that_is_no_positive_number_falls_back")
        + ("TestRecurringSend.test_job_pdfs_skip_odoo_wait_for_scripts",),
    ),
    Mutant(
        "only posted invoices are sent",
        f"{MODELS}/recurring_invoice_job_send.py",
        (
            "                 WHERE recurring_send_state = 'to_send'\n"
            "                   AND state = 'posted'"
        ),
        "                 WHERE recurring_send_state = 'to_send'",
        integrity("reset_and_post_again_makes_no_second_invoice"),
    ),
    Mutant(
        "the upgrade loads the summary's translations again",
        f"{ADDON}/migrations/18.0.1.1.0/post-migration.py",
        "    env.flush_all()\n    env.cr.execute(",
        "    return True\n    env.cr.execute(",
        ("TestInstall.test_upgrade_gives_the_summary_its_price_adjustments",),
    ),
    # --- a template is no draft entry of the books (issue 23) ---------------
    Mutant(
        "lock dates leave templates out",
        f"{MODELS}/res_company.py",
        "        return super(\n"
        "            ResCompany, self.with_context(**{TEMPLATES_OUT: trusted.JOB})\n"
        "        )._validate_locks(values)",
        "        return super()._validate_locks(values)",
        ledger(
            "every_lock_date_is_set_with_running_templates",
            "hard_lock_still_refused_for_a_plain_draft",
            "job_goes_on_after_a_lock",
        ),
    ),
    Mutant(
        "a template warns of no lock date",
        f"{MODELS}/account_move.py",
        "        templates.tax_lock_date_message = False\n"
        "        return super(AccountMove, self - templates)",
        "        return super(AccountMove, self)",
        ledger("every_lock_date_is_set_with_running_templates"),
    ),
    Mutant(
        "the templates-out context acts",
        f"{MODELS}/account_move.py",
        "        if trusted.get(self.env.context, TEMPLATES_OUT):",
        "        if False:",
        ledger(
            "every_lock_date_is_set_with_running_templates",
            "sales_dashboard_counts_no_template_as_a_draft",
        ),
    ),
    Mutant(
        "the sales dashboard counts no template",
        f"{MODELS}/account_journal.py",
        "        return super(\n"
        "            AccountJournal,"
        " self.with_context(**{TEMPLATES_OUT: trusted.JOB})\n"
        "        )._get_draft_sales_purchases_query()",
        "        return super()._get_draft_sales_purchases_query()",
        ledger("sales_dashboard_counts_no_template_as_a_draft"),
    ),
    Mutant(
        "the templates list hides archived ones",
        f"{MODELS}/account_move.py",
        "        elif self.env.context.get(HIDE_ARCHIVED)"
        " and not _asks_archived(domain):",
        "        elif False:",
        ledger("stopped_template_is_archived_and_restored"),
    ),
    Mutant(
        "a running template is not archived",
        f"{MODELS}/account_move.py",
        "        if running:\n            raise UserError(\n                _(\n"
        '                    "Stop the recurring invoice',
        "        if False:\n            raise UserError(\n                _(\n"
        '                    "Stop the recurring invoice',
        ledger("running_template_is_stopped_before_archiving"),
    ),
    Mutant(
        "archiving is for billing users",
        f"{MODELS}/account_move.py",
        '        under its Archived filter), their invoices untouched and linked."""\n'
        "        self._recurring_check_access()",
        '        under its Archived filter), their invoices untouched and linked."""',
        ledger("archive_is_for_billing_users"),
    ),
    Mutant(
        "restoring is for billing users",
        f"{MODELS}/account_move.py",
        '        there)."""\n        self._recurring_check_access()',
        '        there)."""',
        ledger("archive_is_for_billing_users"),
    ),
    Mutant(
        "an archived template is restored before starting",
        f"{MODELS}/account_move.py",
        '            if move.recurring_state == "archived":\n'
        "                raise UserError(",
        "            if False:\n                raise UserError(",
        ledger("archived_template_is_restored_before_starting_again"),
    ),
    Mutant(
        "a refused delete says to stop first",
        f"{MODELS}/account_move.py",
        "            if running:\n                raise UserError(",
        "            if False:\n                raise UserError(",
        ledger("delete_says_what_can_be_done"),
    ),
    Mutant(
        "an end date needs 'ends on a date'",
        f"{ADDON}/wizard/recurring_invoice_wizard.py",
        '            if wizard.end_date and wizard.end_type != "date":',
        "            if False:",
        ledger("end_date_without_ends_on_a_date_is_refused"),
    ),
    Mutant(
        "every other period in a word",
        f"{MODELS}/account_move_recurring_schedule.py",
        "    elif interval == 2 and every_other:",
        "    elif False:",
        ledger("schedule_in_words_in_norwegian"),
    ),
    Mutant(
        "a recipient billed once per occurrence",
        f"{MODELS}/account_move_recurring_job.py",
        "        done = set(made) | owed",
        "        done = owed",
        recipients("a_big_list_is_made_over_several_batches_each_recipient_once"),
    ),
    Mutant(
        "a recipient's failure is kept owed",
        f"{MODELS}/account_move_recurring_job.py",
        "            remaining = owed | set(failures)",
        "            remaining = owed",
        recipients(
            "an_archived_recipient_does_not_hold_the_others_and_is_made_once_fixed",
            "a_recipient_whose_invoice_fails_to_post_does_not_hold_the_others",
        ),
    ),
    Mutant(
        "no invoice for an archived recipient",
        f"{MODELS}/account_move_recurring_job.py",
        "                if not partner.active:",
        "                if False:",
        recipients(
            "an_archived_recipient_does_not_hold_the_others_and_is_made_once_fixed"
        ),
    ),
    Mutant(
        "owed invoices of a recipient no longer billed are let go",
        f"{MODELS}/account_move_recurring_job.py",
        "                if (partner_id, day) in made or partner not in billed:",
        "                if (partner_id, day) in made:",
        recipients("owed_invoices_of_a_recipient_removed_are_let_go"),
    ),
    Mutant(
        "a recipient is never back-dated",
        f"{MODELS}/recurring_invoice_recipient.py",
        '            vals["start_date"] = (',
        '            vals["start_date"] = vals.get("start_date") or (',
        recipients("recipients_are_imported_with_odoos_import"),
    ),
    Mutant(
        "each recipient's automatic fiscal position",
        f"{MODELS}/account_move_recurring_recipients.py",
        "        if memo[key]:",
        "        if False:",
        recipients("an_automatic_fiscal_position_follows_each_recipients_country"),
    ),
    Mutant(
        "a tag or a list, not both",
        f"{MODELS}/recurring_invoice_recipient.py",
        "            if recipient.template_id.recurring_recipient_tag_id:",
        "            if False:",
        recipients("a_tag_bills_the_customers_carrying_it_on_the_send_day"),
    ),
    Mutant(
        "recipients of recurring templates only",
        f"{MODELS}/recurring_invoice_recipient.py",
        "        if templates.filtered(lambda t: not t.recurring_state):",
        "        if False:",
        recipients("only_billing_users_change_the_recipients"),
    ),
    Mutant(
        "a fixed price replaces one line's",
        f"{MODELS}/recurring_invoice_recipient.py",
        "            if len(lines) != 1:",
        "            if False:",
        recipients("a_fixed_price_needs_a_template_with_one_line"),
    ),
    Mutant(
        "only Billing users set the tag",
        f"{MODELS}/account_move_recurring_recipients.py",
        "        if RECIPIENT_FIELDS.intersection(vals):",
        "        if False:",
        recipients("only_billing_users_change_the_recipients"),
    ),
    Mutant(
        "a number of invoices counts occurrences",
        f"{MODELS}/account_move_recurring_schedule.py",
        "COUNT(DISTINCT invoice.recurring_occurrence_date)",
        "COUNT(invoice.id)",
        recipients("a_number_of_invoices_counts_occurrences"),
    ),
    Mutant(
        "drafts for review are not posted",
        f"{MODELS}/account_move_recurring_job.py",
        'invoices.filtered(lambda i: i.recurring_send_state != "review")._post(',
        "invoices._post(",
        modes("drafts_for_review_wait_in_their_filter_once_each"),
    ),
    Mutant(
        "a reviewed draft posted is sent",
        f"{MODELS}/account_move_recurring_mode.py",
        'to_send._recurring_write({"recurring_send_state": "to_send"})',
        'to_send._recurring_write({"recurring_send_state": "post_only"})',
        modes("a_reviewed_draft_posted_by_a_user_is_sent"),
    ),
    Mutant(
        "a reviewed draft left to the user",
        f"{MODELS}/account_move_recurring_mode.py",
        "lambda m: m.recurring_template_id.recurring_send_reviewed",
        "lambda m: True",
        modes("a_reviewed_draft_is_left_to_the_user_when_the_template_says"),
    ),
    Mutant(
        "a deleted draft's occurrence counts as made",
        f"{MODELS}/account_move_recurring_schedule.py",
        "                         WHERE template_id = ANY(%(ids)s)\n",
        "                         WHERE FALSE\n",
        modes("a_deleted_draft_is_not_made_again"),
    ),
    Mutant(
        "a deleted draft is kept",
        f"{MODELS}/account_move_recurring_mode.py",
        "    @api.ondelete(at_uninstall=False)\n    def _unlink_recurring_dismissed",
        "    def _unlink_recurring_dismissed",
        modes("a_deleted_draft_is_not_made_again"),
    ),
    Mutant(
        "a recipient's deleted draft is done",
        f"{MODELS}/account_move_recurring_job.py",
        "                       AND dismissal.partner_id IS NOT NULL\n",
        "                       AND FALSE\n",
        modes("a_recipients_deleted_draft_is_not_made_again_mid_list"),
    ),
    Mutant(
        "a Download customer is posted, not sent",
        f"{ADDON}/models/recurring_invoice_job_send.py",
        '        if method == "manual":\n            return None',
        "        if False:\n            return None",
        modes("post_and_send_follows_the_customers_preference"),
    ),
    Mutant(
        "the mode is a template's, changed by Billing users",
        f"{MODELS}/account_move.py",
        '    "recurring_mode",\n    "recurring_send_reviewed",\n',
        "",
        modes("the_mode_is_changed_by_billing_users_on_templates"),
    ),
    Mutant(
        "a made invoice has its period's days",
        f"{MODELS}/account_move_recurring_send.py",
        "            if template.recurring_period and move.recurring_occurrence_date:",
        "            if False:",
        period(
            "an_invoice_sent_ahead_states_its_period_not_its_send_day",
            "every_schedule_states_its_period",
            "migration_gives_invoices_made_before_their_period",
        ),
    ),
    Mutant(
        "the period of the occurrence, not of the send day",
        f"{MODELS}/account_move_recurring_send.py",
        "                    move.recurring_occurrence_date\n                )",
        "                    move.invoice_date\n                )",
        period(
            "an_invoice_sent_ahead_states_its_period_not_its_send_day",
            "every_schedule_states_its_period",
        ),
    ),
    Mutant(
        "the period begins the calendar week {period} names",
        f"{ADDON}/tools/recurrence.py",
        "        first = d - timedelta(days=d.weekday())",
        "        first = d",
        period("every_schedule_states_its_period"),
    ),
    Mutant(
        "the period's days are the job's",
        f"{MODELS}/account_move_recurring_send.py",
        'whatever the days it is sent ahead.",\n        recurring_job=True,',
        'whatever the days it is sent ahead.",',
        period("the_period_is_the_jobs_and_only_on_made_invoices"),
    ),
    Mutant(
        "the invoice PDF states the period",
        f"{MODELS}/account_move_recurring_send.py",
        '        return f"{first}–{last}"',
        '        return ""',
        period("invoice_pdf_states_the_period")
        + ("TestNorwegianCompany.test_invoice_pdf_states_the_period_in_norwegian",),
    ),
    Mutant(
        "the EHF file states its cac:InvoicePeriod (BG-14)",
        f"{MODELS}/account_edi_xml_ubl_20.py",
        "        if not (start and end) or any(",
        "        if True or any(",
        ("TestNorwegianCompany.test_ehf_states_the_invoice_period",),
    ),
    # --- the health check (issue 25): each check, taken out ---------------------
    Mutant(
        "health: an archived scheduled action",
        HEALTH,
        "                problems.append("
        '_problem("cron_inactive", cron, name=cron.name))',
        "                pass",
        health("inactive_scheduled_action"),
    ),
    Mutant(
        "health: cron workers not running (a call waiting over an hour)",
        HEALTH,
        "            if late and late < now - GRACE:",
        "            if False:",
        health("cron_workers_not_running"),
    ),
    Mutant(
        "health: the morning did not run",
        HEALTH,
        "        if lastcall and lastcall >= moment - EARLY:\n            return []",
        "        if True:\n            return []",
        health("morning_did_not_run"),
    ),
    Mutant(
        "health: no outgoing mail server",
        HEALTH,
        '                return [_problem("no_mail_server")]',
        "                return []",
        health("no_outgoing_mail_server"),
    ),
    Mutant(
        "health: the mail server answers (on demand)",
        HEALTH,
        "            if error:\n",
        "            if False:\n",
        health("mail_server_answers_on_demand", "probe_of_a_closed_port"),
    ),
    Mutant(
        "health: wkhtmltopdf missing",
        HEALTH,
        '        if state in ("install", "broken"):',
        "        if False:",
        health("wkhtmltopdf_missing"),
    ),
    Mutant(
        "health: a customer due tomorrow without an address",
        HEALTH,
        "            problems.extend(self._check_recipients(template, occurrence))\n",
        "",
        health("customer_without_address"),
    ),
    Mutant(
        "health: a template billing a tag nobody carries",
        HEALTH,
        "            if not partners:\n",
        "            if False:\n",
        health("template_with_nobody_to_invoice"),
    ),
    Mutant(
        "health: the KID setup of a journal making KIDs",
        HEALTH,
        "            problems.extend(self._check_kid(template))\n",
        "",
        health("kid_setup"),
    ),
    Mutant(
        "health: the yearly adjustment's percent",
        HEALTH,
        "            problems.extend("
        "self._check_yearly_adjustment(template, occurrence))\n",
        "",
        health("yearly_adjustment_without_percent"),
    ),
    Mutant(
        "health: templates failing runs in a row",
        HEALTH,
        '                    ("recurring_make_failures", ">=", FAILED_RUNS),',
        '                    ("id", "=", 0),',
        health("template_failing_runs_in_a_row"),
    ),
    Mutant(
        "health: the failures in a row are counted",
        f"{MODELS}/account_move_recurring_job.py",
        '                "recurring_make_failures": self.recurring_make_failures + 1,',
        '                "recurring_make_failures": 1,',
        health("template_failing_runs_in_a_row"),
    ),
    Mutant(
        "health: one e-mail an evening",
        HEALTH,
        "        return not mailed or mailed < evening - EARLY",
        "        return True",
        health("evening_mail_once_in_the_users_language"),
    ),
    Mutant(
        "health: checking now is for billing users",
        HEALTH,
        "        if not self.env.user.has_group(BILLING_GROUP):\n            raise",
        "        if False:\n            raise",
        health("check_now_is_for_billing_users"),
    ),
    Mutant(
        "each invoice the job makes carries its morning's run",
        f"{MODELS}/account_move_recurring_job.py",
        "            values = [dict(vals, recurring_run_date=day) for vals in values]",
        "            pass",
        runs("counts_of_a_morning", "one_run_per_morning_with_two_workers"),
    ),
    Mutant(
        "a template that failed is a failure of its run",
        f"{MODELS}/recurring_invoice_job.py",
        '        template._recurring_run_failures([{"error": '
        "template.recurring_make_error}])\n",
        "",
        runs("counts_of_a_morning"),
    ),
    Mutant(
        "a worker is named once in its run",
        f"{MODELS}/recurring_invoice_job_run.py",
        "                     WHERE position(',' || EXCLUDED.workers || ','",
        "                     WHERE 0 = 0 OR position(',' || EXCLUDED.workers || ','",
        runs("one_run_per_morning_with_two_workers"),
    ),
    Mutant(
        "the run counts the summaries sent",
        f"{MODELS}/recurring_invoice_job_send.py",
        "by_company[company.id] = by_company.get(company.id, 0) + 1",
        "by_company[company.id] = by_company.get(company.id, 0)",
        runs("counts_of_a_morning", "one_run_per_morning_with_two_workers"),
    ),
    Mutant(
        "runs are kept the days the system parameter says",
        f"{MODELS}/recurring_invoice_run.py",
        "timedelta(days=self._retention_days())",
        "timedelta(days=DEFAULT_RETENTION_DAYS)",
        runs("retention"),
    ),
    Mutant(
        "the run record failing never stops the job",
        f"{MODELS}/recurring_invoice_job_run.py",
        "        except Exception as error:  # noqa: BLE001 - the run record",
        "        except ZeroDivisionError as error:  # noqa: BLE001 - the run record",
        runs("the_run_record_failing_does_not_stop_the_job"),
    ),
    Mutant(
        "health: the morning's run notes the evening e-mail",
        HEALTH,
        '                "health_mailed_at": now,\n',
        "",
        health("the_mornings_run_notes_the_evening_mail"),
    ),
    Mutant(
        "health: an EHF customer needs its endpoint",
        HEALTH,
        "                if partner.peppol_endpoint and partner.peppol_eas:",
        "                if True:",
        health("an_ehf_customer_needs_its_endpoint"),
    ),
]


def run_tests(odoo, db, tags, log):
    """Run the tests ``tags`` on ``db``: (failed + errors, tests run)."""
    odoo.run(
        db,
        "--test-enable",
        "--test-tags",
        tags,
        "--stop-after-init",
        *NO_SERVER,
        log=log,
    )
    found = RESULT.findall(Path(log).read_text(errors="replace"))
    if not found:
        return None, 0
    failed, errors, total = map(int, found[-1])
    return failed + errors, total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        help="run the mutants whose name or tests contain this "
        "(a test class: its mutants)",
    )
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or args.only in m.name + m.tags()]
    try:
        odoo = Odoo()
    except OdooMissing as error:
        say(f"Missing: {error}")
        return 1
    logs = Path(tempfile.mkdtemp(prefix="ri_mutants_"))
    survivors = []
    try:
        with odoo.throwaway_database("mutants") as db:
            if odoo.install(db, [ADDON, "l10n_no"], log=logs / "install.log"):
                say(f"install failed: {logs / 'install.log'}")
                return 1
            tags = ",".join(sorted({m.tags() for m in mutants}))
            bad, total = run_tests(odoo, db, tags, logs / "baseline.log")
            if bad or not total:
                say(f"the tests fail on the code as it is: {logs / 'baseline.log'}")
                return 1
            say(f"baseline: {total} tests pass")
            for n, mutant in enumerate(mutants, 1):
                path = ROOT / mutant.path
                source = path.read_text()
                if source.count(mutant.old) != 1:
                    say(f"{mutant.name}: its guard is not found once in {mutant.path}")
                    survivors.append(mutant)
                    continue
                try:
                    path.write_text(source.replace(mutant.old, mutant.new))
                    bad, total = run_tests(
                        odoo, db, mutant.tags(), logs / f"mutant_{n}.log"
                    )
                finally:
                    path.write_text(source)
                caught = bool(bad)
                say(
                    f"{'caught  ' if caught else 'SURVIVED'} {mutant.name}: "
                    f"{bad or 0} of {total} tests fail without it"
                )
                if not caught:
                    survivors.append(mutant)
    finally:
        odoo.close()
    say(
        f"{len(mutants) - len(survivors)} of {len(mutants)} guards caught by "
        f"their tests (logs in {logs})"
    )
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
