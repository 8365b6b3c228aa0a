"""The person's copy of their care and support plan, composed from the plan record.

Every value is formatted here once (as a value object that knows its printed and spoken
form); every renderer lays out the same :class:`~doctool.document.Document`.
"""

from __future__ import annotations

from decimal import Decimal

from doctool.compose.common import bullets, draft_state, fields, grid, letterhead, opt_date, page_words, para, section, sums
from doctool.document import Block, Date, Document, Email, Meta, Money, Phone, Reference, Section, Text, fill
from doctool.findings import Report
from doctool.formatting import PENNY
from doctool.model.common import Contact
from doctool.model.plan import ChargingScenario, Communication, Need, Person, Plan, PlanStatus, Service
from doctool.profiles import Profile
from doctool.wording import Wording


def _yes_no(value: bool | None, w: Wording) -> str:
    if value is None:
        return ""
    return w["label"]["yes"] if value else w["label"]["no"]


def contact_rows(contacts: list[Contact]) -> list[tuple[Text, ...]]:
    """Name, relationship, phone and email of each contact (any of which may be missing)."""
    return [
        (c.name, c.relationship or "", Phone(c.phone) if c.phone else "", Email(c.email) if c.email else "")
        for c in contacts
    ]


def _about(p: Person, heading: str, w: Wording, always_communication: bool) -> list[Section]:
    """The part about the person (or, in a combined plan, the carer)."""
    lab, text = w["label"], w["text"]
    facts = fields(
        [
            (lab["full_name"], p.full_name),
            (lab["preferred_name"], p.preferred_name),
            (lab["title"], p.title),
            (lab["form_of_address"], p.form_of_address),
            (lab["date_of_birth"], opt_date(p.date_of_birth)),
            (lab["address"], ", ".join([*p.address.lines, p.address.postcode]) if p.address else ""),
            (lab["reference"], Reference(p.reference)),
            (lab["nhs_number"], Reference(p.nhs_number) if p.nhs_number else ""),
        ]
    )
    parts = [section(heading, facts)]
    if p.about_me:
        parts.append(section(lab["about_me"], para(p.about_me), level=3))
    if p.lives_with:
        parts.append(section(lab["lives_with"], para(p.lives_with), level=3))
    if p.strengths:
        parts.append(section(lab["strengths"], bullets(p.strengths), level=3))
    if p.support_network:
        head = (lab["name"], lab["relationship"], lab["phone"], lab["email"])
        parts.append(section(lab["support_network"], grid(head, contact_rows(p.support_network)), level=3))
    comm = p.communication
    if comm or always_communication:
        parts.append(
            section(
                lab["communication"],
                bullets(comm.needs) if comm and comm.needs else para(text["not_recorded"], "muted"),
                fields(_communication_rows(comm, w)) if comm else None,
                level=3,
            )
        )
    return parts


def _communication_rows(comm: Communication, w: Wording) -> list[tuple[str, Text | None]]:
    """How to reach the person and what they need to understand us (Accessible Information
    Standard): the language they speak and the one they read, which interpreter, which braille."""
    lab = w["label"]
    interpreter = (comm.interpreter_language or lab["yes"]) if comm.interpreter or comm.interpreter_language else ""
    # One language, unless the person reads a different one (or only reads one we know of)
    spoken = lab["speaks_language"] if comm.reads_language else lab["language"]
    return [
        (lab["formats"], ", ".join(w.label("format", f) for f in comm.formats)),
        (lab["large_print_size"], f"{comm.large_print_size} pt" if comm.large_print_size else ""),
        (lab["braille_grade"], w.label("braille_grade", str(comm.braille_grade)) if comm.braille_grade else ""),
        (spoken, comm.language),
        (lab["reads_language"], comm.reads_language),
        (lab["interpreter"], interpreter),
        (lab["contact_method"], w.label("contact_method", comm.contact_method) if comm.contact_method else ""),
        (lab["my_phone"], Phone(comm.phone) if comm.phone else ""),
        (lab["my_email"], Email(comm.email) if comm.email else ""),
    ]


