"""What every accessible copy starts from: one composed document and its kind.

A copy is made from the same :class:`~doctool.document.Document` as the standard PDF and
Word files, so a large-print plan, the braille plan and the audio plan say exactly what
the standard plan says. Any :class:`~doctool.documents.DocumentKind` works: the plan, a
letter, or a document added later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from doctool.document import Document
from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import InputError
from doctool.findings import Report
from doctool.profiles import Profile
from doctool.render.html import render_html
from doctool.wording import Wording


def resolve(document: str | DocumentKind) -> DocumentKind:
    """A document kind from its name in :data:`doctool.documents.DOCUMENTS` (or the kind itself)."""
    if isinstance(document, DocumentKind):
        return document
    try:
        return DOCUMENTS[document]
    except KeyError:
        raise InputError(f"unknown document {document!r}; known: {', '.join(DOCUMENTS)}") from None


@dataclass
class Source:
    """One composed document of one record, ready to be written in any accessible format."""

    record: Any  # the plan or letter record (large print reads the size the person asked for)
    kind: DocumentKind
    profile: Profile
    document: Document
    report: Report
    draft: bool

    @classmethod
    def build(cls, record: Any, document: str | DocumentKind, profile: Profile, report: Report, draft: bool) -> Source:
        kind = resolve(document)
        return cls(record, kind, profile, kind.compose(record, profile, report, draft), report, draft)

    @property
    def logo(self) -> tuple[Path, ...]:
        """The files a copy may embed besides doctool's assets: the logo and the pictures."""
        return tuple(p.path for p in self.document.pictures())

    @cached_property
    def html(self) -> str:
        """The document's own HTML (the page the PDF is laid out from)."""
        return render_html(self.document, self.kind.html_template, profile=self.profile)

    @cached_property
    def words(self) -> Wording:
        """The accessible copies' own few words (``[wording.accessible]`` in a profile)."""
        return Wording("accessible", self.profile)
