"""Strategies in the store: save (Pine converted, Python recorded), find, list, change,
validate, delete."""

from __future__ import annotations

import pandas as pd
import pytest
from store_samples import INVALID_PINE, PYTHON_STRATEGY, SMA_CROSS

from pineopt.compiler import convert
from pineopt.store import InvalidScript, NotFound, StoreError

SMA_PARAMETERS = [
    {
        "name": "fastLength",
        "title": "Fast length",
        "kind": "int",
        "default": 50,
        "options": None,
        "minval": 1,
        "maxval": None,
        "step": None,
        "group": None,
    },
    {
        "name": "slowLength",
        "title": "Slow length",
        "kind": "int",
        "default": 200,
        "options": None,
        "minval": 2,
        "maxval": None,
        "step": None,
        "group": None,
    },
    {
        "name": "useStop",
        "title": "ATR stop",
        "kind": "bool",
        "default": True,
        "options": None,
        "minval": None,
        "maxval": None,
        "step": None,
        "group": None,
    },
    {
        "name": "atrMult",
        "title": "ATR multiple",
        "kind": "float",
        "default": 3.0,
        "options": None,
        "minval": 0.1,
        "maxval": None,
        "step": 0.1,
        "group": None,
    },
]


def test_save_a_pine_strategy(store, sma_source):
    strategy_id = store.save_strategy(
        SMA_CROSS, description="crossover", author="me", tags=["trend", "sma", "trend"]
    )
    saved = store.strategy(strategy_id)
    assert saved["name"] == "SMA cross"  # the declaration's title
    assert saved["language"] == "pine" and saved["source"] == sma_source
    assert (saved["description"], saved["author"]) == ("crossover", "me")
    assert saved["tags"] == ["sma", "trend"]
    assert saved["parameters"] == SMA_PARAMETERS
    assert saved["dependencies"] == []
    assert saved["validation_status"] == "valid"
    validation = saved["validation"]
    assert validation["status"] == "valid" and validation["diagnostics"] == []
    assert validation["features"]["builtins"]["ta.sma"] == 2
    assert validation["declaration"]["title"] == "SMA cross"
    assert saved["created_at"].tz is not None and saved["updated_at"] >= saved["created_at"]
    assert store.strategy("SMA cross")["id"] == strategy_id
    tables = store.info()["tables"]
    assert tables["conversions"] == tables["strategy_validations"] == 1
    assert tables["strategy_parameters"] == 4


def test_a_taken_name_is_refused_unless_replacing(store, sma_source):
    first = store.save_strategy(sma_source, tags=["a"])
    with pytest.raises(StoreError, match=r"strategy named 'SMA cross' already exists \(id 1\)"):
        store.save_strategy(sma_source)
    changed = sma_source.replace("input.int(50,", "input.int(30,")
    assert store.save_strategy(changed, replace=True) == first
    saved = store.strategy(first)
    assert saved["parameters"][0]["default"] == 30
    assert saved["tags"] == ["a"]  # kept: not given
    assert store.save_strategy(sma_source, name="Another") != first
    assert store.count_strategies() == 2


def test_invalid_pine_is_refused_with_located_diagnostics(store):
    with pytest.raises(InvalidScript) as error:
        store.save_strategy(INVALID_PINE, name="broken")
    diagnostics = error.value.diagnostics
    assert diagnostics and diagnostics[0]["severity"] == "error"
    assert diagnostics[0]["line"] in (3, 4) and diagnostics[0]["col"] >= 1
    assert set(diagnostics[0]) == {"line", "col", "end_line", "end_col", "severity", "message"}
    assert f"<input>:{diagnostics[0]['line']}:{diagnostics[0]['col']}: error:" in str(error.value)
    assert store.count_strategies() == 0 and store.info()["tables"]["conversions"] == 0


def test_invalid_pine_from_a_file_names_the_file(store, tmp_path):
    path = tmp_path / "broken.pine"
    path.write_text(INVALID_PINE)
    with pytest.raises(InvalidScript, match=rf"{path}:\d+:\d+: error:"):
        store.save_strategy(path)