def _need(need: Need, w: Wording, combined: bool) -> Section:
    lab = w["label"]
    domain = w.label("domain", need.domain)
    heading = f"{domain} ({w.label('whose', need.whose)})" if combined else domain
    if need.council_will_meet is None:
        met = lab["not_decided"]
    else:
        met = lab["yes"] if need.council_will_meet else lab["no"]
    eligibility = w.label("eligibility", need.eligibility) if need.eligibility else w["text"]["not_recorded"]
    arrangements = grid(
        (lab["met_through"], lab["who"], lab["what"], lab["when"]),
        [
            (w.label("met_by", a.how), a.who, a.what, ", ".join(x for x in (a.frequency, a.times) if x))
            for a in need.met_by
        ],
        caption=lab["how_met"],  # its own name for a screen reader; the first column says "Through", not the caption again
    )
    return section(
        heading,
        para(need.description),
        fields(
            [
                (lab["eligibility"], f"{eligibility}: {need.eligibility_extent}" if need.eligibility_extent else eligibility),
                (lab["met"], met),
                (lab["ineligible_by_choice"], lab["yes"] if need.ineligible_met_by_choice else ""),
                (lab["carer_willing_and_able"], _yes_no(need.informal_carer_willing_and_able, w)),
                (lab["fluctuates"], need.fluctuation_plan or (lab["fluctuation"] if need.fluctuates else "")),
            ]
        ),
        arrangements,
        level=3,
        key=need.id,
        style="card",
    )


def _needs(plan: Plan, w: Wording) -> list[Section]:
    combined = plan.carer is not None
    needs = [_need(n, w, combined) for n in plan.needs or []]
    return [section(w["heading"]["needs"], None if needs else para(w["text"]["not_recorded"], "muted")), *needs]


def _outcomes(plan: Plan, w: Wording) -> list[Section]:
    lab = w["label"]
    combined = plan.carer is not None
    domain = {n.id: w.label("domain", n.domain) for n in plan.needs or []}
    parts = [
        section(
            f"\u201c{o.in_own_words}\u201d",
            fields(
                [
                    (lab["who"], w.label("whose", o.whose) if combined else ""),
                    (lab["outcome_needs"], "; ".join(domain.get(i, i) for i in o.need_ids)),
                    (lab["outcome_how"], o.how_achieved),
                    (lab["outcome_measure"], o.measure),
                ]
            ),
            level=3,
            key=o.id,
            style="card",
        )
        for o in plan.outcomes or []
    ]
    return [section(w["heading"]["outcomes"], None if parts else para(w["text"]["not_recorded"], "muted")), *parts]


