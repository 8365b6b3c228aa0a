"""Writes the Word shells in ``templates/docx/`` from code, so they stay reviewable.

Run ``make templates`` after changing this file. A shell is styles, page set-up, header
and footer, a letterhead, and one paragraph ``{{ body }}`` where doctool lays out the
document (``doctool/render/word.py``). Councils do not run this: they copy a shell, change
its styles, letterhead and branding in Word, point their profile at the copy, and check
it with ``doctool check-template``.

Every shell is made by :func:`shell`; the kinds differ only where they really do:
margins, the letter's page 1 (the letterhead above the envelope window), and easy read's
16 pt type with the section's name at the top of each page.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from docx.enum.text import WD_LINE_SPACING  # noqa: E402
from docx.shared import Mm, Pt  # noqa: E402
from docx_builder import new_document, page_footer, right_tab, save, sized  # noqa: E402

from doctool.render.docx_xml import field  # noqa: E402

OUT = ROOT / "templates" / "docx"
LOGO = "{% if doc.letterhead.logo %}{{ logo }}{% endif %}"


@dataclass(frozen=True)
class Kind:
    name: str
    body_pt: float = 12
    margins_mm: tuple[float, float, float, float] = (20, 18, 22, 18)  # top, right, bottom, left
    header_footer_mm: float = 8
    footer_pt: float | None = 12  # header and footer: never under clear print's 12 pt minimum
    letterhead: str = "full"  # "full", "letter" (logo above the window), "logo"
    header: str = "reference"  # "reference", "none", "section" (easy read)


KINDS = (
    Kind("plan"),
    Kind("dp-summary"),
    Kind("review"),
    Kind("charging-letter", body_pt=12, margins_mm=(10, 15, 15, 15), header_footer_mm=4, letterhead="letter", header="none"),
    Kind("easyread", body_pt=16, margins_mm=(26, 18, 24, 20), header_footer_mm=10, footer_pt=14, letterhead="logo", header="section"),
)


def letterhead(doc, kind: Kind) -> None:
    """The council's letterhead at the top of page 1, from the document's letterhead."""
    if kind.letterhead == "letter":
        # page 1 of a posted letter: the logo (or the council's name) from 10 to 30 mm,
        # then the address and contact block doctool puts at 40 mm, in the envelope window
        p = doc.add_paragraph()
        p.add_run(LOGO.replace("{% endif %}", "{% else %}{{ doc.letterhead.council }}{% endif %}")).bold = True
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Mm(20)
        fmt.space_before, fmt.space_after = Pt(0), Mm(10)
        return
    doc.add_paragraph("{%p if doc.letterhead.logo %}")
    doc.add_paragraph("{{ logo }}")
    doc.add_paragraph("{%p endif %}")
    if kind.letterhead == "logo":
        return
    p = doc.add_paragraph()
    p.add_run("{{ doc.letterhead.council }}{% if doc.letterhead.department %}, {{ doc.letterhead.department }}{% endif %}").bold = True
    p.paragraph_format.space_after = Pt(0)
    p = doc.add_paragraph("{{ doc.letterhead.address | join(', ') }}")
    p.paragraph_format.space_after = Pt(0)
    doc.add_paragraph(
        "{% if doc.letterhead.phone %}Phone: {{ doc.letterhead.phone }}{% endif %}"
        "{% if doc.letterhead.phone and doc.letterhead.email %}    {% endif %}"
        "{% if doc.letterhead.email %}Email: {{ doc.letterhead.email }}{% endif %}"
    ).paragraph_format.space_after = Pt(12)


def header(doc, kind: Kind, width_mm: float) -> None:
    """The header on every page (doctool adds "DRAFT" above it on a draft)."""
    section = doc.sections[0]
    if kind.header == "reference":
        p = section.header.paragraphs[0]
        right_tab(p, width_mm)
        p.add_run("\tReference: {{ doc.meta.reference }}").font.size = Pt(kind.footer_pt or kind.body_pt)
    elif kind.header == "section":
        # easy read: the section's name (a STYLEREF field) and the person's name, 14 pt;
        # the title page has neither
        section.different_first_page_header_footer = True
        p = section.header.paragraphs[0]
        right_tab(p, width_mm)
        size = kind.footer_pt or kind.body_pt
        field(p._p, 'STYLEREF "Heading 1"', "{{ doc.meta.title }}", sized(size, bold=True))
        p.add_run("\t{{ doc.meta.person }}").font.size = Pt(size)
        section.first_page_header.paragraphs[0].text = ""
        page_footer(section.first_page_footer.paragraphs[0], "{{ doc.meta.footer }}", width_mm, kind.footer_pt)


def shell(kind: Kind) -> Path:
    """One shell: styles, page set-up, header and footer, letterhead, ``{{ body }}``."""
    doc = new_document(kind.body_pt, kind.margins_mm, kind.header_footer_mm, kind.footer_pt)
    _top, right, _bottom, left = kind.margins_mm
    width = 210 - left - right
    doc.core_properties.title = ""
    doc.core_properties.author = ""
    doc.core_properties.comments = ""
    doc.core_properties.last_modified_by = ""
    header(doc, kind, width)
    page_footer(doc.sections[0].footer.paragraphs[0], "{{ doc.meta.footer }}", width, kind.footer_pt)
    letterhead(doc, kind)
    doc.add_paragraph("{{ body }}")
    path = OUT / f"{kind.name}.docx"
    save(doc, path)
    return path


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        print(f"wrote {shell(kind).relative_to(ROOT)}")
