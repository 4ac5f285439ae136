"""``%load_ext pineopt``: the ``%%pine``, ``%pine_convert`` and ``%pine_data`` magics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import HTML, Code
from IPython.testing.globalipapp import start_ipython

import pineopt
import pineopt.jupyter.magics as magics
from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.timeframe import Timeframe
from pineopt.errors import PineOptError
from pineopt.runtime.engine import Result
from pineopt.store import Store
from pineopt.strategy.metrics import to_json

FILES = Path(__file__).parents[1] / "data" / "files"
MA = FILES / "ma.csv"
EXAMPLES = Path(__file__).parents[2] / "examples"

INDICATOR = """//@version=6
indicator("SMA test", overlay=true)
length = input.int(10, "Length", minval=1, maxval=50)
plot(ta.sma(close, length), "SMA")
"""

STRATEGY = """//@version=6
strategy("Cross", overlay=true)
length = input.int(8, "Length", minval=2, maxval=40)
fast = ta.sma(close, length)
plot(fast, "Fast")
if ta.crossover(close, fast)
    strategy.entry("L", strategy.long)
if ta.crossunder(close, fast)
    strategy.close("L")
"""

RUNTIME_ERROR = """//@version=6
indicator("bad")
plot(ta.sma(close, 0))
"""

CONVERSION_ERROR = """//@version=6
indicator("bad")
plot(ta.sma(clos, 3))
"""


@pytest.fixture
def ip():
    start_ipython()  # once per process; later calls return None
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "pineopt")
    before = set(shell.user_ns)
    yield shell
    for name in set(shell.user_ns) - before:
        del shell.user_ns[name]


@pytest.fixture
def shown(monkeypatch):
    """Everything the magics pass to ``display``."""
    items: list = []
    monkeypatch.setattr(magics, "display", lambda *objs, **kw: items.extend(objs))
    return items


def _kinds(items) -> list[str]:
    return [type(item).__name__ for item in items]


def test_load_ext_registers_the_magics(ip):
    registered = ip.magics_manager.magics
    assert {"pine", "pine_convert"} <= set(registered["cell"])
    assert {"pine_convert", "pine_data"} <= set(registered["line"])


def test_pine_binds_the_result_and_shows_a_summary_without_chart(ip, shown):
    out = ip.run_cell_magic("pine", f"--data {MA} --as r --no-chart", INDICATOR)
    assert out is None
    result = ip.user_ns["r"]
    assert isinstance(result, Result)
    assert result.plots.columns.tolist() == ["SMA"]
    assert result.bars == 150
    assert _kinds(shown) == ["HTML"]
    assert "SMA test" in shown[0].data


def test_pine_default_variable_and_chart(ip, shown):
    ip.run_cell_magic("pine", f"--data {MA}", INDICATOR)
    assert isinstance(ip.user_ns["_pine"], Result)
    assert _kinds(shown)[0] == "BokehModel"


def test_strategy_chart_has_equity_panes_and_summary(ip, shown):
    ip.run_cell_magic("pine", f"--data {MA} --as s", STRATEGY)
    result = ip.user_ns["s"]
    assert result.trades is not None and len(result.trades)
    assert _kinds(shown) == ["BokehModel", "HTML"]
    assert "Performance summary" in shown[1].data and "net_profit" in shown[1].data


def test_input_override(ip, shown):
    ip.run_cell_magic("pine", f"--data {MA} --as r --no-chart --input Length=5", INDICATOR)
    result = ip.user_ns["r"]
    assert [spec.value for spec in result.inputs] == [5]
    close = pd.read_csv(MA)["close"]
    expected = close.rolling(5).mean().to_numpy()
    assert result.plots["SMA"].to_numpy() == pytest.approx(expected, nan_ok=True)


def test_strategy_override(ip, shown):
    ip.run_cell_magic(
        "pine", f"--data {MA} --as s --no-chart --strategy initial_capital=5000", STRATEGY
    )
    assert ip.user_ns["s"].equity["equity"].iloc[0] == pytest.approx(5000)


def test_runtime_error_is_located_on_the_cell_line(ip, shown, capsys):
    """Pine line 3 is the cell's line 4: the editor counts the ``%%pine`` line."""
    assert ip.run_cell_magic("pine", f"--data {MA} --as bad", RUNTIME_ERROR) is None
    err = capsys.readouterr().err
    assert err.startswith("<cell>:4:1: error: ta.sma: invalid length")
    assert "plot(ta.sma(close, 0))\n^^^^" in err
    assert "Traceback" not in err
    assert "bad" not in ip.user_ns
    assert shown == []


