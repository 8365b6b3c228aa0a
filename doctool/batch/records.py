"""Reading batch input: JSON Lines, or CSV with a column mapping (finance systems export CSV).

The whole file is read once before the first letter (:func:`read_records`): bytes that are
not UTF-8 (the likely encoding named, with how to save the file as UTF-8), a CSV quote that
opens and never closes (swallowing the rows after it), a field over the csv module's limit
or a header without a mapped column (the nearest heading suggested) stop the batch there,
with exit 2 and the line to look at, before any output exists. That pass streams and keeps
only counts. Then each record comes out as (line number, raw JSON bytes) or (line number,
error): a bad record is a failure of that record, never of the batch.

A CSV record also says where each of its fields came from (:attr:`Record.cells`: JSON path
-> column heading and the cell as given), so a failure can name the row and column, and
which cells the mapping could not read (:attr:`Record.problems`, see
:mod:`doctool.batch.cells`): its other cells are still validated, so one pass lists every
problem of the row.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doctool.batch.cells import CellProblem, Kind, field_kind, heading_key, month_first, read_cell, suggest
from doctool.datafiles import load_toml
from doctool.errors import ConfigError, InputError
from doctool.loading import MAX_INPUT_BYTES
from doctool.model.letter import LetterRecord

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Cell:
    """Where a CSV record's field came from: the column's heading in the file, and the cell
    as given (personal data: it goes only into the report files in OUTDIR)."""

    column: str
    value: str


@dataclass(frozen=True)
class Problem:
    """A cell the mapping could not read as its field's type (a date, an amount)."""

    rule: str
    path: str  # the JSON path of the field it was for
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class Record:
    """One input record: where it came from, its bytes, or why it could not be read.

    For a CSV row, ``cells`` maps each JSON path the row filled to its column and cell, and
    ``problems`` lists the cells the mapping could not read (``raw`` is then the record
    without them: the record fails, and its other fields are still checked)."""

    line: int
    raw: bytes | None
    error: str = ""
    cells: dict[str, Cell] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


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


@functools.lru_cache(maxsize=1024)
def _steps(dotted: str) -> tuple[tuple[str, int | None], ...]:
    """``recipient.address.lines[1]`` as (key, index) steps, parsed once per mapping path."""
    steps = []
    for step in dotted.split("."):
        m = _STEP.fullmatch(step)
        if not m:
            raise ConfigError(f"mapping path {dotted!r} is not valid at {step!r}")
        steps.append((m.group(1), None if m.group(2) is None else int(m.group(2))))
    return tuple(steps)


def set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``recipient.address.lines[1]`` in nested dicts and lists, creating as needed."""
    steps = _steps(dotted)
    node: Any = target
    for i, (key, idx) in enumerate(steps):
        last = i == len(steps) - 1
        if idx is None:
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            seq = node.setdefault(key, [])
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


class _Placed:
    """A cell's value on its way into the record, remembering its cell (see ``to_record``)."""

    __slots__ = ("cell", "value")

    def __init__(self, value: str, cell: Cell) -> None:
        self.value, self.cell = value, cell


def _unplace(value: Any, path: str, cells: dict[str, Cell]) -> Any:
    """The record without its ``_Placed`` markers; ``cells`` gets the JSON path each cell
    ended up at (after ``_compact``: "Address 3" is lines[1] when "Address 2" is empty)."""
    if isinstance(value, _Placed):
        cells[path] = value.cell
        return value.value
    if isinstance(value, dict):
        return {k: _unplace(v, f"{path}.{k}", cells) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplace(v, f"{path}[{i}]", cells) for i, v in enumerate(value)]
    return value


@dataclass(frozen=True)
class Column:
    """One mapped column as found in a file's heading row."""

    heading: str  # as the file writes it
    index: int
    path: str  # the record field, dotted
    kind: Kind


