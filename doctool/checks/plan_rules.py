"""The checks a care and support plan must pass (care-act.md section 1).

Each function looks at one requirement and yields :class:`Hit` s; wording and severity
come from ``data/rules/plan.toml`` and the profile.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from doctool.checks.engine import Hit, hit
from doctool.formatting import PENNY, PERIOD_PHRASE, WEEKS_IN, add_days, add_months, long_date, money, per_week
from doctool.model.plan import (
    ChargingScenario,
    DirectPayment,
    Eligibility,
    LegalAuthority,
    MetBy,
    PaymentFrequency,
    Plan,
    PlanEvent,
    PlanType,
    RecipientRole,
    SignatoryRole,
    Whose,
)

# --- essential elements (Care Act s25-26) ---------------------------------------------


def payment_terms_missing(dp: DirectPayment) -> list[str]:
    """The direct payment's missing terms, of amount and frequency (s25(2))."""
    return [field for field in ("amount", "frequency") if getattr(dp, field) is None]


def first_review_hits(rule: str, dp: DirectPayment) -> Iterator[Hit]:
    """A direct payment's first review must fall after it starts and within 6 months (reg 7).
    The plan and the payment summary report it under their own rule ids."""
    path = "$.direct_payment.first_review_date"
    review, start = dp.first_review_date, dp.start_date
    if review is None:
        yield hit(rule, path, "missing")
    elif start and review > add_months(start, 6):
        yield hit(rule, path, "late", review=long_date(review), start=long_date(start))
    elif start and review <= start:
        yield hit(rule, path, "before", review=long_date(review), start=long_date(start))


def needs_identified(plan: Plan) -> Iterator[Hit]:
    if not plan.needs:
        yield hit("CA-25-1-a", "$.needs", "missing")


def eligibility_stated(plan: Plan) -> Iterator[Hit]:
    for i, need in enumerate(plan.needs or []):
        if need.eligibility is None:
            yield hit("CA-25-1-b", f"$.needs[{i}].eligibility", "missing", need=need.id)
        elif need.eligibility is Eligibility.partly_eligible and not need.eligibility_extent:
            yield hit("CA-25-1-b", f"$.needs[{i}].eligibility_extent", "extent", need=need.id)


def needs_met_and_how(plan: Plan) -> Iterator[Hit]:
    for i, need in enumerate(plan.needs or []):
        if need.eligibility in (Eligibility.eligible, Eligibility.partly_eligible) and need.council_will_meet is None:
            yield hit("CA-25-1-c", f"$.needs[{i}].council_will_meet", "undecided", need=need.id)
        if need.council_will_meet and not need.met_by:
            yield hit("CA-25-1-c", f"$.needs[{i}].met_by", "how", need=need.id)


def outcomes_stated(plan: Plan) -> Iterator[Hit]:
    whose = Counter(o.whose for o in plan.outcomes or [])
    if plan.plan_type in (PlanType.adult, PlanType.combined) and not whose[Whose.person]:
        yield hit("CA-25-1-d", "$.outcomes", "adult")
    if plan.plan_type is PlanType.carer and not whose[Whose.person]:
        yield hit("CA-25-1-d", "$.outcomes", "carer_outcomes")
    if plan.plan_type is PlanType.combined and not whose[Whose.carer]:
        yield hit("CA-25-1-d", "$.outcomes", "carer_outcomes")
    if plan.plan_type in (PlanType.carer, PlanType.combined):
        wishes = plan.carer_wishes
        if wishes is None or not any((wishes.caring, wishes.work, wishes.education_training, wishes.recreation)):
            yield hit("CA-25-1-d", "$.carer_wishes", "carer_wishes")


def personal_budget_included(plan: Plan) -> Iterator[Hit]:
    budget = plan.personal_budget
    if budget is None:
        yield hit("CA-25-1-e", "$.personal_budget", "missing")
        return
    for field in ("total_cost", "person_amount", "authority_amount"):
        if getattr(budget, field) is None:
            if field == "person_amount" and budget.person_amount_not_known:
                continue  # said to be not known yet: CON-BUDGET-NOT-KNOWN checks that it may be
            key = "person_amount_pending" if field == "person_amount" and _assessment_pending(plan) else field
            yield hit("CA-26-1", f"$.personal_budget.{field}", key)


