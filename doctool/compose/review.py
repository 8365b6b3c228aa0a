"""The person's copy of a review of their care and support plan, from the review record.

Kent review practice guidance 5.4.3: a copy of the review goes to the person. It says
when and how the plan was reviewed, who took part, how each outcome of the plan is going,
what has changed, what was decided and what that means for the personal budget and
charges, what to do if they disagree, and when the next review is. Words come from
``data/wording/review.toml``; the person's details use the plan's labels, and how to
complain is in ``common.toml``.
"""

from __future__ import annotations

from datetime import date

from doctool.compose.common import bullets, draft_state, fields, grid, letterhead, opt_date, page_words, para, section
from doctool.compose.plan import _communication_rows
from doctool.document import Date, Document, Email, Meta, Money, Phone, Reference, Section, Table, Text, fill
from doctool.findings import Report
from doctool.model.review import ReviewMethod, ReviewRecord
from doctool.profiles import Profile
from doctool.wording import Wording


def _yes_no(value: bool | None, lab: dict[str, str]) -> str:
    return "" if value is None else lab["yes"] if value else lab["no"]


def _about_review(r: ReviewRecord, w: Wording) -> Section:
    lab = w["label"]
    reviewer = f"{r.reviewer.name}, {r.reviewer.job_title}" if r.reviewer else ""
    rows = fields(
        [
            (lab["kind"], w.label("review_kind", r.kind)),
            (lab["review_id"], Reference(r.review_id)),
            (lab["date"], Date(r.review_date)),
            (lab["method"], w.label("review_method", r.method)),
            (lab["plan"], Reference(r.plan.plan_id)),
            (lab["plan_date"], Date(r.plan.plan_date)),
            (lab["plan_event"], w.label("plan_event", r.plan.plan_event)),
            (lab["service_start"], opt_date(r.plan.service_start)),
            (lab["last_review"], opt_date(r.plan.last_review_date)),
            (lab["last_face_to_face"], opt_date(r.last_face_to_face_review)),
            (lab["reviewer"], reviewer),
        ]
    )
    blocks = [rows]
    s = r.phone_suitability
    if s is not None and r.method is not ReviewMethod.face_to_face:
        method = w.label("review_method", r.method).lower()
        blocks.append(
            fields(
                [(lab[key], _yes_no(getattr(s, key), lab)) for key in
                 ("stable_support", "can_hear_on_phone", "can_self_advocate_or_has_advocate", "agreed_with_manager")],
                caption=lab["suitability"].format(method=method),
            )
        )
    return section(w["heading"]["about"], *blocks)


def _people(r: ReviewRecord, w: Wording) -> Section:
    lab = w["label"]
    inv = r.involvement
    if inv is None:
        return section(w["heading"]["people"], para(w["text"]["not_recorded"], "muted"))
    table = grid(
        (lab["name"], lab["role"], lab["relationship"]),
        [(p.name, w.label("review_role", p.role), p.relationship or "") for p in inv.people],
    )
    rows = fields(
        [
            (lab["person_took_part"], _yes_no(inv.person_took_part, lab)),
            (lab["how_involved"], inv.how_person_involved),
            (lab["capacity"], w.label("review_capacity", inv.capacity) if inv.capacity else ""),
            (lab["best_interests"], inv.best_interests),
        ]
    )
    return section(w["heading"]["people"], table, rows)


def _outcomes(r: ReviewRecord, w: Wording, params: dict[str, Text]) -> list[Section]:
    lab, h = w["label"], w["heading"]
    parts = [section(h["outcomes"])]
    for n, o in enumerate(r.outcomes_reviewed or [], start=1):
        words = r.plan_outcome(o.outcome_id)
        parts.append(
            section(
                h["outcome"].format(n=n),
                para(f"\u201c{words}\u201d" if words else fill(w["text"]["outcome_not_carried"], **params)),
                fields(
                    [
                        (lab["progress"], w.label("outcome_progress", o.progress) if o.progress else ""),
                        (lab["working"], o.working),
                        (lab["not_working"], o.not_working),
                        (lab["next_steps"], o.next_steps),
                    ]
                ),
                level=3,
            )
        )
    if len(parts) == 1:
        parts[0] = section(h["outcomes"], para(w["text"]["not_recorded"], "muted"))
    return parts


