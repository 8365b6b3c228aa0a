"""Accessibility of the person's copy: tagged PDF/UA-1 (pikepdf, poppler) and Word (python-docx, XML),
and a Word file that LibreOffice opens, lays out and turns into a PDF.

The samples are rendered once per session (render_helpers.rendered_samples).
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from render_helpers import (
    FOOTER,
    PLANS,
    contains,
    docx_part_names,
    docx_parts,
    docx_xml,
    pdf_pages_text,
    rendered_samples,
    session_cached,
    soffice_to_pdf,
    struct_elements,
)

pytestmark = pytest.mark.skipif(not PLANS, reason="no complete samples in samples/plans")

IDS = [p.name for p in PLANS]
TITLES = {"adult": "My care and support plan", "carer": "My carer's support plan", "combined": "Our combined care and support plan"}
A4 = (595.28, 841.89)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
NS = {"w": W, "wp": WP}


@pytest.fixture(scope="session")
def samples(tmp_path_factory):
    return rendered_samples(tmp_path_factory)


@pytest.fixture(scope="module", autouse=True)
def _convert_with_libreoffice_in_the_background(libreoffice_job):
    """Starts the LibreOffice conversion as soon as this module begins."""


@pytest.fixture(params=IDS)
def sample(request, samples):
    return samples[request.param]


def _title(sample) -> str:
    return f"{TITLES[sample.data['plan_type']]}: {sample.data['person']['full_name']}"


# --- PDF structure ---------------------------------------------------------------------------


@pytest.fixture
def pdf(sample):
    with pikepdf.open(io.BytesIO(sample.pdf)) as doc:
        yield doc


def test_pdf_is_tagged(pdf, sample):
    root = pdf.Root
    assert "/StructTreeRoot" in root
    assert bool(root.MarkInfo.Marked) is True
    elements = list(struct_elements(root.StructTreeRoot))
    assert len(elements) > 50
    info = subprocess.run(["pdfinfo", "-"], input=sample.pdf, capture_output=True, timeout=60).stdout.decode()
    assert re.search(r"^Tagged:\s+yes", info, re.M)


def test_pdf_language_is_en_gb(pdf):
    assert str(pdf.Root.Lang) == "en-GB"


def test_pdf_title_is_in_metadata_and_shown(pdf, sample):
    title = _title(sample)
    assert str(pdf.docinfo["/Title"]) == title
    with pdf.open_metadata() as xmp:
        assert xmp.get("dc:title") == title
    prefs = pdf.Root.get("/ViewerPreferences")
    if prefs is not None and "/DisplayDocTitle" in prefs:
        assert bool(prefs.DisplayDocTitle) is True


def test_pdf_declares_pdf_ua_1(pdf):
    with pdf.open_metadata() as xmp:
        assert str(xmp.get("pdfuaid:part")) == "1"


def test_every_figure_has_alt_text(pdf):
    figures = [el for _d, el in struct_elements(pdf.Root.StructTreeRoot) if el.S == "/Figure"]
    assert figures, "the council logo should be a Figure"
    for figure in figures:
        assert str(figure.get("/Alt", "")).strip(), figure


def test_headings_start_at_h1_and_never_skip_a_level(pdf):
    levels = [
        int(str(el.S)[2:])
        for _d, el in struct_elements(pdf.Root.StructTreeRoot)
        if re.fullmatch(r"/H[1-6]", str(el.S))
    ]
    assert levels and levels[0] == 1
    assert levels.count(1) == 1, "one H1: the document's title"
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels


def _descendants(el):
    for _d, child in struct_elements(el):
        if child is not el:
            yield child


def test_every_table_has_header_cells(pdf):
    tables = [el for _d, el in struct_elements(pdf.Root.StructTreeRoot) if el.S == "/Table"]
    assert tables
    for table in tables:
        kinds = {str(child.S) for child in _descendants(table)}
        assert "/TH" in kinds, kinds
        assert "/TD" in kinds or "/TH" in kinds


def test_lists_are_real_lists(pdf, sample):
    kinds = {str(el.S) for _d, el in struct_elements(pdf.Root.StructTreeRoot)}
    if sample.data["person"].get("strengths"):
        assert {"/L", "/LI"} <= kinds


def _fonts(resources, seen):
    if resources is None or (resources.objgen in seen and resources.objgen != (0, 0)):
        return
    seen.add(resources.objgen)
    yield from (resources.get("/Font") or {}).items()
    for _name, xobject in (resources.get("/XObject") or {}).items():
        if xobject.get("/Subtype") == "/Form":
            yield from _fonts(xobject.get("/Resources"), seen)


def _descriptor(font):
    if font.get("/Subtype") == "/Type0":
        return font.DescendantFonts[0].get("/FontDescriptor")
    return font.get("/FontDescriptor")


def test_every_font_is_embedded(pdf):
    checked = 0
    for page in pdf.pages:
        for name, font in _fonts(page.get("/Resources"), set()):
            assert font.get("/Subtype") != "/Type3", name
            descriptor = _descriptor(font)
            assert descriptor is not None, f"{name} has no font descriptor"
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} is not embedded"
            checked += 1
    assert checked


def test_pages_are_a4(pdf):
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
        assert abs((x1 - x0) - A4[0]) <= 1 and abs((y1 - y0) - A4[1]) <= 1


def test_pdf_passes_qpdf_check(sample, tmp_path):
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed")
    path = tmp_path / "plan.pdf"
    path.write_bytes(sample.pdf)
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_page_has_page_x_of_y_the_footer_and_the_reference(sample):
    pages = sample.pdf_pages
    n = len(pages)
    with pikepdf.open(io.BytesIO(sample.pdf)) as doc:
        assert len(doc.pages) == n
    for i, text in enumerate(pages, start=1):
        assert contains(text, f"Page {i} of {n}"), i
        assert contains(text, FOOTER), i
        assert contains(text, f"Reference: {sample.data['person']['reference']}", loose=True), i


# --- Word ------------------------------------------------------------------------------------


@pytest.fixture
def document(sample):
    return sample.document


def test_docx_title_and_headings_use_real_styles(document, sample):
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Title", "Heading"))]
    assert styled[0] == ("Title", TITLES[sample.data["plan_type"]])
    names = {name for name, _ in styled}
    assert {"Heading 1", "Heading 2"} <= names
    # the styles are the built-in heading styles (outline levels a screen reader can use)
    for name in ("Heading 1", "Heading 2"):
        style = document.styles[name]
        assert style.builtin
        assert style.element.get(f"{{{W}}}styleId") == name.replace(" ", "")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "My needs" in headings and "My personal budget" in headings
    assert all(text.strip() for _name, text in styled), "no empty headings"


def test_docx_heading_levels_never_skip(document):
    levels = []
    for p in document.paragraphs:
        if p.style.name == "Title":
            levels.append(0)
        elif m := re.fullmatch(r"Heading (\d)", p.style.name):
            levels.append(int(m[1]))
    assert levels[0] == 0
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels


def test_docx_core_properties(document, sample):
    props = document.core_properties
    assert props.title == _title(sample)
    assert props.language == "en-GB"
    assert props.author


def test_docx_default_language_is_en_gb(sample):
    styles = etree.fromstring(docx_xml(sample.docx, "word/styles.xml"))
    lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang is not None
    assert lang.get(f"{{{W}}}val") == "en-GB"


def test_every_table_repeats_its_header_row(sample):
    """A table with column headings repeats them on every page; a table of labelled values
    has its labels as row headers (the first column, in bold); any other table is for layout
    only and says so in its description."""
    body = etree.fromstring(docx_xml(sample.docx))
    tables = body.findall(".//w:tbl", NS)
    assert tables
    kinds = set()
    for table in tables:
        look = table.find("w:tblPr/w:tblLook", NS)
        rows = table.findall("w:tr", NS)
        if look is not None and look.get(f"{{{W}}}firstRow") == "1":
            header = rows[0].find("w:trPr/w:tblHeader", NS)
            assert header is not None and header.get(f"{{{W}}}val", "true") in ("true", "1", "on")
            kinds.add("columns")
        elif look is not None and look.get(f"{{{W}}}firstColumn") == "1":
            for row in rows:
                first = row.find("w:tc", NS)
                assert first.findall(".//w:r/w:rPr/w:b", NS), "a label cell should be bold"
            kinds.add("labels")
        else:
            description = table.find("w:tblPr/w:tblDescription", NS)
            assert description is not None and "layout" in description.get(f"{{{W}}}val", "").lower()
    assert kinds == {"columns", "labels"}


def test_every_image_has_alt_text(sample):
    doc_prs = []
    for name in docx_part_names(sample.docx):
        if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
            doc_prs += etree.fromstring(docx_xml(sample.docx, name)).findall(".//wp:docPr", NS)
    assert doc_prs, "the council logo should be a picture"
    for doc_pr in doc_prs:
        assert (doc_pr.get("descr") or "").strip(), etree.tostring(doc_pr)


def test_footer_has_page_and_numpages_fields_and_the_confidential_line(sample):
    names = [n for n in docx_part_names(sample.docx) if re.fullmatch(r"word/footer\d*\.xml", n)]
    assert names
    xml = b"".join(docx_xml(sample.docx, n) for n in names)
    footer = etree.fromstring(b"<all>" + re.sub(rb"<\?xml[^>]*\?>", b"", xml) + b"</all>")
    instructions = [el.get(f"{{{W}}}instr", "") for el in footer.iter(f"{{{W}}}fldSimple")]
    instructions += [el.text or "" for el in footer.iter(f"{{{W}}}instrText")]
    words = {i.split()[0] for i in instructions if i.strip()}
    assert {"PAGE", "NUMPAGES"} <= words
    assert FOOTER in " ".join(docx_parts(sample.docx)["footer"])


def test_docx_page_is_a4(sample):
    body = etree.fromstring(docx_xml(sample.docx))
    for size in body.iter(f"{{{W}}}pgSz"):
        width, height = int(size.get(f"{{{W}}}w")), int(size.get(f"{{{W}}}h"))
        assert abs(width - 11906) <= 3 and abs(height - 16838) <= 3  # 210 x 297 mm in twips


# --- LibreOffice opens every Word file ------------------------------------------------------------


def _start_libreoffice(samples, root: Path) -> tuple[Path, subprocess.Popen | None]:
    """Start converting every sample's .docx to PDF with LibreOffice, in one call with a
    private profile, in the background (it takes a while; the other tests run meanwhile)."""
    inputs, outdir, profile = root / "in", root / "out", root / "profile"
    inputs.mkdir()
    for name, sample in samples.items():
        (inputs / f"{Path(name).stem}.docx").write_bytes(sample.docx)
    if shutil.which("soffice") is None:
        return outdir, None
    return outdir, soffice_to_pdf(sorted(inputs.glob("*.docx")), outdir, profile, background=True)


@pytest.fixture(scope="session")
def libreoffice_job(samples, tmp_path_factory):
    job = session_cached("libreoffice", lambda: _start_libreoffice(samples, tmp_path_factory.mktemp("libreoffice")))
    yield job
    proc = job[1]
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def libreoffice(libreoffice_job):
    outdir, proc = libreoffice_job
    if proc is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out, err = proc.communicate(timeout=180)
    return outdir, f"exit {proc.returncode}\n{out}\n{err}"


def test_libreoffice_converts_each_docx_and_keeps_the_text(sample, libreoffice):
    outdir, log = libreoffice
    converted = outdir / f"{sample.source.stem}.pdf"
    assert converted.is_file(), log
    pages = pdf_pages_text(converted)
    text = "\n".join(pages)
    assert contains(text, sample.data["person"]["full_name"], loose=True)
    assert contains(text, sample.data["person"]["reference"], loose=True)
    # the PAGE / NUMPAGES fields are real fields: LibreOffice fills them in
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        assert contains(page, f"Page {i} of {n}", loose=True), i
        assert contains(page, FOOTER, loose=True), i
