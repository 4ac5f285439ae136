"""Backtests off the request path: a queue, a few runner threads, one process per backtest.

``POST /api/backtests/run`` records the backtest (status ``queued``) and hands a
:class:`~pineopt.server.worker.BacktestJob` to :meth:`JobRunner.submit`; the answer goes back
at once (202). Each of ``workers`` runner threads then takes jobs from the queue in turn:

1. marks the backtest ``running`` in the store;
2. runs it on an executor - :class:`ProcessExecutor` by default: a fresh process forked from a
   forkserver that has PineOpt imported (:mod:`pineopt.server.processes`: it starts warm),
   killed with everything it started when it passes the run timeout; or :class:`DaskExecutor`
   when ``PINEOPT_DASK_SCHEDULER`` names a Dask scheduler;
3. records what came back: ``done`` with the Result (``store.finish_backtest``) or ``failed``
   with a one-line message (``store.fail_backtest``).

Only this process writes to the store (workers return results; they never open the
database), so SQLite's single writer is never contended by workers. When the server stops,
queued backtests are marked failed and running ones are killed and marked failed; when it
starts, whatever a previous server left queued or running is marked failed
(``store.interrupt_running``), so no record says "running" forever.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from typing import Any

from pineopt.server.processes import ForkedCall, WorkerFailed
from pineopt.server.settings import SettingsError
from pineopt.server.worker import BacktestJob, Outcome

log = logging.getLogger("pineopt.server.jobs")

STOPPED = "the server stopped before the backtest finished"
INTERRUPTED = (
    "interrupted: the server stopped or restarted while the backtest was queued or running"
)
CANCELLED = "the backtest was cancelled"


def timeout_message(seconds: float) -> str:
    return f"the backtest exceeded its time limit of {seconds:g} s and was stopped"


# ------------------------------------------------------------------ executors


class ProcessExecutor:
    """Runs each job in a fresh process forked from the warm forkserver
    (:class:`~pineopt.server.processes.ForkedCall`): the worker returns its
    :class:`~pineopt.server.worker.Outcome`; past the job's timeout it is killed with its
    process group; one that dies is reported with how it died."""

    name = "processes"

    def __init__(self) -> None:
        self._running: dict[int, ForkedCall] = {}
        self._cancelled: set[int] = set()
        self._closed = False
        self._lock = threading.Lock()

    def run(self, job: BacktestJob) -> Outcome:
        from pineopt.server.worker import run_job

        call = ForkedCall(run_job, (job,), name=f"pineopt-backtest-{job.backtest_id}")
        with self._lock:
            if self._closed or job.backtest_id in self._cancelled:
                self._cancelled.discard(job.backtest_id)
                return Outcome(error=CANCELLED)
            self._running[job.backtest_id] = call
            call.start()
        try:
            outcome = call.result(job.timeout, "the backtest")
        except WorkerFailed as exc:
            outcome = Outcome(error=str(exc))
        except RuntimeError as exc:
            outcome = Outcome(error=str(exc))
        finally:
            with self._lock:
                self._running.pop(job.backtest_id, None)
                cancelled = job.backtest_id in self._cancelled
                self._cancelled.discard(job.backtest_id)
        return Outcome(error=CANCELLED) if cancelled else outcome

    def cancel(self, backtest_id: int) -> None:
        with self._lock:
            self._cancelled.add(backtest_id)
            call = self._running.get(backtest_id)
        if call is not None:
            call.kill()

    def cancel_all(self) -> None:
        """Kill every running worker (their jobs report CANCELLED)."""
        with self._lock:
            self._closed = True
            calls = list(self._running.items())
            self._cancelled.update(backtest_id for backtest_id, _ in calls)
        for _, call in calls:
            call.kill()

    def close(self) -> None:
        self.cancel_all()


class DaskExecutor:
    """Runs each job as a task on a Dask cluster (``PINEOPT_DASK_SCHEDULER``).

    The task returns the Outcome to this process, which records it: Dask workers never
    touch the store. A task past the timeout is cancelled (Dask cannot kill a running task:
    its worker thread finishes in the background)."""

    def __init__(self, address: str, connect_timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise SettingsError(
                f"PINEOPT_DASK_SCHEDULER is set ({address}) but dask.distributed is not "
                "installed: install it (pip install distributed) or unset the variable"
            ) from None
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SettingsError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.name = f"dask {address}"
        self._futures: dict[int, Any] = {}
        self._lock = threading.Lock()

    def run(self, job: BacktestJob) -> Outcome:
        from concurrent.futures import CancelledError

        from pineopt.server.worker import run_backtest

        key = f"pineopt-backtest-{job.backtest_id}-{uuid.uuid4().hex[:8]}"
        portable = BacktestJob(**{**job.__dict__, "env": {}, "cwd": None})
        future = self.client.submit(run_backtest, portable, key=key, pure=False)
        with self._lock:
            self._futures[job.backtest_id] = future
        try:
            return future.result(timeout=job.timeout)
        except TimeoutError:
            future.cancel()
            return Outcome(error=timeout_message(job.timeout))
        except CancelledError:
            return Outcome(error=CANCELLED)
        except Exception as exc:  # the task or its worker failed (KilledWorker ...)
            return Outcome(error=f"the Dask worker failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._futures.pop(job.backtest_id, None)

    def cancel(self, backtest_id: int) -> None:
        with self._lock:
            future = self._futures.get(backtest_id)
        if future is not None:
            future.cancel()

    def cancel_all(self) -> None:
        with self._lock:
            futures = list(self._futures.values())
        for future in futures:
            future.cancel()

    def close(self) -> None:
        self.cancel_all()
        self.client.close()


# ------------------------------------------------------------------ the runner


class JobRunner:
    """The queue of backtests and the threads that run and record them."""

    def __init__(
        self,
        store: Any,
        *,
        workers: int = 2,
        dask_scheduler: str | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        self.store = store
        self.workers = workers
        self.dask_scheduler = dask_scheduler
        self.connect_timeout = connect_timeout
        self.executor: ProcessExecutor | DaskExecutor | None = None
        self._queue: queue.Queue[BacktestJob | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._running: set[int] = set()
        self._skipped: set[int] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    # ---- life cycle

    def start(self) -> None:
        """Choose the executor (raises SettingsError for an unusable Dask address) and start
        the runner threads."""
        if self._threads:
            return
        self._stopping.clear()
        if self.dask_scheduler:
            self.executor = DaskExecutor(self.dask_scheduler, self.connect_timeout)
        else:
            self.executor = ProcessExecutor()
        for number in range(self.workers):
            thread = threading.Thread(
                target=self._loop, name=f"pineopt-runner-{number + 1}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop: queued backtests and running ones (killed) are marked failed."""
        self._stopping.set()
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._fail(job.backtest_id, STOPPED)
        if self.executor is not None:
            self.executor.cancel_all()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        if self.executor is not None:
            self.executor.close()
        self._threads = []

    # ---- jobs

    def submit(self, job: BacktestJob) -> None:
        """Queue ``job`` (its backtest row exists, status queued)."""
        if self._stopping.is_set() or not self._threads:
            raise RuntimeError("the job runner is not running")
        self._queue.put(job)

    def cancel(self, backtest_id: int) -> None:
        """Stop a backtest: skipped if still queued, killed if running."""
        with self._lock:
            self._skipped.add(backtest_id)
        if self.executor is not None:
            self.executor.cancel(backtest_id)

    def status(self) -> dict[str, Any]:
        with self._lock:
            running = len(self._running)
        return {
            "workers": self.workers,
            "executor": getattr(self.executor, "name", None),
            "queued": self._queue.qsize(),
            "running": running,
        }

    # ---- runner threads

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._stopping.is_set():
                self._fail(job.backtest_id, STOPPED)
                continue
            with self._lock:
                skipped = job.backtest_id in self._skipped
                self._skipped.discard(job.backtest_id)
            if skipped:
                continue
            try:
                self._run(job)
            except Exception:  # a runner thread must survive anything
                log.exception("backtest %s could not be run", job.backtest_id)
                self._fail(job.backtest_id, "internal error of the job runner (see the log)")

    def _run(self, job: BacktestJob) -> None:
        from pineopt.store import NotFound

        try:
            self.store.start_backtest(job.backtest_id)
        except NotFound:
            return  # deleted while it waited
        with self._lock:
            self._running.add(job.backtest_id)
        try:
            assert self.executor is not None
            outcome = self.executor.run(job)
        finally:
            with self._lock:
                self._running.discard(job.backtest_id)
        if outcome.error == CANCELLED and self._stopping.is_set():
            outcome = Outcome(error=STOPPED)
        self._record(job, outcome)

    def _record(self, job: BacktestJob, outcome: Outcome) -> None:
        from pineopt.store import NotFound

        if outcome.result is None:
            self._fail(job.backtest_id, outcome.error or "the backtest failed")
            return
        try:
            self.store.finish_backtest(job.backtest_id, outcome.result, provider=outcome.provider)
        except NotFound:
            pass  # deleted while it ran
        except Exception as exc:
            log.exception("the result of backtest %s could not be recorded", job.backtest_id)
            self._fail(job.backtest_id, f"the result could not be recorded: {exc}")

    def _fail(self, backtest_id: int, message: str) -> None:
        from pineopt.store import NotFound

        try:
            self.store.fail_backtest(backtest_id, message)
        except NotFound:
            pass
        except Exception:
            log.exception("backtest %s could not be marked failed", backtest_id)
