"""The easy-read review (issue 18): a review record's easy-read copy, for a person who asked
for easy read. Pattern sentences from coded values and dates, free text only when it passes
the stricter gate, a finding at its path when it does not; the facts read back from PDF and
Word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from doctool import pipeline
from doctool.accessible.formats import formats_for_person
from doctool.easyread import check_easyread_review
from doctool.easyread.review import compose_review
from doctool.errors import NotApplicable
from doctool.loading import load_document_bytes
from doctool.model.review import ReviewRecord
from doctool.profiles import load_profile

from conftest import REPO, dump_json, load_json
from render_helpers import docx_text, norm, pdf_pages_text

REVIEWS = REPO / "samples" / "reviews"
EASY = REVIEWS / "05-easy-read-planned-review.json"
CARER = REVIEWS / "03-carer-cannot-cope-revised-plan.json"
ENGLAND = load_profile("england")


def asking_easy_read(path: Path) -> dict[str, Any]:
    data = load_json(path)
    data["person"]["communication"]["formats"] = ["easy_read"]
    return data


def record(data: dict[str, Any]) -> ReviewRecord:
    r = load_document_bytes(dump_json(data))
    assert isinstance(r, ReviewRecord)
    return r


def texts(data: dict[str, Any]) -> list[str]:
    return [s.text for s in compose_review(record(data), ENGLAND).sentences()]


# --- which documents a review makes ----------------------------------------------------------


def test_the_easy_read_review_comes_only_when_easy_read_was_asked_for() -> None:
    # Jamie's review also makes a charging letter: the new budget changes what he pays
    assert list(pipeline.prepare(EASY.read_bytes()).documents) == ["review", "easyread-review", "charging-letter"]
    prepared = pipeline.prepare(CARER.read_bytes())
    assert list(prepared.documents) == ["review", "charging-letter"]
    with pytest.raises(NotApplicable, match="has not asked for easy read"):
        prepared.document("easyread-review")
    files = formats_for_person(record(load_json(EASY)))
    assert [(d, f) for d, f, _ in files] == [
        ("review", "pdf"), ("review", "docx"), ("charging-letter", "pdf"), ("charging-letter", "docx"),
        ("easyread-review", "pdf"), ("easyread-review", "docx"),
    ]


def test_a_plan_is_not_made_into_an_easy_read_review() -> None:
    prepared = pipeline.prepare((REPO / "samples" / "plans" / "01-older-person-home-care.json").read_bytes())
    with pytest.raises(NotApplicable, match="review record"):
        prepared.document("easyread-review")


# --- the sentences ---------------------------------------------------------------------------


def test_every_sentence_is_a_pattern_or_free_text_that_passes_the_gate() -> None:
    said = texts(load_json(EASY))
    for sentence in (
        "We checked my plan on Monday 14 June 2027.",
        "This was my plan's yearly check.",
        "We met face to face.",
        "Priya Shah checked my plan with me.",
        "I want to cook my own tea.",  # the goal in the person's own words, plain
        "I have done this.",
        "I cook my tea 4 nights a week.",  # what is working, first person and plain
        "Some of this is going well.",
        "This is not going well yet.",
        "Leon will help me learn the bus to town.",
        "We will check my needs again.",
        "My support will change.",
        "My money for support goes from £212.40 to £258.30 each week.",
        "This starts on Friday 2 July 2027.",
        "We will check my plan again by Monday 5 June 2028.",
    ):
        assert sentence in said, sentence
    assert max(len(s.split()) for s in said if not s.startswith(("All emojis", "Licence"))) <= 15


def test_free_text_that_fails_the_gate_is_left_out_and_reported_at_its_path() -> None:
    data = load_json(EASY)
    data["outcomes_reviewed"][0]["working"] = "Jamie cooks with staff; ISF pays."  # third person, a note, an abbreviation
    said = texts(data)
    assert "Jamie cooks with staff." not in said and not any("ISF" in s for s in said)
    assert "My full review says more about this." in said  # never silently dropped
    report = check_easyread_review(record(data), ENGLAND)
    found = [(f.rule, f.path) for f in report.findings]
    assert ("ER-EASY-WORDING", "$.outcomes_reviewed[0].working") in found
    finding = next(f for f in report.findings if f.path == "$.outcomes_reviewed[0].working")
    assert "What is working (outcome reviewed)" in finding.message and "Jamie" not in finding.message
    assert "The easy-read review shows a general sentence in its place." in finding.message  # not "plan"
    # the same finding reaches validate through the pipeline, beside the review's own rules
    prepared = pipeline.prepare(dump_json(data))
    assert ("ER-EASY-WORDING", "$.outcomes_reviewed[0].working") in [(f.rule, f.path) for f in prepared.report.findings]


def test_the_risks_found_the_reasons_and_the_charging_letter_are_in_easy_read_too() -> None:
    data = load_json(EASY)
    data["risks"] = [{"risk": "I might get lost on the bus at night.", "action": "Leon will travel with me until I feel safe."}]
    said = texts(data)
    for sentence in (
        "Why we decided this:",
        "I need 3 more hours of support on Friday nights to meet my friends.",
        "Something that could go wrong:",
        "I might get lost on the bus at night.",
        "What we will do about it:",
        "Leon will travel with me until I feel safe.",
        "The council will write to me about what I pay.",  # the review makes a charging letter
    ):
        assert sentence in said, sentence
    data["risks"][0]["risk"] = "Jamie may get lost (RTA risk)."
    said = texts(data)
    assert "My full review says more about this." in said and not any("RTA" in s for s in said)
    found = {(f.rule, f.path) for f in check_easyread_review(record(data), ENGLAND).findings}
    assert ("ER-EASY-WORDING", "$.risks[0].risk") in found
    del data["financial_assessment"]
    assert "The council will write to me about what I pay." not in texts(data)


def test_a_long_goal_in_the_plan_is_reported_and_a_general_sentence_stands_in() -> None:
    data = asking_easy_read(CARER)
    said = texts(data)
    assert "My full plan says what this goal is." in said
    found = {(f.rule, f.path) for f in check_easyread_review(record(data), ENGLAND).findings}
    assert ("ER-SENTENCE-LENGTH", "$.plan.outcomes[2].in_own_words") in found
    assert ("ER-EASY-WORDING", "$.outcomes_reviewed[0].working") in found  # "Hatherley Home Care help Derek wash"


def test_a_closing_review_says_there_is_no_next_check() -> None:
    said = texts(asking_easy_read(REVIEWS / "04-closing-review.json"))
    assert "My plan is ending, so there is no next check." in said and "My plan will end." in said


def test_the_words_are_data_a_council_changes() -> None:
    from dataclasses import replace

    wording = {**ENGLAND.section("wording"), "easyread": {"review_record": {"method": {"face_to_face": "We met at my home."}}}}
    profile = replace(ENGLAND, settings={**ENGLAND.settings, "wording": wording})
    said = [s.text for s in compose_review(record(load_json(EASY)), profile).sentences()]
    assert "We met at my home." in said and "We met face to face." not in said


# --- rendered: the facts read back from PDF and Word ----------------------------------------


@pytest.mark.parametrize(
    ("data", "facts"),
    [
        (
            load_json(EASY),
            ("We checked my plan on Monday 14 June 2027", "What is going well", "I cook my tea 4 nights a week",
             "What will change", "My money for support goes from £212.40 to £258.30 each week",
             "We will check my plan again by Monday 5 June 2028"),
        ),
        (
            asking_easy_read(CARER),
            ("We checked my plan on Monday 15 February 2027", "What is going well", "I want to stay here at home with Maureen",
             "What will change", "We will make a new plan with me", "We will check my plan again by Monday 12 April 2027",
             "We will check what Maureen Hollis needs by Monday 8 March 2027"),
        ),
    ],
    ids=["easy-read-sample", "carer-sample"],
)
def test_the_easy_read_review_in_pdf_and_word_has_its_facts(data: dict[str, Any], facts: tuple[str, ...]) -> None:
    prepared = pipeline.prepare(dump_json(data))
    rendered = pipeline.render_set(prepared, pipeline.Selection.of(["easyread-review"], ["pdf", "docx"]))
    by_ext = {f.extension: f.content for f in rendered.files}
    pdf = norm("\n".join(pdf_pages_text(by_ext["pdf"])))
    word = norm(docx_text(by_ext["docx"]))
    for text in (pdf, word):
        assert "Checking my plan" in text
        for fact in facts:
            assert fact in text, fact


def test_for_person_gives_the_easy_read_review_to_a_person_who_asked(run_cli, tmp_path) -> None:
    code, _out, err = run_cli(["render", EASY, "--for-person", "-o", tmp_path])
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "ASC-140577-charging-letter.docx", "ASC-140577-charging-letter.pdf",
        "ASC-140577-easyread-review.docx", "ASC-140577-easyread-review.pdf",
        "ASC-140577-review.docx", "ASC-140577-review.pdf", "manifest.json",
    ]
    text = norm("\n".join(pdf_pages_text(tmp_path / "ASC-140577-easyread-review.pdf")))
    assert "We checked my plan on Monday 14 June 2027" in text and "When we will check again" in text
