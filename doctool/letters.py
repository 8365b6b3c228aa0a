"""Charging letters from plans and reviews: their financial assessment as a :class:`LetterRecord`.

A letter made from a plan or a review and one made from a standalone record go through the same
checks, view and templates, so the two can never disagree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from doctool.formatting import PENNY
from doctool.model.common import Address
from doctool.model.letter import ChargedService, ContactOfficer, LetterAddress, LetterRecord, Recipient
from doctool.model.plan import Correspondence, FinancialAssessment, Person, Plan, RecipientRole
from doctool.model.review import ReviewPerson, ReviewRecord

Named = Person | ReviewPerson
"""Who a letter can be about: the person in a plan or in a review record."""


def person_title_name(person: Named) -> str:
    """The person's name as a letter names them: "Mrs Dorothy May Aldridge-Blake"."""
    return f"{person.title} {person.full_name}" if person.title else person.full_name


def salutation_for(person: Named) -> str:
    """How a letter greets the person: the form of address they prefer, else their title
    and surname ("Mrs Aldridge-Blake"), else (with no title recorded) their name."""
    if person.form_of_address:
        return person.form_of_address
    if person.title:
        return f"{person.title} {person.full_name.split()[-1]}"
    return person.full_name


def _letter_address(address: Address | None) -> LetterAddress | None:
    if address is None:
        return None
    return LetterAddress.model_construct(lines=list(address.lines), postcode=address.postcode)

#: Largest weekly cost a letter shows for one service (the schema's money limit).
_MAX_MONEY = Decimal("10000000")


def _weekly(unit_cost: Decimal, units: Decimal) -> Decimal | None:
    cost = (unit_cost * units).quantize(PENNY)
    return cost if cost <= _MAX_MONEY else None


def _addressee(person: Named, to: Correspondence | None) -> tuple[Recipient, str | None]:
    """Who the letter goes to, and (when that is not the person) whose care it is about.

    The person at their address, or, when the record names someone who deals with their
    correspondence (an attorney, a deputy, an appointee), them at theirs (the person's,
    if none is recorded).
    """
    if to is not None and to.role is not RecipientRole.person:
        recipient = Recipient.model_construct(
            name=to.name,
            address=_letter_address(to.address or person.address),
            salutation=to.salutation or to.name,
            role=to.role,
            authority=to.authority,
        )
        return recipient, person_title_name(person)
    recipient = Recipient.model_construct(
        name=person_title_name(person),
        address=_letter_address(person.address),
        salutation=salutation_for(person),
        role=RecipientRole.person,
        authority=None,
    )
    return recipient, None


def _record(
    reference: str, letter_date: date, addressee: tuple[Recipient, str | None], fa: FinancialAssessment,
    services: list[ChargedService], contact: ContactOfficer | None,
) -> LetterRecord:
    # built from already validated parts, so no second validation (which could only fail
    # on limits the record itself does not have, such as the number of services)
    return LetterRecord.model_construct(
        record_type="charging_letter",
        schema_version="1.0",
        reference=reference,
        letter_date=letter_date,
        recipient=addressee[0],
        person_name=addressee[1],
        financial_assessment=fa,
        services=services,
        payment_method=None,
        contact=contact,
    )


def letter_from_plan(plan: Plan) -> LetterRecord:
    """The charging letter record for ``plan``, which must have a financial assessment.

    It goes to the person or to who deals with their correspondence (:func:`_addressee`).
    It is dated when the plan says the letter was issued, or else on the plan date. The
    contact officer is the council representative who signed the plan, or else the reviewer.
    """
    fa = plan.financial_assessment
    if fa is None:
        raise ValueError("the plan has no financial assessment")
    person = plan.person
    addressee = _addressee(person, plan.correspondence)
    s117_ids = set(plan.s117.service_ids) if plan.s117 and plan.s117.applies else set()
    services = [
        ChargedService.model_construct(
            description=f"{s.type}: {s.description}",
            weekly_cost=_weekly(s.unit_cost, s.units_per_week),
            s117=s.s117 or s.id in s117_ids,
        )
        for s in plan.services
    ]
    contact = None
    authority = plan.signatures.authority if plan.signatures else None
    if authority:
        contact = ContactOfficer.model_construct(name=authority.name, job_title=authority.job_title, phone=None, email=None)
    elif plan.review and plan.review.reviewer:
        contact = ContactOfficer.model_construct(name=plan.review.reviewer, job_title=None, phone=None, email=None)
    return _record(person.reference, fa.letter_issued or plan.plan_date, addressee, fa, services, contact)


def letter_from_review(review: ReviewRecord) -> LetterRecord:
    """The charging letter record for a review that changed what the person pays (its
    ``financial_assessment``): the same letter a plan makes, dated when the letter was
    issued or else on the review date, with the reviewer as the contact officer."""
    fa = review.financial_assessment
    if fa is None:
        raise ValueError("the review has no financial assessment")
    person = review.person
    reviewer = review.reviewer
    contact = (
        ContactOfficer.model_construct(name=reviewer.name, job_title=reviewer.job_title, phone=None, email=None)
        if reviewer
        else None
    )
    addressee = _addressee(person, review.correspondence)
    return _record(person.reference, fa.letter_issued or review.review_date, addressee, fa, list(review.services), contact)


def as_letter(doc: Plan | LetterRecord | ReviewRecord) -> LetterRecord:
    """A letter record as it is, or the one derived from a plan or a review."""
    if isinstance(doc, LetterRecord):
        return doc
    return letter_from_review(doc) if isinstance(doc, ReviewRecord) else letter_from_plan(doc)
