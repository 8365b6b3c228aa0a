"""Hostile records through every face that takes letters ("Every letter goes out", done-when).

Hypothesis draws small batches in which any record may carry one of the inputs the issue
found harmful (control characters, non-characters, bidi overrides and zero-width
characters, "-0.00", "1_13.35", other digits, a date at the calendar's end, a title too
long for Word, an address Notify refuses). Each batch goes through ``doctool batch`` as
JSON Lines and as a finance CSV export (PDF and Word), and through the service's batch
and single-letter endpoints. However the records are poisoned: no exit 3, no HTTP 500,
and every input line ends as a letter or as a listed failure, never both, never neither.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch import LETTERS, record
from test_service import AUTH, make_settings, wait_for

from doctool.service.app import create_app

from letter_helpers import cli

MAPPING = LETTERS / "finance-export.mapping.toml"
SAMPLE_CSV = LETTERS / "finance-export.csv"

#: name -> (CSV column, JSON path in the letter record, value). The JSON path uses "__"
#: between keys and an index for a list item, as ``test_batch.record`` does.
POISONS: dict[str, tuple[str, str, Any]] = {
    "vertical tab in the name": ("Addressee", "recipient__name", "Mrs Vera\x0bSecret"),
    "NUL in the name": ("Addressee", "recipient__name", "Mrs Vera\x00Secret"),
    "non-character in an address line": ("Address 1", "recipient__address__lines__0", "12 Elm\ufffe Road"),
    "bidi override in the reference": ("Client Ref", "reference", "ASC-\u202e987654"),
    "zero-width space in the reference": ("Client Ref", "reference", "ASC-98\u200b7654"),
    "minus zero charge": ("Weekly Charge", "financial_assessment__weekly_charge", "-0.00"),
    "underscore in a sum": ("Weekly Charge", "financial_assessment__weekly_charge", "1_13.35"),
    "Arabic-Indic digits": ("Weekly Charge", "financial_assessment__weekly_charge", "\u0661\u0663.\u0663\u0665"),
    "date at the calendar's end": ("Letter Date", "letter_date", "9999-12-01"),
    "name too long for a Word title": ("Addressee", "recipient__name", "Mrs " + "&<>" * 90),
    "no fixed abode": ("Address 1", "recipient__address__lines__0", "No fixed abode"),
    "NFA": ("Address 1", "recipient__address__lines__0", "NFA"),
    "postcode area that does not exist": ("Postcode", "recipient__address__postcode", "EB1 2AB"),
    "first line with no letter or digit": ("Addressee", "recipient__name", "--- ..."),
    "forbidden first character": ("Address 1", "recipient__address__lines__0", "=12 Elm Road"),
}
PERSONAL = ("Vera", "Secret", "Elm", "987654")

FEW = settings(max_examples=6, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
#: each record is clean (None) or carries one poison; at least one clean record
batches = st.lists(st.none() | st.sampled_from(sorted(POISONS)), min_size=2, max_size=5).filter(lambda b: None in b)


def _set(rec: dict[str, Any], dotted: str, value: Any) -> None:
    node: Any = rec
    *parents, last = dotted.split("__")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value


def _records(poisons: list[str | None]) -> list[dict[str, Any]]:
    records = []
    for i, poison in enumerate(poisons):
        rec = record(f"ASC-{600000 + i}")
        if poison:
            _, path, value = POISONS[poison]
            _set(rec, path, value)
        records.append(rec)
    return records


def _jsonl(path: Path, poisons: list[str | None]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(poisons)), encoding="utf-8")
    return path


def _csv(path: Path, poisons: list[str | None]) -> Path:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as f:
        header, first, *_ = csv.reader(f)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i, poison in enumerate(poisons):
            row = dict(zip(header, first, strict=True))
            row["Client Ref"] = f"ASC-{600000 + i}"
            if poison:
                column, _, value = POISONS[poison]
                row[column] = value
            out.writerow([row[h] for h in header])
    return path


def _lines(path: Path, name: str) -> list[dict[str, Any]]:
    file = path / name
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()] if file.exists() else []


def _assert_every_line_accounted(out: Path, poisons: list[str | None], first_line: int) -> None:
    """Each input line is a letter (in the manifest, with its files) or a listed failure."""
    made = {entry["line"]: entry for entry in _lines(out, "manifest.jsonl")}
    failed = {entry["line"]: entry for entry in _lines(out, "failures.jsonl")}
    lines = range(first_line, first_line + len(poisons))
    assert not made.keys() & failed.keys(), "a line both made and failed"
    assert sorted(made.keys() | failed.keys()) == list(lines), "a line lost"
    for line, poison in zip(lines, poisons, strict=True):
        if poison is None:
            assert line in made, f"clean line {line} failed: {failed.get(line)}"
        if line in made:
            names = {Path(o["path"]).suffix for o in made[line]["outputs"]}
            assert names == {".pdf", ".docx"} and all((out / o["path"]).stat().st_size > 0 for o in made[line]["outputs"])
        else:
            assert failed[line]["findings"] and all(f["path"].startswith("$") for f in failed[line]["findings"])
    text = (out / "failures.jsonl").read_text(encoding="utf-8") if failed else ""
    assert not any(word in text for word in PERSONAL), "no personal data in the failures file"


@FEW
@given(poisons=batches)
def test_poisoned_json_lines_and_csv_batches_lose_no_one(tmp_path_factory: pytest.TempPathFactory, poisons: list[str | None]) -> None:
    work = tmp_path_factory.mktemp("batch")
    for source, extra, first_line in (
        (_jsonl(work / "in.jsonl", poisons), [], 1),
        (_csv(work / "in.csv", poisons), ["--mapping", MAPPING], 2),  # line 1 is the heading
    ):
        out = work / f"out-{source.suffix[1:]}"
        code, stdout, stderr = cli(["batch", source, *extra, "--format", "both", "-o", out, "--workers", "1"])
        assert code in (0, 1), (code, stderr)
        assert "Traceback" not in stderr and "internal error" not in stderr
        summary = json.loads(stdout.strip().splitlines()[-1])
        assert (summary["total"], summary["done"] + summary["failed"]) == (len(poisons), len(poisons))
        assert code == (1 if summary["failed"] else 0)
        _assert_every_line_accounted(out, poisons, first_line)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("service"), render_workers=1))) as client:
        yield client


@FEW
@given(poisons=batches)
def test_poisoned_batches_and_letters_through_the_service(service: Any, poisons: list[str | None]) -> None:
    records = _records(poisons)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    r = service.post("/v1/batches?format=both", content=body, headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 202, r.text
    done = wait_for(service, r.json()["id"])
    assert done["status"] == "done" and (done["total"], done["done"] + done["failed"]) == (len(records), len(records))
    failed_lines = {f["line"] for f in done["failures"]}
    assert all(i + 1 not in failed_lines for i, p in enumerate(poisons) if p is None), done["failures"]
    assert not any(word in json.dumps(done["failures"]) for word in PERSONAL)
    for rec, poison in zip(records, poisons, strict=True):
        if poison is None:
            continue
        for fmt in ("pdf", "docx"):
            one = service.post(f"/v1/documents/charging-letter?format={fmt}", json=rec, headers=AUTH)
            # 400: the record does not fit the schema; 422: it fits but a check refuses the letter
            assert one.status_code in (200, 400, 422), (poison, fmt, one.status_code, one.text[:300])
            if one.status_code == 200:
                assert one.content.startswith(b"%PDF-" if fmt == "pdf" else b"PK")
            else:
                said = one.json().get("errors" if one.status_code == 400 else "findings")
                assert said and all(f["path"].startswith("$") for f in said), one.text[:300]
                assert not any(word in one.text for word in PERSONAL), one.text[:300]
