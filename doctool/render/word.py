"""Word output of any :class:`~doctool.document.Document`, laid into a council's shell.

A *shell* is an ordinary .docx a council may edit in Word: its styles (Normal, Title,
Heading 1-3, List Bullet, Caption, a table style…), page set-up, header and footer, an
optional letterhead at the top of the body, and one paragraph that says only
``{{ body }}``: where the document goes. The header, footer and letterhead may carry
docxtpl tags naming the document (``{{ doc.meta.reference }}``,
``{{ doc.letterhead.council }}``, ``{{ logo }}``); they are rendered with the sandboxed,
autoescaping environment and strict undefined names. The body is written from
``doc.sections``: python-docx's package, parts, styles, tables and pictures, with
paragraphs and runs built by :mod:`doctool.render.docx_xml` (which also owns the few
bits of XML python-docx lacks). It never passes through Jinja, and lxml escapes every
text, so anything in the record prints literally.

Large and clear print are this renderer with options: ``size_pt`` sets Normal's size,
scales the headings, removes italics and spaces the lines; ``stacked`` lays tables of
three or more columns out as one "Heading: value" record a row.

Shells are parsed once per process (per path and modification time); each render works
on a copy of the parsed parts, so bulk letters never reread the zip.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.packuri import PACKAGE_URI, PackURI
from docx.opc.part import XmlPart
from docx.opc.rel import Relationships
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.oxml.table import CT_Tbl
from docx.package import Package
from docx.parts.image import ImagePart
from docx.shared import Mm
from jinja2 import Template as JinjaTemplate
from jinja2 import TemplateError, TemplateSyntaxError
from lxml import etree
from markupsafe import Markup

from doctool.document import model as document_model
from doctool.document.model import (
    Block,
    Callout,
    Document,
    Field,
    Fields,
    Illustrated,
    Items,
    LetterFrame,
    Paragraph,
    Picture,
    Section,
    SignOff,
    Slip,
    Table,
)
from doctool.document.values import Phone, Phrase, Term, Text, printed
from doctool.errors import ConfigError
from doctool.render import docx_xml as x
from doctool.render.docx_package import Template as _Patcher
from doctool.render.docx_package import save_stable, stamp_properties
from doctool.render.limits import template_limits
from doctool.render.templating import docx_env

__all__ = ["NotAShell", "Shell", "ShellError", "ShellSyntaxError", "load_shell", "render_shell", "render_word"]

ACCENT = "005E6E"
RED = "B10E1E"
SHADE = "EEF5F6"
DRAFT_SHADE = "FBEDEE"
RULE = "C8D3D5"
MUTED = "505A5F"
#: Heading sizes in large and clear print, as multiples of the body size.
LARGE_HEADINGS = {"Title": Decimal("1.4"), "Heading1": Decimal("1.3"), "Heading2": Decimal("1.2"), "Heading3": Decimal("1.1")}
#: Where a posted letter's address and contact block go on page 1 (GOV.UK Notify's zones, mm).
WINDOW_X, CONTACT_X, BODY_Y, FRAME_Y = 26.1, 128.0, 95.0, 40.0
CONTACT_LINE = 28  # characters of "Label: value" that fit the 67 mm contact column at 12 pt
ADDRESS_SIZES = {"fit-smallest": (8.5, 9.5), "fit-smaller": (9.5, 10.5)}  # pt: size, exact line
ADDRESS_NORMAL = (12.0, 13.5)  # 5 lines of 38 characters fit the 26.8 mm window at 12 pt
STACK_FROM_COLUMNS = 3
PICTURE_COLUMN_MM = 40.0
MAX_LOGO_HEIGHT_MM = 18.0  # the letter's logo line is 20 mm
LAYOUT_TABLE = "Layout table: a picture on the left and the words on the right. It has no header row."
LETTER_FRAME_TABLE = "Layout table: the address on the left and who to contact on the right."

_BODY_MARK = "{urn:doctool}body"
_MARKER_TEXT = re.compile(r"^\s*\{\{-?\s*body\s*-?\}\}\s*$")
_MARKER_ANYWHERE = re.compile(r"\{\{-?\s*body\s*-?\}\}")
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARA_LINES = re.compile(r"<w:p([ >])")

#: Style roles the renderer uses, and the style names it looks for in the shell.
ROLES = {
    "title": ("Title",), "subtitle": ("Subtitle",), "h1": ("Heading 1",), "h2": ("Heading 2",),
    "h3": ("Heading 3",), "bullet": ("List Bullet",), "caption": ("Caption",), "lead": ("Lead",),
    "muted": ("Muted",), "table": ("Table Grid", "Table"),
}


class ShellError(ConfigError):
    """A Word shell that cannot be used (no body paragraph, not a .docx, bad tags)."""


class NotAShell(ShellError):
    """The file is not a Word .docx file at all."""


class ShellSyntaxError(ShellError):
    """A tag in the shell Jinja cannot read: where (``body``, ``header``, ``footer``), what,
    and the words around it."""

    def __init__(self, name: str, where: str, message: str, near: str) -> None:
        self.where, self.syntax, self.near = where, message, near
        super().__init__(f"Word template {name}: syntax error in the {where}: {message} {near}".rstrip())


_NO_ATTRIBUTE = re.compile(r"^'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']*)'$")


def explain(exc: TemplateError) -> str:
    """A Jinja error in words a template editor can act on: a name the document does not
    have says which names it does have."""
    message = exc.message or type(exc).__name__
    m = _NO_ATTRIBUTE.match(message)
    if m is None:
        return message
    owner, name = m.groups()
    cls = getattr(document_model, owner, None)
    if cls is None or not dataclasses.is_dataclass(cls):
        return message
    known = [f.name for f in dataclasses.fields(cls)] + [n for n, v in vars(cls).items() if isinstance(v, property)]
    return f"{owner} has no {name!r} (it has {', '.join(known)})"


def part_label(partname: str) -> str:
    """``/word/footer2.xml`` -> "footer"; the main document part is the "body"."""
    name = partname.rsplit("/", 1)[-1]
    return "header" if name.startswith("header") else "footer" if name.startswith("footer") else "body"


def near(source: str, lineno: int | None) -> str:
    """The words on and around ``lineno`` of a part's Jinja source (one paragraph a line),
    tags stripped: "near “Reference: {{ doc.meta.refrence }”"."""
    if not lineno:
        return ""
    lines = source.splitlines()[max(lineno - 2, 0) : lineno + 1]
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines)
    return "near \u201c" + re.sub(r"\s+", " ", text).strip()[:120] + "\u201d"


# --- the shell ---------------------------------------------------------------------------


@dataclass
class Shell:
    """A parsed shell: the pristine package (never handed out), its tagged parts compiled,
    the style ids for each role, and the page geometry the body is laid out in."""

    path: Path
    package: Package
    templates: dict[str, JinjaTemplate]  # partname -> compiled tags
    sources: dict[str, str]  # partname -> the Jinja source (for "near …" in errors)
    styles: dict[str, str | None]  # role -> style id (None: not in the shell)
    base_pt: float  # Normal's size
    page_width_mm: float
    left_mm: float
    right_mm: float
    first_picture_id: int

    @property
    def text_width_mm(self) -> float:
        return self.page_width_mm - self.left_mm - self.right_mm


_SHELLS: dict[Path, tuple[tuple[int, int], Shell]] = {}
_SHELLS_LOCK = threading.Lock()
_PATCHER = _Patcher(None)


def load_shell(path: Path) -> Shell:
    """The parsed shell at ``path``, from the cache while the file is unchanged."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise NotAShell(f"Word template {path.name} cannot be read ({exc.strerror})") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _SHELLS.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    shell = _parse_shell(path)
    with _SHELLS_LOCK:
        if len(_SHELLS) >= 64:  # many councils' shells in one process: stay bounded
            _SHELLS.clear()
        _SHELLS[path] = (stamp, shell)
    return shell


