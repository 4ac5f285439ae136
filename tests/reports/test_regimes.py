"""Market regimes on a hand-computed ten-bar example (see the module docstring for the rules).

close      10  10  10  12  14  16  12   8   8   8     high = close + 1, low = close - 1
SMA(3)      -   -  10 10.7 12  14  14  12 9.33  8     band 5 %
trend       -   - sid  up  up  up  dn  dn  dn sid
TR          2   2   2   3   3   3   5   5   2   2
ATR%(2)     - .200 .200 .208 .214 .188 .333 .625 .438 .250   median .2143
volatility  - low low low high low high high high high
equity    100 100 100 110 120 130 130 130 130 130     position 0 0 1 1 1 1 0 0 0 0

The return over bar t counts in the regime of bar t-1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pineopt.errors import PineOptError
from pineopt.reports.regimes import classify, regime_breakdown

OPTIONS = {"trend_length": 3, "trend_band": 0.05, "vol_length": 2, "vol_quantile": 0.5}


@pytest.fixture
def bars() -> pd.DataFrame:
    close = np.array([10, 10, 10, 12, 14, 16, 12, 8, 8, 8], dtype=float)
    index = pd.date_range("2024-01-01", periods=len(close), freq="1h", tz="UTC", name="time")
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": 1.0},
        index=index,
    )


@pytest.fixture
def equity(bars) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "equity": [100, 100, 100, 110, 120, 130, 130, 130, 130, 130],
            "position_size": [0, 0, 1, 1, 1, 1, 0, 0, 0, 0],
        },
        index=bars.index,
        dtype=float,
    )


@pytest.fixture
def trades(bars) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entry_time": [bars.index[2], bars.index[7]],
            "profit": [30.0, -5.0],
            "is_open": [False, True],
        }
    )


def test_classify(bars):
    labels = classify(bars, **OPTIONS)
    trend = labels["trend"].where(labels["trend"].notna(), None).tolist()
    assert trend == [None, None, "sideways", "up", "up", "up", "down", "down", "down", "sideways"]
    vol = labels["volatility"].where(labels["volatility"].notna(), None).tolist()
    assert vol == [None, "low", "low", "low", "high", "low", "high", "high", "high", "high"]
    assert labels["sma"].iloc[3] == pytest.approx(32 / 3)
    assert labels["atr_pct"].iloc[6] == pytest.approx(4 / 12)


def test_breakdown_by_hand(bars, equity, trades):
    table = regime_breakdown(equity, bars, trades, **OPTIONS)
    assert list(table.columns) == [
        "bars",
        "share",
        "strategy_return",
        "buy_hold_return",
        "hit_rate",
        "exposure",
        "trades",
        "win_rate",
    ]
    row = table.loc[("all", "all")]
    assert row["bars"] == 9
    assert row["strategy_return"] == pytest.approx(0.3)
    assert row["buy_hold_return"] == pytest.approx(-0.2)
    assert row["trades"] == 2

    up = table.loc[("trend", "up")]  # bars 4, 5, 6
    assert up["bars"] == 3
    assert up["share"] == pytest.approx(3 / 8)
    assert up["strategy_return"] == pytest.approx(130 / 110 - 1)
    assert up["buy_hold_return"] == pytest.approx(0.0)
    assert up["exposure"] == pytest.approx(2 / 3)
    assert up["hit_rate"] == pytest.approx(1.0)
    assert up["trades"] == 0

    down = table.loc[("trend", "down")]  # bars 7, 8, 9
    assert down["bars"] == 3
    assert down["strategy_return"] == pytest.approx(0.0)
    assert down["buy_hold_return"] == pytest.approx(8 / 12 - 1)
    assert down["exposure"] == 0
    assert np.isnan(down["hit_rate"])
    assert down["trades"] == 1 and np.isnan(down["win_rate"])  # the open trade

    sideways = table.loc[("trend", "sideways")]  # bar 3
    assert sideways["bars"] == 1
    assert sideways["strategy_return"] == pytest.approx(0.1)
    assert sideways["buy_hold_return"] == pytest.approx(0.2)
    assert sideways["exposure"] == 1

    high = table.loc[("volatility", "high")]  # bars 5, 7, 8, 9
    assert high["bars"] == 4
    assert high["share"] == pytest.approx(0.5)
    assert high["strategy_return"] == pytest.approx(130 / 120 - 1)
    assert high["buy_hold_return"] == pytest.approx(16 / 14 * 8 / 12 - 1)
    assert high["exposure"] == pytest.approx(0.25)

    low = table.loc[("volatility", "low")]  # bars 2, 3, 4, 6
    assert low["bars"] == 4
    assert low["strategy_return"] == pytest.approx(0.2)
    assert low["buy_hold_return"] == pytest.approx(0.05)
    assert low["exposure"] == pytest.approx(0.75)
    assert low["hit_rate"] == pytest.approx(2 / 3)  # bar 2 in the market, flat
    assert low["trades"] == 1 and low["win_rate"] == 1.0

    assert table.loc[("trend x volatility", "up/low"), "bars"] == 2  # bars 4, 6
    assert table.loc[("trend x volatility", "up/high"), "bars"] == 1  # bar 5
    assert table.loc[("trend x volatility", "sideways/high"), "bars"] == 0
    assert np.isnan(table.loc[("trend x volatility", "sideways/high"), "strategy_return"])


def test_breakdown_without_trades(bars, equity):
    table = regime_breakdown(equity, bars, **OPTIONS)
    assert "trades" not in table.columns and "win_rate" not in table.columns
    trend_bars = table.loc["trend", "bars"].sum()
    assert trend_bars == 7  # bars 3..9 have a trend
    assert table.loc["volatility", "bars"].sum() == 8


def test_naive_index_and_errors(bars, equity, trades):
    naive = bars.tz_localize(None)
    table = regime_breakdown(equity.tz_localize(None), naive, trades, **OPTIONS)
    assert table.loc[("volatility", "low"), "trades"] == 1
    with pytest.raises(PineOptError):
        regime_breakdown(equity.drop(columns="equity"), bars)
    with pytest.raises(PineOptError):
        classify(bars.drop(columns="high"))
    with pytest.raises(PineOptError):
        classify(bars, vol_quantile=2)