def _budget(plan: Plan, w: Wording) -> list[Section]:
    lab, text = w["label"], w["text"]
    b = plan.personal_budget
    parts: list[Section] = []
    if b is None:
        parts.append(section(w["heading"]["budget"], para(text["not_recorded"], "muted")))
    else:
        period = b.period.value if b.period else "weekly"

        def amount(value: Decimal | None) -> Text:
            return Money(value, period) if value is not None else text["not_recorded"]

        fa = plan.financial_assessment
        pending = b.person_amount_not_known or (fa is not None and fa.scenario is ChargingScenario.pending)
        # A person who chose not to have a financial assessment pays the full cost: never
        # "from my financial assessment".
        refused = fa is not None and fa.refused_assessment
        third = f"{lab['third_party']} ({b.third_party_name})" if b.third_party_name else lab["third_party"]
        rows: list[tuple[str, Text | None]] = [
            (lab["total_cost"], amount(b.total_cost)),
            # Before the financial assessment, what the person pays is not known yet: say so
            # rather than print a placeholder figure as if it were decided.
            (
                lab["person_amount_refused"] if refused else lab["person_amount"],
                text["person_amount_pending"] if pending else amount(b.person_amount),
            ),
            (lab["authority_amount"], amount(b.authority_amount)),
            (third, amount(b.third_party_amount) if b.third_party_amount else ""),
            (lab["indicative"], amount(b.indicative_amount) if b.indicative_amount is not None else ""),
            (lab["management"], w.label("management", b.management) if b.management else ""),
            (lab["receive"], b.how_person_wants_to_receive),
            (lab["budget_agreed"], opt_date(b.agreed_date)),
            (lab["assessment_date"], opt_date(fa.assessment_date) if fa else ""),
            (lab["charging_information_given"], opt_date(fa.charging_information_given) if fa else ""),
            (lab["charge_from"], opt_date(fa.charge_from) if fa else ""),
        ]
        separate: list[tuple[Text, ...]] = []
        if b.top_up_amount:
            payer = f" ({b.top_up_payer})" if b.top_up_payer else ""
            separate.append((lab["top_up"] + payer, "", amount(b.top_up_amount)))
        if b.arrangement_fee:
            separate.append((lab["arrangement_fee"], "", amount(b.arrangement_fee)))
        for item in b.outside_budget:
            cost: Text = Money(item.amount, (item.period.value if item.period else period)) if item.amount is not None else ""
            separate.append((item.description, w.label("free_reason", item.reason), cost))
        parts.append(
            section(
                w["heading"]["budget"],
                fields(rows),
                grid((lab["item"], lab["why_separate"], lab["amount"]), separate, caption=lab["outside_budget"]),
            )
        )
    if plan.services:
        domain = {n.id: w.label("domain", n.domain) for n in plan.needs or []}
        rows3 = [
            (
                f"{s.type}: {s.description}",
                f"{s.provider} ({w.label('delivery', s.delivery_mechanism)})",
                s.frequency,
                "; ".join(domain.get(i, i) for i in s.need_ids),
                _service_cost(s, w),
            )
            for s in plan.services
        ]
        table = grid((lab["service"], lab["provider_how"], lab["frequency"], lab["services_for"], lab["weekly_cost"]), rows3)
        parts.append(section(w["heading"]["services"], table, _s117_totals(plan, w), level=3))
    dpa = _deferred_payment(plan, w)
    if dpa is not None:
        parts.append(dpa)
    if plan.direct_payment:
        parts.append(_direct_payment(plan, w))
    return parts


def _s117_totals(plan: Plan, w: Wording) -> Block | None:
    """With s117 after-care, the services cost more than the personal budget: show the sum,
    so the totals add up on the page (all services, less the free after-care, = the rest)."""
    free = [s for s in plan.services if s.s117]
    if not free:
        return None
    lab = w["label"]
    total = sum((s.unit_cost * s.units_per_week for s in plan.services), Decimal(0)).quantize(PENNY)
    s117 = sum((s.unit_cost * s.units_per_week for s in free), Decimal(0)).quantize(PENNY)
    return sums(
        (lab["item"], lab["weekly_cost"]),
        [
            (lab["services_total"], Money(total, "weekly"), False),
            (lab["services_s117_free"], Money(s117, "weekly"), False),
            (lab["services_in_budget"], Money(total - s117, "weekly"), True),
        ],
    )


def _deferred_payment(plan: Plan, w: Wording) -> Section | None:
    fa = plan.financial_assessment
    dpa = fa.deferred_payment if fa else None
    if dpa is None:
        return None
    lab = w["label"]
    rows: list[tuple[str, Text | None]] = [
        (lab["dpa_status"], w.label("deferred_status", dpa.status)),
        (lab["dpa_start"], opt_date(dpa.start_date)),
        (lab["dpa_weekly"], Money(dpa.weekly_amount, "weekly") if dpa.weekly_amount is not None else ""),
        (lab["dpa_rate"], f"{dpa.interest_rate.normalize():f}% a year" if dpa.interest_rate is not None else ""),
        (lab["dpa_rate_until"], opt_date(dpa.interest_rate_until)),
        (lab["dpa_fee"], Money(dpa.setup_fee) if dpa.setup_fee is not None else ""),
        (lab["dpa_fee_added"], lab["yes"] if dpa.setup_fee_added_to_debt else ""),
    ]
    return section(lab["dpa"], fields(rows), level=3)


def _service_cost(s: Service, w: Wording) -> Text:
    """What a service costs each week and how that is worked out; after-care under s117
    shows its cost too, and that it is free to the person, so the totals add up on the page."""
    lab = w["label"]
    weekly = Money(s.unit_cost * s.units_per_week)
    working = fill(lab["unit_cost_working"], units=f"{s.units_per_week.normalize():f}", cost=Money(s.unit_cost), unit=w.label("unit", s.unit))
    if s.s117:
        return fill("{weekly} ({working}). {free}", weekly=weekly, working=working, free=lab["free_s117"])
    return fill("{weekly} ({working})", weekly=weekly, working=working)