def test_save_a_python_strategy(store):
    strategy_id = store.save_strategy(PYTHON_STRATEGY, author="quant")
    saved = store.strategy(strategy_id)
    assert saved["language"] == "python" and saved["name"] == "Hand made"
    assert saved["validation_status"] == "unknown" and saved["parameters"] == []
    assert saved["dependencies"] == ["pineopt.runtime"]
    checked = store.save_strategy(
        PYTHON_STRATEGY,
        name="Checked",
        validation={
            "status": "valid",
            "parameters": [{"name": "length", "title": "Length", "kind": "int", "default": 10}],
        },
    )
    assert store.strategy(checked)["validation_status"] == "valid"
    assert store.strategy(checked)["parameters"][0]["title"] == "Length"
    assert store.info()["tables"]["conversions"] == 0  # nothing was converted


def test_python_that_is_not_a_strategy_module(store):
    with pytest.raises(InvalidScript, match=r"<input>:2:7: error: invalid syntax"):
        store.save_strategy("x = 1\ndef f(:\n", language="python")
    with pytest.raises(InvalidScript, match="needs a top-level DECLARATION"):
        store.save_strategy("x = 1\n", language="python")
    with pytest.raises(StoreError, match="validation= is only for Python"):
        store.save_strategy(SMA_CROSS, validation={"status": "valid"})
    with pytest.raises(StoreError, match="unknown language 'ruby'"):
        store.save_strategy("x", language="ruby")


def test_a_script_without_title_needs_a_name(store):
    with pytest.raises(StoreError, match=r"needs a name: its declaration has no title, pass name="):
        store.save_strategy(PYTHON_STRATEGY.replace("'title': 'Hand made', ", ""))


def test_list_and_count_with_filters(store, sma_source):
    store.save_strategy(sma_source, tags=["trend"], author="Ann")
    store.save_strategy(sma_source, name="another cross", description="Trend following")
    store.save_strategy(PYTHON_STRATEGY, tags=["trend", "manual"])
    listing = store.strategies()
    assert listing.columns.tolist() == [
        "id",
        "name",
        "language",
        "description",
        "author",
        "tags",
        "validation_status",
        "backtests",
        "created_at",
        "updated_at",
    ]
    assert listing["name"].tolist() == ["another cross", "Hand made", "SMA cross"]
    assert listing["tags"].tolist() == [[], ["manual", "trend"], ["trend"]]
    assert listing["id"].dtype == "int64" and str(listing["created_at"].dtype).endswith("UTC]")
    assert store.strategies(tag="trend")["name"].tolist() == ["Hand made", "SMA cross"]
    assert store.strategies(language="python")["name"].tolist() == ["Hand made"]
    assert store.strategies(search="TREND")["name"].tolist() == ["another cross"]
    assert store.strategies(search="ann")["name"].tolist() == ["SMA cross"]
    assert store.strategies(search="100%")["name"].tolist() == []
    assert store.strategies(limit=1, offset=1)["name"].tolist() == ["Hand made"]
    assert store.count_strategies(tag="trend") == 2 and store.count_strategies() == 3
    assert store.strategies(tag="nothing").empty
    with pytest.raises(StoreError, match="limit must be a whole number"):
        store.strategies(limit=-1)


def test_update_a_strategy(store, sma_source):
    strategy_id = store.save_strategy(sma_source, tags=["x"])
    store.save_strategy(sma_source, name="taken")
    before = store.strategy(strategy_id)
    updated = store.update_strategy(
        strategy_id, name="Renamed", description="new", author="B", tags=["y", "z"]
    )
    assert (updated["name"], updated["description"], updated["author"]) == ("Renamed", "new", "B")
    assert updated["tags"] == ["y", "z"] and updated["updated_at"] > before["updated_at"]
    changed = sma_source.replace('"Fast length"', '"Quick length"')
    assert store.update_strategy("Renamed", source=changed)["parameters"][0]["title"] == (
        "Quick length"
    )
    with pytest.raises(StoreError, match="strategy named 'taken' already exists"):
        store.update_strategy(strategy_id, name="taken")
    with pytest.raises(InvalidScript):
        store.update_strategy(strategy_id, source=INVALID_PINE)
    assert store.strategy(strategy_id)["source"] == changed  # unchanged by the failures


