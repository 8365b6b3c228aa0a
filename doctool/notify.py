"""GOV.UK Notify's rules for a precompiled letter, in the one module the checks, the batch
and the service use.

The limits follow ``notifications-utils`` (``recipient_validation/postal_address.py``:
3 to 7 address lines, no line starting with a forbidden character) and
``notifications-template-preview`` (``app/precompiled.py``: at most 10 pages, 2 MB).
"""

from __future__ import annotations

import re

#: notifications-utils PostalAddress: at least 3 and at most 7 lines, name and postcode included.
MIN_ADDRESS_LINES, MAX_ADDRESS_LINES = 3, 7
#: A line longer than this does not fit the 95.4 mm window on one line (doctool's own layout limit).
MAX_LINE_CHARS = 45
#: notifications-utils: an address line may not start with one of these characters.
FORBIDDEN_FIRST = set('@()=[]"\\/,<>~')
#: notifications-template-preview precompiled letters: at most 10 pages and 2 MB.
MAX_PAGES, MAX_BYTES = 10, 2 * 1024 * 1024
#: A UK postcode (Royal Mail format), as the last line of the address.
POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})$",
    re.IGNORECASE,
)


def valid_postcode(text: str) -> bool:
    """True for a postcode in Royal Mail's format (spaces folded)."""
    return bool(POSTCODE.match(" ".join(text.split())))


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
