"""The direct payment agreement summary: only for plans with a direct payment, everything in
documents.md section 4 in both formats, and every DP- rule both ways."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from doctool.api import Incomplete, NotApplicable, render_bytes
from doctool.checks.catalog import catalog
from doctool.documents import DOCUMENTS
from doctool.loading import load_document_bytes
from doctool.profiles import load_profile

from letter_helpers import PLANS, REPO, cli, docx_text, dump, load, norm, pdf_text, render
from render_helpers import word_table_problems

WITH_DP = [p for p in PLANS if json.loads(p.read_text(encoding="utf-8")).get("direct_payment")]
WITHOUT_DP = [p for p in PLANS if not json.loads(p.read_text(encoding="utf-8")).get("direct_payment")]
SAMPLE_02 = REPO / "samples" / "plans" / "02-learning-disability-direct-payment-pa.json"


def test_there_are_plans_with_and_without_a_direct_payment():
    assert WITH_DP and WITHOUT_DP
    assert SAMPLE_02 in WITH_DP


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, Any]]:
    out = {}
    for path in WITH_DP:
        raw = path.read_bytes()
        pdf, docx = render(raw, "dp-summary", "pdf"), render(raw, "dp-summary", "docx")
        # the PDF read two ways: table rows as lines (layout), and each cell's lines together (flow)
        both = norm(pdf_text(pdf)) + " | " + norm(pdf_text(pdf, layout=False))
        out[path.name] = {"data": load(path), "pdf": pdf, "pdf_text": both, "docx_text": docx_text(docx), "docx": docx}
    return out


def _money(value: str) -> str:
    from decimal import Decimal

    from doctool.formatting import money

    return money(Decimal(value))


def _date(iso: str) -> str:
    import datetime as dt

    from doctool.formatting import long_date

    return long_date(dt.date.fromisoformat(iso))


PERIOD = {"weekly": "a week", "four_weekly": "every 4 weeks", "monthly": "a month"}

EVERY_SUMMARY_SAYS = [
    "Your direct payment agreement: a summary",
    "Who holds the direct payment",
    "What the direct payment pays for",
    "How much, and how often",
    "Your own contribution",
    "The account",
    "What you can use it for",
    "What you cannot use it for",
    "Anything that is not in your care and support plan.",
    "Alcohol or tobacco.",
    "Gambling.",
    "Rent, mortgage payments, household bills or food shopping.",
    "A long-term place in a care home.",
    "Paying a relative who lives in the same household, unless we have agreed in writing that this is necessary.",
    "Keep them for 7 years.",
    "This is called an audit.",
    "If your care breaks down",
    "Reviews",
    "at least once every 12 months",
    "If the direct payment ends",
    "any money that has not been spent must be paid back to us",
    "Who to contact",
    "How to complain",
    "Local Government and Social Care Ombudsman",
    "Signature of the holder",
    "Confidential: this summary contains personal information",
]


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
@pytest.mark.parametrize("name", [p.name for p in WITH_DP])
def test_the_summary_says_everything_in_section_4(summaries, name, fmt):
    s = summaries[name]
    text, dp = s[fmt], s["data"]["direct_payment"]
    for phrase in EVERY_SUMMARY_SAYS:
        assert phrase in text, phrase
    assert dp["holder"]["name"] in text
    assert f"{_money(dp['amount'])} {PERIOD[dp['frequency']]}" in text
    assert "Paid in advance" in text
    assert _date(dp["start_date"]) in text
    assert f"by {_date(dp['first_review_date'])}. This is within 6 months of it starting." in text
    assert s["data"]["person"]["reference"] in text
    if dp.get("support_service"):
        assert dp["support_service"] in text
    if dp.get("contingency"):
        assert norm(dp["contingency"]) in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_sample_02_holder_contribution_account_and_employer(summaries, fmt):
    text = summaries[SAMPLE_02.name][fmt]
    assert "This summary is for Donna Walsh, who holds the direct payment for Kieran Thomas Walsh." in text
    assert "A nominated person, chosen by the person to manage it for them" in text
    assert "£683.28 every 4 weeks" in text
    assert "£252.72 every 4 weeks" in text and "Standing order from your own bank account" in text
    assert "Do not pay your contribution from the direct payment itself." in text
    assert "A bank account used only for the direct payment" in text
    for duty in ("Employer's liability insurance", "Payroll", "Workplace pension", "Right-to-work checks", "DBS checks", "Redundancy cover"):
        assert duty in text, duty
    assert "Confirmed: Eastbrook Direct Payment Support Service payroll" in text
    assert "Personal assistant" in text and "£13.75" in text
    for need in ("Eating and drinking", "Getting out and using local services"):
        assert need in text


@pytest.mark.parametrize("fmt", ["pdf_text", "docx_text"])
def test_a_holder_who_does_not_employ_anyone_has_no_employer_section(summaries, fmt):
    name = "03-carer-support-plan.json"
    if name not in summaries:
        pytest.skip("sample 03 has no direct payment")
    text = summaries[name][fmt]
    assert "If you employ a personal assistant" not in text
    assert "You receive the direct payment and manage it yourself." in text
    assert "A prepaid card" in text


@pytest.mark.parametrize("name", [p.name for p in WITH_DP])
def test_word_summary_is_accessible(summaries, name):
    import io

    import docx

    document = docx.Document(io.BytesIO(summaries[name]["docx"]))
    assert document.core_properties.language == "en-GB"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Who holds the direct payment" in headings and "Signature of the holder" in headings
    assert document.tables
    assert word_table_problems(summaries[name]["docx"]) == []


@pytest.mark.parametrize("name", [p.name for p in WITH_DP])
def test_pdf_summary_is_tagged_a4(summaries, name, tmp_path):
    import subprocess

    path = tmp_path / "dp.pdf"
    path.write_bytes(summaries[name]["pdf"])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "(A4)" in info
    assert f"Title:           Your direct payment agreement: a summary: {summaries[name]['data']['person']['full_name']}" in info


# --- only for plans with a direct payment ---------------------------------------------------------


@pytest.mark.parametrize("path", WITHOUT_DP, ids=lambda p: p.name)
def test_no_direct_payment_exits_2_with_a_clear_message(path, tmp_path):
    target = tmp_path / "dp.pdf"
    code, out, err = cli(["render", path, "--document", "dp-summary", "--format", "pdf", "-o", target])
    assert code == 2
    assert "the dp-summary document does not apply to this plan" in err and "direct payment" in err
    assert "Traceback" not in out + err
    assert not target.exists()
    with pytest.raises(NotApplicable):
        render_bytes(path.read_bytes(), ["dp-summary"], ["docx"])


def test_render_all_includes_the_summary_only_with_a_direct_payment(tmp_path):
    code, _out, err = cli(["render", SAMPLE_02, "--all", "-o", tmp_path / "with"])
    assert code == 0, err
    assert {"ASC-118906-dp-summary.pdf", "ASC-118906-dp-summary.docx"} <= {  # named from the reference
        p.name for p in (tmp_path / "with").iterdir()
    }
    code, _out, err = cli(["render", WITHOUT_DP[0], "--all", "-o", tmp_path / "without"])
    assert code == 0, err
    assert not list((tmp_path / "without").glob("*dp-summary*"))


def test_a_letter_record_has_no_summary(tmp_path):
    code, _out, err = cli(["render", REPO / "samples" / "letters" / "02-assessed.json", "--document", "dp-summary", "--format", "pdf", "-o", tmp_path / "x.pdf"])
    assert code == 2 and "Traceback" not in err


# --- every DP- rule, both ways -----------------------------------------------------------------------

Change = Callable[[dict], None]


def dp(**changes: Any) -> Change:
    def apply(plan: dict) -> None:
        for key, value in changes.items():
            if value is None:
                plan["direct_payment"].pop(key, None)
            else:
                plan["direct_payment"][key] = value

    return apply


def holder(**changes: Any) -> Change:
    def apply(plan: dict) -> None:
        for key, value in changes.items():
            if value is None:
                plan["direct_payment"]["holder"].pop(key, None)
            else:
                plan["direct_payment"]["holder"][key] = value

    return apply


def costs(**changes: Any) -> Change:
    def apply(plan: dict) -> None:
        plan["direct_payment"]["employer_costs"].update(changes)

    return apply


def no_contingency(plan: dict) -> None:
    plan["direct_payment"].pop("contingency", None)
    plan["contingency"].pop("plan", None)


CASES = [
    ("no-holder", dp(holder=None), "DP-HOLDER", "$.direct_payment.holder", "missing"),
    ("authorised-no-basis", holder(type="authorised", basis=None), "DP-HOLDER", "$.direct_payment.holder.basis", "basis"),
    ("no-account", dp(account=None), "DP-ACCOUNT", "$.direct_payment.account", "missing"),
    ("no-start", dp(start_date=None), "DP-START", "$.direct_payment.start_date", "missing"),
    ("no-amount", dp(amount=None), "DP-AMOUNT", "$.direct_payment.amount", "amount"),
    ("no-frequency", dp(frequency=None), "DP-AMOUNT", "$.direct_payment.frequency", "frequency"),
    ("no-needs", dp(need_ids=[]), "DP-NEEDS", "$.direct_payment.need_ids", "missing"),
    ("no-first-review", dp(first_review_date=None), "DP-REVIEW-6-MONTHS", "$.direct_payment.first_review_date", "missing"),
    ("late-review", dp(first_review_date="2027-05-10"), "DP-REVIEW-6-MONTHS", "$.direct_payment.first_review_date", "late"),
    ("review-before-start", dp(first_review_date="2026-11-09"), "DP-REVIEW-6-MONTHS", "$.direct_payment.first_review_date", "before"),
    ("no-employer-costs", dp(employer_costs=None), "DP-EMPLOYER-INSURANCE", "$.direct_payment.employer_costs", "missing"),
    ("no-insurance", costs(employers_liability_insurance=False), "DP-EMPLOYER-INSURANCE", "$.direct_payment.employer_costs.employers_liability_insurance", "insurance"),
    ("no-dbs", costs(dbs_checks=False, redundancy_cover=False), "DP-EMPLOYER", "$.direct_payment.employer_costs", "duties"),
    ("no-contribution-frequency", dp(contribution_frequency=None), "DP-CONTRIBUTION", "$.direct_payment.contribution_frequency", "frequency"),
    ("no-contingency", no_contingency, "DP-CONTINGENCY", "$.direct_payment.contingency", "missing"),
]

NEAR_MISSES = [
    ("authorised-with-basis", holder(type="authorised", basis="Deputyship order, Court of Protection"), "DP-HOLDER"),
    ("review-exactly-6-months", dp(first_review_date="2027-05-09"), "DP-REVIEW-6-MONTHS"),
    ("review-without-start", dp(start_date=None, first_review_date="2030-01-01"), "DP-REVIEW-6-MONTHS"),
    ("no-pa", dp(employs_personal_assistant=False, personal_assistants=[], employer_costs=None), "DP-EMPLOYER-INSURANCE"),
    ("no-pa-duties", dp(employs_personal_assistant=False, personal_assistants=[], employer_costs=None), "DP-EMPLOYER"),
    ("no-employer-costs-once", dp(employer_costs=None), "DP-EMPLOYER"),
    ("zero-contribution", dp(person_contribution="0.00", contribution_frequency=None), "DP-CONTRIBUTION"),
    ("plan-contingency-only", dp(contingency=None), "DP-CONTINGENCY"),
]


def _report(change: Change):
    plan = copy.deepcopy(load(SAMPLE_02))
    change(plan)
    doc = load_document_bytes(dump(plan))
    return DOCUMENTS["dp-summary"].check(doc, load_profile("england"))


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.S)


@pytest.mark.parametrize("change,rule,path,key", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_dp_rule_fires(change, rule, path, key):
    report = _report(change)
    matching = [f for f in report.findings if f.rule == rule and f.path == path]
    assert matching, [(f.rule, f.path) for f in report.findings]
    spec = catalog("dp_summary")[rule]
    assert matching[0].severity is spec.severity and matching[0].source == spec.source
    assert _template_regex(spec.messages[key]).match(matching[0].message)
    if spec.severity.value == "error":
        assert not report.complete


@pytest.mark.parametrize("change,rule", [pytest.param(*c[1:], id=c[0]) for c in NEAR_MISSES])
def test_dp_rule_stays_silent_on_near_miss(change, rule):
    assert [f for f in _report(change).findings if f.rule == rule] == []


@pytest.mark.parametrize("path", WITH_DP, ids=lambda p: p.name)
def test_dp_samples_have_no_findings(path):
    doc = load_document_bytes(path.read_bytes())
    assert DOCUMENTS["dp-summary"].check(doc, load_profile("england")).findings == []


def test_every_dp_rule_and_message_has_a_case():
    covered = {(c[2], c[4]) for c in CASES}
    every = {(rule_id, key) for rule_id, spec in catalog("dp_summary").items() for key in spec.messages}
    assert sorted(every - covered) == []
    assert all(rule.startswith("DP-") for rule in catalog("dp_summary"))


def test_dp_messages_carry_no_personal_data():
    report = _report(lambda p: (dp(holder=None, first_review_date="2027-06-01", employer_costs=None)(p)))
    for finding in report.findings:
        for secret in ("Kieran", "Walsh", "Donna", "Linnet", "Jordan"):
            assert secret not in finding.message


def test_the_duties_message_names_what_is_missing():
    report = _report(costs(dbs_checks=False, redundancy_cover=False))
    finding = next(f for f in report.findings if f.rule == "DP-EMPLOYER")
    assert finding.message.endswith("are not confirmed: DBS checks, redundancy cover.")


def test_a_blocking_dp_finding_refuses_the_summary_unless_draft(tmp_path):
    plan = copy.deepcopy(load(SAMPLE_02))
    plan["direct_payment"]["employer_costs"]["employers_liability_insurance"] = False
    src = tmp_path / "plan.json"
    src.write_bytes(dump(plan))
    code, out, err = cli(["render", src, "--document", "dp-summary", "--format", "pdf", "-o", tmp_path / "dp.pdf"])
    assert code == 1 and "DP-EMPLOYER-INSURANCE" in err and not (tmp_path / "dp.pdf").exists()
    with pytest.raises(Incomplete):
        render_bytes(src.read_bytes(), ["dp-summary"], ["docx"])
    code, out, err = cli(["render", src, "--document", "dp-summary", "--format", "pdf", "-o", tmp_path / "dp.pdf", "--draft"])
    assert code == 0
    text = norm(pdf_text((tmp_path / "dp.pdf").read_bytes(), layout=False))
    assert "Draft: this summary is not final" in text and "DP-EMPLOYER-INSURANCE" in text
    assert "Not confirmed yet: please talk to us" in text
    # validate shows every document's findings, so the summary's blocking finding is there ...
    code, out, err = cli(["validate", src])
    assert code == 1 and "DP-EMPLOYER-INSURANCE" in out
    # ... but the summary's rules are its own: the plan itself can still be issued alone
    code, out, err = cli(["render", src, "--document", "plan", "--format", "docx", "-o", tmp_path / "plan.docx"])
    assert code == 0, err
    assert (tmp_path / "plan.docx").read_bytes().startswith(b"PK")
    assert "DP-EMPLOYER-INSURANCE" in err  # and render lists the same findings validate does


def test_hostile_text_in_the_summary_stays_literal():
    plan = copy.deepcopy(load(SAMPLE_02))
    plan["direct_payment"]["holder"]["name"] = "Donna <b>Walsh</b> & {{ 7*7 }}"
    plan["direct_payment"]["contingency"] = "Call {% raw %}me{% endraw %} <script>x</script> & {{ 7*7 }}"
    raw = dump(plan)
    for text in (norm(pdf_text(render(raw, "dp-summary", "pdf"))), docx_text(render(raw, "dp-summary", "docx"))):
        assert "Donna <b>Walsh</b> & {{ 7*7 }}" in text
        assert "Call {% raw %}me{% endraw %} <script>x</script> & {{ 7*7 }}" in text