def _assessment_pending(plan: Plan) -> bool:
    """The financial assessment has not been done: none is recorded, or it is pending."""
    fa = plan.financial_assessment
    return fa is None or fa.scenario is ChargingScenario.pending


def advice_given(plan: Plan) -> Iterator[Hit]:
    if plan.advice is None:
        yield hit("CA-25-1-f", "$.advice", "missing")
        return
    for field in ("meet_or_reduce", "prevent_or_delay"):
        if not getattr(plan.advice, field):
            yield hit("CA-25-1-f", f"$.advice.{field}", field)


def direct_payment_stated(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is None:
        return
    if not dp.need_ids:
        yield hit("CA-25-2", "$.direct_payment.need_ids", "needs")
    for field in payment_terms_missing(dp):
        yield hit("CA-25-2", f"$.direct_payment.{field}", field)


# --- practice requirements (statutory guidance, council practice) ---------------------


def review_planned(plan: Plan) -> Iterator[Hit]:
    review = plan.review
    if review is None:
        yield hit("SG-10-REVIEW", "$.review", "missing")
        return
    if review.next_review_date is None:
        yield hit("SG-10-REVIEW", "$.review.next_review_date", "next")
    if plan.plan_event is not PlanEvent.reviewed and review.light_touch_date is None:
        yield hit("SG-10-REVIEW", "$.review.light_touch_date", "light_touch", event=plan.plan_event.value)


def contingency_planned(plan: Plan) -> Iterator[Hit]:
    c = plan.contingency
    if c is None:
        yield hit("SG-10-CONTINGENCY", "$.contingency", "missing")
        return
    if not c.plan:
        yield hit("SG-10-CONTINGENCY", "$.contingency.plan", "plan")
    if not c.emergency_contacts:
        yield hit("SG-10-CONTINGENCY", "$.contingency.emergency_contacts", "contacts")
    if not c.keys_held_by:
        yield hit("SG-10-CONTINGENCY", "$.contingency.keys_held_by", "keys")
    for i, risk in enumerate(c.risks):
        if not (risk.proactive and risk.reactive):
            yield hit("SG-10-CONTINGENCY", f"$.contingency.risks[{i}]", "risk_measures", index=i + 1)


def fluctuating_needs(plan: Plan) -> Iterator[Hit]:
    for i, need in enumerate(plan.needs or []):
        if need.fluctuates and not need.fluctuation_plan:
            yield hit("SG-10-FLUCTUATING", f"$.needs[{i}].fluctuation_plan", "plan", need=need.id)


def informal_support(plan: Plan) -> Iterator[Hit]:
    for i, need in enumerate(plan.needs or []):
        if any(a.how is MetBy.carer for a in need.met_by) and need.informal_carer_willing_and_able is None:
            yield hit("SG-10-INFORMAL", f"$.needs[{i}].informal_carer_willing_and_able", "willing", need=need.id)
    if plan.plan_type in (PlanType.carer, PlanType.combined):
        w = plan.carer_wishes
        if w is None or w.willing_to_continue is None or w.able_to_continue is None:
            yield hit("SG-10-INFORMAL", "$.carer_wishes.willing_to_continue", "carer")


def involvement_recorded(plan: Plan) -> Iterator[Hit]:
    inv = plan.involvement
    # In an adult's plan only the person themselves counts; in a carer's plan the
    # person *is* the carer, so either role does.
    own = {"person"} if plan.plan_type is PlanType.adult else {"person", "carer"}
    if inv is None or not inv.people:
        yield hit("SG-10-INVOLVED", "$.involvement.people", "missing")
    elif not any(p.role.value in own for p in inv.people):
        yield hit("SG-10-INVOLVED", "$.involvement.people", "person")
    if inv is None or not inv.copies_to:
        yield hit("SG-10-COPIES", "$.involvement.copies_to", "missing")
    elif not any(c.role.value in own for c in inv.copies_to):
        yield hit("SG-10-COPIES", "$.involvement.copies_to", "person")


def signed_off(plan: Plan) -> Iterator[Hit]:
    sig = plan.signatures
    if sig is None:
        yield hit("SG-10-SIGNOFF", "$.signatures", "missing")
        yield hit("SG-10-SIGNOFF-LA", "$.signatures.authority", "missing")
        return
    person = sig.person
    if person is None or not person.signed:
        if not sig.unsigned_reason:
            yield hit("SG-10-SIGNOFF", "$.signatures.person", "person")
    elif person.date is None:
        yield hit("SG-10-SIGNOFF", "$.signatures.person.date", "person_date")
    if plan.plan_type is PlanType.combined and (sig.carer is None or not sig.carer.signed) and not sig.unsigned_reason:
        yield hit("SG-10-SIGNOFF", "$.signatures.carer", "carer")
    for who in ("person", "carer"):
        s = getattr(sig, who)
        if s is not None and s.role is SignatoryRole.independent_advocate:
            yield hit("SG-10-SIGNATORY", f"$.signatures.{who}.role", "advocate")
        if s is not None and s.role in (SignatoryRole.attorney, SignatoryRole.deputy):
            if s.authority is None:
                yield hit("SG-10-SIGNATORY", f"$.signatures.{who}.authority", "authority", role=s.role.value)
            elif s.authority not in CARE_DECISIONS:
                yield hit("SG-10-SIGNATORY", f"$.signatures.{who}.authority", "care_authority",
                          role=s.role.value, authority=s.authority.value)
    if sig.authority is None:
        yield hit("SG-10-SIGNOFF-LA", "$.signatures.authority", "missing")
    elif sig.authority.date is None:
        yield hit("SG-10-SIGNOFF-LA", "$.signatures.authority.date", "date")


#: The powers that let someone agree a care and support plan for a person who lacks capacity
#: (Mental Capacity Act 2005 ss 9-11 and 16; an old EPA and a DWP appointee cover money only).
CARE_DECISIONS = frozenset({LegalAuthority.lpa_health_welfare, LegalAuthority.deputy_health_welfare})
#: The powers that cover the person's money, so their charging letters.
MONEY_DECISIONS = frozenset({
    LegalAuthority.lpa_property_financial, LegalAuthority.enduring_power_of_attorney,
    LegalAuthority.deputy_property_financial, LegalAuthority.dwp_appointee,
})


def correspondence_consistent(plan: Plan) -> Iterator[Hit]:
    """Letters go to someone who acts for the person: record their power, and it covers money."""
    to = plan.correspondence
    if to is None or to.role is RecipientRole.person:
        return
    if to.role in (RecipientRole.attorney, RecipientRole.deputy, RecipientRole.appointee):
        if to.authority is None:
            yield hit("CON-CORRESPONDENCE", "$.correspondence.authority", "authority", role=to.role.value)
        elif plan.financial_assessment is not None and to.authority not in MONEY_DECISIONS:
            yield hit("CON-CORRESPONDENCE", "$.correspondence.authority", "money", authority=to.authority.value)


def format_recorded(plan: Plan) -> Iterator[Hit]:
    comm = plan.person.communication
    if comm is None:
        yield hit("SG-10-FORMAT", "$.person.communication", "missing")
    elif not comm.formats:
        yield hit("SG-10-FORMAT", "$.person.communication.formats", "formats")


def s117_identified(plan: Plan) -> Iterator[Hit]:
    applies = plan.s117 is not None and plan.s117.applies
    if applies and not plan.s117.need_ids:  # type: ignore[union-attr]
        yield hit("SG-10-S117", "$.s117.need_ids", "needs")
    for i, service in enumerate(plan.services):
        if service.s117 and not applies:
            yield hit("SG-10-S117", f"$.services[{i}].s117", "service", service=service.id)
    if applies:
        s117 = plan.s117
        assert s117 is not None
        if not (s117.responsible_body or s117.responsible_bodies):
            yield hit("SG-10-S117", "$.s117.responsible_body", "body")
        if s117.detained_section is None:
            yield hit("SG-10-S117", "$.s117.detained_section", "section")


def accommodation_evidenced(plan: Plan) -> Iterator[Hit]:
    acc = plan.accommodation
    if acc is not None and not acc.evidence:
        yield hit("SG-10-ACCOMMODATION", "$.accommodation.evidence", "evidence")


def unmet_needs_explained(plan: Plan) -> Iterator[Hit]:
    explained = {n.need_id for n in plan.advice.needs_not_met} if plan.advice else set()
    for i, need in enumerate(plan.needs or []):
        if need.council_will_meet is False and need.id not in explained:
            yield hit("SG-10-NOT-MET", f"$.needs[{i}]", "reason", need=need.id)


def employer_responsibilities(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is None or not (dp.employs_personal_assistant or dp.personal_assistants):
        return
    if dp.employer_costs is None:
        yield hit("SG-12-EMPLOYER", "$.direct_payment.employer_costs", "missing")
    elif not dp.employer_costs.employers_liability_insurance:
        yield hit("SG-12-EMPLOYER", "$.direct_payment.employer_costs.employers_liability_insurance", "insurance")


# --- consistency ----------------------------------------------------------------------


def plan_type_consistent(plan: Plan) -> Iterator[Hit]:
    if plan.plan_type is PlanType.carer and plan.cared_for is None:
        yield hit("CON-PLAN-TYPE", "$.cared_for", "cared_for")
    if plan.plan_type is PlanType.combined:
        if plan.carer is None:
            yield hit("CON-PLAN-TYPE", "$.carer", "carer")
        if not (plan.involvement and plan.involvement.combined_plan_agreed):
            yield hit("CON-PLAN-TYPE", "$.involvement.combined_plan_agreed", "combined_agreed")
    if plan.plan_type is PlanType.adult:
        for i, need in enumerate(plan.needs or []):
            if need.whose is Whose.carer:
                yield hit("CON-PLAN-TYPE", f"$.needs[{i}].whose", "whose", need=need.id)


def references_resolve(plan: Plan) -> Iterator[Hit]:
    need_ids = [n.id for n in plan.needs or []]
    service_ids = [s.id for s in plan.services]
    outcome_ids = [o.id for o in plan.outcomes or []]
    for where, ids in (("$.needs", need_ids), ("$.services", service_ids), ("$.outcomes", outcome_ids)):
        for ref, count in Counter(ids).items():
            if count > 1:
                yield hit("CON-REFERENCE", where, "duplicate", ref=ref, where=where)

    def check(refs: list[str], known: list[str], kind: str, where: str) -> Iterator[Hit]:
        for j, ref in enumerate(refs):
            if ref not in known:
                yield hit("CON-REFERENCE", f"{where}[{j}]", kind, ref=ref, where=where)

    def check_one(ref: str, known: list[str], kind: str, where: str) -> Iterator[Hit]:
        if ref not in known:
            yield hit("CON-REFERENCE", where, kind, ref=ref, where=where)

    for i, o in enumerate(plan.outcomes or []):
        yield from check(o.need_ids, need_ids, "need", f"$.outcomes[{i}].need_ids")
    for i, s in enumerate(plan.services):
        yield from check(s.need_ids, need_ids, "need", f"$.services[{i}].need_ids")
    for i, need in enumerate(plan.needs or []):
        for j, arr in enumerate(need.met_by):
            if arr.service_id is not None:
                yield from check_one(arr.service_id, service_ids, "service", f"$.needs[{i}].met_by[{j}].service_id")
    if plan.direct_payment:
        yield from check(plan.direct_payment.need_ids, need_ids, "need", "$.direct_payment.need_ids")
        yield from check(plan.direct_payment.outcome_ids, outcome_ids, "outcome", "$.direct_payment.outcome_ids")
    if plan.s117:
        yield from check(plan.s117.need_ids, need_ids, "need", "$.s117.need_ids")
        yield from check(plan.s117.service_ids, service_ids, "service", "$.s117.service_ids")
    if plan.advice:
        for i, n in enumerate(plan.advice.needs_not_met):
            yield from check_one(n.need_id, need_ids, "need", f"$.advice.needs_not_met[{i}].need_id")


def budget_adds_up(plan: Plan) -> Iterator[Hit]:
    b = plan.personal_budget
    if b is None:
        return
    amounts = (b.total_cost, b.person_amount, b.authority_amount, b.third_party_amount)
    if any(a is not None for a in amounts) and b.period is None:
        yield hit("CON-BUDGET-PERIOD", "$.personal_budget.period", "missing")
    third = b.third_party_amount or Decimal(0)
    if b.person_amount is None and b.person_amount_not_known and None not in (b.total_cost, b.authority_amount):
        # what the person pays is not known yet: the shares that are known cannot be more than the cost
        if b.authority_amount + third > b.total_cost:  # type: ignore[operator]
            yield hit(
                "CON-BUDGET-SUM",
                "$.personal_budget",
                "not_known",
                authority=money(b.authority_amount),  # type: ignore[arg-type]
                third=f" and a third party pays {money(third)}" if third else "",
                total=money(b.total_cost),  # type: ignore[arg-type]
            )
        return
    if None in (b.total_cost, b.person_amount, b.authority_amount):
        return
    total = b.authority_amount + b.person_amount + third  # type: ignore[operator]
    if total != b.total_cost:
        yield hit(
            "CON-BUDGET-SUM",
            "$.personal_budget",
            "sum",
            authority=money(b.authority_amount),  # type: ignore[arg-type]
            person=money(b.person_amount),  # type: ignore[arg-type]
            third=f" and a third party pays {money(third)}" if third else "",
            sum=money(total),
            total=money(b.total_cost),  # type: ignore[arg-type]
        )


def amount_not_known(plan: Plan) -> Iterator[Hit]:
    """Before the financial assessment the person's amount is not known yet; after it, it is.
    The plan, the budget checks and the letter then agree (the letter is the assessment's)."""
    b = plan.personal_budget
    if b is None:
        return
    fa = plan.financial_assessment
    path = "$.personal_budget.person_amount_not_known"
    if b.person_amount_not_known:
        if b.person_amount is not None:
            yield hit("CON-BUDGET-NOT-KNOWN", path, "both", person=money(b.person_amount))
        if fa is not None and fa.scenario is not ChargingScenario.pending:
            yield hit("CON-BUDGET-NOT-KNOWN", path, "assessed", scenario=fa.scenario.value)
    elif b.person_amount == 0 and fa is not None and fa.scenario is ChargingScenario.pending:
        yield hit("CON-BUDGET-NOT-KNOWN", "$.personal_budget.person_amount", "zero")


def services_within_budget(plan: Plan) -> Iterator[Hit]:
    b = plan.personal_budget
    if b is None or b.total_cost is None or b.period is None or not plan.services:
        return
    weekly = sum((s.unit_cost * s.units_per_week for s in plan.services if not s.s117), Decimal(0))
    budget_weekly = per_week(b.total_cost, b.period)
    covered = budget_weekly + per_week((b.top_up_amount or Decimal(0)), b.period)
    # over by a penny or more (services cost pence-and-fractions: unit cost x hours)
    if (weekly - covered).quantize(PENNY, ROUND_HALF_UP) >= PENNY and not b.third_party_amount:
        yield hit(
            "CON-BUDGET-SERVICES",
            "$.services",
            "difference",
            services=money(weekly),
            period="a week",
            total=f"{money(budget_weekly)} a week",
        )


def needs_met_are_eligible(plan: Plan) -> Iterator[Hit]:
    for i, need in enumerate(plan.needs or []):
        if need.council_will_meet and need.eligibility is Eligibility.not_eligible and not need.ineligible_met_by_choice:
            yield hit("CON-NEED-MET-ELIGIBLE", f"$.needs[{i}]", "ineligible", need=need.id)


def direct_payment_consistent(plan: Plan) -> Iterator[Hit]:
    dp = plan.direct_payment
    if dp is None:
        return
    for j, need_id in enumerate(dp.need_ids):
        need = plan.need(need_id)
        if need is not None and not need.council_will_meet:
            yield hit("CON-DP-NEED", f"$.direct_payment.need_ids[{j}]", "not_met", need=need_id)
    b = plan.personal_budget
    if dp.amount is not None and dp.frequency and b and b.authority_amount is not None and b.period:
        if dp.frequency is PaymentFrequency.one_off:
            # one payment for the budget's whole period: compared with the council's share of that period
            over = dp.amount - b.authority_amount
        else:
            # a year is 52 weeks and a month 52/12 weeks (formatting.WEEKS_IN), as everywhere in doctool
            dp_weekly = per_week(dp.amount, dp.frequency.value)
            la_weekly = per_week(b.authority_amount, b.period)
            # compared in the budget's own period, so 1p over in the same period is over
            over = (dp_weekly - la_weekly) * WEEKS_IN[b.period.value]
        if over.quantize(PENNY, ROUND_HALF_UP) >= PENNY:
            yield hit(
                "CON-DP-AMOUNT",
                "$.direct_payment.amount",
                "amount",
                dp=f"{money(dp.amount)} {PERIOD_PHRASE[dp.frequency.value]}",
                authority=f"{money(b.authority_amount)} {PERIOD_PHRASE[b.period]}",
            )
    for i, pa in enumerate(dp.personal_assistants):
        if pa.is_close_relative_in_household and not pa.relative_agreed_as_necessary:
            yield hit("CON-DP-RELATIVE", f"$.direct_payment.personal_assistants[{i}]", "relative", index=i + 1)
    yield from first_review_hits("CON-DP-REVIEW", dp)


def review_dates_sensible(plan: Plan) -> Iterator[Hit]:
    review = plan.review
    if review is None:
        return
    for field in ("light_touch_date", "next_review_date"):
        value: dt.date | None = getattr(review, field)
        if value is not None and value <= plan.plan_date:
            yield hit(
                "CON-REVIEW-ORDER", f"$.review.{field}", "before", review=long_date(value), plan=long_date(plan.plan_date)
            )
    first = review.light_touch_date or review.next_review_date
    if plan.plan_event is not PlanEvent.reviewed and first and first > add_days(plan.plan_date, 7 * 8):
        field = "light_touch_date" if review.light_touch_date else "next_review_date"
        yield hit(
            "CON-REVIEW-8-WEEKS",
            f"$.review.{field}",
            "late",
            review=long_date(first),
            event=plan.plan_event.value,
            plan=long_date(plan.plan_date),
        )
    if review.next_review_date and review.next_review_date > add_months(plan.plan_date, 12):
        yield hit(
            "CON-REVIEW-12-MONTHS",
            "$.review.next_review_date",
            "late",
            review=long_date(review.next_review_date),
            plan=long_date(plan.plan_date),
        )


def needs_have_outcomes(plan: Plan) -> Iterator[Hit]:
    linked = {nid for o in plan.outcomes or [] for nid in o.need_ids}
    for i, need in enumerate(plan.needs or []):
        if need.id not in linked:
            yield hit("CON-NEED-OUTCOME", f"$.needs[{i}]", "unlinked", need=need.id)


PLAN_RULES = (
    needs_identified,
    eligibility_stated,
    needs_met_and_how,
    outcomes_stated,
    personal_budget_included,
    advice_given,
    direct_payment_stated,
    review_planned,
    contingency_planned,
    fluctuating_needs,
    informal_support,
    involvement_recorded,
    signed_off,
    correspondence_consistent,
    format_recorded,
    s117_identified,
    accommodation_evidenced,
    unmet_needs_explained,
    employer_responsibilities,
    plan_type_consistent,
    references_resolve,
    budget_adds_up,
    amount_not_known,
    services_within_budget,
    needs_met_are_eligible,
    direct_payment_consistent,
    review_dates_sensible,
    needs_have_outcomes,
)
