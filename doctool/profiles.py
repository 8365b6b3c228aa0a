"""Council profiles: rule severities, extra requirements, branding and wording, as data.

A profile is a TOML file. Built-in ones live in ``doctool/data/profiles``; a council
keeps its own in a folder named by ``DOCTOOL_PROFILE_PATH`` (or passes a file path to
``--profile``) and ``extends`` another profile, changing only what differs.

Every key is checked (:mod:`doctool.profile_spec`): a misspelt one is refused with the
nearest valid key, never ignored. Files a profile names are relative to its own folder;
its templates (``[templates]``) must stay inside that folder. This module imports no
checks: the rule catalogue checks ``[severity]`` through :func:`add_profile_check`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.errors import ConfigError
from doctool.findings import Severity
from doctool.images import clean_picture
from doctool.profile_spec import check_profile_file, nearest, wording_files

BUILTIN = DATA / "profiles"
ROOT = DATA.parent  # the package: built-in profiles name files such as assets/img/eastbrook-logo.png
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
    """A loaded profile. ``severity_from`` says which profile file set each severity
    (``profile 'kent' (…/kent.toml)``), so a message can name it."""

    name: str
    title: str
    severity: dict[str, Severity] = field(default_factory=dict)
    requirements: tuple[Requirement, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    severity_from: dict[str, str] = field(default_factory=dict)

    @property
    def council(self) -> dict[str, Any]:
        return self.section("council")

    def section(self, name: str) -> dict[str, Any]:
        """A table of settings such as ``wording`` or ``templates`` (empty when absent)."""
        table: dict[str, Any] = self.settings.get(name, {})  # TOML tables, checked by check_profile_file()
        return table


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
    close = nearest(name_or_path.lower(), known)
    hint = f"; did you mean {close!r}?" if close else ""
    raise ConfigError(f"unknown profile {name_or_path!r}{hint} (known profiles: {', '.join(known)})")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _where(raw: dict[str, Any], path: Path) -> str:
    """How messages name a profile: ``profile 'testshire' (/councils/testshire.toml)``."""
    return f"profile {raw.get('name', path.stem)!r} ({path})"


def _anchor(base: Path, value: str) -> str:
    return str((base / value).resolve())


def _confined(base: Path, value: Any, dotted: str, where: str, want: str) -> str:
    """``value`` (relative to ``base``, the profile's folder) as an absolute path, refused
    if it leads out of that folder (``..``, an absolute path, a symlink) or is not there."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {dotted} must name a {want} relative to the profile's folder")
    path = (base / value).resolve()
    if not path.is_relative_to(base.resolve()):
        raise ConfigError(f"{where}: {dotted} = {value!r} is outside the profile's folder {base}")
    if not (path.is_dir() if want == "folder" else path.is_file()):
        raise ConfigError(f"{where}: {dotted} names a {want} that does not exist: {value}")
    return str(path)


def _anchor_paths(settings: dict[str, Any], base: Path, where: str) -> None:
    """Make every file a profile names absolute, relative to the profile that named it,
    so a profile that extends another inherits working paths. A council's files (its logo,
    pictures and templates) must stay inside the profile's folder."""
    council, easyread = settings.get("council") or {}, settings.get("easyread") or {}
    builtin = base == ROOT  # doctool's own profiles name its own assets
    if council.get("logo"):
        if builtin:
            council["logo"] = _anchor(base, council["logo"])
        else:  # a council's file: inside its folder, a real PNG or JPEG, re-encoded without metadata
            logo = Path(_confined(base, council["logo"], "council.logo", where, "file"))
            council["logo"] = str(clean_picture(logo, f"{where}: council.logo"))
    if easyread.get("pictures_dir"):
        if builtin:
            easyread["pictures_dir"] = _anchor(base, easyread["pictures_dir"])
        else:
            easyread["pictures_dir"] = _confined(base, easyread["pictures_dir"], "easyread.pictures_dir", where, "folder")
    templates = settings.get("templates") or {}
    if "folder" in templates:
        templates["folder"] = _confined(base, templates["folder"], "templates.folder", where, "folder")
        _check_template_folder(Path(templates["folder"]), where)
    for document, value in (templates.get("docx") or {}).items():
        templates["docx"][document] = _confined(base, value, f"templates.docx.{document}", where, "file")


