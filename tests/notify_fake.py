"""A local stand-in for GOV.UK Notify's v2 API, for tests: precompiled letters only.

It follows the documented API (``POST /v2/notifications/letter``, ``GET /v2/notifications``
and ``GET /v2/notifications/{id}``) and checks each request's JWT as Notify does: an
``Authorization: Bearer`` token signed HS256 with the secret of the service named by
``iss``, whose ``iat`` is within 30 seconds of now. Anything else gets Notify's 403.
Runs in a thread on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt

IAT_BOUND = 30
POSTAGE = {"first", "second", "economy"}


def make_key(name: str = "doctool_test") -> tuple[str, str, str]:
    """(key, service id, secret) in Notify's format: ``{name}-{service_id}-{secret}``."""
    service, secret = str(uuid.uuid4()), str(uuid.uuid4())
    return f"{name}-{service}-{secret}", service, secret


class FakeNotify:
    def __init__(self) -> None:
        self.services: dict[str, str] = {}  # service id -> secret
        self.letters: dict[str, dict[str, Any]] = {}  # id -> notification
        self.uploads: list[dict[str, Any]] = []  # each accepted upload: reference, postage, pdf bytes
        self.requests: list[tuple[str, str, int]] = []  # method, path, status
        self.fail_next: list[int] = []  # statuses to answer the next letter POSTs with, before processing
        self.daily_limit: int | None = None  # letters a service may send today (Notify's default is 20,000)
        self.lose_next: int = 0  # letter POSTs to accept but answer 500, as if the answer was lost
        self.mark: dict[str, str] = {}  # reference -> the status GET reports
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                with fake.lock:  # before answering, so a test that has the answer sees it here
                    fake.requests.append((self.command, self.path, status))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, error: str, message: str) -> None:
                self._answer(status, {"status_code": status, "errors": [{"error": error, "message": message}]})

            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Bearer "):
                    self._error(401, "AuthError", "Unauthorized: authentication token must be provided")
                    return False
                token = header[len("Bearer ") :]
                try:
                    claims = jwt.decode(token, options={"verify_signature": False}, algorithms=["HS256"])
                    issuer = claims.get("iss")
                    secret = fake.services.get(str(issuer))
                    if secret is None:
                        raise PermissionError("Invalid token: service not found")
                    claims = jwt.decode(token, key=secret, algorithms=["HS256"], options={"verify_iat": False})
                    if "iat" not in claims:
                        raise PermissionError("Invalid token: iat field not provided")
                    if abs(time.time() - int(claims["iat"])) > IAT_BOUND:
                        raise PermissionError("Error: Your system clock must be accurate to within 30 seconds")
                except jwt.InvalidAlgorithmError:
                    self._error(403, "AuthError", "Invalid token: algorithm used is not HS256")
                    return False
                except jwt.PyJWTError:
                    self._error(403, "AuthError", "Invalid token: signature, api token not found")
                    return False
                except PermissionError as exc:
                    self._error(403, "AuthError", str(exc))
                    return False
                return True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if not self._authorised():
                    return
                if urlparse(self.path).path != "/v2/notifications/letter":
                    return self._error(404, "NotFound", "Not found")
                with fake.lock:
                    injected = fake.fail_next.pop(0) if fake.fail_next else None
                if injected == 429:
                    return self._error(429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
                if fake.daily_limit is not None and len(fake.uploads) >= fake.daily_limit:
                    return self._error(429, "TooManyRequestsError", f"Exceeded send limits ({fake.daily_limit}) for today")
                if injected:
                    return self._error(injected, "Exception", "Internal server error")
                try:
                    body = json.loads(raw)
                    reference, content = body["reference"], body["content"]
                    pdf = base64.b64decode(content, validate=True)
                except (ValueError, KeyError, TypeError, binascii.Error):
                    return self._error(400, "ValidationError", "reference and base64 content are required")
                postage = body.get("postage", "second")
                if postage not in POSTAGE:
                    return self._error(400, "ValidationError", "postage invalid. It must be first, second or economy.")
                if not pdf.startswith(b"%PDF"):
                    return self._error(400, "ValidationError", "Letter content is not a valid PDF")
                notification = {
                    "id": str(uuid.uuid4()),
                    "reference": reference,
                    "postage": postage,
                    "type": "letter",
                    "status": "accepted",
                    "created_at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
                }
                with fake.lock:
                    fake.letters[notification["id"]] = notification
                    fake.uploads.append({"reference": reference, "postage": postage, "pdf": pdf})
                    lost, fake.lose_next = fake.lose_next > 0, max(0, fake.lose_next - 1)
                if lost:
                    return self._error(500, "Exception", "Internal server error")
                self._answer(201, {"id": notification["id"], "reference": reference, "postage": postage})

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                url = urlparse(self.path)
                if url.path == "/v2/notifications":
                    query = parse_qs(url.query)
                    wanted = query.get("reference", [None])[0]
                    found = [self._view(n) for n in fake.letters.values() if wanted is None or n["reference"] == wanted]
                    return self._answer(200, {"notifications": found[::-1], "links": {"current": self.path}})
                prefix = "/v2/notifications/"
                notification = fake.letters.get(url.path[len(prefix) :]) if url.path.startswith(prefix) else None
                if notification is None:
                    return self._error(404, "NoResultFound", "No result found")
                self._answer(200, self._view(notification))

            def _view(self, notification: dict[str, Any]) -> dict[str, Any]:
                return {**notification, "status": fake.mark.get(notification["reference"], notification["status"])}

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_service(self) -> str:
        """A new service; returns its API key."""
        key, service, secret = make_key()
        self.services[service] = secret
        return key

    def __enter__(self) -> FakeNotify:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
