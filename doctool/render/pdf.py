"""HTML to tagged PDF/UA-1 with WeasyPrint, fetching only doctool's own assets.

WeasyPrint would fetch any URL or file the HTML names. Data is escaped so it cannot add
an element, and this fetcher is the second wall: it serves files under ``assets/`` and
the council's logo, and stops the render for anything else.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from doctool.errors import ConfigError
from doctool.paths import ASSETS

STYLESHEET = ASSETS / "css" / "document.css"


class AssetFetcher(URLFetcher):
    """Serves ``file:`` URLs inside the allowed folders and files; refuses everything else."""

    def __init__(self, folders: tuple[Path, ...] = (ASSETS,), files: tuple[Path, ...] = ()) -> None:
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self.folders = tuple(f.resolve() for f in folders)
        self.files = frozenset(f.resolve() for f in files)
        self.refused: list[str] = []

    def allows(self, path: Path) -> bool:
        return path in self.files or any(path.is_relative_to(folder) for folder in self.folders)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parsed = urlparse(url)
        path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" and not parsed.netloc else None
        if path is None or not self.allows(path) or not path.is_file():
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch a resource outside doctool's assets: {url[:80]}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


@cache
def font_config() -> FontConfiguration:
    """Fonts are loaded once per process and reused for every document."""
    return FontConfiguration()


@cache
def stylesheet(path: Path = STYLESHEET) -> CSS:
    """Parsed once per process; the bulk hot path reuses it."""
    return CSS(filename=str(path), url_fetcher=AssetFetcher(), font_config=font_config())


@dataclass(frozen=True)
class Pdf:
    """A laid-out PDF and its page count (known from the layout, so no PDF is re-read)."""

    content: bytes
    pages: int


def lay_out(
    html: str, extra_files: tuple[Path, ...] = (), identifier: str = "", stylesheets: tuple[Path, ...] = ()
) -> Pdf:
    """Lay out ``html`` as an A4 tagged PDF/UA-1. Same input, same bytes.

    ``stylesheets`` are applied after the shared one (a letter adds ``letter.css``).
    Images are embedded as shipped (already optimised), not re-encoded for every letter.
    """
    fetcher = AssetFetcher(files=extra_files)
    options = {
        "stylesheets": [stylesheet(), *(stylesheet(path) for path in stylesheets)],
        "pdf_variant": "pdf/ua-1",
        "pdf_tags": True,
        "pdf_identifier": (identifier or "doctool").encode()[:32].ljust(16, b"-"),
        "uncompressed_pdf": False,
    }
    try:
        document = HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher).render(
            font_config=font_config(), **options
        )
        return Pdf(document.write_pdf(**options), len(document.pages))
    except FatalURLFetchingError as exc:
        raise ConfigError(f"template error: {exc.__cause__ or exc}") from None


def html_to_pdf(
    html: str, extra_files: tuple[Path, ...] = (), identifier: str = "", stylesheets: tuple[Path, ...] = ()
) -> bytes:
    """The bytes of :func:`lay_out`."""
    return lay_out(html, extra_files, identifier, stylesheets).content
