"""One document, one format: a built view laid out as tagged PDF or Word.

The API, the accessible formats and the batch runner all come through here, so a
document is always laid out the same way whichever face asked for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from doctool.errors import Incomplete
from doctool.paths import display_path, template_folder
from doctool.profiles import Profile
from doctool.render.docx import render_docx
from doctool.render.pdf import lay_out
from doctool.render.templating import html_env

if TYPE_CHECKING:
    from doctool.documents import DocumentKind

FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


@dataclass(frozen=True)
class RenderedFile:
    document: str
    format: str
    content: bytes
    media_type: str
    extension: str
    template: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def render_view(kind: DocumentKind, view: dict[str, Any], fmt: str, profile: Profile, draft: bool) -> RenderedFile:
    """Lay out an already built view as PDF or Word."""
    media_type, ext = FORMATS[fmt]
    if fmt == "pdf":
        layout = html_env(profile).get_template(kind.html_template)  # the council's first, if it has one
        html = layout.render(view)
        pdf = lay_out(
            html,
            extra_files=kind.extra_files(view),
            identifier=view["doc"]["reference"],
            stylesheets=kind.stylesheet_paths(),
            folder=template_folder(profile),
        )
        content = pdf.content
        if kind.check_pdf and not draft:
            laid_out = kind.check_pdf(pdf, profile)
            if not laid_out.complete:
                raise Incomplete(laid_out)
        template = display_path(Path(layout.filename) if layout.filename else kind.html_path())
    else:
        path = kind.docx_path(profile)
        content = render_docx(
            path,
            view,
            kind.pictures(view),
            title=view["doc"]["full_title"],
            author=view["council"]["name"],
            date=dt.date.fromisoformat(view["doc"]["date_iso"]),
        )
        template = display_path(path)
    return RenderedFile(kind.name, fmt, content, media_type, ext, template)
