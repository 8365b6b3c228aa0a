"""View pieces every document shares: the council's branding, document metadata, the draft box."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doctool.findings import Report
from doctool.formatting import long_date
from doctool.paths import profile_file
from doctool.profiles import Profile

LANG = "en-GB"


def opt_date(value: dt.date | None) -> str:
    return long_date(value) if value else ""


def council_view(profile: Profile) -> dict[str, Any]:
    """Branding from the profile: name, contact details, logo (a file path) and its alt text."""
    c = profile.council
    logo = profile_file(profile, c["logo"]) if c.get("logo") else None
    return {
        "name": c["name"],
        "department": c.get("department", ""),
        "address": list(c.get("address", [])),
        "phone": c.get("phone", ""),
        "email": c.get("email", ""),
        "website": c.get("website", ""),
        "signatory_role": c.get("signatory_role", ""),
        "logo_path": str(logo) if logo else "",
        "logo_url": logo.as_uri() if logo else "",
        "logo_alt": c.get("logo_alt") or f"{c['name']} logo",
    }


def document_meta(title: str, name: str, reference: str, date: dt.date, footer: str) -> dict[str, str]:
    """What identifies a document: its title, whose it is, its date (from the data, never the clock)."""
    return {
        "title": title,
        "full_title": f"{title}: {name}",
        "name": name,
        "reference": reference,
        "date": long_date(date),
        "date_iso": date.isoformat(),
        "lang": LANG,
        "footer": footer,
    }


def draft_view(on: bool, report: Report, text: dict[str, str]) -> dict[str, Any]:
    """The DRAFT marking: a banner on every page and, on page 1, each missing element."""
    return {
        "on": on,
        "banner": text["draft_banner"],
        "title": text["draft_title"],
        "intro": text["draft_intro"] if report.errors else text["draft_status"],
        "findings": [{"rule": f.rule, "message": f.message, "source": f.source} for f in report.errors],
    }


# --- sections made of blocks (letters and summaries) ----------------------------------------
# A section is a heading and a list of blocks; every block has every key, so one Word or
# HTML template lays out any of them: "p" (a paragraph), "ul" (a list), "table" (a
# two-column table of sums with a header row), "kv" (label and value rows) or "grid"
# (three columns with a header row).


def _block(kind: str, **parts: Any) -> dict[str, Any]:
    return {"kind": kind, "text": "", "items": [], "caption": "", "head": [], "rows": [], "cells": [], **parts}


def para_block(text: str) -> dict[str, Any]:
    return _block("p", text=text)


def list_block(items: list[str]) -> dict[str, Any]:
    return _block("ul", items=items)


def sums_block(caption: str, head: list[str], rows: list[tuple[str, str, bool]]) -> dict[str, Any]:
    """Two columns, what and how much; ``strong`` rows are totals."""
    return _block("table", caption=caption, head=head,
                  rows=[{"label": label, "value": value, "strong": strong} for label, value, strong in rows])


def kv_block(rows: list[tuple[str, str]]) -> dict[str, Any]:
    return _block("kv", rows=[{"label": label, "value": value, "strong": False} for label, value in rows if value])


def grid_block(caption: str, head: list[str], cells: list[list[str]]) -> dict[str, Any]:
    """Three columns with a header row."""
    return _block("grid", caption=caption, head=head, cells=cells)


def section(heading: str, *blocks: dict[str, Any] | None) -> dict[str, Any]:
    return {"heading": heading, "blocks": [b for b in blocks if b]}
