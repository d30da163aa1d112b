# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from pathlib import Path

from odoo.tests import TransactionCase, tagged

from .common import assert_pot_up_to_date

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_pot_is_up_to_date_with_the_code(self):
        assert_pot_up_to_date(self, "recurring_invoice", I18N / "recurring_invoice.pot")

    def test_norwegian_user_interface(self):
        self.env["res.lang"]._activate_lang("nb_NO")
        self.env["ir.module.module"]._load_module_terms(
            ["recurring_invoice"], ["nb_NO"], overwrite=True
        )
        Move = self.env["account.move"].with_context(lang="nb_NO")
        arch = Move.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Gjentagende faktura", arch)
        self.assertIn("Gjentagende fakturamal", arch)
        states = dict(Move._fields["recurring_state"]._description_selection(Move.env))
        self.assertEqual(
            states,
            {
                "active": "Aktiv",
                "paused": "Pauset",
                "ended": "Avsluttet",
                "archived": "Arkivert",
            },
        )
        periods = dict(
            Move._fields["recurring_period"]._description_selection(Move.env)
        )
        self.assertEqual(periods["quarter"], "Kvartal")
        menu = self.env.ref("recurring_invoice.menu_recurring_template").with_context(
            lang="nb_NO"
        )
        self.assertEqual(menu.name, "Gjentagende fakturaer")
        self.assertEqual(Move.env._("week"), "uke")
