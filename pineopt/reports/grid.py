"""Report grids: one report per combination of parameters, in this process or on Dask.

:func:`run_combinations` runs :func:`run_combination` (one
:func:`~pineopt.reports.run.run_report`, never saving) for each combination and yields a
:class:`Combination` as each finishes:

* in this process, one after another (``scheduler`` None and ``workers`` None or 0);
* as one Dask task per combination (papermill executes the notebook on the worker) on a
  :class:`distributed.LocalCluster` of ``workers`` single-threaded processes started here, or on
  the cluster of the scheduler at ``scheduler`` (:mod:`pineopt.sweep.dask_tasks`, as sweeps).
  The run folders go in ``out``, which the workers write: on a remote cluster it must be on
  storage they share with this process, as must the script file and data files.

What comes back is the :class:`~pineopt.reports.run.ReportRun` (folder, manifest, headline) or
the combination's error: a failure of the script, the data or the notebook is that
combination's error and the others go on. A combination whose workers died is run again
(:data:`~pineopt.sweep.dask_tasks.RESUBMITS` times at most); the work folder a killed worker
leaves is removed when the grid ends (:func:`~pineopt.reports.run.remove_abandoned`). The
caller records the reports in the store (:func:`~pineopt.reports.run.save_report`): workers
never open it. Ctrl-C, or leaving the context early, cancels what is queued and closes a
cluster started here.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pineopt.errors import PineOptError

__all__ = ["Combination", "run_combination", "run_combinations"]


@dataclass
class Combination:
    """The outcome of one combination (``number``: its place in the grid, from 0)."""

    number: int
    report: Any = None
    #: the first line of the error when it failed
    error: str | None = None
    #: whether the error is the caller's (a bad input or strategy parameter: exit code 2)
    usage: bool = False
    #: seconds the run took where it ran
    seconds: float = 0.0


def run_combination(
    number: int, script: str, options: dict[str, Any], out: str, benchmark: bool = True
) -> Combination:
    """Run one combination's report into ``out`` (no progress bar, nothing saved); a
    :class:`~pineopt.errors.PineOptError` becomes the combination's error. ``options`` holds
    ``data``, ``symbol``, ``provider``, ``timeframe``, ``start``, ``end``, ``inputs`` and
    ``strategy`` as :func:`~pineopt.reports.run.run_report` takes them. This is the task a
    Dask worker runs."""
    from pineopt.reports.run import run_report

    started = time.perf_counter()
    try:
        report = run_report(
            script,
            **options,
            out=out,
            progress=False,
            benchmark=benchmark,
        )
    except PineOptError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Combination(
            number,
            error=first,
            usage=bool(getattr(exc, "usage", False)),
            seconds=time.perf_counter() - started,
        )
    return Combination(number, report=report, seconds=time.perf_counter() - started)


@contextlib.contextmanager
def run_combinations(
    script: str | Path,
    combinations: Sequence[dict[str, Any]],
    out: str | Path,
    *,
    benchmark: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
    announce: bool = True,
) -> Iterator[Iterator[Combination]]:
    """A context giving an iterator of each combination's :class:`Combination` as it
    finishes (see the module docstring); ``announce`` prints the Dask dashboard's address on
    stderr. Leaving the context cancels what is still queued and closes the client and a
    cluster started here.

    The cluster is reached on entering, so that a ``workers`` below 0 or given with
    ``scheduler`` (:class:`~pineopt.sweep.errors.SweepUsageError`) or an unreachable
    scheduler (:class:`~pineopt.errors.PineOptError`) fails before anything runs."""
    from pineopt.reports.run import remove_abandoned
    from pineopt.sweep import dask_tasks, interrupts
    from pineopt.sweep.cluster import check_placement

    check_placement(scheduler, workers)
    # the workers may run elsewhere: every path they are given is absolute
    script = str(Path(script).expanduser().resolve())
    out = str(Path(out).expanduser().resolve())
    jobs = [(number, _absolute(options)) for number, options in enumerate(combinations)]
    if not scheduler and not workers:
        with interrupts.watch():  # Ctrl-C is never lost (see pineopt.sweep.interrupts)
            yield _in_process(script, jobs, out, benchmark)
        return
    client, cluster = dask_tasks.connect(scheduler, workers)
    try:
        if announce:
            dask_tasks.announce(client)
        with interrupts.watch():
            stream = _on_dask(client, script, jobs, out, benchmark)
            try:
                yield stream
            finally:
                stream.close()  # cancels the tasks still queued
    finally:
        dask_tasks.disconnect(client, cluster)
        if Path(out).is_dir():  # work folders of workers killed mid-report, on this host
            remove_abandoned(Path(out))


def _in_process(
    script: str, jobs: list[tuple[int, dict[str, Any]]], out: str, benchmark: bool
) -> Iterator[Combination]:
    from pineopt.sweep import interrupts

    for number, options in jobs:
        interrupts.check()
        yield run_combination(number, script, options, out, benchmark)


def _on_dask(
    client: Any,
    script: str,
    jobs: list[tuple[int, dict[str, Any]]],
    out: str,
    benchmark: bool,
) -> Iterator[Combination]:
    from pineopt.sweep import dask_tasks

    token = uuid.uuid4().hex[:12]

    def submit(job: tuple[int, dict[str, Any]], attempt: int) -> Any:
        number, options = job
        return client.submit(
            run_combination,
            number,
            script,
            options,
            out,
            benchmark,
            key=f"pineopt-report-{token}-{number}-{attempt}",
        )

    for _, outcome in dask_tasks.run_tasks(
        client, jobs, submit, name=lambda job: f"report {job[0] + 1} of the grid"
    ):
        yield outcome


def _absolute(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with a data file's path made absolute (a name stays a name)."""
    from pineopt.data.resolver import looks_like_path

    data = options.get("data")
    if isinstance(data, str) and looks_like_path(data):
        return {**options, "data": str(Path(data).expanduser().resolve())}
    return dict(options)
