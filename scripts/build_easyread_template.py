"""Writes the easy-read Word template, templates/docx/easyread.docx, from code.

Run ``python scripts/build_easyread_template.py`` after changing this file. The template
follows the PDF (templates/easyread/easyread.html.j2): Arial 16 pt, line spacing 1.5,
nothing under 14 pt (headers and footers included), each section on a new page with its
name at the top of every page (a STYLEREF field), and every block a row of a two-column
layout table: the picture on the left, the words on the right. The layout tables have no
header row on purpose; each says so in its table description (Word's "alt text" for
tables), and rows never split across pages.

Pictures come from the ``pictures`` mapping render_docx adds to the context:
``{{ pictures[b.picture.word] }}`` (see doctool/easyread/view.py ``pictures``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: E402
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_TAB_ALIGNMENT  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm, Pt, RGBColor  # noqa: E402
from docx_builder import _field, new_document, save, tag  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "templates" / "docx" / "easyread.docx"

BODY_PT = 16
SMALLEST_PT = 14
RED = RGBColor(0xB1, 0x0E, 0x1E)
RULE = "C8D3D5"
PICTURE_COL_MM = 40
WORDS_COL_MM = 132
LAYOUT_DESCRIPTION = "Layout table: a picture on the left and the words on the right. It has no header row."


def styles(doc) -> None:
    """Easy-read type: 16 pt body, line spacing 1.5, headings large, nothing in italics."""
    normal = doc.styles["Normal"]
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(4)
    normal.font.italic = False
    for name, size in (("Title", 40), ("Heading 1", 28), ("Heading 2", 22)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.italic = False
        style.paragraph_format.line_spacing = 1.15
        style.paragraph_format.space_after = Pt(12)
    doc.styles["List Bullet"].font.size = Pt(BODY_PT)
    for name in ("Header", "Footer"):
        style = doc.styles[name]
        style.font.size = Pt(SMALLEST_PT)
        style.paragraph_format.line_spacing = 1.15
        style.paragraph_format.tab_stops.clear_all()


def _run(paragraph, text: str, size: int = SMALLEST_PT, bold: bool = False, color: RGBColor | None = None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _sized_field(paragraph, instruction: str, shown: str, size: int = SMALLEST_PT, bold: bool = False) -> None:
    """A field (PAGE, STYLEREF...) whose shown text is ``size`` points."""
    _field(paragraph, instruction)
    fld = paragraph._p.findall(qn("w:fldSimple"))[-1]
    run = fld.find(qn("w:r"))
    run.find(qn("w:t")).text = shown
    for old in run.findall(qn("w:rPr")):
        run.remove(old)
    rpr = OxmlElement("w:rPr")
    if bold:
        rpr.append(OxmlElement("w:b"))
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(size * 2))
    rpr.append(sz)
    run.insert(0, rpr)


def header_footer(doc) -> None:
    """Section name and the person's name at the top; "Page X of Y" at the bottom (14 pt)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    width = Mm(210 - 20 - 18)

    head = section.header.paragraphs[0]
    head.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    _sized_field(head, 'STYLEREF "Heading 1"', "{{ cover.title }}", bold=True)
    _run(head, "\t{{ doc.name }}")
    banner = section.header.add_paragraph()
    _run(banner, "{% if draft.on %}{{ draft.banner }}{% endif %}", bold=True, color=RED)

    first_banner = section.first_page_header.paragraphs[0]
    _run(first_banner, "{% if draft.on %}{{ draft.banner }}{% endif %}", bold=True, color=RED)

    for footer in (section.footer, section.first_page_footer):
        para = footer.paragraphs[0]
        para.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        _run(para, "{{ doc.footer }}\t{{ w.text.page }} ")
        _sized_field(para, "PAGE", "1")
        _run(para, " {{ w.text.of }} ")
        _sized_field(para, "NUMPAGES", "1")


