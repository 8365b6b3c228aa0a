"""Building blocks shared by every published record: strict base model, money, text limits.

Every model forbids unknown fields, so a misspelt field is a schema error rather than
data silently dropped; every string and list has an upper bound, so one hostile record
cannot exhaust memory or produce a thousand-page document.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

#: Short labels: names, references, roles.
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
#: Sentences and paragraphs written by a practitioner or the person.
Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
#: A stable identifier used to link needs, outcomes and services.
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
#: Money in pounds: never a float, never negative, at most two decimal places.
Money = Annotated[Decimal, Field(ge=0, le=Decimal("10000000"), decimal_places=2, max_digits=10)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: Any) -> Any:
    """A date is written YYYY-MM-DD: not a timestamp, a number or a date and time."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


#: A calendar date, ISO 8601 (``2027-01-05``) and nothing looser.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]

#: Upper bound for lists of needs, outcomes, services, contacts...
MAX_ITEMS = 200


def items(max_length: int = MAX_ITEMS) -> Field:  # type: ignore[valid-type]
    """A bounded list field that defaults to empty."""
    return Field(default_factory=list, max_length=max_length)


class Strict(BaseModel):
    """Base for every published model: unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)


class Period(str, Enum):
    """The period a sum of money covers; every amount states one."""

    weekly = "weekly"
    four_weekly = "four_weekly"
    annual = "annual"


class Address(Strict):
    """A UK postal address: lines then postcode, as it would appear on an envelope."""

    lines: list[ShortText] = Field(min_length=1, max_length=6)
    postcode: Annotated[str, StringConstraints(min_length=5, max_length=8)]


class Contact(Strict):
    """Someone the reader may need to reach: a relative, a provider, a duty team."""

    name: ShortText
    relationship: ShortText | None = None
    phone: ShortText | None = None
    email: ShortText | None = None
