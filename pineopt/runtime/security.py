"""The merge step of ``request.security`` over a whole history (the vectorised path).

The requested expression has already been evaluated on the requested bars (its own symbol and
timeframe); what is left is to decide, for every chart bar, which requested bar's value
TradingView shows there on historical bars (LANGUAGE-NOTES §13). Bars are UTC
:class:`~pandas.DatetimeIndex` open times; every bar's period open and close come from
:func:`pineopt.data.resample.period_bounds` with its own timeframe and symbol calendar, so a bar
of an intraday chart closes at the session end and a daily bar at its trading day's session end.

Requested timeframe **equal to or higher than** the chart's (:func:`source_bars`):

* ``lookahead=False`` (``barmerge.lookahead_off``): the last requested bar that has **closed** by
  the chart bar's close. The new value arrives on the chart bar that closes with the requested
  bar; for the same timeframe on another symbol it is the requested bar of the same period (or
  the latest one before it when the requested symbol has no bar for that period).
* ``lookahead=True`` (``barmerge.lookahead_on``): the requested bar whose period contains the chart
  bar — the last requested bar that opened before the chart bar closes (its final value, a
  future leak on history).

Requested timeframe **lower** than the chart's (:func:`intrabars`): the requested bars whose open
lies in a chart bar are its intrabars. ``request.security_lower_tf`` returns all of their values
(:func:`lower_tf_arrays`); ``request.security`` takes the **last** one with lookahead off and the
**first** with lookahead on.

Then :func:`merge`: ``gaps=False`` (``barmerge.gaps_off``) repeats the last value on the chart
bars in between, ``gaps=True`` (``barmerge.gaps_on``) gives ``na`` except on the chart bar where a
new requested bar arrives. Before the first requested value the result is ``na``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from pineopt.data.resample import period_bounds
from pineopt.data.timeframe import Timeframe
from pineopt.errors import PineRuntimeError

Array = np.ndarray

__all__ = [
    "Intrabars",
    "bar_bounds",
    "intrabars",
    "lower_tf_arrays",
    "lower_tf_first",
    "lower_tf_last",
    "merge",
    "security",
    "source_bars",
]


def _utc_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(index)
    return index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")


def bar_bounds(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> tuple[Array, Array]:
    """UTC nanoseconds at which each bar of a ``timeframe`` series opens and closes."""
    opens, closes = period_bounds(_utc_index(index), timeframe, symbol)
    if len(opens) > 1 and (np.diff(opens) < 0).any():
        raise PineRuntimeError("request.security: bar times must be in ascending order")
    return opens, closes


def _is_lower(requested: Timeframe | str, chart: Timeframe | str) -> bool:
    return Timeframe.parse(requested).seconds < Timeframe.parse(chart).seconds


def source_bars(
    chart_index: pd.DatetimeIndex,
    chart_timeframe: Timeframe | str,
    chart_symbol: object,
    request_index: pd.DatetimeIndex,
    request_timeframe: Timeframe | str,
    request_symbol: object = None,
    *,
    lookahead: bool = False,
) -> Array:
    """For each chart bar, the position of the requested bar whose value it shows (int64; ``-1``
    before the first one). The requested timeframe is the chart's or a higher one."""
    _, chart_close = bar_bounds(chart_index, chart_timeframe, chart_symbol)
    request_open, request_close = bar_bounds(request_index, request_timeframe, request_symbol)
    if lookahead:
        found = np.searchsorted(request_open, chart_close, side="left") - 1
    else:
        closes = np.maximum.accumulate(request_close) if len(request_close) else request_close
        found = np.searchsorted(closes, chart_close, side="right") - 1
    return found.astype(np.int64)


def merge(values: Array, source: Array, *, gaps: bool = False) -> Array:
    """The requested ``values`` placed on the chart bars: ``values[source]`` (``na`` where
    ``source`` is ``-1``); with ``gaps`` only where ``source`` changes to a new requested bar."""
    values = np.asarray(values, dtype=np.float64)
    source = np.asarray(source, dtype=np.int64)
    out = np.full(len(source), np.nan)
    known = source >= 0
    out[known] = values[source[known]]
    if gaps:
        previous = np.r_[-1, source[:-1]] if len(source) else source
        out[source == previous] = np.nan
    return out


