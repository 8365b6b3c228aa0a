"""Every rule in the catalogue, both ways: a plan that breaks it, and the complete plan that does not.

Each case mutates the complete sample (01) and checks, through the library interface,
the rule id, its severity under the England profile, the JSON path and which of the
rule's messages was used. The coverage tests at the bottom fail when a rule, or one of
its messages, is added to ``doctool/data/rules/plan.toml`` without a case here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Any

import pytest

from doctool.api import prepare, validate_bytes

from conftest import ESTIMATE, REPO, complete_plan_dict, dump_json

with open(REPO / "doctool" / "data" / "rules" / "plan.toml", "rb") as _fh:
    #: The plan rule catalogue, read straight from the data file: {rule id: {severity, source, messages...}}.
    PLAN_TOML: dict[str, dict[str, Any]] = tomllib.load(_fh)

Plan = dict[str, Any]


def _walk(plan: Plan, dotted: str) -> tuple[Any, str | int]:
    parts = dotted.split(".")
    node: Any = plan
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    return node, int(last) if isinstance(node, list) else last


def setv(dotted: str, value: Any) -> Callable[[Plan], None]:
    def apply(plan: Plan) -> None:
        node, key = _walk(plan, dotted)
        node[key] = value

    return apply


def delete(dotted: str) -> Callable[[Plan], None]:
    def apply(plan: Plan) -> None:
        node, key = _walk(plan, dotted)
        del node[key]

    return apply


def each(*changes: Callable[[Plan], None]) -> Callable[[Plan], None]:
    def apply(plan: Plan) -> None:
        for change in changes:
            change(plan)

    return apply


# A direct payment that is complete and consistent with sample 01: it pays for the
# lunchtime visits (need N2, service S2, £90.30 a week of the council's £168.36).
DIRECT_PAYMENT = {
    "need_ids": ["N2"],
    "outcome_ids": ["O2"],
    "amount": "90.30",
    "frequency": "weekly",
    "holder": {"type": "person", "name": "Margaret Dawson"},
    "account": "prepaid_card",
    "start_date": "2026-11-09",
    "first_review_date": "2027-02-01",
}


def with_dp(**changes: Any) -> Callable[[Plan], None]:
    """Add the direct payment above, with some fields changed (None removes a field)."""

    def apply(plan: Plan) -> None:
        dp = {**DIRECT_PAYMENT, **changes}
        plan["direct_payment"] = {k: v for k, v in dp.items() if v is not None}
        plan["services"][1]["delivery_mechanism"] = "direct_payment"
        plan["personal_budget"]["management"] = "mixed"

    return apply


PA = {"role": "Personal assistant", "hours_per_week": "3.50", "hourly_rate": "14.00"}
EMPLOYER = {"employers_liability_insurance": True, "payroll_provider": "Eastbrook Payroll", "weekly_amount": "5.00"}


def as_carer_plan(plan: Plan) -> None:
    plan["plan_type"] = "carer"
    plan["cared_for"] = {"name": "Frank Dawson", "relationship": "Husband"}
    plan["carer_wishes"] = {
        "caring": "I want to keep caring for Frank.",
        "recreation": "I want to go to choir on Wednesdays.",
        "willing_to_continue": True,
        "able_to_continue": True,
    }


def as_combined_plan(plan: Plan) -> None:
    as_carer_plan(plan)
    plan["plan_type"] = "combined"
    del plan["cared_for"]
    plan["carer"] = {"full_name": "Claire Dawson", "reference": "ASC-104234"}
    plan["outcomes"].append({"id": "O4", "whose": "carer", "in_own_words": "I want an evening off each week."})
    plan["involvement"]["combined_plan_agreed"] = True
    plan["signatures"]["carer"] = {"name": "Claire Dawson", "role": "carer", "signed": True, "date": "2026-11-02"}


# (case id, mutation, rule, severity under england, JSON path, message key)
CASES: list[tuple[str, Callable[[Plan], None], str, str, str, str]] = [
    # --- essential elements: always errors
    ("no-needs", delete("needs"), "CA-25-1-a", "error", "$.needs", "missing"),
    ("empty-needs", setv("needs", []), "CA-25-1-a", "error", "$.needs", "missing"),
    ("no-eligibility", delete("needs.1.eligibility"), "CA-25-1-b", "error", "$.needs[1].eligibility", "missing"),
    (
        "partly-eligible-no-extent",
        setv("needs.0.eligibility", "partly_eligible"),
        "CA-25-1-b",
        "error",
        "$.needs[0].eligibility_extent",
        "extent",
    ),
    ("meet-undecided", delete("needs.2.council_will_meet"), "CA-25-1-c", "error", "$.needs[2].council_will_meet", "undecided"),
    ("meet-but-how", setv("needs.2.met_by", []), "CA-25-1-c", "error", "$.needs[2].met_by", "how"),
    ("no-outcomes", delete("outcomes"), "CA-25-1-d", "error", "$.outcomes", "adult"),
    ("only-carer-outcomes", lambda p: [o.update(whose="carer") for o in p["outcomes"]], "CA-25-1-d", "error", "$.outcomes", "adult"),
    (
        "carer-plan-no-wishes",
        each(as_carer_plan, delete("carer_wishes")),
        "CA-25-1-d",
        "error",
        "$.carer_wishes",
        "carer_wishes",
    ),
    (
        "combined-no-carer-outcomes",
        each(as_combined_plan, lambda p: p["outcomes"].pop()),
        "CA-25-1-d",
        "error",
        "$.outcomes",
        "carer_outcomes",
    ),
    ("no-personal-budget", delete("personal_budget"), "CA-25-1-e", "error", "$.personal_budget", "missing"),
    ("budget-no-total", delete("personal_budget.total_cost"), "CA-26-1", "error", "$.personal_budget.total_cost", "total_cost"),
    (
        "budget-no-person-amount",
        delete("personal_budget.person_amount"),
        "CA-26-1",
        "error",
        "$.personal_budget.person_amount",
        "person_amount",
    ),
    (
        "budget-no-authority-amount",
        delete("personal_budget.authority_amount"),
        "CA-26-1",
        "error",
        "$.personal_budget.authority_amount",
        "authority_amount",
    ),
    ("no-advice", delete("advice"), "CA-25-1-f", "error", "$.advice", "missing"),
    ("advice-no-meet", setv("advice.meet_or_reduce", []), "CA-25-1-f", "error", "$.advice.meet_or_reduce", "meet_or_reduce"),
    ("advice-no-prevent", delete("advice.prevent_or_delay"), "CA-25-1-f", "error", "$.advice.prevent_or_delay", "prevent_or_delay"),
    ("dp-no-amount", with_dp(amount=None), "CA-25-2", "error", "$.direct_payment.amount", "amount"),
    ("dp-no-frequency", with_dp(frequency=None), "CA-25-2", "error", "$.direct_payment.frequency", "frequency"),
    ("dp-no-needs", with_dp(need_ids=[]), "CA-25-2", "error", "$.direct_payment.need_ids", "needs"),
    # --- practice requirements: warnings by default
    ("no-review", delete("review"), "SG-10-REVIEW", "warning", "$.review", "missing"),
    ("no-next-review", delete("review.next_review_date"), "SG-10-REVIEW", "warning", "$.review.next_review_date", "next"),
    ("no-light-touch", delete("review.light_touch_date"), "SG-10-REVIEW", "warning", "$.review.light_touch_date", "light_touch"),
    ("no-contingency", delete("contingency"), "SG-10-CONTINGENCY", "warning", "$.contingency", "missing"),
    ("contingency-no-plan", delete("contingency.plan"), "SG-10-CONTINGENCY", "warning", "$.contingency.plan", "plan"),
    (
        "contingency-no-contacts",
        setv("contingency.emergency_contacts", []),
        "SG-10-CONTINGENCY",
        "warning",
        "$.contingency.emergency_contacts",
        "contacts",
    ),
    ("contingency-no-keys", delete("contingency.keys_held_by"), "SG-10-CONTINGENCY", "warning", "$.contingency.keys_held_by", "keys"),
    (
        "risk-no-reactive",
        delete("contingency.risks.0.reactive"),
        "SG-10-CONTINGENCY",
        "warning",
        "$.contingency.risks[0]",
        "risk_measures",
    ),
    ("fluctuates-no-plan", setv("needs.0.fluctuates", True), "SG-10-FLUCTUATING", "warning", "$.needs[0].fluctuation_plan", "plan"),
    (
        "carer-met-not-asked",
        delete("needs.1.informal_carer_willing_and_able"),
        "SG-10-INFORMAL",
        "warning",
        "$.needs[1].informal_carer_willing_and_able",
        "willing",
    ),
    (
        "carer-plan-willingness",
        each(as_carer_plan, delete("carer_wishes.able_to_continue")),
        "SG-10-INFORMAL",
        "warning",
        "$.carer_wishes.willing_to_continue",
        "carer",
    ),
    ("no-involvement", delete("involvement"), "SG-10-INVOLVED", "warning", "$.involvement.people", "missing"),
    (
        "person-not-involved",
        lambda p: p["involvement"]["people"].pop(0),
        "SG-10-INVOLVED",
        "warning",
        "$.involvement.people",
        "person",
    ),
    (
        "adult-plan-only-a-carer-involved",
        setv("involvement.people", [{"name": "A carer", "role": "carer"}]),
        "SG-10-INVOLVED",
        "warning",
        "$.involvement.people",
        "person",
    ),
    ("no-copies", setv("involvement.copies_to", []), "SG-10-COPIES", "warning", "$.involvement.copies_to", "missing"),
    (
        "person-gets-no-copy",
        lambda p: p["involvement"]["copies_to"].pop(0),
        "SG-10-COPIES",
        "warning",
        "$.involvement.copies_to",
        "person",
    ),
    ("no-signatures", delete("signatures"), "SG-10-SIGNOFF", "warning", "$.signatures", "missing"),
    ("person-unsigned", setv("signatures.person.signed", False), "SG-10-SIGNOFF", "warning", "$.signatures.person", "person"),
    ("person-sig-undated", delete("signatures.person.date"), "SG-10-SIGNOFF", "warning", "$.signatures.person.date", "person_date"),
    (
        "combined-carer-unsigned",
        each(as_combined_plan, delete("signatures.carer")),
        "SG-10-SIGNOFF",
        "warning",
        "$.signatures.carer",
        "carer",
    ),
    ("no-la-signature", delete("signatures.authority"), "SG-10-SIGNOFF-LA", "warning", "$.signatures.authority", "missing"),
    ("no-signatures-la", delete("signatures"), "SG-10-SIGNOFF-LA", "warning", "$.signatures.authority", "missing"),
    ("la-sig-undated", delete("signatures.authority.date"), "SG-10-SIGNOFF-LA", "warning", "$.signatures.authority.date", "date"),
    (
        "advocate-signs",
        setv("signatures.person.role", "independent_advocate"),
        "SG-10-SIGNATORY",
        "error",
        "$.signatures.person.role",
        "advocate",
    ),
    ("no-communication", delete("person.communication"), "SG-10-FORMAT", "warning", "$.person.communication", "missing"),
    ("no-format", setv("person.communication.formats", []), "SG-10-FORMAT", "warning", "$.person.communication.formats", "formats"),
    ("s117-no-needs", setv("s117", {"applies": True}), "SG-10-S117", "warning", "$.s117.need_ids", "needs"),
    ("service-s117-not-applied", setv("services.2.s117", True), "SG-10-S117", "warning", "$.services[2].s117", "service"),
    (
        "accommodation-no-evidence",
        setv("accommodation", {"type": "extra care housing", "decision": "Needs can only be met in extra care."}),
        "SG-10-ACCOMMODATION",
        "warning",
        "$.accommodation.evidence",
        "evidence",
    ),
    ("not-met-unexplained", setv("advice.needs_not_met", []), "SG-10-NOT-MET", "warning", "$.needs[3]", "reason"),
    (
        "pa-no-employer-costs",
        with_dp(employs_personal_assistant=True),
        "SG-12-EMPLOYER",
        "warning",
        "$.direct_payment.employer_costs",
        "missing",
    ),
    (
        "pa-listed-no-employer-costs",
        with_dp(personal_assistants=[PA]),
        "SG-12-EMPLOYER",
        "warning",
        "$.direct_payment.employer_costs",
        "missing",
    ),
    (
        "pa-no-insurance",
        with_dp(employs_personal_assistant=True, employer_costs={"payroll_provider": "Eastbrook Payroll"}),
        "SG-12-EMPLOYER",
        "warning",
        "$.direct_payment.employer_costs.employers_liability_insurance",
        "insurance",
    ),
    # --- consistency
    ("carer-plan-no-cared-for", each(as_carer_plan, delete("cared_for")), "CON-PLAN-TYPE", "error", "$.cared_for", "cared_for"),
    ("combined-no-carer", each(as_combined_plan, delete("carer")), "CON-PLAN-TYPE", "error", "$.carer", "carer"),
    (
        "combined-not-agreed",
        each(as_combined_plan, delete("involvement.combined_plan_agreed")),
        "CON-PLAN-TYPE",
        "error",
        "$.involvement.combined_plan_agreed",
        "combined_agreed",
    ),
    ("adult-plan-carer-need", setv("needs.0.whose", "carer"), "CON-PLAN-TYPE", "error", "$.needs[0].whose", "whose"),
    ("outcome-unknown-need", setv("outcomes.1.need_ids", ["N2", "N9"]), "CON-REFERENCE", "error", "$.outcomes[1].need_ids[1]", "need"),
    ("service-unknown-need", setv("services.0.need_ids", ["N7"]), "CON-REFERENCE", "error", "$.services[0].need_ids[0]", "need"),
    (
        "arrangement-unknown-service",
        setv("needs.2.met_by.0.service_id", "S9"),
        "CON-REFERENCE",
        "error",
        "$.needs[2].met_by[0].service_id",
        "service",
    ),
    ("dp-unknown-outcome", with_dp(outcome_ids=["O9"]), "CON-REFERENCE", "error", "$.direct_payment.outcome_ids[0]", "outcome"),
    ("dp-unknown-need", with_dp(need_ids=["N2", "N8"]), "CON-REFERENCE", "error", "$.direct_payment.need_ids[1]", "need"),
    (
        "s117-unknown-service",
        each(setv("s117", {"applies": True, "need_ids": ["N3"], "service_ids": ["S8"]})),
        "CON-REFERENCE",
        "error",
        "$.s117.service_ids[0]",
        "service",
    ),
    (
        "not-met-unknown-need",
        setv("advice.needs_not_met.0.need_id", "N5"),
        "CON-REFERENCE",
        "error",
        "$.advice.needs_not_met[0].need_id",
        "need",
    ),
    ("duplicate-need-id", setv("needs.3.id", "N1"), "CON-REFERENCE", "error", "$.needs", "duplicate"),
    ("duplicate-service-id", setv("services.2.id", "S1"), "CON-REFERENCE", "error", "$.services", "duplicate"),
    ("budget-one-penny-out", setv("personal_budget.person_amount", "62.13"), "CON-BUDGET-SUM", "error", "$.personal_budget", "sum"),
    (
        "budget-third-party-too-much",
        setv("personal_budget.third_party_amount", "10.00"),
        "CON-BUDGET-SUM",
        "error",
        "$.personal_budget",
        "sum",
    ),
    ("budget-no-period", delete("personal_budget.period"), "CON-BUDGET-PERIOD", "error", "$.personal_budget.period", "missing"),
    ("services-over-budget", setv("services.0.units_per_week", "6.00"), "CON-BUDGET-SERVICES", "warning", "$.services", "difference"),
    ("services-one-penny-over", setv("services.2.unit_cost", "4.76"), "CON-BUDGET-SERVICES", "warning", "$.services", "difference"),
    (
        "ineligible-met",
        each(
            setv("needs.3.council_will_meet", True),
            setv("needs.3.met_by", [{"how": "council", "who": "Eastbrook Transport", "what": "Lift to lunch club"}]),
        ),
        "CON-NEED-MET-ELIGIBLE",
        "error",
        "$.needs[3]",
        "ineligible",
    ),
    ("dp-need-not-met", with_dp(need_ids=["N2", "N4"]), "CON-DP-NEED", "error", "$.direct_payment.need_ids[1]", "not_met"),
    ("dp-too-much", with_dp(amount="168.37"), "CON-DP-AMOUNT", "error", "$.direct_payment.amount", "amount"),
    # a year is 52 weeks (formatting.WEEKS_IN): £168.36 a week is £8,754.72 a year
    ("dp-annual-too-much", with_dp(amount="8760.00", frequency="annual"), "CON-DP-AMOUNT", "error", "$.direct_payment.amount", "amount"),
    # one payment covers the budget's whole period
    ("dp-one-off-too-much", with_dp(amount="168.37", frequency="one_off"), "CON-DP-AMOUNT", "error", "$.direct_payment.amount", "amount"),
    # --- the person's amount before and after the financial assessment
    ("pending-no-person-amount", each(delete("personal_budget.person_amount"), setv("financial_assessment.scenario", "pending")),
     "CA-26-1", "error", "$.personal_budget.person_amount", "person_amount_pending"),
    ("not-known-and-an-amount", each(setv("financial_assessment.scenario", "pending"), setv("personal_budget.person_amount_not_known", True)),
     "CON-BUDGET-NOT-KNOWN", "error", "$.personal_budget.person_amount_not_known", "both"),
    ("not-known-after-assessment", each(delete("personal_budget.person_amount"), setv("personal_budget.person_amount_not_known", True)),
     "CON-BUDGET-NOT-KNOWN", "error", "$.personal_budget.person_amount_not_known", "assessed"),
    ("pending-zero", each(setv("financial_assessment.scenario", "pending"), setv("personal_budget.person_amount", "0.00"),
                          setv("personal_budget.authority_amount", "230.50")),
     "CON-BUDGET-NOT-KNOWN", "error", "$.personal_budget.person_amount", "zero"),
    ("not-known-council-over-cost", each(setv("financial_assessment.scenario", "pending"), delete("personal_budget.person_amount"),
                                         setv("personal_budget.person_amount_not_known", True), setv("personal_budget.authority_amount", "240.00")),
     "CON-BUDGET-SUM", "error", "$.personal_budget", "not_known"),
    # --- who letters go to, and the authority behind a signature
    ("attorney-no-authority", setv("correspondence", {"role": "attorney", "name": "Mrs Claire Dawson"}),
     "CON-CORRESPONDENCE", "warning", "$.correspondence.authority", "authority"),
    ("letters-to-welfare-attorney", setv("correspondence", {"role": "attorney", "name": "Mrs Claire Dawson", "authority": "lpa_health_welfare"}),
     "CON-CORRESPONDENCE", "warning", "$.correspondence.authority", "money"),
    ("attorney-signs-no-authority", setv("signatures.person.role", "attorney"),
     "SG-10-SIGNATORY", "error", "$.signatures.person.authority", "authority"),
    ("property-attorney-signs-plan", each(setv("signatures.person.role", "attorney"), setv("signatures.person.authority", "lpa_property_financial")),
     "SG-10-SIGNATORY", "error", "$.signatures.person.authority", "care_authority"),
    ("s117-no-body", each(setv("services.2.s117", True),
                          setv("s117", {"applies": True, "need_ids": ["N3"], "service_ids": ["S3"], "detained_section": "3"})),
     "SG-10-S117", "warning", "$.s117.responsible_body", "body"),
    ("s117-no-section", each(setv("services.2.s117", True),
                             setv("s117", {"applies": True, "need_ids": ["N3"], "service_ids": ["S3"], "responsible_body": "Eastbrook Borough Council"})),
     "SG-10-S117", "warning", "$.s117.detained_section", "section"),
    (
        "dp-too-much-monthly",
        with_dp(amount="740.00", frequency="monthly"),  # £170.77 a week > £168.36
        "CON-DP-AMOUNT",
        "error",
        "$.direct_payment.amount",
        "amount",
    ),
    (
        "dp-relative-in-household",
        with_dp(personal_assistants=[PA, {**PA, "is_close_relative_in_household": True}], employer_costs=EMPLOYER),
        "CON-DP-RELATIVE",
        "error",
        "$.direct_payment.personal_assistants[1]",
        "relative",
    ),
    ("dp-no-first-review", with_dp(first_review_date=None), "CON-DP-REVIEW", "error", "$.direct_payment.first_review_date", "missing"),
    ("dp-review-late", with_dp(first_review_date="2027-05-10"), "CON-DP-REVIEW", "error", "$.direct_payment.first_review_date", "late"),
    ("dp-review-before-start", with_dp(first_review_date="2026-11-01"), "CON-DP-REVIEW", "error", "$.direct_payment.first_review_date", "before"),
    ("review-before-plan", setv("review.light_touch_date", "2026-10-01"), "CON-REVIEW-ORDER", "error", "$.review.light_touch_date", "before"),
    ("review-on-plan-date", setv("review.next_review_date", "2026-11-02"), "CON-REVIEW-ORDER", "error", "$.review.next_review_date", "before"),
    ("light-touch-late", setv("review.light_touch_date", "2026-12-29"), "CON-REVIEW-8-WEEKS", "warning", "$.review.light_touch_date", "late"),
    (
        "no-light-touch-next-late",
        delete("review.light_touch_date"),
        "CON-REVIEW-8-WEEKS",
        "warning",
        "$.review.next_review_date",
        "late",
    ),
    ("review-over-12-months", setv("review.next_review_date", "2027-11-03"), "CON-REVIEW-12-MONTHS", "error", "$.review.next_review_date", "late"),
    ("need-without-outcome", setv("outcomes.0.need_ids", ["N1"]), "CON-NEED-OUTCOME", "warning", "$.needs[2]", "unlinked"),
]

# Near misses: plans that come close to a rule but are right; the rule must stay silent.
NEAR_MISSES: list[tuple[str, Callable[[Plan], None], str]] = [
    ("direct-payment-complete", with_dp(), "CA-25-2"),
    ("direct-payment-complete-dp-rules", with_dp(), "CON-DP-REVIEW"),
    ("dp-equal-to-authority-share", with_dp(amount="168.36"), "CON-DP-AMOUNT"),
    ("dp-monthly-within-share", with_dp(amount="729.00", frequency="monthly"), "CON-DP-AMOUNT"),  # £168.23 a week
    ("dp-review-exactly-6-months", with_dp(first_review_date="2027-05-09"), "CON-DP-REVIEW"),
    ("dp-relative-agreed", with_dp(
        personal_assistants=[{**PA, "is_close_relative_in_household": True, "relative_agreed_as_necessary": True}],
        employer_costs=EMPLOYER,
    ), "CON-DP-RELATIVE"),
    ("pa-with-employer-costs", with_dp(employs_personal_assistant=True, employer_costs=EMPLOYER), "SG-12-EMPLOYER"),
    ("partly-eligible-with-extent", each(
        setv("needs.0.eligibility", "partly_eligible"),
        setv("needs.0.eligibility_extent", "Washing is eligible; help with nails is not."),
    ), "CA-25-1-b"),
    ("ineligible-met-by-choice", each(
        setv("needs.3.council_will_meet", True),
        setv("needs.3.ineligible_met_by_choice", True),
        setv("needs.3.met_by", [{"how": "council", "who": "Eastbrook Transport", "what": "Lift to lunch club"}]),
    ), "CON-NEED-MET-ELIGIBLE"),
    ("third-party-adds-up", each(
        setv("personal_budget.third_party_amount", "10.00"),
        setv("personal_budget.authority_amount", "158.36"),
    ), "CON-BUDGET-SUM"),
    ("top-up-covers-services", each(
        setv("services.0.units_per_week", "6.00"),
        setv("personal_budget.top_up_amount", "19.35"),
        setv("personal_budget.top_up_payer", "Claire Dawson"),
    ), "CON-BUDGET-SERVICES"),
    ("s117-service-free", each(
        setv("services.2.s117", True),
        setv("s117", {"applies": True, "need_ids": ["N3"], "service_ids": ["S3"], "detained_section": "37",
                      "responsible_bodies": ["Eastbrook Borough Council", "NHS Eastbrook and Northfield ICB"]}),
    ), "SG-10-S117"),
    ("dp-annual-within-share", with_dp(amount="8754.72", frequency="annual"), "CON-DP-AMOUNT"),
    ("dp-one-off-within-share", with_dp(amount="168.36", frequency="one_off"), "CON-DP-AMOUNT"),
    ("not-known-before-assessment", each(setv("financial_assessment.scenario", "pending"), delete("personal_budget.person_amount"),
                                         setv("personal_budget.person_amount_not_known", True)), "CON-BUDGET-NOT-KNOWN"),
    ("not-known-is-not-missing", each(setv("financial_assessment.scenario", "pending"), delete("personal_budget.person_amount"),
                                      setv("personal_budget.person_amount_not_known", True)), "CA-26-1"),
    ("not-known-adds-up", each(setv("financial_assessment.scenario", "pending"), delete("personal_budget.person_amount"),
                               setv("personal_budget.person_amount_not_known", True)), "CON-BUDGET-SUM"),
    ("welfare-attorney-signs", each(setv("signatures.person.role", "attorney"), setv("signatures.person.authority", "lpa_health_welfare"),
                                    setv("signatures.person.on_behalf_of", "Peggy Dawson")), "SG-10-SIGNATORY"),
    ("letters-to-property-attorney", setv("correspondence", {"role": "attorney", "name": "Mrs Claire Dawson", "authority": "lpa_property_financial"}),
     "CON-CORRESPONDENCE"),
    ("accommodation-evidenced", setv("accommodation", {
        "type": "extra care housing", "decision": "Needs can only be met in extra care.", "evidence": "OT report.",
    }), "SG-10-ACCOMMODATION"),
    ("reviewed-plan-no-light-touch", each(setv("plan_event", "reviewed"), delete("review.light_touch_date")), "SG-10-REVIEW"),
    ("reviewed-plan-next-in-11-months", each(setv("plan_event", "reviewed"), delete("review.light_touch_date")), "CON-REVIEW-8-WEEKS"),
    ("light-touch-at-8-weeks", setv("review.light_touch_date", "2026-12-28"), "CON-REVIEW-8-WEEKS"),
    ("review-at-12-months", setv("review.next_review_date", "2027-11-02"), "CON-REVIEW-12-MONTHS"),
    ("person-unsigned-with-reason", each(
        setv("signatures.person.signed", False),
        setv("signatures.unsigned_reason", "Peggy was in hospital; she will sign on her return."),
    ), "SG-10-SIGNOFF"),
    ("legal-representative-signs", setv("signatures.person.role", "legal_representative"), "SG-10-SIGNATORY"),
    ("carer-plan-complete", as_carer_plan, "CON-PLAN-TYPE"),
    ("carer-plan-complete-outcomes", as_carer_plan, "CA-25-1-d"),
    ("carer-plan-complete-informal", as_carer_plan, "SG-10-INFORMAL"),
    ("combined-plan-complete", as_combined_plan, "CON-PLAN-TYPE"),
    ("combined-plan-complete-outcomes", as_combined_plan, "CA-25-1-d"),
    ("combined-plan-complete-signoff", as_combined_plan, "SG-10-SIGNOFF"),
    ("person-amount-zero", each(
        setv("personal_budget.person_amount", "0.00"),
        setv("personal_budget.authority_amount", "230.50"),
    ), "CA-26-1"),
]


def _findings(plan: Plan, profile: str = "england"):
    """The plan's own rules (the catalogue tested here), through the library from bytes;
    validate also merges the other documents' checks (the easy-read gate, the letter)."""
    report = prepare(dump_json(plan), profile).documents["plan"].report
    assert report.valid
    return report


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.S)


