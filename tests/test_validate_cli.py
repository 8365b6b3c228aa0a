"""The `doctool validate` contract: exit codes 0/1/2, JSON paths, output shapes, no personal data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from doctool import loading
from doctool.api import validate_bytes, validate_file
from doctool.errors import InputError

from conftest import ESTIMATE, REPO, dump_json

PLANS = sorted((REPO / "samples" / "plans").glob("*.json"))
DRAFTS_DIR = REPO / "samples" / "drafts"
EXPECTED_FILE = DRAFTS_DIR / "EXPECTED.json"
DRAFTS = sorted(p for p in DRAFTS_DIR.glob("*.json") if p.name != "EXPECTED.json")

TOP_KEYS = {"valid", "complete", "profile", "findings"}
FINDING_KEYS = {"rule", "severity", "path", "message", "source", "where", "link"}


def _expected() -> dict:
    if not EXPECTED_FILE.exists():
        pytest.skip("samples/drafts/EXPECTED.json is not written yet")
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


def assert_report_shape(out: dict) -> None:
    assert set(out) == TOP_KEYS
    assert isinstance(out["valid"], bool) and isinstance(out["complete"], bool)
    assert isinstance(out["profile"], str) and out["profile"]
    assert isinstance(out["findings"], list)
    for f in out["findings"]:
        assert set(f) == FINDING_KEYS
        assert f["severity"] in ("error", "warning")
        assert f["path"].startswith("$")
        assert all(isinstance(f[k], str) and f[k] for k in FINDING_KEYS - {"where", "link"})
        assert isinstance(f["where"], str)  # what a practitioner calls it; "" for the whole record
        # where the source can be read (doctool/data/source_links.toml), or null
        assert f["link"] is None or (f["link"]["url"].startswith("https://") and f["link"]["title"])


# --- samples: complete plans exit 0, drafts exit 1 ----------------------------------------


def test_there_are_complete_samples():
    assert PLANS, "samples/plans/*.json is empty"


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_every_complete_sample_exits_0(run_cli, path):
    code, out, err = run_cli(["validate", path])
    assert code == 0, out + err
    assert "complete under profile 'england'" in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_every_complete_sample_has_no_errors_in_json(run_cli, path):
    code, out, _err = run_cli(["validate", path, "--json"])
    assert code == 0
    data = json.loads(out)
    assert_report_shape(data)
    assert data["valid"] is True and data["complete"] is True and data["profile"] == "england"
    assert [f for f in data["findings"] if f["severity"] == "error"] == []


def test_every_complete_sample_via_library(repo):
    for path in PLANS:
        report = validate_file(path)
        assert report.complete, (path.name, [f.rule for f in report.errors])
        assert validate_bytes(path.read_bytes()).complete


def test_expected_lists_every_draft():
    expected = _expected()
    on_disk = {p.name for p in DRAFTS}
    assert on_disk, "samples/drafts has no drafts"
    assert set(expected) == on_disk, "EXPECTED.json and samples/drafts/*.json disagree"
    for name, spec in expected.items():
        assert isinstance(spec.get("lacks"), str) and spec["lacks"], name
        assert isinstance(spec.get("rules"), list) and spec["rules"], name


@pytest.mark.parametrize("path", DRAFTS, ids=lambda p: p.name)
def test_every_draft_exits_1_with_its_expected_errors(run_cli, path):
    spec = _expected().get(path.name)
    assert spec is not None, f"{path.name} is not listed in EXPECTED.json"
    code, out, err = run_cli(["validate", path, "--json"])
    assert "Traceback" not in out + err
    assert code == 1, out + err
    data = json.loads(out)
    assert_report_shape(data)
    assert data["valid"] is True and data["complete"] is False
    errors = {f["rule"] for f in data["findings"] if f["severity"] == "error"}
    missing = set(spec["rules"]) - errors
    assert not missing, f"{path.name} ({spec['lacks']}): expected errors {sorted(missing)}, got {sorted(errors)}"

    code, out, err = run_cli(["validate", path])
    assert code == 1
    assert "INCOMPLETE" in out
    for rule in spec["rules"]:
        assert rule in out


# --- broken inputs: exit 2, the JSON path on stderr -----------------------------------------


def _mutate(plan: dict, dotted: str, value) -> dict:
    """Set ``a.b.0.c`` (list indexes as numbers) to value; value None with key 'DELETE' deletes."""
    parts = dotted.split(".")
    node = plan
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if value == "DELETE":
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return plan


SCHEMA_BREAKS = [
    # (id, dotted field, new value, JSON path on stderr, wording)
    ("wrong-type-list", "needs", {"id": "N1"}, "$.needs", None),
    ("wrong-type-string", "person.full_name", 42, "$.person.full_name", None),
    ("wrong-type-bool", "needs.0.fluctuates", "sometimes", "$.needs[0].fluctuates", None),
    ("unknown-enum", "plan_type", "child", "$.plan_type", None),
    ("unknown-enum-nested", "needs.1.domain", "gardening", "$.needs[1].domain", None),
    ("schema-version", "schema_version", "2.0", "$.schema_version", None),
    ("invalid-date", "plan_date", "2026-02-30", "$.plan_date", "YYYY-MM-DD"),
    ("invalid-date-nested", "review.next_review_date", "29/10/2027", "$.review.next_review_date", "YYYY-MM-DD"),
    ("date-and-time-is-not-a-date", "plan_date", "2026-11-02T00:00:00", "$.plan_date", "YYYY-MM-DD"),
    ("timestamp-is-not-a-date", "signatures.person.date", 1793577600, "$.signatures.person.date", "YYYY-MM-DD"),
    ("negative-money", "personal_budget.person_amount", "-1.00", "$.personal_budget.person_amount", "negative"),
    ("three-decimals", "personal_budget.total_cost", "230.505", "$.personal_budget.total_cost", "2 decimal places"),
    ("money-not-number", "personal_budget.total_cost", "lots", "$.personal_budget.total_cost", None),
    ("nan-money", "personal_budget.total_cost", "NaN", "$.personal_budget.total_cost", None),
    ("empty-name", "person.full_name", "   ", "$.person.full_name", None),
    ("bad-ident", "needs.0.id", "N 1!", "$.needs[0].id", None),
    ("too-long-text", "person.about_me", "x" * 5001, "$.person.about_me", None),
    ("too-many-needs", "outcomes", [{"id": f"O{i}", "in_own_words": "x"} for i in range(201)], "$.outcomes", None),
    ("missing-required", "person.reference", "DELETE", "$.person.reference", "required"),
    ("missing-required-top", "plan_date", "DELETE", "$.plan_date", "required"),
    ("missing-required-nested", "needs.2.description", "DELETE", "$.needs[2].description", "required"),
]


@pytest.mark.parametrize(
    "dotted,value,path,wording", [pytest.param(*c[1:], id=c[0]) for c in SCHEMA_BREAKS]
)
def test_schema_errors_exit_2_and_name_the_path(run_cli, write_json, complete_plan, dotted, value, path, wording):
    plan_file = write_json(_mutate(complete_plan, dotted, value))
    code, out, err = run_cli(["validate", plan_file])
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = [line.strip() for line in err.splitlines()]
    hits = [line for line in lines if line.startswith(path + ":")]
    assert hits, f"{path} not named on stderr:\n{err}"
    if wording:
        assert any(wording in line for line in hits), err


@pytest.mark.parametrize("field,path", [("needz", "$.needz"), ("needs.0.domian", "$.needs[0].domian")])
def test_misspelt_field_is_an_error_not_ignored(run_cli, write_json, complete_plan, field, path):
    parts = field.split(".")
    node = complete_plan
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    node[parts[-1]] = "personal_hygiene"
    code, _out, err = run_cli(["validate", write_json(complete_plan)])
    assert code == 2
    assert f"{path}: is not a field of this schema" in err
    assert "Traceback" not in err


def test_several_schema_errors_are_all_reported(run_cli, write_json, complete_plan):
    complete_plan["plan_type"] = "child"
    complete_plan["needs"][0]["domain"] = "gardening"
    del complete_plan["person"]["reference"]
    code, _, err = run_cli(["validate", write_json(complete_plan)])
    assert code == 2
    for path in ("$.plan_type", "$.needs[0].domain", "$.person.reference"):
        assert path in err


RAW_BREAKS = [
    ("invalid-json", b'{"schema_version": "1.0",', "invalid JSON"),
    ("trailing-comma", b'{"a": 1,}', "invalid JSON"),
    ("empty-file", b"", "invalid JSON"),
    ("whitespace-only", b"  \n ", "invalid JSON"),
    ("not-an-object-list", b"[1, 2, 3]", "must be a JSON object"),
    ("not-an-object-string", b'"plan"', "must be a JSON object"),
    ("not-an-object-null", b"null", "must be a JSON object"),
    ("non-utf8", b'{"plan_id": "\xff\xfe caf\xe9"}', "not UTF-8"),
    ("nan-literal", b'{"a": NaN}', "invalid JSON"),
    ("infinity-literal", b'{"a": Infinity}', "invalid JSON"),
    ("huge-integer", b'{"a": ' + b"9" * 5000 + b"}", "invalid JSON"),
    ("deep-nesting", b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
]


@pytest.mark.parametrize("raw,wording", [pytest.param(*c[1:], id=c[0]) for c in RAW_BREAKS])
def test_unusable_bytes_exit_2(run_cli, tmp_path, raw, wording):
    path = tmp_path / "broken.json"
    path.write_bytes(raw)
    code, out, err = run_cli(["validate", path])
    assert code == 2
    assert out == ""
    assert wording in err
    assert "Traceback" not in err
    with pytest.raises(InputError):
        validate_bytes(raw)


def test_not_an_object_names_root_path(run_cli, tmp_path):
    path = tmp_path / "list.json"
    path.write_bytes(b"[]")
    code, _, err = run_cli(["validate", path])
    assert code == 2
    assert "$: must be a JSON object" in err


def test_byte_order_mark_is_accepted(run_cli, tmp_path, complete_plan):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + dump_json(complete_plan))
    code, _out, err = run_cli(["validate", path])
    assert code == 0, err


def test_file_too_large_exits_2(run_cli, write_json, complete_plan, monkeypatch):
    path = write_json(complete_plan)
    monkeypatch.setattr(loading, "MAX_INPUT_BYTES", 1000)
    code, _out, err = run_cli(["validate", path])
    assert code == 2
    assert "larger than the limit" in err and "1,000 bytes" in err
    with pytest.raises(InputError, match="limit"):
        validate_bytes(path.read_bytes())


def test_default_size_limit_refuses_a_big_file(run_cli, tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b'{"pad": "' + b"x" * (loading.MAX_INPUT_BYTES + 10) + b'"}')
    code, _out, err = run_cli(["validate", path])
    assert code == 2
    assert "limit" in err


def test_nonexistent_file_exits_2(run_cli, tmp_path):
    code, _out, err = run_cli(["validate", tmp_path / "nope.json"])
    assert code == 2
    assert "no such file" in err
    assert "Traceback" not in err


def test_folder_instead_of_file_exits_2(run_cli, tmp_path):
    code, _out, err = run_cli(["validate", tmp_path])
    assert code == 2
    assert "folder" in err


def test_unknown_profile_exits_2(run_cli):
    code, _out, err = run_cli(["validate", PLANS[0], "--profile", "atlantis"])
    assert code == 2
    assert "unknown profile 'atlantis'" in err
    assert "england" in err  # the known profiles are listed
    assert "Traceback" not in err


def test_unknown_profile_exits_2_with_json(run_cli):
    code, _out, err = run_cli(["validate", PLANS[0], "--profile", "atlantis", "--json"])
    assert code == 2
    assert "unknown profile" in err


def test_usage_error_exits_2(run_cli):
    code, _out, err = run_cli(["validate"])
    assert code == 2
    assert "Traceback" not in err


# --- --json output shape -----------------------------------------------------------------


def test_json_shape_exit_0(run_cli):
    code, out, _ = run_cli(["validate", PLANS[0], "--json"])
    assert code == 0
    data = json.loads(out)
    assert_report_shape(data)
    assert (data["valid"], data["complete"]) == (True, True)


def test_json_shape_exit_0_with_warnings(run_cli, write_json, clean_plan):
    del clean_plan["contingency"]
    code, out, _ = run_cli(["validate", write_json(clean_plan), "--json"])
    assert code == 0
    data = json.loads(out)
    assert_report_shape(data)
    assert data["complete"] is True
    assert {(f["rule"], f["severity"], f["path"]) for f in data["findings"]} == {
        ("SG-10-CONTINGENCY", "warning", "$.contingency"),
        (ESTIMATE, "warning", "$.financial_assessment.letter_issued"),  # the letter's 2026/27 figures are estimates
    }


def test_json_shape_exit_1(run_cli, write_json, complete_plan):
    del complete_plan["advice"]
    code, out, _ = run_cli(["validate", write_json(complete_plan), "--json"])
    assert code == 1
    data = json.loads(out)
    assert_report_shape(data)
    assert (data["valid"], data["complete"], data["profile"]) == (True, False, "england")
    assert any(f["rule"] == "CA-25-1-f" and f["severity"] == "error" for f in data["findings"])


def test_json_shape_schema_error(run_cli, write_json, complete_plan):
    complete_plan["needs"][0]["domian"] = "x"
    complete_plan["plan_date"] = "2026-02-30"
    code, out, _ = run_cli(["validate", write_json(complete_plan), "--json", "--profile", "kent"])
    assert code == 2
    data = json.loads(out)
    assert_report_shape(data)
    assert (data["valid"], data["complete"], data["profile"]) == (False, False, "kent")
    paths = {f["path"] for f in data["findings"]}
    assert {"$.needs[0].domian", "$.plan_date"} <= paths
    assert all(f["severity"] == "error" for f in data["findings"])


@pytest.mark.parametrize("raw", [b"", b"[]", b"{bad", b"\xff"], ids=["empty", "list", "bad-json", "non-utf8"])
def test_json_shape_unreadable_input(run_cli, tmp_path, raw):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    code, out, _ = run_cli(["validate", path, "--json"])
    assert code == 2
    data = json.loads(out)
    assert_report_shape(data)
    assert data["valid"] is False and data["complete"] is False
    assert data["findings"]


def test_json_shape_missing_file(run_cli, tmp_path):
    code, out, _ = run_cli(["validate", tmp_path / "absent.json", "--json"])
    assert code == 2
    data = json.loads(out)
    assert_report_shape(data)
    assert data["valid"] is False


# --- human report -------------------------------------------------------------------------


def test_human_report_groups_by_severity(run_cli, write_json, clean_plan):
    del clean_plan["advice"]  # CA-25-1-f error, also SG-10-NOT-MET warning for N4
    del clean_plan["contingency"]  # SG-10-CONTINGENCY warning
    code, out, _err = run_cli(["validate", write_json(clean_plan, "draft.json")])
    assert code == 1
    assert out.splitlines()[0].startswith("draft.json: INCOMPLETE under profile 'england' (1 blocking, 3 warnings)")
    blocking = out.index("Blocking")
    warnings = out.index("Warnings")
    assert blocking < warnings
    assert blocking < out.index("CA-25-1-f") < warnings
    assert out.index("SG-10-CONTINGENCY") > warnings
    assert out.index("SG-10-NOT-MET") > warnings
    assert "$.advice" in out and "Source: Care Act 2014 s25(1)(f)" in out


def test_human_report_warnings_only(run_cli, write_json, clean_plan):
    del clean_plan["contingency"]
    code, out, _ = run_cli(["validate", write_json(clean_plan)])
    assert code == 0
    assert "complete under profile 'england' (0 blocking, 2 warnings)" in out  # and ESTIMATE
    assert "Blocking" not in out and "Warnings" in out


def test_human_report_no_findings(run_cli, write_json, clean_plan):
    clean_plan.pop("financial_assessment")  # no letter, so no estimated figures either
    code, out, _ = run_cli(["validate", write_json(clean_plan)])
    assert code == 0
    assert "(0 blocking, 0 warnings)" in out and "No findings." in out


def test_validate_reports_the_easy_read_gate(run_cli):
    """validate shows every document's findings: sample 01's two sentences too long for the
    easy-read plan, and its free text that is not easy read as written (notes, numbers in
    words, hard words), are warnings in validate, as render acts on them."""
    code, out, _ = run_cli(["validate", PLANS[0], "--json"])
    assert code == 0
    found = {(f["rule"], f["severity"], f["path"]) for f in json.loads(out)["findings"]}
    not_easy = ("contingency.keys_held_by", "contingency.risks[0].proactive", "contingency.risks[0].reactive",
                "contingency.risks[0].risk", "person.about_me", "person.communication.needs[0]", "person.lives_with")
    assert found == {
        ("ER-SENTENCE-LENGTH", "warning", "$.contingency.plan"),
        ("ER-ESSENTIAL-LEFT-OUT", "warning", "$.needs[0].met_by[0].what"),
        *(("ER-EASY-WORDING", "warning", f"$.{path}") for path in not_easy),
        (ESTIMATE, "warning", "$.financial_assessment.letter_issued"),
    }
    code, out, _ = run_cli(["validate", PLANS[0]])
    assert "(0 blocking, 10 warnings)" in out and "ER-SENTENCE-LENGTH" in out and "ER-ESSENTIAL-LEFT-OUT" in out
    assert "ER-EASY-WORDING" in out


# --- no personal data in any output --------------------------------------------------------

NAME = "Zebedee Quillfeather-Marchbanks"
SECRET = "MARKER-7f3a9c-private-description"


def _plan_full_of_markers(plan: dict) -> dict:
    plan["person"]["full_name"] = NAME
    plan["person"]["preferred_name"] = NAME
    plan["person"]["about_me"] = SECRET
    for need in plan["needs"]:
        need["description"] = SECRET
        need.pop("eligibility", None)  # CA-25-1-b, names the need by id
        need["fluctuates"] = True  # SG-10-FLUCTUATING
        for arr in need.get("met_by", []):
            arr["who"] = NAME
            arr["what"] = SECRET
    for outcome in plan["outcomes"]:
        outcome["in_own_words"] = SECRET
    plan["signatures"]["person"] = {"name": NAME, "role": "independent_advocate", "signed": True}
    plan["accommodation"] = {"type": SECRET, "decision": SECRET}
    plan["personal_budget"]["person_amount"] = "1.00"  # CON-BUDGET-SUM
    plan["contingency"]["risks"][0] = {"risk": SECRET}
    plan["involvement"]["people"] = [{"name": NAME, "role": "family"}]
    plan["involvement"]["copies_to"] = [{"name": NAME, "role": "family"}]
    return plan


def test_findings_never_contain_personal_data(run_cli, write_json, complete_plan):
    path = write_json(_plan_full_of_markers(complete_plan))
    for args in (["validate", path, "--json"], ["validate", path]):
        code, out, err = run_cli(args)
        assert code == 1
        assert len(out.splitlines()) > 10  # plenty of findings were reported
        for text in (out, err):
            assert NAME not in text and "Zebedee" not in text
            assert SECRET not in text and "MARKER-7f3a9c" not in text


def test_schema_errors_never_contain_personal_data(run_cli, write_json, complete_plan):
    plan = _plan_full_of_markers(complete_plan)
    plan["person"]["full_name"] = NAME * 20  # too long: the error must not echo it
    plan["needs"][0]["domain"] = SECRET  # not a domain
    plan["needs"][1]["eligibility"] = NAME  # not an eligibility value
    plan["review"]["next_review_date"] = SECRET  # not a date
    plan["personal_budget"]["total_cost"] = SECRET  # not money
    plan["person"]["reference"] = ["list", NAME]
    path = write_json(plan)
    for args in (["validate", path, "--json"], ["validate", path]):
        code, out, err = run_cli(args)
        assert code == 2
        for text in (out, err):
            assert "Zebedee" not in text and "MARKER-7f3a9c" not in text


# --- hostile keys and the real command --------------------------------------------------------


def test_hostile_unknown_key_is_escaped_on_stderr(run_cli, write_json, complete_plan):
    complete_plan["person"]["\x1b[2J\u202eevil\n" + "k" * 500] = 1
    code, _out, err = run_cli(["validate", write_json(complete_plan)])
    assert code == 2
    assert "\x1b" not in err and "\u202e" not in err
    assert "$.person[" in err
    assert len(err) < 400


def _doctool() -> list[str]:
    exe = Path(sys.executable).parent / "doctool"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "doctool"]


@pytest.mark.parametrize(
    "raw,code",
    [(None, 0), (b"{", 2), (b'{"\\ud800": 1}', 2), (b"[" * 100_000, 2)],
    ids=["complete", "bad-json", "surrogate-key", "deep"],
)
def test_installed_command_exit_codes(tmp_path, raw, code):
    path = PLANS[0] if raw is None else tmp_path / "x.json"
    if raw is not None:
        path.write_bytes(raw)
    for extra in ([], ["--json"]):
        proc = subprocess.run([*_doctool(), "validate", str(path), *extra], capture_output=True, timeout=120)
        assert proc.returncode == code, proc.stderr
        assert b"Traceback" not in proc.stdout + proc.stderr
        if extra:
            assert_report_shape(json.loads(proc.stdout))


def test_installed_command_draft_exits_1(tmp_path, complete_plan):
    del complete_plan["needs"]
    path = tmp_path / "draft.json"
    path.write_bytes(dump_json(complete_plan))
    proc = subprocess.run([*_doctool(), "validate", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "CA-25-1-a" in proc.stdout
