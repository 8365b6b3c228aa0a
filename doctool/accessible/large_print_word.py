"""Large and clear print Word: the standard Word file with every style and run at least
the asked size (headings stay proportionally larger), line spacing 1.5, no italics, and
from 16 pt tables of three or more columns laid out one record at a time.

A transitional rewrite of the Word file: it goes once Word is rendered from the document
model with a size option.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from decimal import Decimal

from lxml import etree

STACK_RECORDS_FROM = 16  # pt: tables with column headings become one block per row
#: How much larger than the body text headings stay, relative to the standard template:
#: a heading 1.6 times the body at 12 pt is 1 + 0.6 * 0.6 = 1.36 times it in large print.
HEADING_TAPER = Decimal("0.6")
LINE_SPACING = 360  # 1.5 lines, in 240ths


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_PARTS = re.compile(r"^word/(document|styles|header\d*|footer\d*|footnotes|endnotes)\.xml$")


def _half_points(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value is not None else None
    except ArithmeticError:
        return None


def _normal_size(styles: etree._Element) -> Decimal:
    """The Normal style's size in half-points (the base the others are relative to)."""
    for style in styles.iter(f"{_W}style"):
        if style.get(f"{_W}styleId") == "Normal":
            sz = style.find(f"{_W}rPr/{_W}sz")
            if sz is not None and (value := _half_points(sz.get(f"{_W}val"))):
                return value
    sz = styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr/{_W}sz")
    if sz is not None and (value := _half_points(sz.get(f"{_W}val"))):
        return value
    return Decimal(24)


def _resize(tree: etree._Element, base: Decimal, body: Decimal) -> None:
    """Every w:sz and w:szCs at least ``body``; larger ones (headings) keep a tapered ratio."""
    for tag in ("sz", "szCs"):
        for el in tree.iter(f"{_W}{tag}"):
            old = _half_points(el.get(f"{_W}val"))
            ratio = old / base if old else Decimal(1)
            new = body * (1 + (ratio - 1) * HEADING_TAPER) if ratio > 1 else body
            el.set(f"{_W}val", str(int(new.to_integral_value())))


def _no_italics(tree: etree._Element) -> None:
    for tag in ("i", "iCs"):
        for el in list(tree.iter(f"{_W}{tag}")):
            el.getparent().remove(el)


def _ensure_size(rpr: etree._Element, body: Decimal) -> None:
    for tag in ("sz", "szCs"):
        el = rpr.find(f"{_W}{tag}")
        if el is None:
            el = etree.SubElement(rpr, f"{_W}{tag}")
            el.set(f"{_W}val", str(int(body)))


def _spacing(styles: etree._Element, body_pt: int) -> None:
    """Line spacing 1.5 and a blank line's space after paragraphs, in the defaults and Normal."""
    after = str(body_pt * 15)  # twips: three quarters of a line, on top of 1.5 line spacing
    targets = [styles.find(f"{_W}docDefaults/{_W}pPrDefault/{_W}pPr")]
    for style in styles.iter(f"{_W}style"):
        if style.get(f"{_W}styleId") == "Normal":
            ppr = style.find(f"{_W}pPr")
            if ppr is None:
                ppr = etree.SubElement(style, f"{_W}pPr")
            targets.append(ppr)
    for ppr in targets:
        if ppr is None:
            continue
        spacing = ppr.find(f"{_W}spacing")
        if spacing is None:
            spacing = etree.SubElement(ppr, f"{_W}spacing")
        spacing.set(f"{_W}line", str(LINE_SPACING))
        spacing.set(f"{_W}lineRule", "auto")
        spacing.set(f"{_W}after", after)


def _ppr(paragraph: etree._Element) -> etree._Element:
    ppr = paragraph.find(f"{_W}pPr")
    if ppr is None:
        ppr = etree.Element(f"{_W}pPr")
        paragraph.insert(0, ppr)
    return ppr


