"""Telling the caller that a batch has finished: a signed POST to its ``callback_url``.

The body is JSON (:func:`callback_body`): the batch id, its status, counts, links and
``finished_at`` in ISO 8601 UTC. It is signed like Stripe's webhooks::

    Doctool-Signature: t=1767225600,v1=5f0c...   (hex HMAC-SHA256 of  b"1767225600." + body)

with the service's callback secret, so the receiver can check that the service sent it
and, from ``t``, refuse an old one played again (see :func:`verify` and docs/service.md).

Where it may go: ``https://`` only, to a host whose every address is public. Loopback,
private, link-local and other special addresses are refused when the batch is submitted
and again before every attempt (a name can be pointed elsewhere in between), and
redirects are never followed. ``DOCTOOL_CALLBACK_ALLOW_LOOPBACK=1`` also allows
``http://`` and loopback addresses, for tests and development on one machine.

Delivery: at least once. Up to ``attempts`` tries with exponential backoff (``backoff``,
twice that, ...); any 2xx ends it. How it went is in the job row (``callback_status``,
attempts, last error) and so in the batch's status. A delivery cut short by a stop is
tried again when the service starts; a receiver should treat a repeated ``id`` as one.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from doctool import __version__
from doctool.service.store import Job, JobRows

log = logging.getLogger("doctool.service.callbacks")

SIGNATURE_HEADER = "Doctool-Signature"
MAX_URL = 2048
#: How old a signed timestamp may be before :func:`verify` refuses it (seconds).
TOLERANCE = 300


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC (``2026-11-02T09:30:00.123Z``), or None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- where a callback may go --------------------------------------------------------------


def _address_problem(address: str, allow_loopback: bool) -> str:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if allow_loopback else "it points at this machine (a loopback address)"
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        return "it points at a private, link-local or reserved address, not a public one"
    return ""


def url_problem(url: str, allow_loopback: bool = False, resolve: bool = True) -> str:
    """Why ``url`` cannot be a callback URL, or "" when it can."""
    if len(url) > MAX_URL:
        return f"it is longer than {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "it is not a valid URL"
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return "it must be an https:// URL"
    if parts.username is not None or parts.password is not None:
        return "it must not carry a user name or password"
    if parts.fragment:
        return "it must not have a #fragment"
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "it must not contain spaces or control characters"
    bare = host.split("%", 1)[0]
    try:
        literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(bare)
    except ValueError:
        literal = None
    named_loopback = host == "localhost" or host.endswith(".localhost")
    to_loopback = named_loopback or (literal is not None and literal.is_loopback)
    if parts.scheme == "http" and not (allow_loopback and to_loopback):
        return "it must be an https:// URL (http:// only to a loopback address, when the service allows that)"
    if named_loopback:
        return "" if allow_loopback else "it points at this machine (localhost)"
    if literal is not None:
        return _address_problem(bare, allow_loopback)
    if resolve:
        try:
            infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return f"its host name {host!r} cannot be resolved"
        for info in infos:
            problem = _address_problem(str(info[4][0]), allow_loopback=False)
            if problem:
                return problem
    return ""


# --- signing -----------------------------------------------------------------------------


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Doctool-Signature`` header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """What a receiver does: the signature matches the raw body and is recent."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        t = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{t}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v) for v in fields.get("v1", []))


# --- delivery ----------------------------------------------------------------------------


def callback_body(job: Job) -> dict[str, Any]:
    return {
        "event": "batch.finished",
        "id": job.id,
        "status": job.status,
        "counts": {"total": job.total, "done": job.done, "skipped": job.skipped, "failed": job.failed},
        "error": job.error,
        "links": {
            "self": f"/v1/batches/{job.id}",
            "result": f"/v1/batches/{job.id}/result" if job.status == "done" else None,
        },
        "created_at": iso(job.created),
        "finished_at": iso(job.finished),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer that is not 2xx: the attempt failed


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


class CallbackSender:
    """Delivers callbacks in daemon threads, one per finished batch, with bounded retries."""

    def __init__(
        self,
        store: JobRows,
        secret: str,
        allow_loopback: bool = False,
        attempts: int = 5,
        backoff: float = 2.0,
        timeout: float = 10.0,
    ) -> None:
        self.store, self.secret, self.allow_loopback = store, secret, allow_loopback
        self.attempts, self.backoff, self.timeout = attempts, backoff, timeout
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Deliver what a stopped process left pending."""
        self._stopping.clear()
        for job in self.store.callbacks_pending():
            self.notify(job.id)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def notify(self, job_id: str) -> None:
        """Deliver the callback of a finished job (if it asked for one), in the background."""
        if self._stopping.is_set():
            return
        t = threading.Thread(target=self._deliver, args=(job_id,), name="doctool-callback", daemon=True)
        with self._lock:
            self._threads.add(t)
        t.start()

    def _deliver(self, job_id: str) -> None:
        try:
            job = self.store.get(job_id)
            if job is None or not job.callback_url or job.callback_status != "pending":
                return
            body = json.dumps(callback_body(job), separators=(",", ":")).encode("utf-8")
            error = ""
            for attempt in range(job.callback_attempts + 1, self.attempts + 1):
                error = self._attempt(job.callback_url, body)
                if not error:
                    self.store.callback_result(job_id, "delivered", attempt, None)
                    log.info("batch callback delivered", extra={"job_id": job_id})
                    return
                final = attempt >= self.attempts
                self.store.callback_result(job_id, "failed" if final else "pending", attempt, error)
                if final or self._stopping.wait(self.backoff * 2 ** (attempt - 1)):
                    break
            if error:
                log.warning("batch callback not delivered", extra={"job_id": job_id, "error_type": "CallbackError"})
        except Exception as exc:  # noqa: BLE001 - a delivery thread must never take the service down
            log.error("batch callback failed", extra={"job_id": job_id, "error_type": type(exc).__name__})
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _attempt(self, url: str, body: bytes) -> str:
        """One POST; "" when the receiver answered 2xx, else why not (no personal data)."""
        problem = url_problem(url, self.allow_loopback)
        if problem:
            return f"the callback URL was refused: {problem}"
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"doctool/{__version__}",
                SIGNATURE_HEADER: sign(self.secret, body),
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            return f"could not connect ({type(exc).__name__})"
        return "" if 200 <= status < 300 else f"the receiver answered {status}"
