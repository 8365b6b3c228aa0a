"""Shared fixtures: the repository, the complete sample plan, and ways to run doctool."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from doctool.cli import main
from doctool.profiles import load_profile

#: The fast tier (``make test-fast``): unit tests of each stage on small inputs, which need
#: no LibreOffice, Chromium or espeak and no PDF layout of whole documents. Everything else,
#: and any test marked ``integration`` inside these files, is the integration tier.
FAST_MODULES = {
    "test_document_model",
    "test_accessible_document",
    "test_nothing_lost",
    "test_template_context",
    "test_layers",
    "test_schema",
    "test_rules",
    "test_profiles",
    "test_charging_figures",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.module is None or item.module.__name__.rsplit(".", 1)[-1] not in FAST_MODULES:
            item.add_marker(pytest.mark.integration)


REPO = Path(__file__).resolve().parent.parent
COMPLETE_SAMPLE = REPO / "samples" / "plans" / "01-older-person-home-care.json"


def load_json(path: Path) -> Any:
    """Read JSON the way doctool does: numbers with a point become Decimal, never float."""
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dump_json(data: Any) -> bytes:
    """A dict as JSON bytes; Decimals are written as strings (the schema's money form)."""
    return json.dumps(data, default=_default, ensure_ascii=False, indent=1).encode("utf-8")


_COMPLETE = load_json(COMPLETE_SAMPLE)


def complete_plan_dict() -> dict[str, Any]:
    """A fresh deep copy of sample 01 (usable outside fixtures, e.g. in hypothesis tests)."""
    return copy.deepcopy(_COMPLETE)


#: The warning every letter dated in 2026/27 carries: that year's charging figures file
#: still marks some figures [check] (estimates), and a letter that uses them says so.
ESTIMATE = "CL-FIGURES-ESTIMATE"


def clean_plan_dict() -> dict[str, Any]:
    """Sample 01 with the free text that is not easy read rewritten (too long: ER-SENTENCE-LENGTH;
    a note, a number in words, a hard word: ER-EASY-WORDING), or given easy-read wording:
    no check of any document that applies finds anything but :data:`ESTIMATE`."""
    plan = complete_plan_dict()
    plan["contingency"]["plan"] = (
        "If Brightcare cannot visit, they will phone Claire and the duty team. "
        "The duty team will arrange another visit for me the same day."
    )
    plan["needs"][0]["met_by"][0]["what"] = "Help me to wash or shower, then dry and dress."
    plan["person"]["lives_with"] = "I live on my own in my home. My daughter Claire lives 10 minutes away."
    plan["person"]["about_me"] = (
        "I was a school cook for 30 years and I still love to bake. "
        "I want to stay in my own home with my cat, Biscuit. I had a fall in August and I am frightened of falling again."
    )
    plan["person"]["communication"]["needs"] = ["I wear glasses to read. I need larger print."]
    plan["contingency"]["risks"][0]["easy_read"] = (
        "I might fall at night or in the bathroom. I have a shower seat, grab rails and a pendant alarm. "
        "If I fall, I press my pendant alarm to get help."
    )
    plan["contingency"]["keys_held_by"] = "I have a key safe by my front door. Claire and Brightcare know the code."
    return plan


@pytest.fixture
def clean_plan() -> dict[str, Any]:
    """:func:`clean_plan_dict`: a complete plan with no findings at all; each test its own copy."""
    return clean_plan_dict()


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def complete_plan() -> dict[str, Any]:
    """Sample 01 as a dict; mutate it freely, each test gets its own copy."""
    return complete_plan_dict()


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    """``write_json(data, name="plan.json") -> Path`` in the test's temporary folder."""

    def write(data: Any, name: str = "plan.json") -> Path:
        path = tmp_path / name
        path.write_bytes(dump_json(data))
        return path

    return write


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """``run_cli(["validate", path]) -> (exit_code, stdout, stderr)`` through doctool.cli.main."""

    def run(args: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def validate_json(run_cli, write_json) -> Callable[..., tuple[int, dict[str, Any], str]]:
    """``validate_json(plan_dict, profile="england") -> (exit_code, parsed --json output, stderr)``."""

    def run(data: Any, profile: str = "england") -> tuple[int, dict[str, Any], str]:
        path = write_json(data)
        code, out, err = run_cli(["validate", str(path), "--json", "--profile", profile])
        assert "Traceback" not in out + err
        return code, json.loads(out), err

    return run


@pytest.fixture(autouse=True)
def _fresh_profiles():
    """load_profile is cached; tests that change DOCTOOL_PROFILE_PATH need a clean cache."""
    load_profile.cache_clear()
    yield
    load_profile.cache_clear()
