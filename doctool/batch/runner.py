"""Run a batch: a pool of warm workers, outputs renamed into place, a manifest line per letter.

Crash safety: a letter file is written under a temporary name and renamed when complete;
its manifest line is appended only after that. A re-run reads the manifest, skips each
record whose input hash matches and whose files still match their sha256, and redoes the
rest, so after any crash (even ``kill -9``) a re-run ends with exactly one good file per
valid record. At the end the manifest is replaced by one written in input order, one line
per good record, beside the failures file.

Memory stays flat however long the batch: records are read as a stream, at most a few per
worker are in flight, and each outcome is written out (in input order, through a reorder
buffer no bigger than the letters in flight) as soon as every earlier record is done.
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
from typing import Any, BinaryIO

from doctool.batch.records import Record
from doctool.findings import Finding, Severity
from doctool.output import atomic_file, atomic_write, safe_name

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
    findings: list[dict[str, str]] = field(default_factory=list)  # every finding, as validate gives them

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.get("severity") == "warning")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _error(rule: str, path: str, message: str, source: str = "doctool") -> dict[str, str]:
    """A blocking finding found by the batch itself (unreadable, invalid or repeated input)."""
    return Finding(rule, Severity.error, path, message, source).as_dict()


def _peek_reference(raw: bytes) -> str:
    """The record's reference for naming and reporting, read without full validation."""
    try:
        value = json.loads(raw).get("reference", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


# --- in the worker processes ----------------------------------------------------------


def _warm_up(formats: tuple[str, ...], profile: str = "england", documents: tuple[str, ...] = (DOCUMENT,)) -> None:
    """Load what the batch's formats need (fonts, stylesheets, compiled templates) once per
    worker, not once per letter.

    Then freeze what is loaded out of the garbage collector's sight: those objects live as
    long as the worker, and scanning them again after every letter costs a few per cent."""
    from doctool.pipeline import warm_up

    warm_up(documents, formats, profile)
    gc.collect()
    gc.freeze()


def render_record(raw: bytes, line: int, formats: tuple[str, ...], outdir: str, profile: str) -> Outcome:
    """Validate and render one record; write its files atomically. Runs in a worker.

    The outcome carries every finding about the record (warnings too, for a letter that was
    made), the same as ``doctool validate`` gives."""
    from doctool.errors import DoctoolError, Incomplete
    from doctool.pipeline import Selection, prepare, render_set

    digest = hashlib.sha256(raw).hexdigest()
    reference = _peek_reference(raw)
    try:
        rendered = render_set(prepare(raw, profile), Selection.of([DOCUMENT], formats))
    except Incomplete as exc:
        return Outcome(line, reference, digest, "failed", findings=[f.as_dict() for f in exc.report.findings])
    except DoctoolError as exc:
        findings = [_error("SCHEMA", e.path, e.message, "schema") for e in exc.errors]
        return Outcome(line, reference, digest, "failed", findings=findings or [_error("INPUT", "$", exc.message)])
    stem = safe_name(reference, fallback=f"line-{line}")
    outputs = []
    for f in rendered.files:
        target = Path(outdir) / LETTERS / f"{stem}.{f.extension}"
        atomic_write(target, f.content)
        outputs.append({"path": f"{LETTERS}/{target.name}", "sha256": f.sha256, "bytes": len(f.content)})
    findings = [f.as_dict() for f in rendered.report.findings]
    return Outcome(line, reference, digest, "done", outputs=outputs, findings=findings)


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


class InOrder:
    """Writes outcomes to the final manifest and failures files in input order.

    Outcomes arrive in the order workers finish; each waits here only until every earlier
    record's outcome has arrived, so the buffer holds no more than the letters in flight."""

    def __init__(self, good: BinaryIO, bad: BinaryIO) -> None:
        self._files = {True: good, False: bad}
        self._waiting: dict[int, Outcome] = {}
        self._next = 0

    def add(self, seq: int, outcome: Outcome) -> None:
        self._waiting[seq] = outcome
        while self._next in self._waiting:
            done = self._waiting.pop(self._next)
            self._files[done.status != "failed"].write((done.as_json() + "\n").encode())
            self._next += 1


def letter_files(outdir: Path, extension: str | None = None) -> Iterator[Path]:
    """The letters of a finished batch in input order, read from its manifest as a stream."""
    with open(outdir / MANIFEST, encoding="utf-8") as manifest:
        for line in manifest:
            for out in json.loads(line)["outputs"]:
                if extension is None or out["path"].endswith(f".{extension}"):
                    yield outdir / out["path"]


def _remove_partials(outdir: Path) -> None:
    """Temporary files left by a crash (letters, the ordered manifest, the failures file)
    are never results: delete them."""
    for part in [*(outdir / LETTERS).glob(".*.part"), *outdir.glob(".*.part")]:
        part.unlink(missing_ok=True)


@dataclass
class Summary:
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    warnings: int = 0  # warning findings on the letters made (done or skipped)
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
) -> Summary:
    """Render every record. The manifest and failures files in ``outdir`` list them all,
    in input order; :func:`letter_files` reads the letters back in that order."""
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / LETTERS).mkdir(exist_ok=True)
    _remove_partials(outdir)
    previous = load_manifest(outdir)
    summary = Summary()
    claimed: dict[str, int] = {}  # file stem -> line: a repeated reference is refused
    started = time.monotonic()
    window = max(2, workers * 4)
    context = multiprocessing.get_context("fork")
    with (
        atomic_file(outdir / FAILURES) as bad,
        atomic_file(outdir / MANIFEST) as good,  # renamed over the journal once it is closed
        open(outdir / MANIFEST, "a", encoding="utf-8") as journal,
        ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_up, initargs=(formats, profile)) as pool,
    ):
        in_order = InOrder(good, bad)

        def record(seq: int, outcome: Outcome) -> None:
            setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
            if outcome.status != "failed":  # the crash journal: appended the moment a letter is done
                summary.warnings += outcome.warnings
                journal.write(outcome.as_json() + "\n")
                journal.flush()
            in_order.add(seq, outcome)
            summary.seconds = time.monotonic() - started
            if on_progress:
                on_progress(summary)

        pending: dict[Future[Outcome], int] = {}
        for seq, rec in enumerate(records):
            summary.total += 1
            if rec.raw is None:
                record(seq, Outcome(rec.line, "", "", "failed", findings=[_error("INPUT", "$", rec.error)]))
                continue
            digest = hashlib.sha256(rec.raw).hexdigest()
            reference = _peek_reference(rec.raw)
            stem = safe_name(reference, fallback=f"line-{rec.line}")
            if stem in claimed:
                duplicate = _error("DUPLICATE", "$.reference", f"the same reference is already used on line {claimed[stem]}", "doctool batch")
                record(seq, Outcome(rec.line, reference, digest, "failed", findings=[duplicate]))
                continue
            claimed[stem] = rec.line
            entry = previous.pop(reference, None)
            if entry and still_good(entry, digest, formats, outdir):
                record(seq, Outcome(rec.line, reference, digest, "skipped", outputs=entry["outputs"],
                                    findings=entry.get("findings", [])))
                continue
            pending[pool.submit(render_record, rec.raw, rec.line, formats, str(outdir), profile)] = seq
            if len(pending) >= window:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    record(pending.pop(fut), fut.result())
        for fut, seq in pending.items():
            record(seq, fut.result())
    summary.seconds = time.monotonic() - started
    return summary
