"""The accessible formats: what each one is, how to make it, and which ones a person asked for.

    >>> content, ext, media = render_accessible(plan, "plan", "large-print-pdf", profile, report, False, size=24)
    >>> formats_for_person(plan)
    [("plan", "pdf", {}), ("plan", "docx", {}), ("plan", "large-print-pdf", {"size": 18}), ...]

Every format is made from a document kind in :data:`doctool.documents.DOCUMENTS` and its
own view and templates, so it works for the plan, the charging letter, the direct payment
summary and any document added later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from doctool.accessible import audio, braille, html_copy, large_print, text
from doctool.accessible.source import Source
from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import InputError
from doctool.findings import Report
from doctool.model.plan import Format
from doctool.profiles import Profile

#: The easy-read plan's document name (made by doctool.easyread, not here).
EASYREAD = "easyread"
#: The easy-read documents: the plan's and the review's. Each comes only when the person
#: asked for easy read, and last.
EASY_READ_DOCUMENTS = (EASYREAD, "easyread-review")
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class AccessibleFormat:
    """One accessible format: its file extension and media type, what it is, and whether
    it takes a print size (``--size``)."""

    name: str
    extension: str
    media_type: str
    description: str
    render: Callable[[Source, int | None], tuple[bytes, str, str]]
    sized: bool = False


def _large_pdf(source: Source, size: int | None) -> tuple[bytes, str, str]:
    pt = large_print.large_print_size(source.record, size)
    return large_print.render_large_print_pdf(source, pt), "pdf", "application/pdf"


def _large_docx(source: Source, size: int | None) -> tuple[bytes, str, str]:
    pt = large_print.large_print_size(source.record, size)
    return large_print.render_large_print_docx(source, pt), "docx", DOCX_MEDIA


def _clear_pdf(source: Source, size: int | None) -> tuple[bytes, str, str]:
    return large_print.render_large_print_pdf(source, large_print.clear_print_size(size)), "pdf", "application/pdf"


def _clear_docx(source: Source, size: int | None) -> tuple[bytes, str, str]:
    return large_print.render_large_print_docx(source, large_print.clear_print_size(size)), "docx", DOCX_MEDIA


def _no_size(name: str, size: int | None) -> None:
    if size is not None:
        raise InputError(f"--size applies to large and clear print, not to {name}")


def _braille(source: Source, size: int | None) -> tuple[bytes, str, str]:
    _no_size("braille", size)
    grade = braille.asked_grade(source.record)
    return braille.render_braille(source.document, source.words, grade), "brf", "application/x-brf"


def _audio(source: Source, size: int | None) -> tuple[bytes, str, str]:
    _no_size("audio", size)
    return audio.render_audio(source.document, source.words)


def _txt(source: Source, size: int | None) -> tuple[bytes, str, str]:
    _no_size("plain text", size)
    return text.render_text(source.document, source.words), "txt", "text/plain; charset=utf-8"


def _html(source: Source, size: int | None) -> tuple[bytes, str, str]:
    _no_size("HTML", size)
    return html_copy.render_html_copy(source), "html", "text/html; charset=utf-8"


FORMATS: dict[str, AccessibleFormat] = {
    f.name: f
    for f in (
        AccessibleFormat(
            "large-print-pdf", "pdf", "application/pdf",
            "Large print PDF: 18 pt, or the size asked for (14 to 72 pt)", _large_pdf, sized=True,
        ),
        AccessibleFormat(
            "large-print-docx", "docx", DOCX_MEDIA,
            "Large print Word: 18 pt, or the size asked for (14 to 72 pt)", _large_docx, sized=True,
        ),
        AccessibleFormat(
            "clear-print-pdf", "pdf", "application/pdf", "Clear print PDF: 14 pt (12 to 14 pt)", _clear_pdf, sized=True
        ),
        AccessibleFormat(
            "clear-print-docx", "docx", DOCX_MEDIA, "Clear print Word: 14 pt (12 to 14 pt)", _clear_docx, sized=True
        ),
        AccessibleFormat(
            "braille", "brf", "application/x-brf",
            "Braille: UEB, contracted (grade 2) or the grade asked for, 40 cells by 25 lines (.brf)", _braille,
        ),
        AccessibleFormat("audio", "mp3", "audio/mpeg", "Audio: spoken by espeak-ng (MP3, or WAV without lame)", _audio),
        AccessibleFormat("txt", "txt", "text/plain; charset=utf-8", "Plain text (UTF-8), for email and screen readers", _txt),
        AccessibleFormat("html", "html", "text/html; charset=utf-8", "Accessible web page (one file), for email and screen readers", _html),
    )
}


def render_source(source: Source, fmt: str, size: int | None = None) -> tuple[bytes, str, str]:
    """One accessible format of an already built :class:`Source`: (bytes, extension, media type)."""
    try:
        spec = FORMATS[fmt]
    except KeyError:
        raise InputError(f"unknown accessible format {fmt!r}; known: {', '.join(FORMATS)}") from None
    return spec.render(source, size)


def render_accessible(
    record: Any, document: str | DocumentKind, fmt: str, profile: Profile, report: Report, draft: bool, size: int | None = None
) -> tuple[bytes, str, str]:
    """Compose ``document`` of an already checked record and write it in accessible format
    ``fmt``: (bytes, extension, media type). ``size`` is the print size for large and clear
    print; without it, large print uses the size the person asked for, or 18 pt."""
    return render_source(Source.build(record, document, profile, report, draft), fmt, size)


def _communications(plan: Any) -> list[Any]:
    """The communication records of everyone the document is for (a combined plan: both)."""
    people = [getattr(plan, "person", None), getattr(plan, "carer", None)]
    return [p.communication for p in people if p is not None and p.communication is not None]


def formats_for_person(plan: Any, documents: list[str] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """What to produce for the formats the person asked for (Accessible Information Standard).

    Returns (document, format, options) in a fixed order. ``documents`` are the documents
    the person gets (by default every document in DOCUMENTS that applies to the plan); the
    easy-read plan among them only when easy read was asked for, and last. Each document
    comes as standard PDF and Word, and then: ``large_print`` as large-print PDF and Word
    at the size asked for (``{"size": N}``, 18 pt when none was given); ``clear_print`` as
    clear-print PDF and Word at 14 pt; ``braille``; ``audio``; ``email`` or ``html`` as
    the HTML copy; ``txt`` as plain text. So each requested format comes for each document,
    the easy-read plan included: easy read and audio give the easy-read plan's audio too.
    In a combined plan both people's requests count, and the larger print size wins.
    """
    comms = _communications(plan)
    asked = {Format(f) for c in comms for f in c.formats}
    if documents is None:
        documents = [name for name, kind in DOCUMENTS.items() if _usable(kind, plan)]
    easy = [name for name in documents if name in EASY_READ_DOCUMENTS] if Format.easy_read in asked else []
    documents = [name for name in documents if name not in EASY_READ_DOCUMENTS] + easy
    size = large_print.asked_size(plan) or large_print.LARGE_DEFAULT
    out: list[tuple[str, str, dict[str, Any]]] = []
    for document in documents:
        out += [(document, "pdf", {}), (document, "docx", {})]
        if Format.large_print in asked:
            out += [(document, "large-print-pdf", {"size": size}), (document, "large-print-docx", {"size": size})]
        if Format.clear_print in asked:
            clear = {"size": large_print.CLEAR_DEFAULT}
            out += [(document, "clear-print-pdf", dict(clear)), (document, "clear-print-docx", dict(clear))]
        if Format.braille in asked:
            out.append((document, "braille", {}))
        if Format.audio in asked:
            out.append((document, "audio", {}))
        if Format.email in asked or Format.html in asked:
            out.append((document, "html", {}))
        if Format.txt in asked:
            out.append((document, "txt", {}))
    return out


def _usable(kind: DocumentKind, plan: Any) -> bool:
    usable = getattr(kind, "usable", None)
    return usable(plan) if usable is not None else kind.applies(plan)
