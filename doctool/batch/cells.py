"""What a CSV mapping forgives, and nothing more: UK dates, pound signs and thousands
separators in the cells of date and money fields, and column headings written in another
case or with other spacing.

A finance system's export says ``22/02/2027`` and ``£1,234.50``; the record says
``2027-02-22`` and ``1234.50``. Only the mapping step reads the looser forms, and only in
the fields the letter record types as a date or an amount (found from the record's own
model, so a new date field needs no change here). What the mapping produces is then
validated as strictly as any other record. A cell that is neither form is refused here,
with a message that names what to write, never the cell's value (messages reach the
terminal; the value goes only to ``failures.csv`` in OUTDIR).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from doctool.errors import ConfigError

Kind = Literal["date", "money", "text"]

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")
# [0-9], never \d: a date or an amount is written in ASCII digits, not another script's
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})")
_AMOUNT = re.compile(r"(?:£ ?)?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")

DATE_ADVICE = "write it day first, such as 22/02/2027 (or 22-02-2027, or 2027-02-22)"
MONEY_ADVICE = "write pounds and pence, such as 1234.50, 1,234.50 or £1,234.50"


class CellProblem(ValueError):
    """A cell the mapping cannot read as its field's type; the message never quotes it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message


# --- column headings ----------------------------------------------------------------------


def heading_key(name: str) -> str:
    """A heading as the mapping matches it: case and every space ignored (``"client  REF "``
    matches ``"Client Ref"``)."""
    return "".join(name.split()).casefold()


def suggest(name: str, candidates: list[str]) -> str:
    """``; did you mean 'Post Code'?`` for the candidate closest to ``name``, or nothing."""
    keys = {heading_key(c): c for c in candidates}
    close = difflib.get_close_matches(heading_key(name), list(keys), n=1, cutoff=0.6)
    return f"; did you mean {keys[close[0]]!r}?" if close else ""


# --- which fields are dates and amounts: read from the record's model ----------------------


def _unwrap(annotation: Any) -> Any:
    """``Money | None`` -> Decimal; ``Annotated[date, ...]`` -> date."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def field_kind(model: type[BaseModel], dotted: str) -> Kind:
    """Whether the record field a mapping path names is a date, an amount of money or
    anything else; ConfigError (with the nearest field name) for a path the record does not
    have."""
    node: Any = model
    for step in dotted.split("."):
        m = _STEP.fullmatch(step)
        if not m:
            raise ConfigError(f"mapping path {dotted!r} is not valid at {step!r}")
        key, index = m.group(1), m.group(2)
        if not (isinstance(node, type) and issubclass(node, BaseModel)):
            raise ConfigError(f"mapping path {dotted!r}: {key!r} is inside a field that has no fields of its own")
        fields = node.model_fields
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"mapping path {dotted!r}: the letter record has no field {key!r} there{hint}")
        node = _unwrap(fields[key].annotation)
        if index is not None:
            if typing.get_origin(node) is not list:
                raise ConfigError(f"mapping path {dotted!r}: {key!r} is not a list, so it takes no [{index}]")
            node = _unwrap(typing.get_args(node)[0])
    if isinstance(node, type) and issubclass(node, Decimal):
        return "money"
    if node is dt.date:
        return "date"
    return "text"


# --- reading a cell ------------------------------------------------------------------------


def read_date(text: str, month_first_row: int | None = None) -> str:
    """A date cell as the record writes it (``2027-02-22``). Day first, as in the UK:
    ``22/02/2027`` and ``22-02-2027``; ``2027-02-22`` as it is. Refused: a two-digit year,
    an impossible date, a date written month first, and, in a column where some date is
    written month first (``month_first_row``), any date that could be read either way."""
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        uk = _UK.fullmatch(text)
        if not uk:
            raise CellProblem("CSV-DATE", f"is not a date: {DATE_ADVICE}")
        day, month = int(uk[1]), int(uk[3])
        if len(uk[4]) == 2:
            raise CellProblem("CSV-DATE", "has a two-digit year, which could mean 19.. or 20..: write the year in full, such as 22/02/2027")
        year = int(uk[4])
        if month > 12 and 1 <= day <= 12:
            raise CellProblem(
                "CSV-DATE",
                "is written month first (its second number cannot be a month): dates are read day first, "
                "such as 22/02/2027 for 22 February 2027; export the column as day/month/year or as 2027-02-22",
            )
        if month_first_row is not None and day <= 12 and month <= 12 and day != month:
            raise CellProblem(
                "CSV-DATE",
                f"is ambiguous: this column has a date written month first (row {month_first_row}), so this one could "
                "be day/month or month/day; export the column with dates written as 2027-02-22",
            )
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        what = "there is no month 0 or above 12" if not 1 <= month <= 12 else "that month has no such day"
        raise CellProblem("CSV-DATE", f"is not a real date ({what}); {DATE_ADVICE}") from None


def month_first(text: str) -> bool:
    """A slashed or dashed date whose second number cannot be a month but whose first can:
    evidence that its column was exported month first (US style)."""
    uk = _UK.fullmatch(text)
    return bool(uk) and int(uk[3]) > 12 and 1 <= int(uk[1]) <= 12  # type: ignore[index]


def read_money(text: str) -> str:
    """An amount cell as the record writes it: ``£1,234.50`` -> ``1234.50``. A pound sign
    and thousands separators in their right places are dropped; anything else (a sign,
    letters, ``1.234,50``, ``12,34``) is refused. Pence beyond two places are left for the
    record's own check to refuse."""
    if _AMOUNT.fullmatch(text):
        return text.replace("£", "").replace(",", "").replace(" ", "")
    if text.lstrip("£ ").startswith("-"):
        raise CellProblem("CSV-AMOUNT", "is negative: an amount of money here is never below 0")
    raise CellProblem("CSV-AMOUNT", f"is not an amount of money: {MONEY_ADVICE}")


def read_cell(kind: Kind, text: str, month_first_row: int | None = None) -> str:
    if kind == "date":
        return read_date(text, month_first_row)
    if kind == "money":
        return read_money(text)
    return text
