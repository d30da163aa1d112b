# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import polib
import pytz
from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

OSLO = pytz.timezone("Europe/Oslo")

#: The add-on's logger, "odoo.addons.recurring_invoice", derived from this
#: module's own name: each of its modules logs under it (logging.getLogger
#: (__name__)), so that muting it names no file, and never goes stale when the
#: code that logs moves to another one.
ADDON_LOGGER = __name__.rpartition(".tests.")[0]


def oslo(*args):
    """A naive UTC datetime for a wall-clock time in Oslo, as Odoo stores them."""
    return OSLO.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


def assert_pot_up_to_date(case, module, pot):
    """Check, in the test ``case``, that the .pot file ``pot`` holds the terms
    the code of ``module`` has, no more, no fewer."""
    exported = {
        source
        for module_name, _type, _name, _res_id, source, _value, _comments in (
            TranslationModuleReader(case.env.cr, modules=[module])
        )
        if module_name == module
    }
    terms = {entry.msgid for entry in polib.pofile(str(pot))}
    case.assertFalse(exported - terms, "terms missing from the .pot: re-export it")
    case.assertFalse(terms - exported, "terms in the .pot that the code no longer has")


class RecurringInvoiceCase(AccountTestInvoicingCommon):
    @contextmanager
    def muted_logs(self, logger=ADDON_LOGGER, level=logging.INFO, expect=None):
        """Mute ``logger`` and the loggers under it for an error the test
        expects, and fail when nothing at ``level`` or above went through it
        (with ``expect``: no message holding that text), as a mute whose
        logger no longer logs would otherwise hide nothing, silently.
        Yields the records, for the test to read. ``level`` is a number:
        Odoo names its level 25 "INFO" too, so that the name means 25."""
        with self.assertLogs(logger, level) as logged:
            yield logged.records
        if expect is not None:
            messages = [record.getMessage() for record in logged.records]
            self.assertTrue(
                any(expect in message for message in messages),
                f"no {logger} log line with {expect!r}: {messages}",
            )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.recurring_invoice_tz = "Europe/Oslo"
        cls.env.company.recurring_invoice_send_time = 6.25
        cls.Move = cls.env["account.move"]
        cls.Job = cls.env["recurring.invoice.job"]
        cls.cron = cls.env.ref("recurring_invoice.ir_cron_recurring_invoice")
        # The job takes all the database's work, as the scheduler's user does:
        # set aside what was there before (the demo data's templates and
        # invoices to send, in another company than the test user's), so that
        # it sees only what the tests make.
        existing = cls.env["account.move"].sudo()
        existing.search([("recurring_state", "=", "active")])._recurring_write(
            {"recurring_state": "paused"}
        )
        existing.search([("recurring_send_state", "=", "to_send")])._recurring_write(
            {"recurring_send_state": "sent"}
        )

    @classmethod
    def make_customer_and_accountant(cls):
        """The customer ``cls.customer`` (invoices sent by e-mail) and the
        accountant ``cls.accountant`` (the invoices' salesperson)."""
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Fjordutleie AS",
                "email": "post@fjordutleie.example.com",
                "invoice_sending_method": "email",
            }
        )
        cls.accountant = new_test_user(
            cls.env,
            "kari",
            name="Kari Nordmann",
            email="kari@example.com",
            groups="account.group_account_invoice",
        )

    def make_invoice_writer(self, login="writer"):
        """A user whom another module lets write invoices without being a
        Billing user (as Sales does its salespeople): reads the accounting,
        writes invoices and their lines."""
        writers = self.env["res.groups"].create({"name": "Invoice writers"})
        for model in ("account.move", "account.move.line"):
            self.env["ir.model.access"].create(
                {
                    "name": f"invoice writers: {model}",
                    "model_id": self.env["ir.model"]._get_id(model),
                    "group_id": writers.id,
                    "perm_read": True,
                    "perm_write": True,
                }
            )
        writer = new_test_user(
            self.env, login, groups="base.group_user,account.group_account_readonly"
        )
        writer.groups_id |= writers
        return writer

    def make_draft(self, partner=None, name="Rent", price=1000.0, taxes=None, **values):
        return self.Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.partner_a).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "name": name,
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [
                                Command.set(
                                    (self.tax_sale_a if taxes is None else taxes).ids
                                )
                            ],
                        }
                    )
                ],
                **values,
            }
        )

    def make_template(
        self,
        period="month",
        start=date(2027, 1, 31),
        end=None,
        at=None,
        options=None,
        **values,
    ):
        """A template set up at noon the day before its first send day (or at
        ``at``); ``options`` go to ``_recurring_setup`` (interval, days ahead...)."""
        options = options or {}
        draft = self.make_draft(**values)
        eve = start - timedelta(days=1 + options.get("days_ahead", 0))
        at = at or oslo(eve.year, eve.month, eve.day, 12, 0)
        with freeze_time(at):
            draft._recurring_setup(period, start, end, **options)
        return draft

    def flush_tracking(self):
        """Write the chatter's tracking messages now, as a commit would."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def run_cron(self, at, batch_size=None):
        """Run the scheduled action at instant ``at`` (naive UTC) as the
        scheduler would: batch after batch until nothing remains."""
        with freeze_time(at):
            for _batch in range(1000):
                remaining = self.Job._cron_make_and_send(batch_size=batch_size)
                if remaining <= 0:
                    break
        self.env.invalidate_all()
