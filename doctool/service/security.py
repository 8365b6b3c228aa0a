"""API keys: bearer tokens checked against SHA-256 hashes in constant time.

The service stores and compares only hashes. A presented key is hashed once and compared
with *every* configured hash using :func:`hmac.compare_digest`, without stopping at the
first match, so the time taken does not tell an attacker which hash, or how much of one,
matched. Keys are 32 random bytes (``secrets.token_urlsafe``), so a fast hash is enough:
there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh API key and its SHA-256 hash (hex). Give out the key; configure the hash."""
    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


def bearer_token(authorization: str | None) -> str | None:
    """The token from an ``Authorization: Bearer TOKEN`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return None
    return token


def matching_hash(token: str | None, hashes: tuple[str, ...]) -> str | None:
    """The configured hash the token matches, or None. Every hash is compared."""
    if token is None:
        return None
    presented = hash_key(token).encode("ascii")
    found = None
    for h in hashes:
        if hmac.compare_digest(presented, h.encode("ascii")):
            found = h
    return found


# --- response headers -----------------------------------------------------------------

#: The page loads only its own script and stylesheet: no inline code, no other origin.
#: ``frame-src blob:`` lets the page show its preview: a PDF the page itself fetched from
#: /v1 and holds as a blob: URL, in an <iframe>. No other frame, no plugin (<object>).
CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'; frame-src blob:"

SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every response; ``Cache-Control: no-store`` on /v1
    (answers carry personal data and must not sit in a browser or proxy cache)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith("/v1")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                headers.extend(SECURITY_HEADERS)
                headers.append((b"cache-control", b"no-store" if api else b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)


_REPLACED = {name for name, _ in SECURITY_HEADERS} | {b"cache-control", b"server"}
