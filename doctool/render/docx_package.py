"""What every Word file doctool writes shares: reproducible bytes, stamped properties, and
docxtpl made cheap for the tags a template (or a shell's header and footer) carries.

The same document always gives the same bytes: zip timestamps and permissions are fixed,
and the document's dates come from the record, never the clock.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from docx.opc.pkgwriter import PackageWriter
from docxtpl import DocxTemplate

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


class StableZip:
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


def save_stable(document: Any, when: dt.date) -> bytes:
    """Serialise a python-docx document as OpcPackage.save does, through :class:`StableZip`."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    buffer = io.BytesIO()
    writer = StableZip(buffer, when)
    PackageWriter._write_content_types_stream(writer, parts)  # noqa: SLF001 - the writer's own steps,
    PackageWriter._write_pkg_rels(writer, package.rels)  # noqa: SLF001 - with a deterministic zip
    PackageWriter._write_parts(writer, parts)  # noqa: SLF001
    writer.close()
    return buffer.getvalue()


def stamp_properties(document: Any, *, title: str, author: str, language: str, when: dt.date) -> None:
    """Title, author and language in the core properties, every date from ``when``."""
    props = document.core_properties
    stamp = dt.datetime.combine(when, dt.time(0, 0))
    props.title, props.author, props.language = title, author, language
    props.last_modified_by, props.revision = author, 1
    props.created = props.modified = stamp
    props.last_printed = stamp
