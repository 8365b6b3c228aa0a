"""Nothing recorded is silently lost: every value in every sample reaches the text of a
document made from it, or its field is listed, with the reason, in
``doctool/data/not_printed.toml``.

The text is the plain-text rendering of each composed document (the same Document the
PDF, Word, braille and audio copies are made from). A value "reaches" it as written, as a
date ("5 January 2027"), as a sum ("£1,234.50") or as the label of a coded value.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from doctool.accessible.text import document_text
from doctool.datafiles import DATA
from doctool.documents import DOCUMENTS
from doctool.formatting import easy_money, long_date, money
from doctool.loading import load_document_bytes
from doctool.profiles import load_profile
from doctool.wording import Wording

from conftest import REPO

SAMPLES = sorted([*(REPO / "samples" / "plans").glob("*.json"), *(REPO / "samples" / "letters").glob("*.json"), *(REPO / "samples" / "reviews").glob("*.json")])
_LIST = tomllib.loads((DATA / "not_printed.toml").read_text(encoding="utf-8"))
NOT_PRINTED: dict[str, str] = _LIST["fields"]
SHOWN_AS: dict[str, str] = _LIST["shown_as"]
PROFILE = load_profile("england")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(generic path, value) for every recorded value: ``needs[].met_by[].who``."""
    if isinstance(value, dict):
        return [leaf for key, v in value.items() for leaf in leaves(v, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v, f"{path}[]")]
    return [(path, value)]


def listed(path: str, table: dict[str, str]) -> bool:
    """The field, or a part of the record it sits in, is in ``table`` (by name or pattern)."""
    parts = path.split(".")
    prefixes = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(p, key) for p in prefixes for key in table)


def _labels() -> dict[str, set[str]]:
    labels: dict[str, set[str]] = {}
    for table in Wording("labels", PROFILE).labels.values():
        for key, label in table.items():
            labels.setdefault(key, set()).add(label)
    return labels


LABELS = _labels()


def forms(value: Any) -> set[str]:
    """How a recorded value may be printed."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value)):
        d = Decimal(str(value))
        return {str(value), money(d), easy_money(d), f"{d.normalize():f}"}
    text = " ".join(str(value).split())
    out = {text, *LABELS.get(text, ()), text.replace("_", " ").capitalize()}
    if _DATE.match(text):
        out.add(long_date(dt.date.fromisoformat(text)))
    return out


def reaches(value: Any, text: str) -> bool:
    """The value is in the text as written, as a date, sum or label, or (long free text
    that a document splits into sentences) sentence by sentence."""
    if any(form and form in text for form in forms(value)):
        return True
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(str(value).split())) if s]
    return len(sentences) > 1 and all(s in text for s in sentences)


def corpus(raw: bytes) -> str:
    record = load_document_bytes(raw)
    words = Wording("accessible", PROFILE)
    texts = []
    for kind in DOCUMENTS.values():
        if kind.usable(record):
            report = kind.check(record, PROFILE)
            texts.append(document_text(kind.compose(record, PROFILE, report, not report.complete), words))
    return " ".join(" ".join(texts).split())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_recorded_value_reaches_a_document_or_is_listed(sample: Path) -> None:
    raw = sample.read_bytes()
    text = corpus(raw)
    lost = []
    for path, value in leaves(json.loads(raw)):
        if listed(path, NOT_PRINTED) or listed(path, SHOWN_AS) or value in ("", None, []):
            continue
        if isinstance(value, bool):
            lost.append(f"{path} = {value} (a yes/no: print it, or say in not_printed.toml how it shows)")
        elif not reaches(value, text):
            lost.append(f"{path} = {str(value)[:60]!r}")
    assert not lost, "recorded but in no document and not in not_printed.toml:\n" + "\n".join(sorted(set(lost)))


def test_the_list_is_short_and_every_entry_has_a_reason() -> None:
    assert len(NOT_PRINTED) <= 12, "the list of fields not printed should stay short"
    assert all(len(reason.split()) >= 5 for reason in (*NOT_PRINTED.values(), *SHOWN_AS.values()))


def test_a_value_that_reaches_no_document_is_caught() -> None:
    """The check can fail: a recorded note no composer prints is reported."""
    text = corpus((REPO / "samples" / "plans" / "01-older-person-home-care.json").read_bytes())
    assert not reaches("A note that no template prints anywhere", text)
    assert not listed("person.secret_note", NOT_PRINTED) and not listed("person.secret_note", SHOWN_AS)
