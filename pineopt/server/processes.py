"""Function calls in fresh processes, forked from a warm forkserver, killable on a timeout.

The server does its CPU-bound work (backtests, conversions and analyses) away from its own
process: Python's GIL would otherwise let one conversion slow every other request, and a
runaway run could not be stopped. :class:`ForkedCall` runs ``function(*args)`` in a new process
and hands its return value back through a pipe (pickled: the child is PineOpt's own code - an
uploaded Python strategy runs one level further down, in the sandbox, and comes back as files).

The processes are forked by multiprocessing's forkserver, which imports
:mod:`pineopt.server.worker` once (PineOpt's compiler, runtime and broker, the parser built), so
a call starts in a few milliseconds, warm. Each child leads its own process group: a timeout
kills it with whatever it started (the sandbox's bubblewrap).

:class:`ProcessPool` bounds how many such calls run at once for one kind of work.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from functools import cache
from typing import Any

from pineopt.errors import PineOptError

log = logging.getLogger("pineopt.server.processes")


class WorkerFailed(PineOptError):
    """A worker process passed its time limit or died: the work was not done."""


@cache
def context() -> Any:
    """The multiprocessing context: forkserver with PineOpt preloaded (spawn where there is
    no forkserver)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        forkserver.set_forkserver_preload(["pineopt.server.worker"])
        return forkserver
    return multiprocessing.get_context("spawn")


class ForkedCall:
    """``function(*args)`` in a process of its own: :meth:`start`, then :meth:`result`."""

    def __init__(self, function: Any, args: tuple, name: str = "pineopt-worker") -> None:
        ctx = context()
        self._receiver, sender = ctx.Pipe(duplex=False)
        self._sender = sender
        self.process = ctx.Process(target=_child, args=(function, args, sender), name=name)
        self.process.daemon = True

    def start(self) -> None:
        self.process.start()
        self._sender.close()

    def result(self, timeout: float, what: str = "the work") -> Any:
        """The function's return value; :class:`WorkerFailed` when the process passes
        ``timeout`` seconds (it is killed) or dies; RuntimeError for an exception in the
        function (a bug: its traceback is in the log)."""
        try:
            if not self._receiver.poll(timeout):
                self.kill()
                raise WorkerFailed(
                    f"{what} exceeded its time limit of {timeout:g} s and was stopped"
                )
            try:
                status, value = self._receiver.recv()
            except (EOFError, OSError):
                self.process.join(5)
                raise WorkerFailed(
                    f"{what} stopped unexpectedly ({died(self.process.exitcode)})"
                ) from None
        finally:
            self._receiver.close()
            self.process.join(5)
            if self.process.is_alive():
                self.kill()
                self.process.join(5)
        if status == "error":
            raise RuntimeError(value)
        return value

    def kill(self) -> None:
        """SIGKILL the process group the child leads (else the child alone)."""
        pid = self.process.pid
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            with contextlib.suppress(Exception):  # already gone
                self.process.kill()


def died(exitcode: int | None) -> str:
    """Why a process ended, in words: ``killed by SIGKILL (out of memory?)``, ``exit code 1``."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"killed by {name}" + (" (out of memory?)" if exitcode == -signal.SIGKILL else "")
    return f"exit code {exitcode}"


def _child(function: Any, args: tuple, connection: Any) -> None:
    """In the child: lead a process group, run, send ``("ok", value)`` or ``("error", text)``."""
    with contextlib.suppress(OSError):
        os.setpgrp()
    try:
        message: tuple[str, Any] = ("ok", function(*args))
    except Exception as exc:
        log.exception("%s failed in a worker process", getattr(function, "__name__", function))
        message = ("error", f"internal error in a worker process: {type(exc).__name__}")
    try:
        connection.send(message)
    except Exception as exc:  # the value did not pickle: say so rather than vanish
        connection.send(("error", f"the result could not be sent back: {exc}"))
    finally:
        connection.close()


class ProcessPool:
    """At most ``processes`` forked calls at a time, each killed after ``timeout`` seconds."""

    def __init__(self, processes: int, timeout: float, what: str = "the work") -> None:
        self.processes = processes
        self.timeout = timeout
        self.what = what
        self._slots = threading.BoundedSemaphore(processes)

    def run(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` in a fresh process (waiting for a free slot first)."""
        with self._slots:
            call = ForkedCall(
                function, args, name=f"pineopt-{getattr(function, '__name__', 'call')}"
            )
            call.start()
            return call.result(self.timeout, self.what)
