"""Run a batch: a pool of warm workers, outputs renamed into place, a manifest line per letter.

Crash safety: a letter file is written under a temporary name and renamed when complete;
its manifest line is appended only after that. A re-run reads the manifest, skips each
record whose input hash matches and whose files still match their sha256, and redoes the
rest, so after any crash (even ``kill -9``) a re-run ends with exactly one good file per
valid record. At the end the manifest is replaced by one written in input order, one line
per good record, beside the failures file.

One record never stops the batch: any error while rendering it (a Word render error on a
control character, or a bug) is that record's failure, and a worker process that dies
has the records it held retried, each alone in a fresh pool, once. One run at a time
holds an OUTDIR (a ``flock`` on ``OUTDIR/.batch.lock``). When a run ends, ``letters/``
holds exactly the manifest's files: an earlier letter whose record now fails or is no
longer in the input is moved to ``superseded/`` (named by its content, so never
overwritten).

Beside the manifest, ``failures.csv`` and ``warnings.csv`` list each failure's errors and
each letter's warnings by input row, reference, CSV column and the value as given
(:mod:`doctool.batch.report`), and the summary counts the reasons. :func:`check_batch`
does all of that without making a letter (``doctool batch --check``).

Memory stays flat however long the batch: records are read as a stream, at most a few per
worker are in flight, and each outcome is written out (in input order, through a reorder
buffer no bigger than the letters in flight) as soon as every earlier record is done.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import hashlib
import io
import json
import multiprocessing
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from doctool.batch.records import Problem, Record
from doctool.batch.report import FAILURES_CSV, WARNINGS_CSV, Reporter, Source
from doctool.errors import DoctoolError
from doctool.findings import Finding, Severity
from doctool.output import atomic_file, atomic_write, read_json_lines, safe_name

LETTERS = "letters"
MANIFEST = "manifest.jsonl"
FAILURES = "failures.jsonl"
SUPERSEDED = "superseded"
LOCK = ".batch.lock"
DOCUMENT = "charging-letter"
MAX_DEATHS_IN_A_ROW = 5  # records that each killed a fresh worker alone, one after another: the workers, not the records


class OutdirInUse(DoctoolError):
    """Another run holds the output folder."""


@dataclass
class Outcome:
    """What happened to one record; one manifest or failures line."""

    line: int
    reference: str
    input_sha256: str
    status: str  # done | skipped | failed
    outputs: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)  # every finding, as validate gives them
    superseded: list[str] = field(default_factory=list)  # an earlier letter of this record, moved aside

    def as_json(self) -> str:
        data = asdict(self)
        if not self.superseded:
            del data["superseded"]
        if self.status != "failed":  # a letter's warnings, listed on their own
            data["warnings"] = [
                {k: f[k] for k in ("rule", "path", "column", "message") if k in f}
                for f in self.findings if f.get("severity") == "warning"
            ]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

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


_JSON_AT = re.compile(r"invalid JSON at line (\d+), column (\d+): (.*)", re.DOTALL)


def input_error(exc: DoctoolError, line: int) -> list[dict[str, str]]:
    """A record that cannot be read or does not fit the schema, as findings. A JSON error's
    position names the line of the batch's input file, not the line within the record."""
    findings = [_error("SCHEMA", e.path, e.message, "schema") for e in exc.errors]
    if findings:
        return findings
    message = exc.message
    m = _JSON_AT.fullmatch(message)
    if m:
        message = f"line {line + int(m.group(1)) - 1} of the input is not valid JSON (at column {m.group(2)}: {m.group(3)})"
    return [_error("INPUT", "$", message)]


def _without(findings: list[dict[str, str]], problems: tuple[Problem, ...]) -> list[dict[str, str]]:
    """A record's findings with its unreadable cells' own problems first, and without what
    validation says about the fields those cells were left out of (``is required``)."""
    paths = {p.path for p in problems}
    own = [_error(p.rule, p.path, p.message, "doctool batch --mapping") for p in problems]
    rest = [f for f in findings if not any(f.get("path", "") == q or f.get("path", "").startswith((q + ".", q + "[")) for q in paths)]
    return own + rest


