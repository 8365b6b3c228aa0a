"""``/metrics``: what a council's monitoring scrapes, in Prometheus text format.

Counts only, never personal data: batches by status and the records of the batches kept
(within the retention time) by outcome, the queue's depth (work waiting for a worker) and
whether it can be reached. Every replica of the service gives the same figures: they are
read from the job store, which with Redis is shared.
"""

from __future__ import annotations

from typing import Any

from doctool.service.store import STATUSES, JobRows


def prometheus_text(store: JobRows, health: dict[str, Any]) -> str:
    jobs = store.with_status(*STATUSES) if health["reachable"] else []
    lines = [
        "# HELP doctool_batches Batches kept (within the retention time), by status.",
        "# TYPE doctool_batches gauge",
        *(f'doctool_batches{{status="{s}"}} {sum(1 for j in jobs if j.status == s)}' for s in STATUSES),
        "# HELP doctool_batch_records Records of the batches kept, by outcome so far (done: letters made).",
        "# TYPE doctool_batch_records gauge",
        *(f'doctool_batch_records{{outcome="{o}"}} {sum(getattr(j, o) for j in jobs)}' for o in ("done", "skipped", "failed")),
        "# HELP doctool_queue_depth Work waiting for a worker: chunks and other tasks (Redis), batches queued (embedded).",
        "# TYPE doctool_queue_depth gauge",
        f"doctool_queue_depth {health['depth'] if health['depth'] is not None else 'NaN'}",
        "# HELP doctool_queue_up Whether the queue can be reached (1) or not (0).",
        "# TYPE doctool_queue_up gauge",
        f'doctool_queue_up{{queue="{health["queue"]}"}} {1 if health["reachable"] else 0}',
    ]
    totals = getattr(store, "totals", None)
    if totals is not None and health["reachable"]:
        counted = totals()
        lines += [
            "# HELP doctool_records_total Records of finished batches since the queue's Redis began, by outcome.",
            "# TYPE doctool_records_total counter",
            *(f'doctool_records_total{{outcome="{o}"}} {counted.get("records_" + o, 0)}' for o in ("done", "skipped", "failed")),
        ]
    return "\n".join(lines) + "\n"
