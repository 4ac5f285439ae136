"""The explorer's Saved tab without a browser, on a real SQLite store: list, open, re-run,
compare, and save the explorer's last run."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("panel")

import pineopt
from pineopt.store import Store
from pineopt.strategy.metrics import to_json
from pineopt.ui.explorer import EXAMPLES_DIR, StrategyExplorer, format_number
from pineopt.ui.saved import SavedRuns, bars_of_backtest, rerun

SCRIPT = EXAMPLES_DIR / "sma_cross_strategy.pine"


@pytest.fixture(scope="module")
def btc():
    """The last 600 daily bars of the bundled BTCUSDT sample."""
    dataset = pineopt.load("BTCUSDT", "1D", provider="sample")
    return dataset.between(dataset.frame.index[-600], None)


@pytest.fixture
def store(tmp_path, btc):
    """A store holding two backtests of the example strategy: #1 with the default fast SMA,
    #2 with a fast SMA of 20 (asked for by the input's variable name)."""
    with Store(tmp_path / "pineopt.db") as opened:
        opened.record(pineopt.run(SCRIPT, btc))
        opened.record(pineopt.run(SCRIPT, btc, inputs={"fastLength": 20}))
        yield opened


def _ids(table) -> list[int]:
    return [int(i) for i in table.value["id"]]


def test_refresh_lists_strategies_and_backtests(store, btc):
    extra = pineopt.run(EXAMPLES_DIR / "rsi_macd_strategy.pine", btc)
    store.record(extra)
    saved = SavedRuns(store)
    assert saved.refresh()
    assert saved.strategies_table.value["name"].tolist() == ["RSI + MACD", "SMA cross"]
    assert _ids(saved.backtests_table) == [3, 2, 1]  # newest first
    row = saved.backtests_table.value.iloc[2]
    assert (row["strategy"], row["symbol"], row["timeframe"], row["provider"]) == (
        "SMA cross",
        "BTCUSDT",
        "1D",
        "sample",
    )
    assert "2 strategies, 3 backtests" in saved.status.object

    saved.strategies_table.selection = [1]  # SMA cross: only its backtests
    assert saved.selected_strategy() == store.strategy("SMA cross")["id"]
    assert _ids(saved.backtests_table) == [2, 1]
    store.record(pineopt.run(SCRIPT, btc, inputs={"Slow length": 100}))
    assert saved.refresh()  # the strategy stays selected
    assert _ids(saved.backtests_table) == [4, 2, 1]
    saved.strategies_table.selection = []
    assert _ids(saved.backtests_table) == [4, 3, 2, 1]


def test_open_shows_the_recorded_stats_trades_and_equity(store):
    saved = SavedRuns(store)
    saved.refresh()
    assert not saved.open()
    assert "Tick one backtest" in saved.status.object
    saved.backtests_table.selection = [1]  # the second row: backtest 1
    assert saved.selected_backtests() == [1]
    assert saved.open()
    metrics = store.stats(1)
    assert saved.title.object.startswith("### #1 SMA cross · BINANCE:BTCUSDT 1D · ")
    value = format_number(metrics["all"]["net_profit"], "net_profit")
    assert f'data-metric="net_profit">{value}<' in saved.metrics_pane.object
    assert saved.stats_table.value.loc["net profit", "All"] == value
    assert len(saved.trades_table.value) == len(store.trades(1)) > 0
    assert len(saved.equity_pane.objects) == 1
    assert saved.status.alert_type == "success"


