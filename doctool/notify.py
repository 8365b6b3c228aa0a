"""GOV.UK Notify's rules for a precompiled letter, in the one module the checks, the batch
and the service use.

The address rules follow ``notifications-utils``
(``notifications_utils/recipient_validation/postal_address.py``, class ``PostalAddress``):
Notify reads the address from the letter's window, normalises it and refuses the letter
when it is not valid. :class:`PostalAddress` below is doctool's own copy of that policy,
one property per upstream rule, each naming the rule it follows. The size limits follow
``notifications-template-preview`` (``app/precompiled.py``: at most 10 pages, 2 MB).

doctool's letters go to addresses in the UK (and British Forces addresses through BFPO),
so Notify's international-address rules (a last line that is a country) are not copied:
for doctool the last line must be a real UK postcode or the address must have a BFPO number.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from doctool.datafiles import DATA

#: notifications-utils PostalAddress.MIN_LINES / MAX_LINES: 3 to 7 lines after normalising,
#: name and postcode (or BFPO line) included.
MIN_ADDRESS_LINES, MAX_ADDRESS_LINES = 3, 7
#: A line longer than this does not fit the 95.4 mm window on one line (doctool's own layout limit).
MAX_LINE_CHARS = 45
#: notifications-utils PostalAddress.INVALID_CHARACTERS_AT_START_OF_ADDRESS_LINE.
FORBIDDEN_FIRST = frozenset('@()=[]"\\/,<>~')
#: notifications-template-preview precompiled letters: at most 10 pages and 2 MB.
MAX_PAGES, MAX_BYTES = 10, 2 * 1024 * 1024
#: notifications-template-preview A4_WIDTH, A4_HEIGHT (mm) and the 2 mm it allows either way.
A4_MM, A4_TOLERANCE_MM = (210.0, 297.0), 2.0
#: Where a precompiled letter may print, in mm from the page's top-left corner (x0, y0, x1, y1):
#: notifications-template-preview BORDER_*, LOGO_*, SERVICE_ADDRESS_*, ADDRESS_* and
#: BODY_TOP_FROM_TOP_OF_PAGE. Page 1: the logo, the sender's address block, the address
#: window and the body from 95 mm down; later pages: inside the 15 mm and 5 mm borders.
ZONES_PAGE_1 = ((15.0, 5.0, 125.0, 30.0), (125.0, 5.0, 195.0, 95.0), (24.6, 39.5, 120.0, 66.3), (15.0, 95.0, 195.0, 292.0))
ZONES_LATER = ((15.0, 5.0, 195.0, 292.0),)
#: notifications-template-preview NOTIFY_TAG_TEXT: what Notify prints in the top-left corner of page 1.
TAG_TEXT = "NOTIFY"
#: The real UK postcode areas (notifications-utils countries/_data/uk-postcode-zones.txt).
POSTCODE_AREAS_FILE = DATA / "notify" / "uk-postcode-areas.txt"

# notifications-utils formatters: OBSCURE_ZERO_WIDTH_WHITESPACE is removed,
# OBSCURE_FULL_WIDTH_WHITESPACE becomes a space, ALL_WHITESPACE is removed from a postcode.
_ZERO_WIDTH = "\u180e\u200b\u200c\u200d\u2060\ufeff\u2028\u2029"
_FULL_WIDTH = "\u00a0\u202f"
_ALL_WHITESPACE = string.whitespace + _ZERO_WIDTH + _FULL_WIDTH
# notifications-utils formatters.whitespace_before_punctuation.
_SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<![ \t])[ \t]+([,\.])")
# notifications-utils PostalAddress._parse_and_extract_bfpo (matched on the lower-cased line).
_BFPO = re.compile(r"^\s*bfpo\s*(?:c\/o)?(?:\s*(\d+))?\s*$")
# notifications-utils PostalAddress.has_no_fixed_abode_address.
_NO_FIXED_ABODE = re.compile(r"no fixed (abode|address)", re.IGNORECASE)
# notifications-utils PostalAddress.has_alphanumeric_character_in_address_lines_1_and_2.
_LETTER_OR_DIGIT = re.compile(r"[a-zA-Z0-9]")


@cache
def postcode_areas() -> tuple[str, ...]:
    """The real UK postcode areas, from the data file (comments and blank lines skipped)."""
    text = POSTCODE_AREAS_FILE.read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def _real_postcode() -> re.Pattern[str]:
    # notifications-utils _is_a_real_uk_postcode: area, digit, optional digit or letter,
    # then the inward code (digit, two letters but not C I K M O V).
    areas = "|".join(sorted(postcode_areas(), key=len, reverse=True))
    return re.compile(rf"(?:{areas})[0-9][0-9A-Z]?[0-9][A-BD-HJLNP-UW-Z]{{2}}")


def normalise_postcode(text: str) -> str:
    """notifications-utils normalise_postcode: every kind of whitespace removed, upper case."""
    for character in _ALL_WHITESPACE:
        text = text.replace(character, "")
    return text.upper()


def valid_postcode(text: str) -> bool:
    """notifications-utils _is_a_real_uk_postcode: a postcode in a real UK postcode area."""
    return bool(_real_postcode().fullmatch(normalise_postcode(text)))


def format_postcode(text: str) -> str | None:
    """notifications-utils format_postcode_or_none: "sw1a2aa" -> "SW1A 2AA"; None if not real."""
    if not valid_postcode(text):
        return None
    postcode = normalise_postcode(text)
    return postcode[:-3] + " " + postcode[-3:]


#: The shape of a UK postcode, whatever its area: one or two letters, then as upstream.
_POSTCODE_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}")


def postcode_shaped(text: str) -> bool:
    """True when the text looks like a UK postcode (normalised), real area or not: so a
    finding can say "not a real postcode area" rather than "not a postcode"."""
    return bool(_POSTCODE_SHAPE.fullmatch(normalise_postcode(text)))


def has_real_postcode_area(text: str) -> bool:
    """True when the postcode starts with one of the real UK postcode areas, followed by a digit."""
    normalised = normalise_postcode(text)
    return any(
        normalised.startswith(area) and normalised[len(area):len(area) + 1].isdigit() for area in postcode_areas()
    )


def normalise_line(text: str) -> str:
    """One address line as Notify normalises it (notifications-utils normalise_whitespace,
    remove_whitespace_before_punctuation and ``line.rstrip(" ,")``)."""
    for character in _FULL_WIDTH:
        text = text.replace(character, " ")
    for character in _ZERO_WIDTH:
        text = text.replace(character, "")
    text = " ".join(text.split())
    return _SPACE_BEFORE_PUNCTUATION.sub(lambda match: match.group(1), text.rstrip(" ,"))


def a4_portrait(width_mm: float, height_mm: float) -> bool:
    """True when a page is A4 portrait as Notify measures it (``_is_page_A4_portrait``;
    doctool's PDFs are never rotated, so only the unrotated case applies)."""
    width, height = A4_MM
    return abs(width_mm - width) <= A4_TOLERANCE_MM and abs(height_mm - height) <= A4_TOLERANCE_MM


def in_zones(rect: tuple[float, float, float, float], first_page: bool, slack_mm: float = 0.05) -> bool:
    """True when the rectangle lies wholly inside one of the zones a page may print in."""
    x0, y0, x1, y1 = rect
    return any(
        x0 >= left - slack_mm and y0 >= top - slack_mm and x1 <= right + slack_mm and y1 <= bottom + slack_mm
        for left, top, right, bottom in (ZONES_PAGE_1 if first_page else ZONES_LATER)
    )


def within_limits(pages: int, size: int) -> bool:
    """True when a letter PDF is within Notify's page and size limits."""
    return pages <= MAX_PAGES and size <= MAX_BYTES


def address_fit(lines: list[str]) -> str:
    """A size class so the whole address fits the window: 7 lines, or long lines, print smaller."""
    longest = max((len(line) for line in lines), default=0)
    if len(lines) >= MAX_ADDRESS_LINES or longest > MAX_LINE_CHARS:
        return "fit-smallest"
    if len(lines) == MAX_ADDRESS_LINES - 1 or longest > 38:
        return "fit-smaller"
    return "fit-normal"


@dataclass(frozen=True)
class PostalAddress:
    """An address as GOV.UK Notify reads it: its lines normalised, the postcode or BFPO number found.

    ``lines`` are the normalised lines in Notify's order and ``origins`` the index, for
    each one, of the raw line it came from, so a check can name the line (and its JSON path)
    without quoting it. Build one with :meth:`from_lines`.
    """

    lines: tuple[str, ...]
    origins: tuple[int, ...]
    postcode: str | None = None
    bfpo_number: int | None = None

    @classmethod
    def from_lines(cls, raw_lines: Iterable[str]) -> PostalAddress:
        """Normalise the raw lines (name first, postcode last) as notifications-utils
        ``PostalAddress.__init__`` and ``normalised_lines`` do."""
        # PostalAddress.__init__: lines with whitespace normalised; blank lines and lines of
        # only spaces and commas dropped.
        kept = [
            (normalise_line(part), index)
            for index, raw in enumerate(raw_lines)
            for part in raw.splitlines()
            if normalise_line(part)
        ]
        # PostalAddress._parse_and_extract_bfpo: the first "BFPO <number>" line gives the
        # number; then every BFPO line (with or without a number, "C/O" allowed) is removed.
        bfpo_number, bfpo_origin = None, -1
        matches = [_BFPO.match(text.lower()) for text, _ in kept]
        for (_, index), match in zip(kept, matches, strict=True):
            if match and match.group(1):
                bfpo_number, bfpo_origin = int(match.group(1)), index
                break
        if bfpo_number is not None:
            kept = [line for line, match in zip(kept, matches, strict=True) if not match]
        # PostalAddress.postcode: the last line (BFPO lines removed), if a real UK postcode;
        # normalised_lines prints it normalised ("SW1A 1AA").
        postcode = format_postcode(kept[-1][0]) if kept else None
        if postcode is not None:
            kept[-1] = (postcode, kept[-1][1])
        # PostalAddress.normalised_lines: a BFPO address ends "BFPO <number>".
        if bfpo_number is not None:
            kept.append((f"BFPO {bfpo_number}", bfpo_origin))
        return cls(tuple(text for text, _ in kept), tuple(index for _, index in kept), postcode, bfpo_number)

    @property
    def line_count(self) -> int:
        """PostalAddress.line_count: the lines after normalising."""
        return len(self.lines)

    @property
    def has_enough_lines(self) -> bool:
        """PostalAddress.has_enough_lines: at least MIN_LINES (3)."""
        return self.line_count >= MIN_ADDRESS_LINES

    @property
    def has_too_many_lines(self) -> bool:
        """PostalAddress.has_too_many_lines: more than MAX_LINES (7)."""
        return self.line_count > MAX_ADDRESS_LINES

    @property
    def is_bfpo_address(self) -> bool:
        """PostalAddress.is_bfpo_address: a "BFPO <number>" line was found."""
        return self.bfpo_number is not None

    @property
    def has_valid_postcode(self) -> bool:
        """PostalAddress.has_valid_postcode: the last line is a real UK postcode."""
        return self.postcode is not None

    @property
    def has_valid_last_line(self) -> bool:
        """PostalAddress.has_valid_last_line, UK letters only: a real postcode or a BFPO number."""
        return self.has_valid_postcode or self.is_bfpo_address

    def invalid_first_characters(self) -> list[int]:
        """PostalAddress.has_invalid_characters: the positions (in ``lines``) of the lines
        that start with one of INVALID_CHARACTERS_AT_START_OF_ADDRESS_LINE."""
        return [i for i, text in enumerate(self.lines) if text[:1] in FORBIDDEN_FIRST]

    @property
    def has_invalid_characters(self) -> bool:
        return bool(self.invalid_first_characters())

    def no_fixed_abode_lines(self) -> list[int]:
        """PostalAddress.has_no_fixed_abode_address: the positions of the lines that are just
        "NFA", or contain "no fixed abode" or "no fixed address" (any case)."""
        return [i for i, text in enumerate(self.lines) if text.lower() == "nfa" or _NO_FIXED_ABODE.search(text)]

    @property
    def has_no_fixed_abode(self) -> bool:
        return bool(self.no_fixed_abode_lines())

    def first_two_lines_without_letter_or_digit(self) -> list[int]:
        """PostalAddress.has_alphanumeric_character_in_address_lines_1_and_2: the positions,
        among the first two lines, of those with no ASCII letter or digit."""
        return [i for i, text in enumerate(self.lines[:2]) if not _LETTER_OR_DIGIT.search(text)]

    @property
    def first_two_lines_blank(self) -> bool:
        """True when Notify would refuse the first two lines: fewer than two, or one without a letter or digit."""
        return len(self.lines) < 2 or bool(self.first_two_lines_without_letter_or_digit())

    @property
    def valid(self) -> bool:
        """PostalAddress.valid, for a UK letter."""
        return (
            self.has_valid_last_line
            and self.has_enough_lines
            and not self.has_too_many_lines
            and not self.has_invalid_characters
            and not self.has_no_fixed_abode
            and not self.first_two_lines_blank
        )