def _set(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    """The child ``w:tag`` of ``parent`` (created if missing) with ``attrs`` set."""
    el = parent.find(f"{_W}{tag}")
    if el is None:
        el = etree.SubElement(parent, f"{_W}{tag}")
    for key, value in attrs.items():
        el.set(f"{_W}{key}", value)
    return el


def _cell_text(cell: etree._Element) -> str:
    return " ".join("".join(t.text or "" for t in cell.iter(f"{_W}t")).split())


def _record_paragraph(label: str, source: etree._Element | None, last: bool, gap_twips: int) -> etree._Element:
    """One "Heading: value" paragraph of a stacked table row, its runs copied from the cell."""
    p = etree.Element(f"{_W}p")
    ppr = _ppr(p)
    border = _set(ppr, "pBdr")
    _set(border, "left", val="single", sz="24", space="8", color="005E6E")
    _set(ppr, "spacing", before="0", after=str(gap_twips if last else 0))
    _set(ppr, "ind", left="170")
    if not last:
        _set(ppr, "keepNext")
    if label:
        run = etree.SubElement(p, f"{_W}r")
        _set(_set(run, "rPr"), "b")
        text = etree.SubElement(run, f"{_W}t")
        text.text = f"{label}: "
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    if source is not None:
        for run in source.iter(f"{_W}r"):
            p.append(copy.deepcopy(run))
    return p


def stack_tables(tree: etree._Element, body_pt: int, min_columns: int = 3) -> None:
    """Tables of ``min_columns`` or more columns with a heading row become, row by row,
    "Heading: value" paragraphs grouped by a rule at the left, as in the large-print PDF:
    at large sizes a wide table breaks words in the middle."""
    gap = body_pt * 20
    for table in list(tree.iter(f"{_W}tbl")):
        rows = table.findall(f"{_W}tr")
        if not rows or table.find(f".//{_W}tbl") is not None:
            continue
        head = rows[0]
        if head.find(f"{_W}trPr/{_W}tblHeader") is None:
            continue
        headings = [_cell_text(c) for c in head.findall(f"{_W}tc")]
        if len(headings) < min_columns:
            continue
        replacement: list[etree._Element] = []
        for row in rows[1:]:
            fields = []
            for heading, cell in zip(headings, row.findall(f"{_W}tc")):
                paragraphs = [p for p in cell.findall(f"{_W}p") if _cell_text(p)]
                for i, para in enumerate(paragraphs):
                    fields.append((heading if i == 0 else "", para))
            for i, (label, para) in enumerate(fields):
                replacement.append(_record_paragraph(label, para, i == len(fields) - 1, gap))
        parent = table.getparent()
        index = parent.index(table)
        parent.remove(table)
        for offset, element in enumerate(replacement):
            parent.insert(index + offset, element)


def _rows_stay_whole(tree: etree._Element) -> None:
    for row in tree.iter(f"{_W}tr"):
        tr_pr = row.find(f"{_W}trPr")
        if tr_pr is None:
            tr_pr = etree.Element(f"{_W}trPr")
            row.insert(0, tr_pr)
        _set(tr_pr, "cantSplit")
    for cell in tree.iter(f"{_W}tc"):
        for p in cell.findall(f"{_W}p"):
            _set(_ppr(p), "spacing", before="0", after="0")


def resize_docx(content: bytes, body_pt: int) -> bytes:
    """A rendered .docx with every style and run at least ``body_pt`` points.

    Headings stay larger (tapered, see :data:`HEADING_TAPER`); the defaults and Normal get
    line spacing 1.5 and space after each paragraph; italics are removed; from 16 pt,
    tables of three or more columns become "Heading: value" blocks (:func:`stack_tables`)
    and table rows no longer split across pages. Every
    other part, and every zip entry's name, order and timestamp, is kept, so the same
    input gives the same bytes.
    """
    body = Decimal(body_pt) * 2
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as src:
        infos = src.infolist()
        styles = etree.fromstring(src.read("word/styles.xml"))
        base = _normal_size(styles)
        for info in infos:
            data = src.read(info.filename)
            if _PARTS.match(info.filename):
                tree = styles if info.filename == "word/styles.xml" else etree.fromstring(data)
                _resize(tree, base, body)
                _no_italics(tree)
                if info.filename == "word/document.xml":
                    if body_pt >= STACK_RECORDS_FROM:
                        stack_tables(tree, body_pt)
                    _rows_stay_whole(tree)
                if tree is styles:
                    default_rpr = tree.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
                    if default_rpr is not None:
                        _ensure_size(default_rpr, body)
                    _spacing(tree, body_pt)
                data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
            parts[info.filename] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            fixed = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, parts[info.filename])
    return out.getvalue()


