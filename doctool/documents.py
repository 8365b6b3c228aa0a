"""The documents doctool produces, each a view builder plus a Word and an HTML template.

Adding a document means adding one :class:`DocumentKind` here; the CLI, ``--all``, the
manifest and the HTTP service all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctool import easyread
from doctool.checks import check_dp_summary, check_letter, check_letter_pdf, check_plan, merge
from doctool.findings import Report
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.paths import ASSETS, TEMPLATES, docx_template
from doctool.profiles import Profile
from doctool.render.docx import Picture
from doctool.render.pdf import Pdf
from doctool.view.dp_view import build_dp_summary_view
from doctool.view.letter_view import build_letter_view
from doctool.view.plan_view import build_plan_view

ViewBuilder = Callable[[Any, Profile, Report, bool], dict[str, Any]]
Checker = Callable[[Any, Profile], Report]


def logo_pictures(view: dict[str, Any]) -> dict[str, Picture]:
    """The council logo as a Word picture variable ``logo``, with its alt text."""
    council = view["council"]
    if not council["logo_path"]:
        return {}
    return {"logo": Picture(Path(council["logo_path"]), council["logo_alt"], 60)}


def logo_files(view: dict[str, Any]) -> tuple[Path, ...]:
    """The files a PDF may read besides doctool's assets: the council's logo."""
    path = view["council"]["logo_path"]
    return (Path(path),) if path else ()


@dataclass(frozen=True)
class DocumentKind:
    """One document: how to build its view, which templates lay it out, which rules it must pass.

    ``accepts`` are the records it is made from (a plan; a charging letter also from a
    standalone letter record); ``check`` gives its findings; ``check_pdf`` (if any) checks
    the laid-out PDF; ``stylesheets`` (in ``assets/css``) are applied after the shared one.
    """

    name: str
    html_template: str
    docx_template: str
    build_view: ViewBuilder
    applies: Callable[[Any], bool] = lambda plan: True
    not_applicable: str = ""
    check: Checker = check_plan
    accepts: tuple[type, ...] = (Plan,)
    stylesheets: tuple[str, ...] = ()
    check_pdf: Callable[[Pdf, Profile], Report] | None = None
    pictures: Callable[[dict[str, Any]], dict[str, Picture]] = logo_pictures
    extra_files: Callable[[dict[str, Any]], tuple[Path, ...]] = logo_files
    template_dir: str = "html"

    def usable(self, doc: Any) -> bool:
        """True when this document can be made from ``doc``."""
        return isinstance(doc, self.accepts) and self.applies(doc)

    def stylesheet_paths(self) -> tuple[Path, ...]:
        return tuple(ASSETS / "css" / name for name in self.stylesheets)

    def docx_path(self, profile: Profile) -> Path:
        """The council's own Word template if its profile names one, else the built-in."""
        return docx_template(profile, self.name, self.docx_template)

    def html_path(self) -> Path:
        return TEMPLATES / self.template_dir / self.html_template


def _check_easyread(plan: Plan, profile: Profile) -> Report:
    """The plan's own rules (an easy-read plan is still the plan) and the readability gate."""
    return merge(profile, [check_plan(plan, profile), easyread.check_easyread(plan, profile)])


def _has_financial_assessment(doc: Plan | LetterRecord) -> bool:
    return isinstance(doc, LetterRecord) or doc.financial_assessment is not None


DOCUMENTS: dict[str, DocumentKind] = {
    "plan": DocumentKind("plan", "plan.html.j2", "plan.docx", build_plan_view),
    "charging-letter": DocumentKind(
        "charging-letter",
        "charging-letter.html.j2",
        "charging-letter.docx",
        build_letter_view,
        applies=_has_financial_assessment,
        not_applicable="it has no financial assessment (financial_assessment)",
        check=check_letter,
        accepts=(Plan, LetterRecord),
        stylesheets=("letter.css",),
        check_pdf=check_letter_pdf,
    ),
    "dp-summary": DocumentKind(
        "dp-summary",
        "dp-summary.html.j2",
        "dp-summary.docx",
        build_dp_summary_view,
        applies=lambda plan: plan.direct_payment is not None,
        not_applicable="it has no direct payment (direct_payment)",
        check=check_dp_summary,
    ),
    "easyread": DocumentKind(
        "easyread",
        easyread.HTML_TEMPLATE,
        easyread.DOCX_TEMPLATE,
        easyread.build_easyread_view,
        check=_check_easyread,
        pictures=easyread.pictures,
        extra_files=easyread.extra_files,
        template_dir="easyread",
    ),
}
