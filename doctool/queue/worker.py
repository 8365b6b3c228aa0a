"""``doctool worker``: render queued batches, on any machine with the same configuration.

It needs ``DOCTOOL_QUEUE_URL`` (redis://...) and ``DOCTOOL_DATA_DIR`` pointing at the same
shared folder as the service's. SIGTERM (or Ctrl-C) stops it cleanly: it takes no new
chunk, the chunk it is rendering stops after the letter in hand and goes back on the
queue (its finished letters are kept), and it exits 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

EXAMPLES = """examples:
  DOCTOOL_QUEUE_URL=redis://queue.internal:6379/0 DOCTOOL_DATA_DIR=/mnt/doctool doctool worker
  doctool worker --queue redis://127.0.0.1:6379/0 --data-dir /srv/doctool-data --threads 2

exit codes:
  0  stopped cleanly (SIGTERM or Ctrl-C)
  2  the configuration cannot be used: no queue URL, a bad setting
  3  an internal error (a bug: please report it with DOCTOOL_DEBUG=1 output)"""

#: How long a stopping worker waits for its chunks to put themselves back (milliseconds).
STOP_TIMEOUT_MS = 30_000


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "worker",
        help="render queued batches (the service's and doctool batch --queue's) from Redis",
        description="Take chunks of batches from the Redis queue and render them into the shared data folder.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--queue", metavar="URL", help="redis://HOST:PORT/DB (env DOCTOOL_QUEUE_URL)")
    p.add_argument("--data-dir", help="the shared data folder (env DOCTOOL_DATA_DIR; default ./doctool-data)")
    p.add_argument("--threads", type=int, help="chunks rendered at once (env DOCTOOL_WORKER_THREADS; default 1)")
    p.add_argument("--processes", type=int, help="render processes per chunk (env DOCTOOL_BATCH_WORKERS; default every core)")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    import dramatiq

    from doctool.errors import ConfigError
    from doctool.queue.config import queue_kind, safe_url
    from doctool.queue.redis_backend import Backend
    from doctool.service.logging_mw import configure_logging
    from doctool.service.settings import Settings

    settings = Settings.from_env(queue_url=args.queue, data_dir=args.data_dir, worker_threads=args.threads, batch_workers=args.processes)
    # a worker answers no HTTP, so the service's API key rules do not apply to it
    settings = settings.with_(insecure_no_auth=True, host="127.0.0.1").check()
    if queue_kind(settings.queue_url) != "redis":
        raise ConfigError("doctool worker needs a queue to work from: set DOCTOOL_QUEUE_URL (or --queue) to redis://HOST:PORT/DB")
    configure_logging()  # the callbacks' log
    configure_logging(name="doctool.queue")
    backend = Backend(settings)
    worker = dramatiq.Worker(backend.broker, worker_threads=settings.worker_threads, worker_timeout=1000)
    worker.queue_prefetch = settings.worker_threads  # hold no chunk another idle worker could be rendering
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    if backend.callbacks is not None:
        backend.callbacks.start()  # callbacks a stopped worker left undelivered
    worker.start()
    print(f"doctool worker: ready (queue {safe_url(settings.queue_url)}, data folder {settings.data_dir})", file=sys.stderr, flush=True)
    while not stop.wait(1.0):
        pass
    logging.getLogger("doctool.queue").info("worker stopping")
    backend.stopping.set()  # running chunks stop after the letter in hand and go back on the queue
    worker.stop(timeout=STOP_TIMEOUT_MS)
    backend.close()
    print("doctool worker: stopped", file=sys.stderr, flush=True)
    return 0
