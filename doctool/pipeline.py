"""Prepare once, render many: the one path from input bytes to documents, for every face.

    >>> from doctool import pipeline
    >>> prepared = pipeline.prepare(raw, "england")            # read, validate, check every document
    >>> prepared.report                                        # every finding of every document that applies
    >>> rendered = pipeline.render_set(prepared, pipeline.Selection.all())
    >>> [(f.name, f.media_type) for f in rendered.files], rendered.manifest

The command line, the batch runner and the HTTP service all come through here, so an input
gets the same findings, the same files, the same file names and the same manifest whichever
face asked for them. Everything is made in memory; writing it out is the face's job.

:func:`prepare` reads and validates the input, finds every document that applies to it and
runs each document's own check (a plan's rules, a letter's, a direct payment summary's, the
easy-read gate); :attr:`Prepared.report` merges them, and that is what every face shows.
:func:`render_set` renders a :class:`Selection` of those documents: each document's content
is built once (:meth:`PreparedDocument.view`) and laid out in every format asked for.
"""

from __future__ import annotations

import difflib
import gc
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jinja2 import TemplateError

from doctool.accessible import large_print
from doctool.accessible.formats import FORMATS as ACCESSIBLE
from doctool.accessible.formats import formats_for_person, render_source
from doctool.accessible.source import Source
from doctool.checks import check_document, merge
from doctool.document import Document
from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import ConfigError, FieldError, Incomplete, InputError, NotApplicable
from doctool.findings import Report
from doctool.loading import load_document_bytes
from doctool.manifest import build_manifest
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.model.review import ReviewRecord
from doctool.output import safe_name
from doctool.paths import display_path, template_folder
from doctool.profiles import Profile, load_profile
from doctool.render.document import FORMATS as STANDARD
from doctool.render.document import RenderedFile, render_document, uses_typst
from doctool.render.laid_out import STYLESHEET, stylesheet_path
from doctool.render.templating import html_env
from doctool.render.typst_pdf import laid_out_here
from doctool.render.word import load_shell

__all__ = [
    "ALL_FORMATS",
    "SETS",
    "STANDARD",
    "OutputFile",
    "Prepared",
    "PreparedDocument",
    "RenderedSet",
    "Selection",
    "check_layout",
    "file_name",
    "format_media",
    "prepare",
    "render_set",
    "warm_up",
]

Record = Plan | LetterRecord | ReviewRecord

#: Every format a document can be rendered in: the standard two, then the accessible ones.
ALL_FORMATS: list[str] = [*STANDARD, *ACCESSIBLE]

#: The named sets of documents (``Selection.all()``, ``Selection.for_person()``).
SETS = ("all", "for-person")

MANIFEST = "manifest.json"
#: The timestamp of every entry of a zip made here, so the same set gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def format_media(fmt: str) -> tuple[str, str]:
    """(media type, file extension) of a format. Audio is ``mp3``, or ``wav`` where lame is
    not installed: the rendered file says which."""
    if fmt in STANDARD:
        return STANDARD[fmt]
    spec = ACCESSIBLE[fmt]
    return spec.media_type, spec.extension


def _known(value: str, choices: Iterable[str], what: str) -> None:
    """InputError naming the closest known value when ``value`` is not one of ``choices``."""
    choices = list(choices)
    if value in choices:
        return
    close = difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(f"unknown {what} {value!r}{hint}", [FieldError(what, f"must be one of: {', '.join(choices)}")])


# --- prepare: read, validate and check once --------------------------------------------------


