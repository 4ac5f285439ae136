"""Evaluating parameter sets: the function that runs on the workers.

A sweep's unit of work is a :class:`Batch`: several parameter sets of one script over one
dataset (optionally a time window of it). :func:`evaluate_batch` runs each set and returns one
row per set: its ``set`` id, ``dataset``, ``params``, the Performance Summary (``metrics``,
the ``"all"`` section), the ``objective``, ``error`` (the message when that set failed, else
None) and ``seconds``. A set that fails is a row with its error, never a failed batch, so one
bad corner of the space does not cost its neighbours.

What travels is kept small: the script's text goes with each batch (a few kB) and is converted
once per worker process (:data:`_MODULES`, keyed by the hash of the text), and the bars are a
:class:`~pineopt.runtime.standalone.Chart` that the client sends to every worker once (Dask's
``scatter(..., broadcast=True)``); a batch then names a window of it by dates.

Walk-forward tests measure a window of a longer run (:attr:`Batch.measure_from`): the chosen
parameters run from the start of the training window through the end of the test window, so
indicators are warm and positions carry over, and only the test window is measured
(:func:`measure_segment`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pineopt.errors import PineOptError
from pineopt.sweep.objectives import Objective

#: converted modules kept per worker process, by (hash of the text, file name)
_MODULES: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MODULES_KEPT = 8


@dataclass(frozen=True)
class Script:
    """A Pine script as sent to workers: its ``text`` and the ``filename`` its messages name."""

    text: str
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Batch:
    """Parameter sets to run over one dataset.

    ``sets`` are ``(set id, {input title: value})``; ``start``/``end`` bound the bars run
    (``start`` included, ``end`` excluded; None: the dataset's ends); ``measure_from`` (a
    walk-forward test) measures the run from that time on only; ``keep_equity`` returns the
    measured equity curve with each row."""

    number: int
    dataset: str
    sets: tuple[tuple[int, dict[str, Any]], ...]
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    measure_from: pd.Timestamp | None = None
    keep_equity: bool = False
    tag: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """What every set of a campaign shares: fixed ``inputs``, ``strategy()`` overrides and the
    ``objective``."""

    inputs: dict[str, Any]
    strategy: dict[str, Any]
    objective: Objective


def evaluate_batch(script: Script, chart: Any, batch: Batch, settings: Settings) -> list[dict]:
    """Run every set of ``batch`` over ``chart`` (the dataset's prepared bars) and return one
    row per set (see the module docstring)."""
    module = load_module(script)
    window = window_chart(chart, batch.start, batch.end)
    rows = []
    for set_id, params in batch.sets:
        rows.append(_evaluate_one(module, window, set_id, params, batch, settings))
    return rows


def load_module(script: Script) -> Any:
    """The converted module of ``script``, converted at most once per process."""
    key = (script.sha256, script.filename)
    module = _MODULES.get(key)
    if module is not None:
        _MODULES.move_to_end(key)
        return module
    from pineopt.api import ConversionError
    from pineopt.compiler import load
    from pineopt.compiler.cache import convert_for_run

    conversion = convert_for_run(script.text, script.filename)
    if not conversion.ok:
        raise ConversionError(conversion)
    module = load(conversion)
    _MODULES[key] = module
    while len(_MODULES) > _MODULES_KEPT:
        _MODULES.popitem(last=False)
    return module


def window_chart(chart: Any, start: pd.Timestamp | None, end: pd.Timestamp | None) -> Any:
    """``chart`` with its bars cut to ``[start, end)`` (the whole feed stays the source of
    higher timeframes, as ``pineopt run --start`` keeps it)."""
    if start is None and end is None:
        return chart
    index = chart.frame.index
    mask = np.ones(len(index), dtype=bool)
    if start is not None:
        mask &= index >= start
    if end is not None:
        mask &= index < end
    frame = chart.frame.loc[mask]
    if not len(frame):
        raise PineOptError(f"no bars between {start} and {end}")
    return dataclasses.replace(chart, frame=frame)


def _evaluate_one(
    module: Any, chart: Any, set_id: int, params: dict, batch: Batch, settings: Settings
) -> dict:
    from pineopt.runtime.standalone import run_module

    started = time.perf_counter()
    row: dict[str, Any] = {
        "set": set_id,
        "dataset": batch.dataset,
        "params": dict(params),
        "metrics": {},
        "objective": math.nan,
        "error": None,
        **batch.tag,
    }
    try:
        result = run_module(
            module,
            chart,
            inputs={**settings.inputs, **params},
            strategy=settings.strategy or None,
        )
        if result.metrics is None:
            raise PineOptError("the script is not a strategy: it has no performance summary")
        if batch.measure_from is not None:
            metrics, equity = measure_segment(result, chart.frame, batch.measure_from)
            if batch.keep_equity:
                row["equity"] = equity
        else:
            metrics = dict(result.metrics["all"])
        row["metrics"] = metrics
        row["objective"] = settings.objective.value(metrics)
    except PineOptError as exc:
        row["error"] = str(exc)
    except Exception as exc:  # a fault of PineOpt: the row says so, the sweep goes on
        last = traceback.extract_tb(exc.__traceback__)[-1]
        row["error"] = f"internal error {type(exc).__name__}: {exc} ({last.name})"
    row["seconds"] = time.perf_counter() - started
    return row


def measure_segment(
    result: Any, bars: pd.DataFrame, start: pd.Timestamp
) -> tuple[dict[str, Any], pd.Series]:
    """The Performance Summary of ``result`` (a run over ``bars``) from ``start`` on, and that
    part's equity.

    The equity is rebased: the account starts the segment with what it held at the close of
    the bar before ``start``, so ``net_profit_pct`` and the drawdowns are those of the
    segment alone. Trades counted are those *entered* in the segment (a position opened
    before it and closed in it moves the equity but is not one of its trades); ``return_pct``
    and ``equity_change`` are the equity's own change over the segment, open positions
    included. The curve returned is the segment's growth: equity over the starting equity."""
    from pineopt.strategy.metrics import performance_summary

    equity = result.equity
    before = equity.index < start
    capital = (
        float(equity["equity"].to_numpy()[before][-1])
        if before.any()
        else float(equity["equity"].iloc[0])
    )
    segment = equity.loc[~before]
    trades = result.trades
    if trades is not None and len(trades):
        entered = pd.to_datetime(trades["entry_time"], utc=True) >= start
        trades = trades.loc[entered.to_numpy()]
    bars = bars.loc[bars.index >= start]
    summary = performance_summary(trades, segment, bars, initial_capital=capital)["all"]
    curve = segment["equity"].astype(float)
    last = float(curve.iloc[-1]) if len(curve) else capital
    summary["equity_change"] = last - capital
    summary["return_pct"] = (last / capital - 1.0) * 100.0 if capital else math.nan
    return summary, curve / capital
