"""Errors as JSON: every failure answers ``{"detail": "one message"}``, never a stack trace.

* :class:`ApiError` is what routes raise for an answer other than 200 (404 unknown id, 413 too
  large, 503 sandbox missing ...);
* invalid Pine (:class:`~pineopt.api.ConversionError`, the store's ``InvalidScript``) is 422
  with the located ``diagnostics``;
* a request that does not fit the schema is 422 with ``errors`` (where and why), unparsable
  JSON 400;
* the store's errors: an unknown id 404, a name already taken 409, the database unreachable
  503 (see :func:`classify`); bars that no sample or cached series holds 404; any other
  :class:`~pineopt.errors.PineOptError` (bad data, a bad input value) is 422 with its message;
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
        allowed = ", ".join(allowed_methods(request))
        detail = f"{request.method} is not allowed on {request.url.path} (allowed: {allowed})"
        return error_response(405, detail, headers={"Allow": allowed})
    return error_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers at the request's path (Starlette's own 405 names the
    methods of the first matching route only): each is tried against the app's routes."""
    from starlette.routing import Match

    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


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
            "message": _message(e),
        }
        for e in errors
    ]
    shown = "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'request'}: {item['message']}"
        for item in problems[:5]
    )
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return error_response(422, f"invalid request: {shown}{more}", errors=problems)


def _message(error: dict) -> str:
    """pydantic's message, in words for the patterns of :mod:`.schemas`."""
    from pineopt.server.schemas import NO_NUL, TIMEFRAME

    if error.get("type") == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        if pattern == TIMEFRAME:
            return (
                f"not a timeframe: {error.get('input')!r} (use Pine notation such as 1S, 15, "
                "60, 240, 1D, 1W, 1M)"
            )
        if pattern == NO_NUL:
            return "text must not contain the NUL character"
    return str(error.get("msg", "invalid"))


async def _pineopt_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PineOptError)
    status, diagnostics = classify(exc)
    return error_response(status, str(exc) or type(exc).__name__, diagnostics=diagnostics)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, INTERNAL)


def classify(exc: PineOptError) -> tuple[int, list[dict] | None]:
    """The HTTP status of a PineOpt error and its located diagnostics, if any.

    Unknown id, or bars that nothing holds: 404. Invalid Pine: 422 with diagnostics. The store
    refusing a change (a name already taken): 409. The database unreachable or locked, a
    conversion's worker process past its time limit or dead: 503. A remote provider offline:
    502. Any other bad input (data, input values, settings): 422."""
    from sqlalchemy.exc import IntegrityError, SQLAlchemyError

    from pineopt.api import ConversionError
    from pineopt.errors import DataNotFound, NetworkUnavailable
    from pineopt.server.processes import WorkerFailed
    from pineopt.store import InvalidScript, NotFound, StoreError

    if isinstance(exc, NotFound):
        return 404, None
    if isinstance(exc, InvalidScript):
        return 422, list(exc.diagnostics)
    if isinstance(exc, ConversionError):
        from pineopt.server.analysis import diagnostic_dicts

        return 422, diagnostic_dicts(exc.diagnostics)
    if isinstance(exc, StoreError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, IntegrityError) or "already exists" in str(exc):
            return 409, None
        if isinstance(cause, SQLAlchemyError):
            return 503, None
        return 422, None
    if isinstance(exc, DataNotFound):
        return 404, None
    if isinstance(exc, NetworkUnavailable):
        return 502, None
    if isinstance(exc, WorkerFailed):
        return 503, None
    return 422, None
