"""What a ``--data`` argument means, the same on every surface.

``pineopt run``, ``pineopt report``, ``pineopt sweep``, ``%%pine``, the dashboards and the REST
shim all name their bars the same way, and :func:`resolve_data` is the one place that reads the
name: a :class:`~pineopt.data.dataset.Dataset` as it is, the path of a CSV or Parquet file, a
bundled sample named ``SYMBOL_TF`` (``"BTCUSDT_1h"``, ``"ETHUSDT_1D"``), or a symbol loaded
from a provider at a timeframe.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pineopt.errors import PineOptError

__all__ = ["SAMPLE_NAME", "resolve_data"]

SAMPLE_NAME = re.compile(r"^(?P<symbol>[A-Za-z0-9.!]+)_(?P<timeframe>[0-9]*[A-Za-z]*)$")
"""``SYMBOL_TF``: a bundled sample (``BTCUSDT_1h``), the symbol and its timeframe."""


def resolve_data(
    data: Any = None,
    *,
    symbol: str | None = None,
    provider: str | None = None,
    timeframe: Any = None,
    start: Any = None,
    end: Any = None,
):
    """The bars named by ``data`` (or ``symbol``), as a :class:`~pineopt.data.dataset.Dataset`.

    ``data`` is a Dataset, the path of a CSV or Parquet file, or a bundled sample named
    ``SYMBOL_TF`` (``"BTCUSDT_1h"``, ``"ETHUSDT_1D"``); otherwise ``symbol`` is loaded from
    ``provider`` (default ``"sample"``) at ``timeframe``. ``start`` and ``end`` bound the bars
    (inclusive).
    """
    from pineopt.data import Dataset, load

    if isinstance(data, Dataset):
        return data.between(start, end) if (start is not None or end is not None) else data
    if data is not None and not isinstance(data, str | Path):
        raise PineOptError(f"data is a sample name, a file path or a Dataset, not {type(data)}")
    if data is not None and symbol is not None:
        raise PineOptError("give data or symbol, not both")
    if data is not None:
        text = str(data)
        path = Path(text).expanduser()
        if path.is_file():  # absolute: a saved run's bars must be found from anywhere
            return load(str(path.resolve()), timeframe, start, end, provider="file")
        match = SAMPLE_NAME.match(text)
        if match and not path.suffix:
            tf = timeframe or match["timeframe"]
            return load(match["symbol"], tf, start, end, provider=provider or "sample")
        raise PineOptError(
            f"no such data file or sample: {text} (samples are named like BTCUSDT_1h)"
        )
    if symbol is None:
        raise PineOptError("no data: give a sample name or a file, or a symbol")
    return load(symbol, timeframe, start, end, provider=provider or "sample")
