"""Where a finding's source can be read: its law or guidance as a link.

A finding's ``source`` is text ("Care Act 2014 s25(1)(e)", "Statutory guidance 13.32;
Kent 8"). :func:`source_link` turns it into the public page to read, from the patterns in
``doctool/data/source_links.toml``, so every face (the service, the page, the command
line) links the same way. Sources with no public page (council guidance, doctool's own
documents) get none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from doctool.datafiles import DATA, load_toml
from doctool.errors import ConfigError

LINKS_FILE = DATA / "source_links.toml"


@dataclass(frozen=True)
class SourceLink:
    url: str
    title: str

    def as_dict(self) -> dict[str, str]:
        return {"url": self.url, "title": self.title}


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    out = []
    for entry in load_toml(LINKS_FILE).get("link", []):
        try:
            out.append((re.compile(entry["pattern"], re.IGNORECASE), str(entry["url"]), str(entry.get("title", ""))))
        except (KeyError, re.error) as exc:
            raise ConfigError(f"{LINKS_FILE}: a link entry is not usable: {exc}") from None
    return tuple(out)


def source_link(source: str) -> SourceLink | None:
    """The page where ``source`` can be read (the first pattern that matches), or None."""
    for pattern, url, title in _patterns():
        m = pattern.search(source)
        if m:
            groups = ("", *(g or "" for g in m.groups()))
            return SourceLink(_fill(url, groups), _fill(title, groups))
    return None


def _fill(template: str, groups: tuple[str, ...]) -> str:
    return re.sub(r"\{(\d)\}", lambda m: groups[int(m.group(1))] if int(m.group(1)) < len(groups) else "", template)
