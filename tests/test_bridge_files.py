"""Checks of the queue_job bridge's files, and of harness/oca_addons.py, that
need no Odoo."""

import ast
import re
import subprocess
from pathlib import Path

import polib
import pytest
from lxml import etree

from harness import oca_addons

ROOT = Path(__file__).resolve().parent.parent
BRIDGE = ROOT / "recurring_invoice_queue_job"
MANIFEST = ast.literal_eval((BRIDGE / "__manifest__.py").read_text())
CORE = ast.literal_eval((ROOT / "recurring_invoice/__manifest__.py").read_text())
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_manifest_of_an_optional_integration():
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", MANIFEST["version"])
    assert MANIFEST["license"] == "LGPL-3"
    assert MANIFEST["author"] == CORE["author"]
    assert MANIFEST["website"] == CORE["website"]
    assert MANIFEST["depends"] == ["recurring_invoice", "queue_job"]
    assert MANIFEST["auto_install"] is True
    assert MANIFEST["installable"] is True
    for name in MANIFEST["data"]:
        assert (BRIDGE / name).is_file(), name
        etree.parse(str(BRIDGE / name))
    # each version since the first says what changed, and migrates
    history = (BRIDGE / "readme/HISTORY.md").read_text()
    assert history.startswith(f"## {MANIFEST['version']} (")
    versions = re.findall(r"^## (\S+) ", history, re.MULTILINE)
    for version in versions[:-1]:
        assert (BRIDGE / "migrations" / version).is_dir(), version
    # recurring_invoice knows nothing of queue_job
    assert "queue_job" not in CORE["depends"]


def test_job_functions_on_the_channel():
    tree = etree.parse(str(BRIDGE / "data/queue_job_data.xml"))
    channel = tree.getroot().find(".//record[@model='queue.job.channel']")
    assert channel.findtext("field[@name='name']") == "recurring_invoice"
    assert channel.find("field[@name='parent_id']").get("ref") == (
        "queue_job.channel_root"
    )
    functions = tree.getroot().findall(".//record[@model='queue.job.function']")
    code = (BRIDGE / "models/recurring_invoice_job.py").read_text()
    assert {f.findtext("field[@name='method']") for f in functions} == {
        "_job_make",
        "_job_send",
        "_job_finish",
    }
    assert '_inherit = "recurring.invoice.job"' in code
    for function in functions:
        method = function.findtext("field[@name='method']")
        assert f"def {method}(" in code
        assert function.find("field[@name='model_id']").get("ref") == (
            "recurring_invoice.model_recurring_invoice_job"
        )
        assert function.find("field[@name='channel_id']").get("ref") == channel.get(
            "id"
        )


def test_norwegian_po_is_complete():
    pot = polib.pofile(str(BRIDGE / "i18n/recurring_invoice_queue_job.pot"))
    nb = polib.pofile(str(BRIDGE / "i18n/nb.po"))
    assert nb.metadata.get("Language") == "nb"
    translations = {entry.msgid: entry for entry in nb}
    assert {entry.msgid for entry in pot} == set(translations)
    for entry in pot:
        msgstr = translations[entry.msgid].msgstr
        assert msgstr, entry.msgid
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
            PLACEHOLDER.findall(msgstr)
        )


def test_readme_fragments_and_rst():
    for name in ("DESCRIPTION.md", "CONFIGURE.md"):
        assert (BRIDGE / "readme" / name).read_text().strip()
    assert "root.recurring_invoice:2" in (BRIDGE / "readme/CONFIGURE.md").read_text()
    assert "root.recurring_invoice:2" in (BRIDGE / "README.rst").read_text()


def test_odoo_python_from_the_shebang(tmp_path):
    odoo = tmp_path / "odoo"
    odoo.write_text("#!/opt/venv/bin/python3\nimport odoo\n")
    assert oca_addons.odoo_python(odoo) == "/opt/venv/bin/python3"
    odoo.write_text("#!/usr/bin/env python3\n")
    assert oca_addons.odoo_python(odoo) == "python3"
    assert oca_addons.odoo_python(tmp_path / "python3.11") == str(
        tmp_path / "python3.11"
    )


def test_unreachable_pypi_says_so(monkeypatch):
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        if "pip" in cmd:
            return subprocess.CompletedProcess(
                cmd, 1, "", "ERROR: No matching distribution found\n"
            )
        return subprocess.CompletedProcess(cmd, 1)  # not importable

    monkeypatch.setattr(oca_addons.subprocess, "run", fake_run)
    said = []
    assert not oca_addons.ensure_oca_addon("/venv/bin/python", "queue_job", said.append)
    pip = next(cmd for cmd in calls if "pip" in cmd)
    assert "--no-deps" in pip
    assert "odoo-addon-queue-job>=18.0,<18.1" in pip
    assert said and "No matching distribution" in said[0]
    # only looking never installs
    calls.clear()
    assert not oca_addons.ensure_oca_addon(
        "/venv/bin/python", "queue_job", said.append, install=False
    )
    assert not [cmd for cmd in calls if "pip" in cmd]


def test_make_test_skips_the_bridge_without_queue_job(monkeypatch, capsys):
    from scripts import run_tests

    class FakeOdoo:
        addons_path = "/nowhere/addons"
        command = "/nowhere/odoo"

    class FakeInstall:
        cache = None  # a user's own Odoo: nothing is pip-installed into it

    looked = []

    def ensure(command, name, say, install=True):
        looked.append((name, install))
        return False

    monkeypatch.setattr(run_tests, "ensure_oca_addon", ensure)
    monkeypatch.setattr(
        run_tests, "odoo_suite", lambda *a, **k: pytest.fail("ran the suite")
    )
    assert run_tests.bridge_suite(FakeOdoo(), FakeInstall()) == (0, 0, 1)
    assert looked == [("queue_job", False)]
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Odoo suite (recurring_invoice_queue_job): skipped: queue_job not available"
    ]
