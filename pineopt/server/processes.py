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

:class:`ForkedCall` serves backtests: one fresh process each, as isolated as it gets.
:class:`ProcessPool` serves short calls (conversions, analyses): a few long-lived workers forked
the same way, which skip the cost of a fork per call but are killed and replaced past a time
limit.
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
    """Up to ``processes`` long-lived worker processes for short CPU-bound calls
    (conversions, analyses): no fork per call, and still a hard time limit - a worker past
    ``timeout`` is killed and replaced. A worker is recycled after ``max_calls`` calls, which
    bounds what it can accumulate."""

    def __init__(
        self, processes: int, timeout: float, what: str = "the work", max_calls: int = 500
    ) -> None:
        self.processes = processes
        self.timeout = timeout
        self.what = what
        self.max_calls = max_calls
        self._slots = threading.BoundedSemaphore(processes)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def run(self, function: Any, *args: Any) -> Any:
        """``function(*args)`` in a worker process (waiting for a free one first)."""
        with self._slots:
            with self._lock:
                if self._closed:
                    raise WorkerFailed(f"{self.what} cannot run: the server is stopping")
                worker = self._idle.pop() if self._idle else None
            worker = worker or _Worker()
            try:
                value = worker.call(function, args, self.timeout, self.what)
            except WorkerFailed:
                worker.kill()
                raise
            except BaseException:
                self._give_back(worker)
                raise
            self._give_back(worker)
            return value

    def warm(self) -> None:
        """Start one worker now (and so the forkserver, which imports PineOpt once), so that
        the first request does not wait for it."""
        worker = _Worker()
        self._give_back(worker)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed and worker.calls < self.max_calls and worker.alive():
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        """Stop the idle workers (busy ones stop when their call returns)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


class _Worker:
    """One long-lived worker process and the pipe to it."""

    def __init__(self) -> None:
        ctx = context()
        self.connection, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_serve, args=(child,), name="pineopt-analysis")
        self.process.daemon = True
        self.process.start()
        child.close()
        self.calls = 0

    def call(self, function: Any, args: tuple, timeout: float, what: str) -> Any:
        self.calls += 1
        try:
            self.connection.send((function, args))
            if not self.connection.poll(timeout):
                raise WorkerFailed(
                    f"{what} exceeded its time limit of {timeout:g} s and was stopped"
                )
            status, value = self.connection.recv()
        except (EOFError, OSError):
            self.process.join(1)
            raise WorkerFailed(
                f"{what} stopped unexpectedly ({died(self.process.exitcode)})"
            ) from None
        if status == "error":
            raise RuntimeError(value)
        return value

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        """Ask the worker to leave (it exits when its pipe closes), then make sure."""
        with contextlib.suppress(OSError):
            self.connection.close()
        self.process.join(2)
        if self.process.is_alive():
            self.kill()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.close()
        if self.process.pid is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                with contextlib.suppress(Exception):
                    self.process.kill()
        self.process.join(2)


def _serve(connection: Any) -> None:
    """A pool worker: answer ``(function, args)`` requests until the pipe closes."""
    with contextlib.suppress(OSError):
        os.setpgrp()
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        try:
            message: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:
            log.exception("%s failed in a worker process", getattr(function, "__name__", function))
            message = ("error", f"internal error in a worker process: {type(exc).__name__}")
        try:
            connection.send(message)
        except Exception as exc:  # the value did not pickle: say so rather than vanish
            connection.send(("error", f"the result could not be sent back: {exc}"))
