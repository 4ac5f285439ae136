"""``pineopt.convert`` and ``pineopt.run``: scripts as text, paths or conversions; data as frames,
datasets or files; inputs, start/end, symbol overrides and errors."""

import math

import numpy as np
import pandas as pd
import pytest

import pineopt
from pineopt import api
from pineopt.errors import DataError, PineOptError, PineRuntimeError
from pineopt.runtime.inputs import InputError

SMA = '//@version=6\nindicator("sma")\nplot(ta.sma(close, 3), "SMA")\n'
INPUTS = (
    "//@version=6\n"
    'indicator("inputs")\n'
    'length = input.int(3, "Length", minval=1)\n'
    'show = input.bool(true, "Show")\n'
    'plot(ta.sma(close, length), "SMA")\n'
    'plot(show ? close : na, "Shown")\n'
)
BAD = '//@version=6\nindicator("bad")\nx = close +* 2\n'
SYMBOL = (
    "//@version=6\n"
    'indicator("sym")\n'
    'plot(syminfo.mintick, "mintick")\n'
    'plot(syminfo.pointvalue, "pointvalue")\n'
    'plot(hour, "hour")\n'
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    api.clear_cache()
    yield
    api.clear_cache()


def test_public_names():
    assert pineopt.convert is api.convert and pineopt.run is api.run
    from pineopt.runtime.engine import Result

    assert pineopt.Result is Result


def test_convert_text_and_path(tmp_path):
    from_text = pineopt.convert(SMA)
    assert from_text.ok and "def script(ctx)" in from_text.code
    path = tmp_path / "sma.pine"
    path.write_text(SMA)
    for source in (path, str(path)):
        conversion = pineopt.convert(source)
        assert conversion.ok and conversion.filename == str(path)
        assert conversion.code == from_text.code


def test_convert_reports_errors_with_locations(tmp_path):
    path = tmp_path / "bad.pine"
    path.write_text(BAD)
    conversion = pineopt.convert(path)
    assert not conversion.ok
    assert conversion.errors[0].span.line == 3
    assert f"{path}:3:" in conversion.format_diagnostics()


def test_convert_missing_path_is_an_error(tmp_path):
    with pytest.raises(PineOptError, match="cannot read"):
        pineopt.convert(str(tmp_path / "missing.pine"))


def test_run_on_a_frame(make_bars):
    bars = make_bars(periods=6)
    result = pineopt.run(SMA, bars)
    assert isinstance(result, pineopt.Result)
    assert result.plots.index.equals(bars.index)
    values = result.plots["SMA"].to_numpy()
    assert np.isnan(values[:2]).all()
    assert values[2:].tolist() == [101.0, 102.0, 103.0, 104.0]


def test_run_script_as_path_and_conversion(tmp_path, make_bars):
    bars = make_bars(periods=5)
    path = tmp_path / "sma.pine"
    path.write_text(SMA)
    expected = pineopt.run(SMA, bars).plots
    pd.testing.assert_frame_equal(pineopt.run(path, bars).plots, expected)
    pd.testing.assert_frame_equal(pineopt.run(str(path), bars).plots, expected)
    pd.testing.assert_frame_equal(pineopt.run(pineopt.convert(SMA), bars).plots, expected)


def test_modules_are_cached_by_source(make_bars, monkeypatch):
    bars = make_bars(periods=5)
    pineopt.run(SMA, bars)
    import pineopt.compiler as compiler

    def refuse(*args, **kwargs):
        raise AssertionError("converted twice")

    monkeypatch.setattr(compiler, "convert", refuse)
    monkeypatch.setattr(compiler, "load", refuse)
    assert pineopt.run(SMA, bars).bars == 5


def test_run_on_a_dataset_and_a_file(files):
    dataset = pineopt.load(str(files / "ma.csv"), provider="file")
    from_dataset = pineopt.run(SMA, dataset)
    from_path = pineopt.run(SMA, files / "ma.csv")
    from_str = pineopt.run(SMA, str(files / "ma.csv"))
    assert from_dataset.bars == 150
    pd.testing.assert_frame_equal(from_path.plots, from_dataset.plots)
    pd.testing.assert_frame_equal(from_str.plots, from_dataset.plots)
    reference = pd.read_csv(files / "ma.csv")["ta.sma(close, 10)"]
    ten = pineopt.run(SMA.replace("3)", "10)"), dataset).plots["SMA"].to_numpy()
    np.testing.assert_allclose(ten, reference.to_numpy(), rtol=1e-9)


def test_run_on_a_frame_with_a_time_column(make_bars):
    bars = make_bars(periods=4)
    table = bars.reset_index().rename(columns={"time": "Date", "close": "Close"})
    result = pineopt.run(SMA, table)
    assert result.plots.index.equals(bars.index)


def test_inputs_by_title_and_by_variable_name(make_bars):
    bars = make_bars(periods=6)
    default = pineopt.run(INPUTS, bars)
    assert default.plots["SMA"].isna().sum() == 2
    by_title = pineopt.run(INPUTS, bars, inputs={"Length": 2, "Show": "false"})
    by_name = pineopt.run(INPUTS, bars, inputs={"length": "2", "show": False})
    for result in (by_title, by_name):
        assert result.plots["SMA"].isna().sum() == 1
        assert result.plots["Shown"].isna().all()
    assert {spec.title: spec.value for spec in by_title.inputs} == {"Length": 2, "Show": False}


def test_bad_inputs_raise_input_error_listing_the_inputs(make_bars):
    bars = make_bars(periods=6)
    with pytest.raises(InputError, match=r"no input named 'Nope'.*Length / length"):
        pineopt.run(INPUTS, bars, inputs={"Nope": 1})
    with pytest.raises(InputError, match=r"not a valid int.*Show / show"):
        pineopt.run(INPUTS, bars, inputs={"Length": "abc"})
    with pytest.raises(InputError, match="below its minval"):
        pineopt.run(INPUTS, bars, inputs={"Length": 0})
    assert issubclass(InputError, PineOptError)


def test_start_and_end_select_the_bars_run(make_bars):
    bars = make_bars(periods=10)
    result = pineopt.run(SMA, bars, start="2024-01-01T03:00:00Z", end="2024-01-01 06:00")
    assert result.plots.index[0] == pd.Timestamp("2024-01-01T03:00:00Z")
    assert result.plots.index[-1] == pd.Timestamp("2024-01-01T06:00:00Z")
    # the first bar executed is the start: the average warms up again from there
    assert result.plots["SMA"].isna().sum() == 2
    with pytest.raises(DataError, match="no bars"):
        pineopt.run(SMA, bars, start="2030-01-01")
    with pytest.raises(DataError, match="bad start"):
        pineopt.run(SMA, bars, start="not a time")


def test_symbol_overrides(make_bars):
    bars = make_bars(periods=3)
    plain = pineopt.run(SYMBOL, bars)
    assert plain.plots["mintick"].iloc[0] == 0.01
    assert plain.plots["hour"].tolist() == [0.0, 1.0, 2.0]
    result = pineopt.run(
        SYMBOL, bars, symbol="NYSE:ABC", timezone="Asia/Tokyo", mintick=0.25, pointvalue=50
    )
    assert result.plots["mintick"].iloc[0] == 0.25
    assert result.plots["pointvalue"].iloc[0] == 50
    assert result.plots["hour"].tolist() == [9.0, 10.0, 11.0]
    with pytest.raises(DataError, match="timezone"):
        pineopt.run(SYMBOL, bars, timezone="Nowhere/Land")


def test_timeframe_is_inferred_or_given(make_bars):
    script = '//@version=6\nindicator("tf")\nplot(timeframe.in_seconds(timeframe.period), "s")\n'
    bars = make_bars(periods=4, freq="15min")
    assert pineopt.run(script, bars).plots["s"].iloc[0] == 900
    assert pineopt.run(script, bars, timeframe="60").plots["s"].iloc[0] == 3600


def test_conversion_errors_raise_with_located_diagnostics(make_bars):
    with pytest.raises(api.ConversionError) as caught:
        pineopt.run(BAD, make_bars())
    error = caught.value
    assert isinstance(error, PineOptError)
    assert "<input>:3:" in str(error) and "error:" in str(error)
    assert error.diagnostics[0].span.line == 3


def test_runtime_errors_name_the_pine_line(make_bars):
    script = (
        '//@version=6\nindicator("oops")\na = array.new_float(0)\nx = array.get(a, 5)\nplot(x)\n'
    )
    with pytest.raises(PineRuntimeError, match="line 4") as caught:
        pineopt.run(script, make_bars())
    assert caught.value.pine_line == 4


def test_bad_data_is_a_data_error():
    with pytest.raises(DataError):
        pineopt.run(SMA, 42)
    with pytest.raises(DataError):
        pineopt.run(SMA, pd.DataFrame({"close": [1.0]}))


def test_unsorted_file_names_the_first_bad_row(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(
        "time,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,1,2,0,1,1\n"
        "2024-01-01T02:00:00Z,1,2,0,1,1\n"
        "2024-01-01T01:00:00Z,1,2,0,1,1\n"
    )
    with pytest.raises(DataError, match="row 3"):
        pineopt.run(SMA, path)


def test_htf_data_is_accepted(make_bars):
    bars = make_bars(periods=48)
    daily = make_bars(periods=2, freq="D")
    result = pineopt.run(SMA, bars, htf_data={"1D": daily})
    assert result.bars == 48 and not math.isnan(result.plots["SMA"].iloc[-1])
