"""Text that cannot mislead or break a file; money written one way; one key once; dates far from the calendar's ends.

Every refused input is an InputError (exit 2) naming the field's JSON path and what was
found, never the text itself, never exit 3 or a traceback. See docs/safe-text.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from doctool.api import validate_bytes
from doctool.errors import InputError
from doctool.formatting import add_days, add_months
from doctool.loading import load_document_bytes
from doctool.model.common import is_noncharacter
from doctool.model.letter import LetterRecord
from doctool.model.plan import Plan

from conftest import complete_plan_dict, dump_json

REPO = Path(__file__).resolve().parent.parent
LETTER = json.loads((REPO / "samples" / "letters" / "02-assessed.json").read_text(encoding="utf-8"), parse_float=Decimal)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLI = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def letter_dict() -> dict[str, Any]:
    return copy.deepcopy(LETTER)


def set_at(doc: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def get_at(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = getattr(doc, part) if isinstance(part, str) else doc[part]
    return doc


def refused(raw: bytes) -> InputError:
    with pytest.raises(InputError) as info:
        validate_bytes(raw)
    assert info.value.exit_code == 2
    return info.value


# (document factory, path, JSON path, one line?) -- a plan and a letter field of each kind
FIELDS = [
    (complete_plan_dict, ("person", "full_name"), "$.person.full_name", True),
    (complete_plan_dict, ("person", "about_me"), "$.person.about_me", False),
    (complete_plan_dict, ("needs", 0, "description"), "$.needs[0].description", False),
    (complete_plan_dict, ("person", "address", "postcode"), "$.person.address.postcode", True),
    (letter_dict, ("reference",), "$.reference", True),
    (letter_dict, ("recipient", "name"), "$.recipient.name", True),
    (letter_dict, ("recipient", "address", "postcode"), "$.recipient.address.postcode", True),
    (letter_dict, ("financial_assessment", "income", 0, "label"), "$.financial_assessment.income[0].label", True),
]
FIELD_IDS = [f[2] for f in FIELDS]

# one of each refused class: (character, what the message says)
REFUSED = [
    ("\x00", "a control character (U+0000 NULL)"),
    ("\x0b", "a control character (U+000B LINE TABULATION)"),
    ("\x1b", "a control character (U+001B ESCAPE)"),
    ("\x7f", "a control character (U+007F DELETE)"),
    ("\x85", "a control character (U+0085 C1 CONTROL)"),
    ("\x9f", "a control character (U+009F C1 CONTROL)"),
    ("\ufffe", "a Unicode non-character (U+FFFE NONCHARACTER)"),
    ("\uffff", "a Unicode non-character (U+FFFF"),
    ("\ufdd0", "a Unicode non-character (U+FDD0"),
    ("\U0001fffe", "a Unicode non-character (U+1FFFE"),
    ("\U0010ffff", "a Unicode non-character (U+10FFFF"),
    ("\u202e", "an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    ("\u202a", "an invisible control character (U+202A LEFT-TO-RIGHT EMBEDDING)"),
    ("\u2066", "an invisible control character (U+2066 LEFT-TO-RIGHT ISOLATE)"),
    ("\u2069", "an invisible control character (U+2069 POP DIRECTIONAL ISOLATE)"),
    ("\u200e", "an invisible control character (U+200E LEFT-TO-RIGHT MARK)"),
    ("\u200f", "an invisible control character (U+200F RIGHT-TO-LEFT MARK)"),
    ("\u061c", "an invisible control character (U+061C ARABIC LETTER MARK)"),
    ("\u200b", "an invisible zero-width character (U+200B ZERO WIDTH SPACE)"),
    ("\u200c", "an invisible zero-width character (U+200C ZERO WIDTH NON-JOINER)"),
    ("\u200d", "an invisible zero-width character (U+200D ZERO WIDTH JOINER)"),
    ("\u2060", "an invisible zero-width character (U+2060 WORD JOINER)"),
    ("\ufeff", "an invisible zero-width character (U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
]
REFUSED_CHARS = [c for c, _ in REFUSED]
#: Allowed in a paragraph (Text), refused in a one-line field (ShortText, postcode).
LINE_BREAKS = ["\t", "\n", "\r\n", "\u2028", "\u2029"]


def _doc_with(factory, path: tuple, text: str) -> dict[str, Any]:
    doc = factory()
    set_at(doc, path, text)
    return doc


@pytest.mark.parametrize("ch,says", REFUSED, ids=lambda v: f"U+{ord(v[0]):04X}" if isinstance(v, str) and len(v) == 1 else "")
@pytest.mark.parametrize("factory,path,where,one_line", FIELDS, ids=FIELD_IDS)
def test_each_refused_character_is_a_schema_error_at_its_path(factory, path, where, one_line, ch, says):
    text = f"AB1{ch}2CD" if not where.endswith("postcode") else f"EB{ch}1TW"
    err = refused(dump_json(_doc_with(factory, path, text)))
    assert [e.path for e in err.errors] == [where]
    message = err.errors[0].message
    assert message.startswith(f"contains {says}"), message
    assert message.endswith(f"at position {text.index(ch) + 1}; remove it"), message
    assert "AB1" not in message and "EB" not in message  # never the text itself


def test_the_message_names_the_character_and_position():
    err = refused(dump_json(_doc_with(letter_dict, ("reference",), "ASC-\u202e456789")))
    assert [(e.path, e.message) for e in err.errors] == [
        ("$.reference", "contains an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE) at position 5; remove it")
    ]


def test_the_spoofed_reference_of_the_issue_is_refused():
    """Stored "ASC-987654", printed "ASC-456789": refused, so no letter can print it."""
    err = refused(dump_json(_doc_with(letter_dict, ("reference",), "ASC-\u202e987654\u202c")))
    assert [e.path for e in err.errors] == ["$.reference"]


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=ascii)
def test_line_breaks_belong_in_paragraphs_only(brk):
    plan = _doc_with(complete_plan_dict, ("person", "about_me"), f"first{brk}second")
    assert load_document_bytes(dump_json(plan)).person.about_me == f"first{brk}second"  # type: ignore[union-attr]
    err = refused(dump_json(_doc_with(complete_plan_dict, ("person", "full_name"), f"Ann{brk}Dawson")))
    assert [e.path for e in err.errors] == ["$.person.full_name"]
    assert "line break" in err.errors[0].message


def test_a_lone_carriage_return_is_refused_even_in_a_paragraph():
    err = refused(dump_json(_doc_with(complete_plan_dict, ("person", "about_me"), "old\rmac")))
    assert [e.path for e in err.errors] == ["$.person.about_me"] and "U+000D" in err.errors[0].message


def test_refused_at_the_ends_before_trimming():
    """Trimming whitespace must not quietly drop a control character that happens to be whitespace."""
    for text in ("\x0bAnn", "Ann\x85", "\ufeffAnn", "Ann\u200b"):
        err = refused(dump_json(_doc_with(complete_plan_dict, ("person", "full_name"), text)))
        assert [e.path for e in err.errors] == ["$.person.full_name"], ascii(text)


def test_joiners_between_non_ascii_characters_are_kept():
    """Persian and Urdu spelling (ZWNJ) and emoji sequences (ZWJ) need them; ASCII text never does."""
    kept = ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0915\u094d\u200d\u0937"]
    for text in kept:
        plan = _doc_with(complete_plan_dict, ("person", "preferred_name"), text)
        assert load_document_bytes(dump_json(plan)).person.preferred_name == text  # type: ignore[union-attr]
    for text in ("ASC-98\u200d7654", "a\u200c", "\u200cb", "\u0645\u200c ", "\u0645\u200c\u200c\u0645", "a\u200d\U0001f600"):
        err = refused(dump_json(_doc_with(complete_plan_dict, ("person", "preferred_name"), text)))
        assert [e.path for e in err.errors] == ["$.person.preferred_name"], ascii(text)


def test_the_cli_names_the_path_and_exits_2(run_cli, write_json):
    path = write_json(_doc_with(letter_dict, ("recipient", "name"), "Ms\x0bHelen Price"))
    code, out, err = run_cli(["validate", path])
    assert code == 2, out + err
    assert "$.recipient.name: contains a control character (U+000B LINE TABULATION) at position 3" in err
    assert "Helen" not in out + err and "Traceback" not in out + err
    code, out, err = run_cli(["validate", path, "--json"])
    assert code == 2
    found = json.loads(out)["findings"]
    assert [f["path"] for f in found] == ["$.recipient.name"] and "U+000B" in found[0]["message"]


# --- property-based ---------------------------------------------------------------------------

#: Characters a person can see (or ordinary spaces): no controls, format characters,
#: surrogates, separators other than the space, or unassigned/non-characters.
safe_char = st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Cn", "Zl", "Zp"))
safe_text = st.text(safe_char, min_size=1, max_size=60).map(str.strip).filter(bool)
paragraph = st.lists(safe_text, min_size=1, max_size=4).flatmap(
    lambda parts: st.sampled_from(["\n", "\t", "\r\n", " "]).map(lambda sep: sep.join(parts))
)

refused_char = (
    st.sampled_from(REFUSED_CHARS)
    | st.sampled_from([chr(c) for c in (*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))])
    | st.integers(0, 16).map(lambda plane: chr(plane * 0x10000 + 0xFFFE + (plane % 2)))
    | st.integers(0xFDD0, 0xFDEF).map(chr)
)


@FAST
@given(text=safe_text)
@example(text="ASC-987654")
@example(text="\u05e9\u05dc\u05d5\u05dd \u0627\u0644\u0633\u0644\u0627\u0645 caf\u00e9\u00a0\U0001f600")
def test_safe_text_is_accepted_and_round_trips_unchanged(text):
    plan = load_document_bytes(dump_json(_doc_with(complete_plan_dict, ("person", "full_name"), text[:200])))
    assert isinstance(plan, Plan) and plan.person.full_name == text[:200]
    letter = load_document_bytes(dump_json(_doc_with(letter_dict, ("reference",), text[:200])))
    assert isinstance(letter, LetterRecord) and letter.reference == text[:200]


@FAST
@given(text=paragraph)
def test_safe_paragraphs_round_trip_unchanged(text):
    plan = load_document_bytes(dump_json(_doc_with(complete_plan_dict, ("needs", 0, "description"), text)))
    assert isinstance(plan, Plan) and plan.needs[0].description == text


@FAST
@given(text=safe_text, ch=refused_char, at=st.integers(0, 60), field=st.sampled_from(FIELDS[:3] + FIELDS[4:6]))
def test_any_text_with_one_refused_character_is_refused_at_its_path(text, ch, at, field):
    factory, path, where, _ = field
    at = min(at, len(text))
    value = text[:at] + "a" + ch + "b" + text[at:]  # ASCII neighbours: no joiner exception applies
    err = refused(dump_json(_doc_with(factory, path, value)))
    assert [e.path for e in err.errors] == [where]
    assert f"U+{ord(ch):04X}" in err.errors[0].message and f"at position {at + 2};" in err.errors[0].message
    assert is_noncharacter(ord(ch)) or "non-character" not in err.errors[0].message


@CLI
@given(text=safe_text, ch=refused_char)
def test_the_cli_refuses_any_refused_character_with_exit_2(run_cli, tmp_path, text, ch):
    path = tmp_path / "plan.json"
    path.write_bytes(dump_json(_doc_with(complete_plan_dict, ("person", "about_me"), text + "a" + ch)))
    code, out, err = run_cli(["validate", path])
    assert code == 2 and "$.person.about_me: contains" in err and "Traceback" not in out + err


# --- money ----------------------------------------------------------------------------------------

MONEY_PATH = ("services", 0, "unit_cost")


def _money_raw(written: str) -> bytes:
    """The plan with its first service's unit cost written exactly as ``written`` (JSON text)."""
    plan = complete_plan_dict()
    set_at(plan, MONEY_PATH, "MONEY")
    return dump_json(plan).replace(b'"MONEY"', written.encode())


