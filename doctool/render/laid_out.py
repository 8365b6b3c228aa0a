"""What a PDF engine hands on: the file and where each page puts ink, in millimetres.

Both engines (WeasyPrint in :mod:`doctool.render.pdf`, Typst in
:mod:`doctool.render.typst_pdf`) give a :class:`Pdf`, and the Notify checks read its
pages. These names live apart from either engine so that a process which never lays out
HTML (a Word batch, a batch of Typst letters, ``doctool validate``) never imports
WeasyPrint, which costs about 0.4 s of every start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from doctool.paths import ASSETS, council_file

CSS_DIR = ASSETS / "css"
STYLESHEET = CSS_DIR / "document.css"


def stylesheet_path(path: Path = STYLESHEET, folder: Path | None = None) -> Path:
    """The stylesheet to use for ``path``: the council's of the same name in its template
    ``folder`` if it has one, else ``path`` itself."""
    return council_file(folder, path.name) or path


#: One CSS pixel in millimetres (WeasyPrint lays out in CSS pixels, 96 to the inch).
PX_MM = 25.4 / 96
#: notifications-template-preview NOTIFY_TAG_BOUNDING_BOX: the top-left corner where Notify
#: prints its "NOTIFY" tag on page 1 (width, height in mm, from the page corner).
TAG_BOX_MM = (15.191, 6.149)


#: A rectangle on the page in millimetres from its top-left corner: (x0, y0, x1, y1).
Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Page:
    """What the Notify checks need of one laid-out page: its size, the text in the tag box,
    and where it puts ink (each piece of text, picture, border or coloured background)."""

    width_mm: float
    height_mm: float
    tag_text: str = ""
    ink: tuple[Rect, ...] = ()


@dataclass(frozen=True)
class Pdf:
    """A laid-out PDF and its pages (known from the layout, so no PDF is re-read)."""

    content: bytes
    sheets: tuple[Page, ...]

    @property
    def pages(self) -> int:
        return len(self.sheets)
