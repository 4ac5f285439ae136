"""Strategy conformance: run folders of TradingView trade lists and score PineOpt against them.

A *probe* is a folder holding a strategy and the "List of trades" TradingView produced for it::

    DIR/
      data/FEED.csv[.gz]         the chart feed (CSV, gzipped or not, or Parquet; when there
                                 are several, the largest file is the default and probes name
                                 the others)
      probes/NAME/               (or DIR/NAME/ directly)
        strategy.pine            the strategy
        tv_trades.csv[.gz]       TradingView's List of trades for it
        inputs.json              optional: input values by title, and run settings

``inputs.json`` keys: an input's title gives the value it had; ``ohlcv_csv`` another feed
(relative to the probe folder; ``NAME.gz`` is used when only the gzipped copy exists),
``ohlcv_start_ms`` the chart's first bar (ms UTC; earlier rows do not exist for the script),
``tv_trades_csv`` the trade list's file name, ``tv_trades_csv_tz`` the timezone of its naive
times, ``input_tf``/``script_tf`` the feed's and the chart's timeframe (the feed is aggregated
when they differ), ``runtime_overrides`` ``strategy()`` settings to override. Other keys
(``notes``, ``_comment``…) are ignored.

Every probe goes through the same path as ``pineopt run`` (:func:`pineopt.run`) and is scored by
:func:`~pineopt.strategy.scoring.score_trades`. :func:`run_probes` runs them in parallel worker
processes; :func:`report_text` prints the scoreboard ending with ``exact N/M within1pct K/M``.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.errors import DataError, PineOptError
from pineopt.strategy.scoring import Score, score_trades

__all__ = [
    "DEFAULT_TZ",
    "Probe",
    "ProbeResult",
    "chart_start_time",
    "find_probes",
    "report_json",
    "report_text",
    "run_probe",
    "run_probes",
]

#: the timezone of the trade lists' naive times when neither the command nor a probe says
#: (the PineForge corpus exports are in UTC+8)
DEFAULT_TZ = "+08:00"
SCRIPT = "strategy.pine"
TRADES = "tv_trades.csv"
SETTINGS = "inputs.json"
FEED_SUFFIXES = (".csv", ".parquet", ".pq", ".tsv", ".txt")
#: inputs.json keys that are run settings, not input values
SPECIAL_KEYS = {
    "ohlcv_start_ms",
    "ohlcv_csv",
    "tv_trades_csv",
    "tv_trades_csv_tz",
    "script_tf",
    "input_tf",
    "runtime_overrides",
    "validation_overrides",
    "expected_tier",
    "engine_chart_timezone",
    "notes",
}
#: runtime_overrides spelled otherwise than the strategy() parameter they set
OVERRIDE_NAMES = {"bar_magnifier": "use_bar_magnifier"}


@dataclass(frozen=True)
class Probe:
    """One probe folder."""

    name: str
    folder: Path
    settings: dict[str, Any]

    @property
    def category(self) -> str:
        """The name's prefix (``order-dual-stop-…`` → ``order``)."""
        return self.name.split("-", 1)[0]

    @property
    def inputs(self) -> dict[str, Any]:
        settings = self.settings.items()
        return {k: v for k, v in settings if k not in SPECIAL_KEYS and not k.startswith("_")}

    def trades_path(self) -> Path:
        name = str(self.settings.get("tv_trades_csv") or TRADES)
        path = _existing(self.folder / name)
        if path.is_file():
            return path
        raise DataError(f"{self.folder}: no TradingView trade list ({name} or {name}.gz)")


@dataclass
class ProbeResult:
    """A probe's score, or why it could not be scored."""

    name: str
    category: str
    score: Score | None = None
    error: str | None = None
    seconds: float = 0.0
    trades: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.score is not None and self.score.exact

    @property
    def within_1pct(self) -> bool:
        return self.score is not None and self.score.within_1pct

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "error"
        return "exact" if self.exact else "within1pct" if self.within_1pct else "differs"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "probe": self.name,
            "category": self.category,
            "verdict": self.verdict,
            "seconds": round(self.seconds, 3),
            "trades": self.trades,
        }
        if self.error is not None:
            data["error"] = self.error
        if self.score is not None:
            data.update(self.score.to_dict())
        if self.notes:
            data["notes"] = list(self.notes)
        return data


# ---------------------------------------------------------------------------- finding probes