@pytest.mark.parametrize(
    "mutate,rule,severity,path,key",
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rule_fires(mutate, rule, severity, path, key):
    plan = complete_plan_dict()
    mutate(plan)
    report = _findings(plan)
    matching = [f for f in report.findings if f.rule == rule and f.path == path]
    assert matching, f"{rule} at {path} not reported; got {[(f.rule, f.path) for f in report.findings]}"
    finding = matching[0]
    assert finding.severity.value == severity
    spec = PLAN_TOML[rule]
    assert finding.source == spec["source"]
    assert _template_regex(spec["messages"][key]).match(finding.message), (finding.message, spec["messages"][key])
    if severity == "error":
        assert not report.complete
    else:
        # a warning alone never blocks: every error in this report comes from another rule
        assert all(f.rule != rule for f in report.errors)


@pytest.mark.parametrize("mutate,rule", [pytest.param(*case[1:], id=case[0]) for case in NEAR_MISSES])
def test_rule_stays_silent_on_near_miss(mutate, rule):
    plan = complete_plan_dict()
    mutate(plan)
    report = _findings(plan)
    assert [f for f in report.findings if f.rule == rule] == []


def test_near_miss_direct_payment_plan_is_complete():
    plan = complete_plan_dict()
    with_dp()(plan)
    report = _findings(plan)
    assert report.findings == []


@pytest.mark.parametrize("plan_kind", [as_carer_plan, as_combined_plan], ids=["carer", "combined"])
def test_carer_and_combined_variants_are_complete(plan_kind):
    plan = complete_plan_dict()
    plan_kind(plan)
    report = _findings(plan)
    assert report.complete, [(f.rule, f.path) for f in report.errors]
    assert report.findings == []


@pytest.mark.parametrize("rule", sorted(PLAN_TOML))
def test_complete_sample_does_not_trigger(complete_plan, rule):
    report = _findings(complete_plan)
    assert [f for f in report.findings if f.rule == rule] == []


def test_complete_sample_has_no_findings_at_all(complete_plan):
    report = _findings(complete_plan)
    assert report.complete and report.findings == []
    # across every document it makes, only the easy-read gate has something to say (warnings),
    # and the letter says its 2026/27 charging figures are still estimates
    merged = validate_bytes(dump_json(complete_plan))
    assert merged.complete and {f.rule for f in merged.findings} == {"ER-SENTENCE-LENGTH", "ER-ESSENTIAL-LEFT-OUT", "ER-EASY-WORDING", ESTIMATE}


# --- the named cases, through the command line ------------------------------------


@pytest.mark.parametrize(
    "mutate,rule,path",
    [
        pytest.param(delete("advice"), "CA-25-1-f", "$.advice", id="no-advice"),
        pytest.param(delete("personal_budget"), "CA-25-1-e", "$.personal_budget", id="no-personal-budget"),
        pytest.param(delete("needs"), "CA-25-1-a", "$.needs", id="no-needs"),
        pytest.param(with_dp(amount=None), "CA-25-2", "$.direct_payment.amount", id="dp-no-amount"),
        pytest.param(with_dp(frequency=None), "CA-25-2", "$.direct_payment.frequency", id="dp-no-frequency"),
    ],
)
def test_essential_element_missing_blocks_on_the_command_line(validate_json, complete_plan, mutate, rule, path):
    mutate(complete_plan)
    code, out, _ = validate_json(complete_plan)
    assert code == 1
    assert out["complete"] is False
    assert {"rule": rule, "severity": "error", "path": path} in [
        {k: f[k] for k in ("rule", "severity", "path")} for f in out["findings"]
    ]


def test_findings_are_not_repeated(complete_plan):
    del complete_plan["signatures"]
    report = _findings(complete_plan)
    keys = [(f.rule, f.path, f.message) for f in report.findings]
    assert len(keys) == len(set(keys))


def test_findings_are_ordered_errors_first(complete_plan):
    del complete_plan["advice"]
    del complete_plan["contingency"]
    del complete_plan["personal_budget"]["period"]
    report = _findings(complete_plan)
    severities = [f.severity.value for f in report.findings]
    assert severities == sorted(severities)  # "error" < "warning"
    assert "error" in severities and "warning" in severities


# --- coverage of the catalogue --------------------------------------------------------------


def test_every_plan_rule_has_a_case():
    covered = {case[2] for case in CASES}
    missing = sorted(set(PLAN_TOML) - covered)
    assert not missing, f"rules with no test case in tests/test_rules.py: {missing}"


def test_every_plan_rule_message_has_a_case():
    covered = {(case[2], case[5]) for case in CASES}
    every = {(rule_id, key) for rule_id, spec in PLAN_TOML.items() for key in spec["messages"]}
    missing = sorted(every - covered)
    assert not missing, f"rule messages with no test case in tests/test_rules.py: {missing}"


def test_cases_use_the_catalogue_default_severity():
    for case in CASES:
        assert PLAN_TOML[case[2]]["severity"] == case[3], case[0]


def test_care_act_essentials_are_errors():
    for rule_id, spec in PLAN_TOML.items():
        if rule_id.startswith("CA-"):
            assert spec["severity"] == "error", rule_id
    assert {"CA-25-1-a", "CA-25-1-b", "CA-25-1-c", "CA-25-1-d", "CA-25-1-e", "CA-26-1", "CA-25-1-f", "CA-25-2"} <= set(
        PLAN_TOML
    )


def test_catalogue_messages_name_only_known_parameters():
    """Messages may only use ids and amounts, never free text from the plan."""
    allowed = {"need", "service", "outcome", "ref", "where", "index", "event", "review", "plan", "start", "dp",
               "authority", "person", "third", "sum", "total", "services", "period", "role", "scenario"}
    for rule_id, spec in PLAN_TOML.items():
        for key, template in spec["messages"].items():
            used = set(re.findall(r"\{([a-z_]+)\}", template))
            assert used <= allowed, (rule_id, key, used - allowed)