def _paragraph_text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


#: The one kind of link to outside the file a shell may hold: a hyperlink (opened only when
#: the reader chooses to). Anything else external (an attached template, a linked picture,
#: a frame, an OLE object) would make every resident's copy fetch a file when opened.
_HYPERLINK = RT.HYPERLINK


def _refuse_outside_parts(path: Path) -> None:
    """A shell must be self-contained and free of macros: ShellError naming what was found."""
    try:
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
            content_types = package.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            if any(name.lower().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in content_types:
                raise ShellError(f"Word template {path.name} holds macros; save it as a Word document (.docx) without macros")
            for name in (n for n in names if n.endswith(".rels")):
                for rel in etree.fromstring(package.read(name)):
                    if rel.get("TargetMode") == "External" and rel.get("Type") != _HYPERLINK:
                        kind = (rel.get("Type") or "").rsplit("/", 1)[-1] or "link"
                        raise ShellError(
                            f"Word template {path.name} links to a file outside itself ({kind}); every copy would fetch it "
                            "when opened. Embed the picture, or remove the attached template, in Word"
                        )
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise NotAShell(f"{path.name} is not a Word .docx file ({type(exc).__name__})") from None


def _parse_shell(path: Path) -> Shell:
    _refuse_outside_parts(path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise NotAShell(f"{path.name} is not a Word .docx file ({type(exc).__name__})") from None
    body = document.element.body
    markers = [p for p in body.iter(qn("w:p")) if _MARKER_TEXT.match(_paragraph_text(p))]
    if not markers:
        crowded = [p for p in body.iter(qn("w:p")) if _MARKER_ANYWHERE.search(_paragraph_text(p))]
        if crowded:
            text = re.sub(r"\s+", " ", _paragraph_text(crowded[0])).strip()[:80]
            raise ShellError(f"Word template {path.name}: the paragraph with {{{{ body }}}} must hold nothing else, not \u201c{text}\u201d")
        raise ShellError(f"Word template {path.name} has no paragraph that says only {{{{ body }}}}, where the document goes")
    if len(markers) > 1:
        raise ShellError(f"Word template {path.name} has {len(markers)} paragraphs that say {{{{ body }}}}; keep one")
    marker = markers[0]
    placeholder = OxmlElement("w:p")
    sect_pr = marker.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
    if sect_pr is not None:  # the marker ends a section: keep the section break
        ppr = placeholder.get_or_add_pPr()
        ppr.append(sect_pr)
    placeholder.set(_BODY_MARK, "1")
    marker.getparent().replace(marker, placeholder)

    part = document.part
    tagged = [part, *(rel.target_part for rel in part.rels.values() if rel.reltype in (RT.HEADER, RT.FOOTER))]
    templates: dict[str, JinjaTemplate] = {}
    sources: dict[str, str] = {}
    for story in tagged:
        xml = etree.tostring(story.element, encoding="unicode")
        if "{" not in xml:
            continue
        source = _one_paragraph_a_line(_PATCHER.patch_xml(xml))
        if "{{" not in source and "{%" not in source:
            continue
        sources[str(story.partname)] = source
        try:
            templates[str(story.partname)] = docx_env().from_string(source)
        except TemplateSyntaxError as exc:
            raise ShellSyntaxError(path.name, part_label(str(story.partname)), exc.message or "", near(source, exc.lineno)) from None

    styles_by_name = {s.name: s for s in document.styles}
    roles = {role: next((styles_by_name[n].style_id for n in names if n in styles_by_name), None) for role, names in ROLES.items()}
    normal = styles_by_name.get("Normal")
    base = normal.font.size.pt if normal is not None and normal.font.size else _default_size(document)
    section = document.sections[-1]
    ids = [int(v) for p in document.part.package.iter_parts() if isinstance(p, XmlPart) for v in p.element.xpath("//wp:docPr/@id") if v.isdigit()]
    return Shell(
        path=path,
        package=document.part.package,
        templates=templates,
        sources=sources,
        styles=roles,
        base_pt=float(base),
        page_width_mm=(section.page_width or Mm(210)).mm,
        left_mm=(section.left_margin if section.left_margin is not None else Mm(20)).mm,
        right_mm=(section.right_margin if section.right_margin is not None else Mm(20)).mm,
        first_picture_id=max([*ids, 1000]) + 1,
    )


def _one_paragraph_a_line(xml: str) -> str:
    """One paragraph a line, so a Jinja error's line number points at a paragraph."""
    return _PARA_LINES.sub(r"\n<w:p\1", xml)


def _default_size(document: Any) -> float:
    sz = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    return int(sz.get(qn("w:val"))) / 2 if sz is not None else 10.0


def _clone(shell: Shell) -> tuple[Package, dict[str, Any]]:
    """A fresh package of the shell's parts: XML parts copied (tagged ones are rendered in
    their place), binary parts shared (their bytes are never changed)."""
    old_pkg = shell.package
    new_pkg = Package()
    parts: dict[Any, Any] = {}
    by_name: dict[str, Any] = {}
    for old in old_pkg.iter_parts():
        new = object.__new__(type(old))
        for key in ("_partname", "_content_type", "_blob", "_image"):
            if key in old.__dict__:
                new.__dict__[key] = old.__dict__[key]
        new._package = new_pkg
        if isinstance(old, XmlPart) and str(old.partname) not in shell.templates:
            element = copy.deepcopy(old._element)
            for key, value in old.__dict__.items():  # _element, and the aliases some parts keep (_settings)
                if value is old._element:
                    new.__dict__[key] = element
        parts[old] = new
        by_name[str(old.partname)] = new

    def copy_rels(source: Any, target_rels: Relationships) -> None:
        for r_id, rel in source.rels.items():
            target = rel.target_ref if rel.is_external else parts[rel.target_part]
            target_rels.add_relationship(rel.reltype, target, r_id, rel.is_external)

    for old, new in parts.items():
        rels = new.__dict__["rels"] = Relationships(old.partname.baseURI)
        copy_rels(old, rels)
    pkg_rels = new_pkg.__dict__["rels"] = Relationships(PACKAGE_URI.baseURI)
    copy_rels(old_pkg, pkg_rels)
    new_pkg.after_unmarshal()  # type: ignore[no-untyped-call]  # python-docx leaves this hook unannotated
    return new_pkg, by_name


# --- pictures ----------------------------------------------------------------------------

_IMAGES: dict[Path, tuple[tuple[int, int], Image]] = {}


def _image(path: Path) -> Image:
    """The picture at ``path``, read and measured once while the file is unchanged."""
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _IMAGES.get(path)
    if cached is None or cached[0] != stamp:
        if len(_IMAGES) >= 512:
            _IMAGES.clear()
        cached = _IMAGES[path] = (stamp, Image.from_blob(path.read_bytes()))
    return cached[1]


class _Pictures:
    """Inline pictures with alt text, numbered uniquely across the document's parts, each
    file stored once. Word cannot show SVG: those are rasterised once (and cached on disk)
    as PNGs."""

    def __init__(self, first_id: int, doc: Document) -> None:
        self._next = first_id
        self._parts: dict[Path, Any] = {}
        svgs = sorted({p.path for p in doc.pictures() if p.path.suffix.lower() == ".svg"})
        self._png: dict[Path, Path] = {}
        if svgs:
            from doctool.easyread.pictures import rasterise

            self._png = dict(zip(svgs, rasterise(svgs)))

    def _image_part(self, package: Any, path: Path) -> Any:
        image_part = self._parts.get(path)
        if image_part is None:
            image = _image(path)
            used = {str(p.partname) for p in package.image_parts}
            n = len(used) + 1
            while f"/word/media/image{n}.{image.ext}" in used:
                n += 1
            image_part = ImagePart.from_image(image, PackURI(f"/word/media/image{n}.{image.ext}"))
            package.image_parts.append(image_part)
            self._parts[path] = image_part
        return image_part

    def inline(self, part: Any, picture: Picture, max_height_mm: float | None = None) -> Any:
        path = self._png.get(picture.path, picture.path)
        image_part = self._image_part(part.package, path)
        r_id = part.relate_to(image_part, RT.IMAGE)
        image = image_part.image
        cx, cy = image.scaled_dimensions(Mm(picture.width_mm), None)
        if max_height_mm and cy > Mm(max_height_mm):
            cx, cy = image.scaled_dimensions(None, Mm(max_height_mm))
        inline = CT_Inline.new_pic_inline(self._next, r_id, path.name, cx, cy)
        self._next += 1
        x.alt_text(inline, picture.alt)
        return inline


class _LogoTag:
    """``{{ logo }}`` in a shell: the council's logo, inline, with its alt text."""

    def __init__(self, part: Any, picture: Picture, pictures: _Pictures) -> None:
        self._part, self._picture, self._pictures = part, picture, pictures

    def __html__(self) -> str:
        inline = self._pictures.inline(self._part, self._picture, MAX_LOGO_HEIGHT_MM)
        xml = etree.tostring(inline, encoding="unicode")
        return f'</w:t></w:r><w:r><w:drawing>{xml}</w:drawing></w:r><w:r><w:t xml:space="preserve">'

    def __str__(self) -> str:
        return self.__html__()


# --- text --------------------------------------------------------------------------------


def _nobreak(number: str) -> str:
    """A telephone number that never breaks: no-break spaces, and hyphens Word keeps whole."""
    return number.replace(" ", "\u00a0").replace("-", "\u2011")


def word_text(text: Text) -> str:
    """The printed form of ``text`` for Word: telephone numbers never break, and
    characters XML cannot hold are left out."""
    if isinstance(text, str):
        out = text
    elif isinstance(text, Phone):
        out = _nobreak(text.printed)
    elif isinstance(text, Phrase):
        out = "".join(_nobreak(p.printed) if isinstance(p, Phone) else printed(p) for p in text.parts)
    else:
        out = printed(text)
    return _BAD_XML.sub("", out) if _BAD_XML.search(out) else out


# --- the body ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    size_pt: int | None
    stacked: bool

    @property
    def large(self) -> bool:
        return self.size_pt is not None


_P = qn("w:p")
_TR = qn("w:tr")
_TBL = qn("w:tbl")
_OWN_SPACING = ("title", "subtitle", "h1", "h2", "h3")  # roles whose style spaces them


def _cell_sink(tc: Any) -> Callable[[Any], None]:
    """Appends paragraphs to a new table cell (its empty placeholder paragraph goes)."""
    for p in tc.findall(_P):
        tc.remove(p)
    append: Callable[[Any], None] = tc.append  # an lxml element's (lxml ships no types)
    return append


def _close_cells(tbl: Any) -> None:
    """Every cell ends with a paragraph, as Word requires."""
    for tc in tbl.iter(qn("w:tc")):
        if tc.find(_P) is None:
            tc.append(x.make("p"))


class _Writer:
    """Writes a Document's body as a list of body elements (paragraphs and tables).

    Tables and pictures come from python-docx; paragraphs and runs are built by
    :mod:`doctool.render.docx_xml` (escaped by lxml)."""

    def __init__(self, part: Any, shell: Shell, doc: Document, options: _Options, pictures: _Pictures) -> None:
        self.part = part
        self.shell = shell
        self.doc = doc
        self.options = options
        self.pictures = pictures
        self.base = float(options.size_pt or shell.base_pt)
        self.heading_level = 0  # the last heading written (0: the title)
        self.out: list[Any] = []
        self.add: Callable[[Any], None] = self.out.append

    # paragraphs and runs

    def paragraph(self, text: Text = "", role: str | None = None, *, bold: bool = False, sink: Callable[[Any], None] | None = None, **fmt: Any) -> Any:
        if sink is None and self.out and self.out[-1].tag == _TBL and role not in _OWN_SPACING and fmt.get("before") is None:
            fmt["before"] = round(self.base * 0.75)  # space after a table (Word has no "space after" for one)
        p = x.new_paragraph(self.shell.styles.get(role) if role else None, **fmt)
        (sink or self.add)(p)
        if isinstance(text, Phrase) and any(isinstance(part, Term) for part in text.parts):
            for part in text.parts:  # an explained hard word in bold, the rest as it is
                x.add_run(p, word_text(part), bold=bold or isinstance(part, Term))
        elif text != "":
            x.add_run(p, word_text(text), bold=bold)
        return p

    @staticmethod
    def run(p: Any, text: Text, *, bold: bool = False, size: float | None = None, colour: str | None = None) -> Any:
        return x.add_run(p, word_text(text), bold=bold, size=size, colour=colour)

    def heading(self, text: str, level: int, *, page_break: bool = False) -> Any:
        """A heading never more than one level below the one before it."""
        level = max(1, min(level, self.heading_level + 1, 3))
        self.heading_level = level
        role = f"h{level}"
        styled = bool(self.shell.styles.get(role))
        p = self.paragraph(text, role, bold=not styled, keep_next=True, page_break=page_break)
        if not styled:  # a shell without the heading style: still a heading
            x.outline_level(p, level - 1)
        return p

    # the document

    def write(self) -> list[Any]:
        doc = self.doc
        if doc.letter is not None:
            self.letter_frame(doc.letter)
            if doc.letter.salutation:
                self.paragraph(doc.letter.salutation)
        self.paragraph(doc.meta.h1, "title")
        for line in doc.meta.subtitle:
            self.paragraph(line, "subtitle" if self.shell.styles.get("subtitle") else "lead")
        if doc.draft.on:
            self.draft_box()
        for block in _grouped(doc.preamble):
            self.block(block)
        for section in doc.sections:
            self.section(section)
        if self.out and self.out[-1].tag == _TBL and doc.meta.footer:
            # Word ends a document with a paragraph: the closing line, not an empty one
            # (a screen reader says "blank" for an empty paragraph after the last table)
            self.paragraph(doc.meta.footer, "muted" if self.shell.styles.get("muted") else None)
        return _separate_tables(self.out)

    def section(self, section: Section) -> None:
        start = len(self.out)
        if section.heading:
            self.heading(section.heading, section.level - 1, page_break=section.style == "new-page")
        for block in _grouped(section.blocks):
            self.block(block)
        if section.style == "card":
            self.keep_together(self.out[start:])

    def block(self, block: Block | tuple[Illustrated, ...]) -> None:
        if isinstance(block, tuple):
            self.illustrated(block)
            return
        write: Callable[[Any], None] = getattr(self, _WRITERS[type(block)])
        write(block)

    # blocks

    def para_block(self, block: Paragraph) -> None:
        if block.style == "strong":
            self.paragraph(block.text, bold=True)
        elif block.style == "lead":
            p = self.paragraph("", "lead")
            self.run(p, block.text, size=None if self.shell.styles.get("lead") else round(self.base * 1.15, 1))
        elif block.style == "muted":
            p = self.paragraph("", "muted")
            self.run(p, block.text, colour=None if self.shell.styles.get("muted") else MUTED)
        else:
            self.paragraph(block.text)

    def items(self, block: Items, sink: Callable[[Any], None] | None = None) -> None:
        bullet = self.shell.styles.get("bullet")
        for item in block.items:
            if bullet:
                self.paragraph(item, "bullet", sink=sink)
            else:
                p = self.paragraph("\u2022\u00a0", sink=sink, left_mm=5)
                self.run(p, item)

    def caption(self, text: str) -> None:
        if text:
            self.paragraph(text, "caption", bold=not self.shell.styles.get("caption"), keep_next=True)

    def fields(self, block: Fields) -> None:
        if block.rows:
            self.caption(block.caption)
            self.field_table(block.rows, caption=block.caption)

    def table(self, rows: int, cols: int, style: str | None = None) -> Any:
        """A new table (python-docx's), added to the body."""
        tbl = CT_Tbl.new_tbl(rows, cols, Mm(self.shell.text_width_mm))
        style_id = self.shell.styles.get(style) if style else None
        if style_id:
            x.put(tbl.tblPr, x.element("tblStyle", val=style_id))
        elif style:  # a shell without a table style: grid lines all the same
            x.put(tbl.tblPr, _grid_borders())
        if style:
            pad = max(1.0, self.base / 12)
            x.cell_margins(tbl, top=pad, bottom=pad, left=1.9, right=1.9)
        self.add(tbl)
        return tbl

    def field_table(self, rows: Iterable[Field], blanks: Iterable[str] = (), caption: str = "") -> Any:
        """Labelled values: the label cells are row headers (bold, shaded), one row each;
        ``blanks`` add rows left empty to write in."""
        rows, blanks = list(rows), list(blanks)
        tbl = self.table(len(rows) + len(blanks), 2, style="table")
        width = self.shell.text_width_mm
        x.table_layout(tbl, [width * 0.38, width * 0.62])
        x.table_look(tbl, first_row=False, first_column=True)
        x.table_alt(tbl, caption=caption)
        labelled = [(f.label, f.value, f.strong) for f in rows] + [(b, "", False) for b in blanks]
        for i, (tr, (label, value, strong)) in enumerate(zip(tbl.tr_lst, labelled)):
            label_tc, value_tc = tr.tc_lst
            x.cant_split(tr)
            x.shade_cell(label_tc, SHADE)
            self.paragraph(label, bold=True, sink=_cell_sink(label_tc), before=0, after=0)
            self.paragraph(value, bold=strong, sink=_cell_sink(value_tc), before=0, after=0)
            if i >= len(rows):
                x.row_height(tr, max(12.0, self.base * 0.9))
        _close_cells(tbl)
        return tbl

    def data_table(self, block: Table) -> None:
        if self.options.stacked and len(block.head) >= STACK_FROM_COLUMNS:
            self.records(block)
            return
        self.caption(block.caption)
        texts = [[word_text(c) for c in row] for row in block.rows]
        tbl = self.table(len(block.rows) + 1, len(block.head), style="table")
        x.table_layout(tbl, _column_widths(block.head, texts, self.shell.text_width_mm, block.numeric))
        x.table_look(tbl, first_row=True, first_column=False)
        x.table_alt(tbl, caption=block.caption)
        head, *body = tbl.tr_lst
        x.repeat_header(head)
        for i, (tc, text) in enumerate(zip(head.tc_lst, block.head)):
            x.shade_cell(tc, SHADE)
            self.paragraph(text, bold=True, sink=_cell_sink(tc), before=0, after=0, align="right" if i in block.numeric else None)
        for r, (tr, row) in enumerate(zip(body, texts)):
            x.cant_split(tr)
            total = r in block.totals
            for i, (tc, text) in enumerate(zip(tr.tc_lst, row)):
                self.paragraph(text, bold=total, sink=_cell_sink(tc), before=0, after=0, align="right" if i in block.numeric else None)
        _close_cells(tbl)

    def records(self, block: Table) -> None:
        """A wide table at a large size: each row a group of "Heading: value" lines, set
        apart by a rule at the left, kept on one page."""
        self.caption(block.caption)
        for r, row in enumerate(block.rows):
            fields = [(h, word_text(v)) for h, v in zip(block.head, row)]
            fields = [(h, v) for h, v in fields if v.strip()]
            for i, (head, value) in enumerate(fields):
                last = i == len(fields) - 1
                p = self.paragraph(keep_next=not last, before=0, after=self.base if last else 0, left_mm=3)
                x.paragraph_border(p, ACCENT, sides=("left",), size=24, space=8)
                self.run(p, f"{head}: ", bold=True)
                self.run(p, value, bold=r in block.totals)

    def drawing(self, p: Any, picture: Picture) -> None:
        r = x.sub(p, "r")
        x.sub(r, "drawing").append(self.pictures.inline(self.part, picture))

    def picture(self, block: Picture) -> None:
        self.drawing(self.paragraph(), block)

    def callout(self, block: Callout) -> None:
        """The one fact not to miss, in a shaded box with a rule at the left: its title,
        the amount larger, and what it means."""
        lines = [self.paragraph(block.title, bold=True)]
        if block.amount:
            p = self.paragraph()
            self.run(p, block.amount, bold=True, size=round(self.base * (1.5 if self.options.large else 1.8)))
            lines.append(p)
        if block.detail:
            lines.append(self.paragraph(block.detail))
        self.box(lines, ACCENT, SHADE)

    def box(self, lines: list[Any], colour: str, fill: str) -> None:
        """Paragraphs in one box: the same border and shading on each (Word and LibreOffice
        draw consecutive ones as one box), kept together."""
        for i, p in enumerate(lines):
            last = i == len(lines) - 1
            ppr = x.props(p, "pPr")
            if not last:
                x.put(ppr, x.element("keepNext"))
            x.paragraph_border(p, colour, size=6, space=6)
            ppr.find(qn("w:pBdr")).find(qn("w:left")).set(qn("w:sz"), "36")
            x.paragraph_shading(p, fill)
            x.put(ppr, x.element("spacing", before=0, after=round((self.base if last else 2) * 20)))
            x.put(ppr, x.element("ind", left=x.twips(3), right=x.twips(3)))

    def illustrated(self, blocks: tuple[Illustrated, ...]) -> None:
        """Easy read: one layout table, a row a block, the picture left and the words right."""
        tbl = self.table(len(blocks), 2)
        words_mm = self.shell.text_width_mm - PICTURE_COLUMN_MM
        x.table_layout(tbl, [PICTURE_COLUMN_MM, words_mm])
        x.no_borders(tbl, rule_between_rows=RULE)
        x.table_look(tbl, first_row=False, first_column=False)
        x.cell_margins(tbl, top=3, bottom=4, left=0, right=2)
        x.table_alt(tbl, description=self.doc.words.get("layout_table", LAYOUT_TABLE))
        for tr, block in zip(tbl.tr_lst, blocks):
            x.cant_split(tr)
            pic_tc, words_tc = tr.tc_lst
            x.cell_top(pic_tc)
            x.cell_top(words_tc)
            shown = dataclasses.replace(block.picture, width_mm=min(block.picture.width_mm, PICTURE_COLUMN_MM - 6))
            self.drawing(self.paragraph(sink=_cell_sink(pic_tc)), shown)
            words = _cell_sink(words_tc)
            for i, sentence in enumerate(block.sentences):
                self.paragraph(sentence, bold=i in block.emphasis, sink=words)
            if block.items:
                self.items(Items(block.items), sink=words)
            for label in block.sign_here:  # the label, and a line under room to write
                self.paragraph(label, bold=True, sink=words, before=self.base, keep_next=True)
                line = self.paragraph(sink=words, before=self.base * 1.5, after=self.base * 0.5, right_mm=10)
                x.paragraph_border(line, "0B0C0C", sides=("bottom",), size=8, space=1)
        _close_cells(tbl)

    def sign_off(self, block: SignOff) -> None:
        start = len(self.out)
        self.paragraph(block.closing, before=self.base, after=0)
        if block.name:
            self.paragraph(block.name, bold=True, before=self.base * 2.5, after=0)  # room to sign
        for text in (block.job_title, block.for_council):
            if text:
                self.paragraph(text, after=0)
        self.keep_together(self.out[start:])

    def slip(self, block: Slip) -> None:
        """A tear-off slip: a dashed cut line, its heading, the statement, and a table of
        what is printed and what to write in, all kept on one page."""
        start = len(self.out)
        cut = self.paragraph(before=self.base * 1.5)
        x.paragraph_border(cut, "0B0C0C", sides=("top",), size=8, space=4, style="dashed")
        self.run(cut, block.cut)  # the body size: nothing under 12 pt
        self.heading(block.heading, self.heading_level + 1)
        self.paragraph(block.statement, bold=True)
        if block.about:
            self.paragraph(block.about)
        self.field_table(block.fields, block.blanks, caption=block.heading)
        if block.return_to:
            self.paragraph(block.return_to, before=self.base * 0.8)
        self.keep_together(self.out[start:])

    # page 1

    def draft_box(self) -> None:
        draft = self.doc.draft
        if draft.blocks:  # the document's own way of saying it is a draft (easy read's)
            start = len(self.out)
            for block in _grouped(draft.blocks):
                self.block(block)
            self.keep_together(self.out[start:])
            return
        lines = [self.paragraph(draft.title or draft.banner or "DRAFT", bold=True)]
        if draft.intro:
            lines.append(self.paragraph(draft.intro))
        for rule, message, source in draft.findings:
            p = self.paragraph(f"{rule}: ", bold=True)
            self.run(p, message)
            if source:
                self.run(p, f" ({source})")
            lines.append(p)
        self.box(lines, RED, DRAFT_SHADE)

    def letter_frame(self, frame: LetterFrame) -> None:
        """The address (left, in the envelope window) and the contact block (right) at the
        top of page 1: a borderless two-column table. Stacked (large print), they are
        paragraphs one under the other at the body size."""
        if self.options.stacked:
            for i, text in enumerate(frame.address):
                self.paragraph(text, after=self.base if i == len(frame.address) - 1 else 0)
            for text in frame.contact_intro:
                self.paragraph(text, after=0)
            for field in frame.contact:
                p = self.paragraph(f"{field.label}: ", bold=True, after=0)
                self.run(p, field.value)
            self.paragraph()
            return
        tbl = self.table(1, 2)
        shell = self.shell
        right_edge = shell.page_width_mm - shell.right_mm
        fixed = not self.options.large and shell.left_mm <= WINDOW_X and right_edge - CONTACT_X >= 40
        if fixed:  # the address at the envelope window, the body from 95 mm down
            x.table_layout(tbl, [CONTACT_X - WINDOW_X, right_edge - CONTACT_X], indent_mm=WINDOW_X - shell.left_mm)
            x.row_height(tbl.tr_lst[0], BODY_Y - FRAME_Y + 1)
        else:
            x.table_layout(tbl, [shell.text_width_mm * 0.55, shell.text_width_mm * 0.45])
        x.no_borders(tbl)
        x.cell_margins(tbl, top=0, bottom=0, left=0, right=0)
        x.table_look(tbl, first_row=False, first_column=False)
        x.table_alt(tbl, description=self.doc.words.get("letter_frame", LETTER_FRAME_TABLE))
        tr = tbl.tr_lst[0]
        x.cant_split(tr)
        address_tc, contact_tc = tr.tc_lst
        x.cell_top(address_tc)
        x.cell_top(contact_tc)
        x.put(x.props(address_tc, "tcPr"), _cell_margin_right(10))
        size, line = ADDRESS_SIZES.get(frame.address_fit, ADDRESS_NORMAL) if fixed else (None, None)
        address = _cell_sink(address_tc)
        for text in frame.address:
            p = self.paragraph(sink=address, before=0, after=0, line=line, exact=bool(line))
            self.run(p, text, size=size)
        contact = _cell_sink(contact_tc)
        # at the body size (12 pt, never under clear print's minimum): "Label: value" on a
        # line where it fits the column, else the value on a line of its own under its label
        for i, text in enumerate(frame.contact_intro):
            p = self.paragraph(sink=contact, before=0, after=0)
            self.run(p, text, bold=i == 0)
        for i, field in enumerate(frame.contact):
            value = word_text(field.value)
            fits = len(field.label) + 2 + len(value) <= CONTACT_LINE
            p = self.paragraph(sink=contact, before=6 if i == 0 and frame.contact_intro else 0, after=0, keep_next=not fits)
            self.run(p, f"{field.label}: " if fits else field.label, bold=True)
            self.run(p if fits else self.paragraph(sink=contact, before=0, after=0), value)
        _close_cells(tbl)

    # keeping together

    @staticmethod
    def keep_together(elements: Iterable[Any]) -> None:
        """Every paragraph of ``elements`` kept with the next, and every row whole, so the
        group starts on a new page rather than split (Word's "keep with next")."""
        paragraphs: list[Any] = []
        for el in elements:
            if el.tag == _P:
                paragraphs.append(el)
            else:
                paragraphs += el.iter(_P)
                for tr in el.iter(_TR):
                    x.cant_split(tr)
        for p in paragraphs[:-1]:
            x.put(x.props(p, "pPr"), x.element("keepNext"))


_WRITERS: dict[type, str] = {
    Paragraph: "para_block", Items: "items", Fields: "fields", Table: "data_table", Picture: "picture",
    Callout: "callout", SignOff: "sign_off", Slip: "slip",
}


def _separate_tables(elements: list[Any]) -> list[Any]:
    """A small empty paragraph between two tables (Word would join them into one) and after
    a table that ends the body (Word ends a document with a paragraph). doctool's own
    documents need neither: every table that follows another has a caption, and the body
    ends with the document's closing line; a council's shell or wording may still."""
    out: list[Any] = []
    for i, el in enumerate(elements):
        out.append(el)
        if el.tag == _TBL and (i + 1 == len(elements) or elements[i + 1].tag == _TBL):
            out.append(x.new_paragraph(before=0, after=0, line=4, exact=True))
    return out


def _grouped(blocks: Iterable[Block]) -> list[Block | tuple[Illustrated, ...]]:
    """Blocks, with each run of consecutive easy-read blocks as one group (one table)."""
    out: list[Block | tuple[Illustrated, ...]] = []
    for block in blocks:
        if isinstance(block, Illustrated):
            if out and isinstance(out[-1], tuple):
                out[-1] = (*out[-1], block)
            else:
                out.append((block,))
        else:
            out.append(block)
    return out


def _column_widths(head: tuple[str, ...], rows: list[list[str]], width_mm: float, numeric: tuple[int, ...]) -> list[float]:
    """Widths by how much each column holds: a longest word still fits, sums stay narrow."""
    weights = []
    for i, heading in enumerate(head):
        cells = [row[i] for row in rows if i < len(row)]
        longest_word = max((len(w) for c in (heading, *cells) for w in c.split()), default=4)
        typical = max((len(c) for c in cells), default=len(heading))
        weight = max(longest_word + 2, min(typical, 40), 6)
        weights.append(min(weight, 14) if i in numeric else weight)
    total = sum(weights) or 1
    return [width_mm * w / total for w in weights]


def _grid_borders() -> Any:
    borders = x.element("tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(x.element(edge, val="single", sz=4, space=0, color="auto"))
    return borders


def _cell_margin_right(mm: float) -> Any:
    margins = x.element("tcMar")
    margins.append(x.element("right", w=x.twips(mm), type="dxa"))
    return margins


# --- the header: draft marking -----------------------------------------------------------


def _mark_draft(document: Any, doc: Document, base_pt: float) -> None:
    """"DRAFT" (the draft's banner) at the top of every header the document uses."""
    text = word_text(doc.draft.banner or "DRAFT")
    seen: set[int] = set()
    for section in document.sections:
        headers = [section.header]
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
        if document.settings.odd_and_even_pages_header_footer:
            headers.append(section.even_page_header)
        for header in headers:
            element = header._element
            if id(element) in seen:
                continue
            seen.add(id(element))
            p = x.new_paragraph(before=0, after=0, line=1.0)
            x.add_run(p, text, bold=True, size=max(14.0, base_pt), colour=RED)
            existing = element.find(qn("w:p"))
            if existing is not None:
                existing.addprevious(p)
            else:
                element.append(p)


# --- large and clear print ---------------------------------------------------------------


def _half_points(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except ArithmeticError:
        return None


def _large_print_styles(styles: Any, size_pt: int, base_pt: float) -> None:
    """Normal at ``size_pt``; Title and headings about 1.4, 1.3, 1.2 and 1.1 times it;
    nothing smaller than it; no italics; line spacing 1.5 and space between paragraphs."""
    body = Decimal(size_pt * 2)
    base = Decimal(str(base_pt * 2))
    defaults = styles.find(qn("w:docDefaults"))
    targets = []
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            x.child(rpr, "sz", val=int(body))
            x.child(rpr, "szCs", val=int(body))
        ppr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
        if ppr is not None:
            targets.append(ppr)
    for style in styles.iter(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        rpr = style.find(qn("w:rPr"))
        if rpr is not None:
            for tag in ("i", "iCs"):
                for el in rpr.findall(qn(f"w:{tag}")):
                    rpr.remove(el)
        if style_id in LARGE_HEADINGS:
            size = int(body * LARGE_HEADINGS[style_id])
            rpr = style.get_or_add_rPr()
            x.child(rpr, "sz", val=size)
            x.child(rpr, "szCs", val=size)
            ppr = style.get_or_add_pPr()
            x.child(ppr, "spacing", before=size_pt * 20, after=size_pt * 10, line=276, lineRule="auto")
        elif style_id == "Normal":
            rpr = style.get_or_add_rPr()
            x.child(rpr, "sz", val=int(body))
            x.child(rpr, "szCs", val=int(body))
            targets.append(style.get_or_add_pPr())
        elif rpr is not None:
            _resize_rpr(rpr, base, body)
    for ppr in targets:
        x.child(ppr, "spacing", line=360, lineRule="auto", after=size_pt * 15)


def _resize_rpr(rpr: Any, base: Decimal, body: Decimal) -> None:
    """Sizes in a run or style at least the body size; larger ones stay a little larger."""
    for tag in ("sz", "szCs"):
        el = rpr.find(qn(f"w:{tag}"))
        if el is None:
            continue
        old = _half_points(el.get(qn("w:val")))
        ratio = min(old / base, Decimal("1.3")) if old else Decimal(1)
        el.set(qn("w:val"), str(int(max(body, body * ratio))))


def _large_print_story(element: Any, base_pt: float, size_pt: int) -> None:
    """Direct sizes in a header, footer or letterhead at least the body size; no italics."""
    base, body = Decimal(str(base_pt * 2)), Decimal(size_pt * 2)
    for rpr in element.iter(qn("w:rPr")):
        _resize_rpr(rpr, base, body)
        for tag in ("i", "iCs"):
            for el in rpr.findall(qn(f"w:{tag}")):
                rpr.remove(el)


# --- rendering ---------------------------------------------------------------------------


def _context(doc: Document, part: Any, pictures: _Pictures) -> dict[str, Any]:
    logo = doc.letterhead.logo
    return {"doc": doc, "logo": _LogoTag(part, logo, pictures) if logo else Markup("")}


def render_shell(shell: Shell, doc: Document, *, size_pt: int | None = None, stacked: bool = False) -> Any:
    """The python-docx document of ``doc`` laid into ``shell`` (not yet saved). Jinja
    errors in the shell's tags propagate (:func:`render_word` names the shell)."""
    package, parts = _clone(shell)
    pictures = _Pictures(shell.first_picture_id, doc)
    for partname, template in shell.templates.items():
        part = parts[partname]
        with template_limits(f"Word template {shell.path.name} ({part_label(partname)})"):
            xml = template.render(_context(doc, part, pictures))
        xml = _PATCHER.resolve_listing(_PARA_LINES_BACK.sub(r"<w:p\1", xml))
        part._element = parse_xml(xml.encode("utf-8"))
    document_part = package.main_document_part
    document = document_part.document
    if size_pt is not None:  # the shell's own letterhead, header and footer at the size too
        for part in parts.values():
            if part.partname == "/word/document.xml" or part.partname.startswith(("/word/header", "/word/footer")):
                _large_print_story(part.element, shell.base_pt, size_pt)
    marker = next(el for el in document.element.body.iter(qn("w:p")) if el.get(_BODY_MARK))
    for el in _Writer(document_part, shell, doc, _Options(size_pt, stacked), pictures).write():
        marker.addprevious(el)
    if marker.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
        del marker.attrib[_BODY_MARK]
    else:
        marker.getparent().remove(marker)

    if doc.draft.on:
        _mark_draft(document, doc, float(size_pt or shell.base_pt))
    styles = document.styles.element
    if size_pt is not None:
        _large_print_styles(styles, size_pt, shell.base_pt)
    settings = package.main_document_part._settings_part.element
    x.set_language(styles, settings, doc.meta.lang)
    stamp_properties(document, title=doc.meta.full_title, author=doc.letterhead.council, language=doc.meta.lang, when=doc.meta.date)
    return document


_PARA_LINES_BACK = re.compile(r"\n<w:p([ >])")


def render_word(doc: Document, template: Path, *, size_pt: int | None = None, stacked: bool = False) -> bytes:
    """``doc`` as a Word file laid into the shell at ``template``.

    ``size_pt`` makes it large (or clear) print: Normal at that size, headings larger, no
    italics, generous spacing. ``stacked`` lays tables of three or more columns out as a
    "Heading: value" record a row. The same Document and shell give the same bytes.
    """
    shell = load_shell(template)
    try:
        document = render_shell(shell, doc, size_pt=size_pt, stacked=stacked)
    except TemplateError as exc:
        raise ShellError(f"Word template {Path(template).name}: {explain(exc)}") from None
    except OverflowError as exc:  # the sandbox's cap on range()
        raise ShellError(f"Word template {Path(template).name}: {exc}") from None
    return save_stable(document, doc.meta.date)

