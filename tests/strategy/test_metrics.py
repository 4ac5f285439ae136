"""Tests for pineopt.strategy.metrics: TradingView's Performance Summary from hand-made results."""

from __future__ import annotations

import itertools
import json
import math
import statistics

import numpy as np
import pandas as pd
import pytest

from pineopt.strategy.metrics import (
    LONG,
    METRIC_KEYS,
    SHORT,
    EquityColumns,
    TradeColumns,
    _last_of_each,
    _months,
    performance_summary,
    summarize,
    summary_frame,
    to_json,
)

NAN = float("nan")

CONTRACT_KEYS = [
    "net_profit",
    "net_profit_pct",
    "gross_profit",
    "gross_loss",
    "max_drawdown",
    "max_drawdown_pct",
    "max_runup",
    "buy_hold_return",
    "sharpe_ratio",
    "sortino_ratio",
    "profit_factor",
    "total_closed_trades",
    "total_open_trades",
    "winning_trades",
    "losing_trades",
    "even_trades",
    "percent_profitable",
    "avg_trade",
    "avg_winning_trade",
    "avg_losing_trade",
    "ratio_avg_win_loss",
    "largest_winning_trade",
    "largest_losing_trade",
    "avg_bars_in_trade",
    "commission_paid",
    "max_contracts_held",
    "margin_calls",
]


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


def trade(n, direction, entry, exit_, entry_price, exit_price, qty, profit, bars, commission):
    is_open = exit_ is None
    return {
        "trade": n,
        "direction": direction,
        "entry_time": ts(entry),
        "exit_time": pd.NaT if is_open else ts(exit_),
        "entry_price": entry_price,
        "exit_price": NAN if is_open else exit_price,
        "entry_signal": "E",
        "exit_signal": None if is_open else "X",
        "entry_bar": 0,
        "exit_bar": -1 if is_open else 0,
        "qty": qty,
        "profit": profit,
        "profit_pct": 0.0,
        "cum_profit": 0.0,
        "mfe": 0.0,
        "mae": 0.0,
        "bars": bars,
        "commission": commission,
        "is_open": is_open,
    }


DAYS = [f"2024-01-0{d}" for d in range(1, 7)]


def sample_trades() -> pd.DataFrame:
    return pd.DataFrame(
        [
            trade(1, "long", DAYS[0], DAYS[2], 100.0, 110.0, 1.0, 9.0, 2, 1.0),
            trade(2, "short", DAYS[2], DAYS[4], 110.0, 115.0, 2.0, -11.0, 2, 1.0),
            trade(3, "long", DAYS[4], DAYS[5], 115.0, 115.0, 1.0, 0.0, 1, 0.0),
            trade(4, "short", DAYS[5], None, 115.0, None, 1.0, -3.0, 0, 0.5),
        ]
    )


SAMPLE_EQUITY = [1001.5, 994.5, 1009.0, 1012.0, 998.0, 995.0]


def sample_equity() -> pd.DataFrame:
    index = pd.DatetimeIndex([ts(d) for d in DAYS])
    return pd.DataFrame(
        {"equity": SAMPLE_EQUITY, "position_size": [1.0, 1.0, -2.0, -2.0, 1.0, -1.0]},
        index=index,
    )


def sample_bars() -> pd.DataFrame:
    index = pd.DatetimeIndex([ts(d) for d in DAYS])
    close = [102.0, 95.0, 110.0, 108.0, 115.0, 118.0]
    return pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=index
    )


def sample_summary(**kwargs):
    return performance_summary(
        sample_trades(), sample_equity(), sample_bars(), initial_capital=1000.0, **kwargs
    )


def assert_metrics(section: dict, expected: dict) -> None:
    for key, value in expected.items():
        got = section[key]
        if isinstance(value, float) and math.isnan(value):
            assert isinstance(got, float) and math.isnan(got), (key, got)
        else:
            assert got == pytest.approx(value, rel=1e-12, abs=1e-12), (key, got, value)


def test_keys_follow_the_cli_contract():
    summary = sample_summary()
    assert list(METRIC_KEYS) == CONTRACT_KEYS
    assert list(summary) == ["all", "long", "short"]
    for section in summary.values():
        assert list(section) == CONTRACT_KEYS


