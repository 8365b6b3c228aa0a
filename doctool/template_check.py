"""Checks a council's edited template before it meets a real document.

Word shells (.docx): the paragraph ``{{ body }}`` where the document goes, tags left
unclosed in a paragraph, Jinja syntax (with the words around the error), names the shell
uses that it is not given (``doc`` and ``logo``), the styles the document is written in,
and a trial render of every header, footer and letterhead tag against small Documents
built here with strict undefined names, which finds a misspelt field deeper down
(``doc.meta.refrence``) in whichever branch it sits (with and without a logo, a draft, a
letter's address).

HTML templates: Jinja syntax, names the template uses that it is not given (``doc``,
``body_classes``, ``extra_css``), and a trial render of the composed document of every
bundled sample with strict undefined names.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError, meta

from doctool.document import (
    Callout,
    Date,
    Document,
    Draft,
    Email,
    Field,
    Fields,
    Items,
    LetterFrame,
    Letterhead,
    Meta,
    Money,
    Paragraph,
    Phone,
    Picture,
    Reference,
    Section,
    Table,
)
from doctool.documents import DOCUMENTS, DocumentKind
from doctool.errors import ConfigError, InputError
from doctool.loading import load_document
from doctool.model.letter import LetterRecord
from doctool.paths import ASSETS
from doctool.paths import SAMPLES as BUNDLED
from doctool.profiles import load_profile
from doctool.render import word
from doctool.render.limits import template_limits
from doctool.render.templating import docx_env, html_env

SAMPLES = BUNDLED / "plans"
LETTER_SAMPLES = BUNDLED / "letters"
#: What an HTML template is given (doctool.render.html.render_html).
HTML_NAMES = ("doc", "body_classes", "extra_css")
#: What a shell's tags are given.
SHELL_NAMES = ("doc", "logo")
#: Styles the Word document is written in: without them it has no headings or lists.
NEEDED_STYLES = {"title": "Title", "h1": "Heading 1", "h2": "Heading 2", "bullet": "List Bullet"}


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _paragraph_texts(path: Path) -> list[str]:
    """The visible text of every paragraph, in the body, tables, headers and footers."""
    try:
        doc = open_docx(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"{path.name} is not a Word .docx file ({type(exc).__name__})") from None
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for section in doc.sections:
        for hf in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not hf.is_linked_to_previous:
                paragraphs += list(hf.paragraphs)
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
    return word.near(source, lineno) or "template"


def _kind_for(path: Path) -> DocumentKind:
    for kind in DOCUMENTS.values():
        if path.name in (kind.docx_template, kind.html_template) or path.stem.startswith(kind.name):
            return kind
    return DOCUMENTS["plan"]


# --- Word shells ---------------------------------------------------------------------------


def trial_documents(kind: str) -> list[Document]:
    """Two small Documents for a trial render: one with everything a shell's tags may
    show (logo, draft, a letter's address), one with as little as a Document can have."""
    when = dt.date(2027, 4, 6)
    full = Document(
        meta=Meta(kind=kind, title="Check", person="Alex Example", reference="CHK-1", date=when,
                  footer="Confidential", subtitle=("Alex Example",)),
        letterhead=Letterhead(council="Example Council", department="Adult Social Care", address=("Town Hall", "EX1 1AA"),
                              phone="0300 000 0000", email="care@example.gov.uk", website="example.gov.uk",
                              logo=Picture(ASSETS / "img" / "eastbrook-logo.png", "Example Council logo", 40)),
        draft=Draft(on=True, banner="DRAFT", title="Draft", intro="Missing:", findings=(("CHK-1", "A check", "A source"),)),
        sections=(
            Section("Part", (Paragraph("Text"), Items(("One",)), Fields((Field("Phone", Phone("0300 000 0000")),)),
                             Table(("Item", "Amount", "When"), (("A", Money(Decimal(1), "weekly"), Date(when)),), numeric=(1,)),
                             Callout("Pay", Money(Decimal(1))))),
            Section("Inside", (Paragraph(Reference("CHK-1")),), level=3),
        ),
        letter=LetterFrame(address=("Alex Example", "1 Road", "EX2 2BB"), contact=(Field("Email", Email("a@example.gov.uk")),)),
        words={"page": "Page", "of": "of"},
    )
    bare = Document(
        meta=Meta(kind=kind, title="Check", person="", reference="", date=when, footer=""),
        letterhead=Letterhead(council="Example Council"),
        draft=Draft(on=False),
        sections=(),
    )
    return [full, bare]


def check_shell(path: Path, kind: str) -> list[Problem]:
    """Every problem found in the Word shell at ``path`` (empty when it is sound)."""
    if unclosed := _unbalanced(path):
        return unclosed
    try:
        shell = word._parse_shell(path)
    except word.NotAShell as exc:
        raise InputError(exc.message) from None
    except word.ShellSyntaxError as exc:
        return [Problem(f"{exc.where}, {exc.near or 'template'}", f"syntax error: {exc.syntax}")]
    except word.ShellError as exc:
        return [Problem("template", exc.message.split(": ", 1)[-1] if exc.message.startswith("Word template") else exc.message)]

    problems: list[Problem] = []
    for role, name in NEEDED_STYLES.items():
        if not shell.styles.get(role):
            problems.append(Problem("styles", f"there is no {name!r} style, so the document would have no real {name.lower()}s"))
    env = docx_env()
    for partname, source in shell.sources.items():
        unknown = meta.find_undeclared_variables(env.parse(source)) - set(SHELL_NAMES)
        for name in sorted(unknown):
            problems.append(Problem(f"{word.part_label(partname)}", f"uses {name!r}, which a Word template is not given (it has {' and '.join(SHELL_NAMES)})"))
    if problems:
        return problems

    for doc in trial_documents(kind):
        _package, parts = word._clone(shell)
        pictures = word._Pictures(shell.first_picture_id, doc)
        for partname, template in shell.templates.items():
            try:
                with template_limits(f"the {word.part_label(partname)}"):
                    template.render(word._context(doc, parts[partname], pictures))
            except UndefinedError as exc:
                problems.append(Problem(word.part_label(partname), f"undefined value: {word.explain(exc)}"))
            except TemplateError as exc:
                problems.append(Problem(word.part_label(partname), f"error: {word.explain(exc)}"))
            except ConfigError as exc:
                problems.append(Problem(word.part_label(partname), exc.message))
            except OverflowError as exc:  # the sandbox's cap on range()
                problems.append(Problem(word.part_label(partname), f"error: {exc}"))
        if problems:
            break
        try:
            word.render_shell(shell, doc)
        except TemplateError as exc:
            problems.append(Problem("template", f"error: {word.explain(exc)}"))
        except ConfigError as exc:
            problems.append(Problem("template", exc.message))
    return list(dict.fromkeys(problems))


# --- HTML templates --------------------------------------------------------------------------


def check_html(path: Path, kind: DocumentKind) -> list[Problem]:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not a Word .docx file or a UTF-8 HTML template") from None
    env = html_env()
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
    for name in sorted(meta.find_undeclared_variables(parsed) - set(HTML_NAMES)):
        problems.append(Problem("template", f"uses {name!r}, which templates are not given (they get {', '.join(HTML_NAMES)})"))
    if problems:
        return problems
    for sample, plan in usable:
        doc = kind.compose(plan, profile, kind.check(plan, profile), False)
        try:
            with template_limits(f"{path.name} with sample {sample.name}"):
                env.from_string(source).render(doc=doc, body_classes=[], extra_css="")
        except UndefinedError as exc:
            problems.append(Problem(f"with sample {sample.name}", f"undefined value: {exc.message}"))
        except TemplateError as exc:
            problems.append(Problem(f"with sample {sample.name}", f"error: {exc.message}"))
        except OverflowError as exc:  # the sandbox's cap on range()
            problems.append(Problem(f"with sample {sample.name}", f"error: {exc}"))
        except ConfigError as exc:
            problems.append(Problem(f"with sample {sample.name}", exc.message))
        if problems:
            break  # one sample is enough to show a template's mistake (and a slow one runs once)
    return list(dict.fromkeys(problems))


def check_template(path: Path, document: str | None = None) -> list[Problem]:
    """Every problem found in the template at ``path`` (empty when it is sound)."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    kind = DOCUMENTS[document] if document else _kind_for(path)
    if path.suffix.lower() == ".docx":
        return check_shell(path, kind.name)
    return check_html(path, kind)
