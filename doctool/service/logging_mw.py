"""Request logging that can be shown to an information governance team, and the last-resort
error handler.

One JSON line per request: request id, method, route *template* (``/v1/documents/{document}``,
never the path as sent), status and duration. Never a body, a query string, a header, a
file name or an exception message: those can carry a person's details. The formatter
writes only whitelisted fields, so a stray ``extra=`` cannot leak data into the log.

Any exception that escapes a route becomes a 500 problem details answer (``application/problem+json``,
``"error": "internal"``, the request id) here, logged by exception *type* only; the client never sees a traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doctool.service.problems import MEDIA_TYPE, problem_bytes

log = logging.getLogger("doctool.service.access")
errors = logging.getLogger("doctool.service.errors")

#: The only record attributes the formatter writes, besides time, level, logger and message.
FIELDS = (
    "request_id", "method", "route", "status", "duration_ms", "job_id", "error_type",
    "total", "done", "skipped", "failed", "timeout_s", "host", "port", "workers", "chunk",
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.msg if isinstance(record.msg, str) else "",
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        return json.dumps(out, ensure_ascii=True)


def configure_logging(level: int = logging.INFO, name: str = "doctool.service") -> None:
    """JSON lines on stderr for the ``name`` loggers (idempotent)."""
    logger = logging.getLogger(name)
    if any(getattr(h, "_doctool", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._doctool = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def request_id_of(scope: Scope) -> str:
    return str(scope.get("state", {}).get("request_id", ""))


def _route_template(scope: Scope, routes: Sequence[BaseRoute], original: dict[str, Any]) -> str:
    """The template of the route that handled the request (``/v1/batches/{job_id}``), never
    the path as sent, which may hold an id or a name."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    probe = {**scope, **original, "type": "http"}  # as it came in: mounts rewrite root_path
    for route in routes:
        try:
            match, _child = route.matches(probe)
        except Exception:  # noqa: BLE001 - a route that cannot say is not this one
            continue
        if match is Match.FULL:
            return getattr(route, "path", "") or "(unmatched)"
    return "(unmatched)"


class RequestLogMiddleware:
    """Outermost middleware: request id, timing, one log line, and the catch-all 500."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]] = lambda: ()) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _UUID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = [0]
        original = {"path": scope.get("path", ""), "root_path": scope.get("root_path", "")}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the last resort: no traceback to the client
            errors.error("unhandled error", extra={"request_id": request_id, "error_type": type(exc).__name__})
            if status[0] == 0:
                body = problem_bytes(500, "internal", "an internal error occurred", request_id)
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", MEDIA_TYPE.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"),
                            (b"x-content-type-options", b"nosniff"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method", ""),
                    "route": _route_template(scope, self.routes(), original),
                    "status": status[0] or 500,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