def test_runaway_loop_is_a_located_error_of_the_cell(ip, shown, capsys):
    cell = '//@version=6\nindicator("spin")\nx = 0\nwhile x >= 0\n    x += 1\nplot(x)\n'
    assert ip.run_cell_magic("pine", f"--data {MA} --as spin", cell) is None
    err = capsys.readouterr().err
    assert err.startswith("<cell>:5:1: error: Loop is too long (> 500 ms) (bar 0, ")
    assert "while x >= 0\n^^^^^^^^^^^^" in err and "Traceback" not in err
    assert "spin" not in ip.user_ns and shown == []


def test_conversion_error_shows_the_diagnostic(ip, shown, capsys):
    ip.run_cell_magic("pine", f"--data {MA} --as bad", CONVERSION_ERROR)
    err = capsys.readouterr().err
    assert err.startswith("<cell>:4:13: error: Undeclared identifier 'clos'")
    assert err.splitlines()[2] == "            ^^^^"
    assert "bad" not in ip.user_ns


def test_bad_data_and_usage_are_one_message(ip, shown, capsys):
    ip.run_cell_magic("pine", "--data NOPE_1h --as bad", INDICATOR)
    err = capsys.readouterr().err
    assert "<cell>: error: no bars for NOPE_1h: " in err and "no bundled sample 'NOPE'" in err
    ip.run_cell_magic("pine", "--as bad", INDICATOR)
    assert "no data" in capsys.readouterr().err
    ip.run_cell_magic("pine", f"--data {MA} --bogus", INDICATOR)
    err = capsys.readouterr().err
    assert "unrecognized arguments: --bogus" in err and "Traceback" not in err
    ip.run_cell_magic("pine", f"--data {MA} --input Length=500 --as bad", INDICATOR)
    assert "error" in capsys.readouterr().err
    assert "bad" not in ip.user_ns


def test_data_from_a_variable_and_a_sample(ip, shown):
    frame = pd.read_csv(MA)
    frame.index = pd.to_datetime(frame.pop("time"), unit="s", utc=True)
    ip.user_ns["bars"] = frame[["open", "high", "low", "close", "Volume"]]
    ip.run_cell_magic("pine", "--data bars --as r", INDICATOR)
    assert ip.user_ns["r"].bars == 150
    assert _kinds(shown)[0] == "BokehModel"
    ip.run_cell_magic(
        "pine", "--data BTCUSDT_1D --start 2024-01-01 --end 2024-01-31 --as b --no-chart", INDICATOR
    )
    result = ip.user_ns["b"]
    assert result.bars == 31
    assert str(result.plots.index[0].date()) == "2024-01-01"
    ip.run_cell_magic(
        "pine", "--symbol ETH/USDT --timeframe 1d --provider sample --as e --no-chart", INDICATOR
    )
    assert ip.user_ns["e"].bars > 100


def test_interactive_builds_widgets_and_reruns(ip, shown):
    ip.run_cell_magic("pine", f"--data {MA} --as r --interactive", INDICATOR)
    kinds = _kinds(shown)
    assert kinds[0] == "BokehModel"  # the first run, drawn into the Output
    box = shown[-1]
    assert type(box).__name__ == "VBox"
    controls = box.children[0].children
    assert [type(c).__name__ for c in controls] == ["IntSlider"]
    slider = controls[0]
    assert (slider.min, slider.max, slider.value, slider.continuous_update) == (1, 50, 10, False)
    first = ip.user_ns["r"]
    slider.value = 3
    rerun = ip.user_ns["r"]
    assert rerun is not first
    assert rerun.inputs[0].value == 3
    assert _kinds(shown).count("BokehModel") == 2


