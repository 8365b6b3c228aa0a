"""Deleting generated files after the retention time.

Single renders are never written to disk (they go straight back in the response), so
what is kept is each batch's folder: its input until the batch finishes, then its
letters, manifest and zip. A finished batch older than the retention time is deleted,
folder and row; so is any folder without a row (an upload that never became a job).
Queued and running batches are never touched.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from doctool.service.jobs import batches_dir
from doctool.service.store import JobRows

log = logging.getLogger("doctool.service.retention")


def sweep(store: JobRows, data_dir: Path, retention_seconds: float, now: float | None = None) -> list[str]:
    """Delete what is older than the retention time; returns the job ids removed."""
    now = time.time() if now is None else now
    cutoff = now - retention_seconds
    removed = []
    for job in store.finished_before(cutoff):
        shutil.rmtree(batches_dir(data_dir) / job.id, ignore_errors=True)
        store.delete(job.id)
        removed.append(job.id)
    folder = batches_dir(data_dir)
    if folder.is_dir():
        known = store.ids()
        for child in folder.iterdir():
            if child.name in known:
                continue
            try:
                age_from = child.stat().st_mtime
            except FileNotFoundError:
                continue
            if age_from < cutoff:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
                removed.append(child.name)
    if removed:
        log.info("retention removed old batches", extra={"total": len(removed)})
    return removed


class RetentionSweeper:
    """Runs :func:`sweep` now and then every ``interval`` seconds in a daemon thread."""

    def __init__(self, store: JobRows, data_dir: Path, retention_seconds: float, interval: float) -> None:
        self.store, self.data_dir = store, data_dir
        self.retention_seconds, self.interval = retention_seconds, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="doctool-retention", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sweep(self.store, self.data_dir, self.retention_seconds)
            except Exception as exc:  # noqa: BLE001 - keep sweeping next time
                log.error("retention sweep failed", extra={"error_type": type(exc).__name__})
            self._stop.wait(self.interval)
