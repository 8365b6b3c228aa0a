"""The job store: one SQLite file in the data folder, so batches survive a restart.

Rows hold no personal data: an id, the hash of the key that submitted the job, times,
the status, counts, the result's path, and the caller's callback URL with how its
delivery went. Every service process (uvicorn workers) shares
the file; a job is claimed with one conditional UPDATE, so two processes never run the
same job at once.

Statuses: ``queued`` -> ``running`` -> ``done`` | ``failed``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict, Unpack

STATUSES = ("queued", "running", "done", "failed")


class Counts(TypedDict, total=False):
    """A finished batch's record counts, as :meth:`JobStore.finish` stores them."""

    total: int
    done: int
    skipped: int
    failed: int


_COUNTS: tuple[Literal["total", "done", "skipped", "failed"], ...] = ("total", "done", "skipped", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL DEFAULT '',
    created     REAL NOT NULL,
    started     REAL,
    finished    REAL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    input_path  TEXT NOT NULL,
    formats     TEXT NOT NULL,
    profile     TEXT NOT NULL,
    total       INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,
    result_path TEXT,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created);
"""

#: Columns added after the first release: added to an older database when it is opened.
_ADDED = {
    "callback_url": "TEXT",
    "callback_status": "TEXT",  # pending | delivered | failed (None: no callback asked for)
    "callback_attempts": "INTEGER NOT NULL DEFAULT 0",
    "callback_error": "TEXT",
    "callback_at": "REAL",
}


@dataclass(frozen=True)
class Job:
    id: str
    owner: str
    created: float
    started: float | None
    finished: float | None
    status: str
    input_path: str
    formats: tuple[str, ...]
    profile: str
    total: int
    done: int
    skipped: int
    failed: int
    attempts: int
    result_path: str | None
    error: str | None
    callback_url: str | None = None
    callback_status: str | None = None
    callback_attempts: int = 0
    callback_error: str | None = None
    callback_at: float | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        data = dict(row)
        data["formats"] = tuple(f for f in data["formats"].split(",") if f)
        return cls(**data)


class JobRows(Protocol):
    """What callbacks, retention and metrics need of a job store: this module's SQLite
    :class:`JobStore`, or :class:`doctool.queue.redis_store.RedisJobStore` for several machines."""

    def get(self, job_id: str) -> Job | None: ...
    def with_status(self, *statuses: str) -> list[Job]: ...
    def finished_before(self, cutoff: float) -> list[Job]: ...
    def delete(self, job_id: str) -> None: ...
    def ids(self) -> set[str]: ...
    def callback_result(self, job_id: str, status: str, attempts: int, error: str | None) -> None: ...
    def callbacks_pending(self) -> list[Job]: ...


class JobStore:
    """A thin, thread-safe wrapper: a fresh connection per operation, WAL journal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
            for name, kind in _ADDED.items():
                if name not in have:
                    try:
                        db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
                    except sqlite3.OperationalError as exc:  # another process added it first
                        if "duplicate column" not in str(exc):
                            raise

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=30000")
        try:
            yield db
        finally:
            db.close()

    def add(
        self,
        job_id: str,
        input_path: Path,
        formats: tuple[str, ...],
        profile: str,
        owner: str = "",
        total: int = 0,
        callback_url: str | None = None,
    ) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs (id, owner, created, status, input_path, formats, profile, total, callback_url, callback_status) "
                "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
                (job_id, owner, time.time(), str(input_path), ",".join(formats), profile, total,
                 callback_url, "pending" if callback_url else None),
            )

    def get(self, job_id: str) -> Job | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.from_row(row) if row else None

    def with_status(self, *statuses: str) -> list[Job]:
        marks = ",".join("?" for _ in statuses)
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE status IN ({marks}) ORDER BY created", statuses).fetchall()
        return [Job.from_row(r) for r in rows]

    def claim(self, job_id: str) -> bool:
        """queued -> running, atomically; False if another process got there first."""
        with self._connect() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'running', started = ?, attempts = attempts + 1 WHERE id = ? AND status = 'queued'",
                (time.time(), job_id),
            )
            return cur.rowcount == 1

    def requeue(self, job_id: str) -> bool:
        """running -> queued (a job whose process stopped before it finished)."""
        with self._connect() as db:
            cur = db.execute("UPDATE jobs SET status = 'queued' WHERE id = ? AND status = 'running'", (job_id,))
            return cur.rowcount == 1

    def progress(self, job_id: str, total: int, done: int, skipped: int, failed: int) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET total = ?, done = ?, skipped = ?, failed = ? WHERE id = ?",
                (total, done, skipped, failed, job_id),
            )

    def finish(
        self, job_id: str, status: str, result_path: Path | None = None, error: str | None = None, **counts: Unpack[Counts]
    ) -> None:
        assert status in ("done", "failed")
        sets = ["status = ?", "finished = ?", "result_path = ?", "error = ?"]
        params: list[Any] = [status, time.time(), str(result_path) if result_path else None, error]
        for name in _COUNTS:
            if name in counts:
                sets.append(f"{name} = ?")
                params.append(int(counts[name]))
        with self._connect() as db:
            db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", (*params, job_id))

    def finished_before(self, cutoff: float) -> list[Job]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE status IN ('done', 'failed') AND finished < ?", (cutoff,)
            ).fetchall()
        return [Job.from_row(r) for r in rows]

    def delete(self, job_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def delete_unless_running(self, job_id: str) -> bool:
        """Delete a queued or finished job's row; False when it is running (or gone).
        A queued job deleted here can no longer be claimed: ``claim`` finds no row."""
        with self._connect() as db:
            cur = db.execute("DELETE FROM jobs WHERE id = ? AND status != 'running'", (job_id,))
            return cur.rowcount == 1

    def owned_by(self, owner: str, limit: int, before: tuple[float, str] | None = None) -> list[Job]:
        """The owner's jobs, newest first; ``before`` (created, id) continues a listing."""
        sql, params = "SELECT * FROM jobs WHERE owner = ?", [owner]  # type: tuple[str, list[Any]]
        if before is not None:
            sql += " AND (created < ? OR (created = ? AND id < ?))"
            params += [before[0], before[0], before[1]]
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY created DESC, id DESC LIMIT ?", (*params, limit)).fetchall()
        return [Job.from_row(r) for r in rows]

    def open_count(self, owner: str) -> int:
        with self._connect() as db:
            row = db.execute("SELECT COUNT(*) FROM jobs WHERE owner = ? AND status IN ('queued', 'running')", (owner,)).fetchone()
        return int(row[0])

    def callback_result(self, job_id: str, status: str, attempts: int, error: str | None) -> None:
        """Record how a callback's delivery went: ``pending`` (retrying), ``delivered`` or ``failed``."""
        with self._connect() as db:
            db.execute(
                "UPDATE jobs SET callback_status = ?, callback_attempts = ?, callback_error = ?, callback_at = ? WHERE id = ?",
                (status, attempts, error, time.time(), job_id),
            )

    def callbacks_pending(self) -> list[Job]:
        """Finished jobs whose callback has not been delivered nor given up on."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE status IN ('done', 'failed') AND callback_status = 'pending' ORDER BY finished"
            ).fetchall()
        return [Job.from_row(r) for r in rows]

    def ids(self) -> set[str]:
        with self._connect() as db:
            return {r[0] for r in db.execute("SELECT id FROM jobs")}
