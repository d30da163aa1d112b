# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from pathlib import Path

from odoo.tests import TransactionCase, tagged

from odoo.addons.recurring_invoice.tests.common import assert_pot_up_to_date

I18N = Path(__file__).resolve().parent.parent / "i18n"
MODULE = "recurring_invoice_queue_job"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_pot_is_up_to_date_with_the_code(self):
        assert_pot_up_to_date(self, MODULE, I18N / f"{MODULE}.pot")
