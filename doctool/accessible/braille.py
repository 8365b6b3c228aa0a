"""Braille: Unified English Braille, contracted (grade 2), as a BRF file of 40 cells by 25 lines.

Written from the document model through the same logical lines as the text copy
(:func:`doctool.accessible.text.structured_lines`). liblouis translates (``lou_translate``
with ``en-ueb-g2.ctb``, and ``en-us-brf.dis`` so the output is North American ASCII
braille, the character set of .brf files); doctool lays out the pages itself, so the
layout is the same on every machine:

* 40 cells a line, 25 lines a page, pages separated by a form feed, lines by CR LF;
* line 25 of each page carries the braille page number at the right (``#b`` for 2);
* the title and section headings are centred with a blank line before them, lower
  headings start in cell 5, paragraphs in cell 3 with runovers in cell 1, list items and
  "label: value" lines in cell 1 with runovers in cell 3 (BANA/UKAAF layout conventions);
* a heading is never the last line of a page: it moves to the next page with at least
  two lines of what follows it (a run of headings moves together);
* an email address, a reference, a phone number, a postcode, a web address or a sum of
  money (typed values, or written in free text: :data:`doctool.accessible.text.UNBROKEN_TEXT`)
  is never hyphenated or split at a line end: one that does not fit on the current line
  starts the next. One longer than a whole line (40 cells) is divided with no hyphen, since
  a hyphen would read as part of the address: after a full stop or a slash in the second
  half of the line, else at the last cell. Each is translated on
  its own, so its braille does not depend on the words around it and back-translates to
  exactly what was printed. An ordinary word longer than a line is divided with a hyphen;
* a character liblouis cannot translate is never printed as a ``'\\x1f600'`` escape: an
  accented letter the table lacks is written with the accents it knows (``ễ`` as ``ê``,
  ``ț`` as ``t``), anything else (emoji, other scripts) is left out.

``en-GB-g2.ctb`` is the old Standard English Braille code and is never used.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from doctool.accessible.text import Line, structured_lines
from doctool.accessible.words import WordingLike, Words
from doctool.document import Document
from doctool.errors import ConfigError

CELLS = 40
LINES = 25
#: The liblouis tables for each UEB grade the person reads: 1 uncontracted, 2 contracted.
TABLES = {1: "en-us-brf.dis,en-ueb-g1.ctb", 2: "en-us-brf.dis,en-ueb-g2.ctb"}
GRADE = 2  # contracted, unless the person's communication record says they read grade 1
TABLE = TABLES[GRADE]
#: The 64 characters of North American ASCII braille (space to underscore).
BRF_CHARS = frozenset(chr(c) for c in range(0x20, 0x60))
_NUMBER_SIGN, _DIGITS = "#", "JABCDEFGHI"  # digits 0-9 in ASCII braille (upper cells a-j)
#: Characters written as another before translation: spaces and dashes of every width.
_REPLACE = {"\u2010": "-", "\u2011": "-", "\u2212": "-"}
#: liblouis's escape for a character its table does not define: '\x1f600', which the BRF
#: display table writes with its digits as the letters A to J ('\YAFFJJ').
_ESCAPE = re.compile(r"'\\[XY][0-9A-J]+'", re.I)
#: Each non-ASCII character's fate, once asked of liblouis: itself, a stand-in, or "".
_WRITTEN: dict[str, str] = {}


def available() -> bool:
    return shutil.which("lou_translate") is not None


def _exe() -> str:
    exe = shutil.which("lou_translate")
    if exe is None:
        raise ConfigError("braille needs liblouis: install the Debian package liblouis-bin (scripts/install-system-deps.sh)")
    return exe


def _run(texts: list[str], grade: int = GRADE) -> list[str]:
    """One run of lou_translate: each text (one line each) to ASCII braille, as printed.
    lou_translate reads backslash escapes in its input (``\\n``, ``\\x41``), so a
    backslash in the text is written as two: it stays a backslash."""
    try:
        done = subprocess.run(
            [_exe(), "--forward", TABLES[grade]],
            input="\n".join(t.replace("\\", "\\\\") for t in texts) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError("lou_translate did not finish within 120 seconds") from None
    lines = done.stdout.split("\n")
    if done.returncode != 0 or len(lines) < len(texts):
        raise ConfigError(f"lou_translate failed ({done.returncode}): {done.stderr.strip()[:200]}")
    return [line.rstrip("\r") for line in lines[: len(texts)]]


def _learn(chars: Iterable[str]) -> None:
    """Ask liblouis once which of ``chars`` its table defines, and decide each one's fate."""
    new = sorted({c for c in chars if c not in _WRITTEN})
    if not new:
        return
    candidates: dict[str, list[str]] = {}
    for ch in new:
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]  # the letter, then its combining accents
        # the letter itself, then with fewer of its accents, then the bare letter
        tries = [ch] + [unicodedata.normalize("NFC", base + "".join(marks[:k])) for k in range(len(marks) - 1, -1, -1)]
        candidates[ch] = [t for t in dict.fromkeys(tries) if t.isascii() or len(t) == 1]
    probes = sorted({t for tries in candidates.values() for t in tries if not t.isascii()})
    known = {t for t, out in zip(probes, _run([f"a{t}b" for t in probes])) if not _ESCAPE.search(out)}
    for ch, tries in candidates.items():
        written = next((t for t in tries if t.isascii() or t in known), "")
        if not written and not unicodedata.category(ch).startswith(("L", "M")):
            written = " "  # a symbol between words leaves the words apart
        _WRITTEN[ch] = written


