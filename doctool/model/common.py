"""Building blocks shared by every published record: strict base model, money, text limits.

Every model forbids unknown fields, so a misspelt field is a schema error rather than
data silently dropped; every string and list has an upper bound, so one hostile record
cannot exhaust memory or produce a thousand-page document.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

# --- safe text ----------------------------------------------------------------------------------
#
# A character that cannot be seen, or that changes how the characters around it are shown,
# is refused in every text field: it could make a letter print a reference other than the
# one stored (bidi overrides), make two names look equal that are not (zero-width), or
# break a Word file (control characters and non-characters are not allowed in XML). The
# check runs on the text as written, before whitespace is trimmed, so the position it
# names is the position in the file. Refused, never silently removed; see docs/safe-text.md.

#: Names for the C0 controls, which the Unicode database leaves unnamed.
_C0_NAMES = (
    "NULL START-OF-HEADING START-OF-TEXT END-OF-TEXT END-OF-TRANSMISSION ENQUIRY ACKNOWLEDGE BELL "
    "BACKSPACE CHARACTER-TABULATION LINE-FEED LINE-TABULATION FORM-FEED CARRIAGE-RETURN SHIFT-OUT "
    "SHIFT-IN DATA-LINK-ESCAPE DEVICE-CONTROL-ONE DEVICE-CONTROL-TWO DEVICE-CONTROL-THREE "
    "DEVICE-CONTROL-FOUR NEGATIVE-ACKNOWLEDGE SYNCHRONOUS-IDLE END-OF-TRANSMISSION-BLOCK CANCEL "
    "END-OF-MEDIUM SUBSTITUTE ESCAPE FILE-SEPARATOR GROUP-SEPARATOR RECORD-SEPARATOR UNIT-SEPARATOR"
).split()

#: Bidirectional formatting controls: embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)})
#: Zero-width and other invisible format characters (U+FEFF is the byte order mark).
ZERO_WIDTH = frozenset({0x200B, 0x200C, 0x200D, 0x2060, *range(0x2061, 0x2065), *range(0x206A, 0x2070), 0xFEFF})
#: Zero-width non-joiner and joiner: allowed only between two non-ASCII characters, where
#: Persian, Urdu and Indic spelling and emoji sequences need them (never inside ASCII text
#: such as a reference or a number, where they could only disguise it).
JOINERS = frozenset({0x200C, 0x200D})


def _name(cp: int) -> str:
    if cp < 0x20:
        return _C0_NAMES[cp].replace("-", " ")
    if cp == 0x7F:
        return "DELETE"
    if 0x80 <= cp <= 0x9F:
        return "C1 CONTROL"
    return unicodedata.name(chr(cp), "NONCHARACTER" if is_noncharacter(cp) else "UNNAMED")


def is_noncharacter(cp: int) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE...)."""
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def refused_character(text: str, i: int, multiline: bool) -> str | None:
    """What is wrong with ``text[i]`` ("a control character"...), or None when it may stay."""
    cp = ord(text[i])
    if cp < 0x20 or 0x7F <= cp <= 0x9F:
        if multiline and (cp in (0x09, 0x0A) or (cp == 0x0D and text[i + 1 : i + 2] == "\n")):
            return None  # tab, new line, and a Windows new line (CR LF) in a paragraph
        if cp in (0x09, 0x0A, 0x0D):
            return "a tab or line break, which a one-line field cannot hold"
        return "a control character"
    if cp < 0x061C:
        return None  # the common case, quickly
    if is_noncharacter(cp):
        return "a Unicode non-character"
    if 0xD800 <= cp <= 0xDFFF:
        return "half of a surrogate pair (the text is not valid Unicode)"
    if cp in BIDI_CONTROLS:
        return "an invisible control character"
    if cp in ZERO_WIDTH:
        if cp in JOINERS and 0 < i < len(text) - 1:
            before, after = text[i - 1], text[i + 1]
            if ord(before) > 0x7F and ord(after) > 0x7F and not before.isspace() and not after.isspace():
                if ord(before) not in ZERO_WIDTH | BIDI_CONTROLS and ord(after) not in ZERO_WIDTH | BIDI_CONTROLS:
                    return None
        return "an invisible zero-width character"
    if cp in (0x2028, 0x2029) and not multiline:
        return "a tab or line break, which a one-line field cannot hold"
    return None


