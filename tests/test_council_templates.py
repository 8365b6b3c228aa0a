"""A council's own layout: HTML templates and stylesheets in its profile's template folder
reach the PDF; ``default:<name>`` reaches the built-in template; files stay in the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from doctool.api import render_bytes
from doctool.errors import ConfigError
from doctool.paths import ASSETS, docx_template, template_folder
from doctool.profiles import load_profile
from doctool.render.templating import html_env

from conftest import dump_json
from render_helpers import contains, pdftotext

LAYOUT_MARKER = "Testshire layout: call us on 01234 567890"
STYLE_MARKER = "Testshire letter style"

PLAN_OVERRIDE = """{% extends "default:plan.html.j2" %}
{% block heading %}{{ super() }}<p class="testshire">Testshire layout: call us on 01234 567890</p>{% endblock %}
"""


@pytest.fixture
def council(tmp_path: Path) -> Path:
    """A council profile folder: the profile, and a template folder with a plan layout
    that extends the built-in one and a letter stylesheet that adds a line of text."""
    folder = tmp_path / "testshire"
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "plan.html.j2").write_text(PLAN_OVERRIDE, encoding="utf-8")
    letter_css = (ASSETS / "css" / "letter.css").read_text(encoding="utf-8")
    (folder / "templates" / "letter.css").write_text(
        letter_css + f'\nmain::after {{ content: "{STYLE_MARKER}"; display: block; }}\n', encoding="utf-8"
    )
    profile = folder / "testshire.toml"
    profile.write_text('name = "testshire"\nextends = "england"\n[templates]\nfolder = "templates"\n', encoding="utf-8")
    return profile


def _text(files, document: str) -> str:
    pdf = next(f for f in files if f.document == document and f.format == "pdf")
    return pdftotext(pdf.content)


def test_council_html_template_and_stylesheet_reach_the_pdf(council, complete_plan):
    _, files = render_bytes(dump_json(complete_plan), ["plan", "charging-letter"], ["pdf"], profile=str(council))
    plan, letter = _text(files, "plan"), _text(files, "charging-letter")
    assert contains(plan, LAYOUT_MARKER, loose=True)
    assert contains(plan, "My needs", loose=True)  # the rest of the built-in plan is still there
    assert contains(letter, STYLE_MARKER, loose=True)
    assert not contains(plan, STYLE_MARKER, loose=True)  # letter.css is the letter's only
    manifest = {f.document: f.template for f in files}
    assert manifest == {"plan": "plan.html.j2", "charging-letter": "templates/html/charging-letter.html.j2"}

    _, files = render_bytes(dump_json(complete_plan), ["plan", "charging-letter"], ["pdf"], profile="england")
    assert not contains(_text(files, "plan"), LAYOUT_MARKER, loose=True)
    assert not contains(_text(files, "charging-letter"), STYLE_MARKER, loose=True)


def test_environment_per_template_folder(council):
    profile = load_profile(str(council))
    assert html_env(profile) is html_env(profile)
    assert html_env(profile) is not html_env()
    assert html_env(load_profile("england")) is html_env()  # no folder: the built-ins
    assert html_env(profile).get_template("plan.html.j2").filename == str(template_folder(profile) / "plan.html.j2")
    assert "templates/html/plan.html.j2" in html_env(profile).get_template("default:plan.html.j2").filename
    assert "templates/html/plan.html.j2" in html_env().get_template("plan.html.j2").filename


def test_a_template_symlinked_out_of_the_folder_is_refused(council, tmp_path, complete_plan):
    outside = tmp_path / "outside.html.j2"
    outside.write_text("{{ 7 * 6 }}", encoding="utf-8")
    (council.parent / "templates" / "charging-letter.html.j2").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"charging-letter\.html\.j2 leads outside"):
        load_profile(str(council))
    # added after the profile was loaded: refused when used
    (council.parent / "templates" / "charging-letter.html.j2").unlink()
    profile = load_profile(str(council))
    (council.parent / "templates" / "charging-letter.html.j2").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"charging-letter\.html\.j2 in the council's template folder .* leads outside it"):
        html_env(profile).get_template("charging-letter.html.j2")
    with pytest.raises(ConfigError, match="leads outside"):
        render_bytes(dump_json(complete_plan), ["charging-letter"], ["pdf"], profile=str(council))


def test_a_jinja_path_out_of_the_folder_is_not_found(council):
    from jinja2 import TemplateNotFound

    with pytest.raises(TemplateNotFound):
        html_env(load_profile(str(council))).get_template("../testshire.toml")


def test_docx_template_per_document(tmp_path):
    (tmp_path / "letter.docx").write_bytes(b"PK")
    path = tmp_path / "testshire.toml"
    path.write_text('extends = "england"\n[templates.docx]\n"charging-letter" = "letter.docx"\n', encoding="utf-8")
    profile = load_profile(str(path))
    assert docx_template(profile, "charging-letter") == (tmp_path / "letter.docx").resolve()
    assert docx_template(profile, "plan").name == "plan.docx"
    assert docx_template(profile, "plan").parent.name == "docx"
    with pytest.raises(ConfigError, match="no document 'charging_letter'"):
        docx_template(profile, "charging_letter")


def test_council_stylesheets_replace_the_built_in_ones_of_the_same_name(council):
    from doctool.render.laid_out import STYLESHEET, stylesheet_path
    from doctool.render.pdf import AssetFetcher
    from doctool.render.urls import council_url, file_url

    folder = template_folder(load_profile(str(council)))
    (folder / "easyread.css").write_text("body { color: #000; }", encoding="utf-8")
    letter = ASSETS / "css" / "letter.css"
    assert stylesheet_path(letter, folder) == (folder / "letter.css").resolve()
    assert stylesheet_path(STYLESHEET, folder) == STYLESHEET  # the council has no document.css
    assert stylesheet_path(letter, None) == letter
    # a stylesheet the HTML links (the easy-read plan links css/easyread.css)
    response = AssetFetcher(folder=folder).fetch(file_url(ASSETS / "css" / "easyread.css"))
    assert response.read() == b"body { color: #000; }"
    assert response.url == council_url("easyread.css")
    assert AssetFetcher().fetch(file_url(ASSETS / "css" / "easyread.css")).read() != b"body { color: #000; }"
