"""The documents doctool produces, each a view builder plus a Word and an HTML template.

Adding a document means adding one :class:`DocumentKind` here; the CLI, ``--all``, the
manifest and the HTTP service all read this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctool.checks.findings import Report
from doctool.model.plan import Plan
from doctool.paths import TEMPLATES, profile_file
from doctool.profiles import Profile
from doctool.render.docx import Picture
from doctool.view.plan_view import build_plan_view

ViewBuilder = Callable[[Plan, Profile, Report, bool], dict[str, Any]]


@dataclass(frozen=True)
class DocumentKind:
    """One document: how to build its view and which templates lay it out."""

    name: str
    html_template: str
    docx_template: str
    build_view: ViewBuilder
    applies: Callable[[Plan], bool] = lambda plan: True
    not_applicable: str = ""

    def docx_path(self, profile: Profile) -> Path:
        """The council's own Word template if its profile names one, else the built-in."""
        custom = profile.section("templates").get(f"{self.name}_docx")
        return profile_file(profile, custom) if custom else TEMPLATES / "docx" / self.docx_template

    def html_path(self) -> Path:
        return TEMPLATES / "html" / self.html_template


def logo_pictures(view: dict[str, Any]) -> dict[str, Picture]:
    """The council logo as a Word picture variable ``logo``, with its alt text."""
    council = view["council"]
    if not council["logo_path"]:
        return {}
    return {"logo": Picture(Path(council["logo_path"]), council["logo_alt"], 60)}


DOCUMENTS: dict[str, DocumentKind] = {
    "plan": DocumentKind("plan", "plan.html.j2", "plan.docx", build_plan_view),
}
