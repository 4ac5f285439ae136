"""``pineopt.runtime.security`` against a TradingView chart export that uses ``request.security``.

``data/security/advance_decline_ratio.csv`` is a BATS:SPY daily chart whose ``Plot`` column is
``request.security("USI:ADVN.NY", timeframe.period, close) /
request.security("USI:DECL.NY", timeframe.period, close)``; the two requested daily series lie
beside it. Match: both ``na``, or ``|ours - tv| <= 1e-9 + 1e-7 * |tv|``; the ``na`` pattern must
be identical. The 13 half-day sessions of ``../KNOWN-DIFFERENCES.md`` are excluded, nothing else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data.providers.file import read_ohlcv_file
from pineopt.data.providers.tradingview import read_tradingview_export
from pineopt.runtime import security as sec

DATA = Path(__file__).parent / "data" / "security"
HALF_DAYS = [
    "2019-07-03", "2019-11-29", "2019-12-24", "2021-11-26", "2022-11-25", "2023-07-03",
    "2023-11-24", "2024-07-03", "2024-11-29", "2024-12-24", "2025-07-03", "2025-11-28",
    "2025-12-24",
]  # fmt: skip


@cache
def _chart():
    return read_tradingview_export(DATA / "advance_decline_ratio.csv")


@cache
def _requested(name: str):
    return read_ohlcv_file(DATA / f"{name}.csv")


def _request(name: str, **kwargs) -> np.ndarray:
    chart, data = _chart(), _requested(name)
    return sec.security(
        data.frame["close"].to_numpy(dtype=np.float64),
        data.frame.index,
        chart.timeframe,  # timeframe.period
        data.symbol,
        chart.frame.index,
        chart.timeframe,
        chart.symbol,
        **kwargs,
    )


def _excluded(index: pd.DatetimeIndex) -> np.ndarray:
    days = index.tz_convert(_chart().symbol.timezone).strftime("%Y-%m-%d")
    return np.isin(days, HALF_DAYS)


def test_the_export_and_its_requested_series():
    chart = _chart()
    assert len(chart.frame) == 5657 and str(chart.timeframe) == "1D"
    for name in ("USI_ADVN_NY", "USI_DECL_NY"):
        data = _requested(name)
        assert len(data.frame) == 5656 and str(data.timeframe) == "1D"
        assert data.symbol.timezone == chart.symbol.timezone == "America/New_York"
    assert _excluded(chart.frame.index).sum() == len(HALF_DAYS)


@pytest.mark.parametrize("lookahead", [False, True])
def test_advance_decline_ratio(lookahead):
    chart = _chart()
    ours = _request("USI_ADVN_NY", lookahead=lookahead) / _request(
        "USI_DECL_NY", lookahead=lookahead
    )
    tv = chart.reference["Plot"].to_numpy(dtype=np.float64)
    keep = ~_excluded(chart.frame.index)
    ours, tv = ours[keep], tv[keep]
    assert (np.isnan(ours) == np.isnan(tv)).all(), "na pattern differs"
    both = ~np.isnan(tv)
    error = np.abs(ours[both] - tv[both])
    bad = np.flatnonzero(error > 1e-9 + 1e-7 * np.abs(tv[both]))
    assert not bad.size, f"{bad.size} bars differ, first at {chart.frame.index[keep][both][bad[0]]}"
    assert both.sum() == len(tv) == 5657 - len(HALF_DAYS)


def test_a_chart_day_missing_from_the_requested_series_repeats_the_previous_value():
    # 2024-06-17 is a SPY bar without a USI bar; gaps_off repeats 2024-06-14, gaps_on gives na
    chart = _chart()
    day = np.flatnonzero(
        chart.frame.index.tz_convert("America/New_York").strftime("%Y-%m-%d") == "2024-06-17"
    )[0]
    off = _request("USI_ADVN_NY")
    assert off[day] == off[day - 1]
    on = _request("USI_ADVN_NY", gaps=True)
    assert np.isnan(on[day]) and not np.isnan(on[day - 1]) and not np.isnan(on[day + 1])
