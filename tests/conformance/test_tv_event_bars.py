"""The loop on event bars only against the loop on every bar, on TradingView's probes.

A script whose bar-by-bar statements are all guarded by whole-history conditions runs its loop
over ``ctx.bars(acting)`` (:mod:`pineopt.compiler.events`): only the bars where a condition may
hold and the broker's busy bars. ``Context._event_bars = False`` is the private switch that
visits every bar again; here every probe of ``data/tv_strategies`` that gets an event mask,
the benchmark strategies and the example run both ways, and must agree to the bit (trades,
equity, plots, metrics). ``test_tv_strategies`` scores the default (event) path against
TradingView itself.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.compiler import convert
from pineopt.conformance import OVERRIDE_NAMES, SCRIPT, _chart_frame, default_feed, find_probes
from pineopt.runtime.engine import Context

ROOT = Path(__file__).parents[2]
CORPUS = Path(__file__).parent / "data" / "tv_strategies"
PROBES = find_probes(CORPUS)
FEED = default_feed(CORPUS)
EXAMPLE = ROOT / "examples" / "sma_cross_strategy.pine"
LONG_RUNS = [(p, None) for p in sorted((ROOT / "benchmarks" / "strategies").glob("*.pine"))] + [
    (EXAMPLE, {"ATR stop": False}),
    (EXAMPLE, {"ATR stop": True}),
]


def has_event_mask(path: Path) -> bool:
    conversion = convert(path.read_text(encoding="utf-8"), path.name)
    return conversion.code is not None and "ctx.bars(" in conversion.code


EVENT_PROBES = [p for p in PROBES if has_event_mask(p.folder / SCRIPT)]


def both_ways(monkeypatch, run):
    events = run()
    with monkeypatch.context() as patch:
        patch.setattr(Context, "_event_bars", False)
        every_bar = run()
    pd.testing.assert_frame_equal(events.trades, every_bar.trades, check_exact=True)
    pd.testing.assert_frame_equal(events.equity, every_bar.equity, check_exact=True)
    pd.testing.assert_frame_equal(events.plots, every_bar.plots, check_exact=True)
    assert repr(events.metrics) == repr(every_bar.metrics)
    return events


def test_many_probes_qualify():
    assert len(EVENT_PROBES) >= 40


@pytest.mark.parametrize("probe", EVENT_PROBES, ids=[p.name for p in EVENT_PROBES])
def test_probe_agrees(probe, monkeypatch):
    data = _chart_frame(probe, FEED, {}, "2025-03-31T00:00Z")
    overrides = {
        OVERRIDE_NAMES.get(k, k): v
        for k, v in dict(probe.settings.get("runtime_overrides") or {}).items()
    }

    def run():
        return pineopt.run(
            probe.folder / SCRIPT, data, inputs=probe.inputs, strategy=overrides or None
        )

    both_ways(monkeypatch, run)


@pytest.mark.parametrize("script, inputs", LONG_RUNS, ids=lambda v: getattr(v, "name", str(v)))
def test_long_history_agrees(script, inputs, monkeypatch):
    data = pineopt.load("BTCUSDT", "1h", provider="sample")
    result = both_ways(monkeypatch, lambda: pineopt.run(script, data, inputs=inputs))
    assert len(result.trades) > 100
