"""``doctool batch ... --queue redis://...``: a command-line batch rendered by the workers.

The input is copied into the shared data folder as a service batch's would be, the job
is queued on Redis, progress is shown from the job's counts as a local run shows it, and
when the workers have finished the manifest, failures, reports and letters are brought
into OUTDIR (letters checked against their manifest hashes). The job is then deleted
from the data folder and Redis: its copy of the input is personal data.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from doctool.batch.report import FAILURES_CSV, WARNINGS_CSV
from doctool.batch.runner import FAILURES, LETTERS, MANIFEST, Summary, sweep_letters
from doctool.errors import DoctoolError
from doctool.output import read_json_lines
from doctool.queue.redis_backend import Backend, RedisJobQueue
from doctool.queue.tasks import place_checked
from doctool.service.jobs import CSV_INPUT, INPUT, MAPPING, OUT, make_job_folder
from doctool.service.settings import Settings

#: The owner recorded for command-line jobs (service jobs record their key's hash).
OWNER = "doctool-batch-cli"


class QueuedBatchFailed(DoctoolError):
    """The workers gave the batch up (its reason is the job's error)."""


def run_queued(
    source: Path, mapping: Path | None, outdir: Path, formats: tuple[str, ...], profile: str, settings: Settings,
    on_progress: Callable[[Summary], None] | None = None, poll_seconds: float = 0.5,
) -> Summary:
    backend = Backend(settings)
    queue = RedisJobQueue(backend)
    job_id = uuid.uuid4().hex
    folder = make_job_folder(settings.data_dir, job_id)
    try:
        target = folder / (CSV_INPUT if mapping is not None else INPUT)
        shutil.copyfile(source, target)
        if mapping is not None:
            shutil.copyfile(mapping, folder / MAPPING)
        queue.submit(job_id, target, formats, profile, owner=OWNER)
        started = time.monotonic()
        while True:
            job = queue.status(job_id)
            if job is None:
                raise QueuedBatchFailed(f"the queued batch {job_id} was deleted before it finished")
            summary = Summary(total=job.total, done=job.done, skipped=job.skipped, failed=job.failed, seconds=time.monotonic() - started)
            if on_progress is not None:
                on_progress(summary)
            if job.status == "failed":
                raise QueuedBatchFailed(f"the queued batch {job_id} failed: {job.error}")
            if job.status == "done":
                break
            time.sleep(poll_seconds)
        _bring_back(folder / OUT, outdir)
        queue.delete(job_id)
        return summary
    except KeyboardInterrupt:
        print(f"doctool batch: stopped watching; the workers go on with batch {job_id} in {folder}")
        raise
    finally:
        backend.close()


def _bring_back(done: Path, outdir: Path) -> None:
    """The finished batch's files into OUTDIR, letters checked by hash; OUTDIR's letters not
    in the new manifest (an earlier run's) move to ``superseded/`` as a local run moves them."""
    (outdir / LETTERS).mkdir(parents=True, exist_ok=True)
    for entry in read_json_lines(done / MANIFEST):
        for out in entry["outputs"]:
            place_checked(done / out["path"], outdir / out["path"], out["sha256"])
    for name in (MANIFEST, FAILURES, FAILURES_CSV, WARNINGS_CSV):
        part = outdir / f".{name}.part"
        shutil.copyfile(done / name, part)
        part.replace(outdir / name)
    sweep_letters(outdir)
