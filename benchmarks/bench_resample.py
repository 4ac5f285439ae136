"""Resampling speed: PineOpt's TradingView-aligned resampler against pandas' own resample.

The baseline is what a user would write by hand, ``frame.resample("4h").agg({...})``, which is
only correct for 24x7 UTC data; PineOpt additionally handles sessions, exchange timezones and
yearly-anchored multiples. Both run on the bundled Binance BTCUSDT hourly (58k bars) and
minute (43k bars) data, alternating, and the medians and their ratio are printed.
"""

from __future__ import annotations

import statistics
import time

import pandas as pd

from pineopt.data import load, resample

AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
CASES = [
    ("BTCUSDT", "60", "240", "4h"),
    ("BTCUSDT", "60", "1D", "1D"),
    ("BTCUSDT", "1", "15", "15min"),
]


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def pandas_resample(frame: pd.DataFrame, rule: str) -> pd.DataFrame:
    return frame.resample(rule).agg(AGG).dropna(subset=["open"])


def main(rounds: int = 15) -> None:
    print(f"{'case':<22}{'bars':>8}{'pineopt ms':>12}{'pandas ms':>11}{'ratio':>8}")
    for symbol, source, target, rule in CASES:
        dataset = load(symbol, source)
        frame = dataset.frame
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(timed(resample, frame, target, dataset.symbol, source))
            theirs.append(timed(pandas_resample, frame, rule))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(
            f"{symbol + ' ' + source + '->' + target:<22}{len(frame):>8}"
            f"{a * 1e3:>12.2f}{b * 1e3:>11.2f}{b / a:>7.1f}x"
        )


if __name__ == "__main__":
    main()
