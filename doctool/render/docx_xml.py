"""The few bits of WordprocessingML python-docx has no API for, and its hot path.

Header rows that repeat on every page, rows that never split, table alt text and layout,
paragraph boxes and rules, alt text on pictures, the document language, and simple
fields ("Page X of Y"). Paragraphs and runs are built here too (:func:`new_paragraph`,
:func:`add_run`): python-docx's setters cost a bulk letter most of its time. Packages,
parts, pictures, tables, sections and styles stay python-docx's.

Word rejects a file whose property elements are out of the schema's order, so every
element is put in its place by :func:`put` (ECMA-376 part 1, section 17).
"""

from __future__ import annotations

import re
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import oxml_parser
from lxml import etree

#: Child order of the property elements this module writes into (ECMA-376 17.3.1.26 etc.).
ORDER: dict[str, tuple[str, ...]] = {
    "pPr": (
        "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
        "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
        "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
        "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
        "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
        "sectPr", "pPrChange",
    ),
    "rPr": (
        "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
        "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
        "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
        "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
    ),
    "tblPr": (
        "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
        "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
        "tblCaption", "tblDescription",
    ),
    "tcPr": (
        "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
        "textDirection", "tcFitText", "vAlign", "hideMark",
    ),
    "trPr": (  # a choice in the schema; Word writes them in this order
        "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
        "tblHeader", "tblCellSpacing", "jc", "hidden",
    ),
    "settings": (
        "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
        "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
        "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
        "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges",
        "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors",
        "hideGrammaticalErrors", "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate",
        "linkStyles", "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge",
        "revisionView", "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting", "documentProtection",
        "autoFormatOverride", "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation",
        "consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
        "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
        "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets",
        "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing", "displayHorizontalDrawingGridEvery",
        "displayVerticalDrawingGridEvery", "doNotUseMarginsForDrawingGridOrigin",
        "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin", "doNotShadeFormData",
        "noPunctuationKerning", "characterSpacingControl", "printTwoOnOne", "strictFirstAndLastChars",
        "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture", "doNotValidateAgainstSchema",
        "saveInvalidXml", "ignoreMixedContent", "alwaysShowPlaceholderText", "doNotDemarcateInvalidXml",
        "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags",
        "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr",
        "compat", "docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
        "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
        "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
        "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
    ),
}


def twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_NSMAP = {"w": W}


def make(tag: str) -> Any:
    """A new ``w:tag`` element, of python-docx's class for it (what ``OxmlElement`` makes,
    without parsing the prefix each time)."""
    return oxml_parser.makeelement(f"{{{W}}}{tag}", nsmap=_W_NSMAP)


def element(tag: str, **attrs: Any) -> Any:
    """A new ``w:`` element with ``w:`` attributes (``None`` values are left out)."""
    el = make(tag)
    for key, value in attrs.items():
        if value is not None:
            el.set(f"{{{W}}}{key}", str(value))
    return el


def props(parent: Any, tag: str) -> Any:
    """``parent``'s property element (``pPr``, ``trPr``, ``tcPr``), made if missing. It
    comes first (in a row, after any ``tblPrEx``)."""
    el = parent.find(f"{{{W}}}{tag}")
    if el is None:
        el = make(tag)
        first = parent[0] if len(parent) else None
        parent.insert(1 if first is not None and first.tag == f"{{{W}}}tblPrEx" else 0, el)
    return el


_RANKS = {f"{{{W}}}{parent}": {f"{{{W}}}{tag}": i for i, tag in enumerate(tags)} for parent, tags in ORDER.items()}


def put(parent: Any, child: Any) -> Any:
    """Put ``child`` in ``parent`` at its place in the schema's order, replacing any
    element of the same name. Returns ``child``."""
    old = parent.find(child.tag)
    if old is not None:
        parent.replace(old, child)
        return child
    ranks = _RANKS[parent.tag]
    rank = ranks.get(child.tag, len(ranks))
    for existing in parent:
        if ranks.get(existing.tag, -1) > rank:
            existing.addprevious(child)
            return child
    parent.append(child)
    return child


def child(parent: Any, tag: str, **attrs: Any) -> Any:
    """``parent``'s child ``w:tag`` (made, in order, if missing) with ``attrs`` set."""
    el = parent.find(qn(f"w:{tag}"))
    if el is None:
        el = put(parent, element(tag))
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    return el


# --- tables ------------------------------------------------------------------------------


def repeat_header(tr: Any) -> None:
    """The row is the table's header row: Word and LibreOffice repeat it on every page,
    and a PDF made from the file tags its cells as header cells."""
    tr_pr = props(tr, "trPr")
    put(tr_pr, element("cantSplit"))
    put(tr_pr, element("tblHeader"))