def test_pine_convert_cell_and_line(ip, shown, tmp_path, capsys):
    ip.run_cell_magic("pine_convert", "--as conv", INDICATOR)
    assert isinstance(shown[0], Code)
    assert "def script" in shown[0].data
    assert ip.user_ns["conv"].ok
    path = tmp_path / "sma.pine"
    path.write_text(INDICATOR)
    ip.run_line_magic("pine_convert", str(path))
    assert isinstance(shown[1], Code) and "def script" in shown[1].data
    ip.run_cell_magic("pine_convert", "", CONVERSION_ERROR)
    assert "<cell>:4:13: error: Undeclared identifier" in capsys.readouterr().err
    ip.run_line_magic("pine_convert", str(tmp_path / "missing.pine"))
    assert "cannot read" in capsys.readouterr().err
    assert len(shown) == 2


def test_pine_data_lists_and_loads(ip, shown, capsys):
    ip.run_line_magic("pine_data", "")
    table = shown[0]
    assert isinstance(table, pd.DataFrame)
    assert {"BTCUSDT_1h", "SOLUSDT_1D"} <= set(table["name"])
    ip.run_line_magic("pine_data", "BTCUSDT 1D --as btc")
    dataset = ip.user_ns["btc"]
    assert len(dataset.frame) > 100
    assert isinstance(shown[1], HTML) and "BTCUSDT" in shown[1].data
    ip.run_line_magic("pine_data", "NOPE 1D")
    err = capsys.readouterr().err
    assert err.startswith("%pine_data: error: no bars for NOPE 1D: ") and "no bundled sample" in err
    ip.run_line_magic("pine_data", "SOLUSDT_1h --as sol")
    assert str(ip.user_ns["sol"].timeframe) == "60"


def test_pine_data_names_are_those_of_the_cli(ip, shown):
    """``%%pine --data BTCUSDT_1D`` runs on the bars ``pineopt run --data BTCUSDT_1D`` reads."""
    script = EXAMPLES / "sma_cross_strategy.pine"
    ip.run_cell_magic("pine", "--data BTCUSDT_1D --as r --no-chart", script.read_text())
    result = ip.user_ns["r"]
    expected = pineopt.run(script, "BTCUSDT_1D")
    assert result.data_fingerprint == expected.data_fingerprint
    assert result.bars == 3064 and result.chart.symbol.tickerid == "BINANCE:BTCUSDT"
    assert to_json(result.metrics) == to_json(expected.metrics)


def test_pine_data_reads_a_cached_series(ip, shown, tmp_path, monkeypatch):
    bars = pineopt.load("ETHUSDT", "1D", start="2024-01-01", end="2024-06-30").frame
    cache = ParquetCache(tmp_path)
    cache.store(CacheKey("ccxt", "kraken", "ETH/USD", Timeframe.parse("1D")), bars)
    monkeypatch.setenv("PINEOPT_DATA_DIR", str(tmp_path))
    ip.run_cell_magic("pine", "--data kraken:ETH/USD_1D --as r --no-chart", INDICATOR)
    assert ip.user_ns["r"].bars == len(bars) == 182


def test_import_pineopt_does_not_import_ipython():
    code = "import sys, pineopt; print('IPython' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_format_error_names_the_line_offset_lines_further_down():
    """A runtime error at Pine line 2 of a ``%%pine`` cell is on the cell's line 3, with
    carets under the text of Pine line 2."""
    exc = PineOptError("line 2: boom")
    exc.pine_line = 2
    source = "//@version=6\n\tplot(x) \n"
    assert (
        magics.format_error(exc, source, offset=1)
        == "<cell>:3:2: error: boom\n\tplot(x) \n\t^^^^^^^"
    )
    assert magics.format_error(exc, source).startswith("<cell>:2:2: error: boom")
    exc.pine_line = 9  # past the source: the line alone
    assert magics.format_error(exc, source, offset=1) == "<cell>:10:1: error: boom"


