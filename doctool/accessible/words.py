"""The few words the text, braille and audio copies add around a document's own wording.

A renderer is given the accessible wording table: the ``[text]`` table of
``doctool/data/wording/accessible.toml`` as a council's profile has it (today
``Wording("accessible", profile)["text"]``). It may also be handed the
:class:`~doctool.wording.Wording` object itself; :class:`Words` reads either, so the
renderers never import the profile, the wording loader or the record model. A key the
table lacks falls back to the built-in wording file, so a caller may pass only the
entries it overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Protocol

from doctool.datafiles import DATA, load_toml
from doctool.document import Text, fill, printed


class WordingLike(Protocol):
    """What a :class:`~doctool.wording.Wording` offers that we read: ``w["text"]``."""

    def __getitem__(self, table: str) -> Mapping[str, str]: ...


@cache
def _builtin() -> Mapping[str, str]:
    text: Mapping[str, str] = load_toml(DATA / "wording" / "accessible.toml")["text"]  # a table of sentences
    return text


class Words:
    """The accessible wording: patterns with ``{placeholders}`` filled keeping values as values."""

    def __init__(self, words: Mapping[str, Any] | WordingLike | None = None) -> None:
        if words is None:
            table: Mapping[str, Any] = {}
        elif isinstance(words, Words):
            table = words.table
        elif isinstance(words, Mapping) and not isinstance(words.get("text"), Mapping):
            table = words  # the [text] table itself
        else:
            table = words["text"]  # a Wording, or the whole wording file
        self.table: Mapping[str, str] = table

    def pattern(self, key: str) -> str:
        value = self.table.get(key)
        return value if isinstance(value, str) else _builtin()[key]

    def fill(self, key: str, **values: Text) -> Text:
        """The pattern for ``key`` with its placeholders filled; values stay values
        (so audio still speaks a :class:`~doctool.document.Reference` letter by letter)."""
        return fill(self.pattern(key), **values)

    def text(self, key: str, **values: Text) -> str:
        """The filled pattern, printed."""
        return printed(self.fill(key, **values))
