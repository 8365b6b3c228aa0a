"""The rule catalogue: ids, default severities, sources and wording, read from data files."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from doctool.checks.findings import Severity
from doctool.errors import ConfigError

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class RuleDef:
    id: str
    severity: Severity
    source: str
    title: str
    messages: dict[str, str]

    def message(self, key: str, **params: object) -> str:
        return self.messages[key].format(**params)


def load_toml(path: Path) -> dict:
    """Read a TOML data file, reporting a malformed one as a configuration error."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"data file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


@cache
def catalog() -> dict[str, RuleDef]:
    """Every rule, by id, from the catalogue files in ``data/rules`` (one per document kind)."""
    rules: dict[str, RuleDef] = {}
    for path in sorted((DATA / "rules").glob("*.toml")):
        for rule_id, spec in load_toml(path).items():
            if rule_id in rules:
                raise ConfigError(f"{path}: rule {rule_id} is defined twice")
            rules[rule_id] = RuleDef(
                id=rule_id,
                severity=Severity(spec["severity"]),
                source=spec["source"],
                title=spec["title"],
                messages=dict(spec.get("messages", {})),
            )
    return rules
