"""Backtests in the store: recorded from real runs, queued then run by a job runner, listed,
read back exactly, compared, deleted."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from store_samples import PYTHON_STRATEGY

import pineopt
from pineopt.store import NotFound, StoreError


def _same_metrics(stored: dict, metrics: dict) -> None:
    assert stored.keys() == metrics.keys()
    for side, values in metrics.items():
        assert stored[side].keys() == values.keys()
        for key, value in values.items():
            got = stored[side][key]
            assert (math.isnan(got) and math.isnan(value)) or got == value, (side, key)


def test_record_a_run(store, sma_run, btc):
    backtest_id = store.record(sma_run)
    record = store.backtest(backtest_id)
    assert record["strategy"] == "SMA cross" and record["status"] == "done"
    assert (record["symbol"], record["exchange"], record["timeframe"]) == (
        "BTCUSDT",
        "BINANCE",
        "60",
    )
    assert record["provider"] == "sample"
    assert record["start"] == btc.frame.index[0] and record["end"] == btc.frame.index[-1]
    assert record["initial_capital"] == 10_000 and record["commission"] == 0.05
    assert record["inputs"] == {
        "Fast length": 50,
        "Slow length": 200,
        "ATR stop": True,
        "ATR multiple": 3.0,
    }
    assert record["trades"] == len(sma_run.trades) and record["error"] is None
    assert record["conversion_id"] is not None and record["pineopt_version"] == pineopt.__version__
    assert (
        record["finished_at"] >= record["started_at"] >= record["created_at"] - pd.Timedelta("1s")
    )
    data = record["data"]
    assert data["fingerprint"] == sma_run.data_fingerprint["sha256"]
    assert data["bars"] == len(btc.frame) and data["provider"] == "sample"
    _same_metrics(store.stats(backtest_id), sma_run.metrics)
    _same_metrics(record["metrics"], sma_run.metrics)
    saved = store.strategy("SMA cross")
    assert saved["source"] == sma_run.source and saved["validation_status"] == "valid"


def test_trades_and_equity_come_back_exactly(store, sma_run):
    backtest_id = store.record(sma_run)
    trades = store.trades(backtest_id)
    assert trades["is_open"].any() and (~trades["is_open"]).any()  # both kinds
    pd.testing.assert_frame_equal(trades, sma_run.trades, check_exact=True)
    assert trades.dtypes.to_dict() == sma_run.trades.dtypes.to_dict()
    equity = store.equity(backtest_id)
    pd.testing.assert_frame_equal(equity, sma_run.equity, check_exact=True)
    assert str(equity.index.dtype) == "datetime64[ns, UTC]"
    with store._read() as session:  # one blob, not a row per bar
        from pineopt.store.models import BacktestResult

        blob = session.query(BacktestResult.equity).scalar()
    assert blob[:4] == b"PAR1" and len(blob) < sma_run.equity.to_numpy().nbytes


def test_a_run_without_trades_or_equity(store, btc):
    indicator = pineopt.run('//@version=6\nindicator("Just a line")\nplot(close)\n', btc)
    backtest_id = store.record(indicator)
    assert store.stats(backtest_id) == {}
    assert store.equity(backtest_id).empty
    trades = store.trades(backtest_id)
    assert trades.empty and trades.columns.tolist() == sma_columns()
    assert str(trades["entry_time"].dtype) == "datetime64[ns, UTC]"
    assert trades["trade"].dtype == "int64" and trades["is_open"].dtype == bool


def sma_columns() -> list[str]:
    from pineopt.strategy.trades import TRADE_COLUMNS

    return list(TRADE_COLUMNS)


def test_record_files_runs_under_their_strategy(store, sma_run, sma_fast_run, sma_source):
    first = store.record(sma_run)
    second = store.record(sma_fast_run)
    assert store.count_strategies() == 1
    assert store.backtest(first)["strategy_id"] == store.backtest(second)["strategy_id"]
    changed = sma_source.replace("input.int(200,", "input.int(100,")
    third = store.record(sma_run, source=changed)  # the text run changed: the strategy follows
    strategy = store.strategy("SMA cross")
    assert strategy["source"] == changed and strategy["parameters"][1]["default"] == 100
    conversions = [store.backtest(i)["conversion_id"] for i in (first, second, third)]
    assert conversions[0] == conversions[1] != conversions[2]
    named = store.record(sma_run, strategy="Mine")
    assert store.backtest(named)["strategy"] == "Mine"
    by_id = store.record(sma_run, strategy=strategy["id"], symbol="X:ETHUSDT", timeframe="4h")
    assert store.backtest(by_id)["symbol"] == "ETHUSDT"
    assert store.backtest(by_id)["exchange"] == "X"
    assert store.backtest(by_id)["timeframe"] == "240"


def test_record_needs_a_strategy_when_the_result_has_no_source(store, sma_run):
    from dataclasses import replace

    anonymous = replace(sma_run, source=None)
    with pytest.raises(StoreError, match="record\\(\\) needs the strategy"):
        store.record(anonymous)
    with pytest.raises(NotFound, match="no strategy named 'Unknown'"):
        store.record(anonymous, strategy="Unknown")
    python = store.save_strategy(PYTHON_STRATEGY)
    backtest_id = store.record(anonymous, strategy=python)
    assert store.backtest(backtest_id)["strategy"] == "Hand made"
    assert store.strategy(python)["language"] == "python"  # untouched
    with pytest.raises(StoreError, match="a run's Result is needed, not str"):
        store.record("nonsense", strategy=python)


def test_record_with_data_given(store, sma_run, btc):
    from dataclasses import replace

    bare = replace(sma_run, chart=None)
    with pytest.raises(StoreError, match="needs a symbol"):
        store.record(bare)
    backtest_id = store.record(bare, data=btc.frame, symbol="BTCUSDT", timeframe="1h")
    record = store.backtest(backtest_id)
    assert record["data"]["fingerprint"] == sma_run.data_fingerprint["sha256"]
    assert record["provider"] is None
    assert store.record(bare, data=btc) > backtest_id  # a Dataset knows its symbol


def test_a_job_goes_queued_running_done(store, sma_source, sma_run):
    store.save_strategy(sma_source)
    backtest_id = store.create_backtest(
        "SMA cross",
        symbol="BINANCE:BTCUSDT",
        timeframe="1h",
        start="2024-01-01",
        end="2024-02-15T00:00:00Z",
        capital=5000,
        settings={"pyramiding": 2},
        inputs={"Fast length": 50},
    )
    queued = store.backtest(backtest_id)
    assert (queued["status"], queued["symbol"], queued["exchange"]) == (
        "queued",
        "BTCUSDT",
        "BINANCE",
    )
    assert queued["start"] == pd.Timestamp("2024-01-01", tz="UTC")
    assert queued["initial_capital"] == 5000 and queued["settings"] == {"pyramiding": 2}
    assert queued["metrics"] is None and queued["trades"] == 0
    with pytest.raises(
        StoreError, match=f"backtest {backtest_id} is queued: it has no results yet"
    ):
        store.trades(backtest_id)
    store.start_backtest(backtest_id)
    assert store.backtest(backtest_id)["status"] == "running"
    with pytest.raises(StoreError, match="is running: only a queued backtest can start"):
        store.start_backtest(backtest_id)
    store.finish_backtest(backtest_id, sma_run, report_path="outputs/reports/x")
    done = store.backtest(backtest_id)
    assert done["status"] == "done" and done["report_path"] == "outputs/reports/x"
    assert done["initial_capital"] == 5000  # what was asked stays
    assert done["seconds"] >= 0 and done["data"]["provider"] == "sample"
    pd.testing.assert_frame_equal(store.trades(backtest_id), sma_run.trades)
    with pytest.raises(StoreError, match="is already done: only a queued or running"):
        store.fail_backtest(backtest_id, "late")


def test_failed_and_interrupted_backtests(store, sma_source):
    store.save_strategy(sma_source)
    failed = store.create_backtest(1, symbol="BTCUSDT", timeframe="60")
    store.fail_backtest(failed, "the strategy exceeded its CPU time limit of 60 s")
    record = store.backtest(failed)
    assert record["status"] == "failed" and "CPU time limit" in record["error"]
    with pytest.raises(StoreError, match="failed, it has no results: the strategy exceeded"):
        store.stats(failed)
    queued = store.create_backtest(1, symbol="BTCUSDT", timeframe="60")
    running = store.create_backtest(1, symbol="BTCUSDT", timeframe="60")
    store.start_backtest(running)
    assert store.interrupt_running() == 2
    assert store.backtest(queued)["status"] == store.backtest(running)["status"] == "failed"
    assert "interrupted" in store.backtest(running)["error"]
    assert store.interrupt_running() == 0


def test_bad_backtest_requests(store, sma_source):
    store.save_strategy(sma_source)
    for arguments, message in [
        ({"symbol": "", "timeframe": "1h"}, "needs a symbol"),
        ({"symbol": "BTC", "timeframe": "fortnight"}, "not a timeframe: 'fortnight'"),
        ({"symbol": "BTC", "timeframe": "1h", "start": "yesterday-ish"}, "start is not a time"),
        ({"symbol": "BTC", "timeframe": "1h", "start": "2024-02", "end": "2024-01"}, "before"),
        ({"symbol": "BTC", "timeframe": "1h", "capital": 0}, "capital must be above 0"),
        ({"symbol": "BTC", "timeframe": "1h", "commission": "x"}, "commission must be a number"),
        ({"symbol": "BTC", "timeframe": "1h", "inputs": [1]}, "inputs must be a mapping"),
    ]:
        with pytest.raises(StoreError, match=message):
            store.create_backtest(1, **arguments)
    with pytest.raises(NotFound, match="no strategy named 'nope'"):
        store.create_backtest("nope", symbol="BTC", timeframe="1h")
    for method in (store.start_backtest, store.backtest, store.trades, store.equity, store.stats):
        with pytest.raises(NotFound, match="no backtest with id 999"):
            method(999)
    with pytest.raises(StoreError, match="a backtest id is a whole number"):
        store.backtest("one")
    assert store.count_backtests() == 0


def test_list_filter_and_count(store, sma_run, sma_fast_run, sma_source):
    first = store.record(sma_run)
    second = store.record(sma_fast_run)
    store.save_strategy(sma_source, name="Other")
    queued = store.create_backtest("Other", symbol="COINBASE:ETHUSD", timeframe="1D")
    listing = store.backtests()
    assert listing["id"].tolist() == [queued, second, first]  # newest first
    assert listing.columns.tolist() == [
        "id",
        "strategy_id",
        "strategy",
        "symbol",
        "timeframe",
        "provider",
        "start",
        "end",
        "status",
        "created_at",
        "finished_at",
        "seconds",
        "net_profit",
        "net_profit_pct",
        "total_trades",
        "percent_profitable",
        "profit_factor",
        "max_drawdown",
    ]
    row = listing.set_index("id").loc[first]
    assert row["net_profit"] == sma_run.metrics["all"]["net_profit"]
    assert row["total_trades"] == sma_run.metrics["all"]["total_closed_trades"]
    assert np.isnan(listing.set_index("id").loc[queued, "net_profit"])
    assert listing["total_trades"].dtype == "Int64"
    assert store.backtests(strategy="SMA cross")["id"].tolist() == [second, first]
    assert store.backtests(symbol="btcusdt")["id"].tolist() == [second, first]
    assert store.backtests(symbol="BINANCE:BTCUSDT")["id"].tolist() == [second, first]
    assert store.backtests(symbol="OKX:BTCUSDT").empty
    assert store.backtests(timeframe="1d")["id"].tolist() == [queued]
    assert store.backtests(status="queued")["id"].tolist() == [queued]
    assert store.backtests(limit=1, offset=1)["id"].tolist() == [second]
    assert store.count_backtests(strategy="SMA cross", status="done") == 2
    with pytest.raises(StoreError, match="unknown backtest status 'lost'"):
        store.backtests(status="lost")
    with pytest.raises(NotFound):
        store.backtests(strategy=77)
    assert store.strategies().set_index("name").loc["SMA cross", "backtests"] == 2


def test_latest_backtest(store, sma_run, sma_source):
    strategy_id = store.save_strategy(sma_source)
    assert store.latest_backtest(strategy_id) is None
    done = store.record(sma_run)
    store.create_backtest(strategy_id, symbol="BTCUSDT", timeframe="60")  # queued: not done
    assert store.latest_backtest("SMA cross")["id"] == done


def test_compare(store, sma_run, sma_fast_run):
    first = store.record(sma_run)
    second = store.record(sma_fast_run, settings={"pyramiding": 1})
    table = store.compare([first, second])
    assert table.columns.tolist() == [f"#{first} SMA cross", f"#{second} SMA cross"]
    assert table.loc["net_profit"].tolist() == [
        sma_run.metrics["all"]["net_profit"],
        sma_fast_run.metrics["all"]["net_profit"],
    ]
    assert table.loc["input: Fast length"].tolist() == [50, 20]
    assert table.loc["symbol"].tolist() == ["BTCUSDT", "BTCUSDT"]
    assert table.loc["setting: pyramiding", f"#{second} SMA cross"] == 1
    assert math.isnan(table.loc["setting: pyramiding", f"#{first} SMA cross"])
    assert table.index[0] == "net_profit" and "status" in table.index
    with pytest.raises(NotFound, match="no backtest with id 404"):
        store.compare([first, 404])
    with pytest.raises(StoreError, match="at least one"):
        store.compare([])


def test_delete_a_backtest(store, sma_run):
    keep = store.record(sma_run)
    gone = store.record(sma_run)
    store.delete_backtest(gone)
    with pytest.raises(NotFound):
        store.backtest(gone)
    tables = store.info()["tables"]
    assert tables["backtests"] == tables["backtest_results"] == 1
    assert tables["backtest_trades"] == len(sma_run.trades)
    assert store.backtest(keep)["status"] == "done"
    assert tables["data_sessions"] == 1  # the same bars: one session


def test_record_data(store, btc, make_bars):
    first = store.record_data(btc, provider="sample", symbol="BINANCE:BTCUSDT", timeframe="1h")
    again = store.record_data(btc, provider="sample", symbol="BINANCE:BTCUSDT", timeframe="60")
    other = store.record_data(
        make_bars(), provider="file", symbol="X", timeframe="1h", cache_path="/data/x.parquet"
    )
    assert first == again != other
    tables = store.info()["tables"]
    assert tables["data_sources"] == 2 and tables["data_sessions"] == 2
    with pytest.raises(StoreError, match="must be a Dataset or an OHLCV DataFrame"):
        store.record_data([1, 2], provider="x", symbol="X", timeframe="1h")
