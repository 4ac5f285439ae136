"""End to end: Pine scripts converted and run by PineOpt against TradingView's chart exports.

Every export of ``data/`` (see ``data/README.md``) has a Pine v6 script in ``scripts/`` with the
export's stem as its name; the script plots each of the export's columns under the column's exact
header. The script is converted (:func:`pineopt.compiler.convert`), loaded and executed
(:func:`pineopt.runtime.engine.execute`) on the export's own OHLCV bars, and each plotted column is
one test: a value matches when both sides are ``na`` or ``|ours - tv| <= 1e-9 + 1e-7 * |tv|``; the
``na`` pattern must match exactly. Booleans are exported as the numbers the scripts plot for them
(a constant when true, 0 when false), so they are compared the same way. Bars excluded from a
column are listed with their cause in ``KNOWN-DIFFERENCES.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.dataset import Dataset
from pineopt.data.providers.file import read_ohlcv_file
from pineopt.data.providers.tradingview import read_tradingview_export
from pineopt.runtime.engine import execute

HERE = Path(__file__).parent
DATA = HERE / "data"
SCRIPTS = HERE / "scripts"
ABS_TOL = 1e-9
REL_TOL = 1e-7

# NYSE half days on which TradingView repeats the previous day's ratio (KNOWN-DIFFERENCES.md).
HALF_DAYS = [
    "2019-07-03", "2019-11-29", "2019-12-24", "2021-11-26", "2022-11-25", "2023-07-03",
    "2023-11-24", "2024-07-03", "2024-11-29", "2024-12-24", "2025-07-03", "2025-11-28",
    "2025-12-24",
]  # fmt: skip


def _half_days(dataset: Dataset) -> np.ndarray:
    days = dataset.frame.index.tz_convert(dataset.symbol.timezone).strftime("%Y-%m-%d")
    return np.isin(days, HALF_DAYS)


def _bars(*bars: int) -> Callable[[Dataset], np.ndarray]:
    def mask(dataset: Dataset) -> np.ndarray:
        out = np.zeros(len(dataset.frame), dtype=bool)
        out[list(bars)] = True
        return out

    return mask


def _usi_frames() -> dict[str, pd.DataFrame]:
    frames = {}
    for name, symbol in (("USI_ADVN_NY", "USI:ADVN.NY"), ("USI_DECL_NY", "USI:DECL.NY")):
        data = read_ohlcv_file(DATA / "security" / f"{name}.csv")
        frame = data.frame.copy()
        frame.attrs["symbol"] = data.symbol
        frames[symbol] = frame
    return frames


@dataclass(frozen=True)
class Export:
    path: str  # under data/; the script is scripts/<stem>.pine
    syminfo: str | None = None  # under data/
    # reader's column name -> plot title, where they differ
    titles: dict[str, str] = field(default_factory=dict)
    # column -> bars excluded (KNOWN-DIFFERENCES.md)
    known: dict[str, Callable[[Dataset], np.ndarray]] = field(default_factory=dict)
    htf_frames: Callable[[], dict[str, pd.DataFrame]] | None = None
    xfail: str | None = None  # every column: a compiler / runtime gap (see the report)
    xfail_columns: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return Path(self.path).stem


TA = [
    "accdist+pvi+pvt+wad+wvad", "bb", "cci+cmo+cog", "cross", "dmi", "falling+rising",
    "highest+lowest", "iii+nvi+obv", "kc", "linreg", "ma", "macd", "mfi+rsi+stoch",
    "min+max+median+mode", "pivot", "ppp", "range", "rci", "sar", "supertrend", "tr", "tsi",
    "valuewhen", "valuewhen_na", "wpr",
]  # fmt: skip

EXPORTS = [Export(f"ta/{name}.csv") for name in TA] + [
    Export("ta/correlation.csv", known={"correlation": _bars(127, 130, 131)}),
    Export("ta/vwap.csv", "ta/vwap.toml"),
    Export("base/na.csv"),
    Export("base/time.csv", titles={"time (2)": "time"}),
    Export("core/series_if_for.csv"),
    Export("session/session.csv", "session/session.toml"),
    Export("timeframe/timeframe.csv", "timeframe/timeframe.toml"),
    Export("timeframe/timeframe2.csv", "timeframe/timeframe.toml"),
    Export("timeframe/timeframe_is.csv"),
    Export(
        "security/advance_decline_ratio.csv",
        known={"Plot": _half_days},
        htf_frames=_usi_frames,
    ),
    Export(
        "pivot_point_levels/pivot_point_levels.csv",
        "pivot_point_levels/pivot_point_levels.toml",
    ),
]
BY_STEM = {export.stem: export for export in EXPORTS}


@cache
def _dataset(stem: str) -> Dataset:
    export = BY_STEM[stem]
    if export.syminfo is None:
        return read_tradingview_export(DATA / export.path)
    return read_tradingview_export(DATA / export.path, syminfo=DATA / export.syminfo)


@cache
def _run(stem: str) -> pd.DataFrame | BaseException:
    try:
        return _execute(stem)
    except Exception as exc:  # kept, so that a failing script runs once, not once per column
        return exc


def _plots(stem: str) -> pd.DataFrame:
    """The script's plots on the export's bars (converted and executed once per export)."""
    outcome = _run(stem)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _execute(stem: str) -> pd.DataFrame:
    export, dataset = BY_STEM[stem], _dataset(stem)
    script = SCRIPTS / f"{stem}.pine"
    conversion = convert(script.read_text(encoding="utf-8"), script.name)
    assert conversion.ok, conversion.format_diagnostics()
    htf = export.htf_frames() if export.htf_frames else None
    result = execute(
        load(conversion), dataset.frame, dataset.symbol, dataset.timeframe, htf_frames=htf
    )
    return result.plots


def _cases() -> list:
    cases = []
    for export in EXPORTS:
        for column in _dataset(export.stem).reference.columns:
            reason = export.xfail or export.xfail_columns.get(column)
            marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
            cases.append(
                pytest.param(export.stem, column, marks=marks, id=f"{export.path}::{column}")
            )
    return cases


def test_every_export_has_a_script():
    for export in EXPORTS:
        assert (SCRIPTS / f"{export.stem}.pine").is_file(), export.stem
    assert {p.stem for p in SCRIPTS.glob("*.pine")} == set(BY_STEM)


@pytest.mark.parametrize(("stem", "column"), _cases())
def test_plot_matches_tradingview(stem: str, column: str) -> None:
    export, dataset = BY_STEM[stem], _dataset(stem)
    plots = _plots(stem)
    title = export.titles.get(column, column)
    assert title in plots.columns, f"no plot titled {title!r}; plots: {list(plots.columns)}"
    tv = dataset.reference[column].to_numpy(dtype=np.float64)
    ours = plots[title].to_numpy(dtype=np.float64)
    assert ours.shape == tv.shape
    keep = ~export.known[column](dataset) if column in export.known else np.ones(len(tv), bool)
    index = dataset.frame.index[keep]
    tv, ours = tv[keep], ours[keep]
    na_diff = np.flatnonzero(np.isnan(ours) != np.isnan(tv))
    assert not na_diff.size, (
        f"na pattern differs on {na_diff.size} bars, first {index[na_diff[0]]}: "
        f"ours {ours[na_diff[0]]}, TradingView {tv[na_diff[0]]}"
    )
    both = np.flatnonzero(~np.isnan(tv))
    err = np.abs(ours[both] - tv[both])
    bad = both[err > ABS_TOL + REL_TOL * np.abs(tv[both])]
    assert not bad.size, (
        f"{bad.size} values differ (max abs error {err.max():.3g}), first {index[bad[0]]}: "
        f"ours {ours[bad[0]]!r}, TradingView {tv[bad[0]]!r}"
    )
