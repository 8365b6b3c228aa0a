"""The one document model: what every renderer lays out, built once from the record.

A :class:`Document` is metadata, the council's letterhead, the draft state and a list of
sections; a section is a heading, a level and blocks from a closed set. Composers
(:mod:`doctool.compose`) build one per document kind; renderers (HTML for PDF, Word,
large and clear print, text, braille, audio) only read it. No renderer parses another's
output and none reaches back to the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from doctool.document.values import Text


@dataclass(frozen=True)
class Paragraph:
    """Running text. ``style`` is a hint a renderer may honour: ``lead``, ``muted``, ``strong``."""

    kind: ClassVar[str] = "paragraph"

    text: Text
    style: str = ""


@dataclass(frozen=True)
class Items:
    """A bulleted list."""

    kind: ClassVar[str] = "items"

    items: tuple[Text, ...]


@dataclass(frozen=True)
class Field:
    label: str
    value: Text
    strong: bool = False


@dataclass(frozen=True)
class Fields:
    """Labelled values, one a row ("Name: Margaret Thompson"): a table with row headers."""

    kind: ClassVar[str] = "fields"

    rows: tuple[Field, ...]
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A table with column headings. ``numeric`` columns are sums (right-aligned);
    ``totals`` are the indexes of rows that are totals (bold)."""

    kind: ClassVar[str] = "table"

    head: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    caption: str = ""
    numeric: tuple[int, ...] = ()
    totals: tuple[int, ...] = ()


@dataclass(frozen=True)
class Picture:
    """An image file with what it means here (its alt text). ``width_mm`` is its printed width."""

    kind: ClassVar[str] = "picture"

    path: Path
    alt: str
    width_mm: float = 30.0
    raster: Path | None = None  # a PNG of the same picture, for formats that cannot show SVG (Word)


@dataclass(frozen=True)
class Callout:
    """The one fact a reader must not miss (a letter's amount), set apart in a box."""

    kind: ClassVar[str] = "callout"

    title: Text
    amount: Text = ""
    detail: Text = ""


@dataclass(frozen=True)
class Illustrated:
    """Easy read: a picture on the left and short sentences on the right, one idea a block.
    ``emphasis`` are the indexes of sentences set in bold; ``sign_here`` adds lines to sign."""

    kind: ClassVar[str] = "illustrated"

    picture: Picture
    sentences: tuple[Text, ...]
    items: tuple[Text, ...] = ()
    emphasis: tuple[int, ...] = ()
    sign_here: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignOff:
    """The end of a letter: "Yours sincerely", the officer, the council."""

    kind: ClassVar[str] = "sign_off"

    closing: str
    name: str = ""
    job_title: str = ""
    for_council: str = ""


@dataclass(frozen=True)
class Slip:
    """A tear-off slip to sign and return: printed fields and blank lines to write on."""

    kind: ClassVar[str] = "slip"

    cut: str
    heading: str
    statement: Text
    fields: tuple[Field, ...]
    blanks: tuple[str, ...]
    about: Text = ""
    return_to: Text = ""


Block = Paragraph | Items | Fields | Table | Picture | Callout | Illustrated | SignOff | Slip


@dataclass(frozen=True)
class Section:
    """A heading and what follows it. Level 2 sections are the document's parts (listed in
    a contents page or read as chapters); level 3 sit inside the part before them.
    ``style`` is a layout hint (``card`` keeps a short section on one page; ``new-page``)."""

    heading: str
    blocks: tuple[Block, ...]
    level: int = 2
    key: str = ""
    style: str = ""


@dataclass(frozen=True)
class Letterhead:
    """The council's branding, from its profile."""

    council: str
    department: str = ""
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: Picture | None = None


@dataclass(frozen=True)
class Draft:
    """Whether the document is a draft and, if so, what is missing (shown on page 1)."""

    on: bool
    banner: str = ""
    title: str = ""
    intro: str = ""
    findings: tuple[tuple[str, str, str], ...] = ()  # (rule, message, source)
    blocks: tuple[Block, ...] = ()  # a document's own way of saying it is a draft (easy read's picture block)


@dataclass(frozen=True)
class LetterFrame:
    """What a posted letter adds on page 1: the address in the envelope window and the
    contact block beside it (GOV.UK Notify's precompiled letter zones)."""

    address: tuple[str, ...]
    contact: tuple[Field, ...]
    contact_intro: tuple[str, ...] = ()
    address_fit: str = ""
    salutation: str = ""


@dataclass(frozen=True)
class Meta:
    """What identifies a document. ``date`` comes from the record, never the clock."""

    kind: str
    title: str
    person: str
    reference: str
    date: dt.date
    footer: str
    lang: str = "en-GB"
    subtitle: tuple[Text, ...] = ()
    heading: str = ""  # the page's main heading when it differs from the title (a letter's)

    @property
    def h1(self) -> str:
        return self.heading or self.title

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.person}"


@dataclass(frozen=True)
class Document:
    """One document a person receives, ready for any renderer."""

    meta: Meta
    letterhead: Letterhead
    draft: Draft
    sections: tuple[Section, ...]
    preamble: tuple[Block, ...] = ()
    letter: LetterFrame | None = None
    words: dict[str, str] = field(default_factory=dict)  # the few fixed words a renderer prints ("Page", "of")

    @property
    def kind(self) -> str:
        return self.meta.kind

    def pictures(self) -> tuple[Picture, ...]:
        """Every picture, the logo first: the files a renderer may read."""
        found: list[Picture] = [self.letterhead.logo] if self.letterhead.logo else []
        for block in (*self.draft.blocks, *self.preamble, *(b for s in self.sections for b in s.blocks)):
            if isinstance(block, Picture):
                found.append(block)
            elif isinstance(block, Illustrated):
                found.append(block.picture)
        return tuple(found)
