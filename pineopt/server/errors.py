"""Errors as JSON: every failure answers ``{"detail": "one message"}``, never a stack trace.

* :class:`ApiError` is what routes raise for an answer other than 200 (404 unknown id, 413 too
  large, 503 sandbox missing ...);
* invalid Pine (:class:`~pineopt.api.ConversionError`, the store's ``InvalidScript``) is 422
  with the located ``diagnostics``;
* a request that does not fit the schema is 422 with ``errors`` (where and why), unparsable
  JSON 400;
* any other :class:`~pineopt.errors.PineOptError` (bad data, a bad input value) is 422 with its
  message;
* anything else is a bug: it is logged with its traceback on the server and answered 500 with
  a plain message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pineopt.errors import PineOptError

log = logging.getLogger("pineopt.server")

INTERNAL = "internal error of the PineOpt server (the details are in the server's log)"


class ApiError(Exception):
    """An answer with ``status`` and ``{"detail": detail}`` (plus ``diagnostics`` when given)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        diagnostics: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.diagnostics = diagnostics
        self.headers = headers


def error_response(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The JSON answer of an error (``extra`` fields that are None are left out)."""
    body: dict[str, Any] = {"detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PineOptError, _pineopt_error)
    app.add_exception_handler(Exception, _unexpected)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.detail, headers=exc.headers, diagnostics=exc.diagnostics)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path: {request.url.path} (the API is described at /docs)"
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        detail = f"{request.method} is not allowed on {request.url.path}" + (
            f" (allowed: {allowed})" if allowed else ""
        )
    return error_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        reason = (broken.get("ctx") or {}).get("error") or broken.get("msg", "")
        return error_response(400, f"the request body is not valid JSON: {reason}")
    problems = [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            "message": str(e.get("msg", "invalid")),
        }
        for e in errors
    ]
    shown = "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'request'}: {item['message']}"
        for item in problems[:5]
    )
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return error_response(422, f"invalid request: {shown}{more}", errors=problems)


async def _pineopt_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PineOptError)
    status, diagnostics = classify(exc)
    return error_response(status, str(exc) or type(exc).__name__, diagnostics=diagnostics)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, INTERNAL)


def classify(exc: PineOptError) -> tuple[int, list[dict] | None]:
    """The HTTP status of a PineOpt error and its located diagnostics, if any."""
    from pineopt.api import ConversionError
    from pineopt.errors import NetworkUnavailable

    if isinstance(exc, ConversionError):
        from pineopt.server.analysis import diagnostic_dicts

        return 422, diagnostic_dicts(exc.diagnostics)
    if isinstance(exc, NetworkUnavailable):
        return 502, None
    return 422, None