def _direct_payment(plan: Plan, w: Wording) -> Section:
    dp = plan.direct_payment
    assert dp is not None
    lab, not_recorded = w["label"], w["text"]["not_recorded"]
    needs = [w.label("domain", n.domain) for nid in dp.need_ids if (n := plan.need(nid))]
    outcomes = {o.id: o.in_own_words for o in plan.outcomes or []}
    frequency = dp.contribution_frequency or dp.frequency
    pas = "; ".join(
        f"{pa.role}, {pa.hours_per_week.normalize():f} hours a week at {Money(pa.hourly_rate).printed} an hour"
        for pa in dp.personal_assistants
    )
    rows: list[tuple[str, Text | None]] = [
        (lab["dp_needs"], "; ".join(needs) or not_recorded),
        (lab["dp_amount"], Money(dp.amount, dp.frequency.value) if dp.amount is not None and dp.frequency else not_recorded),
        (lab["dp_outcomes"], "; ".join(outcomes.get(i, i) for i in dp.outcome_ids)),
        (lab["dp_holder"], f"{dp.holder.name}: {w.label('holder', dp.holder.type)}" if dp.holder else ""),
        (lab["dp_account"], w.label("account", dp.account) if dp.account else ""),
        (lab["dp_start"], opt_date(dp.start_date)),
        (lab["dp_first_review"], opt_date(dp.first_review_date)),
        (
            lab["dp_contribution"],
            Money(dp.person_contribution, frequency.value if frequency else "weekly") if dp.person_contribution else "",
        ),
        (lab["dp_pa"], pas),
        (lab["dp_flex"], dp.fluctuation_allowance),
    ]
    return section(w["heading"]["direct_payment"], fields(rows), para(w["text"]["dp_use"]), level=3)


def _advice(plan: Plan, w: Wording) -> list[Section]:
    lab, text = w["label"], w["text"]
    advice = plan.advice
    domain = {n.id: w.label("domain", n.domain) for n in plan.needs or []}
    muted = para(text["not_recorded"], "muted")
    parts = [
        section(w["heading"]["advice"]),
        section(lab["meet_or_reduce"], bullets(advice.meet_or_reduce) if advice and advice.meet_or_reduce else muted, level=3),
        section(lab["prevent_or_delay"], bullets(advice.prevent_or_delay) if advice and advice.prevent_or_delay else muted, level=3),
    ]
    if advice and advice.needs_not_met:
        rows = [(domain.get(n.need_id, n.need_id), n.reason, n.what_can_help or "") for n in advice.needs_not_met]
        parts.append(section(lab["not_met"], grid((lab["need"], lab["why_not"], lab["what_can_help"]), rows), level=3))
    return parts


def _keeping_safe(plan: Plan, w: Wording) -> list[Section]:
    lab, text = w["label"], w["text"]
    c = plan.contingency
    risks = grid(
        (lab["risk"], lab["likely_harm"], lab["proactive"], lab["reactive"]),
        [(r.risk, r.likely_harm or "", r.proactive or "", r.reactive or "") for r in (c.risks if c else [])],
    )
    contacts = grid(
        (lab["name"], lab["relationship"], lab["phone"], lab["email"]),
        contact_rows(c.emergency_contacts) if c else [],
        caption=lab["emergency_contacts"],
    )
    return [
        section(w["heading"]["keeping_safe"], risks),
        section(
            lab["contingency"],
            para(c.plan if c and c.plan else text["not_recorded"], "" if c and c.plan else "muted"),
            contacts,
            fields(
                [(lab["home_keys"], c.keys_held_by if c else ""), (lab["pets"], c.pets_and_property if c else "")],
                caption=lab["home_and_pets"],  # a table of its own: its own name (it follows the contacts)
            ),
            level=3,
        ),
    ]


