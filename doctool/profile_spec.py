"""What a profile may say: every table and key, so a misspelt one is refused, never ignored.

The fixed tables are pydantic models with ``extra="forbid"``; the open ones are checked
against the data they change: ``[wording.<file>.<table>]`` against the wording files,
``[charging]`` against the figures files, ``[severity]`` against the rule catalogue (that
last one in :mod:`doctool.checks.catalog`, so this module imports no checks).

An unknown key is a :class:`ConfigError` naming the profile, the dotted key and the nearest
valid one: ``profile 'testshire' (…/testshire.toml): unknown key templates.plan_docx; did
you mean templates.docx.plan?``
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from doctool.datafiles import DATA, load_toml
from doctool.errors import ConfigError

#: The documents doctool makes, spelt as on the command line. A profile key that names a
#: document (``[templates.docx]``) uses exactly these.
DOCUMENT_NAMES = ("plan", "easyread", "charging-letter", "dp-summary", "review", "easyread-review")


class Fixed(BaseModel):
    """A table whose keys are all known."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)


class Council(Fixed):
    name: str | None = None
    department: str | None = None
    address: list[str] | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    signatory_role: str | None = None
    logo: str | None = None
    logo_alt: str | None = None


class Require(Fixed):
    """One ``[[require]]`` entry; values are checked (with their own messages) when it is read."""

    rule: Any = None
    severity: Any = None
    path: Any = None
    message: Any = None
    source: Any = None
    when: Any = None
    unless: Any = None
    document: Any = None


#: ``[templates.docx]``: one Word template per document, named as on the command line.
DocxTemplates: type[Fixed] = create_model(  # type: ignore[call-overload]
    "DocxTemplates",
    __base__=Fixed,
    **{name.replace("-", "_"): (str | None, Field(None, alias=name)) for name in DOCUMENT_NAMES},
)


class Templates(Fixed):
    folder: str | None = None
    docx: DocxTemplates | None = None  # type: ignore[valid-type]


class Picture(Fixed):
    openmoji: str | None = None
    alt: str | None = None


class AvoidWords(Fixed):
    words: list[str] = []


class Abbreviations(Fixed):
    known: list[str] = []


class HardWords(Fixed):
    explain: dict[str, str] = {}
    avoid: list[str] | AvoidWords | None = None
    abbreviations: Abbreviations | None = None


class PlainSettings(Fixed):
    min_sentence_words: int | None = Field(default=None, ge=1, le=15)
    use_dale_chall: bool | None = None


class PlainList(Fixed):
    words: list[str] = []
    add: list[str] = []
    remove: list[str] = []


class VerbList(Fixed):
    words: list[str] = []
    forms: list[str] = []


class NumberWords(Fixed):
    words: list[str] = []
    digits: dict[str, str] = {}


class RefusedShortForms(Fixed):
    refuse: list[str] = []


class PlainWords(Fixed):
    """``[easyread.plain_words]``: the stricter gate's word lists (data/easyread/plain_words.toml)."""

    settings: PlainSettings | None = None
    plain: PlainList | None = None
    verbs: VerbList | None = None
    numbers: NumberWords | None = None
    abbreviations: RefusedShortForms | None = None


class Meaning(Fixed):
    """One entry of ``[easyread.meanings.<need|goal|risk|block>.<name>]`` (data/easyread/meanings.toml)."""

    picture: str | None = None
    alt: str | None = None
    say: str | None = None
    words: list[str] | None = None


class Meanings(Fixed):
    need: dict[str, Meaning] = {}
    goal: dict[str, Meaning] = {}
    risk: dict[str, Meaning | list[str]] = {}
    block: dict[str, Meaning] = {}


class Easyread(Fixed):
    """``[easyread]``: the settings in ``data/easyread/settings.toml``, pictures and hard words."""

    max_sentence_words: int | None = None
    min_reading_ease: float | None = None
    reading_ease_method: Literal["builtin", "textstat"] | None = None
    max_pages: int | None = None
    picture_mm: float | None = None
    pictures_dir: str | None = None
    pictures_credit: str | None = None
    pictures: dict[str, Picture] = {}
    hard_words: HardWords | None = None
    plain_words: PlainWords | None = None
    meanings: Meanings | None = None


