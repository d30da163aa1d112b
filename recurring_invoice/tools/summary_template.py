# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily summary's e-mail template, loaded again by a migration.

The summary's template is kept from updates (``noupdate``), so that a
business's own wording stays; but a version whose summary tells more than the
one before (price adjustments in 18.0.1.1.0, a template's recipients together
in 18.0.1.3.0) loads it again from the add-on's data where it does not, as a
new install has it, and its translations with it.
"""

import io

from lxml import etree

from odoo.tools import SQL, convert_xml_import, file_path

SUMMARY = "mail_template_recurring_summary"
DATA_FILE = "recurring_invoice/data/mail_template_data.xml"


def reload_summary_template(env, marker):
    """Load the summary's e-mail template again from the add-on's data when
    its English text does not contain ``marker`` (a context key the version
    gives it). Returns whether it did."""
    template = env.ref(f"recurring_invoice.{SUMMARY}", raise_if_not_found=False)
    if not template:
        return False
    if marker in (template.with_context(lang="en_US").body_html or ""):
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
