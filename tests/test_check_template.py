"""`doctool check-template`: a council's edited Word shell or HTML template is checked before use.

Exit codes: 0 sound; 1 problems found (each named, with where); 2 not a template at all.
Edited copies are made with python-docx, the way a template editor's change lands in the
file (a paragraph's text replaced, in the body, the header or the footer), or by rewriting
a text node in one of the shell's XML parts.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from render_helpers import PLAN_DOCX, PLAN_HTML, PLANS, REPO, cli, open_docx

SHELLS = sorted((REPO / "templates" / "docx").glob("*.docx"))
ADDRESS = "{{ doc.letterhead.address | join(', ') }}"
FOOTER = "{{ doc.meta.footer }}"


def edited_docx(tmp_path: Path, replacement: str, name: str = "plan-edited.docx", find: str = ADDRESS, part: str = "body") -> Path:
    """A copy of the built-in plan shell with the paragraph that starts with ``find`` (in
    the body, the ``header`` or the ``footer``) given ``replacement`` as its text."""
    document = open_docx(PLAN_DOCX)
    container = {"body": document, "header": document.sections[0].header, "footer": document.sections[0].footer}[part]
    for paragraph in container.paragraphs:
        if paragraph.text.startswith(find):
            paragraph.runs[0].text = replacement
            for run in paragraph.runs[1:]:
                run.text = ""
            break
    else:
        raise AssertionError(f"the built-in shell has no {part} paragraph {find!r}")
    path = tmp_path / name
    document.save(str(path))
    return path


def edited_xml(tmp_path: Path, old: str, new: str, name: str = "plan-xml-edited.docx", member: str = "word/footer1.xml") -> Path:
    """A copy with ``old`` replaced by ``new`` in one XML part (text as stored there)."""
    path = tmp_path / name
    with zipfile.ZipFile(PLAN_DOCX) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                text = data.decode("utf-8")
                assert old in text, old
                data = text.replace(old, new, 1).encode("utf-8")
            dst.writestr(info, data)
    return path


def check(path: Path, *extra: str) -> tuple[int, str, str]:
    code, out, err = cli(["check-template", path, *extra])
    assert "Traceback" not in out + err
    assert "internal error" not in out + err
    return code, out, err


# --- the built-in shells and templates are sound ------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS, ids=lambda p: p.name)
def test_builtin_word_shells_pass(shell):
    code, out, err = check(shell)
    assert code == 0, out + err
    assert "no problems" in out


@pytest.mark.skipif(not PLANS, reason="the trial render needs the samples in samples/plans")
def test_builtin_html_template_passes():
    code, out, err = check(PLAN_HTML)
    assert code == 0, out + err
    assert "no problems" in out


def test_an_untouched_copy_passes(tmp_path):
    copy = tmp_path / "my-council-plan.docx"
    shutil.copy(PLAN_DOCX, copy)
    code, out, _err = check(copy, "--document", "plan")
    assert code == 0 and "no problems" in out


def test_a_harmless_wording_edit_passes(tmp_path):
    path = edited_docx(tmp_path, "Our office: " + ADDRESS)
    code, out, _err = check(path)
    assert code == 0, out


def test_a_footer_using_other_document_names_passes(tmp_path):
    path = edited_docx(tmp_path, "{{ doc.meta.person }}, {{ doc.meta.full_title }} ({{ doc.letterhead.website }})", find=FOOTER, part="footer")
    code, out, _err = check(path)
    assert code == 0, out


# --- mistakes a template editor makes ---------------------------------------------------------


def test_a_shell_without_the_body_paragraph_is_named(tmp_path):
    path = edited_docx(tmp_path, "The plan goes here", find="{{ body }}")
    code, out, _err = check(path)
    assert code == 1
    assert "{{ body }}" in out


def test_the_body_paragraph_must_hold_nothing_else(tmp_path):
    path = edited_docx(tmp_path, "Here it is: {{ body }}", find="{{ body }}")
    code, out, _err = check(path)
    assert code == 1
    assert "{{ body }}" in out and "Here it is" in out


def test_two_body_paragraphs_are_named(tmp_path):
    path = edited_docx(tmp_path, "{{ body }}", find=ADDRESS)
    code, out, _err = check(path)
    assert code == 1
    assert "2 paragraphs" in out


def test_misspelt_field_in_the_footer_is_named(tmp_path):
    path = edited_docx(tmp_path, "{{ doc.meta.refrence }}", find=FOOTER, part="footer")
    code, out, _err = check(path)
    assert code == 1
    assert "footer" in out
    assert "refrence" in out
    assert "reference" in out  # the names the document does have
    assert re.search(r"\d+ problem", out)


def test_misspelt_field_edited_in_the_xml_is_named(tmp_path):
    path = edited_xml(tmp_path, "{{ doc.meta.reference }}", "{{ doc.meta.nmae }}", member="word/header1.xml")
    code, out, _err = check(path)
    assert code == 1
    assert "nmae" in out and "header" in out


def test_misspelt_field_in_a_branch_is_named(tmp_path):
    """Only the trial Document with a logo takes this branch."""
    path = edited_docx(tmp_path, "{% if doc.letterhead.logo %}{{ doc.letterhead.logo.altt }}{% endif %}")
    code, out, _err = check(path)
    assert code == 1
    assert "altt" in out


def test_unknown_variable_is_named(tmp_path):
    path = edited_docx(tmp_path, "{{ unknown_thing }}")
    code, out, _err = check(path)
    assert code == 1
    assert "'unknown_thing'" in out


def test_old_view_names_are_named(tmp_path):
    """A template written for the view models (``person.name``) is told what it has instead."""
    path = edited_docx(tmp_path, "{{ person.name }}", find=FOOTER, part="footer")
    code, out, _err = check(path)
    assert code == 1
    assert "'person'" in out and "doc" in out


def test_unclosed_if_is_a_syntax_error_with_a_location(tmp_path):
    path = edited_docx(tmp_path, "{% if doc.meta.person %}Hello")
    code, out, _err = check(path)
    assert code == 1
    assert "syntax error" in out
    assert "near" in out  # the words around the mistake, so the editor can find it
    assert "endif" in out  # what Jinja was looking for


def test_misspelt_tag_is_a_syntax_error_with_a_location(tmp_path):
    path = edited_docx(tmp_path, "{% iff doc.meta.person %}Hello{% endif %}", find=FOOTER, part="footer")
    code, out, _err = check(path)
    assert code == 1
    assert "syntax error" in out
    assert "near" in out and "iff" in out and "footer" in out


def test_unclosed_variable_is_a_syntax_error(tmp_path):
    path = edited_docx(tmp_path, "{{ doc.meta.person ")
    code, out, _err = check(path)
    assert code == 1
    assert "syntax error" in out


def test_a_missing_heading_style_is_named(tmp_path):
    from docx.oxml.ns import qn

    document = open_docx(PLAN_DOCX)
    for style in list(document.styles.element.iter(qn("w:style"))):
        if style.get(qn("w:styleId")) == "Heading1":
            style.getparent().remove(style)
    path = tmp_path / "no-heading.docx"
    document.save(str(path))
    code, out, _err = check(path)
    assert code == 1
    assert "'Heading 1'" in out


@pytest.mark.skipif(not PLANS, reason="the trial render needs the samples in samples/plans")
def test_error_in_an_edited_html_template_is_named(tmp_path):
    """A council's own plan template (extending doctool's) with a misspelt field."""
    text = '{% extends "default:plan.html.j2" %}{% block heading %}<h1>{{ doc.meta.nmae }}</h1>{% endblock %}'
    assert "{% extends" in PLAN_HTML.read_text(encoding="utf-8")
    path = tmp_path / "plan-council.html.j2"
    path.write_text(text, encoding="utf-8")
    code, out, _err = check(path, "--document", "plan")
    assert code == 1
    assert "nmae" in out


@pytest.mark.skipif(not PLANS, reason="the trial render needs the samples in samples/plans")
def test_syntax_error_in_an_html_template(tmp_path):
    text = '{% extends "_base.html.j2" %}{% block heading %}<h1>{{ doc.meta.h1 }}</h1>'  # no endblock
    path = tmp_path / "plan-council.html.j2"
    path.write_text(text, encoding="utf-8")
    code, out, _err = check(path, "--document", "plan")
    assert code == 1
    assert "syntax error" in out


# --- not a template at all --------------------------------------------------------------------


def test_missing_file_exits_2(tmp_path):
    code, _out, err = check(tmp_path / "nowhere.docx")
    assert code == 2
    assert "no such file" in err


def test_text_file_named_docx_exits_2_with_a_clear_message(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_text("This is not a Word file.\n", encoding="utf-8")
    code, _out, err = check(path)
    assert code == 2
    assert "not a Word .docx file" in err


def test_zip_that_is_not_a_word_file_exits_2(tmp_path):
    path = tmp_path / "plan.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a Word document")
    code, out, err = check(path)
    assert code == 2, out + err
    assert "not a Word .docx file" in err


def test_picture_exits_2_with_a_clear_message(tmp_path):
    path = tmp_path / "logo.png"
    path.write_bytes((PLAN_DOCX.parent.parent.parent / "assets" / "img" / "eastbrook-logo.png").read_bytes())
    code, _out, err = check(path)
    assert code == 2
    assert "logo.png" in err
