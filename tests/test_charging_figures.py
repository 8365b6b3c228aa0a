"""Charging figures: dated files, the ones in force on a letter's date, council overrides, tariff income."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from doctool import charging
from doctool.charging import Figures, figures_for, tariff_income
from doctool.checks import check_letter
from doctool.document import Document, Paragraph, printed
from doctool.documents import DOCUMENTS
from doctool.errors import ConfigError
from doctool.formatting import money
from doctool.loading import load_document_bytes
from doctool.profiles import load_profile

from letter_helpers import REPO, docx_text, dump, letter, norm, pdf_text, render
from render_helpers import document_texts, section_named

D = Decimal


# --- which figures are in force -------------------------------------------------------------


@pytest.mark.parametrize(
    "date,year",
    [
        ("2025-04-07", "2025/26"),
        ("2026-03-01", "2025/26"),
        ("2026-04-05", "2025/26"),
        ("2026-04-06", "2026/27"),
        ("2026-05-01", "2026/27"),
        ("2030-01-01", "2026/27"),
    ],
)
def test_the_figures_in_force_on_the_letter_date(date, year):
    assert figures_for(dt.date.fromisoformat(date)).year == year


def test_2025_26_figures_are_those_of_the_domain_brief():
    f = figures_for(dt.date(2026, 3, 1))
    assert (f.upper_capital_limit, f.lower_capital_limit) == (D("23250.00"), D("14250.00"))
    assert (f.tariff_step, f.tariff_income_per_step) == (D("250.00"), D("1.00"))
    assert f.personal_expenses_allowance == D("30.65")
    mig = f.minimum_income_guarantee
    assert mig["single_18_to_24"] == D("89.15")
    assert mig["single_25_to_pension_age"] == D("112.50")
    assert mig["disability_premium"] == D("49.65")
    assert mig["enhanced_disability_premium"] == D("24.25")
    assert f.in_force_from == dt.date(2025, 4, 7)


def test_2026_27_estimates_are_marked_check():
    text = (REPO / "doctool" / "data" / "charging" / "2026-04-06.toml").read_text(encoding="utf-8")
    assert "[check]" in text and "estimate" in text.lower()


def test_a_letter_before_the_earliest_figures_is_blocked():
    data = letter("assessed")
    data["letter_date"] = "2024-06-03"
    report = check_letter(load_document_bytes(dump(data)))
    assert "CL-FIGURES" in {f.rule for f in report.errors}


def _letter(data: dict, profile: str = "england") -> Document:
    """The charging letter composed from ``data`` (what every format of it is laid out from)."""
    doc = load_document_bytes(dump(data))
    prof = load_profile(profile)
    kind = DOCUMENTS["charging-letter"]
    return kind.compose(doc, prof, kind.check(doc, prof), False)


def _all_text(doc: Document) -> str:
    """Everything the letter says: its headline box, sentences, lists and tables."""
    return norm(" ".join(text for _where, text in document_texts(doc)))


def test_a_letter_dated_march_2026_uses_2025_26_and_may_2026_uses_2026_27():
    data = letter("deferred_payment")
    data["letter_date"] = "2026-03-01"
    data["financial_assessment"]["assessment_date"] = "2026-02-20"
    march = _letter(data)
    data["letter_date"] = "2026-05-01"
    may = _letter(data)
    # the figures of the letter's own date: the year's personal expenses allowance is quoted
    assert figures_for(march.meta.date).year == "2025/26" and figures_for(may.meta.date).year == "2026/27"
    assert f"at least {money(figures_for(march.meta.date).personal_expenses_allowance)} a week" in _all_text(march)
    assert f"at least {money(figures_for(may.meta.date).personal_expenses_allowance)} a week" in _all_text(may)
    assert "at least £30.65 a week" in _all_text(march)
    assert "at least £31.25 a week" in _all_text(may)
    assert "at least £31.25 a week" not in _all_text(march) and "at least £30.65 a week" not in _all_text(may)


def test_the_printed_letter_quotes_the_figures_of_its_date():
    data = letter("deferred_payment")
    data["letter_date"] = "2026-03-02"
    data["financial_assessment"]["assessment_date"] = "2026-02-20"
    text = norm(pdf_text(render(dump(data), "charging-letter", "pdf")))
    assert "at least £30.65 a week" in text
    assert "£31.25 a week to spend" not in text


# --- council overrides ------------------------------------------------------------------------


@pytest.fixture
def council_profile(tmp_path: Path, monkeypatch) -> str:
    (tmp_path / "northshire.toml").write_text(
        'name = "northshire"\ntitle = "Northshire"\nextends = "england"\n\n'
        "[charging]\n"
        'upper_capital_limit = "25000.00"\n'
        "review_within_days = 21\n"
        "invoice_every_weeks = 2\n",
        encoding="utf-8",
    )
    # a council profile names its files relative to its own folder: give it the logo
    (tmp_path / "assets" / "img").mkdir(parents=True)
    logo = REPO / "assets" / "img" / "eastbrook-logo.png"
    (tmp_path / "assets" / "img" / logo.name).write_bytes(logo.read_bytes())
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path))
    load_profile.cache_clear()
    return "northshire"


def test_a_profile_override_wins(council_profile):
    f = figures_for(dt.date(2026, 5, 1), load_profile(council_profile))
    assert f.upper_capital_limit == D("25000.00")
    assert f.lower_capital_limit == D("14250.00")  # the rest comes from the dated file
    assert f.review_within_days == 21
    assert figures_for(dt.date(2026, 5, 1)).upper_capital_limit == D("23250.00")


def test_the_letter_quotes_the_council_figures(council_profile):
    data = letter("pending")
    doc = _letter(data, council_profile)
    text = _all_text(doc)
    assert "more than £25,000" in text and "£23,250" not in text
    assert "every 2 weeks" in text
    review = section_named(doc, "If you think this is wrong")
    assert "within 21 days" in norm(" ".join(printed(b.text) for b in review.blocks if isinstance(b, Paragraph)))
    # and the Word file the council sends says so, under that heading
    word = norm(docx_text(render(dump(data), "charging-letter", "docx", council_profile)))
    assert "more than £25,000" in word and "£23,250" not in word
    assert "every 2 weeks" in word
    following = doc.sections[doc.sections.index(review) + 1].heading
    start = word.index("If you think this is wrong")
    assert "within 21 days" in word[start : word.index(following, start)]


def test_a_council_override_changes_the_full_cost_rule(council_profile):
    data = letter("full_cost")
    data["financial_assessment"]["capital"] = "24000.00"
    assert "CL-FULLCOST-CAPITAL" not in {f.rule for f in check_letter(load_document_bytes(dump(data))).findings}
    report = check_letter(load_document_bytes(dump(data)), load_profile(council_profile))
    finding = next(f for f in report.findings if f.rule == "CL-FULLCOST-CAPITAL")
    assert "£25,000.00" in finding.message and "£24,000.00" in finding.message


def test_a_malformed_override_is_a_config_error(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text('extends = "england"\n[charging]\nupper_capital_limit = "lots"\n', encoding="utf-8")
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path))
    load_profile.cache_clear()
    with pytest.raises(ConfigError, match="upper_capital_limit"):
        figures_for(dt.date(2026, 5, 1), load_profile("broken"))


def test_a_malformed_figures_file_is_named(tmp_path, monkeypatch):
    (tmp_path / "2027-04-05.toml").write_text('in_force_from = 2027-04-05\nyear = "2027/28"\n', encoding="utf-8")
    monkeypatch.setattr(charging, "FIGURES", tmp_path)
    charging.clear_cache()
    try:
        with pytest.raises(ConfigError, match=r"2027-04-05\.toml.*missing"):
            figures_for(dt.date(2027, 5, 1))
    finally:
        monkeypatch.undo()
        charging.clear_cache()


def test_a_new_year_is_a_new_file(tmp_path, monkeypatch):
    for path in charging.figures_files():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    newest = (tmp_path / "2026-04-06.toml").read_text(encoding="utf-8")
    (tmp_path / "2027-04-12.toml").write_text(
        newest.replace("2026-04-06", "2027-04-12").replace('"2026/27"', '"2027/28"').replace('"31.25"', '"32.00"'),
        encoding="utf-8",
    )
    monkeypatch.setattr(charging, "FIGURES", tmp_path)
    charging.clear_cache()
    try:
        assert figures_for(dt.date(2027, 4, 11)).year == "2026/27"
        assert figures_for(dt.date(2027, 4, 12)).personal_expenses_allowance == D("32.00")
    finally:
        monkeypatch.undo()
        charging.clear_cache()


# --- tariff income ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "capital,tariff",
    [
        ("0.00", "0.00"),
        ("9800.00", "0.00"),
        ("14250.00", "0.00"),
        ("14250.01", "1.00"),
        ("14500.00", "1.00"),
        ("14500.01", "2.00"),
        ("15000.00", "3.00"),
        ("16780.00", "11.00"),
        ("17400.00", "13.00"),
        ("23000.00", "35.00"),
        ("23250.00", "36.00"),
        ("64300.00", "36.00"),
    ],
)
def test_tariff_income_is_1_pound_for_every_250_or_part(capital, tariff):
    assert tariff_income(D(capital), figures_for(dt.date(2026, 5, 1))) == D(tariff)


def test_tariff_income_follows_the_figures_not_literals():
    base = figures_for(dt.date(2026, 5, 1))
    other = Figures(**{**base.__dict__, "lower_capital_limit": D("10000.00"), "tariff_step": D("500.00"), "tariff_income_per_step": D("2.00")})
    assert tariff_income(D("10000.01"), other) == D("2.00")
    assert tariff_income(D("11000.00"), other) == D("4.00")
    assert tariff_income(D("11000.01"), other) == D("6.00")


def test_no_charging_figure_is_written_in_the_code():
    """Capital limits, tariff rules and allowances live in data files, never in Python."""
    figures = re.compile(r"23[,_]?250|14[,_]?250|30\.65|31\.25|89\.15|112\.50|49\.65|24\.25")
    offenders = []
    for path in (REPO / "doctool").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if figures.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    for path in (REPO / "doctool" / "data" / "wording").glob("*.toml"):
        if figures.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
