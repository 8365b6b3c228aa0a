"""Pieces every composer shares: the letterhead, the draft state, metadata and block helpers.

Composers build a :class:`~doctool.document.Document` from a record; these helpers keep
the few shapes that recur (a labelled-fields table leaving out empty values, a table of
sums with its totals) in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from doctool.document import (
    Block,
    Date,
    Draft,
    Field,
    Fields,
    Items,
    Letterhead,
    Paragraph,
    Picture,
    Section,
    Table,
    Text,
    printed,
)
from doctool.findings import Report
from doctool.paths import profile_file
from doctool.profiles import Profile

LANG = "en-GB"
LOGO_WIDTH_MM = 60.0


def opt_date(value: dt.date | None) -> Text:
    return Date(value) if value else ""


def letterhead(profile: Profile) -> Letterhead:
    """Branding from the profile: name, contact details and the logo with its alt text."""
    c = profile.council
    logo = None
    if c.get("logo"):
        path: Path = profile_file(profile, c["logo"])
        logo = Picture(path, c.get("logo_alt") or f"{c['name']} logo", LOGO_WIDTH_MM)
    return Letterhead(
        council=c["name"],
        department=c.get("department", ""),
        address=tuple(c.get("address", [])),
        phone=c.get("phone", ""),
        email=c.get("email", ""),
        website=c.get("website", ""),
        logo=logo,
    )


def page_words(common: dict[str, dict[str, str]]) -> dict[str, str]:
    """The running footer's "Page" and "of", from the shared wording (a council may say them
    in its own words, or its own language)."""
    return {"page": common["label"]["page"], "of": common["label"]["of"]}


def draft_state(on: bool, report: Report, text: dict[str, str]) -> Draft:
    """The DRAFT marking: a banner on every page and, on page 1, each missing element."""
    if not on:
        return Draft(False)
    return Draft(
        True,
        banner=text["draft_banner"],
        title=text["draft_title"],
        intro=text["draft_intro"] if report.errors else text["draft_status"],
        findings=tuple((f.rule, f.message, f.source) for f in report.errors),
    )


def is_empty(value: Text | None) -> bool:
    return value is None or printed(value) == ""


def para(text: Text | None, style: str = "") -> Paragraph | None:
    """A paragraph, or nothing when the text is empty."""
    return None if is_empty(text) else Paragraph(text, style)  # type: ignore[arg-type]


def bullets(items: Iterable[Text]) -> Items | None:
    kept = tuple(i for i in items if not is_empty(i))
    return Items(kept) if kept else None


def fields(rows: Iterable[tuple[str, Text | None]], caption: str = "") -> Fields | None:
    """Label and value rows; a row whose value is empty is left out."""
    kept = tuple(Field(label, value) for label, value in rows if not is_empty(value))  # type: ignore[arg-type]
    return Fields(kept, caption) if kept else None


def grid(head: Sequence[str], rows: Iterable[Sequence[Text]], caption: str = "") -> Table | None:
    """A table with column headings; nothing when it has no rows."""
    body = tuple(tuple(r) for r in rows)
    return Table(tuple(head), body, caption) if body else None


def sums(head: Sequence[str], rows: Iterable[tuple[str, Text, bool]], caption: str = "") -> Table:
    """Two columns, what and how much; rows marked ``True`` are totals."""
    body = list(rows)
    return Table(
        tuple(head),
        tuple((label, value) for label, value, _ in body),
        caption,
        numeric=(1,),
        totals=tuple(i for i, (_, _, strong) in enumerate(body) if strong),
    )


def section(heading: str, *blocks: Block | None, level: int = 2, key: str = "", style: str = "") -> Section:
    return Section(heading, tuple(b for b in blocks if b is not None), level, key, style)
