"""Checks of the add-on's files that need no Odoo: manifest, XML, data, .po."""

import ast
import re
from pathlib import Path

import polib
import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "recurring_invoice"
MANIFEST = ast.literal_eval((ADDON / "__manifest__.py").read_text())
DATA_DIRS = ("data", "demo", "security", "views", "wizard", "report")


def test_manifest_keys():
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", MANIFEST["version"])
    assert MANIFEST["license"] == "LGPL-3"
    assert MANIFEST["author"]
    assert MANIFEST["website"].startswith("https://")
    assert {"account", "mail"} <= set(MANIFEST["depends"])
    assert MANIFEST["installable"] is True
    assert MANIFEST["application"] is False
    assert "description" not in MANIFEST
    assert isinstance(MANIFEST["data"], list)
    assert isinstance(MANIFEST["demo"], list)


def _version(text):
    return tuple(map(int, text.split(".")))


def test_migrations_lead_up_to_the_manifest_version():
    """Each migration folder names a version of the add-on, no later than the
    manifest's, and holds a script Odoo runs (pre-, post- or end-migration)."""
    folders = sorted((ADDON / "migrations").iterdir())
    assert folders
    for folder in folders:
        assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", folder.name)
        assert _version(folder.name) <= _version(MANIFEST["version"])
        scripts = {path.name for path in folder.glob("*-migration.py")}
        assert scripts and scripts <= {
            "pre-migration.py",
            "post-migration.py",
            "end-migration.py",
        }
        for script in scripts:
            tree = ast.parse((folder / script).read_text())
            assert "migrate" in {
                node.name for node in tree.body if isinstance(node, ast.FunctionDef)
            }


@pytest.mark.parametrize(
    "path",
    sorted(ADDON.rglob("*.xml")),
    ids=lambda path: str(path.relative_to(ADDON)),
)
def test_xml_well_formed(path):
    root = etree.parse(str(path)).getroot()
    assert root.tag == "odoo" or path.parts[-3:-1] == ("static", "src")


def test_every_data_file_is_listed_and_exists():
    listed = set(MANIFEST["data"]) | set(MANIFEST["demo"])
    for name in listed:
        assert (ADDON / name).is_file(), f"{name} is in the manifest but missing"
    on_disk = {
        str(path.relative_to(ADDON))
        for folder in DATA_DIRS
        for pattern in ("*.xml", "*.csv")
        for path in (ADDON / folder).glob(pattern)
    }
    assert on_disk - listed == set(), "data files not in the manifest"


def test_access_csv_header():
    header = (ADDON / "security/ir.model.access.csv").read_text().splitlines()[0]
    assert header == (
        "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink"
    )


@pytest.mark.parametrize(
    "path",
    sorted((ADDON / "i18n").glob("*.po*")),
    ids=lambda path: path.name,
)
def test_po_files_parse(path):
    catalog = polib.pofile(str(path))
    assert len(catalog) > 0


def test_no_english_po():
    assert not (ADDON / "i18n/en.po").exists()


PLACEHOLDER = re.compile(r"%\(\w+\)s|\{period\}|\{\{.*?\}\}|</?[a-zA-Z][^>]*>")


def test_norwegian_po_is_complete():
    pot = polib.pofile(str(ADDON / "i18n/recurring_invoice.pot"))
    nb = polib.pofile(str(ADDON / "i18n/nb.po"))
    assert nb.metadata.get("Language") == "nb"
    translations = {entry.msgid: entry for entry in nb}
    missing = [entry.msgid for entry in pot if entry.msgid not in translations]
    assert not missing, f"untranslated in nb.po: {missing}"
    assert not [e.msgid for e in nb.fuzzy_entries()], "fuzzy entries in nb.po"
    assert not [e.msgid for e in nb if not e.msgstr], "empty msgstr in nb.po"
    obsolete = set(translations) - {entry.msgid for entry in pot}
    assert not obsolete, f"nb.po has terms the .pot no longer has: {obsolete}"
    for entry in pot:
        translated = translations[entry.msgid]
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
            PLACEHOLDER.findall(translated.msgstr)
        ), f"placeholders or markup differ in {entry.msgid!r}"
        # Odoo loads code strings only when they carry these markers.
        for marker in ("odoo-python", "odoo-javascript"):
            assert (marker in entry.comment) == (marker in translated.comment)
