"""A plain-text copy (.txt, UTF-8) for email and screen readers, from the document model.

Written straight from a :class:`~doctool.document.Document`: never from another
renderer's output. Level 2 sections are numbered and underlined ("2. My needs"), level 3
sections numbered inside them ("2.1 Eating and drinking"), lines are wrapped at 70
characters, :class:`~doctool.document.Fields` become "Label: value" lines and each
:class:`~doctool.document.Table` row a record, and a contents list follows the title. A
draft says so first (its banner and what is missing), then come the council's letterhead
and, for a letter, the recipient's address and the contact details. The same logical
lines (:func:`structured_lines`) feed the braille copy.

Values are printed with :func:`~doctool.document.printed`. Emails, references, phone
numbers and postcodes are never broken across lines, and neither is an email address, a
web address or a sum of money written in free text (a contact's email in a paragraph, a
licence's address): :data:`UNBROKEN_TEXT` finds them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from doctool.accessible.words import WordingLike, Words
from doctool.document import (
    Block,
    Callout,
    Document,
    Email,
    Fields,
    Illustrated,
    Items,
    Paragraph,
    Phone,
    Phrase,
    Picture,
    Postcode,
    Reference,
    Section,
    SignOff,
    Slip,
    Table,
    Text,
    printed,
)

WIDTH = 70

#: Values a line is never broken inside (in print and in braille).
UNBROKEN = (Email, Reference, Phone, Postcode)
#: The same things written in free text: an email address, a web address, a sum of money.
UNBROKEN_TEXT = re.compile(
    r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"  # an email address
    r"|(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]]"  # a web address with its scheme or www.
    r"|\b(?:[a-z0-9-]+\.)+(?:uk|org|com|net|gov|nhs)(?![\w-])(?:/[^\s<>\"]*[^\s<>\".,;:!?)\]])?"  # creativecommons.org/licenses/...
    r"|£\d[\d,]*(?:\.\d\d)?",  # a sum of money
    re.IGNORECASE,
)

#: Alt texts that say nothing about the picture: it is left out of the text copy.
_EMPTY_ALT = {"", "image", "picture", "photo", "photograph", "logo", "icon", "decorative", "illustration"}
_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")

#: Where a "_KEEP" character stands for a space that must not become a line break.
_KEEP = "\x00"


@dataclass(frozen=True)
class Line:
    """One logical line of the structured copy: ``kind`` says how to lay it out.

    kinds: ``title``, ``section`` (numbered level 2), ``subheading`` (numbered level 3, or
    unnumbered), ``para``, ``item`` (a bullet), ``contents`` (a numbered contents entry),
    ``field`` (label: value), ``record`` (first line of a table row), ``record_field`` (its
    other lines), ``caption``, ``meta`` (letterhead, address, footer), ``break`` (a blank
    line between groups).

    ``pieces`` are (printed text, unbroken): an unbroken piece (an email, a reference, a
    phone number, a postcode) is never split across lines.
    """

    kind: str
    pieces: tuple[tuple[str, bool], ...] = ()

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.pieces).strip()


def _squash(text: str) -> str:
    """White space collapsed to single spaces, keeping one at either end if there was one."""
    if not text:
        return ""
    core = " ".join(text.split())
    if not core:
        return " "
    return (" " if text[0].isspace() else "") + core + (" " if text[-1].isspace() else "")


def pieces(*texts: Text) -> tuple[tuple[str, bool], ...]:
    """Printed pieces of ``texts`` run together: each email, reference, phone number and
    postcode a piece of its own that is not to be broken, the rest merged."""
    out: list[tuple[str, bool]] = []
    for text in texts:
        for part in text.parts if isinstance(text, Phrase) else (text,):
            if isinstance(part, UNBROKEN):
                out.append((" ".join(part.printed.split()), True))
                continue
            value = printed(part)
            for piece, keep in _split_unbroken(value):
                if not keep and out and not out[-1][1]:
                    out[-1] = (out[-1][0] + piece, False)
                else:
                    out.append((piece, keep))
    squashed = [(p if keep else _squash(p), keep) for p, keep in out]
    return tuple((p, keep) for p, keep in squashed if p)


def _split_unbroken(text: str) -> Iterator[tuple[str, bool]]:
    """``text`` as (piece, unbroken): each email address, web address and sum of money in
    it a piece of its own (:data:`UNBROKEN_TEXT`)."""
    at = 0
    for match in UNBROKEN_TEXT.finditer(text):
        if match.start() > at:
            yield text[at : match.start()], False
        yield match.group(0), True
        at = match.end()
    if at < len(text):
        yield text[at:], False


def line(kind: str, *texts: Text) -> Line:
    return Line(kind, pieces(*texts))


def meaningful_alt(picture: Picture) -> str:
    """The picture's alt text when it says something ("" for "logo", a file name, nothing)."""
    alt = " ".join(picture.alt.split())
    if alt.lower().rstrip(".") in _EMPTY_ALT or alt.lower().endswith(_FILE_SUFFIXES):
        return ""
    return alt


