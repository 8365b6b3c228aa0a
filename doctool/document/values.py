"""Values that know how they are printed and how they are spoken.

A renderer never re-reads a formatted string: "£1,234.50 a week" on paper is
"1,234 pounds 50 a week" in audio because the :class:`Money` value says so, not because
a regular expression found a pound sign. Formatters are pure and live in
:mod:`doctool.formatting`; these small frozen objects carry the raw value beside them
(the pattern of GOV.UK Notify's ``PostalAddress``: policy on a small value object).
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import escape

from doctool.formatting import PERIOD_PHRASE, easy_money, long_date, money

_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()


def spell(text: str) -> str:
    """Characters one by one, as a reference or a postcode is read out: "A S C 1 2"."""
    return " ".join(ch for ch in text if not ch.isspace()).replace(" - ", ", ")


def _pounds_and_pence(amount: Decimal) -> str:
    q = amount.quantize(Decimal("0.01"))
    pounds, pence = divmod(int(q * 100), 100)
    said = f"{pounds:,} pound{'s' if pounds != 1 else ''}"
    return f"{said} {pence}" if pence else said


class _Printed(ABC):
    """A value prints its printed form: ``{{ value }}`` in a template, ``str(value)``."""

    @property
    @abstractmethod
    def printed(self) -> str: ...

    def __str__(self) -> str:
        return self.printed


@dataclass(frozen=True)
class Money(_Printed):
    """A sum of money, optionally over a period (``weekly``, ``four_weekly``, ``monthly``, ``annual``)."""

    amount: Decimal
    period: str | None = None
    whole_pounds: bool = False  # easy read prints "£120" rather than "£120.00"

    @property
    def printed(self) -> str:
        text = easy_money(self.amount) if self.whole_pounds else money(self.amount)
        return f"{text} {PERIOD_PHRASE[self.period]}" if self.period else text

    @property
    def spoken(self) -> str:
        said = _pounds_and_pence(self.amount)
        return f"{said} {PERIOD_PHRASE[self.period]}" if self.period else said


@dataclass(frozen=True)
class Date(_Printed):
    """A calendar date: "5 January 2027" printed and spoken."""

    value: dt.date

    @property
    def printed(self) -> str:
        return long_date(self.value)

    @property
    def spoken(self) -> str:
        return long_date(self.value)


@dataclass(frozen=True)
class Phone(_Printed):
    """A telephone number: printed as recorded (never broken across lines), spoken digit by digit."""

    number: str

    def __html__(self) -> str:
        """In HTML, one unbreakable piece: "01632 960 123" never ends one line and starts the next."""
        return f'<span class="nowrap">{escape(self.number)}</span>'

    @property
    def printed(self) -> str:
        return self.number

    @property
    def spoken(self) -> str:
        groups = re.split(r"[\s-]+", self.number.strip())
        return ", ".join(" ".join(_DIGIT_WORDS[int(c)] if c.isdigit() else c for c in g) for g in groups if g)


@dataclass(frozen=True)
class Email(_Printed):
    """An email address: spoken as "care at testshire dot gov dot uk"."""

    address: str

    @property
    def printed(self) -> str:
        return self.address

    @property
    def spoken(self) -> str:
        return self.address.replace("@", " at ").replace(".", " dot ").replace("-", " dash ").replace("_", " underscore ")


@dataclass(frozen=True)
class Reference(_Printed):
    """A reference, case number or NHS number: spoken character by character."""

    value: str

    @property
    def printed(self) -> str:
        return self.value

    @property
    def spoken(self) -> str:
        return spell(self.value)


@dataclass(frozen=True)
class Postcode(_Printed):
    """A postcode: spoken as its letters and digits, "T S 1, 1 A A"."""

    value: str

    @property
    def printed(self) -> str:
        return self.value

    @property
    def spoken(self) -> str:
        outward, _, inward = self.value.strip().rpartition(" ")
        return f"{spell(outward)}, {spell(inward)}" if outward else spell(inward)


@dataclass(frozen=True)
class Term(_Printed):
    """A hard word that the document explains (easy read's word list): printed in bold."""

    word: str

    def __html__(self) -> str:
        return f"<strong>{escape(self.word)}</strong>"

    @property
    def printed(self) -> str:
        return self.word

    @property
    def spoken(self) -> str:
        return self.word


Value = Money | Date | Phone | Email | Reference | Postcode | Term


@dataclass(frozen=True)
class Phrase(_Printed):
    """Running text made of plain strings and values: "Pay £12.50 a week from 5 May 2027"."""

    parts: tuple[str | Value, ...]

    def __html__(self) -> str:
        """Escaped text, with explained words in bold (what ``{{ phrase }}`` prints in HTML)."""
        return "".join(p.__html__() if isinstance(p, Term | Phone) else str(escape(str(p))) for p in self.parts)

    @property
    def printed(self) -> str:
        return "".join(p if isinstance(p, str) else p.printed for p in self.parts)

    @property
    def spoken(self) -> str:
        return "".join(p if isinstance(p, str) else p.spoken for p in self.parts)


#: Anything a block can hold as text.
Text = str | Value | Phrase

_FIELD = re.compile(r"\{(\w+)\}")


def printed(text: Text) -> str:
    """The printed form of any text."""
    return text if isinstance(text, str) else text.printed


def spoken(text: Text) -> str:
    """The spoken form of any text (what an audio copy or a screen reader should say)."""
    return text if isinstance(text, str) else text.spoken


def fill(pattern: str, **values: Text) -> Text:
    """A wording pattern with its ``{placeholders}`` filled, keeping values as values.

    >>> fill("Pay {amount} from {date}", amount=Money(Decimal(5)), date="now").printed
    'Pay £5.00 from now'
    """
    parts: list[str | Value] = []
    pos = 0
    for match in _FIELD.finditer(pattern):
        if match.group(1) not in values:
            continue  # not ours: left as written
        parts.append(pattern[pos : match.start()])
        value = values[match.group(1)]
        if isinstance(value, Phrase):
            parts.extend(value.parts)
        else:
            parts.append(value)
        pos = match.end()
    parts.append(pattern[pos:])
    kept = tuple(p for p in parts if p != "")
    if all(isinstance(p, str) for p in kept):
        return "".join(kept)  # type: ignore[arg-type]
    return Phrase(kept)
