"""What a sweep leaves on disk, in its ``out`` folder (each file written atomically):

* ``results.parquet`` and ``results.csv``: one row per parameter set × dataset with its
  Performance Summary (:func:`pineopt.sweep.results.results_frame`);
* ``manifest.json``: how to reproduce and judge it: the script (path and SHA-256), the data
  (names and fingerprints), the space, method, objective, constraints, fixed inputs and
  ``strategy()`` overrides, the seed, counts, timings, the best set and the PineOpt version;
* after a walk-forward also ``walk_forward.csv`` (one row per window) and
  ``oos_equity.parquet`` (the stitched out-of-sample equity).
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.fileio import atomic_output, atomic_write_text


def default_folder(script_name: str, root: str | Path = "outputs/sweeps") -> Path:
    """``outputs/sweeps/<UTC timestamp>-<script stem>``."""
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y%m%dT%H%M%SZ")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(script_name).stem) or "script"
    return Path(root) / f"{stamp}-{stem}"


def write_frame(frame: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """``stem.parquet`` and ``stem.csv`` in ``folder``."""
    parquet, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    table = _storable(frame)
    with atomic_output(parquet) as stream:
        table.to_parquet(stream, index=False)
    write_csv(table, csv)
    return [parquet, csv]


def write_csv(frame: pd.DataFrame, path: Path, index: bool = False) -> Path:
    text = io.StringIO()
    frame.to_csv(text, index=index)
    atomic_write_text(path, text.getvalue())
    return path


def write_series_parquet(series: pd.Series | pd.DataFrame, path: Path) -> Path:
    frame = series.to_frame() if isinstance(series, pd.Series) else series
    with atomic_output(path) as stream:
        frame.to_parquet(stream)
    return path


def write_manifest(manifest: dict[str, Any], folder: Path) -> Path:
    path = folder / "manifest.json"
    atomic_write_text(path, json.dumps(_jsonable(manifest), indent=2) + "\n")
    return path


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Parameter columns of mixed kinds (an enum's titles beside numbers) as text, so that
    Parquet takes them."""
    table = frame.copy()
    for column in table.columns:
        if table[column].dtype == object and column != "error":
            kinds = {type(v) for v in table[column].dropna()}
            if len(kinds) > 1:
                table[column] = table[column].map(lambda v: None if v is None else str(v))
    table.attrs = {}
    return table


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
