"""Building blocks for writing doctool's Word templates with python-docx.

The templates in ``templates/docx/`` are ordinary Word files with docxtpl tags; these
helpers write them with real heading styles, header rows that repeat, en-GB language,
A4 pages, and a footer with "Page X of Y". Template editors then change the wording in
Word; ``doctool check-template`` checks their edits.
"""

from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

ACCENT = RGBColor(0x00, 0x5E, 0x6E)
INK = RGBColor(0x0B, 0x0C, 0x0C)
FONT = "Arial"


def new_document(body_pt: int = 12) -> Document:
    """An A4 document with clear-print styles and en-GB as the default language."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(20), Mm(22)
    section.header_distance = section.footer_distance = Mm(8)

    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size, normal.font.color.rgb = FONT, Pt(body_pt), INK
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.2
    for name, size in (("Title", body_pt * 2), ("Heading 1", round(body_pt * 1.6)), ("Heading 2", round(body_pt * 1.35)), ("Heading 3", round(body_pt * 1.15))):
        style = styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.italic = False
        style.font.color.rgb = ACCENT if name != "Heading 3" else INK
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(attr), None)
    _default_language(doc, "en-GB")
    return doc


def _default_language(doc: Document, lang: str) -> None:
    """``w:lang`` in the document defaults, so spell-check and screen readers use en-GB."""
    styles = doc.styles.element
    doc_defaults = styles.find(qn("w:docDefaults"))
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang_el.set(qn(attr), lang)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _field(paragraph, instruction: str) -> None:
    """A simple field such as PAGE or NUMPAGES."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "18")  # 9 pt, like the footer text
    rpr.append(size)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def footer(doc: Document, text: str, width_mm: float = 174) -> None:
    """The footer on every page: the confidentiality line, then "Page X of Y" at the right
    (``width_mm`` is the text width, where the page number ends)."""
    para = doc.sections[0].footer.paragraphs[0]
    stops = para.paragraph_format.tab_stops
    for inherited in (4680, 9360):  # the Footer style's centre and right stops (twips) come first
        stops.add_tab_stop(inherited * 635, WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)
    run = para.add_run(text + "\tPage ")
    run.font.size = Pt(9)
    _field(para, "PAGE")
    para.add_run(" of ").font.size = Pt(9)
    _field(para, "NUMPAGES")


def header(doc: Document, left: str, right: str) -> None:
    """The header on every page: the draft banner (when a draft) and the reference."""
    para = doc.sections[0].header.paragraphs[0]
    para.paragraph_format.tab_stops.add_tab_stop(Mm(174), WD_TAB_ALIGNMENT.RIGHT)
    banner = para.add_run(left)
    banner.bold, banner.font.size = True, Pt(14)
    banner.font.color.rgb = RGBColor(0xB1, 0x0E, 0x1E)
    ref = para.add_run("\t" + right)
    ref.font.size = Pt(9)


def tag(doc: Document, text: str) -> None:
    """A paragraph holding only a docxtpl block tag ({%p ... %}); docxtpl removes it."""
    doc.add_paragraph(text)


def para(doc: Document, text: str, bold_label: str = "") -> None:
    p = doc.add_paragraph()
    if bold_label:
        p.add_run(bold_label).bold = True
    p.add_run(text)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def loop_table(doc: Document, headings: list[str], loop: str, cells: list[str], widths_mm: list[float] | None = None) -> None:
    """A table with a repeating header row and one body row per item of ``loop``.

    ``loop`` is ``"row in rows"``; ``cells`` are the expressions for each column.
    """
    table = doc.add_table(rows=4, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    head = table.rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, headings):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        _shade(cell, "EEF5F6")
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for cell, expr in zip(table.rows[2].cells, cells):
        cell.text = "{{ " + expr + " }}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    if widths_mm:
        table.autofit = False
        for column, width in zip(table.columns, widths_mm):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm):
                cell.width = Mm(width)
    doc.add_paragraph()


_DEAD_PARTS = ("stylesWithEffects", "thumbnail")  # a Word 2010 copy of styles.xml; python-docx's sample preview
_KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "ListParagraph", "ListBullet", "ListNumber", "Caption"}


def _used_style_ids(doc: Document) -> set[str]:
    """Style ids the template uses, with every style they are based on or linked to."""
    used = set(_KEEP_STYLES) | {f"Heading{level}" for level in range(1, 5)} | {f"Heading{level}Char" for level in range(1, 5)} | {"Title", "TitleChar"}
    parts = [doc.element, *(s.header._element for s in doc.sections), *(s.footer._element for s in doc.sections)]
    for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
        for part in parts:
            used |= {el.get(qn("w:val")) for el in part.iter(qn(tag))}
    by_id = {s.get(qn("w:styleId")): s for s in doc.styles.element.iter(qn("w:style"))}
    todo = list(used)
    while todo:
        style = by_id.get(todo.pop())
        if style is None:
            continue
        for link in ("w:basedOn", "w:link", "w:next"):
            el = style.find(qn(link))
            if el is not None and el.get(qn("w:val")) not in used:
                used.add(el.get(qn("w:val")))
                todo.append(el.get(qn("w:val")))
    return used


def save(doc: Document, path) -> None:
    """Save without python-docx's default-template ballast: 150 unused table and list
    styles, a second copy of the styles and a thumbnail. They made every letter parse,
    rewrite and compress about 800 KB of XML that no reader ever sees."""
    used = _used_style_ids(doc)
    for style in list(doc.styles.element.iter(qn("w:style"))):
        if style.get(qn("w:styleId")) not in used:
            style.getparent().remove(style)
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if any(dead in rel.reltype for dead in _DEAD_PARTS):
                rels.pop(rid)
    doc.save(path)
