"""Each add-on's README.rst and static/description/index.html are what
`make readme` (scripts/gen_readme.py) makes from its readme/ fragments and its
manifest: a fragment or a manifest changed without `make readme` fails here."""

import pytest

from scripts import gen_readme


@pytest.mark.parametrize("addon", gen_readme.ADDONS)
def test_readme_is_generated_from_the_fragments(addon):
    for path, text in gen_readme.generated(gen_readme.ROOT / addon).items():
        assert path.exists(), f"{path} missing: run make readme"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(gen_readme.ROOT)} is not what the fragments make: "
            "run make readme"
        )


@pytest.mark.parametrize("addon", gen_readme.ADDONS)
def test_readme_has_oca_sections_in_order(addon):
    readme = gen_readme.render_readme(gen_readme.ROOT / addon)
    sections = ["Configuration", "Changelog", "Bug Tracker", "Credits"]
    sections += ["Authors", "Contributors", "Maintainers"]
    if addon == "recurring_invoice":
        sections.insert(1, "Usage")
    places = [readme.index(f"\n{title}\n") for title in sections]
    assert places == sorted(places)
    assert readme.index("**Table of contents**") < places[0]
    assert "!! source digest: sha256:" in readme


def test_a_changed_fragment_makes_the_readme_stale(tmp_path):
    addon = tmp_path / "recurring_invoice"
    source = gen_readme.ROOT / "recurring_invoice"
    (addon / "readme").mkdir(parents=True)
    (addon / "__manifest__.py").write_bytes((source / "__manifest__.py").read_bytes())
    for fragment in (source / "readme").iterdir():
        (addon / "readme" / fragment.name).write_bytes(fragment.read_bytes())
    before = gen_readme.render_readme(addon)
    assert before == (source / "README.rst").read_text(encoding="utf-8")
    history = addon / "readme" / "HISTORY.md"
    history.write_text("## 18.0.9.9.9 (2027-01-01)\n\n- [FIX] Something.\n")
    after = gen_readme.render_readme(addon)
    assert after != before
    assert "18.0.9.9.9 (2027-01-01)\n-----------------------" in after
    assert "[FIX] Something." in after


def test_images_are_pointed_at_the_repository():
    addon = gen_readme.ROOT / "recurring_invoice"
    raw = "https://raw.githubusercontent.com/org/repo/18.0/recurring_invoice/"
    assert gen_readme.image_url(addon, "../static/description/icon.png", raw) == (
        raw + "static/description/icon.png"
    )
    assert gen_readme.image_url(addon, "../../docs/screenshots/a.png", raw) == (
        "https://raw.githubusercontent.com/org/repo/18.0/docs/screenshots/a.png"
    )


def test_an_image_of_a_fragment_is_pointed_at_the_repository(tmp_path):
    addon = tmp_path / "recurring_invoice"
    (addon / "readme").mkdir(parents=True)
    (addon / "readme" / "USAGE.md").write_text(
        "Text.\n\n![The panel](../../docs/screenshots/a.png)\n"
    )
    raw = "https://raw.githubusercontent.com/org/repo/18.0/recurring_invoice/"
    rst = gen_readme.fragment_rst(addon, "USAGE", 2, raw)
    assert "image:: https://raw.githubusercontent.com/org/repo/18.0/docs/" in rst
    assert "../" not in rst
