"""Large print and clear print, in PDF and Word, of any document (UKAAF G003, RNIB clear print).

PDF: the document's own HTML is rendered, then given the body size (every other size in
``document.css`` is in ``em``) and ``assets/css/large-print.css``: sans serif, left aligned,
no italics, line height 1.5, space between paragraphs, nothing smaller than the body text,
page header and footer at the body size. From 16 pt, tables with column headings are laid
out one row at a time, each cell led by its column heading; from 20 pt, tables of row
headings put each heading above its value (``assets/css/stacked-tables.css``). They stay
real tables in the PDF tags.

Word: the document's own Word template is rendered as usual, then :func:`resize_docx` sets
every style and every run to at least the asked size (headings stay proportionally larger),
line spacing 1.5, and removes italics.
"""

from __future__ import annotations

import copy
import io
import math
import re
import zipfile
from decimal import Decimal
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from doctool.accessible.source import Source
from doctool.errors import InputError
from doctool.render.document import render_view
from doctool.render.pdf import html_to_pdf

LARGE_DEFAULT, LARGE_MIN, LARGE_MAX = 18, 14, 72
CLEAR_DEFAULT, CLEAR_MIN, CLEAR_MAX = 14, 12, 14
STACK_RECORDS_FROM = 16  # pt: tables with column headings become one block per row
STACK_FIELDS_FROM = 20  # pt: row-heading tables put the heading above the value
#: How much larger than the body text headings stay, relative to the standard template:
#: a heading 1.6 times the body at 12 pt is 1 + 0.6 * 0.6 = 1.36 times it in large print.
HEADING_TAPER = Decimal("0.6")
LINE_SPACING = 360  # 1.5 lines, in 240ths
PT_TO_MM = 25.4 / 72


def asked_size(doc: Any) -> int | None:
    """The large print size the person (or, in a combined plan, either person) asked for."""
    sizes = [
        p.communication.large_print_size
        for p in (getattr(doc, "person", None), getattr(doc, "carer", None))
        if p is not None and p.communication and p.communication.large_print_size
    ]
    return max(sizes) if sizes else None


def large_print_size(doc: Any, size: int | None = None) -> int:
    """The size to print at: an explicit ``size``, else the size asked for, else 18 pt."""
    if size is None:
        size = asked_size(doc)
    size = LARGE_DEFAULT if size is None else int(size)
    if not LARGE_MIN <= size <= LARGE_MAX:
        raise InputError(f"large print size must be {LARGE_MIN} to {LARGE_MAX} pt, not {size}")
    return size


def clear_print_size(size: int | None = None) -> int:
    """Clear print is 12 to 14 pt (14 by default); larger is large print."""
    size = CLEAR_DEFAULT if size is None else int(size)
    if not CLEAR_MIN <= size <= CLEAR_MAX:
        raise InputError(f"clear print size must be {CLEAR_MIN} to {CLEAR_MAX} pt, not {size}; ask for large print instead")
    return size


# --- HTML and PDF --------------------------------------------------------------------


def parse_html(html: str) -> Any:
    return lxml_html.document_fromstring(html)


def serialise_html(root: Any) -> str:
    return lxml_html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode", method="html")


def add_class(element: Any, name: str) -> None:
    classes = (element.get("class") or "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))


def mark_tables(root: Any) -> None:
    """Mark each table ``records`` (column headings) or ``fields`` (row headings), and give
    every data cell of a records table its column heading as ``data-label``, so CSS can lay
    a table out one row at a time without losing what each value is."""
    for table in root.iter("table"):
        head = table.xpath("./thead/tr[1]")
        if not head:
            add_class(table, "fields")
            continue
        add_class(table, "records")
        columns = [" ".join(c.text_content().split()) for c in head[0].xpath("./th | ./td")]
        for row in table.xpath("./tbody/tr | ./tr"):
            for i, cell in enumerate(row.xpath("./td")):
                if i < len(columns) and columns[i] and cell.text_content().strip():
                    cell.set("data-label", columns[i])


def page_css(size: int, reference: str, footer: str) -> str:
    """The page margins and running header and footer at ``size`` pt: "Page X of Y" at the
    top left, the reference at the top right, the document's footer line at the bottom,
    with margins deep enough for them (numbers only: no document text goes in here)."""
    line_mm = size * 1.3 * PT_TO_MM
    width_pt = (210 - 30) / PT_TO_MM * 0.9
    char_pt = 0.55 * size
    header_lines = 1 if (14 + len(reference) + 11) * char_pt < width_pt else 2
    footer_lines = max(1, math.ceil(max(len(footer), len(reference) + 11) * char_pt / width_pt))
    top, bottom = round(12 + header_lines * line_mm), round(12 + footer_lines * line_mm)
    box = f'font: {size}pt/1.3 "Atkinson Hyperlegible", "DejaVu Sans", sans-serif; color: #3d4548;'
    return (
        f":root:root {{ --body-size: {size}pt; }}\n"
        f"@page {{ margin: {top}mm 15mm {bottom}mm 15mm;\n"
        f'  @top-left {{ content: "Page " counter(page) " of " counter(pages); vertical-align: bottom; padding-bottom: 2mm; {box} }}\n'
        f"  @top-right {{ vertical-align: bottom; padding-bottom: 2mm; {box} }}\n"
        f"  @bottom-left {{ width: 100%; text-align: left; vertical-align: top; padding-top: 3mm; {box} }}\n"
        f"  @bottom-right {{ content: none; }} }}\n"
        f"@page :first {{ margin-top: {top}mm; }}\n"
    )


def large_print_html(source: Source, size: int) -> str:
    """The document's own HTML at ``size`` pt, ready for WeasyPrint.

    The template is rendered as usual, then given ``css/large-print.css`` and
    ``css/stacked-tables.css`` (author styles, so they win over the shared and the
    document's own stylesheets), the page rules for the size, and body classes that
    switch table stacking on. Working on the rendered HTML keeps this the same for every
    document, whatever blocks its template has.
    """
    root = parse_html(source.html)
    mark_tables(root)
    head, body = root.find("head"), root.find("body")
    for name in ("large-print.css", "stacked-tables.css"):
        head.append(lxml_html.Element("link", rel="stylesheet", href=f"css/{name}"))
    style = lxml_html.Element("style")
    doc = source.view["doc"]
    style.text = page_css(size, doc["reference"], doc.get("footer", ""))
    head.append(style)
    add_class(body, "large-print")
    if size >= STACK_RECORDS_FROM:
        add_class(body, "stack-records")
    if size >= STACK_FIELDS_FROM:
        add_class(body, "stack-fields")
    return serialise_html(root)


def render_large_print_pdf(source: Source, size: int) -> bytes:
    """A tagged PDF/UA-1 of the document with its body text at ``size`` pt."""
    return html_to_pdf(
        large_print_html(source, size),
        extra_files=source.logo,
        identifier=source.view["doc"]["reference"],
        stylesheets=source.kind.stylesheet_paths(),
    )


# --- Word ----------------------------------------------------------------------------

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


def render_large_print_docx(source: Source, size: int) -> bytes:
    """The document's Word template, rendered, with every text run at least ``size`` pt."""
    standard = render_view(source.kind, source.view, "docx", source.profile, draft=True)
    return resize_docx(standard.content, size)
