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
  than Dask's defaults (:func:`~pineopt.sweep.dask_tasks.local_config`): its workers share the
  cores with everything else here.

On a cluster the bars of every dataset are sent once to every worker
(``scatter(..., broadcast=True)``; Dask's active memory manager may later keep fewer copies,
and workers fetch them from each other), the script's text goes with each batch and is
converted once per worker, and a batch is one Dask task, smaller as the sets left get fewer
(:func:`batch_size`). Results stream back as batches finish (``as_completed``) and only this
process writes files or the store.

When a worker dies, the scheduler runs its unfinished batches again elsewhere. Two losses it
cannot repair come back to this process as failed batches, which are resubmitted (at most
:data:`~pineopt.sweep.dask_tasks.RESUBMITS` times each) before the campaign fails: a batch
that keeps killing workers (``KilledWorker``), and batches cancelled because the last copy of
the bars died with the worker (scattered data cannot be recomputed: the bars are then sent
again). Every row is kept once (by dataset, window and set id), so a set is never counted
twice. Ctrl-C cancels what is queued, closes what was started here and re-raises. Reaching
the cluster and running the tasks is :mod:`pineopt.sweep.dask_tasks`, shared with report
grids.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pineopt.sweep import dask_tasks, interrupts
from pineopt.sweep.dask_tasks import connect, disconnect, run_tasks
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.evaluate import Batch, Script, Settings, evaluate_batch

#: shares per worker of the sets left that the next batch takes (see :func:`batch_size`)
BATCHES_PER_WORKER = 4
#: the largest batch (a lost worker costs at most this many runs)
MAX_BATCH = 32


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
        self.description = dask_tasks.describe(client, cluster)
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
        """The rows of each batch as it finishes (any order); a batch lost with its workers
        is submitted again after its bars are sent again if need be
        (:func:`~pineopt.sweep.dask_tasks.run_tasks`)."""
        for _, rows in run_tasks(
            self.client,
            batches,
            self._submit,
            name=lambda batch: f"batch {batch.number} of the sweep",
            on_lost=lambda batch: self._rescatter(batch.dataset),
        ):
            yield rows

    def close(self) -> None:
        """Forget the scattered bars; close the client and a cluster started here."""
        with contextlib.suppress(Exception):
            self.client.cancel(list(self.charts.values()))
        disconnect(self.client, self.cluster)


def check_placement(scheduler: str | None, workers: int | None) -> None:
    """Refuse ``workers`` below 0, or given together with ``scheduler``."""
    if workers is not None and workers < 0:
        raise SweepUsageError(f"workers must be 0 (in-process) or more, not {workers}")
    if scheduler and workers is not None:
        raise SweepUsageError(
            "--workers runs the work here (0) or on a local cluster of N processes; it takes "
            "no --scheduler, whose cluster has its own workers"
        )


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
    client, cluster = connect(scheduler, workers)
    try:
        runner = DaskRunner(client, script, settings, charts, cluster=cluster)
    except BaseException:
        disconnect(client, cluster)
        raise
    if announce:
        dask_tasks.announce(client)
    return runner
