"""The HTML format (the accessible web page) of every kind of document, in headless
Chromium (Debian's /usr/bin/chromium driven by Playwright): axe-core finds no violation,
and at a 320 px wide viewport nothing scrolls sideways (WCAG 2.1 1.4.10 Reflow).

Large print comes as PDF and Word only, so the HTML format is one per document kind:
the plan, the easy-read plan, the charging letter and the direct payment summary (from
the plan that has all four), and a standalone letter record. Screenshots at 320 px are
left in the test's folder for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_service_page import CHROMIUM, CHROMIUM_ARGS, axe_script, sync_api

from doctool import pipeline
from doctool.document import Illustrated

from conftest import REPO

PLAN = REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json"
LETTER = REPO / "samples" / "letters" / "02-assessed.json"
CASES = [(PLAN, "plan"), (PLAN, "easyread"), (PLAN, "charging-letter"), (PLAN, "dp-summary"), (LETTER, "charging-letter")]
WIDTH = 320

#: Elements wider than the viewport, or reaching past its right edge (what would scroll).
TOO_WIDE = f"""() => [...document.querySelectorAll('body *')].filter(e => {{
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (r.width > {WIDTH} + 0.5 || r.right > {WIDTH} + 0.5);
}}).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().width))"""


def _id(case: tuple[Path, str]) -> str:
    return f"{case[0].parent.name}-{case[0].stem[:2]}-{case[1]}"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[tuple[Path, str], Path]:
    """The HTML format of each case, as a file (rendered once)."""
    folder = tmp_path_factory.mktemp("html")
    out = {}
    for sample, document in CASES:
        rendered = pipeline.prepare(sample.read_bytes()).document(document).render("html")
        path = folder / f"{_id((sample, document))}.html"
        path.write_bytes(rendered.content)
        out[(sample, document)] = path
    return out


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_axe_finds_no_violations(browser, pages, case) -> None:
    """axe-core, every rule it runs by default (WCAG 2.1 A and AA and best practice)."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    try:
        page = context.new_page()
        page.goto(pages[case].as_uri())
        page.add_script_tag(path=str(axe_script()))
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    finally:
        context.close()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_reflows_at_320_px(browser, pages, case) -> None:
    """At 320 CSS px wide nothing scrolls sideways and no element is wider than the page."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 640})
    try:
        page = context.new_page()
        page.goto(pages[case].as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        assert page.evaluate(TOO_WIDE) == []
        shot = pages[case].with_suffix(".png")
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5_000
    finally:
        context.close()


def test_letter_logo_and_contact_block_fit_a_phone(browser, pages) -> None:
    """The letter's logo is no wider than the column, and the contact block (date,
    reference, phone, email) is laid out as a block of its own, not left unstyled."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 640})
    try:
        page = context.new_page()
        page.goto(pages[(PLAN, "charging-letter")].as_uri())
        logo = page.locator(".logo-zone img").bounding_box()
        assert logo is not None and logo["width"] <= WIDTH - 20
        block = page.locator(".contact-zone")
        style = block.evaluate("e => { const s = getComputedStyle(e); return [s.borderLeftWidth, s.backgroundColor]; }")
        assert style[0] != "0px" and style[1] not in ("rgba(0, 0, 0, 0)", "transparent")
        texts = block.inner_text()
        assert "Date" in texts and "ASC-118906" in texts and "@" in texts
    finally:
        context.close()


def test_easy_read_html_shows_every_picture(browser, pages) -> None:
    """Every easy-read block's picture is in the page, drawn (decoded, with a size) with
    its alt text, to the left of its words, as in the PDF."""
    document = pipeline.prepare(PLAN.read_bytes()).document("easyread").document
    alts = [b.picture.alt for s in document.sections for b in s.blocks if isinstance(b, Illustrated)]
    alts += [b.picture.alt for b in document.preamble if isinstance(b, Illustrated)]
    assert len(alts) > 20
    context = browser.new_context(viewport={"width": WIDTH, "height": 640})
    try:
        page = context.new_page()
        page.goto(pages[(PLAN, "easyread")].as_uri())
        drawn = page.evaluate("""() => [...document.querySelectorAll('.block')].map(b => {
            const img = b.querySelector('.pic img'), words = b.querySelector('.words');
            const i = img.getBoundingClientRect(), w = words.getBoundingClientRect();
            return [img.alt, img.complete && img.naturalWidth > 0, i.width, i.right <= w.left, i.top < w.bottom];
        })""")
        assert sorted(alt for alt, *_ in drawn) == sorted(alts)
        for alt, decoded, width, left_of_words, beside in drawn:
            assert decoded and width >= 40 and left_of_words and beside, (alt, decoded, width, left_of_words, beside)
    finally:
        context.close()
