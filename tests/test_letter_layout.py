"""The letter layout that GOV.UK Notify (and a windowed envelope) needs, proven on the PDF.

Notify rasterises each page of a precompiled letter and rejects any non-white pixel outside
its zones. These tests do the same at 100 dpi (poppler's ``pdftoppm``, then Pillow): on
page 1 ink is allowed only in the logo zone, the contact block, the address window and the
body from 95 mm down; on later pages only inside the margins (15 mm left and right, 5 mm
top and bottom). They also read the address back out of the window as text, and check the
page size, page count, file size and embedded fonts.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageDraw, ImageOps

from doctool import notify
from doctool.api import Incomplete, render_bytes
from doctool.paths import ASSETS
from doctool.render.laid_out import Page

from letter_helpers import LETTERS, MM, PLANS, cli, dump, letter, load, norm, pdf_text, render

DPI = 100
PX = DPI / 25.4  # pixels in a millimetre

# (x0, y0, x1, y1) in millimetres from the top-left corner of the A4 page
LOGO = (15, 5, 125, 30)
CONTACT = (125, 5, 195, 95)
WINDOW = (24.6, 39.5, 24.6 + 95.4, 39.5 + 26.8)
BODY_PAGE_1 = (15, 95, 195, 292)
BODY = (15, 5, 195, 292)
ZONES_PAGE_1 = (LOGO, CONTACT, WINDOW, BODY_PAGE_1)
ZONES_LATER = (BODY,)


def ink_outside_zones(pdf: bytes, workdir: Path) -> list[str]:
    """Every page's non-white pixels outside its allowed zones, as readable problems."""
    source = workdir / "letter.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(source), str(workdir / "page")], check=True)
    problems = []
    pages = sorted(workdir.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    assert pages
    for number, png in enumerate(pages, start=1):
        image = Image.open(png).convert("L")
        assert abs(image.width - 210 * PX) < 2 and abs(image.height - 297 * PX) < 2, image.size
        draw = ImageDraw.Draw(image)
        for x0, y0, x1, y1 in ZONES_PAGE_1 if number == 1 else ZONES_LATER:
            # paint white every pixel lying wholly inside the zone
            draw.rectangle([math.ceil(x0 * PX), math.ceil(y0 * PX), math.floor(x1 * PX) - 1, math.floor(y1 * PX) - 1], fill=255)
        box = ImageOps.invert(image).getbbox()
        if box:
            problems.append(
                f"page {number}: ink outside the zones within x {box[0] / PX:.1f}-{box[2] / PX:.1f} mm, "
                f"y {box[1] / PX:.1f}-{box[3] / PX:.1f} mm"
            )
    return problems


def _seven_line_record() -> bytes:
    data = letter("assessed")
    data["recipient"]["name"] = "Mr Christopher Alexander Montgomery-Smythe"
    data["recipient"]["address"] = {
        "lines": ["Flat 22, Wellington Court Retirement Village", "147 Cathedral Gardens Road", "Upper Northfield", "Eastbrook", "Westshire"],
        "postcode": "EX12 9ZZ",
    }
    data["contact"]["email"] = "financial.assessments.and.charging@eastbrook.example.gov.uk"
    data["contact"]["job_title"] = "Senior Financial Assessment and Benefits Officer, Adult Social Care"
    return dump(data)


def _letters() -> Iterator[tuple[str, bytes]]:
    for path in LETTERS:
        yield path.name, path.read_bytes()
    for path in PLANS:
        if json.loads(path.read_text(encoding="utf-8")).get("financial_assessment"):
            yield f"plan-{path.name}", path.read_bytes()
    yield "seven-line-address", _seven_line_record()


CASES = list(_letters())


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {name: render(raw, "charging-letter", "pdf") for name, raw in CASES}


def _address_lines(raw: bytes) -> list[str]:
    data = json.loads(raw)
    if data.get("record_type"):
        r = data["recipient"]
        return [r["name"], *r["address"]["lines"], r["address"]["postcode"]]
    p = data["person"]
    to = data.get("correspondence")
    if to and to["role"] != "person":  # the letter goes to the attorney, deputy or appointee
        address = to.get("address") or p["address"]
        return [to["name"], *address["lines"], address["postcode"]]
    name = f"{p['title']} {p['full_name']}" if p.get("title") else p["full_name"]
    return [name, *p["address"]["lines"], p["address"]["postcode"]]


# --- the pixel zones ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_no_ink_outside_the_notify_zones(pdfs, name, tmp_path):
    assert ink_outside_zones(pdfs[name], tmp_path) == []


def test_the_zone_check_can_fail(tmp_path):
    """A draft letter carries a watermark across the whole page: the check must see it."""
    data = letter("assessed")
    del data["financial_assessment"]["weekly_charge"]
    pdf = render(dump(data), "charging-letter", "pdf", draft=True)
    problems = ink_outside_zones(pdf, tmp_path)
    assert problems and problems[0].startswith("page 1:")


# --- the address is real text in the window -------------------------------------------------------


def _window_text(pdf: bytes) -> list[str]:
    x0, y0, x1, y1 = WINDOW
    text = pdf_text(pdf, 1, 1, x0 * MM, y0 * MM, (x1 - x0) * MM, (y1 - y0) * MM, layout=False)
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_the_address_is_text_in_the_window(pdfs, name):
    raw = dict(CASES)[name]
    assert _window_text(pdfs[name]) == _address_lines(raw)


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_the_window_words_lie_inside_the_window_and_the_body_starts_at_95mm(pdfs, name):
    import io

    x0, y0, x1, y1 = (v * MM for v in WINDOW)
    address = set(" ".join(_address_lines(dict(CASES)[name])).split())
    with pdfplumber.open(io.BytesIO(pdfs[name])) as pdf:
        page = pdf.pages[0]
        words = page.extract_words()
    in_window = [w for w in words if w["x0"] >= x0 and w["x1"] <= x1 and w["top"] >= y0 and w["bottom"] <= y1]
    assert {w["text"] for w in in_window} <= address
    assert len(in_window) >= len(_address_lines(dict(CASES)[name]))
    for w in words:
        if w in in_window or w["x0"] >= CONTACT[0] * MM:
            continue
        assert w["top"] >= 95 * MM, (w["text"], w["top"] / MM)
    dear = next(w for w in words if w["text"] == "Dear")
    assert 95 * MM <= dear["top"] < 110 * MM


# --- page size, pages, file size, fonts, tags -------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_a4_at_most_10_pages_under_2mb(pdfs, name):
    import io

    from pypdf import PdfReader

    pdf = pdfs[name]
    assert len(pdf) < 2 * 1024 * 1024
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 10
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == (595.3, 841.9)
        assert page.get("/Rotate", 0) == 0


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_fonts_are_embedded_and_the_pdf_is_tagged(pdfs, name, tmp_path):
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdfs[name])
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts
    for row in fonts:
        assert row.split()[-5] == "yes", row  # the "emb" column
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    assert "Page size:       595.276 x 841.89 pts (A4)" in info


