"""The document model as HTML: the page the PDF is laid out from, and the HTML copy.

One template per document kind (``plan.html.j2``…) that extends a shared frame and lays
out every block with the macros of ``_blocks.html.j2``. Templates receive ``doc`` (the
:class:`~doctool.document.Document`), ``body_classes`` and ``extra_css``; nothing else, so what the
PDF says is what the document model says.
"""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import TemplateError
from markupsafe import Markup

from doctool.document import Document
from doctool.errors import ConfigError
from doctool.profiles import Profile
from doctool.render.limits import template_limits
from doctool.render.templating import html_env


def render_html(
    doc: Document, template: str, body_classes: Sequence[str] = (), extra_css: str = "", profile: Profile | None = None
) -> str:
    """``doc`` laid out by ``template``, found first in the council's template folder (its
    profile's ``[templates] folder``), then among the built-in ones. ``extra_css`` is
    doctool's own stylesheet text for a variant (large print), placed last so it wins."""
    try:
        with template_limits(f"the {template} template"):
            layout = html_env(profile).get_template(template)
            return layout.render(doc=doc, body_classes=list(body_classes), extra_css=Markup(extra_css))
    except (TemplateError, OverflowError) as exc:  # a council's template: its own mistake, said plainly
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"the {template} template cannot be used: {type(exc).__name__}: {message[:200]}") from None
