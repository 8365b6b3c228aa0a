"""Run a batch: a pool of warm workers, outputs renamed into place, a manifest line per letter.

Crash safety: a letter file is written under a temporary name and renamed when complete;
its manifest line is appended only after that. A re-run reads the manifest, skips each
record whose input hash matches and whose files still match their sha256, and redoes the
rest, so after any crash (even ``kill -9``) a re-run ends with exactly one good file per
valid record. The manifest is rewritten at the end in input order, one line per record.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from doctool.batch.records import Record
from doctool.output import atomic_write, safe_name

LETTERS = "letters"
MANIFEST = "manifest.jsonl"
FAILURES = "failures.jsonl"
DOCUMENT = "charging-letter"


@dataclass
class Outcome:
    """What happened to one record; one manifest or failures line."""

    line: int
    reference: str
    input_sha256: str
    status: str  # done | skipped | failed
    outputs: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> str:
        data = asdict(self)
        if self.status != "failed":
            data.pop("findings")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _peek_reference(raw: bytes) -> str:
    """The record's reference for naming and reporting, read without full validation."""
    try:
        value = json.loads(raw).get("reference", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


# --- in the worker processes ----------------------------------------------------------


def _warm_up(formats: tuple[str, ...]) -> None:
    """Load what the batch's formats need (fonts, stylesheets, compiled templates) once per
    worker, not once per letter.

    Then freeze what is loaded out of the garbage collector's sight: those objects live as
    long as the worker, and scanning them again after every letter costs a few per cent."""
    from doctool.documents import DOCUMENTS
    from doctool.render.pdf import font_config, stylesheet
    from doctool.render.templating import docx_env, html_env

    kind = DOCUMENTS[DOCUMENT]
    if "pdf" in formats:
        font_config()
        stylesheet()
        for path in kind.stylesheet_paths():
            stylesheet(path)
        html_env().get_template(kind.html_template)
    if "docx" in formats:
        docx_env()
    gc.collect()
    gc.freeze()


def render_record(raw: bytes, line: int, formats: tuple[str, ...], outdir: str, profile: str) -> Outcome:
    """Validate and render one record; write its files atomically. Runs in a worker."""
    from doctool.api import Incomplete, render_bytes
    from doctool.errors import DoctoolError

    digest = hashlib.sha256(raw).hexdigest()
    reference = _peek_reference(raw)
    try:
        _report, files = render_bytes(raw, [DOCUMENT], list(formats), profile)
    except Incomplete as exc:
        return Outcome(line, reference, digest, "failed", findings=[f.as_dict() for f in exc.report.errors])
    except DoctoolError as exc:
        findings = [{"rule": "SCHEMA", "severity": "error", "path": e.path, "message": e.message, "source": "schema"} for e in exc.errors]
        return Outcome(line, reference, digest, "failed", findings=findings or [{"rule": "INPUT", "severity": "error", "path": "$", "message": exc.message, "source": "doctool"}])
    stem = safe_name(reference, fallback=f"line-{line}")
    outputs = []
    for f in files:
        target = Path(outdir) / LETTERS / f"{stem}.{f.extension}"
        atomic_write(target, f.content)
        outputs.append({"path": f"{LETTERS}/{target.name}", "sha256": f.sha256, "bytes": len(f.content)})
    return Outcome(line, reference, digest, "done", outputs=outputs)


# --- in the main process --------------------------------------------------------------


def load_manifest(outdir: Path) -> dict[str, dict[str, Any]]:
    """Finished records from an earlier run, by reference; torn last lines are ignored."""
    entries: dict[str, dict[str, Any]] = {}
    path = outdir / MANIFEST
    if not path.is_file():
        return entries
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("status") in ("done", "skipped"):
            entries[entry.get("reference", "")] = entry
    return entries


def still_good(entry: dict[str, Any], digest: str, formats: tuple[str, ...], outdir: Path) -> bool:
    """An earlier output can be kept: same input, same formats, every file present and intact."""
    outputs = entry.get("outputs", [])
    if entry.get("input_sha256") != digest or sorted(o["path"].rsplit(".", 1)[-1] for o in outputs) != sorted(formats):
        return False
    for out in outputs:
        path = outdir / out["path"]
        if not path.is_file() or sha256_file(path) != out["sha256"]:
            return False
    return True


def _remove_partials(outdir: Path) -> None:
    """Temporary files left by a crash are never letters: delete them."""
    for part in (outdir / LETTERS).glob(".*.part"):
        part.unlink(missing_ok=True)


@dataclass
class Summary:
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "letters_per_second": round(self.rate, 2)}


def run_batch(
    records: Iterator[Record],
    outdir: Path,
    formats: tuple[str, ...],
    workers: int,
    profile: str = "england",
    on_progress: Callable[[Summary], None] | None = None,
) -> tuple[Summary, list[Outcome]]:
    """Render every record; returns the summary and the outcomes in input order."""
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / LETTERS).mkdir(exist_ok=True)
    _remove_partials(outdir)
    previous = load_manifest(outdir)
    summary = Summary()
    outcomes: dict[int, Outcome] = {}
    claimed: dict[str, int] = {}
    started = time.monotonic()
    window = max(2, workers * 4)
    context = multiprocessing.get_context("fork")
    with open(outdir / MANIFEST, "a", encoding="utf-8") as manifest, ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_warm_up, initargs=(formats,)
    ) as pool:

        def record(outcome: Outcome) -> None:
            outcomes[outcome.line] = outcome
            setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
            if outcome.status != "failed":
                manifest.write(outcome.as_json() + "\n")
                manifest.flush()
            summary.seconds = time.monotonic() - started
            if on_progress:
                on_progress(summary)

        pending: set[Future[Outcome]] = set()
        for rec in records:
            summary.total += 1
            if rec.raw is None:
                record(Outcome(rec.line, "", "", "failed", findings=[{"rule": "INPUT", "severity": "error", "path": "$", "message": rec.error, "source": "doctool"}]))
                continue
            digest = hashlib.sha256(rec.raw).hexdigest()
            reference = _peek_reference(rec.raw)
            stem = safe_name(reference, fallback=f"line-{rec.line}")
            if stem in claimed:
                record(Outcome(rec.line, reference, digest, "failed", findings=[{"rule": "DUPLICATE", "severity": "error", "path": "$.reference", "message": f"the same reference is already used on line {claimed[stem]}", "source": "doctool batch"}]))
                continue
            claimed[stem] = rec.line
            entry = previous.get(reference)
            if entry and still_good(entry, digest, formats, outdir):
                record(Outcome(rec.line, reference, digest, "skipped", outputs=entry["outputs"]))
                continue
            pending.add(pool.submit(render_record, rec.raw, rec.line, formats, str(outdir), profile))
            if len(pending) >= window:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    record(fut.result())
        for fut in pending:
            record(fut.result())
    summary.seconds = time.monotonic() - started
    ordered = [outcomes[k] for k in sorted(outcomes)]
    _finish(outdir, ordered)
    return summary, ordered


def _finish(outdir: Path, ordered: list[Outcome]) -> None:
    """Rewrite the manifest in input order, one line per good record, and the failures file."""
    good = "".join(o.as_json() + "\n" for o in ordered if o.status != "failed")
    bad = "".join(o.as_json() + "\n" for o in ordered if o.status == "failed")
    atomic_write(outdir / MANIFEST, good.encode())
    atomic_write(outdir / FAILURES, bad.encode())
