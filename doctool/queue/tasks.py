"""The work of a batch, the same in both queues: render a chunk, then put the chunks together.

:func:`render_chunk` is the one task body. It runs :func:`doctool.batch.runner.run_batch`
over records ``start``..``stop`` of the job's input into a folder of the chunk's own, so a
chunk redone after its worker died keeps every letter already in its manifest and
verified by hash, and renders only the rest. The embedded queue runs a batch as a single
chunk straight into ``out/``; the Redis queue splits it (:func:`plan_chunks`) so several
workers take chunks at once, and when every chunk is finished :func:`assemble` writes
``out/`` as one run would have: one manifest and one failures list in input order, the
letters (each checked against its manifest hash) and the CSV reports.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctool.batch.records import Record, Records, read_records
from doctool.batch.report import FAILURES_CSV, WARNINGS_CSV
from doctool.batch.runner import FAILURES, LETTERS, MANIFEST, Summary, _peek_reference, atomic_text, run_batch, sha256_file
from doctool.errors import DoctoolError
from doctool.output import atomic_file, read_json_lines, safe_name

CHUNKS = "chunks"


class ChunkMissing(DoctoolError):
    """A chunk's output is not where its manifest says (the shared folder lost a file)."""



class Stopping(Exception):
    """Raised from a batch's progress callback to unwind ``run_batch`` between letters when
    the process is asked to stop (a service shutting down, a worker's SIGTERM)."""


def throttled(report: Callable[[Summary], None], stopping: threading.Event, seconds: float = 0.25) -> Callable[[Summary], None]:
    """A progress callback: :class:`Stopping` once ``stopping`` is set, else ``report`` at
    most once every ``seconds`` (progress is for people watching, not for every letter)."""
    last = [0.0]

    def update(s: Summary) -> None:
        if stopping.is_set():
            raise Stopping
        now = time.monotonic()
        if now - last[0] >= seconds:
            last[0] = now
            report(s)

    return update

@dataclass(frozen=True)
class Chunk:
    """Records ``start``..``stop`` (0-based, stop excluded) of a batch's input, and the file
    stems records before them already use (stem -> line), so a repeat in this chunk fails."""

    index: int
    start: int
    stop: int
    claimed: dict[str, int]

    def as_args(self) -> dict[str, Any]:
        return {"index": self.index, "start": self.start, "stop": self.stop, "claimed": self.claimed}


class Slice:
    """Records ``start``..``stop`` of a batch's input, with the input's CSV columns (the
    report names them) and line numbers as in the whole file."""

    def __init__(self, records: Records, start: int, stop: int | None) -> None:
        self.records, self.start, self.stop = records, start, stop
        self.columns = records.columns
        self.unused = records.unused

    def __iter__(self) -> Iterator[Record]:
        return itertools.islice(iter(self.records), self.start, self.stop)


def input_records(input_path: Path) -> Records:
    """The job's input as ``doctool batch`` reads it (a CSV with ``mapping.toml`` beside it)."""
    return read_records(input_path, input_path.parent / "mapping.toml" if input_path.suffix == ".csv" else None)


def chunk_dir(job_folder: Path, index: int) -> Path:
    return job_folder / CHUNKS / f"{index:06d}"


def plan_chunks(input_path: Path, size: int) -> list[Chunk]:
    """The batch cut into chunks of ``size`` records. One pass over the input finds the
    references used in more than one chunk, so the later use still fails as a repeat."""
    first: dict[str, int] = {}  # stem -> (line of its first use)
    owner: dict[str, int] = {}  # stem -> chunk of its first use
    claimed: list[dict[str, int]] = []
    for seq, rec in enumerate(input_records(input_path)):
        index = seq // size
        if index == len(claimed):
            claimed.append({})
        if rec.raw is None:
            continue
        stem = safe_name(_peek_reference(rec.raw), fallback=f"line-{rec.line}")
        if stem not in first:
            first[stem], owner[stem] = rec.line, index
        elif owner[stem] != index:
            claimed[index][stem] = first[stem]
    return [Chunk(i, i * size, (i + 1) * size, c) for i, c in enumerate(claimed)]


def render_chunk(
    input_path: Path,
    outdir: Path,
    formats: tuple[str, ...],
    profile: str,
    workers: int,
    chunk: Chunk | None = None,
    on_progress: Callable[[Summary], None] | None = None,
    lock: bool = True,
) -> Summary:
    """Render a chunk of the job's input (None: all of it) into ``outdir`` with ``run_batch``."""
    records = input_records(input_path)
    if chunk is None:
        return run_batch(records, outdir, formats, workers, profile, on_progress, lock=lock)
    part = Slice(records, chunk.start, chunk.stop)
    return run_batch(part, outdir, formats, workers, profile, on_progress, lock=lock, claimed=chunk.claimed)


def place_checked(source: Path, target: Path, sha256: str) -> None:
    """``target`` becomes a checked copy of ``source`` (a hard link where the folder allows)."""
    if target.is_file() and sha256_file(target) == sha256:
        return
    if not source.is_file() or sha256_file(source) != sha256:
        raise ChunkMissing(f"a letter of the batch ({source.name}) is missing or does not match its manifest hash")
    part = target.with_name(f".{target.name}.link.part")
    part.unlink(missing_ok=True)
    try:
        os.link(source, part)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, part)
    os.replace(part, target)


def _rows(path: Path) -> Iterator[list[str]]:
    if path.is_file():
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield from csv.reader(fh)


def assemble(job_folder: Path, chunks: int, outdir: Path) -> Summary:
    """``outdir`` as one run over the whole input would leave it, from the finished chunks.
    Safe to run again (a second run finds every letter in place and writes the same files)."""
    summary = Summary()
    (outdir / LETTERS).mkdir(parents=True, exist_ok=True)
    with (
        atomic_file(outdir / MANIFEST) as good,
        atomic_file(outdir / FAILURES) as bad,
        atomic_text(outdir / FAILURES_CSV) as bad_csv,
        atomic_text(outdir / WARNINGS_CSV) as warned_csv,
    ):
        writers = {FAILURES_CSV: csv.writer(bad_csv), WARNINGS_CSV: csv.writer(warned_csv)}
        for index in range(chunks):
            folder = chunk_dir(job_folder, index)
            if not (folder / MANIFEST).is_file():
                raise ChunkMissing(f"chunk {index} of the batch has no manifest")
            for entry in read_json_lines(folder / MANIFEST):
                for out in entry["outputs"]:
                    place_checked(folder / out["path"], outdir / out["path"], out["sha256"])
                status = entry.get("status", "done")
                setattr(summary, status, getattr(summary, status) + 1)
                summary.warnings += sum(1 for f in entry.get("findings", []) if f.get("severity") == "warning")
                good.write(_line(entry))
            for entry in read_json_lines(folder / FAILURES):
                summary.failed += 1
                bad.write(_line(entry))
            for name, writer in writers.items():
                rows = _rows(folder / name)
                header = next(rows, None)
                if index == 0 and header is not None:
                    writer.writerow(header)
                writer.writerows(rows)
    summary.total = summary.done + summary.skipped + summary.failed
    return summary


def _line(entry: dict[str, Any]) -> bytes:
    """A manifest line as the runner writes it (its own JSON, one line)."""
    return (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode()