def cant_split(tr: Any) -> None:
    """The row is never split across two pages."""
    put(props(tr, "trPr"), element("cantSplit"))


def row_height(tr: Any, mm: float, rule: str = "atLeast") -> None:
    put(props(tr, "trPr"), element("trHeight", val=twips(mm), hRule=rule))


def table_look(tbl: Any, *, first_row: bool, first_column: bool) -> None:
    """Which table style parts apply: a header row, row headers (the first column)."""
    flags = {"firstRow": first_row, "lastRow": False, "firstColumn": first_column, "lastColumn": False,
             "noHBand": True, "noVBand": True}
    val = (0x20 if first_row else 0) | (0x80 if first_column else 0) | 0x200 | 0x400
    put(tbl.tblPr, element("tblLook", val=f"{val:04X}", **{k: int(v) for k, v in flags.items()}))


def table_alt(tbl: Any, caption: str = "", description: str = "") -> None:
    """The table's alt text: a short title (``tblCaption``) and a description."""
    if caption:
        put(tbl.tblPr, element("tblCaption", val=caption))
    if description:
        put(tbl.tblPr, element("tblDescription", val=description))


def table_layout(tbl: Any, widths_mm: list[float], indent_mm: float = 0) -> None:
    """Fixed column widths (the grid and every cell), a fixed layout, and an indent."""
    tbl_pr = tbl.tblPr
    put(tbl_pr, element("tblW", w=sum(twips(w) for w in widths_mm), type="dxa"))
    if indent_mm:
        put(tbl_pr, element("tblInd", w=twips(indent_mm), type="dxa"))
    put(tbl_pr, element("tblLayout", type="fixed"))
    widths = [str(twips(w)) for w in widths_mm]
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), width)
    for tr in tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths):
            tc_pr = props(tc, "tcPr")
            tc_w = tc_pr.find(f"{{{W}}}tcW")
            if tc_w is None:
                tc_w = put(tc_pr, make("tcW"))
            tc_w.set(f"{{{W}}}type", "dxa")
            tc_w.set(f"{{{W}}}w", width)


