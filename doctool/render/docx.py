"""Word output with docxtpl: escaped data, alt text on pictures, reproducible bytes.

docxtpl renders ``{{ }}`` tags in the document XML with our sandboxed, autoescaping
environment. python-docx has no API for alt text, so :class:`AltImage` writes ``descr``
on ``wp:docPr`` itself. Zip timestamps and document dates come from the data, so the
same plan always gives the same file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError
from lxml import etree

from doctool.errors import ConfigError
from doctool.render.docx_package import Template, save_stable, stamp_properties
from doctool.render.templating import docx_env


@dataclass(frozen=True)
class Picture:
    """A picture for a Word template: the file, its alt text and its width."""

    path: Path
    alt: str
    width_mm: float


class AltImage(InlineImage):
    """An inline picture whose ``wp:docPr`` carries alt text (title and description)."""

    def __init__(self, tpl: DocxTemplate, picture: Picture) -> None:
        super().__init__(tpl, str(picture.path), width=Mm(picture.width_mm))
        self.alt = picture.alt

    def _insert_image(self) -> str:
        inline = parse_xml(self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height).xml)
        for doc_pr in inline.iter(qn("wp:docPr")):
            doc_pr.set("descr", self.alt)
            doc_pr.set("title", self.alt)
        for c_nv_pr in inline.iter(qn("pic:cNvPr")):
            c_nv_pr.set("descr", self.alt)
        xml = etree.tostring(inline, encoding="unicode")
        return f'</w:t></w:r><w:r><w:drawing>{xml}</w:drawing></w:r><w:r><w:t xml:space="preserve">'


def render_docx(
    template: Path,
    context: dict[str, Any],
    pictures: dict[str, Picture],
    title: str,
    author: str,
    date: dt.date,
    language: str = "en-GB",
) -> bytes:
    """Render a Word template with ``context``; ``pictures`` become image variables."""
    try:
        tpl = Template(str(template))
        ctx = dict(context)
        images = {name: AltImage(tpl, pic) for name, pic in pictures.items()}
        ctx.update(images)
        # Also as one mapping, so a template can pick a picture by name inside a loop:
        # {{ pictures[block.picture.word] }} (the easy-read plan does).
        ctx.setdefault("pictures", images)
        tpl.render(ctx, jinja_env=docx_env(), autoescape=True)
    except TemplateError as exc:
        where = " / ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
        raise ConfigError(f"Word template {template.name}: {exc.message}" + (f" near: {where[:200]}" if where else "")) from None
    stamp_properties(tpl.docx, title=title, author=author, language=language, when=date)
    return save_stable(tpl.docx, date)