@cache
def _charging_model() -> type[Fixed]:
    """``[charging]``: any figure in the figures files (their values are checked when used)."""
    keys: dict[str, None] = {}
    mig: dict[str, None] = {}
    for path in sorted((DATA / "charging").glob("*.toml")):
        raw = load_toml(path)
        keys.update(dict.fromkeys(k for k in raw if k not in {"in_force_from", "year", "minimum_income_guarantee"}))
        mig.update(dict.fromkeys(raw.get("minimum_income_guarantee", {})))
    # Both models' fields are only known at run time, so their (annotation, default) pairs
    # are values here, not type expressions mypy could check: typed as Any.
    mig_fields: dict[str, Any] = {k: (Any, None) for k in mig}
    income = create_model("MinimumIncomeGuarantee", __base__=Fixed, **mig_fields)
    fields: dict[str, Any] = {"minimum_income_guarantee": (income | None, None)}
    fields.update((k, (Any, None)) for k in keys)
    return create_model("Charging", __base__=Fixed, **fields)


@cache
def profile_model() -> type[Fixed]:
    """The whole profile file. ``severity`` and ``wording`` are open tables, checked apart."""
    # [charging]'s model is made at run time (from the figures files), so it is a value
    # here, not a type expression mypy could check: typed as Any.
    charging: Any = _charging_model() | None
    return create_model(
        "ProfileFile",
        __base__=Fixed,
        name=(str | None, None),
        title=(str | None, None),
        extends=(str | None, None),
        council=(Council | None, None),
        severity=(dict[str, Any] | None, None),
        require=(list[Require] | None, None),
        wording=(dict[str, Any] | None, None),
        templates=(Templates | None, None),
        charging=(charging, None),
        easyread=(Easyread | None, None),
    )


# --- suggestions --------------------------------------------------------------------------


def _tokens(dotted: str) -> list[str]:
    return sorted(t for t in re.split(r"[._\-\s\[\]]+", dotted.lower()) if t)


