"""Reviews of the plan: the review record, its RV- checks and the person's copy, through
every public face (the command line, the pipeline, the HTTP service), with the facts read
back from the PDF and Word text."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from doctool import pipeline
from doctool.checks import check_review
from doctool.loading import load_document_bytes
from doctool.model.review import ReviewRecord
from doctool.profiles import load_profile
from doctool.schema import schema_text

from conftest import ESTIMATE, REPO, dump_json, load_json
from render_helpers import docx_text, norm, pdf_pages_text

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

REVIEWS = REPO / "samples" / "reviews"
SAMPLES = sorted(REVIEWS.glob("*.json"))
DRAFTS = REVIEWS / "drafts"
EXPECTED = json.loads((DRAFTS / "EXPECTED.json").read_text(encoding="utf-8"))
ENGLAND = load_profile("england")
CARER = REVIEWS / "03-carer-cannot-cope-revised-plan.json"
PHONE = DRAFTS / "01-telephone-review-not-suitable.json"


def review(path: Path = CARER, **changes: Any) -> dict[str, Any]:
    data = load_json(path)
    data.update(changes)
    return data


def rules(data: dict[str, Any]) -> list[tuple[str, str]]:
    record = load_document_bytes(dump_json(data))
    assert isinstance(record, ReviewRecord)
    return [(f.rule, f.path) for f in check_review(record, ENGLAND).findings]


# --- the record and its schema -------------------------------------------------------------


def test_the_published_schema_is_current() -> None:
    assert (REPO / "schemas" / "review.schema.json").read_text(encoding="utf-8") == schema_text("review")


def test_a_review_is_its_own_record_and_unknown_fields_are_errors(run_cli, write_json) -> None:
    code, out, _ = run_cli(["validate", write_json(review(review_by="me")), "--json"])
    assert code == 2 and "$.review_by" in out
    code, out, _ = run_cli(["validate", write_json(review(person={"full_name": "A\u202eB", "reference": "R1"})), "--json"])
    assert code == 2 and "$.person.full_name" in out


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_complete_sample_has_no_findings(sample: Path, run_cli) -> None:
    code, out, _ = run_cli(["validate", sample, "--json"])
    assert code == 0, out
    # a review with a new financial assessment makes a charging letter dated in 2026/27
    assert [f["rule"] for f in json.loads(out)["findings"]] in ([], [ESTIMATE])


def test_the_drafts_find_what_expected_says(run_cli) -> None:
    for name, expected in EXPECTED.items():
        code, out, _ = run_cli(["validate", DRAFTS / name, "--json"])
        found = {f["rule"] for f in json.loads(out)["findings"]}
        assert code == expected["exit"] and set(expected["rules"]) <= found, (name, found)


# --- the checks ----------------------------------------------------------------------------


def test_a_telephone_review_needs_a_recent_face_to_face_one_and_a_person_who_can_take_part() -> None:
    found = rules(review(PHONE))
    assert ("RV-METHOD", "$.last_face_to_face_review") in found
    assert ("RV-METHOD", "$.phone_suitability.stable_support") in found
    data = review(PHONE, last_face_to_face_review=None, phone_suitability=None)
    assert {("RV-METHOD", "$.last_face_to_face_review"), ("RV-METHOD", "$.phone_suitability")} <= set(rules(data))
    fine = review(PHONE, last_face_to_face_review="2027-01-04")
    fine["phone_suitability"]["stable_support"] = True
    assert not [r for r in rules(fine) if r[0] == "RV-METHOD"]


def test_a_light_touch_review_is_within_8_weeks_and_planned_reviews_every_12_months() -> None:
    light = REVIEWS / "01-light-touch-finalises-plan.json"
    assert ("RV-LIGHT-TOUCH-8-WEEKS", "$.review_date") in rules(review(light, review_date="2026-12-29"))
    assert not rules(review(light, review_date="2026-12-28"))  # 56 days after 2 November
    planned = REVIEWS / "02-planned-no-change.json"
    assert ("RV-12-MONTHS", "$.review_date") in rules(review(planned, review_date="2027-10-20", next_review_date="2028-10-01"))
    assert ("RV-12-MONTHS", "$.next_review_date") in rules(review(planned, next_review_date="2028-10-12"))
    assert ("RV-12-MONTHS", "$.next_review_date") in rules(review(planned, next_review_date=None))


def test_every_outcome_of_the_plan_is_reviewed() -> None:
    data = review()
    data["outcomes_reviewed"] = data["outcomes_reviewed"][:-1]
    assert ("RV-OUTCOMES-REVIEWED", "$.outcomes_reviewed") in rules(data)
    data = review()
    data["outcomes_reviewed"][0]["outcome_id"] = "O99"
    assert ("RV-OUTCOMES-REVIEWED", "$.outcomes_reviewed[0].outcome_id") in rules(data)
    data = review()
    data["plan"]["outcome_ids"] = []
    assert ("RV-OUTCOMES-REVIEWED", "$.plan.outcome_ids") in rules(data)


def test_a_change_in_budget_or_needs_points_to_a_reassessment_or_new_plan() -> None:
    data = review(decisions=["change_arrangements", "risk_assessment"])
    found = rules(data)
    assert ("RV-REASSESS", "$.budget.new_weekly") in found and ("RV-REASSESS", "$.changes.needs") in found
    data = review(decisions=["amend_plan", "change_arrangements"])
    assert ("RV-REASSESS", "$.changes.needs") in rules(data)  # needs changed: amending is not enough


def test_a_change_that_can_change_the_charge_records_that_the_person_was_told() -> None:
    data = review()
    del data["finances"]["reassessment_explained"]
    assert ("RV-FINANCE-INFO", "$.finances.reassessment_explained") in rules(data)


def test_a_budget_change_for_someone_who_pays_needs_the_new_financial_assessment() -> None:
    data = review()
    del data["financial_assessment"]
    assert ("RV-CHARGE", "$.financial_assessment") in rules(data)
    data["finances"]["contribution_being_paid"] = False
    assert "RV-CHARGE" not in {r for r, _ in rules(data)}
    closing = review(REVIEWS / "04-closing-review.json")  # the charge ends with the plan
    assert closing["finances"]["contribution_being_paid"] and "RV-CHARGE" not in {r for r, _ in rules(closing)}


def test_the_letters_cost_of_care_is_the_reviews_new_budget() -> None:
    data = review()
    data["financial_assessment"]["weekly_care_cost"] = "300.15"
    assert ("RV-CHARGE", "$.financial_assessment.weekly_care_cost") in rules(data)


def test_a_closing_review_prompts_the_carers_review() -> None:
    data = review(REVIEWS / "04-closing-review.json")
    del data["family_carer"]["carer_review_date"]
    assert rules(data) == [("RV-CARER-REVIEW", "$.family_carer.carer_review_date")]


def test_a_disagreement_needs_the_right_to_complain() -> None:
    data = review()
    data["disagreement"]["told_right_to_complain"] = False
    assert ("RV-DISAGREEMENT", "$.disagreement.told_right_to_complain") in rules(data)


# --- every face gives the same findings -----------------------------------------------------


def test_validate_render_and_the_service_give_the_same_findings(run_cli, tmp_path) -> None:
    from doctool.service.app import create_app
    from doctool.service.settings import Settings

    raw = PHONE.read_bytes()
    code, out, _ = run_cli(["validate", PHONE, "--json"])
    cli_findings = json.loads(out)["findings"]
    assert code == 1 and cli_findings
    code, out, err = run_cli(["render", PHONE, "--all", "-o", tmp_path / "refused"])
    assert code == 1 and not (tmp_path / "refused").exists()
    assert all(f["message"] in norm(out + err) for f in cli_findings)
    with TestClient(create_app(Settings(data_dir=tmp_path / "svc", insecure_no_auth=True, render_workers=1))) as c:
        body = c.post("/v1/validate", content=raw).json()
        assert body["findings"] == cli_findings
        refused = c.post("/v1/documents/review?format=pdf", content=raw)
        assert refused.status_code == 422, refused.text
        ok = c.post("/v1/documents/review?format=docx", content=CARER.read_bytes())
        assert ok.status_code == 200
        assert "Maureen Hollis" in norm(docx_text(ok.content))
        wrong = c.post("/v1/documents/plan?format=pdf", content=raw)
        assert wrong.status_code in (404, 409, 422) and "review record" in wrong.text
        schema = c.get("/v1/schema/review")
        assert schema.status_code == 200 and schema.json()["title"].startswith("Review")


def test_a_review_makes_the_review_and_a_charging_letter_only_when_what_the_person_pays_changes() -> None:
    prepared = pipeline.prepare(CARER.read_bytes())
    assert list(prepared.documents) == ["review", "charging-letter"]
    assert [f.rule for f in prepared.report.findings] == [ESTIMATE]
    no_change = pipeline.prepare((REVIEWS / "02-planned-no-change.json").read_bytes())
    assert list(no_change.documents) == ["review"]
    with pytest.raises(pipeline.NotApplicable, match="does not apply to this review record: it has no financial assessment"):
        no_change.document("charging-letter")


# --- the documents: facts read back from PDF and Word --------------------------------------


def test_render_all_writes_the_review_in_pdf_and_word_with_its_facts(run_cli, tmp_path) -> None:
    code, _out, err = run_cli(["render", CARER, "--all", "-o", tmp_path])
    assert code == 0, err
    pdf = norm("\n".join(pdf_pages_text(tmp_path / "ASC-120331-review.pdf")))
    word = norm(docx_text((tmp_path / "ASC-120331-review.docx").read_bytes()))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [(f["path"], f["document"]) for f in manifest["files"]] == [
        ("ASC-120331-review.pdf", "review"),
        ("ASC-120331-review.docx", "review"),
        ("ASC-120331-charging-letter.pdf", "charging-letter"),
        ("ASC-120331-charging-letter.docx", "charging-letter"),
    ]
    for text in (pdf, word):
        for fact in (
            "Your care and support plan review",
            "15 February 2027",  # the review date
            "9 November 2026",  # the plan it reviews
            "CSP-2026-00488",
            "Unplanned review, after a change",
            "Face to face",
            "\u201cI want to stay here at home with Maureen.\u201d",
            "Derek is up three or four times a night",
            "We will assess your needs again",
            "We will write a new plan with you",
            "£300.15 a week",
            "£412.65 a week",
            "1 March 2027",
            "Gary thinks his father should move to a care home now.",
            "Local Government and Social Care Ombudsman",
            "8 March 2027",  # the carer's review
            "12 April 2027",  # the next review
        ):
            assert fact in text, fact


def test_the_closing_review_says_there_is_no_next_review(run_cli, tmp_path) -> None:
    code, _out, err = run_cli(["render", REVIEWS / "04-closing-review.json", "--document", "review", "-o", tmp_path / "r.pdf"])
    assert code == 0, err
    text = norm("\n".join(pdf_pages_text(tmp_path / "r.pdf")))
    assert "Your plan will end" in text and "there is no next review" in text and "7 June 2027" in text


def test_for_person_adds_the_formats_asked_for(run_cli, tmp_path) -> None:
    code, _out, err = run_cli(["render", REVIEWS / "04-closing-review.json", "--for-person", "-o", tmp_path])
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ASC-131207-review.docx", "ASC-131207-review.pdf", "ASC-131207-review.txt", "manifest.json"]
    assert "Your choir" not in (text := (tmp_path / "ASC-131207-review.txt").read_text()) and "I want to get back to my choir" in text


def test_a_draft_review_renders_marked_with_its_findings(run_cli, tmp_path) -> None:
    code, _out, err = run_cli(["render", PHONE, "--all", "--draft", "-o", tmp_path])
    assert code in (0, 1), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ASC-102284-review-DRAFT.docx", "ASC-102284-review-DRAFT.pdf", "manifest.json"]
    text = norm("\n".join(pdf_pages_text(tmp_path / "ASC-102284-review-DRAFT.pdf")))
    assert "Draft: this review is not final" in text and "RV-METHOD" in text and "Kent review 8.5.2" in text


# --- the charging letter made from a review -------------------------------------------------


def letter_rules(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    prepared = pipeline.prepare(dump_json(data))
    return [(f.rule, f.path, f.where) for f in prepared.document("charging-letter").report.findings]


def test_the_letter_made_from_a_review_says_what_the_review_and_its_assessment_say(run_cli, tmp_path) -> None:
    for name in ("l.pdf", "l.docx"):
        code, _out, err = run_cli(["render", CARER, "--document", "charging-letter", "-o", tmp_path / name])
        assert code == 0, err
    pdf = norm("\n".join(pdf_pages_text(tmp_path / "l.pdf")))
    word = norm(docx_text((tmp_path / "l.docx").read_bytes()))
    for text in (pdf, word):
        for fact in (
            "Mr Derek John Hollis",  # to the person, titled as the review records them
            "3 Mill Lane",
            "EX9 5HN",
            "Dear Mr Hollis,",
            "£113.35 a week",
            "from 1 March 2027",  # the charge follows the new budget
            "Your care costs £412.65 a week",
            "22 February 2027",  # the new assessment
            "24 February 2027",  # the letter date
            "Aisha Rahman",  # the reviewer is the contact officer
            "ASC-120331",
        ):
            assert fact in text, fact


def test_letter_findings_on_a_review_name_the_reviews_own_fields() -> None:
    data = review()
    data["person"]["address"]["postcode"] = "ZZ1 1ZZ"
    del data["reviewer"]
    del data["financial_assessment"]["letter_issued"]
    found = letter_rules(data)
    assert ("CL-ADDRESS-POSTCODE", "$.person.address.postcode", "About the person") in found
    assert ("CL-CONTACT", "$.reviewer", "Who did the review") in found
    assert (ESTIMATE, "$.review_date", "Date of the review") in found  # dated on the review date


def test_the_letter_from_a_review_goes_to_who_deals_with_the_persons_money(run_cli, write_json, tmp_path) -> None:
    data = review(correspondence={
        "role": "attorney",
        "name": "Mr Gary Hollis",
        "salutation": "Mr Hollis",
        "address": {"lines": ["21 Station Road", "Eastbrook"], "postcode": "EX4 2QT"},
        "authority": "lpa_property_financial",
    })
    code, _out, err = run_cli(["render", write_json(data), "--document", "charging-letter", "-o", tmp_path / "l.pdf"])
    assert code == 0, err
    text = norm("\n".join(pdf_pages_text(tmp_path / "l.pdf")))
    assert "21 Station Road" in text and "about the care and support for Mr Derek John Hollis" in text
    data["correspondence"]["address"]["postcode"] = "ZZ9 9ZZ"
    assert ("CL-ADDRESS-POSTCODE", "$.correspondence.address.postcode", "Who letters go to") in letter_rules(data)


def test_the_service_makes_the_same_letter_with_the_same_findings(run_cli, tmp_path) -> None:
    from doctool.service.app import create_app
    from doctool.service.settings import Settings

    code, out, _ = run_cli(["validate", CARER, "--json"])
    cli_findings = json.loads(out)["findings"]
    assert code == 0 and [f["rule"] for f in cli_findings] == [ESTIMATE]
    with TestClient(create_app(Settings(data_dir=tmp_path / "svc", insecure_no_auth=True, render_workers=1))) as c:
        assert c.post("/v1/validate", content=CARER.read_bytes()).json()["findings"] == cli_findings
        letter = c.post("/v1/documents/charging-letter?format=pdf", content=CARER.read_bytes())
        assert letter.status_code == 200, letter.text
        assert letter.headers["Doctool-Warnings"] == "1"
        (tmp_path / "l.pdf").write_bytes(letter.content)
        assert "£113.35 a week" in norm("\n".join(pdf_pages_text(tmp_path / "l.pdf")))
