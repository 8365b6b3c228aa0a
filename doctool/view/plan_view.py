"""The plan's Word view (the Word template's context until Word is rendered from the document model).

Templates receive plain dicts, lists and strings only, so they never format a date or a
sum themselves and the two outputs cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from doctool.findings import Report
from doctool.formatting import long_date, money, money_per
from doctool.model.plan import ChargingScenario, Need, Person, Plan, PlanStatus
from doctool.profiles import Profile
from doctool.view.common import council_view, document_meta, draft_view, opt_date
from doctool.wording import Wording


def _person(p: Person, w: Wording) -> dict[str, Any]:
    lab = w["label"]
    rows = [(lab["full_name"], p.full_name)]
    if p.preferred_name:
        rows.append((lab["preferred_name"], p.preferred_name))
    if p.date_of_birth:
        rows.append((lab["date_of_birth"], long_date(p.date_of_birth)))
    if p.address:
        rows.append((lab["address"], ", ".join([*p.address.lines, p.address.postcode])))
    rows.append((lab["reference"], p.reference))
    if p.nhs_number:
        rows.append((lab["nhs_number"], p.nhs_number))
    comm = p.communication
    return {
        "name": p.full_name,
        "called": p.preferred_name or p.full_name.split()[0],
        "rows": [{"label": k, "value": v} for k, v in rows],
        "lives_with": p.lives_with or "",
        "about_me": p.about_me or "",
        "strengths": list(p.strengths),
        "network": [_contact(c) for c in p.support_network],
        "communication": list(comm.needs) if comm else [],
        "formats": ", ".join(w.label("format", f) for f in comm.formats) if comm and comm.formats else "",
    }


def _contact(c: Any) -> dict[str, str]:
    return {
        "name": c.name,
        "relationship": c.relationship or "",
        "phone": c.phone or "",
        "email": c.email or "",
    }


def _need(need: Need, w: Wording, combined: bool) -> dict[str, Any]:
    lab = w["label"]
    if need.council_will_meet is None:
        met = lab["not_decided"]
    else:
        met = lab["yes"] if need.council_will_meet else lab["no"]
    domain = w.label("domain", need.domain)
    return {
        "id": need.id,
        "heading": f"{domain} ({w.label('whose', need.whose)})" if combined else domain,
        "domain": domain,
        "description": need.description,
        "eligibility": w.label("eligibility", need.eligibility) if need.eligibility else w["text"]["not_recorded"],
        "extent": need.eligibility_extent or "",
        "met": met,
        "arrangements": [
            {
                "how": w.label("met_by", a.how),
                "who": a.who,
                "what": a.what,
                "when": ", ".join(x for x in (a.frequency, a.times) if x),
            }
            for a in need.met_by
        ],
        "fluctuation_plan": need.fluctuation_plan or "",
    }


def _budget(plan: Plan, w: Wording) -> dict[str, Any] | None:
    b = plan.personal_budget
    if b is None:
        return None
    lab = w["label"]
    period = b.period or "weekly"

    def amount(value: Decimal | None) -> str:
        return money_per(value, period) if value is not None else w["text"]["not_recorded"]

    fa = plan.financial_assessment
    pending = fa is not None and fa.scenario is ChargingScenario.pending
    rows = [
        (lab["total_cost"], amount(b.total_cost)),
        # Before the financial assessment, what the person pays is not known yet: say so
        # rather than print a placeholder figure as if it were decided.
        (lab["person_amount"], w["text"]["person_amount_pending"] if pending else amount(b.person_amount)),
        (lab["authority_amount"], amount(b.authority_amount)),
    ]
    if b.third_party_amount:
        who = f" ({b.third_party_name})" if b.third_party_name else ""
        rows.append((lab["third_party"] + who, amount(b.third_party_amount)))
    if b.indicative_amount is not None:
        rows.append((lab["indicative"], amount(b.indicative_amount)))
    if b.management:
        rows.append((lab["management"], w.label("management", b.management)))
    if b.how_person_wants_to_receive:
        rows.append((lab["receive"], b.how_person_wants_to_receive))
    separate = []
    if b.top_up_amount:
        payer = f" ({b.top_up_payer})" if b.top_up_payer else ""
        separate.append({"item": lab["top_up"] + payer, "why": "", "amount": amount(b.top_up_amount)})
    if b.arrangement_fee:
        separate.append({"item": lab["arrangement_fee"], "why": "", "amount": amount(b.arrangement_fee)})
    for item in b.outside_budget:
        separate.append(
            {
                "item": item.description,
                "why": w.label("free_reason", item.reason),
                "amount": money_per(item.amount, item.period or period) if item.amount is not None else "",
            }
        )
    return {"rows": [{"label": k, "value": v} for k, v in rows], "separate": separate}


def _direct_payment(plan: Plan, w: Wording) -> dict[str, Any] | None:
    dp = plan.direct_payment
    if dp is None:
        return None
    lab, not_recorded = w["label"], w["text"]["not_recorded"]
    needs = [w.label("domain", n.domain) for nid in dp.need_ids if (n := plan.need(nid))]
    outcomes = {o.id: o.in_own_words for o in plan.outcomes or []}
    rows = [
        (lab["dp_needs"], "; ".join(needs) or not_recorded),
        (
            lab["dp_amount"],
            money_per(dp.amount, dp.frequency.value) if dp.amount is not None and dp.frequency else not_recorded,
        ),
    ]
    if dp.outcome_ids:
        rows.append((lab["dp_outcomes"], "; ".join(outcomes.get(i, i) for i in dp.outcome_ids)))
    if dp.holder:
        rows.append((lab["dp_holder"], f"{dp.holder.name}: {w.label('holder', dp.holder.type)}"))
    if dp.account:
        rows.append((lab["dp_account"], w.label("account", dp.account)))
    if dp.start_date:
        rows.append((lab["dp_start"], long_date(dp.start_date)))
    if dp.first_review_date:
        rows.append((lab["dp_first_review"], long_date(dp.first_review_date)))
    if dp.person_contribution:
        rows.append((lab["dp_contribution"], money_per(dp.person_contribution, (dp.contribution_frequency or dp.frequency or "weekly"))))
    if dp.personal_assistants:
        pas = [f"{pa.role}, {pa.hours_per_week.normalize():f} hours a week at {money(pa.hourly_rate)} an hour" for pa in dp.personal_assistants]
        rows.append((lab["dp_pa"], "; ".join(pas)))
    if dp.fluctuation_allowance:
        rows.append((lab["dp_flex"], dp.fluctuation_allowance))
    return {"rows": [{"label": k, "value": v} for k, v in rows], "use": w["text"]["dp_use"]}


def _services(plan: Plan, w: Wording) -> list[dict[str, str]]:
    return [
        {
            "service": f"{s.type}: {s.description}",
            "provider": s.provider,
            "frequency": s.frequency,
            "cost": w["label"]["free_s117"] if s.s117 else money(s.unit_cost * s.units_per_week),
        }
        for s in plan.services
    ]


def build_plan_view(plan: Plan, profile: Profile, report: Report, draft: bool) -> dict[str, Any]:
    """The template context for the standard plan."""
    w = Wording("plan", profile)
    lab, text = w["label"], w["text"]
    combined = plan.carer is not None
    council = council_view(profile)
    needs = [_need(n, w, combined) for n in plan.needs or []]
    need_domain = {n.id: w.label("domain", n.domain) for n in plan.needs or []}
    outcomes = [
        {
            "heading": o.in_own_words,
            "whose": w.label("whose", o.whose) if combined else "",
            "needs": "; ".join(need_domain.get(i, i) for i in o.need_ids),
            "how": o.how_achieved or "",
            "measure": o.measure or "",
        }
        for o in plan.outcomes or []
    ]
    advice = plan.advice
    contingency = plan.contingency
    review = plan.review
    involvement = plan.involvement
    sig = plan.signatures
    signatures = []
    if sig:
        for s in (sig.person, sig.carer):
            if s is not None:
                signatures.append(
                    {
                        "who": w.label("role", s.role),
                        "name": s.name,
                        "signed": lab["yes"] if s.signed else lab["not_signed"],
                        "date": opt_date(s.date),
                    }
                )
        if sig.authority:
            signatures.append(
                {
                    "who": f"{text['council_signature']}: {sig.authority.job_title}",
                    "name": sig.authority.name,
                    "signed": lab["yes"] if sig.authority.date else lab["not_signed"],
                    "date": opt_date(sig.authority.date),
                }
            )
    s117 = plan.s117
    title = w["title"][plan.plan_type.value]
    is_draft = draft or plan.status is PlanStatus.draft or not report.complete
    return {
        "doc": document_meta(title, plan.person.full_name, plan.person.reference, plan.plan_date, text["confidential"]),
        "council": council,
        "w": {"heading": w["heading"], "label": lab, "text": text},
        "draft": draft_view(is_draft, report, text),
        "intro": text["intro"],
        "person": _person(plan.person, w),
        "carer": _person(plan.carer, w) if plan.carer else None,
        "combined_agreed": text["combined_agreed"] if combined and involvement and involvement.combined_plan_agreed else "",
        "cared_for": (
            {"name": plan.cared_for.name, "relationship": plan.cared_for.relationship} if plan.cared_for else None
        ),
        "carer_wishes": [
            {"label": label, "value": value}
            for label, value in (
                (lab["wish_caring"], plan.carer_wishes.caring),
                (lab["wish_work"], plan.carer_wishes.work),
                (lab["wish_education"], plan.carer_wishes.education_training),
                (lab["wish_recreation"], plan.carer_wishes.recreation),
            )
            if value
        ]
        if plan.carer_wishes
        else [],
        "needs": needs,
        "outcomes": outcomes,
        "services": _services(plan, w),
        "budget": _budget(plan, w),
        "direct_payment": _direct_payment(plan, w),
        "advice": {
            "meet_or_reduce": list(advice.meet_or_reduce) if advice else [],
            "prevent_or_delay": list(advice.prevent_or_delay) if advice else [],
            "not_met": [
                {"need": need_domain.get(n.need_id, n.need_id), "reason": n.reason, "help": n.what_can_help or ""}
                for n in (advice.needs_not_met if advice else [])
            ],
        },
        "risks": [
            {"risk": r.risk, "harm": r.likely_harm or "", "proactive": r.proactive or "", "reactive": r.reactive or ""}
            for r in (contingency.risks if contingency else [])
        ],
        "contingency": {
            "plan": contingency.plan or "" if contingency else "",
            "contacts": [_contact(c) for c in contingency.emergency_contacts] if contingency else [],
            "keys_held": (contingency.keys_held_by or "") if contingency else "",
            "pets": (contingency.pets_and_property or "") if contingency else "",
        },
        "other_plans": [
            {"kind": w.label("other_plan", p.kind), "summary": p.summary, "held_by": p.held_by or ""}
            for p in plan.other_plans
        ],
        "s117": (
            {"text": text["s117_free"], "needs": "; ".join(need_domain.get(i, i) for i in s117.need_ids)}
            if s117 and s117.applies
            else None
        ),
        "accommodation": (
            {"type": plan.accommodation.type, "decision": plan.accommodation.decision, "evidence": plan.accommodation.evidence or ""}
            if plan.accommodation
            else None
        ),
        "review": {
            "rows": [
                {"label": k, "value": v}
                for k, v in (
                    (lab["light_touch"], opt_date(review.light_touch_date) if review else ""),
                    (lab["next_review"], opt_date(review.next_review_date) if review else ""),
                    (lab["monitoring"], (review.monitoring or "") if review else ""),
                    (lab["reviewer"], (review.reviewer or "") if review else ""),
                )
                if v
            ],
            "sooner": text["review_sooner"].format(
                phone=council["phone"], email=council["email"], reference=plan.person.reference
            ),
        },
        "involved": [
            {"name": p.name, "role": w.label("role", p.role) + (f" ({p.relationship})" if p.relationship else "")}
            for p in (involvement.people if involvement else [])
        ],
        "copies": [{"name": c.name, "role": w.label("role", c.role)} for c in (involvement.copies_to if involvement else [])],
        "signatures": signatures,
        "unsigned_reason": (sig.unsigned_reason or "") if sig else "",
        "default_agreement": (
            text["default_agreement"].format(date=long_date(sig.default_agreement_notice_date))
            if sig and sig.default_agreement_notice_date
            else ""
        ),
    }
