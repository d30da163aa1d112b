"""`make readme`: each add-on's README.rst and static/description/index.html,
generated from its readme/ fragments and its manifest, as OCA's
oca-gen-addon-readme (OCA/maintainer-tools, tools/gen_addon_readme.py) makes
them: the title, the badges (maturity, license, repository), DESCRIPTION, a
table of contents, the fragments in OCA's order under OCA's titles, the bug
tracker, the credits (authors, contributors, other credits, maintainers).

The Markdown fragments are converted by pandoc (the pinned pypandoc-binary
ships it) as OCA does, GitHub-flavoured without raw HTML nor automatic
identifiers; index.html is the README rendered by docutils with the settings
OCA takes from PyPI's readme_renderer. The source digest (the manifest and the
fragments) is written into the README as OCA writes it.

    python -m scripts.gen_readme            # write what changed
    python -m scripts.gen_readme --check    # exit 1 naming what is stale
"""

import argparse
import ast
import hashlib
import io
import posixpath
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pypandoc
from docutils.core import publish_string

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("recurring_invoice", "recurring_invoice_queue_job")
BRANCH = "18.0"

#: The fragments in the order OCA's template places them, each with its title
#: and its heading level (2: a section of the README, 3: one of Credits).
#: DESCRIPTION comes first without a title; the bug tracker and the authors
#: are written between HISTORY and CONTRIBUTORS.
SECTIONS = (
    ("CONTEXT", "Use Cases / Context", 2),
    ("INSTALL", "Installation", 2),
    ("CONFIGURE", "Configuration", 2),
    ("USAGE", "Usage", 2),
    ("DEVELOP", "Development", 2),
    ("ROADMAP", "Known issues / Roadmap", 2),
    ("HISTORY", "Changelog", 2),
)
CREDITS = (
    ("CONTRIBUTORS", "Contributors", 3),
    ("CREDITS", "Other credits", 3),
)
FRAGMENTS = ("DESCRIPTION",) + tuple(name for name, _t, _l in SECTIONS + CREDITS)
#: With Markdown fragments, pandoc underlines a second level with "-", so the
#: sections of Credits do too (OCA's level3_underline).
UNDERLINE = {1: "=", 2: "=", 3: "-"}

DEVELOPMENT_STATUS_BADGES = {
    "alpha": ("maturity-Alpha-red", "Alpha"),
    "beta": ("maturity-Beta-yellow", "Beta"),
    "production/stable": ("maturity-Production%2FStable-green", "Production/Stable"),
    "mature": ("maturity-Mature-brightgreen", "Mature"),
}
LICENSE_BADGES = {
    "AGPL-3": "agpl-3.0",
    "GPL-3": "gpl-3.0",
    "LGPL-3": "lgpl-3.0",
}
DEVELOPMENT_STATUS_URL = "https://odoo-community.org/page/development-status"

#: pandoc's GitHub-flavoured Markdown: raw HTML off, and no automatic heading
#: identifiers (pylint-odoo reports them as unreferenced hyperlink targets).
PANDOC_FORMAT = "gfm-raw_html-gfm_auto_identifiers"

#: docutils as OCA's tool runs it (from pypa/readme_renderer): no file
#: inclusion nor raw HTML, halt on warnings, no XML declaration (Odoo warns).
RST2HTML_SETTINGS = {
    "file_insertion_enabled": False,
    "halt_level": 2,
    "math_output": "MathJax",
    "raw_enabled": False,
    "smart_quotes": True,
    "syntax_highlight": "short",
    "xml_declaration": False,
    "output_encoding": "utf-8",
    "report_level": 2,
    "warning_stream": io.StringIO(),
}
#: An image or figure, or the definition of an image substitution (pandoc's
#: for an image inside a paragraph: ``.. |alt| image:: path``).
IMAGE = re.compile(
    r"^(?P<head>.*\.\. (?:\|[^|]+\| )?(?:figure|image)::\s+)(?P<path>\S+)\s*$"
)


def read_manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text())


def org_and_repo(manifest):
    """The GitHub organisation and repository of the manifest's website."""
    parts = urlparse(manifest["website"]).path.strip("/").split("/")
    return parts[0], parts[1]


