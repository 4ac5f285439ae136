"""The ``tradingview`` provider: chart exports through the file reader, optional downloads."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import types

import numpy as np
import pandas as pd
import pytest

from pineopt.data import load
from pineopt.data.providers import DataRequest, get_provider
from pineopt.data.providers.tradingview import (
    download_tradingview,
    read_tradingview_export,
    read_tradingview_plots,
)
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, ProviderError

VWAP_PLOTS = [
    "ta.vwap(close)",
    'ta.vwap(close, timeframe.change("240"))',
    'ta.vwap(close, timeframe.change("360"), 2.0).vwap',
    'ta.vwap(close, timeframe.change("360"), 2.0).upper_band',
    'ta.vwap(close, timeframe.change("360"), 2.0).lower_band',
]
MA_PLOTS = [
    "ta.sma(close, 10)", "ta.sma(hl2, 20)", "ta.sma(hlc3, 15)", "ta.ema(close, 20)",
    "ta.ema(ohlc4, 10)", "ta.rma(hlcc4, 5)", "ta.rma(high, 15)", "ta.alma(close, 5, 0.85, 6)",
    "ta.alma(close, 10, 0.55, 12)", "ta.wma(close, 5)", "ta.wma(close, 20)", "ta.hma(close, 9)",
    "ta.hma(close, 20)", "ta.swma(hlc3)", "ta.vwma(close, 20)",
]  # fmt: skip


# --------------------------------------------------------------------------- exports


def test_export_bars_symbol_and_provenance(files, untouched):
    dataset = read_tradingview_export(files / "vwap.csv")
    assert dataset.symbol.tickerid == "CAPITALCOM:EURUSD"
    assert dataset.timeframe == Timeframe(15, "")
    assert len(dataset) == 300
    first = dataset.frame.iloc[0]
    assert dataset.frame.index[0] == pd.Timestamp(1711918800, unit="s", tz="UTC")
    assert first.tolist() == [1.07843, 1.07922, 1.07843, 1.07902, 156.0]
    assert dataset.provenance["provider"] == "tradingview"
    assert dataset.provenance["path"] == str(files / "vwap.csv")
    assert list(dataset.reference.columns) == VWAP_PLOTS


def test_plots_are_the_export_columns_with_nan_for_na(files, untouched):
    plots = read_tradingview_plots(files / "vwap.csv")
    assert list(plots.columns) == VWAP_PLOTS
    assert (plots.dtypes == np.float64).all()
    assert str(plots.index.tz) == "UTC" and len(plots) == 300
    assert plots.iloc[0, 0] == 1.07902
    assert plots.iloc[0, 1:].isna().all()
    row = plots.loc[pd.Timestamp(1712007000, unit="s", tz="UTC")]
    assert row.iloc[0] == 1.074190612589776  # full precision, as exported
    assert row.iloc[4] == 1.0739459168981378
    assert plots.iloc[-1, 3] == 1.0839962284853333


def test_plots_of_many_indicators_keep_their_order(files, untouched):
    plots = read_tradingview_plots(files / "ma.csv")
    assert list(plots.columns) == MA_PLOTS
    assert "Volume" not in plots.columns
    assert plots["ta.sma(close, 10)"].iloc[:9].isna().all()
    assert plots["ta.sma(close, 10)"].notna().iloc[9:].all()


def test_plots_with_a_repeated_title(files, untouched):
    plots = read_tradingview_plots(files / "time_head.csv")
    assert plots.columns[:2].tolist() == ["time (2)", "time+"]
    assert len(plots.columns) == 40 - 6  # 40 columns, 6 of them the chart's time and OHLCV
    assert plots["dayofmonth"].iloc[0] == 25.0


def test_an_export_without_plots(write):
    path = write("BINANCE_BTCUSDT, 60.csv", "time,open,high,low,close\n1,2,3,1,2\n3601,2,3,1,2")
    plots = read_tradingview_plots(path)
    assert plots.shape == (2, 0)
    assert plots.index[1] == pd.Timestamp(3601, unit="s", tz="UTC")
    dataset = read_tradingview_export(path)
    assert dataset.symbol.tickerid == "BINANCE:BTCUSDT"
    assert dataset.provenance["volume_filled"] == 0.0  # no Volume indicator on that chart


def test_export_quirks_bom_entities_duplicates_nan_no_trailing_newline(write):
    text = (
        "\ufefftime,open,high,low,close,Volume,time,&quot;MA&quot; &amp; co,Plot,Plot\n"
        "2025-01-01T00:00:00Z,10,12,9,11,5,1735689600000,NaN,1,2\n"
        "2025-01-01T00:05:00Z,11,13,10,12,6,1735689900000,10.5,NaN,4"
    )
    plots = read_tradingview_plots(write("export.csv", text))
    assert plots.columns.tolist() == ["time (2)", '"MA" & co', "Plot", "Plot (2)"]
    assert np.isnan(plots.iloc[0, 1]) and plots.iloc[1, 1] == 10.5
    assert np.isnan(plots.iloc[1, 2]) and plots["Plot (2)"].tolist() == [2.0, 4.0]


def test_a_plot_titled_like_a_chart_column_stays_a_plot(write):
    text = "time,open,high,low,close,close,Volume\n1,2,3,1,2,99,7\n61,2,3,1,2,98,7\n"
    dataset = read_tradingview_export(write("x.csv", text))
    assert dataset.frame["close"].tolist() == [2.0, 2.0]
    assert dataset.reference["close (2)"].tolist() == [99.0, 98.0]


def test_export_errors_come_from_the_file_reader(tmp_path, write, fails):
    fails(read_tradingview_export, tmp_path / "missing.csv", "no such file")
    fails(read_tradingview_plots, write("junk.csv", b"\x00\x01\x02" * 100), "binary")
    trades = write("trades.csv", "Trade #,Type,Date/Time\n1,Entry long,2024-01-01 00:00\n")
    fails(read_tradingview_plots, trades, "list of trades")


# --------------------------------------------------------------------------- the provider


def test_provider_reads_an_export_by_path(files, untouched):
    dataset = get_provider("tradingview").load(
        DataRequest.make(str(files / "vwap.csv"), start="2024-04-02", end="2024-04-02T23:45:00Z")
    )
    assert len(dataset) == 96
    assert dataset.reference.index.equals(dataset.frame.index)
    assert dataset.provenance["provider"] == "tradingview"


def test_provider_options_pass_to_the_reader(files, write, untouched):
    path = write("plain.csv", (files / "ma.csv").read_text(encoding="utf-8"))
    dataset = load(str(path), "30", provider="tradingview", syminfo=str(files / "vwap.toml"))
    assert dataset.symbol.tickerid == "CAPITALCOM:EURUSD"
    assert load(str(path), provider="tradingview", ticker="FX:EURUSD").symbol.tickerid == (
        "FX:EURUSD"
    )


def test_provider_path_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load(str(tmp_path / "exports" / "BINANCE_BTCUSDT, 60.csv"), provider="tradingview")


# --------------------------------------------------------------------------- downloads


@pytest.fixture
def no_client(monkeypatch):
    """Make sure no download client is importable, even where one is installed."""
    for name in ("tvDatafeed", "tvdatafeed"):
        monkeypatch.setitem(sys.modules, name, None)


def test_download_without_a_client_says_how_to_export(no_client):
    with pytest.raises(ProviderError) as caught:
        load("BINANCE:BTCUSDT", "60", provider="tradingview")
    message = str(caught.value)
    assert "\n" not in message
    for fragment in (
        "BINANCE:BTCUSDT",
        "no download client",
        "tvdatafeed-enhanced",
        "Export chart data",
        "pineopt data import FILE",
        "--data FILE",
    ):
        assert fragment in message, fragment  # fmt: skip


def test_download_needs_exchange_and_timeframe(no_client):
    with pytest.raises(DataError, match="EXCHANGE:SYMBOL"):
        download_tradingview("BTCUSDT", "60")
    with pytest.raises(DataError, match="timeframe is needed"):
        load("BINANCE:BTCUSDT", provider="tradingview")
    with pytest.raises(DataError, match="timeframe 7 is not offered"):
        download_tradingview("BINANCE:BTCUSDT", "7")


class _Interval:
    in_1_hour = "1h"
    in_daily = "1d"


def _fake_client(monkeypatch, result=None, error: Exception | None = None) -> list:
    """Install a stand-in ``tvDatafeed`` module; returns the list of get_hist calls."""
    calls: list = []

    class TvDatafeed:
        def get_hist(self, **kwargs):
            calls.append(kwargs)
            if error is not None:
                raise error
            return result

    module = types.ModuleType("tvDatafeed")
    module.TvDatafeed = TvDatafeed
    module.Interval = _Interval
    monkeypatch.setitem(sys.modules, "tvDatafeed", module)
    return calls


@pytest.fixture
def new_york_clock():
    """Run with the process's local time zone set to New York (the client stamps bars with
    naive local times), across a DST change."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available on this platform")
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_download_through_a_client_converts_local_times_to_utc(monkeypatch, new_york_clock):
    # hourly bars across the 2024-03-10 US DST change, stamped as the client does
    epochs = [1710050400 + 3600 * i for i in range(4)]  # 2024-03-10 06:00..09:00 UTC
    local = [dt.datetime.fromtimestamp(e) for e in epochs]
    raw = pd.DataFrame(
        {"symbol": "BINANCE:BTCUSDT", "open": [1.0, 2, 3, 4], "high": [2.0, 3, 4, 5],
         "low": [0.5, 1, 2, 3], "close": [1.5, 2.5, 3.5, 4.5], "volume": [10.0, 11, 12, 13]},
        index=pd.DatetimeIndex(local, name="datetime"),
    )  # fmt: skip
    calls = _fake_client(monkeypatch, raw)
    dataset = load("BINANCE:BTCUSDT", "60", provider="tradingview", bars=4)
    assert calls == [{"symbol": "BTCUSDT", "exchange": "BINANCE", "interval": "1h", "n_bars": 4}]
    assert dataset.frame.index.asi8.tolist() == [e * 1_000_000_000 for e in epochs]
    assert dataset.frame["close"].tolist() == [1.5, 2.5, 3.5, 4.5]
    assert dataset.symbol.tickerid == "BINANCE:BTCUSDT"
    assert dataset.timeframe == Timeframe(60, "")
    assert dataset.provenance["provider"] == "tradingview"
    assert dataset.provenance["source"] == "tvDatafeed"


