# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The health check: what would stop tomorrow's 06:15 run, found the evening
before.

A service that holds no data, like the job (``recurring_invoice_job.py``).
Each check is a method ``_check_*`` of one company returning problems, each a
dict ``{"code", "params", "model", "res_id"}`` (the record it is about, to
open), told in a language by :meth:`_problem_message`. The scheduled action
(:meth:`_cron_check_health`) runs at 20:00 in each company's timezone, keeps
the problems on the company (``recurring_health_problems``, shown as a banner
above the recurring templates' list) and e-mails them, once an evening, to the
users responsible for the company's templates, each in their language. A
billing user runs the same check on demand (:meth:`action_check_health`),
which also asks the outgoing mail servers whether they answer.
"""

import logging
import smtplib
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.tools import format_date, format_datetime

from odoo.addons.base.models import ir_actions_report as base_report

from ..tools import recurrence, trusted

_logger = logging.getLogger(__name__)

#: The local time of the evening check.
HEALTH_TIME = time(20, 0)
#: How late a scheduled action may run before its workers count as down: the
#: 06:15 run must have begun by 07:15.
GRACE = timedelta(hours=1)
#: A scheduled action may start this much before the moment it was planned at.
EARLY = timedelta(minutes=5)
#: A template whose invoice could not be made on this many runs in a row.
FAILED_RUNS = 3
#: Seconds the on-demand check waits for a mail server's answer.
PROBE_TIMEOUT = 5
#: The groups that may run the check on demand.
BILLING_GROUP = "account.group_account_invoice"

#: The scheduled actions the check watches: the job's, and Odoo's mail queue,
#: which delivers what the job sends.
JOB_CRON = "recurring_invoice.ir_cron_recurring_invoice"
MAIL_QUEUE_CRON = "mail.ir_cron_mail_scheduler_action"


def _problem(code, record=None, **params):
    return {
        "code": code,
        "params": params,
        "model": record._name if record else False,
        "res_id": record.id if record else False,
    }


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "recurring.job.fields.mixin"]

    recurring_health_problems = fields.Json(
        string="Recurring Invoices: Problems Found",
        copy=False,
        readonly=True,
        recurring_job=True,
    )
    recurring_health_checked_at = fields.Datetime(
        string="Recurring Invoices: Last Health Check",
        copy=False,
        readonly=True,
        recurring_job=True,
    )
    recurring_health_mailed_at = fields.Datetime(
        string="Recurring Invoices: Problems Last E-mailed",
        copy=False,
        readonly=True,
        recurring_job=True,
    )


class RecurringInvoiceHealth(models.AbstractModel):
    _name = "recurring.invoice.health"
    _description = "Recurring Invoices: the Health Check"

    # --- entry points -------------------------------------------------------------
    @api.model
    def _cron_check_health(self, now=None):
        """The 20:00 scheduled action: check every company, keep what was
        found, e-mail the responsible users of each company whose evening it
        is (once an evening), and plan the next check at each company's next
        20:00."""
        now = now or fields.Datetime.now()
        for company in self.env["res.company"].sudo().search([]):
            problems = self._check_company(company, now)
            self._store(company, problems, now)
            if problems and self._evening_mail_due(company, now):
                self._mail_problems(company, problems, now)
        self._schedule_next_check(now)
        return True

    @api.model
    def action_check_health(self):
        """The "Check now" button: check the companies of the current user
        now, asking the mail servers too; returns the banner's HTML."""
        if not self.env.user.has_group(BILLING_GROUP):
            raise AccessError(
                self.env._("Only billing users check the recurring invoices.")
            )
        now = fields.Datetime.now()
        for company in self.env.companies:
            self._store(
                company.sudo(),
                self._check_company(company.sudo(), now, probe=True),
                now,
            )
        return self.get_banner_html()

    @api.model
    def get_banner_html(self):
        """The banner above the recurring templates' list: the problems last
        found in the current user's companies (empty when none; nothing for a
        user who is not a billing user)."""
        if not self.env.user.has_group(BILLING_GROUP):
            return ""
        lang = self.env.lang
        rows = []
        checked = []
        for company in self.env.companies.sudo():
            if company.recurring_health_checked_at:
                checked.append(company.recurring_health_checked_at)
            for problem in company.recurring_health_problems or []:
                rows.append(
                    {
                        "company": company.name,
                        "message": self._problem_message(problem, lang),
                        "url": self._problem_url(problem),
                    }
                )
        if not rows:
            return ""
        return self.env["ir.qweb"]._render(
            "recurring_invoice.health_banner",
            {
                "rows": rows,
                "multi_company": len(self.env.companies) > 1,
                "checked_at": format_datetime(self.env, max(checked))
                if checked
                else "",
            },
        )

    # --- the checks ---------------------------------------------------------------
    @api.model
    def _checks(self):
        """The checks of a company, in the order they are told: each a method
        ``(company, now, probe) -> [problem]``."""
        return [
            self._check_scheduled_actions,
            self._check_morning_run,
            self._check_mail_server,
            self._check_wkhtmltopdf,
            self._check_due_templates,
            self._check_failing_templates,
        ]

    @api.model
    def _check_company(self, company, now, probe=False):
        problems = []
        for check in self._checks():
            problems.extend(check(company, now, probe))
        return problems

    @api.model
    def _watched_crons(self):
        """The job's scheduled action, its sending ones and the mail queue."""
        Cron = self.env["ir.cron"].with_context(active_test=False).sudo()
        crons = Cron.browse()
        for xmlid in (JOB_CRON, MAIL_QUEUE_CRON):
            crons |= self.env.ref(xmlid, raise_if_not_found=False) or Cron
        crons |= Cron.search(
            [
                ("model_id.model", "=", "recurring.invoice.job"),
                ("code", "=like", "model._cron_send(%"),
            ]
        )
        return crons

    @api.model
    def _check_scheduled_actions(self, company, now, probe=False):
        """Each watched scheduled action is active, and ran when it was due:
        no call planned more than an hour ago is still waiting (the cron
        workers are alive)."""
        problems = []
        Trigger = self.env["ir.cron.trigger"].sudo()
        for cron in self._watched_crons():
            if not cron.active:
                problems.append(_problem("cron_inactive", cron, name=cron.name))
                continue
            waiting = [cron.nextcall] + Trigger.search(
                [("cron_id", "=", cron.id)], order="call_at", limit=1
            ).mapped("call_at")
            late = min(waiting)
            if late and late < now - GRACE:
                problems.append(
                    _problem(
                        "cron_late",
                        cron,
                        name=cron.name,
                        since=fields.Datetime.to_string(late),
                        last=fields.Datetime.to_string(cron.lastcall) or "",
                        tz=company.recurring_invoice_tz,
                    )
                )
        return problems

    @api.model
    def _check_morning_run(self, company, now, probe=False):
        """The job's scheduled action ran on the company's last send day, at
        its send moment or after, once an hour has passed since (06:15: by
        07:15)."""
        cron = self.env.ref(JOB_CRON, raise_if_not_found=False)
        if not cron:
            return [_problem("cron_missing")]
        day = company._recurring_last_due_date(now - GRACE)
        moment = (
            recurrence.Recurrence(
                "week",
                day,
                tz=company.recurring_invoice_tz,
                send_time=company._recurring_send_time(),
            )
            .send_moment(day)
            .replace(tzinfo=None)
        )
        if cron.sudo().create_date > moment:
            return []  # installed since
        lastcall = cron.sudo().lastcall
        if lastcall and lastcall >= moment - EARLY:
            return []
        return [
            _problem(
                "morning_not_run",
                cron,
                date=fields.Date.to_string(day),
                inactive=not cron.sudo().active,
            )
        ]

    @api.model
    def _mail_servers(self, company):
        return self.env["ir.mail_server"].sudo().search([])

    @api.model
    def _check_mail_server(self, company, now, probe=False):
        """An outgoing mail server is set up (a record, or a server of Odoo's
        configuration other than its default, localhost); on demand, each
        answers."""
        servers = self._mail_servers(company)
        config_server = tools.config.get("smtp_server")
        if not servers:
            if not config_server or (
                config_server == "localhost" and not tools.config.get("smtp_user")
            ):
                return [_problem("no_mail_server")]
            targets = [(config_server, tools.config.get("smtp_port") or 25, None, None)]
        else:
            targets = [
                (s.smtp_host, s.smtp_port, s.smtp_encryption, s) for s in servers
            ]
        if not probe:
            return []
        problems = []
        for host, port, encryption, server in targets:
            error = self._probe_smtp(host, port, encryption)
            if error:
                problems.append(
                    _problem(
                        "mail_server_silent",
                        server,
                        server=f"{host}:{port}",
                        error=error,
                    )
                )
        return problems

    @api.model
    def _probe_smtp(self, host, port, encryption=None):
        """Whether the SMTP server at ``host``:``port`` answers within
        PROBE_TIMEOUT seconds: None, else the error."""
        try:
            if encryption == "ssl":
                smtp = smtplib.SMTP_SSL(host, port, timeout=PROBE_TIMEOUT)
            else:
                smtp = smtplib.SMTP(host, port, timeout=PROBE_TIMEOUT)
            try:
                code, _reply = smtp.noop()
            finally:
                smtp.close()
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            return str(error) or error.__class__.__name__
        if code != 250:
            return f"NOOP: {code}"
        return None

    @api.model
    def _check_wkhtmltopdf(self, company, now, probe=False):
        """wkhtmltopdf prints the invoices' PDFs: found and working."""
        state = base_report.wkhtmltopdf_state
        if state in ("install", "broken"):
            return [_problem("wkhtmltopdf", state=state)]
        return []

    @api.model
    def _due_templates(self, company, now):
        """The company's active templates the next run makes, each with the
        occurrence it makes: {template: occurrence date}."""
        following = company._recurring_next_send_moment(now)
        until = company._recurring_last_due_date(following)
        templates = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .search(
                [
                    ("company_id", "=", company.id),
                    ("recurring_state", "=", "active"),
                    ("recurring_next_send_date", "<=", until),
                ],
                order="recurring_next_send_date, id",
            )
        )
        return {template: template.recurring_next_date for template in templates}

    @api.model
    def _check_due_templates(self, company, now, probe=False):
        """Each template the next run makes can be: someone to send it to,
        a KID where its journal uses them, a percent for the yearly price
        adjustment due."""
        problems = []
        for template, occurrence in self._due_templates(company, now).items():
            problems.extend(self._check_recipients(template, occurrence))
            problems.extend(self._check_kid(template))
            problems.extend(self._check_yearly_adjustment(template, occurrence))
        return problems

    @api.model
    def _check_recipients(self, template, occurrence):
        """A template posting and sending its invoices: each customer billed
        takes them (downloads them), or has an e-mail address, or an EHF
        endpoint when it takes EHF."""
        if template._recurring_mode() != "post_send":
            return []
        if template._recurring_bills_recipients():
            partners = list(template._recurring_billed(occurrence))
            if not partners:
                return [
                    _problem("no_recipient", template, template=template.display_name)
                ]
        else:
            partners = [template.partner_id]
        problems = []
        for partner in partners:
            partner = partner.with_company(template.company_id)
            method = partner.invoice_sending_method
            if method == "manual":
                continue
            if method == "peppol":
                if partner.peppol_endpoint and partner.peppol_eas:
                    continue
            elif partner.email:
                continue
            problems.append(
                _problem(
                    "no_address",
                    template,
                    template=template.display_name,
                    customer=partner.display_name,
                )
            )
        return problems

    @api.model
    def _check_kid(self, template):
        """A journal making KIDs (Norwegian references): Odoo's Norwegian
        add-on computes them, from the invoice's number or the customer, and
        the invoice names the bank account they are paid to."""
        journal = template.journal_id
        if journal.invoice_reference_model != "no":
            return []
        reasons = []
        if not hasattr(template, "_get_kid_number"):
            reasons.append("l10n_no")
        if journal.invoice_reference_type == "none":
            reasons.append("type")
        if not (
            template.partner_bank_id
            or journal.bank_account_id
            or template.company_id.bank_ids
        ):
            reasons.append("bank")
        return [
            _problem(
                f"kid_{reason}",
                template,
                template=template.display_name,
                journal=journal.display_name,
            )
            for reason in reasons
        ]

    @api.model
    def _check_yearly_adjustment(self, template, occurrence):
        """A yearly price adjustment due before the invoice the next run
        makes has its percent entered."""
        if not template.recurring_index_date or template.recurring_index_percent:
            return []
        days = recurrence.yearly_days(
            template.recurring_index_date,
            template.recurring_index_last_date or None,
            occurrence,
        )
        if not days:
            return []
        return [
            _problem(
                "yearly_percent",
                template,
                template=template.display_name,
                date=fields.Date.to_string(days[-1]),
            )
        ]

    @api.model
    def _check_failing_templates(self, company, now, probe=False):
        """Templates whose invoice could not be made on FAILED_RUNS runs in a
        row (or more)."""
        templates = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("recurring_state", "in", ("active", "ended")),
                    ("recurring_make_failures", ">=", FAILED_RUNS),
                ]
            )
        )
        return [
            _problem(
                "failing",
                template,
                template=template.display_name,
                days=template.recurring_make_failures,
                error=template.recurring_make_error or "",
            )
            for template in templates
        ]

    # --- telling ------------------------------------------------------------------
    @api.model
    def _problem_message(self, problem, lang):
        """What ``problem`` says, in ``lang``."""
        env = self.with_context(lang=lang).env
        params = dict(problem.get("params") or {})
        # Dates are kept as ISO strings, told as the reader writes them.
        if params.get("date"):
            params["date"] = format_date(env, fields.Date.to_date(params["date"]))
        for key in ("since", "last"):
            if params.get(key):
                params[key] = format_datetime(
                    env,
                    fields.Datetime.to_datetime(params[key]),
                    tz=params.get("tz"),
                    dt_format="short",
                )
            elif key in params:
                params[key] = env._("never")
        code = problem["code"]
        if code == "morning_not_run" and params.get("inactive"):
            code = "morning_not_run_inactive"
        text = self.with_context(lang=lang)._problem_texts().get(code)
        return text % params if text else code

    @api.model
    def _problem_texts(self):
        """{code: text with %(param)s placeholders}, in the context's language."""
        _ = self.env._
        return {
            "cron_inactive": _(
                "The scheduled action “%(name)s” is archived: nothing it does "
                "is done."
            ),
            "cron_late": _(
                "The scheduled action “%(name)s” has waited since %(since)s "
                "(last run: %(last)s): no cron worker of Odoo is running it."
            ),
            "cron_missing": _("The recurring invoices' scheduled action was deleted."),
            "morning_not_run_inactive": _(
                "The recurring invoices were not made on %(date)s: their "
                "scheduled action is archived."
            ),
            "morning_not_run": _(
                "The recurring invoices were not made on %(date)s: no cron "
                "worker ran their scheduled action by an hour after the send "
                "time."
            ),
            "no_mail_server": _(
                "No outgoing mail server is set up: the invoices' e-mails "
                "cannot leave. Add one in Settings, Technical, Outgoing Mail "
                "Servers (a server on this machine too)."
            ),
            "mail_server_silent": _(
                "The outgoing mail server %(server)s does not answer: %(error)s"
            ),
            "wkhtmltopdf": _(
                "wkhtmltopdf, which prints the invoices' PDFs, is missing or "
                "broken on the server: invoices go out without their PDF, or "
                "not at all."
            ),
            "no_recipient": _(
                "%(template)s has nobody to invoice at the next run: no "
                "recipient on its list, or no customer with its tag."
            ),
            "no_address": _(
                "%(template)s: %(customer)s has no e-mail address (nor an EHF "
                "endpoint where it takes EHF): tomorrow's invoice cannot be "
                "sent to it."
            ),
            "kid_l10n_no": _(
                "%(template)s: the journal %(journal)s makes KID references, "
                "but the Norwegian accounting (l10n_no) that computes them is "
                "not installed."
            ),
            "kid_type": _(
                "%(template)s: the journal %(journal)s makes KID references "
                "from nothing (communication type Open): base them on the "
                "invoice or the customer."
            ),
            "kid_bank": _(
                "%(template)s: the journal %(journal)s makes KID references, "
                "but no bank account is set to be paid to."
            ),
            "yearly_percent": _(
                "%(template)s: the yearly price adjustment of %(date)s has no "
                "percent: enter this year's before the next invoice."
            ),
            "failing": _(
                "%(template)s: its invoice could not be made on %(days)s runs "
                "in a row: %(error)s"
            ),
        }

    @api.model
    def _problem_url(self, problem):
        if not problem.get("model") or not problem.get("res_id"):
            return False
        return f"/odoo/{problem['model']}/{problem['res_id']}"

    @api.model
    def _store(self, company, problems, now):
        company._recurring_as_job().sudo().write(
            {
                "recurring_health_problems": problems or False,
                "recurring_health_checked_at": now,
            }
        )

    @api.model
    def _evening_mail_due(self, company, now):
        """Whether the evening e-mail of ``company`` is still to be sent: it
        is the company's evening (20:00 to midnight, local) and no e-mail went
        since it began."""
        tz = pytz.timezone(company.recurring_invoice_tz)
        local_now = pytz.utc.localize(now).astimezone(tz)
        evening = tz.localize(datetime.combine(local_now.date(), HEALTH_TIME))
        evening = evening.astimezone(pytz.utc).replace(tzinfo=None)
        if now < evening - EARLY:
            return False
        mailed = company.recurring_health_mailed_at
        return not mailed or mailed < evening - EARLY

    @api.model
    def _health_recipients(self, company):
        """The users responsible for the company's running templates."""
        templates = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("recurring_state", "in", ("active", "paused")),
                ]
            )
        )
        users = self.env["res.users"]
        for user in templates._recurring_responsible_users().values():
            users |= user
        return users

    @api.model
    def _mail_problems(self, company, problems, now):
        """Queue one e-mail to each responsible user, in their language."""
        template = self.env.ref(
            "recurring_invoice.mail_template_recurring_health",
            raise_if_not_found=False,
        )
        users = self._health_recipients(company)
        if not template or not users:
            # No running template: nobody to tell, nothing waits on it.
            _logger.info(
                "Recurring invoices: health problems of %s, nobody to tell",
                company.name,
            )
        else:
            for user in users:
                lang = user.lang or company._recurring_lang()
                template.with_context(
                    lang=lang,
                    recurring_job_mail=trusted.JOB,
                    recurring_health_company=company.name,
                    recurring_health_rows=[
                        {
                            "message": self._problem_message(problem, lang),
                            "url": self._problem_url(problem),
                        }
                        for problem in problems
                    ],
                ).send_mail(
                    user.id,
                    force_send=False,
                    email_layout_xmlid="mail.mail_notification_light",
                )
        company._recurring_as_job().sudo().write({"recurring_health_mailed_at": now})
        self._hook_health_mailed(company, problems, users, now)

    @api.model
    def _hook_health_mailed(self, company, problems, users, now):
        """The evening's problems of ``company`` were e-mailed to ``users``:
        that morning's run record notes it (none when the morning did not
        run: the e-mail says so)."""
        run = (
            self.env["recurring.invoice.run"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("run_date", "=", company._recurring_last_due_date(now)),
                ],
                limit=1,
            )
        )
        run._recurring_as_job().write(
            {
                "health_mailed_at": now,
                "health_problem_count": len(problems),
                "health_mailed_to": ", ".join(users.mapped("name")),
            }
        )

    # --- planning -----------------------------------------------------------------
    @api.model
    def _schedule_next_check(self, now):
        """Trigger the check at each company's next 20:00, local (a daily
        ``ir.cron`` keeps a UTC time, an hour off half the year)."""
        cron = self.env.ref(
            "recurring_invoice.ir_cron_recurring_invoice_health",
            raise_if_not_found=False,
        )
        if not cron:
            return
        moments = {
            recurrence.next_send_moment(
                company.recurring_invoice_tz, HEALTH_TIME, now=now
            ).replace(tzinfo=None)
            for company in self.env["res.company"].sudo().search([])
        }
        Trigger = self.env["ir.cron.trigger"].sudo()
        planned = set(
            Trigger.search(
                [("cron_id", "=", cron.id), ("call_at", "in", list(moments))]
            ).mapped("call_at")
        )
        missing = sorted(moments - planned)
        if missing:
            cron.sudo()._trigger(missing)
