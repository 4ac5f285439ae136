"""The FastAPI application: :func:`create_app` wires the store, the settings, the job runner,
the limits and the routes together.

Layers of a request, outermost first: the API key check (401), the rate limit (429), the body
size limit (413), then the route; errors anywhere become JSON (:mod:`.errors`). The app's
lifespan marks backtests a previous server left queued or running as failed, starts the job
runner and a first analysis worker (so the forkserver, which imports PineOpt once, is up before
the first request), and on shutdown stops them (killing running backtests and marking them
failed) and closes the store it opened.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse

from pineopt import __version__
from pineopt.server import errors
from pineopt.server.auth import HEADER, ApiKeyMiddleware, protected
from pineopt.server.jobs import INTERRUPTED, JobRunner
from pineopt.server.limits import BodyLimitMiddleware, RateLimitMiddleware
from pineopt.server.processes import ProcessPool
from pineopt.server.settings import Settings

log = logging.getLogger("pineopt.server")

UPLOAD_PATHS = ("/api/strategies/upload",)

ANALYSIS_TIMEOUT = 120.0
"""Seconds one conversion or analysis may take (the parser's own limits keep real ones far
below: a megabyte of Pine parses in a few seconds)."""

DESCRIPTION = """\
PineOpt's REST shim: convert Pine Script, keep strategies, run backtests off the request path
and read their results. Errors are JSON `{"detail": "message"}`; invalid Pine is 422 with the
located `diagnostics`. When the server has an API key, send it in the `X-API-Key` header.
"""


def create_app(store: Any = None, settings: Settings | None = None) -> Any:
    """The ASGI app. ``store``: a :class:`pineopt.store.Store` (default: one opened on
    ``settings.database_url``, closed with the app); ``settings``: default
    :meth:`Settings.from_env`."""
    from pineopt.server.routes import ai, backtests, convert, health, market, strategies

    settings = settings or Settings.from_env()
    owns_store = store is None
    if store is None:
        from pineopt.store import Store

        store = Store(settings.database_url)
    runner = JobRunner(store, workers=settings.workers, dask_scheduler=settings.dask_scheduler)
    analyses = ProcessPool(settings.analysis_workers, ANALYSIS_TIMEOUT, "the conversion")

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        interrupted = await anyio.to_thread.run_sync(store.interrupt_running, INTERRUPTED)
        if interrupted:
            log.warning("%d backtest(s) left by a previous server marked failed", interrupted)
        await anyio.to_thread.run_sync(runner.start)
        await anyio.to_thread.run_sync(analyses.warm)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(runner.stop)
            analyses.close()
            if owns_store:
                store.close()

    app = FastAPI(
        title="PineOpt",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.runner = runner
    app.state.analyses = analyses
    errors.install(app)
    for module in (convert, strategies, backtests, market, ai, health):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    # the first added is the innermost
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(
        RateLimitMiddleware, rate=settings.rate_limit, window=settings.rate_window_seconds
    )
    app.add_middleware(ApiKeyMiddleware, keys=settings.api_keys)
    app.openapi = lambda: _openapi(app, settings)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The schema, with the API key scheme on every protected path when keys are set."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    if settings.auth_required:
        schema.setdefault("components", {})["securitySchemes"] = {
            "ApiKey": {"type": "apiKey", "in": "header", "name": HEADER}
        }
        for path, operations in schema.get("paths", {}).items():
            if protected(path):
                for operation in operations.values():
                    operation["security"] = [{"ApiKey": []}]
    app.openapi_schema = schema
    return schema
