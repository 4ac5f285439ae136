"""The Parquet cache of downloaded bars.

One file per series: ``<root>/<provider>/<exchange>/<symbol>/<timeframe>.parquet`` (root defaults
to ``outputs/datasets`` under the working directory, or ``$PINEOPT_DATA_DIR``). The file's schema
metadata records the source, the time ranges actually fetched (so a later request fetches only
what is missing, and a quiet market with no bars is not fetched twice), the fetch time and the
package version. New bars merge with the cached ones without duplicates (a bar fetched again
replaces the cached one). Every write goes to a temporary file in the same folder and is renamed
over the old file, so a crash mid-write leaves the previous cache intact.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pineopt.data.frame import OHLCV_COLUMNS, check_contract, empty_ohlcv
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError
from pineopt.fileio import atomic_output

METADATA_KEY = b"pineopt"
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def default_root() -> Path:
    """``$PINEOPT_DATA_DIR`` if set, else ``outputs/datasets`` under the working directory."""
    return Path(os.environ.get("PINEOPT_DATA_DIR") or Path.cwd() / "outputs" / "datasets")


def safe_name(text: str) -> str:
    """A path component for a symbol or exchange: ``BTC/USDT`` → ``BTC-USDT``."""
    cleaned = _UNSAFE.sub("-", text.strip()).strip("-.")
    if not cleaned:
        raise DataError(f"cannot use {text!r} as a name in the cache")
    return cleaned


@dataclass(frozen=True)
class CacheKey:
    """Which series a cache file holds."""

    provider: str
    exchange: str
    symbol: str
    timeframe: Timeframe

    def relative_path(self) -> Path:
        return Path(
            safe_name(self.provider),
            safe_name(self.exchange or "default"),
            safe_name(self.symbol),
            f"{safe_name(str(self.timeframe))}.parquet",
        )


@dataclass
class CacheEntry:
    """A cached series: its bars plus the metadata stored beside them."""

    key: CacheKey
    path: Path
    frame: pd.DataFrame
    fetched: list[tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def missing(
        self, start: pd.Timestamp, end: pd.Timestamp
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The parts of ``[start, end)`` no earlier fetch has covered."""
        return subtract_ranges((start, end), self.fetched)


