"""The letter Typst lays out says exactly what the HTML letter says, in Notify's zones.

Letters moved from WeasyPrint to Typst for speed (docs/letters.md). These tests lay out
every sample letter (samples/letters and the letters made from samples/plans) with both
engines and compare what poppler reads back: the same words in the same order in the body,
the contact block and the address window, the same facts, the address read back from the
window, and no more pages. Then what only Typst needs proving: no record text is ever
read as Typst markup, and the same letter gives the same bytes.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from doctool.document.model import Table
from doctool.pipeline import prepare
from doctool.render import typst_pdf
from doctool.render.document import lay_out_html, pdf_of, uses_typst
from doctool.render.html import render_html

from letter_helpers import LETTERS, MM, PLANS, dump, letter, norm, pdf_text


def _cases() -> list[tuple[str, bytes]]:
    cases = [(p.name, p.read_bytes()) for p in LETTERS]
    cases += [(f"plan-{p.name}", p.read_bytes()) for p in PLANS if json.loads(p.read_text()).get("financial_assessment")]
    return cases


CASES = _cases()
#: Page 1's zones as pdftotext crops them (x, y, w, h in mm): the contact block, the address
#: window (notifications-template-preview ADDRESS_*), the body from 95 mm.
CONTACT, WINDOW, BODY_1 = (125, 5, 70, 90), (24.6, 39.5, 95.4, 26.8), (15, 95, 180, 188)
#: Later pages, without the footer (its page count may differ: Typst's letter is never longer).
BODY = (15, 5, 180, 278)


def _both(raw: bytes) -> tuple[bytes, bytes, tuple[str, ...], list[list[str]], set[str]]:
    """(Typst's PDF, WeasyPrint's PDF, the address lines, each table's header words, the
    words in its tables) of the letter made from ``raw``."""
    prepared = prepare(raw)
    made = prepared.document("charging-letter")
    kind, doc, profile = made.kind, made.document, made.profile
    assert uses_typst(kind, profile)
    weasy = lay_out_html(kind, doc, render_html(doc, kind.html_template, profile=profile), profile)
    assert doc.letter is not None
    tables = [b for s in doc.sections for b in s.blocks if isinstance(b, Table)]
    heads = [" ".join(b.head).split() for b in tables]
    cells = {w for b in tables for row in (b.head, *b.rows) for cell in row for w in norm(str(cell)).split()}
    return pdf_of(kind, doc, profile).content, weasy.content, doc.letter.address, heads, cells


def _words(pdf: bytes, page: int, area: tuple[float, ...]) -> list[str]:
    return norm(pdf_text(pdf, page, page, *(v * MM for v in area))).split()


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _body(pdf: bytes, heads: list[list[str]]) -> list[str]:
    """The body's words, page after page, without a table's header row repeated at the top
    of a page (page furniture: where a table breaks differs between the engines)."""
    words = _words(pdf, 1, BODY_1)
    for page in range(2, _pages(pdf) + 1):
        words += _words(pdf, page, BODY)
    for head in heads:
        first = next(i for i in range(len(words)) if words[i : i + len(head)] == head) + len(head)
        rest = " ".join(words[first:]).replace(" ".join(head), " ").split()
        words = words[:first] + rest
    return words


@pytest.fixture(scope="module")
def letters() -> dict[str, tuple[bytes, bytes, tuple[str, ...], list[list[str]], set[str]]]:
    return {name: _both(raw) for name, raw in CASES}


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_typst_letter_says_what_the_html_letter_says(letters, name):
    typst, weasy, address, heads, cells = letters[name]
    ours, theirs = _body(typst, heads), _body(weasy, heads)
    # Up to the tear-off slip, word for word, outside the tables. Where cells sit side by
    # side (a table's cells that wrap, the slip's labels and values) poppler reads them
    # row-wise or column-wise on a point's difference in position: there, the same words.
    cut_ours, cut_theirs = ours.index("\u2702"), theirs.index("\u2702")
    running = [w for w in ours[:cut_ours] if w not in cells], [w for w in theirs[:cut_theirs] if w not in cells]
    assert running[0] == running[1]
    assert sorted(ours[:cut_ours]) == sorted(theirs[:cut_theirs])
    assert sorted(ours[cut_ours:]) == sorted(theirs[cut_theirs:])
    assert _words(typst, 1, CONTACT) == _words(weasy, 1, CONTACT)
    # The same facts: every sum of money and every date, in the same order.
    facts = re.compile(r"£[\d,]+(?:\.\d\d)?|\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}")
    assert facts.findall(" ".join(ours)) == facts.findall(" ".join(theirs))
    # The address as Notify reads it from the window, line by line.
    read = [norm(line) for line in pdf_text(typst, 1, 1, *(v * MM for v in WINDOW), layout=False).splitlines() if line.strip()]
    assert read == [norm(line) for line in address]
    assert _pages(typst) <= _pages(weasy)


HOSTILE = '#import "/etc/passwd": * $x^2$ *bold* _it_ @ref <label> [link] \\\\ `raw` #{1+1} //'


def test_no_record_text_is_read_as_typst_markup(tmp_path):
    data = letter("assessed")
    data["recipient"]["name"] = "Ann #import $x$ *b* _i_"
    data["recipient"]["salutation"] = HOSTILE
    data["recipient"]["address"]["lines"] = ["12 [Flat] $5 *Mill* Lane_", 'Town #read("/etc/passwd") @x <y> \\ end']
    pdf = typst_pdf.lay_out_letter(prepare(dump(data)).document("charging-letter").document)
    text = norm(pdf_text(pdf.content, layout=False))
    assert norm(HOSTILE) in text
    window = norm(pdf_text(pdf.content, 1, 1, *(v * MM for v in WINDOW), layout=False))
    assert "Ann #import $x$ *b* _i_" in window
    assert "12 [Flat] $5 *Mill* Lane_" in window
    assert 'Town #read("/etc/passwd") @x <y> \\ end' in window
    assert "root:" not in text


def test_same_letter_same_bytes_with_the_letter_date():
    doc = prepare(LETTERS[1].read_bytes()).document("charging-letter").document
    first = typst_pdf.lay_out_letter(doc).content
    typst_pdf._compiler.cache_clear()  # a fresh compiler, as in another worker
    assert typst_pdf.lay_out_letter(doc).content == first
    assert f"D:{doc.meta.date:%Y%m%d}".encode() in first


def test_a_long_email_address_breaks_inside_the_zones():
    """Typst has no overflow-wrap: a long address gets break points, and stays in the zone."""
    data = letter("assessed")
    data["contact"]["email"] = "financial.assessments.and.charging.team@eastbrook-borough-council.example.gov.uk"
    pdf = typst_pdf.lay_out_letter(prepare(dump(data)).document("charging-letter").document)
    assert all(not page.tag_text for page in pdf.sheets)
    from doctool import notify

    assert all(notify.in_zones(rect, n == 0) for n, page in enumerate(pdf.sheets) for rect in page.ink)
    assert "\u200b" not in pdf_text(pdf.content, layout=False)  # no zero-width character in the text


def test_a_council_with_its_own_letter_html_keeps_weasyprint(tmp_path: Path):
    from doctool.documents import DOCUMENTS
    from doctool.profiles import load_profile

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "letter.css").write_text("body { color: black; }")
    (tmp_path / "testshire.toml").write_text('name = "testshire"\nextends = "england"\n[templates]\nfolder = "templates"\n')
    kind = DOCUMENTS["charging-letter"]
    assert not uses_typst(kind, load_profile(str(tmp_path / "testshire.toml")))
    assert uses_typst(kind, load_profile("england"))
    assert not uses_typst(DOCUMENTS["plan"], load_profile("england"))


def test_a_process_that_made_a_letter_can_still_run_a_batch(tmp_path: Path):
    """Typst lays out on threads of its own, which a fork does not copy: a batch run by a
    process that had already made a letter once waited for ever in its forked workers. Such
    a process now starts its workers from a fork server (in a subprocess here, so a hang
    is a failure after two minutes, not a stuck suite)."""
    sample = next(p for p in LETTERS if p.name == "02-assessed.json")
    source = tmp_path / "in.jsonl"
    source.write_bytes(sample.read_bytes().replace(b"\n", b" ") + b"\n")
    code = (
        "from pathlib import Path\n"
        "from doctool.batch.records import read_records\n"
        "from doctool.batch.runner import _start_method, run_batch\n"
        "from doctool.pipeline import prepare\n"
        "assert _start_method() == 'fork'\n"
        f"prepare(Path({str(sample)!r}).read_bytes()).document('charging-letter').render('pdf')\n"
        "assert _start_method() == 'forkserver'\n"
        f"s = run_batch(read_records(Path({str(source)!r})), Path({str(tmp_path / 'out')!r}), ('pdf',), 2)\n"
        "print(s.done, s.failed)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "0"]


def test_the_running_footer_says_page_in_the_councils_words(tmp_path: Path):
    """"Page 2 of 3" is wording, not layout: a council that says it in its own words (or
    its own language) gets them in the Typst letter, the WeasyPrint plan and the Word file."""
    from doctool.profiles import load_profile

    from letter_helpers import docx_text, render

    path = tmp_path / "cymru.toml"
    path.write_text('name = "cymru"\nextends = "england"\n[wording.common.label]\npage = "Tudalen"\nof = "o"\n')
    council = str(path)
    assert load_profile(council)  # the override is valid wording
    raw = (LETTERS[0]).read_bytes()
    plan = PLANS[0].read_bytes()
    letter_pdf = render(raw, "charging-letter", "pdf", council)
    plan_pdf = render(plan, "plan", "pdf", council)
    for pdf in (letter_pdf, plan_pdf):
        pages = _pages(pdf)
        assert f"Tudalen {pages} o {pages}" in norm(pdf_text(pdf, pages, pages)), "the last page's footer"
        assert "Page " not in norm(pdf_text(pdf)), "no English page words left"
    assert "Tudalen" in docx_text(render(raw, "charging-letter", "docx", council))
    english = render(raw, "charging-letter", "pdf")
    assert f"Page {_pages(english)} of {_pages(english)}" in norm(pdf_text(english))
