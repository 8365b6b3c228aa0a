"""Reading batch input: JSON Lines, or CSV with a column mapping (finance systems export CSV).

The whole file is read once before the first letter (:func:`read_records`): bytes that are
not UTF-8 (the likely encoding named, with how to save the file as UTF-8), a CSV quote that opens and never closes (swallowing the rows after it), a field
over the csv module's limit or a header without a mapped column stop the batch there, with
exit 2 and the line to look at, before any output exists. That pass streams and keeps only
counts. Then each record comes out as (line number, raw JSON bytes) or (line number, error):
a bad record is a failure of that record, never of the batch.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctool.datafiles import load_toml
from doctool.errors import ConfigError, InputError
from doctool.loading import MAX_INPUT_BYTES

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Record:
    """One input record: where it came from, its bytes, or why it could not be read."""

    line: int
    raw: bytes | None
    error: str = ""


def _physical_lines(path: Path, limit: int) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, bytes) for each line of the file, streamed; ``None`` for
    a line longer than ``limit`` bytes, whose bytes are read past but never held."""
    with open(path, "rb") as fh:
        offset = 0
        for number in itertools.count(1):
            line = fh.readline(limit + 1)
            if not line:
                return
            start = offset
            offset += len(line)
            if len(line) > limit and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):
                    line = fh.readline(1 << 20)
                    offset += len(line)
                yield number, start, None
            else:
                yield number, start, line


_UTF16 = (b"\xff\xfe", b"\xfe\xff")
EXCEL_ADVICE = "In Excel: File > Save As, and choose 'CSV UTF-8 (Comma delimited) (*.csv)' as the type."


def likely_encoding(line: bytes, bad: int, number: int) -> str:
    """Words naming the encoding a line that is not UTF-8 was probably saved in, judged from
    that line alone (never converted: a guess is not a letter)."""
    if number == 1 and line.startswith(_UTF16):
        return "It looks like UTF-16 (what Excel calls 'Unicode Text')."
    try:
        line.decode("cp1252")
    except UnicodeDecodeError:
        return "It is not Windows-1252 either: it may be in another encoding, or not a text file."
    byte = line[bad]
    shown = bytes([byte]).decode("cp1252")
    what = f" (byte 0x{byte:02x} is {shown!r} there)" if byte in (0xA3, 0x80, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97) else ""
    return (f"It looks like Windows-1252{what}, the encoding Excel and many finance systems use when "
            "they save 'CSV (Comma delimited)' on Windows.")


def _decode(line: bytes, number: int, offset: int, name: str) -> str:
    """A line as text; InputError naming the line and byte offset of the first byte that is
    not UTF-8 (a file saved as Windows-1252 or Latin-1 somewhere in the middle), the
    encoding it is likely in and how to save it as UTF-8. It is never converted here."""
    first = number == 1 and line.startswith(_BOM)
    try:
        return line[3:].decode("utf-8") if first else line.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start + (3 if first else 0)
        advice = f" {EXCEL_ADVICE}" if name.lower().endswith(".csv") else ""
        raise InputError(
            f"{name} is not UTF-8 text: byte 0x{line[bad]:02x} at byte offset {offset + bad:,} "
            f"(line {number}) cannot be read. {likely_encoding(line, bad, number)} Save the file as UTF-8 and "
            f"run the batch again.{advice} doctool does not convert it itself, so no letter is made from a "
            "guess about its characters."
        ) from None


# --- JSON Lines -------------------------------------------------------------------------


def _check_jsonl(path: Path) -> int:
    """Read the whole file once: every line must be UTF-8. Returns the number of records."""
    records = 0
    for number, offset, line in _physical_lines(path, MAX_INPUT_BYTES):
        if line is None:
            records += 1  # too large: that record's failure, not the batch's
        elif line.strip():
            _decode(line, number, offset, path.name)
            records += 1
    return records


def _jsonl(path: Path) -> Iterator[Record]:
    for number, _offset, line in _physical_lines(path, MAX_INPUT_BYTES):
        if line is None:
            yield Record(number, None, f"record is larger than {MAX_INPUT_BYTES:,} bytes")
        elif line.strip():
            yield Record(number, (line[3:] if number == 1 and line.startswith(_BOM) else line).strip())


# --- CSV ----------------------------------------------------------------------------------


def set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``recipient.address.lines[1]`` in nested dicts and lists, creating as needed."""
    steps = dotted.split(".")
    node: Any = target
    for i, step in enumerate(steps):
        m = _STEP.fullmatch(step)
        if not m:
            raise ConfigError(f"mapping path {dotted!r} is not valid at {step!r}")
        key, index = m.group(1), m.group(2)
        last = i == len(steps) - 1
        if index is None:
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            seq = node.setdefault(key, [])
            idx = int(index)
            while len(seq) <= idx:
                seq.append(None)
            if last:
                seq[idx] = value
            else:
                if seq[idx] is None:
                    seq[idx] = {}
                node = seq[idx]


def _compact(value: Any) -> Any:
    """Drop list holes left by empty optional columns (an address with 3 of 6 lines)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not None]
    return value


