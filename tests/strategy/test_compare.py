"""Comparing our trades with a TradingView export (pineopt.strategy.compare)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.errors import DataError
from pineopt.strategy.compare import (
    STATUSES,
    compare_trades,
    read_trades_csv,
    write_trades_csv,
)
from pineopt.strategy.tv_trades import read_tv_trades

DATA = Path(__file__).parent / "data"
ET = "America/New_York"
TICK = 0.00001  # EURUSD


def _tv(name: str = "rsi_trades.csv", tz: str = ET) -> pd.DataFrame:
    return read_tv_trades(DATA / name, tz)


def _ours(tmp_path: Path, trades: pd.DataFrame) -> pd.DataFrame:
    """Round-trip trades through our --trades CSV layout."""
    path = tmp_path / "ours.csv"
    write_trades_csv(trades, path)
    return read_trades_csv(path)


def test_exported_from_the_package() -> None:
    assert pineopt.compare_trades is compare_trades
    assert "compare_trades" in pineopt.__all__ and "load" in pineopt.__all__


@pytest.mark.parametrize(
    ("name", "tz"),
    [
        ("rsi_trades.csv", ET),
        ("futures_pnl_trades.csv", ET),
        ("bar_magnifier_tv_trades.csv", "UTC"),
        ("slippage_pyramiding_trades.csv", ET),
    ],
)
def test_real_list_against_itself_matches(tmp_path: Path, name: str, tz: str) -> None:
    tv = _tv(name, tz)
    result = compare_trades(_ours(tmp_path, tv), tv)
    assert result.all_match
    assert (result.table["status"] == "match").all()
    assert result.table["entry_match"].all() and result.table["exit_match"].all()
    summary = result.summary
    assert summary["trades_ours"] == summary["trades_tv"] == summary["matched"] == len(tv)
    assert summary["first_mismatch"] is None and summary["first_divergence"] is None
    assert summary["max_abs_price_delta"] == 0 and summary["total_pnl_delta"] == 0
    assert f"all {len(tv)} match" in summary["text"]
    assert str(result) == summary["text"]


def test_our_csv_round_trip_keeps_the_trades(tmp_path: Path) -> None:
    tv = _tv()
    text = write_trades_csv(tv)
    assert text.splitlines()[1].startswith("1,long,2022-01-04T00:00:00Z,1.13018,RsiLE,")
    assert text.splitlines()[-1].split(",")[5:8] == ["", "", ""]  # the open trade
    ours = _ours(tmp_path, tv)
    pd.testing.assert_frame_equal(ours, tv)


def test_csv_cells_of_every_kind() -> None:
    """Each cell as the ``--trades`` layout writes it: times in whole UTC seconds with ``Z``
    (from any zone; a fraction is cut), an integral float without ``.0``, others at full
    precision, and an empty cell for a missing time, number or signal (None, NaN, or a
    nullable string column's NA)."""
    trades = pd.DataFrame(
        {
            "trade": [1, 2],
            "direction": ["Long", "short"],
            "entry_time": pd.to_datetime(
                ["2024-03-01 10:00:00.75", "2024-03-02 09:30:00.00"]
            ).tz_localize(ET),
            "entry_price": [100.0, 0.1 + 0.2],
            "entry_signal": pd.array(["in", pd.NA], dtype="string"),
            "exit_time": [pd.Timestamp("2024-03-01 16:00", tz="UTC"), pd.NaT],
            "exit_price": [101.5, float("nan")],
            "exit_signal": ["out", None],
            "qty": [2.0, 1e16],
            "profit": [3.0, -0.0],
        }
    )
    lines = write_trades_csv(trades).splitlines()
    assert lines[0].split(",")[:8] == [
        "trade", "direction", "entry_time", "entry_price", "entry_signal", "exit_time",
        "exit_price", "exit_signal",
    ]  # fmt: skip
    assert lines[1].split(",")[:10] == [
        "1", "long", "2024-03-01T15:00:00Z", "100", "in", "2024-03-01T16:00:00Z", "101.5",
        "out", "2", "3",
    ]  # fmt: skip
    assert lines[2].split(",")[:10] == [
        "2", "short", "2024-03-02T14:30:00Z", "0.30000000000000004", "", "", "", "",
        "1e+16", "0",
    ]  # fmt: skip


def _one(result, position: int) -> pd.Series:
    return result.table.set_index("position").loc[position]


def test_shifted_exit_time(tmp_path: Path) -> None:
    tv = _tv()
    ours = tv.copy()
    ours.loc[2, "exit_time"] += pd.Timedelta(hours=1)
    result = compare_trades(_ours(tmp_path, ours), tv)
    row = _one(result, 3)
    assert row["status"] == "time-diff"
    assert row["entry_match"] and not row["exit_match"]
    assert "exit" in row["detail"]
    assert result.summary["first_mismatch"]["position"] == 3
    assert result.summary["first_divergence"] is None  # entries still line up
    assert result.summary["mismatched"] == 1
    assert not result.all_match


def test_open_versus_closed_exit_is_a_time_diff() -> None:
    tv = _tv()
    ours = tv.copy()
    ours.loc[0, ["exit_time", "exit_price"]] = [pd.NaT, float("nan")]
    row = _one(compare_trades(ours, tv), 1)
    assert row["status"] == "time-diff" and "open" in row["detail"]


def test_price_off_by_a_tick(tmp_path: Path) -> None:
    tv = _tv()
    ours = tv.copy()
    ours.loc[4, "entry_price"] += TICK
    result = compare_trades(_ours(tmp_path, ours), tv)
    row = _one(result, 5)
    assert row["status"] == "price-diff"
    assert row["entry_price_delta"] == pytest.approx(TICK)
    assert row["entry_match"] and row["exit_match"]
    assert result.summary["max_abs_price_delta"] == pytest.approx(TICK)
    assert result.summary["status_counts"]["price-diff"] == 1
    # a tolerance of a tick accepts it
    assert compare_trades(ours, tv, price_tolerance=TICK).all_match


def test_pnl_off_by_two_cents(tmp_path: Path) -> None:
    tv = _tv("futures_pnl_trades.csv")
    ours = tv.copy()
    ours.loc[6, "profit"] += 0.02
    result = compare_trades(_ours(tmp_path, ours), tv)
    row = _one(result, 7)
    assert row["status"] == "pnl-diff"
    assert row["profit_delta"] == pytest.approx(0.02)
    assert result.summary["max_abs_pnl_delta"] == pytest.approx(0.02)
    assert result.summary["total_pnl_delta"] == pytest.approx(0.02)
    assert "First mismatch at trade 7 (pnl-diff" in result.summary["text"]
    # one cent is within the default tolerance
    ours.loc[6, "profit"] = tv.loc[6, "profit"] + 0.01
    assert compare_trades(ours, tv).all_match


def test_qty_difference_is_a_pnl_diff() -> None:
    tv = _tv()
    ours = tv.copy()
    ours.loc[0, "qty"] = 2.0
    row = _one(compare_trades(ours, tv), 1)
    assert row["status"] == "pnl-diff" and row["qty_delta"] == 1.0


def test_missing_last_trade(tmp_path: Path) -> None:
    tv = _tv("futures_pnl_trades.csv")
    result = compare_trades(_ours(tmp_path, tv.iloc[:-1]), tv)
    row = _one(result, len(tv))
    assert row["status"] == "missing-ours"
    assert pd.isna(row["ours_trade"]) and row["tv_trade"] == len(tv)
    assert result.summary["mismatched"] == 1
    assert result.summary["first_divergence"]["position"] == len(tv)
    assert result.summary["total_pnl_delta"] == pytest.approx(-tv["profit"].iloc[-1])
    # and the other way round
    result = compare_trades(tv, tv.iloc[:-1])
    assert _one(result, len(tv))["status"] == "missing-tv"


def test_missing_trade_in_the_middle_marks_the_divergence() -> None:
    tv = _tv()
    ours = tv.drop(index=9).reset_index(drop=True)
    result = compare_trades(ours, tv)
    summary = result.summary
    assert summary["first_divergence"]["position"] == 10
    assert summary["first_mismatch"]["position"] == 10
    assert (result.table["status"].iloc[:9] == "match").all()
    assert result.table["status"].iloc[-1] == "missing-ours"
    assert "diverge" in summary["text"]


def test_flipped_direction() -> None:
    tv = _tv("bar_magnifier_tv_trades.csv", "UTC")
    ours = tv.copy()
    ours.loc[3, "direction"] = "short" if tv.loc[3, "direction"] == "long" else "long"
    result = compare_trades(ours, tv)
    row = _one(result, 4)
    assert row["status"] == "side-diff" and not row["entry_match"]
    assert result.summary["first_divergence"] == result.summary["first_mismatch"]
    assert result.summary["first_divergence"]["position"] == 4
    assert result.summary["status_counts"] == dict.fromkeys(STATUSES, 0) | {
        "match": len(tv) - 1,
        "side-diff": 1,
    }


def test_read_trades_csv_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        read_trades_csv(tmp_path / "none.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_trades_csv(empty)
    with pytest.raises(DataError, match="TradingView export"):
        read_trades_csv(DATA / "rsi_trades.csv")
    bad = tmp_path / "bad.csv"
    write_trades_csv(_tv().iloc[:2], bad)
    bad.write_text(bad.read_text().replace("2022-01-04T00:00:00Z", "yesterday"))
    with pytest.raises(DataError, match=r"line 2: cannot read the entry_time"):
        read_trades_csv(bad)
    bad.write_text(bad.read_text().replace("1,long,", "1,sideways,"))
    with pytest.raises(DataError, match="not long/short"):
        read_trades_csv(bad)