def nearest(bad: str, candidates: Iterable[str]) -> str | None:
    """The valid key ``bad`` most likely meant: the same words in another order or
    spelling (``charging_letter_docx`` for ``docx.charging-letter``), else the closest
    spelling, else the closest last part (``logo`` for ``council.logo``)."""
    options = sorted(set(candidates))
    same_words = [c for c in options if _tokens(c) == _tokens(bad)]
    if same_words:
        return same_words[0]
    close = difflib.get_close_matches(bad, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    last = {c.rsplit(".", 1)[-1]: c for c in reversed(options)}
    close = difflib.get_close_matches(bad.rsplit(".", 1)[-1], list(last), n=1, cutoff=0.75)
    return last[close[0]] if close else None


def unknown(where: str, what: str, dotted: str, candidates: Iterable[str]) -> ConfigError:
    """``<where>: unknown <what> <dotted>; did you mean <nearest>?``"""
    guess = nearest(dotted, candidates)
    hint = f"; did you mean {guess}?" if guess else ""
    return ConfigError(f"{where}: unknown {what} {dotted}{hint}")


# --- walking the fixed tables -------------------------------------------------------------


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    """A model's keys as written in TOML (aliases), with their annotations."""
    return {info.alias or name: info.annotation for name, info in model.model_fields.items()}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def _open_value(annotation: Any) -> Any:
    """For ``dict[str, X]`` (or ``list[X]``), possibly inside ``| None``: X, else None."""
    for candidate in (annotation, *get_args(annotation)):
        if get_origin(candidate) in (dict, list) and get_args(candidate):
            return get_args(candidate)[-1]
    return None


@cache
def known_keys() -> tuple[str, ...]:
    """Every fixed dotted key a profile may have (open tables stop at their name)."""
    found: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for key, annotation in _keys(model).items():
            found.append(prefix + key)
            for inner in _models_in(annotation):
                walk(inner, f"{prefix}{key}.")

    walk(profile_model(), "")
    return tuple(found)


def _check_keys(data: Any, annotation: Any, dotted: str, where: str) -> None:
    if isinstance(data, list):
        inner = _open_value(annotation)
        for i, item in enumerate(data):
            _check_keys(item, inner, f"{dotted}[{i}]", where)
        return
    if not isinstance(data, dict):
        return
    models = _models_in(annotation)
    if not models:
        inner = _open_value(annotation)
        if inner is not None:
            for key, value in data.items():
                _check_keys(value, inner, f"{dotted}.{key}", where)
        return
    keys = _keys(models[0])
    prefix = f"{dotted}." if dotted else ""
    for key, value in data.items():
        if key not in keys:
            nearby = [k for k in known_keys() if k.startswith(prefix)]  # siblings and their keys
            raise unknown(where, "key", prefix + key, [*(prefix + k for k in keys), *nearby])
        _check_keys(value, keys[key], prefix + key, where)


def _dotted(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the profile's dotted key (union member names dropped)."""
    parts: list[str] = []
    node: Any = raw
    for step in loc:
        if isinstance(node, list) and isinstance(step, int):
            parts[-1] += f"[{step}]"
            node = node[step] if step < len(node) else None
        elif isinstance(node, dict) and step in node:
            parts.append(str(step))
            node = node[step]
    return ".".join(parts)


# --- wording ------------------------------------------------------------------------------


@cache
def builtin_wording() -> dict[str, dict[str, Any]]:
    """Every wording file in ``data/wording``, by file stem: what ``[wording]`` may change."""
    return {path.stem: load_toml(path) for path in sorted((DATA / "wording").glob("*.toml"))}


def wording_key(stem: str) -> str:
    """The ``[wording.<key>]`` for a wording file: a document's wording is under the
    document's name (``charging_letter.toml`` is ``[wording.charging-letter]``); shared
    files keep theirs (``labels``, ``common``, ``accessible``)."""
    name = stem.replace("_", "-")
    return name if name in DOCUMENT_NAMES else stem


def wording_files() -> dict[str, str]:
    """``[wording.<key>]`` to the wording file stem it changes."""
    return {wording_key(stem): stem for stem in builtin_wording()}


def _kind(value: Any) -> str:
    return "a table" if isinstance(value, dict) else "a list of text" if isinstance(value, list) else "text"


def _check_wording(over: Any, builtin: dict[str, Any], dotted: str, where: str) -> None:
    if not isinstance(over, dict):
        raise ConfigError(f"{where}: {dotted} must be a table")
    for key, value in over.items():
        here = f"{dotted}.{key}"
        if key not in builtin:
            raise unknown(where, "key", here, [f"{dotted}.{k}" for k in builtin])
        expected = builtin[key]
        if isinstance(expected, dict):
            _check_wording(value, expected, here, where)
        elif isinstance(expected, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: {here} must be {_kind(expected)}, like the built-in wording")
        elif not isinstance(value, str):
            raise ConfigError(f"{where}: {here} must be {_kind(expected)}, like the built-in wording")


# --- the whole file -----------------------------------------------------------------------


def check_profile_file(raw: dict[str, Any], where: str) -> None:
    """Refuse any key a profile file may not have, and any value of the wrong kind.

    ``where`` names the profile in messages (``profile 'x' (path)``). Rule ids in
    ``[severity]`` are checked against the catalogue separately, by the checks."""
    model = profile_model()
    _check_keys(raw, model, "", where)
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{where}: {_dotted(raw, first['loc']) or 'profile'}: {first['msg']}") from None
    files = wording_files()
    for name, over in (raw.get("wording") or {}).items():
        if name not in files:
            raise unknown(where, "key", f"wording.{name}", [f"wording.{key}" for key in files])
        _check_wording(over, builtin_wording()[files[name]], f"wording.{name}", where)
    for concept in (raw.get("easyread") or {}).get("pictures", {}):
        if not re.match(r"^[a-z][a-z0-9_]{0,40}$", concept):
            raise ConfigError(f"{where}: easyread.pictures.{concept}: a concept is lower-case letters, digits and _")
