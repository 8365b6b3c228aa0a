"""The care and support plan: the published data contract councils record plans in.

Sections are optional so that a draft still parses: an absent section is a *finding*
(see :mod:`doctool.checks`), not a schema error. Schema errors are for malformed data.
Field names follow ``documents.md`` section 1 and ``care-act.md``.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from doctool.model.common import (
    Address,
    Contact,
    Ident,
    IsoDate,
    Money,
    NhsNumber,
    Period,
    Rate,
    ShortText,
    Strict,
    Text,
    items,
)

SCHEMA_VERSION = "1.0"


class PlanType(str, Enum):
    adult = "adult"
    carer = "carer"
    combined = "combined"


class PlanStatus(str, Enum):
    draft = "draft"
    final = "final"


class PlanEvent(str, Enum):
    """Why the plan was written: a new or revised plan gets a light-touch review in 6-8 weeks."""

    new = "new"
    revised = "revised"
    reviewed = "reviewed"


class Domain(str, Enum):
    """Eligibility outcomes: adults (SI 2015/313 reg 2) and carers (reg 3)."""

    nutrition = "nutrition"
    personal_hygiene = "personal_hygiene"
    toilet_needs = "toilet_needs"
    clothing = "clothing"
    home_safety = "home_safety"
    habitable_home = "habitable_home"
    relationships = "relationships"
    work_education = "work_education"
    community = "community"
    caring_for_child = "caring_for_child"
    # carer-only outcomes (reg 3)
    caring_for_others = "caring_for_others"
    recreation = "recreation"
    carer_health = "carer_health"


class Format(str, Enum):
    """Formats a person can ask for (Accessible Information Standard)."""

    standard = "standard"
    easy_read = "easy_read"
    large_print = "large_print"
    clear_print = "clear_print"
    braille = "braille"
    audio = "audio"
    email = "email"
    html = "html"
    txt = "txt"


class ContactMethod(str, Enum):
    """How the person wants to be contacted (Accessible Information Standard)."""

    letter = "letter"
    phone = "phone"
    text_message = "text_message"
    email = "email"
    video_call = "video_call"
    in_person = "in_person"
    through_someone = "through_someone"


class Communication(Strict):
    """The person's information and communication needs and the formats they asked for,
    as the Accessible Information Standard (DAPB1605) records them."""

    needs: list[Text] = items(20)
    formats: list[Format] = items(10)
    large_print_size: int | None = Field(default=None, ge=14, le=72)
    braille_grade: Literal[1, 2] | None = Field(
        default=None,
        description="Unified English Braille grade the person reads: 1 (uncontracted) or 2 (contracted, the default).",
    )
    contact_method: ContactMethod | None = Field(default=None, description="How the person wants to be contacted.")
    phone: ShortText | None = Field(default=None, description="The person's own phone number.")
    email: ShortText | None = Field(default=None, description="The person's own email address.")
    language: ShortText | None = Field(default=None, description="The language the person speaks.")
    reads_language: ShortText | None = Field(
        default=None, description="The language the person reads, when it is not the one they speak or not English."
    )
    interpreter: bool = False
    interpreter_language: ShortText | None = Field(
        default=None,
        description="Which interpreter: British Sign Language, or the spoken language (for example Polish).",
    )
    easy_read_words: Text | None = Field(
        default=None, description="How the person describes themselves in their own easy-read words."
    )


class Person(Strict):
    """About me (documents.md 1.1). For a carer's plan this is the carer."""

    full_name: ShortText
    preferred_name: ShortText | None = None
    title: ShortText | None = Field(default=None, description='How the person is titled, e.g. "Mrs", "Mr", "Dr", "Mx".')
    form_of_address: ShortText | None = Field(
        default=None,
        description='How the person likes to be greeted in writing, e.g. "Mrs Aldridge-Blake" or "Peggy". '
        "Default: their title and surname.",
    )
    date_of_birth: IsoDate | None = None
    address: Address | None = None
    reference: ShortText
    nhs_number: NhsNumber | None = Field(
        default=None, description="NHS number, 10 digits (999 123 4567); the last is the modulus 11 check digit."
    )
    lives_with: Text | None = None
    about_me: Text | None = Field(default=None, description="What matters to me, in my own words.")
    strengths: list[Text] = items(30)
    support_network: list[Contact] = items(30)
    communication: Communication | None = None


