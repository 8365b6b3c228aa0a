"""The command line as a new user meets it: the output's extension picks the format, a clash
or an existing file is refused before anything is made, capitals and near misses get a
"did you mean", and every --help ends with examples and what each exit code means."""

from __future__ import annotations

from pathlib import Path

import pytest

from doctool.cli import build_parser

from conftest import COMPLETE_SAMPLE
from letter_helpers import cli


def test_the_extension_picks_the_format(tmp_path: Path) -> None:
    for name, magic in (("plan.docx", b"PK"), ("plan.pdf", b"%PDF-"), ("plan.txt", None)):
        target = tmp_path / name
        code, out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "-o", target])
        assert code == 0, err
        assert out.strip() == str(target)
        assert target.read_bytes().startswith(magic) if magic else "My care and support plan" in target.read_text(encoding="utf-8")


def test_a_format_that_clashes_with_the_extension_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "x.pdf"
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "--format", "docx", "-o", target])
    assert code == 2 and "x.pdf ends .pdf, but --format docx makes a .docx file" in err
    assert not target.exists()


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "plan.pdf"
    target.write_bytes(b"an earlier plan")
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "-o", target])
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_bytes() == b"an earlier plan"
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--document", "plan", "-o", target, "--force"])
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF-")


def test_a_set_is_not_written_over_an_earlier_set_unless_forced(tmp_path: Path) -> None:
    outdir = tmp_path / "set"
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--all", "-o", outdir])
    assert code == 0, err
    before = {p.name: p.stat().st_mtime_ns for p in outdir.iterdir()}
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--all", "-o", outdir])
    assert code == 2 and "manifest.json already exists" in err
    assert {p.name: p.stat().st_mtime_ns for p in outdir.iterdir()} == before
    code, _out, err = cli(["render", COMPLETE_SAMPLE, "--all", "-o", outdir, "--force"])
    assert code == 0, err


@pytest.mark.parametrize(("args", "said"), [
    (["--format", "PDF"], None),  # capitals are the same format
    (["--format", "pfd"], "did you mean 'pdf'?"),
    (["--document", "easy-read"], "did you mean 'easyread'?"),
])
def test_near_misses_are_named(tmp_path: Path, args: list[str], said: str | None) -> None:
    base = {"--document": "plan", "--format": "pdf"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for pair in base.items() for x in pair]
    code, _out, err = cli(["render", COMPLETE_SAMPLE, *flat, "-o", tmp_path / "x.pdf"])
    if said is None:
        assert code == 0, err
    else:
        assert code == 2 and said in err


def test_an_unknown_profile_suggests_the_nearest() -> None:
    code, _out, err = cli(["validate", COMPLETE_SAMPLE, "--profile", "kentt"])
    assert code == 2 and "did you mean 'kent'?" in err


def test_every_help_has_examples_and_exit_codes() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in ("validate", "render", "check-template", "fields", "schema"):
        text = commands[name].format_help()
        assert "examples:" in text and "exit codes:" in text and f"doctool {name}" in text, name
    assert "exit codes:" in parser.format_help()


def test_check_template_reads_the_document_from_the_shell_name() -> None:
    from conftest import REPO

    code, out, _err = cli(["check-template", REPO / "templates" / "docx" / "charging-letter.docx"])
    assert code == 0 and "no problems found" in out
