"""Batches on the Redis queue, against a real ``redis-server`` on a free loopback port.

Fast tests: the queue URL, the job rows in Redis, a batch cut into chunks and put
together again. Integration tests: a real service and two ``doctool worker`` processes in
folders of their own, sharing only Redis and the data folder; one worker SIGKILLed
mid-batch, the service SIGKILLed mid-batch, Redis SIGKILLed and restarted from its
append-only file. In each, every letter is made once and only once, in input order."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import httpx
import pytest
import redis

from doctool.batch.runner import FAILURES, LETTERS, MANIFEST
from doctool.cli import main
from doctool.errors import ConfigError
from doctool.queue.config import queue_kind, safe_url
from doctool.queue.redis_store import RedisJobStore
from doctool.queue.tasks import assemble, chunk_dir, plan_chunks, render_chunk
from doctool.service.settings import Settings

from conftest import REPO
from test_service_server import AUTH, _letter_batch, free_port, running_server

REDIS = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (scripts/install-system-deps.sh)")


@dataclass
class RedisServer:
    """Our own redis-server in a tmp folder: never a system service."""

    folder: Path
    port: int
    appendonly: bool
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persist = ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", str(self.folder), *persist],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@contextlib.contextmanager
def redis_server(folder: Path, appendonly: bool = False) -> Iterator[RedisServer]:
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(folder, free_port(), appendonly)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def rds(tmp_path) -> Iterator[RedisServer]:
    if REDIS is None:
        pytest.skip("redis-server is not installed (scripts/install-system-deps.sh)")
    with redis_server(tmp_path / "redis") as server:
        yield server


# --- the queue URL ------------------------------------------------------------------------


def test_queue_url_names_the_backend():
    assert queue_kind("") == "embedded"
    assert queue_kind("redis://queue.internal:6379/0") == "redis"
    assert queue_kind("rediss://:secret@queue.internal:6380/2") == "redis"
    for bad in ("amqp://rabbit", "redis://host:port/0", "redis://host/db", "sqlite:///jobs.db"):
        with pytest.raises(ConfigError):
            queue_kind(bad)
    assert "secret" not in safe_url("redis://:secret@queue.internal:6379/0")


def test_settings_read_the_queue_from_the_environment():
    env = {"DOCTOOL_QUEUE_URL": "redis://127.0.0.1:6379/1", "DOCTOOL_QUEUE_CHUNK_SIZE": "25", "DOCTOOL_QUEUE_HEARTBEAT_SECONDS": "5",
           "DOCTOOL_INSECURE_NO_AUTH": "1"}
    settings = Settings.from_env(env).check()
    assert (settings.queue_url, settings.chunk_size, settings.heartbeat_seconds) == ("redis://127.0.0.1:6379/1", 25, 5.0)
    assert "6379" not in repr(settings)  # the URL may carry a password
    with pytest.raises(ConfigError):
        Settings.from_env({**env, "DOCTOOL_QUEUE_URL": "amqp://x"}).check()


# --- job rows in Redis ----------------------------------------------------------------------


@needs_redis
def test_redis_store_moves_a_job_once(rds, tmp_path):
    store = RedisJobStore(redis.Redis.from_url(rds.url))
    store.add("a" * 32, tmp_path / "input.jsonl", ("docx",), "england", owner="k1", total=3, callback_url="https://example.org/cb")
    store.add("b" * 32, tmp_path / "input.jsonl", ("pdf",), "england", owner="k1", total=1)
    job = store.get("a" * 32)
    assert job is not None and job.status == "queued" and job.formats == ("docx",) and job.callback_status == "pending"
    assert store.open_count("k1") == 2 and [j.id for j in store.owned_by("k1", 1)] == ["b" * 32]
    assert [j.id for j in store.owned_by("k1", 5, (job.created + 1, "z" * 32))] == ["b" * 32, "a" * 32]
    assert store.claim("a" * 32) and not store.claim("a" * 32)
    store.chunk_progress("a" * 32, 0, 2, 0, 0)
    store.chunk_progress("a" * 32, 1, 0, 0, 1)
    job = store.get("a" * 32)
    assert job is not None and (job.status, job.done, job.failed) == ("running", 2, 1)
    assert not store.delete_unless_running("a" * 32)
    assert store.finish_once("a" * 32, "done", result_path=tmp_path / "letters.zip", total=3, done=2, failed=1)
    assert not store.finish_once("a" * 32, "failed", error="again")  # finished once, counted once
    assert store.totals() == {"batches_done": 1, "records_done": 2, "records_skipped": 0, "records_failed": 1}
    assert [j.id for j in store.finished_before(time.time() + 1)] == ["a" * 32]
    assert store.delete_unless_running("a" * 32) and store.get("a" * 32) is None and store.ids() == {"b" * 32}


# --- chunks, and putting them together --------------------------------------------------------


def _records(count: int, repeat: int | None = None) -> bytes:
    records = _letter_batch(count)
    if records is None:
        pytest.skip("the charging letter samples are not there")
    if repeat is not None:  # the last record repeats record `repeat`'s reference
        lines = records.splitlines()
        last = json.loads(lines[-1])
        last["reference"] = json.loads(lines[repeat])["reference"]
        lines[-1] = json.dumps(last).encode()
        records = b"\n".join(lines) + b"\n"
    return records


def test_chunks_put_together_are_one_run(tmp_path):
    """Seven records in chunks of three (the last repeats the first's reference) give the
    manifest, failures and letters of one run over the whole input, in input order."""
    job = tmp_path / "job"
    job.mkdir()
    (job / "input.jsonl").write_bytes(_records(7, repeat=0))
    chunks = plan_chunks(job / "input.jsonl", 3)
    assert [(c.start, c.stop) for c in chunks] == [(0, 3), (3, 6), (6, 9)] and list(chunks[2].claimed.values()) == [1]
    for chunk in reversed(chunks):  # any order: workers finish when they finish
        render_chunk(job / "input.jsonl", chunk_dir(job, chunk.index), ("docx",), "england", 1, chunk, lock=False)
    summary = assemble(job, len(chunks), job / "out")
    whole = tmp_path / "whole"
    render_chunk(job / "input.jsonl", whole, ("docx",), "england", 1)
    assert (summary.total, summary.done, summary.failed) == (7, 6, 1)
    for name in (MANIFEST, FAILURES):
        assert (job / "out" / name).read_bytes() == (whole / name).read_bytes()
    assert sorted(p.name for p in (job / "out" / LETTERS).iterdir()) == sorted(p.name for p in (whole / LETTERS).iterdir())
    assert "DUPLICATE" in (job / "out" / FAILURES).read_text()
    again = assemble(job, len(chunks), job / "out")  # a second assembly changes nothing
    assert again == summary and (job / "out" / MANIFEST).read_bytes() == (whole / MANIFEST).read_bytes()


# --- the real thing: service, two workers, Redis --------------------------------------------------

WORKER_ENV = {
    "DOCTOOL_BATCH_WORKERS": "1",
    "DOCTOOL_QUEUE_CHUNK_SIZE": "20",
    "DOCTOOL_QUEUE_HEARTBEAT_SECONDS": "3",
    "DOCTOOL_QUEUE_MAINTENANCE": "1000000",
}


@dataclass
class Worker:
    proc: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the worker and the render processes it started: a machine lost."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode


def start_worker(folder: Path, queue_url: str, data: Path) -> Worker:
    """``doctool worker`` run from a folder of its own: it shares only Redis and ``data``."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCTOOL_")}
    env.update({"DOCTOOL_QUEUE_URL": queue_url, "DOCTOOL_DATA_DIR": str(data), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **WORKER_ENV})
    log = folder / "worker.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "doctool", "worker"], cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text(errors="replace"):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.1)
    return Worker(proc, log)