class CaredFor(Strict):
    """For a carer's plan: the person the carer looks after."""

    name: ShortText
    relationship: ShortText
    reference: ShortText | None = None


class CarerWishes(Strict):
    """A carer's wishes about caring, work, education, training and recreation (s10(6))."""

    caring: Text | None = None
    work: Text | None = None
    education_training: Text | None = None
    recreation: Text | None = None
    willing_to_continue: bool | None = None
    able_to_continue: bool | None = None


class Whose(str, Enum):
    """In a combined plan, whose need or outcome it is."""

    person = "person"
    carer = "carer"


class Eligibility(str, Enum):
    eligible = "eligible"
    partly_eligible = "partly_eligible"
    not_eligible = "not_eligible"


class MetBy(str, Enum):
    """How a need is met (documents.md 1.2)."""

    council = "council"
    direct_payment = "direct_payment"
    carer = "carer"
    community = "community"
    health = "health"
    equipment = "equipment"
    self = "self"
    education = "education"


class Arrangement(Strict):
    """One way a need is met: by whom, what they do, when and how often."""

    how: MetBy
    who: ShortText
    what: Text
    frequency: ShortText | None = None
    times: ShortText | None = None
    service_id: Ident | None = None
    easy_read: Text | None = Field(
        default=None,
        description=(
            "The easy-read plan's words for what this help is, agreed with the person (first person, "
            "short plain sentences). Used instead of `what` in easy read."
        ),
    )


class Need(Strict):
    """A need identified by the assessment and what the plan does about it."""

    id: Ident
    whose: Whose = Whose.person
    domain: Domain
    description: Text
    eligibility: Eligibility | None = None
    eligibility_extent: Text | None = Field(default=None, description="To what extent the need meets the criteria.")
    council_will_meet: bool | None = None
    ineligible_met_by_choice: bool = Field(
        default=False, description="An ineligible need the authority has chosen to meet (s19)."
    )
    met_by: list[Arrangement] = items(20)
    fluctuates: bool = False
    fluctuation_plan: Text | None = None
    informal_carer_willing_and_able: bool | None = None


class Outcome(Strict):
    """What the person wants to achieve, in their own words, and the needs it relates to."""

    id: Ident
    whose: Whose = Whose.person
    in_own_words: Text
    need_ids: list[Ident] = items(50)
    how_achieved: Text | None = None
    measure: Text | None = None
    easy_read: Text | None = Field(
        default=None,
        description="This outcome in easy-read words agreed with the person. Used instead of `in_own_words` in easy read.",
    )


class DeliveryMechanism(str, Enum):
    """Client Level Data Delivery_Mechanism."""

    direct_payment = "direct_payment"
    council_managed = "council_managed"
    council_commissioned = "council_commissioned"


class CostUnit(str, Enum):
    hour = "hour"
    visit = "visit"
    day = "day"
    night = "night"
    week = "week"
    session = "session"


class Service(Strict):
    """A service in the plan, with its cost so the budget can be checked."""

    id: Ident
    type: ShortText
    description: Text
    provider: ShortText
    frequency: ShortText
    unit_cost: Money
    unit: CostUnit
    units_per_week: Money
    delivery_mechanism: DeliveryMechanism
    need_ids: list[Ident] = items(50)
    s117: bool = False


class BudgetManagement(str, Enum):
    council_managed = "council_managed"
    direct_payment = "direct_payment"
    mixed = "mixed"
    individual_service_fund = "individual_service_fund"


class FreeReason(str, Enum):
    """Why an item is outside the personal budget (Cambridgeshire 1.7; guidance 8.14)."""

    reablement = "reablement"
    equipment = "equipment"
    minor_adaptation = "minor_adaptation"
    s117 = "s117"
    health_funded = "health_funded"
    intermediate_care = "intermediate_care"
    other = "other"


class OutsideBudgetItem(Strict):
    description: Text
    reason: FreeReason
    amount: Money | None = None
    period: Period | None = None