def find_probes(root: str | Path, only: str | None = None) -> list[Probe]:
    """The probes under ``root`` (its ``probes/`` folder when it has one), sorted by name;
    ``only`` keeps those whose name contains it."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder")
    base = root / "probes" if (root / "probes").is_dir() else root
    probes = []
    for folder in sorted(p for p in base.iterdir() if (p / SCRIPT).is_file()):
        if only and only not in folder.name:
            continue
        probes.append(Probe(folder.name, folder, _settings(folder)))
    if not probes and not only:
        raise DataError(f"{root}: no probe folders (folders with a {SCRIPT}) found")
    return probes


def _settings(folder: Path) -> dict[str, Any]:
    path = folder / SETTINGS
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(value, dict):
        raise DataError(f"{path}: expected a JSON object of settings")
    return value


def default_feed(root: str | Path) -> Path | None:
    """The feed of probes that name none: the largest data file in ``root/data``."""
    folder = Path(root) / "data"
    if not folder.is_dir():
        return None
    feeds = [p for p in folder.iterdir() if p.is_file() and _is_feed(p)]
    return max(feeds, key=lambda p: (p.stat().st_size, p.name)) if feeds else None


def _is_feed(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return name.endswith(FEED_SUFFIXES)


def _existing(path: Path) -> Path:
    """``path``, or its gzipped copy ``path.gz`` when only that exists."""
    gz = path.with_name(path.name + ".gz")
    return gz if not path.exists() and gz.is_file() else path


# ---------------------------------------------------------------------------- running one probe


@functools.lru_cache(maxsize=4)
def _dataset(path: str, timeframe: str | None):
    from pineopt.data.providers.file import read_ohlcv_file

    return read_ohlcv_file(path, timeframe or None)


def _chart_frame(probe: Probe, feed: Path | None, symbol: dict[str, Any], chart_start: Any = None):
    """The chart's bars of a probe (feed, first bar, timeframe) as ``pineopt.run`` data;
    ``chart_start`` (ms UTC or a time) is the first bar of probes whose ``inputs.json`` gives
    no ``ohlcv_start_ms``."""
    from pineopt.data.resample import resample

    settings = probe.settings
    if settings.get("ohlcv_csv"):
        feed = _existing((probe.folder / str(settings["ohlcv_csv"])).resolve())
    if feed is None:
        raise DataError(f"{probe.name}: no feed (give --data, or put the feed in DIR/data/)")
    if not feed.is_file():
        raise DataError(f"{probe.name}: the feed {feed.name} does not exist")
    dataset = _dataset(str(feed), settings.get("input_tf"))
    frame = dataset.frame
    start = settings.get("ohlcv_start_ms")
    if start is not None:
        try:
            first = pd.Timestamp(int(start), unit="ms", tz="UTC")
        except (TypeError, ValueError):
            raise DataError(f"{probe.name}: ohlcv_start_ms must be ms since 1970 UTC") from None
        frame = frame[frame.index >= first]  # earlier bars are not part of the chart at all
    elif chart_start is not None:
        frame = frame[frame.index >= chart_start_time(chart_start)]
    script_tf = settings.get("script_tf")
    if script_tf and str(script_tf) != str(dataset.timeframe):
        frame = resample(frame, str(script_tf), dataset.symbol, dataset.timeframe)
    info = dataset.symbol
    if symbol:
        info = info.replace(**symbol)
    from pineopt.data.dataset import Dataset
    from pineopt.data.timeframe import Timeframe

    tf = Timeframe.parse(str(script_tf)) if script_tf else dataset.timeframe
    return Dataset(frame, info, tf)


def chart_start_time(value: Any) -> pd.Timestamp:
    """A chart's first bar given as ms since 1970 UTC or as a time (naive times are UTC)."""
    try:
        if isinstance(value, int | float) or str(value).strip().lstrip("-").isdigit():
            return pd.Timestamp(int(value), unit="ms", tz="UTC")
        stamp = pd.Timestamp(str(value).strip())
    except (TypeError, ValueError):
        raise DataError(
            f"not a time: {value!r} (ms since 1970 UTC, or e.g. 2025-03-31T00:00Z)"
        ) from None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def run_probe(
    probe: Probe,
    feed: Path | None = None,
    *,
    tz: str = DEFAULT_TZ,
    symbol: dict[str, Any] | None = None,
    chart_start: Any = None,
) -> ProbeResult:
    """Run one probe and score it; a failure becomes the result's ``error`` (one line)."""
    from pineopt.api import run
    from pineopt.strategy.tv_trades import read_tv_trades

    started = time.perf_counter()
    result = ProbeResult(probe.name, probe.category)
    try:
        tv = read_tv_trades(
            probe.trades_path(), str(probe.settings.get("tv_trades_csv_tz") or tz).strip()
        )
        data = _chart_frame(probe, feed, symbol or {}, chart_start)
        overrides = {
            OVERRIDE_NAMES.get(k, k): v
            for k, v in dict(probe.settings.get("runtime_overrides") or {}).items()
        }
        ran = run(
            probe.folder / SCRIPT,
            data,
            inputs=probe.inputs,
            strategy=overrides or None,
        )
        if ran.trades is None:
            raise DataError(f"{probe.name}: {SCRIPT} is not a strategy() script")
        result.trades = len(ran.trades)
        result.score = score_trades(ran.trades, tv)
        result.notes = _feed_notes(data.frame.index, result.score)
    except PineOptError as exc:
        result.error = _one_line(exc)
    except Exception as exc:
        result.error = f"internal error: {type(exc).__name__}: {_one_line(exc)}"
    result.seconds = time.perf_counter() - started
    return result


