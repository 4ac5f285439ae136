"""``pineopt.sweep(...)``: run a parameter sweep and get its results as a DataFrame.

>>> import pineopt
>>> results = pineopt.sweep(
...     "examples/sma_cross_strategy.pine",
...     "BTCUSDT_1h",
...     {"Fast length": "10:30:10", "Slow length": "50:150:50", "ATR stop": "false"},
...     constraints=["Fast length < Slow length"],
...     start="2023-01-01", end="2023-06-30",
... )  # doctest: +SKIP
>>> results.head(3)[["Fast length", "Slow length", "objective"]]  # doctest: +SKIP

The searching is :mod:`pineopt.sweep.search`, the running :mod:`pineopt.sweep.cluster`, the
files :mod:`pineopt.sweep.outputs` and the store :mod:`pineopt.sweep.saving`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.sweep.campaign import Campaign
from pineopt.sweep.outputs import write_frame, write_manifest
from pineopt.sweep.results import best as best_set
from pineopt.sweep.results import results_frame
from pineopt.sweep.search import DEFAULT_TRIALS, grid_sets, optuna_search, random_sets


def sweep(
    script: Any,
    data: Any,
    params: Mapping[str, Any] | Sequence[str],
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
) -> pd.DataFrame:
    """Evaluate a strategy over a space of input values and return one row per parameter
    set × dataset, best first.

    * ``script``: a ``.pine`` path or Pine text (a ``strategy()``);
    * ``data``: a sample name (``"BTCUSDT_1h"``), a CSV/Parquet path, a Dataset or a
      DataFrame, or a list of them (the results then have a row per set and dataset, and
      :func:`pineopt.sweep.pooled` ranks sets by their mean objective); ``timeframe``,
      ``start`` and ``end`` apply to each;
    * ``params``: ``{input: values}`` with values as ``--param`` spells them
      (``"5:50:5"``, ``"1:100:log:5"``, ``"true,false"``) or a sequence/range of values; an
      input is named by title or variable name;
    * ``method``: ``"grid"`` (every combination), ``"random"`` or ``"optuna"`` (``trials``
      sets, default 50; ``seed`` makes them repeatable);
    * ``objective``: what ranks the sets (:data:`pineopt.sweep.objectives.OBJECTIVES`:
      ``net_profit``, ``sharpe``, ``max_drawdown`` ...);
    * ``constraints``: expressions every set must meet, e.g. ``"Fast length < Slow length"``;
    * ``inputs``: fixed values of other inputs; ``strategy``: ``strategy()`` overrides;
    * ``workers=0`` runs in this process; otherwise a local Dask cluster of ``workers``
      processes (default: one per core), or the cluster of ``scheduler``
      (``"tcp://HOST:8786"``, default ``$DASK_SCHEDULER_ADDRESS``);
    * ``out``: a folder for ``results.parquet``, ``results.csv`` and ``manifest.json``;
      ``save=True`` (or a campaign name) records the campaign in ``store`` (a
      :class:`pineopt.Store`, or a database URL; default: the default store).

    The frame's ``attrs`` hold ``objective``, ``out`` (the folder, when written) and
    ``campaign`` (the store's campaign id, when saved).
    """
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
    with campaign:
        searched = search(campaign)
        runner = campaign.runner.description
    frame = results_frame(campaign.rows, campaign.space.names, campaign.objective)
    manifest = manifest_of(campaign, frame, searched, runner)
    finish(campaign, frame, manifest, out=out, save=save, store=store)
    return frame


def search(
    campaign: Campaign,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    folds: Sequence[tuple[int, pd.Timestamp, pd.Timestamp]] | None = None,
    tag: Mapping[str, Any] | None = None,
    description: str = "sweep",
) -> dict[str, Any]:
    """Run the campaign's search over ``[start, end)`` (the whole data when None); returns
    ``{"sets": evaluated, "pruned": n, "best": set id or None, "value": its objective}``
    (the best by the objective pooled over the datasets)."""
    datasets = len(campaign.datasets)
    tag = dict(tag or {})
    if campaign.method in ("grid", "random"):
        if campaign.method == "grid":
            chosen = grid_sets(campaign.space, campaign.constraints, campaign.fixed)
        else:
            chosen = random_sets(
                campaign.space,
                campaign.constraints,
                campaign.fixed,
                campaign.trials or DEFAULT_TRIALS,
                campaign.seed,
            )
        sets = campaign.number(chosen)
        campaign.start_progress(len(sets) * datasets, description)
        rows = campaign.evaluate(sets, start=start, end=end, tag=tag)
        values = campaign.pooled(rows)
        return {"sets": len(sets), "pruned": 0, **_best_of(values, campaign)}

    trials = campaign.trials or DEFAULT_TRIALS
    campaign.start_progress(trials * datasets * max(1, len(folds or ())), description)
    ids: dict[tuple, int] = {}

    def evaluate(sets, fold):  # type: ignore[no-untyped-def]
        if fold is None:
            rows = campaign.evaluate(sets, start=start, end=end, tag=tag)
        else:
            index, fold_start, fold_end = fold
            rows = campaign.evaluate(
                sets, start=fold_start, end=fold_end, tag={**tag, "fold": index}
            )
        for set_id, params in sets:
            ids[tuple(sorted(params.items(), key=lambda kv: kv[0]))] = set_id
        return campaign.pooled(rows)

    found = optuna_search(
        campaign.space,
        campaign.constraints,
        campaign.fixed,
        trials=trials,
        seed=campaign.seed,
        objective=campaign.objective,
        evaluate=evaluate,
        parallel=max(2, 2 * campaign.runner.workers),
        first_id=campaign.next_set,
        folds=folds,
    )
    campaign.next_set += found["trials"]
    best = found["best"]
    best_id = None if best is None else ids[tuple(sorted(best.items(), key=lambda kv: kv[0]))]
    return {
        "sets": found["trials"],
        "pruned": found["pruned"],
        "best": best_id,
        "value": found["value"],
    }


def _best_of(values: Mapping[int, float], campaign: Campaign) -> dict[str, Any]:
    best_id = None
    for set_id in sorted(values):
        if best_id is None or campaign.objective.better(values[set_id], values[best_id]):
            best_id = set_id
    if best_id is not None and values[best_id] != values[best_id]:  # every value NaN
        best_id = None
    return {"best": best_id, "value": None if best_id is None else values[best_id]}


def manifest_of(
    campaign: Campaign, frame: pd.DataFrame, searched: Mapping[str, Any], runner: str
) -> dict[str, Any]:
    """What ``manifest.json`` holds (see :mod:`pineopt.sweep.outputs`)."""
    import pineopt

    failed = int(frame["error"].notna().sum()) if len(frame) else 0
    return {
        "pineopt_version": pineopt.__version__,
        "script": {
            "path": campaign.script.filename,
            "title": campaign.title,
            "sha256": campaign.script.sha256,
        },
        "data": campaign.describe_data(),
        "method": campaign.method,
        "trials": campaign.trials,
        "objective": {
            "name": campaign.objective.name,
            "metric": campaign.objective.metric,
            "direction": campaign.objective.direction,
        },
        "space": campaign.space.describe(),
        "constraints": [c.text for c in campaign.constraints],
        "inputs": campaign.inputs,
        "strategy": campaign.strategy,
        "seed": campaign.seed,
        "runner": runner,
        "counts": {
            "sets": int(frame["set"].nunique()) if len(frame) else 0,
            "rows": len(frame),
            "failed_rows": failed,
            "pruned": searched.get("pruned", 0),
        },
        "timings": {
            "started": pd.Timestamp(campaign.started, unit="s", tz="UTC").isoformat(),
            "wall_seconds": time.time() - campaign.started,
            "run_seconds": float(frame["seconds"].sum()) if len(frame) else 0.0,
        },
        "best": best_set(frame) if len(frame) else None,
    }


def finish(
    campaign: Campaign,
    frame: pd.DataFrame,
    manifest: dict[str, Any],
    *,
    out: str | Path | None,
    save: bool | str,
    store: Any,
    extra_files: Mapping[str, Any] | None = None,
) -> None:
    """Write the files to ``out`` and record the campaign when ``save``; the frame's attrs
    say where."""
    if save:
        manifest["campaign"] = save_to_store(campaign, frame, manifest, save, store)
        frame.attrs["campaign"] = manifest["campaign"]
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        write_frame(frame, folder, "results")
        for name, writer in (extra_files or {}).items():
            writer(folder / name)
        write_manifest(manifest, folder)
        frame.attrs["out"] = str(folder)


def save_to_store(
    campaign: Campaign, frame: pd.DataFrame, manifest: dict[str, Any], save: bool | str, store
) -> int:
    """The campaign id of the sweep recorded in ``store`` (see :mod:`pineopt.sweep.saving`)."""
    from pineopt.store import Store
    from pineopt.sweep.saving import save_campaign

    name = (
        save
        if isinstance(save, str) and save
        else (f"{campaign.title} {campaign.method} {manifest['timings']['started'][:19]}")
    )
    best = manifest.get("best")
    settings = {
        k: manifest[k]
        for k in (
            "data",
            "constraints",
            "inputs",
            "strategy",
            "seed",
            "trials",
            "counts",
            "timings",
            "pineopt_version",
        )
    }
    if "walk_forward" in manifest:
        settings["walk_forward"] = manifest["walk_forward"]
    own = not isinstance(store, Store)
    handle = Store(store) if own else store
    try:
        return save_campaign(
            handle,
            name=name,
            title=campaign.title,
            source=campaign.script.text,
            method=campaign.method,
            objective=campaign.objective.name,
            space=campaign.space.describe(),
            settings=settings,
            rows=campaign.rows,
            best_set=None if best is None else int(best["set"]),
        )
    finally:
        if own:
            handle.close()
