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
    from doctool.render.laid_out import Pdf

__all__ = ["Finding", "Report", "Severity", "check_document", "check_dp_summary", "check_letter", "check_letter_pdf", "check_plan", "check_review", "merge"]


def check_plan(plan: Plan, profile: Profile | None = None) -> Report:
    """Every finding for ``plan`` under ``profile`` (England by default)."""
    return run(plan, PLAN_RULES, profile or load_profile("england"))


#: Where a letter made from a plan or a review took each part from, so findings name the
#: record's own fields; the contact officer is the plan's signatory or the reviewer.
_FROM_RECORD = (
    ("$.recipient.name", "$.person.full_name"),
    ("$.recipient.address", "$.person.address"),
    ("$.reference", "$.person.reference"),
)
_CONTACT = {Plan: "$.signatures.authority", ReviewRecord: "$.reviewer"}


def _from_record(doc: Plan | ReviewRecord) -> tuple[tuple[str, str], ...]:
    """The letter goes to the person, or to who deals with their correspondence: the address
    checks then name that recipient's fields (or the person's address, if theirs is not given)."""
    contact = ("$.contact", _CONTACT[type(doc)])
    to = doc.correspondence
    if to is None or to.role.value == "person":
        return (*_FROM_RECORD, contact)
    address = "$.correspondence.address" if to.address is not None else "$.person.address"
    return (("$.recipient.name", "$.correspondence.name"), ("$.recipient.address", address), _FROM_RECORD[2], contact)


def _record_path(path: str, doc: Plan | ReviewRecord) -> str:
    if path == "$.letter_date":
        fa = doc.financial_assessment
        dated = "$.plan_date" if isinstance(doc, Plan) else "$.review_date"
        return "$.financial_assessment.letter_issued" if fa and fa.letter_issued else dated
    for letter_part, record_part in _from_record(doc):
        if path == letter_part or path.startswith(letter_part + ".") or path.startswith(letter_part + "["):
            return record_part + path[len(letter_part) :]
    return path


def check_letter(doc: LetterRecord | Plan | ReviewRecord, profile: Profile | None = None) -> Report:
    """Every finding for the charging letter: a letter record, or the letter made from a plan
    or a review.

    The rules use the charging figures in force on the letter date; for a plan or a review,
    paths name the record's own fields (``$.person.address.postcode``).
    """
    from doctool.charging import figures_for
    from doctool.letters import as_letter

    prof = profile or load_profile("england")
    letter = as_letter(doc)
    figures = figures_for(letter.letter_date, prof)
    report = run(letter, [partial(rule, figures=figures) for rule in LETTER_RULES], prof, document="letter")
    if not isinstance(doc, LetterRecord):  # the record's own paths, and named as its parts are
        namer = Namer(doc, prof)
        report.findings = [_on_record(f, doc, namer) for f in report.findings]
    return report


def _on_record(finding: Finding, doc: Plan | ReviewRecord, namer: Namer) -> Finding:
    path = _record_path(finding.path, doc)
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
