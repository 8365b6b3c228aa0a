"""Building blocks for doctool's Word shells, written with python-docx.

A shell is an ordinary Word file: styles, A4 page set-up, header and footer, a letterhead,
and one paragraph that says ``{{ body }}`` where doctool lays out the document
(``doctool/render/word.py``). These helpers give it real heading styles, en-GB as the
language, a footer with "Page X of Y" as Word fields, and nothing python-docx's default
template carries that no reader needs.
"""

from __future__ import annotations

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from doctool.render.docx_xml import field, set_language

ACCENT = RGBColor(0x00, 0x5E, 0x6E)
INK = RGBColor(0x0B, 0x0C, 0x0C)
MUTED = RGBColor(0x50, 0x5A, 0x5F)
FONT = "Arial"


def new_document(body_pt: float = 12, margins_mm: tuple[float, float, float, float] = (20, 18, 22, 18),
                 header_footer_mm: float = 8, header_footer_pt: float | None = None) -> Document:
    """An A4 document with clear-print styles and en-GB as the default language.
    ``margins_mm`` are top, right, bottom, left."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, right, bottom, left = margins_mm
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = Mm(top), Mm(right), Mm(bottom), Mm(left)
    section.header_distance = section.footer_distance = Mm(header_footer_mm)

    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size, normal.font.color.rgb = FONT, Pt(body_pt), INK
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.2
    sizes = (("Title", 2), ("Heading 1", 1.6), ("Heading 2", 1.35), ("Heading 3", 1.15))
    for name, factor in sizes:
        style = styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(round(body_pt * factor)), True
        style.font.italic = False
        style.font.color.rgb = ACCENT if name != "Heading 3" else INK
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
        _own_fonts(style)
    title = styles["Title"]
    title.paragraph_format.line_spacing = 1.0
    _no_title_rule(title)
    subtitle = styles["Subtitle"]
    subtitle.font.name, subtitle.font.size, subtitle.font.italic = FONT, Pt(round(body_pt * 1.15)), False
    subtitle.font.color.rgb = INK
    subtitle.paragraph_format.space_after = Pt(2)
    _own_fonts(subtitle)
    for el in subtitle.element.get_or_add_pPr().findall(qn("w:numPr")):  # python-docx's has a stray list level
        el.getparent().remove(el)
    for el in subtitle.element.get_or_add_rPr().findall(qn("w:spacing")):
        el.getparent().remove(el)
    caption = styles["Caption"]
    caption.font.name, caption.font.size, caption.font.bold, caption.font.italic = FONT, Pt(body_pt), True, False
    caption.font.color.rgb = INK
    caption.paragraph_format.space_before, caption.paragraph_format.space_after = Pt(6), Pt(3)
    caption.paragraph_format.keep_with_next = True
    styles["List Bullet"].font.size = Pt(body_pt)
    for name, based_on, size, colour in (("Lead", "Normal", body_pt * 1.15, INK), ("Muted", "Normal", body_pt, MUTED)):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[based_on]
        style.font.size, style.font.color.rgb = Pt(round(size * 2) / 2), colour
        style.quick_style = True
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(header_footer_pt or max(12, body_pt - 3))  # clear print: 12 pt at least
    set_language(styles.element, doc.settings.element, "en-GB")
    _default_fonts(doc)
    return doc


def _own_fonts(style) -> None:
    """The style's font by name, not the theme's (so Arial is Arial in every viewer)."""
    fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
    if fonts is not None:
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)


def _no_title_rule(title) -> None:
    """python-docx's Title has a rule under it and expanded spacing: plain text here."""
    ppr = title.element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:contextualSpacing"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)
    rpr = title.element.get_or_add_rPr()
    for tag in ("w:spacing", "w:kern"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)


def _default_fonts(doc) -> None:
    rpr = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def sized(size_pt: float | None, bold: bool = False):
    """Run properties: bold, ``size_pt`` points."""
    rpr = OxmlElement("w:rPr")
    if bold:
        rpr.append(OxmlElement("w:b"))
    if size_pt:
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), str(round(size_pt * 2)))
        rpr.append(sz)
    return rpr


def page_footer(paragraph, text: str, width_mm: float, size_pt: float | None = None) -> None:
    """``text``, then "Page X of Y" at the right margin (PAGE and NUMPAGES are fields that
    Word and LibreOffice fill in). The words come from the document, with English defaults."""
    stops = paragraph.paragraph_format.tab_stops
    stops.clear_all()
    for inherited in (4680, 9360):  # the Footer style's centre and right stops (twips)
        stops.add_tab_stop(inherited * 635, WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)
    run = paragraph.add_run(text + '\t{{ doc.words.page | default("Page") }} ')
    if size_pt:
        run.font.size = Pt(size_pt)
    field(paragraph._p, "PAGE", "1", sized(size_pt))
    run = paragraph.add_run(' {{ doc.words.of | default("of") }} ')
    if size_pt:
        run.font.size = Pt(size_pt)
    field(paragraph._p, "NUMPAGES", "1", sized(size_pt))


def right_tab(paragraph, width_mm: float) -> None:
    stops = paragraph.paragraph_format.tab_stops
    stops.clear_all()
    for inherited in (4680, 9360):
        stops.add_tab_stop(inherited * 635, WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)


_DEAD_PARTS = ("stylesWithEffects", "thumbnail", "customXml")  # a Word 2010 copy of styles.xml; a preview; an empty data store
_KEEP_STYLES = {
    "Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "ListParagraph", "ListBullet",
    "Caption", "Title", "TitleChar", "Subtitle", "SubtitleChar", "Lead", "Muted", "Header", "HeaderChar",
    "Footer", "FooterChar",
}


def _used_style_ids(doc: Document) -> set[str]:
    """Style ids the shell uses or doctool writes, with every style they are based on or linked to."""
    used = set(_KEEP_STYLES) | {f"Heading{level}" for level in range(1, 4)} | {f"Heading{level}Char" for level in range(1, 4)}
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
    styles, a second copy of the styles, a thumbnail and an empty custom XML store. They
    made every letter parse, copy and compress XML that no reader ever sees."""
    used = _used_style_ids(doc)
    for style in list(doc.styles.element.iter(qn("w:style"))):
        if style.get(qn("w:styleId")) not in used:
            style.getparent().remove(style)
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if any(dead in rel.reltype or dead in str(getattr(rel, "target_ref", "")) for dead in _DEAD_PARTS):
                rels.pop(rid)
    doc.save(path)
