"""Time and memory limits on running a template, so a council's template cannot run for
ever or fill the machine's memory.

Jinja's sandbox already stops a template reaching Python internals and caps ``range()``;
a template can still nest loops without end, or multiply a string into gigabytes. On the
main thread (the command line, each batch worker, each service render worker) an
interval timer stops it after ``DOCTOOL_TEMPLATE_SECONDS`` (30 by default), and the
process's address space may grow by at most ``DOCTOOL_TEMPLATE_MB`` (512 by default)
while the template runs; elsewhere (a web server's thread) the service's own per-render
time limit applies.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from doctool.errors import ConfigError

TEMPLATE_SECONDS = float(os.environ.get("DOCTOOL_TEMPLATE_SECONDS", "30"))
TEMPLATE_MB = int(os.environ.get("DOCTOOL_TEMPLATE_MB", "512"))


class _TimeUp(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _TimeUp


@contextmanager
def time_limit(what: str, seconds: float | None = None) -> Iterator[None]:
    """Stop the block with a ConfigError naming ``what`` when it runs past ``seconds``."""
    limit = TEMPLATE_SECONDS if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield  # not ours to time here (a server thread, or a timer already running)
        return
    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    except _TimeUp:
        raise ConfigError(f"{what} took longer than {limit:g} s and was stopped") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _address_space() -> int | None:
    """The bytes of address space this process holds now (Linux), or None where unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize()


@contextmanager
def memory_limit(what: str, megabytes: int | None = None) -> Iterator[None]:
    """Stop the block with a ConfigError naming ``what`` when it would take more than
    ``megabytes`` of new memory. The limit is the process's (RLIMIT_AS), so it is set
    only on the main thread, only for the block, and never looser than one already set."""
    budget = TEMPLATE_MB if megabytes is None else megabytes
    used = _address_space()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = None if used is None else used + budget * 1024 * 1024
    if hard != resource.RLIM_INFINITY and limit is not None:
        limit = min(limit, hard)
    if (
        limit is None
        or threading.current_thread() is not threading.main_thread()
        or (soft != resource.RLIM_INFINITY and soft <= limit)
    ):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    except MemoryError:
        raise ConfigError(f"{what} needed more than {budget} MB of memory and was stopped") from None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def template_limits(what: str) -> Iterator[None]:
    """The time and memory limits together: what every run of a council's template gets."""
    with time_limit(what), memory_limit(what):
        yield
