"""Shared helpers for the rendering tests: run doctool, read the text back out of its files.

Rendering is slow (about a second a PDF), so the test modules render each sample once per
session through :func:`render_all_cli` / :func:`render_sample` and cache the results here.

Text is read back the way a reader's tools would read it:
- PDF: ``pdftotext`` (poppler, logical order, one string per page) and pypdf;
- DOCX: python-docx, walking body paragraphs, table cells (nested), headers and footers.
Both are compared after :func:`norm`, which collapses whitespace and drops bidi controls,
so a line wrapped by the layout still matches the sentence in the JSON.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from doctool.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PLANS = sorted((REPO / "samples" / "plans").glob("*.json"))
DRAFT_SAMPLES = sorted(p for p in (REPO / "samples" / "drafts").glob("*.json") if p.name != "EXPECTED.json")
ASSETS = REPO / "assets"
PLAN_DOCX = REPO / "templates" / "docx" / "plan.docx"
PLAN_HTML = REPO / "templates" / "html" / "plan.html.j2"

FOOTER = "Confidential: this plan contains personal information"
DRAFT_TITLE = "Draft: this plan is not final"
DOCX_DRAFT_WORD = "DRAFT"

MONTHS = "January February March April May June July August September October November December".split()

# --- running doctool ---------------------------------------------------------------------


def cli(args: list[Any]) -> tuple[int, str, str]:
    """Run ``doctool ARGS`` in this process; returns (exit code, stdout, stderr).

    In-process (not capsys) so session-scoped fixtures can use it too.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def render_api(raw: bytes, formats: tuple[str, ...] = ("pdf", "docx"), **options: Any) -> dict[str, bytes]:
    """The plan rendered through the library (``doctool.api.render_bytes``): format -> bytes."""
    from doctool.api import render_bytes

    _report, files = render_bytes(raw, ["plan"], list(formats), **options)
    return {f.format: f.content for f in files}


@dataclass
class Rendered:
    """One sample rendered with ``doctool render FILE --all -o OUTDIR``."""

    source: Path
    outdir: Path
    code: int
    stdout: str
    stderr: str
    data: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text(encoding="utf-8"))

    def path(self, ext: str, document: str = "plan") -> Path:
        """The file ``--all`` wrote for ``document`` (the plan unless said otherwise) in format
        ``ext``, as its manifest names it."""
        names = [f["path"] for f in self.manifest["files"] if (f["document"], f["format"]) == (document, ext)]
        assert len(names) == 1, (document, ext, names)
        return self.outdir / names[0]

    @property
    def pdf(self) -> bytes:
        return self.path("pdf").read_bytes()

    @property
    def docx(self) -> bytes:
        return self.path("docx").read_bytes()

    def _cached(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def pdf_pages(self) -> list[str]:
        return self._cached("pdf_pages", lambda: pdf_pages_text(self.path("pdf")))

    @property
    def pdf_text(self) -> str:
        return norm("\n".join(self.pdf_pages))

    @property
    def pdf_flow_text(self) -> str:
        """The plan PDF's text without its running header ("Reference: ASC-…") and footer
        (:data:`FOOTER`, "Page 3 of 9"): a paragraph a page break splits reads as one."""
        header = [rf"Reference: {re.escape(self.data['person']['reference'])}"]
        footer = [re.escape(FOOTER), r"Page \d+ of \d+"]
        return self._cached("pdf_flow", lambda: norm("\n".join(without_running_lines(self.pdf_pages, header, footer))))

    @property
    def pypdf_text(self) -> str:
        return self._cached("pypdf", lambda: norm(pypdf_text(self.pdf)))

    @property
    def document(self):
        """The Word file opened with python-docx (cached: read it, do not change it)."""
        return self._cached("document", lambda: open_docx(self.docx))

    @property
    def docx_text(self) -> str:
        return self._cached("docx", lambda: norm(docx_text(self.docx)))


def render_cli_all(source: Path, outdir: Path, *extra: Any) -> Rendered:
    """``doctool render SOURCE --all -o OUTDIR [extra...]`` in this process."""
    code, out, err = cli(["render", source, "--all", "-o", outdir, *extra])
    data = json.loads(source.read_text(encoding="utf-8")) if source.suffix == ".json" else {}
    return Rendered(source, outdir, code, out, err, data)


_SESSION: dict[str, Any] = {}


def rendered_samples(tmp_path_factory) -> dict[str, Rendered]:
    """Every complete sample rendered once per test session with ``render --all``, keyed by
    file name. Test modules wrap this in their own session fixture; the cache here makes
    sure the samples are rendered only once however many modules ask."""
    if "samples" not in _SESSION:
        start_fresh_process_renders(tmp_path_factory.mktemp("fresh-process"))
        root = tmp_path_factory.mktemp("rendered-samples")
        _SESSION["samples"] = {p.name: render_cli_all(p, root / p.stem) for p in PLANS}
    return _SESSION["samples"]


def start_fresh_process_renders(tmp_root: Path) -> subprocess.Popen:
    """Start, in the background, a fresh interpreter (another hash seed, another working
    folder) that renders every sample and prints their sha256s as JSON; see
    :func:`fresh_process_hashes`. Started before the in-process renders so they overlap."""

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [PYTHON, "-c", _FRESH, *map(str, PLANS)],
            cwd=tmp_root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "4242"},
        )
        atexit.register(lambda: proc.poll() is None and proc.kill())  # a session that never asked
        return proc

    return session_cached("fresh-process", start)