def security(
    values: Array,
    request_index: pd.DatetimeIndex,
    request_timeframe: Timeframe | str,
    request_symbol: object,
    chart_index: pd.DatetimeIndex,
    chart_timeframe: Timeframe | str,
    chart_symbol: object = None,
    *,
    lookahead: bool = False,
    gaps: bool = False,
) -> Array:
    """``request.security(symbol, timeframe, expression, gaps, lookahead)`` on historical bars:
    ``values`` holds the expression's value on every requested bar."""
    if len(values) != len(request_index):
        raise PineRuntimeError("request.security: one value per requested bar expected")
    if _is_lower(request_timeframe, chart_timeframe):
        bars = intrabars(
            chart_index,
            chart_timeframe,
            chart_symbol,
            request_index,
            request_timeframe,
            request_symbol,
        )
        source = bars.first() if lookahead else bars.last()
        filled = np.maximum.accumulate(source) if len(source) else source
        if not gaps:
            return merge(values, filled)
        out = merge(values, filled)
        out[source < 0] = np.nan
        return out
    source = source_bars(
        chart_index,
        chart_timeframe,
        chart_symbol,
        request_index,
        request_timeframe,
        request_symbol,
        lookahead=lookahead,
    )
    return merge(values, source, gaps=gaps)


class Intrabars(NamedTuple):
    """The intrabars of every chart bar: chart bar ``i`` holds the requested bars
    ``positions[offsets[i]:offsets[i + 1]]`` (in time order)."""

    positions: Array
    offsets: Array

    def counts(self) -> Array:
        return np.diff(self.offsets)

    def first(self) -> Array:
        """Position of each chart bar's first intrabar (``-1`` when it has none)."""
        out = np.full(len(self.offsets) - 1, -1, dtype=np.int64)
        has = self.counts() > 0
        out[has] = self.positions[self.offsets[:-1][has]]
        return out

    def last(self) -> Array:
        """Position of each chart bar's last intrabar (``-1`` when it has none)."""
        out = np.full(len(self.offsets) - 1, -1, dtype=np.int64)
        has = self.counts() > 0
        out[has] = self.positions[self.offsets[1:][has] - 1]
        return out


def intrabars(
    chart_index: pd.DatetimeIndex,
    chart_timeframe: Timeframe | str,
    chart_symbol: object,
    request_index: pd.DatetimeIndex,
    request_timeframe: Timeframe | str,
    request_symbol: object = None,
) -> Intrabars:
    """The requested (lower-timeframe) bars that open inside each chart bar; requested bars that
    open outside every chart bar (a gap of the chart, another session) belong to none."""
    chart_open, chart_close = bar_bounds(chart_index, chart_timeframe, chart_symbol)
    request_open, _ = bar_bounds(request_index, request_timeframe, request_symbol)
    owner = np.searchsorted(chart_open, request_open, side="right") - 1
    inside = owner >= 0
    inside[inside] = request_open[inside] < chart_close[owner[inside]]
    positions = np.flatnonzero(inside).astype(np.int64)
    offsets = np.searchsorted(owner[inside], np.arange(len(chart_open) + 1), side="left")
    return Intrabars(positions, offsets.astype(np.int64))


def lower_tf_arrays(values: Array, bars: Intrabars) -> list[Array]:
    """``request.security_lower_tf``: the intrabar values of every chart bar (an empty array
    when it has none)."""
    kept = np.asarray(values, dtype=np.float64)[bars.positions]
    return [kept[a:b] for a, b in zip(bars.offsets[:-1], bars.offsets[1:], strict=True)]


def lower_tf_last(values: Array, bars: Intrabars) -> Array:
    """The last intrabar value of every chart bar (``na`` when it has none)."""
    return merge(values, bars.last())


def lower_tf_first(values: Array, bars: Intrabars) -> Array:
    """The first intrabar value of every chart bar (``na`` when it has none)."""
    return merge(values, bars.first())