def test_all_section_trade_statistics():
    summary = sample_summary()
    # Closed profits 9, -11, 0; the open short (-3) is left out of every closed statistic.
    assert_metrics(
        summary["all"],
        {
            "net_profit": -2.0,
            "net_profit_pct": -0.2,
            "gross_profit": 9.0,
            "gross_loss": 11.0,
            "profit_factor": 9.0 / 11.0,
            "total_closed_trades": 3,
            "total_open_trades": 1,
            "winning_trades": 1,
            "losing_trades": 1,
            "even_trades": 1,
            "percent_profitable": 100.0 / 3.0,
            "avg_trade": -2.0 / 3.0,
            "avg_winning_trade": 9.0,
            "avg_losing_trade": 11.0,
            "ratio_avg_win_loss": 9.0 / 11.0,
            "largest_winning_trade": 9.0,
            "largest_losing_trade": 11.0,
            "avg_bars_in_trade": 5.0 / 3.0,
            "commission_paid": 2.5,
            "max_contracts_held": 2.0,
            "margin_calls": 0,
        },
    )
    assert isinstance(summary["all"]["total_closed_trades"], int)


def test_long_section_uses_long_trades_only():
    long = sample_summary()["long"]
    assert_metrics(
        long,
        {
            "net_profit": 9.0,
            "net_profit_pct": 0.9,
            "gross_profit": 9.0,
            "gross_loss": 0.0,
            "profit_factor": NAN,  # no losing trade: TradingView shows no value
            "total_closed_trades": 2,
            "total_open_trades": 0,
            "winning_trades": 1,
            "losing_trades": 0,
            "even_trades": 1,
            "percent_profitable": 50.0,
            "avg_trade": 4.5,
            "avg_winning_trade": 9.0,
            "avg_losing_trade": NAN,
            "ratio_avg_win_loss": NAN,
            "largest_winning_trade": 9.0,
            "largest_losing_trade": NAN,
            "avg_bars_in_trade": 1.5,
            "commission_paid": 1.0,
            "max_contracts_held": 1.0,
            "margin_calls": NAN,
        },
    )


def test_short_section_uses_short_trades_only():
    short = sample_summary()["short"]
    assert_metrics(
        short,
        {
            "net_profit": -11.0,
            "net_profit_pct": -1.1,
            "gross_profit": 0.0,
            "gross_loss": 11.0,
            "profit_factor": 0.0,
            "total_closed_trades": 1,
            "total_open_trades": 1,
            "winning_trades": 0,
            "losing_trades": 1,
            "even_trades": 0,
            "percent_profitable": 0.0,
            "avg_trade": -11.0,
            "avg_winning_trade": NAN,
            "avg_losing_trade": 11.0,
            "ratio_avg_win_loss": NAN,
            "largest_winning_trade": NAN,
            "largest_losing_trade": 11.0,
            "avg_bars_in_trade": 2.0,
            "commission_paid": 1.5,
            "max_contracts_held": 2.0,
        },
    )


def test_account_metrics_only_in_all():
    summary = sample_summary()
    for side in ("long", "short"):
        for key in (
            "max_drawdown",
            "max_drawdown_pct",
            "max_runup",
            "buy_hold_return",
            "sharpe_ratio",
            "sortino_ratio",
        ):
            assert math.isnan(summary[side][key]), (side, key)


def test_drawdown_and_runup_from_realized_peak_to_bar_equity():
    account = sample_summary()["all"]
    # Realized equity per bar: 1000, 1000, 1009, 1009, 998, 998 (trades closed on bars 3, 5, 6).
    # High-water mark 1000, 1000, 1009, 1009, 1009, 1009; worst gap 1009 - 995 on the last bar.
    assert account["max_drawdown"] == pytest.approx(14.0)
    assert account["max_drawdown_pct"] == pytest.approx(14.0 / 1009.0 * 100.0)
    # Realized low 1000 (then 998); best gap 1012 - 1000 on bar 4 (open profit counts).
    assert account["max_runup"] == pytest.approx(12.0)


