"""The published JSON Schema: committed, current, printed by `doctool schema`, and the samples fit it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from doctool.schema import SCHEMAS, schema, schema_text

from conftest import REPO, complete_plan_dict

SCHEMA_FILE = REPO / "schemas" / "plan.schema.json"
SAMPLES = sorted((REPO / "samples" / "plans").glob("*.json")) + sorted(
    p for p in (REPO / "samples" / "drafts").glob("*.json") if p.name != "EXPECTED.json"
)

VOCABULARY = [
    "schema_version",
    "plan_type",
    "status",
    "person",
    "needs",
    "outcomes",
    "personal_budget",
    "direct_payment",
    "advice",
    "contingency",
    "review",
    "involvement",
    "signatures",
    "financial_assessment",
]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name):
    path = REPO / "schemas" / f"{name}.schema.json"
    assert path.is_file(), f"schemas/{name}.schema.json is missing. Run `make schemas` and commit the result."
    committed = path.read_text(encoding="utf-8")
    assert committed == schema_text(name), (
        f"schemas/{name}.schema.json is stale: the model changed. Run `make schemas` and commit the result."
    )


def test_schema_command_prints_the_schema(run_cli):
    code, out, _err = run_cli(["schema"])
    assert code == 0
    assert out == schema_text("plan")
    assert out == SCHEMA_FILE.read_text(encoding="utf-8")
    code, out, _err = run_cli(["schema", "plan"])
    assert code == 0 and json.loads(out)["title"]


def test_schema_command_refuses_unknown_name(run_cli):
    code, _out, err = run_cli(["schema", "letter-from-mars"])
    assert code == 2
    assert "Traceback" not in err


def test_schema_is_json_schema_2020_12_with_an_id():
    s = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"].endswith("/plan.schema.json")
    assert s["type"] == "object"


def test_plan_forbids_unknown_fields_everywhere():
    s = schema("plan")
    assert s["additionalProperties"] is False
    for name, definition in s["$defs"].items():
        if definition.get("type") == "object":
            assert definition.get("additionalProperties") is False, name


@pytest.mark.parametrize("field", VOCABULARY)
def test_top_level_vocabulary(field):
    assert field in schema("plan")["properties"]


def test_required_fields():
    assert set(schema("plan")["required"]) >= {"schema_version", "plan_type", "status", "person", "plan_date"}


# --- a small JSON Schema validator for the keywords pydantic emits ---------------------------
# (the `jsonschema` package, a test dependency, checks the same samples independently below)


def _resolve(root: dict, node: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/$defs/"), ref
        node = root["$defs"][ref.split("/")[-1]]
    return node


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KNOWN = {"type", "title", "default", "description", "anyOf", "$ref", "properties", "required", "additionalProperties",
          "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum", "enum", "const",
          "format", "$defs", "$schema", "$id"}


def validate(root: dict, node: dict, value: Any, path: str = "$") -> list[str]:
    """Errors (as JSON paths) for ``value`` against ``node``; [] when it fits."""
    node = _resolve(root, node)
    unknown = set(node) - _KNOWN
    assert not unknown, f"validator does not know keywords {unknown} at {path}"
    if "anyOf" in node:
        results = [validate(root, option, value, path) for option in node["anyOf"]]
        if any(not errors for errors in results):
            return []
        # report the alternative of the right type (e.g. the object, not null) for a precise path
        typed = [errors for errors in results if not errors[0].startswith(f"{path}: not ")]
        return typed[0] if typed else [f"{path}: matches no alternative"]
    errors: list[str] = []
    if "type" in node and not _TYPES[node["type"]](value):
        return [f"{path}: not {node['type']}"]
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{path}: not one of {node['enum']}")
    if "const" in node and value != node["const"]:
        errors.append(f"{path}: not {node['const']!r}")
    if isinstance(value, str):
        if len(value) < node.get("minLength", 0) or len(value) > node.get("maxLength", 10**9):
            errors.append(f"{path}: wrong length")
        if "pattern" in node and not re.search(node["pattern"], value):
            errors.append(f"{path}: does not match pattern")
        if node.get("format") == "date" and not _DATE.match(value):
            errors.append(f"{path}: not a date")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < node.get("minimum", float("-inf")) or value > node.get("maximum", float("inf")):
            errors.append(f"{path}: out of range")
    if isinstance(value, list):
        if len(value) < node.get("minItems", 0) or len(value) > node.get("maxItems", 10**9):
            errors.append(f"{path}: wrong number of items")
        if "items" in node:
            for i, item in enumerate(value):
                errors += validate(root, node["items"], item, f"{path}[{i}]")
    if isinstance(value, dict):
        props = node.get("properties", {})
        for key in node.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: required")
        for key, item in value.items():
            if key in props:
                errors += validate(root, props[key], item, f"{path}.{key}")
            elif node.get("additionalProperties") is False:
                errors.append(f"{path}.{key}: not allowed")
    return errors


def test_there_are_samples():
    assert SAMPLES


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_fits_the_published_schema(path):
    root = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert validate(root, root, data) == []


@pytest.mark.parametrize(
    "change,path",
    [
        (lambda p: p.update(needz=[]), "$.needz"),
        (lambda p: p["needs"][0].update(domian="x"), "$.needs[0].domian"),
        (lambda p: p["needs"][0].update(domain="gardening"), "$.needs[0].domain"),
        (lambda p: p.pop("person"), "$.person"),
        (lambda p: p["person"].update(full_name=""), "$.person.full_name"),
        (lambda p: p.update(schema_version="2.0"), "$.schema_version"),
        (lambda p: p["needs"][0].update(id="N 1"), "$.needs[0].id"),
        (lambda p: p["review"].update(next_review_date="next year"), "$.review.next_review_date"),
    ],
)
def test_schema_refuses_what_doctool_refuses(change, path):
    """The checker above (and the schema) must be able to fail: each change is refused."""
    root = schema("plan")
    plan = json.loads(json.dumps(complete_plan_dict(), default=str))
    change(plan)
    errors = validate(root, root, plan)
    assert errors and any(e.startswith(path) for e in errors), errors


def test_samples_fit_the_schema_with_jsonschema():
    """The reference JSON Schema validator agrees with the hand-written one."""
    import jsonschema
    root = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(root)
    for path in SAMPLES:
        validator.validate(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "number,ok",
    [
        ("943 476 5919", True),  # the NHS Data Dictionary's example
        ("9434765919", True),
        ("943-476-5919", True),
        ("943 476 5918", False),  # one digit out: the check digit no longer matches
        ("943 476 5911", False),
        ("999 462 1150", False),  # a sample's old number: made up, never checked
        ("123 456 7890", False),  # nine digits whose remainder gives 10: no check digit exists
        ("943 476 591", False),
        ("NHS 9434765919", False),
    ],
)
def test_nhs_number_is_checked_at_the_schema_boundary(number, ok, validate_json):
    """The modulus 11 check (NHS Data Dictionary) refuses a mistyped NHS number as a schema
    error at its JSON path, with a message that names the check and never repeats the number."""
    plan = complete_plan_dict()
    plan["person"]["nhs_number"] = number
    code, out, _ = validate_json(plan)
    schema_errors = [f for f in out["findings"] if f["rule"] == "SCHEMA"]
    if ok:
        assert code == 0 and not schema_errors
        return
    assert code == 2
    assert [f["path"] for f in schema_errors] == ["$.person.nhs_number"]
    assert "NHS number" in schema_errors[0]["message"]
    assert number not in schema_errors[0]["message"] and number.replace(" ", "") not in schema_errors[0]["message"]


def test_nhs_number_is_printed_in_its_usual_groups():
    from doctool.model.plan import Person

    person = Person.model_validate({"full_name": "A", "reference": "R", "nhs_number": "9434765919"})
    assert person.nhs_number == "943 476 5919"
