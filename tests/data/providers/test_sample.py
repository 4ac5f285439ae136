from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.data.frame import check_contract
from pineopt.data.providers import get_provider
from pineopt.data.providers.sample import samples_dir
from pineopt.errors import DataError

REQUIRED = {
    ("BTCUSDT", "1D"),
    ("BTCUSDT", "240"),
    ("BTCUSDT", "60"),
    ("ETHUSDT", "1D"),
    ("ETHUSDT", "60"),
    ("SOLUSDT", "1D"),
    ("SOLUSDT", "60"),
    ("ORCL", "1D"),
    ("EURUSD", "60"),
}


def test_bundled_samples_cover_the_promised_set_and_stay_small():
    listed = {(row.symbol, row.timeframe) for row in get_provider("sample").available()}
    assert listed >= REQUIRED
    total = sum(path.stat().st_size for path in samples_dir().iterdir() if path.is_file())
    assert total < 20 * 1024 * 1024
    notes = (samples_dir() / "PROVENANCE.md").read_text()
    assert "Apache-2.0" in notes and "pynecore" in notes.lower()
    assert (samples_dir() / "NOTICE.pynecore.txt").exists()
    assert (samples_dir() / "LICENSE.pynecore-Apache-2.0.txt").exists()


@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
def test_the_crypto_samples_span_three_years(symbol):
    daily = pineopt.load(symbol, "1D")
    assert daily.end - daily.start >= pd.Timedelta(days=3 * 365)
    assert len(daily) == (daily.end - daily.start).days + 1  # a bar for every day
    assert daily.validate().ok


@pytest.mark.parametrize("symbol", ["ETHUSDT", "SOLUSDT"])
def test_the_hourly_series_of_ethusdt_and_solusdt(symbol):
    """Three years of hours (the source's last, still forming hour dropped), with Binance's
    2023-03-24 outage: a flat zero-volume 12:00 bar, no 13:00 bar."""
    hourly = pineopt.load(symbol, "1h")
    assert (hourly.start, hourly.end, len(hourly)) == (
        pd.Timestamp("2022-04-29T08:00Z"),
        pd.Timestamp("2025-04-28T06:00Z"),
        26278,
    )
    report = hourly.validate()
    assert report.ok and report.missing_bars == 1
    assert report.placeholders == [pd.Timestamp("2023-03-24T12:00Z")]
    assert hourly.symbol.tickerid == f"BINANCE:{symbol}" and hourly.symbol.currency == "USDT"


def test_every_source_licence_is_kept_beside_the_samples():
    notes = (samples_dir() / "PROVENANCE.md").read_text()
    for name in ("LICENSE.TradingStrategyGA-MIT.txt", "NOTICE.AlphaMind.txt"):
        assert (samples_dir() / name).is_file() and name in notes
    assert (
        "Copyright (c) 2024 NIC-project-team"
        in (samples_dir() / "LICENSE.TradingStrategyGA-MIT.txt").read_text()
    )
    assert "MIT License" in (samples_dir() / "NOTICE.AlphaMind.txt").read_text()


@pytest.mark.parametrize(("symbol", "timeframe"), sorted(REQUIRED))
def test_every_sample_meets_the_contract(symbol, timeframe):
    dataset = pineopt.load(symbol, timeframe)
    check_contract(dataset.frame)
    assert len(dataset) > 1000
    assert dataset.validate().ok  # gaps and placeholders are reported, not errors
    assert str(dataset.timeframe) == timeframe


def test_symbol_spellings_and_range():
    dataset = pineopt.load("BINANCE:btc/usdt", "1d", start="2024-01-01", end="2024-01-31")
    assert dataset.symbol.tickerid == "BINANCE:BTCUSDT"
    assert (dataset.start, dataset.end, len(dataset)) == (
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-31", tz="UTC"),
        31,
    )
    assert dataset.symbol.currency == "USDT" and dataset.symbol.mintick == 0.01


def test_timeframes_not_stored_are_aggregated_from_the_nearest_stored_one():
    weekly = pineopt.load("ETHUSDT", "1W")
    assert weekly.provenance["resampled_from"] == "1D"
    assert set(weekly.frame.index.day_of_week) == {0}
    eight_hour = pineopt.load("ETHUSDT", "480")
    assert eight_hour.provenance["resampled_from"] == "240"


def test_symbol_information_of_non_crypto_samples():
    fx = pineopt.load("EURUSD", "60").symbol
    assert (fx.type, fx.timezone, str(fx.session), fx.mintick) == (
        "forex",
        "America/New_York",
        "1700-1700:23456",
        0.00001,
    )
    stock = pineopt.load("ORCL", "1D")
    assert (stock.symbol.type, str(stock.symbol.session)) == ("stock", "0930-1600:23456")
    assert set(stock.frame.index.tz_convert("America/New_York").strftime("%H:%M")) == {"09:30"}


@pytest.mark.parametrize(
    ("symbol", "timeframe", "message"),
    [
        ("DOGEUSDT", "1D", "no bundled sample 'DOGEUSDT'.*BTCUSDT"),
        ("BTCUSDT", None, "several timeframes"),
        ("SOLUSDT", "30", "no 30 bars and none to build them from"),
    ],
)
def test_clear_errors(symbol, timeframe, message):
    with pytest.raises(DataError, match=message):
        pineopt.load(symbol, timeframe)


def test_unknown_provider():
    with pytest.raises(DataError, match=r"unknown provider 'nope'.*sample"):
        pineopt.load("BTCUSDT", "1D", provider="nope")


def test_samples_are_package_data():
    assert Path(pineopt.__file__).parent in samples_dir().parents
