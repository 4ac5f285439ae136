"""Servers the browser and Jupyter tests start on 127.0.0.1 (Voilà, a Jupyter server,
JupyterLab, ``panel serve``): a free port, waiting until the server listens, the command line of
a Jupyter server with the options every test gives it, and stopping it by its PID; and the
browser that drives them, Debian's Chromium (never a browser downloaded by playwright)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Chromium's flags here: root, no GPU, and no connection of its own (the network is closed)."""
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Debian's chromium at /usr/bin/chromium "
    "(apt-get install -y chromium)",
)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(
    port: int, proc: subprocess.Popen, timeout: float = 60.0, log: Callable[[], str] = str
) -> None:
    """Return once something listens on ``port``; raise if ``proc`` exits first or after
    ``timeout`` seconds (with the tail ``log()`` gives, if any)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}: {log()}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f} s: {log()}")


def jupyter_server_command(app: str, port: int, *options: str) -> list[str]:
    """``python -m APP`` (``jupyter_server``, ``jupyterlab``) on 127.0.0.1:``port`` only, no
    browser, as root when the tests run as root, then ``options`` (a token among them)."""
    return [
        sys.executable,
        "-m",
        app,
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
        "--allow-root",
        *options,
    ]


def stop(proc: subprocess.Popen) -> None:
    """End ``proc`` by its PID: terminate, then kill after 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
