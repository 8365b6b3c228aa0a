"""Council profiles: built-ins, their stricter severities and extra requirements, and a council's own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doctool.api import validate_bytes
from doctool.errors import ConfigError
from doctool.profiles import load_profile

from conftest import COMPLETE_SAMPLE, dump_json

SAMPLE = str(COMPLETE_SAMPLE)

BUILTINS = ["england", "kent", "lincolnshire", "cambridgeshire"]


def _rules(out: dict, severity: str | None = None) -> set[str]:
    return {f["rule"] for f in out["findings"] if severity is None or f["severity"] == severity}


def _finding(out: dict, rule: str) -> dict:
    matches = [f for f in out["findings"] if f["rule"] == rule]
    assert matches, f"{rule} not reported: {sorted(_rules(out))}"
    return matches[0]


# --- built-in profiles ------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_profile_loads(name):
    profile = load_profile(name)
    assert profile.name == name
    assert profile.title
    # every built-in council profile extends england and keeps its branding
    assert profile.council.get("name")


@pytest.mark.parametrize("name", BUILTINS)
def test_complete_sample_is_complete_under_every_builtin(validate_json, complete_plan, name):
    code, out, _ = validate_json(complete_plan, name)
    assert code == 0
    assert out["profile"] == name
    assert out["complete"] is True


def test_kent_makes_the_authority_signature_blocking(validate_json, complete_plan):
    del complete_plan["signatures"]["authority"]
    code, out, _ = validate_json(complete_plan, "england")
    assert code == 0 and out["complete"] is True
    assert _finding(out, "SG-10-SIGNOFF-LA")["severity"] == "warning"

    code, out, _ = validate_json(complete_plan, "kent")
    assert code == 1 and out["complete"] is False
    finding = _finding(out, "SG-10-SIGNOFF-LA")
    assert finding["severity"] == "error"
    assert finding["path"] == "$.signatures.authority"


def test_kent_makes_the_review_blocking(validate_json, complete_plan):
    del complete_plan["review"]["next_review_date"]
    code, out, _ = validate_json(complete_plan, "england")
    assert code == 0
    assert _finding(out, "SG-10-REVIEW")["severity"] == "warning"
    code, out, _ = validate_json(complete_plan, "kent")
    assert code == 1
    assert _finding(out, "SG-10-REVIEW") == {
        "rule": "SG-10-REVIEW",
        "severity": "error",
        "path": "$.review.next_review_date",
        "message": _finding(out, "SG-10-REVIEW")["message"],
        "source": _finding(out, "SG-10-REVIEW")["source"],
    }


def test_kent_severity_applies_through_the_library(complete_plan):
    del complete_plan["signatures"]["authority"]
    raw = dump_json(complete_plan)
    assert validate_bytes(raw, "england").complete
    assert not validate_bytes(raw, "kent").complete


@pytest.mark.parametrize(
    "field,rule,path",
    [
        (("contingency", "risks"), "KENT-9.5", "$.contingency.risks"),
        (("personal_budget", "how_person_wants_to_receive"), "KENT-10.6", "$.personal_budget.how_person_wants_to_receive"),
        (("financial_assessment", "charging_information_given"), "KENT-10.9", "$.financial_assessment.charging_information_given"),
        (("financial_assessment", "letter_issued"), "KENT-10.9-LETTER", "$.financial_assessment.letter_issued"),
    ],
)
def test_kent_requirements(validate_json, complete_plan, field, rule, path):
    del complete_plan[field[0]][field[1]]
    code, out, _ = validate_json(complete_plan, "kent")
    finding = _finding(out, rule)
    assert (finding["severity"], finding["path"]) == ("warning", path)
    assert finding["source"].startswith("Kent")
    _, england, _ = validate_json(complete_plan, "england")
    assert rule not in _rules(england)


def test_kent_letter_not_needed_when_assessment_refused(validate_json, complete_plan):
    del complete_plan["financial_assessment"]["letter_issued"]
    complete_plan["financial_assessment"]["refused_assessment"] = True
    _, out, _ = validate_json(complete_plan, "kent")
    assert "KENT-10.9-LETTER" not in _rules(out)


def test_kent_default_agreement_notice_only_when_unsigned(validate_json, complete_plan):
    complete_plan["signatures"]["person"]["signed"] = False
    complete_plan["signatures"]["unsigned_reason"] = "Not yet returned."
    _, out, _ = validate_json(complete_plan, "kent")
    assert _finding(out, "KENT-17.3")["path"] == "$.signatures.default_agreement_notice_date"
    complete_plan["signatures"]["default_agreement_notice_date"] = "2026-11-03"
    _, out, _ = validate_json(complete_plan, "kent")
    assert "KENT-17.3" not in _rules(out)


def test_lincolnshire_requires_the_indicative_budget(validate_json, clean_plan):
    del clean_plan["personal_budget"]["indicative_amount"]
    code, out, _ = validate_json(clean_plan, "england")
    assert code == 0 and out["findings"] == []
    code, out, _ = validate_json(clean_plan, "lincolnshire")
    assert code == 1
    finding = _finding(out, "LINCS-11")
    assert (finding["severity"], finding["path"]) == ("error", "$.personal_budget.indicative_amount")
    assert "item 11" in finding["source"]


@pytest.mark.parametrize(
    "field,rule",
    [(("review", "monitoring"), "LINCS-7"), (("personal_budget", "management"), "LINCS-8"), (("contingency", "risks"), "LINCS-4")],
)
def test_lincolnshire_sign_off_items(validate_json, complete_plan, field, rule):
    del complete_plan[field[0]][field[1]]
    code, out, _ = validate_json(complete_plan, "lincolnshire")
    assert code == 1
    assert _finding(out, rule)["path"] == f"$.{field[0]}.{field[1]}"


def test_lincolnshire_direct_payment_items(validate_json, complete_plan):
    complete_plan["direct_payment"] = {
        "need_ids": ["N2"],
        "amount": "90.30",
        "frequency": "weekly",
        "first_review_date": "2027-02-01",
        "employs_personal_assistant": True,
    }
    code, out, _ = validate_json(complete_plan, "lincolnshire")
    assert code == 1
    assert _finding(out, "LINCS-9")["path"] == "$.direct_payment.outcome_ids"
    assert _finding(out, "LINCS-10")["path"] == "$.direct_payment.employer_costs"
    # without a direct payment, neither applies
    del complete_plan["direct_payment"]
    _, out, _ = validate_json(complete_plan, "lincolnshire")
    assert not {"LINCS-9", "LINCS-10"} & _rules(out)


def test_lincolnshire_raises_need_outcome_link_to_error(validate_json, complete_plan):
    complete_plan["outcomes"][0]["need_ids"] = ["N1"]
    code, out, _ = validate_json(complete_plan, "england")
    assert code == 0
    assert _finding(out, "CON-NEED-OUTCOME")["severity"] == "warning"
    code, out, _ = validate_json(complete_plan, "lincolnshire")
    assert code == 1
    assert _finding(out, "CON-NEED-OUTCOME")["severity"] == "error"


def test_cambridgeshire_top_up_needs_a_payer(validate_json, complete_plan):
    complete_plan["personal_budget"]["top_up_amount"] = "15.00"
    code, out, _ = validate_json(complete_plan, "england")
    assert code == 0
    code, out, _ = validate_json(complete_plan, "cambridgeshire")
    assert code == 1
    finding = _finding(out, "CAMBS-1.7-TOPUP")
    assert (finding["severity"], finding["path"]) == ("error", "$.personal_budget.top_up_payer")
    complete_plan["personal_budget"]["top_up_payer"] = "Claire Dawson (daughter)"
    code, out, _ = validate_json(complete_plan, "cambridgeshire")
    assert code == 0
    assert "CAMBS-1.7-TOPUP" not in _rules(out)


def test_cambridgeshire_copy_to_person_is_blocking(validate_json, complete_plan):
    complete_plan["involvement"]["copies_to"] = []
    code, out, _ = validate_json(complete_plan, "cambridgeshire")
    assert code == 1
    assert _finding(out, "SG-10-COPIES")["severity"] == "error"


# --- a council's own profile, without code ---------------------------------------------------

OWN_PROFILE = """
name = "eastshire"
title = "Eastshire County Council"
extends = "england"

