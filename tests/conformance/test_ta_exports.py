"""``pineopt.runtime.ta_vector`` against TradingView's own "Export chart data" files.

Each plotted column of ``data/ta/*.csv`` (see ``data/README.md``) is one test: a value matches
when both sides are ``na`` or ``|ours - tv| <= 1e-9 + 1e-7 * |tv|``; the ``na`` pattern must
match exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data.providers.tradingview import read_tradingview_export
from pineopt.runtime import ta_vector as ta

DATA = Path(__file__).parent / "data" / "ta"
ABS_TOL = 1e-9
REL_TOL = 1e-7


@cache
def _load(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    dataset = read_tradingview_export(DATA / name)
    return dataset.frame, dataset.reference


def _plot(cond: np.ndarray, value: float) -> np.ndarray:
    """A bool plotted as ``value`` when true, else 0 (how cross.csv / rising.csv plot them)."""
    return np.where(cond, value, 0.0)


def _src(f: pd.DataFrame) -> dict[str, np.ndarray]:
    o, h, lo, c = (f[k].to_numpy() for k in ("open", "high", "low", "close"))
    return {
        "open": o,
        "high": h,
        "low": lo,
        "close": c,
        "volume": f["volume"].to_numpy(),
        "hl2": (h + lo) / 2,
        "hlc3": (h + lo + c) / 3,
        "ohlc4": (o + h + lo + c) / 4,
        "hlcc4": (h + lo + c + c) / 4,
    }


Fn = Callable[[dict[str, np.ndarray]], np.ndarray]


def _cross(fn: Callable, value: float) -> Fn:
    return lambda s: _plot(fn(ta.ema(s["close"], 5), ta.ema(s["close"], 11)), value)


def _hlc(s: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return s["high"], s["low"], s["close"]


CASES: list[tuple[str, str, Fn]] = [
    ("ma.csv", "ta.sma(close, 10)", lambda s: ta.sma(s["close"], 10)),
    ("ma.csv", "ta.sma(hl2, 20)", lambda s: ta.sma(s["hl2"], 20)),
    ("ma.csv", "ta.sma(hlc3, 15)", lambda s: ta.sma(s["hlc3"], 15)),
    ("ma.csv", "ta.ema(close, 20)", lambda s: ta.ema(s["close"], 20)),
    ("ma.csv", "ta.ema(ohlc4, 10)", lambda s: ta.ema(s["ohlc4"], 10)),
    ("ma.csv", "ta.rma(hlcc4, 5)", lambda s: ta.rma(s["hlcc4"], 5)),
    ("ma.csv", "ta.rma(high, 15)", lambda s: ta.rma(s["high"], 15)),
    ("ma.csv", "ta.alma(close, 5, 0.85, 6)", lambda s: ta.alma(s["close"], 5, 0.85, 6)),
    ("ma.csv", "ta.alma(close, 10, 0.55, 12)", lambda s: ta.alma(s["close"], 10, 0.55, 12)),
    ("ma.csv", "ta.wma(close, 5)", lambda s: ta.wma(s["close"], 5)),
    ("ma.csv", "ta.wma(close, 20)", lambda s: ta.wma(s["close"], 20)),
    ("ma.csv", "ta.hma(close, 9)", lambda s: ta.hma(s["close"], 9)),
    ("ma.csv", "ta.hma(close, 20)", lambda s: ta.hma(s["close"], 20)),
    ("ma.csv", "ta.swma(hlc3)", lambda s: ta.swma(s["hlc3"])),
    ("ma.csv", "ta.vwma(close, 20)", lambda s: ta.vwma(s["close"], s["volume"], 20)),
    ("mfi+rsi+stoch.csv", "ta.mfi(close, 14)", lambda s: ta.mfi(s["close"], s["volume"], 14)),
    ("mfi+rsi+stoch.csv", "ta.rsi(close, 14)", lambda s: ta.rsi(s["close"], 14)),
    (
        "mfi+rsi+stoch.csv",
        "ta.stoch(close, high, low, 20)",
        lambda s: ta.stoch(s["close"], s["high"], s["low"], 20),
    ),
    ("macd.csv", "ta.macd(close, 12, 26, 9).macd", lambda s: ta.macd(s["close"], 12, 26, 9)[0]),
    ("macd.csv", "ta.macd(close, 12, 26, 9).signal", lambda s: ta.macd(s["close"], 12, 26, 9)[1]),
    ("macd.csv", "ta.macd(close, 12, 26, 9).hist", lambda s: ta.macd(s["close"], 12, 26, 9)[2]),
    ("bb.csv", "ta.bb(close, 20, 2).base", lambda s: ta.bb(s["close"], 20, 2)[0]),
    ("bb.csv", "ta.bb(close, 20, 2).upper", lambda s: ta.bb(s["close"], 20, 2)[1]),
    ("bb.csv", "ta.bb(close, 20, 2).lower", lambda s: ta.bb(s["close"], 20, 2)[2]),
    ("bb.csv", "ta.bbw(close, 20, 2.1)", lambda s: ta.bbw(s["close"], 20, 2.1)),
    ("kc.csv", "ta.kc(close, 20, 2).base", lambda s: ta.kc(s["close"], *_hlc(s), 20, 2)[0]),
    ("kc.csv", "ta.kc(close, 20, 2).upper", lambda s: ta.kc(s["close"], *_hlc(s), 20, 2)[1]),
    ("kc.csv", "ta.kc(close, 20, 2).lower", lambda s: ta.kc(s["close"], *_hlc(s), 20, 2)[2]),
    (
        "kc.csv",
        "ta.kcw(close, 20, 2.1, useTrueRange=false)",
        lambda s: ta.kcw(s["close"], *_hlc(s), 20, 2.1, False),
    ),
    ("tr.csv", "ta.tr(false)", lambda s: ta.tr(*_hlc(s), False)),
    ("tr.csv", "ta.tr(true)", lambda s: ta.tr(*_hlc(s), True)),
    ("tr.csv", "ta.tr", lambda s: ta.tr(*_hlc(s))),
    ("tr.csv", "ta.atr(14)", lambda s: ta.atr(*_hlc(s), 14)),
    ("dmi.csv", "ta.dmi(17, 14).dip", lambda s: ta.dmi(*_hlc(s), 17, 14)[0]),
    ("dmi.csv", "ta.dmi(17, 14).dim", lambda s: ta.dmi(*_hlc(s), 17, 14)[1]),
    ("dmi.csv", "ta.dmi(17, 14).adx", lambda s: ta.dmi(*_hlc(s), 17, 14)[2]),
    (
        "supertrend.csv",
        "ta.supertrend(3, 10).up",
        lambda s: _supertrend_side(ta.supertrend(*_hlc(s), 3, 10), -1.0),
    ),
    (
        "supertrend.csv",
        "ta.supertrend(3, 10).down",
        lambda s: _supertrend_side(ta.supertrend(*_hlc(s), 3, 10), 1.0),
    ),
    ("sar.csv", "ta.sar(0.02, 0.02, 0.2)", lambda s: ta.sar(*_hlc(s), 0.02, 0.02, 0.2)),
    ("cci+cmo+cog.csv", "ta.cmo(close, 20)", lambda s: ta.cmo(s["close"], 20)),
    ("cci+cmo+cog.csv", "ta.cci(close, 20)", lambda s: ta.cci(s["close"], 20)),
    ("cci+cmo+cog.csv", "ta.cog(close, 21)", lambda s: ta.cog(s["close"], 21)),
    ("highest+lowest.csv", "ta.highest(10)", lambda s: ta.highest(s["high"], 10)),
    ("highest+lowest.csv", "ta.highest(close, 10)", lambda s: ta.highest(s["close"], 10)),
    ("highest+lowest.csv", "ta.lowest(10)", lambda s: ta.lowest(s["low"], 10)),
    ("highest+lowest.csv", "ta.lowest(close, 10)", lambda s: ta.lowest(s["close"], 10)),
    ("highest+lowest.csv", "ta.highestbars(10)", lambda s: ta.highestbars(s["high"], 10)),
    (
        "highest+lowest.csv",
        "ta.highestbars(close, 10)",
        lambda s: ta.highestbars(s["close"], 10),
    ),
    ("highest+lowest.csv", "ta.lowestbars(10)", lambda s: ta.lowestbars(s["low"], 10)),
    ("highest+lowest.csv", "ta.lowestbars(close, 10)", lambda s: ta.lowestbars(s["close"], 10)),
    ("linreg.csv", "ta.linreg(close, 20, 0)", lambda s: ta.linreg(s["close"], 20, 0)),
    ("linreg.csv", "ta.linreg(close, 20, 10)", lambda s: ta.linreg(s["close"], 20, 10)),
    ("cross.csv", "ta.cross(ema1, ema2)", _cross(ta.cross, 0.5)),
    ("cross.csv", "ta.crossover(ema1, ema2)", _cross(ta.crossover, 1.0)),
    ("cross.csv", "ta.crossunder(ema1, ema2)", _cross(ta.crossunder, -1.0)),
    (
        "falling+rising.csv",
        "ta.falling(ema, 5)",
        lambda s: _plot(ta.falling(ta.ema(s["close"], 20), 5), -1.0),
    ),
    (
        "falling+rising.csv",
        "ta.rising(ema, 5)",
        lambda s: _plot(ta.rising(ta.ema(s["close"], 20), 5), 1.0),
    ),
    ("min+max+median+mode.csv", "median(close)", lambda s: ta.median(s["close"], 20)),
    ("ppp.csv", "ta.percentrank(close, 33)", lambda s: ta.percentrank(s["close"], 33)),
    ("range.csv", "ta.range(close, 20)", lambda s: ta.range_(s["close"], 20)),
    ("tsi.csv", "ta.tsi(close, 12, 26)", lambda s: ta.tsi(s["close"], 12, 26)),
    ("wpr.csv", "ta.wpr(20)", lambda s: ta.wpr(*_hlc(s), 20)),
    ("iii+nvi+obv.csv", "ta.obv", lambda s: ta.obv(s["close"], s["volume"])),
    ("accdist+pvi+pvt+wad+wvad.csv", "ta.accdist", lambda s: ta.accdist(*_hlc(s), s["volume"])),
    (
        "valuewhen.csv",
        "ta.valuewhen(ta.cross(slow, fast), close, 1)",
        lambda s: ta.valuewhen(
            ta.cross(ta.sma(s["close"], 14), ta.sma(s["close"], 7)), s["close"], 1
        ),
    ),
]


def _valuewhen_na(k: int, with_na: bool) -> Fn:
    def fn(s: dict[str, np.ndarray]) -> np.ndarray:
        bar = np.arange(len(s["close"]))
        src = np.where(bar % 2 == 0, np.nan, s["close"]) if with_na else s["close"]
        return ta.valuewhen(bar % 3 == 0, src, k)

    return fn


CASES += [
    ("valuewhen_na.csv", "v0", _valuewhen_na(0, True)),
    ("valuewhen_na.csv", "v1", _valuewhen_na(1, True)),
    ("valuewhen_na.csv", "v2", _valuewhen_na(2, True)),
    ("valuewhen_na.csv", "w0", _valuewhen_na(0, False)),
]


def _supertrend_side(result: tuple[np.ndarray, np.ndarray], side: float) -> np.ndarray:
    value, direction = result
    return np.where(direction == side, value, np.nan)


@pytest.mark.parametrize(
    ("name", "column", "fn"),
    [pytest.param(*case, id=f"{case[0]}::{case[1]}") for case in CASES],
)
def test_column_matches_tradingview(name: str, column: str, fn: Fn) -> None:
    frame, reference = _load(name)
    tv = reference[column].to_numpy(dtype=np.float64)
    ours = np.asarray(fn(_src(frame)), dtype=np.float64)
    assert ours.shape == tv.shape
    na_diff = np.flatnonzero(np.isnan(ours) != np.isnan(tv))
    assert na_diff.size == 0, f"na pattern differs on bars {na_diff[:10].tolist()}"
    both = ~np.isnan(tv)
    err = np.abs(ours[both] - tv[both])
    bad = np.flatnonzero(err > ABS_TOL + REL_TOL * np.abs(tv[both]))
    assert bad.size == 0, f"{bad.size} values differ; max abs error {err.max():.3g}"
