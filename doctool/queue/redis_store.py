"""Job rows in Redis, so every replica of the service and every worker sees the same jobs.

The same rows as the SQLite :class:`doctool.service.store.JobStore` (no personal data: ids,
the key's hash, times, counts, paths), one hash per job, with sorted sets by creation time
for listing. Status changes that must happen once (queued -> running, -> done or failed,
delete unless running) are Lua scripts, which Redis runs atomically: no file locks, so the
data folder can be on shared storage. A chunk's progress, its lease (which worker holds
it) and whether it is finished are keys of their own beside the job.
"""

from __future__ import annotations

import time
from dataclasses import fields
from typing import Any, Unpack, cast

import redis

from doctool.service.store import Counts, Job

PREFIX = "doctool"
_COUNTS = ("total", "done", "skipped", "failed")
_INTS = {*_COUNTS, "attempts", "callback_attempts"}
_FLOATS = {"created", "started", "finished", "callback_at"}
_FIELDS = {f.name for f in fields(Job)}

#: ARGV[1]: the statuses the job may be in (comma-separated); ARGV[2..]: field, value pairs.
_MOVE = """
local s = redis.call('HGET', KEYS[1], 'status')
if not s or not string.find(',' .. ARGV[1] .. ',', ',' .. s .. ',', 1, true) then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
return 1
"""

#: KEYS: job hash, all-jobs set, metrics hash. Finishes a job once; counts its records once.
_FINISH = """
local s = redis.call('HGET', KEYS[1], 'status')
if s ~= 'queued' and s ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 1))
redis.call('HINCRBY', KEYS[3], 'batches_' .. redis.call('HGET', KEYS[1], 'status'), 1)
for _, name in ipairs({'done', 'skipped', 'failed'}) do
  redis.call('HINCRBY', KEYS[3], 'records_' .. name, tonumber(redis.call('HGET', KEYS[1], name) or '0'))
end
return 1
"""

#: KEYS: the job hash, then its other keys; ARGV: allow 'running' (1) or not (0), the prefix.
_DELETE = """
local s = redis.call('HGET', KEYS[1], 'status')
if not s or (s == 'running' and ARGV[1] == '0') then return 0 end
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
local id = redis.call('HGET', KEYS[1], 'id')
redis.call('ZREM', ARGV[2] .. ':jobs', id)
redis.call('ZREM', ARGV[2] .. ':owner:' .. owner, id)
redis.call('DEL', unpack(KEYS))
return 1
"""
#: A job's keys beside its hash: chunk counts, finished chunks, attempts, the chunk count.
_PARTS = ("progress", "finished", "attempts", "chunks")


