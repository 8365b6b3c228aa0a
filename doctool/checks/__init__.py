"""Validation: the rules each document must satisfy, reported as findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from doctool.checks.dp_rules import DP_RULES
from doctool.checks.engine import run
from doctool.checks.letter_rules import LETTER_RULES, PDF_RULES
from doctool.checks.plan_rules import PLAN_RULES
from doctool.checks.review_rules import REVIEW_RULES
from doctool.checks.where import Namer
from doctool.findings import Finding, Report, Severity
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.model.review import ReviewRecord
from doctool.profiles import Profile, load_profile

if TYPE_CHECKING:
    from doctool.render.pdf import Pdf

__all__ = ["Finding", "Report", "Severity", "check_document", "check_dp_summary", "check_letter", "check_letter_pdf", "check_plan", "check_review", "merge"]


def check_plan(plan: Plan, profile: Profile | None = None) -> Report:
    """Every finding for ``plan`` under ``profile`` (England by default)."""
    return run(plan, PLAN_RULES, profile or load_profile("england"))


#: Where a letter made from a plan took each part from, so findings name the plan's fields.
_FROM_PLAN = (
    ("$.recipient.name", "$.person.full_name"),
    ("$.recipient.address", "$.person.address"),
    ("$.reference", "$.person.reference"),
    ("$.contact", "$.signatures.authority"),
)


def _from_plan(plan: Plan) -> tuple[tuple[str, str], ...]:
    """The letter goes to the person, or to who deals with their correspondence: the address
    checks then name that recipient's fields (or the person's address, if theirs is not given)."""
    to = plan.correspondence
    if to is None or to.role.value == "person":
        return _FROM_PLAN
    address = "$.correspondence.address" if to.address is not None else "$.person.address"
    return (("$.recipient.name", "$.correspondence.name"), ("$.recipient.address", address), *_FROM_PLAN[2:])


def _plan_path(path: str, plan: Plan) -> str:
    if path == "$.letter_date":
        fa = plan.financial_assessment
        return "$.financial_assessment.letter_issued" if fa and fa.letter_issued else "$.plan_date"
    for letter_part, plan_part in _from_plan(plan):
        if path == letter_part or path.startswith(letter_part + ".") or path.startswith(letter_part + "["):
            return plan_part + path[len(letter_part) :]
    return path


def check_letter(doc: LetterRecord | Plan, profile: Profile | None = None) -> Report:
    """Every finding for the charging letter: a letter record, or the letter made from a plan.

    The rules use the charging figures in force on the letter date; for a plan, paths
    name the plan's own fields (``$.person.address.postcode``).
    """
    from doctool.charging import figures_for
    from doctool.letters import as_letter

    prof = profile or load_profile("england")
    letter = as_letter(doc)
    figures = figures_for(letter.letter_date, prof)
    report = run(letter, [partial(rule, figures=figures) for rule in LETTER_RULES], prof, document="letter")
    if isinstance(doc, Plan):  # the plan's own paths, and named as the plan's parts are
        namer = Namer(doc, prof)
        report.findings = [_on_plan(f, doc, namer) for f in report.findings]
    return report


def _on_plan(finding: Finding, plan: Plan, namer: Namer) -> Finding:
    path = _plan_path(finding.path, plan)
    return dataclasses.replace(finding, path=path, where=namer.path(path) or finding.where)


def check_letter_pdf(pdf: Pdf, profile: Profile | None = None) -> Report:
    """Findings on the laid-out letter: GOV.UK Notify's page and size limits."""
    return run(pdf, PDF_RULES, profile or load_profile("england"), document="letter_pdf")


def check_dp_summary(plan: Plan, profile: Profile | None = None) -> Report:
    """Every finding for the direct payment agreement summary made from ``plan``."""
    return run(plan, DP_RULES, profile or load_profile("england"), document="dp_summary")


def check_review(review: ReviewRecord, profile: Profile | None = None) -> Report:
    """Every finding for the review of a plan (``data/rules/review.toml``)."""
    return run(review, REVIEW_RULES, profile or load_profile("england"), document="review")


def check_document(doc: Plan | LetterRecord | ReviewRecord, profile: Profile | None = None) -> Report:
    """What ``doctool validate`` reports: a plan's findings, a letter record's or a review's."""
    if isinstance(doc, ReviewRecord):
        return check_review(doc, profile)
    return check_letter(doc, profile) if isinstance(doc, LetterRecord) else check_plan(doc, profile)


def merge(profile: Profile, reports: Iterable[Report]) -> Report:
    """One report for several documents made together: each finding once, errors first."""
    reports = list(reports)
    findings = {f for r in reports for f in r.findings}
    ordered = sorted(findings, key=lambda f: (f.severity.value != "error", f.rule, f.path, f.message))
    return Report(profile=profile.name, findings=ordered, valid=all(r.valid for r in reports))
