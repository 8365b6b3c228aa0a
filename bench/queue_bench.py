"""Benchmark: one batch on the embedded runner, and on the Redis queue with one and two workers.

Usage:  .venv/bin/python bench/queue_bench.py [N] [--format docx|pdf] [--chunk-size C]
        (default N = 400 letters to .docx in chunks of 50; `make bench` runs it)

It starts its own redis-server on a free loopback port (in a temporary folder), then times
the same N records three ways, each with one render process per worker so the figures
compare like with like:
  1. ``doctool batch --workers 1``: the embedded way, no queue;
  2. ``doctool batch --queue`` with one ``doctool worker``;
  3. ``doctool batch --queue`` with two ``doctool worker`` processes.
Workers are started (and warm) before the clock starts; the clock stops when OUTDIR holds
every letter. The queue's cost per letter is (2 - 1) / N; the speed-up is 2 / 3. Results
go to bench/queue_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_bench import ROOT, machine

DOCTOOL = [sys.executable, "-m", "doctool"]


def make_records(n: int, path: Path) -> None:
    """N letters from the bundled samples that make a letter, each with its own reference
    (every record must become a letter, or the figures time failures)."""
    from doctool import api

    samples = [json.loads(p.read_bytes()) for p in sorted((ROOT / "samples" / "letters").glob("*.json"))
               if api.validate_bytes(p.read_bytes()).complete]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            record = dict(samples[i % len(samples)], reference=f"BENCH-{i + 1:06d}")
            fh.write(json.dumps(record) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    redis = shutil.which("redis-server")
    if redis is None:
        raise SystemExit("redis-server is not installed (scripts/install-system-deps.sh)")
    port = free_port()
    proc = subprocess.Popen([redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def env(url: str, data: Path, chunk_size: int) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("DOCTOOL_")}, "DOCTOOL_QUEUE_URL": url,
            "DOCTOOL_DATA_DIR": str(data), "DOCTOOL_BATCH_WORKERS": "1", "DOCTOOL_QUEUE_CHUNK_SIZE": str(chunk_size),
            "PYTHONPATH": str(ROOT)}


def start_workers(count: int, url: str, data: Path, chunk_size: int, work: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(count):
        log = work / f"worker-{count}-{n}.log"
        with open(log, "wb") as out:
            procs.append(subprocess.Popen([*DOCTOOL, "worker"], env=env(url, data, chunk_size), stdout=out, stderr=subprocess.STDOUT, cwd=work))
        while b"ready" not in log.read_bytes():
            time.sleep(0.1)
    return procs


def timed(cmd: list[str], environ: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    run = subprocess.run(cmd, env=environ, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if run.returncode != 0:  # every record makes a letter
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stderr.decode()[-2000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=400)
    parser.add_argument("--format", choices=["docx", "pdf"], default="docx")
    parser.add_argument("--chunk-size", type=int, default=50)
    parser.add_argument("--output", default=str(ROOT / "bench" / "queue_results.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doctool-queue-bench-") as tmp:
        work = Path(tmp)
        records = work / "records.jsonl"
        make_records(args.n, records)
        redis, url = start_redis(work)
        data = work / "data"
        rows: dict[str, float] = {}
        try:
            rows["embedded, 1 process"] = timed([*DOCTOOL, "batch", str(records), "--format", args.format, "--workers", "1", "-o", str(work / "local")])
            for count in (1, 2):
                workers = start_workers(count, url, data, args.chunk_size, work)
                try:
                    cmd = [*DOCTOOL, "batch", str(records), "--format", args.format, "-o", str(work / f"queued-{count}"), "--queue", url,
                           "--data-dir", str(data)]
                    rows[f"queue, {count} worker{'s' if count > 1 else ''}"] = timed(cmd, env(url, data, args.chunk_size))
                finally:
                    for w in workers:
                        w.terminate()
                        w.wait(60)
        finally:
            redis.terminate()
            redis.wait(10)
    local, one, two = rows.values()
    result = {
        "machine": machine(), "letters": args.n, "format": args.format, "chunk_size": args.chunk_size,
        "rows": {k: {"seconds": round(v, 2), "letters_per_second": round(args.n / v, 1)} for k, v in rows.items()},
        "queue_cost_ms_per_letter": round((one - local) / args.n * 1000, 1),
        "two_workers_speedup": round(one / two, 2),
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'':24}{'seconds':>9}{'letters/s':>11}")
    for name, row in result["rows"].items():  # type: ignore[attr-defined]
        print(f"{name:24}{row['seconds']:>9}{row['letters_per_second']:>11}")
    print(f"queue cost: {result['queue_cost_ms_per_letter']} ms a letter; two workers: {result['two_workers_speedup']}x one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
