"""Send a finished batch's letters, and ask Notify where they are."""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from doctool.batch.runner import MANIFEST, load_manifest
from doctool.errors import InputError
from doctool.notify import MAX_BYTES, MAX_PAGES, within_limits
from doctool.notify_send.api import Notify, NotifyFailure
from doctool.notify_send.journal import Journal, load_journal

POSTAGE = ("first", "second", "economy")
#: Letter statuses that mean it will not be printed (Notify's v2 API).
FAILED = {"validation-failed", "virus-scan-failed", "technical-failure", "permanent-failure", "cancelled"}


@dataclass
class SendSummary:
    sent: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # reference and why, no key
    stopped: str = ""  # why the run stopped before the end (the key was refused, the daily limit reached)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sent": self.sent, "skipped": self.skipped, "failed": len(self.failed), "failures": self.failed}
        return {**out, "stopped": self.stopped} if self.stopped else out


def batch_letters(outdir: Path) -> list[tuple[str, Path, str]]:
    """(reference, PDF path, sha256) for each letter of a finished batch, in manifest order."""
    if not (outdir / MANIFEST).is_file():
        raise InputError(f"no {MANIFEST} in {outdir}: run doctool batch first")
    letters = []
    for reference, entry in load_manifest(outdir).items():
        for out in entry.get("outputs", []):
            if str(out.get("path", "")).endswith(".pdf"):
                letters.append((reference, outdir / out["path"], str(out.get("sha256", ""))))
    return letters


def _made_since(notification: dict[str, Any], began: str) -> bool:
    """Notify's letter was created after this upload began (a minute's clock skew allowed)."""
    try:
        created = datetime.fromisoformat(str(notification.get("created_at", "")))
        start = datetime.fromisoformat(began)
        return created >= start - timedelta(minutes=1)
    except (ValueError, TypeError):  # unreadable, or one of them without a time zone
        return False


def _already(notify: Notify, reference: str, began: str) -> dict[str, Any] | None:
    """A letter Notify made for an upload begun at ``began`` whose answer was lost."""
    for found in notify.by_reference(reference):
        if found.get("reference") == reference and _made_since(found, began):
            return found
    return None


def send_batch(outdir: Path, notify: Notify, postage: str = "second") -> SendSummary:
    """Upload every letter not already sent (same reference and sha256), journalling each."""
    from pypdf import PdfReader  # here, not at the start of every doctool command

    summary = SendSummary()
    known = load_journal(outdir)
    with Journal(outdir) as journal:
        for reference, path, sha in batch_letters(outdir):
            letter = known.get(reference)
            if letter and sha in letter.sent:
                summary.skipped += 1
                continue

            def fail(why: str, ref: str = reference, digest: str = sha) -> None:
                summary.failed.append({"reference": ref, "error": why})
                journal.write("failed", ref, digest, error=why)

            content = path.read_bytes() if path.is_file() else b""
            if hashlib.sha256(content).hexdigest() != sha:
                fail(f"{path.name} is missing or changed since the batch: re-run doctool batch")
                continue
            pages = len(PdfReader(path).pages)
            if not within_limits(pages, len(content)):
                fail(f"over Notify's limits ({pages} pages, {len(content):,} bytes; at most {MAX_PAGES} pages, {MAX_BYTES:,} bytes)")
                continue

            try:
                began = letter.sending.get(sha) if letter else None
                found = _already(notify, reference, began) if began else None  # an earlier run stopped mid-upload
                if found is None:
                    began = journal.write("sending", reference, sha, path=path.name)
                    result = notify.send_precompiled(reference, content, postage, functools.partial(_already, notify, reference, began))
                else:
                    result = found
            except NotifyFailure as exc:
                fail(str(exc))
                if exc.status in (401, 403):  # the key is refused: so would every other letter be
                    summary.stopped = f"Notify refused the key ({exc}); the letters after {reference} were not tried"
                    break
                if exc.daily_limit:  # so would every other letter be, until tomorrow
                    summary.stopped = (
                        f"the service's daily letter limit is reached ({exc}); the letters from {reference} on "
                        "were not sent: run doctool notify send again tomorrow, and the letters already sent are skipped"
                    )
                    break
                continue
            journal.write("sent", reference, sha, id=str(result["id"]), postage=str(result.get("postage", postage)))
            summary.sent += 1
    return summary


@dataclass
class StatusSummary:
    by_status: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)


def batch_status(outdir: Path, notify: Notify) -> StatusSummary:
    """Ask Notify for the status of each letter sent from this batch; journal each answer."""
    if not (outdir / MANIFEST).is_file():
        raise InputError(f"no {MANIFEST} in {outdir}: run doctool batch first")
    summary = StatusSummary()
    with Journal(outdir) as journal:
        for reference, letter in load_journal(outdir).items():
            if not letter.last_id:
                continue
            try:
                status = str(notify.notification(letter.last_id).get("status", "unknown"))
            except NotifyFailure as exc:
                summary.by_status["unknown"] += 1
                summary.failures.append({"reference": reference, "id": letter.last_id, "status": "unknown", "error": str(exc)})
                continue
            journal.write("status", reference, letter.last_sha256, id=letter.last_id, status=status)
            summary.by_status[status] += 1
            if status in FAILED:
                summary.failures.append({"reference": reference, "id": letter.last_id, "status": status})
    return summary