def test_drawdown_percent_is_maximised_on_its_own():
    # Peak 2000 drop 100 (5%), later peak 100_000 drop 1000 (1%): the currency maximum and the
    # percent maximum come from different bars.
    index = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    trades = pd.DataFrame(
        [
            trade(1, "long", "2024-01-01", "2024-01-01", 10.0, 20.0, 100.0, 1000.0, 0, 0.0),
            trade(2, "long", "2024-01-02", "2024-01-03", 10.0, 990.0, 100.0, 98000.0, 1, 0.0),
        ]
    )
    equity = pd.DataFrame(
        {"equity": [2000.0, 1900.0, 100_000.0, 99_000.0], "position_size": [0, 100, 0, 0]},
        index=index,
    )
    account = performance_summary(trades, equity, None, initial_capital=1000.0)["all"]
    assert account["max_drawdown"] == pytest.approx(1000.0)
    assert account["max_drawdown_pct"] == pytest.approx(5.0)


def test_intrabar_equity_columns_are_used_when_given():
    equity = sample_equity()
    equity["equity_low"] = [1000.0, 990.0, 1009.0, 1005.0, 990.0, 995.0]
    equity["equity_high"] = [1003.0, 1001.5, 1009.0, 1020.0, 1000.0, 998.0]
    summary = performance_summary(sample_trades(), equity, sample_bars(), initial_capital=1000.0)[
        "all"
    ]
    assert summary["max_drawdown"] == pytest.approx(1009.0 - 990.0)
    assert summary["max_runup"] == pytest.approx(1020.0 - 1000.0)


def test_buy_and_hold_from_first_entry_to_last_close():
    # All capital at the first trade's entry price (100), held to the last close (118).
    assert sample_summary()["all"]["buy_hold_return"] == pytest.approx(180.0)


def one_trade() -> pd.DataFrame:
    return pd.DataFrame([trade(1, "long", DAYS[0], DAYS[1], 100.0, 101.0, 1.0, 1.0, 1, 0.0)])


def hand_sharpe_sortino(levels, rfr):
    returns = [b / a - 1.0 for a, b in itertools.pairwise(levels)]
    mean = sum(returns) / len(returns)
    sharpe = (mean - rfr) / statistics.stdev(returns)
    downside = math.sqrt(sum(min(0.0, r - rfr) ** 2 for r in returns) / len(returns))
    return sharpe, (mean - rfr) / downside


def test_sharpe_and_sortino_daily_for_short_periods():
    # 5 days of data (< 3 months, >= 3 days): daily returns, base = initial capital.
    levels = [1000.0, *SAMPLE_EQUITY]
    for rate in (0.0, 2.0):
        account = sample_summary(risk_free_rate=rate)["all"]
        sharpe, sortino = hand_sharpe_sortino(levels, rate / 100.0 / 365.0)
        assert account["sharpe_ratio"] == pytest.approx(sharpe, rel=1e-12)
        assert account["sortino_ratio"] == pytest.approx(sortino, rel=1e-12)


def test_sharpe_monthly_matches_published_reconstruction():
    # Quant StackExchange 75572: one +1% month then two flat months, RFR 0 -> 0.577.
    index = pd.DatetimeIndex([ts("2024-01-10"), ts("2024-02-10"), ts("2024-04-10")])
    equity = pd.DataFrame({"equity": [1010.0, 1010.0, 1010.0], "position_size": 0.0}, index)
    account = performance_summary(
        one_trade(), equity, None, initial_capital=1000.0, risk_free_rate=0.0
    )["all"]
    assert account["sharpe_ratio"] == pytest.approx(0.57735026919, rel=1e-9)
    assert math.isnan(account["sortino_ratio"])  # no return below the target


