"""File URLs that do not depend on where doctool is installed.

WeasyPrint names the images (and keys the resources) of a PDF by their URLs, so a PDF
made from ``file:///home/a/doctool/assets/…`` differs from one made from
``file:///srv/b/…`` although nothing in it changed. Every file a document reads is
therefore given a virtual URL under ``file:///doctool/``: ``assets/<path>`` for doctool's
own assets, ``council/<name>`` for a council's template folder, and
``files/<sha256 of the content>/<name>`` for any other picture (a council's logo, an
easy-read picture). The PDF fetcher maps them back, to the files it allows and no others.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from doctool.paths import ASSETS

ROOT = "/doctool/"
ASSETS_URL = f"file://{ROOT}assets/"
COUNCIL_URL = f"file://{ROOT}council/"
_ASSETS = ASSETS.resolve()


@lru_cache(maxsize=1024)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def digest(path: Path) -> str:
    """A short digest of a file's content (cached while the file is unchanged)."""
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def file_url(path: Path) -> str:
    """The virtual URL of a file a document reads."""
    real = path.resolve()
    if real.is_relative_to(_ASSETS):
        return ASSETS_URL + quote(real.relative_to(_ASSETS).as_posix())
    return f"file://{ROOT}files/{digest(real)}/{quote(real.name)}"


def council_url(name: str) -> str:
    return COUNCIL_URL + quote(name)


def resolve(url: str, files: frozenset[Path], folder: Path | None) -> Path | None:
    """The real file behind a virtual URL, if it is one the document may read: an asset,
    a file of the council's ``folder``, or one of ``files`` (by content). None otherwise."""
    parsed = urlparse(url)
    if parsed.scheme != "file" or parsed.netloc or not parsed.path.startswith(ROOT):
        return None
    rest = unquote(parsed.path[len(ROOT) :])
    area, _, tail = rest.partition("/")
    if area == "assets":
        path = (_ASSETS / tail).resolve()
        return path if path.is_relative_to(_ASSETS) and path.is_file() else None
    if area == "council" and folder is not None:
        base = folder.resolve()
        path = (base / tail).resolve()
        return path if path.is_relative_to(base) and path.is_file() else None
    if area == "files":
        token, _, name = tail.partition("/")
        return next((f for f in files if f.name == name and f.is_file() and digest(f) == token), None)
    return None
