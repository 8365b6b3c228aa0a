"""The library interface: what the command line and the HTTP service both call.

    >>> from doctool import api
    >>> report = api.validate_bytes(raw)                        # findings
    >>> files = api.render_bytes(raw, ["plan"], ["pdf"])        # RenderedFile list

Rendering refuses (raises :class:`Incomplete`) when blocking findings exist, unless
``draft`` is set, in which case every page is marked DRAFT and page 1 lists what is missing.

The input is a plan, or a record whose ``record_type`` names it (a standalone charging
letter, ``"record_type": "charging_letter"``); each document is checked by its own rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from doctool.accessible.formats import FORMATS as ACCESSIBLE
from doctool.accessible.formats import formats_for_person, render_source
from doctool.accessible.source import Source
from doctool.checks import check_document, merge
from doctool.findings import Report
from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import Incomplete, InputError, NotApplicable
from doctool.loading import load_document_bytes, read_bytes
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.paths import display_path
from doctool.profiles import Profile, load_profile
from doctool.render.document import FORMATS, RenderedFile, render_document

__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "Incomplete",
    "NotApplicable",
    "RenderedFile",
    "applicable",
    "render_bytes",
    "render_for_person",
    "render_plan",
    "validate_bytes",
    "validate_file",
]

#: Every format ``render`` takes: the standard two, then the accessible ones.
ALL_FORMATS = [*FORMATS, *ACCESSIBLE]


def validate_bytes(raw: bytes, profile: str = "england") -> Report:
    """Validate a JSON document (a plan or a letter record) given as bytes.
    Raises InputError for malformed input."""
    prof = load_profile(profile)
    return check_document(load_document_bytes(raw), prof)


def validate_file(path: Path, profile: str = "england") -> Report:
    """Validate a JSON document on disk. Raises InputError for malformed input."""
    return validate_bytes(read_bytes(path), profile)


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
    if fmt not in FORMATS and fmt not in ACCESSIBLE:
        raise InputError(f"unknown format {fmt!r}; known: {', '.join(ALL_FORMATS)}")
    if fmt in FORMATS and size is not None:
        raise InputError(f"--size applies to large and clear print, not to {fmt}")
    source = Source.build(plan, kind, profile, report, draft)
    if fmt in FORMATS:
        return render_document(kind, source.document, fmt, profile)
    content, ext, media_type = render_source(source, fmt, size)
    path = kind.docx_path(profile) if ext == "docx" else kind.html_path()
    return RenderedFile(kind.name, fmt, content, media_type, ext, display_path(path))


def applicable(plan: Plan | LetterRecord) -> list[str]:
    """The documents that apply to this plan (or letter record), in registry order."""
    return [name for name, kind in DOCUMENTS.items() if kind.usable(plan)]


def _kind(name: str, doc: Plan | LetterRecord) -> DocumentKind:
    kind = DOCUMENTS[name]
    if not isinstance(doc, kind.accepts):
        raise NotApplicable(f"the {name} document is made from a care and support plan, not a {doc.record_type} record")  # type: ignore[union-attr]
    if not kind.applies(doc):
        raise NotApplicable(f"the {name} document does not apply to this plan: {kind.not_applicable}")
    return kind


def _render(
    doc: Plan | LetterRecord, jobs: list[tuple[str, str, dict[str, Any]]], prof: Profile, draft: bool
) -> tuple[Report, list[RenderedFile]]:
    kinds = {name: _kind(name, doc) for name, _fmt, _opts in jobs}
    reports = {name: kind.check(doc, prof) for name, kind in kinds.items()}
    report = merge(prof, reports.values()) if reports else check_document(doc, prof)
    if not report.complete and not draft:
        raise Incomplete(report)
    files = [
        render_plan(doc, kinds[name], fmt, prof, reports[name], draft, opts.get("size")) for name, fmt, opts in jobs
    ]
    return report, files


def render_bytes(
    raw: bytes,
    documents: list[str],
    formats: list[str],
    profile: str = "england",
    draft: bool = False,
    size: int | None = None,
) -> tuple[Report, list[RenderedFile]]:
    """Validate and render each document in each format. All files are made in memory
    first, so a failure writes nothing.

    Each document is checked by its own rules (a plan's, a letter's, a direct payment
    summary's, the easy-read gate); the report returned holds them all, and any blocking
    finding refuses every document unless ``draft`` is set.
    """
    jobs = [(name, fmt, {"size": size} if size is not None else {}) for name in documents for fmt in formats]
    return _render(load_document_bytes(raw), jobs, load_profile(profile), draft)


def render_for_person(raw: bytes, profile: str = "england", draft: bool = False) -> tuple[Report, list[RenderedFile]]:
    """The standard copy of every document that applies, plus exactly the accessible
    formats the person's communication needs ask for (Accessible Information Standard)."""
    doc = load_document_bytes(raw)
    return _render(doc, formats_for_person(doc), load_profile(profile), draft)