@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_the_slip_comes_last_and_stays_whole(pdfs, name):
    pages = [norm(p) for p in pdf_text(pdfs[name]).split("\f") if p.strip()]
    slip_page = next(p for p in pages if "Please sign and return this slip" in p)
    assert pages.index(slip_page) == len(pages) - 1
    for part in ("Cut along this line", "I have received this letter", "Signature", "Date", "Please return this slip"):
        assert part in slip_page, part
    assert slip_page.index("Cut along this line") < slip_page.index("Please sign and return this slip")
    assert "Yours sincerely" in "".join(pages)


def test_the_footer_names_the_reference_and_the_page(pdfs):
    pages = [norm(p) for p in pdf_text(pdfs["02-assessed.json"]).split("\f") if p.strip()]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Your reference: ASC-187302" in page


# --- the Notify page and size limits are enforced -----------------------------------------------


def _long_letter() -> bytes:
    return _long_letter_of(50)


def test_a_letter_over_10_pages_is_refused_unless_draft(tmp_path):
    with pytest.raises(Incomplete) as caught:
        render_bytes(_long_letter(), ["charging-letter"], ["pdf"])
    [finding] = caught.value.report.findings
    assert finding.rule == "CL-NOTIFY-SIZE" and finding.path == "$"
    assert finding.message.startswith("The letter is ") and "at most 10" in finding.message
    src = tmp_path / "long.json"
    src.write_bytes(_long_letter())
    code, _out, err = cli(["render", src, "--document", "charging-letter", "--format", "pdf", "-o", tmp_path / "long.pdf"])
    assert code == 1 and "CL-NOTIFY-SIZE" in err and not (tmp_path / "long.pdf").exists()
    code, _out, err = cli(["render", src, "--document", "charging-letter", "--format", "pdf", "-o", tmp_path / "long.pdf", "--draft"])
    assert code == 0
    # the Word letter has no page limit
    assert render(_long_letter(), "charging-letter", "docx")


