"""The API key, Notify's rate limit and retries around the official client.

The key is ``{name}-{service_id}-{secret}`` (two UUIDs at the end, as the client splits it):
only the service id's first 8 characters are ever shown, and error text is scrubbed of the
key before it is printed.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from doctool.errors import InputError

if TYPE_CHECKING:
    from notifications_python_client.errors import APIError

# The client logs each failed request as a warning; doctool reports failures itself.
logging.getLogger("notifications_python_client").addHandler(logging.NullHandler())

LIVE_URL = "https://api.notifications.service.gov.uk"
#: Notify: 3,000 messages a minute per service.
PER_MINUTE = 3000

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_KEY = re.compile(rf"^(?P<name>.+)-(?P<service>{_UUID})-(?P<secret>{_UUID})$", re.IGNORECASE)

T = TypeVar("T")


@dataclass(frozen=True)
class ApiKey:
    value: str
    service_id: str
    secret: str

    @classmethod
    def parse(cls, text: str) -> ApiKey:
        """A key in Notify's format, or an InputError that does not repeat the key."""
        value = text.strip()
        match = _KEY.match(value)
        if not match:
            raise InputError("the Notify API key is not in Notify's format (key name, service id and secret)")
        return cls(value, match["service"], match["secret"])

    @property
    def shown(self) -> str:
        """What may be printed: the service id's first 8 characters."""
        return f"service {self.service_id[:8]}…"

    def scrub(self, text: str) -> str:
        return text.replace(self.value, "***").replace(self.secret, "***")

    def __repr__(self) -> str:  # never the secret, even in a traceback
        return f"ApiKey({self.shown})"


class TokenBucket:
    """At most ``capacity`` requests at once, refilled at ``rate`` a second.

    The defaults keep any 60 seconds under Notify's 3,000: a burst of 50, then 49.2 a second
    (50 + 60 × 49.17 = 3,000). ``clock`` and ``sleep`` are injectable for tests."""

    def __init__(
        self,
        per_minute: int = PER_MINUTE,
        capacity: float = 50,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = float(min(capacity, per_minute))
        self.rate = (per_minute - self.capacity) / 60 or per_minute / 60
        self.tokens = self.capacity
        self._clock, self._sleep = clock, sleep
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._updated) * self.rate)
        self._updated = now

    def take(self) -> float:
        """Wait until a request may go; return the seconds waited."""
        self._refill()
        waited = 0.0
        if self.tokens < 1:
            waited = (1 - self.tokens) / self.rate
            self._sleep(waited)
            self._refill()
            self.tokens = max(self.tokens, 1.0)  # the wait was exact; float rounding may say otherwise
        self.tokens -= 1
        return waited


class NotifyFailure(Exception):
    """A request Notify refused or that failed after every retry; the text has no key in it.
    ``error`` is Notify's name for it (``RateLimitError``, ``TooManyRequestsError`` …)."""

    def __init__(self, status: int, message: str, error: str = "") -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.error = error

    @property
    def daily_limit(self) -> bool:
        """The service's letters for today are used up: no retry helps before tomorrow."""
        return daily_limit(self.status, self.error)


def daily_limit(status: int, error: str) -> bool:
    # Notify API v2 errors: 429 "TooManyRequestsError" ("Exceeded send limits (LIMIT) for
    # today") is the daily limit; 429 "RateLimitError" ("Exceeded rate limit for key type
    # LIVE of 3000 requests per 60 seconds") passes within a minute.
    return status == 429 and error == "TooManyRequestsError"


def retryable(status: int, error: str = "") -> bool:
    return (status == 429 and not daily_limit(status, error)) or status >= 500


@dataclass
class Retry:
    attempts: int = 5  # tries in all
    base: float = 1.0  # seconds before the first retry, doubled each time
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2**attempt))


def _error(exc: APIError) -> str:
    """Notify's name for the error (the first one's), or "" when it gave none."""
    message: Any = exc.message
    if isinstance(message, list) and message and isinstance(message[0], dict):
        return str(message[0].get("error", ""))
    return ""


def _message(exc: APIError) -> str:
    message: Any = exc.message
    if isinstance(message, list):
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in message)
    return str(message)


class Notify:
    """The official client with the rate limit, bounded retries and key-free errors."""

    def __init__(
        self,
        key: ApiKey,
        base_url: str = LIVE_URL,
        bucket: TokenBucket | None = None,
        retry: Retry | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30,
    ) -> None:
        # The client (requests, JWT) is loaded here, not when any doctool command starts.
        from notifications_python_client.notifications import NotificationsAPIClient

        self.key = key
        self.client = NotificationsAPIClient(key.value, base_url=base_url, timeout=timeout)  # type: ignore[no-untyped-call]
        self.bucket = bucket or TokenBucket()
        self.retry = retry or Retry()
        self._sleep = sleep

    def call(self, fn: Callable[[], T], before_retry: Callable[[int], T | None] | None = None) -> T:
        """``fn`` within the rate limit; 429 and 5xx are retried with backoff. ``before_retry``
        (given the failed status) may return a result instead, e.g. a letter Notify made
        although its answer was lost."""
        from notifications_python_client.errors import APIError

        for attempt in range(self.retry.attempts):
            self.bucket.take()
            try:
                return fn()
            except APIError as exc:
                status, message, error = exc.status_code, self.key.scrub(_message(exc)), _error(exc)
            if not retryable(status, error) or attempt == self.retry.attempts - 1:
                raise NotifyFailure(status, message, error)
            self._sleep(self.retry.delay(attempt))
            if before_retry is not None:
                found = before_retry(status)
                if found is not None:
                    return found
        raise AssertionError("unreachable")

    def send_precompiled(self, reference: str, pdf: bytes, postage: str, already: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
        """Upload one letter. After a 5xx (Notify may have made it before failing) ``already``
        is asked before each retry, so an ambiguous failure never becomes a second letter."""
        def send() -> dict[str, Any]:
            result: dict[str, Any] = self.client.send_precompiled_letter_notification(  # type: ignore[no-untyped-call]
                reference=reference, pdf_file=io.BytesIO(pdf), postage=postage
            )
            return result

        def check(status: int) -> dict[str, Any] | None:
            return already() if status >= 500 else None

        return self.call(send, check)

    def by_reference(self, reference: str) -> list[dict[str, Any]]:
        """Letters Notify holds with this reference (first page, newest first)."""

        def get() -> list[dict[str, Any]]:
            result = self.client.get_all_notifications(template_type="letter", reference=reference)  # type: ignore[no-untyped-call]
            return list(result.get("notifications", []))

        return self.call(get)

    def notification(self, notification_id: str) -> dict[str, Any]:
        def get() -> dict[str, Any]:
            result: dict[str, Any] = self.client.get_notification_by_id(notification_id)  # type: ignore[no-untyped-call]
            return result

        return self.call(get)