def _builtin_template_names() -> tuple[set[str], set[str]]:
    """The HTML templates and stylesheets a council's template folder may replace."""
    html = {p.name for folder in ("html", "easyread") for p in (ROOT / "templates" / folder).glob("*.html.j2")}
    css = {p.name for p in (ROOT / "assets" / "css").glob("*.css")}
    return html, css


def _check_template_folder(folder: Path, where: str) -> None:
    """Every ``*.html.j2`` and ``*.css`` in a council's template folder replaces a built-in
    one of the same name, so a misnamed file is refused rather than silently unused. Files
    named ``_….html.j2`` or ``_….css`` are the council's own partials, used by name."""
    html, css = _builtin_template_names()
    for path in sorted(folder.iterdir()):
        if not path.resolve().is_relative_to(folder):
            raise ConfigError(f"{where}: templates.folder: {path.name} leads outside the profile's folder")
        known = html if path.name.endswith(".html.j2") else css if path.suffix == ".css" else None
        if known is None or path.name.startswith("_") or path.name in known:
            continue
        guess = nearest(path.name, known)
        hint = f"; did you mean {guess}?" if guess else f"; templates: {', '.join(sorted(known))}"
        raise ConfigError(f"{where}: unknown template {path.name} in templates.folder{hint}")


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


def _requirement(spec: dict[str, Any], where: str) -> Requirement:
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


#: Checks run on every profile as it is loaded, after its own keys are checked.
ProfileCheck = Callable[[Profile], None]
_CHECKS: list[ProfileCheck] = []


def add_profile_check(check: ProfileCheck) -> None:
    """Run ``check(profile)`` on every profile loaded from now on (the rule catalogue adds
    one for ``[severity]``); it raises :class:`ConfigError` to refuse the profile."""
    if check not in _CHECKS:
        _CHECKS.append(check)


def _severities(raw: dict[str, Any], where: str) -> dict[str, Severity]:
    levels: dict[str, Severity] = {}
    for rule_id, level in (raw.get("severity") or {}).items():
        try:
            levels[rule_id] = Severity(level)
        except ValueError:
            raise ConfigError(f"{where}: severity for {rule_id} must be 'error' or 'warning'") from None
    return levels


@cache
def load_profile(name_or_path: str = "england", _seen: tuple[str, ...] = ()) -> Profile:
    """Load a profile and everything it extends, refusing any key it may not have."""
    path = _find(name_or_path)
    raw = load_toml(path)
    where = _where(raw, path)
    check_profile_file(raw, where)
    parent_name = raw.get("extends")
    if parent_name in (*_seen, name_or_path):
        raise ConfigError(f"profile {name_or_path!r} extends itself")
    parent = load_profile(parent_name, (*_seen, name_or_path)) if parent_name else None

    own = _severities(raw, where)
    severity = {**(parent.severity if parent else {}), **own}
    severity_from = {**(parent.severity_from if parent else {}), **dict.fromkeys(own, where)}
    requirements = (parent.requirements if parent else ()) + tuple(
        _requirement(spec, where) for spec in raw.get("require", [])
    )
    settings = {k: v for k, v in raw.items() if k not in {"name", "title", "extends", "severity", "require"}}
    if "wording" in settings:  # kept by wording file, as doctool.wording reads it
        files = wording_files()
        settings["wording"] = {files[key]: table for key, table in settings["wording"].items()}
    _anchor_paths(settings, ROOT if path.parent == BUILTIN else path.parent, where)
    if parent and "name" in settings.get("council", {}) and "logo" not in settings["council"]:
        # A council that renames itself must not inherit another council's logo.
        settings["council"].setdefault("logo", "")
        settings["council"].setdefault("logo_alt", "")
    profile = Profile(
        name=raw.get("name", path.stem),
        title=raw.get("title", path.stem),
        severity=severity,
        requirements=requirements,
        settings=_merge(parent.settings, settings) if parent else settings,
        source=str(path),
        severity_from=severity_from,
    )
    for check in _CHECKS:
        check(profile)
    return profile
