"""``sample``: real market data bundled inside the package.

Binance spot BTCUSDT (1D, 4h, 1h, 1m), ETHUSDT (1D, 4h, 1h) and SOLUSDT (1D, 1h), Oracle daily
bars and an hourly EUR/USD chart exported from TradingView; see ``samples/PROVENANCE.md``. A
timeframe that is not stored is aggregated from the nearest stored one that nests in it (the
bundled 1D bars give 1W and 1M), and the provenance says so.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pineopt.data.cache import METADATA_KEY
from pineopt.data.dataset import Dataset
from pineopt.data.frame import OHLCV_COLUMNS, to_ohlcv
from pineopt.data.providers.base import DataRequest, DatasetInfo, Provider, register
from pineopt.data.resample import resample
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError


def samples_dir() -> Path:
    return Path(str(resources.files("pineopt.data") / "samples"))


@cache
def _catalog() -> dict[str, dict[Timeframe, tuple[Path, dict]]]:
    """``{SYMBOL: {timeframe: (path, metadata)}}`` for every bundled file."""
    catalog: dict[str, dict[Timeframe, tuple[Path, dict]]] = {}
    for path in sorted(samples_dir().glob("*.parquet")):
        metadata = json.loads(pq.read_schema(path).metadata[METADATA_KEY])
        catalog.setdefault(metadata["sample"], {})[Timeframe.parse(metadata["timeframe"])] = (
            path,
            metadata,
        )
    return catalog


@lru_cache(maxsize=32)
def _bars(path: Path) -> pd.DataFrame:
    """The bars of one bundled file, read and checked once per process (they cannot change)."""
    table = pq.read_table(path).to_pandas().set_index("time")[list(OHLCV_COLUMNS)]
    return to_ohlcv(table, path.name)


def normalise_symbol(symbol: str) -> str:
    """``BINANCE:BTCUSDT``, ``btc/usdt`` and ``BTCUSDT`` all name the sample ``BTCUSDT``."""
    return symbol.split(":")[-1].replace("/", "").replace("-", "").strip().upper()


def sample_symbols() -> list[str]:
    """The bundled symbols (``BTCUSDT``, ``ETHUSDT``, …), sorted."""
    return sorted(_catalog())


def stored_series(symbol: str) -> dict[Timeframe, dict]:
    """``{timeframe: metadata}`` of the bundled files of ``symbol`` (any spelling; empty when
    it is no sample). The metadata holds ``symbol`` (its symbol information) and ``source``."""
    return {tf: meta for tf, (_, meta) in _catalog().get(normalise_symbol(symbol), {}).items()}


def can_build(symbol: str, timeframe: Timeframe) -> bool:
    """Whether the bundled files of ``symbol`` hold ``timeframe`` or bars to aggregate it from."""
    series = _catalog().get(normalise_symbol(symbol))
    return bool(series) and (timeframe in series or _base(timeframe, series) is not None)


@register
class SampleProvider(Provider):
    name = "sample"
    description = "real market data bundled with PineOpt (offline)"

    def available(self) -> list[DatasetInfo]:
        rows = []
        for symbol, series in sorted(_catalog().items()):
            for tf, (_, meta) in sorted(series.items(), key=lambda item: item[0].seconds):
                rows.append(
                    DatasetInfo(
                        "sample",
                        symbol,
                        str(tf),
                        meta.get("rows"),
                        meta.get("start"),
                        meta.get("end"),
                        meta["symbol"].get("description", ""),
                    )
                )
        return rows

    def load(self, request: DataRequest) -> Dataset:
        symbol = normalise_symbol(request.symbol)
        series = _catalog().get(symbol)
        if series is None:
            names = ", ".join(sorted(_catalog()))
            raise DataError(f"no bundled sample {request.symbol!r} (samples: {names})")
        wanted = request.timeframe
        if wanted is None:
            if len(series) > 1:
                choices = ", ".join(str(tf) for tf in sorted(series, key=lambda t: t.seconds))
                raise DataError(
                    f"sample {symbol} comes in several timeframes ({choices}); choose one"
                )
            wanted = next(iter(series))
        source_tf = wanted if wanted in series else _base(wanted, series)
        if source_tf is None:
            stored = ", ".join(str(tf) for tf in sorted(series, key=lambda t: t.seconds))
            raise DataError(
                f"sample {symbol} has no {wanted} bars and none to build them from "
                f"(stored: {stored})"
            )
        path, meta = series[source_tf]
        frame = _bars(path).copy()
        info = SymbolInfo(**meta["symbol"])
        provenance = {"provider": "sample", "source": meta["source"], "file": path.name}
        if source_tf != wanted:
            frame = resample(frame, wanted, info, source_tf)
            provenance["resampled_from"] = str(source_tf)
        dataset = Dataset(frame, info, wanted, provenance=provenance)
        return dataset.between(request.start, request.end)


def _base(wanted: Timeframe, series: dict) -> Timeframe | None:
    """The largest stored timeframe that nests in ``wanted`` (None: none does)."""

    def nests(tf: Timeframe) -> bool:
        if tf.seconds > wanted.seconds:
            return False
        if wanted.is_intraday:
            return wanted.seconds % tf.seconds == 0
        return (
            tf.is_intraday
            or tf == Timeframe(1, "D")
            or (tf.unit == wanted.unit and wanted.multiplier % tf.multiplier == 0)
        )

    candidates = [tf for tf in series if nests(tf)]
    return max(candidates, key=lambda tf: tf.seconds) if candidates else None