@dataclass(frozen=True, eq=False)
class PreparedDocument:
    """One document that applies to the input: its kind, its own findings, and (built once,
    on first use) the content every format of it is laid out from."""

    kind: DocumentKind
    report: Report
    record: Record = field(repr=False)
    profile: Profile = field(repr=False)
    draft: bool = False  # a marked draft was asked for

    @property
    def name(self) -> str:
        return self.kind.name

    # --- the content: composed once per document, laid out in every format ---------------

    @cached_property
    def _source(self) -> Source:
        return Source.build(self.record, self.kind, self.profile, self.report, self.draft)

    @property
    def document(self) -> Document:
        """The composed document every format of it is laid out from (built once)."""
        return self._source.document

    def source(self) -> Source:
        """The composed document as the accessible formats take it."""
        return self._source

    @property
    def marked_draft(self) -> bool:
        """True when the document comes out marked DRAFT: a draft was asked for and blocking
        items are missing, or the plan's own status is draft."""
        return self.document.draft.on

    def render(self, fmt: str, size: int | None = None) -> RenderedFile:
        """This document in one format (standard or accessible), in memory."""
        if fmt in STANDARD:
            if size is not None:
                raise InputError(f"a print size applies to large and clear print, not to {fmt}")
            return render_document(self.kind, self.document, fmt, self.profile)
        _known(fmt, ALL_FORMATS, "format")
        content, ext, media_type = render_source(self.source(), fmt, size)
        path = self.kind.docx_path(self.profile) if ext == "docx" else self.kind.html_path()
        return RenderedFile(self.kind.name, fmt, content, media_type, ext, display_path(path))


@dataclass(frozen=True, eq=False)
class Prepared:
    """An input read, validated and checked: every document that applies to it, each with
    its own findings, and ``report``, all of them merged (what every face shows)."""

    record: Record
    profile: Profile
    input_sha256: str
    draft: bool  # a marked draft was asked for
    documents: dict[str, PreparedDocument]
    report: Report

    @property
    def complete(self) -> bool:
        """No blocking finding in any document: everything may be issued as final."""
        return self.report.complete

    @property
    def reference(self) -> str:
        """The record's reference: a letter record's own, else the person's."""
        if isinstance(self.record, LetterRecord):
            return self.record.reference
        person = getattr(self.record, "person", None)
        return getattr(person, "reference", None) or ""

    @property
    def stem(self) -> str:
        """The start of every file name: the reference, made safe for a file name."""
        return safe_name(self.reference, fallback="document")

    def document(self, name: str) -> PreparedDocument:
        """A document that applies; InputError for an unknown name, NotApplicable for one that
        does not apply to this record."""
        if name in self.documents:
            return self.documents[name]
        _known(name, DOCUMENTS, "document")
        kind = DOCUMENTS[name]
        record_type = getattr(self.record, "record_type", "plan")
        if not isinstance(self.record, kind.accepts):
            raise NotApplicable(f"the {name} document is made from {kind.made_from}, not a {record_type} record")
        what = "plan" if record_type == "plan" else f"{record_type} record"
        raise NotApplicable(f"the {name} document does not apply to this {what}: {kind.not_applicable}")

    def report_for(self, names: Iterable[str]) -> Report:
        """The findings of some of the documents only (whether they may be issued)."""
        return merge(self.profile, [self.document(n).report for n in dict.fromkeys(names)])


def prepare(raw: bytes, profile: str | Profile = "england", *, draft: bool = False) -> Prepared:
    """Read and validate ``raw`` (a plan or a letter record), find every document that applies
    and run each one's check. InputError when the input cannot be used; ConfigError for a bad
    profile. Nothing is rendered yet."""
    prof = load_profile(profile) if isinstance(profile, str) else profile
    record = load_document_bytes(raw)
    documents = {
        name: PreparedDocument(kind, kind.check(record, prof), record, prof, draft)
        for name, kind in DOCUMENTS.items()
        if kind.usable(record)
    }
    reports = [d.report for d in documents.values()]
    report = merge(prof, reports) if reports else check_document(record, prof)
    return Prepared(record, prof, hashlib.sha256(raw).hexdigest(), draft, documents, report)


