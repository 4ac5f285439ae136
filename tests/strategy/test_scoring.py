"""Scoring a trade list against TradingView's the way the conformance corpus does."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pineopt.strategy.scoring import score_trades

T0 = pd.Timestamp("2025-01-01 00:00", tz="UTC")


def at(minutes: int) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def trades(*rows) -> pd.DataFrame:
    """Trades from ``(direction, entry minute, entry price, exit minute|None, exit price, qty,
    profit)`` tuples."""
    records = []
    for direction, entry, entry_price, exit_, exit_price, qty, profit in rows:
        records.append(
            {
                "direction": direction,
                "entry_time": at(entry),
                "entry_price": entry_price,
                "exit_time": at(exit_) if exit_ is not None else pd.NaT,
                "exit_price": exit_price if exit_ is not None else math.nan,
                "qty": qty,
                "profit": profit,
            }
        )
    return pd.DataFrame.from_records(records)


TV = trades(
    ("long", 15, 100.0, 30, 101.0, 1, 1.0),
    ("short", 30, 101.0, 60, 99.0, 1, 2.0),
    ("long", 60, 99.0, None, None, 1, 0.0),  # still open: no exit fill
)


def test_identical_lists_are_exact():
    score = score_trades(TV.copy(), TV)
    assert score.exact and score.within_1pct
    assert (score.tv_entries, score.tv_exits) == (3, 2)
    assert score.window == (at(15), at(60))
    assert score.divergence is None
    assert (score.pnl_compared, score.pnl_equal, score.qty_equal) == (2, 2, 2)


def test_fills_outside_the_export_window_are_not_counted():
    # ours also has a trade before TradingView's first fill and one after its last
    ours = pd.concat(
        [trades(("short", 0, 98.0, 15, 100.0, 1, -2.0)), TV, trades(("long", 90, 1, 95, 2, 1, 1))]
    )
    score = score_trades(ours, TV)
    # the early trade's exit at minute 15 lies inside the window: it lowers exit precision only
    assert (score.our_entries, score.our_exits) == (3, 3)
    assert score.exact
    assert score.exit_precision == pytest.approx(2 / 3)


def test_a_missing_entry_lowers_recall_and_names_the_first_divergence():
    ours = TV.iloc[[0, 2]].copy()
    score = score_trades(ours, TV)
    assert score.entry_recall == pytest.approx(2 / 3)
    assert score.entry_precision == 1.0
    assert not score.within_1pct
    # ours lacks the short trade: its entry at minute 30 is the first fill that differs
    d = score.divergence
    assert (d.time, d.kind, d.direction, d.tv_price, d.ours_price) == (
        at(30),
        "entry",
        "short",
        101.0,
        None,
    )
    assert d.text() == "2025-01-01 00:30 UTC entry short: TradingView 101, ours none"


def test_prices_are_equal_within_a_tick_and_the_nearest_is_paired():
    ours = TV.copy()
    ours.loc[0, "entry_price"] = 100.01  # within 0.011: equal
    ours.loc[1, "exit_price"] = 99.05  # off by 0.05
    score = score_trades(ours, TV)
    assert score.entry_price_match == 1.0
    assert score.exit_price_match == pytest.approx(1 / 2)
    assert not score.exact
    assert score.divergence.text().startswith("2025-01-01 01:00 UTC exit short")


def test_extra_entries_of_ours_lower_precision():
    ours = pd.concat([TV, trades(("short", 45, 100.0, 50, 100.5, 1, -0.5))])
    score = score_trades(ours, TV)
    assert score.entry_recall == 1.0
    assert score.entry_precision == pytest.approx(3 / 4)
    assert score.exit_recall == 1.0
    assert not score.exact


def test_pnl_within_two_per_mille_and_qty_on_uniquely_identified_trades():
    ours = TV.copy()
    ours.loc[0, "profit"] = 1.001  # within 0.011
    ours.loc[1, "profit"] = 2.5
    ours.loc[1, "qty"] = 2
    score = score_trades(ours, TV)
    assert (score.pnl_compared, score.pnl_equal, score.qty_equal) == (2, 1, 1)
    assert score.exact  # P&L and qty are reported, not part of the verdict


def test_within_one_percent_tolerates_one_miss_in_a_hundred():
    rows = [("long", 10 * i, 100.0, 10 * i + 5, 100.0, 1, 0.0) for i in range(100)]
    tv = trades(*rows)
    ours = trades(*rows[:-1], ("long", 995, 100.0, 1000, 100.0, 1, 0.0))
    score = score_trades(ours, tv)
    assert score.entry_recall == pytest.approx(0.99)
    assert score.within_1pct and not score.exact


def test_an_empty_trade_list_scores_nothing():
    score = score_trades(trades(("long", 0, 1.0, 5, 2.0, 1, 1.0)), TV.iloc[0:0])
    assert score.window is None
    assert score.our_entries == 0
    assert score.exact
