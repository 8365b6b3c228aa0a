"""Large print laid out for large print, not the standard layout scaled (issue 14's audit).

Read back from the PDFs at 24 pt: no page left half empty by a block moved whole to the next
page, no hidden column heading drawn (it showed as "Howthis thisneed"), email addresses
broken only before an @ or a dot and never inside a word, the amount to pay larger than the
body and the deadline in bold, and page 1 of a letter holding more than the council's
address.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from doctool import pipeline
from doctool.accessible.large_print import mark_address_breaks

from conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

PLAN = REPO / "samples" / "plans" / "01-older-person-home-care.json"
LETTER = REPO / "samples" / "letters" / "02-assessed.json"
SIZE = 24


@cache
def large(path: Path, document: str) -> bytes:
    prepared = pipeline.prepare(path.read_bytes())
    rendered = pipeline.render_set(prepared, pipeline.Selection.one(document, "large-print-pdf", SIZE))
    return rendered.files[0].content


def text_pages(content: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "x.pdf"
        pdf.write_bytes(content)
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return out.split("\f")


@pytest.fixture(scope="module", params=["plan", "letter"])
def pdf(request) -> bytes:
    return large(PLAN, "plan") if request.param == "plan" else large(LETTER, "charging-letter")


def test_no_page_but_the_last_is_left_half_empty(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages[:-1], start=1):
            h = float(page.height)
            body = [w for w in page.extract_words() if 0.09 * h < w["top"] < 0.88 * h]  # between header and footer
            used = (max(w["bottom"] for w in body) - 0.09 * h) / (0.79 * h)
            assert used >= 0.6, f"page {number} is only {used:.0%} full"


def test_hidden_column_headings_are_not_drawn(pdf):
    text = "".join(text_pages(pdf))
    assert not re.search(r"Howthis|thisneed|Whatthey", text)


def test_email_addresses_break_only_at_a_dot_or_at_and_never_inside_a_word(pdf):
    lines = [line.strip() for page in text_pages(pdf) for line in page.splitlines()]
    for i, line in enumerate(lines[:-1]):
        # "...example.gov.u" / "k" was the audit's finding
        assert not re.search(r"\.(?:gov\.u|g|go|co\.u|ex|exa|exampl)$", line), (line, lines[i + 1])
    text = "\n".join(lines)
    for address in re.findall(r"[\w.]+@[\w.]+\.uk", text):
        assert address.endswith(".gov.uk"), address  # every address on one line is whole


def test_an_address_that_fits_stays_whole_on_one_line():
    lines = [line.strip() for page in text_pages(large(PLAN, "plan")) for line in page.splitlines()]
    assert any("adult.care@eastbrook.example.gov.uk" in line for line in lines)


def test_the_amount_to_pay_is_larger_than_the_body_and_the_deadline_is_bold():
    with pdfplumber.open(io.BytesIO(large(LETTER, "charging-letter"))) as doc:
        chars = [c for page in doc.pages for c in page.chars]
        text = "".join(c["text"] for c in chars)
        start = text.index("£113.35 a week")
        amount = chars[start : start + len("£113.35")]
        assert min(c["size"] for c in amount) >= SIZE * 1.4
        body = [c["size"] for c in chars if c["text"].strip()]
        assert max(set(body), key=body.count) == pytest.approx(SIZE, abs=0.5)  # the body is the asked size
        ask = text.index("Please ask by")
        assert all("Bold" in c["fontname"] for c in chars[ask : ask + 12])


def test_page_one_of_a_letter_is_the_letter_not_only_the_council_address():
    first = text_pages(large(LETTER, "charging-letter"))[0]
    assert "Mrs Joan Whitfield" in first and "Dear Mrs Whitfield" in first
    # the council's address is one line, not a page of its own
    assert re.search(r"Civic Centre, 1 Market", first)


def test_break_points_go_into_text_only():
    html = '<html><head><style>p{}</style></head><body><a href="x@y.example.uk">a.b@c.example.uk</a> www.lgo.org.uk.</body></html>'
    marked = mark_address_breaks(html)
    assert 'href="x@y.example.uk"' in marked
    assert "a<wbr>.b<wbr>@c<wbr>.example<wbr>.uk" in marked and "www<wbr>.lgo<wbr>.org<wbr>.uk." in marked