def source_digest(addon_dir):
    """sha256 of the manifest and the readme/ files, names and contents, as
    OCA's tools/_hash.py computes it."""
    digest = hashlib.sha256()
    files = [addon_dir / "__manifest__.py"]
    files += sorted(
        path
        for path in (addon_dir / "readme").rglob("*")
        if path.is_file() and not any(p.startswith(".") for p in path.parts[-1:])
    )
    for path in files:
        digest.update(str(path.relative_to(addon_dir)).encode())
        digest.update(path.read_bytes())
    return f"sha256:{digest.hexdigest()}"


def fragment_rst(addon_dir, name, level, raw_url):
    """The fragment ``name`` in reStructuredText, or None when absent or
    empty: a .rst as written, a .md converted by pandoc, its headings shifted
    to ``level`` and its relative images pointed at the repository."""
    rst, md = (addon_dir / "readme" / f"{name}{ext}" for ext in (".rst", ".md"))
    if rst.exists() and md.exists():
        raise SystemExit(f"both {rst} and {md}: keep one")
    if rst.exists():
        text = rst.read_text(encoding="utf-8")
    elif md.exists():
        text = md.read_text(encoding="utf-8")
        if not text.strip():
            return None
        text = pypandoc.convert_text(
            text,
            "rst",
            format=PANDOC_FORMAT,
            extra_args=[f"--shift-heading-level-by={level - 2}"],
            sandbox=True,
        )
    else:
        return None
    if not text.strip():
        return None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = IMAGE.match(line)
        if match and not match["path"].startswith("http"):
            lines[index] = match["head"] + image_url(addon_dir, match["path"], raw_url)
    return "\n".join(lines).rstrip("\n") + "\n"


def image_url(addon_dir, path, raw_url):
    """The URL of the image a fragment names by its ``path`` from readme/:
    one of the add-on's under ``raw_url`` (OCA's ../static/description/...),
    one elsewhere in the repository (../../docs/screenshots/...) from the
    repository's root, the folder above ``raw_url``."""
    addon = addon_dir.name
    target = posixpath.normpath(posixpath.join(addon, "readme", path))
    return raw_url.removesuffix(f"{addon}/") + target


def title(text, level):
    return f"{text}\n{UNDERLINE[level] * len(text)}\n"


def badges(manifest, org, repo, addon):
    found = []
    status = manifest.get("development_status", "Beta").lower()
    if status in DEVELOPMENT_STATUS_BADGES:
        badge, alt = DEVELOPMENT_STATUS_BADGES[status]
        found.append(
            (f"https://img.shields.io/badge/{badge}.png", DEVELOPMENT_STATUS_URL, alt)
        )
    license_name = manifest.get("license")
    if license_name in LICENSE_BADGES:
        found.append(
            (
                "https://img.shields.io/badge/license-"
                f"{license_name.replace('-', '--')}-blue.png",
                "http://www.gnu.org/licenses/"
                f"{LICENSE_BADGES[license_name]}-standalone.html",
                f"License: {license_name}",
            )
        )
    found.append(
        (
            f"https://img.shields.io/badge/github-{org.replace('-', '--')}"
            f"%2F{repo.replace('-', '--')}-lightgray.png?logo=github",
            f"https://github.com/{org}/{repo}/tree/{BRANCH}/{addon}",
            f"{org}/{repo}",
        )
    )
    return found