def test_a_letter_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(notify, "MAX_BYTES", 1000)
    with pytest.raises(Incomplete) as caught:
        render_bytes(dump(letter("nil")), ["charging-letter"], ["pdf"])
    [finding] = caught.value.report.findings
    assert finding.rule == "CL-NOTIFY-SIZE" and "bytes" in finding.message


def test_a_short_letter_is_not_refused(pdfs):
    from pypdf import PdfReader

    from doctool.checks import check_letter_pdf
    from doctool.render.laid_out import Pdf

    content = pdfs["01-pending.json"]
    pages = len(PdfReader(io.BytesIO(content)).pages)
    assert check_letter_pdf(Pdf(content, tuple(Page(210, 297) for _ in range(pages)))).findings == []


# --- every page is A4 portrait, and later pages carry no NOTIFY tag ----------------------------


def _council_letter_css(tmp_path: Path, extra: str) -> str:
    """A council profile whose letter stylesheet is the built-in one plus ``extra``."""
    folder = tmp_path / "council"
    (folder / "templates").mkdir(parents=True)
    base = (ASSETS / "css" / "letter.css").read_text(encoding="utf-8")
    (folder / "templates" / "letter.css").write_text(base + "\n" + extra, encoding="utf-8")
    profile = folder / "council.toml"
    profile.write_text('name = "council"\nextends = "england"\n[templates]\nfolder = "templates"\n', encoding="utf-8")
    return str(profile)


def test_every_sample_letter_page_is_measured_a4_with_an_empty_tag_corner():
    from doctool.pipeline import prepare
    from doctool.render.document import pdf_of

    for name, raw in CASES[:3]:
        prepared = prepare(raw)
        letter_doc = prepared.document("charging-letter")
        pdf = pdf_of(letter_doc.kind, letter_doc.document, letter_doc.profile)
        assert pdf.pages >= 1
        for page in pdf.sheets:
            assert notify.a4_portrait(page.width_mm, page.height_mm), name
            assert abs(page.width_mm - 210) < 0.01 and abs(page.height_mm - 297) < 0.01
        assert [page.tag_text for page in pdf.sheets[1:]] == [""] * (pdf.pages - 1), name


def test_a_council_stylesheet_that_turns_the_page_is_refused(tmp_path):
    profile = _council_letter_css(tmp_path, "@page { size: A4 landscape; }")
    with pytest.raises(Incomplete) as caught:
        render_bytes(dump(letter("assessed")), ["charging-letter"], ["pdf"], profile=profile)
    rules = {(f.rule, f.path) for f in caught.value.report.findings}
    assert ("CL-NOTIFY-PAGE", "$") in rules
    message = next(f.message for f in caught.value.report.findings if f.rule == "CL-NOTIFY-PAGE")
    assert message.startswith("Page 1 is 297 by 210 mm")


