"""Charging figures marked [check] (estimates) are said on every letter that uses them:
rule CL-FIGURES-ESTIMATE, in validate, the batch manifest, warnings.csv and the summary."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys

import pytest
from test_batch import record, write_jsonl

from doctool.charging import LETTER_FIGURES, figures_for, marked_estimates
from doctool.checks import check_letter
from doctool.loading import load_document_bytes
from doctool.profiles import load_profile

from letter_helpers import dump, letter


def test_check_marks_are_read_from_the_figures_file():
    text = (
        "# [check] Every figure marked [check] below is an ESTIMATE.\n\n"
        "in_force_from = 2026-04-06\n"
        "# [check] that they still apply.\nupper = \"1\"\nlower = \"2\"\n\n"
        "plain = \"3\"\n"
        "late = \"4\"  # [check]\n"
        "[minimum_income_guarantee]\n# [check] estimates\na = \"5\"\n# confirmed\nb = \"6\"\n\nc = \"7\"\n"
    )
    assert marked_estimates(text) == ("upper", "lower", "late", "minimum_income_guarantee.a", "minimum_income_guarantee.b")


def test_the_2026_27_figures_are_estimates_and_2025_26_quote_none_a_letter_uses():
    later, earlier = figures_for(dt.date(2026, 5, 1)), figures_for(dt.date(2026, 3, 1))
    assert {"upper_capital_limit", "lower_capital_limit", "personal_expenses_allowance"} <= set(later.estimated)
    assert later.file == "2026-04-06.toml"
    assert earlier.estimated == ("minimum_income_guarantee.pension_age",)  # a letter quotes the record's own MIG
    assert not set(earlier.estimated) & set(LETTER_FIGURES)


def _estimate(data: dict, profile: str = "england") -> list:
    report = check_letter(load_document_bytes(dump(data)), load_profile(profile))
    return [f for f in report.findings if f.rule == "CL-FIGURES-ESTIMATE"]


def test_a_letter_on_estimated_figures_is_warned_and_one_on_published_figures_is_not():
    data = letter("assessed")
    assert _estimate(data) == []  # 2 March 2026: the 2025/26 figures
    data["letter_date"] = "2026-05-04"
    (finding,) = _estimate(data)
    assert finding.severity.value == "warning" and finding.path == "$.letter_date"
    assert "2026/27" in finding.message and "2026-04-06.toml" in finding.message and "personal_expenses_allowance" in finding.message


def test_a_council_that_sets_every_estimated_figure_itself_is_not_warned(tmp_path, monkeypatch):
    later = figures_for(dt.date(2026, 5, 1))
    own = "\n".join(f'{name} = "{getattr(later, name)}"' for name in later.estimated if name in LETTER_FIGURES)
    (tmp_path / "own.toml").write_text(f'extends = "england"\n[charging]\n{own}\n', encoding="utf-8")
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path))
    load_profile.cache_clear()
    data = letter("assessed")
    data["letter_date"] = "2026-05-04"
    assert _estimate(data, "own") == [] and len(_estimate(data)) == 1
    load_profile.cache_clear()


@pytest.mark.parametrize("level", ["error"])
def test_a_council_can_refuse_letters_on_estimates(tmp_path, monkeypatch, level):
    (tmp_path / "strict.toml").write_text(f'extends = "england"\n[severity]\n"CL-FIGURES-ESTIMATE" = "{level}"\n', encoding="utf-8")
    monkeypatch.setenv("DOCTOOL_PROFILE_PATH", str(tmp_path))
    load_profile.cache_clear()
    data = letter("assessed")
    data["letter_date"] = "2026-05-04"
    assert [f.severity.value for f in _estimate(data, "strict")] == ["error"]
    load_profile.cache_clear()


def test_the_estimate_warning_is_in_every_letter_of_the_batch(tmp_path):
    """Letters dated in 2026/27 use figures marked [check]: each says so in the check's
    warnings.csv and summary, and in a run's manifest."""
    source = write_jsonl(tmp_path / "in.jsonl", [record("ASC-1", letter_date="2026-05-04"), record("ASC-2")])
    run = subprocess.run([sys.executable, "-m", "doctool", "batch", "--check", str(source), "-o", str(tmp_path / "r")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    warnings = list(csv.DictReader((tmp_path / "r" / "warnings.csv").open(encoding="utf-8-sig", newline="")))
    assert [(x["row"], x["reference"], x["rule"], x["column"]) for x in warnings] == [("1", "ASC-1", "CL-FIGURES-ESTIMATE", "$.letter_date")]
    assert json.loads(run.stdout)["warning_rules"] == {"CL-FIGURES-ESTIMATE": 1}
    assert "1 × $.letter_date: The letter is worked out with the 2026/27 charging figures" in run.stderr

    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "doctool", "batch", str(source), "--format", "docx", "--workers", "1", "-o", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    entries = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [[w["rule"] for w in e["warnings"]] for e in entries] == [["CL-FIGURES-ESTIMATE"], []]
    assert json.loads(run.stdout)["warning_rules"] == {"CL-FIGURES-ESTIMATE": 1}