#: Every character :func:`refused_character` may refuse (a superset), to skip plain text quickly.
_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ud800-\udfff"
    "\ufdd0-\ufdef\ufeff\ufffe\uffff"
    + "".join(chr(plane * 0x10000 + end) for plane in range(1, 17) for end in (0xFFFE, 0xFFFF))
    + "]"
)


def _check_text(value: Any, multiline: bool) -> Any:
    if not isinstance(value, str):
        return value  # not text: the str type refuses it with its own message
    for found in _SUSPECT.finditer(value):  # only the few characters that may be refused
        i = found.start()
        what = refused_character(value, i, multiline)
        if what:
            cp = ord(value[i])
            # the message names the character, never the text: errors carry no personal data
            raise ValueError(f"contains {what} (U+{cp:04X} {_name(cp)}) at position {i + 1}; remove it")
    return value


def _one_line(value: Any) -> Any:
    return _check_text(value, multiline=False)


def _paragraph(value: Any) -> Any:
    return _check_text(value, multiline=True)


# JSON Schema for the same rule, as far as a pattern can say it. The pattern is never
# stricter than doctool: it allows the joiners U+200C/U+200D anywhere (doctool allows them
# only between non-ASCII characters), and doctool also refuses the non-characters beyond
# the first plane and a lone carriage return, which the pattern does not express.
_COMMON_REFUSED = (
    "\\u007f-\\u009f\\u061c\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f"
    "\\ufeff\\ufdd0-\\ufdef\\ufffe\\uffff"
)
ONE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u2028\\u2029" + _COMMON_REFUSED + "]*$"
PARAGRAPH_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f" + _COMMON_REFUSED + "]*$"


#: Short labels: names, references, roles. One line, no invisible or control characters.
ShortText = Annotated[
    str,
    BeforeValidator(_one_line),
    StringConstraints(min_length=1, max_length=200),
    Field(json_schema_extra={"pattern": ONE_LINE_PATTERN}),
]
#: Sentences and paragraphs written by a practitioner or the person: tabs and new lines
#: allowed, no other control character and nothing invisible.
Text = Annotated[
    str,
    BeforeValidator(_paragraph),
    StringConstraints(min_length=1, max_length=5000),
    Field(json_schema_extra={"pattern": PARAGRAPH_PATTERN}),
]


#: A UK postcode as written on an envelope (the plan's strict address).
Postcode = Annotated[
    str,
    BeforeValidator(_one_line),
    StringConstraints(min_length=5, max_length=8),
    Field(json_schema_extra={"pattern": ONE_LINE_PATTERN}),
]
#: A postcode as a letter record holds it: loose, so a bad one is a finding, but still one safe line.
LoosePostcode = Annotated[
    str,
    BeforeValidator(_one_line),
    StringConstraints(min_length=1, max_length=20),
    Field(json_schema_extra={"pattern": ONE_LINE_PATTERN}),
]


#: A stable identifier used to link needs, outcomes and services.
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]

# --- NHS number -----------------------------------------------------------------------------------