# --- what to render ----------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What to render: named documents in named formats, or a set (``all``: every document
    that applies in PDF and Word; ``for-person``: the standard copies plus exactly what the
    person's communication record asks for). Made by the class methods, which check names."""

    documents: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    size: int | None = None
    set: str | None = None

    @classmethod
    def one(cls, document: str, format: str, size: int | None = None) -> Selection:
        """One document in one format (``size``: the print size of large or clear print)."""
        return cls.of([document], [format], size)

    @classmethod
    def of(cls, documents: Sequence[str], formats: Sequence[str], size: int | None = None) -> Selection:
        """Each of ``documents`` in each of ``formats``."""
        for name in documents:
            _known(name, DOCUMENTS, "document")
        for fmt in formats:
            _known(fmt, ALL_FORMATS, "format")
        if size is not None:
            _check_size(formats, size)
        return cls(tuple(documents), tuple(formats), size)

    @classmethod
    def all(cls) -> Selection:
        return cls(set="all")

    @classmethod
    def for_person(cls) -> Selection:
        return cls(set="for-person")

    @classmethod
    def named(cls, name: str) -> Selection:
        """A set by name: ``all`` or ``for-person``."""
        _known(name, SETS, "set")
        return cls(set=name)

    @property
    def label(self) -> str:
        """A short name for the selection (``all``, ``for-person``, ``plan``) for a zip's name."""
        return self.set or "-".join(self.documents) or "documents"

    def jobs(self, prepared: Prepared) -> list[tuple[str, str, int | None]]:
        """(document, format, size) to render for ``prepared``, in a fixed order."""
        if self.set == "all":
            return [(name, fmt, None) for name in prepared.documents for fmt in STANDARD]
        if self.set == "for-person":
            # every document that applies; formats_for_person keeps the easy-read plan only
            # when the person asked for easy read, and makes it in every other format asked for
            names = list(prepared.documents)
            return [(d, f, opts.get("size")) for d, f, opts in formats_for_person(prepared.record, names)]
        return [(name, fmt, self.size) for name in self.documents for fmt in self.formats]


def _check_size(formats: Sequence[str], size: int) -> None:
    for fmt in formats:
        spec = ACCESSIBLE.get(fmt)
        if spec is None or not spec.sized:
            message = f"a print size applies to large and clear print, not to {fmt}"
            raise InputError(message, [FieldError("size", "only with large-print-* or clear-print-* formats")])
        try:
            large_print.clear_print_size(size) if fmt.startswith("clear-print") else large_print.large_print_size(None, size)
        except InputError as exc:
            raise InputError(exc.message, [FieldError("size", exc.message)]) from None


# --- render: every file of a selection, named, with its manifest --------------------------------


@dataclass(frozen=True)
class OutputFile:
    """One rendered file and the name it is written under."""

    name: str
    file: RenderedFile
    draft: bool  # marked DRAFT

    @property
    def content(self) -> bytes:
        return self.file.content

    @property
    def document(self) -> str:
        return self.file.document

    @property
    def format(self) -> str:
        return self.file.format

    @property
    def media_type(self) -> str:
        return self.file.media_type

    @property
    def extension(self) -> str:
        return self.file.extension

    @property
    def sha256(self) -> str:
        return self.file.sha256

    @property
    def pages(self) -> int | None:
        return self.file.pages


def file_name(stem: str, f: RenderedFile, draft: bool = False) -> str:
    """``ASC-104233-plan.pdf``; an accessible copy in a standard file type says which it is
    (``…-plan-large-print.pdf``), others are told apart by type (``…-plan.brf``); a marked
    draft says so (``…-plan-DRAFT.pdf``)."""
    variant = f"-{f.format.rsplit('-', 1)[0]}" if f.format not in STANDARD and f.extension in STANDARD else ""
    return f"{stem}-{f.document}{variant}{'-DRAFT' if draft else ''}.{f.extension}"


@dataclass(frozen=True, eq=False)
class RenderedSet:
    """The files of a selection, in memory, with the manifest that describes them."""

    prepared: Prepared
    selection: Selection
    files: tuple[OutputFile, ...]
    manifest: dict[str, Any]

    @property
    def report(self) -> Report:
        """Every finding of every document that applies (the same as ``validate``)."""
        return self.prepared.report

    @property
    def draft(self) -> bool:
        """True when any file is marked DRAFT."""
        return any(f.draft for f in self.files)

    @property
    def warnings(self) -> int:
        return len(self.report.warnings)

    def manifest_bytes(self) -> bytes:
        return (json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n").encode()

    @property
    def zip_name(self) -> str:
        return f"{self.prepared.stem}-{self.selection.label}{'-DRAFT' if self.draft else ''}.zip"

    def zip_bytes(self) -> bytes:
        """The files and ``manifest.json`` as a zip: sorted, fixed timestamps, so the same set
        gives the same bytes."""
        entries = sorted([(f.name, f.content) for f in self.files] + [(MANIFEST, self.manifest_bytes())])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in entries:
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, content)
        return buffer.getvalue()


