"""Ctrl-C during a campaign is never lost.

Python turns SIGINT into a ``KeyboardInterrupt`` raised wherever the main thread happens to be.
When that is inside a garbage-collector callback (Dask's client registers one) the exception
is printed as "ignored" and the campaign goes on as if nothing was pressed. While a campaign
runs, :func:`watch` records every SIGINT before passing it on as usual, and :func:`check`
raises ``KeyboardInterrupt`` at the campaign's own safe points (between batches, and every
:data:`POLL` seconds while waiting for a cluster) when one was recorded and got lost.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

POLL = 0.1
"""Seconds between two checks while waiting for results."""

_pressed = threading.Event()


@contextlib.contextmanager
def watch() -> Iterator[None]:
    """Record SIGINT for :func:`check` while the block runs (in the main thread only: signal
    handlers cannot be set elsewhere, and only the main thread receives them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def record(signum: int, frame: Any) -> None:
        _pressed.set()
        if callable(previous):
            previous(signum, frame)  # the default raises KeyboardInterrupt here
        elif previous == signal.SIG_DFL:
            raise KeyboardInterrupt

    _pressed.clear()
    signal.signal(signal.SIGINT, record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _pressed.clear()


def check() -> None:
    """Raise ``KeyboardInterrupt`` when Ctrl-C was pressed during :func:`watch` (once)."""
    if _pressed.is_set():
        _pressed.clear()
        raise KeyboardInterrupt
