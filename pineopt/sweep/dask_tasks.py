"""The Dask plumbing that sweeps (:mod:`pineopt.sweep.cluster`) and report grids
(:mod:`pineopt.reports.grid`) share: one way to reach a cluster and one way to run tasks on it.

* :func:`connect` gives a :class:`distributed.Client` on the scheduler at an address (``dask
  scheduler`` and ``dask worker ADDRESS`` started by someone else; ``$DASK_SCHEDULER_ADDRESS``
  when neither an address nor a worker count is given), or on a
  :class:`distributed.LocalCluster` started here: one single-threaded worker process per core
  (or the count given), since Pine runs and notebooks are pure Python and threads would share
  one interpreter lock, its housekeeping slowed (:func:`local_config`). :func:`disconnect`
  closes the client and a cluster started here; :func:`announce` prints the dashboard's
  address on stderr.
* :func:`run_tasks` submits one task per job and yields each result as its task finishes
  (``as_completed``), checking for a lost Ctrl-C while it waits
  (:mod:`pineopt.sweep.interrupts`). A task whose workers died and that the scheduler cannot
  repair (``KilledWorker`` after repeated deaths, or a cancellation when data it needed died
  with a worker) is submitted again, at most :data:`RESUBMITS` times, before the whole run
  fails; any other failure of a task is one :class:`~pineopt.errors.PineOptError` (tasks
  return their own errors as values when a failure should not stop the others). When the
  caller stops early or an exception (Ctrl-C included) passes through, the tasks still queued
  are cancelled.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from pineopt.errors import PineOptError
from pineopt.sweep import interrupts

#: times a task whose workers died is submitted again before the run fails
RESUBMITS = 2
#: seconds to wait for a remote cluster's first worker
WORKER_TIMEOUT = 60
#: Dask's housekeeping on a LocalCluster started here. At Dask's defaults (each worker samples
#: its running task's stack every 10 ms for the dashboard's profile, every server checks its
#: event loop every 20 ms, each nanny reads its worker's memory every 100 ms) two idle workers
#: and their scheduler spend about 15 % of a core, CPU the tasks need when the workers fill
#: the cores; at these intervals about 3 %. The dashboard shows the same pages, coarser.
LOCAL_CONFIG = {
    "distributed.worker.profile.interval": "100ms",
    "distributed.admin.tick.interval": "200ms",
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
}
#: environment variables a LocalCluster started here does not pass to its workers. Dask's
#: nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` so that workers holding large data give freed
#: memory back to the system; setting it also turns off glibc's adaptive mmap threshold, so
#: every block over 128 kB is a fresh ``mmap`` whose pages fault in, and freed at once. A Pine
#: run allocates and frees many such arrays (one per series of 58,000 bars): in a worker with
#: that setting a sweep's set took about 35 % longer than in a plain process.
WORKER_ENVIRON_DROPPED = ("MALLOC_TRIM_THRESHOLD_",)


def local_config() -> dict[str, Any]:
    """The Dask settings a LocalCluster is started with here: :data:`LOCAL_CONFIG` and the
    nannies' worker environment without :data:`WORKER_ENVIRON_DROPPED`."""
    import dask
    import distributed  # noqa: F401  (its import sets the defaults read here)

    environ = dask.config.get("distributed.nanny.pre-spawn-environ") or {}
    kept = {k: v for k, v in environ.items() if k not in WORKER_ENVIRON_DROPPED}
    return {**LOCAL_CONFIG, "distributed.nanny.pre-spawn-environ": kept}


Job = TypeVar("Job")


def connect(scheduler: str | None = None, workers: int | None = None) -> tuple[Any, Any]:
    """``(client, cluster)``: a client of the scheduler at ``scheduler`` (default
    ``$DASK_SCHEDULER_ADDRESS`` unless ``workers`` is given) with ``cluster`` None, else of a
    LocalCluster of ``workers`` processes (default: one per core) started here. An unreachable
    scheduler, or one without a worker after :data:`WORKER_TIMEOUT` s, is a
    :class:`~pineopt.errors.PineOptError`."""
    address = scheduler or (os.environ.get("DASK_SCHEDULER_ADDRESS") if workers is None else None)
    import dask
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise PineOptError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except TimeoutError:
            client.close()
            raise PineOptError(
                f"the Dask scheduler at {address} has no worker after {WORKER_TIMEOUT} s"
            ) from None
        return client, None
    with dask.config.set(local_config()):  # read as the scheduler and nannies start
        cluster = LocalCluster(
            n_workers=workers or cores(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def disconnect(client: Any, cluster: Any = None) -> None:
    """Close ``client`` and ``cluster`` (a LocalCluster started by :func:`connect`)."""
    try:
        client.close()
    finally:
        if cluster is not None:
            cluster.close()


def describe(client: Any, cluster: Any = None) -> str:
    """Where the tasks run, in words (the sweep's manifest keeps it)."""
    if cluster is None:
        return f"Dask scheduler {client.scheduler.address}"
    return f"Dask LocalCluster of {len(cluster.workers)} worker processes"


def announce(client: Any) -> None:
    """Print the address of the cluster's dashboard on stderr (when it has one)."""
    link = getattr(client, "dashboard_link", None)
    if link:
        print(f"dask dashboard: {link}", file=sys.stderr)


def run_tasks(
    client: Any,
    jobs: Iterable[Job],
    submit: Callable[[Job, int], Any],
    *,
    name: Callable[[Job], str],
    on_lost: Callable[[Job], None] | None = None,
) -> Iterator[tuple[Job, Any]]:
    """``(job, result)`` for every job as its task finishes (any order).

    ``submit(job, attempt)`` submits the job's task and returns its future (attempt 0, then
    1, 2 ... when resubmitted: give each a distinct key); ``name(job)`` names it in errors
    ("batch 3 of the sweep"); ``on_lost(job)`` runs before a lost job is submitted again
    (e.g. to send scattered data again)."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    # what a task gets when its workers died: KilledWorker after repeated deaths, or a
    # cancellation when data it needs was lost with a worker (see the module docstring)
    lost = (KilledWorker, FutureCancelledError)

    attempts: dict[str, tuple[Job, int]] = {}
    pending = []
    for job in jobs:
        future = submit(job, 0)
        attempts[future.key] = (job, 0)
        pending.append(future)
    stream = as_completed(pending)
    try:
        for future in finished(stream):
            job, attempt = attempts.pop(future.key)
            try:
                result = future.result()
            except lost as exc:
                if attempt >= RESUBMITS:
                    raise PineOptError(
                        f"{name(job)} was lost with its Dask workers {attempt + 1} times "
                        f"({type(exc).__name__}); giving up"
                    ) from None
                if on_lost is not None:
                    on_lost(job)
                retry = submit(job, attempt + 1)
                attempts[retry.key] = (job, attempt + 1)
                stream.add(retry)
                continue
            except PineOptError:
                raise
            except Exception as exc:  # e.g. a worker without PineOpt cannot unpickle
                raise PineOptError(
                    f"{name(job)} failed on its Dask worker: {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                future.release()
            yield job, result
    except BaseException:
        futures = list(stream.futures)
        if futures:
            client.cancel(futures)
        raise


def finished(stream: Any) -> Iterator[Any]:
    """The futures of a Dask ``as_completed`` as they finish, checking for a lost Ctrl-C
    (:mod:`pineopt.sweep.interrupts`) while waiting."""
    while True:
        interrupts.check()
        ready = stream.next_batch(block=False)
        if ready:
            yield from ready
        elif stream.is_empty():
            return
        else:
            time.sleep(interrupts.POLL)


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
