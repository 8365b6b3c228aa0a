"""What every accessible copy starts from: a document kind, its view, and its HTML.

A copy is made from the document's own view (the single source of facts) and its own
HTML template, so a large-print plan, the braille plan and the audio plan say exactly what
the standard plan says. Any :class:`~doctool.documents.DocumentKind` works: the plan, a
letter, or a document added later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from doctool.findings import Report
from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import InputError
from doctool.model.plan import Plan
from doctool.profiles import Profile
from doctool.render.templating import html_env
from doctool.view.wording import Wording

from doctool.accessible.outline import Outline, build_outline


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
    """One document of one plan, ready to be written in any accessible format."""

    plan: Plan | Any  # a plan, or another record the document accepts (a letter record)
    kind: DocumentKind
    profile: Profile
    view: dict[str, Any]

    @classmethod
    def build(cls, plan: Any, document: str | DocumentKind, profile: Profile, report: Report, draft: bool) -> "Source":
        kind = resolve(document)
        return cls(plan, kind, profile, kind.build_view(plan, profile, report, draft))

    @property
    def date(self) -> dt.date:
        """The document's own date (a plan's date, a letter's date), never the clock."""
        return dt.date.fromisoformat(self.view["doc"]["date_iso"])

    @property
    def logo(self) -> tuple[Path, ...]:
        path = self.view["council"]["logo_path"]
        return (Path(path),) if path else ()

    def render_html(self, template: str | None = None, **extra: Any) -> str:
        """The document's HTML (or ``template`` wrapping it), with ``extra`` context."""
        context = dict(self.view)
        context.update(extra)
        return html_env().get_template(template or self.kind.html_template).render(context)

    @cached_property
    def html(self) -> str:
        return self.render_html()

    @cached_property
    def outline(self) -> Outline:
        return build_outline(self.html, self.view)

    @cached_property
    def words(self) -> Wording:
        """The accessible copies' own few words (``[wording.accessible]`` in a profile)."""
        return Wording("accessible", self.profile)
