"""Fixtures of the broker-emulator tests: tiny Pine v6 strategies on hand-made bars."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.frame import to_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import Context, execute
from pineopt.strategy.broker import Broker


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
    full path (``Broker._fast_path``); all must give the same trades, equity and plots to the
    bit."""

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
        return result

    return run
