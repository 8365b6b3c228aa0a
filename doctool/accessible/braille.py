"""Braille: Unified English Braille, contracted (grade 2), as a BRF file of 40 cells by 25 lines.

liblouis translates (``lou_translate`` with ``en-ueb-g2.ctb``, and ``en-us-brf.dis`` so
the output is North American ASCII braille, the character set of .brf files); doctool
lays out the pages itself, so the layout is the same on every machine:

* 40 cells a line, 25 lines a page, pages separated by a form feed, lines by CR LF;
* line 25 of each page carries the braille page number at the right (``#b`` for 2);
* the title and section headings are centred with a blank line before them, lower
  headings start in cell 5, paragraphs in cell 3 with runovers in cell 1, list items and
  "label: value" lines in cell 1 with runovers in cell 3 (BANA/UKAAF layout conventions);
* a heading is never left alone at the foot of a page.

``en-GB-g2.ctb`` is the old Standard English Braille code and is never used.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterable

from doctool.accessible.source import Source
from doctool.accessible.text import Line, structured_lines
from doctool.errors import ConfigError

CELLS = 40
LINES = 25
TABLE = "en-us-brf.dis,en-ueb-g2.ctb"
#: The 64 characters of North American ASCII braille (space to underscore).
BRF_CHARS = frozenset(chr(c) for c in range(0x20, 0x60))
_NUMBER_SIGN, _DIGITS = "#", "JABCDEFGHI"  # digits 0-9 in ASCII braille (upper cells a-j)
#: Punctuation and symbols beyond ASCII that UEB (and liblouis's table) defines.
_EXTRA = set("£€¢¥©®°±×÷§¶†‘’“”–—…·•½¼¾")
_REPLACE = {"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2010": "-", "\u2011": "-", "\u2212": "-"}


def available() -> bool:
    return shutil.which("lou_translate") is not None


def braille_safe(text: str) -> str:
    """Text liblouis can translate: characters the UEB table does not define (emoji, other
    scripts) would come out as ``'\\x1f600'`` escapes, so they become spaces."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        ch = _REPLACE.get(ch, ch)
        if 0x20 <= ord(ch) < 0x7F or ch in _EXTRA:
            out.append(ch)
        elif unicodedata.category(ch).startswith("L") and "LATIN" in unicodedata.name(ch, ""):
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def translate(texts: list[str]) -> list[str]:
    """Translate each text to contracted UEB in ASCII braille, in one run of lou_translate."""
    if not texts:
        return []
    exe = shutil.which("lou_translate")
    if exe is None:
        raise ConfigError("braille needs liblouis: install the Debian package liblouis-bin (scripts/install-system-deps.sh)")
    safe = [braille_safe(t) or "-" for t in texts]
    try:
        done = subprocess.run(
            [exe, "--forward", TABLE],
            input="\n".join(safe) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError("lou_translate did not finish within 120 seconds") from None
    lines = done.stdout.split("\n")
    if done.returncode != 0 or len(lines) < len(safe):
        raise ConfigError(f"lou_translate failed ({done.returncode}): {done.stderr.strip()[:200]}")
    out = []
    for line in lines[: len(safe)]:
        cells = line.rstrip("\r").upper()
        out.append("".join(c if c in BRF_CHARS else " " for c in cells))
    return out


def braille_number(n: int) -> str:
    """A page number in braille: the number sign and the digits as upper cells (2 -> #B)."""
    return _NUMBER_SIGN + "".join(_DIGITS[int(d)] for d in str(n))


def wrap_cells(text: str, first: int, rest: int, width: int = CELLS) -> list[str]:
    """Wrap translated braille at spaces: ``first`` and ``rest`` are the blank cells before
    the first and the following lines. A word longer than a line is split with a hyphen."""
    lines: list[str] = []
    current = " " * first
    empty = True
    for word in text.split():
        while True:
            room = width - len(current) - (0 if empty else 1)
            if len(word) <= room:
                current += ("" if empty else " ") + word
                empty = False
                break
            if not empty:
                lines.append(current)
                current, empty = " " * rest, True
                continue
            cut = max(1, width - len(current) - 1)  # leave a cell for the hyphen
            lines.append(current + word[:cut] + "-")
            current, word = " " * rest, word[cut:]
    if not empty or not lines:
        lines.append(current.rstrip() if empty else current)
    return lines


def centre(text: str, width: int = CELLS) -> list[str]:
    """Centred lines (a heading), wrapped to leave at least 3 cells each side when it can."""
    out = []
    for line in wrap_cells(text, 0, 0, width - 6 if len(text) > width - 6 else width):
        pad = (width - len(line)) // 2
        out.append(" " * pad + line)
    return out


#: (blank cells before the first line, before runover lines) for each kind of line.
_INDENT = {
    "para": (2, 0),
    "item": (0, 2),
    "contents": (0, 2),
    "field": (0, 2),
    "record": (0, 2),
    "record_field": (2, 4),
    "meta": (0, 2),
    "subheading": (4, 4),
    "caption": (4, 4),
}
_HEADINGS = {"title", "section", "subheading", "caption"}


def _blocks(lines: list[Line], cells: list[str]) -> Iterable[tuple[str, list[str]]]:
    """Each logical line as (kind, braille lines), with the blank lines between blocks."""
    previous = ""
    for line, braille in zip(lines, cells):
        kind = line.kind
        if kind in ("title", "section"):
            yield "blank", [""]
            yield kind, centre(braille)
            yield "blank", [""]
        else:
            if kind in ("subheading", "caption") or (kind in ("item", "field", "record", "contents", "meta") and previous not in (kind, "record", "record_field", "item", "field", "contents", "meta")):
                yield "blank", [""]
            elif kind == "record" and previous in ("record", "record_field"):
                yield "blank", [""]
            first, rest = _INDENT[kind]
            yield kind, wrap_cells(braille, first, rest)
        previous = kind


def paginate(blocks: Iterable[tuple[str, list[str]]], cells: int = CELLS, lines: int = LINES) -> list[list[str]]:
    """Lay blocks onto pages of ``lines - 1`` text lines plus a page-number line."""
    body = lines - 1
    pages: list[list[str]] = [[]]
    pending_blank = False
    for kind, block in blocks:
        if kind == "blank":
            pending_blank = bool(pages[-1])
            continue
        page = pages[-1]
        need = len(block) + (1 if pending_blank else 0)
        keep = 2 if kind in _HEADINGS else 0  # a heading keeps two lines of what follows
        if page and len(page) + need + keep > body:
            pages.append([])
            page = pages[-1]
        elif pending_blank and page:
            page.append("")
        pending_blank = False
        for text in block:
            if len(page) >= body:
                pages.append([])
                page = pages[-1]
            page.append(text.rstrip())
    out = []
    for number, page in enumerate(pages, 1):
        while page and not page[-1]:
            page.pop()
        label = braille_number(number)
        page = page + [""] * (body - len(page)) + [label.rjust(cells)]
        out.append(page)
    return out


def brf(lines: list[Line]) -> bytes:
    """Structured lines as a paginated BRF file (ASCII braille, CR LF lines, form feeds)."""
    cells = translate([line.text for line in lines])
    pages = paginate(_blocks(lines, cells))
    return "\f".join("\r\n".join(page) + "\r\n" for page in pages).encode("ascii")


def render_braille(source: Source) -> bytes:
    """The document in contracted UEB braille (.brf)."""
    return brf(structured_lines(source.outline, source.words))
