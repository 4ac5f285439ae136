"""PineOpt's Jupyter server extension: live diagnostics and the built-ins for Pine editors.

Enabled by the installed ``jupyter_server_config.d/pineopt.json``; two routes under the
server's base URL, both needing the server's login (token or cookie):

* ``POST pineopt/diagnostics`` with ``{"source": TEXT, "kind": "cell" | "file"}`` answers
  ``{"diagnostics": [{"line", "column", "end_line", "end_column", "severity", "message"}]}``,
  lines and columns 1-based in ``TEXT``, end exclusive (see :mod:`pineopt.jupyter.editor`;
  a ``%%pine`` cell's first line is the magic's, :mod:`pineopt.jupyter.cells`). A payload
  that is not such an object, or a source over :data:`MAX_SOURCE_CHARS`, is a 400 with
  ``{"message": ...}``.
* ``GET pineopt/builtins`` answers :func:`~pineopt.jupyter.editor.builtins_reference`.

The editor calls the first on every pause in typing, so the work runs on one thread of its
own: the server's event loop (kernels' messages) never waits for an analysis, and a burst of
requests is analysed one after the other.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from pineopt.jupyter.editor import KINDS, builtins_reference, editor_diagnostics
from pineopt.lang.limits import MAX_SOURCE_CHARS  # the longest source the parser takes

__all__ = ["MAX_SOURCE_CHARS"]

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pineopt-editor")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "pineopt.jupyter.server_extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the routes under the server's base URL."""
    base_url = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, "pineopt", "diagnostics"), DiagnosticsHandler),
            (url_path_join(base_url, "pineopt", "builtins"), BuiltinsHandler),
        ],
    )
    serverapp.log.info("PineOpt: Pine diagnostics and built-ins at %spineopt/", base_url)


async def _off_the_loop(function: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, function, *args)


def _request(body: bytes) -> tuple[str, str]:
    """``(source, kind)`` of a diagnostics request, or an HTTP 400 saying what is wrong."""
    if len(body) > 4 * MAX_SOURCE_CHARS:  # UTF-8 and JSON escapes: at most ~4 bytes a char
        raise web.HTTPError(400, f"the source is longer than {MAX_SOURCE_CHARS} characters")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPError(400, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise web.HTTPError(400, 'the body is not a JSON object {"source": ..., "kind": ...}')
    source = payload.get("source")
    kind = payload.get("kind", "cell")
    if not isinstance(source, str):
        raise web.HTTPError(400, '"source" must be a string (the Pine text)')
    if kind not in KINDS:
        raise web.HTTPError(400, f'"kind" must be one of {", ".join(KINDS)}')
    if len(source) > MAX_SOURCE_CHARS:
        raise web.HTTPError(400, f"the source is longer than {MAX_SOURCE_CHARS} characters")
    return source, kind


class DiagnosticsHandler(APIHandler):
    """``POST pineopt/diagnostics``: the problems of one cell or file."""

    @web.authenticated
    async def post(self) -> None:
        source, kind = _request(self.request.body)
        found = await _off_the_loop(editor_diagnostics, source, kind)
        self.finish(json.dumps({"diagnostics": found}))


class BuiltinsHandler(APIHandler):
    """``GET pineopt/builtins``: what the editor completes and explains."""

    @web.authenticated
    async def get(self) -> None:
        self.finish(json.dumps(await _off_the_loop(builtins_reference)))
