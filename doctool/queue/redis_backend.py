"""Batches on Redis with Dramatiq: the service enqueues, ``doctool worker`` processes render.

Three actors, all on one queue: ``plan`` cuts a job into chunks (:func:`plan_chunks`),
``chunk`` renders one with :func:`render_chunk` (the embedded queue's own task body), and
``assemble``, sent when the last chunk is finished, writes ``out/`` and the zip.

Why a killed worker loses nothing. Dramatiq's RedisBroker acknowledges late: ``fetch``
moves a message id into the worker's own ack set, and only ``ack`` (after the actor
returns) removes it. Every command a worker sends refreshes its heartbeat, and queue
maintenance moves the ack set of any worker silent for ``heartbeat_timeout`` back onto the
queue (dramatiq 2.2.1, ``dramatiq/brokers/redis/dispatch.lua``: "Maintenance moves any
unacked messages belonging to dead workers back to their queues", the ``do_maintenance``
branch). So a chunk whose worker was SIGKILLed is delivered again to another worker, which
finds the letters the dead one finished in the chunk's manifest, checks them by hash and
renders the rest. Maintenance runs on ``maintenance_chance`` out of a million commands
(``DOCTOOL_QUEUE_MAINTENANCE``); idle workers poll, so it runs within seconds.

The same message can also reach two workers (a plan delivered again, a worker that was
only slow): a chunk's Redis lease (``SET NX PX``, kept alive while it runs) gives it to one
worker at a time, and a finished chunk is never rendered again.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, CurrentMessage, Pipelines, Retries, TimeLimit

from doctool.batch.package import zip_batch
from doctool.batch.runner import Summary
from doctool.errors import DoctoolError
from doctool.queue.redis_store import RedisJobStore
from doctool.queue.tasks import CHUNKS, Chunk, Stopping, assemble, chunk_dir, plan_chunks, render_chunk, throttled
from doctool.service.callbacks import CallbackSender
from doctool.service.jobs import OUT, count_records, job_dir
from doctool.service.settings import Settings
from doctool.service.store import Job

log = logging.getLogger("doctool.queue")

QUEUE = "doctool"
NAMESPACE = "doctool-queue"
#: A chunk started this many times without finishing (its worker died each time) fails its batch.
MAX_ATTEMPTS = 3
#: Longest a chunk may run (Dramatiq's TimeLimit); a chunk of 100 PDF letters takes about 30 s.
TIME_LIMIT_MS = 3 * 3600 * 1000
#: How long a worker keeps trying Redis while it is away (a restart) before giving up a write.
OUTAGE_SECONDS = 120.0

T = TypeVar("T")


def patiently(call: Callable[[], T], seconds: float = OUTAGE_SECONDS) -> T:
    """``call()``, tried again while Redis is unreachable (restarting), up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except (redis.ConnectionError, redis.TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class Lease:
    """One worker at a time for a chunk: ``SET key token NX PX ttl``, renewed by a thread."""

    _RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
    _DROP = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

    def __init__(self, client: redis.Redis, key: str, ttl_ms: int) -> None:
        self.client, self.key, self.ttl_ms = client, key, ttl_ms
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"  # which worker holds it, for people
        self._done = threading.Event()

    @contextmanager
    def held(self) -> Iterator[bool]:
        if not patiently(lambda: self.client.set(self.key, self.token, nx=True, px=self.ttl_ms)):
            yield False
            return
        keeper = threading.Thread(target=self._renew, name="doctool-lease", daemon=True)
        keeper.start()
        try:
            yield True
        finally:
            self._done.set()
            keeper.join()
            patiently(lambda: self.client.eval(self._DROP, 1, self.key, self.token))

    def _renew(self) -> None:
        while not self._done.wait(self.ttl_ms / 3000):
            try:
                self.client.eval(self._RENEW, 1, self.key, self.token, str(self.ttl_ms))
            except redis.RedisError:
                continue  # Redis is restarting: the lease is kept with it (appendonly) or taken again


class Backend:
    """The broker, the job store and the actors, built from the service's settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = redis.Redis.from_url(settings.queue_url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=10)
        self.store = RedisJobStore(self.client)
        self.lease_ms = max(1000, int(settings.heartbeat_seconds * 1000))
        self.broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=settings.queue_url,
            namespace=NAMESPACE,
            heartbeat_timeout=int(settings.heartbeat_seconds * 1000),
            maintenance_chance=settings.queue_maintenance,
            middleware=[
                AgeLimit(), TimeLimit(time_limit=TIME_LIMIT_MS), Callbacks(), Pipelines(), CurrentMessage(),
                Retries(max_retries=settings.max_retries, min_backoff=1000, max_backoff=30_000),
            ],
        )
        self.stopping = threading.Event()
        self.callbacks: CallbackSender | None = None
        if settings.callback_secret:
            self.callbacks = CallbackSender(self.store, settings.callback_secret, settings.callback_allow_loopback,
                                            settings.callback_attempts, settings.callback_backoff)

        def declare(fn: Callable[..., None], name: str) -> dramatiq.Actor[Any, None]:
            decorator = dramatiq.actor(actor_name=name, broker=self.broker, queue_name=QUEUE, max_retries=settings.max_retries,
                                       retry_when=self._retry_when, on_retry_exhausted="doctool_give_up")
            return cast(dramatiq.Actor[Any, None], decorator(fn))

        self.plan = declare(self._plan, "doctool_plan")
        self.chunk = declare(self._chunk, "doctool_chunk")
        self.assemble = declare(self._assemble, "doctool_assemble")
        dramatiq.actor(actor_name="doctool_give_up", broker=self.broker, queue_name=QUEUE, max_retries=0)(self._give_up)

    def _retry_when(self, retries: int, exc: BaseException) -> bool:
        """A chunk put back by a stopping worker (Retry) always goes back; an error, up to the limit."""
        return isinstance(exc, dramatiq.Retry) or retries < self.settings.max_retries

    # --- where things are ----------------------------------------------------------------

    def folder(self, job_id: str) -> Path:
        """The job's folder on this machine (the data folder may be mounted elsewhere on each)."""
        return job_dir(self.settings.data_dir, job_id)

    def input_of(self, job: Job) -> Path:
        return self.folder(job.id) / Path(job.input_path).name

    def queue_depth(self) -> int:
        """Messages waiting for a worker (chunks, plans, assemblies), delayed retries too."""
        base = f"{NAMESPACE}:{QUEUE}"
        with self.client.pipeline(transaction=False) as pipe:
            pipe.llen(base)
            pipe.zcard(f"{base}.DQ")
            waiting, delayed = pipe.execute()
        return int(waiting) + int(delayed)

    # --- the actors ----------------------------------------------------------------------

    def _plan(self, job_id: str) -> None:
        job = patiently(lambda: self.store.get(job_id))
        if job is None or job.status in ("done", "failed"):
            return  # deleted, or finished by an earlier delivery
        self.store.claim(job_id)  # a plan delivered again finds the job running: it plans again
        try:
            chunks = plan_chunks(self.input_of(job), self.settings.chunk_size)
        except DoctoolError as exc:
            self._fail(job_id, exc.message)
            return
        patiently(lambda: self.client.set(self.store.key(job_id, "chunks"), len(chunks)))
        for chunk in chunks:
            patiently(lambda c=chunk: self.chunk.send(job_id, c.as_args()))  # type: ignore[misc]
        if not chunks:
            self.assemble.send(job_id)
        log.info("batch planned", extra={"job_id": job_id, "total": len(chunks)})

    def _chunk(self, job_id: str, args: dict[str, Any]) -> None:
        chunk = Chunk(**args)
        job = patiently(lambda: self.store.get(job_id))
        if job is None or job.status != "running":
            return
        finished = self.store.key(job_id, "finished")
        if not patiently(lambda: self.client.sismember(finished, str(chunk.index))):
            with Lease(self.client, self.store.key(job_id, "lease", str(chunk.index)), self.lease_ms).held() as mine:
                if not mine:  # another worker has it: look again once it may have finished
                    raise dramatiq.Retry(delay=self.lease_ms)
                if not self._render(job, chunk):
                    return
                patiently(lambda: self.client.sadd(finished, chunk.index))
        done = patiently(lambda: self.client.scard(finished))
        planned = patiently(lambda: self.client.get(self.store.key(job_id, "chunks")))
        if planned is not None and int(done) >= int(planned):
            patiently(lambda: self.assemble.send(job_id))

    def _render(self, job: Job, chunk: Chunk) -> bool:
        """Render the chunk; False when its batch has failed instead."""
        attempts = self.store.key(job.id, "attempts")
        if int(patiently(lambda: self.client.hincrby(attempts, str(chunk.index), 1))) > MAX_ATTEMPTS:
            self._fail(job.id, f"a part of the batch was interrupted {MAX_ATTEMPTS} times without finishing")
            return False
        try:
            summary = render_chunk(
                self.input_of(job), chunk_dir(self.folder(job.id), chunk.index), job.formats, job.profile,
                self.settings.batch_workers, chunk, on_progress=self._progress(job.id, chunk.index), lock=False,
            )
        except Stopping:
            patiently(lambda: self.client.hincrby(attempts, str(chunk.index), -1))  # a clean stop is no failed attempt
            log.info("chunk put back by a stopping worker", extra={"job_id": job.id})
            raise dramatiq.Retry(delay=0) from None
        except DoctoolError as exc:
            self._fail(job.id, exc.message)
            return False
        patiently(lambda: self.store.chunk_progress(job.id, chunk.index, summary.done, summary.skipped, summary.failed))
        log.info("chunk done", extra={"job_id": job.id, "chunk": chunk.index, "done": summary.done, "skipped": summary.skipped,
                                      "failed": summary.failed, "duration_ms": round(summary.seconds * 1000)})
        return True

    def _progress(self, job_id: str, index: int) -> Callable[[Summary], None]:
        def report(s: Summary) -> None:
            try:
                self.store.chunk_progress(job_id, index, s.done, s.skipped, s.failed)
            except redis.RedisError:
                pass  # progress is for people watching; the chunk's manifest is the record

        return throttled(report, self.stopping)

    def _assemble(self, job_id: str) -> None:
        job = patiently(lambda: self.store.get(job_id))
        if job is None or job.status != "running":
            return
        with Lease(self.client, self.store.key(job_id, "lease", "assemble"), self.lease_ms).held() as mine:
            if not mine:
                raise dramatiq.Retry(delay=self.lease_ms)
            folder = self.folder(job_id)
            try:
                chunks = int(patiently(lambda: self.client.get(self.store.key(job_id, "chunks"))) or 0)
                summary = assemble(folder, chunks, folder / OUT)
                result = zip_batch(folder / OUT)
            except DoctoolError as exc:
                self._fail(job_id, exc.message)
                return
            counts = {"total": summary.total, "done": summary.done, "skipped": summary.skipped, "failed": summary.failed}
            if patiently(lambda: self.store.finish_once(job_id, "done", result_path=result, **counts)):  # type: ignore[arg-type]
                log.info("batch done", extra={"job_id": job_id, **counts})
                self._notify(job_id)
            self.input_of(job).unlink(missing_ok=True)  # the input's personal data is needed only until the job ends
            shutil.rmtree(folder / CHUNKS, ignore_errors=True)  # the letters are linked into out/

    def _give_up(self, message: dict[str, Any], retry: dict[str, Any]) -> None:
        """A plan, chunk or assembly that raised an error ``max_retries`` times: its batch fails."""
        job_id = str((message.get("args") or [""])[0])
        self._fail(job_id, f"internal error (tried {retry.get('retries', 0) + 1} times)")

    def _fail(self, job_id: str, error: str) -> None:
        job = self.store.get(job_id)
        if patiently(lambda: self.store.finish_once(job_id, "failed", error=error)):
            log.warning("batch failed", extra={"job_id": job_id})
            if job is not None:
                self.input_of(job).unlink(missing_ok=True)
            self._notify(job_id)

    def _notify(self, job_id: str) -> None:
        if self.callbacks is not None:
            self.callbacks.notify(job_id)

    def close(self) -> None:
        if self.callbacks is not None:
            self.callbacks.stop()
        self.broker.close()


class RedisJobQueue:
    """:class:`doctool.service.jobs.JobQueue` on Redis: the service only records and enqueues."""

    def __init__(self, backend: Backend) -> None:
        self.backend, self.store = backend, backend.store

    def start(self) -> None:
        """Nothing runs here: ``doctool worker`` processes take the jobs."""

    def stop(self, timeout: float = 60.0) -> None:
        """Nothing to stop: a batch goes on in the workers while the service restarts."""

    def submit(
        self, job_id: str, input_path: Path, formats: tuple[str, ...], profile: str, owner: str = "", callback_url: str | None = None
    ) -> None:
        self.store.add(job_id, input_path, formats, profile, owner=owner, total=count_records(input_path), callback_url=callback_url)
        try:
            self.backend.plan.send(job_id)
        except BaseException:
            self.store.delete(job_id)  # no row for a job no worker will ever see
            raise

    def status(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def list_for(self, owner: str, limit: int, before: tuple[float, str] | None = None) -> list[Job]:
        return self.store.owned_by(owner, limit, before)

    def open_count(self, owner: str) -> int:
        return self.store.open_count(owner)

    def delete(self, job_id: str) -> bool:
        if not self.store.delete_unless_running(job_id):
            return False
        shutil.rmtree(self.backend.folder(job_id), ignore_errors=True)
        log.info("batch deleted", extra={"job_id": job_id})
        return True

    def health(self) -> dict[str, Any]:
        try:
            self.backend.client.ping()
            return {"queue": "redis", "reachable": True, "depth": self.backend.queue_depth()}
        except redis.RedisError:
            return {"queue": "redis", "reachable": False, "depth": None}
