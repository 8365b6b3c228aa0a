"""The checks a review of a care and support plan must pass (``data/rules/review.toml``).

Each rule asks one question of the review record: was it the right kind of review at the
right time, done in a suitable way, did it look at every outcome of the plan, and does
what it decided follow from what it found (a change in needs or budget leads to a
reassessment or a revised plan; a change in money means the person is told about a
financial reassessment; a closing review thinks of the carer). Wording and severity come
from the catalogue and the profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from doctool.checks.engine import Hit, hit
from doctool.formatting import add_days, add_months, long_date, money
from doctool.model.plan import PlanEvent
from doctool.model.review import Capacity, Decision, ParticipantRole, ReviewKind, ReviewMethod, ReviewRecord

#: What a light-touch review is counted from, in the words of RV-LIGHT-TOUCH-8-WEEKS.
_EVENT = {PlanEvent.new: "new plan", PlanEvent.revised: "revised plan", PlanEvent.reviewed: "plan"}
#: Outcomes that revise the plan, which a change to the budget must lead to (Kent review 10.4).
_REVISES = {Decision.reassessment, Decision.new_plan, Decision.amend_plan}
#: A budget may also change because the plan ends (Kent review 10.7).
_BUDGET_OK = _REVISES | {Decision.end_plan}
#: Outcomes that follow a change in needs (Kent review 10.5).
_REASSESSES = {Decision.reassessment, Decision.new_plan}
#: Outcomes that change the services the council provides, so the charge may change (9.3.1).
_CHANGES_SERVICES = {Decision.change_arrangements, Decision.direct_payment, Decision.end_plan, Decision.new_plan}
#: Why a telephone review was not suitable, in the words of RV-METHOD "unsuitable".
_UNSUITABLE = (
    ("stable_support", "does not have stable support in place"),
    ("can_hear_on_phone", "cannot hear well on the phone"),
    ("can_self_advocate_or_has_advocate", "cannot speak up for themselves and has no one to advocate for them"),
)
#: Someone who can take part for a person who did not (Kent review 5.4).
_SPEAKS_FOR = {
    ParticipantRole.advocate,
    ParticipantRole.independent_advocate,
    ParticipantRole.representative,
    ParticipantRole.carer,
    ParticipantRole.family,
}


def outcome_recorded(r: ReviewRecord) -> Iterator[Hit]:
    decisions = r.decisions or []
    if not decisions:
        yield hit("RV-OUTCOME", "$.decisions", "missing")
        return
    if Decision.continue_unchanged in decisions:
        others = [d for d in decisions if d in _CHANGES_SERVICES | _REVISES]
        if others:
            yield hit("RV-OUTCOME", "$.decisions", "unchanged_and_change", other=others[0].value.replace("_", " "))


def every_outcome_reviewed(r: ReviewRecord) -> Iterator[Hit]:
    reviewed = r.outcomes_reviewed or []
    if not reviewed:
        yield hit("RV-OUTCOMES-REVIEWED", "$.outcomes_reviewed", "missing")
    plan_ids = list(r.plan.outcome_ids)
    if not plan_ids:
        yield hit("RV-OUTCOMES-REVIEWED", "$.plan.outcome_ids", "no_plan_ids")
    for i, carried in enumerate(r.plan.outcomes):
        if plan_ids and carried.id not in plan_ids:
            yield hit("RV-OUTCOMES-REVIEWED", f"$.plan.outcomes[{i}].id", "not_listed", outcome=carried.id)
    known = set(plan_ids) | {o.id for o in r.plan.outcomes}
    covered = Counter(o.outcome_id for o in reviewed)
    for i, o in enumerate(reviewed):
        path = f"$.outcomes_reviewed[{i}]"
        if known and o.outcome_id not in known:
            yield hit("RV-OUTCOMES-REVIEWED", f"{path}.outcome_id", "unknown", outcome=o.outcome_id)
        if covered[o.outcome_id] > 1:
            yield hit("RV-OUTCOMES-REVIEWED", f"{path}.outcome_id", "twice", outcome=o.outcome_id)
        if o.progress is None and not (o.working or o.not_working):
            yield hit("RV-OUTCOMES-REVIEWED", path, "empty", outcome=o.outcome_id)
    if reviewed:
        for outcome_id in dict.fromkeys([*plan_ids, *(o.id for o in r.plan.outcomes)]):
            if outcome_id not in covered:
                yield hit("RV-OUTCOMES-REVIEWED", "$.outcomes_reviewed", "not_reviewed", outcome=outcome_id)


def light_touch_within_8_weeks(r: ReviewRecord) -> Iterator[Hit]:
    if r.kind is not ReviewKind.light_touch:
        return
    plan = r.plan
    start, event = plan.plan_date, _EVENT[plan.plan_event]
    if plan.service_start and plan.service_start > start:
        start, event = plan.service_start, "new service"
    elif plan.plan_event is PlanEvent.reviewed:
        yield hit("RV-LIGHT-TOUCH-8-WEEKS", "$.plan.plan_event", "reviewed_plan")
        return
    if r.review_date > add_days(start, 56):
        yield hit("RV-LIGHT-TOUCH-8-WEEKS", "$.review_date", "late", review=long_date(r.review_date), event=event, start=long_date(start))


def planned_every_12_months(r: ReviewRecord) -> Iterator[Hit]:
    if r.kind is ReviewKind.planned:
        since, start = ("last review", r.plan.last_review_date) if r.plan.last_review_date else ("plan", r.plan.plan_date)
        if start and r.review_date > add_months(start, 12):
            yield hit("RV-12-MONTHS", "$.review_date", "late", review=long_date(r.review_date), since=since, start=long_date(start))
    if r.closing:
        return  # a plan that ends has no next review
    nxt = r.next_review_date
    if nxt is None:
        yield hit("RV-12-MONTHS", "$.next_review_date", "next_missing")
    elif nxt <= r.review_date:
        yield hit("RV-12-MONTHS", "$.next_review_date", "next_before", next=long_date(nxt), review=long_date(r.review_date))
    elif nxt > add_months(r.review_date, 12):
        yield hit("RV-12-MONTHS", "$.next_review_date", "next_late", next=long_date(nxt), review=long_date(r.review_date))


def dates_in_order(r: ReviewRecord) -> Iterator[Hit]:
    if r.review_date < r.plan.plan_date:
        yield hit("RV-DATES", "$.review_date", "before_plan", review=long_date(r.review_date), plan=long_date(r.plan.plan_date))
    f2f = r.last_face_to_face_review
    if f2f and f2f > r.review_date:
        yield hit("RV-DATES", "$.last_face_to_face_review", "face_to_face_future", date=long_date(f2f), review=long_date(r.review_date))


def remote_review_suitable(r: ReviewRecord) -> Iterator[Hit]:
    """Kent review 8.5.2: a telephone (or video) review only after a face-to-face review in
    the last 12 months, with stable support, a person who hears well on the phone and can
    speak up for themselves or has someone to."""
    if r.method is ReviewMethod.face_to_face:
        return
    method = r.method.value
    f2f = r.last_face_to_face_review
    if f2f is None:
        yield hit("RV-METHOD", "$.last_face_to_face_review", "no_face_to_face_date", method=method)
    elif add_months(f2f, 12) < r.review_date:
        yield hit("RV-METHOD", "$.last_face_to_face_review", "no_recent_face_to_face", method=method,
                  date=long_date(f2f), review=long_date(r.review_date))
    suits = r.phone_suitability
    if suits is None:
        yield hit("RV-METHOD", "$.phone_suitability", "suitability_missing", method=method)
        return
    for field, why in _UNSUITABLE:
        if getattr(suits, field) is False:
            yield hit("RV-METHOD", f"$.phone_suitability.{field}", "unsuitable", method=method, why=why)


def person_involved(r: ReviewRecord) -> Iterator[Hit]:
    inv = r.involvement
    if inv is None or not inv.people:
        yield hit("RV-INVOLVEMENT", "$.involvement", "missing")
        return
    if not inv.person_took_part and not any(p.role in _SPEAKS_FOR for p in inv.people):
        yield hit("RV-INVOLVEMENT", "$.involvement.person_took_part", "not_involved")
    if inv.capacity is Capacity.lacks_capacity and not inv.best_interests:
        yield hit("RV-INVOLVEMENT", "$.involvement.best_interests", "best_interests")


def change_leads_to_reassessment(r: ReviewRecord) -> Iterator[Hit]:
    decisions = set(r.decisions or [])
    if r.budget_changes and not decisions & _BUDGET_OK:
        b = r.budget
        assert b is not None and b.new_weekly is not None
        old = money(b.current_weekly) if b.current_weekly is not None else "nothing"
        yield hit("RV-REASSESS", "$.budget.new_weekly", "budget", old=old, new=money(b.new_weekly))
    changes = r.changes
    if changes and changes.needs and not changes.short_term and not decisions & _REASSESSES:
        yield hit("RV-REASSESS", "$.changes.needs", "needs")
    if decisions & _REVISES and not r.closing and (r.budget is None or r.budget.new_weekly is None):
        yield hit("RV-REASSESS", "$.budget.new_weekly", "budget_no_new")


def told_about_financial_reassessment(r: ReviewRecord) -> Iterator[Hit]:
    fin = r.finances
    if fin and fin.circumstances_changed:
        why = "The person's financial circumstances have changed"
    elif r.budget_changes:
        why = "The personal budget changes"
    elif set(r.decisions or []) & _CHANGES_SERVICES:
        why = "The services the council provides change"
    else:
        return
    if fin is None or fin.reassessment_explained is None:
        yield hit("RV-FINANCE-INFO", "$.finances.reassessment_explained", "not_told", why=why)


def charge_follows_budget(r: ReviewRecord) -> Iterator[Hit]:
    """A budget change for someone who pays towards their care needs the new financial
    assessment, from which the charging letter is made; that letter's cost of care is the
    review's new budget. (When the plan ends, so does the charge: no new assessment.)"""
    fa, b, fin = r.financial_assessment, r.budget, r.finances
    if fa is None:
        if r.budget_changes and not r.closing and fin is not None and fin.contribution_being_paid:
            assert b is not None and b.new_weekly is not None
            yield hit("RV-CHARGE", "$.financial_assessment", "missing", new=money(b.new_weekly))
    elif r.budget_changes and fa.weekly_care_cost is not None:
        assert b is not None and b.new_weekly is not None
        if fa.weekly_care_cost != b.new_weekly:
            yield hit("RV-CHARGE", "$.financial_assessment.weekly_care_cost", "cost",
                      cost=money(fa.weekly_care_cost), new=money(b.new_weekly))


def closing_considers_carer(r: ReviewRecord) -> Iterator[Hit]:
    if r.closing and r.family_carer and r.family_carer.had_carers_assessment and r.family_carer.carer_review_date is None:
        yield hit("RV-CARER-REVIEW", "$.family_carer.carer_review_date", "missing")


def disagreement_and_complaint(r: ReviewRecord) -> Iterator[Hit]:
    if r.disagreement and not r.disagreement.told_right_to_complain:
        yield hit("RV-DISAGREEMENT", "$.disagreement.told_right_to_complain", "not_told")


def risks_have_actions(r: ReviewRecord) -> Iterator[Hit]:
    for i, risk in enumerate(r.risks):
        if not risk.action:
            yield hit("RV-RISKS", f"$.risks[{i}].action", "no_action", n=i + 1)


REVIEW_RULES = (
    outcome_recorded,
    every_outcome_reviewed,
    light_touch_within_8_weeks,
    planned_every_12_months,
    dates_in_order,
    remote_review_suitable,
    person_involved,
    change_leads_to_reassessment,
    told_about_financial_reassessment,
    charge_follows_budget,
    closing_considers_carer,
    disagreement_and_complaint,
    risks_have_actions,
)
