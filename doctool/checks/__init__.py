"""Validation: the rules each document must satisfy, reported as findings."""

from __future__ import annotations

from doctool.checks.engine import run
from doctool.checks.findings import Finding, Report, Severity
from doctool.checks.plan_rules import PLAN_RULES
from doctool.model.plan import Plan
from doctool.profiles import Profile, load_profile

__all__ = ["Finding", "Report", "Severity", "check_plan"]


def check_plan(plan: Plan, profile: Profile | None = None) -> Report:
    """Every finding for ``plan`` under ``profile`` (England by default)."""
    return run(plan, PLAN_RULES, profile or load_profile("england"))