def test_rerun_records_the_same_backtest_again(store, btc):
    saved = SavedRuns(store)
    saved.refresh()
    saved.backtests_table.selection = [0]  # backtest 2: fast SMA 20
    new = saved.rerun()
    assert new == 3
    assert "Re-ran backtest 2 as backtest 3, on the same bars" in saved.status.object
    assert _ids(saved.backtests_table) == [3, 2, 1]
    assert saved.title.object.startswith("### #3 SMA cross")  # the new one is open
    again, original = store.backtest(3), store.backtest(2)
    assert again["inputs"]["Fast length"] == 20
    assert (again["start"], again["end"], again["provider"]) == (
        original["start"],
        original["end"],
        "sample",
    )
    assert again["data"]["fingerprint"] == original["data"]["fingerprint"]
    assert to_json(store.stats(3)) == to_json(store.stats(2))
    pd.testing.assert_frame_equal(store.trades(3), store.trades(2))
    assert to_json(store.stats(3)) != to_json(store.stats(1))


def test_rerun_keeps_settings_and_reloads_files(store, btc, tmp_path):
    path = tmp_path / "BTCUSDT_1D.csv"
    btc.frame.reset_index().to_csv(path, index=False)
    result = pineopt.run(SCRIPT, str(path), strategy={"initial_capital": 5000})
    first = store.record(result, settings={"initial_capital": 5000})
    assert len(bars_of_backtest(store.backtest(first)).frame) == 600
    done = rerun(store, first)
    assert done.same_bars
    assert store.backtest(done.backtest_id)["initial_capital"] == 5000
    assert store.backtest(done.backtest_id)["provider"] == "file"
    assert to_json(store.stats(done.backtest_id)) == to_json(store.stats(first))

    path.unlink()
    saved = SavedRuns(store)
    saved.refresh()
    assert saved.rerun(first) is None
    assert "ran on bars read from a file that is gone" in saved.status.object
    assert saved.status.alert_type == "danger"


def test_rerun_refuses_bars_given_as_a_dataframe(store, btc):
    in_memory = store.record(pineopt.run(SCRIPT, btc.frame))
    saved = SavedRuns(store)
    assert saved.rerun(in_memory) is None
    assert "bars given as a DataFrame" in saved.status.object


def test_compare_two(store):
    saved = SavedRuns(store)
    saved.refresh()
    saved.backtests_table.selection = [0]
    assert not saved.compare()
    assert "Tick two backtests or more" in saved.status.object
    saved.backtests_table.selection = [0, 1]
    assert saved.compare()
    expected = store.compare([2, 1])
    pd.testing.assert_frame_equal(saved.comparison, expected)
    table = saved.compare_table.value
    assert list(table.columns) == ["#2 SMA cross", "#1 SMA cross"]
    assert table.loc["input: Fast length"].tolist() == ["20", "50"]
    net = expected.loc["net_profit"]
    assert table.loc["net_profit"].tolist() == [format_number(v) for v in net]
    assert saved.details.active == 3


def test_unusable_database_is_a_message(tmp_path):
    saved = SavedRuns("mysql://nowhere/db")
    assert not saved.refresh()
    assert saved.status.alert_type == "danger" and "Cannot read the store" in saved.status.object


def test_explorer_saved_tab(tmp_path):
    db = tmp_path / "explorer.db"
    app = StrategyExplorer(store=db)
    assert not db.exists()  # nothing opened until the tab is shown
    assert app.saved.save() is None
    assert "Run a strategy first" in app.saved.status.object
    app.bars_input.value = 400
    assert app.run()
    app.saved.save_name.value = "Explorer SMA"
    assert app.saved.save() == 1
    saved = app.saved
    assert "Saved the last run as backtest 1" in saved.status.object
    assert saved.strategies_table.value["name"].tolist() == ["Explorer SMA"]
    with Store(db) as store:
        assert to_json(store.stats(1)) == to_json(app.result.metrics)
        assert store.backtest(1)["data"]["bars"] == 400

    app.tabs.active = 0
    saved.strategies_table.value = saved.strategies_table.value.iloc[:0]
    app.tabs.active = len(app.tabs) - 1  # showing the Saved tab reads the store again
    assert saved.strategies_table.value["name"].tolist() == ["Explorer SMA"]

    app.example_select.value = "bollinger_indicator.pine"
    assert app.run()
    assert saved.save() is None
    assert "only strategy runs are saved" in saved.status.object
