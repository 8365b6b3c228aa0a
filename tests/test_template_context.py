"""The reference of what templates receive is generated from the document model, so it
cannot drift from the code: ``docs/template-context.md`` must be what ``doctool fields`` prints."""

from __future__ import annotations

from conftest import REPO
from render_helpers import cli


def test_the_reference_in_docs_is_current() -> None:
    code, out, _err = cli(["fields"])
    assert code == 0
    assert (REPO / "docs" / "template-context.md").read_text(encoding="utf-8") == out, "run `make docs`"


def test_the_reference_names_every_block_and_value() -> None:
    _code, out, _err = cli(["fields"])
    for name in ("Document", "Meta", "Section", "Paragraph", "Fields", "Table", "Illustrated", "Slip", "Money", "Phrase"):
        assert f"## {name}\n" in out


def test_a_document_outline_lists_its_sections() -> None:
    code, out, _err = cli(["fields", "plan", "--sample", REPO / "samples" / "plans" / "01-older-person-home-care.json"])
    assert code == 0
    assert "plan: My care and support plan" in out and "  My needs: " in out and "[N1]" in out
    code, _out, err = cli(["fields", "letter"])
    assert code == 2 and "did you mean 'charging-letter'" in err
