"""``GET /api/health``: is the server able to work? (Open without an API key, for probes.)"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from pineopt import __version__
from pineopt.server.routes import RunnerDep, SettingsDep, StoreDep
from pineopt.server.routes.ai import python_uploads
from pineopt.server.schemas import HealthOut

log = logging.getLogger("pineopt.server")

router = APIRouter(tags=["health"])


@router.get(
    "/api/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "the database cannot be reached"}},
    summary="Health of the server, its database and its job runner",
)
def health(store: StoreDep, settings: SettingsDep, runner: RunnerDep) -> HealthOut | JSONResponse:
    """``ok`` (200) when the database answers; ``degraded`` (503) when it does not. Also: the
    job runner's queue, whether uploaded Python can run, whether an API key is required."""
    database: dict = {"backend": getattr(store, "backend", None), "url": str(store.url)}
    healthy = True
    try:
        database["backtests"] = store.count_backtests()
    except Exception as exc:
        log.warning("health check: the database does not answer: %s", exc)
        database["error"] = "the database does not answer (see the server's log)"
        healthy = False
    body = HealthOut(
        status="ok" if healthy else "degraded",
        version=__version__,
        database=database,
        jobs=runner.status(),
        sandbox=python_uploads(),
        auth=settings.auth_required,
    )
    if healthy:
        return body
    return JSONResponse(body.model_dump(mode="json"), status_code=503)
