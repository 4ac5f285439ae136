"""The optional API key: ``PINEOPT_API_KEY`` set means every ``/api/...`` call (except
``/api/health``) must send one of its keys in the ``X-API-Key`` header.

Checked by an ASGI middleware before anything reads the request body, with a constant-time
comparison. The key that matched is remembered in the request scope (as a digest, never the key
itself) so that the rate limit (:mod:`pineopt.server.limits`) counts per key.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from pineopt.server.errors import error_response

HEADER = "X-API-Key"
SCOPE_KEY = "pineopt.client"
"""Where the caller's identity for the rate limit is kept in the ASGI scope."""

OPEN_PATHS = ("/api/health",)


def protected(path: str) -> bool:
    """Whether ``path`` needs the key: the API, not the docs or the health check."""
    return path.startswith("/api/") and path not in OPEN_PATHS


class ApiKeyMiddleware:
    """Answer 401 to an ``/api/`` request without a valid ``X-API-Key`` (when keys are set)."""

    def __init__(self, app: ASGIApp, keys: tuple[str, ...]) -> None:
        self.app = app
        self.keys = tuple(k.encode("utf-8") for k in keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.keys or not protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(HEADER.lower())
        if sent is None:
            response = error_response(
                401, f"this server needs an API key: send it in the {HEADER} header"
            )
            await response(scope, receive, send)
            return
        given = sent.encode("utf-8", "surrogateescape")
        if not any(hmac.compare_digest(given, key) for key in self.keys):
            response = error_response(401, f"the API key in the {HEADER} header is not valid")
            await response(scope, receive, send)
            return
        scope[SCOPE_KEY] = "key:" + hashlib.sha256(given).hexdigest()[:16]
        await self.app(scope, receive, send)
