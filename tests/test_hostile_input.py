"""Hostile input: whatever the bytes, doctool reports an InputError (exit 2) or a report, never a crash.

Property-based (hypothesis) tests feed arbitrary JSON, arbitrary bytes and random
mutations of the complete sample through the library; deterministic tests cover huge
lists, long strings, odd unicode and deep nesting; and a valid plan full of template
syntax, markup, RTL marks and emoji must still pass the plan's own rules (only the
charging letter's address rules refuse such text as a postal address).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doctool.api import prepare, validate_bytes
from doctool.errors import InputError
from doctool.findings import Report
from doctool.loading import json_path
from doctool.model.common import ONE_LINE_PATTERN, PARAGRAPH_PATTERN
from doctool.schema import schema

from conftest import complete_plan_dict, dump_json

#: The charging letter's rules for a postal address GOV.UK Notify can print.
ADDRESS_RULES = {"CL-ADDRESS-CHAR", "CL-ADDRESS-LINES", "CL-ADDRESS-POSTCODE"}

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ROOT_SCHEMA = schema("plan")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)


def check(raw: bytes) -> Report | InputError:
    """validate_bytes must return a report or raise InputError; anything else fails the test."""
    try:
        report = validate_bytes(raw)
    except InputError as exc:
        assert exc.exit_code == 2
        assert exc.message
        for err in exc.errors:
            assert err.path.startswith("$") and err.message
        return exc
    assert isinstance(report, Report)
    return report


# --- walking the sample alongside the schema ----------------------------------------------------


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = ROOT_SCHEMA["$defs"][node["$ref"].split("/")[-1]]
    return node


def _types(node: dict) -> set[str]:
    node = _resolve(node)
    if "anyOf" in node:
        return set().union(*(_types(option) for option in node["anyOf"]))
    return {node.get("type", "?")}


def _branch(node: dict, value: Any) -> dict:
    """The anyOf alternative that describes ``value`` (the object, not null)."""
    node = _resolve(node)
    if "anyOf" not in node:
        return node
    want = {dict: "object", list: "array", str: "string"}.get(type(value))
    for option in node["anyOf"]:
        option = _resolve(option)
        if option.get("type") == want:
            return option
    return node


def walk(value: Any, node: dict = ROOT_SCHEMA, path: tuple = ()):
    """Yield (path, schema, value) for every node of the document, depth first."""
    yield path, node, value
    branch = _branch(node, value)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, branch["properties"][key], (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, branch["items"], (*path, i))


def is_free_text(node: dict, value: Any) -> bool:
    """A string a person writes: not an enum, id, date, money amount or fixed value."""
    if not isinstance(value, str) or "number" in _types(node):
        return False
    branch = _branch(node, value)
    safe_text = branch.get("pattern") in (ONE_LINE_PATTERN, PARAGRAPH_PATTERN)  # refuses only invisible characters
    return branch.get("type") == "string" and not ({"enum", "const", "format"} & set(branch)) and (
        safe_text or "pattern" not in branch
    )


SAMPLE = complete_plan_dict()
ALL_PATHS = [p for p, _, _ in walk(SAMPLE) if p]
LIST_PATHS = [p for p, _, v in walk(SAMPLE) if isinstance(v, list)]
STRING_PATHS = [p for p, _, v in walk(SAMPLE) if isinstance(v, str)]
FREE_TEXT = [(p, _branch(n, v)) for p, n, v in walk(SAMPLE) if is_free_text(n, v)]


def set_at(doc: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def test_the_walk_finds_free_text():
    texts = {json_path(p) for p, _ in FREE_TEXT}
    assert "$.person.full_name" in texts and "$.needs[0].description" in texts
    assert "$.advice.prevent_or_delay[1]" in texts
    assert "$.needs[0].domain" not in texts  # enum
    assert "$.needs[0].id" not in texts  # id pattern
    assert "$.plan_date" not in texts  # date
    assert "$.personal_budget.total_cost" not in texts  # money
    assert len(FREE_TEXT) > 60


# --- property-based ---------------------------------------------------------------------------


@FAST
@given(json_values)
def test_any_json_value_is_a_report_or_an_input_error(value):
    check(json.dumps(value).encode())


@FAST
@given(st.dictionaries(st.sampled_from(list(SAMPLE)) | st.text(max_size=10), json_values, max_size=8))
def test_any_object_with_plan_keys_is_a_report_or_an_input_error(value):
    check(json.dumps(value).encode())


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_are_a_report_or_an_input_error(raw):
    check(raw)


@FAST
@given(path=st.sampled_from(ALL_PATHS), value=json_values)
def test_replacing_any_field_reports_at_that_field(path, value):
    plan = complete_plan_dict()
    set_at(plan, path, value)
    result = check(dump_json(plan))
    if isinstance(result, InputError):
        where = json_path(path)
        assert result.errors, result.message
        for err in result.errors:
            assert err.path.startswith(where), (where, err.path)


@FAST
@given(
    path=st.sampled_from(ALL_PATHS),
    key=st.text(min_size=1, max_size=30),
)
def test_an_unknown_key_anywhere_is_an_input_error(path, key):
    plan = complete_plan_dict()
    target: Any = plan
    for part in path:
        target = target[part]
    if not isinstance(target, dict):
        target = plan
    key = "x-" + key  # never a real field name
    target[key] = 1
    result = check(dump_json(plan))
    assert isinstance(result, InputError)
    assert any("not a field" in e.message for e in result.errors)
    for err in result.errors:  # hostile keys are escaped: no control or bidi characters reach a terminal
        assert all(ch.isprintable() and ord(ch) < 128 for ch in err.path), err.path


HOSTILE_PIECES = [
    "<script>alert(1)</script>",
    "&amp; & &lt;",
    "{{ 7*7 }}",
    "{% if x %}y{% endif %}",
    "{#",
    "${7*7}",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u0627\u0644\u0633\u0644\u0627\u0645",
    "\U0001f600\U0001f468\u200d\U0001f469\u200d\U0001f467",  # joiners between emoji are kept
    "\\n\\u0000",
    "'; DROP TABLE plans; --",
    "\u00e9\u0301 Z\u0351\u0302a\u0352l\u0310g\u0300o",
    "]]><!--",
    "%s %n {0} {need}",
]
hostile_text = st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=6).map("".join)

#: Hostile text that is refused at the schema: invisible, bidi and control characters
#: (they were once kept; a letter could then print a reference other than the one stored).
REFUSED_PIECES = [
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "NUL:\x00",
    "ASC-98\u200b7654",
    "\ufffe",
    "\x85",
    "\x7f",
]


def _fit(text: str, node: dict) -> str:
    """Repeat or cut ``text`` to fit the field's length limits (after whitespace is trimmed)."""
    low, high = node.get("minLength", 1), node.get("maxLength", 5000)
    while len(text) < low:
        text += text
    text = text[:high]
    return text if len(text.strip()) >= low else "x" * low


