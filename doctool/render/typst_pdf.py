"""A letter laid out by Typst: the charging letter's PDF engine, single and in bulk.

WeasyPrint lays out a letter in about 300 ms of CPU; Typst lays out the same letter, tagged
PDF/UA-1, in about 20 ms with a warm compiler. Bulk letters are the one hot path, so
letters use Typst (see docs/letters.md for the figures); the plan, easy read, review and
payment summary stay on WeasyPrint, which councils restyle with HTML and CSS.

The template (``templates/typst/letter.typ``) gets the document model as JSON through
``sys.inputs``: every value arrives ready-formatted and is shown as text, never evaluated
as Typst markup, so no record can add markup or read a file. Typst reads files only under
its root: each compiler gets a private root holding the template, the council's logo and
the draft watermark, and nothing else.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import json
import math
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import typst
from PIL import Image

from doctool.document import Document
from doctool.document.model import Block, Callout, Field, Fields, Items, Paragraph, SignOff, Slip, Table
from doctool.document.values import Email, Phone, Phrase, Reference, Term, Text, printed
from doctool.errors import ConfigError
from doctool.notify import TAG_TEXT, ZONES_LATER, ZONES_PAGE_1
from doctool.paths import ASSETS, TEMPLATES
from doctool.render.laid_out import TAG_BOX_MM, Page, Pdf, Rect

TEMPLATE = TEMPLATES / "typst" / "letter.typ"
FONTS = ASSETS / "fonts"
WATERMARK = ASSETS / "img" / "draft-watermark.svg"
#: The address window's type size and line pitch in pt for each address_fit (letter.css's).
ADDRESS_SIZES = {"fit-smallest": (8.5, 8.5 * 1.15), "fit-smaller": (9.5, 9.5 * 1.2)}
ADDRESS_NORMAL = (10.5, 10.5 * 1.22)

_ZWSP = "\u200b"
#: A word this long may not fit a line (an e-mail address, a pasted link, a long reference):
#: Typst has no ``overflow-wrap: break-word``, so it gets break points, or it would run
#: outside Notify's printable area. A break point is marked with U+200B here and laid out
#: as the gap between two boxes, so no zero-width character reaches the PDF's text (a
#: copied e-mail address must work).
_LONG_WORD = 30
_LONG = re.compile(rf"\S{{{_LONG_WORD},}}")
_BREAK_AFTER = re.compile(r"([./_-])(?=\w)")


def _breakable(word: str) -> str:
    """A long word with break points: before the ``@`` of an e-mail address (where the HTML
    letter breaks it), and after dots, slashes and dashes in a part still too long."""
    if len(word) < _LONG_WORD:
        return word
    if "@" in word[1:]:
        return f"{_ZWSP}@".join(_breakable(part) for part in word.split("@"))
    return _BREAK_AFTER.sub(rf"\1{_ZWSP}", word)


def _word(word: str) -> list[str]:
    """A word as a run: "w" when it has break points (the template boxes each piece)."""
    broken = _breakable(word)
    return [broken, "w" if _ZWSP in broken else ""]


def _text(value: str) -> list[list[str]]:
    """Plain text as runs, each long word a run of its own."""
    out: list[list[str]] = []
    pos = 0
    for match in _LONG.finditer(value):
        out += [[value[pos:match.start()], ""], _word(match.group())]
        pos = match.end()
    out.append([value[pos:], ""])
    return [run for run in out if run[0]]


def _runs(value: Text) -> list[list[str]]:
    """Text as runs of [text, style]: "b" for an explained word, "nb" for a phone number,
    "w" for a long word with break points."""
    parts = value.parts if isinstance(value, Phrase) else (value,)
    out: list[list[str]] = []
    for part in parts:
        if isinstance(part, Phone):
            out.append([part.printed, "nb"])
        elif isinstance(part, Term):
            out.append([part.printed, "b"])
        elif isinstance(part, Email | Reference):
            out.append(_word(part.printed))
        else:
            out += _text(printed(part))
    return out


def _field(f: Field) -> dict[str, Any]:
    return {"label": f.label, "value": _runs(f.value), "strong": f.strong}


def _block(b: Block) -> dict[str, Any]:
    """One block of the document model, ready to place."""
    if isinstance(b, Paragraph):
        return {"kind": b.kind, "text": _runs(b.text), "style": b.style}
    if isinstance(b, Items):
        return {"kind": b.kind, "items": [_runs(i) for i in b.items]}
    if isinstance(b, Fields):
        return {"kind": b.kind, "rows": [_field(f) for f in b.rows], "caption": b.caption}
    if isinstance(b, Table):
        return {"kind": b.kind, "head": list(b.head), "rows": [[_runs(c) for c in row] for row in b.rows],
                "caption": b.caption, "numeric": list(b.numeric), "totals": list(b.totals)}
    if isinstance(b, Callout):
        return {"kind": b.kind, "title": _runs(b.title), "amount": _runs(b.amount) if b.amount else [],
                "detail": _runs(b.detail) if b.detail else []}
    if isinstance(b, SignOff):
        return {"kind": b.kind, "closing": b.closing, "name": b.name, "job_title": b.job_title, "for_council": b.for_council}
    if isinstance(b, Slip):
        return {"kind": b.kind, "cut": b.cut, "heading": b.heading, "statement": _runs(b.statement),
                "fields": [_field(f) for f in b.fields], "blanks": list(b.blanks),
                "about": _runs(b.about) if b.about else [], "return_to": _runs(b.return_to) if b.return_to else []}
    raise ConfigError(f"a letter laid out by Typst has no {b.kind} block")


def letter_data(doc: Document) -> dict[str, Any]:
    """What the template places, read from the document model only."""
    frame, head = doc.letter, doc.letterhead
    if frame is None:
        raise ConfigError(f"{doc.kind} is not a letter: it has no address window")
    lang, _, region = doc.meta.lang.partition("-")
    draft = doc.draft
    return {
        "title": doc.meta.full_title,
        "author": head.council,
        "date": [doc.meta.date.year, doc.meta.date.month, doc.meta.date.day],
        "lang": lang.lower(),
        "region": region.upper() or None,
        "footer": doc.meta.footer,
        "page": doc.words.get("page", "Page"),  # as the Word shells and HTML templates default
        "of": doc.words.get("of", "of"),
        "h1": doc.meta.h1,
        "council": head.council,
        "logo": {"path": "/logo" + head.logo.path.suffix.lower(), "alt": head.logo.alt} if head.logo else None,
        "contact": {
            "department": head.department,
            "address": list(head.address),
            "fields": [_field(f) for f in frame.contact],
        },
        "address": list(frame.address),
        "address_size": ADDRESS_SIZES.get(frame.address_fit, ADDRESS_NORMAL),
        "salutation": frame.salutation,
        "draft": {"banner": draft.banner, "title": draft.title, "intro": draft.intro,
                  "findings": [list(f) for f in draft.findings]} if draft.on else None,
        "preamble": [_block(b) for b in doc.preamble],
        "sections": [{"heading": s.heading, "level": s.level, "blocks": [_block(b) for b in s.blocks]} for s in doc.sections],
    }


@cache
def _compiler(logo: Path | None) -> typst.Compiler:
    """A warm compiler for letters with this logo: fonts loaded once, layouts cached.

    Its root is a private folder holding only the template, the logo and the draft
    watermark, so Typst can read nothing else. The folder lives as long as the process."""
    root = Path(tempfile.mkdtemp(prefix="doctool-letter-"))
    _ROOTS.append(root)
    shutil.copyfile(TEMPLATE, root / "letter.typ")
    shutil.copyfile(WATERMARK, root / "watermark.svg")
    if logo is not None:
        shutil.copyfile(logo, root / ("logo" + logo.suffix.lower()))
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONTS)])
    return typst.Compiler(str(root / "letter.typ"), root=str(root), font_paths=fonts, ignore_system_fonts=True)


_ROOTS: list[Path] = []


def laid_out_here() -> bool:
    """Whether this process has made a Typst compiler (and so may have Typst's threads)."""
    return _compiler.cache_info().currsize > 0


def _remove_roots() -> None:
    for root in _ROOTS:
        shutil.rmtree(root, ignore_errors=True)


atexit.register(_remove_roots)


#: Pixels per inch of the page images the zone check reads: one pixel is 0.53 mm, and the
#: layout keeps 1 mm inside every limit.
PPI = 48
_MM = 25.4 / PPI


def _inside(zone: Rect) -> tuple[int, int, int, int]:
    """The pixels lying wholly inside a zone (a pixel half outside it is outside)."""
    left, top, right, bottom = zone
    return math.ceil(left / _MM), math.ceil(top / _MM), math.floor(right / _MM), math.floor(bottom / _MM)


_MEDIA_BOX = re.compile(rb"/MediaBox\[0 0 ([0-9.]+) ([0-9.]+)\]")
_PT = 25.4 / 72


def _sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in mm, from the MediaBox Typst writes for it (pages in order)."""
    return [(float(w) * _PT, float(h) * _PT) for w, h in _MEDIA_BOX.findall(pdf)]


def _measure(png: bytes, first: bool, size: tuple[float, float]) -> Page:
    """Where a page puts ink, read from Typst's own rendering of it, as Notify does
    (notifications-template-preview ``_colour_no_print_areas_of_page_in_red``: any pixel
    that is not white, outside the zones, fails the letter): the ink of each zone as one
    rectangle, and the bounding box of every inked pixel not wholly inside a zone, so a
    single stray mark is found. The tag box: the template keeps it empty on every page,
    so any ink in it on a later page is reported as Notify's tag there."""
    image = Image.open(io.BytesIO(png)).convert("L")
    dark = image.point(lambda v: 255 if v < 255 else 0)
    ink: list[Rect] = []
    outside = dark.copy()
    for zone in ZONES_PAGE_1 if first else ZONES_LATER:
        box = _inside(zone)
        found = dark.crop(box).getbbox()
        if found:
            ink.append(((box[0] + found[0]) * _MM, (box[1] + found[1]) * _MM, (box[0] + found[2]) * _MM, (box[1] + found[3]) * _MM))
        outside.paste(0, box)
    stray = outside.getbbox()
    if stray:
        ink.append((stray[0] * _MM, stray[1] * _MM, stray[2] * _MM, stray[3] * _MM))
    tag = TAG_TEXT if not first and dark.crop(_inside((0, 0, *TAG_BOX_MM))).getbbox() else ""
    return Page(*size, tag, tuple(ink))


def lay_out_letter(doc: Document) -> Pdf:
    """The letter as an A4 tagged PDF/UA-1, and where each page puts ink. Same input, same
    bytes: the PDF's dates are the letter's own date, never the clock."""
    compiler = _compiler(doc.letterhead.logo.path if doc.letterhead.logo else None)
    inputs = {"data": json.dumps(letter_data(doc), ensure_ascii=False)}
    stamp = dt.datetime.combine(doc.meta.date, dt.time(), tzinfo=dt.UTC)
    try:
        content = compiler.compile(format="pdf", sys_inputs=inputs, pdf_standards=["ua-1"], timestamp=stamp)
        pages = compiler.compile(format="png", ppi=PPI, sys_inputs=inputs)
    except typst.TypstError as exc:
        raise ConfigError(f"letter layout error: {exc.message}") from None
    assert isinstance(content, bytes)  # compile returns the file when no output path is given
    images = [png for png in (pages if isinstance(pages, list) else [pages]) if png is not None]
    sizes = _sizes(content)
    if len(sizes) != len(images):
        raise ConfigError(f"letter layout error: {len(images)} page images for {len(sizes)} pages")
    return Pdf(content, tuple(_measure(png, n == 0, size) for n, (png, size) in enumerate(zip(images, sizes, strict=True))))
