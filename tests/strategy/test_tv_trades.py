"""Reading and writing TradingView "List of trades" exports (pineopt.strategy.tv_trades)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pineopt.errors import DataError
from pineopt.strategy.tv_trades import TRADE_COLUMNS, read_tv_trades, write_tv_trades

DATA = Path(__file__).parent / "data"
ET = "America/New_York"

# file -> (chart timezone, trades, open trades); counts from the data provenance notes (§4b),
# the rest counted in the files
FILES = {
    "rsi_trades.csv": (ET, 194, 1),
    "macd_trades.csv": (ET, 1808, 1),
    "bollinger_trades.csv": (ET, 579, 1),
    "keltnerchannel_trades.csv": (ET, 260, 1),
    "channelbreakout_trades.csv": (ET, 2946, 1),
    "supertrend_trades.csv": (ET, 602, 1),
    "barupdn_trades.csv": (ET, 5550, 1),
    "futures_pnl_trades.csv": (ET, 294, 0),
    "bar_magnifier_tv_trades.csv": ("UTC", 56, 0),
    "slippage_basic_trades.csv": (ET, 2, 0),
    "slippage_direction_trades.csv": (ET, 2304, 1),
    "slippage_limit_trades.csv": (ET, 281, 1),
    "slippage_pyramiding_trades.csv": (ET, 3, 0),
}

_CACHE: dict[str, pd.DataFrame] = {}


def _read(name: str) -> pd.DataFrame:
    if name not in _CACHE:
        _CACHE[name] = read_tv_trades(DATA / name, FILES[name][0])
    return _CACHE[name].copy()


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_all_real_files_are_present() -> None:
    assert sorted(p.name for p in DATA.glob("*_trades.csv")) == sorted(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_trade_and_open_counts(name: str) -> None:
    _tz, count, open_count = FILES[name]
    trades = _read(name)
    assert list(trades.columns) == list(TRADE_COLUMNS)
    assert len(trades) == count
    assert trades["trade"].tolist() == list(range(1, count + 1))
    is_open = trades["exit_time"].isna()
    assert int(is_open.sum()) == open_count
    if open_count:
        assert bool(is_open.iloc[-1])
        last = trades.iloc[-1]
        assert pd.isna(last["exit_price"]) and pd.isna(last["exit_signal"])
    assert (trades["mae"] <= 0).all()
    assert (trades["mfe"] >= 0).all()
    assert set(trades["direction"]) <= {"long", "short"}
    assert str(trades["entry_time"].dt.tz) == "UTC"


@pytest.mark.parametrize("name", sorted(FILES))
def test_round_trip(name: str) -> None:
    trades = _read(name)
    tz = FILES[name][0]
    currency = "USDT" if name.startswith("bar_magnifier") else "USD"
    text = write_tv_trades(trades, tz, currency)
    assert text.splitlines()[0].split(",")[4] == f"Price {currency}"
    again = read_tv_trades(io.StringIO(text), tz)
    pd.testing.assert_frame_equal(again, trades)
    # the same trades read in another chart timezone give the same UTC times
    text_tokyo = write_tv_trades(trades, "Asia/Tokyo", currency)
    pd.testing.assert_frame_equal(read_tv_trades(io.StringIO(text_tokyo), "Asia/Tokyo"), trades)


def test_written_layout_matches_tradingview_rows() -> None:
    trades = _read("supertrend_trades.csv")
    text = write_tv_trades(trades.head(2), ET)
    original = (DATA / "supertrend_trades.csv").read_text().splitlines()
    written = text.splitlines()
    assert written[0] == original[0]
    for ours, theirs in zip(written[1:], original[1:5], strict=True):
        # identical except Cumulative P&L %, which needs the initial capital
        assert ours.split(",")[:-1] == theirs.split(",")[:-1]
    text = write_tv_trades(trades.head(2), ET, initial_capital=1_000_000)
    assert text.splitlines()[1:5] == original[1:5]


def test_open_trade_written_with_open_signal(tmp_path: Path) -> None:
    trades = _read("rsi_trades.csv")
    out = tmp_path / "out" / "tv.csv"
    text = write_tv_trades(trades, ET, path=out)
    assert out.read_text(encoding="utf-8") == text
    assert text.splitlines()[-1].startswith("194,Exit short,,Open,,1,1.17387,")


def test_spot_values_rsi() -> None:
    trades = _read("rsi_trades.csv")
    first = trades.iloc[0]
    # 1,Entry long,2022-01-03T19:00:00-0500,RsiLE,1.13018,1,1.13018,0.01,0.47,0.01,0.55,-0.003,...
    # 1,Exit long,2022-01-09T18:00:00-0500,RsiSE,1.13554,...
    assert first["direction"] == "long"
    assert first["entry_time"] == _ts("2022-01-04T00:00:00Z")
    assert first["entry_price"] == 1.13018
    assert first["entry_signal"] == "RsiLE"
    assert first["exit_time"] == _ts("2022-01-09T23:00:00Z")
    assert first["exit_price"] == 1.13554
    assert first["exit_signal"] == "RsiSE"
    assert (first["qty"], first["profit"], first["profit_pct"]) == (1.0, 0.01, 0.47)
    assert (first["cum_profit"], first["mfe"], first["mae"]) == (0.01, 0.01, -0.003)
    # 194,Entry short,2025-09-05T13:00:00-0400,RsiSE,1.17387 ... (still open; EDT)
    last = trades.iloc[-1]
    assert last["direction"] == "short"
    assert last["entry_time"] == _ts("2025-09-05T17:00:00Z")
    assert last["entry_price"] == 1.17387
    assert (last["profit"], last["mae"], last["cum_profit"]) == (0.001, -0.004, -0.04)


def test_spot_values_supertrend_and_futures_and_binance() -> None:
    st = _read("supertrend_trades.csv").iloc[1]
    # 2,Entry short,2022-01-06T02:00:00-0500,My Short Entry Id,1.12969,132740,...,-439.37,-0.29,
    #   165.93,0.11,-495.12,-0.33,-730.92,-0.07 ; exit 2022-01-07T10:00:00-0500 at 1.133
    assert (st["direction"], st["qty"], st["profit"], st["profit_pct"]) == (
        "short",
        132740.0,
        -439.37,
        -0.29,
    )
    assert (st["mfe"], st["mae"], st["cum_profit"]) == (165.93, -495.12, -730.92)
    assert st["exit_time"] == _ts("2022-01-07T15:00:00Z") and st["exit_price"] == 1.133

    fut = _read("futures_pnl_trades.csv").iloc[-1]
    # 294,Exit long,2026-05-11T06:00:00-0400,,97.375  (empty signal, not "Open")
    assert fut["exit_time"] == _ts("2026-05-11T10:00:00Z")
    assert fut["exit_signal"] == "" and fut["exit_price"] == 97.375
    assert (fut["profit"], fut["mfe"], fut["mae"]) == (-712.5, 775.0, -900.0)

    btc = _read("bar_magnifier_tv_trades.csv").iloc[0]
    # 1,Entry long,2025-01-16T00:00:00+0000,Long,100497.35,0.01,... exit XL at 99497.35
    assert btc["entry_time"] == _ts("2025-01-16T00:00:00Z")
    assert (btc["entry_price"], btc["exit_price"], btc["qty"]) == (100497.35, 99497.35, 0.01)
    assert (btc["exit_signal"], btc["profit"], btc["mfe"]) == ("XL", -10.0, 3.6931)

    pyr = _read("slippage_pyramiding_trades.csv")
    assert pyr["exit_time"].nunique() == 1
    assert pyr["entry_signal"].tolist() == ["Entry #1", "Entry #2", "Entry #3"]


def _rsi_head(rows: int = 4) -> list[str]:
    return (DATA / "rsi_trades.csv").read_text().splitlines()[: rows + 1]


def test_header_variants_bom_and_exit_first(tmp_path: Path) -> None:
    lines = _rsi_head(4)
    header = (
        "Trade number,Type,Date/Time,Signal,Price EUR,Size (qty),Size (value),Net PnL EUR,"
        "Net PnL %,Run-up EUR,Run-up %,Drawdown EUR,Drawdown %,Cumulative PnL EUR,"
        "Cumulative PnL %"
    )
    # newest first, exit row before entry row, with a BOM and CRLF line ends
    body = [lines[4], lines[3], lines[2], lines[1]]
    path = tmp_path / "variant.csv"
    path.write_bytes(("\ufeff" + "\r\n".join([header, *body]) + "\r\n").encode("utf-8"))
    variant = read_tv_trades(path, ET)
    expected = read_tv_trades(io.StringIO("\n".join(lines)), ET)
    pd.testing.assert_frame_equal(variant, expected)
    assert len(variant) == 2
    # a binary buffer with a BOM works too
    data = ("\ufeff" + "\n".join(lines)).encode("utf-8")
    pd.testing.assert_frame_equal(read_tv_trades(io.BytesIO(data), ET), expected)


def test_thousands_separators_and_unicode_minus() -> None:
    text = (
        "Trade #,Type,Date/Time,Signal,Price USD,Position size (qty),Net P&L USD,Net P&L %,"
        "Run-up USD,Drawdown USD,Cumulative P&L USD\n"
        '1,Entry long,2024-01-02 10:00,L,"42,000.5",1,"\u22121,234.5",\u22122.94,10,5,-1234.5\n'
        '1,Exit long,2024-01-02 11:00,S,"40,766",1,"\u22121,234.5",\u22122.94,10,5,-1234.5\n'
    )
    trade = read_tv_trades(io.StringIO(text), "UTC").iloc[0]
    assert (trade["entry_price"], trade["exit_price"]) == (42000.5, 40766.0)
    assert (trade["profit"], trade["profit_pct"], trade["mae"]) == (-1234.5, -2.94, -5.0)


def _naive(times: tuple[str, str]) -> io.StringIO:
    return io.StringIO(
        "Trade #,Type,Date/Time,Signal,Price USD,Position size (qty),Net P&L USD,Net P&L %,"
        "Run-up USD,Drawdown USD,Cumulative P&L USD\n"
        f"1,Entry short,{times[0]},S,10,2,1,5,1.5,-0.5,1\n"
        f"1,Exit short,{times[1]},L,9.5,2,1,5,1.5,-0.5,1\n"
    )


def test_naive_times_use_the_chart_timezone() -> None:
    times = ("2024-01-15 09:30", "2024-07-15 09:30:00")
    fixed = read_tv_trades(_naive(times), "+08:00").iloc[0]
    shanghai = read_tv_trades(_naive(times), "Asia/Shanghai").iloc[0]
    assert fixed["entry_time"] == _ts("2024-01-15T01:30:00Z")
    assert (fixed["entry_time"], fixed["exit_time"]) == (
        shanghai["entry_time"],
        shanghai["exit_time"],
    )
    # New York: EST in January, EDT in July; the fixed -05:00 offset ignores DST
    ny = read_tv_trades(_naive(times), ET).iloc[0]
    assert ny["entry_time"] == _ts("2024-01-15T14:30:00Z")
    assert ny["exit_time"] == _ts("2024-07-15T13:30:00Z")
    est = read_tv_trades(_naive(times), "-05:00").iloc[0]
    assert est["exit_time"] == _ts("2024-07-15T14:30:00Z")
    utc = read_tv_trades(_naive(times), "UTC").iloc[0]
    assert utc["entry_time"] == _ts("2024-01-15T09:30:00Z")
    # an explicit offset in the cell wins over the chart timezone
    aware = ("2024-01-15T09:30:00-0500", "2024-01-15T10:30:00Z")
    trade = read_tv_trades(_naive(aware), "Asia/Tokyo").iloc[0]
    assert trade["entry_time"] == _ts("2024-01-15T14:30:00Z")
    assert trade["exit_time"] == _ts("2024-01-15T10:30:00Z")


def test_written_times_follow_dst() -> None:
    trades = read_tv_trades(_naive(("2024-01-15 09:30", "2024-07-15 09:30")), ET)
    rows = write_tv_trades(trades, ET).splitlines()
    assert rows[1].split(",")[2] == "2024-01-15T09:30:00-0500"
    assert rows[2].split(",")[2] == "2024-07-15T09:30:00-0400"
    assert write_tv_trades(trades, "+08:00").splitlines()[1].split(",")[2] == (
        "2024-01-15T22:30:00+0800"
    )


def test_nonexistent_local_time_is_an_error() -> None:
    with pytest.raises(DataError, match=r"line 2: .*does not exist"):
        read_tv_trades(_naive(("2024-03-10 02:30", "2024-03-10 04:00")), ET)


def _error(tmp_path: Path, text: str, tz: str = ET) -> str:
    path = tmp_path / "bad_trades.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_tv_trades(path, tz)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_error_not_a_trade_list(tmp_path: Path) -> None:
    ohlcv = "time,open,high,low,close,Volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
    assert "not a TradingView 'List of trades'" in _error(tmp_path, ohlcv)
    assert "empty file" in _error(tmp_path, "")


def test_error_missing_columns(tmp_path: Path) -> None:
    lines = _rsi_head(2)
    cut = "\n".join(",".join(line.split(",")[:11]) for line in lines)
    assert "missing column(s) drawdown, cum_profit" in _error(tmp_path, cut)


def test_error_single_row_trade(tmp_path: Path) -> None:
    lines = _rsi_head(4)
    message = _error(tmp_path, "\n".join([lines[0], lines[1], lines[3], lines[4]]))
    assert "line 2: trade 1 has an entry row but no exit row" in message
    message = _error(tmp_path, "\n".join([lines[0], lines[2], lines[3], lines[4]]))
    assert "line 2: trade 1 has an exit row but no entry row" in message
    message = _error(tmp_path, "\n".join([lines[0], lines[1], lines[1], lines[2]]))
    assert "line 3: trade 1 has a second entry row" in message


def test_open_last_trade_with_entry_row_only() -> None:
    lines = _rsi_head(3)
    trades = read_tv_trades(io.StringIO("\n".join(lines)), ET)
    assert len(trades) == 2
    assert pd.isna(trades.iloc[1]["exit_time"]) and pd.isna(trades.iloc[1]["exit_signal"])
    assert trades.iloc[1]["profit"] == -0.01


def test_error_unparsable_values(tmp_path: Path) -> None:
    lines = _rsi_head(2)
    bad_price = lines[2].replace("1.13554", "1.13x54")
    message = _error(tmp_path, "\n".join([lines[0], lines[1], bad_price]))
    assert "line 3: cannot read the price '1.13x54'" in message
    bad_time = lines[1].replace("2022-01-03T19:00:00-0500", "03/01/2022 19h")
    message = _error(tmp_path, "\n".join([lines[0], bad_time, lines[2]]))
    assert "line 2: cannot read the date/time '03/01/2022 19h'" in message
    bad_date = lines[1].replace("2022-01-03T19", "2022-02-30T19")
    assert "line 2: cannot read the date/time" in _error(
        tmp_path, "\n".join([lines[0], bad_date, lines[2]])
    )
    bad_type = lines[1].replace("Entry long", "Buy")
    assert "line 2: unknown trade type 'Buy'" in _error(
        tmp_path, "\n".join([lines[0], bad_type, lines[2]])
    )
    bad_number = lines[1].replace("1,Entry", "one,Entry", 1)
    assert "line 2: cannot read the trade number 'one'" in _error(
        tmp_path, "\n".join([lines[0], bad_number, lines[2]])
    )
    mixed = lines[2].replace("Exit long", "Exit short")
    assert "line 3: trade 1 enters long but exits short" in _error(
        tmp_path, "\n".join([lines[0], lines[1], mixed])
    )
    short_row = ",".join(lines[2].split(",")[:5])
    assert "line 3: 5 fields where the header has 15" in _error(
        tmp_path, "\n".join([lines[0], lines[1], short_row])
    )


def test_error_unknown_timezone() -> None:
    with pytest.raises(DataError, match="unknown chart timezone 'Mars/Olympus'"):
        read_tv_trades(DATA / "rsi_trades.csv", "Mars/Olympus")
    with pytest.raises(DataError, match="unknown chart timezone"):
        write_tv_trades(_read("rsi_trades.csv"), "+99:00")


def test_error_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv: cannot read the trade list"):
        read_tv_trades(tmp_path / "nope.csv", "UTC")


def test_write_rejects_incomplete_frames() -> None:
    with pytest.raises(DataError, match="lack column"):
        write_tv_trades(_read("rsi_trades.csv").drop(columns=["mae"]), ET)
