"""The ``file`` provider: CSV and Parquet bars, every time format, and every refusal."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data import load
from pineopt.data.frame import OHLCV_COLUMNS
from pineopt.data.providers import DataRequest, get_provider
from pineopt.data.providers.file import (
    read_frames,
    read_ohlcv_file,
    symbol_for_file,
    ticker_from_path,
)
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError

HOURS = pd.DatetimeIndex(
    ["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "2024-03-01T02:00:00Z"], name="time"
).as_unit("ns")
EPOCH_S = [1709251200, 1709254800, 1709258400]  # the three HOURS
ROWS = ["100,110,90,105,1.5", "105,120,100,118,2.25", "118,119,101,102,0"]


def csv(times: list, header: str = "time,open,high,low,close,volume", rows=ROWS) -> str:
    return "\n".join([header, *(f"{t},{r}" for t, r in zip(times, rows, strict=True))]) + "\n"


def assert_bars(dataset, index=HOURS) -> None:
    frame = dataset.frame
    assert list(frame.columns) == list(OHLCV_COLUMNS)
    assert all(frame[c].dtype == np.float64 for c in OHLCV_COLUMNS)
    assert frame.index.equals(index)
    assert str(frame.index.tz) == "UTC"
    if index is HOURS:
        assert frame["close"].tolist() == [105.0, 118.0, 102.0]
        assert frame["volume"].tolist() == [1.5, 2.25, 0.0]


# --------------------------------------------------------------------------- time formats


@pytest.mark.parametrize(
    "times",
    [
        pytest.param(EPOCH_S, id="epoch-seconds"),
        pytest.param([t * 1000 for t in EPOCH_S], id="epoch-milliseconds"),
        pytest.param([t * 1_000_000 for t in EPOCH_S], id="epoch-microseconds"),
        pytest.param([t * 1_000_000_000 for t in EPOCH_S], id="epoch-nanoseconds"),
        pytest.param([f"{t}.0" for t in EPOCH_S], id="epoch-float"),
        pytest.param(["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "2024-03-01T02:00:00Z"],
                     id="iso-Z"),
        pytest.param(["2024-02-29T19:00:00-05:00", "2024-02-29T20:00:00-05:00",
                      "2024-02-29T21:00:00-05:00"], id="iso-offset"),
        pytest.param(["2024-03-01T01:00:00+01:00", "2024-03-01T01:00:00Z",
                      "2024-03-01T03:00:00+01:00"], id="iso-mixed-offsets"),
        pytest.param(["2024-03-01 00:00:00", "2024-03-01 01:00:00", "2024-03-01 02:00:00"],
                     id="iso-naive-is-utc"),
        pytest.param(["2024-03-01T00:00", "2024-03-01T01:00", "2024-03-01T02:00"],
                     id="iso-no-seconds"),
    ],
)  # fmt: skip
def test_every_time_format_gives_the_same_utc_bars(write, times):
    dataset = read_ohlcv_file(write("bars.csv", csv(times)))
    assert_bars(dataset)
    assert dataset.timeframe == Timeframe(60, "")
    assert dataset.provenance["timeframe_inferred"] is True


def test_daily_dates(write):
    path = write("GOOG.csv", csv(["2024-03-01", "2024-03-04", "2024-03-05"]))
    dataset = read_ohlcv_file(path)
    assert dataset.frame.index[1] == pd.Timestamp("2024-03-04", tz="UTC")
    assert dataset.timeframe == Timeframe(1, "D")


@pytest.mark.parametrize("name", ["time", "Time", "TIMESTAMP", "date", "Datetime", " time "])
def test_time_column_names_in_any_case(write, name):
    dataset = read_ohlcv_file(write("bars.csv", csv(EPOCH_S, f"{name},open,high,low,close,volume")))
    assert_bars(dataset)


def test_the_first_time_named_column_is_the_time(write):
    header = "open,high,low,close,volume,Timestamp,date"
    pairs = enumerate(zip(EPOCH_S, ROWS, strict=True))
    lines = [header] + [f"{r},{t},2000-01-0{i + 1}" for i, (t, r) in pairs]
    dataset = read_ohlcv_file(write("bars.csv", "\n".join(lines)))
    assert_bars(dataset)
    assert dataset.provenance["time_column"] == "Timestamp"
    assert dataset.reference["date"].tolist() == ["2000-01-01", "2000-01-02", "2000-01-03"]


def test_ohlcv_columns_in_any_case_and_order(write):
    header = "Volume,TIME,Close,low,High,OPEN"
    lines = [header] + [
        f"{r.split(',')[4]},{t},{r.split(',')[3]},{r.split(',')[2]},{r.split(',')[1]},"
        f"{r.split(',')[0]}"
        for t, r in zip(EPOCH_S, ROWS, strict=True)
    ]
    dataset = read_ohlcv_file(write("bars.csv", "\n".join(lines)))
    assert_bars(dataset)
    assert dataset.reference is None


def test_separate_date_and_time_columns_are_joined(write):
    text = (
        "Date,Time,Open,High,Low,Close,Volume\n"
        "2024-03-01,00:00:00,100,110,90,105,1.5\n"
        "2024-03-01,01:00,105,120,100,118,2.25\n"
        "2024-03-01,02:00:00,118,119,101,102,0\n"
    )
    dataset = read_ohlcv_file(write("bars.csv", text))
    assert_bars(dataset)
    assert dataset.provenance["time_column"] == "Date + Time"
    assert dataset.reference is None


# --------------------------------------------------------------------------- other layouts


def test_backtesting_py_layout_with_an_unnamed_index_column(write):
    # the layout of backtesting.py's EURUSD.csv / GOOG.csv: empty first header cell, naive times
    text = (
        ",Open,High,Low,Close,Volume\n"
        "2017-04-19 09:00:00,1.0716,1.0722,1.07083,1.07219,1413\n"
        "2017-04-19 10:00:00,1.07214,1.07296,1.07214,1.0726,1241\n"
        "2017-04-19 11:00:00,1.0726,1.07299,1.0721,1.0724,1015\n"
    )
    dataset = read_ohlcv_file(write("EURUSD.csv", text))
    assert dataset.frame.index[0] == pd.Timestamp("2017-04-19 09:00", tz="UTC")
    assert dataset.frame["close"].tolist() == [1.07219, 1.0726, 1.0724]
    assert dataset.timeframe == Timeframe(60, "")
    assert dataset.symbol.ticker == "EURUSD"
    assert dataset.provenance["time_column"] == "Unnamed: 0"


def test_pandas_unnamed_header_is_an_index_column_too(write):
    dataset = read_ohlcv_file(write("x.csv", csv(EPOCH_S, "Unnamed: 0,open,high,low,close,volume")))
    assert_bars(dataset)


def test_extra_columns_are_kept_aside_on_the_same_index(write):
    text = (
        "time,open,high,low,close,adj_close,volume,note,signal\n"
        f"{EPOCH_S[0]},100,110,90,105,52.5,1.5,first,NaN\n"
        f"{EPOCH_S[1]},105,120,100,118,59,2.25,,1\n"
        f"{EPOCH_S[2]},118,119,101,102,51,0,last,\n"
    )
    dataset = read_ohlcv_file(write("bars.csv", text))
    assert_bars(dataset)
    reference = dataset.reference
    assert list(reference.columns) == ["adj_close", "note", "signal"]
    assert reference.index.equals(dataset.frame.index)
    assert reference["adj_close"].dtype == np.float64
    assert reference["adj_close"].tolist() == [52.5, 59.0, 51.0]
    assert reference["signal"].dtype == np.float64
    assert np.isnan(reference["signal"].iloc[0]) and np.isnan(reference["signal"].iloc[2])
    assert reference["note"].iloc[0] == "first" and pd.isna(reference["note"].iloc[1])
    assert dataset.provenance["reference_columns"] == ["adj_close", "note", "signal"]


def test_missing_volume_is_filled_with_zero_and_said(write):
    text = "time,open,high,low,close\n" + "\n".join(
        f"{t},{','.join(r.split(',')[:4])}" for t, r in zip(EPOCH_S, ROWS, strict=True)
    )
    dataset = read_ohlcv_file(write("bars.csv", text))
    assert dataset.frame["volume"].tolist() == [0.0, 0.0, 0.0]
    assert dataset.frame["volume"].dtype == np.float64
    assert dataset.provenance["volume_filled"] == 0.0
    assert "no volume column" in dataset.provenance["notes"][0]
    assert dataset.validate().volume_all_zero


def test_na_cells_in_volume_are_nan_not_errors(write):
    rows = ["100,110,90,105,NaN", "105,120,100,118,", "118,119,101,102,null"]
    dataset = read_ohlcv_file(write("bars.csv", csv(EPOCH_S, rows=rows)))
    assert dataset.frame["volume"].isna().all()


def test_bom_crlf_no_trailing_newline_and_blank_lines(write):
    text = "\ufefftime,open,high,low,close,volume\r\n" + "\r\n".join(
        f"{t},{r}" for t, r in zip(EPOCH_S, ROWS, strict=True)
    )
    assert_bars(read_ohlcv_file(write("bom.csv", text)))
    blank = csv(EPOCH_S).replace("\n", "\n\n", 1) + "\n\n"
    assert_bars(read_ohlcv_file(write("blank.csv", blank)))


def test_gzipped_text_files_are_read_and_named_without_gz(tmp_path):
    path = tmp_path / "ETHUSDT_15.csv.gz"
    path.write_bytes(gzip.compress(csv(EPOCH_S).encode()))
    (tmp_path / "ETHUSDT_15.toml").write_text('[symbol]\nticker = "ETHUSDT"\nmintick = 0.05\n')
    dataset = read_ohlcv_file(path)
    assert_bars(dataset)
    assert dataset.symbol.ticker == "ETHUSDT"
    assert dataset.symbol.mintick == 0.05
    assert ticker_from_path(path) == ("", "ETHUSDT")


def test_a_damaged_gzip_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bars.csv.gz"
    path.write_bytes(gzip.compress(csv(EPOCH_S).encode())[:20])
    with pytest.raises(DataError, match=r"bars\.csv\.gz: .*gzip"):
        read_ohlcv_file(path)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match=r"bars\.csv\.gz: cannot read"):
        read_ohlcv_file(path)


def test_quoted_cells_and_spaces_after_the_delimiter(write):
    text = "time, open, high, low, close, volume\n" + "\n".join(
        f'"{t}", "{r.replace(",", chr(34) + ", " + chr(34))}"'
        for t, r in zip(EPOCH_S, ROWS, strict=True)
    )
    assert_bars(read_ohlcv_file(write("bars.csv", text)))


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [("bars.csv", ";"), ("bars.tsv", "\t"), ("bars.txt", "\t"), ("bars.txt", "|")],
)
def test_the_delimiter_is_sniffed(write, name, delimiter):
    text = csv(EPOCH_S).replace(",", delimiter)
    dataset = read_ohlcv_file(write(name, text))
    assert_bars(dataset)
    assert dataset.provenance["delimiter"] == delimiter


def test_semicolon_files_may_use_decimal_commas(write):
    text = (
        "time;open;high;low;close;volume;ratio\n"
        f"{EPOCH_S[0]};100,5;110;90;105,25;1,5;0,5\n"
        f"{EPOCH_S[1]};105;120;100;118;2;1\n"
    )
    dataset = read_ohlcv_file(write("eu.csv", text), "60")
    assert dataset.frame["open"].tolist() == [100.5, 105.0]
    assert dataset.frame["close"].tolist() == [105.25, 118.0]
    assert dataset.reference["ratio"].tolist() == [0.5, 1.0]


# --------------------------------------------------------------------------- Parquet


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_parquet(path)
    return path


def _bars() -> pd.DataFrame:
    rows = [list(map(float, row.split(","))) for row in ROWS]
    return pd.DataFrame(rows, columns=["Open", "High", "Low", "Close", "Volume"])


@pytest.mark.parametrize(
    "time_values",
    [
        pytest.param(lambda: [t * 1000 for t in EPOCH_S], id="epoch-ms"),
        pytest.param(lambda: HOURS, id="datetime-utc"),
        pytest.param(lambda: HOURS.tz_convert("America/New_York"), id="datetime-new-york"),
        pytest.param(lambda: HOURS.tz_localize(None), id="datetime-naive"),
        pytest.param(lambda: [t.isoformat() for t in HOURS], id="iso-strings"),
    ],
)
def test_parquet_with_a_time_column(tmp_path, time_values):
    frame = _bars()
    frame.insert(0, "timestamp", time_values())
    frame["rsi"] = [50.0, 60.0, np.nan]
    dataset = read_ohlcv_file(_parquet(tmp_path / "bars.parquet", frame))
    assert_bars(dataset)
    assert dataset.provenance["format"] == "parquet"
    assert list(dataset.reference.columns) == ["rsi"]


@pytest.mark.parametrize("index", [HOURS, HOURS.tz_localize(None), HOURS.rename("date")])
def test_parquet_with_a_datetime_index(tmp_path, index):
    frame = _bars().set_index(index)
    dataset = read_ohlcv_file(_parquet(tmp_path / "bars.pq", frame))
    assert_bars(dataset)
    assert dataset.provenance["time_column"] == "index"
    assert dataset.reference is None


def test_parquet_written_by_pineopt_round_trips(tmp_path, write):
    original = read_ohlcv_file(write("BTCUSDT_1h.csv", csv(EPOCH_S)))
    path = _parquet(tmp_path / "BTCUSDT_1h.parquet", original.frame)
    again = read_ohlcv_file(path)
    pd.testing.assert_frame_equal(again.frame, original.frame)
    assert again.symbol.ticker == "BTCUSDT"


# --------------------------------------------------------------------------- real files


def test_tradingview_export_with_a_duplicate_time_column(files, untouched):
    dataset = read_ohlcv_file(files / "time_head.csv")
    assert len(dataset) == 40
    assert dataset.frame.index[0] == pd.Timestamp("2024-12-25T22:45:00Z")
    assert dataset.timeframe == Timeframe(5, "")
    assert dataset.frame["volume"].iloc[0] == 22.847064
    reference = dataset.reference
    assert reference.columns[0] == "time (2)"
    # the plotted `time` is the bar's open time in milliseconds
    opens_ms = dataset.frame.index.as_unit("ms").asi8
    assert (reference["time (2)"].to_numpy() == opens_ms).all()
    assert (reference["time+"].to_numpy() == opens_ms + 300_000).all()
    assert "Volume" not in reference.columns and "time" not in reference.columns


def test_tradingview_export_headers_are_unescaped_and_toml_is_found(files, untouched):
    dataset = read_ohlcv_file(files / "vwap.csv")
    assert dataset.symbol.tickerid == "CAPITALCOM:EURUSD"
    assert dataset.symbol.timezone == "US/Eastern"
    assert dataset.symbol.mintick == pytest.approx(0.00001)
    assert dataset.provenance["syminfo"] == str(files / "vwap.toml")
    assert dataset.timeframe == Timeframe(15, "")
    assert len(dataset) == 300
    assert 'ta.vwap(close, timeframe.change("240"))' in dataset.reference.columns
    assert not any("&quot;" in column for column in dataset.reference.columns)
    assert dataset.frame["volume"].iloc[-1] == 567.0
    assert np.isnan(dataset.reference.iloc[0, 1])


def test_explicit_symbol_info_wins_over_the_toml(files, untouched):
    info = SymbolInfo("XAUUSD", prefix="OANDA", type="cfd", mintick=0.001)
    dataset = read_ohlcv_file(files / "vwap.csv", "15", info)
    assert dataset.symbol is info
    assert "syminfo" not in dataset.provenance
    assert "timeframe_inferred" not in dataset.provenance


def test_a_ticker_overrides_the_toml_ticker_only(files, untouched):
    dataset = read_ohlcv_file(files / "vwap.csv", symbol="FX:EURUSD")
    assert dataset.symbol.tickerid == "FX:EURUSD"
    assert dataset.symbol.timezone == "US/Eastern"


def test_an_explicit_syminfo_toml(files, write, untouched):
    path = write("EURUSD_15.csv", (files / "vwap.csv").read_text(encoding="utf-8"))
    assert read_ohlcv_file(path).symbol.tickerid == "EURUSD"  # no namesake toml here
    dataset = read_ohlcv_file(path, syminfo=files / "vwap.toml")
    assert dataset.symbol.tickerid == "CAPITALCOM:EURUSD"
    with pytest.raises(DataError, match="cannot read symbol file"):
        read_ohlcv_file(path, syminfo=path.with_name("missing.toml"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BTCUSDT_1h.csv", ("", "BTCUSDT")),
        ("BTCUSDT-15m.parquet", ("", "BTCUSDT")),
        ("ETHUSDT_1d.csv", ("", "ETHUSDT")),
        ("EURUSD_60.csv", ("", "EURUSD")),
        ("SPY daily.csv", ("", "SPY")),
        ("BTC_USDT-1h.csv", ("", "BTC_USDT")),
        ("GOOG.csv", ("", "GOOG")),
        ("orcl-1995-2014.csv", ("", "orcl-1995-2014")),
        ("BINANCE_BTCUSDT, 60.csv", ("BINANCE", "BTCUSDT")),
        ("BINANCE_BTCUSDT, 240_fe0b8.csv", ("BINANCE", "BTCUSDT")),
        ("BINANCE_BTCUSDT, 15 (9).csv", ("BINANCE", "BTCUSDT")),
        ("CME_MINI_MNQ1!, 1D.csv", ("CME_MINI", "MNQ1!")),
    ],
)
def test_ticker_from_the_file_name(name, expected):
    assert ticker_from_path(Path("somewhere") / name) == expected


def test_default_symbol_from_the_file_name(write):
    dataset = read_ohlcv_file(write("BINANCE_BTCUSDT, 60.csv", csv(EPOCH_S)))
    assert dataset.symbol.tickerid == "BINANCE:BTCUSDT"
    assert dataset.symbol.timezone == "UTC"
    info, toml = symbol_for_file(write("btcusdt_1h.csv", csv(EPOCH_S)))
    assert (info.ticker, toml) == ("BTCUSDT", None)


# --------------------------------------------------------------------------- the provider


def test_the_file_provider_loads_and_slices(files, untouched):
    provider = get_provider("file")
    request = DataRequest.make(str(files / "vwap.csv"), start="2024-04-01", end="2024-04-01T05:00Z")
    dataset = provider.load(request)
    assert dataset.start == pd.Timestamp("2024-04-01T00:00Z")
    assert dataset.end == pd.Timestamp("2024-04-01T05:00Z")
    assert dataset.reference.index.equals(dataset.frame.index)
    assert dataset.provenance["provider"] == "file"
    assert dataset.provenance["path"] == str(files / "vwap.csv")


def test_the_file_provider_options(files, untouched, write):
    info = SymbolInfo("EURUSD", prefix="OANDA", type="forex", mintick=0.00001)
    path = str(files / "vwap.csv")
    assert load(path, provider="file", symbol_info=info).symbol is info
    assert load(path, "15", provider="file", ticker="EURGBP").symbol.tickerid == (
        "CAPITALCOM:EURGBP"
    )
    plain = write("plain.csv", csv(EPOCH_S))
    with_toml = load(str(plain), provider="file", syminfo=str(files / "vwap.toml"))
    assert with_toml.symbol.tickerid == "CAPITALCOM:EURUSD"


def test_read_frames_needs_no_timeframe(write):
    contents = read_frames(write("one.csv", csv(EPOCH_S[:1], rows=ROWS[:1])))
    assert len(contents.frame) == 1
    assert contents.details["rows_in_file"] == 1


# --------------------------------------------------------------------------- refusals


def test_missing_file(tmp_path, fails):
    fails(read_ohlcv_file, tmp_path / "nope.csv", "no such file")


def test_a_directory(tmp_path, fails):
    folder = tmp_path / "bars.csv"
    folder.mkdir()
    fails(read_ohlcv_file, folder, "is a directory")


@pytest.mark.parametrize("name", ["bars.xlsx", "bars.json", "bars"])
def test_unknown_extension(write, fails, name):
    message = fails(read_ohlcv_file, write(name, csv(EPOCH_S)), "unknown file type")
    assert ".csv" in message and ".parquet" in message


@pytest.mark.parametrize("content", ["", "   \n\n", "\ufeff"])
def test_empty_file(write, fails, content):
    fails(read_ohlcv_file, write("empty.csv", content), "empty")


def test_empty_parquet_file(write, fails):
    fails(read_ohlcv_file, write("empty.parquet", b""), "empty")


def test_header_without_rows(write, fails):
    fails(read_ohlcv_file, write("header.csv", "time,open,high,low,close,volume\n"), "no rows")


def test_parquet_without_rows(tmp_path, fails):
    path = _parquet(tmp_path / "none.parquet", _bars().iloc[:0])
    fails(read_ohlcv_file, path, "no rows")


def test_binary_junk(write, fails):
    junk = bytes(range(256)) * 8
    fails(read_ohlcv_file, write("junk.csv", junk), "binary")


def test_not_utf8(write, fails):
    fails(read_ohlcv_file, write("latin.csv", "time,\xe9,\xff\n1,2,3\n".encode("latin-1")), "UTF-8")


def test_junk_named_parquet(write, fails):
    fails(read_ohlcv_file, write("junk.parquet", b"PAR1 not really"), "not a readable Parquet")


def test_a_csv_named_parquet(write, fails):
    fails(read_ohlcv_file, write("bars.parquet", csv(EPOCH_S)), "not a readable Parquet")


def test_no_header(write, fails):
    text = "\n".join(f"{t},{r}" for t, r in zip(EPOCH_S, ROWS, strict=True))
    fails(read_ohlcv_file, write("raw.csv", text), "no column names")


def test_missing_columns_are_listed_with_what_was_found(write, fails):
    text = "time,open,close,volume\n" + "\n".join(f"{t},1,2,3" for t in EPOCH_S)
    fails(read_ohlcv_file, write("bars.csv", text), "missing column(s) high, low",
          "found: time, open, close, volume")  # fmt: skip


def test_wrong_columns(write, fails):
    text = "when,o,h,l,c,v\n" + "\n".join(f"{t},{r}" for t, r in zip(EPOCH_S, ROWS, strict=True))
    fails(read_ohlcv_file, write("bars.csv", text), "no time column", "found: when, o, h, l, c, v")


def test_a_row_counter_is_not_a_time_column(write, fails):
    text = ",open,high,low,close,volume\n" + "\n".join(f"{i},{r}" for i, r in enumerate(ROWS))
    fails(read_ohlcv_file, write("bars.csv", text), "row numbers, not times")


def test_a_trade_list_is_named(files, write, fails):
    text = "Trade #,Type,Date/Time,Signal,Price USD\n1,Entry long,2024-01-01 00:00,L,100\n"
    fails(read_ohlcv_file, write("trades.csv", text), "list of trades")


def test_ambiguous_columns(write, fails):
    text = "time,open,high,low,close,Close,volume\n" + "\n".join(
        f"{t},1,2,0.5,1,1,3" for t in EPOCH_S
    )
    fails(read_ohlcv_file, write("bars.csv", text), "ambiguous columns close, Close")


def test_unsorted_rows_name_the_first_offender(write, fails):
    times = [EPOCH_S[0], EPOCH_S[2], EPOCH_S[1]]
    fails(read_ohlcv_file, write("bars.csv", csv(times)), "not strictly increasing", "row 3",
          "2024-03-01T01:00:00Z", "is earlier than row 2")  # fmt: skip


def test_duplicate_rows_name_the_first_offender(write, fails):
    times = [EPOCH_S[0], EPOCH_S[1], EPOCH_S[1]]
    fails(read_ohlcv_file, write("bars.csv", csv(times)), "row 3", "duplicates row 2")


def test_non_numeric_price(write, fails):
    rows = [ROWS[0], "105,120,abc,118,2.25", ROWS[2]]
    fails(read_ohlcv_file, write("bars.csv", csv(EPOCH_S, rows=rows)), "'low' is not numeric",
          "2024-03-01 01:00:00", "'abc'")  # fmt: skip


def test_thousands_separators_are_not_guessed(write, fails):
    rows = [ROWS[0], '"1,105",120,100,118,2.25', ROWS[2]]
    fails(read_ohlcv_file, write("bars.csv", csv(EPOCH_S, rows=rows)), "'open' is not numeric",
          "'1,105'")  # fmt: skip


@pytest.mark.parametrize(
    ("times", "fragment"),
    [
        (["2024-03-01T00:00:00Z", "yesterday", "2024-03-01T02:00:00Z"], "row 2: 'yesterday'"),
        (["2024-03-01", "2024-02-30", "2024-03-03"], "'2024-02-30'"),
        ([EPOCH_S[0], "", EPOCH_S[2]], "empty time at row 2"),
        ([EPOCH_S[0], EPOCH_S[1], "NaN"], "empty time at row 3"),
        (["2024-03-01T00:00:00Z", "NaT", "2024-03-01T02:00:00Z"], "row 2"),
    ],
)
def test_unparsable_times(write, fails, times, fragment):
    fails(read_ohlcv_file, write("bars.csv", csv(times)), "column 'time'", fragment)


def test_a_ragged_row(write, fails):
    text = csv(EPOCH_S).replace("105,1.5", "105,1.5,7")
    fails(read_ohlcv_file, write("bars.csv", text), "not a readable CSV", "line 2")


def test_one_row_needs_a_timeframe(write, fails):
    path = write("one.csv", csv(EPOCH_S[:1], rows=ROWS[:1]))
    fails(read_ohlcv_file, path, "fewer than two bars")
    assert len(read_ohlcv_file(path, "60")) == 1


def test_bad_timeframe_argument(write):
    with pytest.raises(DataError, match="not a timeframe"):
        read_ohlcv_file(write("bars.csv", csv(EPOCH_S)), "fortnight")


def test_bad_symbol_argument(write):
    with pytest.raises(DataError, match="SymbolInfo or a ticker"):
        read_ohlcv_file(write("bars.csv", csv(EPOCH_S)), symbol=42)


def test_a_successful_read_writes_nothing(write, tmp_path, state):
    path = write("bars.csv", csv(EPOCH_S))
    before = state(tmp_path)
    read_ohlcv_file(path)
    get_provider("file").load(DataRequest.make(str(path)))
    assert state(tmp_path) == before


def test_repeated_and_blank_header_names_get_unique_names(write):
    text = "time,open,high,low,close,volume,x,x (2),x,,x\n" + "\n".join(
        f"{t},{r},1,2,3,4,5" for t, r in zip(EPOCH_S, ROWS, strict=True)
    )
    dataset = read_ohlcv_file(write("bars.csv", text))
    assert dataset.reference.columns.tolist() == ["x", "x (2)", "x (3)", "Unnamed: 9", "x (4)"]


# ----------------------------------------------------------------- plain files, the quick way


def _both_ways(path: Path, monkeypatch):
    """read_frames of ``path`` as it is and with the typed reading turned off."""
    from pineopt.data.providers import file

    quick = read_frames(path)
    with monkeypatch.context() as patch:
        patch.setattr(file, "_plain_numbers_table", lambda text, delimiter: None)
        text = read_frames(path)
    return quick, text


def _plain(path: Path) -> bool:
    from pineopt.data.providers import file

    return file._plain_numbers_table(*file._decode_text(path)) is not None


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(csv([t * 1000 for t in EPOCH_S]), id="epoch-ms"),
        pytest.param(csv(["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "2024-03-01T02:00:00Z"]),
                     id="iso-text-times"),
        pytest.param(csv(EPOCH_S, "time,open,high,low,close,volume,Signal",
                         [r + f",{i}" for i, r in enumerate(ROWS)]), id="extra-int-column"),
        pytest.param(csv(EPOCH_S, "time,open,high,low,close",
                         ["100,110,90,105", "105,120,100,118", "118,119,101,102"]), id="no-volume"),
        pytest.param(csv(EPOCH_S, rows=["0.1,0.30000000000000004,0.1,2.675,1e-7",
                                        "1.0000000000000002,9007199254740993,0.5,0.5,0",
                                        "123456.789012345678,1e300,1e-300,5e-324,7"]),
                     id="hard-decimals"),
        pytest.param(csv(EPOCH_S, rows=["100, 110 ,90,105 ,1", *ROWS[1:]]), id="spaces"),
    ],
)  # fmt: skip
def test_a_plain_file_is_read_typed_with_the_same_result(tmp_path, monkeypatch, content):
    """A file of plain numbers skips the text cells and gives the very frame the text way
    gives: same values to the bit, same reference columns (float64), same details."""
    path = tmp_path / "bars.csv"
    path.write_text(content)
    assert _plain(path)
    quick, text = _both_ways(path, monkeypatch)
    pd.testing.assert_frame_equal(quick.frame, text.frame, check_exact=True)
    if text.reference is None:
        assert quick.reference is None
    else:
        pd.testing.assert_frame_equal(quick.reference, text.reference, check_exact=True)
    assert quick.details == text.details


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("date,time,open,high,low,close,volume\n2024-03-01,0,1,2,0.5,1.5,1\n"
                     "2024-03-01,100,1,2,0.5,1.5,1\n", id="date-and-clock-columns"),
        pytest.param(csv(EPOCH_S, rows=["100,110,90,,1", *ROWS[1:]]), id="an-empty-cell"),
        pytest.param(csv(EPOCH_S, rows=["100,110,90,NaN,1", *ROWS[1:]]), id="a-na-cell"),
        pytest.param(csv(EPOCH_S, "time,open,high,low,close,close"), id="a-repeated-name"),
        pytest.param(csv(EPOCH_S, 'time,"open",high,low,close,volume'), id="a-quoted-name"),
        pytest.param(csv([f"{t}.5" for t in EPOCH_S]), id="fractional-epochs"),
        pytest.param(csv(EPOCH_S).replace(",", ";"), id="semicolons"),
        pytest.param(csv(EPOCH_S, "time,open,high,low,close,volume,Note",
                         [r + ",x" for r in ROWS]), id="a-text-column"),
    ],
)  # fmt: skip
def test_anything_but_a_plain_file_is_read_as_text(tmp_path, monkeypatch, content):
    """What the typed reading cannot vouch for goes the text way, which decides (the same
    outcome, error or frame, as before the quick way existed)."""
    path = tmp_path / "bars.csv"
    path.write_text(content)
    assert not _plain(path)
    try:
        quick, text = _both_ways(path, monkeypatch)
    except DataError:
        return
    pd.testing.assert_frame_equal(quick.frame, text.frame, check_exact=True)