class PersonalBudget(Strict):
    """The personal budget (s26): cost to the authority, the person's share, the authority's."""

    indicative_amount: Money | None = None
    total_cost: Money | None = None
    person_amount: Money | None = None
    person_amount_not_known: bool = Field(
        default=False,
        description="Before the financial assessment: what the person pays is not known yet (leave person_amount out).",
    )
    authority_amount: Money | None = None
    third_party_amount: Money | None = Field(default=None, description="For example ICB joint funding.")
    third_party_name: ShortText | None = None
    top_up_amount: Money | None = Field(default=None, description="A top-up paid by someone else; outside the budget.")
    top_up_payer: ShortText | None = None
    arrangement_fee: Money | None = Field(default=None, description="Charged to a self-funder; outside the budget.")
    period: Period | None = None
    management: BudgetManagement | None = None
    how_person_wants_to_receive: Text | None = None
    outside_budget: list[OutsideBudgetItem] = items(50)
    agreed_date: IsoDate | None = None


class HolderType(str, Enum):
    person = "person"
    nominated = "nominated"
    authorised = "authorised"


class PaymentFrequency(str, Enum):
    """How often a direct payment (or a contribution to it) is paid. ``annual`` is once a
    year (a carer's budget often is); ``one_off`` is a single payment for the budget's period."""

    weekly = "weekly"
    four_weekly = "four_weekly"
    monthly = "monthly"
    annual = "annual"
    one_off = "one_off"


class AccountType(str, Enum):
    dedicated_bank_account = "dedicated_bank_account"
    prepaid_card = "prepaid_card"
    managed_account = "managed_account"


class DPHolder(Strict):
    type: HolderType
    name: ShortText
    relationship: ShortText | None = None
    basis: ShortText | None = Field(default=None, description="E.g. lasting power of attorney, deputyship.")


class PersonalAssistant(Strict):
    role: ShortText
    hours_per_week: Money
    hourly_rate: Money
    is_close_relative_in_household: bool = False
    relative_agreed_as_necessary: bool = False


class EmployerCosts(Strict):
    """Employer responsibilities when the direct payment employs a personal assistant."""

    employers_liability_insurance: bool = False
    payroll_provider: ShortText | None = None
    pension_auto_enrolment: bool = False
    right_to_work_checks: bool = False
    dbs_checks: bool = False
    redundancy_cover: bool = False
    weekly_amount: Money | None = None


class DirectPayment(Strict):
    """A direct payment (ss31-33; SI 2014/2871): which needs, how much, how often, who holds it."""

    need_ids: list[Ident] = items(50)
    outcome_ids: list[Ident] = items(50)
    amount: Money | None = None
    frequency: PaymentFrequency | None = None
    paid_in_advance: bool = True
    holder: DPHolder | None = None
    account: AccountType | None = None
    start_date: IsoDate | None = None
    first_review_date: IsoDate | None = None
    person_contribution: Money | None = None
    contribution_frequency: PaymentFrequency | None = None
    employs_personal_assistant: bool = False
    personal_assistants: list[PersonalAssistant] = items(20)
    employer_costs: EmployerCosts | None = None
    fluctuation_allowance: Text | None = Field(
        default=None, description="How the payment flexes when needs fluctuate, e.g. extra hours in a relapse."
    )
    contingency: Text | None = None
    support_service: ShortText | None = None


class NeedNotMet(Strict):
    need_id: Ident
    reason: Text
    what_can_help: Text | None = None
    easy_read: Text | None = Field(
        default=None,
        description="What can help, in easy-read words agreed with the person. Used instead of `what_can_help` in easy read.",
    )


class Advice(Strict):
    """Information and advice (s25(1)(f))."""

    meet_or_reduce: list[Text] = items(50)
    prevent_or_delay: list[Text] = items(50)
    needs_not_met: list[NeedNotMet] = items(50)


class Risk(Strict):
    risk: Text
    likely_harm: Text | None = None
    proactive: Text | None = None
    reactive: Text | None = None
    easy_read: Text | None = Field(
        default=None,
        description=(
            "The risk and what is done about it, in easy-read words agreed with the person. "
            "Used instead of `risk`, `proactive` and `reactive` in easy read."
        ),
    )


class Contingency(Strict):
    """Keeping safe: risks, what happens if the plan breaks down, who to call."""

    risks: list[Risk] = items(50)
    plan: Text | None = None
    emergency_contacts: list[Contact] = items(20)
    keys_held_by: Text | None = None
    pets_and_property: Text | None = None


class OtherPlanKind(str, Enum):
    peep = "peep"
    health = "health"
    ehc = "ehc"
    s117 = "s117"
    advance_statement = "advance_statement"
    advance_decision = "advance_decision"
    other = "other"


