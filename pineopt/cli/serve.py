"""``pineopt serve [--host 127.0.0.1] [--port 8000] [--workers N] [--database URL]``.

Serves the REST API (:mod:`pineopt.server`) with uvicorn until Ctrl-C or SIGTERM, which stop it
cleanly: running backtests are stopped and recorded as failed, the store is closed. The socket
is bound before the server starts, so a taken port is one clear error line, and ``--port 0``
picks a free port (the printed URL says which).

Exit codes: 0 stopped cleanly; 1 the store or a setting cannot be used; 2 usage error,
including a non-loopback ``--host`` while ``PINEOPT_API_KEY`` is not set (anyone reaching the
machine could run code on it).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import sys

from pineopt.cli import positive_int
from pineopt.errors import PineOptError


def add_serve_commands(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the REST API (strategies, backtests, conversions)",
        description="Serve PineOpt's REST API with uvicorn: OpenAPI at /openapi.json, docs at "
        "/docs. Settings come from the environment (PINEOPT_API_KEY, PINEOPT_DATABASE_URL, "
        "PINEOPT_RATE_LIMIT, PINEOPT_RUN_TIMEOUT, ...; see the README); the flags override them.",
        epilog="Exit codes: 0 stopped cleanly (Ctrl-C or SIGTERM); 1 the store or a setting "
        "cannot be used, or the port is taken; 2 usage error, including a non-loopback --host "
        "without PINEOPT_API_KEY.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    serve.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="backtests run at the same time, one process each (default $PINEOPT_WORKERS or 2)",
    )
    serve.add_argument(
        "--database",
        metavar="URL",
        help="the store: sqlite:///PATH or postgresql+psycopg://... "
        "(default $PINEOPT_DATABASE_URL, else outputs/pineopt.db)",
    )
    serve.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default="info",
        help="server log detail (default info: one line per request)",
    )
    serve.set_defaults(handler=cmd_serve)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is between 0 and 65535")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    from pineopt.server.settings import Settings, SettingsError, check_bind

    settings = Settings.from_env(workers=args.workers, database_url=args.database)
    try:
        check_bind(args.host, settings)
    except SettingsError as exc:
        print(f"pineopt: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(levelname)s:     %(name)s: %(message)s",
    )
    sock = _bind(args.host, args.port)
    # uvicorn handles SIGINT/SIGTERM while it serves (a graceful shutdown), then raises the
    # signal again once its own handlers are gone: these make that a clean exit (0)
    previous = {
        number: signal.signal(number, _stopped) for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        from pineopt.server import create_app

        app = create_app(settings=settings)
        return asyncio.run(_serve(app, sock, args))
    finally:
        sock.close()
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stopped(number: int, frame: object) -> None:
    """The server was asked to stop and has stopped: nothing more to do."""


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (IPv6 when the host is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise PineOptError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


async def _serve(app: object, sock: socket.socket, args: argparse.Namespace) -> int:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=args.host,
        port=sock.getsockname()[1],
        log_level=args.log_level,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if server.started:
        host = args.host if ":" not in args.host else f"[{args.host.strip('[]')}]"
        url = f"http://{host}:{sock.getsockname()[1]}"
        print(f"PineOpt API on {url} (docs: {url}/docs); Ctrl-C stops it", flush=True)
    await serving
    return 0 if server.started else 1
