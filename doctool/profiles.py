"""Council profiles: rule severities, extra requirements, branding and wording, as data.

A profile is a TOML file. Built-in ones live in ``doctool/data/profiles``; a council
keeps its own in a folder named by ``DOCTOOL_PROFILE_PATH`` (or passes a file path to
``--profile``) and ``extends`` another profile, changing only what differs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.findings import Severity
from doctool.errors import ConfigError

BUILTIN = DATA / "profiles"
ROOT = DATA.parent.parent
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


@dataclass(frozen=True)
class Requirement:
    """A council's own rule: ``path`` must be present and not empty (nor false).

    ``document`` names the record it applies to: ``plan`` (the default), or ``letter``
    for a charging letter record; ``dp_summary`` checks the plan for a direct payment summary.
    """

    rule: str
    severity: Severity
    path: str
    message: str
    source: str
    when: str | None = None
    unless: str | None = None
    document: str = "plan"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    severity: dict[str, Severity] = field(default_factory=dict)
    requirements: tuple[Requirement, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def council(self) -> dict[str, Any]:
        return self.settings.get("council", {})

    def section(self, name: str) -> dict[str, Any]:
        """A table of settings such as ``wording`` or ``templates`` (empty when absent)."""
        return self.settings.get(name, {})


def _search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("DOCTOOL_PROFILE_PATH", "").split(os.pathsep) if p]
    return [*extra, BUILTIN]


def _find(name_or_path: str) -> Path:
    if name_or_path.endswith(".toml"):
        path = Path(name_or_path)
        if not path.is_file():
            raise ConfigError(f"profile file not found: {name_or_path}")
        return path
    if not _NAME.match(name_or_path):
        raise ConfigError(f"profile name {name_or_path!r} is not valid (lower-case letters, digits, - and _)")
    for folder in _search_dirs():
        candidate = folder / f"{name_or_path}.toml"
        if candidate.is_file():
            return candidate
    known = sorted(p.stem for d in _search_dirs() if d.is_dir() for p in d.glob("*.toml"))
    raise ConfigError(f"unknown profile {name_or_path!r}; known profiles: {', '.join(known)}")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


#: Settings that name files or folders: (table, key), or (table, None) for every key.
_PATH_SETTINGS = (("council", "logo"), ("templates", None), ("easyread", "pictures_dir"))


def _anchor_paths(settings: dict[str, Any], base: Path) -> None:
    """Make every file a profile names absolute, relative to the profile that named it,
    so a profile that extends another inherits working paths."""
    for table, key in _PATH_SETTINGS:
        section = settings.get(table)
        if not isinstance(section, dict):
            continue
        for name in [key] if key else list(section):
            value = section.get(name)
            if isinstance(value, str) and value:
                section[name] = str((base / value).resolve())


def _field_path_error(dotted: str, document: str) -> str | None:
    """Why ``dotted`` names no field of the document's model (None when it does), so a
    council's typo is refused when the profile loads instead of firing on every plan."""
    from pydantic import BaseModel

    from doctool.model.letter import LetterRecord
    from doctool.model.plan import Plan

    models: dict[str, type[BaseModel]] = {"plan": Plan, "letter": LetterRecord}
    if document not in models:
        return f"document must be one of {', '.join(models)}"
    model: Any = models[document]
    for step in dotted.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or step not in fields:
            return f"{dotted!r} is not a field path of the {document} (no {step!r})"
        model = _inner_model(fields[step].annotation)
    return None


def _inner_model(annotation: Any) -> Any:
    """The model inside ``X | None`` or ``list[X]``, if any."""
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _requirement(spec: dict[str, Any], where: Path) -> Requirement:
    document = spec.get("document", "plan")
    for key in ("path", "when", "unless"):
        if isinstance(spec.get(key), str) and (problem := _field_path_error(spec[key], document)):
            raise ConfigError(f"{where}: [[require]] {spec.get('rule', '?')} {key}: {problem}")
    try:
        return Requirement(
            rule=spec["rule"],
            severity=Severity(spec.get("severity", "warning")),
            path=spec["path"],
            message=spec["message"],
            source=spec["source"],
            when=spec.get("when"),
            unless=spec.get("unless"),
            document=spec.get("document", "plan"),
        )
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{where}: a [[require]] entry is missing or has a bad value: {exc}") from None


@cache
def load_profile(name_or_path: str = "england", _seen: tuple[str, ...] = ()) -> Profile:
    """Load a profile and everything it extends; checks severities against the catalogue."""
    from doctool.checks.catalog import all_rules

    path = _find(name_or_path)
    raw = load_toml(path)
    parent_name = raw.get("extends")
    if parent_name in _seen + (name_or_path,):
        raise ConfigError(f"profile {name_or_path!r} extends itself")
    parent = load_profile(parent_name, _seen + (name_or_path,)) if parent_name else None

    severity = dict(parent.severity) if parent else {}
    rules = all_rules()
    for rule_id, level in raw.get("severity", {}).items():
        if rule_id not in rules:
            raise ConfigError(f"{path}: [severity] names unknown rule {rule_id!r}")
        try:
            sev = Severity(level)
        except ValueError:
            raise ConfigError(f"{path}: severity for {rule_id} must be 'error' or 'warning'") from None
        if rules[rule_id].severity is Severity.error and sev is Severity.warning:
            raise ConfigError(f"{path}: {rule_id} is a legal requirement and cannot be lowered to a warning")
        severity[rule_id] = sev

    requirements = (parent.requirements if parent else ()) + tuple(
        _requirement(spec, path) for spec in raw.get("require", [])
    )
    settings = {k: v for k, v in raw.items() if k not in {"name", "title", "extends", "severity", "require"}}
    _anchor_paths(settings, ROOT if path.parent == BUILTIN else path.parent)
    if parent and "name" in settings.get("council", {}) and "logo" not in settings["council"]:
        # A council that renames itself must not inherit another council's logo.
        settings["council"].setdefault("logo", "")
        settings["council"].setdefault("logo_alt", "")
    return Profile(
        name=raw.get("name", path.stem),
        title=raw.get("title", path.stem),
        severity=severity,
        requirements=requirements,
        settings=_merge(parent.settings, settings) if parent else settings,
    )
