"""The batch's report for the person who owns the input: ``failures.csv`` and ``warnings.csv``
(one line per finding: the input row, the reference, the CSV column, the value as given and
a plain message) and the top reasons with their counts.

The value as given is personal data. It is written only to these files in OUTDIR, which
the officer owns like the input itself; it never reaches the terminal, a log or the JSON
summary. Every text cell is guarded against CSV injection (OWASP): one that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading ``'``, so
a spreadsheet shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from doctool.batch.records import Record

FAILURES_CSV = "failures.csv"
WARNINGS_CSV = "warnings.csv"
SUMMARY = "summary.json"
HEADER = ["row", "reference", "column", "value", "rule", "message"]
MAX_VALUE = 200  # characters of a value shown; the rest is in the input file

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_PATH = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_NUMBERS = re.compile(r"(£?[0-9][0-9,]*(?:\.[0-9]+)?)")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_PRIVATE = re.compile(rf"£[0-9][0-9,]*(?:\.[0-9]+)?|\b[0-9]{{1,2}} (?:{_MONTHS}) [0-9]{{4}}\b")
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")


def guard(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA) else text


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def value_at(data: Any, path: str) -> str:
    """The value at a JSON path (``$.recipient.address.lines[1]``) of a parsed record, as
    written (numbers as their text); empty when the path is not there."""
    if not path.startswith("$"):
        return ""
    node, at = data, 1
    while at < len(path):
        m = _PATH.match(path, at)
        if not m:
            return ""
        at = m.end()
        key: str | int = m.group(1) if m.group(1) is not None else int(m.group(2)) if m.group(2) is not None else json.loads(m.group(3))
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                return ""
        elif not isinstance(node, dict) or key not in node:
            return ""
        node = node[key]
    return _shown(node)


class Source:
    """Where a record's findings point in the input: the CSV column (the mapping's heading
    in the file) and the cell as given, or for JSON Lines the JSON path and the value there."""

    def __init__(self, record: Record, columns: dict[str, str] | None) -> None:
        self.record, self.columns = record, columns
        self._parsed: Any = None

    def column(self, path: str) -> str:
        if self.columns is None:
            return path
        if path == "$":  # the row as a whole (its fields shifted, or a duplicate)
            return ""
        cell = self.record.cells.get(path)
        if cell is not None:
            return cell.column
        problem = next((p for p in self.record.problems if p.path == path), None)
        if problem is not None:
            return problem.column
        if path in self.columns:
            return self.columns[path]
        inside = [c for p, c in self.columns.items() if p.startswith(path + ".") or p.startswith(path + "[")]
        return " / ".join(dict.fromkeys(inside)) if inside else path

    def value(self, path: str) -> str:
        if self.columns is not None:
            cell = self.record.cells.get(path)
            problem = next((p for p in self.record.problems if p.path == path), None)
            return _shown(cell.value if cell else problem.value if problem else "")
        if self._parsed is None and self.record.raw is not None:
            try:
                self._parsed = json.loads(self.record.raw, parse_float=str, parse_int=str)
            except ValueError:
                self._parsed = False
        return value_at(self._parsed, path) if self._parsed else ""


def _first_sentence(message: str) -> str:
    return _SENTENCE.split(message, maxsplit=1)[0]


class Tally:
    """Findings counted by column, rule and reason: ``12 × Postcode: ...``. A reason is a
    message's first sentence; messages alike but for their numbers (a line number, a sum)
    count together, shown with the numbers that differ between them left out (``…``). The
    sums and dates a rule's message quotes from a record are always left out: the reasons
    go to the terminal and summary.json, where no value from the input belongs."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
        self.shown: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}

    def add(self, column: str, rule: str, message: str) -> None:
        first = _first_sentence(message)
        if not rule.startswith("CSV-"):  # a rule's message may quote the record's sums and dates: never at the terminal
            first = _PRIVATE.sub("…", first)
        parts = _NUMBERS.split(first)  # text, number, text, ...
        key = (column, rule, tuple(parts[0::2]))
        self.counts[key] += 1
        shown = self.shown.setdefault(key, parts)
        for i in range(1, len(parts), 2):
            if shown[i] != parts[i]:
                shown[i] = "…"

    def top(self, n: int | None = None) -> list[dict[str, Any]]:
        return [
            {"count": count, "column": column, "rule": rule, "reason": "".join(self.shown[(column, rule, text)])}
            for (column, rule, text), count in self.counts.most_common(n)
        ]

    @staticmethod
    def lines(entries: Iterable[dict[str, Any]]) -> list[str]:
        return [f"{e['count']:>6} × {e['column'] or '(the whole row)'}: {e['reason']} [{e['rule']}]" for e in entries]


class Reporter:
    """Writes ``failures.csv`` and ``warnings.csv`` as outcomes arrive in input order, and
    counts why records fail (and which warnings the letters carry)."""

    def __init__(self, failures: TextIO, warnings: TextIO, columns: dict[str, str] | None) -> None:
        self.columns = columns
        self._failures, self._warnings = csv.writer(failures), csv.writer(warnings)
        self._failures.writerow(HEADER)
        self._warnings.writerow(HEADER)
        self.reasons, self.warned = Tally(), Tally()
        self.warning_rules: Counter[str] = Counter()

    def source(self, record: Record) -> Source:
        return Source(record, self.columns)

    def annotate(self, source: Source, findings: list[dict[str, str]]) -> list[dict[str, str]]:
        """For a CSV input, each finding with the column it is about (``column``)."""
        if self.columns is None:
            return findings
        return [{**f, "column": source.column(f.get("path", "$"))} for f in findings]

    def add(self, source: Source, line: int, reference: str, failed: bool, findings: list[dict[str, str]]) -> None:
        for f in findings:
            error = f.get("severity") == "error"
            if error != failed:  # a failure's errors; a letter's warnings
                continue
            path, rule, message = f.get("path", "$"), f.get("rule", ""), f.get("message", "")
            column = source.column(path)
            (self._failures if failed else self._warnings).writerow(
                [line, guard(reference), guard(column), guard(source.value(path)), guard(rule), guard(message)]
            )
            (self.reasons if failed else self.warned).add(column, rule, message)
            if not failed:
                self.warning_rules[rule] += 1