@dataclass(frozen=True)
class Mapping:
    """CSV column -> record field path, plus fixed values every record gets. Headings
    match whatever their case and spacing; a date or money field's cells may be written
    the UK way (see :mod:`doctool.batch.cells`)."""

    columns: dict[str, str]
    defaults: dict[str, Any]
    kinds: dict[str, Kind] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Mapping:
        raw = load_toml(path)
        columns = raw.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(f"{path}: a [columns] table mapping CSV headings to record fields is required")
        columns = {str(k): str(v) for k, v in columns.items()}
        seen: dict[str, str] = {}
        for heading in columns:
            if heading_key(heading) in seen:
                raise ConfigError(f"{path}: columns {seen[heading_key(heading)]!r} and {heading!r} are the same heading "
                                  "(headings match whatever their case and spaces)")
            seen[heading_key(heading)] = heading
        try:
            kinds = {heading: field_kind(LetterRecord, dotted) for heading, dotted in columns.items()}
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc.message}") from None
        return cls(columns, dict(raw.get("defaults", {})), kinds)

    def bind(self, header: list[str], name: str) -> list[Column]:
        """The mapping's columns as found in a heading row, whatever their case and spacing.
        InputError for a mapped column the file does not have (the nearest heading it does
        have suggested), or a heading the file has twice."""
        where: dict[str, list[int]] = {}
        for i, heading in enumerate(header):
            where.setdefault(heading_key(heading), []).append(i)
        found: list[Column] = []
        missing: list[str] = []
        for heading, dotted in self.columns.items():
            indexes = where.get(heading_key(heading), [])
            if not indexes:
                missing.append(heading)
                continue
            if len(indexes) > 1:
                raise InputError(f"{name}: columns {indexes[0] + 1} and {indexes[1] + 1} of the heading row are both "
                                 f"{heading!r} (case and spaces aside); the mapping cannot tell which to use")
            found.append(Column(header[indexes[0]].strip(), indexes[0], dotted, self.kinds.get(heading, "text")))
        if missing and not found:  # no heading row at all? then the first line is someone's data: never quote it
            named = ", ".join(repr(m) for m in missing[:4]) + (", ..." if len(missing) > 4 else "")
            raise InputError(f"{name}: the first line has none of the columns the mapping names ({named}): the file "
                             "must start with its heading row, and the mapping must be the one for this export")
        if missing:
            used = {c.index for c in found}
            unused = [h.strip() for i, h in enumerate(header) if i not in used]
            named = "; ".join(f"{m!r}{suggest(m, unused)}" for m in missing)
            raise InputError(f"{name}: the CSV has no column(s) named in the mapping: {named}")
        return found

    def to_record(self, fields: list[str], columns: list[Column], month_first_rows: dict[int, int] | None = None,
                  ) -> tuple[dict[str, Any], dict[str, Cell], list[Problem]]:
        """A row as a record, the cell each field came from, and the cells that could not
        be read (left out of the record)."""
        record: dict[str, Any] = json.loads(json.dumps(self.defaults))
        problems: list[Problem] = []
        for col in columns:
            given = fields[col.index]
            value = given.strip()
            if not value:
                continue
            try:
                value = read_cell(col.kind, value, (month_first_rows or {}).get(col.index))
            except CellProblem as exc:
                problems.append(Problem(exc.rule, f"$.{col.path}", col.heading, given, exc.message))
                continue
            set_path(record, col.path, _Placed(value, Cell(col.heading, given)))
        cells: dict[str, Cell] = {}
        record = {k: _unplace(_compact(v), f"$.{k}", cells) for k, v in record.items()}
        return record, cells, problems


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


def _check_csv(path: Path, mapping: Mapping) -> tuple[int, list[Column], list[str], dict[int, int]]:
    """Read the whole CSV once before any letter: the number of records, the mapped columns
    as found, the headings the mapping does not use, and for each date column written
    month first somewhere, the first row that shows it."""
    rows = _csv_rows(path)
    _, _, header = next(rows, (1, 1, []))
    columns = mapping.bind(header, path.name)
    used = {c.index for c in columns}
    unused = [h.strip() for i, h in enumerate(header) if i not in used and h.strip()]
    dates = [c.index for c in columns if c.kind == "date"]
    month_first_rows: dict[int, int] = {}
    records = 0
    for start, end, fields in rows:
        problem = _row_problem(fields, len(header), start, end) if fields else ""
        if problem == RUNAWAY:
            raise InputError(
                f"{path.name}: line {start}: a quoted field opens here and runs on to line {end}, swallowing the rows "
                f"between; close or remove the quote"
            )
        if fields and not problem:
            for i in dates:
                if i not in month_first_rows and month_first(fields[i].strip()):
                    month_first_rows[i] = start
        records += 1 if fields else 0
    return records, columns, unused, month_first_rows


def _csv(path: Path, mapping: Mapping, columns: list[Column], month_first_rows: dict[int, int]) -> Iterator[Record]:
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
            record, cells, problems = mapping.to_record(fields, columns, month_first_rows)
        except ConfigError as exc:
            yield Record(start, None, exc.message)
            continue
        yield Record(start, json.dumps(record).encode(), cells=cells, problems=tuple(problems))


class Records:
    """A batch's input, checked whole: iterate for the records (read again as a stream);
    ``count`` is how many there are. For a CSV, ``columns`` maps each mapped field's JSON
    path to its heading in the file, and ``unused`` lists the file's other headings."""

    def __init__(self, path: Path, mapping: Mapping | None, count: int, columns: list[Column] | None = None,
                 unused: list[str] | None = None, month_first_rows: dict[int, int] | None = None) -> None:
        self.path, self.mapping, self.count = path, mapping, count
        self._columns = columns or []
        self.columns = {f"$.{c.path}": c.heading for c in self._columns} if mapping else None
        self.unused = unused or []
        self._month_first = month_first_rows or {}

    def __iter__(self) -> Iterator[Record]:
        if self.mapping:
            return _csv(self.path, self.mapping, self._columns, self._month_first)
        return _jsonl(self.path)

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
        count, columns, unused, month_first_rows = _check_csv(path, mapping)
        return Records(path, mapping, count, columns, unused, month_first_rows)
    return Records(path, None, _check_jsonl(path))