def test_sharpe_monthly_uses_last_equity_of_each_month():
    index = pd.DatetimeIndex(
        [ts("2024-01-05"), ts("2024-01-20"), ts("2024-02-10"), ts("2024-03-03"), ts("2024-04-28")]
    )
    values = [1500.0, 1050.0, 1000.0, 1100.0, 1089.0]
    equity = pd.DataFrame({"equity": values, "position_size": 0.0}, index)
    account = performance_summary(one_trade(), equity, None, initial_capital=1000.0)["all"]
    sharpe, sortino = hand_sharpe_sortino([1000.0, 1050.0, 1000.0, 1100.0, 1089.0], 0.02 / 12)
    assert account["sharpe_ratio"] == pytest.approx(sharpe, rel=1e-12)
    assert account["sortino_ratio"] == pytest.approx(sortino, rel=1e-12)


def test_sharpe_needs_three_days():
    index = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")  # spans 2 days
    equity = pd.DataFrame({"equity": [1010.0, 990.0, 1020.0], "position_size": 0.0}, index)
    account = performance_summary(one_trade(), equity, None, initial_capital=1000.0)["all"]
    assert math.isnan(account["sharpe_ratio"])
    assert math.isnan(account["sortino_ratio"])


def test_even_trades_and_float_noise():
    trades = pd.DataFrame(
        [
            trade(1, "long", DAYS[0], DAYS[1], 100.0, 100.0, 1.0, 0.0, 1, 0.0),
            trade(2, "short", DAYS[1], DAYS[2], 100.0, 100.0, 1.0, 1e-12, 1, 0.0),
        ]
    )
    account = performance_summary(trades, sample_equity(), None, initial_capital=1000.0)["all"]
    assert account["even_trades"] == 2
    assert account["winning_trades"] == 0
    assert account["losing_trades"] == 0
    assert account["percent_profitable"] == 0.0
    assert math.isnan(account["profit_factor"])


def test_all_winning_profit_factor_is_null_not_infinite():
    trades = pd.DataFrame(
        [
            trade(1, "long", DAYS[0], DAYS[1], 100.0, 105.0, 1.0, 5.0, 1, 0.0),
            trade(2, "long", DAYS[2], DAYS[3], 100.0, 103.0, 1.0, 3.0, 1, 0.0),
        ]
    )
    summary = performance_summary(trades, sample_equity(), None, initial_capital=1000.0)
    account = summary["all"]
    assert math.isnan(account["profit_factor"])
    assert math.isnan(account["ratio_avg_win_loss"])
    assert account["percent_profitable"] == 100.0
    assert json.loads(to_json(summary))["all"]["profit_factor"] is None


def test_open_trade_is_excluded_from_closed_statistics():
    trades = pd.DataFrame([trade(1, "long", DAYS[0], None, 100.0, None, 2.0, 50.0, 0, 1.0)])
    account = performance_summary(trades, sample_equity(), None, initial_capital=1000.0)["all"]
    assert account["net_profit"] == 0.0
    assert account["gross_profit"] == 0.0
    assert account["total_closed_trades"] == 0
    assert account["total_open_trades"] == 1
    assert account["commission_paid"] == 1.0
    assert math.isnan(account["avg_trade"])
    assert math.isnan(account["avg_bars_in_trade"])


def test_is_open_column_is_optional():
    trades = sample_trades().drop(columns=["is_open"])
    summary = performance_summary(trades, sample_equity(), None, initial_capital=1000.0)
    assert summary["all"]["total_open_trades"] == 1
    assert summary["all"]["total_closed_trades"] == 3


