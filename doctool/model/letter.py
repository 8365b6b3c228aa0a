"""The charging letter record: one person's letter, on its own or derived from a plan.

Bulk runs (every April, when charges are uprated) start from one small record per
person rather than a whole plan. ``record_type`` tells doctool which kind of record a
file holds; a plan has none. The financial fields are the plan's own
:class:`~doctool.model.plan.FinancialAssessment`, so a finance system writes them once
in one shape, and a finding's path (``$.financial_assessment.weekly_charge``) means the
same thing in a plan and in a letter record.

The address is deliberately loose here: a bad address (too many lines, no postcode, a
line Notify would refuse) is a CL-ADDRESS-... finding with its line number, not a schema
error, so a bulk run can list it beside the other problems.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from doctool.model.common import IsoDate, LoosePostcode, Money, ShortText, Strict, Text, items
from doctool.model.plan import FinancialAssessment, LegalAuthority, RecipientRole

LETTER_SCHEMA_VERSION = "1.0"


class LetterAddress(Strict):
    """The postal address printed in the envelope window: lines, then the postcode."""

    lines: list[ShortText] = Field(default_factory=list, max_length=12)
    postcode: LoosePostcode


class Recipient(Strict):
    """Who the letter is addressed to: the person, or their attorney, deputy or appointee."""

    name: ShortText
    address: LetterAddress | None = None
    salutation: ShortText | None = Field(
        default=None, description='How the letter greets them, e.g. "Mrs Dawson". Default: their name.'
    )
    role: RecipientRole = Field(
        default=RecipientRole.person,
        description="The person themselves, or who acts for them: attorney, deputy, appointee, representative.",
    )
    authority: LegalAuthority | None = Field(
        default=None, description="For an attorney, deputy or appointee: the power they hold."
    )


class ContactOfficer(Strict):
    """The officer the reader contacts about this letter."""

    name: ShortText
    job_title: ShortText | None = None
    phone: ShortText | None = Field(default=None, description="Default: the council's phone number.")
    email: ShortText | None = Field(default=None, description="Default: the council's email address.")


class PaymentMethod(str, Enum):
    direct_debit = "direct_debit"
    invoice = "invoice"


class ChargedService(Strict):
    """A service the letter names: s117 after-care is free; other services are charged as usual."""

    description: Text
    weekly_cost: Money | None = None
    s117: bool = False


class LetterRecord(Strict):
    """A charging letter (the written record of a financial assessment, Care Act s17(6))."""

    record_type: Literal["charging_letter"]
    schema_version: Literal["1.0"]
    reference: ShortText = Field(description="The person's reference, printed on the letter and the slip.")
    letter_date: IsoDate = Field(description="The date the letter is issued; it picks the charging figures in force.")
    recipient: Recipient
    person_name: ShortText | None = Field(
        default=None,
        description="The person the care is for, when the letter goes to someone else (an attorney, a deputy): "
        "the letter says it is about their care, and the slip is signed on their behalf.",
    )
    financial_assessment: FinancialAssessment
    services: list[ChargedService] = items(50)
    payment_method: PaymentMethod | None = Field(
        default=None, description="How the person pays now, if known: Direct Debit or an invoice every 4 weeks."
    )
    contact: ContactOfficer | None = None