def _plain(ch: str) -> str | None:
    """A character as written before translation: a space, nothing (controls, soft hyphens,
    zero-width and byte-order marks), itself; None when liblouis must be asked about it."""
    ch = _REPLACE.get(ch, ch)
    if ch.isspace() or unicodedata.category(ch) == "Zs":
        return " "
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""
    return ch if ch.isascii() else None


def braille_safe(text: str) -> str:
    """Text liblouis can translate, white space collapsed: characters its UEB table does not
    define would come out as ``'\\x1f600'`` escapes, so an accented letter keeps the
    accents the table knows and anything else is left out. Asks lou_translate (once per
    character, remembered) about characters beyond ASCII."""
    text = unicodedata.normalize("NFC", text)
    _learn(c for c in text if _plain(c) is None)
    out = []
    for ch in text:
        plain = _plain(ch)
        out.append(_WRITTEN[ch] if plain is None else plain)
    return " ".join("".join(out).split())


def _cells(braille: str) -> str:
    """liblouis's output in upper-case ASCII braille, anything else a space."""
    return "".join(c if c in BRF_CHARS else " " for c in braille.upper())


def translate(texts: list[str], grade: int = GRADE) -> list[str]:
    """Translate each text to UEB (contracted unless ``grade`` is 1) in ASCII braille, in one run of lou_translate."""
    if not texts:
        return []
    _exe()
    return [_cells(out) for out in _run([braille_safe(t) or "-" for t in texts], grade)]


def translate_lines(lines: list[Line], grade: int = GRADE) -> list[tuple[str, list[bool]]]:
    """Each logical line in braille with, for each cell, whether it belongs to an unbroken
    piece (an email, a reference...). Pieces are translated separately, all in one run."""
    _learn(c for item in lines for text, _ in item.pieces for c in unicodedata.normalize("NFC", text) if _plain(c) is None)
    jobs: list[str] = []
    plans: list[list[tuple[bool, bool, bool, int]]] = []  # (space before, space after, keep, job)
    for item in lines:
        plan = []
        for text, keep in item.pieces:
            safe = braille_safe(text)
            before, after = text[:1].isspace(), text[-1:].isspace()
            if safe:
                jobs.append(safe)
            plan.append((before, after, keep, len(jobs) - 1 if safe else -1))
        plans.append(plan)
    done = [_cells(out) for out in _run(jobs, grade)] if jobs else []
    out: list[tuple[str, list[bool]]] = []
    for plan in plans:
        cells: list[str] = []
        mask: list[bool] = []

        def space(cells: list[str] = cells, mask: list[bool] = mask) -> None:
            if cells and cells[-1] != " ":
                cells.append(" ")
                mask.append(False)

        for before, after, keep, job in plan:
            if before:
                space()
            if job >= 0:
                for c in done[job]:
                    if c == " " and not keep and (not cells or cells[-1] == " "):
                        continue
                    cells.append(c)
                    mask.append(keep)
            if after:
                space()
        while cells and cells[-1] == " ":
            cells.pop()
            mask.pop()
        out.append(("".join(cells), mask))
    return out