def test_a_notify_tag_on_a_later_page_is_refused(tmp_path):
    css = (
        '@page { @top-left-corner { content: "NOTIFY"; font-size: 6pt; vertical-align: top; text-align: left; } }\n'
        "@page :first { @top-left-corner { content: none; } }"
    )
    profile = _council_letter_css(tmp_path, css)
    with pytest.raises(Incomplete) as caught:
        render_bytes(_long_letter_of(3), ["charging-letter"], ["pdf"], profile=profile)
    pages = sorted(f.message for f in caught.value.report.findings if f.rule == "CL-NOTIFY-PAGE" and "NOTIFY" in f.message)
    assert pages and all("the word NOTIFY in its top-left corner" in m for m in pages)
    assert not any(m.startswith("Page 1 ") for m in pages)
    # a tag on page 1 only is not the tag finding, but it is ink outside the zones there:
    # that corner is where Notify prints its own
    profile = _council_letter_css(tmp_path / "first", css.replace("@page {", "@page :first {", 1).split("\n")[0])
    with pytest.raises(Incomplete) as caught:
        render_bytes(_long_letter_of(3), ["charging-letter"], ["pdf"], profile=profile)
    [finding] = caught.value.report.findings
    assert finding.message.startswith("Page 1 prints 1 thing(s) outside the areas GOV.UK Notify allows, the first at 0-")


def test_ink_outside_the_zones_is_refused_as_the_pixel_check_finds_it(tmp_path):
    """The run-time zone check (layout boxes) and this file's pixel check agree: a council
    stylesheet that pulls the paragraphs into the left border fails both; the built-in passes both."""
    from doctool.checks import check_letter_pdf
    from doctool.pipeline import prepare
    from doctool.profiles import load_profile
    from doctool.render.document import pdf_of

    council = _council_letter_css(tmp_path, "main p { margin-left: -12mm; }")
    profile = load_profile(council)
    letter_doc = prepare(dump(letter("assessed")), profile).document("charging-letter")
    pdf = pdf_of(letter_doc.kind, letter_doc.document, profile)
    [finding] = [f for f in check_letter_pdf(pdf, profile).findings if f.rule == "CL-NOTIFY-PAGE"][:1]
    assert "outside the areas GOV.UK Notify allows" in finding.message and "the first at 4-" in finding.message
    assert ink_outside_zones(pdf.content, tmp_path) != []
    with pytest.raises(Incomplete):
        render_bytes(dump(letter("assessed")), ["charging-letter"], ["pdf"], profile=council)

    letter_doc = prepare(dump(letter("assessed"))).document("charging-letter")
    pdf = pdf_of(letter_doc.kind, letter_doc.document, letter_doc.profile)
    (tmp_path / "own").mkdir()
    assert check_letter_pdf(pdf).findings == [] and ink_outside_zones(pdf.content, tmp_path / "own") == []


def _long_letter_of(services: int) -> bytes:
    data = letter("s117")
    text = "a description of a service that takes room on the page " * 15
    data["services"] = [{"description": f"Service {i}: {text}", "weekly_cost": "100.00", "s117": True} for i in range(services)]
    return dump(data)


# --- the Word letter puts the address in the window too -------------------------------------------


def test_word_letter_frames_the_address_at_the_window(tmp_path):
    """The Word letter, printed (here through LibreOffice), shows the address in the
    envelope window and the officer in the contact block, as the PDF letter does."""
    from render_helpers import soffice_to_pdf

    raw = LETTERS[1].read_bytes()
    source = tmp_path / "letter.docx"
    source.write_bytes(render(raw, "charging-letter", "docx"))
    soffice_to_pdf([source], tmp_path / "out", tmp_path / "profile")
    pdf = (tmp_path / "out" / "letter.pdf").read_bytes()
    assert _window_text(pdf) == _address_lines(raw)
    x0, y0, x1, y1 = CONTACT
    contact = pdf_text(pdf, 1, 1, x0 * MM, y0 * MM, (x1 - x0) * MM, (y1 - y0) * MM, layout=False)
    assert load(LETTERS[1])["contact"]["name"] in " ".join(contact.split())