def test_no_trades():
    index = pd.date_range("2024-01-01", periods=10, freq="D", tz="UTC")
    equity = pd.DataFrame({"equity": 1000.0, "position_size": 0.0}, index=index)
    empty = pd.DataFrame(columns=list(trade(1, "long", DAYS[0], None, 1, 1, 1, 0, 0, 0)))
    bars = pd.DataFrame({"close": np.linspace(10, 20, 10)}, index=index)
    summary = performance_summary(empty, equity, bars, initial_capital=1000.0)
    account = summary["all"]
    for key in (
        "net_profit",
        "net_profit_pct",
        "gross_profit",
        "gross_loss",
        "max_drawdown",
        "max_drawdown_pct",
        "max_runup",
        "total_closed_trades",
        "total_open_trades",
        "winning_trades",
        "losing_trades",
        "even_trades",
        "commission_paid",
        "max_contracts_held",
        "margin_calls",
    ):
        assert account[key] == 0, key
    for key in (
        "buy_hold_return",
        "sharpe_ratio",
        "sortino_ratio",
        "profit_factor",
        "percent_profitable",
        "avg_trade",
        "avg_winning_trade",
        "avg_losing_trade",
        "ratio_avg_win_loss",
        "largest_winning_trade",
        "largest_losing_trade",
        "avg_bars_in_trade",
    ):
        assert math.isnan(account[key]), key
    # Sharpe/Sortino stay NaN without trades even for a moving curve (TV shows no report).
    moving = equity.assign(equity=np.linspace(1000.0, 900.0, 10))
    account = performance_summary(empty, moving, bars, initial_capital=1000.0)["all"]
    assert math.isnan(account["sharpe_ratio"]) and math.isnan(account["sortino_ratio"])
    # A summary without anything at all still has every key.
    bare = performance_summary(None, None, None, initial_capital=1000.0)
    assert list(bare["all"]) == CONTRACT_KEYS
    assert math.isnan(bare["all"]["max_drawdown"])


def test_margin_calls_int_and_mapping():
    assert sample_summary(margin_calls=3)["all"]["margin_calls"] == 3
    summary = sample_summary(margin_calls={"all": 3, "long": 1, "short": 2})
    assert [summary[s]["margin_calls"] for s in ("all", "long", "short")] == [3, 1, 2]


def test_json_round_trip():
    summary = sample_summary()
    text = to_json(summary)
    assert "NaN" not in text and "Infinity" not in text
    loaded = json.loads(text)
    assert list(loaded) == ["all", "long", "short"]
    for side, section in summary.items():
        assert list(loaded[side]) == CONTRACT_KEYS
        for key, value in section.items():
            if isinstance(value, float) and math.isnan(value):
                assert loaded[side][key] is None
            else:
                assert loaded[side][key] == value  # exact: full float precision
                assert type(loaded[side][key]) is type(value)
    assert json.loads(to_json({"all": {"x": float("inf"), "y": np.float64(0.1)}})) == {
        "all": {"x": None, "y": 0.1}
    }


def test_summary_frame():
    frame = summary_frame(sample_summary())
    assert list(frame.columns) == ["All", "Long", "Short"]
    assert list(frame.index) == CONTRACT_KEYS
    assert frame.loc["net_profit", "Long"] == 9.0
    assert frame.loc["total_closed_trades", "All"] == 3


# ------------------------------------------------------- the array core and its pandas face


TRADE_FIELDS = [
    "direction",
    "entry_time",
    "exit_time",
    "entry_price",
    "profit",
    "bars",
    "commission",
    "is_open",
]


def both_ways(trades, equity, last_close, **kwargs):
    """The summary of hand-made ``trades`` ``(direction, exit day or None, entry price, profit,
    bars, commission)`` and ``equity`` ``(day, equity, position, low, high)``, computed by
    :func:`summarize` from numpy columns built here and by :func:`performance_summary` from
    frames built here."""
    frame = pd.DataFrame(
        [
            {
                "direction": direction,
                "entry_time": ts("2024-01-01"),
                "exit_time": pd.NaT if day is None else ts(day),
                "entry_price": price,
                "profit": profit,
                "bars": bars,
                "commission": commission,
                "is_open": day is None,
            }
            for direction, day, price, profit, bars, commission in trades
        ],
        columns=TRADE_FIELDS,
    )
    index = pd.DatetimeIndex([ts(row[0]) for row in equity])
    curve = pd.DataFrame(
        [row[1:] for row in equity],
        columns=["equity", "position_size", "equity_low", "equity_high"],
        index=index,
        dtype=float,
    )
    bars = pd.DataFrame({"close": [last_close]}, index=index[-1:])
    columns = TradeColumns(
        direction=np.array([LONG if t[0] == "long" else SHORT for t in trades], dtype=np.int8),
        is_open=np.array([t[1] is None for t in trades], dtype=bool),
        entry_price=np.array([t[2] for t in trades], dtype=float),
        exit_time=np.array([0 if t[1] is None else ts(t[1]).value for t in trades], np.int64),
        profit=np.array([t[3] for t in trades], dtype=float),
        bars=np.array([t[4] for t in trades], dtype=float),
        commission=np.array([t[5] for t in trades], dtype=float),
    )
    values = np.array([row[1:] for row in equity], dtype=float).reshape(-1, 4)
    arrays = EquityColumns(index.as_unit("ns").asi8, *values.T)
    core = summarize(columns, arrays, last_close=last_close, initial_capital=1000.0, **kwargs)
    frames = performance_summary(frame, curve, bars, initial_capital=1000.0, **kwargs)
    return core, frames


