"""Read a JSON document from bytes or a file into a validated model, or fail with field paths.

The path from raw bytes to a model is the only way data enters doctool, so the input
size limit, strict JSON parsing and the translation of pydantic errors into JSON paths
all live here.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from doctool.errors import FieldError, InputError
from doctool.model.common import ExponentNumber
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan
from doctool.model.review import ReviewRecord

#: Records other than plans, by their ``record_type`` (a plan has no record_type).
RECORD_TYPES: dict[str, type[BaseModel]] = {"charging_letter": LetterRecord, "review": ReviewRecord}

#: Largest input accepted; a real plan is a few tens of kilobytes.
MAX_INPUT_BYTES = int(os.environ.get("DOCTOOL_MAX_INPUT_BYTES", 2_000_000))

#: Plain wording for the pydantic error types a practitioner will meet most.
_PLAIN = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a field of this schema (check the spelling)",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD",
    "decimal_max_places": "must have at most 2 decimal places (pounds and pence)",
    "greater_than_equal": "must not be negative",
}


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,60}$")


def json_path(loc: tuple[str | int, ...]) -> str:
    """``('needs', 2, 'domain')`` -> ``$.needs[2].domain``.

    A key that is not a plain name (an unknown field the input made up) is shown quoted,
    ASCII-escaped and shortened, so hostile keys cannot garble a terminal or a log.
    """
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}"
        else:
            shown = part if len(part) <= 60 else part[:60] + "..."
            out += f"[{json.dumps(shown)}]"
    return out


def _field_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = _PLAIN.get(err["type"], err["msg"])
        if err["type"] == "value_error":  # our own validators' words, without pydantic's prefix
            message = str(err.get("ctx", {}).get("error", message))
        if err["type"] == "greater_than_equal" and err.get("ctx", {}).get("ge") not in (0, "0"):
            message = err["msg"]
        if err["type"] in ("too_long", "string_too_long"):  # said in characters or items, never "Value should have"
            ctx = err.get("ctx", {})
            unit = "items" if ctx.get("field_type") == "List" else "characters"
            message = f"is too long: at most {ctx.get('max_length')} {unit}"
            if "actual_length" in ctx:
                message += f", not {ctx['actual_length']}"
        errors.append(FieldError(json_path(loc), message))
    return errors


def parse_json(raw: bytes) -> Any:
    """Parse bytes as JSON, refusing oversized input; numbers with a point become Decimal."""
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"input is {len(raw):,} bytes; the limit is {MAX_INPUT_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 text (byte {exc.start})") from None
    try:
        marked: list[_Duplicates] = []
        data = json.loads(
            text, parse_float=_number, parse_constant=_reject_constant, object_pairs_hook=lambda p: _object(p, marked)
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply") from None
    except ValueError:
        # e.g. an integer with more digits than Python will convert (sys.get_int_max_str_digits)
        raise InputError("invalid JSON: a number is too long") from None
    if marked:
        _refuse_duplicate_keys(data)
    return data


def _number(text: str) -> Decimal:
    """A JSON number with a point or an exponent, as an exact Decimal (marked when it has an exponent)."""
    return ExponentNumber(text) if "e" in text or "E" in text else Decimal(text)


class _Duplicates(dict):  # type: ignore[type-arg]
    """An object in which a key appeared more than once (``keys_twice`` lists those keys)."""

    keys_twice: list[str]


def _object(pairs: list[tuple[str, Any]], marked: list[_Duplicates]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    twice: dict[str, None] = {}  # in order of first repetition, each once
    for key, _ in pairs:
        if key in seen:
            twice[key] = None
        seen.add(key)
    dup = _Duplicates(obj)
    dup.keys_twice = list(twice)
    marked.append(dup)
    return dup


def _refuse_duplicate_keys(data: Any) -> None:
    """A key twice in one object is an error at its path: JSON readers differ on which one wins."""
    errors: list[FieldError] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:  # iterative: a deeply nested document must not exhaust the stack here
        loc, node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _Duplicates):
                errors += [
                    FieldError(json_path((*loc, key)), "appears more than once in the same object; keep only one")
                    for key in node.keys_twice
                ]
            stack.extend(((*loc, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*loc, i), v) for i, v in enumerate(node))
    if errors:
        errors.sort(key=lambda e: e.path)
        raise InputError(f"invalid JSON: {len(errors)} key(s) appear more than once in the same object", errors)


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not allowed", name, 0)


def validate_data(data: Any, model: type[BaseModel]) -> BaseModel:
    """Validate parsed JSON against ``model``, translating errors into field paths."""
    if not isinstance(data, dict):
        raise InputError("the document must be a JSON object", [FieldError("$", "must be a JSON object")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _field_errors(exc)
        raise InputError(f"the document does not fit the schema ({len(errors)} problem(s))", errors) from None


def read_bytes(path: Path) -> bytes:
    """Read a file with the size limit applied before the whole file is in memory."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"{path} is larger than the limit of {MAX_INPUT_BYTES:,} bytes")
    return raw


def load_plan_bytes(raw: bytes) -> Plan:
    """Bytes -> validated :class:`Plan`."""
    return validate_data(parse_json(raw), Plan)  # type: ignore[return-value]


def load_plan(path: Path) -> Plan:
    """A file -> validated :class:`Plan`."""
    return load_plan_bytes(read_bytes(path))


def load_document_bytes(raw: bytes) -> Plan | LetterRecord | ReviewRecord:
    """Bytes -> a validated :class:`Plan`, or the record its ``record_type`` names."""
    data = parse_json(raw)
    if isinstance(data, dict) and "record_type" in data:
        model = RECORD_TYPES.get(data["record_type"]) if isinstance(data["record_type"], str) else None
        if model is None:
            known = ", ".join(sorted(RECORD_TYPES))
            message = f"must be one of: {known} (a plan has no record_type)"
            raise InputError("unknown record_type", [FieldError("$.record_type", message)])
        return validate_data(data, model)  # type: ignore[return-value]
    return validate_data(data, Plan)  # type: ignore[return-value]


def load_document(path: Path) -> Plan | LetterRecord | ReviewRecord:
    """A file -> a validated plan or record."""
    return load_document_bytes(read_bytes(path))