def test_a_cells_warnings_name_the_cells_line(ip, shown):
    cell = '//@version=6\nindicator("w")\nopen = 1.0\nplot(open)\n'
    ip.run_cell_magic("pine", f"--data {MA} --as w --no-chart", cell)
    assert ip.run_cell_magic("pine_convert", "", cell) is None
    warnings = [s.data for s in shown if isinstance(s, HTML) and "Warnings" in s.data]
    assert warnings and all("&lt;cell&gt;:4:1: warning: Shadowing" in w for w in warnings)


def test_format_error_of_an_unexpected_exception():
    text = magics.format_error(KeyError("x"), "a\nb", "<cell>")
    assert text == "<cell>: error: internal error, please report it (KeyError: 'x')"


# --------------------------------------------------------------------------- --save


SAVED = "saved: backtest {id} of strategy {name!r} in sqlite:///{db}\n"


def test_save_records_the_cells_run(ip, shown, capsys, tmp_path):
    db = tmp_path / "pineopt.db"
    ip.run_cell_magic(
        "pine",
        f"--data {MA} --as s --no-chart --strategy initial_capital=5000 --save 'Cross cell' "
        f"--database {db}",
        STRATEGY,
    )
    assert capsys.readouterr().out == SAVED.format(id=1, name="Cross cell", db=db)
    result = ip.user_ns["s"]
    assert _kinds(shown) == ["HTML"]  # shown as without --save
    with Store(db) as store:
        row = store.backtests().iloc[0]
        assert (row["id"], row["strategy"], row["symbol"], row["provider"]) == (
            1,
            "Cross cell",
            "MA",
            "file",
        )
        assert to_json(store.stats(1)) == to_json(result.metrics)
        assert len(store.trades(1)) == len(result.trades)
        record = store.backtest(1)
        assert record["settings"] == {"initial_capital": 5000}
        assert record["inputs"] == {"Length": 8}
        assert record["data"]["cache_path"] == str(MA.resolve())
        assert store.strategy("Cross cell")["source"] == STRATEGY


def test_save_defaults_to_the_title_and_the_default_database(
    ip, shown, capsys, tmp_path, monkeypatch
):
    db = tmp_path / "default.db"
    monkeypatch.setenv("PINEOPT_DATABASE_URL", f"sqlite:///{db}")
    for length in (5, 9):
        ip.run_cell_magic("pine", f"--data {MA} --no-chart -i Length={length} --save", STRATEGY)
    out = capsys.readouterr().out
    assert out == SAVED.format(id=1, name="Cross", db=db) + SAVED.format(id=2, name="Cross", db=db)
    with Store(db) as store:
        assert store.strategies()["name"].tolist() == ["Cross"]
        assert [store.backtest(i)["inputs"]["Length"] for i in (1, 2)] == [5, 9]


def test_save_refuses_an_indicator_and_survives_a_bad_database(ip, shown, capsys, tmp_path):
    db = tmp_path / "pineopt.db"
    ip.run_cell_magic("pine", f"--data {MA} --as r --save --database {db}", INDICATOR)
    err = capsys.readouterr().err
    assert "%%pine: error: --save needs a strategy() script; the cell declares indicator()" in err
    assert "r" not in ip.user_ns and shown == [] and not db.exists()

    ip.run_cell_magic("pine", f"--data {MA} --as r --database {db}", STRATEGY)
    assert "--database needs --save" in capsys.readouterr().err
    assert "r" not in ip.user_ns

    ip.run_cell_magic(
        "pine", f"--data {MA} --as s --no-chart --save --database mysql://x/y", STRATEGY
    )
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("%%pine: error: the run was not saved: ")
    assert "Traceback" not in err
    assert ip.user_ns["s"].trades is not None and _kinds(shown) == ["HTML"]
