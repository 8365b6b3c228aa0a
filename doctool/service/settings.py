"""Service settings: from flags, then the environment, then safe defaults.

Every setting has an environment variable so a container or a systemd unit configures
the service without a file. API keys are configured only as SHA-256 hashes: the service
never sees a key at rest, and a leaked configuration does not leak a key.

With no key hash configured the service refuses to start (fail closed) unless
``--insecure-no-auth`` / ``DOCTOOL_INSECURE_NO_AUTH=1`` says, on purpose, that it is a
local, single-user run.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from doctool.errors import ConfigError
from doctool.loading import MAX_INPUT_BYTES

_HASH = re.compile(r"^[0-9a-f]{64}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _cpus() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    #: uvicorn worker processes (each has its own render pool and job dispatcher).
    workers: int = 1
    #: Where jobs (SQLite), batch inputs and results live. Holds personal data: mode 0700.
    data_dir: Path = Path("doctool-data")
    #: Generated files and batch folders older than this are deleted.
    retention_seconds: int = 24 * 3600
    #: How often the retention sweep runs.
    retention_interval: int = 300
    #: Largest request body for one plan or letter record (validate, render).
    max_body_bytes: int = MAX_INPUT_BYTES
    #: Largest JSON Lines body for one batch.
    max_batch_bytes: int = 200 * 1024 * 1024
    #: A render taking longer than this is stopped (its worker processes are killed).
    render_timeout: float = 60.0
    #: Worker processes for single renders.
    render_workers: int = field(default_factory=_cpus)
    #: Worker processes for each batch (the same pool code as ``doctool batch``).
    batch_workers: int = field(default_factory=_cpus)
    #: Batches run one after another per service process; this many at once.
    concurrent_batches: int = 1
    #: Hex SHA-256 hashes of the accepted API keys.
    api_key_hashes: tuple[str, ...] = ()
    #: Run without API keys: local use only, never on a network.
    insecure_no_auth: bool = False
    #: The secret batch callbacks are signed with (HMAC-SHA256); no secret, no callbacks.
    callback_secret: str = field(default="", repr=False)
    #: Also allow http:// and loopback callback URLs: tests and development only.
    callback_allow_loopback: bool = False
    #: Tries to deliver one callback, with exponential backoff starting at ``callback_backoff`` s.
    callback_attempts: int = 5
    callback_backoff: float = 2.0
    #: A folder of named CSV mappings (NAME.toml) for CSV batches; none: CSV batches refused.
    mappings_dir: Path | None = None
    #: Batches one key may have queued or running at once; more are refused with 429.
    max_open_batches: int = 20
    #: Seconds a caller is told to wait before polling a batch again (Retry-After).
    poll_seconds: int = 2
    #: Where batches are queued: "" runs them in this process (the embedded default);
    #: ``redis://HOST:PORT/DB`` hands them to ``doctool worker`` processes on any machine.
    queue_url: str = field(default="", repr=False)  # may carry a Redis password
    #: Records in one chunk of a queued batch (the unit a worker takes, and redoes if it dies).
    chunk_size: int = 100
    #: A worker silent this long is taken for dead and its chunk given to another worker.
    heartbeat_seconds: float = 60.0
    #: Times a chunk that raised an error is tried again before its batch fails.
    max_retries: int = 3
    #: Chunks one ``doctool worker`` renders at once (each with ``batch_workers`` processes).
    worker_threads: int = 1
    #: Out of a million queue commands, how many also look for dead workers' chunks.
    queue_maintenance: int = 10000

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if self.mappings_dir is not None:
            object.__setattr__(self, "mappings_dir", Path(self.mappings_dir))
        object.__setattr__(self, "api_key_hashes", tuple(h.strip().lower() for h in self.api_key_hashes))

    def check(self) -> Settings:
        """Refuse a configuration that is unsafe or cannot work. Returns self."""
        for h in self.api_key_hashes:
            if not _HASH.match(h):
                raise ConfigError(
                    "an API key hash is not 64 hexadecimal characters (a SHA-256 hash); "
                    "make one with 'doctool keys new'"
                )
        if not self.api_key_hashes and not self.insecure_no_auth:
            raise ConfigError(
                "no API keys are configured, so the service will not start. Set DOCTOOL_API_KEY_HASHES "
                "(comma-separated SHA-256 hashes from 'doctool keys new') or DOCTOOL_API_KEY_FILE, or "
                "pass --insecure-no-auth for local use on your own machine only"
            )
        if self.insecure_no_auth and not self.api_key_hashes and not _loopback(self.host):
            raise ConfigError(
                f"--insecure-no-auth is for local use only: it needs --host 127.0.0.1 (or ::1, localhost), "
                f"not {self.host!r}. Configure API keys to listen on a network"
            )
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not between 1 and 65535")
        if self.callback_secret and len(self.callback_secret) < 32:
            raise ConfigError("the callback secret must be at least 32 characters (make one with 'doctool keys new')")
        if self.mappings_dir is not None and not self.mappings_dir.is_dir():
            raise ConfigError(f"the CSV mappings folder {str(self.mappings_dir)!r} is not a folder")
        for name in ("workers", "render_workers", "batch_workers", "concurrent_batches", "max_body_bytes", "max_batch_bytes",
                     "callback_attempts", "max_open_batches", "poll_seconds", "chunk_size", "worker_threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.replace('_', ' ')} must be at least 1")
        if self.render_timeout <= 0 or self.retention_seconds <= 0 or self.retention_interval <= 0 or self.callback_backoff < 0:
            raise ConfigError("the render timeout, retention time and retention interval must be positive")
        if self.heartbeat_seconds <= 0 or self.max_retries < 0 or not 1 <= self.queue_maintenance <= 1_000_000:
            raise ConfigError("the queue heartbeat must be positive, retries 0 or more, and maintenance 1 to 1000000 per million")
        from doctool.queue.config import queue_kind

        queue_kind(self.queue_url)  # a URL no backend takes is refused at start-up
        return self

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_key_hashes)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``DOCTOOL_*`` variables; ``overrides`` (flags) win when not None."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        simple = {
            "host": ("DOCTOOL_HOST", str),
            "port": ("DOCTOOL_PORT", int),
            "workers": ("DOCTOOL_WORKERS", int),
            "data_dir": ("DOCTOOL_DATA_DIR", Path),
            "retention_seconds": ("DOCTOOL_RETENTION_SECONDS", int),
            "retention_interval": ("DOCTOOL_RETENTION_INTERVAL", int),
            "max_body_bytes": ("DOCTOOL_MAX_BODY_BYTES", int),
            "max_batch_bytes": ("DOCTOOL_MAX_BATCH_BYTES", int),
            "render_timeout": ("DOCTOOL_RENDER_TIMEOUT", float),
            "render_workers": ("DOCTOOL_RENDER_WORKERS", int),
            "batch_workers": ("DOCTOOL_BATCH_WORKERS", int),
            "concurrent_batches": ("DOCTOOL_CONCURRENT_BATCHES", int),
            "callback_attempts": ("DOCTOOL_CALLBACK_ATTEMPTS", int),
            "callback_backoff": ("DOCTOOL_CALLBACK_BACKOFF", float),
            "mappings_dir": ("DOCTOOL_MAPPINGS_DIR", Path),
            "max_open_batches": ("DOCTOOL_MAX_OPEN_BATCHES", int),
            "poll_seconds": ("DOCTOOL_POLL_SECONDS", int),
            "queue_url": ("DOCTOOL_QUEUE_URL", str),
            "chunk_size": ("DOCTOOL_QUEUE_CHUNK_SIZE", int),
            "heartbeat_seconds": ("DOCTOOL_QUEUE_HEARTBEAT_SECONDS", float),
            "max_retries": ("DOCTOOL_QUEUE_MAX_RETRIES", int),
            "worker_threads": ("DOCTOOL_WORKER_THREADS", int),
            "queue_maintenance": ("DOCTOOL_QUEUE_MAINTENANCE", int),
        }
        for name, (var, kind) in simple.items():
            text = env.get(var, "").strip()
            if text:
                try:
                    values[name] = kind(text)
                except ValueError:
                    raise ConfigError(f"{var}={text!r} is not a valid {kind.__name__}") from None
        values["api_key_hashes"] = _key_hashes(env)
        values["insecure_no_auth"] = _flag(env, "DOCTOOL_INSECURE_NO_AUTH")
        values["callback_allow_loopback"] = _flag(env, "DOCTOOL_CALLBACK_ALLOW_LOOPBACK")
        values["callback_secret"] = _secret(env)
        known = {f.name for f in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"unknown setting {name}")
            if value is not None and value is not False:
                values[name] = Path(value) if name in ("data_dir", "mappings_dir") else value
        return cls(**values)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(env: Mapping[str, str], var: str) -> bool:
    text = env.get(var, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{var}={text!r} must be 1 or 0")


def parse_hashes(text: str) -> tuple[str, ...]:
    """Hashes separated by commas, spaces or lines; ``#`` starts a comment."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        out.extend(h.strip().lower() for h in re.split(r"[,\s]+", line) if h.strip())
    return tuple(out)


def _secret(env: Mapping[str, str]) -> str:
    secret = env.get("DOCTOOL_CALLBACK_SECRET", "").strip()
    secret_file = env.get("DOCTOOL_CALLBACK_SECRET_FILE", "").strip()
    if secret_file and not secret:
        try:
            secret = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"DOCTOOL_CALLBACK_SECRET_FILE cannot be read: {exc.strerror}") from None
    return secret


def _key_hashes(env: Mapping[str, str]) -> tuple[str, ...]:
    hashes = list(parse_hashes(env.get("DOCTOOL_API_KEY_HASHES", "")))
    key_file = env.get("DOCTOOL_API_KEY_FILE", "").strip()
    if key_file:
        try:
            hashes.extend(parse_hashes(Path(key_file).read_text(encoding="utf-8")))
        except OSError as exc:
            raise ConfigError(f"DOCTOOL_API_KEY_FILE cannot be read: {exc.strerror}") from None
    return tuple(dict.fromkeys(hashes))