def braille_number(n: int) -> str:
    """A page number in braille: the number sign and the digits as upper cells (2 -> #B)."""
    return _NUMBER_SIGN + "".join(_DIGITS[int(d)] for d in str(n))


def _words(text: str, keep: list[bool] | None) -> list[tuple[str, bool]]:
    """(word, unbroken) at the spaces outside unbroken pieces."""
    keep = keep or [False] * len(text)
    words: list[tuple[str, bool]] = []
    word, unbroken = "", False
    for c, k in zip(text, keep):
        if c == " " and not k:
            if word:
                words.append((word, unbroken))
            word, unbroken = "", False
        else:
            word += c
            unbroken = unbroken or k
    if word:
        words.append((word, unbroken))
    return words


def _unbroken_cut(word: str, room: int) -> int:
    """Where an unbroken piece longer than a line is divided (no hyphen is added): after a
    full stop (``4``) or a slash (``_/``) of an email or web address when one falls in the
    second half of the line, so each part reads as a whole part of the address; else at
    the last cell."""
    for cut in range(min(room, len(word) - 1), room // 2, -1):
        if word[cut - 1] == "4" or word[cut - 2 : cut] == "_/":
            return cut
    return room


def wrap_cells(text: str, first: int, rest: int, width: int = CELLS, keep: list[bool] | None = None) -> list[str]:
    """Wrap translated braille at spaces: ``first`` and ``rest`` are the blank cells before
    the first and the following lines. ``keep`` marks the cells of unbroken pieces (see
    :func:`translate_lines`): a space inside one is not a break, and a word holding one that
    does not fit moves to the next line. A word longer than a line is split with a hyphen,
    or, holding an unbroken piece, at the last cell with no hyphen."""
    lines: list[str] = []
    current = " " * first
    empty = True
    for word, unbroken in _words(text, keep):
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
            if unbroken:
                cut = _unbroken_cut(word, max(1, width - len(current)))
                lines.append(current + word[:cut])
            else:
                cut = max(1, width - len(current) - 1)  # leave a cell for the hyphen
                lines.append(current + word[:cut] + "-")
            current, word = " " * rest, word[cut:]
    if not empty or not lines:
        lines.append(current.rstrip() if empty else current)
    return lines


def centre(text: str, width: int = CELLS, keep: list[bool] | None = None) -> list[str]:
    """Centred lines (a heading), wrapped to leave at least 3 cells each side when it can."""
    out = []
    for line in wrap_cells(text, 0, 0, width - 6 if len(text) > width - 6 else width, keep):
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
#: Kinds of line that are headings: never the last line of a page.
HEADINGS = frozenset({"title", "section", "subheading", "caption"})
_LISTS = ("item", "field", "record", "record_field", "contents", "meta")


def _blocks(lines: list[Line], cells: list[tuple[str, list[bool]]]) -> Iterable[tuple[str, list[str]]]:
    """Each logical line as (kind, braille lines), with the blank lines between blocks."""
    previous = ""
    for line, (braille, keep) in zip(lines, cells):
        kind = line.kind
        if kind == "break":
            yield "blank", [""]
        elif kind in ("title", "section"):
            yield "blank", [""]
            yield kind, centre(braille, keep=keep)
            yield "blank", [""]
        else:
            if kind in ("subheading", "caption") or (kind in _LISTS and previous not in (kind, *_LISTS)):
                yield "blank", [""]
            elif kind == "record" and previous in ("record", "record_field"):
                yield "blank", [""]
            elif kind == "meta" and previous != "meta":
                yield "blank", [""]
            first, rest = _INDENT[kind]
            yield kind, wrap_cells(braille, first, rest, keep=keep)
        previous = kind


def layout(blocks: Iterable[tuple[str, list[str]]], lines: int = LINES) -> list[list[tuple[str, str]]]:
    """Blocks laid onto pages of ``lines - 1`` text lines, as (kind, text) with "blank" lines.

    A block that does not fit in what is left of a page starts the next page, unless it
    is longer than a page or follows a heading (then it runs on). A heading, with any
    headings right after it, moves to the next page unless two lines of what follows fit
    under it, so no page ends with a heading.
    """
    body = lines - 1
    entries: list[tuple[str, list[str], bool]] = []  # (kind, lines, blank before)
    blank = False
    for kind, block in blocks:
        if kind == "blank":
            blank = True
            continue
        if block:
            entries.append((kind, block, blank))
        blank = False

    pages: list[list[tuple[str, str]]] = [[]]

    def room() -> int:
        return body - len(pages[-1])

    def gap(before: bool) -> int:
        return 1 if before and pages[-1] else 0

    def put(kind: str, block: list[str], before: bool) -> None:
        if before and pages[-1]:
            pages[-1].append(("blank", ""))
        for text in block:
            if room() <= 0:
                pages.append([])
            pages[-1].append((kind, text.rstrip()))

    for i, (kind, block, before) in enumerate(entries):
        if kind in HEADINGS:
            # this heading, the headings right after it, and two lines of what follows
            need, j = len(block) + gap(before), i + 1
            while j < len(entries) and entries[j][0] in HEADINGS:
                need += len(entries[j][1]) + (1 if entries[j][2] else 0)
                j += 1
            following = 0
            while j < len(entries) and following < 2 and entries[j][0] not in HEADINGS:
                need += (1 if entries[j][2] else 0) + min(2 - following, len(entries[j][1]))
                following += len(entries[j][1])
                j += 1
            if pages[-1] and need > room() and need - gap(before) <= body:
                pages.append([])
            put(kind, block, before)
            continue
        follows_heading = bool(pages[-1]) and pages[-1][-1][0] in HEADINGS
        if pages[-1] and len(block) + gap(before) > room() and not follows_heading and len(block) <= body:
            pages.append([])
        put(kind, block, before)
    for page in pages:
        while page and page[-1][0] == "blank":
            page.pop()
    return pages


def paginate(blocks: Iterable[tuple[str, list[str]]], cells: int = CELLS, lines: int = LINES) -> list[list[str]]:
    """Lay blocks onto pages of ``lines - 1`` text lines plus a page-number line."""
    out = []
    body = lines - 1
    for number, page in enumerate(layout(blocks, lines), 1):
        texts = [text for _, text in page]
        out.append(texts + [""] * (body - len(texts)) + [braille_number(number).rjust(cells)])
    return out


def brf(lines: list[Line], grade: int = GRADE) -> bytes:
    """Structured lines as a paginated BRF file (ASCII braille, CR LF lines, form feeds)."""
    pages = paginate(_blocks(lines, translate_lines(lines, grade)))
    return "\f".join("\r\n".join(page) + "\r\n" for page in pages).encode("ascii")


def braille_layout(doc: Document, words: Mapping[str, Any] | WordingLike, grade: int = GRADE) -> list[list[tuple[str, str]]]:
    """The document's braille pages as (kind, text) lines, without page numbers (for checks)."""
    lines = structured_lines(doc, Words(words))
    return layout(_blocks(lines, translate_lines(lines, grade)))


def asked_grade(record: Any) -> int:
    """The UEB grade the person reads (in a combined plan: grade 1 if either reads only grade 1,
    since a grade 2 reader can read it and not the other way round); grade 2 when none is recorded."""
    grades = [
        p.communication.braille_grade
        for p in (getattr(record, "person", None), getattr(record, "carer", None))
        if p is not None and getattr(p, "communication", None) and p.communication.braille_grade
    ]
    return min(grades) if grades else GRADE


def render_braille(doc: Document, words: Mapping[str, str] | WordingLike, grade: int = GRADE) -> bytes:
    """The document in UEB braille (.brf), contracted (grade 2) unless ``grade`` is 1. ``words``
    is the accessible wording table (``Wording("accessible", profile)["text"]``, or the Wording itself)."""
    return brf(structured_lines(doc, Words(words)), grade)