def _accommodation(plan: Plan, w: Wording) -> list[Section]:
    """A decision that needs can only be met in a particular type of accommodation (Kent 8):
    its own part of the plan, with the decision and, labelled, the evidence for it."""
    acc = plan.accommodation
    if acc is None:
        return []
    lab = w["label"]
    return [
        section(
            w["heading"]["accommodation"],
            fields(
                [
                    (lab["accommodation_type"], acc.type),
                    (lab["accommodation_decision"], acc.decision),
                    (lab["accommodation_evidence"], acc.evidence),
                ]
            ),
        )
    ]


def _other_plans(plan: Plan, w: Wording) -> list[Section]:
    lab, text = w["label"], w["text"]
    s117 = plan.s117 if plan.s117 and plan.s117.applies else None
    if not (plan.other_plans or s117):
        return []
    domain = {n.id: w.label("domain", n.domain) for n in plan.needs or []}
    services = {s.id: f"{s.type}: {s.description}" for s in plan.services}
    parts = [section(w["heading"]["other_plans"])]
    if s117:
        parts.append(
            section(
                lab["s117"],
                para(text["s117_free"]),
                fields(
                    [
                        (text["s117_needs"], "; ".join(domain.get(i, i) for i in s117.need_ids)),
                        (lab["services_s117"], "; ".join(services.get(i, i) for i in s117.service_ids)),
                        (lab["responsible_body"], "; ".join(x for x in (s117.responsible_body, *s117.responsible_bodies) if x)),
                        (lab["detained_section"], w.label("mha_section", s117.detained_section) if s117.detained_section else ""),
                        (lab["detained_under"], s117.detained_under),
                    ]
                ),
                level=3,
            )
        )
    if plan.other_plans:
        rows = [(w.label("other_plan", p.kind), p.summary, p.held_by or "") for p in plan.other_plans]
        parts.append(section(w["heading"]["other_plans_list"], grid((lab["item"], lab["what"], lab["who"]), rows), level=3))
    return parts


def _review(plan: Plan, w: Wording, profile: Profile) -> Section:
    lab, text = w["label"], w["text"]
    r = plan.review
    c = profile.council
    rows = fields(
        [
            (lab["light_touch"], opt_date(r.light_touch_date) if r else ""),
            (lab["next_review"], opt_date(r.next_review_date) if r else ""),
            (lab["monitoring"], r.monitoring if r else ""),
            (lab["reviewer"], r.reviewer if r else ""),
        ]
    )
    sooner = fill(
        text["review_sooner"],
        phone=Phone(c.get("phone", "")),
        email=Email(c.get("email", "")),
        reference=Reference(plan.person.reference),
    )
    return section(w["heading"]["review"], rows or para(text["not_recorded"], "muted"), para(sooner))


def _agreement(plan: Plan, w: Wording) -> Section:
    lab, text = w["label"], w["text"]
    inv, sig = plan.involvement, plan.signatures
    involved = grid(
        (lab["name"], lab["role"]),
        [
            (
                p.name,
                w.label("role", p.role)
                + (f" ({p.relationship})" if p.relationship else "")
                + (f"; {lab['requested_by_person'].lower()}" if p.requested_by_person else "")
                + (f"; {w.label('authority', p.authority)}" if p.authority else ""),
            )
            for p in (inv.people if inv else [])
        ],
        caption=lab["involved"],
    )
    signatures: list[tuple[Text, ...]] = []
    if sig:
        for s in (sig.person, sig.carer):
            if s is not None:
                role = w.label("role", s.role)
                if s.authority:
                    role += f" ({w.label('authority', s.authority)})"
                if s.on_behalf_of:
                    role += f", {lab['on_behalf_of'].lower()} {s.on_behalf_of}"
                signatures.append((role, s.name, lab["yes"] if s.signed else lab["not_signed"], opt_date(s.date)))
        if sig.authority:
            a = sig.authority
            council = f"{text['council_signature']}: {a.job_title}"
            if a.on_behalf_of:
                council += f", {lab['on_behalf_of'].lower()} {a.on_behalf_of}"
            signatures.append((council, a.name, lab["yes"] if a.date else lab["not_signed"], opt_date(a.date)))
    copies = grid(
        (lab["name"], lab["role"]),
        [
            (c.name, w.label("role", c.role) + ("" if c.consent_given else f" ({lab['no_consent'].lower()})"))
            for c in (inv.copies_to if inv else [])
        ],
        caption=lab["copies"],
    )
    return section(
        w["heading"]["agreement"],
        fields([(lab["plan_id"], Reference(plan.plan_id)), (lab["plan_event"], w.label("plan_event", plan.plan_event))]),
        involved or para(f"{lab['involved']}: {text['not_recorded']}", "muted"),
        grid((lab["role"], lab["name"], lab["signature"], lab["date"]), signatures, caption=lab["signed_by"])
        or para(f"{lab['signed_by']}: {text['not_recorded']}", "muted"),
        fields([(lab["unsigned_reason"], sig.unsigned_reason if sig else "")]),
        para(
            fill(text["default_agreement"], date=Date(sig.default_agreement_notice_date))
            if sig and sig.default_agreement_notice_date
            else None
        ),
        copies or para(f"{lab['copies']}: {text['not_recorded']}", "muted"),
        _correspondence(plan, w),
    )


