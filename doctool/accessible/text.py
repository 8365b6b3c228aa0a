"""A plain-text copy (.txt, UTF-8) for email and screen readers, from the document outline.

Headings are numbered ("2. My needs", "2.1 Eating and drinking") and the section headings
underlined, lines are wrapped at 70 characters, tables become "Label: value" lines, and a
contents list follows the title. The same numbered structure feeds the braille copy.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from doctool.accessible.outline import Block, Fields, Heading, Items, Outline, Para, Records
from doctool.accessible.source import Source
from doctool.wording import Wording

WIDTH = 70


@dataclass(frozen=True)
class Line:
    """One logical line of the structured copy: ``kind`` says how to lay it out.

    kinds: ``title``, ``section`` (numbered h2), ``subheading`` (numbered h3, or deeper),
    ``para``, ``item`` (a bullet), ``contents`` (a numbered contents entry), ``field`` (label: value), ``record`` (first line of a
    table row), ``record_field`` (its other lines), ``caption``, ``meta``, ``blank``.
    """

    kind: str
    text: str


def _block_lines(block: Block, section_no: int, counter: list[int]) -> Iterator[Line]:
    if isinstance(block, Heading):
        if block.level == 3 and section_no:
            counter[0] += 1
            yield Line("subheading", f"{section_no}.{counter[0]} {block.text}")
        else:
            yield Line("subheading", block.text)
    elif isinstance(block, Para):
        yield Line("para", block.text)
    elif isinstance(block, Items):
        for item in block.items:
            yield Line("item", item)
    elif isinstance(block, Fields):
        if block.caption:
            yield Line("caption", block.caption)
        for label, value in block.pairs:
            yield Line("field", f"{label}: {value}" if label else value)
    elif isinstance(block, Records):
        if block.caption:
            yield Line("caption", block.caption)
        for record in block.records:
            for i, (label, value) in enumerate(record):
                yield Line("record" if i == 0 else "record_field", f"{label}: {value}" if label else value)


def structured_lines(outline: Outline, words: Wording) -> list[Line]:
    """The document as logical lines, shared by the text and braille copies."""
    lines = [Line("meta", s) for s in outline.sender]
    if outline.draft_banner:
        lines.append(Line("title", outline.draft_banner))
    lines.append(Line("title", outline.title))
    counter = [0]
    for block in outline.preamble:
        lines.extend(_block_lines(block, 0, counter))
    if len(outline.sections) > 1:
        lines.append(Line("subheading", words["text"]["contents"]))
        lines.extend(Line("contents", f"{n}. {s.heading}") for n, s in enumerate(outline.sections, 1))
    for number, section in enumerate(outline.sections, 1):
        lines.append(Line("section", f"{number}. {section.heading}"))
        counter = [0]
        for block in section.blocks:
            lines.extend(_block_lines(block, number, counter))
    if outline.reference:
        lines.append(Line("meta", words.text("reference", reference=outline.reference)))
    if outline.footer:
        lines.append(Line("meta", outline.footer))
    return lines


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
    ) or [first.rstrip()]


def outline_text(outline: Outline, words: Wording) -> str:
    """The outline as wrapped plain text, ending with a newline."""
    out: list[str] = []

    def gap() -> None:
        if out and out[-1] != "":
            out.append("")

    previous = ""
    for line in structured_lines(outline, words):
        kind, text = line.kind, line.text
        if kind == "title":
            gap()
            out.extend(_wrap(text))
            out.append("=" * min(WIDTH, len(text)))
            out.append("")
        elif kind == "section":
            gap()
            out.append("")
            out.extend(_wrap(text))
            out.append("-" * min(WIDTH, len(text)))
            out.append("")
        elif kind in ("subheading", "caption"):
            gap()
            out.extend(_wrap(text))
            if kind == "subheading":
                out.append("")
        elif kind == "para":
            gap()
            out.extend(_wrap(text))
            out.append("")
        elif kind == "item":
            out.extend(_wrap(text, "- ", "  "))
        elif kind == "contents":
            out.extend(_wrap(text, "  ", "     "))
        elif kind == "field":
            out.extend(_wrap(text, "", "    "))
        elif kind == "record":
            if previous in ("record", "record_field"):
                out.append("")
            out.extend(_wrap(text, "- ", "      "))
        elif kind == "record_field":
            out.extend(_wrap(text, "  ", "      "))
        elif kind == "meta":
            if previous != "meta":
                gap()
            out.extend(_wrap(text))
        previous = kind
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def render_text(source: Source) -> bytes:
    """The plain-text copy as UTF-8 bytes."""
    return outline_text(source.outline, source.words).encode("utf-8")
