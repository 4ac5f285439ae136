"""Walk-forward: the spec, the window arithmetic, and a small run."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from sweep_helpers import CONSTRAINT, DATA, SCRIPT

import pineopt
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.walkforward import parse_spec, windows

T = pd.Timestamp


def _days(first: str, last: str) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq="D", tz="UTC")


def _spans(found):
    return [
        (
            w.train_start.date().isoformat(),
            w.train_end.date().isoformat(),
            w.test_start.date().isoformat(),
            w.test_end.date().isoformat(),
        )
        for w in found
    ]


def test_parse_spec():
    spec = parse_spec("train=2Y test=6M step=3M anchored folds=4")
    assert (spec.train, spec.test, spec.step) == ((2, "Y"), (6, "M"), (3, "M"))
    assert spec.anchored and spec.folds == 4
    assert parse_spec("train=90d test=2w").step == (2, "W")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("train=2Y", "test= is missing"),
        ("train=2Y test=6X", "'6X' is not a length"),
        ("train=2Y test=0M", "'0M' is not a length"),
        ("train=2Y test=6M stride=1M", "got 'stride=1M'"),
        ("train=2Y test=6M folds=0", "folds= is a whole number"),
    ],
)
def test_bad_specs(text, message):
    with pytest.raises(SweepUsageError) as caught:
        parse_spec(text)
    assert message in str(caught.value)


def test_rolling_windows_of_a_known_index():
    index = _days("2020-01-01", "2021-12-31")
    found = windows(index, parse_spec("train=1Y test=6M"))
    assert _spans(found) == [
        ("2020-01-01", "2021-01-01", "2021-01-01", "2021-07-01"),
        ("2020-07-01", "2021-07-01", "2021-07-01", "2022-01-01"),
    ]
    assert [w.number for w in found] == [1, 2]


def test_anchored_windows_and_a_short_last_test():
    index = _days("2020-01-01", "2020-12-15")
    found = windows(index, parse_spec("train=6M test=3M anchored"))
    assert _spans(found) == [
        ("2020-01-01", "2020-07-01", "2020-07-01", "2020-10-01"),
        ("2020-01-01", "2020-10-01", "2020-10-01", "2021-01-01"),
    ]


def test_step_smaller_than_test():
    index = _days("2020-01-01", "2020-03-31")
    found = windows(index, parse_spec("train=4W test=4W step=2W"))
    assert _spans(found)[:2] == [
        ("2020-01-01", "2020-01-29", "2020-01-29", "2020-02-26"),
        ("2020-01-15", "2020-02-12", "2020-02-12", "2020-03-11"),
    ]
    assert _spans(found)[-1][2] <= "2020-03-31"


def test_folds_split_the_training_window():
    found = windows(_days("2020-01-01", "2020-12-31"), parse_spec("train=90D test=30D"))
    folds = found[0].folds(3)
    assert [(k, a.date().isoformat(), b.date().isoformat()) for k, a, b in folds] == [
        (0, "2020-01-01", "2020-01-31"),
        (1, "2020-01-31", "2020-03-01"),
        (2, "2020-03-01", "2020-03-31"),
    ]


def test_data_shorter_than_one_window():
    with pytest.raises(SweepUsageError, match="shorter than one training window"):
        windows(_days("2020-01-01", "2020-03-01"), parse_spec("train=1Y test=1M"))


PARAMS = {"Fast length": "5,10", "Slow length": "20,40", "ATR stop": "false"}


def test_walk_forward_run(tmp_path):
    outcome = pineopt.walk_forward(
        SCRIPT,
        DATA,
        PARAMS,
        "train=3W test=1W",
        constraints=[CONSTRAINT],
        start="2024-01-01",
        end="2024-02-11",
        workers=0,
        progress=False,
        out=tmp_path,
    )
    table = outcome.windows
    assert list(table["window"]) == [1, 2, 3]
    assert list(table["test_start"]) == [
        T("2024-01-22", tz="UTC"),
        T("2024-01-29", tz="UTC"),
        T("2024-02-05", tz="UTC"),
    ]
    # the chosen set is the training window's best
    for _, row in table.iterrows():
        train = outcome.results[outcome.results["window"] == row["window"]]
        assert len(train) == 4
        assert row["in_sample"] == train["objective"].max()
        top = train.iloc[0]
        assert (row["Fast length"], row["Slow length"]) == (top["Fast length"], top["Slow length"])
    # the test window measured from one run from the training start: the same numbers as
    # pineopt.run over that span, cut at the test start
    first = table.iloc[0]
    run = pineopt.run(
        SCRIPT,
        pineopt.load("BTCUSDT", "1h", provider="sample"),
        inputs={
            "Fast length": int(first["Fast length"]),
            "Slow length": int(first["Slow length"]),
            "ATR stop": False,
        },
        start=first["train_start"],
        end=first["test_end"] - pd.Timedelta(hours=1),
    )
    equity = run.equity["equity"]
    before = float(equity[equity.index < first["test_start"]].iloc[-1])
    after = float(equity.iloc[-1])
    assert first["oos_return_pct"] == pytest.approx((after / before - 1) * 100, rel=1e-12)
    entered = run.trades[pd.to_datetime(run.trades["entry_time"], utc=True) >= first["test_start"]]
    assert first["oos_total_closed_trades"] == int((~entered["is_open"]).sum())
    # the stitched equity chains the windows' returns from the initial capital
    curve = outcome.equity
    assert curve.index[0] == T("2024-01-22", tz="UTC")
    assert curve.index.is_monotonic_increasing and curve.index.is_unique
    growth = math.prod(1 + r / 100 for r in table["oos_return_pct"])
    assert curve.iloc[-1] == pytest.approx(10_000 * growth, rel=1e-9)
    assert set(outcome.chosen.columns) == {"Fast length", "Slow length", "ATR stop"}
    for name in (
        "results.parquet",
        "results.csv",
        "manifest.json",
        "walk_forward.csv",
        "oos_equity.parquet",
    ):
        assert (tmp_path / name).is_file()
    assert len(pd.read_parquet(tmp_path / "oos_equity.parquet")) == len(curve)
    # the manifest's best is what the last window chose: the parameters to trade next
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    last = table.iloc[-1]
    assert manifest["best"]["set"] == last["set"] and manifest["best"]["window"] == 3
    assert manifest["walk_forward"]["spec"] == "train=3W test=1W"
    assert len(manifest["walk_forward"]["windows"]) == 3


def test_walk_forward_with_optuna_and_pruning():
    outcome = pineopt.walk_forward(
        SCRIPT,
        DATA,
        {"Fast length": "3:15", "Slow length": "16:40", "ATR stop": "false"},
        "train=3W test=1W folds=3",
        method="optuna",
        trials=6,
        seed=3,
        start="2024-01-01",
        end="2024-01-31",
        workers=0,
        progress=False,
    )
    results = outcome.results
    assert list(outcome.windows["window"]) == [1, 2]
    assert set(results["fold"]) <= {0, 1, 2}
    # a trial runs fold by fold; each window evaluates 6 trials' first folds
    for window in (1, 2):
        rows = results[results["window"] == window]
        assert (rows["fold"] == 0).sum() == 6
        # a trial's value is its mean over the folds it ran
        chosen = outcome.windows.set_index("window").loc[window]
        best = rows[rows["set"] == chosen["set"]]
        assert len(best) == 3
        assert chosen["in_sample"] == pytest.approx(best["objective"].mean())
