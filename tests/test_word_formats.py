"""The Word files of every kind of document, opened with python-docx and read as XML, and
one exported by LibreOffice as a tagged PDF read with pikepdf: what a screen reader meets.

- no empty paragraph directly after a table (a screen reader says "blank");
- every picture's alt text (``descr``) says what it means, with no ``title`` beside it:
  LibreOffice's export and some screen readers read "title - descr";
- the language is en-GB everywhere Word keeps one, the theme's font language included;
- no text under 12 pt (clear print's minimum, docs/accessible-formats.md), headers and
  footers and a letter's contact block included.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import etree

from doctool import pipeline

from conftest import REPO

PLAN = REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json"
LETTERS = sorted((REPO / "samples" / "letters").glob("0*.json"))
CASES = [(PLAN, d) for d in ("plan", "easyread", "charging-letter", "dp-summary")] + [(p, "charging-letter") for p in LETTERS]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture"}
MIN_PT = Decimal(12)


def _id(case: tuple[Path, str]) -> str:
    return f"{case[0].parent.name}-{case[0].stem[:2]}-{case[1]}"


@pytest.fixture(scope="module")
def files() -> dict[tuple[Path, str], bytes]:
    return {case: pipeline.prepare(case[0].read_bytes()).document(case[1]).render("docx").content for case in CASES}


def _xml(content: bytes, name: str) -> Any:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(content)).read(name))


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_no_empty_paragraph_after_a_table(files, case) -> None:
    body = _xml(files[case], "word/document.xml").find("w:body", NS)
    children = list(body)
    for i, child in enumerate(children[:-1]):
        if child.tag == f"{{{W}}}tbl":
            after = children[i + 1]
            assert after.tag != f"{{{W}}}p" or "".join(after.itertext()).strip() or after.find(".//w:drawing", NS) is not None, (
                f"an empty paragraph after table {i}"
            )


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_pictures_say_what_they_mean_once(files, case) -> None:
    content = files[case]
    names = [n for n in zipfile.ZipFile(io.BytesIO(content)).namelist() if n.startswith("word/") and n.endswith(".xml")]
    pictures = [el for n in names for el in _xml(content, n).iter(f"{{{NS['wp']}}}docPr", f"{{{NS['pic']}}}cNvPr")]
    assert pictures, "the council logo is a picture"
    for el in pictures:
        descr, title = (el.get("descr") or "").strip(), (el.get("title") or "").strip()
        assert descr and descr.casefold() not in {"logo", "picture", "image"}, etree.tostring(el)
        assert not title or title.casefold() != descr.casefold(), etree.tostring(el)
        assert not title, f"a title beside the alt text is read as '{title} - {descr}'"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_language_is_en_gb(files, case) -> None:
    content = files[case]
    settings = _xml(content, "word/settings.xml")
    theme_lang = settings.find("w:themeFontLang", NS)
    assert theme_lang is not None and theme_lang.get(f"{{{W}}}val") == "en-GB"
    assert theme_lang.get(f"{{{W}}}bidi") in (None, "en-GB")
    lang = _xml(content, "word/styles.xml").find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang is not None and lang.get(f"{{{W}}}val") == "en-GB"
    assert docx.Document(io.BytesIO(content)).core_properties.language == "en-GB"


def _style_size(style: Any) -> Decimal | None:
    while style is not None:
        if style.font.size is not None:
            return Decimal(style.font.size.pt).quantize(Decimal("0.1"))
        style = style.base_style
    return None


def _run_sizes(document: Any) -> list[tuple[Decimal, str, str]]:
    """(size in pt, where, text) of every run with text: in the body, the tables (nested),
    headers and footers; a run's own size, else its paragraph style's, else the default."""
    default = _xml_size(document)
    found = []

    def paragraphs(container: Any, where: str):
        for p in container.paragraphs:
            yield p, where
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from paragraphs(cell, where)

    containers = [(document, "body")]
    for section in document.sections:
        for part, where in ((section.header, "header"), (section.first_page_header, "header"),
                            (section.footer, "footer"), (section.first_page_footer, "footer")):
            if not part.is_linked_to_previous:
                containers.append((part, where))
    for container, where in containers:
        for p, place in paragraphs(container, where):
            style_size = _style_size(p.style) or default
            for run in p.runs:
                if run.text.strip():
                    size = Decimal(run.font.size.pt).quantize(Decimal("0.1")) if run.font.size is not None else style_size
                    found.append((size, place, run.text))
    return found


def _xml_size(document: Any) -> Decimal:
    sz = document.styles.element.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr/{{{W}}}sz")
    return Decimal(int(sz.get(f"{{{W}}}val"))) / 2 if sz is not None else Decimal(10)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_no_text_under_12_pt(files, case) -> None:
    """Standard print follows clear print's minimum: 12 pt for every run, the header, the
    footer and a letter's contact block and address included. The one exception: an
    address of 6 or 7 lines, or with a line over 38 characters, is set smaller so that it
    fits GOV.UK Notify's 26.8 mm envelope window (two sample letters have one)."""
    sizes = _run_sizes(docx.Document(io.BytesIO(files[case])))
    assert {where for _, where, _ in sizes} >= {"body", "footer"}
    letter = pipeline.prepare(case[0].read_bytes()).document(case[1]).document.letter
    shrunk = set(letter.address) if letter is not None and letter.address_fit not in ("", "fit-normal") else set()
    small = [(str(size), where, text[:40]) for size, where, text in sizes if size < MIN_PT and text not in shrunk]
    assert not small, small


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (Debian libreoffice-writer-nogui)")
def test_libreoffice_export_reads_each_picture_once(files, tmp_path) -> None:
    """Exported by LibreOffice as a tagged PDF, each picture's /Alt is its alt text alone,
    not "Picture - A council building" (or "logo - logo")."""
    pikepdf = pytest.importorskip("pikepdf")
    source = tmp_path / "easyread.docx"
    source.write_bytes(files[(PLAN, "easyread")])
    profile = tmp_path / "profile"
    tagged = 'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", tagged, "--outdir", str(tmp_path / "out"), str(source)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(profile)}, check=True,
    )
    pdf = pikepdf.open(tmp_path / "out" / "easyread.pdf")
    alts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                    walk(kid)

    walk(pdf.Root.StructTreeRoot)
    document = pipeline.prepare(PLAN.read_bytes()).document("easyread").document
    expected = {p.alt for p in document.pictures()}
    assert len(alts) >= len(expected) > 20
    assert set(alts) == expected, sorted(set(alts) - expected)[:5]
