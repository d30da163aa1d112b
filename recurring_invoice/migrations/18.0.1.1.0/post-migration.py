# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: the monthly recurring revenue of the existing templates (its
column was created empty by the pre-migration, for templates only), and the
daily summary's e-mail template as this version writes it.

The summary's template is kept from updates (``noupdate``), so that a
business's own wording stays; but the one of 18.0.1.0.x cannot list the price
adjustments this version makes (each applied one is reported once, in the
next summary). Where it does not, it is loaded again from the add-on's data,
as a new install has it, and its translations with it.
"""

import io

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, convert_xml_import, file_path

SUMMARY = "mail_template_recurring_summary"
DATA_FILE = "recurring_invoice/data/mail_template_data.xml"


def reload_summary_template(env):
    """Load the summary's e-mail template again from the add-on's data when
    it does not list price adjustments. Returns whether it did."""
    template = env.ref(f"recurring_invoice.{SUMMARY}", raise_if_not_found=False)
    if not template:
        return False
    if "recurring_adjusted" in (template.with_context(lang="en_US").body_html or ""):
        return False
    path = file_path(DATA_FILE)
    record = etree.parse(path).find(f".//record[@id='{SUMMARY}']")
    document = etree.Element("odoo")
    document.append(record)
    stream = io.BytesIO(etree.tostring(document))
    stream.name = path
    convert_xml_import(env, "recurring_invoice", stream, mode="init", noupdate=True)
    # Its other languages go with the old text: the add-on's translations of
    # the new one are loaded after the migration, for the languages missing.
    env.flush_all()
    env.cr.execute(
        SQL(
            "UPDATE mail_template SET body_html = jsonb_build_object("
            "'en_US', body_html->'en_US') WHERE id = %s",
            template.id,
        )
    )
    template.invalidate_recordset(["body_html"])
    return True


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    templates = env["account.move"].search([("recurring_state", "!=", False)])
    env.add_to_compute(env["account.move"]._fields["recurring_mrr"], templates)
    templates.flush_recordset(["recurring_mrr"])
    reload_summary_template(env)
