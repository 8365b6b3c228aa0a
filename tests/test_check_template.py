"""`doctool check-template`: a council's edited Word or HTML template is checked before use.

Exit codes: 0 sound; 1 problems found (each named, with where); 2 not a template at all.
Edited copies are made with python-docx, the way a template editor's change lands in the
file (a paragraph's text replaced), or by rewriting a text node in word/document.xml.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from render_helpers import PLAN_DOCX, PLAN_HTML, PLANS, cli, open_docx

pytestmark = pytest.mark.skipif(not PLANS, reason="the trial render needs the samples in samples/plans")


def edited_docx(tmp_path: Path, replacement: str, name: str = "plan-edited.docx", find: str = "{{ intro }}") -> Path:
    """A copy of the built-in Word template with the paragraph ``find`` replaced."""
    document = open_docx(PLAN_DOCX)
    for paragraph in document.paragraphs:
        if paragraph.text == find:
            paragraph.runs[0].text = replacement
            for run in paragraph.runs[1:]:
                run.text = ""
            break
    else:
        raise AssertionError(f"the built-in template has no paragraph {find!r}")
    path = tmp_path / name
    document.save(str(path))
    return path


def edited_xml(tmp_path: Path, old: str, new: str, name: str = "plan-xml-edited.docx") -> Path:
    """A copy with ``old`` replaced by ``new`` in word/document.xml (text as stored there)."""
    path = tmp_path / name
    with zipfile.ZipFile(PLAN_DOCX) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
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


# --- the built-in templates are sound --------------------------------------------------------


def test_builtin_word_template_passes():
    code, out, err = check(PLAN_DOCX)
    assert code == 0, out + err
    assert "no problems" in out


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
    path = edited_docx(tmp_path, "Please read this plan. {{ intro }}")
    code, out, _err = check(path)
    assert code == 0, out


# --- mistakes a template editor makes ---------------------------------------------------------


def test_misspelt_field_is_named(tmp_path):
    path = edited_docx(tmp_path, "Hello {{ person.nmae }}")
    code, out, _err = check(path)
    assert code == 1
    assert "nmae" in out
    assert re.search(r"\d+ problem", out)


def test_misspelt_field_edited_in_the_xml_is_named(tmp_path):
    path = edited_xml(tmp_path, "{{ person.name }}", "{{ person.nmae }}")
    code, out, _err = check(path)
    assert code == 1
    assert "nmae" in out


def test_unknown_variable_is_named(tmp_path):
    path = edited_docx(tmp_path, "{{ unknown_thing }}")
    code, out, _err = check(path)
    assert code == 1
    assert "'unknown_thing'" in out


def test_unclosed_if_is_a_syntax_error_with_a_location(tmp_path):
    path = edited_docx(tmp_path, "{% if person.name %}Hello")
    code, out, _err = check(path)
    assert code == 1
    assert "syntax error" in out
    assert "near" in out  # the words around the mistake, so the editor can find it
    assert "endif" in out  # what Jinja was looking for


def test_misspelt_tag_is_a_syntax_error_with_a_location(tmp_path):
    path = edited_docx(tmp_path, "{% iff person.name %}Hello{% endif %}")
    code, out, _err = check(path)
    assert code == 1
    assert "syntax error" in out
    assert "near" in out and "iff" in out


def test_unclosed_variable_is_a_syntax_error(tmp_path):
    path = edited_docx(tmp_path, "{{ person.name ")
    code, out, _err = check(path)
    assert code == 1
    assert "syntax error" in out


def test_error_in_an_edited_html_template_is_named(tmp_path):
    """A council's copy of the HTML template (it still extends doctool's own base)."""
    text = PLAN_HTML.read_text(encoding="utf-8").replace("{{ intro }}", "{{ person.nmae }}", 1)
    path = tmp_path / "plan-council.html.j2"
    path.write_text(text, encoding="utf-8")
    code, out, _err = check(path, "--document", "plan")
    assert code == 1
    assert "nmae" in out


def test_syntax_error_in_an_html_template(tmp_path):
    text = PLAN_HTML.read_text(encoding="utf-8").replace("{% endblock %}", "", 1)
    path = tmp_path / "plan-council.html.j2"
    path.write_text(text, encoding="utf-8")
    code, out, _err = check(path, "--document", "plan")
    assert code == 1
    assert "syntax error" in out


# --- not a template at all --------------------------------------------------------------------


def test_missing_file_exits_2(tmp_path):
    code, out, err = check(tmp_path / "nowhere.docx")
    assert code == 2
    assert "no such file" in err


def test_text_file_named_docx_exits_2_with_a_clear_message(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_text("This is not a Word file.\n", encoding="utf-8")
    code, out, err = check(path)
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
    code, out, err = check(path)
    assert code == 2
    assert "logo.png" in err