def test_unknown_strategies(store):
    with pytest.raises(NotFound, match="no strategy with id 42"):
        store.strategy(42)
    with pytest.raises(NotFound, match="no strategy named 'nope'"):
        store.update_strategy("nope", description="x")
    with pytest.raises(NotFound, match="no strategy with id 7"):
        store.delete_strategy(7)
    with pytest.raises(StoreError, match="named by its id or its name"):
        store.strategy(1.5)


def test_validate_a_strategy_again(store, sma_source):
    pine = store.save_strategy(sma_source)
    outcome = store.validate_strategy(pine)
    assert outcome["status"] == "valid" and outcome["seconds"] > 0
    assert set(outcome) == {"status", "diagnostics", "features", "seconds"}
    assert store.info()["tables"]["strategy_validations"] == 2
    python = store.save_strategy(PYTHON_STRATEGY)
    assert store.validate_strategy(python)["status"] == "unknown"
    problems = [{"line": 5, "col": 5, "severity": "error", "message": "import of 'os'"}]
    outcome = store.validate_strategy(
        python, checker=lambda source: {"status": "invalid", "diagnostics": problems}
    )
    assert outcome["status"] == "invalid" and outcome["diagnostics"] == problems
    saved = store.strategy(python)
    assert saved["validation_status"] == "invalid"
    assert saved["validation"]["diagnostics"] == problems


def test_a_saved_pine_script_that_no_longer_converts_is_marked_invalid(store, sma_source):
    strategy_id = store.save_strategy(sma_source)
    with store._write() as session:  # as if saved by a PineOpt that accepted it
        from pineopt.store.models import Strategy

        session.get(Strategy, strategy_id).source = INVALID_PINE
    outcome = store.validate_strategy(strategy_id)
    assert outcome["status"] == "invalid" and outcome["diagnostics"][0]["severity"] == "error"
    assert store.strategy(strategy_id)["validation_status"] == "invalid"


def test_record_conversions(store, sma_source):
    strategy_id = store.save_strategy(sma_source)
    ok = store.record_conversion(convert(sma_source), strategy_id=strategy_id, seconds=0.5)
    failed = store.record_conversion(convert(INVALID_PINE))
    assert failed == ok + 1
    with store._read() as session:
        from pineopt.store.models import Conversion

        rows = {row.id: row for row in session.query(Conversion)}
    assert rows[ok].status == "ok" and rows[ok].code_sha256 and rows[ok].seconds == 0.5
    assert rows[failed].status == "error" and rows[failed].code_sha256 is None
    assert rows[failed].diagnostics[0]["severity"] == "error"
    with pytest.raises(NotFound):
        store.record_conversion(convert(sma_source), strategy_id=99)


def test_delete_a_strategy_takes_its_records_along(store, sma_source, sma_run):
    strategy_id = store.save_strategy(sma_source, tags=["t"])
    store.record(sma_run)
    campaign = store.create_campaign(
        strategy_id, name="c", method="grid", objective="net_profit", space={}
    )
    store.add_iterations(campaign, [{"number": 1, "parameters": {}}])
    store.delete_strategy("SMA cross")
    tables = store.info()["tables"]
    for table in (
        "strategies",
        "strategy_parameters",
        "strategy_validations",
        "strategy_tags",
        "backtests",
        "backtest_results",
        "backtest_trades",
        "optimization_campaigns",
        "optimization_iterations",
    ):
        assert tables[table] == 0, table
    assert tables["conversions"] == 1  # history, unlinked
    assert tables["tags"] == 1 and tables["data_sessions"] == 1
    assert store.strategies().empty
    assert isinstance(store.backtests(), pd.DataFrame) and store.backtests().empty
