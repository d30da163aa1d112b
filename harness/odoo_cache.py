"""The Odoo 18 that ``make run`` and ``make test`` build when none is installed.

It lives in a per-user cache outside the checkout, shared by every clone on the
machine (``${XDG_CACHE_HOME:-~/.cache}/recurring-invoice/odoo-18.0``)::

    src/          Odoo's source, copied from ODOO_SRC or the official archive
    venv/         a virtual environment with Odoo's requirements and ``odoo``
    odoo.conf     addons path, database user, data folder
    data/         Odoo's data folder (filestores, sessions)
    built.json    the stamp: what was built (written last)
    postgres/     the private PostgreSQL cluster, when no server answers

Nothing is rebuilt while the stamp matches the source and the requirements. A
lock file keeps two clones from building at once. Plain Python, no ``odoo``
import.
"""

import configparser
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

#: Bump when the way the cache is built changes: every cache is rebuilt.
RECIPE = 1
#: The official Odoo 18.0 source archive, used when ODOO_SRC is unset.
ARCHIVE_URL = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
DOWNLOAD_TIMEOUT = 15  # seconds without an answer before giving up
#: Old sdists among Odoo's requirements do not build with newer setuptools; pip 26
#: applies this to build environments only through PIP_BUILD_CONSTRAINT.
BUILD_CONSTRAINTS = ["setuptools<70"]
#: Beside Odoo's requirements.txt: the newest zope.interface and zope.event break
#: the ``odoo`` script; l10n_no's account_peppol imports phonenumbers; Odoo's
#: browser tour needs websocket-client.
EXTRA_REQUIREMENTS = [
    "zope.interface<7",
    "zope.event<5",
    "phonenumbers",
    "websocket-client",
]
#: python-ldap builds only with these headers (libldap2-dev, libsasl2-dev).
LDAP_HEADERS = [Path("/usr/include/ldap.h"), Path("/usr/include/sasl/sasl.h")]
#: Where Debian installs PostgreSQL's server binaries, one folder per version.
SERVER_BINARIES = "/usr/lib/postgresql/*/bin"
#: Top-level folders of a source tree that the build never uses.
UNUSED = {".git", ".github", ".tx", "debian", "doc"}
STAMP = "built.json"


class OdooMissing(Exception):
    """No usable Odoo 18 or PostgreSQL here; the message says what is missing."""


def say(message):
    print(message, flush=True)


