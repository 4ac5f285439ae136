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
from pineopt.runtime import calendar
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
    ("ma.csv", "ta.vwma(close, 20)", lambda s: ta.vwma(s["volume"], s["close"], 20)),
    ("mfi+rsi+stoch.csv", "ta.mfi(close, 14)", lambda s: ta.mfi(s["volume"], s["close"], 14)),
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
    ("kc.csv", "ta.kc(close, 20, 2).base", lambda s: ta.kc(*_hlc(s), s["close"], 20, 2)[0]),
    ("kc.csv", "ta.kc(close, 20, 2).upper", lambda s: ta.kc(*_hlc(s), s["close"], 20, 2)[1]),
    ("kc.csv", "ta.kc(close, 20, 2).lower", lambda s: ta.kc(*_hlc(s), s["close"], 20, 2)[2]),
    (
        "kc.csv",
        "ta.kcw(close, 20, 2.1, useTrueRange=false)",
        lambda s: ta.kcw(*_hlc(s), s["close"], 20, 2.1, False),
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


def _vwap(minutes: str | None, k: int | None = None) -> Fn:
    def fn(s: dict[str, np.ndarray]) -> np.ndarray:
        _frame, anchor = _vwap_frame(minutes)
        if k is None:
            return ta.vwap(s["volume"], s["close"], anchor)
        return ta.vwap(s["volume"], s["close"], anchor, 2.0)[k]

    return fn


@cache
def _vwap_frame(minutes: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    dataset = read_tradingview_export(DATA / "vwap.csv", syminfo=DATA / "vwap.toml")
    index = dataset.frame.index
    if minutes is None:  # Pine's default anchor: a new trading day (or the chart's first bar)
        anchor = calendar.timeframe_change(index, "D", dataset.symbol)
        anchor[0] = True
    else:
        anchor = calendar.timeframe_change(index, minutes, dataset.symbol)
    return dataset.frame, anchor


_VW = 'ta.vwap(close, timeframe.change("360"), 2.0)'
CASES += [
    ("vwap.csv", "ta.vwap(close)", _vwap(None)),
    ("vwap.csv", 'ta.vwap(close, timeframe.change("240"))', _vwap("240")),
    ("vwap.csv", f"{_VW}.vwap", _vwap("360", 0)),
    ("vwap.csv", f"{_VW}.upper_band", _vwap("360", 1)),
    ("vwap.csv", f"{_VW}.lower_band", _vwap("360", 2)),
    ("iii+nvi+obv.csv", "ta.iii", lambda s: ta.iii(*_hlc(s), s["volume"])),
    ("iii+nvi+obv.csv", "ta.nvi", lambda s: ta.nvi(s["close"], s["volume"])),
    ("accdist+pvi+pvt+wad+wvad.csv", "ta.pvi", lambda s: ta.pvi(s["close"], s["volume"])),
    ("accdist+pvi+pvt+wad+wvad.csv", "ta.pvt", lambda s: ta.pvt(s["close"], s["volume"])),
    ("accdist+pvi+pvt+wad+wvad.csv", "ta.wad", lambda s: ta.wad(*_hlc(s))),
    (
        "accdist+pvi+pvt+wad+wvad.csv",
        "ta.wvad",
        lambda s: ta.wvad(s["open"], *_hlc(s), s["volume"]),
    ),
    ("min+max+median+mode.csv", "min(close)", lambda s: ta.min_(s["close"])),
    ("min+max+median+mode.csv", "max(close)", lambda s: ta.max_(s["close"])),
    ("min+max+median+mode.csv", "mode(close)", lambda s: ta.mode(s["close"], 20)),
    # ppp.csv's titles say 30 and 0; the values are those of percentage 20 (both columns).
    (
        "ppp.csv",
        "ta.percentile_linear_interpolation(close, 20, 30)",
        lambda s: ta.percentile_linear_interpolation(s["close"], 20, 20),
    ),
    (
        "ppp.csv",
        "ta.percentile_nearest_rank(close, 20, 0)",
        lambda s: ta.percentile_nearest_rank(s["close"], 20, 20),
    ),
    ("pivot.csv", "ta.pivothigh(10, 5)", lambda s: ta.pivothigh(s["high"], 10, 5)),
    ("pivot.csv", "ta.pivothigh(close, 10, 5)", lambda s: ta.pivothigh(s["close"], 10, 5)),
    ("pivot.csv", "ta.pivotlow(10, 5)", lambda s: ta.pivotlow(s["low"], 10, 5)),
    ("pivot.csv", "ta.pivotlow(close, 10, 5)", lambda s: ta.pivotlow(s["close"], 10, 5)),
    ("rci.csv", "ta.rci(close, 5)", lambda s: ta.rci(s["close"], 5)),
    ("rci.csv", "ta.rci(close, 20)", lambda s: ta.rci(s["close"], 20)),
    ("rci.csv", "ta.rci(hl2, 20)", lambda s: ta.rci(s["hl2"], 20)),
    (
        "correlation.csv",
        "correlation",
        lambda s: ta.correlation(ta.sma(s["close"], 20), ta.ema(s["close"], 10), 20),
    ),
]

# Bars excluded per column, each listed with its cause in ../KNOWN-DIFFERENCES.md.
KNOWN: dict[tuple[str, str], list[int]] = {("correlation.csv", "correlation"): [127, 130, 131]}


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
    known = KNOWN.get((name, column), [])
    tv, ours = np.delete(tv, known), np.delete(ours, known)
    assert ours.shape == tv.shape
    na_diff = np.flatnonzero(np.isnan(ours) != np.isnan(tv))
    assert na_diff.size == 0, f"na pattern differs on bars {na_diff[:10].tolist()}"
    both = ~np.isnan(tv)
    err = np.abs(ours[both] - tv[both])
    bad = np.flatnonzero(err > ABS_TOL + REL_TOL * np.abs(tv[both]))
    assert bad.size == 0, f"{bad.size} values differ; max abs error {err.max():.3g}"