def numbered(sections: tuple[Section, ...]) -> list[tuple[str, Section]]:
    """Each section with its number: "2" for the second level 2 section, "2.1" for the first
    level 3 section inside it ("" for a level 3 section before any level 2 one)."""
    out: list[tuple[str, Section]] = []
    part = sub = 0
    for section in sections:
        if section.level <= 2:
            part, sub = part + 1, 0
            out.append((str(part), section))
        else:
            sub += 1
            out.append((f"{part}.{sub}" if part else "", section))
    return out


def parts(sections: tuple[Section, ...]) -> list[Section]:
    """The document's parts: its level 2 sections."""
    return [s for s in sections if s.level <= 2]


def _fields(label: str, value: Text) -> Line:
    return line("field", f"{label}: " if label else "", value)


def block_lines(block: Block, words: Words) -> Iterator[Line]:
    """The logical lines of one block."""
    if isinstance(block, Paragraph):
        yield line("para", block.text)
    elif isinstance(block, Items):
        for item in block.items:
            yield line("item", item)
    elif isinstance(block, Fields):
        if block.caption:
            yield line("caption", block.caption)
        for entry in block.rows:
            yield _fields(entry.label, entry.value)
    elif isinstance(block, Table):
        if block.caption:
            yield line("caption", block.caption)
        if len(block.head) == 2:  # two columns read best as "State Pension: £230.25"
            for row in block.rows:
                label, value = ((*row, "", ""))[:2]
                yield _fields(printed(label), value)
            return
        for row in block.rows:
            cells = [(block.head[i] if i < len(block.head) else "", cell) for i, cell in enumerate(row) if printed(cell).strip()]
            for i, (head, cell) in enumerate(cells):
                yield line("record" if i == 0 else "record_field", f"{head}: " if head else "", cell)
    elif isinstance(block, Picture):
        if alt := meaningful_alt(block):
            yield line("para", "[", words.fill("picture", alt=alt), "]")
    elif isinstance(block, Callout):
        yield line("caption", block.title)
        if printed(block.amount):
            yield line("para", block.amount)
        if printed(block.detail):
            yield line("para", block.detail)
    elif isinstance(block, Illustrated):
        # the picture illustrates the sentences beside it: its alt text would only repeat them
        for sentence in block.sentences:
            yield line("para", sentence)
        for item in block.items:
            yield line("item", item)
        for label in block.sign_here:
            yield _fields(label, words.pattern("blank"))
    elif isinstance(block, SignOff):
        yield Line("break")
        yield line("para", block.closing)
        for text in (block.name, block.job_title, block.for_council):
            if text:
                yield line("meta", text)
    elif isinstance(block, Slip):
        yield Line("break")
        if block.cut:
            yield line("meta", block.cut)
        yield line("subheading", block.heading)
        yield line("para", block.statement)
        if printed(block.about):
            yield line("para", block.about)
        for entry in block.fields:
            yield _fields(entry.label, entry.value)
        for label in block.blanks:
            yield _fields(label, words.pattern("blank"))
        if printed(block.return_to):
            yield line("para", block.return_to)


def _draft_lines(doc: Document) -> list[Line]:
    draft = doc.draft
    if not draft.on:
        return []
    lines = [line("title", draft.banner)] if draft.banner else []
    if draft.title:
        lines.append(line("subheading", draft.title))
    if draft.intro:
        lines.append(line("para", draft.intro))
    for rule, message, source in draft.findings:
        lines.append(line("item", f"{rule}: " if rule else "", message, f" ({source})" if source else ""))
    lines.append(Line("break"))
    return lines