@pytest.mark.parametrize(
    "written,value",
    [('"0"', "0"), ('"0.00"', "0"), ('"12"', "12"), ('"12.5"', "12.5"), ('"12.50"', "12.50"), ('"10000000"', "10000000"),
     ("12", "12"), ("12.50", "12.50"), ("0.00", "0"), ("0", "0")],
)
def test_money_written_plainly_is_accepted(written, value):
    plan = load_document_bytes(_money_raw(written))
    assert isinstance(plan, Plan) and plan.services[0].unit_cost == Decimal(value)
    assert type(plan.services[0].unit_cost) is Decimal


@pytest.mark.parametrize(
    "written",
    ['"-0.00"', '"-0"', '"+1"', '"-12.50"', '"1_13.35"', '"\u0661\u0662"', '"\uff11\uff12"', '"1e3"', '"1E3"', '" 12"',
     '"12 "', '"12."', '".5"', '"1,000"', '"12.345"', '"12.500"', '"NaN"', '"Infinity"', '"\u00a312"', '"0x10"', '""',
     '"100000000"', "-0.00", "-0.0", "-12.50", "-1", "1e3", "1E3", "1.5e1", "1e-2", "12.345", "12.500", "true",
     "10000000.01"],
)
def test_money_written_any_other_way_is_refused_at_its_path(written):
    err = refused(_money_raw(written))
    assert [e.path for e in err.errors] == ["$.services[0].unit_cost"], (written, err.errors)