def no_borders(tbl: Any, rule_between_rows: str = "") -> None:
    """A layout table: no borders, or only a rule of colour ``rule_between_rows`` between rows."""
    borders = element("tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        if edge == "insideH" and rule_between_rows:
            borders.append(element(edge, val="single", sz=6, space=0, color=rule_between_rows))
        else:
            borders.append(element(edge, val="nil"))
    put(tbl.tblPr, borders)


def cell_margins(tbl: Any, **mm: float) -> None:
    """Default cell margins (top, left, bottom, right) for the whole table."""
    margins = element("tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        if edge in mm:
            margins.append(element(edge, w=twips(mm[edge]), type="dxa"))
    put(tbl.tblPr, margins)


def shade_cell(tc: Any, fill: str) -> None:
    put(props(tc, "tcPr"), element("shd", val="clear", color="auto", fill=fill))


def cell_top(tc: Any) -> None:
    put(props(tc, "tcPr"), element("vAlign", val="top"))


# --- paragraphs --------------------------------------------------------------------------


def paragraph_border(p: Any, colour: str, *, sides: tuple[str, ...] = ("top", "left", "bottom", "right"),
                     size: int = 12, space: int = 4, style: str = "single") -> None:
    """A border round the paragraph. Consecutive paragraphs with the same border (and the
    same indents) share one box in Word and LibreOffice."""
    borders = element("pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            borders.append(element(side, val=style, sz=size, space=space, color=colour))
    put(props(p, "pPr"), borders)


def paragraph_shading(p: Any, fill: str) -> None:
    put(props(p, "pPr"), element("shd", val="clear", color="auto", fill=fill))


def outline_level(p: Any, level: int) -> None:
    """A heading level for a paragraph whose shell has no heading style (0 is Heading 1)."""
    put(props(p, "pPr"), element("outlineLvl", val=level))


# --- runs and fields ---------------------------------------------------------------------


def field(p: Any, instruction: str, shown: str = "1", rpr: Any | None = None) -> Any:
    """A simple field (``PAGE``, ``NUMPAGES``, ``STYLEREF "Heading 1"``) showing ``shown``
    until Word or LibreOffice updates it."""
    fld = element("fldSimple", instr=f" {instruction} ")
    run = OxmlElement("w:r")
    if rpr is not None:
        run.append(rpr)
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    fld.append(run)
    p.append(fld)
    return fld


# --- pictures ----------------------------------------------------------------------------


def alt_text(inline: Any, description: str) -> None:
    """Alt text on a picture: ``descr`` is what it means here (what a screen reader says,
    and what Word shows as its alt text). ``title`` is left out: LibreOffice and some
    screen readers read "title - descr", so a short name there is said twice over
    ("Picture - A council building")."""
    for el in (*inline.iter(qn("wp:docPr")), *inline.iter(qn("pic:cNvPr"))):
        el.set("descr", description)
        el.attrib.pop("title", None)


# --- the language ------------------------------------------------------------------------


def set_language(styles: Any, settings: Any | None, lang: str) -> None:
    """``lang`` as the language of the document defaults (so spell-check and screen
    readers use it) and of the theme fonts in the settings."""
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = OxmlElement("w:docDefaults")
        styles.insert(0, doc_defaults)
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        doc_defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang_el = child(rpr, "lang")
    for attr in ("val", "eastAsia", "bidi"):
        lang_el.set(qn(f"w:{attr}"), lang)
    if settings is not None:
        theme = child(settings, "themeFontLang")
        theme.set(qn("w:val"), lang)
        theme.set(qn("w:bidi"), lang)




# --- paragraphs and runs, built directly (the hot path of bulk letters) -------------------
#
# python-docx's property setters find each child's place among dozens of possible
# successors on every call; a letter sets thousands of them. These build the few
# properties doctool writes in schema order, once, with lxml (text is escaped by lxml).

_P, _PPR, _R, _RPR, _T = (f"{{{W}}}{t}" for t in ("p", "pPr", "r", "rPr", "t"))
_VAL = f"{{{W}}}val"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def sub(parent: Any, tag: str, **attrs: Any) -> Any:
    """A ``w:tag`` child appended to ``parent`` with ``w:`` attributes."""
    el = etree.SubElement(parent, f"{{{W}}}{tag}")
    for key, value in attrs.items():
        if value is not None:
            el.set(f"{{{W}}}{key}", str(value))
    return el


def new_paragraph(style: str | None = None, *, keep_next: bool = False, page_break: bool = False,
                  before: float | None = None, after: float | None = None, line: float | None = None,
                  exact: bool = False, left_mm: float | None = None, right_mm: float | None = None,
                  align: str | None = None) -> Any:
    """A ``w:p`` with its properties in schema order. ``before``, ``after`` are points;
    ``line`` is a multiple of single spacing, or points when ``exact``."""
    p = make("p")
    if style or keep_next or page_break or before is not None or after is not None or line or left_mm or right_mm or align:
        ppr = etree.SubElement(p, _PPR)
        if style:
            sub(ppr, "pStyle", val=style)
        if keep_next:
            sub(ppr, "keepNext")
        if page_break:
            sub(ppr, "pageBreakBefore")
        if before is not None or after is not None or line:
            sub(ppr, "spacing",
                before=None if before is None else round(before * 20),
                after=None if after is None else round(after * 20),
                line=None if not line else round(line * 20) if exact else round(line * 240),
                lineRule=None if not line else "exact" if exact else "auto")
        if left_mm or right_mm:
            sub(ppr, "ind", left=twips(left_mm) if left_mm else None, right=twips(right_mm) if right_mm else None)
        if align:
            sub(ppr, "jc", val=align)
    return p


def add_run(p: Any, text: str, *, bold: bool = False, size: float | None = None, colour: str | None = None) -> Any:
    """A run of ``text`` at the end of ``p``: tabs and line breaks as Word's own marks,
    U+2011 as Word's no-break hyphen."""
    r = etree.SubElement(p, _R)
    if bold or size or colour:
        rpr = etree.SubElement(r, _RPR)
        if bold:
            sub(rpr, "b")
        if colour:
            sub(rpr, "color", val=colour)
        if size:
            sub(rpr, "sz", val=round(size * 2))
            sub(rpr, "szCs", val=round(size * 2))
    if not _SPECIAL.search(text):
        t = etree.SubElement(r, _T)
        t.text = text
        if text != text.strip():
            t.set(_XML_SPACE, "preserve")
        return r
    for piece in _SPECIAL_SPLIT.split(text):
        if not piece:
            continue
        if piece == "\t":
            sub(r, "tab")
        elif piece in ("\n", "\r", "\r\n"):
            sub(r, "br")
        elif piece == "\u2011":
            sub(r, "noBreakHyphen")
        else:
            t = etree.SubElement(r, _T)
            t.text = piece
            t.set(_XML_SPACE, "preserve")
    return r


_SPECIAL = re.compile("[\t\n\r\u2011]")
_SPECIAL_SPLIT = re.compile("(\r\n|[\t\n\r\u2011])")
