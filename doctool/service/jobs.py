"""Running batches in the background, behind one small interface.

Routes know only :class:`JobQueue`: ``submit`` a job, ask its ``status``, ``list_for`` a
key's jobs and ``delete`` one. This module's
:class:`LocalJobQueue` (the embedded default) runs jobs in dispatcher threads of the
service process, each calling :func:`doctool.queue.tasks.render_chunk` over the whole
input — the same warm worker-process pool, atomic outputs and resumable manifest as
``doctool batch``. :class:`doctool.queue.redis_backend.RedisJobQueue` has the same methods
and runs the same task body, chunk by chunk, on ``doctool worker`` processes (docs/scaling.md).

Surviving a restart: the job row is in SQLite and the input on disk. A dispatcher holds
an exclusive ``flock`` on the job's folder while it runs the job; the kernel drops the
lock when the process ends, however it ends. At start-up (and every so often), a job
marked ``running`` whose lock nobody holds was left by a process that stopped, so it is
queued again; ``run_batch`` then skips every letter already in the manifest and redoes
only the rest.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from doctool.batch.package import zip_batch
from doctool.batch.records import read_records
from doctool.batch.runner import Summary
from doctool.errors import DoctoolError
from doctool.queue.tasks import Stopping, render_chunk, throttled
from doctool.service.callbacks import CallbackSender
from doctool.service.store import Counts, Job, JobStore

log = logging.getLogger("doctool.service.jobs")

#: A job found abandoned this many times is failed rather than run again (a poison batch).
MAX_ATTEMPTS = 3
INPUT = "input.jsonl"
#: A CSV batch's input, and the mapping (copied from the configured folder) it is read with.
CSV_INPUT = "input.csv"
MAPPING = "mapping.toml"
OUT = "out"
LOCK = ".lock"


class JobQueue(Protocol):
    """What the routes need from a job runner."""

    def start(self) -> None:
        """Begin running jobs (and pick up jobs left by a stopped process)."""

    def stop(self, timeout: float = 60.0) -> None:
        """Stop taking jobs; a running job is left to be resumed after a restart."""

    def submit(
        self, job_id: str, input_path: Path, formats: tuple[str, ...], profile: str, owner: str = "", callback_url: str | None = None
    ) -> None:
        """Record a job and queue it. ``input_path`` is ``<data>/batches/<job_id>/input.jsonl``
        (or ``input.csv`` with ``mapping.toml`` beside it)."""

    def status(self, job_id: str) -> Job | None:
        """The job's row, or None when there is no such job."""

    def list_for(self, owner: str, limit: int, before: tuple[float, str] | None = None) -> list[Job]:
        """The owner's jobs, newest first, at most ``limit``, after the (created, id) ``before``."""

    def delete(self, job_id: str) -> bool:
        """Remove a job that is not running, its row and its folder; False when it is running."""

    def open_count(self, owner: str) -> int:
        """How many of the owner's jobs are queued or running."""

    def health(self) -> dict[str, Any]:
        """``queue`` (embedded, redis), whether it is ``reachable``, and its ``depth``
        (work waiting for a worker), for /healthz and /metrics."""


def batches_dir(data_dir: Path) -> Path:
    return data_dir / "batches"


def job_dir(data_dir: Path, job_id: str) -> Path:
    return batches_dir(data_dir) / job_id


def mapping_of(input_path: Path) -> Path | None:
    """The mapping a CSV input is read with (``mapping.toml`` beside it); None for JSON Lines."""
    return input_path.parent / MAPPING if input_path.suffix == ".csv" else None


def count_records(path: Path) -> int:
    """The records ``read_records`` will yield: non-empty lines of a JSON Lines file, rows
    of a CSV (read with its mapping, exactly as the batch will read it)."""
    mapping = mapping_of(path)
    if mapping is not None:
        return read_records(path, mapping).count
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


@contextmanager
def _job_lock(folder: Path) -> Iterator[bool]:
    """Try to hold the job folder's lock; yields whether we hold it."""
    fh: IO[bytes] | None = None
    try:
        try:
            fh = open(folder / LOCK, "ab")
        except FileNotFoundError:
            yield False
            return
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        if fh is not None:
            fh.close()  # closing the file releases the lock