_FRESH = """
import hashlib, json, sys
from pathlib import Path
from doctool.api import render_bytes
out = {}
for p in sys.argv[1:]:
    _, files = render_bytes(Path(p).read_bytes(), ["plan"], ["pdf", "docx"])
    out[Path(p).name] = {f.format: hashlib.sha256(f.content).hexdigest() for f in files}
print(json.dumps(out))
"""


def fresh_process_hashes(timeout: float = 600) -> dict[str, dict[str, str]]:
    proc = _SESSION["fresh-process"]
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out)


def session_cached(key: str, make):
    """A value made once per session (shared between test modules)."""
    if key not in _SESSION:
        _SESSION[key] = make()
    return _SESSION[key]


# --- reading PDFs -------------------------------------------------------------------------


def pdftotext(pdf: Path | bytes, *options: str, first: int | None = None, last: int | None = None) -> str:
    """Text of a PDF (or a page range) via poppler's pdftotext, UTF-8."""
    args = ["pdftotext", "-enc", "UTF-8", *options]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    if isinstance(pdf, bytes):
        done = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, timeout=60, check=True)
    else:
        done = subprocess.run([*args, str(pdf), "-"], capture_output=True, timeout=60, check=True)
    return done.stdout.decode("utf-8")


def pdf_pages_text(pdf: Path | bytes) -> list[str]:
    """One string per page (pdftotext separates pages with a form feed)."""
    pages = pdftotext(pdf).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def without_running_lines(pages: list[str], header: list[str], footer: list[str]) -> list[str]:
    """Each page's text without its running header and footer: on every page, the first line
    that fully matches each ``header`` pattern and the last that fully matches each ``footer``
    pattern are dropped. (pdftotext may read a table cell that sits beside the footer after
    it, so the footer is looked for anywhere on the page, not only at its end.)"""
    out = []
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        for pattern, last in [(h, False) for h in header] + [(f, True) for f in footer]:
            hits = [i for i, line in enumerate(lines) if re.fullmatch(pattern, line.strip())]
            if hits:
                del lines[hits[-1] if last else hits[0]]
        out.append("\n".join(lines))
    return out


