"""Sweep results as plain pandas tables.

:func:`results_frame` lays the rows out one per parameter set × dataset: ``set``,
``dataset``, one column per varied input (named by its title), ``objective``, the Performance
Summary figures, ``error`` and ``seconds``, best first (a missing objective last). The frame's
``attrs`` keep the objective's name and direction so that :func:`pooled` can rank sets across
datasets without being told again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pineopt.strategy.metrics import METRIC_KEYS
from pineopt.sweep.objectives import Objective

#: metric columns beyond the Performance Summary (walk-forward test windows)
SEGMENT_KEYS = ("return_pct", "equity_change")


def results_frame(
    rows: Sequence[dict[str, Any]],
    parameters: Sequence[str],
    objective: Objective,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """The table of ``rows`` (see the module docstring); ``extra`` are row fields kept as
    columns after ``dataset`` (``window``, ``fold``)."""
    metric_keys = list(METRIC_KEYS)
    if any(k in (r.get("metrics") or {}) for r in rows for k in SEGMENT_KEYS):
        metric_keys += list(SEGMENT_KEYS)
    records = []
    for row in rows:
        record = {"set": row["set"], "dataset": row["dataset"]}
        for key in extra:
            record[key] = row.get(key)
        record.update({name: row["params"].get(name) for name in parameters})
        record["objective"] = row["objective"]
        metrics = row.get("metrics") or {}
        record.update({key: metrics.get(key) for key in metric_keys})
        record["error"] = row.get("error")
        record["seconds"] = row.get("seconds")
        records.append(record)
    columns = ["set", "dataset", *extra, *parameters, "objective", *metric_keys, "error", "seconds"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for key in [*metric_keys, "objective", "seconds"]:
        frame[key] = pd.to_numeric(frame[key], errors="coerce").astype("float64")
    errors = frame["error"].astype(object)
    frame["error"] = errors.where(errors.notna(), None)
    frame = rank(frame, objective)
    frame.attrs["objective"] = objective.name
    frame.attrs["maximize"] = objective.maximize
    return frame


def rank(frame: pd.DataFrame, objective: Objective | None = None, column: str = "objective"):
    """``frame`` sorted best first by ``column`` (missing last; ties by set id)."""
    maximize = objective.maximize if objective is not None else frame.attrs.get("maximize", True)
    keys = [column, "set"] if "set" in frame.columns else [column]
    ascending = [not maximize, True][: len(keys)]
    ranked = frame.sort_values(keys, ascending=ascending, na_position="last", kind="stable")
    return ranked.reset_index(drop=True)


def pooled(results: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter set across the datasets, best first: the parameters, the mean
    ``objective`` over the datasets (missing when a dataset failed or had no value), then the
    objective on each dataset (a column per dataset) and ``datasets`` (how many ran)."""
    excluded = {"set", "dataset", "objective", "error", "seconds", "window", "fold"}
    excluded |= set(METRIC_KEYS) | set(SEGMENT_KEYS)
    parameters = [c for c in results.columns if c not in excluded]
    per_dataset = results.pivot_table(
        index="set", columns="dataset", values="objective", aggfunc="first", dropna=False
    )
    names = list(dict.fromkeys(results["dataset"]))
    per_dataset = per_dataset.reindex(columns=names)
    mean = per_dataset.mean(axis=1, skipna=False)
    first = results.drop_duplicates("set").set_index("set")[parameters]
    table = first.join(mean.rename("objective"))
    table = table.join(per_dataset.add_prefix("objective: "))
    table["datasets"] = results.groupby("set")["dataset"].nunique()
    table = table.reset_index()
    table.attrs = dict(results.attrs)
    return rank(table)


def best(results: pd.DataFrame) -> dict[str, Any] | None:
    """The best set across datasets (by :func:`pooled`): ``set``, its parameters and pooled
    ``objective``; None when no set has an objective."""
    if results.empty:
        return None
    table = pooled(results)
    top = table.iloc[0]
    if pd.isna(top["objective"]):
        return None
    keep = [c for c in table.columns if not str(c).startswith("objective: ") and c != "datasets"]
    return {k: _plain(top[k]) for k in keep}


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
