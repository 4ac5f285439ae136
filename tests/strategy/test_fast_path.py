"""The broker's fast path (quiet bars, unreachable levels, equity written a stretch at a time)
against its full path: the same trades, equity and metrics, to the bit.

``Broker._fast_path`` is the private switch: False walks every bar's price path and writes
every close as it happens (:mod:`pineopt.strategy.broker`). Every hand-computed case of
``tests/strategy`` already runs both ways (see ``conftest.run_strategy``); here the benchmark
strategies and a set of TradingView probes (brackets, trailing stops, partial exits, OCA,
pyramiding, margin, filled-order caps, orders on the close) run on long histories, where the
stretches are long enough to be computed with numpy.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.conformance import SCRIPT, _chart_frame, default_feed, find_probes
from pineopt.strategy.broker import Broker

ROOT = Path(__file__).parents[2]
CORPUS = ROOT / "tests" / "conformance" / "data" / "tv_strategies"
PROBES = {p.name: p for p in find_probes(CORPUS)}
CHOSEN = [
    "analyzer-parity-edge-margin-50-pct-01",
    "bracket-atr-trailing-stop-state-01",
    "bracket-partial-exit-qty-percent-01",
    "bracket-trail-points-with-offset-only-01",
    "cap-max-intraday-filled-orders-isolate-01",
    "composite-ies-equity-feedback-sizing-01",
    "oca-exit-bracket-internal-cancel-01",
    "order-close-immediate-vs-next-bar-01",
    "order-deferred-flip-pooc-cross-bar-01",
    "order-same-id-stop-raise-only-01",
    "pyramid-deferred-flip-close-all-01",
]
BENCHMARKS = sorted((ROOT / "benchmarks" / "strategies").glob("*.pine"))


def both_paths(monkeypatch, run):
    """``run()`` with the fast path, then with the full path: the two results."""
    fast = run()
    with monkeypatch.context() as patch:
        patch.setattr(Broker, "_fast_path", False)
        full = run()
    return fast, full


def assert_same(fast, full):
    pd.testing.assert_frame_equal(fast.trades, full.trades, check_exact=True)
    pd.testing.assert_frame_equal(fast.equity, full.equity, check_exact=True)
    assert repr(fast.metrics) == repr(full.metrics)


@pytest.mark.parametrize("name", CHOSEN)
def test_probes_agree(name, monkeypatch):
    probe = PROBES[name]
    data = _chart_frame(probe, default_feed(CORPUS), {}, "2025-09-01T00:00Z")
    overrides = dict(probe.settings.get("runtime_overrides") or {}) or None

    def run():
        return pineopt.run(probe.folder / SCRIPT, data, inputs=probe.inputs, strategy=overrides)

    fast, full = both_paths(monkeypatch, run)
    assert len(fast.trades) > 10
    assert_same(fast, full)


@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.name for p in BENCHMARKS])
def test_benchmark_strategies_agree(script, monkeypatch):
    data = pineopt.load("BTCUSDT", "1h", provider="sample")
    fast, full = both_paths(monkeypatch, lambda: pineopt.run(script, data))
    assert len(fast.trades) > 100
    assert_same(fast, full)


def test_bar_magnifier_agrees(monkeypatch):
    """With ``use_bar_magnifier`` the paths are the intrabars' own: daily bars filled on hourly
    ones (the TradingView export of ``tests/conformance``)."""
    from pineopt.compiler import convert, load
    from pineopt.data.providers.tradingview import read_tradingview_export
    from pineopt.data.resample import resample
    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe
    from pineopt.runtime.engine import execute

    here = ROOT / "tests" / "conformance"
    symbol = SymbolInfo.from_toml(here / "data" / "strategy" / "bar_magnifier_60m.toml")
    hourly = read_tradingview_export(
        here / "data" / "strategy" / "bar_magnifier_60m.csv", symbol=symbol
    ).frame
    daily = resample(hourly, "1D", symbol)
    source = (here / "strategies" / "bar_magnifier.pine").read_text(encoding="utf-8")
    module = load(convert(source, "bar_magnifier.pine"))

    def run():
        return execute(module, daily, symbol, Timeframe.parse("1D"), magnifier_frame=hourly)

    fast, full = both_paths(monkeypatch, run)
    assert len(fast.trades) > 10
    assert_same(fast, full)


def _walk(bars: int, seed: int, drift: float = 0.0) -> pd.DataFrame:
    """An hourly random walk of ``bars`` bars (a few NaN-free gaps between open and close)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(drift, 0.01, bars)))
    open_ = np.concatenate(([100.0], close[:-1])) * (1 + rng.normal(0, 0.001, bars))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.004, bars)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.004, bars)))
    index = pd.date_range("2024-01-01", periods=bars, freq="h", tz="UTC")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": 1.0}, index=index
    )


PYRAMID_PARTIAL = """//@version=6
strategy("pyramid", pyramiding=3, initial_capital=10000, default_qty_type=strategy.fixed,
     default_qty_value=2, commission_type=strategy.commission.percent, commission_value=0.1)
if bar_index % 97 == 0
    strategy.entry("L", strategy.long)
if bar_index % 97 == 30 or bar_index % 97 == 45
    strategy.entry("L", strategy.long, qty=1)
if bar_index % 97 == 60
    strategy.close("L", qty=1.5)
if bar_index % 97 == 80
    strategy.close_all()
"""


def test_equity_noted_over_pyramided_and_partly_closed_positions(monkeypatch, tmp_path):
    """Stretches held with one, two and three trades (partial closes leave a trade smaller,
    its commission partly paid) and flat stretches, noted at every fill and written in one
    pass at the end: the same curves as the full path's bar-by-bar writes."""
    script = tmp_path / "pyramid.pine"
    script.write_text(PYRAMID_PARTIAL, encoding="utf-8")
    data = _walk(3000, seed=3)
    fast, full = both_paths(monkeypatch, lambda: pineopt.run(script, data))
    assert len(fast.trades) > 60
    assert set(fast.equity["position_size"]) == {0.0, 2.0, 3.0, 4.0, 2.5}  # 1, 2, 3 trades
    assert_same(fast, full)


MARGIN = """//@version=6
strategy("margin", initial_capital=1000, default_qty_type=strategy.percent_of_equity,
     default_qty_value=60, margin_long=MARGIN, margin_short=MARGIN)
if bar_index % 400 == 0
    strategy.entry("L", strategy.long)
if bar_index % 400 == 200
    strategy.entry("S", strategy.short)
"""


@pytest.mark.parametrize("margin", ["25", "50", "100", "150"])
def test_margin_checked_ahead_calls_on_the_same_bars(margin, monkeypatch, tmp_path):
    """Long and short positions held for 200 quiet bars each, on a walk that trends enough to
    bring some to their margin call: a span whose worst price passes with room to spare is
    passed whole, any other is evaluated bar by bar; the calls fall on the same bars as the
    full path's check on every bar (margins under, at and over 100 %)."""
    script = tmp_path / "margin.pine"
    script.write_text(MARGIN.replace("MARGIN", margin), encoding="utf-8")
    data = _walk(6000, seed=11, drift=0.0004)
    fast, full = both_paths(monkeypatch, lambda: pineopt.run(script, data))
    assert_same(fast, full)
    if margin in ("100", "150"):
        assert fast.metrics["all"]["margin_calls"] > 5
