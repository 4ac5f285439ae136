"""Request limits: the size of a request body and the rate of requests per caller.

Both are ASGI middlewares that answer in JSON themselves (``413`` and ``429``) before a route
runs:

* :class:`BodyLimitMiddleware` refuses a body larger than ``max_body_bytes`` (uploads:
  ``max_upload_bytes`` plus room for the multipart envelope) from its ``Content-Length`` at
  once, and otherwise counts the bytes as they arrive;
* :class:`RateLimitMiddleware` keeps a token bucket per caller (the API key when there is one,
  else the client address): ``rate`` requests per ``window`` seconds, refilled continuously;
  an empty bucket is answered 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pineopt.server.auth import SCOPE_KEY, protected
from pineopt.server.errors import error_response

MULTIPART_ROOM = 64 * 1024
"""Bytes allowed beyond the upload limit for the multipart boundaries and form fields."""


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


class BodyLimitMiddleware:
    """413 for a request body over the limit of its path."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        upload_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes
        self.upload_paths = upload_paths

    def limit(self, path: str) -> int:
        if path in self.upload_paths:
            return self.max_upload + MULTIPART_ROOM
        return self.max_body

    def message(self, path: str) -> str:
        if path in self.upload_paths:
            return f"the upload is larger than the limit of {_size(self.max_upload)}"
        return f"the request body is larger than the limit of {_size(self.max_body)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limit(path)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await error_response(413, self.message(path))(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body; the
                    # error handlers turn it into the JSON answer.
                    raise HTTPException(413, self.message(path))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as exc:
            if started or exc.status_code != 413:
                raise
            await error_response(413, str(exc.detail))(scope, receive, send)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets by caller: each holds up to ``rate`` tokens and gains ``rate / window``
    per second; a request takes one."""

    def __init__(self, rate: int, window: float = 60.0) -> None:
        self.rate = rate
        self.window = window
        self.buckets: dict[str, _Bucket] = {}
        self._last_sweep = time.monotonic()

    def take(self, caller: str, now: float | None = None) -> float:
        """Take a token for ``caller``: 0 when allowed, else the seconds until one is free."""
        now = time.monotonic() if now is None else now
        per_second = self.rate / self.window
        bucket = self.buckets.get(caller)
        if bucket is None:
            bucket = self.buckets[caller] = _Bucket(float(self.rate), now)
        bucket.tokens = min(float(self.rate), bucket.tokens + (now - bucket.stamp) * per_second)
        bucket.stamp = now
        self._sweep(now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / per_second

    def _sweep(self, now: float) -> None:
        """Forget callers whose bucket has been full again for a while (bounded memory)."""
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for caller in [c for c, b in self.buckets.items() if now - b.stamp > 2 * self.window]:
            del self.buckets[caller]


class RateLimitMiddleware:
    """429 with ``Retry-After`` once a caller has spent its budget (``/api/`` paths only)."""

    def __init__(self, app: ASGIApp, rate: int, window: float = 60.0) -> None:
        self.app = app
        self.limiter = RateLimiter(rate, window) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is None or scope["type"] != "http" or not protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        caller = scope.get(SCOPE_KEY) or "client:" + str((scope.get("client") or ("?",))[0])
        wait = self.limiter.take(caller)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            limiter = self.limiter
            response = error_response(
                429,
                f"too many requests: the limit is {limiter.rate} per {limiter.window:g} s; "
                f"retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