def holding_a_chunk(url: str, job_id: str, workers: list[Worker]) -> Worker:
    """The worker rendering a chunk of the job now (a lease's value names its process)."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for key in client.scan_iter(f"doctool:job:{job_id}:lease:*"):
            holder = client.get(key)
            pid = int(holder.decode().split(":")[1]) if holder else 0
            for w in workers:
                if w.proc.pid == pid and not key.endswith(b"assemble"):
                    return w
        time.sleep(0.02)
    raise AssertionError("no worker was seen rendering a chunk")


def submit(url: str, records: bytes) -> str:
    r = httpx.post(url + "/v1/batches?format=docx", content=records, headers=AUTH, timeout=60)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def wait_for(url: str, job_id: str, until: str = "finished", seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        try:
            st = httpx.get(f"{url}/v1/batches/{job_id}", headers=AUTH, timeout=30).json()
            if (until == "finished" and st["status"] in ("done", "failed")) or (until == "started" and st["done"] + st["skipped"] >= 25):
                return st
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the batch did not get there in {seconds} s"
        time.sleep(0.2)


def check_every_letter_once(url: str, st: dict, records: bytes) -> None:
    """Done, every record one letter (no failure, no second copy), the manifest in input order."""
    references = [json.loads(line)["reference"] for line in records.splitlines()]
    assert st["status"] == "done" and st["done"] + st["skipped"] == len(references) and st["failed"] == 0, st
    z = zipfile.ZipFile(BytesIO(httpx.get(url + st["result"], headers=AUTH, timeout=60).content))
    manifest = [json.loads(line) for line in z.read(MANIFEST).splitlines()]
    assert [m["reference"] for m in manifest] == references
    letters = [n for n in z.namelist() if n.startswith(f"{LETTERS}/")]
    assert sorted(letters) == sorted(f"{LETTERS}/{r}.docx" for r in references)


@pytest.mark.integration
def test_a_worker_killed_mid_batch_loses_and_repeats_no_letter(tmp_path, rds):
    """200 letters, two workers; one is SIGKILLed part-way: its chunk goes to the other."""
    records = _records(200)
    data = tmp_path / "data"
    with running_server(data, tmp_path / "service.log", DOCTOOL_QUEUE_URL=rds.url, **WORKER_ENV) as service:
        workers = [start_worker(tmp_path / f"worker{n}", rds.url, data) for n in (1, 2)]
        try:
            job_id = submit(service.url, records)
            assert wait_for(service.url, job_id, until="started")["status"] == "running"
            victim = holding_a_chunk(rds.url, job_id, workers)
            victim.kill()
            st = wait_for(service.url, job_id)
            check_every_letter_once(service.url, st, records)
            attempts = redis.Redis.from_url(rds.url).hvals(f"doctool:job:{job_id}:attempts")
            assert max(int(a) for a in attempts) == 2  # the killed worker's chunk was delivered again, once
            health = httpx.get(service.url + "/healthz").json()
            assert health == {"status": "ok", "queue": "redis", "queue_reachable": True}
            metrics = httpx.get(service.url + "/metrics").text
            assert 'doctool_records_total{outcome="failed"} 0' in metrics and "doctool_queue_depth 0" in metrics
        finally:
            codes = [w.stop() for w in workers]
        survivor = workers[1 - workers.index(victim)]
        assert codes[workers.index(survivor)] == 0  # the survivor stops cleanly on SIGTERM
        assert "Margaret" not in survivor.log.read_text(errors="replace")


@pytest.mark.integration
def test_the_service_killed_mid_batch_loses_no_letter(tmp_path, rds):
    """The service only enqueues: SIGKILL it mid-batch (and SIGTERM a worker), the workers
    finish; a new service (another replica, same Redis and data folder) answers for the batch."""
    records = _records(60)
    data = tmp_path / "data"
    workers = [start_worker(tmp_path / f"worker{n}", rds.url, data) for n in (1, 2)]
    try:
        with running_server(data, tmp_path / "service1.log", DOCTOOL_QUEUE_URL=rds.url, **WORKER_ENV) as first:
            job_id = submit(first.url, records)
            wait_for(first.url, job_id, until="started")
            first.kill()
            assert workers[0].stop() == 0  # SIGTERM mid-batch too: its chunk goes back on the queue, it exits 0
        with running_server(data, tmp_path / "service2.log", DOCTOOL_QUEUE_URL=rds.url, **WORKER_ENV) as second:
            check_every_letter_once(second.url, wait_for(second.url, job_id), records)
    finally:
        for w in workers:
            w.stop()


@pytest.mark.integration
def test_redis_restarted_from_its_append_only_file_loses_no_letter(tmp_path):
    """Redis SIGKILLed mid-batch and started again (appendonly, fsync always): the queue,
    the job and the chunks' state come back, and the workers carry on."""
    if REDIS is None:
        pytest.skip("redis-server is not installed")
    records = _records(60)
    data = tmp_path / "data"
    with redis_server(tmp_path / "redis", appendonly=True) as rds:
        workers = [start_worker(tmp_path / f"worker{n}", rds.url, data) for n in (1, 2)]
        try:
            with running_server(data, tmp_path / "service.log", DOCTOOL_QUEUE_URL=rds.url, **WORKER_ENV) as service:
                job_id = submit(service.url, records)
                wait_for(service.url, job_id, until="started")
                rds.kill()
                assert httpx.get(service.url + "/healthz").status_code == 503
                time.sleep(1)
                rds.start()
                check_every_letter_once(service.url, wait_for(service.url, job_id), records)
        finally:
            for w in workers:
                w.stop()


@pytest.mark.integration
def test_doctool_batch_on_the_queue_is_a_local_run(tmp_path, rds, capsys):
    """``doctool batch --queue``: the workers render, OUTDIR ends as a local run leaves it."""
    records = _records(30, repeat=3)
    source = tmp_path / "in.jsonl"
    source.write_bytes(records)
    data = tmp_path / "data"
    worker = start_worker(tmp_path / "worker", rds.url, data)
    try:
        code = main(["batch", str(source), "--format", "docx", "-o", str(tmp_path / "queued"), "--queue", rds.url, "--data-dir", str(data)])
    finally:
        assert worker.stop() == 0
    assert code == 1  # the repeated reference fails, as it does locally
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (result["total"], result["done"], result["failed"]) == (30, 29, 1)
    assert main(["batch", str(source), "--format", "docx", "-o", str(tmp_path / "local"), "--workers", "1"]) == 1
    for name in (MANIFEST, FAILURES):
        assert (tmp_path / "queued" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert not any((data / "batches").iterdir())  # the job's copy of the input is gone