def validate_record(raw: bytes, line: int, profile: str, problems: tuple[Problem, ...] = ()) -> Outcome:
    """Read, validate and check one record as :func:`render_record` would, without laying
    out a letter (so the checks on the laid-out PDF, CL-NOTIFY-SIZE and CL-NOTIFY-PAGE, are
    not made). ``done`` means the letter would be made. A record with cells the mapping
    could not read fails, with its other findings listed too."""
    from doctool.errors import DoctoolError
    from doctool.pipeline import prepare

    digest = hashlib.sha256(raw).hexdigest()
    reference = _peek_reference(raw)
    try:
        prepared = prepare(raw, profile)
        complete = prepared.report_for([DOCUMENT]).complete
        findings = [f.as_dict() for f in prepared.report.findings]
    except DoctoolError as exc:
        complete, findings = False, input_error(exc, line)
    if problems:
        findings = _without(findings, problems)
    status = "done" if complete and not problems else "failed"
    return Outcome(line, reference, digest, status, findings=findings)


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


def _not_xml(ch: str) -> bool:
    """A character no Word (XML 1.0) document may contain: C0 controls but tab, newline and
    carriage return; U+FFFE and U+FFFF; lone surrogates."""
    code = ord(ch)
    return (code < 0x20 and ch not in "\t\n\r") or code in (0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF


def _control_characters(value: Any, path: str = "$") -> Iterator[tuple[str, int]]:
    """(JSON path, code point) of each string holding a character Word cannot store."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _control_characters(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _control_characters(item, f"{path}[{i}]")
    elif isinstance(value, str):
        bad = next((ch for ch in value if _not_xml(ch)), None)
        if bad is not None:
            yield path, ord(bad)


def render_error(raw: bytes, exc: BaseException) -> dict[str, str]:
    """A render error as a finding: the exception's type and a plain message of our own,
    never the exception's text (which may quote the record's personal data)."""
    try:
        found = list(_control_characters(json.loads(raw)))
    except ValueError:
        found = []
    if found:
        where = ", ".join(f"{path} (U+{code:04X})" for path, code in found[:5])
        message = f"{type(exc).__name__}: the letter could not be rendered; these fields hold a control character a Word document cannot contain: {where}"
        return _error("RENDER", found[0][0], message, "doctool batch")
    message = (
        f"{type(exc).__name__}: the letter could not be rendered (an error inside doctool; the record's values are not "
        "shown here). Render this record alone with DOCTOOL_DEBUG=1 to see the cause."
    )
    return _error("RENDER", "$", message, "doctool batch")


def worker_died(times: int) -> dict[str, str]:
    return _error(
        "WORKER-DIED", "$",
        f"the worker process rendering this record died {times} time(s) (it was retried alone in a fresh worker); "
        "nothing was written for it",
        "doctool batch",
    )


def render_record(raw: bytes, line: int, formats: tuple[str, ...], outdir: str, profile: str) -> Outcome:
    """Validate and render one record; write its files atomically. Runs in a worker.

    The outcome carries every finding about the record (warnings too, for a letter that was
    made), the same as ``doctool validate`` gives. Any error is the record's failure: the
    worker goes on to the next record."""
    from doctool.pipeline import free_document

    try:
        return _render_record(raw, line, formats, outdir, profile)
    finally:
        free_document()


def _render_record(raw: bytes, line: int, formats: tuple[str, ...], outdir: str, profile: str) -> Outcome:
    digest = hashlib.sha256(raw).hexdigest()
    reference = _peek_reference(raw)
    written: list[Path] = []
    try:
        from doctool.errors import DoctoolError, Incomplete
        from doctool.pipeline import Selection, prepare, render_set

        try:
            rendered = render_set(prepare(raw, profile), Selection.of([DOCUMENT], formats))
        except Incomplete as exc:
            return Outcome(line, reference, digest, "failed", findings=[f.as_dict() for f in exc.report.findings])
        except DoctoolError as exc:
            return Outcome(line, reference, digest, "failed", findings=input_error(exc, line))
        stem = safe_name(reference, fallback=f"line-{line}")
        outputs = []
        for f in rendered.files:
            target = Path(outdir) / LETTERS / f"{stem}.{f.extension}"
            atomic_write(target, f.content)
            written.append(target)
            output: dict[str, Any] = {"path": f"{LETTERS}/{target.name}", "sha256": f.sha256, "bytes": len(f.content)}
            if f.pages is not None:
                output["pages"] = f.pages
            outputs.append(output)
        findings = [f.as_dict() for f in rendered.report.findings]
        return Outcome(line, reference, digest, "done", outputs=outputs, findings=findings)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - one record's error is that record's failure
        for path in written:  # half a set (the PDF but not the Word file) is no letter
            path.unlink(missing_ok=True)
        return Outcome(line, reference, digest, "failed", findings=[render_error(raw, exc)])


# --- in the main process --------------------------------------------------------------


def load_manifest(outdir: Path) -> dict[str, dict[str, Any]]:
    """Finished records from an earlier run, by reference; torn last lines are ignored."""
    entries: dict[str, dict[str, Any]] = {}
    for entry in read_json_lines(outdir / MANIFEST):
        if entry.get("status") in ("done", "skipped"):
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

    def __init__(self, good: BinaryIO, bad: BinaryIO, then: Callable[[int, Outcome], None] | None = None) -> None:
        self._files = {True: good, False: bad}
        self._waiting: dict[int, Outcome] = {}
        self._next = 0
        self._then = then

    def add(self, seq: int, outcome: Outcome) -> None:
        self._waiting[seq] = outcome
        while self._next in self._waiting:
            done = self._waiting.pop(self._next)
            self._files[done.status != "failed"].write((done.as_json() + "\n").encode())
            if self._then:
                self._then(self._next, done)
            self._next += 1


def letter_outputs(outdir: Path, extension: str | None = None) -> Iterator[dict[str, Any]]:
    """The manifest's entry for each letter file of a finished batch (``path``, ``sha256``,
    ``bytes``, and ``pages`` for a PDF), in input order, read as a stream."""
    with open(outdir / MANIFEST, encoding="utf-8") as manifest:
        for line in manifest:
            for out in json.loads(line)["outputs"]:
                if extension is None or out["path"].endswith(f".{extension}"):
                    yield out


def letter_files(outdir: Path, extension: str | None = None) -> Iterator[Path]:
    """The letters of a finished batch in input order."""
    return (outdir / out["path"] for out in letter_outputs(outdir, extension))


def _remove_partials(outdir: Path) -> None:
    """Temporary files left by a crash (letters, the ordered manifest, the failures file)
    are never results: delete them."""
    for part in [*(outdir / LETTERS).glob(".*.part"), *outdir.glob(".*.part")]:
        part.unlink(missing_ok=True)


def _screen(rec: Record, claimed: dict[str, int]) -> tuple[str, str, Outcome | None]:
    """(reference, input sha256, and the record's failure if it fails before any check):
    unreadable, or a reference already used (two letters, one file name) on an earlier line."""
    if rec.raw is None:
        return "", "", Outcome(rec.line, "", "", "failed", findings=[_error("INPUT", "$", rec.error)])
    digest = hashlib.sha256(rec.raw).hexdigest()
    reference = _peek_reference(rec.raw)
    stem = safe_name(reference, fallback=f"line-{rec.line}")
    if stem in claimed:
        duplicate = _error("DUPLICATE", "$.reference", f"the same reference is already used on line {claimed[stem]}", "doctool batch")
        return reference, digest, Outcome(rec.line, reference, digest, "failed", findings=[duplicate])
    claimed[stem] = rec.line
    return reference, digest, None


def _finish_report(summary: Summary, reporter: Reporter) -> None:
    summary.reasons = reporter.reasons.top()
    summary.warning_rules = dict(reporter.warning_rules.most_common())
    summary.warning_reasons = reporter.warned.top()


class WorkersDying(DoctoolError):
    """Fresh worker processes die on record after record: the set-up, not the records."""

    exit_code = 3


@contextmanager
def hold_outdir(outdir: Path) -> Iterator[None]:
    """Hold OUTDIR for this run alone: an exclusive ``flock`` on ``OUTDIR/.batch.lock``,
    released (and the file removed) when the block ends, or by the kernel if the process
    dies. A second run raises OutdirInUse (exit 2) instead of deleting the first one's
    journal and temporary files."""
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / LOCK
    while True:
        fh = open(path, "ab")  # held open for the whole run
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutdirInUse(
                    f"{outdir} is in use by another doctool batch run; wait for it to finish, or write to another folder"
                ) from None
            raise
        try:
            current = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        fh.close()  # the run before removed the file as we opened it: lock the new one
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while still held, so no one can hold a removed file
        fh.close()


def supersede(outdir: Path, rel: str) -> str | None:
    """Move a letter out of ``letters/`` into ``superseded/``, named by its content (the
    same letter superseded twice is one file; two different ones never overwrite each
    other). Returns its new path relative to OUTDIR, or None when there was no file."""
    source = outdir / rel
    if not source.is_file():
        return None
    stem, dot, extension = source.name.rpartition(".")
    tag = sha256_file(source)[:16]
    name = f"{stem}.{tag}.{extension}" if dot else f"{source.name}.{tag}"
    target = outdir / SUPERSEDED / name
    target.parent.mkdir(exist_ok=True)
    os.replace(source, target)
    return f"{SUPERSEDED}/{name}"


def sweep_letters(outdir: Path) -> int:
    """After a run: ``letters/`` holds exactly the manifest's files. Temporary files are
    deleted; any other letter (its record gone from the input, a format no longer asked
    for, or left by a worker that died) is moved to ``superseded/``. Returns how many."""
    _remove_partials(outdir)
    kept: set[str] = set()
    with open(outdir / MANIFEST, encoding="utf-8") as manifest:
        for line in manifest:
            kept.update(out["path"] for out in json.loads(line)["outputs"])
    moved = 0
    for path in sorted((outdir / LETTERS).iterdir()):
        rel = f"{LETTERS}/{path.name}"
        if path.is_file() and rel not in kept and supersede(outdir, rel):
            moved += 1
    return moved


@dataclass
class Summary:
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    warnings: int = 0  # warning findings on the letters made (done or skipped)
    superseded: int = 0  # earlier letters moved to superseded/ (their records now fail or are gone)
    seconds: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)  # why records failed, most common first
    warning_rules: dict[str, int] = field(default_factory=dict)  # the letters' warnings, by rule
    warning_reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "letters_per_second": round(self.rate, 2)}


@dataclass
class _Job:
    seq: int
    line: int
    raw: bytes
    reference: str
    digest: str
    earlier: dict[str, Any] | None  # the record's line in the previous run's manifest


def _start_method() -> str:
    """How to start the workers: forked from this process, which shares every page it has
    loaded with them (the least memory), unless this process has laid out a Typst letter
    itself. Typst lays out on threads of its own, which a forked child does not have, so a
    letter in a fork of such a process waits for them forever (seen in one process that
    rendered letters and then ran a batch); its workers come from a fork server, a clean
    process that has only imported doctool."""
    from doctool.pipeline import forks_safely

    return "fork" if forks_safely() else "forkserver"


class _Workers:
    """The process pool, replaced by a fresh one when a worker dies."""

    def __init__(self, workers: int, formats: tuple[str, ...], outdir: Path, profile: str) -> None:
        self.workers, self.formats, self.outdir, self.profile = workers, formats, str(outdir), profile
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context(_start_method())
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["doctool.pipeline", "doctool.batch.runner"])
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_warm_up, initargs=(self.formats, self.profile)
        )

    def submit(self, job: _Job) -> Future[Outcome]:
        return self.pool.submit(render_record, job.raw, job.line, self.formats, self.outdir, self.profile)

    def restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._new()

    def close(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=cancel)


def run_batch(
    records: Iterable[Record],
    outdir: Path,
    formats: tuple[str, ...],
    workers: int,
    profile: str = "england",
    on_progress: Callable[[Summary], None] | None = None,
    lock: bool = True,
    claimed: Mapping[str, int] | None = None,
) -> Summary:
    """Render every record. The manifest and failures files in ``outdir`` list them all,
    in input order; :func:`letter_files` reads the letters back in that order.

    ``lock=False`` when the caller already holds OUTDIR with :func:`hold_outdir` (or the
    queue gives the chunk to one worker at a time). ``claimed``: file stems used by records
    before these (in earlier chunks of one batch) -> their line, so a repeat still fails."""
    if lock:
        with hold_outdir(outdir):
            return run_batch(records, outdir, formats, workers, profile, on_progress, lock=False, claimed=claimed)
    from doctool.pipeline import check_layout

    check_layout((DOCUMENT,), formats, profile)  # a bad council template: one error before any letter
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / LETTERS).mkdir(exist_ok=True)
    _remove_partials(outdir)
    previous = load_manifest(outdir)
    summary = Summary()
    stems = dict(claimed or {})  # file stem -> line: a repeated reference is refused
    started = time.monotonic()
    window = max(2, workers * 4)
    pool = _Workers(workers, formats, outdir, profile)
    finished_cleanly = False
    try:
        with (
            atomic_file(outdir / FAILURES) as bad,
            atomic_file(outdir / MANIFEST) as good,  # renamed over the journal once it is closed
            open(outdir / MANIFEST, "a", encoding="utf-8") as journal,
            atomic_text(outdir / FAILURES_CSV) as bad_csv,
            atomic_text(outdir / WARNINGS_CSV) as warned_csv,
        ):
            reporter = Reporter(bad_csv, warned_csv, getattr(records, "columns", None))
            sources: dict[int, Source] = {}  # the records in flight, for the report

            def report(seq: int, outcome: Outcome) -> None:
                reporter.add(sources.pop(seq), outcome.line, outcome.reference, outcome.status == "failed", outcome.findings)

            in_order = InOrder(good, bad, report)

            def record(seq: int, outcome: Outcome) -> None:
                outcome.findings = reporter.annotate(sources[seq], outcome.findings)
                setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
                if outcome.status != "failed":  # the crash journal: appended the moment a letter is done
                    summary.warnings += outcome.warnings
                    journal.write(outcome.as_json() + "\n")
                    journal.flush()
                in_order.add(seq, outcome)
                summary.seconds = time.monotonic() - started
                if on_progress:
                    on_progress(summary)

            def finish(job: _Job, outcome: Outcome) -> None:
                if outcome.status == "failed" and job.earlier:  # its earlier letter must not stay to be printed
                    moved = [supersede(outdir, o.get("path", "")) for o in job.earlier.get("outputs", [])]
                    outcome.superseded = [m for m in moved if m]
                    summary.superseded += len(outcome.superseded)
                record(job.seq, outcome)

            def failed(job: _Job, finding: dict[str, str]) -> Outcome:
                return Outcome(job.line, job.reference, job.digest, "failed", findings=[finding])

            pending: dict[Future[Outcome], _Job] = {}
            suspects: deque[_Job] = deque()
            deaths = [0]

            def collect(fut: Future[Outcome], job: _Job) -> None:
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    suspects.append(job)  # in a worker that died, or queued behind it
                    return
                except Exception as exc:  # noqa: BLE001 - e.g. an outcome that cannot be sent back
                    outcome = failed(job, render_error(job.raw, exc))
                finish(job, outcome)

            def retry_alone() -> None:
                """Each record a dead worker held, once more, alone in a fresh pool: the
                record that kills its worker again fails; the others are rendered."""
                pool.restart()
                while suspects:
                    job = suspects.popleft()
                    try:
                        outcome = pool.submit(job).result()
                        deaths[0] = 0
                    except BrokenProcessPool:
                        deaths[0] += 1
                        if deaths[0] >= MAX_DEATHS_IN_A_ROW:
                            raise WorkersDying(
                                f"worker processes died on {deaths[0]} records in a row, each alone in a fresh worker; "
                                "the batch stopped (re-run it once the cause is fixed: finished letters are kept)"
                            ) from None
                        pool.restart()
                        outcome = failed(job, worker_died(2))
                    except Exception as exc:  # noqa: BLE001
                        outcome = failed(job, render_error(job.raw, exc))
                    finish(job, outcome)

            def settle(limit: int) -> None:
                while len(pending) > limit:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        collect(fut, pending.pop(fut))
                    if suspects:  # the pool is broken: every future still pending fails the same way
                        wait(pending)
                        for fut in list(pending):
                            collect(fut, pending.pop(fut))
                        retry_alone()

            for seq, rec in enumerate(records):
                summary.total += 1
                sources[seq] = reporter.source(rec)
                reference, digest, early = _screen(rec, stems)
                if early or rec.raw is None:  # (no raw: always an early failure)
                    assert early is not None
                    record(seq, early)
                    continue
                entry = previous.pop(reference, None)
                job = _Job(seq, rec.line, rec.raw, reference, digest, entry)
                if rec.problems:  # cells the mapping could not read: no letter, every other finding listed
                    finish(job, validate_record(rec.raw, rec.line, profile, rec.problems))
                    continue
                if entry and still_good(entry, digest, formats, outdir):
                    record(seq, Outcome(rec.line, reference, digest, "skipped", outputs=entry["outputs"],
                                        findings=entry.get("findings", [])))
                    continue
                pending[pool.submit(job)] = job
                settle(window - 1)
            settle(0)
            _finish_report(summary, reporter)
        finished_cleanly = True
    finally:
        pool.close(cancel=not finished_cleanly)
    summary.superseded += sweep_letters(outdir)
    summary.seconds = time.monotonic() - started
    return summary


class HoldsLetters(DoctoolError):
    """--check was pointed at the folder of a batch run."""


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """:func:`~doctool.output.atomic_file` for a CSV report: UTF-8 with a byte order mark,
    so Excel shows £ and accented names as they are."""
    with atomic_file(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        try:
            yield text
        finally:
            text.flush()
            text.detach()


def check_batch(
    records: Iterable[Record],
    outdir: Path,
    profile: str = "england",
    on_progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Read, validate and check every record as a batch run would, and make no letter:
    ``outdir`` gets only the report (``failures.jsonl``, ``failures.csv``, ``warnings.csv``;
    the caller adds the summary). In the summary, ``done`` counts the letters that would be
    made and ``failed`` the records that would fail. One process, no rendering: thousands
    of rows a second. A folder holding a batch run's letters is refused (HoldsLetters), so
    a check never replaces the failures list of letters already made."""
    with hold_outdir(outdir):
        if (outdir / MANIFEST).exists() or (outdir / LETTERS).exists():
            raise HoldsLetters(
                f"{outdir} holds a batch run's letters; a check there would replace that run's list of failures. "
                "Give --check a folder of its own"
            )
        summary = Summary()
        claimed: dict[str, int] = {}
        started = time.monotonic()
        with (
            atomic_file(outdir / FAILURES) as bad,
            atomic_text(outdir / FAILURES_CSV) as bad_csv,
            atomic_text(outdir / WARNINGS_CSV) as warned_csv,
        ):
            reporter = Reporter(bad_csv, warned_csv, getattr(records, "columns", None))
            for rec in records:
                summary.total += 1
                source = reporter.source(rec)
                _reference, _digest, outcome = _screen(rec, claimed)
                if outcome is None:
                    assert rec.raw is not None  # (no raw: always an early failure)
                    outcome = validate_record(rec.raw, rec.line, profile, rec.problems)
                outcome.findings = reporter.annotate(source, outcome.findings)
                if outcome.status == "failed":
                    summary.failed += 1
                    bad.write((outcome.as_json() + "\n").encode())
                else:
                    summary.done += 1
                    summary.warnings += outcome.warnings
                reporter.add(source, outcome.line, outcome.reference, outcome.status == "failed", outcome.findings)
                summary.seconds = time.monotonic() - started
                if on_progress:
                    on_progress(summary)
            _finish_report(summary, reporter)
        summary.seconds = time.monotonic() - started
        return summary
