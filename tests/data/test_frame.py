import numpy as np
import pandas as pd
import pytest

from pineopt.data.frame import (
    OHLCV_COLUMNS,
    check_contract,
    infer_timeframe,
    parse_times,
    to_ohlcv,
    validate,
)
from pineopt.data.symbol import SymbolInfo
from pineopt.errors import DataError


def bars(times, rows=None, tz="UTC"):
    """A frame at ``times`` with sane prices unless ``rows`` (o, h, l, c, v tuples) are given."""
    index = (
        pd.DatetimeIndex(pd.to_datetime(times)).tz_localize(tz) if tz else pd.DatetimeIndex(times)
    )
    rows = rows or [(10.0, 11.0, 9.0, 10.5, 100.0)] * len(index)
    return pd.DataFrame(rows, index=index, columns=list(OHLCV_COLUMNS))


@pytest.mark.parametrize(
    "values",
    [
        [1704067200, 1704070800],
        [1704067200000, 1704070800000],
        [1704067200000000, 1704070800000000],
        [1704067200000000000, 1704070800000000000],
        ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"],
        ["2024-01-01 00:00:00", "2024-01-01 01:00"],
        ["2023-12-31T19:00:00-05:00", "2023-12-31T20:00:00-05:00"],
        ["1704067200", "1704070800"],
    ],
)
def test_time_formats(values):
    times = parse_times(values)
    assert list(times) == [pd.Timestamp("2024-01-01T00:00Z"), pd.Timestamp("2024-01-01T01:00Z")]
    assert str(times.tz) == "UTC"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["2024-01-01", "yesterday"], "row 2"),
        (["2024-01-01", None], "empty time"),
        ([True, False], "booleans"),
    ],
)
def test_bad_times(values, message):
    with pytest.raises(DataError, match=message):
        parse_times(values)


def test_to_ohlcv_builds_the_contract():
    raw = bars(["2024-01-01", "2024-01-02"], tz=None)
    raw.columns = ["Open", "HIGH", "low", "Close", "Volume"]
    raw["extra"] = ["a", "b"]
    frame = to_ohlcv(raw.astype({"Volume": "int64"}))
    check_contract(frame)
    assert list(frame.columns) == list(OHLCV_COLUMNS)
    assert all(frame.dtypes == np.float64)
    assert str(frame.index.tz) == "UTC"


def test_to_ohlcv_names_missing_columns():
    raw = bars(["2024-01-01"]).drop(columns=["volume", "low"])
    with pytest.raises(DataError, match=r"missing column.*low, volume"):
        to_ohlcv(raw)


def test_to_ohlcv_names_non_numeric_values():
    raw = bars(["2024-01-01", "2024-01-02"]).astype({"close": object})
    raw.iloc[1, 3] = "n/a"
    with pytest.raises(DataError, match=r"'close' is not numeric.*'n/a'"):
        to_ohlcv(raw)


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (
            ["2024-01-01", "2024-01-03", "2024-01-02"],
            r"row 3 \(2024-01-02T00:00:00Z\) is earlier than row 2",
        ),
        (
            ["2024-01-01", "2024-01-02", "2024-01-02"],
            r"row 3 \(2024-01-02T00:00:00Z\) duplicates row 2",
        ),
    ],
)
def test_unsorted_or_duplicate_rows_are_refused_not_fixed(times, message):
    with pytest.raises(DataError, match=message):
        to_ohlcv(bars(times))


def test_check_contract_refuses_other_shapes():
    good = to_ohlcv(bars(["2024-01-01"]))
    with pytest.raises(DataError, match=r"float64"):
        check_contract(good.astype({"volume": "int64"}))
    with pytest.raises(DataError, match=r"UTC"):
        check_contract(good.tz_convert("Europe/Berlin"))
    with pytest.raises(DataError, match=r"columns"):
        check_contract(good[["close", "open", "high", "low", "volume"]])


def test_infer_timeframe():
    assert (
        str(infer_timeframe(pd.date_range("2024-01-01", periods=10, freq="4h", tz="UTC"))) == "240"
    )
    business = pd.bdate_range("2024-01-01", periods=30, tz="UTC")
    assert str(infer_timeframe(business)) == "1D"
    monthly = pd.date_range("2020-01-01", periods=12, freq="MS", tz="UTC")
    assert str(infer_timeframe(monthly)) == "1M"
    with pytest.raises(DataError, match=r"fewer than two"):
        infer_timeframe(monthly[:1])


def test_validate_reports_every_problem_without_changing_the_frame():
    rows = [
        (10, 11, 9, 10, 5),  # 00:00 fine
        (10, 9, 9.5, 10, 5),  # 01:00 high < low, high < max(o, c)
        (10, 12, 10.5, 11, 5),  # 02:00 low > min(o, c)
        (-1, 1, -2, 0.5, 5),  # 03:00 non-positive
        (10, 10, 10, 10, 0),  # 04:00 placeholder
        (10, 11, 9, np.nan, 5),  # 05:00 NaN close
        (10, 11, 9, 10, 0),  # 08:00 zero volume, not flat (06:00 and 07:00 missing)
        (10, 11, 9, 10, 5),  # 08:00 duplicate
        (10, 11, 9, 10, 5),  # 07:30 out of order
    ]
    times = [
        "2024-01-01 00:00",
        "01:00",
        "02:00",
        "03:00",
        "04:00",
        "05:00",
        "08:00",
        "08:00",
        "07:30",
    ]
    times = [t if " " in t else f"2024-01-01 {t}" for t in times]
    frame = bars(times, [tuple(map(float, r)) for r in rows])
    before = frame.copy()
    report = validate(frame, "60")
    pd.testing.assert_frame_equal(frame, before)
    t = lambda s: pd.Timestamp(f"2024-01-01 {s}", tz="UTC")  # noqa: E731
    assert report.duplicates == [t("08:00")]
    assert report.unsorted == [t("07:30")]
    assert report.ohlc_inconsistent == [
        (t("01:00"), "high < low"),
        (t("02:00"), "low > min(open, close)"),
    ]
    assert report.non_positive == [t("03:00")]
    assert report.nans == {"close": [t("05:00")]}
    assert report.placeholders == [t("04:00")]
    assert report.zero_volume == [t("08:00")]
    assert report.gaps == [(t("06:00"), t("07:00"), 2)]
    assert not report.ok and report.errors == 6
    text = report.summary()
    assert "duplicate times: 1" in text and "gaps: 1" in text and "6 error(s)" in text
    assert report.to_dict()["gaps"] == [
        {"from": "2024-01-01T06:00:00Z", "to": "2024-01-01T07:00:00Z", "missing_bars": 2}
    ]


def test_validate_knows_weekends_and_sessions_of_a_stock():
    days = pd.bdate_range("2024-01-01", "2024-01-31").drop(pd.Timestamp("2024-01-15"))
    frame = bars(days + pd.Timedelta(hours=14, minutes=30))
    stock = SymbolInfo("SPY", type="fund", timezone="America/New_York", session="0930-1600:23456")
    report = validate(frame, "1D", stock)
    assert report.ok
    assert report.gaps == [(pd.Timestamp("2024-01-15 14:30", tz="UTC"),) * 2 + (1,)]


def test_validate_all_zero_volume_is_one_note():
    frame = bars(pd.date_range("2024-01-01", periods=3, freq="h"), [(1.0, 1.0, 1.0, 1.0, 0.0)] * 3)
    report = validate(frame, "60")
    assert report.volume_all_zero and report.placeholders == [] and report.ok


def test_validate_empty_frame():
    assert validate(bars([])).rows == 0
