"""Wording a council can change: labels for coded values and each document's words.

Built-in wording lives in ``doctool/data/wording/*.toml``; a profile overrides any entry
under ``[wording.<file>]`` (for example ``[wording.plan.heading] needs = "What I need"``).
``labels.toml`` (coded values) and ``common.toml`` (pieces several documents print, such
as how to complain and the Ombudsman) are shared by every document, never copied.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.profiles import Profile, _merge


@cache
def _builtin(name: str) -> dict[str, Any]:
    return load_toml(DATA / "wording" / f"{name}.toml")


class Wording:
    """Merged wording for one document under one profile: ``w.heading["needs"]``."""

    def __init__(self, name: str, profile: Profile) -> None:
        overrides = profile.section("wording")
        self.data = _merge(_builtin(name), overrides.get(name, {}))
        self.labels = _merge(_builtin("labels"), overrides.get("labels", {}))
        self.common = _merge(_builtin("common"), overrides.get("common", {}))

    # The wording files are TOML, read as dict[str, Any]; the tables these methods are
    # used for hold text.
    def __getitem__(self, table: str) -> dict[str, str]:
        words: dict[str, str] = self.data[table]
        return words

    def label(self, table: str, value: Any) -> str:
        """The label for a coded value, e.g. ``label("domain", "nutrition")``."""
        key = getattr(value, "value", value)
        label: str = self.labels[table].get(key, str(key).replace("_", " ").capitalize())
        return label

    def text(self, key: str, **params: str) -> str:
        """A sentence from the ``[text]`` table with its placeholders filled."""
        sentence: str = self.data["text"][key]
        return sentence.format(**params)
