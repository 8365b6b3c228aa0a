"""What every accessible copy starts from: one composed document and its kind.

A copy is made from the same :class:`~doctool.document.Document` as the standard PDF and
Word files, so a large-print plan, the braille plan and the audio plan say exactly what
the standard plan says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from doctool.document import Document
from doctool.findings import Report
from doctool.profiles import Profile
from doctool.accessible.outline import Outline, build_outline
from doctool.render.html import render_html
from doctool.wording import Wording

if TYPE_CHECKING:
    from doctool.documents import DocumentKind


@dataclass
class Source:
    """One composed document of one record, ready to be written in any accessible format."""

    record: Any  # the plan or letter record (large print reads the size the person asked for)
    kind: DocumentKind
    profile: Profile
    doc: Document
    report: Report
    draft: bool

    @property
    def logo(self) -> tuple[Path, ...]:
        """The files a copy may embed besides doctool's assets: the logo and the pictures."""
        return tuple(p.path for p in self.doc.pictures())

    @cached_property
    def html(self) -> str:
        """The document's own HTML (the page the PDF is laid out from)."""
        return render_html(self.doc, self.kind.html_template)

    @cached_property
    def outline(self) -> Outline:
        return build_outline(self.html, self.doc)

    @cached_property
    def words(self) -> Wording:
        """The accessible copies' own few words (``[wording.accessible]`` in a profile)."""
        return Wording("accessible", self.profile)