def pypdf_text(pdf: bytes) -> str:
    """Text via pypdf. pypdf 7 misreads the custom CMap encodings WeasyPrint writes when a font
    falls back to .notdef (it yields NULs between characters), so NULs are dropped."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages).replace("\x00", "")


# --- reading DOCX -------------------------------------------------------------------------


def _blocks(container) -> list[str]:
    """Paragraph texts in document order, descending into table cells (and nested tables)."""
    out: list[str] = []
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            out.append(item.text)
        elif isinstance(item, Table):
            for row in item.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    out.extend(_blocks(cell))
    return out


def open_docx(data: bytes | Path):
    return docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))


def docx_parts(data: bytes | Path) -> dict[str, list[str]]:
    """``{"body": [...], "header": [...], "footer": [...]}`` paragraph texts."""
    document = open_docx(data)
    parts: dict[str, list[str]] = {"body": _blocks(document), "header": [], "footer": []}
    for section in document.sections:
        for kind in ("header", "first_page_header", "even_page_header"):
            hf = getattr(section, kind)
            if not hf.is_linked_to_previous or kind == "header":
                parts["header"].extend(_blocks(hf))
        for kind in ("footer", "first_page_footer", "even_page_footer"):
            hf = getattr(section, kind)
            if not hf.is_linked_to_previous or kind == "footer":
                parts["footer"].extend(_blocks(hf))
    return parts


def docx_text(data: bytes | Path) -> str:
    parts = docx_parts(data)
    return "\n".join(parts["header"] + parts["body"] + parts["footer"])


def docx_xml(data: bytes, name: str = "word/document.xml") -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def docx_part_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.namelist()


# --- expected facts from a plan's JSON (computed here, independently of doctool) ------------

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u00ad]")


_BREAK_AFTER = re.compile(r"([-\u2010\u2013\u2014/])\s+")


@functools.lru_cache(maxsize=256)
def norm(text: str) -> str:
    """NFC, no bidi controls or soft hyphens, whitespace collapsed to single spaces, and no
    space after a hyphen, dash or slash (where the layout may have wrapped a line)."""
    text = " ".join(_BIDI.sub("", unicodedata.normalize("NFC", text)).split())
    return _BREAK_AFTER.sub(r"\1", text)


def gbp(value: str | int | Decimal) -> str:
    """£1,234.50"""
    q = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"£{q:,.2f}"


def long_date(iso: str) -> str:
    """2027-01-05 -> 5 January 2027"""
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


DOMAIN_LABELS: dict[str, str] = {}


def domain_label(code: str) -> str:
    if not DOMAIN_LABELS:
        import tomllib

        labels = tomllib.loads((REPO / "doctool" / "data" / "wording" / "labels.toml").read_text(encoding="utf-8"))
        DOMAIN_LABELS.update(labels["domain"])
    return DOMAIN_LABELS.get(code, code.replace("_", " ").capitalize())


def expected_facts(plan: dict[str, Any]) -> dict[str, str]:
    """What the person's copy must say, keyed by where it came from in the JSON.

    Needs: the description (the domain label is checked separately); outcomes in the
    person's own words; budget figures as "£1,234.50"; review dates as "5 January 2027";
    every signatory's name; the person's name and reference.
    """
    facts = {
        "person.full_name": plan["person"]["full_name"],
        "person.reference": plan["person"]["reference"],
        "plan_date": long_date(plan["plan_date"]),
    }
    for i, need in enumerate(plan.get("needs") or []):
        facts[f"needs[{i}].description"] = need["description"]
        facts[f"needs[{i}].domain"] = domain_label(need["domain"])
    for i, outcome in enumerate(plan.get("outcomes") or []):
        facts[f"outcomes[{i}].in_own_words"] = outcome["in_own_words"]
    budget = plan.get("personal_budget") or {}
    for key in budget_keys(plan):
        if budget.get(key) is not None:
            facts[f"personal_budget.{key}"] = gbp(budget[key])
    review = plan.get("review") or {}
    for key in ("light_touch_date", "next_review_date"):
        if review.get(key):
            facts[f"review.{key}"] = long_date(review[key])
    for who, sig in (plan.get("signatures") or {}).items():
        if isinstance(sig, dict) and sig.get("name"):
            facts[f"signatures.{who}.name"] = sig["name"]
    return facts


_SQUASH = re.compile(r"[\s\-\u2010\u00ad]")


@functools.lru_cache(maxsize=256)
def squash(text: str) -> str:
    """``norm`` without any whitespace or hyphens: pdftotext joins a word hyphenated at a
    line end ("24-" / "hour" becomes "24hour"), so PDF text is compared this way."""
    return _SQUASH.sub("", norm(text))


def contains(text: str, fact: str, loose: bool = False) -> bool:
    return squash(fact) in squash(text) if loose else norm(fact) in norm(text)


def missing(facts: dict[str, str], text: str, loose: bool = False) -> dict[str, str]:
    """The facts that do not appear in ``text``; ``loose`` for text read from a PDF."""
    target = squash(text) if loose else norm(text)
    return {k: v for k, v in facts.items() if (squash(v) if loose else norm(v)) not in target}


# --- LibreOffice ---------------------------------------------------------------------------


def soffice_to_pdf(files: list[Path], outdir: Path, profile_dir: Path, timeout: float = 180, background: bool = False):
    """Convert Word files to PDF with LibreOffice in one call, with a private user profile
    (so it never clashes with another LibreOffice). Returns the finished process, or the
    running one (a Popen) when ``background``."""
    outdir.mkdir(parents=True, exist_ok=True)
    args = [
        "soffice",
        f"-env:UserInstallation={profile_dir.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *map(str, files),
    ]
    env = {**os.environ, "HOME": str(profile_dir)}
    if background:
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


def budget_keys(plan: dict) -> tuple[str, ...]:
    """The budget figures a plan prints. Before the financial assessment (scenario
    "pending") the person's amount is not known, so the plan says that instead."""
    pending = (plan.get("financial_assessment") or {}).get("scenario") == "pending"
    return ("total_cost", "authority_amount") if pending else ("total_cost", "person_amount", "authority_amount")


def struct_elements(node, depth=0):
    """(depth, element) for every element of a PDF structure tree (pikepdf objects), in
    document (depth-first) order."""
    import pikepdf

    if isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            yield depth, node
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                yield from struct_elements(kid, depth + 1)
        elif kids is not None:
            yield from struct_elements(kids, depth + 1)