def render_readme(addon_dir, digest=None):
    """The README.rst of the add-on in ``addon_dir``, as text."""
    addon = addon_dir.name
    manifest = read_manifest(addon_dir)
    org, repo = org_and_repo(manifest)
    raw_url = f"https://raw.githubusercontent.com/{org}/{repo}/{BRANCH}/{addon}/"
    fragments = {}
    levels = {name: level for name, _title, level in SECTIONS + CREDITS}
    for name in FRAGMENTS:
        text = fragment_rst(addon_dir, name, levels.get(name, 2), raw_url)
        if text:
            fragments[name] = text
    name = manifest["name"]
    blocks = [
        f"{'=' * len(name)}\n{name}\n{'=' * len(name)}\n",
        "..\n"
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        "   !! This file is generated by `make readme`        !!\n"
        "   !! (scripts/gen_readme.py) from readme/ and the   !!\n"
        "   !! manifest: changes will be overwritten.         !!\n"
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        f"   !! source digest: {digest or source_digest(addon_dir)}\n"
        "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
    ]
    found = badges(manifest, org, repo, addon)
    blocks.append(
        "".join(
            f".. |badge{index}| image:: {image}\n"
            f"    :target: {target}\n"
            f"    :alt: {alt}\n"
            for index, (image, target, alt) in enumerate(found, 1)
        )
    )
    blocks.append(" ".join(f"|badge{index}|" for index in range(1, len(found) + 1)))
    blocks.append(fragments.get("DESCRIPTION", "").rstrip("\n"))
    if manifest.get("development_status", "Beta").lower() == "alpha":
        blocks.append(
            ".. IMPORTANT::\n"
            "   This is an alpha version, the data model and design can change at"
            " any time without warning.\n"
            "   Only for development or testing purpose, do not use in production.\n"
            f"   `More details on development status <{DEVELOPMENT_STATUS_URL}>`_"
        )
    blocks.append("**Table of contents**")
    blocks.append(".. contents::\n   :local:")
    for fragment, heading, level in SECTIONS:
        if fragment in fragments:
            blocks.append(title(heading, level) + "\n" + fragments[fragment])
    issues = f"https://github.com/{org}/{repo}/issues"
    body = (
        f"module:%20{addon}%0Aversion:%20{BRANCH}%0A%0A**Steps%20to%20reproduce**"
        "%0A-%20...%0A%0A**Current%20behavior**%0A%0A**Expected%20behavior**"
    )
    blocks.append(
        title("Bug Tracker", 1) + "\n"
        f"Bugs are tracked on `GitHub Issues <{issues}>`_.\n"
        "In case of trouble, please check there if your issue has already been "
        "reported.\n"
        "If you spotted it first, help us to smash it by providing a detailed and "
        "welcomed\n"
        f"`feedback <{issues}/new?body={body}>`_.\n"
        "\n"
        "Do not contact contributors directly about support or help with technical "
        "issues."
    )
    blocks.append(title("Credits", 1))
    authors = [a.strip() for a in manifest.get("author", "").split(",") if a.strip()]
    if authors:
        blocks.append(title("Authors", 3) + "\n" + "".join(f"* {a}\n" for a in authors))
    for fragment, heading, level in CREDITS:
        if fragment in fragments:
            blocks.append(title(heading, level) + "\n" + fragments[fragment])
    maintainers = manifest.get("maintainers") or []
    maintained = title("Maintainers", 3)
    if maintainers:
        maintained += "\n" + "".join(
            f".. |maintainer-{m}| image:: https://github.com/{m}.png?size=40px\n"
            f"    :target: https://github.com/{m}\n"
            f"    :alt: {m}\n"
            for m in maintainers
        )
        plural = "s" if len(maintainers) > 1 else ""
        maintained += f"\nCurrent maintainer{plural}:\n\n"
        maintained += " ".join(f"|maintainer-{m}|" for m in maintainers) + "\n"
    maintained += (
        f"\nThis module is part of the `{org}/{repo} "
        f"<https://github.com/{org}/{repo}/tree/{BRANCH}/{addon}>`_ project on "
        "GitHub.\n\nYou are welcome to contribute."
    )
    blocks.append(maintained)
    return "\n\n".join(block.rstrip("\n") for block in blocks) + "\n"


def render_index(readme_text):
    """static/description/index.html: the README rendered by docutils, its
    version left out of the generator tag (no change with each docutils)."""
    settings = dict(RST2HTML_SETTINGS, warning_stream=io.StringIO())
    html = publish_string(
        readme_text,
        writer_name="html4css1",
        settings_overrides=settings,
    )
    return re.sub(rb"(<meta.*generator.*Docutils)\s*[\d.]+", rb"\1", html).decode()


def generated(addon_dir):
    """{path: text} of what the fragments make for the add-on: README.rst and
    static/description/index.html."""
    readme = render_readme(addon_dir)
    return {
        addon_dir / "README.rst": readme,
        addon_dir / "static" / "description" / "index.html": render_index(readme),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if stale"
    )
    args = parser.parse_args(argv)
    stale = []
    for addon in ADDONS:
        for path, text in generated(ROOT / addon).items():
            if path.exists() and path.read_text(encoding="utf-8") == text:
                continue
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'written'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