def test_download_with_the_exchange_given_apart(monkeypatch):
    index = pd.DatetimeIndex(["2024-01-01", "2024-01-02"], tz="UTC")
    raw = pd.DataFrame({"Open": [1.0, 2], "High": [2.0, 3], "Low": [0.5, 1], "Close": [1.5, 2.5]},
                       index=index)  # fmt: skip
    calls = _fake_client(monkeypatch, raw)
    dataset = download_tradingview("AAPL", "1D", exchange="NASDAQ")
    assert calls[0]["exchange"] == "NASDAQ" and calls[0]["interval"] == "1d"
    assert dataset.frame["volume"].tolist() == [0.0, 0.0]
    assert dataset.frame.index.equals(index.as_unit("ns").rename("time"))


@pytest.mark.parametrize(
    ("result", "error", "fragment"),
    [
        (None, None, "returned no data"),
        (pd.DataFrame(), None, "returned no data"),
        (None, ConnectionError("connection refused"), "failed (connection refused)"),
    ],
)
def test_download_failures_are_provider_errors(monkeypatch, result, error, fragment):
    _fake_client(monkeypatch, result, error)
    with pytest.raises(ProviderError) as caught:
        download_tradingview("BINANCE:BTCUSDT", "60")
    assert fragment in str(caught.value)
    assert "Export chart data" in str(caught.value)
