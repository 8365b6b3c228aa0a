"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the service sends, 4xx or 5xx, is one JSON object with the standard members:

* ``type``: a URI naming the kind of problem, ``https://doctool.example/problems/<code>``
  (stable; docs/service.md lists every one),
* ``title``: the same short summary for every occurrence of that kind,
* ``status``: the HTTP status code,
* ``detail``: what went wrong this time, in plain words,
* ``instance``: ``urn:uuid:<request id>``, naming this occurrence (the log line has it),

and these extensions: ``error`` (the stable machine-readable code doctool has always sent,
kept so callers that switch on it do not break), ``message`` (the same text as ``detail``,
kept for the same reason), ``request_id``, and per kind ``errors`` (JSON path and message
of each input error), the ``validate --json`` findings, ``limit``, ...
"""

from __future__ import annotations

import json
import uuid
from typing import Any

PROBLEM_BASE = "https://doctool.example/problems/"
MEDIA_TYPE = "application/problem+json"

#: code -> title. A code's title never changes with the occurrence; ``detail`` does.
TITLES: dict[str, str] = {
    "invalid_input": "The input is not a valid record",
    "invalid_request": "A parameter is missing or not valid",
    "invalid_profile": "No such council profile",
    "unauthorized": "A valid API key is required",
    "not_found": "No such resource",
    "unknown_document": "No such document",
    "unknown_schema": "No such schema",
    "unknown_batch": "No such batch",
    "unknown_mapping": "No such CSV mapping",
    "method_not_allowed": "Method not allowed",
    "not_applicable": "The document does not apply to this record",
    "not_ready": "The batch has not finished",
    "batch_running": "The batch is running",
    "too_large": "The request body is too large",
    "unsupported_media_type": "Unsupported media type",
    "incomplete": "Blocking elements are missing",
    "too_many_batches": "Too many unfinished batches",
    "internal": "Internal error",
    "configuration": "Service configuration error",
    "render_unavailable": "No render worker is free",
    "render_timeout": "Rendering took too long",
    "http_error": "Request refused",
}

#: The standard members; an extension never replaces one of them.
STANDARD = ("type", "title", "status", "detail", "instance")


def problem_type(code: str) -> str:
    return PROBLEM_BASE + code.replace("_", "-")


def instance_of(request_id: str) -> str:
    try:
        return uuid.UUID(request_id).urn
    except ValueError:
        return "urn:doctool:request:" + request_id


def problem(status: int, code: str, detail: str, request_id: str, **extra: Any) -> dict[str, Any]:
    """The problem details object for one error."""
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": TITLES.get(code, TITLES["http_error"]),
        "status": status,
        "detail": detail,
        "instance": instance_of(request_id),
    }
    for key, value in extra.items():
        if key not in STANDARD:
            body[key] = value
    body.update({"error": code, "message": detail, "request_id": request_id})
    return body


def problem_bytes(status: int, code: str, detail: str, request_id: str, **extra: Any) -> bytes:
    return json.dumps(problem(status, code, detail, request_id, **extra), ensure_ascii=False).encode("utf-8")
