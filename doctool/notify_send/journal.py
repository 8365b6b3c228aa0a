"""``OUTDIR/notify.jsonl``: what was sent to Notify, one JSON line per event, appended and
flushed as it happens, so a crash loses at most the event in flight.

Events: ``sending`` (written before an upload), ``sent`` (with Notify's id), ``failed`` and
``status`` (the last status Notify gave). A letter is keyed by its reference and its PDF's
sha256: the same reference with the same file is never sent again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from doctool.output import read_json_lines

JOURNAL = "notify.jsonl"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Letter:
    """Everything the journal says about one reference."""

    reference: str
    sent: dict[str, str] = field(default_factory=dict)  # sha256 -> notification id
    sending: dict[str, str] = field(default_factory=dict)  # sha256 -> when an upload began, not (yet) known to be sent
    last_id: str = ""
    last_sha256: str = ""
    status: str = ""


def load_journal(outdir: Path) -> dict[str, Letter]:
    letters: dict[str, Letter] = {}
    for event in read_json_lines(outdir / JOURNAL):
        if not isinstance(event.get("reference"), str):
            continue
        letter = letters.setdefault(event["reference"], Letter(event["reference"]))
        sha, kind = str(event.get("sha256", "")), event.get("event")
        if kind == "sending":
            letter.sending[sha] = str(event.get("at", ""))
        elif kind == "sent" and event.get("id"):
            letter.sent[sha] = letter.last_id = str(event["id"])
            letter.last_sha256 = sha
            letter.sending.pop(sha, None)
            letter.status = str(event.get("status", ""))
        elif kind == "status" and event.get("id") == letter.last_id:
            letter.status = str(event.get("status", ""))
    return letters


class Journal:
    """Appends events to ``OUTDIR/notify.jsonl``."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / JOURNAL
        self._fh: TextIO | None = None

    def __enter__(self) -> Journal:
        self._fh = open(self.path, "a", encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh:
            self._fh.close()

    def write(self, event: str, reference: str, sha256: str, **data: Any) -> str:
        """Append one event; return its time."""
        assert self._fh is not None
        at = now()
        line = {"event": event, "reference": reference, "sha256": sha256, "at": at, **data}
        self._fh.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        self._fh.flush()
        return at