def test_minus_zero_never_prints():
    for written in ('"-0.00"', "-0.00"):
        err = refused(_money_raw(written))
        assert "negative" in err.errors[0].message


def test_money_in_a_letter_is_refused_the_same_way():
    doc = letter_dict()
    doc["financial_assessment"]["weekly_charge"] = "-0.00"
    err = refused(dump_json(doc))
    assert [e.path for e in err.errors] == ["$.financial_assessment.weekly_charge"]


# --- duplicate keys -------------------------------------------------------------------------------


def test_a_key_twice_is_an_error_at_its_path():
    raw = dump_json(complete_plan_dict()).replace(b'"full_name":', b'"full_name": "Someone Else", "full_name":', 1)
    err = refused(raw)
    assert [e.path for e in err.errors] == ["$.person.full_name"]
    assert "more than once" in err.errors[0].message and "Someone" not in err.message + err.errors[0].message


def test_every_duplicate_is_named_deep_in_lists_and_at_the_top():
    raw = b'{"a": 1, "b": [{"c": 1, "c": 2}], "a": 2}'
    err = refused(raw)
    assert [e.path for e in err.errors] == ["$.a", "$.b[0].c"]


def test_a_duplicate_key_in_a_letter_on_the_command_line(run_cli, tmp_path):
    raw = dump_json(letter_dict()).replace(b'"reference":', b'"reference": "ASC-1", "reference":', 1)
    path = tmp_path / "letter.json"
    path.write_bytes(raw)
    code, out, err = run_cli(["validate", path])
    assert code == 2 and "$.reference: appears more than once" in err and "Traceback" not in out + err


