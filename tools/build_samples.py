"""Rebuild the bundled sample datasets (pineopt/data/samples/*.parquet) from the shared data folder.

Usage: python tools/build_samples.py PATH/TO/shared/data

Each sample is a contract OHLCV frame stored as Parquet with zstd compression; its schema
metadata holds the symbol information and the provenance line printed by ``pineopt data show``.
Values are the source's values unchanged. See pineopt/data/samples/PROVENANCE.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from pineopt.data.cache import write_parquet_atomic
from pineopt.data.frame import parse_times, to_ohlcv

SAMPLES = Path(__file__).resolve().parents[1] / "pineopt" / "data" / "samples"

BINANCE = {
    "prefix": "BINANCE",
    "type": "crypto",
    "timezone": "UTC",
    "session": "24x7",
    "mintick": 0.01,
    "pointvalue": 1.0,
    "volumetype": "base",
}
US_STOCK = {
    "prefix": "NASDAQ",
    "type": "stock",
    "timezone": "America/New_York",
    "session": "0930-1600:23456",
    "mintick": 0.01,
    "pointvalue": 1.0,
    "currency": "USD",
    "volumetype": "base",
}
FX = {
    "prefix": "",
    "type": "forex",
    "timezone": "America/New_York",
    "session": "1700-1700:23456",
    "mintick": 0.00001,
    "pointvalue": 1.0,
    "currency": "USD",
    "basecurrency": "EUR",
    "volumetype": "tick",
}


ALPHAMIND = (
    "Binance spot klines via GitHub "
    "Svadilfvari/AlphaMind-Transformer-Based-BTC-USDT-Predictive-Model (MIT)"
)


def crypto(ticker: str) -> dict:
    base = ticker.removesuffix("USDT")
    return {
        **BINANCE,
        "ticker": ticker,
        "currency": "USDT",
        "basecurrency": base,
        "description": f"{base} / TetherUS (Binance spot)",
    }


# (file in shared/data, sample name, timeframe, symbol info, provenance)
TABLE = [
    (
        "binance_yanniedog/BTCUSDT_1d.csv",
        "BTCUSDT",
        "1D",
        crypto("BTCUSDT"),
        "Binance spot klines via GitHub yanniedog/binance-historical-OHLCV-data",
    ),
    (
        "binance_yanniedog/BTCUSDT_4h.csv",
        "BTCUSDT",
        "240",
        crypto("BTCUSDT"),
        "Binance spot klines via GitHub yanniedog/binance-historical-OHLCV-data",
    ),
    (
        "binance_tsga/BTCUSDT_1h.csv",
        "BTCUSDT",
        "60",
        crypto("BTCUSDT"),
        "Binance spot klines via GitHub NIC-project-team/TradingStrategyGA (MIT), "
        "freqtrade download",
    ),
    (
        "binance_ftrade/BTCUSDT_1m.csv",
        "BTCUSDT",
        "1",
        crypto("BTCUSDT"),
        "Binance spot klines via GitHub mintanam/ftrade, freqtrade download",
    ),
    (
        "binance_yanniedog/ETHUSDT_1d.csv",
        "ETHUSDT",
        "1D",
        crypto("ETHUSDT"),
        "Binance spot klines via GitHub yanniedog/binance-historical-OHLCV-data",
    ),
    (
        "binance_yanniedog/ETHUSDT_4h.csv",
        "ETHUSDT",
        "240",
        crypto("ETHUSDT"),
        "Binance spot klines via GitHub yanniedog/binance-historical-OHLCV-data",
    ),
    (
        "binance_alphamind/ETHUSDT_1h.csv",
        "ETHUSDT",
        "60",
        crypto("ETHUSDT"),
        ALPHAMIND,
    ),
    (
        "binance_yanniedog/SOLUSDT_1d.csv",
        "SOLUSDT",
        "1D",
        crypto("SOLUSDT"),
        "Binance spot klines via GitHub yanniedog/binance-historical-OHLCV-data",
    ),
    (
        "binance_alphamind/SOLUSDT_1h.csv",
        "SOLUSDT",
        "60",
        crypto("SOLUSDT"),
        ALPHAMIND,
    ),
    (
        "backtrader/orcl-1995-2014.csv",
        "ORCL",
        "1D",
        {
            **US_STOCK,
            "ticker": "ORCL",
            "description": "Oracle Corporation (split-adjusted daily, Yahoo Finance)",
        },
        "Yahoo Finance daily bars as shipped in GitHub mementum/backtrader datas/ "
        "(GPL-3.0 repository)",
    ),
    (
        "pynecore_tv/strategy/ohlcv.csv",
        "EURUSD",
        "60",
        {
            **FX,
            "ticker": "EURUSD",
            "description": "FX pair at EUR/USD levels, TradingView chart export",
        },
        "TradingView chart export shipped in GitHub PyneSys/pynecore tests "
        "(Apache-2.0, see NOTICE)",
    ),
]


def convert(
    shared: Path, relative: str, name: str, timeframe: str, symbol: dict, provenance: str
) -> Path:
    raw = pd.read_csv(shared / relative)
    times = parse_times(raw["time"])
    if symbol["type"] == "stock":  # exchange-local dates: a daily bar opens at the session start
        local = pd.to_datetime(raw["time"]).dt.tz_localize(symbol["timezone"])
        times = pd.DatetimeIndex(local + pd.Timedelta(hours=9, minutes=30)).tz_convert("UTC")
    raw.index = pd.DatetimeIndex(times, name="time")
    frame = to_ohlcv(raw.drop(columns=["time"]), relative)
    path = SAMPLES / f"{name}_{timeframe}.parquet"
    write_parquet_atomic(
        frame,
        path,
        {
            "sample": name,
            "timeframe": timeframe,
            "symbol": symbol,
            "source": provenance,
            "source_file": f"shared/data/{relative}",
            "rows": len(frame),
            "start": frame.index[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": frame.index[-1].strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    shared = Path(argv[0])
    total = 0
    for row in TABLE:
        path = convert(shared, *row)
        total += path.stat().st_size
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
    print(f"total {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
