"""Reading batch input: JSON Lines, or CSV with a column mapping (finance systems export CSV).

Each record comes out as (line number, raw JSON bytes) or (line number, error): a bad line
is a failure of that record, never of the batch. Records stream; the file is never held
in memory whole.
"""

from __future__ import annotations

import csv
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


@dataclass(frozen=True)
class Record:
    """One input record: where it came from, its bytes, or why it could not be read."""

    line: int
    raw: bytes | None
    error: str = ""


def _jsonl(path: Path) -> Iterator[Record]:
    with open(path, "rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            if len(line) > MAX_INPUT_BYTES:
                yield Record(line_no, None, f"record is larger than {MAX_INPUT_BYTES:,} bytes")
            else:
                yield Record(line_no, line.strip())


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


def _check_header(path: Path, mapping: Mapping) -> None:
    """Fail before any output exists if the CSV lacks a mapped column."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text") from None
    missing = [c for c in mapping.columns if c not in header]
    if missing:
        raise InputError(f"{path.name}: the CSV has no column(s) {', '.join(repr(m) for m in missing)} named in the mapping")


def _csv(path: Path, mapping: Mapping) -> Iterator[Record]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            line_no = reader.line_num
            try:
                yield Record(line_no, json.dumps(mapping.to_record(row)).encode())
            except ConfigError as exc:
                yield Record(line_no, None, exc.message)


def read_records(path: Path, mapping_path: Path | None = None) -> Iterator[Record]:
    """Records from a .jsonl or .csv file. Raises InputError when the file cannot be read."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    if path.suffix.lower() == ".csv":
        if mapping_path is None:
            raise InputError("a CSV input needs --mapping MAP.toml naming the field for each column")
        mapping = Mapping.load(mapping_path)
        _check_header(path, mapping)
        return _csv(path, mapping)
    return _jsonl(path)
