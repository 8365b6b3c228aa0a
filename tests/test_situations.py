"""The situations councils really meet (issue 12), read back from the documents a person gets:
a college place under an EHC plan, a tutor reached only by email, a braille reader's grade,
a carer's willingness to go on, a couple who need a Polish interpreter, the plan's layout."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess

import pytest

from doctool.accessible import braille

from letter_helpers import REPO, docx_text, dump, load, norm, pdf_text, render

PLANS = REPO / "samples" / "plans"
EHC = PLANS / "13-young-adult-ehc-plan.json"
BRAILLE = PLANS / "14-blind-braille-reader.json"
CARER = PLANS / "15-daughter-caring-for-mother.json"
INTERPRETER = PLANS / "16-couple-with-interpreter.json"

needs_louis = pytest.mark.skipif(shutil.which("lou_translate") is None, reason="liblouis-bin is not installed")


@pytest.fixture(scope="module")
def faces() -> dict[str, tuple[str, str]]:
    """Each new sample's plan as (PDF text, Word text), rendered once."""
    out = {}
    for path in (EHC, BRAILLE, CARER, INTERPRETER):
        raw = path.read_bytes()
        out[path.name] = (norm(pdf_text(render(raw, "plan", "pdf"), layout=False)), docx_text(render(raw, "plan", "docx")))
    return out


def _both(faces: dict[str, tuple[str, str]], path, *facts: str) -> None:
    for face, text in zip(("PDF", "Word"), faces[path.name], strict=True):
        for fact in facts:
            # an email address may wrap in a narrow table column (at its hyphen), never lose a part
            # (pdftotext drops a hyphen at a line end, taking it for hyphenation)
            found = fact in text or ("@" in fact and fact.replace("-", "") in re.sub(r"(?<=-) ", "", text).replace("-", ""))
            assert found, f"{path.name}: {fact!r} not in the {face} plan"


def test_a_college_place_is_shown_as_education_with_the_tutors_email(faces):
    _both(faces, EHC, "School, college or university (education)", "Eastbrook College (Education, Health and Care plan)",
          "Priya Shah", "p.shah@eastbrook-college.example.ac.uk", "By text message", "07700 900612")


def test_the_braille_readers_grade_and_email_are_in_the_plan(faces):
    _both(faces, BRAILLE, "Contracted braille (grade 2)", "Braille", "By email", "alan.pearce@example.com")


def test_the_carers_willingness_and_ability_to_go_on(faces):
    _both(faces, CARER, "Willing to go on caring Yes", "Able to go on caring Yes", "Eileen Kelly (Mother)")


def test_the_couples_language_and_interpreter(faces):
    for text in faces[INTERPRETER.name]:
        assert text.count("Language I speak Polish") == 2 and text.count("Language I read Polish") == 2
        assert text.count("I need an interpreter Polish") == 2  # for each of them


def _plan_pdf_pages(data: dict) -> int:
    pdf = render(dump(data), "plan", "pdf")
    return int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()).group(1))


def test_four_needs_do_not_take_a_page_each():
    """Each need used to be kept whole, so a need too tall for the rest of a page started a
    new one: four needs took ten mostly empty pages. Four more needs (each with two ways it
    is met) now share pages: the plan grows by at most three pages."""
    data = load(EHC)
    base = _plan_pdf_pages(data)
    for i in range(4):
        extra = copy.deepcopy(data["needs"][0])
        extra["id"] = f"X{i}"
        data["needs"].append(extra)
        data["outcomes"][0]["need_ids"].append(extra["id"])
    assert _plan_pdf_pages(data) <= base + 3


def test_a_phone_number_is_on_one_line():
    """In a narrow table column the number used to split: '07700' on one line, '900611' on the next."""
    text = pdf_text(render(EHC.read_bytes(), "plan", "pdf"))
    assert "07700 900611" in text and not re.search(r"07700\s*\n", text)


def test_the_arrangements_heading_is_printed_once():
    text = norm(pdf_text(render(EHC.read_bytes(), "plan", "pdf"), layout=False))
    assert text.count("How this need is met") == 3  # one column heading for each of the three needs


def test_an_accommodation_decision_has_its_own_heading_and_labelled_evidence():
    text = norm(pdf_text(render((PLANS / "07-care-home-top-up.json").read_bytes(), "plan", "pdf"), layout=False))
    assert "Where my needs will be met Type of accommodation" in text
    assert "The evidence for this decision" in text


def _braille_of(path, grade: int | None) -> bytes:
    data = load(path)
    if grade is not None:
        data["person"]["communication"]["braille_grade"] = grade
    return render(dump(data), "plan", "braille")


@needs_louis
def test_the_braille_copy_is_in_the_grade_the_person_reads():
    grade2, grade1 = _braille_of(BRAILLE, None), _braille_of(BRAILLE, 1)
    assert grade2 == _braille_of(BRAILLE, 2) and grade1 != grade2
    assert len(grade1) > len(grade2)  # uncontracted takes more cells
    # each reads back with its own table: "the" and "and" are one cell only in grade 2
    for content, table in ((grade2, "en-ueb-g2.ctb"), (grade1, "en-ueb-g1.ctb")):
        lines = [line for line in content.decode("ascii").replace("\f", "\r\n").split("\r\n") if line.strip()]
        back = subprocess.run(
            ["lou_translate", "--backward", f"en-us-brf.dis,{table}"], input="\n".join(lines).lower() + "\n",
            capture_output=True, text=True, check=True,
        ).stdout
        assert "Alan Francis Pearce" in back.replace("\n", " ")
    assert braille.TABLES[1].endswith("en-ueb-g1.ctb") and braille.TABLES[2].endswith("en-ueb-g2.ctb")


def test_findings_name_the_need_as_a_practitioner_does(validate_json):
    data = load(EHC)
    data["needs"][2]["eligibility"] = None
    _, out, _ = validate_json(data)
    finding = next(f for f in out["findings"] if f["rule"] == "CA-25-1-b")
    assert finding["where"] == "Need 3 (Managing and maintaining nutrition)"
    assert finding["message"].startswith("Need 3 (Managing and maintaining nutrition) does not say")
    assert finding["path"] == "$.needs[2].eligibility"
