"""The Jinja environments every template runs in: sandboxed, autoescaped, strict.

Plan data is untrusted text. The sandbox stops a template (even a council's edited copy)
from reaching Python internals; autoescape makes ``<``, ``&`` and ``{{`` in the data
print literally; StrictUndefined makes a misspelt variable an error, never a blank.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from doctool.paths import TEMPLATES

_CSS_SAFE = re.compile(r"[A-Za-z0-9]")


def css_string(value: object) -> Markup:
    """A CSS string literal for any text: every character but letters and digits is written
    as a hex escape (its trailing space ends the escape), so data can never close the
    string or the rule."""
    text = str(value)
    return Markup('"' + "".join(ch if _CSS_SAFE.match(ch) else f"\\{ord(ch):06x} " for ch in text) + '"')


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, reading ``a.b`` on a dict as the item ``b`` first, so a view key named
    like a dict method (``items``, ``keys``) can never print a method instead of data."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def file_uri(path: Path) -> str:
    """A picture's file as a ``file:`` URL (the PDF renderer's fetcher decides what it may read)."""
    return path.as_uri()


def breakable(value: object) -> Markup:
    """Text that may wrap before the ``@`` of an email address (never inside a word)."""
    text = str(value)
    at = text.find("@")
    if at <= 0:
        return Markup.escape(text)
    return Markup.escape(text[:at]) + Markup("<wbr>") + Markup.escape(text[at:])


def _configure(env: Sandbox) -> Sandbox:
    env.filters["breakable"] = breakable
    env.filters["css_string"] = css_string
    env.filters["file_uri"] = file_uri
    return env


@cache
def html_env() -> Sandbox:
    """For HTML templates in ``templates/html`` (compiled once per process)."""
    return _configure(
        Sandbox(
            loader=FileSystemLoader([TEMPLATES / "html", TEMPLATES / "easyread"]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
    )


class CompilingSandbox(Sandbox):
    """docxtpl hands the environment each part's XML as a string on every render; compiling
    it is most of the cost of a Word letter. The XML of a template is the same for every
    letter, so each distinct source is compiled once per process and reused."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:  # noqa: A002
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            if len(self._compiled) >= 256:  # many council templates in one process: stay bounded
                self._compiled.clear()
            template = self._compiled[source] = super().from_string(source)
        return template


@cache
def docx_env() -> CompilingSandbox:
    """For Word templates: docxtpl hands this the document XML, so escaping is XML escaping."""
    return _configure(CompilingSandbox(autoescape=True, undefined=StrictUndefined))  # type: ignore[return-value]