def merge_ranges(
    ranges: list[tuple[pd.Timestamp, pd.Timestamp]],
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Union of half-open ranges, sorted, touching ranges joined."""
    merged: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for lo, hi in sorted(r for r in ranges if r[0] < r[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def subtract_ranges(
    wanted: tuple[pd.Timestamp, pd.Timestamp], covered: list[tuple[pd.Timestamp, pd.Timestamp]]
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The pieces of the half-open range ``wanted`` outside every range of ``covered``."""
    lo, hi = wanted
    pieces = []
    for c_lo, c_hi in merge_ranges(covered):
        if c_hi <= lo or c_lo >= hi:
            continue
        if c_lo > lo:
            pieces.append((lo, c_lo))
        lo = max(lo, c_hi)
    if lo < hi:
        pieces.append((lo, hi))
    return pieces


class ParquetCache:
    """Reads, merges and atomically writes cached series under one root folder."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def path(self, key: CacheKey) -> Path:
        return self.root / key.relative_path()

    def read(self, key: CacheKey) -> CacheEntry | None:
        """The cached series, or ``None`` when nothing is cached for ``key``."""
        path = self.path(key)
        if not path.exists():
            return None
        return self._read_path(path, key)

    def _read_path(self, path: Path, key: CacheKey | None = None) -> CacheEntry:
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise DataError(
                f"{path}: unreadable cache file ({exc}); delete it to fetch again"
            ) from exc
        raw = (table.schema.metadata or {}).get(METADATA_KEY)
        metadata = json.loads(raw) if raw else {}
        frame = table.to_pandas()
        if "time" in frame.columns:
            frame = frame.set_index("time")
        frame.index = pd.DatetimeIndex(frame.index, name="time").as_unit("ns")
        if frame.index.tz is None:
            frame.index = frame.index.tz_localize("UTC")
        frame = frame[list(OHLCV_COLUMNS)].astype("float64")
        check_contract(frame, str(path))
        if key is None:
            key = _key(path, metadata)
        fetched = [(pd.Timestamp(lo), pd.Timestamp(hi)) for lo, hi in metadata.get("fetched", [])]
        return CacheEntry(key, path, frame, fetched, metadata)

    def store(
        self,
        key: CacheKey,
        frame: pd.DataFrame,
        fetched: tuple[pd.Timestamp, pd.Timestamp] | None = None,
        source: str = "",
        extra: dict[str, Any] | None = None,
    ) -> CacheEntry:
        """Merge ``frame`` into the cached series and record ``fetched`` as covered; atomic."""
        check_contract(frame, f"bars for {key.symbol} {key.timeframe}")
        previous = self.read(key)
        old = previous.frame if previous else empty_ohlcv()
        merged = (
            pd.concat([old[~old.index.isin(frame.index)], frame]).sort_index()
            if len(old)
            else frame
        )
        ranges = list(previous.fetched) if previous else []
        if fetched is not None:
            ranges.append(fetched)
        ranges = merge_ranges(ranges)
        metadata = dict(previous.metadata) if previous else {}
        metadata.update(extra or {})
        metadata.update(
            {
                "provider": key.provider,
                "exchange": key.exchange,
                "symbol": key.symbol,
                "timeframe": str(key.timeframe),
                "source": source or metadata.get("source", key.provider),
                "fetched": [[_iso(lo), _iso(hi)] for lo, hi in ranges],
                "fetched_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "pineopt_version": _version(),
                "rows": len(merged),
            }
        )
        path = self.path(key)
        write_parquet_atomic(merged, path, metadata)
        return CacheEntry(key, path, merged, ranges, metadata)

    def entries(self) -> Iterator[CacheEntry]:
        """Every readable series under the root (unreadable files are skipped)."""
        for path in self._paths():
            try:
                yield self._read_path(path)
            except DataError:
                continue

    def series_keys(self) -> Iterator[CacheKey]:
        """Which series the root holds, from the files' metadata alone (no bars are read;
        unreadable files are skipped)."""
        for _, key in self._listing():
            yield key

    def _listing(self) -> Iterator[tuple[Path, CacheKey]]:
        for path in self._paths():
            try:
                raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
                yield path, _key(path, json.loads(raw) if raw else {})
            except (OSError, ValueError, pa.ArrowInvalid, DataError):
                continue

    def find(
        self, symbol: str, timeframe: Timeframe | None = None, exchange: str | None = None
    ) -> list[CacheEntry]:
        """Cached series of a symbol (any provider; ``BTC/USDT`` and ``BTCUSDT`` are the same
        symbol), optionally at one timeframe or of one exchange (any case)."""
        wanted = [
            path
            for path, key in self._listing()
            if same_symbol(key.symbol, symbol)
            and (timeframe is None or key.timeframe == timeframe)
            and (exchange is None or key.exchange.lower() == exchange.lower())
        ]
        entries = []
        for path in wanted:
            try:
                entries.append(self._read_path(path))
            except DataError:
                continue
        return entries

    def _paths(self) -> list[Path]:
        return sorted(self.root.glob("*/*/*/*.parquet")) if self.root.exists() else []


def same_symbol(a: str, b: str) -> bool:
    """Whether two spellings name the same symbol in the cache: ``BTC/USDT``, ``BTC-USDT`` and
    ``btcusdt`` do."""
    return safe_name(a).upper().replace("-", "") == safe_name(b).upper().replace("-", "")


def _key(path: Path, metadata: dict[str, Any]) -> CacheKey:
    """The key of a cache file: from its metadata, else from where it lies under the root."""
    return CacheKey(
        metadata.get("provider", path.parts[-4]),
        metadata.get("exchange", path.parts[-3]),
        metadata.get("symbol", path.parts[-2]),
        Timeframe.parse(metadata.get("timeframe", path.stem)),
    )


def write_parquet_atomic(frame: pd.DataFrame, path: Path, metadata: dict[str, Any]) -> None:
    """Write a contract frame (time as a column) with JSON metadata via temp file + rename."""
    table = pa.Table.from_pandas(frame.reset_index(), preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[METADATA_KEY] = json.dumps(metadata, sort_keys=True).encode()
    table = table.replace_schema_metadata(schema_meta)
    with atomic_output(path) as stream:
        pq.write_table(table, stream, compression="zstd")


def _iso(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _version() -> str:
    from pineopt import __version__

    return __version__
