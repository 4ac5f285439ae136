"""PineOpt's REST shim (``pineopt serve``): FastAPI over the public API and the store.

>>> from pineopt.server import create_app
>>> app = create_app()            # doctest: +SKIP  (opens the default store)

Modules, one concern each: :mod:`.settings` (limits from the environment), :mod:`.app` (the
factory), :mod:`.routes` (one module per group of paths), :mod:`.schemas` (the pydantic
bodies, hence the OpenAPI schema), :mod:`.errors` (JSON errors), :mod:`.auth` and
:mod:`.limits` (API key, body size, rate limit), :mod:`.jobs`, :mod:`.worker` and
:mod:`.processes` (backtests, conversions and analyses in worker processes), :mod:`.analysis`
(the static analysis behind ``/api/ai``), :mod:`.upload_check` and :mod:`.sandbox` (uploaded
Python: checked statically, run only inside bubblewrap). The server
holds no logic of its own beyond HTTP: it calls :mod:`pineopt`'s API and
:class:`pineopt.store.Store`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(store: Any = None, settings: Any = None) -> Any:
    """The FastAPI app (see :func:`pineopt.server.app.create_app`)."""
    from pineopt.server.app import create_app as build

    return build(store=store, settings=settings)