class LocalJobQueue:
    """Jobs in SQLite, run by dispatcher threads in this process with ``run_batch``."""

    def __init__(
        self,
        store: JobStore,
        data_dir: Path,
        batch_workers: int = 1,
        concurrent: int = 1,
        poll_seconds: float = 1.0,
        recover_seconds: float = 30.0,
        callbacks: CallbackSender | None = None,
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.batch_workers = batch_workers
        self.concurrent = concurrent
        self.poll_seconds = poll_seconds
        self.recover_seconds = recover_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_recover = 0.0
        self._recover_lock = threading.Lock()
        self.callbacks = callbacks

    # --- the interface ----------------------------------------------------------------

    def start(self) -> None:
        if self._threads:
            return
        self._stopping.clear()
        self.recover()
        if self.callbacks is not None:
            self.callbacks.start()
        for n in range(self.concurrent):
            t = threading.Thread(target=self._loop, name=f"doctool-batch-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 60.0) -> None:
        self._stopping.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        if self.callbacks is not None:
            self.callbacks.stop(max(0.0, min(10.0, deadline - time.monotonic())))

    def submit(
        self, job_id: str, input_path: Path, formats: tuple[str, ...], profile: str, owner: str = "", callback_url: str | None = None
    ) -> None:
        self.store.add(job_id, input_path, formats, profile, owner=owner, total=count_records(input_path), callback_url=callback_url)
        self._wake.set()

    def status(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def list_for(self, owner: str, limit: int, before: tuple[float, str] | None = None) -> list[Job]:
        return self.store.owned_by(owner, limit, before)

    def open_count(self, owner: str) -> int:
        return self.store.open_count(owner)

    def health(self) -> dict[str, Any]:
        return {"queue": "embedded", "reachable": True, "depth": len(self.store.with_status("queued"))}

    def delete(self, job_id: str) -> bool:
        """A queued job is removed before any dispatcher can claim it (``claim`` needs the
        row); a finished one at once. A running one is refused: its worker writes there."""
        if not self.store.delete_unless_running(job_id):
            return False
        shutil.rmtree(job_dir(self.data_dir, job_id), ignore_errors=True)
        log.info("batch deleted", extra={"job_id": job_id})
        return True

    def _finished(self, job_id: str) -> None:
        if self.callbacks is not None:
            self.callbacks.notify(job_id)

    # --- recovery ---------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Queue again every ``running`` job whose lock no live process holds."""
        requeued = []
        with self._recover_lock:
            self._last_recover = time.monotonic()
            for job in self.store.with_status("running"):
                with _job_lock(Path(job.input_path).parent) as held:
                    if held and self.store.requeue(job.id):
                        requeued.append(job.id)
                    elif not Path(job.input_path).parent.is_dir():
                        self.store.finish(job.id, "failed", error="the job's folder is missing")
                        self._finished(job.id)
        for job_id in requeued:
            log.info("batch requeued after a restart", extra={"job_id": job_id})
        if requeued:
            self._wake.set()
        return requeued

    # --- the dispatcher ---------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            if time.monotonic() - self._last_recover > self.recover_seconds:
                self.recover()
            ran = False
            for job in self.store.with_status("queued"):
                if self._stopping.is_set():
                    return
                if self._try_run(job):
                    ran = True
                    break
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _try_run(self, job: Job) -> bool:
        folder = Path(job.input_path).parent
        with _job_lock(folder) as held:
            if not held or not self.store.claim(job.id):
                return False
            job = self.store.get(job.id) or job
            if job.attempts > MAX_ATTEMPTS:
                self.store.finish(job.id, "failed", error=f"the batch was interrupted {MAX_ATTEMPTS} times without finishing")
                Path(job.input_path).unlink(missing_ok=True)
                self._finished(job.id)
                return True
            self._run(job, folder)
        return True

    def _run(self, job: Job, folder: Path) -> None:
        started = time.monotonic()
        input_path = Path(job.input_path)
        try:
            summary = render_chunk(input_path, folder / OUT, job.formats, job.profile, self.batch_workers, on_progress=self._progress(job))
            result = zip_batch(folder / OUT)
        except Stopping:
            log.info("batch paused by shutdown; it resumes after a restart", extra={"job_id": job.id})
            return  # the row stays 'running'; recover() queues it again after the restart
        except DoctoolError as exc:
            self.store.finish(job.id, "failed", error=exc.message)
            input_path.unlink(missing_ok=True)
            log.warning("batch failed", extra={"job_id": job.id, "error_type": type(exc).__name__})
            self._finished(job.id)
            return
        except Exception as exc:  # noqa: BLE001 - a bug: record it without data
            self.store.finish(job.id, "failed", error=f"internal error ({type(exc).__name__})")
            input_path.unlink(missing_ok=True)
            log.error("batch failed", extra={"job_id": job.id, "error_type": type(exc).__name__})
            self._finished(job.id)
            return
        counts: Counts = {"total": summary.total, "done": summary.done, "skipped": summary.skipped, "failed": summary.failed}
        self.store.finish(job.id, "done", result_path=result, **counts)
        input_path.unlink(missing_ok=True)  # the input's personal data is needed only until the job ends
        log.info(
            "batch done",
            extra={"job_id": job.id, **counts, "duration_ms": round((time.monotonic() - started) * 1000)},
        )
        self._finished(job.id)

    def _progress(self, job: Job) -> Callable[[Summary], None]:
        def report(s: Summary) -> None:
            self.store.progress(job.id, max(job.total, s.total), s.done, s.skipped, s.failed)

        return throttled(report, self._stopping)


def make_job_folder(data_dir: Path, job_id: str) -> Path:
    """``<data>/batches/<job_id>/`` created private to the service's user."""
    folder = job_dir(data_dir, job_id)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder
