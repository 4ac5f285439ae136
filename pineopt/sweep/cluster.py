"""Where parameter sets run: in this process, on a local Dask cluster, or on a remote one.

:func:`open_runner` picks the place:

* ``workers=0``: in this process, one set after another (debugging, tiny sweeps, and the
  reference a cluster's results are tested against);
* ``scheduler="tcp://HOST:8786"`` (or ``$DASK_SCHEDULER_ADDRESS`` when ``workers`` is not
  given): the Dask cluster behind that scheduler, started by someone else (``dask scheduler``
  and ``dask worker ADDRESS``);
* otherwise a :class:`distributed.LocalCluster` started for the campaign and closed after it:
  one single-threaded worker process per core (``workers=N`` to choose), since a Pine run is
  pure Python and threads would share one interpreter lock. Its housekeeping runs less often
  than Dask's defaults (:data:`LOCAL_CONFIG`): its workers share the cores with everything
  else here.

On a cluster the bars of every dataset are sent once to every worker
(``scatter(..., broadcast=True)``; Dask's active memory manager may later keep fewer copies,
and workers fetch them from each other), the script's text goes with each batch and is
converted once per worker, and a batch is one Dask task, smaller as the sets left get fewer
(:func:`batch_size`). Results stream back as batches finish (``as_completed``) and only this
process writes files or the store.

When a worker dies, the scheduler runs its unfinished batches again elsewhere. Two losses it
cannot repair come back to this process as failed batches, which are resubmitted (at most
:data:`RESUBMITS` times each) before the campaign fails: a batch that keeps killing workers
(``KilledWorker``), and batches cancelled because the last copy of the bars died with the
worker (scattered data cannot be recomputed: the bars are then sent again). Every row is kept
once (by dataset, window and set id), so a set is never counted twice. Ctrl-C cancels what is
queued, closes what was started here and re-raises.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pineopt.errors import PineOptError
from pineopt.sweep import interrupts
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.evaluate import Batch, Script, Settings, evaluate_batch

#: times a batch whose workers died is submitted again before the campaign fails
RESUBMITS = 2
#: shares per worker of the sets left that the next batch takes (see :func:`batch_size`)
BATCHES_PER_WORKER = 4
#: the largest batch (a lost worker costs at most this many runs)
MAX_BATCH = 32
#: seconds to wait for a remote cluster's first worker
WORKER_TIMEOUT = 60
#: Dask's housekeeping on a LocalCluster started here. At Dask's defaults (each worker samples
#: its running task's stack every 10 ms for the dashboard's profile, every server checks its
#: event loop every 20 ms, each nanny reads its worker's memory every 100 ms) two idle workers
#: and their scheduler spend about 15 % of a core, CPU the runs need when the workers fill
#: the cores; at these intervals about 3 %. The dashboard shows the same pages, coarser.
LOCAL_CONFIG = {
    "distributed.worker.profile.interval": "100ms",
    "distributed.admin.tick.interval": "200ms",
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
}


def batch_size(sets: int, workers: int) -> int:
    """Sets for the next task when ``sets`` are left: one of :data:`BATCHES_PER_WORKER` shares
    per worker, at most :data:`MAX_BATCH` (one at a time in-process).

    Sized on what is left, the batches shrink towards the end (guided self-scheduling): a
    worker that finishes early finds small tasks left, so the workers finish within about one
    set of each other, while the early, large batches keep Dask's few ms per task small
    against runs of 0.05-2 s each."""
    if workers <= 0:  # in-process: no task overhead, and the progress bar moves per set
        return 1
    return max(1, min(MAX_BATCH, math.ceil(sets / (workers * BATCHES_PER_WORKER))))


def row_key(row: Mapping[str, Any]) -> tuple:
    """What identifies one evaluation: dataset, walk-forward window, phase and fold, set id."""
    return (row["dataset"], row.get("window"), row.get("phase"), row.get("fold"), row["set"])


class SerialRunner:
    """Runs batches in this process, in order."""

    workers = 0
    description = "in-process (serial)"
    dashboard = None

    def __init__(self, script: Script, settings: Settings, charts: Mapping[str, Any]) -> None:
        self.script = script
        self.settings = settings
        self.charts = dict(charts)

    def run(self, batches: Iterable[Batch]) -> Iterator[list[dict]]:
        """The rows of each batch, batch by batch."""
        for batch in batches:
            interrupts.check()
            yield evaluate_batch(self.script, self.charts[batch.dataset], batch, self.settings)

    def close(self) -> None:
        """Nothing to close."""


class DaskRunner:
    """Runs batches as tasks of a Dask cluster (a :class:`distributed.Client`)."""

    def __init__(
        self,
        client: Any,
        script: Script,
        settings: Settings,
        charts: Mapping[str, Any],
        *,
        cluster: Any = None,
    ) -> None:
        self.client = client
        self.cluster = cluster
        self.script = script
        self.settings = settings
        self.token = uuid.uuid4().hex[:12]
        self.description = (
            f"Dask scheduler {client.scheduler.address}"
            if cluster is None
            else f"Dask LocalCluster of {len(cluster.workers)} worker processes"
        )
        self.dashboard = getattr(client, "dashboard_link", None)
        self.data = dict(charts)
        names = list(charts)
        futures = client.scatter([charts[n] for n in names], broadcast=True)
        self.charts = dict(zip(names, futures, strict=True))

    def _rescatter(self, name: str) -> None:
        """Send the bars of ``name`` again when the cluster lost every copy (scattered data
        cannot be recomputed: the tasks that needed it are then cancelled)."""
        if self.charts[name].status == "finished":
            return
        (fresh,) = self.client.scatter([self.data[name]], broadcast=True, hash=False)
        self.charts[name] = fresh

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def _submit(self, batch: Batch, attempt: int) -> Any:
        return self.client.submit(
            evaluate_batch,
            self.script,
            self.charts[batch.dataset],
            batch,
            self.settings,
            key=f"pineopt-sweep-{self.token}-{batch.number}-{attempt}",
        )

    def run(self, batches: Iterable[Batch]) -> Iterator[list[dict]]:
        """The rows of each batch as it finishes (any order)."""
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        # what a batch gets when its workers died: KilledWorker after repeated deaths, or a
        # cancellation when the bars it needs were lost with a worker (see the docstring)
        lost = (KilledWorker, FutureCancelledError)

        attempts: dict[str, tuple[Batch, int]] = {}
        pending = []
        for batch in batches:
            future = self._submit(batch, 0)
            attempts[future.key] = (batch, 0)
            pending.append(future)
        stream = as_completed(pending)
        try:
            for future in _finished(stream):
                batch, attempt = attempts.pop(future.key)
                try:
                    rows = future.result()
                except lost as exc:
                    if attempt >= RESUBMITS:
                        raise PineOptError(
                            f"batch {batch.number} of the sweep was lost with its Dask workers "
                            f"{attempt + 1} times ({type(exc).__name__}); giving up"
                        ) from None
                    self._rescatter(batch.dataset)
                    retry = self._submit(batch, attempt + 1)
                    attempts[retry.key] = (batch, attempt + 1)
                    stream.add(retry)
                    continue
                except PineOptError:
                    raise
                except Exception as exc:  # e.g. a worker without PineOpt cannot unpickle
                    raise PineOptError(
                        f"batch {batch.number} of the sweep failed on its Dask worker: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                finally:
                    future.release()
                yield rows
        except BaseException:
            futures = list(stream.futures)
            if futures:
                self.client.cancel(futures)
            raise

    def close(self) -> None:
        """Forget the scattered bars; close the client and a cluster started here."""
        with contextlib.suppress(Exception):
            self.client.cancel(list(self.charts.values()))
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def check_placement(scheduler: str | None, workers: int | None) -> None:
    """Refuse ``workers`` below 0, or given together with ``scheduler``."""
    if workers is not None and workers < 0:
        raise SweepUsageError(f"workers must be 0 (in-process) or more, not {workers}")
    if scheduler and workers is not None:
        raise SweepUsageError(
            "--workers runs the sets here (0) or on a local cluster of N processes; it takes "
            "no --scheduler, whose cluster has its own workers"
        )


def _finished(stream: Any) -> Iterator[Any]:
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


def open_runner(
    script: Script,
    settings: Settings,
    charts: Mapping[str, Any],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    announce: bool = True,
) -> SerialRunner | DaskRunner:
    """The runner for a campaign (see the module docstring); ``announce`` prints the Dask
    dashboard's address on stderr."""
    check_placement(scheduler, workers)
    if workers == 0:
        return SerialRunner(script, settings, charts)
    # $DASK_SCHEDULER_ADDRESS stands in for --scheduler unless --workers asks for a local run
    address = scheduler or (os.environ.get("DASK_SCHEDULER_ADDRESS") if workers is None else None)
    import dask
    from distributed import Client, LocalCluster

    cluster = None
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
    else:
        count = workers or _cores()
        with dask.config.set(LOCAL_CONFIG):  # read as the scheduler and nannies start
            cluster = LocalCluster(
                n_workers=count,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    try:
        runner = DaskRunner(client, script, settings, charts, cluster=cluster)
    except BaseException:
        client.close()
        if cluster is not None:
            cluster.close()
        raise
    if announce and runner.dashboard:
        print(f"dask dashboard: {runner.dashboard}", file=sys.stderr)
    return runner


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