class RedisJobStore:
    """The job store's operations on Redis (see :class:`doctool.service.store.JobStore`)."""

    def __init__(self, client: redis.Redis, prefix: str = PREFIX) -> None:
        self.client, self.prefix = client, prefix
        self._move = client.register_script(_MOVE)
        self._finish = client.register_script(_FINISH)
        self._delete = client.register_script(_DELETE)

    def key(self, job_id: str, *parts: str) -> str:
        return ":".join((self.prefix, "job", job_id, *parts))

    # --- the rows ------------------------------------------------------------------------

    def add(
        self, job_id: str, input_path: Any, formats: tuple[str, ...], profile: str, owner: str = "", total: int = 0,
        callback_url: str | None = None,
    ) -> None:
        created = time.time()
        row: dict[str, str | int] = {
            "id": job_id, "owner": owner, "created": repr(created), "status": "queued", "input_path": str(input_path),
            "formats": ",".join(formats), "profile": profile, "total": total, "done": 0, "skipped": 0, "failed": 0,
            "attempts": 0, "callback_attempts": 0,
        }
        if callback_url:
            row |= {"callback_url": callback_url, "callback_status": "pending"}
        with self.client.pipeline() as pipe:  # MULTI: the row and its listings appear together
            pipe.hset(self.key(job_id), mapping=cast(Any, row))  # (redis-py types its keys invariantly)
            pipe.zadd(f"{self.prefix}:jobs", {job_id: created})
            pipe.zadd(f"{self.prefix}:owner:{owner}", {job_id: created})
            pipe.execute()

    def get(self, job_id: str) -> Job | None:
        with self.client.pipeline() as pipe:
            pipe.hgetall(self.key(job_id))
            pipe.hgetall(self.key(job_id, "progress"))
            row, progress = pipe.execute()
        return _job(row, progress) if row else None

    def _many(self, ids: list[str]) -> list[Job]:
        with self.client.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hgetall(self.key(job_id))
                pipe.hgetall(self.key(job_id, "progress"))
            found = pipe.execute()
        return [_job(row, progress) for row, progress in zip(found[::2], found[1::2]) if row]

    def _all(self) -> list[Job]:
        return self._many([_text(i) for i in cast(list[bytes], self.client.zrange(f"{self.prefix}:jobs", 0, -1))])

    def with_status(self, *statuses: str) -> list[Job]:
        return [j for j in self._all() if j.status in statuses]

    def ids(self) -> set[str]:
        return {_text(i) for i in cast(list[bytes], self.client.zrange(f"{self.prefix}:jobs", 0, -1))}

    def owned_by(self, owner: str, limit: int, before: tuple[float, str] | None = None) -> list[Job]:
        """Newest first, by (created, id), as the SQLite store orders them."""
        top = f"({before[0]!r}" if before is not None else "+inf"
        ids = [_text(i) for i in cast(list[bytes], self.client.zrevrangebyscore(f"{self.prefix}:owner:{owner}", top, "-inf"))]
        if before is not None:  # the same created time: by id, after the cursor's
            same = [_text(i) for i in cast(list[bytes], self.client.zrangebyscore(f"{self.prefix}:owner:{owner}", before[0], before[0]))]
            ids = sorted((i for i in same if i < before[1]), reverse=True) + ids
        jobs = self._many(ids[: limit * 2 + 10])
        jobs.sort(key=lambda j: (j.created, j.id), reverse=True)
        return jobs[:limit]

    def open_count(self, owner: str) -> int:
        ids = [_text(i) for i in cast(list[bytes], self.client.zrange(f"{self.prefix}:owner:{owner}", 0, -1))]
        return sum(1 for j in self._many(ids) if j.status in ("queued", "running"))

    def finished_before(self, cutoff: float) -> list[Job]:
        return [j for j in self.with_status("done", "failed") if j.finished is not None and j.finished < cutoff]

    def callbacks_pending(self) -> list[Job]:
        return sorted((j for j in self.with_status("done", "failed") if j.callback_status == "pending"), key=lambda j: j.finished or 0)

    # --- changes -------------------------------------------------------------------------

    def move(self, job_id: str, allowed: str, **fields: Any) -> bool:
        """Set ``fields`` when the job's status is one of ``allowed`` (comma-separated)."""
        args: list[Any] = [allowed]
        for name, value in fields.items():
            args += [name, repr(value) if isinstance(value, float) else value]
        return bool(self._move(keys=[self.key(job_id)], args=args))

    def claim(self, job_id: str) -> bool:
        """queued -> running; False if the job is not queued (taken, finished or deleted)."""
        if not self.move(job_id, "queued", status="running", started=time.time()):
            return False
        self.client.hincrby(self.key(job_id), "attempts", 1)
        return True

    def requeue(self, job_id: str) -> bool:
        return self.move(job_id, "running", status="queued")

    def progress(self, job_id: str, total: int, done: int, skipped: int, failed: int) -> None:
        self.move(job_id, "queued,running", total=total, done=done, skipped=skipped, failed=failed)

    def chunk_progress(self, job_id: str, index: int, done: int, skipped: int, failed: int) -> None:
        """A chunk's counts so far; a running job's counts are their sums."""
        self.client.hset(self.key(job_id, "progress"), str(index), f"{done},{skipped},{failed}")

    def finish_once(
        self, job_id: str, status: str, result_path: Any = None, error: str | None = None, **counts: Unpack[Counts]
    ) -> bool:
        """queued or running -> ``status``; False when the job had already finished (or is gone)."""
        assert status in ("done", "failed")
        fields: list[Any] = ["status", status, "finished", repr(time.time())]
        fields += ["result_path", str(result_path)] if result_path else []
        fields += ["error", error] if error else []
        for name, value in counts.items():
            fields += [name, int(cast(int, value))]
        keys = [self.key(job_id), f"{self.prefix}:jobs", f"{self.prefix}:metrics"]
        return bool(self._finish(keys=keys, args=fields))

    def finish(self, job_id: str, status: str, result_path: Any = None, error: str | None = None, **counts: Unpack[Counts]) -> None:
        self.finish_once(job_id, status, result_path, error, **counts)

    def _keys(self, job_id: str) -> list[str]:
        return [self.key(job_id), *(self.key(job_id, part) for part in _PARTS)]

    def delete(self, job_id: str) -> None:
        self._delete(keys=self._keys(job_id), args=["1", self.prefix])

    def delete_unless_running(self, job_id: str) -> bool:
        return bool(self._delete(keys=self._keys(job_id), args=["0", self.prefix]))

    def callback_result(self, job_id: str, status: str, attempts: int, error: str | None) -> None:
        fields: dict[str, Any] = {"callback_status": status, "callback_attempts": attempts, "callback_at": repr(time.time())}
        if error:
            fields["callback_error"] = error
        self.move(job_id, "queued,running,done,failed", **fields)

    def totals(self) -> dict[str, int]:
        """Counters since this Redis began: batches and records finished, by outcome."""
        raw = cast(dict[bytes, bytes], self.client.hgetall(f"{self.prefix}:metrics"))
        return {_text(k): int(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _job(row: dict[bytes, bytes], progress: dict[bytes, bytes]) -> Job:
    data: dict[str, Any] = {}
    for key, raw in row.items():
        name, value = _text(key), _text(raw)
        data[name] = int(value) if name in _INTS else float(value) if name in _FLOATS else value
    data["formats"] = tuple(f for f in data.get("formats", "").split(",") if f)
    if progress and data.get("status") == "running":  # a running job: the sums of its chunks
        sums = [sum(int(_text(v).split(",")[i]) for v in progress.values()) for i in range(3)]
        data["done"], data["skipped"], data["failed"] = sums
    defaults: dict[str, Any] = {"started": None, "finished": None, "result_path": None, "error": None}
    return Job(**{k: v for k, v in {**defaults, **data}.items() if k in _FIELDS})