DAILY = [
    ("2024-01-01", 1000.0, 1.0, 990.0, 1004.0),
    ("2024-01-02", 1012.5, 1.0, 1001.0, 1013.0),
    ("2024-01-03", 1007.25, 0.0, 1007.25, 1007.25),
    ("2024-01-04", 1003.0, -2.0, 998.0, 1010.0),
    ("2024-01-05", 995.5, -2.0, 990.0, 1001.0),
]

CASES = {
    "long": (
        [
            ("long", "2024-01-02", 100.0, 12.5, 1, 0.25),
            ("long", "2024-01-03", 101.0, -5.25, 1, 0.25),
        ],
        DAILY,
        {},
    ),
    "short, with an even trade": (
        [("short", "2024-01-04", 105.0, 0.0, 3, 0.0), ("short", "2024-01-05", 104.0, 7.75, 1, 0.5)],
        DAILY,
        {},
    ),
    "open trade at the end": (
        [("long", "2024-01-03", 100.0, 7.25, 2, 0.25), ("short", None, 103.0, -4.25, 2, 0.125)],
        DAILY,
        {"margin_calls": 2},
    ),
    "no trades": ([], [(d, 1000.0, 0.0, 1000.0, 1000.0) for d, *_ in DAILY], {}),
    "margin calls by side, two exits on one bar, months and a NaN bar": (
        [
            ("long", "2024-02-01", 100.0, -30.0, 20, 1.0),
            ("short", "2024-02-01", 99.0, 45.5, 20, 1.0),
            ("long", "2024-04-15", 90.0, 12.0, 50, 0.5),
        ],
        [
            ("2024-01-10", 1003.0, 1.0, 995.0, 1010.0),
            ("2024-01-31", 1001.0, 1.0, 980.0, 1002.0),
            ("2024-02-01", 1015.5, 0.0, 1015.5, 1015.5),
            ("2024-03-05", NAN, 3.0, NAN, NAN),
            ("2024-03-20", 1021.0, 3.0, 1012.0, 1030.0),
            ("2024-04-15", 1027.5, 0.0, 1027.5, 1027.5),
        ],
        {"margin_calls": {"all": 3, "long": 1, "short": 2}, "risk_free_rate": 0.0},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_array_core_equals_the_pandas_path_to_the_bit(case, same_summary):
    trades, equity, kwargs = CASES[case]
    core, frames = both_ways(trades, equity, 110.0, **kwargs)
    same_summary(core, frames)


def test_last_of_each_is_pandas_groupby_last():
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 12, 400)  # unsorted, repeated
    values = rng.normal(size=400)
    values[rng.random(400) < 0.3] = NAN
    values[keys == 5] = NAN  # a key without any value
    expected = pd.Series(values).groupby(keys, sort=True).last().to_numpy()
    np.testing.assert_array_equal(_last_of_each(keys, values), expected)


def test_months_are_calendar_months_in_order():
    rng = np.random.default_rng(11)
    edges = pd.DatetimeIndex(["2023-12-31 23:59:59.999999999", "2024-01-01", "2024-02-29 12:00"])
    times = np.concatenate(
        [
            rng.integers(ts("2022-11-15").value, ts("2025-03-02").value, 500),
            edges.as_unit("ns").asi8,
        ]
    )
    periods = pd.DatetimeIndex(times).to_period("M")
    expected = pd.factorize(periods, sort=True)[0]
    np.testing.assert_array_equal(np.unique(_months(times), return_inverse=True)[1], expected)