def _hostile_plan(text: str, long: bool = False) -> dict:
    plan = complete_plan_dict()
    for path, node in FREE_TEXT:
        value = (text * (4000 // len(text) + 1))[:4000] if long and node.get("maxLength", 0) >= 4000 else text
        set_at(plan, path, _fit(value, node))
    return plan


@FAST
@given(hostile_text, st.booleans())
def test_hostile_text_in_every_free_text_field_still_validates(text, long):
    raw = dump_json(_hostile_plan(text, long))
    report = check(raw)
    assert isinstance(report, Report), report.errors
    # the plan's own rules find nothing in hostile text ...
    assert prepare(raw).documents["plan"].report.findings == []
    # ... and the only blocking findings are the charging letter's: such text is no postal address
    _only_address_errors(report.errors)


def _only_address_errors(errors) -> None:
    assert {f.rule for f in errors} <= ADDRESS_RULES, errors
    assert all(f.path == "$.person.full_name" or f.path.startswith("$.person.address") for f in errors), errors


@FAST
@given(path=st.sampled_from([p for p, _ in FREE_TEXT]))
def test_a_lone_surrogate_is_an_input_error_at_its_field(path):
    plan = complete_plan_dict()
    set_at(plan, path, "MARK")
    raw = dump_json(plan).replace(b'"MARK"', b'"a\\ud800b"')
    result = check(raw)
    assert isinstance(result, InputError)
    assert [e.path for e in result.errors] == [json_path(path)]


# --- deterministic hostile cases --------------------------------------------------------------


def test_hostile_plan_on_the_command_line(run_cli, write_json):
    """Every hostile piece in every free-text field: validate reports, never crashes; the plan's
    own rules find nothing, and only the charging letter's address rules block (exit 1)."""
    for long in (False, True):
        path = write_json(_hostile_plan("".join(HOSTILE_PIECES), long))
        code, out, err = run_cli(["validate", path, "--json"])
        assert code == 1, err
        report = json.loads(out)
        assert report["valid"] is True and report["complete"] is False
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        assert errors and {f["rule"] for f in errors} <= ADDRESS_RULES
        assert prepare(path.read_bytes()).documents["plan"].report.findings == []
        code, out, err = run_cli(["validate", path])
        assert code == 1 and "CL-ADDRESS-CHAR" in out
        assert "Traceback" not in out + err


@pytest.mark.parametrize("path", LIST_PATHS, ids=json_path)
def test_a_list_of_more_than_200_items_is_refused_at_its_path(path):
    plan = complete_plan_dict()
    target: Any = plan
    for part in path:
        target = target[part]
    set_at(plan, path, [target[0]] * 201)
    result = check(dump_json(plan))
    assert isinstance(result, InputError)
    assert json_path(path) in [e.path for e in result.errors]


def test_a_string_over_5000_characters_is_refused_at_its_path_everywhere():
    for path in STRING_PATHS:
        plan = complete_plan_dict()
        set_at(plan, path, "x" * 5001)
        result = check(dump_json(plan))
        assert isinstance(result, InputError), json_path(path)
        assert json_path(path) in [e.path for e in result.errors], (json_path(path), result.errors)


def test_very_large_numbers_are_refused():
    for text in ("9" * 5000, "1e999999", "-1e-999999", "123456789012.5"):
        plan = dump_json(complete_plan_dict()).replace(b'"62.14"', text.encode(), 1)
        result = check(plan)
        assert isinstance(result, InputError), text


@pytest.mark.parametrize("depth", [100_000, 5_000, 500, 50])
def test_deeply_nested_arrays(depth):
    assert isinstance(check(b"[" * depth + b"]" * depth), InputError)
    assert isinstance(check(b"[" * depth), InputError)
    inside = b'{"schema_version": "1.0", "person": ' + b"[" * depth + b"]" * depth + b"}"
    result = check(inside)
    assert isinstance(result, InputError)
    if depth < 1000:  # parsed, then refused at the field
        assert "$.person" in [e.path for e in result.errors]


def test_deeply_nested_objects():
    depth = 100_000
    assert isinstance(check(b'{"a":' * depth + b"1" + b"}" * depth), InputError)


def test_odd_unicode_in_text_is_kept_valid():
    plan = complete_plan_dict()
    plan["person"]["about_me"] = "\U0001f600 tab:\t \u2028line \u05e9\u05dc\u05d5\u05dd \U0010fffd"
    plan["needs"][0]["description"] = "\U0001f468\u200d\U0001f469 caf\u00e9 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    report = check(dump_json(plan))
    assert isinstance(report, Report) and report.complete


@pytest.mark.parametrize("piece", REFUSED_PIECES, ids=ascii)
def test_invisible_and_control_characters_are_refused_at_their_field(piece):
    for path in ("person", "about_me"), ("needs", 0, "description"), ("person", "full_name"):
        plan = complete_plan_dict()
        set_at(plan, path, f"x {piece} y")
        result = check(dump_json(plan))
        assert isinstance(result, InputError), (piece, path)
        assert [e.path for e in result.errors] == [json_path(path)]
        assert "U+" in result.errors[0].message and piece not in result.errors[0].message


def test_many_errors_at_once_do_not_crash():
    plan = complete_plan_dict()
    plan["needs"] = [{"id": f"bad id {i}", "domain": i, "description": None, "x": [1]} for i in range(200)]
    result = check(dump_json(plan))
    assert isinstance(result, InputError)
    assert len(result.errors) >= 600
