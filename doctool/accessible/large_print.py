"""Large print and clear print, in PDF and Word, of any document (UKAAF G003, RNIB clear print).

PDF: the document's own HTML is rendered, then given the body size (every other size in
``document.css`` is in ``em``) and ``assets/css/large-print.css``: sans serif, left aligned,
no italics, line height 1.5, space between paragraphs, nothing smaller than the body text,
page header and footer at the body size. From 16 pt, tables with column headings are laid
out one row at a time, each cell led by its column heading; from 20 pt, tables of row
headings put each heading above its value (``assets/css/stacked-tables.css``). They stay
real tables in the PDF tags.

Word: the Word renderer lays the same document out at the asked size (headings stay
proportionally larger), line spacing 1.5, no italics.
"""

from __future__ import annotations

import math
import re
from typing import Any

from doctool.accessible.source import Source
from doctool.errors import InputError
from doctool.paths import ASSETS
from doctool.render.document import lay_out_html
from doctool.render.html import render_html
from doctool.render.word import render_word

LARGE_DEFAULT, LARGE_MIN, LARGE_MAX = 18, 14, 72
CLEAR_DEFAULT, CLEAR_MIN, CLEAR_MAX = 14, 12, 14
STACK_FIELDS_FROM = 20  # pt: row-heading tables put the heading above the value
STACK_RECORDS_FROM = 16  # pt: tables with column headings become one block per row
PT_TO_MM = 25.4 / 72
CSS_DIR = ASSETS / "css"


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


_TAG = re.compile(r"(<[^>]*>)")
# Starts only at the start of a run of address characters, and never backtracks into one:
# linear time on hostile text (a field of 100,000 letters).
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)+")
_WEB = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)]")


def _breaks(address: str) -> str:
    """Where a long email or web address may wrap: before the @ and before each dot (after
    a slash in a web address), never inside a word and never with a hyphen."""
    head, rest = address[:1], address[1:]
    rest = rest.replace("@", "<wbr>@").replace(".", "<wbr>.").replace("/", "/<wbr>")
    return head + rest.replace("/<wbr>/<wbr>", "//<wbr>")


def mark_address_breaks(html: str) -> str:
    """The body text of ``html`` with break points in email and web addresses, so that at a
    large size an address that does not fit on a line wraps at a sensible point (large
    print turns off breaking inside words)."""
    start = html.find("<body")
    if start < 0:
        return html
    head, body = html[:start], html[start:].replace("<wbr>", "")
    parts = _TAG.split(body)
    for i in range(0, len(parts), 2):  # text between tags; the odd parts are the tags
        text = _EMAIL.sub(lambda m: _breaks(m.group(0)), parts[i])
        parts[i] = _WEB.sub(lambda m: _breaks(m.group(0)) if "<wbr>" not in m.group(0) else m.group(0), text)
    return head + "".join(parts)


def large_print_html(source: Source, size: int) -> str:
    """The document's own template at ``size`` pt: then ``large-print.css`` and
    ``stacked-tables.css`` (placed last, so they win over the shared and the document's own
    stylesheets), the page rules for the size, and body classes that switch table stacking on."""
    classes = ["large-print"]
    if size >= STACK_RECORDS_FROM:
        classes.append("stack-records")
    if size >= STACK_FIELDS_FROM:
        classes.append("stack-fields")
    css = "".join((CSS_DIR / name).read_text(encoding="utf-8") for name in ("large-print.css", "stacked-tables.css"))
    meta = source.document.meta
    html = render_html(
        source.document, source.kind.html_template, classes, css + page_css(size, meta.reference, meta.footer), source.profile
    )
    return mark_address_breaks(html)


def render_large_print_pdf(source: Source, size: int) -> bytes:
    """A tagged PDF/UA-1 of the document with its body text at ``size`` pt."""
    return lay_out_html(source.kind, source.document, large_print_html(source, size), source.profile).content


# --- Word ----------------------------------------------------------------------------


def render_large_print_docx(source: Source, size: int) -> bytes:
    """The document in its Word shell at ``size`` pt, laid out by the Word renderer itself
    (headings proportionally larger, no italics; from 16 pt, tables of three or more columns
    one record at a time), not a rewrite of the standard file."""
    shell = source.kind.docx_path(source.profile)
    return render_word(source.document, shell, size_pt=size, stacked=size >= STACK_RECORDS_FROM)
