"""Council profiles: built-ins, their stricter severities and extra requirements, and a council's own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doctool.api import validate_bytes
from doctool.errors import ConfigError
from doctool.profiles import load_profile

from conftest import COMPLETE_SAMPLE, ESTIMATE, dump_json

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
        "where": "Review",
        "link": _finding(out, "SG-10-REVIEW")["link"],
    }
    assert _finding(out, "SG-10-REVIEW")["link"]["url"].startswith("https://www.gov.uk/")


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
    _code, out, _ = validate_json(complete_plan, "kent")
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
    assert code == 0 and [f["rule"] for f in out["findings"]] == [ESTIMATE]
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
        "where": "About the person",
        "link": None,  # a council's own standard has no public page
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
    code, _out, err = run_cli(["validate", SAMPLE, "--profile", name])
    assert code == 2
    assert "profile" in err
    assert "Traceback" not in err
    with pytest.raises(ConfigError):
        load_profile(name)


def test_library_refuses_unknown_profile(complete_plan):
    with pytest.raises(ConfigError, match="unknown profile"):
        validate_bytes(dump_json(complete_plan), "atlantis")


# --- strict profiles: a mistake is refused, naming the key and the nearest valid one ----------


@pytest.mark.parametrize(
    "text,message",
    [
        pytest.param('extends = "england"\nlogo = "logo.png"\n',
                     "unknown key logo; did you mean council.logo?", id="top-level-key"),
        pytest.param('extends = "england"\n[councl]\nname = "X"\n',
                     "unknown key councl; did you mean council?", id="top-level-table"),
        pytest.param('extends = "england"\n[council]\nnmae = "X"\n',
                     "unknown key council.nmae; did you mean council.name?", id="council-key"),
        pytest.param('extends = "england"\n[wording.plan.heading]\nneeds_ = "X"\n',
                     "unknown key wording.plan.heading.needs_; did you mean wording.plan.heading.needs?",
                     id="wording-key"),
        pytest.param('extends = "england"\n[wording.plan.heding]\nneeds = "X"\n',
                     "unknown key wording.plan.heding; did you mean wording.plan.heading?", id="wording-table"),
        pytest.param('extends = "england"\n[wording.charging_letter.heading]\nletter = "X"\n',
                     "unknown key wording.charging_letter; did you mean wording.charging-letter?",
                     id="wording-document-spelling"),
        pytest.param('extends = "england"\n[wording.plan.heading]\nneeds = ["X"]\n',
                     "wording.plan.heading.needs must be text", id="wording-type"),
        pytest.param('extends = "england"\n[templates]\ncharging_letter_docx = "letter.docx"\n',
                     "unknown key templates.charging_letter_docx; did you mean templates.docx.charging-letter?",
                     id="old-docx-key"),
        pytest.param('extends = "england"\n[templates]\nplan_docx = "plan.docx"\n',
                     "unknown key templates.plan_docx; did you mean templates.docx.plan?", id="old-plan-docx-key"),
        pytest.param('extends = "england"\n[templates.docx]\ndp_summary = "dp.docx"\n',
                     "unknown key templates.docx.dp_summary; did you mean templates.docx.dp-summary?",
                     id="docx-document-misspelt"),
        pytest.param('extends = "england"\n[templates.docx]\nletter = "letter.docx"\n',
                     "unknown key templates.docx.letter; did you mean templates.docx.charging-letter?",
                     id="docx-document-unknown"),
        pytest.param('extends = "england"\n[severity]\n"SG-10-REVEIW" = "error"\n',
                     "unknown rule 'SG-10-REVEIW' in [severity] (severity.SG-10-REVEIW); did you mean severity.SG-10-REVIEW?",
                     id="rule-id"),
        pytest.param('extends = "england"\n[severity]\n"CA-25-1-f" = "warning"\n',
                     "severity.CA-25-1-f: CA-25-1-f is a legal requirement and cannot be lowered", id="CA-rule-lowered"),
        pytest.param('extends = "england"\n[easyread]\nmin_reading_eas = 70\n',
                     "unknown key easyread.min_reading_eas; did you mean easyread.min_reading_ease?", id="easyread-key"),
        pytest.param('extends = "england"\n[easyread]\nreading_ease_method = "fast"\n',
                     "easyread.reading_ease_method: Input should be 'builtin' or 'textstat'", id="easyread-value"),
        pytest.param('extends = "england"\n[charging]\nupper_capital_limt = "25000.00"\n',
                     "unknown key charging.upper_capital_limt; did you mean charging.upper_capital_limit?",
                     id="charging-key"),
        pytest.param('extends = "england"\n[[require]]\nrule = "X-1"\npaths = "person.reference"\nmessage = "m"\n'
                     'source = "s"\n', "unknown key require[0].paths; did you mean require[0].path?", id="require-key"),
        pytest.param('extends = "england"\n[council]\naddress = "County Hall"\n',
                     "council.address: Input should be a valid list", id="value-type"),
        pytest.param('extends = "england"\n[templates]\nfolder = "../elsewhere"\n',
                     "templates.folder = '../elsewhere' is outside the profile's folder", id="folder-escapes"),
        pytest.param('extends = "england"\n[templates.docx]\nplan = "/etc/passwd"\n',
                     "templates.docx.plan = '/etc/passwd' is outside the profile's folder", id="docx-escapes"),
        pytest.param('extends = "england"\n[templates]\nfolder = "no-such-folder"\n',
                     "templates.folder names a folder that does not exist: no-such-folder", id="folder-missing"),
    ],
)
def test_profile_mistake_is_refused_with_the_nearest_key(run_cli, tmp_path, text, message):
    (tmp_path / "elsewhere").mkdir()
    folder = tmp_path / "council"
    folder.mkdir()
    path = folder / "testshire.toml"
    path.write_text('name = "testshire"\n' + text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    assert str(caught.value).startswith(f"profile 'testshire' ({path}): ")
    assert message in str(caught.value)
    code, out, err = run_cli(["validate", SAMPLE, "--profile", str(path)])
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_a_symlinked_template_folder_that_leads_outside_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "council"
    folder.mkdir()
    (folder / "templates").symlink_to(outside, target_is_directory=True)
    path = folder / "testshire.toml"
    path.write_text('extends = "england"\n[templates]\nfolder = "templates"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"templates\.folder = 'templates' is outside the profile's folder"):
        load_profile(str(path))


def test_a_misnamed_template_in_the_folder_is_refused(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "charging_letter.html.j2").write_text("x", encoding="utf-8")
    (tmp_path / "templates" / "_our_footer.html.j2").write_text("x", encoding="utf-8")  # a partial: allowed
    path = tmp_path / "testshire.toml"
    path.write_text('extends = "england"\n[templates]\nfolder = "templates"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown template charging_letter.html.j2 in templates.folder; "
                                          r"did you mean charging-letter.html.j2\?"):
        load_profile(str(path))


def test_the_new_spellings_load(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "letter.docx").write_bytes(b"")
    path = tmp_path / "testshire.toml"
    path.write_text(
        'extends = "england"\n[templates]\nfolder = "templates"\n'
        'docx = { "charging-letter" = "letter.docx" }\n'
        '[wording.charging-letter.heading]\nletter = "What you pay"\n'
        '[wording.dp-summary.title]\n[wording.labels.domain]\nnutrition = "Food"\n',
        encoding="utf-8",
    )
    profile = load_profile(str(path))
    assert profile.section("templates") == {
        "folder": str((tmp_path / "templates").resolve()),
        "docx": {"charging-letter": str((tmp_path / "letter.docx").resolve())},
    }
    # wording is kept by wording file, as the views read it
    assert profile.section("wording")["charging_letter"] == {"heading": {"letter": "What you pay"}}


def test_profiles_import_no_checks():
    import subprocess
    import sys

    code = (
        "import sys\nfrom doctool.profiles import load_profile\nload_profile('kent')\n"
        "print(sorted(m for m in sys.modules if m.startswith('doctool.checks')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_profile_loaded_before_the_catalogue_is_still_refused_when_used(complete_plan):
    from doctool.checks import check_plan
    from doctool.findings import Severity
    from doctool.loading import load_document_bytes
    from doctool.profiles import Profile

    profile = Profile("odd", "odd", severity={"CA-25-1-f": Severity.warning},
                      severity_from={"CA-25-1-f": "profile 'odd' (odd.toml)"})
    with pytest.raises(ConfigError, match=r"profile 'odd' \(odd.toml\): severity.CA-25-1-f: .* cannot be lowered"):
        check_plan(load_document_bytes(dump_json(complete_plan)), profile)


def test_document_names_are_the_cli_names():
    from doctool.documents import DOCUMENTS
    from doctool.profile_spec import DOCUMENT_NAMES

    assert set(DOCUMENT_NAMES) == set(DOCUMENTS)


def test_every_easyread_setting_can_be_set():
    from doctool.datafiles import DATA, load_toml
    from doctool.profile_spec import Easyread

    assert set(load_toml(DATA / "easyread" / "settings.toml")) <= set(Easyread.model_fields)
