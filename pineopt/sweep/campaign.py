"""One campaign: a script, its datasets, what varies and how sets are ranked, and the runner
that evaluates them.

:class:`Campaign` checks everything a user can get wrong before anything runs (the script
converts and is a strategy; every ``--param``, ``--input``, ``--strategy`` and constraint
names something the script has; the objective and method exist) and raises
:class:`~pineopt.sweep.errors.SweepUsageError` or a data/script error with a clear message.
Then :meth:`Campaign.evaluate` sends parameter sets to the runner in batches, over every
dataset, keeps each row once and counts them on the progress bar; the searches
(:mod:`pineopt.sweep.search`) and walk-forward (:mod:`pineopt.sweep.walkforward`) call it.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.errors import PineOptError
from pineopt.sweep import interrupts
from pineopt.sweep.cluster import batch_size, check_placement, open_runner, row_key
from pineopt.sweep.constraints import parse_constraints
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.evaluate import Batch, Script, Settings
from pineopt.sweep.objectives import objective as find_objective
from pineopt.sweep.search import check_method
from pineopt.sweep.space import check_value, find_input, label, parse_space


@dataclass(frozen=True)
class DataSet:
    """A dataset of the campaign: its ``name`` in the results, the prepared ``chart`` and where
    it came from (``spec``) with its ``fingerprint``."""

    name: str
    chart: Any
    spec: str
    fingerprint: dict


class Campaign:
    """Everything one sweep needs (see the module docstring); use it as a context manager so
    that the runner (and a cluster started for it) is closed."""

    def __init__(
        self,
        script: Any,
        data: Any,
        params: Mapping[str, Any] | Sequence[str],
        *,
        method: str = "grid",
        trials: int | None = None,
        objective: str = "net_profit",
        constraints: Sequence[str] | str = (),
        inputs: Mapping[str, Any] | None = None,
        strategy: Mapping[str, Any] | None = None,
        timeframe: Any = None,
        start: Any = None,
        end: Any = None,
        scheduler: str | None = None,
        workers: int | None = None,
        seed: int | None = None,
        progress: bool = True,
    ) -> None:
        from pineopt.api import _module
        from pineopt.runtime.engine import declared_inputs

        self.started = time.time()
        self.script, module = _load_script(script, _module)
        self.kind = getattr(module, "DECLARATION", {}).get("kind")
        if self.kind != "strategy":
            raise PineOptError(
                f"{self.script.filename}: a sweep needs a strategy() script, not an indicator"
            )
        self.declaration = dict(module.DECLARATION)
        self.title = module.DECLARATION.get("title") or Path(self.script.filename).stem
        self.specs = declared_inputs(module)
        self.method = check_method(method, trials)
        check_placement(scheduler, workers)
        self.trials = trials
        self.objective = find_objective(objective)
        self.space = parse_space(self.specs, params)
        self.inputs = self._fixed_inputs(inputs or {})
        self.strategy = dict(strategy or {})
        _check_strategy(module, self.strategy)
        self.constraints = parse_constraints(constraints, self.specs)
        self.seed = seed
        self.fixed = {
            label(spec): self.inputs.get(label(spec), spec.default) for spec in self.specs
        }
        self.datasets = load_datasets(data, timeframe=timeframe, start=start, end=end)
        self.settings = Settings(self.inputs, self.strategy, self.objective)
        self.scheduler = scheduler
        self.workers = workers
        self.progress_enabled = progress
        self.runner: Any = None
        self.bar: Any = None
        self.rows: list[dict] = []
        self._seen: set[tuple] = set()
        self._batches = 0
        self.next_set = 1

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Campaign:
        with contextlib.ExitStack() as stack:
            stack.enter_context(interrupts.watch())  # Ctrl-C is never lost (see the module)
            charts = {d.name: d.chart for d in self.datasets}
            self.runner = open_runner(
                self.script, self.settings, charts, scheduler=self.scheduler, workers=self.workers
            )
            self._watching = stack.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._watching:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.runner is not None:
            runner, self.runner = self.runner, None
            runner.close()

    def start_progress(self, total: int, description: str = "sweep") -> None:
        """A progress bar counting parameter sets × datasets (``tqdm.auto``: a widget in a
        notebook, text on stderr elsewhere)."""
        from tqdm.auto import tqdm

        if self.bar is not None:
            self.bar.close()
        self.bar = tqdm(
            total=total,
            desc=description,
            unit="set",
            disable=not self.progress_enabled,
            file=sys.stderr,
            dynamic_ncols=True,
        )

    def grow_progress(self, more: int) -> None:
        if self.bar is not None:
            self.bar.total = (self.bar.total or 0) + more
            self.bar.refresh()

    # ------------------------------------------------------------------ evaluating

    def number(self, sets: Iterable[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        """Give each set the next set ids."""
        numbered = []
        for params in sets:
            numbered.append((self.next_set, params))
            self.next_set += 1
        return numbered

    def evaluate(
        self,
        sets: Sequence[tuple[int, dict[str, Any]]],
        *,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        measure_from: pd.Timestamp | None = None,
        keep_equity: bool = False,
        tag: Mapping[str, Any] | None = None,
        datasets: Sequence[str] | None = None,
    ) -> list[dict]:
        """Evaluate ``sets`` over every dataset (or ``datasets``), in batches; the new rows
        (each dataset × set once) are returned and kept in :attr:`rows`."""
        if self.runner is None:
            raise RuntimeError("a Campaign evaluates inside its with-block")
        names = list(datasets or [d.name for d in self.datasets])
        left = len(sets) * len(names)  # sized on what is left: batches shrink to the end
        batches = []
        for name in names:
            first = 0
            while first < len(sets):
                size = min(batch_size(left, self.runner.workers), len(sets) - first)
                self._batches += 1
                batches.append(
                    Batch(
                        self._batches,
                        name,
                        tuple(sets[first : first + size]),
                        start,
                        end,
                        measure_from,
                        keep_equity,
                        dict(tag or {}),
                    )
                )
                first += size
                left -= size
        fresh = []
        for rows in self.runner.run(batches):
            for row in rows:
                key = row_key(row)
                if key in self._seen:
                    continue
                self._seen.add(key)
                fresh.append(row)
                if self.bar is not None:
                    self.bar.update(1)
        self.rows.extend(fresh)
        return fresh

    def pooled(self, rows: Sequence[dict]) -> dict[int, float]:
        """Each set's objective averaged over the datasets (NaN when any failed)."""
        by_set: dict[int, list[float]] = {}
        for row in rows:
            by_set.setdefault(row["set"], []).append(row["objective"])
        return {
            set_id: (math.nan if any(math.isnan(v) for v in values) else sum(values) / len(values))
            for set_id, values in by_set.items()
        }

    # ------------------------------------------------------------------ checks

    def _fixed_inputs(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """``inputs`` keyed by input title, values converted and checked; an input both fixed
        and varied is a usage error."""
        fixed = {}
        varied = set(self.space.names)
        for name, value in inputs.items():
            spec = find_input(self.specs, str(name), flag="--input")
            key = label(spec)
            if key in varied:
                raise SweepUsageError(f"--input {name!r}: that input is also a --param")
            fixed[key] = check_value(spec, value, str(name))
        return fixed

    def describe_data(self) -> list[dict[str, Any]]:
        return [
            {"name": d.name, "spec": d.spec, "fingerprint": d.fingerprint} for d in self.datasets
        ]


def _load_script(script: Any, module_of: Any) -> tuple[Script, Any]:
    """The :class:`Script` (text and file name) and module of a path or of Pine text."""
    from pineopt.api import _source

    text, filename = _source(script, None)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PineOptError(f"{filename}: the script is not UTF-8 text") from None
    from pineopt.compiler.cache import convert_for_run

    conversion = convert_for_run(text, filename)
    _, module = module_of(conversion)
    return Script(text, filename), module


def _check_strategy(module: Any, overrides: Mapping[str, Any]) -> None:
    from pineopt.strategy.config import StrategyConfig, StrategyConfigError

    try:
        StrategyConfig.from_declaration(dict(module.DECLARATION), overrides)
    except StrategyConfigError as exc:
        raise SweepUsageError(f"--strategy: {exc}") from None


def load_datasets(
    data: Any, *, timeframe: Any = None, start: Any = None, end: Any = None
) -> list[DataSet]:
    """The datasets of ``data`` (one spec or a list: sample names, paths, Datasets or
    DataFrames), each prepared as a chart over ``[start, end]``."""
    from pineopt.data.dataset import Dataset
    from pineopt.data.frame import fingerprint
    from pineopt.data.resolver import resolve_data
    from pineopt.runtime.standalone import prepare

    specs = list(data) if isinstance(data, list | tuple) else [data]
    if not specs:
        raise SweepUsageError("no data: give at least one --data")
    datasets: list[DataSet] = []
    names: set[str] = set()
    for spec in specs:
        if isinstance(spec, pd.DataFrame):
            chart = prepare(spec, timeframe=timeframe, start=start, end=end)
            name, described = "data", "DataFrame"
        else:
            dataset = spec if isinstance(spec, Dataset) else resolve_data(spec, timeframe=timeframe)
            chart = prepare(dataset, start=start, end=end)
            name = (
                f"{dataset.symbol.ticker}_{dataset.timeframe}"
                if isinstance(spec, Dataset)
                else Path(str(spec)).stem
            )
            described = str(spec) if not isinstance(spec, Dataset) else name
        unique, k = name, 2
        while unique in names:
            unique, k = f"{name} ({k})", k + 1
        names.add(unique)
        datasets.append(DataSet(unique, chart, described, fingerprint(chart.frame)))
    return datasets