_NHS_NUMBER = re.compile(r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}")


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of an NHS number's first nine digits, or None when there
    is none (a remainder that gives 10: no NHS number starts with those nine digits)."""
    total = sum(int(d) * weight for d, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def _nhs_number(value: Any) -> Any:
    """Ten digits, written together or as 3 3 4 (spaces or hyphens), whose last digit is the
    modulus 11 check digit; kept as ``999 123 4567``. The message never repeats the number."""
    if not isinstance(value, str):
        return value  # the str type refuses it with its own message
    value = value.strip()
    if not _NHS_NUMBER.fullmatch(value):
        raise ValueError("must be an NHS number: 10 digits, written together or in groups of 3, 3 and 4")
    digits = "".join(d for d in value if d.isdigit())
    check = nhs_check_digit(digits[:9])
    if check is None or check != int(digits[9]):
        raise ValueError("is not a valid NHS number: the check digit (the last digit) does not match; "
                         "check the number against the person's NHS record")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


#: An NHS number, checked with its modulus 11 check digit (NHS Data Dictionary).
NhsNumber = Annotated[
    str,
    BeforeValidator(_nhs_number),
    Field(json_schema_extra={"pattern": "^[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}$"}),
]

# --- money ----------------------------------------------------------------------------------------

_MONEY_TEXT = re.compile(r"[0-9]{1,8}(\.[0-9]{1,2})?")
_TOO_MANY_PLACES = re.compile(r"[0-9]+\.[0-9]{3,}")
_MONEY_WORDS = "must be an amount in pounds written with the digits 0-9, such as 120 or 120.50"


class ExponentNumber(Decimal):
    """A JSON number written with an exponent (``1e3``); the loader marks it so Money can refuse it."""


def _money(value: Any) -> Any:
    """The one place money is read: plain digits, an optional point and at most two places.

    A string must be ASCII digits with at most one point and two places after it: no sign,
    spaces, commas, underscores, exponent or other scripts' digits. A JSON number follows
    the same rules (no exponent, never negative, not even -0.00). A bool or a float is refused.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{_MONEY_WORDS} (not true/false or a floating-point number)")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if isinstance(value, str):
        if not _MONEY_TEXT.fullmatch(value):
            if value.lstrip().startswith(("-", "+")):
                raise ValueError("must not be negative or signed: write the amount without a sign, such as 120.50")
            if _TOO_MANY_PLACES.fullmatch(value):
                raise ValueError("must have at most 2 decimal places (pounds and pence)")
            raise ValueError(f"{_MONEY_WORDS}, with at most two places after the point (no sign, spaces, "
                             "commas, underscores or exponent)")
        return Decimal(value)
    if isinstance(value, Decimal):
        if isinstance(value, ExponentNumber):
            raise ValueError(f"{_MONEY_WORDS}, not with an exponent such as 1e3")
        if not value.is_finite():
            raise ValueError(_MONEY_WORDS)
        if value.is_signed():
            raise ValueError("must not be negative")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise ValueError("must have at most 2 decimal places (pounds and pence)")
        return Decimal(value)  # a plain Decimal (never the marker subclass) from here on
    return value  # anything else: the Decimal type refuses it


#: Money in pounds: never a float, never negative, at most two decimal places.
Money = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("10000000"), decimal_places=2, max_digits=10),
    BeforeValidator(_money),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 10000000},
                {"type": "string", "pattern": "^[0-9]{1,8}(\\.[0-9]{1,2})?$"},
            ]
        }
    ),
]

def _rate(value: Any) -> Any:
    """A rate is read like money: digits and a point, never a float, a bool or an exponent."""
    if isinstance(value, (bool, float)) or isinstance(value, ExponentNumber):
        raise ValueError("must be a rate in per cent written with the digits 0-9, such as 4.15")
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3})?", value):
            raise ValueError("must be a rate in per cent written with the digits 0-9, such as 4.15 (no % sign)")
        return Decimal(value)
    return value


#: A rate in per cent (an interest rate): 0 to 100, at most three decimal places, never a float.
Rate = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("100"), decimal_places=3, max_digits=6),
    BeforeValidator(lambda v: _rate(v)),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100},
                {"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,3})?$"},
            ]
        }
    ),
]

# --- dates ----------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: The dates a care plan or letter can sensibly hold. Outside them a date is a typing slip,
#: and keeping far from the calendar's ends (year 1 and 9999) means no date arithmetic
#: (a review 12 months on, a deadline 14 days on) can overflow.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def _iso_date_only(value: Any) -> Any:
    """A date is written YYYY-MM-DD: not a timestamp, a number or a date and time."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _sane_date(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError("must be a date between 1900-01-01 and 2199-12-31")
    return value


#: A calendar date, ISO 8601 (``2027-01-05``) and nothing looser, from 1900 to 2199.
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date_only),
    AfterValidator(_sane_date),
]

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
    postcode: Postcode


class Contact(Strict):
    """Someone the reader may need to reach: a relative, a provider, a duty team."""

    name: ShortText
    relationship: ShortText | None = None
    phone: ShortText | None = None
    email: ShortText | None = None
