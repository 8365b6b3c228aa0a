"""The rule catalogue: ids, default severities, sources and wording, read from data files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from doctool.datafiles import DATA, load_toml
from doctool.errors import ConfigError
from doctool.findings import Severity
from doctool.profile_spec import nearest
from doctool.profiles import Profile, add_profile_check


@dataclass(frozen=True)
class RuleDef:
    id: str
    severity: Severity
    source: str
    title: str
    messages: dict[str, str]

    def message(self, key: str, **params: object) -> str:
        return self.messages[key].format(**params)


@cache
def _catalogues() -> dict[str, dict[str, RuleDef]]:
    """Every catalogue file in ``data/rules``, by file stem; a rule id is unique across all of them."""
    books: dict[str, dict[str, RuleDef]] = {}
    seen: dict[str, Path] = {}
    for path in sorted((DATA / "rules").glob("*.toml")):
        rules: dict[str, RuleDef] = {}
        for rule_id, spec in load_toml(path).items():
            if rule_id in seen:
                raise ConfigError(f"{path}: rule {rule_id} is defined twice")
            seen[rule_id] = path
            rules[rule_id] = RuleDef(
                id=rule_id,
                severity=Severity(spec["severity"]),
                source=spec["source"],
                title=spec["title"],
                messages=dict(spec.get("messages", {})),
            )
        books[path.stem] = rules
    return books


def catalog(document: str = "plan") -> dict[str, RuleDef]:
    """The rules one kind of record is checked against, by id: ``data/rules/<document>.toml``
    (``plan``, ``letter`` for charging letters, ``dp_summary`` for direct payment summaries)."""
    try:
        return _catalogues()[document]
    except KeyError:
        raise ConfigError(f"no rule catalogue data/rules/{document}.toml") from None


@cache
def all_rules() -> dict[str, RuleDef]:
    """Every rule in every catalogue, by id: what a profile may name in ``[severity]``."""
    return {rule_id: rule for book in _catalogues().values() for rule_id, rule in book.items()}


def check_profile_rules(profile: Profile) -> None:
    """Refuse a profile whose ``[severity]`` names a rule no catalogue has, or lowers a
    blocking rule (a ``CA-`` legal requirement, or any rule that is an error by default)
    to a warning. Runs when a profile is loaded and again before it is used for checking."""
    rules = all_rules()
    for rule_id, level in profile.severity.items():
        where = profile.severity_from.get(rule_id) or f"profile {profile.name!r}"
        if rule_id not in rules:
            guess = nearest(rule_id, rules)
            hint = f"; did you mean severity.{guess}?" if guess else ""
            raise ConfigError(f"{where}: unknown rule {rule_id!r} in [severity] (severity.{rule_id}){hint}")
        if rules[rule_id].severity is Severity.error and level is Severity.warning:
            raise ConfigError(
                f"{where}: severity.{rule_id}: {rule_id} is a legal requirement and cannot be lowered to a warning"
            )


add_profile_check(check_profile_rules)