def _correspondence(plan: Plan, w: Wording) -> Block | None:
    """Who letters go to, when not the person, and by what authority (documents.md section 5)."""
    to = plan.correspondence
    if to is None:
        return None
    lab = w["label"]
    return fields(
        [
            (lab["correspondence"], to.name),
            (lab["correspondence_role"], w.label("role", to.role) + (f" ({to.relationship})" if to.relationship else "")),
            (lab["correspondence_authority"], w.label("authority", to.authority) if to.authority else ""),
            (lab["correspondence_address"], ", ".join([*to.address.lines, to.address.postcode]) if to.address else ""),
            (lab["correspondence_greeting"], to.salutation),
        ]
    )


def compose_plan(plan: Plan, profile: Profile, report: Report, draft: bool) -> Document:
    """The standard plan as a document."""
    w = Wording("plan", profile)
    lab, text = w["label"], w["text"]
    combined = plan.carer is not None
    involvement = plan.involvement
    sections: list[Section] = [*_about(plan.person, w["heading"]["about_me"], w, True)]
    if plan.carer:
        sections += _about(plan.carer, w["heading"]["about_carer"], w, False)
    if plan.cared_for:
        cf = plan.cared_for
        sections.append(
            section(
                w["heading"]["cared_for"],
                para(f"{cf.name} ({cf.relationship})"),
                fields([(lab["cared_for_reference"], Reference(cf.reference) if cf.reference else "")]),
            )
        )
    if plan.carer_wishes:
        cw = plan.carer_wishes
        sections.append(
            section(
                w["heading"]["carer_wishes"],
                fields(
                    [
                        (lab["wish_caring"], cw.caring),
                        (lab["wish_work"], cw.work),
                        (lab["wish_education"], cw.education_training),
                        (lab["wish_recreation"], cw.recreation),
                        (lab["willing_to_continue"], _yes_no(cw.willing_to_continue, w)),
                        (lab["able_to_continue"], _yes_no(cw.able_to_continue, w)),
                    ]
                ),
            )
        )
    sections += _needs(plan, w)
    sections += _accommodation(plan, w)
    sections += _outcomes(plan, w)
    sections += _budget(plan, w)
    sections += _advice(plan, w)
    sections += _keeping_safe(plan, w)
    sections += _other_plans(plan, w)
    sections.append(_review(plan, w, profile))
    sections.append(_agreement(plan, w))
    preamble = [para(text["intro"])]
    if combined and involvement and involvement.combined_plan_agreed:
        preamble.append(para(text["combined_agreed"]))
    is_draft = draft or plan.status is PlanStatus.draft or not report.complete
    meta = Meta(
        kind="plan",
        title=w["title"][plan.plan_type.value],
        person=plan.person.full_name,
        reference=plan.person.reference,
        date=plan.plan_date,
        footer=text["confidential"],
        subtitle=(plan.person.full_name, fill(f"{lab['reference']} {{r}}", r=Reference(plan.person.reference)), Date(plan.plan_date)),
    )
    return Document(
        meta=meta,
        letterhead=letterhead(profile),
        draft=draft_state(is_draft, report, text),
        sections=tuple(sections),
        preamble=tuple(b for b in preamble if b),
        words={"contents": w["heading"]["contents"], **page_words(w.common)},
    )