class OtherPlan(Strict):
    kind: OtherPlanKind
    summary: Text
    held_by: ShortText | None = None


class MhaSection(str, Enum):
    """The section of the Mental Health Act 1983 a person was detained under that gives
    a right to s117 after-care (s117(1))."""

    s3 = "3"
    s37 = "37"
    s45A = "45A"
    s47 = "47"
    s48 = "48"


class S117(Strict):
    """Mental Health Act s117 after-care: free of charge, so it must be identified."""

    applies: bool
    need_ids: list[Ident] = items(50)
    service_ids: list[Ident] = items(50)
    responsible_body: ShortText | None = Field(
        default=None, description="The body (or bodies, jointly) responsible for the after-care: the council and the ICB."
    )
    responsible_bodies: list[ShortText] = Field(
        default_factory=list, max_length=5,
        description="Each body responsible, when they are recorded one by one (a council, an Integrated Care Board).",
    )
    detained_section: MhaSection | None = Field(
        default=None, description="The section of the Mental Health Act 1983 the person was detained under."
    )
    detained_under: ShortText | None = Field(default=None, description="Details of the detention: dates, hospital.")


class Accommodation(Strict):
    """Where needs can only be met in a specified type of accommodation (Kent 8)."""

    type: ShortText
    decision: Text
    evidence: Text | None = None


class Review(Strict):
    light_touch_date: IsoDate | None = None
    next_review_date: IsoDate | None = None
    monitoring: Text | None = None
    reviewer: ShortText | None = None


class InvolvedRole(str, Enum):
    person = "person"
    carer = "carer"
    family = "family"
    friend = "friend"
    advocate = "advocate"
    independent_advocate = "independent_advocate"
    professional = "professional"
    attorney = "attorney"
    deputy = "deputy"
    appointee = "appointee"
    other = "other"


class LegalAuthority(str, Enum):
    """The authority someone has to act for the person (Mental Capacity Act 2005; Social
    Security (Claims and Payments) Regulations 1987 reg 33 for an appointee)."""

    lpa_property_financial = "lpa_property_financial"
    lpa_health_welfare = "lpa_health_welfare"
    enduring_power_of_attorney = "enduring_power_of_attorney"
    deputy_property_financial = "deputy_property_financial"
    deputy_health_welfare = "deputy_health_welfare"
    dwp_appointee = "dwp_appointee"


class Involved(Strict):
    name: ShortText
    role: InvolvedRole
    relationship: ShortText | None = None
    requested_by_person: bool = False
    authority: LegalAuthority | None = Field(
        default=None, description="For an attorney, deputy or appointee: the power they hold."
    )


class RecipientRole(str, Enum):
    """Who the person's letters go to."""

    person = "person"
    attorney = "attorney"
    deputy = "deputy"
    appointee = "appointee"
    representative = "representative"


class Correspondence(Strict):
    """Who letters about the person's care and money go to, when not to the person: an
    attorney, a deputy, an appointee or another representative the person asked for.
    The letter is addressed to them and says on whose behalf (documents.md section 5)."""

    role: RecipientRole
    name: ShortText = Field(description='Their name as it goes on the envelope, e.g. "Mr Robert Aldridge-Blake".')
    address: Address | None = Field(default=None, description="Default: the person's address.")
    salutation: ShortText | None = Field(default=None, description='How the letter greets them, e.g. "Mr Aldridge-Blake".')
    relationship: ShortText | None = None
    authority: LegalAuthority | None = None


class CopyRecipient(Strict):
    name: ShortText
    role: InvolvedRole
    consent_given: bool = True


class Involvement(Strict):
    """Who was involved (s25(3)-(4)) and who receives a copy (s25(9)-(10))."""

    people: list[Involved] = items(30)
    copies_to: list[CopyRecipient] = items(30)
    combined_plan_agreed: bool | None = Field(
        default=None, description="For a combined plan: both people agreed to combine their plans."
    )


class SignatoryRole(str, Enum):
    person = "person"
    carer = "carer"
    legal_representative = "legal_representative"
    attorney = "attorney"
    deputy = "deputy"
    best_interests_decision_maker = "best_interests_decision_maker"
    independent_advocate = "independent_advocate"


