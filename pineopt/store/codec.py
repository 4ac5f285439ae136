"""How the objects of a run become database values, and back.

* JSON columns take :func:`json_safe` values: numpy scalars become Python numbers, colors their
  ``#RRGGBBAA`` text, times ISO 8601 and NaN or infinities ``null`` (PostgreSQL's JSON accepts
  no NaN); :func:`metrics_from_json` turns the ``null`` of a Performance Summary back into NaN.
* The equity curve is one blob: Parquet compressed with zstd (:func:`equity_to_bytes`), read
  back exactly (values, column order, the UTC index) by :func:`equity_from_bytes`.
* Trades are rows of ``backtest_trades``: :func:`trade_rows` and :func:`trades_frame` keep
  ``Result.trades``' columns and dtypes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pineopt.store.errors import StoreError
from pineopt.strategy.trades import TRADE_COLUMNS

_INT_COLUMNS = ("trade", "entry_bar", "exit_bar", "bars")
_TIME_COLUMNS = ("entry_time", "exit_time")
_TEXT_COLUMNS = ("direction", "entry_signal", "exit_signal")
_BOOL_COLUMNS = ("is_open",)


def json_safe(value: Any) -> Any:
    """``value`` made of what every backend's JSON holds (see the module docstring); mapping
    keys become text."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return json_safe(float(value))
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "to_hex"):  # a Pine color
        return value.to_hex()
    return str(value)


def metrics_from_json(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """A stored Performance Summary, its ``null`` values NaN again (as ``Result.metrics``)."""
    if not metrics:
        return {}
    return {
        side: {k: float("nan") if v is None else v for k, v in values.items()}
        if isinstance(values, Mapping)
        else values
        for side, values in metrics.items()
    }


def diagnostic_dicts(diagnostics: Iterable[Any]) -> list[dict[str, Any]]:
    """Converter diagnostics as JSON: ``{line, col, end_line, end_col, severity, message}``."""
    return [
        {
            "line": d.span.line,
            "col": d.span.column,
            "end_line": d.span.end_line,
            "end_col": d.span.end_column,
            "severity": d.severity.value,
            "message": d.message,
        }
        for d in diagnostics
    ]


def parameter_dict(spec: Any) -> dict[str, Any]:
    """One input (:class:`~pineopt.runtime.inputs.InputSpec`) as JSON: ``name, title, kind,
    default, options, minval, maxval, step, group``."""
    extra = getattr(spec, "extra", None) or {}
    return {
        "name": spec.name,
        "title": spec.title,
        "kind": spec.kind,
        "default": json_safe(spec.default),
        "options": None if spec.options is None else json_safe(list(spec.options)),
        "minval": json_safe(spec.minval),
        "maxval": json_safe(spec.maxval),
        "step": json_safe(spec.step),
        "group": json_safe(extra.get("group")),
    }


def input_values(specs: Sequence[Any]) -> dict[str, Any]:
    """The value each input ran with, by title (by variable name for an untitled one)."""
    return {str(s.title or s.name): json_safe(s.value) for s in specs if s.title or s.name}


# --------------------------------------------------------------------------- equity


def equity_to_bytes(equity: pd.DataFrame) -> bytes:
    """``Result.equity`` as Parquet bytes (zstd)."""
    buffer = io.BytesIO()
    equity.to_parquet(buffer, engine="pyarrow", compression="zstd", index=True)
    return buffer.getvalue()


def equity_from_bytes(data: bytes) -> pd.DataFrame:
    """The frame :func:`equity_to_bytes` wrote."""
    return pd.read_parquet(io.BytesIO(data), engine="pyarrow")


def empty_equity() -> pd.DataFrame:
    """No equity: an empty frame on an empty UTC index named ``time``."""
    return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="time"))


# --------------------------------------------------------------------------- trades


def trade_rows(trades: pd.DataFrame | None) -> list[dict[str, Any]]:
    """``Result.trades`` as ``backtest_trades`` rows (a missing value is None). Raises
    :class:`~pineopt.store.errors.StoreError` when the frame lacks some of the columns."""
    if trades is None or not len(trades):
        return []
    missing = [name for name in TRADE_COLUMNS if name not in trades.columns]
    if missing:
        raise StoreError(f"the trades lack the column(s) {', '.join(missing)}")
    columns: dict[str, list] = {}
    for name in TRADE_COLUMNS:
        series = trades[name]
        if name in _TIME_COLUMNS:
            times = pd.to_datetime(series, utc=True)
            columns[name] = [None if pd.isna(t) else t.to_pydatetime() for t in times]
        elif name in _INT_COLUMNS:
            columns[name] = [int(v) for v in series]
        elif name in _BOOL_COLUMNS:
            columns[name] = [bool(v) for v in series]
        elif name in _TEXT_COLUMNS:
            columns[name] = [None if pd.isna(v) else str(v) for v in series]
        else:
            columns[name] = [None if pd.isna(v) else float(v) for v in series]
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def trades_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The ``Result.trades`` frame of stored rows: its columns in order, with its dtypes
    (int64, text, UTC datetimes, float64, bool), also when there is no trade."""
    text = pd.Series(["x"]).dtype  # this pandas' text dtype (``str`` in pandas 3, else object)

    def column(name: str) -> pd.Series:
        values = [row[name] for row in rows]
        if name in _INT_COLUMNS:
            return pd.Series(values, dtype="int64")
        if name in _TIME_COLUMNS:
            times = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
            return times.astype("datetime64[ns, UTC]")
        if name in _TEXT_COLUMNS:
            return pd.Series(values, dtype=object).astype(text)
        if name in _BOOL_COLUMNS:
            return pd.Series(values, dtype=bool)
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")

    return pd.DataFrame({name: column(name) for name in TRADE_COLUMNS})
