"""A recorded optimisation campaign, read back for its report.

A campaign comes from one of two places, and :func:`load_campaign` reads both into the same
:class:`CampaignData`:

* a sweep's output folder (``pineopt sweep --out DIR``, ``pineopt.sweep(..., out=DIR)``):
  ``manifest.json``, ``results.parquet`` and, after a walk-forward, ``walk_forward.csv`` and
  ``oos_equity.parquet``;
* the store (``--save``): the campaign's row (space, method, objective, settings with the
  manifest's data, counts and timings) and its iterations, one per parameter set. An iteration
  of several datasets keeps a Performance Summary per dataset; they become one row per set ×
  dataset again, as the sweep returned them. The store does not keep a walk-forward's stitched
  out-of-sample equity: it is rebuilt by running each window's chosen parameters from the start
  of its training window through its test window and measuring the test window, as the
  walk-forward did. Nor does it say which window an in-sample iteration belongs to; every
  window evaluates the same number of sets, one window after the other, so set numbers are cut
  into that many equal runs.

:func:`write_campaign` writes a :class:`CampaignData` as a sweep folder (plus ``script.pine``),
which is how the report pipeline hands a campaign to its notebook and keeps it beside the
report. :func:`best_runs` runs the best parameters on each dataset with :func:`pineopt.run` for
the regime breakdown.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pineopt.errors import PineOptError

__all__ = [
    "CampaignData",
    "CampaignNotFound",
    "best_runs",
    "load_campaign",
    "write_campaign",
]

#: the window table's columns that are times
WINDOW_TIMES = ("train_start", "train_end", "test_start", "test_end")


class CampaignNotFound(PineOptError):
    """No campaign by that id, or a folder that is not a sweep's. ``usage`` is true when the
    reference itself is unusable (a path that does not exist, a folder that is not a sweep's);
    an id the store does not know is a store error, as for the store's other commands."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass
class CampaignData:
    """A campaign as its report reads it.

    * ``manifest``: the sweep's manifest (script, data, method, objective, space, constraints,
      fixed inputs, ``strategy()`` overrides, counts, timings, best set; ``walk_forward`` for a
      walk-forward; ``campaign``, the store's id, when it was saved; read from the store,
      also ``stored``: its id, name, status and times);
    * ``results``: one row per parameter set × dataset (``window`` too for a walk-forward's
      in-sample rows), as :func:`pineopt.sweep` returns them;
    * ``windows`` and ``equity``: a walk-forward's windows table and stitched out-of-sample
      equity (None otherwise);
    * ``script``: the Pine text the campaign ran (None when it cannot be found; ``notes`` say
      why);
    * ``origin``: where it was read from, for the report's header.
    """

    manifest: dict[str, Any]
    results: pd.DataFrame
    origin: str
    script: str | None = None
    windows: pd.DataFrame | None = None
    equity: pd.Series | pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def parameters(self) -> list[str]:
        """The swept inputs, by title, in the order given."""
        return list(self.manifest.get("space") or {})

    @property
    def objective(self):  # type: ignore[no-untyped-def]
        """The :class:`~pineopt.sweep.objectives.Objective` the sets were ranked by."""
        from pineopt.sweep.objectives import objective

        return objective(self.manifest["objective"]["name"])

    @property
    def datasets(self) -> list[str]:
        return [entry["name"] for entry in self.manifest.get("data", [])]

    @property
    def is_walk_forward(self) -> bool:
        return self.windows is not None

    @property
    def title(self) -> str:
        return self.manifest.get("script", {}).get("title") or "campaign"


# ------------------------------------------------------------------------------ loading


def load_campaign(
    campaign: Any, *, database: Any = None, store: Any = None, base: str | Path | None = None
) -> CampaignData:
    """Read ``campaign``: a sweep's output folder (a path), or a campaign id of the store
    (``store``, a :class:`pineopt.Store`, or opened on ``database``, a URL or SQLite file;
    default: the default store). A relative script path in a folder's manifest is looked up
    under ``base`` (default: the working directory) when the folder has no ``script.pine``.

    Raises :class:`CampaignNotFound` for an unknown id or a folder that is not a sweep's."""
    if isinstance(campaign, bool) or campaign is None:
        raise CampaignNotFound("give a campaign: a store id or a sweep's folder", usage=True)
    if isinstance(campaign, int | np.integer) or (
        isinstance(campaign, str) and campaign.strip().isdigit() and not Path(campaign).exists()
    ):
        from pineopt.store import Store

        own = not isinstance(store, Store)
        handle = Store(database) if own else store
        try:
            return _from_store(handle, int(campaign))
        finally:
            if own:
                handle.close()
    return _from_folder(Path(campaign).expanduser(), Path(base) if base else Path.cwd())


def _from_folder(folder: Path, base: Path) -> CampaignData:
    if not folder.exists():
        raise CampaignNotFound(f"no such campaign folder: {folder}", usage=True)
    manifest_path = folder / "manifest.json"
    results_path = folder / "results.parquet"
    if not folder.is_dir() or not manifest_path.is_file() or not results_path.is_file():
        raise CampaignNotFound(
            f"{folder} is not a sweep's folder (it needs manifest.json and results.parquet, "
            "as pineopt sweep --out writes them)",
            usage=True,
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        results = pd.read_parquet(results_path)
    except (OSError, ValueError) as exc:
        raise PineOptError(f"cannot read the campaign in {folder}: {exc}") from None
    if not isinstance(manifest, dict) or "objective" not in manifest or "space" not in manifest:
        raise CampaignNotFound(f"{manifest_path} is not a sweep's manifest", usage=True)
    results.attrs["objective"] = manifest["objective"]["name"]
    results.attrs["maximize"] = manifest["objective"]["direction"] == "maximize"
    data = CampaignData(manifest, results, origin=f"folder {folder.resolve()}")
    data.script = _folder_script(folder, manifest, base, data.notes)
    if (folder / "walk_forward.csv").is_file():
        windows = pd.read_csv(folder / "walk_forward.csv")
        data.windows = _window_times(windows)
        if (folder / "oos_equity.parquet").is_file():
            equity = pd.read_parquet(folder / "oos_equity.parquet")
            data.equity = equity["equity"] if list(equity.columns) == ["equity"] else equity
    return data


def _folder_script(folder: Path, manifest: dict[str, Any], base: Path, notes: list[str]):
    """The campaign's Pine text: ``script.pine`` of the folder, else the manifest's path
    (relative to ``base``), if its SHA-256 is the manifest's."""
    recorded = manifest.get("script", {})
    candidates = [folder / "script.pine"]
    if recorded.get("path"):
        path = Path(recorded["path"]).expanduser()
        candidates.append(path if path.is_absolute() else base / path)
    for path in candidates:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if _sha256(text) == recorded.get("sha256"):
            return text
        notes.append(f"{path.name} has changed since the campaign ran (its SHA-256 differs)")
        return None
    notes.append(f"the campaign's script ({recorded.get('path')}) is not found")
    return None


def _from_store(store: Any, campaign_id: int) -> CampaignData:
    from pineopt.store import NotFound
    from pineopt.sweep.objectives import objective as find_objective
    from pineopt.sweep.results import results_frame

    try:
        row = store.campaign(campaign_id)
    except NotFound:
        raise CampaignNotFound(
            f"no campaign {campaign_id} in {store.url} (pineopt sweep --save records one)"
        ) from None
    settings = row["settings"]
    objective = find_objective(row["objective"])
    source = store.strategy(row["strategy_id"]).get("source")
    parameters = list(row["space"])
    data_entries = list(settings.get("data") or [])
    names = [entry["name"] for entry in data_entries] or ["data"]
    walk = settings.get("walk_forward")
    windows = None
    if walk:
        windows = _window_times(pd.DataFrame(walk.get("windows") or []))
    iterations = store.iterations(campaign_id)
    numbers = iterations["number"].tolist()
    window_of = _window_numbers(numbers, windows)
    rows = []
    for _, item in iterations.iterrows():
        for dataset, metrics, value in _per_dataset(item["metrics"], names, objective):
            rows.append(
                {
                    "set": int(item["number"]),
                    "dataset": dataset,
                    "params": dict(item["parameters"] or {}),
                    "metrics": metrics,
                    "objective": value if item["status"] == "done" else math.nan,
                    "error": item["error"],
                    "seconds": item["seconds"],
                    "window": window_of.get(int(item["number"])),
                }
            )
    extra = ["window"] if windows is not None else []
    results = results_frame(rows, parameters, objective, extra)
    best = row["best"]
    manifest: dict[str, Any] = {
        "pineopt_version": settings.get("pineopt_version"),
        "script": {
            "path": None,
            "title": row["strategy"],
            "sha256": None if source is None else _sha256(source),
        },
        "data": data_entries,
        "method": row["method"],
        "trials": settings.get("trials"),
        "objective": {
            "name": objective.name,
            "metric": objective.metric,
            "direction": objective.direction,
        },
        "space": row["space"],
        "constraints": settings.get("constraints") or [],
        "inputs": settings.get("inputs") or {},
        "strategy": settings.get("strategy") or {},
        "seed": settings.get("seed"),
        "runner": None,
        "counts": settings.get("counts") or {},
        "timings": settings.get("timings") or {},
        "best": None
        if best is None
        else {"set": best["number"], **best["parameters"], "objective": best["objective"]},
        "campaign": row["id"],
        "stored": {
            "id": row["id"],
            "name": row["name"],
            "status": row["status"],
            "created_at": str(row["created_at"]),
            "finished_at": None if row["finished_at"] is None else str(row["finished_at"]),
        },
    }
    if walk:
        manifest["walk_forward"] = walk
    data = CampaignData(manifest, results, origin=f"campaign {row['id']} of {store.url}")
    data.script = source
    if windows is not None:
        data.windows = windows
        if source is None:
            data.notes.append("the strategy's text is not in the store")
        else:
            data.equity = _rebuild_equity(data)
    return data


def _per_dataset(metrics: Any, names: list[str], objective: Any):
    """``(dataset, summary, objective)`` for each dataset of an iteration's ``metrics`` (one
    summary, or ``{dataset: summary}`` / ``{"dataset fold k": summary}``; folds are
    averaged)."""
    if not isinstance(metrics, dict) or not metrics:
        for name in names:
            yield name, {}, math.nan
        return
    keyed = all(isinstance(v, dict) for v in metrics.values())
    if not keyed:
        yield names[0], metrics, objective.value(metrics)
        return
    grouped: dict[str, list[dict]] = {}
    for key, summary in metrics.items():
        name = str(key).rsplit(" fold ", 1)[0] if " fold " in str(key) else str(key)
        grouped.setdefault(name, []).append(summary)
    for name, parts in grouped.items():
        values = [objective.value(part) for part in parts]
        if len(parts) == 1:
            yield name, parts[0], values[0]
            continue
        merged = {}
        for key in parts[0]:
            numbers = [p.get(key) for p in parts]
            if all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
                merged[key] = float(np.mean(numbers))
        mean = math.nan if any(math.isnan(v) for v in values) else float(np.mean(values))
        yield name, merged, mean


def _window_numbers(numbers: list[int], windows: pd.DataFrame | None) -> dict[int, int]:
    """The walk-forward window of each set number: the windows ran one after the other, each
    over the same number of sets (see the module docstring)."""
    if windows is None or not len(windows) or not numbers:
        return {}
    count = int(windows["window"].nunique())
    ordered = sorted(numbers)
    if len(ordered) % count:
        return {}
    size = len(ordered) // count
    return {number: position // size + 1 for position, number in enumerate(ordered)}


def _window_times(windows: pd.DataFrame) -> pd.DataFrame:
    for column in WINDOW_TIMES:
        if column in windows.columns:
            windows[column] = pd.to_datetime(windows[column], utc=True)
    return windows


def _rebuild_equity(data: CampaignData) -> pd.Series | pd.DataFrame | None:
    """The stitched out-of-sample equity of a walk-forward read from the store: each window's
    chosen parameters run from its training start through its test window, the test window
    measured (:func:`pineopt.sweep.evaluate.measure_segment`) and the windows chained
    (as :func:`pineopt.sweep.walk_forward` does)."""
    import pineopt
    from pineopt.strategy.config import StrategyConfig
    from pineopt.sweep.evaluate import measure_segment
    from pineopt.sweep.walkforward import Window, _stitch

    windows = data.windows
    curves: dict[str, list] = {}
    capital = None
    for entry in data.manifest["data"]:
        bars = campaign_bars(entry, data.notes)
        if bars is None:
            continue
        index = bars.frame.index
        parts = []
        for _, window in windows[windows["dataset"] == entry["name"]].iterrows():
            if pd.isna(window.get("set")):
                continue
            inside = index[(index >= window["train_start"]) & (index < window["test_end"])]
            if not len(inside):
                continue
            result = pineopt.run(
                data.script,
                bars,
                inputs={**data.manifest["inputs"], **_chosen(window, data.parameters)},
                strategy=data.manifest["strategy"] or None,
                start=inside[0],
                end=inside[-1],
            )
            if capital is None:
                capital = StrategyConfig.from_declaration(
                    result.declaration, data.manifest["strategy"]
                ).initial_capital
            _, growth = measure_segment(result, bars.frame.loc[inside], window["test_start"])
            parts.append(
                (
                    Window(
                        int(window["window"]),
                        window["train_start"],
                        window["train_end"],
                        window["test_start"],
                        window["test_end"],
                    ),
                    growth,
                )
            )
        curves[entry["name"]] = parts
    if not curves or capital is None:
        return None
    return _stitch(curves, capital)


def _chosen(window: pd.Series, parameters: list[str]) -> dict[str, Any]:
    chosen = {}
    for name in parameters:
        value = window[name]
        chosen[name] = value.item() if hasattr(value, "item") else value
    return chosen


# ------------------------------------------------------------------------------ the bars


def campaign_bars(entry: dict[str, Any], notes: list[str]):  # type: ignore[no-untyped-def]
    """The :class:`~pineopt.data.dataset.Dataset` a campaign's ``data`` entry ran on: its spec
    resolved again and cut to the recorded first and last bars; None (and a note) when it
    cannot be read again (a DataFrame given from Python) or no longer matches the campaign's
    fingerprint."""
    from pineopt.data.frame import fingerprint
    from pineopt.data.resolver import resolve_data

    spec = entry.get("spec")
    recorded = entry.get("fingerprint") or {}
    if not spec or spec == "DataFrame":
        notes.append(f"{entry.get('name')}: the bars were a DataFrame; they cannot be read again")
        return None
    try:
        dataset = resolve_data(spec, start=recorded.get("first"), end=recorded.get("last"))
    except PineOptError as exc:
        notes.append(f"{entry['name']}: {exc}")
        return None
    if recorded.get("sha256") and fingerprint(dataset.frame)["sha256"] != recorded["sha256"]:
        notes.append(f"{entry['name']}: the bars of {spec} differ from the campaign's")
        return None
    return dataset


# ------------------------------------------------------------------------------ best runs


def best_params(data: CampaignData) -> dict[str, Any] | None:
    """The best parameter set as the campaign names it: ranked on the objective pooled over
    the datasets; for a walk-forward, the set chosen on its last training window (what one
    would trade next). None when no set has an objective."""
    best = data.manifest.get("best")
    if not best:
        return None
    return {name: best[name] for name in data.parameters if name in best}


def best_runs(data: CampaignData, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{dataset: (Dataset, Result)}``: ``params`` (default :func:`best_params`) run with
    :func:`pineopt.run` over each dataset's bars of the campaign, with its fixed inputs and
    ``strategy()`` overrides. Datasets that cannot be read again are left out and noted in
    ``data.notes``."""
    import pineopt

    params = best_params(data) if params is None else params
    if params is None or data.script is None:
        return {}
    runs = {}
    for entry in data.manifest["data"]:
        bars = campaign_bars(entry, data.notes)
        if bars is None:
            continue
        result = pineopt.run(
            data.script,
            bars,
            inputs={**data.manifest["inputs"], **params},
            strategy=data.manifest["strategy"] or None,
        )
        runs[entry["name"]] = (bars, result)
    return runs


# ------------------------------------------------------------------------------ writing


def write_campaign(data: CampaignData, folder: str | Path) -> Path:
    """Write ``data`` as a sweep's folder (``manifest.json``, ``results.parquet`` and
    ``results.csv``, ``walk_forward.csv`` and ``oos_equity.parquet`` for a walk-forward) with
    ``script.pine`` when the script is known; each file atomically."""
    from pineopt.fileio import atomic_write_text
    from pineopt.sweep.outputs import write_csv, write_frame, write_manifest, write_series_parquet

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    write_frame(data.results, target, "results")
    if data.windows is not None:
        write_csv(data.windows, target / "walk_forward.csv")
        if data.equity is not None:
            write_series_parquet(data.equity, target / "oos_equity.parquet")
    if data.script is not None:
        atomic_write_text(target / "script.pine", data.script)
    write_manifest(data.manifest, target)
    return target


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
