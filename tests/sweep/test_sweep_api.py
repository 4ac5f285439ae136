"""pineopt.sweep in this process (workers=0): every row is what pineopt.run gives."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sweep_helpers import CONSTRAINT, DATA, END, SCRIPT, START, same, small_sweep

import pineopt
from pineopt.errors import PineOptError
from pineopt.runtime.outputs import Outputs
from pineopt.strategy.metrics import METRIC_KEYS, performance_summary
from pineopt.strategy.trades import TradeBook
from pineopt.sweep.errors import SweepUsageError


def test_every_row_equals_pineopt_run(serial):
    """Each row's metrics are, to the bit, the run's and those computed from its trades and
    equity frames (the sweep computes them from the broker's arrays without the frames)."""
    assert len(serial) == 7
    assert sorted(serial["set"]) == [1, 2, 3, 4, 5, 6, 7]
    assert (serial["Fast length"] < serial["Slow length"]).all()
    dataset = pineopt.load("BTCUSDT", "1h", provider="sample")
    for _, row in serial.iterrows():
        inputs = {name: row[name] for name in ("Fast length", "Slow length", "ATR stop")}
        run = pineopt.run(SCRIPT, dataset, inputs=inputs, start=START, end=END)
        expected = run.metrics["all"]
        frames = performance_summary(
            run.trades,
            run.equity,
            run.chart.frame,
            initial_capital=run.strategy.config.initial_capital,
            risk_free_rate=run.strategy.config.risk_free_rate,
            margin_calls=run.strategy.margin_calls,
        )["all"]
        for key in METRIC_KEYS:
            assert same(float(row[key]), float(expected[key])), key
            assert same(float(row[key]), float(frames[key])), key
        assert row["objective"] == expected["net_profit"]
        assert row["dataset"] == DATA and row["error"] is None and row["seconds"] > 0


def test_a_sweep_builds_no_frames(monkeypatch):
    """A sweep keeps the metrics only: no run builds its trades, equity or plots frames."""

    def refuse(*args, **kwargs):
        raise AssertionError("a frame was built")

    monkeypatch.setattr(TradeBook, "result", refuse)
    monkeypatch.setattr(Outputs, "frame", refuse)
    results = pineopt.sweep(
        SCRIPT,
        DATA,
        {"Fast length": "5,10", "Slow length": "30"},
        inputs={"ATR stop": False},
        start=START,
        end=END,
        workers=0,
        progress=False,
    )
    assert len(results) == 2 and results["error"].isna().all()
    assert (results["total_closed_trades"] > 0).all()


def test_rows_are_ranked_best_first(serial):
    assert serial["objective"].is_monotonic_decreasing
    assert serial.attrs["objective"] == "net_profit"
    columns = list(serial.columns)
    assert columns[:6] == ["set", "dataset", "Fast length", "Slow length", "ATR stop", "objective"]


def test_a_minimised_objective_ranks_ascending():
    results = pineopt.sweep(
        SCRIPT,
        DATA,
        {"Fast length": "5,10", "Slow length": "30"},
        inputs={"ATR stop": False},
        objective="max_drawdown_pct",
        start=START,
        end=END,
        workers=0,
        progress=False,
    )
    assert results["objective"].is_monotonic_increasing
    assert (results["objective"] == results["max_drawdown_pct"]).all()


def test_random_is_seeded_and_distinct():
    params = {"Fast length": "3:20", "Slow length": "21:60", "ATR stop": "false"}
    first, again = (
        pineopt.sweep(
            SCRIPT,
            DATA,
            params,
            method="random",
            trials=4,
            seed=11,
            start=START,
            end=END,
            workers=0,
            progress=False,
        )
        for _ in range(2)
    )
    columns = ["set", "Fast length", "Slow length", "objective"]
    pd.testing.assert_frame_equal(first[columns], again[columns])
    assert len(first.drop_duplicates(["Fast length", "Slow length"])) == 4


def test_optuna_is_seeded():
    params = {"Fast length": "3:20", "Slow length": "21:60:3", "ATR stop": "false"}
    first, again = (
        pineopt.sweep(
            SCRIPT,
            DATA,
            params,
            method="optuna",
            trials=5,
            seed=5,
            start=START,
            end=END,
            workers=0,
            progress=False,
        )
        for _ in range(2)
    )
    columns = ["set", "Fast length", "Slow length", "objective"]
    pd.testing.assert_frame_equal(first[columns], again[columns])
    assert len(first) == 5
    assert ((first["Slow length"] - 21) % 3 == 0).all()


def test_several_datasets_and_the_pooled_view(tmp_path):
    eth = pineopt.load("ETHUSDT", "1h", provider="sample")
    results = pineopt.sweep(
        SCRIPT,
        [DATA, eth],
        {"Fast length": "5,10", "Slow length": "30"},
        inputs={"ATR stop": "false"},
        start=START,
        end=END,
        workers=0,
        progress=False,
        out=tmp_path,
    )
    assert len(results) == 4
    assert set(results["dataset"]) == {"BTCUSDT_1h", "ETHUSDT_60"}
    pooled = pineopt.sweep.pooled(results)
    assert list(pooled.columns[:4]) == ["set", "Fast length", "Slow length", "objective"]
    for _, row in pooled.iterrows():
        values = results.loc[results["set"] == row["set"], "objective"]
        assert row["objective"] == pytest.approx(values.mean())
    assert pooled["objective"].is_monotonic_decreasing
    best = pineopt.sweep.best(results)
    assert best["set"] == pooled.iloc[0]["set"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["best"]["set"] == best["set"]
    assert [d["name"] for d in manifest["data"]] == ["BTCUSDT_1h", "ETHUSDT_60"]
    assert manifest["inputs"] == {"ATR stop": False}


def test_outputs(tmp_path, serial):
    results = small_sweep(
        workers=0,
        out=tmp_path,
        seed=4,
    )
    assert results.attrs["out"] == str(tmp_path)
    stored = pd.read_parquet(tmp_path / "results.parquet")
    pd.testing.assert_frame_equal(
        stored.drop(columns="seconds"), results.drop(columns="seconds"), check_dtype=False
    )
    assert len(pd.read_csv(tmp_path / "results.csv")) == 7
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["script"]["path"] == str(SCRIPT)
    assert len(manifest["script"]["sha256"]) == 64
    assert manifest["data"][0]["fingerprint"]["bars"] == 481
    assert manifest["space"]["Fast length"] == {"low": 5.0, "high": 15.0, "step": 5.0}
    assert manifest["constraints"] == [CONSTRAINT]
    assert manifest["method"] == "grid" and manifest["seed"] == 4
    assert manifest["counts"] == {"sets": 7, "rows": 7, "failed_rows": 0, "pruned": 0}
    assert manifest["best"]["set"] == int(serial.iloc[0]["set"])
    assert manifest["pineopt_version"] == pineopt.__version__
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


FAILING = (
    "//@version=6\n"
    'strategy("fails for N = 2")\n'
    'n = input.int(3, "N")\n'
    "s = ta.sma(close, n - 2)\n"
    "if close > s\n"
    '    strategy.entry("L", strategy.long)\n'
)


def test_a_failing_set_is_a_row_with_its_error():
    results = pineopt.sweep(
        FAILING, DATA, {"N": "2,3"}, start=START, end=END, workers=0, progress=False
    )
    assert list(results["N"]) == [3, 2]  # the failed set ranks last
    failed = results.iloc[1]
    assert "ta.sma: invalid length argument 0" in failed["error"]
    assert pd.isna(failed["objective"]) and pd.isna(failed["net_profit"])
    assert results.iloc[0]["error"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"params": {"Nope": "1,2"}}, "no input named 'Nope'"),
        ({"objective": "profit"}, "unknown objective 'profit'"),
        ({"method": "anneal"}, "unknown method 'anneal'"),
        ({"method": "grid", "trials": 5}, "--trials is for --method random or optuna"),
        ({"inputs": {"Fast length": 5}}, "that input is also a --param"),
        ({"inputs": {"ATR multiple": "x"}}, "'x' is not a valid float"),
        ({"strategy": {"bogus": 1}}, "unknown strategy parameter 'bogus'"),
        ({"constraints": ["Fast length < Slowest"]}, "no input named 'Slowest'"),
        ({"scheduler": "tcp://127.0.0.1:1", "workers": 0}, "it takes no --scheduler"),
        ({"scheduler": "tcp://127.0.0.1:1", "workers": 2}, "it takes no --scheduler"),
    ],
)
def test_usage_errors(kwargs, message):
    arguments = {"params": {"Fast length": "5,10"}, "workers": 0, **kwargs}
    params = arguments.pop("params")
    with pytest.raises(SweepUsageError) as caught:
        pineopt.sweep(SCRIPT, DATA, params, start=START, end=END, progress=False, **arguments)
    assert message in str(caught.value)


def test_an_indicator_is_refused():
    with pytest.raises(PineOptError, match="needs a strategy"):
        pineopt.sweep(
            '//@version=6\nindicator("x")\nn = input.int(3, "N")\nplot(close)\n',
            DATA,
            {"N": "1,2"},
            start=START,
            end=END,
            workers=0,
            progress=False,
        )