def _changes(r: ReviewRecord, w: Wording) -> Section:
    lab, text = w["label"], w["text"]
    c = r.changes
    if c is None or not (c.circumstances or c.needs):
        return section(w["heading"]["changes"], para(text["no_changes"]))
    return section(
        w["heading"]["changes"],
        para(lab["circumstances"], "lead") if c.circumstances else None,
        bullets(c.circumstances),
        para(lab["needs"], "lead") if c.needs else None,
        bullets(c.needs),
        para(text["short_term"]) if c.short_term and c.needs else None,
    )


def _budget(r: ReviewRecord, w: Wording) -> Section:
    lab, text = w["label"], w["text"]
    b = r.budget
    if b is None or (b.current_weekly is None and b.new_weekly is None):
        return section(w["heading"]["budget"], para(text["budget_not_recorded"], "muted"))
    old = Money(b.current_weekly) if b.current_weekly is not None else ""
    new = Money(b.new_weekly) if b.new_weekly is not None else ""
    if r.budget_changes and old:
        summary = fill(text["budget_changes"], old=old, new=new)
    elif r.budget_changes:
        summary = fill(text["budget_new"], new=new)
    else:
        summary = fill(text["budget_same"], old=old or new)
    return section(
        w["heading"]["budget"],
        para(summary),
        fields(
            [
                (lab["current_weekly"], Money(b.current_weekly, "weekly") if b.current_weekly is not None else ""),
                (lab["new_weekly"], Money(b.new_weekly, "weekly") if r.budget_changes and b.new_weekly is not None else ""),
                (lab["from_date"], opt_date(b.from_date)),
                (lab["reason"], b.reason),
            ]
        ),
        _services(r, w),
    )


def _services(r: ReviewRecord, w: Wording) -> Table | None:
    """The services after the review with what each costs a week (the charging letter's list)."""
    if not r.services:
        return None
    lab = w["label"]
    rows = [
        (s.description, lab["free_s117"] if s.s117 else Money(s.weekly_cost) if s.weekly_cost is not None else "")
        for s in r.services
    ]
    return Table((lab["service"], lab["weekly_cost"]), tuple(rows), lab["services"], numeric=(1,))


def _finances(r: ReviewRecord, w: Wording) -> Section:
    lab, text = w["label"], w["text"]
    f = r.finances
    letter_date = _letter_date(r)
    letter = para(fill(text["finance_letter"], date=Date(letter_date))) if letter_date else None
    if f is None:
        return section(w["heading"]["finances"], para(text["finance_none"]), letter)
    return section(
        w["heading"]["finances"],
        para(text["finance_reassessment"] if f.reassessment_explained else text["finance_none"]),
        letter,
        fields(
            [
                (lab["finance_change"], f.change),
                (lab["contribution_paid"], _yes_no(f.contribution_being_paid, lab)),
                (lab["reassessment_explained"], opt_date(f.reassessment_explained)),
            ]
        ),
        para(lab["information_given"], "lead") if f.information_given else None,
        bullets(f.information_given),
    )


def _letter_date(r: ReviewRecord) -> date | None:
    """The date of the charging letter made from this review, if one is."""
    fa = r.financial_assessment
    return (fa.letter_issued or r.review_date) if fa else None


def _disagreement(r: ReviewRecord, w: Wording, params: dict[str, Text]) -> Section:
    lab, text = w["label"], w["text"]
    d = r.disagreement
    common = w.common["text"]
    blocks = [para(text["disagreement_none"])] if d is None else [
        para(text["disagreement_intro"]),
        fields(
            [
                (lab["who_disagrees"], d.who),
                (lab["view"], d.view),
                (lab["resolution"], d.resolution),
                (lab["right_to_complain"], _yes_no(d.told_right_to_complain, lab)),
            ]
        ),
    ]
    return section(
        w["heading"]["disagreement"],
        *blocks,
        para(fill(common["complain"], **params)),
        para(fill(common["ombudsman"], **params)),
    )