@dataclass(frozen=True)
class Mapping:
    """CSV column -> record field path, plus fixed values every record gets."""

    columns: dict[str, str]
    defaults: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Mapping:
        raw = load_toml(path)
        columns = raw.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(f"{path}: a [columns] table mapping CSV headings to record fields is required")
        return cls({str(k): str(v) for k, v in columns.items()}, dict(raw.get("defaults", {})))

    def to_record(self, row: dict[str, str]) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(json.dumps(self.defaults))
        for column, path in self.columns.items():
            value = (row.get(column) or "").strip()
            if value:
                set_path(record, path, value)
        return {k: _compact(v) for k, v in record.items()}


def _csv_rows(path: Path) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) for each CSV row, the header included; InputError (naming the
    line) for text that is not UTF-8, a quote that never closes or closes in the middle of
    a field, a NUL byte, or a field over the csv module's limit."""
    name = path.name
    where = [1, 1]  # the line a row starts on, and the last line read

    def lines() -> Iterator[str]:
        for number, offset, line in _physical_lines(path, MAX_INPUT_BYTES):
            where[1] = number
            if line is None:
                raise InputError(f"{name}: line {number} is longer than {MAX_INPUT_BYTES:,} bytes")
            yield _decode(line, number, offset, name)

    reader = csv.reader(lines(), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, last = where[0], where[1]
            text = str(exc)
            if "field limit" in text:
                raise InputError(
                    f"{name}: the row starting on line {start} has a field over the limit of {csv.field_size_limit():,} "
                    "characters (a quote that never closes makes one field of the rest of the file)"
                ) from None
            if "end of data" in text:
                raise InputError(
                    f"{name}: line {start}: a quoted field opens here and never closes (it runs to the end of the file, "
                    "swallowing the rows after it); close or remove the quote"
                ) from None
            if "NUL" in text:
                raise InputError(f"{name}: line {last} contains a NUL byte") from None
            raise InputError(
                f"{name}: line {start}: a quoted field is not closed properly (seen on line {last}: {text}); "
                "a stray quote swallows the rows after it"
            ) from None
        yield where[0], reader.line_num, row
        where[0] = reader.line_num + 1


RUNAWAY = "a quoted field runs on over the rows after it"


def _row_problem(fields: list[str], width: int, start: int, end: int) -> str:
    """Why a CSV row cannot be trusted as one record: rows swallowed by a quote (a row over
    several lines with the wrong number of fields, or a line inside a field that looks like
    a row of its own), or columns shifted. Empty when the row is sound."""
    if end > start and (len(fields) != width or any(part.count(",") >= width - 1 for f in fields for part in f.splitlines())):
        return RUNAWAY
    if len(fields) != width:
        return f"the row has {len(fields)} fields and the header {width}: a value with an unquoted comma (or a missing one) shifts the columns after it"
    return ""


def _check_csv(path: Path, mapping: Mapping) -> int:
    """Read the whole CSV once before any letter; returns the number of records."""
    rows = _csv_rows(path)
    _, _, header = next(rows, (1, 1, []))
    missing = [c for c in mapping.columns if c not in header]
    if missing:
        raise InputError(f"{path.name}: the CSV has no column(s) {', '.join(repr(m) for m in missing)} named in the mapping")
    records = 0
    for start, end, fields in rows:
        if fields and _row_problem(fields, len(header), start, end) == RUNAWAY:
            raise InputError(
                f"{path.name}: line {start}: a quoted field opens here and runs on to line {end}, swallowing the rows "
                f"between; close or remove the quote"
            )
        records += 1 if fields else 0
    return records


def _csv(path: Path, mapping: Mapping) -> Iterator[Record]:
    rows = _csv_rows(path)
    _, _, header = next(rows, (1, 1, []))
    for start, end, fields in rows:
        if not fields:
            continue
        problem = _row_problem(fields, len(header), start, end)
        if problem:
            yield Record(start, None, problem)
            continue
        try:
            yield Record(start, json.dumps(mapping.to_record(dict(zip(header, fields)))).encode())
        except ConfigError as exc:
            yield Record(start, None, exc.message)


class Records:
    """A batch's input, checked whole: iterate for the records (read again as a stream);
    ``count`` is how many there are."""

    def __init__(self, path: Path, mapping: Mapping | None, count: int) -> None:
        self.path, self.mapping, self.count = path, mapping, count

    def __iter__(self) -> Iterator[Record]:
        return _csv(self.path, self.mapping) if self.mapping else _jsonl(self.path)

    def __len__(self) -> int:
        return self.count


def read_records(path: Path, mapping_path: Path | None = None) -> Records:
    """Records from a .jsonl or .csv file, read whole once first. Raises InputError when the
    file cannot be read, before any record is given out."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    if path.suffix.lower() == ".csv":
        if mapping_path is None:
            raise InputError("a CSV input needs --mapping MAP.toml naming the field for each column")
        mapping = Mapping.load(mapping_path)
        return Records(path, mapping, _check_csv(path, mapping))
    return Records(path, None, _check_jsonl(path))
