"""View pieces every document shares: the council's branding, document metadata, the draft box."""

from __future__ import annotations

import datetime as dt
from typing import Any

from doctool.checks.findings import Report
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
