"""The review of a care and support plan: the record the person gets after each review.

A review record (``"record_type": "review"``) stands on its own beside the plan it
reviews, linked by the plan's reference and date (``plan``). It records what the
practitioner found and decided, in the order of the Kent review practice guidance (the
kind of review, 6.1; the method, 8; who took part, 5; what is working against each
outcome; changes; risks, 9.2; the outcome, 9.1; finances, 9.3; disagreement, 9.4; the next
review, 6.1.5) so that the person gets a copy (5.4.3) and the checks in
:mod:`doctool.checks.review_rules` can ask whether the review was done as it should be.

As in the plan, sections a practitioner may not have filled in yet are optional: a missing
one is a finding, not a schema error. Text fields use the plan's safe-text types.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from doctool.model.common import Address, Ident, IsoDate, Money, NhsNumber, ShortText, Strict, Text, items
from doctool.model.letter import ChargedService
from doctool.model.plan import Communication, Correspondence, FinancialAssessment, PlanEvent

REVIEW_SCHEMA_VERSION = "1.0"


class ReviewKind(str, Enum):
    """Which review this was (Kent review guidance 2.1, 6.1)."""

    light_touch = "light_touch"  # the first review, within 8 weeks of a new or revised plan or service
    planned = "planned"  # at least every 12 months
    unplanned = "unplanned"  # after a crisis or a change in circumstances
    requested = "requested"  # asked for by the person or someone supporting them


class ReviewMethod(str, Enum):
    """How the review was done (Kent review guidance 8.2)."""

    face_to_face = "face_to_face"
    telephone = "telephone"
    video = "video"


class ReviewPerson(Strict):
    """The person whose plan was reviewed: who they are and how they want information."""

    full_name: ShortText
    preferred_name: ShortText | None = None
    title: ShortText | None = Field(default=None, description='How the person is titled, e.g. "Mrs", "Mr", "Dr", "Mx".')
    form_of_address: ShortText | None = Field(
        default=None,
        description='How the person likes to be greeted in writing, e.g. "Mr Hollis". Default: their title and surname.',
    )
    date_of_birth: IsoDate | None = None
    address: Address | None = None
    reference: ShortText
    nhs_number: NhsNumber | None = Field(
        default=None, description="NHS number, 10 digits (999 123 4567); the last is the modulus 11 check digit."
    )
    communication: Communication | None = None


class PlanOutcomeRef(Strict):
    """One outcome of the plan under review, as the plan records it."""

    id: Ident
    in_own_words: Text


class PlanRef(Strict):
    """The plan this review is of: its reference and date, and (optionally) its outcomes."""

    plan_id: ShortText = Field(description="The reviewed plan's plan_id.")
    plan_date: IsoDate = Field(description="The reviewed plan's plan_date.")
    plan_event: PlanEvent = Field(default=PlanEvent.new, description="Why that plan was written: new, revised or reviewed.")
    service_start: IsoDate | None = Field(
        default=None, description="When a new service or support began, if after the plan date (the light-touch review counts from it)."
    )
    last_review_date: IsoDate | None = Field(default=None, description="The date of the review before this one, if any.")
    outcome_ids: list[Ident] = Field(
        default_factory=list, max_length=200, description="Every outcome id in the reviewed plan (each must be reviewed)."
    )
    outcomes: list[PlanOutcomeRef] = Field(
        default_factory=list, max_length=200, description="The plan's outcomes in the person's own words, when carried."
    )


class ParticipantRole(str, Enum):
    person = "person"
    carer = "carer"
    family = "family"
    friend = "friend"
    representative = "representative"
    advocate = "advocate"
    independent_advocate = "independent_advocate"
    provider = "provider"
    professional = "professional"
    reviewer = "reviewer"
    other = "other"


class Participant(Strict):
    name: ShortText
    role: ParticipantRole
    relationship: ShortText | None = None


class Capacity(str, Enum):
    """Whether the person could decide about their care and support at the review."""

    has_capacity = "has_capacity"
    lacks_capacity = "lacks_capacity"
    fluctuates = "fluctuates"


class ReviewInvolvement(Strict):
    """Who took part and how the person was involved (Kent review guidance 5)."""

    people: list[Participant] = items(30)
    person_took_part: bool = True
    how_person_involved: Text | None = Field(default=None, description="How the person took part, in plain words.")
    capacity: Capacity | None = None
    best_interests: Text | None = Field(default=None, description="When the person lacks capacity: how decisions were made.")


class PhoneSuitability(Strict):
    """Kent review guidance 8.5.2: what must be true for a telephone (or video) review."""

    stable_support: bool | None = None
    can_hear_on_phone: bool | None = None
    can_self_advocate_or_has_advocate: bool | None = None
    agreed_with_manager: bool | None = None


class Progress(str, Enum):
    achieved = "achieved"
    partly_achieved = "partly_achieved"
    not_achieved = "not_achieved"
    no_longer_wanted = "no_longer_wanted"


class OutcomeReview(Strict):
    """What is working and not working against one outcome of the plan."""

    outcome_id: Ident
    progress: Progress | None = None
    working: Text | None = None
    not_working: Text | None = None
    next_steps: Text | None = None


class Changes(Strict):
    """Changes since the plan was agreed (Kent review guidance 10.3 to 10.5)."""

    circumstances: list[Text] = items(30)
    needs: list[Text] = items(30)
    short_term: bool = Field(default=False, description="The change in needs is expected to be short term (10.6).")


class ReviewRisk(Strict):
    risk: Text
    action: Text | None = None


class Decision(str, Enum):
    """The outcomes of a review (Kent review guidance 9.1; finalising the plan, 3.2)."""

    finalise_plan = "finalise_plan"
    information_advice = "information_advice"
    amend_plan = "amend_plan"
    change_arrangements = "change_arrangements"
    direct_payment = "direct_payment"
    continue_unchanged = "continue_unchanged"
    end_plan = "end_plan"
    reassessment = "reassessment"
    new_plan = "new_plan"
    risk_assessment = "risk_assessment"
    safeguarding_alert = "safeguarding_alert"
    nhs_nursing_care = "nhs_nursing_care"


class BudgetChange(Strict):
    """Whether the personal budget changes, from what to what, a week."""

    current_weekly: Money | None = None
    new_weekly: Money | None = None
    from_date: IsoDate | None = None
    reason: Text | None = None


class Finances(Strict):
    """Information about finances (Kent review guidance 9.3)."""

    circumstances_changed: bool = False
    change: Text | None = None
    contribution_being_paid: bool | None = None
    reassessment_explained: IsoDate | None = Field(
        default=None, description="When the person was told a financial reassessment may follow (9.3.1-9.3.2)."
    )
    information_given: list[Text] = items(20)


class Disagreement(Strict):
    """A difference of opinion about the outcome (Kent review guidance 9.4)."""

    who: ShortText
    view: Text
    resolution: Text | None = None
    told_right_to_complain: bool = False


class CarerLink(Strict):
    """A carer of the person, and whether their own needs will be reviewed (10.7.3)."""

    name: ShortText
    relationship: ShortText | None = None
    had_carers_assessment: bool = False
    carer_review_date: IsoDate | None = Field(default=None, description="When the carer's own needs will be reviewed.")


class Reviewer(Strict):
    name: ShortText
    job_title: ShortText


class ReviewRecord(Strict):
    """The record of one review of a care and support plan."""

    record_type: Literal["review"]
    schema_version: Literal["1.0"]
    review_id: ShortText
    review_date: IsoDate = Field(description="The date of the review; the document date.")
    kind: ReviewKind
    method: ReviewMethod
    last_face_to_face_review: IsoDate | None = Field(
        default=None, description="The last face-to-face review; needed for a telephone or video review (8.5.2)."
    )
    phone_suitability: PhoneSuitability | None = None
    person: ReviewPerson
    plan: PlanRef
    reviewer: Reviewer | None = None
    involvement: ReviewInvolvement | None = None
    outcomes_reviewed: list[OutcomeReview] | None = Field(default=None, max_length=200)
    changes: Changes | None = None
    risks: list[ReviewRisk] = items(50)
    decisions: list[Decision] | None = Field(default=None, max_length=12)
    decision_reasons: Text | None = None
    budget: BudgetChange | None = None
    finances: Finances | None = None
    financial_assessment: FinancialAssessment | None = Field(
        default=None,
        description="The new financial assessment, when the review changes what the person pays: "
        "the charging letter is made from it, as from a plan's.",
    )
    services: list[ChargedService] = Field(
        default_factory=list,
        max_length=50,
        description="The services after the review, with their weekly cost, as the charging letter lists them.",
    )
    correspondence: Correspondence | None = Field(
        default=None, description="Who letters go to, when not to the person: an attorney, a deputy, an appointee."
    )
    disagreement: Disagreement | None = None
    family_carer: CarerLink | None = Field(default=None, description="A carer of the person (not a Person record: the plan holds the carer's details).")
    next_review_date: IsoDate | None = None

    def plan_outcome(self, outcome_id: str) -> str | None:
        """The plan's outcome in the person's own words, when the record carries it."""
        return next((o.in_own_words for o in self.plan.outcomes if o.id == outcome_id), None)

    @property
    def budget_changes(self) -> bool:
        b = self.budget
        return b is not None and b.new_weekly is not None and b.new_weekly != b.current_weekly

    @property
    def closing(self) -> bool:
        return Decision.end_plan in (self.decisions or [])