def _about_you(r: ReviewRecord, profile: Profile) -> Section:
    pw = Wording("plan", profile)
    lab = pw["label"]
    p = r.person
    rows = fields(
        [
            (lab["full_name"], p.full_name),
            (lab["preferred_name"], p.preferred_name),
            (lab["date_of_birth"], opt_date(p.date_of_birth)),
            (lab["address"], ", ".join([*p.address.lines, p.address.postcode]) if p.address else ""),
            (lab["reference"], Reference(p.reference)),
            (lab["nhs_number"], Reference(p.nhs_number) if p.nhs_number else ""),
        ]
    )
    comm = p.communication
    return section(
        Wording("review", profile)["heading"]["about_you"],
        rows,
        bullets(comm.needs) if comm and comm.needs else None,
        fields(_communication_rows(comm, pw), caption=lab["communication"]) if comm else None,
    )


def compose_review(r: ReviewRecord, profile: Profile, report: Report, draft: bool) -> Document:
    """The review record the person receives, as a document."""
    w = Wording("review", profile)
    lab, text, h = w["label"], w["text"], w["heading"]
    head = letterhead(profile)
    params: dict[str, Text] = {
        "date": Date(r.review_date),
        "plan_date": Date(r.plan.plan_date),
        "next": opt_date(r.next_review_date),
        "council": head.council,
        "phone": Phone(head.phone),
        "email": Email(head.email),
        "reference": Reference(r.person.reference),
    }
    took_part = r.involvement is None or r.involvement.person_took_part
    preamble = [para(fill(text["intro"] if took_part else text["intro_not_involved"], **params))]

    sections: list[Section] = [_about_review(r, w), _people(r, w), *_outcomes(r, w, params), _changes(r, w)]
    sections.append(
        section(
            h["risks"],
            grid((lab["risk"], lab["action"]), [(x.risk, x.action or text["not_recorded"]) for x in r.risks])
            or para(text["no_risks"]),
        )
    )
    decisions = [w.label("review_decision", d) for d in r.decisions or []]
    sections.append(
        section(h["decisions"], bullets(decisions) or para(text["not_recorded"], "muted"), para(r.decision_reasons))
    )
    sections += [_budget(r, w), _finances(r, w), _disagreement(r, w, params)]
    if r.family_carer:
        c = r.family_carer
        sections.append(
            section(
                h["carer"],
                para(text["carer_intro"]),
                fields(
                    [
                        (lab["carer"], c.name),
                        (lab["relationship"], c.relationship),
                        (lab["carers_assessment"], _yes_no(c.had_carers_assessment, lab)),
                        (lab["carer_review"], opt_date(c.carer_review_date)),
                    ]
                ),
            )
        )
    if r.closing:
        nxt = text["next_ended"]
    else:
        nxt = text["next"] if r.next_review_date else text["next_none"]
    sections.append(section(h["next"], para(fill(nxt, **params)), para(fill(text["sooner"], **params))))
    sections.append(_about_you(r, profile))
    sections.append(section(w.common["heading"]["other_format"], para(fill(w.common["text"]["other_format"], **params))))

    is_draft = draft or not report.complete
    return Document(
        meta=Meta(
            kind="review",
            title=w["title"]["document"],
            person=r.person.full_name,
            reference=r.person.reference,
            date=r.review_date,
            footer=text["confidential"],
            subtitle=(
                r.person.full_name,
                fill(f"{w.common['label']['reference']} {{r}}", r=Reference(r.person.reference)),
                Date(r.review_date),
            ),
        ),
        letterhead=head,
        draft=draft_state(is_draft, report, text),
        sections=tuple(sections),
        preamble=tuple(b for b in preamble if b),
        words=page_words(w.common),
    )