def test_a_hostile_duplicate_key_is_escaped_in_its_path():
    err = refused(b'{"\\u202ex": 1, "\\u202ex": 2}')
    assert all(ch.isprintable() and ord(ch) < 128 for ch in err.errors[0].path)


# --- the calendar's ends --------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _every_date(doc: Any, value: str) -> Any:
    """``doc`` with every date in it set to ``value``."""
    if isinstance(doc, dict):
        return {k: value if isinstance(v, str) and _DATE.match(v) else _every_date(v, value) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_every_date(v, value) for v in doc]
    return doc


@pytest.mark.parametrize("when", ["9999-12-01", "9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_a_date_near_the_calendars_ends_is_a_schema_error(when):
    plan = complete_plan_dict()
    plan["plan_date"] = when
    err = refused(dump_json(plan))
    assert [(e.path, e.message) for e in err.errors] == [("$.plan_date", "must be a date between 1900-01-01 and 2199-12-31")]
    doc = letter_dict()
    doc["letter_date"] = when
    assert [e.path for e in refused(dump_json(doc)).errors] == ["$.letter_date"]


def test_a_date_in_other_digits_is_refused():
    plan = complete_plan_dict()
    plan["plan_date"] = "\uff12\uff10\uff12\uff17-01-05"
    assert [e.path for e in refused(dump_json(plan)).errors] == ["$.plan_date"]


@pytest.mark.parametrize("when", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_sane_dates_validate(when):
    for doc in (complete_plan_dict(), letter_dict()):
        report = validate_bytes(dump_json(_every_date(doc, when)))
        assert report.valid


@pytest.mark.parametrize("when", ["1900-01-01", "2199-12-31", "9999-12-01", "0001-01-01"])
@pytest.mark.parametrize("kind", ["plan", "letter"])
def test_render_at_the_calendars_ends_never_crashes(run_cli, tmp_path, when, kind):
    doc = _every_date(complete_plan_dict() if kind == "plan" else letter_dict(), when)
    path = tmp_path / f"{kind}.json"
    path.write_bytes(dump_json(doc))
    code, out, err = run_cli(["validate", path])
    assert code in (0, 1, 2) and "Traceback" not in out + err, err
    code, out, err = run_cli(["render", path, "--all", "--draft", "-o", tmp_path / "out"])
    assert code in (0, 1, 2) and "Traceback" not in out + err, err
    assert (code == 2) == (when[:4] in ("9999", "0001")), (code, err)


def test_date_arithmetic_clamps_at_the_calendars_ends():
    assert add_days(dt.date.max, 14) == dt.date.max and add_days(dt.date.min, -1) == dt.date.min
    assert add_days(dt.date(2027, 1, 5), 56) == dt.date(2027, 3, 2)
    assert add_months(dt.date(9999, 12, 1), 12) == dt.date.max and add_months(dt.date(1, 1, 1), -1) == dt.date.min


def test_an_unsigned_plan_at_the_last_date_renders_its_easy_read_deadline(run_cli, tmp_path):
    """The easy read counts 14 days on from the default-agreement notice; at 2199-12-31 that is 2200."""
    plan = _every_date(complete_plan_dict(), "2199-12-31")
    plan["signatures"]["person"].update(signed=False, date=None)
    plan["signatures"]["unsigned_reason"] = "Margaret wants to read it with her daughter first."
    plan["signatures"]["default_agreement_notice_date"] = "2199-12-31"
    path = tmp_path / "plan.json"
    path.write_bytes(dump_json(plan))
    code, out, err = run_cli(["render", path, "--all", "--draft", "-o", tmp_path / "out"])
    assert code == 0 and "Traceback" not in out + err, err
    assert any(p.name.endswith(".pdf") and "easy" in p.name for p in (tmp_path / "out").iterdir()), list((tmp_path / "out").iterdir())


def test_the_service_answers_400_naming_the_path_never_500(tmp_path):
    """The issue's 500s (a control character that broke Word output, a date that overflowed) are now 400s."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from doctool.service.app import create_app
    from doctool.service.settings import Settings

    name = _doc_with(complete_plan_dict, ("person", "full_name"), "Margaret\x0bDawson")
    late = complete_plan_dict()
    late["plan_date"] = "9999-12-01"
    twice = dump_json(complete_plan_dict()).replace(b'"full_name":', b'"full_name": "X", "full_name":', 1)
    cases = [(dump_json(name), "$.person.full_name"), (dump_json(late), "$.plan_date"), (twice, "$.person.full_name")]
    with TestClient(create_app(Settings(data_dir=tmp_path, insecure_no_auth=True, render_workers=1))) as client:
        for raw, where in cases:
            for url in ("/v1/validate", "/v1/documents/plan?format=docx"):
                r = client.post(url, content=raw)
                assert r.status_code == 400, (url, where, r.text)
                assert [e["path"] for e in r.json()["errors"]] == [where]
                assert "Margaret" not in r.text


def test_the_published_schema_refuses_what_doctool_refuses_and_no_more():
    from doctool.schema import schema

    root = schema("plan")
    one_line = re.compile(root["$defs"]["Person"]["properties"]["full_name"]["pattern"])
    paragraph = re.compile(root["$defs"]["Need"]["properties"]["description"]["pattern"])
    for ch in REFUSED_CHARS:
        if ord(ch) <= 0xFFFF and ch not in "\u200c\u200d":  # the pattern cannot see context or other planes
            assert not one_line.search(f"a{ch}b") and not paragraph.search(f"a{ch}b"), ascii(ch)
    for text in ("Margaret Dawson", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "caf\u00e9\u00a0\U0001f600"):
        assert one_line.search(text) and paragraph.search(text)
    assert paragraph.search("one\r\ntwo\tthree\u2028four") and not one_line.search("one\ntwo")
