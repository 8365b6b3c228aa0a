"""What every Word file doctool writes shares: reproducible bytes, stamped properties, and
docxtpl made cheap for the tags a template (or a shell's header and footer) carries.

The same document always gives the same bytes: zip timestamps and permissions are fixed,
and the document's dates come from the record, never the clock.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from docx.opc.pkgwriter import PackageWriter
from docxtpl import DocxTemplate

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.opc.rel import Relationships

#: What docxtpl's ``resolve_listing`` rewrites, and the XML declaration it never looks inside.
_LISTING_CHARS = re.compile("[\t\n\a\f]")
_DECLARATION = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?")


class Template(DocxTemplate):  # type: ignore[misc]  # docxtpl ships no types: its class is Any to mypy
    """docxtpl with its two regular-expression passes made cheap for bulk letters."""

    _patched: ClassVar[dict[str, str]] = {}

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
        declaration = _DECLARATION.match(xml)  # always matches: all of it is optional
        if not _LISTING_CHARS.search(xml, declaration.end() if declaration else 0):
            return xml
        resolved: str = super().resolve_listing(xml)  # docxtpl is untyped; it returns the part's XML text
        return resolved


class StableZip:
    """python-docx's package writer with fixed timestamps and permissions: the same
    document always gives the same bytes.

    The parts a shell shares between documents (styles, theme, fonts, numbering, the
    logo) are the same bytes in every letter, so each is compressed once and its
    compressed bytes reused (:data:`_DEFLATED`); the zip around them is written here, in
    the layout ``zipfile`` writes (deflate, no data descriptors, no extra fields)."""

    def __init__(self, buffer: io.BytesIO, when: dt.date) -> None:
        self._out = buffer
        year = min(max(when.year, 1980), 2107)  # what a zip can hold
        self._date = ((year - 1980) << 9) | (when.month << 5) | when.day
        self._central: list[bytes] = []

    def write(self, pack_uri: PackURI, blob: bytes) -> None:
        name = pack_uri.membername.encode("ascii")
        crc, packed = _deflated(blob)
        offset = self._out.tell()
        self._out.write(_LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, self._date, crc, len(packed), len(blob), len(name), 0))
        self._out.write(name)
        self._out.write(packed)
        self._central.append(
            _CENTRAL.pack(b"PK\x01\x02", 20, 3, 20, 0, 0, 8, 0, self._date, crc, len(packed), len(blob), len(name), 0, 0, 0, 0,
                          0o644 << 16, offset) + name
        )

    def close(self) -> None:
        start = self._out.tell()
        for entry in self._central:
            self._out.write(entry)
        size = self._out.tell() - start
        count = len(self._central)
        self._out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0))


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # made by version 2.0 on Unix
_END = struct.Struct("<4s4H2LH")
#: Compressed bytes of parts seen recently, most recently used last (bounded).
_DEFLATED: OrderedDict[bytes, tuple[int, bytes]] = OrderedDict()
_DEFLATED_LOCK = threading.Lock()


def _deflated(blob: bytes) -> tuple[int, bytes]:
    """(CRC-32, raw deflate) of ``blob``, as ``zipfile`` writes it, from the cache when
    the same bytes were written before."""
    with _DEFLATED_LOCK:
        hit = _DEFLATED.get(blob)
        if hit is not None:
            _DEFLATED.move_to_end(blob)
            return hit
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    result = (zlib.crc32(blob), compressor.compress(blob) + compressor.flush())
    with _DEFLATED_LOCK:
        _DEFLATED[blob] = result
        while len(_DEFLATED) > 64:
            _DEFLATED.popitem(last=False)
    return result


# python-docx leaves two of its package writer's steps unannotated and types the third's
# writer as its own PhysPkgWriter. Each step only calls ``write(pack_uri, blob)``, which
# StableZip has, so they are typed here for what save_stable gives them.
_write_content_types_stream = cast(
    "Callable[[StableZip, list[Part]], None]", PackageWriter._write_content_types_stream
)
_write_pkg_rels = cast("Callable[[StableZip, Relationships], None]", PackageWriter._write_pkg_rels)
_write_parts = cast("Callable[[StableZip, list[Part]], None]", PackageWriter._write_parts)


def save_stable(document: DocxDocument, when: dt.date) -> bytes:
    """Serialise a python-docx document as OpcPackage.save does, through :class:`StableZip`."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    buffer = io.BytesIO()
    writer = StableZip(buffer, when)
    _write_content_types_stream(writer, parts)  # the writer's own steps,
    _write_pkg_rels(writer, package.rels)  # with a deterministic zip
    _write_parts(writer, parts)
    writer.close()
    return buffer.getvalue()


def stamp_properties(document: DocxDocument, *, title: str, author: str, language: str, when: dt.date) -> None:
    """Title, author and language in the core properties, every date from ``when``."""
    props = document.core_properties
    stamp = dt.datetime.combine(when, dt.time(0, 0))
    props.title, props.author, props.language = title, author, language
    props.last_modified_by, props.revision = author, 1
    props.created = props.modified = stamp
    props.last_printed = stamp