# --- the document model: every text a document prints --------------------------------------


def document_texts(doc) -> list[tuple[str, str]]:
    """``(where, printed text)`` for every text in a composed ``doctool.document.Document``'s
    preamble and sections: headings, paragraphs, list items, field labels and values, table
    headings, cells and captions, a callout's title, amount and detail, a sign-off and a slip.
    Read from the dataclasses (not through any renderer), so the tests can compare what each
    rendered file says with what the document holds."""
    from doctool.document import model as m
    from doctool.document.values import printed

    out: list[tuple[str, str]] = []

    def add(where: str, text) -> None:
        if text is None:
            return
        value = printed(text)
        if value.strip():
            out.append((where, value))

    def block(where: str, b) -> None:
        if isinstance(b, m.Paragraph):
            add(f"{where}.text", b.text)
        elif isinstance(b, m.Items):
            for i, item in enumerate(b.items):
                add(f"{where}.items[{i}]", item)
        elif isinstance(b, m.Fields):
            add(f"{where}.caption", b.caption)
            for i, row in enumerate(b.rows):
                add(f"{where}.rows[{i}].label", row.label)
                add(f"{where}.rows[{i}].value", row.value)
        elif isinstance(b, m.Table):
            add(f"{where}.caption", b.caption)
            for i, head in enumerate(b.head):
                add(f"{where}.head[{i}]", head)
            for i, row in enumerate(b.rows):
                for j, cell in enumerate(row):
                    add(f"{where}.rows[{i}][{j}]", cell)
        elif isinstance(b, m.Callout):
            add(f"{where}.title", b.title)
            add(f"{where}.amount", b.amount)
            add(f"{where}.detail", b.detail)
        elif isinstance(b, m.SignOff):
            for name in ("closing", "name", "job_title", "for_council"):
                add(f"{where}.{name}", getattr(b, name))
        elif isinstance(b, m.Slip):
            for name in ("cut", "heading", "statement", "about", "return_to"):
                add(f"{where}.{name}", getattr(b, name))
            for i, row in enumerate(b.fields):
                add(f"{where}.fields[{i}].label", row.label)
                add(f"{where}.fields[{i}].value", row.value)
            for i, blank in enumerate(b.blanks):
                add(f"{where}.blanks[{i}]", blank)
        elif isinstance(b, m.Illustrated):
            add(f"{where}.picture.alt", b.picture.alt)
            for i, sentence in enumerate(b.sentences):
                add(f"{where}.sentences[{i}]", sentence)
            for i, item in enumerate(b.items):
                add(f"{where}.items[{i}]", item)
        elif isinstance(b, m.Picture):
            add(f"{where}.alt", b.alt)

    for i, b in enumerate(doc.preamble):
        block(f"preamble[{i}]", b)
    for i, s in enumerate(doc.sections):
        add(f"sections[{i}].heading", s.heading)
        for j, b in enumerate(s.blocks):
            block(f"sections[{i}].blocks[{j}]", b)
    return out


def document_text(doc) -> str:
    """Every text of a composed document (:func:`document_texts`) as one normalised string."""
    return norm(" ".join(text for _where, text in document_texts(doc)))


def section_named(doc, heading: str):
    """The one section of a composed document with this heading."""
    found = [s for s in doc.sections if s.heading == heading]
    assert len(found) == 1, (heading, [s.heading for s in doc.sections])
    return found[0]


def word_table_problems(data: bytes) -> list[str]:
    """Why a Word file's tables would not read well with a screen reader: a table with
    column headings must repeat them on every page; a table of labelled values must have
    its labels as row headers (first column, bold); any other table must say in its
    description that it is for layout only."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    ns = {"w": w}
    problems = []
    for number, table in enumerate(etree.fromstring(docx_xml(data)).iter(f"{{{w}}}tbl"), 1):
        look = table.find("w:tblPr/w:tblLook", ns)
        rows = table.findall("w:tr", ns)
        if look is not None and look.get(f"{{{w}}}firstRow") == "1":
            if rows[0].find("w:trPr/w:tblHeader", ns) is None:
                problems.append(f"table {number}: its header row does not repeat")
        elif look is not None and look.get(f"{{{w}}}firstColumn") == "1":
            if not all(row.find("w:tc", ns).findall(".//w:r/w:rPr/w:b", ns) for row in rows):
                problems.append(f"table {number}: a label cell is not bold")
        else:
            description = table.find("w:tblPr/w:tblDescription", ns)
            if description is None or "layout" not in description.get(f"{{{w}}}val", "").lower():
                problems.append(f"table {number}: neither headings nor labels, and not described as layout")
    return problems
