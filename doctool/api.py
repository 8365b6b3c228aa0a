"""The library interface: what the command line and the HTTP service both call."""

from __future__ import annotations

from pathlib import Path

from doctool.checks import check_plan
from doctool.checks.findings import Report
from doctool.loading import load_plan, load_plan_bytes
from doctool.profiles import load_profile


def validate_bytes(raw: bytes, profile: str = "england") -> Report:
    """Validate a JSON document given as bytes. Raises InputError for malformed input."""
    prof = load_profile(profile)
    return check_plan(load_plan_bytes(raw), prof)


def validate_file(path: Path, profile: str = "england") -> Report:
    """Validate a JSON document on disk. Raises InputError for malformed input."""
    prof = load_profile(profile)
    return check_plan(load_plan(path), prof)
