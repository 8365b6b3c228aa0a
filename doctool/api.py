"""The library interface: what the command line and the HTTP service both call.

    >>> from doctool import api
    >>> report = api.validate_bytes(raw)                        # findings
    >>> files = api.render_bytes(raw, ["plan"], ["pdf"])        # RenderedFile list

Rendering refuses (raises :class:`Incomplete`) when blocking findings exist, unless
``draft`` is set, in which case every page is marked DRAFT and page 1 lists what is missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from doctool.checks import check_plan
from doctool.checks.findings import Report
from doctool.documents import DOCUMENTS, DocumentKind, logo_pictures
from doctool.errors import DoctoolError
from doctool.loading import load_plan_bytes, read_bytes
from doctool.model.plan import Plan
from doctool.paths import display_path
from doctool.profiles import Profile, load_profile
from doctool.render.docx import render_docx
from doctool.render.pdf import html_to_pdf
from doctool.render.templating import html_env

FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


class Incomplete(DoctoolError):
    """Blocking findings exist and no draft was asked for: nothing is written (exit 1)."""

    exit_code = 1

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} blocking finding(s): the document cannot be issued as final")
        self.report = report


class NotApplicable(DoctoolError):
    """The document does not apply to this plan (e.g. a direct payment summary with no payment)."""

    exit_code = 2


@dataclass(frozen=True)
class RenderedFile:
    document: str
    format: str
    content: bytes
    media_type: str
    extension: str
    template: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def validate_bytes(raw: bytes, profile: str = "england") -> Report:
    """Validate a JSON document given as bytes. Raises InputError for malformed input."""
    prof = load_profile(profile)
    return check_plan(load_plan_bytes(raw), prof)


def validate_file(path: Path, profile: str = "england") -> Report:
    """Validate a JSON document on disk. Raises InputError for malformed input."""
    return validate_bytes(read_bytes(path), profile)


def render_plan(plan: Plan, kind: DocumentKind, fmt: str, profile: Profile, report: Report, draft: bool) -> RenderedFile:
    """Lay out one document in one format from an already checked plan."""
    view = kind.build_view(plan, profile, report, draft)
    media_type, ext = FORMATS[fmt]
    if fmt == "pdf":
        html = html_env().get_template(kind.html_template).render(view)
        extra = (Path(view["council"]["logo_path"]),) if view["council"]["logo_path"] else ()
        content = html_to_pdf(html, extra_files=extra, identifier=view["doc"]["reference"])
        template = display_path(kind.html_path())
    else:
        path = kind.docx_path(profile)
        content = render_docx(
            path,
            view,
            logo_pictures(view),
            title=view["doc"]["full_title"],
            author=view["council"]["name"],
            date=plan.plan_date,
        )
        template = display_path(path)
    return RenderedFile(kind.name, fmt, content, media_type, ext, template)


def applicable(plan: Plan) -> list[str]:
    """The documents that apply to this plan, in registry order."""
    return [name for name, kind in DOCUMENTS.items() if kind.applies(plan)]


def render_bytes(
    raw: bytes,
    documents: list[str],
    formats: list[str],
    profile: str = "england",
    draft: bool = False,
) -> tuple[Report, list[RenderedFile]]:
    """Validate and render. All files are made in memory first, so a failure writes nothing."""
    prof = load_profile(profile)
    plan = load_plan_bytes(raw)
    report = check_plan(plan, prof)
    if not report.complete and not draft:
        raise Incomplete(report)
    files = []
    for name in documents:
        kind = DOCUMENTS[name]
        if not kind.applies(plan):
            raise NotApplicable(f"the {name} document does not apply to this plan: {kind.not_applicable}")
        files.extend(render_plan(plan, kind, fmt, prof, report, draft) for fmt in formats)
    return report, files
