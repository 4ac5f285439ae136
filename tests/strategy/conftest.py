"""Fixtures of the broker-emulator tests: tiny Pine v6 strategies on hand-made bars."""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.frame import to_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import Context, execute
from pineopt.strategy.broker import Broker
from pineopt.strategy.metrics import performance_summary


def assert_same_summary(got, expected):
    """Two Performance Summaries are the same to the bit: the same sections and keys in the
    same order, the same types, the same values (NaN where NaN)."""
    assert list(got) == list(expected)
    for side, section in expected.items():
        assert list(got[side]) == list(section), side
        for key, value in section.items():
            other = got[side][key]
            assert type(other) is type(value), (side, key, other, value)
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(other), (side, key, other)
            else:
                assert other == value and math.copysign(1, other) == math.copysign(1, value), (
                    side,
                    key,
                    other,
                    value,
                )


@pytest.fixture
def same_summary():
    """:func:`assert_same_summary`, for the test modules."""
    return assert_same_summary


def bars_frame(bars, start="2024-01-01"):
    """An hourly UTC frame from ``(open, high, low, close)`` tuples (volume 1)."""
    index = pd.date_range(start, periods=len(bars), freq="h", tz="UTC")
    columns = ["open", "high", "low", "close"]
    frame = pd.DataFrame([[float(x) for x in bar] for bar in bars], columns=columns, index=index)
    frame["volume"] = 1.0
    return to_ohlcv(frame)


@pytest.fixture
def frame_of():
    """``frame_of(bars)``: :func:`bars_frame`, for tests that run a strategy themselves."""
    return bars_frame


@pytest.fixture
def run_strategy(monkeypatch):
    """``run_strategy(source, bars, **overrides)``: convert and run a Pine strategy over the
    ``(open, high, low, close)`` tuples ``bars`` on symbol T (mintick 0.01, point value 1),
    hourly, with ``overrides`` of its ``strategy()`` parameters.

    Every run is made three times: with the broker's fast path and the loop on event bars only
    (the defaults), with the loop on every bar (``Context._event_bars``), and with the broker's
    full path (``Broker._fast_path``); all must give the same trades, equity, plots and metrics
    to the bit, and the metrics (computed from the broker's arrays) must be those that
    :func:`~pineopt.strategy.metrics.performance_summary` gives for the trades and equity
    frames."""

    def run(source, bars, *, mintick=0.01, mincontract=0.0, **overrides):
        module = load(convert(textwrap.dedent(source).strip() + "\n", "t.pine"))
        symbol = SymbolInfo(ticker="T", mintick=mintick, mincontract=mincontract)

        def once():
            return execute(
                module,
                bars_frame(bars),
                symbol,
                Timeframe.parse("60"),
                strategy=overrides or None,
            )

        result = once()
        with monkeypatch.context() as patch:
            patch.setattr(Context, "_event_bars", False)
            every_bar = once()
        with monkeypatch.context() as patch:
            patch.setattr(Broker, "_fast_path", False)
            full = once()
        for other in (every_bar, full):
            pd.testing.assert_frame_equal(result.plots, other.plots, check_exact=True)
            if result.trades is not None:
                pd.testing.assert_frame_equal(result.trades, other.trades, check_exact=True)
                pd.testing.assert_frame_equal(result.equity, other.equity, check_exact=True)
                assert_same_summary(other.metrics, result.metrics)
        if result.trades is not None:
            config = result.strategy.config
            frames = performance_summary(
                result.trades,
                result.equity,
                bars_frame(bars),
                initial_capital=config.initial_capital,
                risk_free_rate=config.risk_free_rate,
                margin_calls=result.strategy.margin_calls,
            )
            assert_same_summary(result.metrics, frames)
        return result

    return run
