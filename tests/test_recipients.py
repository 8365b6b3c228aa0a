"""Issue 12: who letters go to and on whose behalf, money not known yet, deferred payment
agreements in place, s117 after-care on the page, and the letter slip's place.

The facts are read back from the PDF and Word text of the new samples (and of the document
model where a situation needs a changed record)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from doctool.accessible.text import document_text
from doctool.checks import check_letter
from doctool.documents import DOCUMENTS
from doctool.loading import load_document_bytes
from doctool.profiles import load_profile
from doctool.wording import Wording

from conftest import REPO
from letter_helpers import docx_text, dump, load, norm, pdf_text, render

PLANS = REPO / "samples" / "plans"
ATTORNEY = PLANS / "10-attorney-son-dementia.json"
DEFERRED = PLANS / "11-care-home-deferred-payment.json"
S117 = PLANS / "12-s117-aftercare-detained-s3.json"
PROFILE = load_profile("england")
READ = {"pdf": lambda b: norm(pdf_text(b, layout=False)), "docx": lambda b: norm(docx_text(b))}
MM = 72 / 25.4


def _text(path_or_raw: Path | bytes, document: str, fmt: str) -> str:
    raw = path_or_raw.read_bytes() if isinstance(path_or_raw, Path) else path_or_raw
    return READ[fmt](render(raw, document, fmt))


def _model_text(raw: bytes, document: str) -> str:
    """The composed document's words (the same model every format lays out), for changed records."""
    record = load_document_bytes(raw)
    kind = DOCUMENTS[document]
    report = kind.check(record, PROFILE)
    return " ".join(document_text(kind.compose(record, PROFILE, report, True), Wording("accessible", PROFILE)).split())


# --- who the letter goes to ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_letter_goes_to_the_attorney_on_her_behalf(fmt):
    text = _text(ATTORNEY, "charging-letter", fmt)
    assert "Dear Mr Aldridge-Blake," in text
    assert "Dear Dorothy" not in text and "Dear Mrs" not in text
    for line in ("Mr Robert Aldridge-Blake", "Flat 2, 19 Harbour View", "EX8 1QS"):
        assert line in text, line
    assert "4 Quarry Cottages" not in text  # her own address is not the envelope's
    assert "This letter is about the care and support for Mrs Dorothy May Aldridge-Blake." in text
    assert "as their attorney (Lasting Power of Attorney for property and financial affairs)" in text
    # the slip is signed on her behalf, in a stated capacity
    assert "I have received this letter about the care for Mrs Dorothy May Aldridge-Blake" in text
    # the slip's labels and values side by side: read in layout order (Typst's letter lays
    # them out as labelled fields, which pdftotext's reading order takes column by column)
    slip = norm(pdf_text(render(ATTORNEY.read_bytes(), "charging-letter", fmt))) if fmt == "pdf" else text
    assert "Signed on behalf of Mrs Dorothy May Aldridge-Blake" in slip
    assert "Signing as attorney (Lasting Power of Attorney for property and financial affairs)" in slip


def test_the_window_holds_the_attorneys_address():
    pdf = render(ATTORNEY.read_bytes(), "charging-letter", "pdf")
    window = pdf_text(pdf, 1, 1, 24.6 * MM, 39.5 * MM, 95.4 * MM, 26.8 * MM, layout=False)
    assert [line.strip() for line in window.splitlines() if line.strip()] == [
        "Mr Robert Aldridge-Blake", "Flat 2, 19 Harbour View", "Eastbrook", "EX8 1QS"]


def test_the_plan_says_who_letters_go_to():
    text = _text(ATTORNEY, "plan", "pdf")
    assert "Letters about my care and money go to Mr Robert Aldridge-Blake" in text
    assert "Attorney (Son)" in text and "Lasting Power of Attorney for property and financial affairs" in text
    assert "Best-interests decision maker, on behalf of Dorothy Aldridge-Blake" in text
    assert "on behalf of the Director of Adult Social Services" in text


def test_address_checks_apply_to_the_attorneys_address():
    data = load(ATTORNEY)
    data["correspondence"]["address"]["postcode"] = "EB8 1QS"  # not a real postcode area
    data["correspondence"]["address"]["lines"][0] = "(Flat 2) 19 Harbour View"
    report = check_letter(load_document_bytes(dump(data)), PROFILE)
    paths = {(f.rule, f.path) for f in report.findings}
    assert ("CL-ADDRESS-POSTCODE", "$.correspondence.address.postcode") in paths
    assert ("CL-ADDRESS-CHAR", "$.correspondence.address.lines[0]") in paths
    # with no address of their own, the letter goes to the person's, and the checks name it
    del data["correspondence"]["address"]
    data["person"]["address"]["postcode"] = "EB5 3RW"
    report = check_letter(load_document_bytes(dump(data)), PROFILE)
    assert ("CL-ADDRESS-POSTCODE", "$.person.address.postcode") in {(f.rule, f.path) for f in report.findings}


