"""The checks a direct payment agreement summary must pass (documents.md section 4).

The summary is made from the plan's ``direct_payment``; these rules ask whether it holds
what the summary must tell the holder. Wording and severity come from
``data/rules/dp_summary.toml`` and the profile.
"""

from __future__ import annotations

from collections.abc import Iterator

from doctool.checks.engine import Hit, hit
from doctool.checks.plan_rules import first_review_hits, payment_terms_missing
from doctool.model.plan import HolderType, Plan

#: Employer responsibilities the summary lists, and the words a message uses for each.
EMPLOYER_DUTIES = (
    ("payroll_provider", "payroll"),
    ("pension_auto_enrolment", "pension auto-enrolment"),
    ("right_to_work_checks", "right-to-work checks"),
    ("dbs_checks", "DBS checks"),
    ("redundancy_cover", "redundancy cover"),
)


def holder(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is None:
        return
    if dp.holder is None:
        yield hit("DP-HOLDER", "$.direct_payment.holder", "missing")
    elif dp.holder.type is HolderType.authorised and not dp.holder.basis:
        yield hit("DP-HOLDER", "$.direct_payment.holder.basis", "basis")


def account(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is not None and dp.account is None:
        yield hit("DP-ACCOUNT", "$.direct_payment.account", "missing")


def start(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is not None and dp.start_date is None:
        yield hit("DP-START", "$.direct_payment.start_date", "missing")


def amount(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is None:
        return
    for field in payment_terms_missing(dp):
        yield hit("DP-AMOUNT", f"$.direct_payment.{field}", field)


def needs(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is not None and not dp.need_ids:
        yield hit("DP-NEEDS", "$.direct_payment.need_ids", "missing")


def first_review(plan: Plan) -> Iterator[Hit]:
    if plan.direct_payment is not None:
        yield from first_review_hits("DP-REVIEW-6-MONTHS", plan.direct_payment)


def _employs(plan: Plan) -> bool:
    dp = plan.direct_payment
    return dp is not None and (dp.employs_personal_assistant or bool(dp.personal_assistants))


def employer_insurance(plan: Plan) -> Iterator[Hit]:
    if not _employs(plan):
        return
    costs = plan.direct_payment.employer_costs  # type: ignore[union-attr]
    if costs is None:
        yield hit("DP-EMPLOYER-INSURANCE", "$.direct_payment.employer_costs", "missing")
    elif not costs.employers_liability_insurance:
        yield hit("DP-EMPLOYER-INSURANCE", "$.direct_payment.employer_costs.employers_liability_insurance", "insurance")


def employer_duties(plan: Plan) -> Iterator[Hit]:
    if not _employs(plan):
        return
    costs = plan.direct_payment.employer_costs  # type: ignore[union-attr]
    if costs is None:
        return  # DP-EMPLOYER-INSURANCE reports the missing section
    missing = [words for field, words in EMPLOYER_DUTIES if not getattr(costs, field)]
    if missing:
        yield hit("DP-EMPLOYER", "$.direct_payment.employer_costs", "duties", duties=", ".join(missing))


def contribution(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is not None and dp.person_contribution and dp.contribution_frequency is None:
        yield hit("DP-CONTRIBUTION", "$.direct_payment.contribution_frequency", "frequency")


def contingency(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is not None and not dp.contingency and not (plan.contingency and plan.contingency.plan):
        yield hit("DP-CONTINGENCY", "$.direct_payment.contingency", "missing")


DP_RULES = (
    holder,
    account,
    start,
    amount,
    needs,
    first_review,
    employer_insurance,
    employer_duties,
    contribution,
    contingency,
)
