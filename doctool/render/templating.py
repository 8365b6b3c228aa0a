"""The Jinja environments every template runs in: sandboxed, autoescaped, strict.

Plan data is untrusted text. The sandbox stops a template (even a council's edited copy)
from reaching Python internals; autoescape makes ``<``, ``&`` and ``{{`` in the data
print literally; StrictUndefined makes a misspelt variable an error, never a blank.

A council changes the layout with its own HTML templates: ``html_env(profile)`` looks in
the profile's template folder first, then the built-in ``templates/html`` and
``templates/easyread``. ``default:plan.html.j2`` always names the built-in template, so
a council's ``plan.html.j2`` can ``{% extends "default:plan.html.j2" %}`` and change
one block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from doctool.errors import ConfigError
from doctool.paths import TEMPLATES, template_folder
from doctool.render.urls import file_url

if TYPE_CHECKING:
    from doctool.profiles import Profile

#: The built-in HTML templates, in the order they are searched.
BUILTIN_HTML = (TEMPLATES / "html", TEMPLATES / "easyread")

_CSS_SAFE = re.compile(r"[A-Za-z0-9]")


def css_string(value: object) -> Markup:
    """A CSS string literal for any text: every character but letters and digits is written
    as a hex escape (its trailing space ends the escape), so data can never close the
    string or the rule."""
    text = str(value)
    return Markup('"' + "".join(ch if _CSS_SAFE.match(ch) else f"\\{ord(ch):06x} " for ch in text) + '"')


#: The longest text or list a template may make by repeating one (``"x" * n``), and the
#: most binary digits a power may have: far beyond any document, far below a gigabyte.
MAX_REPEAT, MAX_POWER_BITS = 1_000_000, 100_000


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, reading ``a.b`` on a dict as the item ``b`` first, so a view key named
    like a dict method (``items``, ``keys``) can never print a method instead of data.

    ``*`` and ``**`` are intercepted: Jinja then cannot fold ``"x" * 10**9`` while it
    compiles (outside any limit), and at render time a repetition or power too big for
    any document stops with an OverflowError, as ``range()`` does."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for items, times in ((left, right), (right, left)):
                if isinstance(items, (str, bytes, list, tuple)) and isinstance(times, int) and len(items) * times > MAX_REPEAT:
                    raise OverflowError(f"Repeated text too long (over {MAX_REPEAT:,} characters)")
            return left * right
        if isinstance(left, int) and isinstance(right, int) and right > 0 and max(left.bit_length(), 1) * right > MAX_POWER_BITS:
            raise OverflowError("Power too big")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def file_uri(path: Path) -> str:
    """A picture's file as a URL that does not depend on where doctool is installed
    (:mod:`doctool.render.urls`; the PDF renderer's fetcher decides what it may read)."""
    return file_url(path)


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


class CouncilLoader(FileSystemLoader):
    """A council's template folder. Jinja already refuses ``..`` in a template name; this
    also refuses a file that a symlink leads out of the folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.root = folder.resolve()

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if filename is None or not Path(filename).resolve().is_relative_to(self.root):
            raise ConfigError(f"template {template} in the council's template folder {self.root} leads outside it")
        return source, filename, uptodate


def html_loader(folder: Path | None = None) -> BaseLoader:
    """``default:<name>`` for a built-in template; any other name from ``folder`` (a
    council's) first, then the built-ins."""
    builtin = FileSystemLoader([str(path) for path in BUILTIN_HTML])
    council = [CouncilLoader(folder)] if folder else []
    return ChoiceLoader([PrefixLoader({"default": builtin}, delimiter=":"), *council, builtin])


def html_env(profile: Profile | None = None) -> Sandbox:
    """For HTML templates: the profile's template folder first, then the built-ins; with
    no profile (or none naming a folder), the built-ins only. Compiled once per process
    for each folder, so a batch warms it once."""
    return _html_env(template_folder(profile))


@cache
def _html_env(folder: Path | None) -> Sandbox:
    return _configure(
        Sandbox(
            loader=html_loader(folder),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
    )


# Clears what html_env compiled, as a functools.cache function offers; mypy does not let a
# plain function take a new attribute.
html_env.cache_clear = _html_env.cache_clear  # type: ignore[attr-defined]


class CompilingSandbox(Sandbox):
    """docxtpl hands the environment each part's XML as a string on every render; compiling
    it is most of the cost of a Word letter. The XML of a template is the same for every
    letter, so each distinct source is compiled once per process and reused."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
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