def test_a_slip_without_a_recorded_capacity_has_a_line_to_write_it():
    data = load(REPO / "samples" / "letters" / "03-nil.json")
    del data["recipient"]["role"], data["recipient"]["authority"]
    text = _model_text(dump(data), "charging-letter")
    assert "Signed on behalf of: Thomas Price" in text
    assert "Signing as (attorney, deputy or appointee): ______" in text


def test_a_letter_to_the_person_greets_them_as_they_prefer():
    text = _text(DEFERRED, "charging-letter", "pdf")
    assert "Dear Harry," in text and "Mr Harold Ernest Pengelly" in text
    data = load(DEFERRED)
    del data["person"]["form_of_address"]
    assert "Dear Mr Pengelly," in _model_text(dump(data), "charging-letter")  # title and surname, never the full name


# --- money not known yet ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_before_the_assessment_the_amount_is_not_known_yet(fmt):
    text = _text(PLANS / "04-combined-couple.json", "plan", fmt)
    assert re.search(r"What I pay \(from my financial assessment\) Not known yet", text), text[:0]
    assert not re.search(r"What I pay \(from my financial assessment\) £", text)


def test_a_refusal_never_reads_from_my_financial_assessment():
    data = load(PLANS / "06-self-funder-arranged-home-care.json")
    data["financial_assessment"]["refused_assessment"] = True
    text = _model_text(dump(data), "plan")
    assert "from my financial assessment" not in text
    assert "I chose not to have a financial assessment, so I pay the full cost" in text


# --- a deferred payment agreement in place ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_letter_states_the_agreement_in_place(fmt):
    text = _text(DEFERRED, "charging-letter", fmt)
    assert "you have a deferred payment agreement with us" in text
    assert "Your deferred payment agreement" in text
    assert "The agreement started on 12 October 2026" in text
    assert "Amount deferred each week £594.60 a week" in text
    assert "4.15% a year until 31 December 2026" in text
    assert "£495.00, added to the amount you owe" in text
    assert "£295.40 a week" in text
    # not an offer
    assert "If you would like a deferred payment agreement" not in text
    assert "could be put off" not in text


def test_the_plan_shows_the_agreement():
    text = _text(DEFERRED, "plan", "pdf")
    assert "Deferred payment agreement" in text and "In place" in text
    assert "Amount deferred each week £594.60 a week" in text and "4.15% a year" in text


# --- s117 after-care -------------------------------------------------------------------------


def _money(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.mark.parametrize("sample", [S117, PLANS / "05-s117-aftercare.json"], ids=lambda p: p.stem)
def test_s117_totals_add_up_on_the_page(sample):
    text = _text(sample, "plan", "pdf")
    total = re.search(r"All services in this plan £([\d,.]+) a week", text)
    free = re.search(r"Less section 117 after-care, free to me £([\d,.]+) a week", text)
    rest = re.search(r"Services paid from my personal budget £([\d,.]+) a week", text)
    budget = re.search(r"Total cost of meeting my eligible needs £([\d,.]+) a week", text)
    assert total and free and rest and budget, "the totals are on the page"
    assert round(_money(total[1]) - _money(free[1]), 2) == _money(rest[1]) == _money(budget[1])


def test_the_s117_plan_names_the_section_and_the_bodies():
    text = _text(S117, "plan", "pdf")
    assert "Section 3 of the Mental Health Act 1983" in text
    assert "Eastbrook Borough Council; NHS Eastbrook and Northfield Integrated Care Board" in text
    letter = _text(S117, "charging-letter", "pdf")
    assert "These services are section 117 after-care, so they are free" in letter
    assert "£329.00" in letter and "Free to you" in letter
    assert "All of your care is after-care under section 117" in letter  # every service is, so not "some"


def test_a_letter_never_leaves_out_that_s117_services_are_free():
    data = load(PLANS / "05-s117-aftercare.json")
    data["financial_assessment"]["scenario"] = "assessed"
    raw = dump(data)
    assert "CL-S117-SCENARIO" in {f.rule for f in check_letter(load_document_bytes(raw), PROFILE).findings}
    text = _model_text(raw, "charging-letter")
    assert "These services are section 117 after-care, so they are free" in text


# --- the slip's place ------------------------------------------------------------------------


def _lines(pdf: bytes, page: int) -> list[tuple[float, float, str]]:
    """(top, bottom, word) of the body text on a page (the footer, below 800 pt, left out)."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
                          input=pdf, capture_output=True, check=True).stdout.decode()
    found = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', html)
    return [(float(a), float(b), w) for a, b, w in found if float(b) < 800]


LETTERS = [*sorted((REPO / "samples" / "letters").glob("0*.json")), ATTORNEY, DEFERRED, S117]


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.stem)
def test_the_slip_is_alone_on_a_page_only_when_it_does_not_fit_before(path):
    pdf = render(path.read_bytes(), "charging-letter", "pdf")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    last = _lines(pdf, pages)
    if not last or "Cut" not in last[0][2]:
        return  # the slip shares its page with the letter
    slip_height = max(b for _, b, _ in last) - min(a for a, _, _ in last)
    free = 800 - max(b for _, b, _ in _lines(pdf, pages - 1))
    assert slip_height > free, f"the slip ({slip_height:.0f} pt) would fit in the {free:.0f} pt left on page {pages - 1}"
