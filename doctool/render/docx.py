"""Word output with docxtpl: escaped data, alt text on pictures, reproducible bytes.

docxtpl renders ``{{ }}`` tags in the document XML with our sandboxed, autoescaping
environment. python-docx has no API for alt text, so :class:`AltImage` writes ``descr``
on ``wp:docPr`` itself. Zip timestamps and document dates come from the data, so the
same plan always gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError
from lxml import etree

from doctool.errors import ConfigError
from doctool.render.templating import docx_env


@dataclass(frozen=True)
class Picture:
    """A picture for a Word template: the file, its alt text and its width."""

    path: Path
    alt: str
    width_mm: float


#: What docxtpl's ``resolve_listing`` rewrites, and the XML declaration it never looks inside.
_LISTING_CHARS = re.compile("[\t\n\a\f]")
_DECLARATION = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?")


class Template(DocxTemplate):
    """docxtpl with its two regular-expression passes made cheap for bulk letters."""

    _patched: dict[str, str] = {}

    def patch_xml(self, src_xml: str) -> str:
        """docxtpl re-cleans each part's XML with a dozen regular expressions on every
        render; the result depends only on the template, so it is kept for the process."""
        patched = self._patched.get(src_xml)
        if patched is None:
            if len(self._patched) >= 256:
                self._patched.clear()
            patched = self._patched[src_xml] = super().patch_xml(src_xml)
        return patched

    def resolve_listing(self, xml: str) -> str:
        """docxtpl turns tabs, newlines and page breaks inside text into Word's own marks
        with three nested regular-expression passes over the whole part. Text without any
        of those characters (most letters) would come out unchanged, so the passes are
        skipped for it."""
        if not _LISTING_CHARS.search(xml, _DECLARATION.match(xml).end()):
            return xml
        return super().resolve_listing(xml)



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


class _StableZip:
    """python-docx's package writer with fixed timestamps and permissions: the same
    document always gives the same bytes, written (and compressed) once."""

    def __init__(self, buffer: io.BytesIO, when: dt.date) -> None:
        self._zip = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)
        self._stamp = (min(max(when.year, 1980), 2107), when.month, when.day, 0, 0, 0)  # what a zip can hold

    def write(self, pack_uri: Any, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, blob)

    def close(self) -> None:
        self._zip.close()


def _save_stable(document: Any, when: dt.date) -> bytes:
    """Serialise a python-docx document as OpcPackage.save does, through :class:`_StableZip`."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    buffer = io.BytesIO()
    writer = _StableZip(buffer, when)
    PackageWriter._write_content_types_stream(writer, parts)  # noqa: SLF001 - the writer's own steps,
    PackageWriter._write_pkg_rels(writer, package.rels)  # noqa: SLF001 - with a deterministic zip
    PackageWriter._write_parts(writer, parts)  # noqa: SLF001
    writer.close()
    return buffer.getvalue()


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
    props = tpl.docx.core_properties
    stamp = dt.datetime.combine(date, dt.time(0, 0))
    props.title, props.author, props.language = title, author, language
    props.last_modified_by, props.revision = author, 1
    props.created = props.modified = stamp
    props.last_printed = stamp
    return _save_stable(tpl.docx, date)
