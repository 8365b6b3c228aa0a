"""A time limit on laying out a template, so a council's template cannot run for ever.

Jinja's sandbox already stops a template reaching Python internals and caps ``range()``;
a template can still nest loops without end. On the main thread (the command line, each
batch worker, each service render worker) an interval timer stops it after
``DOCTOOL_TEMPLATE_SECONDS`` (30 by default); elsewhere (a web server's thread) the
service's own per-render time limit applies.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from doctool.errors import ConfigError

TEMPLATE_SECONDS = float(os.environ.get("DOCTOOL_TEMPLATE_SECONDS", "30"))


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
