"""A strategy run: the broker a converted ``strategy()`` script trades through, and its results.

:func:`make_broker` builds the :class:`~pineopt.strategy.broker.Broker` for a run context (its
bars, symbol, trading days and, with ``use_bar_magnifier``, the intrabars of each bar);
:func:`strategy_results` turns the broker's state after the last bar into the ``metrics`` of
the run's Result, and the means to build its ``trades`` and ``equity`` when they are read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pineopt.errors import PineRuntimeError
from pineopt.runtime.shared import shared
from pineopt.strategy.broker import Broker
from pineopt.strategy.config import StrategyConfig
from pineopt.strategy.price_path import on_grid
from pineopt.strategy.trades import StrategyResult


def make_broker(
    ctx: Any,
    declaration: Mapping[str, object],
    overrides: Mapping[str, object] | None,
    magnifier_frame: pd.DataFrame | None,
) -> Broker:
    """The broker of a run (``ctx`` is the run's :class:`~pineopt.runtime.engine.Context`)."""
    from pineopt.data.resample import Calendar

    config = StrategyConfig.from_declaration(declaration, overrides)
    symbol = ctx.symbol
    _refuse_unsupported(config, symbol)
    days = Calendar.of(symbol).trading_days(ctx.index)
    intrabars = None
    if config.use_bar_magnifier and magnifier_frame is not None:
        intrabars = _intrabars(ctx, magnifier_frame)
    elif magnifier_frame is not None:
        raise PineRuntimeError("--magnifier-data needs use_bar_magnifier = true")
    mintick = float(symbol.mintick)
    *prices, times, trading_days, grid, arrays = _bar_prices(
        *(ctx.series(k) for k in ("open", "high", "low", "close", "time")),
        np.asarray(days).astype("datetime64[D]").astype(np.int64),
        mintick,
    )
    return Broker(
        config,
        *prices,
        times,
        mintick=mintick,
        pointvalue=float(symbol.pointvalue),
        qty_step=float(symbol.mincontract or 0.0),
        trading_days=trading_days,
        intrabars=intrabars,
        version=ctx.version,
        grid=grid,
        arrays=arrays,
    )


@shared
def _bar_prices(
    opens: np.ndarray,
    highs: np.ndarray,
    lows: np.ndarray,
    closes: np.ndarray,
    times: np.ndarray,
    days: np.ndarray,
    mintick: float,
) -> tuple:
    """A chart's bars as the broker reads them: open, high, low, close, time (ms) and trading
    day, as tuples of Python numbers, the OHLC on the tick grid (:func:`on_grid`), and the
    close, high, low, grid high and grid low as float64 arrays (the broker's numpy stretches).
    The same for every run on the chart: a sweep builds them once (:func:`shared`)."""
    ohlc = (opens, highs, lows, closes)
    grid = tuple(tuple(on_grid(a, mintick)) for a in ohlc)
    arrays = tuple(np.asarray(v, dtype=np.float64) for v in (closes, highs, lows, grid[1], grid[2]))
    return (
        *(tuple(a.tolist()) for a in ohlc),
        tuple(times.astype(np.int64).tolist()),
        tuple(days.tolist()),
        grid,
        arrays,
    )


def _refuse_unsupported(config: StrategyConfig, symbol: Any) -> None:
    """Settings whose effect PineOpt cannot reproduce stop the run rather than being ignored."""
    if config.calc_on_order_fills:
        raise PineRuntimeError(
            "calc_on_order_fills = true is not supported yet: the script is executed once per "
            "bar (leave the setting false)"
        )
    account = str(config.currency)
    if account not in ("currency.NONE", "NONE", "", str(symbol.currency)):
        raise PineRuntimeError(
            f"strategy currency {account} differs from the symbol's {symbol.currency}: "
            "converting profits needs exchange rates, which PineOpt does not have"
        )


def _intrabars(ctx: Any, frame: pd.DataFrame) -> list[list[tuple[float, float, float, float]]]:
    """For each chart bar, the (open, high, low, close) of its lower-timeframe bars in order."""
    from pineopt.data.frame import infer_timeframe
    from pineopt.runtime import security

    index = pd.DatetimeIndex(frame.index)
    timeframe = infer_timeframe(index)
    bars = security.intrabars(ctx.index, ctx.timeframe, ctx.symbol, index, timeframe, ctx.symbol)
    columns = [
        security.lower_tf_arrays(frame[k].to_numpy(dtype=np.float64), bars)
        for k in ("open", "high", "low", "close")
    ]
    return [list(zip(*(c[i].tolist() for c in columns), strict=True)) for i in range(ctx.bar_count)]


def strategy_results(
    broker: Broker, ctx: Any
) -> tuple[dict[str, dict[str, Any]], Callable[[], StrategyResult]]:
    """The run's Performance Summary, computed now from the broker's arrays, and a function
    giving its :class:`~pineopt.strategy.trades.StrategyResult` (the ``trades`` and ``equity``
    frames), built on its first call only: a parameter sweep, which keeps the summary alone,
    never builds them."""
    return broker.summary(ctx.index), functools.cache(functools.partial(broker.result, ctx.index))
