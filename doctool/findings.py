"""Findings: what a check says about a document, in the one shape every report uses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from doctool.sources import source_link


class Severity(str, Enum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One rule that a document breaks: blocking (``error``) or advisory (``warning``).

    ``where`` names what it is about as a practitioner would ("Need 6 (Keeping a home clean
    and safe)"); ``path`` is the exact JSON path and ``rule`` the rule id, for details."""

    rule: str
    severity: Severity
    path: str
    message: str
    source: str
    where: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The finding's JSON, the same on every face (validate, render, batch manifests,
        the service): ``link`` is where its source can be read, or null."""
        d: dict[str, Any] = asdict(self)
        d["severity"] = self.severity.value
        link = source_link(self.source)
        d["link"] = link.as_dict() if link else None
        return d


@dataclass
class Report:
    """The result of validating one document under one profile."""

    profile: str
    findings: list[Finding] = field(default_factory=list)
    valid: bool = True

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.warning]

    @property
    def complete(self) -> bool:
        """True when no blocking finding exists: the document may be issued as final."""
        return self.valid and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "complete": self.complete,
            "profile": self.profile,
            "findings": [f.as_dict() for f in self.findings],
        }
