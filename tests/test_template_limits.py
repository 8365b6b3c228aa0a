"""A council's templates cannot hurt a resident or a batch: a Word shell that links outside
itself or holds macros is refused; an HTML template that includes a file, asks for a huge
range or loops without end is stopped with a clear error (exit 2, nothing written); and a
batch finds a bad template once, before the first letter."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from doctool.render import limits

from conftest import COMPLETE_SAMPLE, REPO
from render_helpers import cli

PLAN_SHELL = REPO / "templates" / "docx" / "plan.docx"
EXTERNAL = (
    '<Relationship Id="rIdOut" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
    'Target="https://council.example/{target}" TargetMode="External"/></Relationships>'
)


def _shell(tmp_path: Path, name: str, kind: str | None = None, macros: bool = False) -> Path:
    """The built-in plan shell with an external relationship of ``kind`` added, or macros."""
    out = tmp_path / name
    with zipfile.ZipFile(PLAN_SHELL) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if kind and item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", EXTERNAL.format(kind=kind, target="x").encode())
            dst.writestr(item, data)
        if macros:
            dst.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a macro project")
    return out


@pytest.mark.parametrize(
    ("kind", "macros", "said"),
    [("attachedTemplate", False, "attachedTemplate"), ("image", False, "(image)"), (None, True, "holds macros")],
)
def test_a_shell_that_reaches_outside_itself_is_refused(tmp_path: Path, kind: str | None, macros: bool, said: str) -> None:
    shell = _shell(tmp_path, "council-plan.docx", kind, macros)
    code, out, err = cli(["check-template", shell, "--document", "plan"])
    assert code == 1 and said in out and "Traceback" not in out + err
    profile = tmp_path / "council.toml"
    profile.write_text('extends = "england"\n[templates.docx]\nplan = "council-plan.docx"\n', encoding="utf-8")
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "--format", "docx", "-o", tmp_path / "x.docx", "--profile", profile])
    assert code == 2 and said in err and not (tmp_path / "x.docx").exists()


def test_a_hyperlink_in_a_shell_is_allowed(tmp_path: Path) -> None:
    shell = _shell(tmp_path, "council-plan.docx", "hyperlink")
    code, out, _err = cli(["check-template", shell, "--document", "plan"])
    assert code == 0, out


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('{% include "/etc/passwd" %}', "TemplateNotFound"),
        ('{% import "../../secrets.html" as s %}', "TemplateNotFound"),
        ("{% for i in range(10000000) %}{{ i }}{% endfor %}", "Range too big"),
        ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "took longer than 1 s"),
    ],
)
def test_an_html_template_cannot_reach_files_or_run_for_ever(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, said: str) -> None:
    monkeypatch.setattr(limits, "TEMPLATE_SECONDS", 1.0)
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "plan.html.j2"
    template.write_text('{% extends "default:plan.html.j2" %}{% block heading %}' + body + "{% endblock %}", encoding="utf-8")
    profile = tmp_path / "council.toml"
    profile.write_text('extends = "england"\n[templates]\nfolder = "templates"\n', encoding="utf-8")
    target = tmp_path / "plan.pdf"
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "--format", "pdf", "-o", target, "--profile", profile])
    assert code == 2 and said in err and "internal error" not in err and not target.exists()
    code, out, err = cli(["check-template", template, "--document", "plan"])
    assert code == 1 and "Traceback" not in out + err and "internal error" not in out + err


def test_a_batch_finds_a_bad_council_template_once_before_any_letter(tmp_path: Path) -> None:
    _shell(tmp_path, "council-letter.docx", "attachedTemplate")
    profile = tmp_path / "council.toml"
    profile.write_text('extends = "england"\n[templates.docx]\n"charging-letter" = "council-letter.docx"\n', encoding="utf-8")
    outdir = tmp_path / "out"
    code, _out, err = cli(["batch", REPO / "samples" / "letters" / "bulk-april-2027.jsonl", "--format", "docx", "-o", outdir, "--profile", profile])
    assert code == 2 and err.count("attachedTemplate") == 1
    assert not list((outdir / "letters").glob("*")) if (outdir / "letters").exists() else True


# a million characters a time, a hundred thousand times: 100 GB of output, a chunk at a time
HUNGRY = '{% for i in range(100000) %}{{ "x" * 999999 }}{% endfor %}'


def test_an_html_template_cannot_fill_the_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "TEMPLATE_MB", 100)
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "plan.html.j2"
    template.write_text('{% extends "default:plan.html.j2" %}{% block heading %}' + HUNGRY + "{% endblock %}", encoding="utf-8")
    profile = tmp_path / "council.toml"
    profile.write_text('extends = "england"\n[templates]\nfolder = "templates"\n', encoding="utf-8")
    target = tmp_path / "plan.pdf"
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "--format", "pdf", "-o", target, "--profile", profile])
    assert code == 2 and "needed more than 100 MB of memory and was stopped" in err and not target.exists()
    code, out, err = cli(["check-template", template, "--document", "plan"])
    assert code == 1 and "needed more than 100 MB" in out and "Traceback" not in out + err
    # the limit is lifted afterwards: the same process still renders the built-in plan
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "--format", "pdf", "-o", target])
    assert code == 0 and target.exists()


def test_a_word_shell_cannot_fill_the_memory_or_ask_for_a_huge_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "TEMPLATE_MB", 100)
    cases = (
        (HUNGRY, "needed more than 100 MB of memory"),
        ("{{ range(10000000) | length }}", "Range too big"),
        ('{{ ("x" * 300000000) | length }}', "Repeated text too long"),  # not folded while compiling
        ("{{ ((10 ** 1000) ** 1000) ** 1000 }}", "Power too big"),
    )
    for tag, said in cases:
        shell = tmp_path / "council-plan.docx"
        with zipfile.ZipFile(PLAN_SHELL) as src, zipfile.ZipFile(shell, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "word/document.xml":
                    data = data.replace(b"{{ doc.letterhead.council }}", tag.encode(), 1)
                dst.writestr(item, data)
        code, out, err = cli(["check-template", shell, "--document", "plan"])
        assert code == 1 and said in out and "Traceback" not in out + err, out + err
        profile = tmp_path / "council.toml"
        profile.write_text('extends = "england"\n[templates.docx]\nplan = "council-plan.docx"\n', encoding="utf-8")
        target = tmp_path / "x.docx"
        code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "--format", "docx", "-o", target, "--profile", profile])
        assert code == 2 and said in err and "internal error" not in err and not target.exists()
