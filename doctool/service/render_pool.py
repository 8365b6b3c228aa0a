"""Rendering in worker processes with a time limit, so one huge plan cannot stall the service.

A render runs in a :class:`~concurrent.futures.ProcessPoolExecutor` (forkserver start
method: children come from a small clean process, never from the threaded server). At
most one render per worker runs at a time; a request that cannot get a worker within the
time limit gets 503. A render that runs past the limit is stopped by killing the pool's
processes and starting a fresh pool: the request gets 504, and any render that shared
the killed pool gets 503 and may simply be retried.

Workers return plain data (never exceptions carrying a report), so nothing depends on
how an exception pickles.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("doctool.service.render")


class RenderTimeout(Exception):
    """The render ran past the time limit and was stopped."""


class RenderUnavailable(Exception):
    """No worker was free in time, or the pool was restarted under this render."""


@dataclass(frozen=True)
class RenderResult:
    kind: str  # ok | incomplete | not_applicable | input_error | config_error
    content: bytes = b""
    media_type: str = ""
    filename: str = ""
    report: dict[str, Any] | None = None
    message: str = ""
    errors: tuple[tuple[str, str], ...] = ()
    draft: bool = False  # the file (or any file of the set) is marked DRAFT
    warnings: int = 0  # warnings in the report


def _warm_up() -> None:
    """Fonts, stylesheets and templates once per worker (the batch runner's warm-up, for
    both formats: a request may ask for either)."""
    from doctool.batch.runner import _warm_up as warm
    from doctool.documents import DOCUMENTS

    warm(("pdf", "docx"), "england", tuple(DOCUMENTS))


def _noop() -> None:
    return None


def _render(raw: bytes, profile: str, draft: bool, select: Callable[[], Any], bundle: bool) -> RenderResult:
    """Prepare and render through the pipeline; every outcome as plain data."""
    from doctool.pipeline import free_document

    try:
        return _outcome(raw, profile, draft, select, bundle)
    finally:
        free_document()  # as a batch worker does after each letter


def _outcome(raw: bytes, profile: str, draft: bool, select: Callable[[], Any], bundle: bool) -> RenderResult:
    from doctool.errors import ConfigError, DoctoolError, Incomplete, NotApplicable
    from doctool.pipeline import prepare, render_set

    try:
        rendered = render_set(prepare(raw, profile, draft=draft), select())
    except Incomplete as exc:
        return RenderResult("incomplete", report=exc.report.as_dict(), message=exc.message)
    except NotApplicable as exc:
        return RenderResult("not_applicable", message=exc.message)
    except ConfigError as exc:
        return RenderResult("config_error", message=exc.message, errors=tuple((e.path, e.message) for e in exc.errors))
    except DoctoolError as exc:
        return RenderResult("input_error", message=exc.message, errors=tuple((e.path, e.message) for e in exc.errors))
    if bundle:
        content, media_type, filename = rendered.zip_bytes(), "application/zip", rendered.zip_name
    else:
        f = rendered.files[0]
        content, media_type, filename = f.content, f.media_type, f.name
    return RenderResult(
        "ok",
        content=content,
        media_type=media_type,
        filename=filename,
        report=rendered.report.as_dict(),
        draft=rendered.draft,
        warnings=rendered.warnings,
    )


def render_task(raw: bytes, document: str, fmt: str, profile: str, draft: bool, size: int | None = None) -> RenderResult:
    """Runs in a worker: validate and render one document in one format (standard or accessible)."""
    from doctool.pipeline import Selection

    return _render(raw, profile, draft, lambda: Selection.one(document, fmt, size), bundle=False)


def render_set_task(raw: bytes, name: str, profile: str, draft: bool) -> RenderResult:
    """Runs in a worker: a named set (``all``, ``for-person``) with its manifest, as one zip."""
    from doctool.pipeline import Selection

    return _render(raw, profile, draft, lambda: Selection.named(name), bundle=True)


class RenderPool:
    """A process pool with a per-render time limit and a kill-and-replace on timeout."""

    def __init__(self, workers: int, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self.restarts = 0

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["doctool.api", "doctool.service.render_pool"])
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_warm_up)
            return self._pool

    def warm(self) -> None:
        """Start the worker processes now (in the background), so the first render is quick."""

        def start() -> None:
            try:
                pool = self._executor()
                for f in [pool.submit(_noop) for _ in range(self.workers)]:
                    f.result(timeout=120)
            except Exception as exc:  # noqa: BLE001 - a render will try again and report
                log.warning("render workers did not start", extra={"error_type": type(exc).__name__})

        threading.Thread(target=start, name="doctool-render-warm", daemon=True).start()

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        """Kill the pool's processes and drop it, so the next render starts a fresh one."""
        with self._lock:
            if self._pool is not pool:
                return  # already replaced by another timed-out render
            self._pool = None
            self.restarts += 1
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for p in processes:
            try:
                p.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.join(5)

    async def run(self, *args: Any) -> RenderResult:
        """``render_task(*args)`` in a worker; RenderTimeout / RenderUnavailable on trouble."""
        return await self.call(render_task, *args)

    async def run_set(self, *args: Any) -> RenderResult:
        """``render_set_task(*args)`` in a worker, as :meth:`run`."""
        return await self.call(render_set_task, *args)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker process, within the time limit."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(self.workers))
        slots = self._slots[1]
        try:
            await asyncio.wait_for(slots.acquire(), self.timeout)
        except TimeoutError:
            raise RenderUnavailable("every render worker is busy") from None
        try:
            pool = self._executor()
            try:
                fut: Future[T] = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):
                self._kill(pool)
                raise RenderUnavailable("the render workers were restarted") from None
            try:
                return await asyncio.wait_for(asyncio.wrap_future(fut), self.timeout)
            except TimeoutError:
                log.warning("render stopped at the time limit", extra={"timeout_s": self.timeout})
                await asyncio.to_thread(self._kill, pool)
                raise RenderTimeout(f"rendering took longer than {self.timeout:g} s and was stopped") from None
            except BrokenProcessPool:
                await asyncio.to_thread(self._kill, pool)
                raise RenderUnavailable("the render workers were restarted") from None
        finally:
            slots.release()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.join(10)
            if p.is_alive():
                p.kill()
                p.join(5)
