"""``DOCTOOL_QUEUE_URL``: which queue runs the batches.

Unset (or empty): the embedded queue, inside the service process, with its jobs in SQLite
in the data folder; nothing else to run. ``redis://HOST:PORT/DB`` (``rediss://`` for TLS):
Dramatiq on that Redis; ``doctool worker`` processes on any machine with the same
configuration and the same data folder render the batches.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from doctool.errors import ConfigError

Kind = Literal["embedded", "redis"]


def queue_kind(url: str) -> Kind:
    """The backend a queue URL names; ConfigError for one no backend takes."""
    if not url.strip():
        return "embedded"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ConfigError("DOCTOOL_QUEUE_URL is not a valid URL (redis://HOST:PORT/DB)") from None
    if parts.scheme in ("redis", "rediss") and parts.hostname:
        db = parts.path.strip("/")
        if db and not db.isdigit():
            raise ConfigError(f"DOCTOOL_QUEUE_URL names Redis database {db!r}; it must be a number (redis://HOST:PORT/0)")
        return "redis"
    raise ConfigError(
        f"DOCTOOL_QUEUE_URL must be empty (the embedded queue) or redis://HOST:PORT/DB, not a {parts.scheme or 'schemeless'} URL"
    )


def safe_url(url: str) -> str:
    """The URL for logs and messages: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
