"""The library interface: a thin face over :mod:`doctool.pipeline`, which the command line,
the batch runner and the HTTP service all call.

    >>> from doctool import api
    >>> prepared = api.prepare(raw, "england")                  # read, validate, check once
    >>> prepared.report                                          # every finding of every document
    >>> rendered = api.render_set(prepared, api.Selection.one("plan", "pdf"))
    >>> rendered.files[0].name, rendered.files[0].content

Rendering refuses (raises :class:`Incomplete`) when a selected document has blocking
findings, unless ``draft`` is set, in which case every page is marked DRAFT and page 1
lists what is missing.

The input is a plan, or a record whose ``record_type`` names it (a standalone charging
letter, ``"record_type": "charging_letter"``); each document is checked by its own rules.

``validate_bytes``, ``render_bytes`` and ``render_for_person`` are the older calls, kept as
wrappers over the pipeline.
"""

from __future__ import annotations

from pathlib import Path

from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import Incomplete, NotApplicable
from doctool.findings import Report
from doctool.loading import read_bytes
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.pipeline import (
    ALL_FORMATS,
    SETS,
    OutputFile,
    Prepared,
    PreparedDocument,
    RenderedSet,
    Selection,
    file_name,
    format_media,
    prepare,
    render_set,
)
from doctool.profiles import Profile
from doctool.render.document import FORMATS, RenderedFile

__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "SETS",
    "Incomplete",
    "NotApplicable",
    "OutputFile",
    "Prepared",
    "PreparedDocument",
    "RenderedFile",
    "RenderedSet",
    "Selection",
    "applicable",
    "file_name",
    "format_media",
    "prepare",
    "render_bytes",
    "render_for_person",
    "render_plan",
    "render_set",
    "validate_bytes",
    "validate_file",
]


def validate_bytes(raw: bytes, profile: str = "england") -> Report:
    """Every finding of every document that applies to ``raw`` (``prepare(raw).report``).
    Raises InputError for malformed input."""
    return prepare(raw, profile).report


def validate_file(path: Path, profile: str = "england") -> Report:
    """Validate a JSON document on disk. Raises InputError for malformed input."""
    return validate_bytes(read_bytes(path), profile)


def applicable(record: Plan | LetterRecord) -> list[str]:
    """The documents that apply to this plan (or letter record), in registry order."""
    return [name for name, kind in DOCUMENTS.items() if kind.usable(record)]


def render_plan(
    plan: Plan | LetterRecord,
    kind: DocumentKind,
    fmt: str,
    profile: Profile,
    report: Report,
    draft: bool,
    size: int | None = None,
) -> RenderedFile:
    """Lay out one document in one format (standard or accessible) from an already checked
    plan or letter record."""
    return PreparedDocument(kind, report, plan, profile, draft).render(fmt, size)


def render_bytes(
    raw: bytes,
    documents: list[str],
    formats: list[str],
    profile: str = "england",
    draft: bool = False,
    size: int | None = None,
) -> tuple[Report, list[RenderedFile]]:
    """Each document in each format, in memory: (the findings of those documents, the files).
    Any blocking finding in them refuses them all unless ``draft`` is set."""
    prepared = prepare(raw, profile, draft=draft)
    rendered = render_set(prepared, Selection.of(documents, formats, size))
    return prepared.report_for(documents), [f.file for f in rendered.files]


def render_for_person(raw: bytes, profile: str = "england", draft: bool = False) -> tuple[Report, list[RenderedFile]]:
    """The standard copy of every document that applies, plus exactly the accessible
    formats the person's communication needs ask for (Accessible Information Standard)."""
    rendered = render_set(prepare(raw, profile, draft=draft), Selection.for_person())
    return rendered.report, [f.file for f in rendered.files]
