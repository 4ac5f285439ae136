"""What a ``--data`` argument means, the same on every surface.

``pineopt run``, ``pineopt report``, ``pineopt sweep``, ``%%pine``, the dashboards and the REST
shim all name their bars the same way, and :func:`resolve_data` is the one place that reads the
name. ``data`` is one of:

* a :class:`~pineopt.data.dataset.Dataset`, used as it is;
* the path of a CSV or Parquet file (the ``file`` provider reads it);
* a name ``[EXCHANGE:]SYMBOL_TF``: a bundled sample (``BTCUSDT_1D``, ``ETHUSDT_1h``,
  ``SOLUSDT_4h``) or a series fetched earlier into the Parquet cache (``binance:BTC/USDT_4h``,
  ``BTCUSDT_15m``), found offline. ``TF`` is Pine notation (``60``, ``240``, ``1D``) or the
  exchange spelling (``1m``, ``1h``, ``4h``, ``1d``): ``1m`` is a minute, ``1M`` a month. A
  timeframe that is not stored is aggregated from a lower one that is.

A name without ``EXCHANGE:`` is looked up among the bundled samples first and then in the cache
(a sample that stores the timeframe wins; one that would only be aggregated gives way to a cached
series at that timeframe or below). With ``EXCHANGE:`` (as ``pineopt data list`` shows cached
series) the cache is looked up first, the samples of that exchange after it. ``SYMBOL`` may be
spelled ``BTCUSDT``, ``BTC/USDT`` or ``BTC-USDT``. ``pineopt data list`` and ``%pine_data`` list
the names there are.

Instead of ``data``, ``symbol`` and ``timeframe`` name the same things separately, and
``provider`` picks one provider (``sample``, ``cache``, ``file``, ``tradingview``, ``ccxt``,
``tardis``) instead of looking.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pineopt.errors import DataError, DataNotFound, PineOptError

if TYPE_CHECKING:  # pragma: no cover
    from pineopt.data.cache import ParquetCache
    from pineopt.data.dataset import Dataset
    from pineopt.data.timeframe import Timeframe

__all__ = [
    "FILE_PROVIDERS",
    "FILE_SUFFIXES",
    "data_name",
    "fetches_range",
    "looks_like_path",
    "parse_name",
    "resolve_data",
    "sample_names",
]

FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".gz")
"""Endings that make a ``--data`` argument a file path rather than a name."""

FILE_PROVIDERS = ("file", "tradingview")
"""Providers whose symbol is the path of a file."""

LOCAL_PROVIDERS = ("sample", "file", "cache")
"""Providers of bars already on this machine, loaded whole (the run is then cut to its dates)."""


def fetches_range(provider: str | None) -> bool:
    """Whether bars from ``provider`` are fetched for the run's dates only (an exchange), rather
    than loaded whole from this machine (no provider: the samples and the cache)."""
    return provider is not None and provider not in LOCAL_PROVIDERS


def looks_like_path(text: str | Path) -> bool:
    """Whether ``text`` is meant as a file path: a data file ending (``.csv``, ``.parquet``,
    …) or a start such as ``/``, ``./``, ``../`` or ``~``. Names never look like paths."""
    if isinstance(text, Path):
        return True
    text = text.strip()
    return Path(text).suffix.lower() in FILE_SUFFIXES or text.startswith(
        ("/", "./", "../", "~", ".\\", "..\\")
    )


def parse_name(name: str) -> tuple[str, Timeframe | None]:
    """``"binance:BTCUSDT_4h"`` → ``("binance:BTCUSDT", Timeframe("240"))``: the symbol (with
    its exchange, if any) and the timeframe after the last ``_``; a name whose ending is no
    timeframe is all symbol (``("BTC_USDT", None)``)."""
    from pineopt.data.timeframe import Timeframe

    text = name.strip()
    symbol, sep, ending = text.rpartition("_")
    if sep and symbol and not symbol.endswith(":"):
        try:
            return symbol, Timeframe.parse(ending)
        except DataError:
            pass
    return text, None


def data_name(symbol: str, timeframe: Any) -> str:
    """The name :func:`resolve_data` takes for ``symbol`` at ``timeframe``: ``BTCUSDT_1h``,
    ``BTCUSDT_4h``, ``ETHUSDT_1D``, ``binance:BTC/USDT_15m`` (minutes and hours in the
    exchange spelling, days, weeks and months in Pine's)."""
    from pineopt.data.timeframe import Timeframe

    tf = Timeframe.parse(timeframe)
    return f"{symbol}_{tf.to_ccxt() if tf.is_intraday else tf}"


def sample_names() -> list[str]:
    """The names of the bundled samples, as :func:`data_name` spells them."""
    from pineopt.data.providers import get_provider

    return [data_name(info.symbol, info.timeframe) for info in get_provider("sample").available()]


def resolve_data(
    data: Any = None,
    *,
    symbol: str | None = None,
    provider: str | None = None,
    timeframe: Any = None,
    start: Any = None,
    end: Any = None,
    exchange: str | None = None,
    syminfo: str | Path | None = None,
    cache: ParquetCache | str | Path | None = None,
    files: bool = True,
) -> Dataset:
    """The bars named by ``data`` (or ``symbol``), as a :class:`~pineopt.data.dataset.Dataset`.

    ``data`` is a Dataset, a file path or a name ``[EXCHANGE:]SYMBOL_TF`` (see the module's
    description); ``symbol`` with ``timeframe`` names the same without the ``_TF``. A
    ``timeframe`` given overrides the name's. ``provider`` loads from that provider only
    (``exchange`` is its exchange); otherwise the samples and the cache are looked up.
    ``start`` and ``end`` bound the bars (inclusive). ``syminfo`` (a symbol TOML) replaces the
    symbol information. ``cache`` is the cache (or its root folder) to look in, by default
    ``$PINEOPT_DATA_DIR`` or ``outputs/datasets``. ``files=False`` refuses file paths and the
    file providers (the REST shim: callers must not name files on the server).

    Raises :class:`~pineopt.errors.DataNotFound` when nothing goes by the name (the message
    says what was tried and lists the samples), another
    :class:`~pineopt.errors.PineOptError` for bars that cannot be loaded or bad arguments.
    """
    from pineopt.data.dataset import Dataset
    from pineopt.data.timeframe import Timeframe

    if data is not None and symbol is not None:
        raise PineOptError("give data or symbol, not both")
    if isinstance(data, Dataset):
        dataset = data.between(start, end) if (start is not None or end is not None) else data
        return _with_syminfo(dataset, syminfo)
    if data is not None and not isinstance(data, str | Path):
        raise PineOptError(
            f"data is a sample name, a cached series, a file path or a Dataset, not "
            f"{type(data).__name__}"
        )
    if provider in FILE_PROVIDERS and not files:
        raise PineOptError(f"the {provider!r} provider reads files, which are not offered here")
    wanted = Timeframe.parse(timeframe) if timeframe not in (None, "") else None

    if data is not None:
        text = str(data).strip()
        if not text:
            raise DataNotFound(f"no data: the name is empty (samples: {_listed()})")
        if looks_like_path(data) or provider in FILE_PROVIDERS or _is_file(text):
            if not files:
                raise PineOptError(f"{text}: file paths are not offered here; name a symbol")
            return _from_file(text, provider, wanted, start, end, syminfo)
        name, named_tf = parse_name(text)
        label = text if named_tf or wanted is None else f"{text} {timeframe}"
        file_name = text if files else None
        wanted = wanted or named_tf
    elif symbol is not None and str(symbol).strip():
        name = str(symbol).strip()
        label = f"{name} {timeframe}" if wanted is not None else name
        file_name = None
    else:
        raise DataNotFound(
            f"no data: give a sample name, a cached series or a file (samples: {_listed()})"
        )

    store = _cache(cache)
    if provider is not None:
        options: dict[str, Any] = {"cache": store} if store is not None else {}
        dataset = _load(name, wanted, start, end, provider, exchange, options)
    else:
        dataset = _look_up(name, wanted, start, end, exchange, store, label, file_name)
    return _with_syminfo(dataset, syminfo)


def _from_file(
    text: str, provider: str | None, timeframe: Timeframe | None, start, end, syminfo
) -> Dataset:
    path = Path(text).expanduser()
    if not _is_file(text):
        raise DataNotFound(f"no such file: {text}")
    options = {"syminfo": syminfo} if syminfo is not None and str(syminfo) else {}
    # absolute: a saved run's bars must be found again from anywhere
    return _load(str(path.resolve()), timeframe, start, end, provider or "file", None, options)


def _look_up(
    name: str,
    timeframe: Timeframe | None,
    start: Any,
    end: Any,
    exchange: str | None,
    store: ParquetCache | None,
    label: str,
    file_name: str | None,
) -> Dataset:
    """Load ``name`` from the bundled samples or the cache, whichever holds it (see the
    module's description for the order)."""
    from pineopt.data.cache import ParquetCache, same_symbol
    from pineopt.data.providers import sample
    from pineopt.data.providers.remote import split_prefix

    prefix, bare = split_prefix(name)
    exchange = exchange or prefix
    series = sample.stored_series(bare)
    sample_exchange = next(iter(series.values()), {}).get("symbol", {}).get("prefix", "")
    is_sample = bool(series) and (exchange is None or exchange.upper() == sample_exchange.upper())
    store = store or ParquetCache()
    cached = [
        key
        for key in store.series_keys()
        if same_symbol(key.symbol, bare)
        and (exchange is None or key.exchange.lower() == exchange.lower())
    ]
    in_cache = [
        key for key in cached if timeframe is None or key.timeframe.seconds <= timeframe.seconds
    ]
    stored = is_sample and (timeframe is None or timeframe in series)
    buildable = is_sample and (timeframe is None or sample.can_build(bare, timeframe))
    if prefix is None:
        order = [("sample", stored), ("cache", bool(in_cache)), ("sample", buildable)]
    else:
        order = [("cache", bool(in_cache)), ("sample", buildable)]
    for source, holds in order:
        if holds:
            options = {"cache": store} if source == "cache" else {}
            return _load(bare, timeframe, start, end, source, exchange, options)

    tried = [f"no file {file_name!r}"] if file_name and prefix is None else []
    if not series:
        tried.append(f"no bundled sample {bare!r}")
    elif not is_sample:
        tried.append(f"the bundled sample {bare!r} is not of exchange {exchange!r}")
    else:
        tried.append(f"the bundled sample {bare} has no {timeframe} bars nor lower ones")
    where = f" of exchange {exchange!r}" if exchange else ""
    if cached:
        held = ", ".join(sorted({str(key.timeframe) for key in cached}))
        tried.append(f"the cache holds {bare}{where} only at {held}")
    else:
        tried.append(f"nothing cached for {bare!r}{where}")
    raise DataNotFound(
        f"no bars for {label}: {'; '.join(tried)} (samples: {_listed()}; "
        "`pineopt data list` lists the cache)"
    )


def _load(
    symbol: str,
    timeframe: Timeframe | None,
    start: Any,
    end: Any,
    provider: str,
    exchange: str | None,
    options: dict[str, Any],
) -> Dataset:
    from pineopt.data import load

    return load(symbol, timeframe, start, end, provider=provider, exchange=exchange, **options)


def _is_file(text: str) -> bool:
    """Whether ``text`` names an existing file (a name too long or with a NUL names none)."""
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):
        return False


def _cache(cache: ParquetCache | str | Path | None) -> ParquetCache | None:
    from pineopt.data.cache import ParquetCache

    if cache is None or isinstance(cache, ParquetCache):
        return cache
    return ParquetCache(Path(cache).expanduser())


def _with_syminfo(dataset: Dataset, syminfo: str | Path | None) -> Dataset:
    """``dataset`` with the symbol information of the TOML ``syminfo`` (when given)."""
    if syminfo is None or not str(syminfo):
        return dataset
    from pineopt.data.symbol import SymbolInfo

    return dataclasses.replace(
        dataset,
        symbol=SymbolInfo.from_toml(syminfo),
        provenance={**dataset.provenance, "syminfo": str(syminfo)},
    )


def _listed() -> str:
    return ", ".join(sample_names())