def _sender_lines(doc: Document, words: Words) -> list[Line]:
    """The letterhead; for a letter, the contact block beside the address window."""
    head = doc.letterhead
    lines = [line("meta", head.council)] if head.council else []
    frame = doc.letter
    if frame is not None and frame.contact_intro:
        lines += [line("meta", text) for text in frame.contact_intro]
    else:
        lines += [line("meta", text) for text in (head.department, *head.address) if text]
    if frame is not None:
        lines += [_fields(f.label, f.value) for f in frame.contact]
        if frame.address:
            lines.append(Line("break"))
            lines += [line("meta", text) for text in frame.address]
    else:
        if head.phone:
            lines.append(line("meta", words.fill("phone", phone=Phone(head.phone))))
        if head.email:
            lines.append(line("meta", words.fill("email", email=Email(head.email))))
        if head.website:
            lines.append(line("meta", words.fill("website", website=head.website)))
    if lines:
        lines.append(Line("break"))
    return lines


def structured_lines(doc: Document, words: Mapping[str, Any] | WordingLike | Words) -> list[Line]:
    """The document as logical lines, shared by the text and braille copies: the draft
    first, the letterhead (and a letter's address and contact details), the title, what
    comes before the first section, the contents, the sections, the reference and footer."""
    w = words if isinstance(words, Words) else Words(words)
    meta = doc.meta
    lines = _draft_lines(doc) + _sender_lines(doc, w)
    if doc.letter is not None and doc.letter.salutation:
        lines.append(line("para", doc.letter.salutation))
    lines.append(line("title", meta.h1))
    lines += [line("meta", text) for text in meta.subtitle if printed(text)]
    if meta.subtitle:
        lines.append(Line("break"))
    for block in doc.preamble:
        lines.extend(block_lines(block, w))
    chapters = parts(doc.sections)
    if len(chapters) > 1:
        lines.append(line("subheading", w.text("contents")))
        lines.extend(line("contents", f"{n}. {s.heading}") for n, s in enumerate(chapters, 1))
    for number, section in numbered(doc.sections):
        if section.level <= 2:
            lines.append(line("section", f"{number}. {section.heading}"))
        else:
            lines.append(line("subheading", f"{number} {section.heading}" if number else section.heading))
        for block in section.blocks:
            lines.extend(block_lines(block, w))
    if meta.reference:
        lines.append(line("meta", w.fill("reference", reference=Reference(meta.reference))))
    if meta.footer:
        lines.append(line("meta", meta.footer))
    return [item for item in lines if item.kind == "break" or item.text]


def _wrap(item: Line, first: str = "", rest: str = "") -> list[str]:
    """The line wrapped at 70 characters, never inside an unbroken piece."""
    text = "".join(p.replace(" ", _KEEP) if keep else p for p, keep in item.pieces).strip()
    wrapped = textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
    ) or [first.rstrip()]
    return [w.replace(_KEEP, " ") for w in wrapped]


def document_text(doc: Document, words: Mapping[str, Any] | WordingLike | Words) -> str:
    """The document as wrapped plain text, ending with a newline."""
    out: list[str] = []

    def gap() -> None:
        if out and out[-1] != "":
            out.append("")

    previous = ""
    for item in structured_lines(doc, words):
        kind, text = item.kind, item.text
        if kind == "break":
            gap()
        elif kind == "title":
            gap()
            out.extend(_wrap(item))
            out.append("=" * min(WIDTH, len(text)))
            out.append("")
        elif kind == "section":
            gap()
            out.append("")
            out.extend(_wrap(item))
            out.append("-" * min(WIDTH, len(text)))
            out.append("")
        elif kind in ("subheading", "caption"):
            gap()
            out.extend(_wrap(item))
            if kind == "subheading":
                out.append("")
        elif kind == "para":
            gap()
            out.extend(_wrap(item))
            out.append("")
        elif kind == "item":
            out.extend(_wrap(item, "- ", "  "))
        elif kind == "contents":
            out.extend(_wrap(item, "  ", "     "))
        elif kind == "field":
            out.extend(_wrap(item, "", "    "))
        elif kind == "record":
            if previous in ("record", "record_field"):
                out.append("")
            out.extend(_wrap(item, "- ", "      "))
        elif kind == "record_field":
            out.extend(_wrap(item, "  ", "      "))
        elif kind == "meta":
            if previous != "meta":
                gap()
            out.extend(_wrap(item))
        previous = kind
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def render_text(doc: Document, words: Mapping[str, str] | WordingLike) -> bytes:
    """The plain-text copy as UTF-8 bytes. ``words`` is the accessible wording table
    (``Wording("accessible", profile)["text"]``, or the Wording itself)."""
    return document_text(doc, words).encode("utf-8")
