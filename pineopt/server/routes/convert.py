"""``POST /api/convert-pine``: Pine text in, the Python module, diagnostics and features out.

The conversion runs in a worker process (see :mod:`pineopt.server.processes`). Invalid Pine is
answered 422 with the located diagnostics. Every conversion is recorded in the store's
``conversions`` table (hashes, status, diagnostics, features, timing).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter

from pineopt.server.analysis import converted
from pineopt.server.errors import ApiError
from pineopt.server.routes import BODY_ERRORS, PoolDep, StoreDep, errors
from pineopt.server.schemas import ConvertIn, ConvertOut

log = logging.getLogger("pineopt.server")

router = APIRouter(tags=["convert"])


@router.post(
    "/api/convert-pine",
    response_model=ConvertOut,
    responses=errors(*BODY_ERRORS),
    summary="Convert Pine Script to Python",
)
def convert_pine(body: ConvertIn, store: StoreDep, pool: PoolDep) -> ConvertOut:
    """Convert ``source``. 200: ``code`` (a module that runs stand-alone or through
    ``pineopt.run``), warnings in ``diagnostics``, the ``features`` the script uses. 422: the
    script has errors; ``diagnostics`` locates each (line and column from 1)."""
    conversion, report = pool.run(converted, body.source, body.filename)
    try:
        store.record_conversion(conversion, seconds=report["seconds"])
    except Exception:  # the answer does not depend on the record
        log.exception("a conversion could not be recorded")
    if not conversion.ok:
        raise ApiError(
            422,
            conversion.format_diagnostics() or "the script could not be converted",
            diagnostics=report["diagnostics"],
        )
    return ConvertOut(**report)
