"""A converted module run stand-alone (``python OUT.py --data FILE``) and the plots CSV layout."""

import csv
import io
import subprocess
import sys

import pandas as pd
import pytest

from pineopt.compiler import convert
from pineopt.runtime.engine import Result
from pineopt.runtime.outputs import Outputs
from pineopt.runtime.standalone import plot_columns, plots_csv, run_standalone

SCRIPT = (
    "//@version=6\n"
    'indicator("standalone")\n'
    'length = input.int(2, "Length", minval=1)\n'
    'plot(ta.sma(close, length), "MA")\n'
    'plotshape(close > open, "up")\n'
)
DATA = (
    "time,open,high,low,close,volume\n"
    "2025-03-31T05:15:00Z,10,11,9,10.5,1\n"
    "2025-03-31T06:15:00Z,10.5,11,9,10,1\n"
    "2025-03-31T07:15:00Z,10,12,9,11,1\n"
)


@pytest.fixture
def generated(tmp_path):
    conversion = convert(SCRIPT, "standalone.pine")
    assert conversion.ok, conversion.format_diagnostics()
    module = tmp_path / "generated.py"
    module.write_text(conversion.code)
    data = tmp_path / "bars.csv"
    data.write_text(DATA)
    return module, data


def python(*argv, cwd):
    return subprocess.run(
        [sys.executable, *map(str, argv)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_writes_the_plots_csv(generated, tmp_path):
    module, data = generated
    out = tmp_path / "out.csv"
    done = python(module, "--data", data, "--plots", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert out.read_text() == (
        "time,MA,up\n"
        "2025-03-31T05:15:00Z,,1\n"
        "2025-03-31T06:15:00Z,10.25,0\n"
        "2025-03-31T07:15:00Z,10.5,1\n"
    )


def test_prints_a_summary_and_the_last_rows(generated, tmp_path):
    module, data = generated
    done = python(module, "--data", data, "--input", "length=3", "--symbol", "X:ABC", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "standalone: X:ABC 60, 3 bars" in done.stdout
    assert "2025-03-31T07:15:00Z" in done.stdout and "10.5" in done.stdout


def test_exit_codes(generated, tmp_path):
    module, data = generated
    assert python(module, cwd=tmp_path).returncode == 2  # no --data
    bad_input = python(module, "--data", data, "--input", "Nope=1", cwd=tmp_path)
    assert bad_input.returncode == 2 and "no input named 'Nope'" in bad_input.stderr
    missing = python(module, "--data", tmp_path / "none.csv", cwd=tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_runtime_error_names_the_pine_line(tmp_path):
    source = '//@version=6\nindicator("o")\na = array.new_float(0)\nplot(array.get(a, 5))\n'
    module = tmp_path / "oops.py"
    module.write_text(convert(source, "oops.pine").code)
    data = tmp_path / "bars.csv"
    data.write_text(DATA)
    done = python(module, "--data", data, cwd=tmp_path)
    assert done.returncode == 1
    assert "line 4" in done.stderr and "Traceback" not in done.stderr


def test_run_standalone_in_process(tmp_path, capsys):
    conversion = convert(SCRIPT, "standalone.pine")
    namespace: dict = {}
    exec(compile(conversion.code, str(tmp_path / "m.py"), "exec"), namespace)
    data = tmp_path / "bars.csv"
    data.write_text(DATA)
    out = tmp_path / "o.csv"
    argv = ["--data", str(data), "--plots", str(out), "--input", "Length=1"]
    assert run_standalone(namespace["DECLARATION"], namespace["script"], argv) == 0
    assert out.read_text().splitlines()[1] == "2025-03-31T05:15:00Z,10.5,1"


def _result(outputs: Outputs, index: pd.DatetimeIndex) -> Result:
    return Result(plots=outputs.frame(index), outputs=outputs)


def test_column_names_follow_the_contract():
    index = pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")
    outputs = Outputs(3)
    outputs.plot(title="A").set_all([1.0, None, float("nan")])
    outputs.plot().set_all(2.5)
    outputs.plot(title="A").set_all([True, False, True])
    outputs.plotcandle(title="C").set_all(1.0, 2.0, 0.5, 1.5)
    outputs.plot(title="time").set_all(0.1)
    outputs.plot(title="A", offset=1).set_all([1.0, 2.0, 3.0])
    names = [name for name, _ in plot_columns(_result(outputs, index))]
    assert names == [
        "A",
        "Plot",
        "A (2)",
        "C.open",
        "C.high",
        "C.low",
        "C.close",
        "time (2)",
        "A (3)",
    ]
    rows = list(csv.reader(io.StringIO(plots_csv(_result(outputs, index)))))
    assert rows[0] == ["time", *names]
    assert rows[1] == [
        "2025-01-01T00:00:00Z",
        "1.0",
        "2.5",
        "1",
        "1.0",
        "2.0",
        "0.5",
        "1.5",
        "0.1",
        "",
    ]
    assert rows[2] == [
        "2025-01-01T01:00:00Z",
        "",
        "2.5",
        "0",
        "1.0",
        "2.0",
        "0.5",
        "1.5",
        "0.1",
        "1.0",
    ]
    assert rows[3][1] == "" and rows[3][-1] == "2.0"


def test_numbers_keep_full_precision():
    index = pd.date_range("2025-01-01", periods=1, freq="h", tz="UTC")
    outputs = Outputs(1)
    outputs.plot(title="x").set_all(0.1 + 0.2)
    assert (
        plots_csv(_result(outputs, index)).splitlines()[1]
        == "2025-01-01T00:00:00Z,0.30000000000000004"
    )
