"""Walk-forward analysis: optimise on a training window, test on the window that follows, move
on, and judge the strategy by the test windows only.

The windows come from a spec such as ``"train=2Y test=6M step=6M"`` (units ``D``, ``W``,
``M``, ``Y``; ``step`` defaults to ``test``). Window *k* (from 0) trains on
``[first + k·step, first + train + k·step)`` and tests on the ``test`` that follows; with
``anchored`` every training window starts at the first bar (an expanding window). Windows
continue while a test window has bars; the last one may be cut short by the end of the data.
Bounds are half-open: a bar belongs to a window when its open time is at or after the
window's start and before its end. ``folds=N`` (default 3) sets how many consecutive parts
Optuna's pruning splits each training window into (below).

**How a test window is measured.** The parameters chosen on the training window are run from
the *start of the training window* through the *end of the test window*, and only the test
window is measured from that run: its equity rebased to what the account held when the test
window began, the trades *entered* in it, its return and drawdown
(:func:`pineopt.sweep.evaluate.measure_segment`). Running from the training start keeps the
indicators warm and the strategy's state continuous, as it would be for someone trading the
parameters live after optimising them; a run started cold at the test window would spend its
first bars warming up (a 200-bar SMA has no value for 200 bars) and judge something else.
A position open when the test window begins counts in its equity but is not one of its
trades.

The stitched out-of-sample equity chains the windows' returns: each test window's growth,
relative to its own start, continues from where the previous window ended, beginning at the
strategy's initial capital (a window is cut where the next one's test begins when windows
overlap).

With ``method="optuna"`` each training window's trials are scored fold by fold: the window is
split into ``folds`` consecutive parts, a trial reports its mean objective so far after each
part, and a median pruner stops trials that lag the others before their later parts; the
in-sample objective is then the mean over the parts. Grid and random score the whole
training window in one run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.sweep.api import finish, manifest_of, search
from pineopt.sweep.campaign import Campaign
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.outputs import write_csv, write_series_parquet
from pineopt.sweep.results import results_frame

_UNITS = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}
_LENGTH = re.compile(r"^(\d+)([DWMY])$", re.IGNORECASE)
#: parts of a training window for Optuna's pruning when the spec does not say
DEFAULT_FOLDS = 3
#: the test window's figures copied into the windows table
OOS_COLUMNS = (
    "return_pct",
    "net_profit",
    "max_drawdown_pct",
    "total_closed_trades",
    "percent_profitable",
    "profit_factor",
)


@dataclass(frozen=True)
class Spec:
    """A parsed walk-forward spec (lengths as ``(count, unit)``)."""

    text: str
    train: tuple[int, str]
    test: tuple[int, str]
    step: tuple[int, str]
    anchored: bool = False
    folds: int = DEFAULT_FOLDS

    def offset(self, which: str, times: int = 1) -> pd.DateOffset:
        count, unit = getattr(self, which)
        return pd.DateOffset(**{_UNITS[unit]: count * times})


@dataclass(frozen=True)
class Window:
    """One walk-forward window: training ``[train_start, train_end)`` then testing
    ``[test_start, test_end)`` (``test_start == train_end``)."""

    number: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp

    def folds(self, count: int) -> list[tuple[int, pd.Timestamp, pd.Timestamp]]:
        """The training window in ``count`` consecutive parts of equal duration."""
        span = self.train_end - self.train_start
        edges = [self.train_start + span * k / count for k in range(count + 1)]
        return [(k, edges[k], edges[k + 1]) for k in range(count)]


def parse_spec(text: str) -> Spec:
    """Parse ``"train=2Y test=6M [step=6M] [anchored] [folds=3]"``."""
    fields: dict[str, str] = {}
    anchored = False
    for word in str(text).split():
        if word.lower() == "anchored":
            anchored = True
            continue
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or key not in ("train", "test", "step", "folds") or key in fields:
            raise SweepUsageError(
                f"--walk-forward {text!r}: expected train=LENGTH test=LENGTH [step=LENGTH] "
                f"[anchored] [folds=N], got {word!r}"
            )
        fields[key] = value
    for key in ("train", "test"):
        if key not in fields:
            raise SweepUsageError(f"--walk-forward {text!r}: {key}= is missing")
    lengths = {k: _length(fields[k], text) for k in ("train", "test", "step") if k in fields}
    folds = DEFAULT_FOLDS
    if "folds" in fields:
        if not fields["folds"].isdigit() or int(fields["folds"]) < 1:
            raise SweepUsageError(f"--walk-forward {text!r}: folds= is a whole number >= 1")
        folds = int(fields["folds"])
    return Spec(
        str(text),
        lengths["train"],
        lengths["test"],
        lengths.get("step", lengths["test"]),
        anchored,
        folds,
    )


def _length(value: str, text: str) -> tuple[int, str]:
    match = _LENGTH.match(value.strip())
    if not match or int(match[1]) < 1:
        raise SweepUsageError(
            f"--walk-forward {text!r}: {value!r} is not a length such as 90D, 8W, 6M or 2Y"
        )
    return int(match[1]), match[2].upper()


def windows(index: pd.DatetimeIndex, spec: Spec) -> list[Window]:
    """The windows over bars opening at ``index`` (see the module docstring)."""
    if not len(index):
        raise SweepUsageError("walk-forward needs bars")
    first, last = index[0], index[-1]
    found: list[Window] = []
    k = 0
    while True:
        shift = spec.offset("step", k)
        train_start = first if spec.anchored else first + shift
        train_end = first + spec.offset("train") + shift
        test_end = train_end + spec.offset("test")
        if train_end > last:
            break
        has_test = ((index >= train_end) & (index < test_end)).any()
        has_train = ((index >= train_start) & (index < train_end)).any()
        if has_test and has_train:
            found.append(Window(len(found) + 1, train_start, train_end, train_end, test_end))
        k += 1
    if not found:
        raise SweepUsageError(
            f"--walk-forward {spec.text!r}: the data ({first:%Y-%m-%d} to {last:%Y-%m-%d}) is "
            "shorter than one training window and its test window"
        )
    return found


class WalkForward:
    """What :func:`walk_forward` returns.

    * ``windows``: one row per window (and dataset): its train and test ranges, the chosen
      parameters, ``in_sample`` (their objective on the training window) and
      ``out_of_sample`` (on the test window) with the test window's return, net profit,
      drawdown and trades;
    * ``equity``: the stitched out-of-sample equity (a Series; a column per dataset when there
      are several);
    * ``results``: every in-sample row (as :func:`pineopt.sweep` returns them, with a
      ``window`` column);
    * ``chosen``: the parameters chosen per window.
    """

    def __init__(
        self, windows: pd.DataFrame, equity: pd.Series | pd.DataFrame, results: pd.DataFrame
    ) -> None:
        self.windows = windows
        self.equity = equity
        self.results = results

    @property
    def chosen(self) -> pd.DataFrame:
        parameters = self.windows.attrs.get("parameters", [])
        return self.windows.drop_duplicates("window").set_index("window")[parameters]

    def __repr__(self) -> str:
        count = self.windows["window"].nunique() if len(self.windows) else 0
        return f"<WalkForward: {count} windows, {len(self.results)} in-sample rows>"


def walk_forward(
    script: Any,
    data: Any,
    params: Mapping[str, Any] | Sequence[str],
    spec: str,
    *,
    method: str = "grid",
    trials: int | None = None,
    objective: str = "net_profit",
    constraints: Sequence[str] | str = (),
    inputs: Mapping[str, Any] | None = None,
    strategy: Mapping[str, Any] | None = None,
    timeframe: Any = None,
    start: Any = None,
    end: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    seed: int | None = None,
    save: bool | str = False,
    store: Any = None,
    out: str | Path | None = None,
    progress: bool = True,
) -> WalkForward:
    """Walk-forward optimisation of ``script`` (arguments as :func:`pineopt.sweep`, and
    ``spec`` such as ``"train=2Y test=6M step=6M"``); see the module docstring. ``out``
    also gets ``walk_forward.csv`` and ``oos_equity.parquet``."""
    parsed = parse_spec(spec)
    campaign = Campaign(
        script,
        data,
        params,
        method=method,
        trials=trials,
        objective=objective,
        constraints=constraints,
        inputs=inputs,
        strategy=strategy,
        timeframe=timeframe,
        start=start,
        end=end,
        scheduler=scheduler,
        workers=workers,
        seed=seed,
        progress=progress,
    )
    found = windows(_common_index(campaign), parsed)
    table: list[dict[str, Any]] = []
    curves: dict[str, list[tuple[Window, pd.Series]]] = {d.name: [] for d in campaign.datasets}
    pruned = 0
    with campaign:
        for window in found:
            label = f"window {window.number}/{len(found)}"
            searched = search(
                campaign,
                start=window.train_start,
                end=window.train_end,
                folds=window.folds(parsed.folds) if campaign.method == "optuna" else None,
                tag={"window": window.number, "phase": "train"},
                description=f"{label} train",
            )
            pruned += searched["pruned"]
            chosen = _params_of(campaign, searched["best"])
            tested: list[dict] = []
            if chosen is not None:
                campaign.grow_progress(len(campaign.datasets))
                tested = campaign.evaluate(
                    [(searched["best"], chosen)],
                    start=window.train_start,
                    end=window.test_end,
                    measure_from=window.test_start,
                    keep_equity=True,
                    tag={"window": window.number, "phase": "test"},
                )
            table.extend(_window_rows(campaign, window, chosen, searched, tested))
            for row in tested:
                if row.get("equity") is not None:
                    curves[row["dataset"]].append((window, row["equity"]))
        runner = campaign.runner.description
    train_rows = [r for r in campaign.rows if r.get("phase") == "train"]
    extra = ["window", "fold"] if campaign.method == "optuna" else ["window"]
    results = results_frame(train_rows, campaign.space.names, campaign.objective, extra)
    windows_frame = pd.DataFrame(table)
    windows_frame.attrs["parameters"] = campaign.space.names
    equity = _stitch(curves, _initial_capital(campaign))
    outcome = WalkForward(windows_frame, equity, results)
    manifest = manifest_of(campaign, results, {"pruned": pruned}, runner)
    manifest["best"] = _latest_choice(windows_frame, campaign.space.names)
    manifest["walk_forward"] = {
        "spec": parsed.text,
        "anchored": parsed.anchored,
        "folds": parsed.folds if campaign.method == "optuna" else None,
        "windows": _jsonable_table(windows_frame),
    }
    campaign.rows = train_rows  # the store keeps the in-sample iterations
    finish(
        campaign,
        results,
        manifest,
        out=out,
        save=save,
        store=store,
        extra_files={
            "walk_forward.csv": lambda path: write_csv(windows_frame, path),
            "oos_equity.parquet": lambda path: write_series_parquet(equity, path),
        },
    )
    return outcome


def _common_index(campaign: Campaign) -> pd.DatetimeIndex:
    """Bar times every dataset has (the windows are the same for every instrument)."""
    index = campaign.datasets[0].chart.frame.index
    for dataset in campaign.datasets[1:]:
        other = dataset.chart.frame.index
        index = index[(index >= other[0]) & (index <= other[-1])]
    return index


def _params_of(campaign: Campaign, set_id: int | None) -> dict[str, Any] | None:
    if set_id is None:
        return None
    return next(r["params"] for r in campaign.rows if r["set"] == set_id)


def _window_rows(
    campaign: Campaign,
    window: Window,
    chosen: dict[str, Any] | None,
    searched: Mapping[str, Any],
    tested: list[dict],
) -> list[dict[str, Any]]:
    base = {
        "window": window.number,
        "train_start": window.train_start,
        "train_end": window.train_end,
        "test_start": window.test_start,
        "test_end": window.test_end,
        "set": searched["best"],
    }
    for name in campaign.space.names:
        base[name] = None if chosen is None else chosen[name]
    base["in_sample"] = searched["value"]
    rows = []
    by_dataset = {r["dataset"]: r for r in tested}
    for dataset in campaign.datasets:
        row = dict(base, dataset=dataset.name)
        test = by_dataset.get(dataset.name)
        metrics = (test or {}).get("metrics") or {}
        row["out_of_sample"] = None if test is None else test["objective"]
        for key in OOS_COLUMNS:
            row[f"oos_{key}"] = metrics.get(key)
        row["error"] = None if test is None else test.get("error")
        rows.append(row)
    return rows


def _latest_choice(table: pd.DataFrame, parameters: Sequence[str]) -> dict[str, Any] | None:
    """The set chosen on the last window that chose one: what one would trade next (the
    campaign's best iteration when saved)."""
    chosen = table.dropna(subset=["set"]) if len(table) else table
    if not len(chosen):
        return None
    last = chosen.iloc[-1]
    picked = {"set": int(last["set"]), "window": int(last["window"])}
    picked.update({name: _plain(last[name]) for name in parameters})
    picked["objective"] = _plain(last["in_sample"])
    return picked


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _stitch(
    curves: Mapping[str, list[tuple[Window, pd.Series]]], capital: float
) -> pd.Series | pd.DataFrame:
    stitched = {}
    for name, parts in curves.items():
        level = capital
        pieces = []
        for k, (_, growth) in enumerate(parts):
            if k + 1 < len(parts):
                growth = growth.loc[growth.index < parts[k + 1][0].test_start]
            if not len(growth):
                continue
            pieces.append(growth * level)
            level = float(growth.iloc[-1] * level)
        stitched[name] = pd.concat(pieces) if pieces else pd.Series(dtype="float64", name="equity")
    if len(stitched) == 1:
        return next(iter(stitched.values())).rename("equity")
    return pd.DataFrame(stitched)


def _initial_capital(campaign: Campaign) -> float:
    from pineopt.strategy.config import StrategyConfig

    return StrategyConfig.from_declaration(campaign.declaration, campaign.strategy).initial_capital


def _jsonable_table(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import json

    return json.loads(frame.to_json(orient="records", date_format="iso"))