[council]
name = "Eastshire County Council"

[severity]
"SG-10-FORMAT" = "error"

[[require]]
rule = "EAST-1"
severity = "error"
path = "person.nhs_number"
message = "Record the person's NHS number."
source = "Eastshire practice standard 1"

[[require]]
rule = "EAST-2"
severity = "warning"
path = "direct_payment.support_service"
when = "direct_payment"
message = "Name the direct payment support service."
source = "Eastshire practice standard 2"
"""


@pytest.fixture
def own_profile_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "eastshire.toml").write_text(OWN_PROFILE, encoding="utf-8")
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(folder))
    load_profile.cache_clear()
    return folder


def test_own_profile_by_name_from_profile_path(validate_json, complete_plan, own_profile_dir):
    code, out, _ = validate_json(complete_plan, "eastshire")
    assert code == 0
    assert out["profile"] == "eastshire"
    profile = load_profile("eastshire")
    assert profile.council["name"] == "Eastshire County Council"
    assert profile.council["phone"]  # inherited from england

    del complete_plan["person"]["nhs_number"]
    complete_plan["person"]["communication"]["formats"] = []
    code, out, _ = validate_json(complete_plan, "eastshire")
    assert code == 1
    assert _finding(out, "EAST-1") == {
        "rule": "EAST-1",
        "severity": "error",
        "path": "$.person.nhs_number",
        "message": "Record the person's NHS number.",
        "source": "Eastshire practice standard 1",
    }
    finding = _finding(out, "SG-10-FORMAT")
    assert (finding["severity"], finding["path"]) == ("error", "$.person.communication.formats")
    assert "EAST-2" not in _rules(out)  # no direct payment

    _, england, _ = validate_json(complete_plan, "england")
    assert "EAST-1" not in _rules(england)
    assert _finding(england, "SG-10-FORMAT")["severity"] == "warning"


def test_own_profile_when_condition(validate_json, complete_plan, own_profile_dir):
    complete_plan["direct_payment"] = {"need_ids": ["N2"], "amount": "90.30", "frequency": "weekly",
                                       "first_review_date": "2027-02-01"}
    _, out, _ = validate_json(complete_plan, "eastshire")
    finding = _finding(out, "EAST-2")
    assert (finding["severity"], finding["path"]) == ("warning", "$.direct_payment.support_service")


def test_own_profile_by_file_path(run_cli, tmp_path, write_json, complete_plan):
    profile = tmp_path / "mine.toml"
    profile.write_text(OWN_PROFILE, encoding="utf-8")
    del complete_plan["person"]["nhs_number"]
    code, out, err = run_cli(["validate", write_json(complete_plan), "--json", "--profile", str(profile)])
    assert code == 1, err
    data = json.loads(out)
    assert data["profile"] == "eastshire"
    assert "EAST-1" in _rules(data, "error")


def test_own_profile_can_extend_a_council_profile(validate_json, complete_plan, tmp_path, monkeypatch):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "kent-east.toml").write_text('extends = "kent"\n[severity]\n"SG-10-FORMAT" = "error"\n')
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(folder))
    del complete_plan["signatures"]["authority"]
    del complete_plan["person"]["communication"]
    code, out, _ = validate_json(complete_plan, "kent-east")
    assert code == 1
    assert out["profile"] == "kent-east"  # no name: the file name
    assert _finding(out, "SG-10-SIGNOFF-LA")["severity"] == "error"  # from kent
    assert _finding(out, "SG-10-FORMAT")["severity"] == "error"  # its own


def _bad_profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text,wording",
    [
        pytest.param('extends = "england"\n[severity]\n"CA-25-1-f" = "warning"\n', "CA-25-1-f is a legal requirement",
                     id="lower-CA-rule"),
        pytest.param('extends = "england"\n[severity]\n"CA-26-1" = "warning"\n', "cannot be lowered", id="lower-CA-26"),
        pytest.param('extends = "england"\n[severity]\n"CON-BUDGET-SUM" = "warning"\n', "cannot be lowered",
                     id="lower-error-rule"),
        pytest.param('extends = "england"\n[severity]\n"SG-10-MADE-UP" = "error"\n', "unknown rule 'SG-10-MADE-UP'",
                     id="unknown-rule"),
        pytest.param('extends = "england"\n[severity]\n"SG-10-FORMAT" = "fatal"\n', "must be 'error' or 'warning'",
                     id="bad-severity"),
        pytest.param('extends = "nowhere"\n', "unknown profile 'nowhere'", id="unknown-parent"),
        pytest.param('extends = "england"\n[[require]]\nrule = "X-1"\npath = "person.reference"\n', "[[require]]",
                     id="require-missing-fields"),
        pytest.param('extends = "england"\n[[require]]\nrule = "X-1"\nseverity = "fatal"\npath = "a"\n'
                     'message = "m"\nsource = "s"\n', "[[require]]", id="require-bad-severity"),
        pytest.param("this is = not [valid toml", "not valid TOML", id="bad-toml"),
        pytest.param('extends = "england"\n[[require]]\nrule = "X-1"\npath = "personal_budget.managment"\n'
                     'message = "m"\nsource = "s"\n', "not a field path of the plan (no 'managment')",
                     id="require-path-typo"),
        pytest.param('extends = "england"\n[[require]]\nrule = "X-1"\npath = "person.reference"\n'
                     'when = "direct_paymnt"\nmessage = "m"\nsource = "s"\n', "when: 'direct_paymnt'",
                     id="require-when-typo"),
    ],
)
def test_bad_profile_is_refused(run_cli, tmp_path, text, wording):
    path = _bad_profile(tmp_path, text)
    code, out, err = run_cli(["validate", SAMPLE, "--profile", str(path)])
    assert code == 2
    assert wording in err
    assert "Traceback" not in err
    assert out == ""
    load_profile.cache_clear()
    with pytest.raises(ConfigError):
        load_profile(str(path))


def test_profile_that_extends_itself_is_refused(run_cli, tmp_path, monkeypatch):
    (tmp_path / "loop.toml").write_text('extends = "loop"\n')
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path))
    code, _, err = run_cli(["validate", SAMPLE, "--profile", "loop"])
    assert code == 2
    assert "extends itself" in err


def test_raising_a_warning_to_error_is_allowed_but_lowering_an_error_is_not(tmp_path):
    ok = _bad_profile(tmp_path, '[severity]\n"SG-10-NOT-MET" = "error"\n"CA-25-1-a" = "error"\n')
    assert load_profile(str(ok)).severity["SG-10-NOT-MET"].value == "error"


@pytest.mark.parametrize("name", ["../x", "../../etc/passwd", "..", "/etc/passwd", "kent/../england", "Kent", "", "a b"])
def test_profile_name_with_path_traversal_is_refused(run_cli, name, tmp_path, monkeypatch):
    # a file that a traversal would reach must still not be loaded
    (tmp_path / "x.toml").write_text('name = "x"\n')
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path / "sub"))
    code, out, err = run_cli(["validate", SAMPLE, "--profile", name])
    assert code == 2
    assert "profile" in err
    assert "Traceback" not in err
    with pytest.raises(ConfigError):
        load_profile(name)


def test_library_refuses_unknown_profile(complete_plan):
    with pytest.raises(ConfigError, match="unknown profile"):
        validate_bytes(dump_json(complete_plan), "atlantis")
