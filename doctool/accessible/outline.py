"""A document as a structured outline: headings, paragraphs, lists and tables, in order.

The plain-text, braille and audio copies are all written from this outline, and the
outline is read from the very HTML the PDF is laid out from. So every accessible copy has
exactly the words, headings and order of the printed document, and no wording list is
kept twice: change a label in the wording files or a template, and every format follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lxml import html as lxml_html

from doctool.document import Document
from doctool.errors import ConfigError

#: Heading levels that start a new section (an h2 is a section, as in the table of contents).
SECTION_LEVEL = 2


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Items:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Fields:
    """A table of label and value pairs (row headers): "Name: Margaret Thompson"."""

    caption: str
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Records:
    """A table with column headings: each row becomes one record of (heading, value) pairs."""

    caption: str
    records: tuple[tuple[tuple[str, str], ...], ...]


Block = Heading | Para | Items | Fields | Records


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Outline:
    """``title`` is the h1; ``sender`` the letterhead lines; ``preamble`` what comes before
    the first section (a letter's contact block and address too); ``sections`` one per h2."""

    title: str
    lang: str
    full_title: str
    name: str
    reference: str
    footer: str
    draft_banner: str
    sender: list[str] = field(default_factory=list)
    preamble: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def clean(text: str | None) -> str:
    """Collapse white space, as a browser would."""
    return " ".join((text or "").split())


def _text(element: Any) -> str:
    return clean(element.text_content())


def _table(table: Any) -> Fields | Records | None:
    caption_el = table.find("caption")
    caption = _text(caption_el) if caption_el is not None else ""
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    head = table.xpath("./thead/tr")
    if head:
        columns = [_text(c) for c in head[0].xpath("./th | ./td")]
        records = []
        for row in rows:
            if row in head:
                continue
            cells = [_text(c) for c in row.xpath("./th | ./td")]
            pairs = tuple((columns[i] if i < len(columns) else "", v) for i, v in enumerate(cells) if v)
            if pairs:
                records.append(pairs)
        if len(columns) == 2 and all(len(r) == 2 for r in records):
            # two columns read best as "State Pension: £230.25"
            return Fields(caption, tuple((r[0][1], r[1][1]) for r in records)) if records else None
        return Records(caption, tuple(records)) if records else None
    pairs = []
    for row in rows:
        cells = [_text(c) for c in row.xpath("./th | ./td")]
        if len(cells) >= 2:
            pairs.append((cells[0], " ".join(c for c in cells[1:] if c)))
        elif cells and cells[0]:
            pairs.append(("", cells[0]))
    return Fields(caption, tuple(pairs)) if pairs else None


def _blocks(element: Any) -> list[Block]:
    """The blocks inside ``element``, in document order."""
    out: list[Block] = []
    loose: list[str] = []

    def flush() -> None:
        text = clean(" ".join(loose))
        loose.clear()
        if text:
            out.append(Para(text))

    if element.text and element.text.strip():
        loose.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            if child.tail and child.tail.strip():
                loose.append(child.tail)
            continue
        tag = child.tag.lower()
        if tag in ("script", "style", "template", "img", "svg"):
            pass
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            flush()
            out.append(Heading(int(tag[1]), _text(child)))
        elif tag == "p":
            flush()
            if text := _text(child):
                out.append(Para(text))
        elif tag in ("ul", "ol"):
            flush()
            items = tuple(t for li in child.xpath("./li") if (t := _text(li)))
            if items:
                out.append(Items(items))
        elif tag == "dl":
            flush()
            terms = child.xpath("./dt | ./dd")
            pairs = [(_text(t), _text(d)) for t, d in zip(terms[::2], terms[1::2])]
            if pairs:
                out.append(Fields("", tuple(pairs)))
        elif tag == "table":
            flush()
            if (table := _table(child)) is not None:
                if out and isinstance(out[-1], Heading) and out[-1].text == table.caption:
                    table = replace(table, caption="")  # a caption repeating its heading
                out.append(table)
        elif tag in ("div", "section", "article", "aside", "header", "footer", "nav", "main", "figure", "blockquote", "address"):
            flush()
            out.extend(_blocks(child))
        else:  # inline content: strong, span, a, br...
            loose.append(child.text_content())
        if child.tail and child.tail.strip():
            loose.append(child.tail)
    flush()
    return out


def build_outline(html: str, document: Document) -> Outline:
    """Read the document's HTML (rendered from ``document``) into an :class:`Outline`.

    Transitional: the text, braille and audio copies are to read the document model
    directly; until then they read its HTML, which is made from that same model."""
    root = lxml_html.document_fromstring(html)
    for br in root.iter("br"):  # a line break inside a paragraph separates its lines
        br.tail = ", " + (br.tail or "")
    meta = document.meta
    outline = Outline(
        title=meta.h1,
        lang=root.get("lang") or meta.lang,
        full_title=meta.full_title,
        name=meta.person,
        reference=meta.reference,
        footer=meta.footer,
        draft_banner=document.draft.banner if document.draft.on else "",
    )
    body = root.find("body")
    if body is None:
        raise ConfigError("the document template produced no <body>")
    council = {"name": document.letterhead.council}
    if council.get("name"):
        outline.sender = [council["name"]]
    for header in body.xpath(".//header[contains(concat(' ', normalize-space(@class), ' '), ' letterhead ')]"):
        lines = [_text(p) for p in header.xpath(".//p")]
        name = council.get("name", "")
        outline.sender = [name] if name and name not in lines else []
        outline.sender += [line for line in lines if line]
        header.drop_tree()
    blocks = _blocks(body)
    current: list[Block] = outline.preamble
    for block in blocks:
        if isinstance(block, Heading) and block.level == 1 and not outline.sections and block.text == outline.title:
            continue  # the title itself
        if isinstance(block, Heading) and block.level <= SECTION_LEVEL:
            section = Section(block.text)
            outline.sections.append(section)
            current = section.blocks
        else:
            current.append(block)
    return outline
