"""Checks a council's edited template before it meets a real plan.

Three passes: Jinja syntax (with the words around the error), variables the template uses
that the view model does not provide, and a trial render against every bundled sample
with strict undefined variables, which finds misspelt fields deeper down
(``person.nmae``) in whichever branch a sample takes.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError, meta

from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import ConfigError, InputError
from doctool.loading import load_document
from doctool.model.letter import LetterRecord
from doctool.paths import SAMPLES as BUNDLED
from doctool.profiles import load_profile
from doctool.render.docx import render_docx
from doctool.render.templating import docx_env, html_env

SAMPLES = BUNDLED / "plans"
LETTER_SAMPLES = BUNDLED / "letters"


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _docx_source(path: Path) -> str:
    """The template's Jinja source as docxtpl sees it (body, headers, footers)."""
    try:
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"{path.name} is not a Word .docx file ({type(exc).__name__})") from None
    xml = tpl.patch_xml(tpl.get_xml())
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _rel_id, part in tpl.get_headers_footers(uri):
            xml += tpl.patch_xml(tpl.get_part_xml(part))
    return xml


def _paragraph_texts(path: Path) -> list[str]:
    """The visible text of every paragraph, in the body, tables, headers and footers."""
    doc = Document(str(path))
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for section in doc.sections:
        paragraphs += list(section.header.paragraphs) + list(section.footer.paragraphs)
    return [p.text for p in paragraphs]


def _unbalanced(path: Path) -> list[Problem]:
    """Tags opened and not closed in the same paragraph. docxtpl would silently drop the
    text between them, so a forgotten ``}}`` must be caught before Jinja sees the XML."""
    problems = []
    for text in _paragraph_texts(path):
        for opener, closer in (("{{", "}}"), ("{%", "%}")):
            if text.count(opener) != text.count(closer):
                snippet = re.sub(r"\s+", " ", text).strip()[:80]
                problems.append(Problem(f"near \u201c{snippet}\u201d", f"syntax error: {opener} \u2026 {closer} is not closed in this paragraph"))
    return problems


def _near(source: str, lineno: int | None) -> str:
    if not lineno:
        return "template"
    lines = source.splitlines()[max(lineno - 2, 0) : lineno + 1]
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines)
    return "near \u201c" + re.sub(r"\s+", " ", text).strip()[:120] + "\u201d"


def _kind_for(path: Path) -> DocumentKind:
    for kind in DOCUMENTS.values():
        if path.name in (kind.docx_template, kind.html_template) or path.stem.startswith(kind.name):
            return kind
    return DOCUMENTS["plan"]


def check_template(path: Path, document: str | None = None) -> list[Problem]:
    """Every problem found in the template at ``path`` (empty when it is sound)."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    kind = DOCUMENTS[document] if document else _kind_for(path)
    is_docx = path.suffix.lower() == ".docx"
    try:
        source = _docx_source(path) if is_docx else path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not a Word .docx file or a UTF-8 HTML template") from None
    if is_docx and (unclosed := _unbalanced(path)):
        return unclosed
    env = docx_env() if is_docx else html_env()
    try:
        parsed = env.parse(source)
    except TemplateSyntaxError as exc:
        return [Problem(_near(source, exc.lineno), f"syntax error: {exc.message}")]

    profile = load_profile("england")
    samples = sorted(SAMPLES.glob("*.json"))
    if LetterRecord in kind.accepts:
        samples += sorted(LETTER_SAMPLES.glob("*.json"))
    usable = [(sample, doc) for sample, doc in ((p, load_document(p)) for p in samples) if kind.usable(doc)]
    problems: list[Problem] = []
    if usable:
        first = usable[0][1]
        first_view = kind.build_view(first, profile, kind.check(first, profile), False)
        provided = {*first_view, "pictures", *kind.pictures(first_view)}
        for name in sorted(meta.find_undeclared_variables(parsed) - provided):
            problems.append(Problem("template", f"uses {name!r}, which the {kind.name} view model does not provide"))
    if problems:
        return problems
    for sample, plan in usable:
        view = kind.build_view(plan, profile, kind.check(plan, profile), False)
        try:
            if is_docx:
                render_docx(path, view, kind.pictures(view), "check", "check", dt.date.fromisoformat(view["doc"]["date_iso"]))
            else:
                env.from_string(source).render(view)
        except UndefinedError as exc:
            problems.append(Problem(f"with sample {sample.name}", f"undefined value: {exc.message}"))
        except TemplateError as exc:
            problems.append(Problem(f"with sample {sample.name}", f"error: {exc.message}"))
        except ConfigError as exc:
            problems.append(Problem(f"with sample {sample.name}", exc.message))
    return list(dict.fromkeys(problems))
