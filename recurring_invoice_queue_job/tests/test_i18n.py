# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"
MODULE = "recurring_invoice_queue_job"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_pot_is_up_to_date_with_the_code(self):
        exported = {
            source
            for module, _type, _name, _res_id, source, _value, _comments in (
                TranslationModuleReader(self.env.cr, modules=[MODULE])
            )
            if module == MODULE
        }
        pot = {entry.msgid for entry in polib.pofile(str(I18N / f"{MODULE}.pot"))}
        self.assertFalse(exported - pot, "terms missing from the .pot: re-export it")
        self.assertFalse(
            pot - exported, "terms in the .pot that the code no longer has"
        )
