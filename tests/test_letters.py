"""Charging letters: standalone records and letters from plans, every scenario, both formats.

Covers the record format and ``doctool validate`` (exit 0/1/2), rendering every scenario
in PDF and Word and reading back the figures, dates, the review route, the Ombudsman and
the slip; every CL- rule both ways; address validation; hostile text; letters from plans.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from doctool.api import Incomplete, NotApplicable, render_bytes, validate_bytes
from doctool.checks import check_letter
from doctool.checks.catalog import catalog
from doctool.documents import DOCUMENTS
from doctool.letters import letter_from_plan
from doctool.loading import load_document_bytes, load_plan
from doctool.model.letter import LetterRecord
from doctool.profiles import load_profile
from doctool.schema import schema

from letter_helpers import BY_SCENARIO, LETTERS, PLANS, REPO, cli, docx_text, dump, letter, load, norm, pdf_text, render
from render_helpers import word_table_problems

SCENARIOS = ["pending", "assessed", "nil", "full_cost", "s117", "deferred_payment"]
OMBUDSMAN = "Local Government and Social Care Ombudsman"
SLIP = "I have received this letter and understand I may need to pay towards my care."


# --- the samples and the record format ----------------------------------------------------------


def test_one_sample_per_scenario():
    assert sorted(BY_SCENARIO) == sorted(SCENARIOS)
    assert len(LETTERS) == 6


#: The samples dated in 2026/27: their figures are still estimates, marked [check] in
#: doctool/data/charging/2026-04-06.toml, so each carries the CL-FIGURES-ESTIMATE warning
#: (and nothing else) until the published figures replace them.
ESTIMATED = {p for p in LETTERS if json.loads(p.read_text(encoding="utf-8"))["letter_date"] >= "2026-04-06"}


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.name)
def test_every_letter_sample_validates_cleanly(path):
    code, out, err = cli(["validate", path])
    assert code == 0, out + err
    if path in ESTIMATED:
        assert "complete under profile 'england' (0 blocking, 1 warning)" in out and "CL-FIGURES-ESTIMATE" in out
    else:
        assert "complete under profile 'england'" in out and "No findings." in out


@pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.name)
def test_every_letter_sample_fits_the_published_schema(path):
    from test_schema import validate as schema_validate  # the small validator next door

    root = json.loads((REPO / "schemas" / "charging-letter.schema.json").read_text(encoding="utf-8"))
    assert schema_validate(root, root, json.loads(path.read_text(encoding="utf-8"))) == []


def test_schema_names_the_record_type():
    s = schema("charging-letter")
    assert s["properties"]["record_type"]["const"] == "charging_letter"
    assert {"record_type", "schema_version", "reference", "letter_date", "recipient", "financial_assessment"} <= set(s["required"])
    assert s["additionalProperties"] is False


def test_schema_command_prints_the_letter_schema():
    code, out, _ = cli(["schema", "charging-letter"])
    assert code == 0
    assert out == (REPO / "schemas" / "charging-letter.schema.json").read_text(encoding="utf-8")


# --- doctool validate recognises a record (exit 0 / 1 / 2) -------------------------------------


def test_validate_exit_1_for_a_blocking_finding(tmp_path):
    data = letter("assessed")
    del data["financial_assessment"]["weekly_charge"]
    path = tmp_path / "letter.json"
    path.write_bytes(dump(data))
    code, out, err = cli(["validate", path, "--json"])
    assert code == 1, err
    report = json.loads(out)
    assert report["complete"] is False and report["valid"] is True
    assert {"rule": "CL-ASSESSED-AMOUNT", "severity": "error", "path": "$.financial_assessment.weekly_charge"} in [
        {k: f[k] for k in ("rule", "severity", "path")} for f in report["findings"]
    ]
    code, out, err = cli(["validate", path])
    assert code == 1 and "CL-ASSESSED-AMOUNT" in out and "Traceback" not in out + err


def test_validate_exit_0_with_only_warnings(tmp_path):
    data = letter("assessed")
    del data["contact"]
    path = tmp_path / "letter.json"
    path.write_bytes(dump(data))
    code, out, _ = cli(["validate", path, "--json"])
    assert code == 0
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["CL-CONTACT"]


@pytest.mark.parametrize(
    "change,where",
    [
        (lambda d: d.update(record_type="charging_letterz"), "$.record_type"),
        (lambda d: d.update(record_type=7), "$.record_type"),
        (lambda d: d.pop("letter_date"), "$.letter_date"),
        (lambda d: d.update(letter_date="next Tuesday"), "$.letter_date"),
        (lambda d: d["financial_assessment"].update(scenario="maybe"), "$.financial_assessment.scenario"),
        (lambda d: d["recipient"].update(adress={}), '$.recipient.adress'),
        (lambda d: d.update(schema_version="2.0"), "$.schema_version"),
    ],
)
def test_validate_exit_2_for_a_malformed_record(tmp_path, change, where):
    data = letter("assessed")
    change(data)
    path = tmp_path / "letter.json"
    path.write_bytes(dump(data))
    code, out, err = cli(["validate", path, "--json"])
    assert code == 2, out + err
    report = json.loads(out)
    assert report["valid"] is False
    assert any(f["path"].startswith(where) for f in report["findings"]), report
    code, out, err = cli(["validate", path])
    assert code == 2 and "Traceback" not in out + err


def test_a_file_without_record_type_is_a_plan(tmp_path):
    data = letter("assessed")
    del data["record_type"]
    path = tmp_path / "letter.json"
    path.write_bytes(dump(data))
    code, out, _ = cli(["validate", path, "--json"])
    assert code == 2
    assert any(f["path"] == "$.plan_type" for f in json.loads(out)["findings"])


def test_loader_returns_the_record_type():
    assert isinstance(load_document_bytes(BY_SCENARIO["nil"].read_bytes()), LetterRecord)


# --- rendering every scenario, both formats, read back -------------------------------------------


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, Any]]:
    """Every letter sample in PDF and Word, with its text read back."""
    out = {}
    for scenario, path in BY_SCENARIO.items():
        raw = path.read_bytes()
        pdf = render(raw, "charging-letter", "pdf")
        docx = render(raw, "charging-letter", "docx")
        out[scenario] = {"data": load(path), "pdf": pdf, "docx": docx, "pdf_text": norm(pdf_text(pdf)), "docx_text": docx_text(docx)}
    return out


def _long_date(iso: str) -> str:
    import datetime as dt

    from doctool.formatting import long_date

    return long_date(dt.date.fromisoformat(iso))


def _money(value: str) -> str:
    from decimal import Decimal

    from doctool.formatting import money

    return money(Decimal(value))


EVERY_LETTER_SAYS = [
    "Your contribution towards the cost of your care",
    "How to pay",
    "If your circumstances change",
    "If you think this is wrong",
    "How to complain",
    OMBUDSMAN,
    "0300 061 0614",
    "Who to contact",
    "Please sign and return this slip",
    "Cut along this line",
    "Signature",
]


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_letter_has_the_fixed_parts(rendered, scenario, fmt):
    r = rendered[scenario]
    text, data = r[fmt], r["data"]
    for phrase in EVERY_LETTER_SAYS:
        assert phrase in text, phrase
    if data.get("person_name"):  # a letter to someone who deals with the person's money: signed on their behalf
        assert f"I have received this letter about the care for {data['person_name']}" in text
        assert "Signed on behalf of" in text
    else:
        assert SLIP in text
    assert _long_date(data["letter_date"]) in text  # the date issued
    assert data["reference"] in text
    contact = data["contact"]
    for value in (contact["name"], contact["phone"]):
        assert value in text, value
    assert (contact.get("email") or "adult.care@eastbrook.example.gov.uk") in text
    for line in [data["recipient"]["name"], *data["recipient"]["address"]["lines"], data["recipient"]["address"]["postcode"]]:
        assert line in text, line


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "pending"])
def test_the_review_route_and_its_deadline(rendered, scenario, fmt):
    import datetime as dt

    r = rendered[scenario]
    by = dt.date.fromisoformat(r["data"]["letter_date"]) + dt.timedelta(days=28)
    text = r[fmt]
    assert f"Please ask by {_long_date(by.isoformat())}. That is 28 days from the date of this letter." in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_pending_letter_explains_what_counts(rendered, fmt):
    text = rendered["pending"][fmt]
    assert "You may have to pay towards your care" in text
    assert "more than £23,250, you will usually pay the full cost" in text
    assert "between £14,250 and £23,250, we count £1 a week for every £250" in text
    assert "Minimum Income Guarantee" in text
    assert "What is free" in text and "section 117 of the Mental Health Act 1983" in text
    assert "Please ask within 28 days" in text
    assert "You do not need to pay yet" in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_assessed_letter_shows_the_figures_and_the_working(rendered, fmt):
    r = rendered["assessed"]
    text, fa = r[fmt], r["data"]["financial_assessment"]
    assert f"{_money(fa['weekly_charge'])} a week" in text
    assert f"from {_long_date(fa['charge_from'])}" in text
    for line in fa["income"] + fa["allowances"]:
        assert line["label"] in text and _money(line["weekly"]) in text
    assert "Total income £359.40" in text
    assert "disability-related expenditure" in text and _money(fa["disability_related_expenditure"]) in text
    assert "Take off housing costs £9.60" in text
    assert "Add tariff income from your savings £11.00" in text
    assert "What you pay each week £113.35" in text
    assert "Minimum Income Guarantee" in text
    assert "Your savings and other capital are £16,780.00. This is between £14,250 and £23,250" in text
    # the cost of care and what the council pays
    assert "Your care costs £184.80 a week. You pay £113.35 a week and we pay the rest, £71.45 a week." in text
    assert "What the council pays £71.45" in text
    # how to pay: Direct Debit, every 4 weeks
    assert "You pay by Direct Debit. We will collect £453.40 every 4 weeks." in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_nil_letter(rendered, fmt):
    text = rendered["nil"][fmt]
    assert "You do not need to pay anything towards your care at present" in text
    assert "£0.00 a week" in text and "What you pay each week £0.00" in text
    assert "Your care costs £412.60 a week. We pay all of it." in text
    assert "This letter is about the care and support for Thomas Price." in text  # a letter to a deputy
    assert "Dear Ms Price," in text
    assert "Signed on behalf of Thomas Price" in text
    assert "Signing as deputy (Court of Protection deputy for property and financial affairs)" in text
    assert "We have sent it to you as their deputy" in text
    # no sentence is said twice (the headline once said what the introduction said)
    sentences = [x.strip() for x in re.split(r"(?<=[.!?])\s+", text) if len(x.strip()) > 30]
    repeated = {x for x in sentences if sentences.count(x) > 1 and "reference" not in x.lower()}
    assert not repeated, repeated


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_full_cost_letter_with_the_arrangement_fee(rendered, fmt):
    text = rendered["full_cost"][fmt]
    assert "You will pay the full cost of your care" in text
    assert "£312.90 a week" in text and "from 13 July 2026" in text
    assert "They are £87,500.00. This is more than £23,250, which is called the upper capital limit." in text
    assert "We charge a fee for this of £3.10 a week" in text
    assert "Arrangement fee £3.10" in text and "Total you pay £316.00" in text
    assert "We will send you an invoice every 4 weeks for £1,264.00." in text
    assert "go down to £23,250 or less" in text


def test_full_cost_letter_for_a_refusal():
    data = letter("full_cost")
    data["financial_assessment"]["refused_assessment"] = True
    del data["financial_assessment"]["capital"]
    text = norm(pdf_text(render(dump(data), "charging-letter", "pdf")))
    assert "You told us you did not want a financial assessment. So you need to pay the full cost of your care." in text
    assert "£87,500" not in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_s117_letter(rendered, fmt):
    r = rendered["s117"]
    text = r[fmt]
    assert "Your section 117 after-care is free" in text
    assert "section 117 of the Mental Health Act 1983" in text
    for service in r["data"]["services"]:
        assert service["description"] in text
    # free to the person, and what each costs the council (so the totals add up on the page)
    assert "Free to you (it costs £248.00 a week)" in text and "Free to you (it costs £76.00 a week)" in text
    assert "Home care: help with shopping and cleaning, 3 hours a week £79.20" in text
    assert "£38.92 a week" in text and "for your other care, from 14 September 2026" in text
    assert "What you pay each week £38.92" in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_deferred_payment_letter(rendered, fmt):
    text = rendered["deferred_payment"][fmt]
    assert "What a deferred payment agreement is" in text
    assert "secured on your home" in text and "1 January and 1 July" in text
    assert "£322.00 a week" in text
    assert "The rest, £603.00 a week, could be put off with a deferred payment agreement." in text
    assert "We have valued your property at £265,000.00." in text
    assert "at least £31.25 a week" in text  # personal expenses allowance, 2026/27
    assert "less than £23,250" in text
    assert "Minimum Income Guarantee" not in text  # a care home resident keeps the PEA instead


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_word_letter_is_accessible(rendered, scenario):
    import io

    import docx

    document = docx.Document(io.BytesIO(rendered[scenario]["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == ["Your contribution towards the cost of your care"]
    assert "Please sign and return this slip" in headings
    assert document.core_properties.language == "en-GB"
    assert document.core_properties.title.startswith("Your contribution towards the cost of your care: ")
    assert document.tables
    assert word_table_problems(rendered[scenario]["docx"]) == []
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml


def test_same_record_same_bytes():
    raw = BY_SCENARIO["s117"].read_bytes()
    assert render(raw, "charging-letter", "pdf") == render(raw, "charging-letter", "pdf")
    assert render(raw, "charging-letter", "docx") == render(raw, "charging-letter", "docx")


# --- the command line ---------------------------------------------------------------------------


def test_render_a_letter_record_in_both_formats(tmp_path):
    for fmt in ("pdf", "docx"):
        target = tmp_path / f"letter.{fmt}"
        code, _out, err = cli(["render", BY_SCENARIO["assessed"], "--document", "charging-letter", "--format", fmt, "-o", target])
        assert code == 0, err
        assert target.read_bytes()[:4] in (b"%PDF", b"PK\x03\x04")


def test_render_all_for_a_letter_record_makes_only_the_letter(tmp_path):
    code, _out, err = cli(["render", BY_SCENARIO["nil"], "--all", "-o", tmp_path])
    assert code == 0, err
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sorted((f["document"], f["format"]) for f in manifest["files"]) == [("charging-letter", "docx"), ("charging-letter", "pdf")]


def test_a_plan_document_from_a_letter_record_is_refused(tmp_path):
    code, _out, err = cli(["render", BY_SCENARIO["nil"], "--document", "plan", "--format", "pdf", "-o", tmp_path / "x.pdf"])
    assert code == 2
    assert "made from a care and support plan" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_a_blocking_finding_refuses_the_letter_unless_draft(tmp_path):
    data = letter("assessed")
    data["recipient"]["address"]["postcode"] = "NOT KNOWN"
    src = tmp_path / "letter.json"
    src.write_bytes(dump(data))
    target = tmp_path / "letter.pdf"
    code, _out, err = cli(["render", src, "--document", "charging-letter", "--format", "pdf", "-o", target])
    assert code == 1
    assert "CL-ADDRESS-POSTCODE" in err and "Nothing was written" in err
    assert not target.exists()
    code, _out, err = cli(["render", src, "--document", "charging-letter", "--format", "pdf", "-o", target, "--draft"])
    assert code == 0, err
    text = norm(pdf_text(target.read_bytes()))
    assert "Draft: this letter is not ready to send" in text and "CL-ADDRESS-POSTCODE" in text
    with pytest.raises(Incomplete):
        render_bytes(dump(data), ["charging-letter"], ["docx"])
    docx = render(dump(data), "charging-letter", "docx", draft=True)
    assert "DRAFT: NOT TO BE SENT" in docx_text(docx)


# --- hostile text ---------------------------------------------------------------------------------


HOSTILE_NAME = "Jo <b>Bloggs</b> & {{ 7*7 }} {% if 1 %}x{% endif %}"
HOSTILE_LINE = "Flat 1 <i>&amp; {{ 7*7 }}"


def test_hostile_text_appears_literally_in_both_formats():
    data = letter("assessed")
    data["recipient"]["name"] = HOSTILE_NAME[:45]
    data["recipient"]["salutation"] = HOSTILE_NAME
    data["recipient"]["address"]["lines"][0] = HOSTILE_LINE
    data["financial_assessment"]["income"][0]["label"] = "Pension <script>alert(1)</script> & {{ 7*7 }}"
    data["contact"]["name"] = "Grace {{ config }} & <Mensah>"
    raw = dump(data)
    assert validate_bytes(raw).complete
    pdf = norm(pdf_text(render(raw, "charging-letter", "pdf")))
    docx = docx_text(render(raw, "charging-letter", "docx"))
    for text in (pdf, docx):
        assert f"Dear {HOSTILE_NAME}," in text
        assert HOSTILE_LINE in text
        assert "Pension <script>alert(1)</script> & {{ 7*7 }}" in text
        assert "Grace {{ config }} & <Mensah>" in text


def test_messages_carry_no_personal_data():
    data = letter("assessed")
    data["recipient"]["name"] = "(Secret Person"
    data["recipient"]["address"] = {"lines": ["=Private Road", "<Hidden Town>", "x" * 50], "postcode": "SECRET"}
    data["financial_assessment"]["weekly_charge"] = "1.00"
    del data["contact"]
    report = check_letter(load_document_bytes(dump(data)))
    rules = {f.rule for f in report.findings}
    assert {"CL-ADDRESS-CHAR", "CL-ADDRESS-POSTCODE", "CL-ADDRESS-LINES", "CL-ARITHMETIC", "CL-CONTACT"} <= rules
    for finding in report.findings:
        for secret in ("Secret", "Private", "Hidden", "xxxxx", "SECRET", "Whitfield", "Beacon"):
            assert secret not in finding.message, (finding.rule, finding.message)
    assert "line 2" in next(f.message for f in report.findings if f.path == "$.recipient.address.lines[0]")


# --- the address --------------------------------------------------------------------------------


def _address(lines: list[str], postcode: str = "EX3 5NP", name: str = "Mrs Joan Whitfield") -> dict:
    data = letter("assessed")
    data["recipient"]["name"] = name
    data["recipient"]["address"] = {"lines": lines, "postcode": postcode}
    return data


def _address_findings(data: dict) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in check_letter(load_document_bytes(dump(data))).findings if f.rule.startswith("CL-ADDRESS")]


@pytest.mark.parametrize(
    "data,expected",
    [
        pytest.param(_address([]), [("CL-ADDRESS-LINES", "$.recipient.address.lines")], id="2-lines"),
        pytest.param(_address([f"Line {i}" for i in range(6)]), [("CL-ADDRESS-LINES", "$.recipient.address.lines")], id="8-lines"),
        pytest.param(_address(["1 High Street"], "EX3"), [("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode")], id="bad-postcode"),
        pytest.param(_address(["1 High Street"], "12345"), [("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode")], id="digits-postcode"),
        pytest.param(_address(["1 High Street"], "QA1 1AA"), [("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode")], id="no-Q-first"),
        pytest.param(_address(["=1 High Street"]), [("CL-ADDRESS-CHAR", "$.recipient.address.lines[0]")], id="equals"),
        pytest.param(_address(["1 High Street", "<Town>"]), [("CL-ADDRESS-CHAR", "$.recipient.address.lines[1]")], id="less-than"),
        pytest.param(_address(["1 High Street"], name="@someone"), [("CL-ADDRESS-CHAR", "$.recipient.name")], id="name-at"),
        pytest.param(_address(["1 High Street"], "~EX3 5NP"), [("CL-ADDRESS-CHAR", "$.recipient.address.postcode"), ("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode")], id="tilde-postcode"),
        pytest.param(_address(["A" * 46]), [("CL-ADDRESS-LINES", "$.recipient.address.lines[0]")], id="too-long"),
        # GOV.UK Notify (notifications-utils): not a real postcode area; Girobank's GIR 0AA no longer accepted
        pytest.param(_address(["1 High Street"], "EB3 5NP"), [("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode")], id="not-a-real-area"),
        pytest.param(_address(["1 High Street"], "GIR 0AA"), [("CL-ADDRESS-POSTCODE", "$.recipient.address.postcode")], id="GIR"),
        # counted after normalising: blank lines and lines of only spaces or commas are left out
        pytest.param(_address([", ,"]), [("CL-ADDRESS-LINES", "$.recipient.address.lines")], id="blank-lines-not-counted"),
        pytest.param(_address(["NFA"]), [("CL-ADDRESS-NFA", "$.recipient.address.lines[0]")], id="NFA"),
        pytest.param(_address(["No Fixed Abode", "Eastbrook"]), [("CL-ADDRESS-NFA", "$.recipient.address.lines[0]")], id="no-fixed-abode"),
        pytest.param(_address(["1 High Street", "no fixed address"]), [("CL-ADDRESS-NFA", "$.recipient.address.lines[1]")], id="no-fixed-address"),
        pytest.param(_address(["???", "Eastbrook"]), [("CL-ADDRESS-CHAR", "$.recipient.address.lines[0]")], id="line-2-no-letter"),
        pytest.param(_address(["1 High Street"], name="!!!"), [("CL-ADDRESS-CHAR", "$.recipient.name")], id="name-no-letter"),
    ],
)
def test_bad_addresses_are_findings_not_crashes(data, expected):
    assert sorted(_address_findings(data)) == sorted(expected)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_address(["1 High Street"]), id="3-lines"),
        pytest.param(_address([f"Line {i}" for i in range(5)]), id="7-lines"),
        pytest.param(_address(["1 High Street"], "ex3 5np"), id="lower-case-postcode"),
        pytest.param(_address(["1 High Street"], "EX35NP"), id="no-space-postcode"),
        pytest.param(_address(["1 High Street"], "SW1A 2AA"), id="SW1A"),
        pytest.param(_address(["1 High Street"], "M1 1AE"), id="M1"),
        pytest.param(_address(["Flat <2> & {{ x }}", "A" * 45]), id="odd-but-allowed"),
        pytest.param(_address(["1 High Street"], "BF1 3AA"), id="BF-postcode"),
        pytest.param(_address(["Unit 5"], "BFPO 1234"), id="BFPO-number"),
        pytest.param(_address(["1 High Street", "NFA2024 Business Park"]), id="NFA-inside-a-word"),
        pytest.param(_address(["1 High Street", "???", "Eastbrook"]), id="third-line-no-letter"),
    ],
)
def test_good_addresses_have_no_findings(data):
    assert _address_findings(data) == []


@pytest.mark.parametrize(
    "char", list('@()=[]"\\/,<>~'),
)
def test_every_forbidden_first_character(char):
    assert _address_findings(_address([char + "1 High Street"])) == [("CL-ADDRESS-CHAR", "$.recipient.address.lines[0]")]


# --- every CL- rule, both ways ---------------------------------------------------------------------

Change = Callable[[dict], None]


def fa(**changes: Any) -> Change:
    def apply(d: dict) -> None:
        for key, value in changes.items():
            if value is None:
                d["financial_assessment"].pop(key, None)
            else:
                d["financial_assessment"][key] = value

    return apply


def top(**changes: Any) -> Change:
    def apply(d: dict) -> None:
        for key, value in changes.items():
            if value is None:
                d.pop(key, None)
            else:
                d[key] = value

    return apply


def address(**changes: Any) -> Change:
    def apply(d: dict) -> None:
        d["recipient"]["address"].update(changes)

    return apply


def recipient(**changes: Any) -> Change:
    def apply(d: dict) -> None:
        d["recipient"].update(changes)

    return apply


def each(*changes: Change) -> Change:
    def apply(d: dict) -> None:
        for change in changes:
            change(d)

    return apply


#: A deferred payment agreement in place, matching samples/letters/06 (£925 - £322 = £603 a week).
DPA_IN_PLACE = {"status": "in_place", "start_date": "2026-11-02", "weekly_amount": "603.00", "interest_rate": "4.15",
                "interest_rate_until": "2026-12-31", "setup_fee": "450.00", "setup_fee_added_to_debt": True}


def no_address(d: dict) -> None:
    del d["recipient"]["address"]


def no_s117(d: dict) -> None:
    for s in d["services"]:
        s["s117"] = False


# (id, base scenario, change, rule, path, message key)
CASES = [
    ("address-missing", "assessed", no_address, "CL-ADDRESS-LINES", "$.recipient.address", "missing"),
    ("address-2-lines", "assessed", address(lines=[]), "CL-ADDRESS-LINES", "$.recipient.address.lines", "count"),
    ("address-long", "assessed", address(lines=["x" * 46, "Eastbrook"]), "CL-ADDRESS-LINES", "$.recipient.address.lines[0]", "long"),
    ("postcode", "assessed", address(postcode="EASTBROOK"), "CL-ADDRESS-POSTCODE", "$.recipient.address.postcode", "format"),
    ("address-char", "assessed", address(lines=["7 Beacon Terrace", "(Westfield)"]), "CL-ADDRESS-CHAR", "$.recipient.address.lines[1]", "first"),
    ("postcode-area", "assessed", address(postcode="EB3 5NP"), "CL-ADDRESS-POSTCODE", "$.recipient.address.postcode", "area"),
    ("address-no-letter", "assessed", address(lines=["--", "Westfield"]), "CL-ADDRESS-CHAR", "$.recipient.address.lines[0]", "no-letter"),
    ("address-nfa", "assessed", address(lines=["No fixed abode", "Westfield"]), "CL-ADDRESS-NFA", "$.recipient.address.lines[0]", "nfa"),
    ("no-charge", "assessed", fa(weekly_charge=None), "CL-ASSESSED-AMOUNT", "$.financial_assessment.weekly_charge", "missing"),
    ("no-income", "assessed", fa(income=[]), "CL-ASSESSED-INCOME", "$.financial_assessment.income", "missing"),
    ("no-start", "assessed", fa(charge_from=None), "CL-ASSESSED-START", "$.financial_assessment.charge_from", "missing"),
    ("no-start-full-cost", "full_cost", fa(charge_from=None), "CL-ASSESSED-START", "$.financial_assessment.charge_from", "missing"),
    ("no-care-cost", "assessed", fa(weekly_care_cost=None), "CL-CARE-COST", "$.financial_assessment.weekly_care_cost", "missing"),
    ("charge-over-cost", "assessed", fa(weekly_care_cost="100.00"), "CL-CARE-COST", "$.financial_assessment.weekly_charge", "more"),
    ("full-cost-no-amount", "full_cost", fa(weekly_charge=None, weekly_care_cost=None), "CL-FULLCOST-AMOUNT", "$.financial_assessment.weekly_care_cost", "missing"),
    ("full-cost-no-capital", "full_cost", fa(capital=None), "CL-FULLCOST-CAPITAL", "$.financial_assessment.capital", "missing"),
    ("full-cost-low-capital", "full_cost", fa(capital="23250.00"), "CL-FULLCOST-CAPITAL", "$.financial_assessment.capital", "below"),
    ("assessed-high-capital", "assessed", fa(capital="30000.00"), "CL-ASSESSED-CAPITAL", "$.financial_assessment.capital", "above"),
    ("tariff", "assessed", fa(tariff_income="10.00", weekly_charge="112.35"), "CL-TARIFF", "$.financial_assessment.tariff_income", "differs"),
    ("arithmetic", "assessed", fa(weekly_charge="110.00"), "CL-ARITHMETIC", "$.financial_assessment.weekly_charge", "sum"),
    ("arithmetic-capped", "assessed", fa(weekly_care_cost="100.00", weekly_charge="99.00"), "CL-ARITHMETIC", "$.financial_assessment.weekly_charge", "capped"),
    ("arithmetic-s117", "s117", fa(weekly_charge="40.00"), "CL-ARITHMETIC", "$.financial_assessment.weekly_charge", "sum"),
    ("nil-with-charge", "nil", fa(weekly_charge="5.00"), "CL-NIL-AMOUNT", "$.financial_assessment.weekly_charge", "charge"),
    ("s117-no-services", "s117", no_s117, "CL-S117-SERVICES", "$.services", "missing"),
    ("s117-wrong-scenario", "s117", fa(scenario="assessed"), "CL-S117-SCENARIO", "$.financial_assessment.scenario", "scenario"),
    ("dpa-not-deferred", "assessed", fa(deferred_payment={"status": "offered"}), "CL-DEFERRED-TERMS", "$.financial_assessment.deferred_payment", "scenario"),
    ("dpa-no-amount", "deferred_payment", fa(deferred_payment={"status": "in_place", "interest_rate": "4.15"}), "CL-DEFERRED-TERMS", "$.financial_assessment.deferred_payment.weekly_amount", "amount"),
    ("dpa-no-rate", "deferred_payment", fa(deferred_payment={"status": "in_place", "weekly_amount": "603.00"}), "CL-DEFERRED-TERMS", "$.financial_assessment.deferred_payment.interest_rate", "rate"),
    ("dpa-defers-too-much", "deferred_payment", fa(deferred_payment={"status": "offered", "weekly_amount": "603.01"}), "CL-DEFERRED-TERMS", "$.financial_assessment.deferred_payment.weekly_amount", "more"),
    ("attorney-no-person", "assessed", recipient(role="attorney", authority="lpa_property_financial"), "CL-RECIPIENT", "$.person_name", "person"),
    ("dated-before", "assessed", top(letter_date="2026-02-13"), "CL-DATE", "$.letter_date", "before"),
    ("no-figures", "pending", top(letter_date="2024-01-15"), "CL-FIGURES", "$.letter_date", "none"),
    ("no-contact", "assessed", top(contact=None), "CL-CONTACT", "$.contact", "missing"),
    ("figures-estimated", "assessed", top(letter_date="2026-04-06"), "CL-FIGURES-ESTIMATE", "$.letter_date", "estimated"),
]

NEAR_MISSES = [
    ("postcode-lower", "assessed", address(postcode="ex3 5np"), "CL-ADDRESS-POSTCODE"),
    ("line-45", "assessed", address(lines=["x" * 45, "Eastbrook"]), "CL-ADDRESS-LINES"),
    ("char-inside", "assessed", address(lines=["7 Beacon Terrace (rear)", "Westfield"]), "CL-ADDRESS-CHAR"),
    ("postcode-bfpo", "assessed", address(postcode="BFPO 1234"), "CL-ADDRESS-POSTCODE"),
    ("nfa-inside-a-word", "assessed", address(lines=["NFA2024 Business Park", "Westfield"]), "CL-ADDRESS-NFA"),
    ("no-letter-line-3", "assessed", address(lines=["7 Beacon Terrace", "--"]), "CL-ADDRESS-CHAR"),
    ("pending-no-charge", "pending", fa(weekly_charge=None), "CL-ASSESSED-AMOUNT"),
    ("pending-no-start", "pending", fa(charge_from=None), "CL-ASSESSED-START"),
    ("s117-free-no-start", "s117", fa(weekly_charge=None, charge_from=None), "CL-ASSESSED-START"),
    ("full-cost-refused", "full_cost", fa(capital=None, refused_assessment=True), "CL-FULLCOST-CAPITAL"),
    ("full-cost-just-above", "full_cost", fa(capital="23250.01"), "CL-FULLCOST-CAPITAL"),
    ("full-cost-only-care-cost", "full_cost", fa(weekly_charge=None), "CL-FULLCOST-AMOUNT"),
    ("assessed-at-limit", "assessed", fa(capital="23250.00", tariff_income="36.00", weekly_charge="138.35"), "CL-ASSESSED-CAPITAL"),
    ("tariff-computed", "assessed", fa(tariff_income=None), "CL-TARIFF"),
    ("arithmetic-capped-right", "assessed", fa(weekly_care_cost="100.00", weekly_charge="100.00"), "CL-ARITHMETIC"),
    ("arithmetic-tariff-computed", "assessed", fa(tariff_income=None), "CL-ARITHMETIC"),
    ("nil-negative-net", "nil", fa(weekly_charge="0.00"), "CL-ARITHMETIC"),
    ("nil-zero", "nil", fa(weekly_charge="0.00"), "CL-NIL-AMOUNT"),
    ("same-day", "assessed", top(letter_date="2026-02-16"), "CL-DATE"),
    ("first-day-of-figures", "pending", top(letter_date="2025-04-07"), "CL-FIGURES"),
    ("contact-name-only", "assessed", top(contact={"name": "Grace Mensah"}), "CL-CONTACT"),
    ("dpa-in-place-with-terms", "deferred_payment", fa(deferred_payment=DPA_IN_PLACE), "CL-DEFERRED-TERMS"),
    ("s117-scenario-with-s117", "s117", fa(scenario="s117"), "CL-S117-SCENARIO"),
    ("attorney-about-person", "assessed", each(recipient(role="attorney"), top(person_name="Mrs Joan Whitfield")), "CL-RECIPIENT"),
    ("figures-published", "assessed", top(letter_date="2026-04-05"), "CL-FIGURES-ESTIMATE"),
]


def _report(scenario: str, change: Change):
    data = letter(scenario)
    change(data)
    report = validate_bytes(dump(data))
    assert report.valid
    return report


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.S)


@pytest.mark.parametrize("scenario,change,rule,path,key", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_letter_rule_fires(scenario, change, rule, path, key):
    report = _report(scenario, change)
    matching = [f for f in report.findings if f.rule == rule and f.path == path]
    assert matching, [(f.rule, f.path) for f in report.findings]
    spec = catalog("letter")[rule]
    finding = matching[0]
    assert finding.severity is spec.severity
    assert finding.source == spec.source
    assert _template_regex(spec.messages[key]).match(finding.message), (finding.message, spec.messages[key])
    if spec.severity.value == "error":
        assert not report.complete
    else:  # a warning never blocks: any error comes from another rule
        assert all(f.rule != rule for f in report.errors)


@pytest.mark.parametrize("scenario,change,rule", [pytest.param(*c[1:], id=c[0]) for c in NEAR_MISSES])
def test_letter_rule_stays_silent_on_near_miss(scenario, change, rule):
    assert [f for f in _report(scenario, change).findings if f.rule == rule] == []


@pytest.mark.parametrize("rule", sorted(catalog("letter")))
def test_no_letter_sample_triggers(rule):
    for path in LETTERS if rule != "CL-FIGURES-ESTIMATE" else sorted(set(LETTERS) - ESTIMATED):
        assert [f.rule for f in validate_bytes(path.read_bytes()).findings if f.rule == rule] == [], path.name


def test_every_letter_rule_and_message_has_a_case():
    # CL-NOTIFY-SIZE and CL-NOTIFY-PAGE are checked on the laid-out PDF: tests/test_letter_layout.py covers them
    after_layout = {("CL-NOTIFY-SIZE", "pages"), ("CL-NOTIFY-SIZE", "bytes"), ("CL-NOTIFY-PAGE", "size"), ("CL-NOTIFY-PAGE", "tag"), ("CL-NOTIFY-PAGE", "zone")}
    covered = {(c[3], c[5]) for c in CASES} | after_layout
    every = {(rule_id, key) for rule_id, spec in catalog("letter").items() for key in spec.messages}
    assert sorted(every - covered) == []
    assert all(rule.startswith("CL-") for rule in catalog("letter"))


def test_the_arithmetic_message_has_the_figures():
    report = _report("assessed", fa(weekly_charge="110.00"))
    message = next(f.message for f in report.findings if f.rule == "CL-ARITHMETIC")
    assert message == (
        "Income £359.40 - allowances £228.70 - disability-related expenditure £18.75 - housing costs £9.60 "
        "+ tariff income £11.00 = £113.35 a week, so the charge should be £113.35, but the weekly charge is £110.00."
    )


def test_a_council_can_make_the_contact_blocking(tmp_path, monkeypatch):
    (tmp_path / "strict.toml").write_text(
        'extends = "england"\n[severity]\n"CL-CONTACT" = "error"\n\n'
        '[[require]]\nrule = "STRICT-PAY"\ndocument = "letter"\nseverity = "error"\npath = "payment_method"\n'
        'when = "financial_assessment.weekly_charge"\nmessage = "Say how the person pays."\nsource = "Strict council"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path))
    load_profile.cache_clear()
    data = letter("nil")
    del data["contact"]
    report = validate_bytes(dump(data), "strict")
    assert {(f.rule, f.severity.value) for f in report.findings} == {("CL-CONTACT", "error"), ("STRICT-PAY", "error"), ("CL-FIGURES-ESTIMATE", "warning")}
    assert not report.complete


def test_plan_requirements_of_a_profile_do_not_apply_to_letters():
    for path in LETTERS:
        report = validate_bytes(path.read_bytes(), "kent")
        assert [f.rule for f in report.findings] == (["CL-FIGURES-ESTIMATE"] if path in ESTIMATED else []), path.name


# --- letters from plans ---------------------------------------------------------------------------

PLANS_WITH_FA = [p for p in PLANS if json.loads(p.read_text(encoding="utf-8")).get("financial_assessment")]


@pytest.mark.parametrize("path", PLANS_WITH_FA, ids=lambda p: p.name)
def test_letter_from_plan(path):
    plan = load_plan(path)
    record = letter_from_plan(plan)
    fa_ = plan.financial_assessment
    assert record.reference == plan.person.reference
    to = plan.correspondence
    if to is not None:  # letters go to the person's attorney, at their own address
        assert record.recipient.name == to.name and record.recipient.role is to.role
        assert record.recipient.address.lines == (to.address or plan.person.address).lines
        assert record.person_name and plan.person.full_name in record.person_name
    else:
        assert plan.person.full_name in record.recipient.name  # with the title, when recorded
        assert record.recipient.address.lines == plan.person.address.lines
        assert record.recipient.address.postcode == plan.person.address.postcode
    assert record.letter_date == (fa_.letter_issued or plan.plan_date)
    assert record.financial_assessment is fa_
    assert len(record.services) == len(plan.services)
    # the derived record is a valid record: it survives a round trip through the schema
    again = LetterRecord.model_validate_json(record.model_dump_json())
    assert again == record


@pytest.mark.parametrize("path", PLANS_WITH_FA, ids=lambda p: p.name)
def test_every_plan_sample_makes_a_clean_letter(path):
    """Nothing but the warning that a letter dated in 2026/27 uses estimated figures."""
    from doctool.letters import as_letter

    plan = load_plan(path)
    report = check_letter(plan)
    expected = ["CL-FIGURES-ESTIMATE"] if as_letter(plan).letter_date >= dt.date(2026, 4, 6) else []
    assert [f.rule for f in report.findings] == expected, [(f.rule, f.message) for f in report.findings]


def test_plan_letter_renders_the_plan_figures():
    path = REPO / "samples" / "plans" / "01-older-person-home-care.json"
    raw = path.read_bytes()
    data = load(path)
    for fmt, read in (("pdf", lambda b: norm(pdf_text(b))), ("docx", docx_text)):
        text = read(render(raw, "charging-letter", fmt))
        assert "£62.14 a week" in text and "from 9 November 2026" in text
        assert "Daniel Okafor" in text and "Care Manager" in text
        assert "2 November 2026" in text  # letter_issued
        assert data["person"]["full_name"] in text and "EX4 2QT" in text
        assert SLIP in text and OMBUDSMAN in text


def test_plan_letter_findings_name_the_plan_fields():
    data = load(REPO / "samples" / "plans" / "01-older-person-home-care.json")
    data["person"]["address"]["postcode"] = "UNKNOWN"
    data["person"]["address"]["lines"][1] = "/Eastbrook"
    data["financial_assessment"]["weekly_charge"] = "60.00"
    del data["signatures"]["authority"]
    del data["review"]["reviewer"]
    plan = load_document_bytes(dump(data))
    report = DOCUMENTS["charging-letter"].check(plan, load_profile("england"))  # as render checks it
    paths = {(f.rule, f.path) for f in report.findings}
    assert ("CL-ADDRESS-POSTCODE", "$.person.address.postcode") in paths
    assert ("CL-ADDRESS-CHAR", "$.person.address.lines[1]") in paths
    assert ("CL-ARITHMETIC", "$.financial_assessment.weekly_charge") in paths
    assert ("CL-CONTACT", "$.signatures.authority") in paths


def test_a_plan_without_a_financial_assessment_has_no_letter(tmp_path):
    data = load(REPO / "samples" / "plans" / "01-older-person-home-care.json")
    del data["financial_assessment"]
    src = tmp_path / "plan.json"
    src.write_bytes(dump(data))
    code, _out, err = cli(["render", src, "--document", "charging-letter", "--format", "pdf", "-o", tmp_path / "x.pdf"])
    assert code == 2 and "does not apply" in err and "financial assessment" in err
    with pytest.raises(NotApplicable):
        render_bytes(src.read_bytes(), ["charging-letter"], ["pdf"])
    code, _out, err = cli(["render", src, "--all", "-o", tmp_path / "all"])
    assert code == 0, err
    assert not list((tmp_path / "all").glob("*charging-letter*"))


def test_render_all_for_a_plan_includes_the_letter(tmp_path):
    code, _out, err = cli(["render", REPO / "samples" / "plans" / "01-older-person-home-care.json", "--all", "-o", tmp_path])
    assert code == 0, err
    names = {p.name for p in tmp_path.iterdir()}
    assert {"ASC-104233-charging-letter.pdf", "ASC-104233-charging-letter.docx"} <= names  # named from the reference
    assert not any("dp-summary" in n for n in names)


def test_a_plan_letter_is_independent_of_the_plan_draft_state():
    """Charging information is given while the plan is still being written (Kent 10.9)."""
    data = load(REPO / "samples" / "plans" / "04-combined-couple.json")
    del data["advice"]
    raw = dump(data)
    assert not validate_bytes(raw).complete
    report, files = render_bytes(raw, ["charging-letter"], ["pdf"])
    assert report.complete and files


# --- any record: a report or an input error, never a crash ------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from doctool.errors import InputError  # noqa: E402

_values = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=30) | st.sampled_from(
    ["0.00", "99999.99", "23250.00", "2026-02-29", "9999-12-31", "0001-01-01", "assessed", "s117", "nil", "<b>", "{{ 7*7 }}"]
)
_PATHS = [
    ("letter_date",), ("reference",), ("recipient", "name"), ("recipient", "address", "postcode"),
    ("financial_assessment", "scenario"), ("financial_assessment", "weekly_charge"), ("financial_assessment", "capital"),
    ("financial_assessment", "charge_from"), ("financial_assessment", "tariff_income"), ("financial_assessment", "refused_assessment"),
    ("contact",), ("payment_method",), ("person_name",),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=st.sampled_from(SCENARIOS), changes=st.lists(st.tuples(st.sampled_from(_PATHS), _values), max_size=4))
def test_any_change_to_a_record_is_a_report_or_an_input_error(scenario, changes):
    data = letter(scenario)
    for path, value in changes:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    try:
        report = validate_bytes(dump(data))
    except InputError as exc:
        assert exc.exit_code == 2 and all(e.path.startswith("$") for e in exc.errors)
        return
    assert report.valid


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(SCENARIOS),
    date=st.sampled_from(["1900-01-01", "2025-04-06", "2026-04-06", "2199-12-31"]),  # the schema's first and last dates
    charge=st.sampled_from([None, "0.00", "9999999.99"]),
)
def test_any_valid_record_renders_as_a_draft(scenario, date, charge):
    data = letter(scenario)
    data["letter_date"] = date
    data["financial_assessment"]["weekly_charge"] = charge
    if charge is None:
        del data["financial_assessment"]["weekly_charge"]
    _report, files = render_bytes(dump(data), ["charging-letter"], ["pdf", "docx"], draft=True)
    assert [f.content[:2] for f in files] == [b"%P", b"PK"]


@pytest.mark.parametrize("path", sorted((REPO / "samples" / "letters").glob("0*.json")), ids=lambda p: p.stem)
def test_every_letter_table_has_its_own_caption(path) -> None:
    """A screen reader names a table by its caption and reads each cell with its column
    heading: every table with column headings has a caption, no two tables share one, and the cost
    table is not headed "What we counted" (read as "What we counted: What the council pays")."""
    from lxml import html as lxml_html

    from doctool import pipeline

    prepared = pipeline.prepare(path.read_bytes(), draft=True)
    page = lxml_html.document_fromstring(prepared.document("charging-letter").render("html").content)
    tables = page.xpath("//main//table[contains(@class, 'records')]")  # column headings (fields have row headings)
    captions = [" ".join(t.xpath("string(./caption)").split()) for t in page.xpath("//main//table")]
    assert all(t.xpath("string(./caption)").strip() for t in tables), captions
    assert len(set(filter(None, captions))) == len(list(filter(None, captions))), captions
    for table in tables:
        rows = {" ".join(r.text_content().split()) for r in table.xpath(".//tbody/tr/td[1]")}
        head = " ".join(table.xpath("string(./thead/tr/th[1])").split())
        if rows & {"What the council pays", "The cost of your care"}:
            assert head != "What we counted", (captions, head)


def test_a_letter_finding_on_a_plan_names_the_plans_part():
    """A finding of the letter made from a plan is named as the plan's parts are, at the plan's
    own path: a practitioner reads "Who letters go to", not a letter record's field."""
    data = load(REPO / "samples" / "plans" / "10-attorney-son-dementia.json")
    data["correspondence"]["address"]["postcode"] = "EB1 2AB"  # no such postcode area
    found = {(f.rule, f.path, f.where) for f in validate_bytes(dump(data)).findings}
    assert ("CL-ADDRESS-POSTCODE", "$.correspondence.address.postcode", "Who letters go to") in found
    assert ("CL-FIGURES-ESTIMATE", "$.financial_assessment.letter_issued", "Financial assessment") in found
