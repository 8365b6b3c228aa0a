"""A standalone, accessible HTML copy of any document, for email and screen readers.

It is the document's own HTML (the one the PDF is laid out from: same template, same view)
made to stand alone and to read well on a screen:

* every stylesheet inlined (``document.css``, the ones the document links to such as
  ``easyread.css``, then ``screen.css``; the document's own print stylesheet, such as
  ``letter.css``, only for printing), the council logo, the easy-read pictures and the
  fonts it uses embedded as ``data:`` URIs: the file fetches nothing, from anywhere;
* ``lang="en-GB"`` and the title kept; a skip link to ``<main>``; everything before the
  main content inside a ``<header>`` (banner) and the document's footer line in a
  ``<footer>`` (contentinfo), so all content sits in a landmark;
* real headings, lists and tables as in the template; on narrow screens (and at 400 %
  zoom) tables are laid out one row at a time (``stacked-tables.css``), pictures never
  wider than the column, a letter's logo, contact block and address one after another
  (their print places are for the envelope window only), and an easy-read block keeps
  its picture on the left at any width: the page reflows at 320 px (WCAG 2.1 1.4.10).

axe-core checks the result against WCAG 2.1 A and AA (``scripts/axe.sh``).
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from doctool.accessible.source import Source
from doctool.paths import ASSETS
from doctool.render.laid_out import STYLESHEET
from doctool.render.urls import resolve

CSS_DIR = ASSETS / "css"
SCREEN = CSS_DIR / "screen.css"
STACKED = CSS_DIR / "stacked-tables.css"
NARROW = "(max-width: 40em)"
#: Largest file embedded in the HTML copy; larger fonts (DejaVu Sans) are left out and the
#: reader's own sans-serif font is used in their place.
MAX_EMBED = 100_000
LANDMARKS = {"header", "nav", "main", "aside", "footer"}

_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def parse_html(html: str) -> Any:
    return lxml_html.document_fromstring(html)


def serialise_html(root: Any) -> str:
    html: str = lxml_html.tostring(root, doctype="<!DOCTYPE html>", encoding="unicode", method="html")  # unicode: a str
    return html


def add_class(element: Any, name: str) -> None:
    classes = (element.get("class") or "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))


def mark_tables(root: Any) -> None:
    """Mark each table ``records`` (column headings) or ``fields`` (row headings), and give
    every data cell of a records table its column heading as ``data-label``, so CSS can lay
    a table out one row at a time without losing what each value is."""
    for table in root.iter("table"):
        head = table.xpath("./thead/tr[1]")
        if not head:
            add_class(table, "fields")
            continue
        add_class(table, "records")
        columns = [" ".join(c.text_content().split()) for c in head[0].xpath("./th | ./td")]
        for row in table.xpath("./tbody/tr | ./tr"):
            for i, cell in enumerate(row.xpath("./td")):
                if i < len(columns) and columns[i] and cell.text_content().strip():
                    cell.set("data-label", columns[i])


def data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() == ".ttf":
        mime = "font/ttf"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _embeddable(base: Path, ref: str) -> Path | None:
    """The asset a stylesheet's ``url()`` names, if it is one of doctool's and small enough."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I):  # any scheme: http:, file:, data:...
        return None
    path = (base / ref).resolve()
    if not path.is_relative_to(ASSETS.resolve()) or not path.is_file() or path.stat().st_size > MAX_EMBED:
        return None
    return path


