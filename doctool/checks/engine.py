"""Turns rule hits into findings: severity from the profile, wording from the catalogue.

Rule functions say only *which* rule failed, *where* and with which ids; everything a
council might change (severity, message, source) is looked up here from data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from doctool.checks.catalog import all_rules, check_profile_rules
from doctool.checks.where import Namer
from doctool.findings import Finding, Report
from doctool.profiles import Profile, Requirement


@dataclass(frozen=True)
class Hit:
    """A rule broken at a JSON path; ``key`` picks the message, ``params`` fill it in."""

    rule: str
    path: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def hit(rule: str, path: str, key: str, **params: Any) -> Hit:
    return Hit(rule, path, key, params)


RuleFn = Callable[[Any], Iterable[Hit]]


def _lookup(data: Any, dotted: str) -> Any:
    """Follow ``a.b.c`` through models and dicts; None where any step is absent."""
    current = data
    for part in dotted.split("."):
        if current is None:
            return None
        current = current.get(part) if isinstance(current, dict) else getattr(current, part, None)
    return current


def _present(value: Any) -> bool:
    return value is not None and value is not False and value != "" and value != [] and value != {}


def _requirement_findings(doc: Any, requirements: Iterable[Requirement], namer: Namer) -> Iterator[Finding]:
    for req in requirements:
        if req.when and not _present(_lookup(doc, req.when)):
            continue
        if req.unless and _present(_lookup(doc, req.unless)):
            continue
        if not _present(_lookup(doc, req.path)):
            yield Finding(req.rule, req.severity, f"$.{req.path}", req.message, req.source, namer.path(f"$.{req.path}"))


def run(doc: Any, rules: Iterable[RuleFn], profile: Profile, document: str = "plan") -> Report:
    """Apply every rule function and the profile's own requirements for ``document`` to ``doc``."""
    check_profile_rules(profile)  # a profile loaded before the catalogue's check was added
    defs = all_rules()
    namer = Namer(doc, profile)
    findings: set[Finding] = set()
    for rule_fn in rules:
        for h in rule_fn(doc):
            spec = defs[h.rule]
            findings.add(
                Finding(
                    rule=h.rule,
                    severity=profile.severity.get(h.rule, spec.severity),
                    path=h.path,
                    message=spec.message(h.key, **namer.params(h.params)),
                    source=spec.source,
                    where=namer.path(h.path),
                )
            )
    findings.update(_requirement_findings(doc, [r for r in profile.requirements if r.document == document], namer))
    ordered = sorted(findings, key=lambda f: (f.severity.value != "error", f.rule, f.path, f.message))
    return Report(profile=profile.name, findings=ordered)
