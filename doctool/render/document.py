"""One document, one standard format: the document model laid out as tagged PDF or Word.

The pipeline, the accessible formats and the batch runner all come through here, so a
document is always laid out the same way whichever face asked for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from doctool.document import Document
from doctool.errors import Incomplete
from doctool.paths import council_file, display_path, template_folder
from doctool.profiles import Profile
from doctool.render.html import render_html
from doctool.render.laid_out import STYLESHEET, Pdf
from doctool.render.templating import html_env
from doctool.render.typst_pdf import TEMPLATE as TYPST_TEMPLATE
from doctool.render.typst_pdf import lay_out_letter
from doctool.render.word import render_word

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
    pages: int | None = None  # a PDF's page count, known from its layout (no PDF is re-read)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def lay_out_html(kind: DocumentKind, doc: Document, html: str, profile: Profile) -> Pdf:
    """HTML made from ``doc`` laid out as a tagged PDF, reading only the document's pictures
    (and a council's own stylesheets from its template folder). WeasyPrint is imported
    here, on first use: a process that never lays out HTML (a Word batch, a batch of Typst
    letters, a check) never pays the 0.4 s its import takes."""
    from doctool.render import pdf

    return pdf.lay_out(
        html,
        extra_files=tuple(p.path for p in doc.pictures()),
        identifier=doc.meta.reference,
        stylesheets=kind.stylesheet_paths(),
        folder=template_folder(profile),
    )


#: The HTML templates every letter's layout goes through: a council that has its own copy of
#: any of them (or of a stylesheet the letter uses) has restyled its letters in HTML and CSS.
LETTER_LAYOUT = ("_letter_base.html.j2", "_blocks.html.j2")


def uses_typst(kind: DocumentKind, profile: Profile) -> bool:
    """True when ``kind`` is laid out by Typst for this council: the document has a Typst
    layout and the council has not restyled it with its own HTML template or stylesheet.
    One engine per document kind per council, so a letter never has two looks."""
    if not kind.typst:
        return False
    folder = template_folder(profile)
    own = (kind.html_template, *LETTER_LAYOUT, STYLESHEET.name, *(p.name for p in kind.stylesheet_paths()))
    return folder is None or not any(council_file(folder, name) for name in own)


def pdf_of(kind: DocumentKind, doc: Document, profile: Profile) -> Pdf:
    """The document laid out as PDF: a letter by Typst, unless the council restyled it in
    HTML; every other document by its own HTML template (the council's, if it has one)."""
    if uses_typst(kind, profile):
        return lay_out_letter(doc)
    return lay_out_html(kind, doc, render_html(doc, kind.html_template, profile=profile), profile)


def render_document(kind: DocumentKind, doc: Document, fmt: str, profile: Profile) -> RenderedFile:
    """Lay out a composed document as PDF or Word."""
    media_type, ext = FORMATS[fmt]
    if fmt == "pdf":
        pdf = pdf_of(kind, doc, profile)
        if kind.check_pdf and not doc.draft.on:
            laid_out = kind.check_pdf(pdf, profile)
            if not laid_out.complete:
                raise Incomplete(laid_out)
        if uses_typst(kind, profile):
            used: str | None = str(TYPST_TEMPLATE)
        else:
            used = html_env(profile).get_template(kind.html_template).filename  # the council's, if it has one
        return RenderedFile(
            kind.name, fmt, pdf.content, media_type, ext, display_path(Path(used) if used else kind.html_path()), pdf.pages
        )
    shell = kind.docx_path(profile)
    return RenderedFile(kind.name, fmt, render_word(doc, shell), media_type, ext, display_path(shell))