def _feed_notes(index: pd.DatetimeIndex, score: Score) -> list[str]:
    """What makes a probe's chart unlike TradingView's: a feed that starts after its first
    fill (or ends before its last) cannot be the chart the export came from."""
    if score.window is None or not len(index):
        return []
    first, last = score.window
    notes = []
    if index[0] > first:
        notes.append(
            f"the chart starts {index[0]:%Y-%m-%d %H:%M} UTC, after TradingView's first fill "
            f"({first:%Y-%m-%d %H:%M} UTC): it is not the chart the export came from"
        )
    if index[-1] < last:
        notes.append(
            f"the chart ends {index[-1]:%Y-%m-%d %H:%M} UTC, before TradingView's last fill "
            f"({last:%Y-%m-%d %H:%M} UTC)"
        )
    return notes


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------- running them all


def run_probes(
    probes: list[Probe],
    feed: Path | None = None,
    *,
    jobs: int = 1,
    tz: str = DEFAULT_TZ,
    symbol: dict[str, Any] | None = None,
    on_result: Callable[[int, ProbeResult], None] | None = None,
    chart_start: Any = None,
) -> list[ProbeResult]:
    """Run ``probes`` (``jobs`` worker processes; 1 runs them here) and return their results
    in the probes' order; ``on_result(done_count, result)`` is called as each one finishes."""
    results: dict[str, ProbeResult] = {}
    task = functools.partial(run_probe, feed=feed, tz=tz, symbol=symbol, chart_start=chart_start)
    if jobs <= 1 or len(probes) <= 1:
        for probe in probes:
            results[probe.name] = task(probe)
            if on_result:
                on_result(len(results), results[probe.name])
    else:
        context = get_context("fork" if "fork" in _start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(task, probe): probe for probe in _longest_first(probes)}
            try:
                for future in as_completed(futures):
                    done = future.result()
                    results[done.name] = done
                    if on_result:
                        on_result(len(results), done)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    return [results[p.name] for p in probes]


def _start_methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()


def _longest_first(probes: list[Probe]) -> list[Probe]:
    """Probes with bigger scripts first: the pool then ends with short tasks."""
    return sorted(probes, key=lambda p: -(p.folder / SCRIPT).stat().st_size)


def default_jobs() -> int:
    return max(1, min(8, os.cpu_count() or 1))


# ---------------------------------------------------------------------------- the scoreboard


def probe_line(result: ProbeResult) -> str:
    """One line per probe: verdict, the five ratios, trades, seconds."""
    head = f"{result.verdict:<10} {result.name}"
    if result.score is None:
        return f"{head}  {result.error}"
    s = result.score
    line = (
        f"{head}  entries {s.matched_entries}/{s.tv_entries} (ours {s.our_entries}) "
        f"exits {s.matched_exits}/{s.tv_exits} (ours {s.our_exits}) "
        f"prices {s.entry_price_match:.3f}/{s.exit_price_match:.3f}  {result.seconds:.1f}s"
    )
    return "\n".join([line, *(f"           note: {note}" for note in result.notes)])


def summary_line(results: Iterable[ProbeResult]) -> str:
    results = list(results)
    exact = sum(r.exact for r in results)
    within = sum(r.within_1pct for r in results)
    total = len(results)
    return f"exact {exact}/{total} within1pct {within}/{total}"


def category_table(results: list[ProbeResult]) -> str:
    rows: dict[str, list[int]] = {}
    for r in results:
        row = rows.setdefault(r.category, [0, 0, 0, 0])
        row[0] += 1
        row[1] += r.exact
        row[2] += r.within_1pct
        row[3] += r.error is not None
    width = max([len("category")] + [len(c) for c in rows])
    lines = [f"{'category':<{width}}  probes  exact  within1pct  errors"]
    for category in sorted(rows):
        n, exact, within, errors = rows[category]
        lines.append(f"{category:<{width}}  {n:>6}  {exact:>5}  {within:>10}  {errors:>6}")
    return "\n".join(lines)


def worst(results: list[ProbeResult], count: int = 10) -> list[ProbeResult]:
    """The probes furthest from TradingView: errors first, then by their worst ratio."""
    bad = [r for r in results if not r.exact]
    return sorted(bad, key=lambda r: (r.score is not None, r.score.worst_ratio if r.score else 0))[
        :count
    ]


def report_text(results: list[ProbeResult], count: int = 10) -> str:
    """Per-category table, the worst probes with their first divergence, the summary line."""
    parts = [category_table(results)]
    bad = worst(results, count)
    if bad:
        lines = ["", "worst probes (first divergence):"]
        for r in bad:
            if r.score is None:
                lines.append(f"  {r.name}: {r.error}")
                continue
            where = r.score.divergence.text() if r.score.divergence else "prices only"
            lines.append(f"  {r.name} (worst ratio {r.score.worst_ratio:.3f}): {where}")
            lines.extend(f"    note: {note}" for note in r.notes)
        parts.append("\n".join(lines))
    parts.append(summary_line(results))
    return "\n".join(parts)


def report_json(results: list[ProbeResult]) -> dict[str, Any]:
    return {
        "summary": {
            "probes": len(results),
            "exact": sum(r.exact for r in results),
            "within_1pct": sum(r.within_1pct for r in results),
            "errors": sum(r.error is not None for r in results),
        },
        "probes": [r.to_dict() for r in results],
    }
