"""HTML to tagged PDF/UA-1 with WeasyPrint, fetching only doctool's own assets.

WeasyPrint would fetch any URL or file the HTML names. Data is escaped so it cannot add
an element, and this fetcher is the second wall: it serves files under ``assets/``, the
council's logo and the council's template folder, and stops the render for anything else.

A council restyles a document by putting a stylesheet of the same name (``document.css``,
``letter.css``, ``easyread.css`` …) in its template folder: it is used instead of the
built-in one in ``assets/css``.

The structure tree (one logical tree over all pages, running headers and footers as
artifacts) is :mod:`doctool.render.pdf_tags`.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import PageBox, ReplacedBox, TextBox
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from doctool.errors import ConfigError
from doctool.paths import ASSETS, council_file
from doctool.render import pdf_tags
from doctool.render.laid_out import CSS_DIR, PX_MM, STYLESHEET, TAG_BOX_MM, Page, Pdf, Rect, stylesheet_path
from doctool.render.urls import ASSETS_URL, council_url, file_url, resolve

pdf_tags.install()


class AssetFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types: its class is Any to mypy
    """Serves the virtual ``file:`` URLs of :mod:`doctool.render.urls` (doctool's assets, the
    document's own pictures, the council's template folder); refuses everything else.

    With a council's template ``folder``, that folder is allowed too, and a stylesheet the
    HTML links from ``assets/css`` is served from the folder when it has one of that name."""

    def __init__(self, files: tuple[Path, ...] = (), folder: Path | None = None) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self.files = frozenset(f.resolve() for f in files)
        self.folder = folder
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = resolve(url, self.files, self.folder)
        if path is None:
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch a resource outside doctool's assets: {url[:80]}")
        if self.folder and path.parent == CSS_DIR.resolve():
            try:
                own = council_file(self.folder, path.name)
            except ConfigError as exc:
                self.refused.append(url)
                raise FatalURLFetchingError(str(exc)) from None
            if own:
                url, path = council_url(own.name), own
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


@cache
def font_config() -> FontConfiguration:
    """Fonts are loaded once per process and reused for every document."""
    return FontConfiguration()


def stylesheet(path: Path = STYLESHEET) -> CSS:
    """Parsed once per process; the bulk hot path reuses it. A council's stylesheet may
    use files beside it (fonts, pictures) as well as doctool's assets."""
    return _stylesheet(path)


@cache
def _stylesheet(path: Path) -> CSS:
    own = path.resolve().is_relative_to(ASSETS.resolve())
    folder = None if own else path.parent
    url = file_url(path) if own else council_url(path.name)  # the same URL wherever doctool is installed
    text = path.read_text(encoding="utf-8")
    return CSS(string=text, base_url=url, url_fetcher=AssetFetcher(folder=folder), font_config=font_config())


# As functools.cache offers; mypy does not let a plain function take a new attribute.
stylesheet.cache_clear = _stylesheet.cache_clear  # type: ignore[attr-defined]


_SIDES = ("top", "right", "bottom", "left")


def _inks(box: Any) -> bool:
    """True when ``box`` itself puts something on paper: text that is not blank, a picture,
    a border, or a background that is not white."""
    if isinstance(box, TextBox):
        return bool(box.text.strip())
    if isinstance(box, ReplacedBox):
        return True
    if isinstance(box, PageBox):
        return False
    style = box.style
    for side in _SIDES:
        if style[f"border_{side}_width"] and style[f"border_{side}_style"] not in ("none", "hidden") and getattr(style[f"border_{side}_color"], "alpha", 1):
            return True
    return _coloured(style["background_color"])


def _coloured(colour: Any) -> bool:
    """True for a visible colour other than white. WeasyPrint gives CSS Color 3 colours
    (``red``, ``green``, ``blue``) or CSS Color 4 ones (``to("srgb").coordinates``)."""
    if not getattr(colour, "alpha", 1):
        return False
    rgb = tuple(colour.to("srgb").coordinates) if hasattr(colour, "to") else (colour.red, colour.green, colour.blue)
    return rgb != (1, 1, 1)


def _rect(box: Any) -> Rect:
    if isinstance(box, TextBox):
        x, y, right, bottom = box.position_x, box.position_y, box.position_x + box.width, box.position_y + box.height
    else:
        x, y = box.border_box_x(), box.border_box_y()
        right, bottom = x + box.border_width(), y + box.border_height()
    return (x * PX_MM, y * PX_MM, right * PX_MM, bottom * PX_MM)


def _page(page: Any) -> Page:
    """One walk of the page's boxes: where it puts ink, and the words that touch Notify's
    tag box, as Notify's own text extraction finds them (notifications-template-preview
    ``_extract_text_from_page``: words intersecting the box)."""
    width, height = (mm / PX_MM for mm in TAG_BOX_MM)
    ink: list[Rect] = []
    tag: list[str] = []
    for box in page._page_box.descendants():
        if not _inks(box):
            continue
        ink.append(_rect(box))
        if isinstance(box, TextBox) and box.position_x < width and box.position_y < height:
            tag.append(box.text)
    return Page(page.width * PX_MM, page.height * PX_MM, " ".join(" ".join(tag).split()), tuple(ink))


def lay_out(
    html: str,
    extra_files: tuple[Path, ...] = (),
    identifier: str = "",
    stylesheets: tuple[Path, ...] = (),
    folder: Path | None = None,
) -> Pdf:
    """Lay out ``html`` as an A4 tagged PDF/UA-1. Same input, same bytes.

    ``stylesheets`` are applied after the shared one (a letter adds ``letter.css``).
    ``folder`` is the council's template folder (:func:`doctool.paths.template_folder`):
    a stylesheet there replaces the built-in one of the same name.
    Images are embedded as shipped (already optimised), not re-encoded for every letter.
    """
    fetcher = AssetFetcher(files=extra_files, folder=folder)
    options = {
        "stylesheets": [stylesheet(stylesheet_path(path, folder)) for path in (STYLESHEET, *stylesheets)],
        "pdf_variant": "pdf/ua-1",
        "pdf_tags": True,
        "pdf_identifier": (identifier or "doctool").encode()[:32].ljust(16, b"-"),
        "uncompressed_pdf": False,
    }
    try:
        document = HTML(string=html, base_url=ASSETS_URL, url_fetcher=fetcher).render(
            font_config=font_config(), **options
        )
        pdf_tags.prepare(document)
        return Pdf(document.write_pdf(**options), tuple(_page(page) for page in document.pages))
    except FatalURLFetchingError as exc:
        raise ConfigError(f"template error: {exc.__cause__ or exc}") from None