class Signature(Strict):
    name: ShortText
    role: SignatoryRole
    signed: bool = True
    date: IsoDate | None = None
    authority: LegalAuthority | None = Field(
        default=None, description="For an attorney or deputy: the power under which they sign."
    )
    on_behalf_of: ShortText | None = Field(default=None, description="Whom they sign for, when not themselves.")


class AuthoritySignature(Strict):
    name: ShortText
    job_title: ShortText
    date: IsoDate | None = None
    on_behalf_of: ShortText | None = Field(
        default=None, description='Signed for someone else, e.g. "the Director of Adult Social Services".'
    )


class Signatures(Strict):
    person: Signature | None = None
    carer: Signature | None = None
    authority: AuthoritySignature | None = None
    unsigned_reason: Text | None = None
    default_agreement_notice_date: IsoDate | None = Field(
        default=None, description="Kent 17.3: plan treated as agreed two weeks after this date if not returned."
    )


class ChargingScenario(str, Enum):
    pending = "pending"
    assessed = "assessed"
    nil = "nil"
    full_cost = "full_cost"
    s117 = "s117"
    deferred_payment = "deferred_payment"


class DeferredStatus(str, Enum):
    offered = "offered"
    in_place = "in_place"


class DeferredPaymentAgreement(Strict):
    """A deferred payment agreement (Care Act s34; SI 2014/2671): offered, or in place."""

    status: DeferredStatus
    start_date: IsoDate | None = Field(default=None, description="When the agreement started (in place).")
    weekly_amount: Money | None = Field(default=None, description="The amount deferred each week.")
    interest_rate: Rate | None = Field(default=None, description="Interest a year, in per cent, e.g. 4.15.")
    interest_rate_until: IsoDate | None = Field(
        default=None, description="The rate is reset every 1 January and 1 July: the date this rate runs to."
    )
    setup_fee: Money | None = Field(default=None, description="The one-off fee for setting up the agreement.")
    setup_fee_added_to_debt: bool = False


class IncomeLine(Strict):
    label: ShortText
    weekly: Money


class FinancialAssessment(Strict):
    """The outcome of the financial assessment, from which the charging letter is written."""

    scenario: ChargingScenario
    assessment_date: IsoDate | None = None
    charge_from: IsoDate | None = None
    weekly_charge: Money | None = None
    weekly_care_cost: Money | None = None
    income: list[IncomeLine] = items(30)
    allowances: list[IncomeLine] = items(30)
    disability_related_expenditure: Money | None = None
    housing_costs: Money | None = None
    capital: Money | None = None
    tariff_income: Money | None = None
    arrangement_fee: Money | None = None
    refused_assessment: bool = False
    property_value: Money | None = None
    deferred_payment: DeferredPaymentAgreement | None = None
    charging_information_given: IsoDate | None = None
    letter_issued: IsoDate | None = None


class Plan(Strict):
    """A care and support plan, a carer's support plan, or a combined plan."""

    schema_version: Literal["1.0"]
    plan_type: PlanType
    status: PlanStatus
    plan_id: ShortText
    plan_date: IsoDate = Field(description="The date the plan was written; the document date.")
    plan_event: PlanEvent = PlanEvent.new
    person: Person
    carer: Person | None = Field(default=None, description="Combined plan: the carer.")
    cared_for: CaredFor | None = Field(default=None, description="Carer's plan: the person cared for.")
    carer_wishes: CarerWishes | None = None
    needs: list[Need] | None = Field(default=None, max_length=200)
    outcomes: list[Outcome] | None = Field(default=None, max_length=200)
    services: list[Service] = items()
    personal_budget: PersonalBudget | None = None
    direct_payment: DirectPayment | None = None
    advice: Advice | None = None
    contingency: Contingency | None = None
    other_plans: list[OtherPlan] = items(30)
    s117: S117 | None = None
    accommodation: Accommodation | None = None
    review: Review | None = None
    involvement: Involvement | None = None
    signatures: Signatures | None = None
    correspondence: Correspondence | None = Field(
        default=None, description="Who letters go to when not the person (an attorney, deputy, appointee)."
    )
    financial_assessment: FinancialAssessment | None = None

    def need(self, need_id: str) -> Need | None:
        """The need with this id, if any."""
        return next((n for n in self.needs or [] if n.id == need_id), None)
