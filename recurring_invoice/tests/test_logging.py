# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The tests' mutes hold: a mute whose logger logs nothing fails."""

import logging
import sys

from odoo.tests import tagged

from .common import ADDON_LOGGER, RecurringInvoiceCase, oslo


@tagged("post_install", "-at_install")
class TestMutedLogs(RecurringInvoiceCase):
    def test_every_logger_of_the_addon_is_under_the_muted_one(self):
        """Each module of the add-on that logs does it under ADDON_LOGGER, so
        that muting ADDON_LOGGER mutes it, wherever its code moves."""
        self.assertEqual(ADDON_LOGGER, "odoo.addons.recurring_invoice")
        loggers = {
            name: module._logger
            for name, module in list(sys.modules.items())
            if name.startswith(ADDON_LOGGER + ".")
            and isinstance(getattr(module, "_logger", None), logging.Logger)
        }
        self.assertIn(f"{ADDON_LOGGER}.models.mail_mail", loggers)
        for name, logger in loggers.items():
            self.assertTrue(logger.name.startswith(ADDON_LOGGER + "."), name)

    def test_a_mute_that_hides_nothing_fails(self):
        mail_logger = logging.getLogger(f"{ADDON_LOGGER}.models.mail_mail")
        # an INFO line goes through (Odoo's level 25 is named INFO too)
        with self.muted_logs(expect="sent") as records:
            mail_logger.info("sent")
        self.assertEqual([record.getMessage() for record in records], ["sent"])
        with self.assertRaises(AssertionError):
            with self.muted_logs():
                pass
        # a logger that is not the one logging
        with self.assertRaises(AssertionError):
            with self.muted_logs(logger=f"{ADDON_LOGGER}.models.no_such_module"):
                mail_logger.info("sent")
        # the line expected is not the one logged
        with self.assertRaises(AssertionError):
            with self.muted_logs(expect="failed:"):
                mail_logger.info("sent")

    def test_the_job_logs_through_the_muted_logger(self):
        """A template that cannot be made: its error goes through the mute (the
        job's own logger is under it) and nowhere else."""
        customer = self.partner_a.copy({"name": "Closed AS"})
        template = self.make_template(partner=customer)
        customer.active = False
        with self.muted_logs(expect="failed:") as records:
            self.run_cron(oslo(2027, 1, 31, 6, 15))
        self.assertTrue(template.recurring_make_error)
        self.assertTrue(
            all(record.name.startswith(ADDON_LOGGER + ".") for record in records)
        )