def _no_borders_but_rows(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge == "insideH":
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "6")
            el.set(qn("w:color"), RULE)
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)
    look = OxmlElement("w:tblLook")
    for attr, value in (("w:val", "0000"), ("w:firstRow", "0"), ("w:lastRow", "0"), ("w:firstColumn", "0"), ("w:lastColumn", "0"), ("w:noHBand", "1"), ("w:noVBand", "1")):
        look.set(qn(attr), value)
    tbl_pr.append(look)
    description = OxmlElement("w:tblDescription")
    description.set(qn("w:val"), LAYOUT_DESCRIPTION)
    tbl_pr.append(description)
    margins = OxmlElement("w:tblCellMar")
    for edge, mm in (("top", 3), ("bottom", 4), ("left", 0), ("right", 2)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(mm * 56.7)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


#: The order CT_TblPr requires (ECMA-376 17.4.60); Word rejects a file out of order.
_TBLPR_ORDER = [
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
    "tblLook", "tblCaption", "tblDescription",
]


def _order_tblpr(table) -> None:
    tbl_pr = table._tbl.tblPr
    children = list(tbl_pr)
    rank = {qn(f"w:{name}"): i for i, name in enumerate(_TBLPR_ORDER)}
    for child in children:
        tbl_pr.remove(child)
    for child in sorted(children, key=lambda c: rank.get(c.tag, len(rank))):
        tbl_pr.append(child)


def _cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def sentence(cell_or_doc, loop: str, style: str | None = None) -> None:
    """A paragraph per sentence, the hard words (and a lead line) in bold."""
    tag_para = cell_or_doc.add_paragraph()
    tag_para.add_run("{%p for s in " + loop + " %}")
    p = cell_or_doc.add_paragraph(style=style)
    p.add_run("{%r for part in s.parts %}")
    p.add_run("{%r if part.bold or s.strong %}")
    bold = p.add_run("{{ part.text }}")
    bold.bold = True
    p.add_run("{%r else %}")
    p.add_run("{{ part.text }}")
    p.add_run("{%r endif %}")
    p.add_run("{%r endfor %}")
    end = cell_or_doc.add_paragraph()
    end.add_run("{%p endfor %}")


def blocks(doc, loop_source: str) -> None:
    """A layout table with one row per block: picture cell and words cell."""
    tag(doc, "{%p if " + loop_source + " %}")
    table = doc.add_table(rows=3, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _no_borders_but_rows(table)
    table.rows[0].cells[0].text = "{%tr for b in " + loop_source + " %}"
    row = table.rows[1]
    _cant_split(row)
    pic, words = row.cells
    pic.vertical_alignment = words.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    pic.paragraphs[0].text = "{{ pictures[b.picture.word] }}"
    first = words.paragraphs[0]
    first.text = ""
    # The first paragraph of a cell cannot be a {%p} tag holder that disappears and leave
    # the cell empty, so the words start after it and it holds nothing.
    first._p.getparent().remove(first._p)
    sentence(words, "b.sentences")
    words.add_paragraph().add_run("{%p for s in b.items %}")
    item = words.add_paragraph(style="List Bullet")
    item.add_run("{%r for part in s.parts %}")
    item.add_run("{%r if part.bold %}")
    item.add_run("{{ part.text }}").bold = True
    item.add_run("{%r else %}")
    item.add_run("{{ part.text }}")
    item.add_run("{%r endif %}")
    item.add_run("{%r endfor %}")
    words.add_paragraph().add_run("{%p endfor %}")
    words.add_paragraph().add_run("{%p if b.sign_here %}")
    sign = words.add_paragraph()
    sign.add_run("{{ w.sign_here }}").bold = True
    words.add_paragraph("______________________________")
    date = words.add_paragraph()
    date.add_run("{{ w.date_here }}").bold = True
    words.add_paragraph("____________________")
    words.add_paragraph().add_run("{%p endif %}")
    table.rows[2].cells[0].text = "{%tr endfor %}"
    for r in table.rows:
        r.cells[0].width, r.cells[1].width = Mm(PICTURE_COL_MM), Mm(WORDS_COL_MM)
    for col, mm in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), (PICTURE_COL_MM, WORDS_COL_MM)):
        col.set(qn("w:w"), str(int(mm * 56.7)))
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    _order_tblpr(table)
    tag(doc, "{%p endif %}")


def easyread_template() -> None:
    doc = new_document(body_pt=BODY_PT)
    styles(doc)
    section = doc.sections[0]
    section.left_margin, section.right_margin = Mm(20), Mm(18)
    section.top_margin, section.bottom_margin = Mm(26), Mm(24)
    section.header_distance = section.footer_distance = Mm(10)
    doc.core_properties.title = "{{ doc.full_title }}"
    header_footer(doc)

    # Title page
    tag(doc, "{%p if council.logo_path %}")
    doc.add_paragraph("{{ logo }}")
    tag(doc, "{%p endif %}")
    doc.add_paragraph("{{ cover.title }}", style="Title")
    _run(doc.add_paragraph(), "{{ cover.name }}", size=28, bold=True)
    _run(doc.add_paragraph(), "{{ cover.date }}", size=22)
    tag(doc, "{%p if draft.on and draft.block %}")
    _run(doc.add_paragraph(), "{{ draft.banner }}", size=BODY_PT, bold=True, color=RED)
    tag(doc, "{%p for s in draft.block.sentences %}")
    doc.add_paragraph("{{ s.text }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if draft.rules %}")
    _run(doc.add_paragraph(), "{{ draft.staff }}", size=BODY_PT, bold=True)
    tag(doc, "{%p for rule in draft.rules %}")
    doc.add_paragraph("{{ rule }}", style="List Bullet")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")
    blocks(doc, "cover.blocks")

    # What is in my plan
    contents = doc.add_paragraph("{{ w.heading.contents }}", style="Heading 1")
    contents.paragraph_format.page_break_before = True
    tag(doc, "{%p for c in contents %}")
    doc.add_paragraph("{{ c.heading }}", style="List Bullet")
    tag(doc, "{%p endfor %}")

    # The sections: a new page for each, unless the plan is long (compact).
    tag(doc, "{%p for sec in sections %}")
    tag(doc, "{%p if sec.new_page and not compact %}")
    heading = doc.add_paragraph("{{ sec.heading }}", style="Heading 1")
    heading.paragraph_format.page_break_before = True
    tag(doc, "{%p else %}")
    heading = doc.add_paragraph("{{ sec.heading }}", style="Heading 1")
    heading.paragraph_format.space_before = Pt(24)
    tag(doc, "{%p endif %}")
    blocks(doc, "sec.blocks")
    tag(doc, "{%p for entry in sec.glossary %}")
    term = doc.add_paragraph()
    term.paragraph_format.keep_with_next = True
    term.paragraph_format.space_before = Pt(8)
    _run(term, "{{ entry.word }}", size=BODY_PT, bold=True)
    tag(doc, "{%p for s in entry.sentences %}")
    means = doc.add_paragraph("{{ s.text }}")
    means.paragraph_format.left_indent = Mm(10)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    save(doc, OUT)


if __name__ == "__main__":
    easyread_template()
    print(f"wrote {OUT}")
