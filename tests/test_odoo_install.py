"""How the runners find Odoo 18 (harness/odoo_install.py, harness/odoo_cache.py):
the parts that need no Odoo. The build itself is replaced by a stand-in that
records its calls."""

import json
import shutil
import tarfile
from types import SimpleNamespace

import pytest

from harness import odoo_cache, odoo_install
from harness.odoo_cache import OdooMissing
from scripts import run_demo


def make_tree(root, packaged=True):
    """A minimal Odoo source tree: a packaged snapshot (full add-ons in
    odoo/addons, an older copy in addons) or a git checkout's layout."""
    (root / "odoo/addons/base").mkdir(parents=True)
    (root / "odoo/release.py").write_text("version_info = (18, 0)\n")
    (root / "requirements.txt").write_text("Babel==2.10.3\n")
    (root / "doc").mkdir()
    if packaged:
        (root / "odoo/addons/account").mkdir()
        (root / "addons/account").mkdir(parents=True)
        (root / "PKG-INFO").write_text("Name: odoo\nVersion: 18.0.post20250506\n")
    else:
        (root / "addons/account").mkdir(parents=True)
    return root


def write_script(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + text + "\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """No Odoo installed, an empty cache, no ODOO_SRC, and a build that only
    records that it ran."""
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ODOO_RC", str(tmp_path / "odoorc"))
    monkeypatch.delenv("ODOO_SRC", raising=False)
    monkeypatch.setattr(
        odoo_cache, "ARCHIVE_URL", (tmp_path / "nowhere/odoo.tar.gz").as_uri()
    )
    builds = []

    def build_venv(cache):
        builds.append(cache)
        write_script(cache / "venv/bin/odoo", "echo 'Odoo Server 18.0'")

    monkeypatch.setattr(odoo_cache, "build_venv", build_venv)
    return SimpleNamespace(root=tmp_path, builds=builds)


# -- the addons path of both source layouts --------------------------------


def test_addons_path_of_a_packaged_snapshot(tmp_path):
    tree = make_tree(tmp_path)
    assert odoo_cache.addons_path(tree) == f"{tree}/odoo/addons"
    assert "addons" in odoo_cache.unused_entries(tree)


def test_addons_path_of_a_git_checkout(tmp_path):
    tree = make_tree(tmp_path, packaged=False)
    assert odoo_cache.addons_path(tree) == f"{tree}/addons,{tree}/odoo/addons"
    assert "addons" not in odoo_cache.unused_entries(tree)


def test_copy_leaves_out_the_old_addons_copy(tmp_path):
    tree = make_tree(tmp_path / "tree")
    odoo_cache.copy_source(tree, tmp_path / "src")
    copied = {path.name for path in (tmp_path / "src").iterdir()}
    assert copied == {"odoo", "requirements.txt", "PKG-INFO"}
    assert (tmp_path / "src/odoo/addons/account").is_dir()


def test_copy_of_a_git_checkout_keeps_its_addons(tmp_path):
    tree = make_tree(tmp_path / "tree", packaged=False)
    odoo_cache.copy_source(tree, tmp_path / "src")
    assert (tmp_path / "src/addons/account").is_dir()


def test_copy_from_an_archive(tmp_path):
    tree = make_tree(tmp_path / "odoo-18.0.post20250506")
    archive = tmp_path / "odoo.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname=tree.name)
    odoo_cache.copy_source(archive, tmp_path / "src")
    assert (tmp_path / "src/odoo/release.py").is_file()
    assert not (tmp_path / "src/addons").exists()


# -- an installed Odoo or the cached build ---------------------------------


def test_an_installed_odoo_wins(machine, monkeypatch):
    write_script(machine.root / "bin/odoo", "echo 'Odoo Server 18.0'")
    (machine.root / "odoorc").write_text("[options]\naddons_path = /odoo/addons\n")
    monkeypatch.setenv("ODOO_SRC", str(make_tree(machine.root / "tree")))
    install = odoo_install.find_odoo()
    assert install.cache is None
    assert install.command == str(machine.root / "bin/odoo")
    assert install.addons_path == f"/odoo/addons,{odoo_install.ROOT}"
    assert not machine.builds


@pytest.mark.parametrize("installed", ["none", "no config", "odoo 17"])
def test_the_cached_build_when_no_odoo_is_installed(machine, monkeypatch, installed):
    if installed != "none":
        version = "17.0" if installed == "odoo 17" else "18.0"
        write_script(machine.root / "bin/odoo", f"echo 'Odoo Server {version}'")
    if installed == "odoo 17":
        (machine.root / "odoorc").write_text("[options]\n")
    monkeypatch.setenv("ODOO_SRC", str(make_tree(machine.root / "tree")))
    install = odoo_install.find_odoo()
    cache = machine.root / "cache/recurring-invoice/odoo-18.0"
    assert install.cache == cache
    assert install.command == cache / "venv/bin/odoo"
    assert install.options["addons_path"] == f"{cache}/src/odoo/addons"
    assert install.options["db_user"] == odoo_cache.os_user()
    assert install.data_dir == cache / "data"


# -- the stamp: what is rebuilt --------------------------------------------


def test_a_second_run_rebuilds_nothing(machine, monkeypatch):
    tree = make_tree(machine.root / "tree")
    monkeypatch.setenv("ODOO_SRC", str(tree))
    odoo_cache.cached_odoo()
    odoo_cache.cached_odoo()
    monkeypatch.delenv("ODOO_SRC")  # another clone, without ODOO_SRC
    command, rc = odoo_cache.cached_odoo()
    assert len(machine.builds) == 1
    assert command.is_file() and rc.is_file()
    stamp = json.loads((machine.builds[0] / "built.json").read_text())
    assert stamp["source"]["version"] == "18.0.post20250506"


def test_the_build_survives_its_source(machine, monkeypatch):
    tree = make_tree(machine.root / "tree")
    monkeypatch.setenv("ODOO_SRC", str(tree))
    odoo_cache.cached_odoo()
    shutil.rmtree(tree)
    monkeypatch.delenv("ODOO_SRC")
    odoo_cache.cached_odoo()
    assert len(machine.builds) == 1


@pytest.mark.parametrize("change", ["requirements", "version", "recipe", "ldap"])
def test_a_change_rebuilds(machine, monkeypatch, change):
    tree = make_tree(machine.root / "tree")
    monkeypatch.setenv("ODOO_SRC", str(tree))
    odoo_cache.cached_odoo()
    if change == "requirements":
        (tree / "requirements.txt").write_text("Babel==2.10.3\nlxml==4.9.3\n")
    elif change == "version":
        (tree / "PKG-INFO").write_text("Version: 18.0.post20250601\n")
    elif change == "recipe":
        monkeypatch.setattr(odoo_cache, "RECIPE", odoo_cache.RECIPE + 1)
    else:
        monkeypatch.setattr(odoo_cache, "LDAP_HEADERS", [machine.root / "ldap.h"])
    odoo_cache.cached_odoo()
    assert len(machine.builds) == 2


def test_a_failed_build_leaves_no_stamp(machine, monkeypatch):
    monkeypatch.setenv("ODOO_SRC", str(make_tree(machine.root / "tree")))

    def failing_build(cache):
        machine.builds.append(cache)
        raise OdooMissing("the build failed")

    with monkeypatch.context() as patch:
        patch.setattr(odoo_cache, "build_venv", failing_build)
        with pytest.raises(OdooMissing):
            odoo_cache.cached_odoo()
    assert odoo_cache.read_stamp(machine.builds[0]) is None
    odoo_cache.cached_odoo()
    assert len(machine.builds) == 2


def test_without_odoo_src_the_official_archive_is_used(machine, monkeypatch):
    tree = make_tree(machine.root / "odoo-18.0.post20250506")
    archive = machine.root / "nowhere/odoo.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname=tree.name)
    odoo_cache.cached_odoo()
    cache = machine.builds[0]
    assert (cache / "src/odoo/addons/account").is_dir()
    assert not list(cache.glob("*.tar.gz*"))  # the archive is not kept
    stamp = odoo_cache.read_stamp(cache)
    assert stamp["source"]["version"] == "18.0.post20250506"


# -- the messages ----------------------------------------------------------


def test_no_source_and_no_network_says_how_to_fix_it(machine):
    with pytest.raises(OdooMissing) as missing:
        odoo_install.find_odoo()
    message = str(missing.value)
    assert message.startswith("Odoo 18 (no 'odoo' command on PATH; the build in ")
    assert "cannot be downloaded" in message
    assert "set ODOO_SRC=<an Odoo 18 source tree or archive>" in message
    assert "\n" not in message
    assert not machine.builds


def test_make_run_says_it_in_one_line(machine, capsys):
    assert run_demo.run("recurring_demo") == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Missing: Odoo 18 (") and "ODOO_SRC" in lines[0]


def test_odoo_src_that_does_not_exist(machine, monkeypatch):
    monkeypatch.setenv("ODOO_SRC", str(machine.root / "missing"))
    with pytest.raises(OdooMissing, match="ODOO_SRC=.*missing does not exist"):
        odoo_install.find_odoo()


def test_no_postgresql_server_to_start(machine, monkeypatch):
    monkeypatch.setattr(odoo_cache, "SERVER_BINARIES", str(machine.root / "pg/*/bin"))
    monkeypatch.setattr(odoo_cache.os, "geteuid", lambda: 1000)
    cluster = odoo_cache.Cluster(machine.root / "cache")
    with pytest.raises(OdooMissing, match="apt-get install postgresql"):
        cluster.start()


def test_the_private_cluster_of_a_user_is_in_the_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(odoo_cache.os, "geteuid", lambda: 1000)
    cluster = odoo_cache.Cluster(tmp_path)
    assert (cluster.owner, cluster.folder) == (None, tmp_path / "postgres")
    assert cluster.socket_dir == tmp_path / "postgres/run"


def test_the_private_cluster_of_root_is_run_by_postgres(monkeypatch, tmp_path):
    monkeypatch.setattr(odoo_cache.os, "geteuid", lambda: 0)
    postgres = SimpleNamespace(pw_dir=str(tmp_path / "var/lib/postgresql"))
    monkeypatch.setattr(odoo_cache.pwd, "getpwnam", lambda name: postgres)
    cluster = odoo_cache.Cluster(tmp_path / "root-cache")
    assert cluster.owner == "postgres"
    assert cluster.folder == tmp_path / "var/lib/postgresql/recurring-invoice"


def test_an_installed_odoo_without_postgresql(machine):
    write_script(machine.root / "bin/odoo", "echo 'Odoo Server 18.0'")
    write_script(machine.root / "bin/pg_isready", "exit 2")
    (machine.root / "odoorc").write_text("[options]\n")
    install = odoo_install.find_odoo()
    with pytest.raises(OdooMissing, match=r"PostgreSQL \(no server answers as "):
        install.reach_database()


def test_an_archive_reaching_outside_is_refused_on_older_pythons(tmp_path, monkeypatch):
    """Where unpack_archive has no extraction filter (Python < 3.11.4), the
    members are checked by hand: one that would land outside is refused."""
    payload = tmp_path / "payload"
    payload.write_text("x")
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(payload, arcname="../evil")
    real = shutil.unpack_archive

    def without_filters(*args, **kwargs):
        if "filter" in kwargs:
            raise TypeError("unpack_archive() got an unexpected keyword argument")
        return real(*args, **kwargs)

    monkeypatch.setattr(odoo_cache.shutil, "unpack_archive", without_filters)
    (tmp_path / "out").mkdir()
    with pytest.raises(odoo_cache.OdooMissing):
        odoo_cache.unpack(archive, tmp_path / "out")
    assert not (tmp_path / "evil").exists()
    # a sound archive still unpacks
    tree = make_tree(tmp_path / "odoo-18.0")
    sound = tmp_path / "odoo.tar.gz"
    with tarfile.open(sound, "w:gz") as tar:
        tar.add(tree, arcname=tree.name)
    odoo_cache.unpack(sound, tmp_path / "out")
    assert (tmp_path / "out" / "odoo-18.0").is_dir()