def cache_dir():
    """The cached build's folder, the same for every clone of this user."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "recurring-invoice" / "odoo-18.0"


def os_user():
    return pwd.getpwuid(os.geteuid()).pw_name


# --------------------------------------------------------------------------
# Odoo's source
# --------------------------------------------------------------------------


def addons_path(tree):
    """The addons path of an Odoo source tree.

    Packaged snapshots ship the full add-ons in ``odoo/addons`` (and sometimes an
    older copy in ``addons``); a git checkout has them in ``addons``."""
    tree = Path(tree)
    if (tree / "odoo/addons/account").is_dir():
        return str(tree / "odoo/addons")
    return f"{tree / 'addons'},{tree / 'odoo/addons'}"


def unused_entries(tree):
    """The top-level entries of ``tree`` the build leaves out."""
    unused = set(UNUSED)
    if (Path(tree) / "odoo/addons/account").is_dir():
        unused.add("addons")
    return unused


def source_identity(path):
    """What names a source tree or archive: its place, its version (a tree's
    PKG-INFO or git commit; an archive's size and time) and, for a tree, its
    requirements."""
    path = Path(path).resolve()
    if path.is_file():
        stat = path.stat()
        return {"source": str(path), "version": f"{stat.st_size}:{stat.st_mtime_ns}"}
    version = ""
    if (path / "PKG-INFO").is_file():
        lines = (path / "PKG-INFO").read_text().splitlines()
        version = next((line[9:] for line in lines if line.startswith("Version: ")), "")
    elif (path / ".git").exists():
        version = subprocess.run(
            ["git", "-C", path, "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    requirements = path / "requirements.txt"
    return {
        "source": str(path),
        "version": version,
        "requirements": hashlib.sha256(requirements.read_bytes()).hexdigest()
        if requirements.is_file()
        else "",
    }


def requirements_hash(src):
    """Odoo's requirements as this build installs them."""
    recipe = [*BUILD_CONSTRAINTS, *EXTRA_REQUIREMENTS, f"ldap={ldap_buildable()}"]
    text = (Path(src) / "requirements.txt").read_text() + "\n".join(recipe)
    return hashlib.sha256(text.encode()).hexdigest()


def ldap_buildable():
    return all(header.is_file() for header in LDAP_HEADERS)


def odoo_tree(folder):
    """The Odoo source tree in ``folder`` (an unpacked archive's top folder)."""
    for candidate in [folder, *sorted(Path(folder).iterdir())]:
        if (candidate / "odoo/release.py").is_file():
            return candidate
    raise OdooMissing(f"no Odoo source tree (odoo/release.py) in {folder}")


def copy_source(source, dest):
    """Put Odoo's source from ``source`` (a tree or an archive) into ``dest``."""
    source = Path(source)
    if source.is_dir():
        tree = odoo_tree(source)
        unused = unused_entries(tree)
        shutil.copytree(
            tree,
            dest,
            symlinks=True,
            ignore=lambda folder, names: unused if Path(folder) == tree else (),
        )
        return
    with tempfile.TemporaryDirectory(dir=dest.parent) as unpacked:
        try:
            unpack(source, Path(unpacked))
        except shutil.ReadError:
            raise OdooMissing(f"{source} is no source tree or archive") from None
        tree = odoo_tree(Path(unpacked))
        for name in unused_entries(tree) & {path.name for path in tree.iterdir()}:
            shutil.rmtree(tree / name)
        tree.rename(dest)


def unpack(archive, folder):
    """Unpack ``archive`` into ``folder``, refusing members that would land
    outside it (tarfile's "data" filter; checked by hand where Python is older
    than 3.11.4, e.g. Debian 12's 3.11.2, whose unpack_archive has no filter)."""
    try:
        shutil.unpack_archive(archive, folder, filter="data")
        return
    except TypeError:
        pass
    if tarfile.is_tarfile(archive):
        root = folder.resolve()
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                target = (root / member.name).resolve()
                link = (target.parent / member.linkname).resolve()
                outside = not target.is_relative_to(root) or (
                    (member.issym() or member.islnk()) and not link.is_relative_to(root)
                )
                if outside or member.isdev():
                    raise OdooMissing(f"{archive}: unsafe member {member.name}")
    shutil.unpack_archive(archive, folder)


def download_archive(cache):
    """The official Odoo 18.0 source archive, downloaded into the cache."""
    archive = cache / Path(ARCHIVE_URL).name
    partial = archive.with_name(archive.name + ".part")
    try:
        with urllib.request.urlopen(ARCHIVE_URL, timeout=DOWNLOAD_TIMEOUT) as answer:
            say(f"Odoo 18: downloading {ARCHIVE_URL}")
            with open(partial, "wb") as out:
                shutil.copyfileobj(answer, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise OdooMissing(
            f"ODOO_SRC is unset and {ARCHIVE_URL} cannot be downloaded ({reason}); "
            "set ODOO_SRC=<an Odoo 18 source tree or archive>"
        ) from None
    partial.rename(archive)
    return archive


# --------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------


@contextlib.contextmanager
def locked(cache):
    """Hold the cache's lock: one build (or cluster start) at a time."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def read_stamp(cache):
    """What the cache holds, or None when it holds no finished build."""
    needed = ["src/requirements.txt", "venv/bin/odoo", "odoo.conf"]
    if not all((cache / path).is_file() for path in needed):
        return None
    try:
        return json.loads((cache / STAMP).read_text())
    except (OSError, ValueError):
        return None


def cached_odoo():
    """The command and configuration of the cached build, built when needed.

    ODOO_SRC (a source tree or archive) names the source; without it, the cache
    keeps what it holds, or downloads the official archive when empty."""
    cache = cache_dir()
    odoo_src = os.environ.get("ODOO_SRC")
    if odoo_src and not Path(odoo_src).exists():
        raise OdooMissing(f"ODOO_SRC={odoo_src} does not exist")
    with locked(cache):
        stamp = read_stamp(cache)
        # without ODOO_SRC, the source the cache holds (if any) will do
        wanted = source_identity(odoo_src) if odoo_src else stamp and stamp["source"]
        if not stamp or stamp["source"] != wanted:
            wanted = fetch_source(odoo_src, cache)
        build = {
            "recipe": RECIPE,
            "source": wanted,
            "requirements": requirements_hash(cache / "src"),
        }
        if build != stamp:
            (cache / STAMP).unlink(missing_ok=True)
            build_venv(cache)
            write_config(cache)
            (cache / STAMP).write_text(json.dumps(build, indent=1) + "\n")
    return cache / "venv/bin/odoo", cache / "odoo.conf"


def fetch_source(odoo_src, cache):
    """Odoo's source into ``cache/src``, from ODOO_SRC or else the official
    archive; returns what names it."""
    (cache / STAMP).unlink(missing_ok=True)
    shutil.rmtree(cache / "src", ignore_errors=True)
    if odoo_src:
        say(f"Odoo 18: copying the source from {odoo_src} into {cache / 'src'}")
        copy_source(odoo_src, cache / "src")
        return source_identity(odoo_src)
    archive = download_archive(cache)
    try:
        say(f"Odoo 18: unpacking the source into {cache / 'src'}")
        copy_source(archive, cache / "src")
    finally:
        archive.unlink()
    return {"source": ARCHIVE_URL, "version": source_identity(cache / "src")["version"]}


def build_venv(cache):
    """A fresh virtual environment with Odoo's requirements and the ``odoo``
    command (an editable install of ``src``); its output goes to build.log."""
    venv, log = cache / "venv", cache / "build.log"
    say(f"Odoo 18: building its Python environment in {venv} (log: {log})")
    shutil.rmtree(venv, ignore_errors=True)
    constraints = cache / "build-constraints.txt"
    constraints.write_text("\n".join(BUILD_CONSTRAINTS) + "\n")
    requirements = (cache / "src/requirements.txt").read_text().splitlines()
    if not ldap_buildable():
        say(
            "Odoo 18: python-ldap left out (no ldap.h/sasl.h; "
            "apt-get install libldap2-dev libsasl2-dev adds it)"
        )
        requirements = [line for line in requirements if "python-ldap" not in line]
    (cache / "requirements.txt").write_text("\n".join(requirements) + "\n")
    pip = [venv / "bin/python", "-m", "pip", "install", "--disable-pip-version-check"]
    env = {**os.environ, "PIP_BUILD_CONSTRAINT": str(constraints)}
    steps = [
        [sys.executable, "-m", "venv", venv],
        [*pip, "--upgrade", "pip>=25.3"],
        [*pip, "-r", cache / "requirements.txt", *EXTRA_REQUIREMENTS],
        [*pip, "--no-deps", "-e", cache / "src"]
        + ["--config-settings", "editable_mode=compat"],
        [venv / "bin/odoo", "--version"],
    ]
    with open(log, "w") as out:
        for step in steps:
            out.write("$ " + " ".join(map(str, step)) + "\n")
            out.flush()
            done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, env=env)
            if done.returncode:
                raise OdooMissing(f"the build failed (see {log}, then rerun)")


def write_config(cache):
    config = configparser.ConfigParser(interpolation=None)
    config["options"] = {
        "addons_path": addons_path(cache / "src"),
        "data_dir": str(cache / "data"),
        "db_user": os_user(),
    }
    with open(cache / "odoo.conf", "w") as out:
        config.write(out)


# --------------------------------------------------------------------------
# The private PostgreSQL cluster
# --------------------------------------------------------------------------


class Cluster:
    """A private PostgreSQL cluster for the cached build, for when no server
    answers: its own data folder, a socket folder and no TCP port. Its superuser
    role is the current user's, trusted on a socket only its owner (and root)
    can open.

    PostgreSQL refuses to run as root, and root's home is closed to other users:
    for root the cluster is run by the ``postgres`` OS user in its own home
    (``~postgres/recurring-invoice``); for anyone else it lives in the cache
    (``postgres/``)."""

    def __init__(self, cache):
        if os.geteuid() == 0:
            try:
                home = Path(pwd.getpwnam("postgres").pw_dir)
            except KeyError:
                raise OdooMissing(
                    "PostgreSQL (no server answers, and none is installed to start "
                    "a private one: apt-get install postgresql)"
                ) from None
            self.owner, self.folder = "postgres", home / "recurring-invoice"
        else:
            self.owner, self.folder = None, cache / "postgres"
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "run"

    def bin(self, program):
        """A server binary, of the version the data folder was made with."""
        version = self.data / "PG_VERSION"
        pattern = SERVER_BINARIES.replace(
            "*", version.read_text().strip() if version.is_file() else "*"
        )
        folders = sorted(glob.glob(pattern), key=lambda f: float(Path(f).parent.name))
        if not folders:
            raise OdooMissing(
                "PostgreSQL (no server answers, and none is installed to start "
                "a private one: apt-get install postgresql)"
            )
        return str(Path(folders[-1]) / program)

    def run(self, *cmd):
        if self.owner:
            cmd = ("runuser", "-u", self.owner, "--", *cmd)
        return subprocess.run(cmd, cwd="/", capture_output=True, text=True)

    def running(self):
        if not (self.data / "PG_VERSION").is_file():
            return False
        ready = self.run(self.bin("pg_isready"), "-q", "-h", self.socket_dir)
        return ready.returncode == 0

    def start(self):
        pg_ctl = self.bin("pg_ctl")
        self.run("mkdir", "-p", "-m", "700", self.folder, self.socket_dir)
        if not (self.data / "PG_VERSION").is_file():
            made = self.run(
                self.bin("initdb"), "-D", self.data, "-U", os_user(),
                "--auth=trust", "--encoding=UTF8", "--no-locale",
            )  # fmt: skip
            self.check(made, "initdb")
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write(
                    "# recurring_invoice: a private cluster, socket only\n"
                    "listen_addresses = ''\n"
                    f"unix_socket_directories = '{self.socket_dir}'\n"
                    "unix_socket_permissions = 0700\n"
                )
        log = self.folder / "postgres.log"
        started = self.run(pg_ctl, "-D", self.data, "-l", log, "-w", "start")
        self.check(started, f"pg_ctl start (see {log})")

    def stop(self):
        self.check(
            self.run(self.bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"),
            "pg_ctl stop",
        )

    def check(self, done, what):
        if done.returncode:
            lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
            raise OdooMissing(
                f"PostgreSQL (the private cluster in {self.folder}: {what} failed: "
                f"{lines[-1]})"
            )