def inline_css(path: Path) -> str:
    """A stylesheet with its fonts and pictures embedded; a font too large to embed is
    dropped (its @font-face removed), any other reference replaced by ``none``."""
    text = path.read_text(encoding="utf-8")
    base = path.parent

    def font_face(match: re.Match[str]) -> str:
        rule = match.group(0)
        urls = _URL.findall(rule)
        if not urls or any(_embeddable(base, ref) is None for _, ref in urls):
            return ""

        def embedded(m: re.Match[str]) -> str:
            found = _embeddable(base, m.group(2))
            assert found is not None  # every url() in the rule was found embeddable above
            return f'url("{data_uri(found)}")'

        return _URL.sub(embedded, rule)

    def other(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith("data:"):
            return match.group(0)
        found = _embeddable(base, ref)
        return f'url("{data_uri(found)}")' if found else "none"

    text = _FONT_FACE.sub(font_face, text)
    # url()s outside @font-face: everything already embedded starts with data:
    return _URL.sub(other, text)


def linked_stylesheets(root: Any) -> list[Path]:
    """doctool's own stylesheets that the document links to (the easy-read plan's
    ``css/easyread.css``), in order; a link outside doctool's assets is left out."""
    found = []
    for link in root.xpath("//link[@rel='stylesheet']"):
        href = link.get("href") or ""
        path = _embeddable(ASSETS, href) if href.endswith(".css") else None
        if path is not None and path != STYLESHEET.resolve():
            found.append(path)
    return found


def screen_css(source: Source, linked: list[Path] | None = None) -> str:
    """All the CSS the copy needs, in cascade order: the shared stylesheet, the ones the
    document links to (easy read's: its font, spacing and picture blocks), the screen
    rules, the narrow-screen table layout, and the document's print stylesheet (a
    letter's page zones) for printing only."""
    parts = [inline_css(STYLESHEET), *(inline_css(path) for path in linked or ())]
    parts += [inline_css(SCREEN), f"@media {NARROW} {{\n{inline_css(STACKED)}\n}}"]
    for path in source.kind.stylesheet_paths():
        parts.append(f"@media print {{\n{inline_css(path)}\n}}")
    return "\n".join(parts)


def _embed_images(root: Any, source: Source) -> None:
    """Pictures as data: URIs (the logo, doctool's own assets); anything else becomes its
    alt text, so the copy never fetches a file or a URL."""
    allowed = frozenset(p.resolve() for p in source.logo)
    for img in list(root.iter("img")):
        src = img.get("src") or ""
        path = resolve(src, allowed, None)
        if path is not None:
            img.set("src", data_uri(path))
        elif not src.startswith("data:"):
            span = lxml_html.Element("span")
            span.text = img.get("alt") or ""
            span.tail = img.tail
            img.getparent().replace(img, span)


def _landmarks(root: Any, source: Source) -> None:
    """A skip link, ``<main id>``, a banner for what comes before it, a footer after it."""
    body = root.find("body")
    main = body.find(".//main")
    words = source.words["text"]
    if main is not None:
        main.set("id", "main-content")
        main.set("tabindex", "-1")
        loose = []
        for child in list(body):
            if child is main or any(d is main for d in child.iterdescendants()):
                break
            if isinstance(child.tag, str) and child.tag not in LANDMARKS:
                loose.append(child)
        if loose:
            banner = lxml_html.Element("header")
            banner.set("class", "document-header")
            loose[0].addprevious(banner)
            for child in loose:
                banner.append(child)
    skip = lxml_html.Element("a", href="#main-content")
    skip.set("class", "skip-link")
    skip.text = words["skip_link"]
    body.insert(0, skip)
    meta = source.document.meta
    footer = lxml_html.Element("footer")
    footer.set("class", "document-footer")
    reference = source.words.text("reference", reference=meta.reference) if meta.reference else ""
    if meta.reference and meta.reference in (meta.footer or ""):
        reference = ""  # a letter's footer already gives it ("Your reference: ASC-…")
    for line in (meta.footer, reference):
        if line:
            p = lxml_html.Element("p")
            p.text = line
            footer.append(p)
    body.append(footer)


def html_copy(source: Source) -> str:
    """The standalone HTML copy as text."""
    root = parse_html(source.html)
    head, body = root.find("head"), root.find("body")
    linked = linked_stylesheets(root)
    for link in root.xpath("//link[@rel='stylesheet'] | //script"):
        link.getparent().remove(link)
    mark_tables(root)
    add_class(body, "screen")
    add_class(body, "stack-records")
    add_class(body, "stack-fields")
    _embed_images(root, source)
    _landmarks(root, source)
    style = lxml_html.Element("style")
    style.text = screen_css(source, linked)
    head.append(style)
    return serialise_html(root)


def render_html_copy(source: Source) -> bytes:
    """The standalone HTML copy as UTF-8 bytes."""
    return html_copy(source).encode("utf-8")
