"""The strategy explorer without a browser: build it, set widgets, run, check the outputs."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("panel")

import pineopt
from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.timeframe import Timeframe
from pineopt.errors import NetworkUnavailable
from pineopt.ui.explorer import (
    HEADLINE,
    StrategyExplorer,
    dataset_choices,
    format_number,
    last_bars,
)


def _expected(app: StrategyExplorer, inputs=None) -> dict:
    dataset = last_bars(pineopt.load("BTCUSDT", "1D", provider="sample"), app.bars_input.value)
    result = pineopt.run(app.editor.value, dataset, inputs=inputs)
    return {key: format_number(result.metrics["all"].get(key), key) for key, _ in HEADLINE}


def test_run_shows_metrics_trades_and_inputs():
    app = StrategyExplorer()
    assert app.dataset_select.value.startswith("BTCUSDT 1D")
    assert app.run(), app.status.object
    expected = _expected(app)
    for key, value in expected.items():
        assert f'data-metric="{key}">{value}<' in app.metrics_pane.object
    assert len(app.trades_table.value) == len(app.result.trades) > 0
    assert len(app.summary_table.value) > 10
    assert app.trades_download.filename == "trades.csv"
    assert app._trades_csv().getvalue().startswith("trade,direction")
    assert set(app.input_widgets) >= {"fastLength", "slowLength"}

    app.input_widgets["fastLength"].value = 20
    assert app.run()
    changed = _expected(app, {"fastLength": 20})
    assert changed["net_profit"] != expected["net_profit"]
    assert f'data-metric="net_profit">{changed["net_profit"]}<' in app.metrics_pane.object


def test_indicator_and_errors():
    app = StrategyExplorer()
    app.example_select.value = "bollinger_indicator.pine"
    assert app.run()
    assert "indicator" in app.metrics_pane.object.lower()
    assert {"length", "mult", "src"} <= set(app.input_widgets)
    app.editor.value = "//@version=6\nindicator('x')\nplot(nosuch)"
    assert app.input_widgets == {} or app.input_values() == {}
    assert not app.run()
    assert app.status.alert_type == "danger"
    assert "nosuch" in app.diagnostics_pane.object


def test_fetch_offline_fails_with_a_message():
    def offline(*_args):
        raise NetworkUnavailable("cannot reach binance (offline?)")

    app = StrategyExplorer(fetcher=offline)
    assert asyncio.run(app.fetch()) is False
    assert "Fetch failed" in app.fetch_status.object
    assert "offline" in app.fetch_status.object
    assert app.fetch_progress.visible is False
    assert app.fetch_button.disabled is False


def test_compare_needs_run_and_upload():
    app = StrategyExplorer()
    assert not app.compare()
    assert "Run a strategy first" in app.compare_status.object
    app.run()
    assert not app.compare()
    assert "Upload" in app.compare_status.object


def test_dataset_choices_are_data_names(tmp_path, monkeypatch):
    """Every dataset of the list loads through the resolver under the name ``--data`` takes,
    a cached series included."""
    bars = pineopt.load("ETHUSDT", "1D", start="2024-01-01", end="2024-01-31").frame
    ParquetCache(tmp_path).store(CacheKey("ccxt", "kraken", "ETH/USD", Timeframe(1, "D")), bars)
    monkeypatch.setenv("PINEOPT_DATA_DIR", str(tmp_path))
    choices = {choice.name: choice for choice in dataset_choices()}
    assert {"BTCUSDT_1D", "SOLUSDT_1h", "SOLUSDT_1D", "kraken:ETH/USD_1D"} <= set(choices)
    cached = choices["kraken:ETH/USD_1D"]
    assert cached.label.endswith("(cache, 31 bars; --data kraken:ETH/USD_1D)")
    assert cached.load().provenance["provider"] == "cache" and len(cached.load()) == 31
    assert len(choices["SOLUSDT_1D"].load()) == 1974