def check_layout(documents: Sequence[str], formats: Sequence[str], profile: str | Profile = "england") -> None:
    """Read every template the documents and formats need (the council's, if it has its
    own) once, before any record: a template that cannot be used is one clear ConfigError,
    not the same failure for every letter of a batch."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    for name in documents:
        kind = DOCUMENTS[name]
        if any(f == "html" or f.endswith("pdf") for f in formats):
            try:
                html_env(prof).get_template(kind.html_template)
            except TemplateError as exc:
                raise ConfigError(f"the {name} HTML template cannot be used: {exc.message}") from None
        if any(f.endswith("docx") for f in formats):
            load_shell(kind.docx_path(prof))


def forks_safely() -> bool:
    """Whether a fork of this process can lay out letters: not once it has laid out a Typst
    letter itself, because Typst works on threads of its own that a fork does not copy."""
    return not laid_out_here()


def free_document() -> None:
    """Free the document just made. A Word file is built as python-docx's web of cycles
    (package, parts, relationships) holding lxml trees in C memory: the collector counts
    few objects and frees them only at a rare full collection, so a worker grew by about
    10 MB every 1,000 letters. Collected after each letter, memory stays flat, and a Word
    render is no slower (6.2 ms against 6.4 ms; the worker's warm objects are frozen)."""
    gc.collect()


def warm_up(documents: Sequence[str], formats: Sequence[str], profile: str | Profile = "england") -> None:
    """Load once what rendering ``documents`` in ``formats`` needs (fonts, stylesheets,
    compiled templates, Word shells), so a worker process pays for it once, not per record."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    check_layout(documents, formats, prof)  # compiles the templates and parses the shells
    # WeasyPrint lays out HTML, every accessible PDF and the PDF of a document Typst does
    # not lay out; a batch of Typst letters never needs its fonts and stylesheets.
    weasy = [n for n in documents if not uses_typst(DOCUMENTS[n], prof)]
    if "html" in formats or any(f.endswith("pdf") and f != "pdf" for f in formats) or ("pdf" in formats and weasy):
        from doctool.render.pdf import font_config, stylesheet  # WeasyPrint, only when it is needed

        font_config()
        folder = template_folder(prof)
        for name in documents:
            for path in (STYLESHEET, *DOCUMENTS[name].stylesheet_paths()):
                stylesheet(stylesheet_path(path, folder))


def render_set(prepared: Prepared, selection: Selection) -> RenderedSet:
    """Render ``selection`` from ``prepared``, all in memory.

    Raises Incomplete (carrying ``prepared.report``, every finding) when a selected document
    has blocking findings and no draft was asked for: a set is refused whole, while one
    document without blocking findings of its own may be issued alone. NotApplicable for a
    document that does not apply; InputError for a bad name or size.
    """
    jobs = selection.jobs(prepared)
    documents = {name: prepared.document(name) for name, _fmt, _size in jobs}
    if not prepared.draft and not prepared.report_for(documents).complete:
        raise Incomplete(prepared.report)
    files = []
    for name, fmt, size in jobs:
        doc = documents[name]
        rendered = doc.render(fmt, size)
        files.append(OutputFile(file_name(prepared.stem, rendered, doc.marked_draft), rendered, doc.marked_draft))
    names = [f.name for f in files]
    if len(set(names)) != len(names):  # two formats must never share a name: a bug, not the user's
        raise RuntimeError("two rendered files would have the same name")
    manifest = build_manifest(
        prepared.input_sha256,
        prepared.report,
        [(f.name, f.file, f.draft) for f in files],
        draft=any(f.draft for f in files),
    )
    return RenderedSet(prepared, selection, tuple(files), manifest)
