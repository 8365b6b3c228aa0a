"""The documents doctool produces: how each is composed, checked and laid out.

Adding a document means a composer (``doctool/compose/``), its wording and rules files,
its HTML template and Word shell, and one :class:`DocumentKind` here; the command line,
``--all``, the manifest, the batch and the HTTP service all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctool import easyread
from doctool.checks import check_dp_summary, check_letter, check_letter_pdf, check_plan, check_review, merge
from doctool.compose.dp_summary import compose_dp_summary
from doctool.compose.easyread import compose_easyread, compose_easyread_review
from doctool.compose.letter import compose_letter
from doctool.compose.plan import compose_plan
from doctool.compose.review import compose_review
from doctool.document import Document
from doctool.findings import Report
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.model.review import ReviewRecord
from doctool.paths import ASSETS, TEMPLATES, docx_template
from doctool.profiles import Profile
from doctool.render.laid_out import Pdf

Composer = Callable[[Any, Profile, Report, bool], Document]
Checker = Callable[[Any, Profile], Report]


@dataclass(frozen=True)
class DocumentKind:
    """One document: how to compose it, which templates lay it out, which rules it must pass.

    ``accepts`` are the records it is made from (a plan; a charging letter also from a
    standalone letter record); ``check`` gives its findings; ``check_pdf`` (if any) checks
    the laid-out PDF; ``stylesheets`` (in ``assets/css``) are applied after the shared one.
    """

    name: str
    html_template: str
    docx_template: str
    compose: Composer
    applies: Callable[[Any], bool] = lambda plan: True
    not_applicable: str = ""
    check: Checker = check_plan
    accepts: tuple[type, ...] = (Plan,)
    stylesheets: tuple[str, ...] = ()
    check_pdf: Callable[[Pdf, Profile], Report] | None = None
    template_dir: str = "html"
    made_from: str = "a care and support plan"
    typst: bool = False  # its PDF is laid out by Typst (templates/typst/letter.typ), see pdf_of

    def usable(self, doc: Any) -> bool:
        """True when this document can be made from ``doc``."""
        return isinstance(doc, self.accepts) and self.applies(doc)

    def stylesheet_paths(self) -> tuple[Path, ...]:
        return tuple(ASSETS / "css" / name for name in self.stylesheets)

    def docx_path(self, profile: Profile) -> Path:
        """The council's own Word shell if its profile names one, else the built-in."""
        return docx_template(profile, self.name, self.docx_template)

    def html_path(self) -> Path:
        return TEMPLATES / self.template_dir / self.html_template


def _check_easyread(plan: Plan, profile: Profile) -> Report:
    """The plan's own rules (an easy-read plan is still the plan) and the readability gate."""
    return merge(profile, [check_plan(plan, profile), easyread.check_easyread(plan, profile)])


def _check_easyread_review(review: ReviewRecord, profile: Profile) -> Report:
    """The review's own rules (an easy-read review is still the review) and the readability gate."""
    return merge(profile, [check_review(review, profile), easyread.check_easyread_review(review, profile)])


def _asked_for_easy_read(review: ReviewRecord) -> bool:
    comm = review.person.communication
    return comm is not None and any(getattr(f, "value", f) == "easy_read" for f in comm.formats)


def _has_financial_assessment(doc: Plan | LetterRecord | ReviewRecord) -> bool:
    return isinstance(doc, LetterRecord) or doc.financial_assessment is not None


DOCUMENTS: dict[str, DocumentKind] = {
    "plan": DocumentKind("plan", "plan.html.j2", "plan.docx", compose_plan),
    # A review's own copy first, then the charging letter made from it, as a plan's are
    "review": DocumentKind(
        "review",
        "review.html.j2",
        "review.docx",
        compose_review,
        check=check_review,
        accepts=(ReviewRecord,),
        made_from="a review record",
    ),
    # The person's easy-read copy of a review, when they asked for easy read: the easy-read
    # plan's template and Word shell, composed from the review record.
    "easyread-review": DocumentKind(
        "easyread-review",
        "easyread.html.j2",
        "easyread.docx",
        compose_easyread_review,
        applies=_asked_for_easy_read,
        not_applicable="the person has not asked for easy read (person.communication.formats)",
        check=_check_easyread_review,
        accepts=(ReviewRecord,),
        template_dir="easyread",
        made_from="a review record",
    ),
    "charging-letter": DocumentKind(
        "charging-letter",
        "charging-letter.html.j2",
        "charging-letter.docx",
        compose_letter,
        applies=_has_financial_assessment,
        not_applicable="it has no financial assessment (financial_assessment)",
        check=check_letter,
        accepts=(Plan, LetterRecord, ReviewRecord),
        stylesheets=("letter.css",),
        check_pdf=check_letter_pdf,
        typst=True,
    ),
    "dp-summary": DocumentKind(
        "dp-summary",
        "dp-summary.html.j2",
        "dp-summary.docx",
        compose_dp_summary,
        applies=lambda plan: plan.direct_payment is not None,
        not_applicable="it has no direct payment (direct_payment)",
        check=check_dp_summary,
    ),
    "easyread": DocumentKind(
        "easyread",
        "easyread.html.j2",
        "easyread.docx",
        compose_easyread,
        check=_check_easyread,
        template_dir="easyread",
    ),
}
