"""The public API: :func:`convert` a Pine script to Python, :func:`run` it over bars.

>>> import pineopt
>>> btc = pineopt.load("BTCUSDT", "1D", provider="sample")
>>> result = pineopt.run('''
... //@version=6
... indicator("SMA")
... plot(ta.sma(close, 14), "SMA")
... ''', btc)
>>> result.plots.columns.tolist()
['SMA']

A script is Pine text, the path of a ``.pine`` file, or a :class:`Conversion` made earlier.
Converted modules are cached by the hash of their source, so running one script many times
(a parameter sweep) converts it once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pineopt.errors import PineOptError

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

    from pineopt.compiler import Conversion
    from pineopt.runtime.engine import Result

__all__ = ["ConversionError", "convert", "run"]

#: converted modules kept by :func:`run` (least recently used dropped first)
CACHE_SIZE = 32

_modules: OrderedDict[tuple[str, str], tuple[Conversion, ModuleType]] = OrderedDict()


class ConversionError(PineOptError):
    """A script that could not be converted. The message is the formatted diagnostics
    (``FILE:LINE:COL: error: MESSAGE`` with the source line and a caret); ``diagnostics`` holds
    them as objects and ``conversion`` the whole :class:`~pineopt.compiler.Conversion`."""

    def __init__(self, conversion: Conversion) -> None:
        super().__init__(conversion.format_diagnostics() or "the script could not be converted")
        self.conversion = conversion
        self.diagnostics = conversion.diagnostics


def convert(source: str | bytes | Path, filename: str | None = None) -> Conversion:
    """Convert Pine Script to Python.

    ``source`` is Pine text or the path (``str`` or :class:`~pathlib.Path`) of a ``.pine`` file.
    Returns the :class:`~pineopt.compiler.Conversion`: ``ok``, ``code`` (the Python module's
    text), ``diagnostics`` and ``format_diagnostics()``, ``features``. Errors in the script are
    diagnostics, not exceptions; an unreadable path raises :class:`PineOptError`.
    """
    from pineopt.compiler import convert as compile_source

    text, name = _source(source, filename)
    return compile_source(text, name)


def _source(source: str | bytes | Path, filename: str | None) -> tuple[str | bytes, str]:
    """The Pine text of ``source`` and the file name its diagnostics carry."""
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PineOptError(f"cannot read {path}: {exc.strerror or exc}") from None
        return data, filename or str(source)
    if isinstance(source, str | bytes):
        return source, filename or "<input>"
    raise PineOptError(f"a script is Pine text or a path, not {type(source).__name__}")


def _looks_like_path(text: str) -> bool:
    """One line naming an existing file, or ending in ``.pine``."""
    if not text or "\n" in text or len(text) > 4096:
        return False
    if text.strip().lower().endswith(".pine"):
        return True
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):
        return False


def _module(script: Any) -> tuple[Conversion, ModuleType]:
    """The conversion and loaded module of ``script``, from the cache when it was seen."""
    from pineopt.compiler import Conversion, load

    if isinstance(script, Conversion):
        conversion: Conversion | None = script
        key = ("conversion", _digest(script.code or script.source or ""), script.filename)
    else:
        text, name = _source(script, None)
        conversion = None
        key = ("source", _digest(text), name)
    cache_key = (key[0] + ":" + key[1], key[2])
    hit = _modules.get(cache_key)
    if hit is not None:
        _modules.move_to_end(cache_key)
        return hit
    if conversion is None:
        from pineopt.compiler.cache import convert_for_run

        conversion = convert_for_run(text, name)
    if not conversion.ok:
        raise ConversionError(conversion)
    module = load(conversion)
    _modules[cache_key] = (conversion, module)
    while len(_modules) > CACHE_SIZE:
        _modules.popitem(last=False)
    return conversion, module


def _digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def clear_cache() -> None:
    """Forget every converted module kept by :func:`run`."""
    _modules.clear()


def run(
    script: Any,
    data: Any,
    *,
    inputs: dict[str, object] | None = None,
    symbol: Any = None,
    timeframe: Any = None,
    timezone: str | None = None,
    mintick: float | None = None,
    pointvalue: float | None = None,
    session: str | None = None,
    syminfo: str | Path | None = None,
    start: Any = None,
    end: Any = None,
    htf_data: dict[str, Any] | None = None,
    security_data: dict[str, Any] | None = None,
    strategy: dict[str, object] | None = None,
    magnifier_data: Any = None,
    **strategy_overrides: object,
) -> Result:
    """Run a Pine script over bars and return its :class:`~pineopt.runtime.engine.Result`
    (``plots``: one column per plot title indexed by bar open time, UTC; ``drawings``,
    ``alerts``, ``logs``, ``inputs``).

    * ``script``: Pine text, a ``.pine`` path or a :class:`~pineopt.compiler.Conversion`;
    * ``data``: a contract OHLCV DataFrame (or one with a ``time`` column), a
      :class:`~pineopt.data.dataset.Dataset` from :func:`pineopt.load`, a CSV/Parquet path, a
      bundled sample (``"BTCUSDT_1D"``) or a cached series (``"binance:BTC/USDT_4h"``): see
      :func:`pineopt.data.resolver.resolve_data`; the feeds below take the same;
    * ``inputs``: overrides by input title or by the variable the input is assigned to; values
      may be Python values or text spelled as in Pine (``"true"``, ``"hl2"``, ``"#FF0000"``);
    * ``symbol`` (a ticker such as ``"BINANCE:BTCUSDT"`` or a
      :class:`~pineopt.data.symbol.SymbolInfo`), ``syminfo`` (a symbol TOML), ``timezone``,
      ``mintick``, ``pointvalue``, ``session``: override the data's symbol information;
    * ``timeframe``: Pine notation; inferred from the bar spacing when omitted;
    * ``start``, ``end``: the first and last bars executed (earlier and later rows dropped);
    * ``htf_data``: ``{timeframe: data}`` feeds of the chart symbol at other timeframes.
    * ``security_data``: ``{"SYMBOL" or "SYMBOL:TF": data}`` feeds of other symbols for
      ``request.security``;
    * strategies: ``strategy`` (a dict) or keyword arguments override ``strategy()``
      parameters (``initial_capital=10_000, commission_value=0.1``); ``magnifier_data`` holds
      the lower-timeframe bars of ``use_bar_magnifier``. The Result then also has ``trades``,
      ``equity`` and ``metrics`` (TradingView's Performance Summary).

    The Result keeps the Pine text (``source``) and the chart run on (``chart``), so
    ``result.data_fingerprint`` identifies the bars and ``pineopt.Store().record(result)``
    files the run with its strategy and data.

    Raises :class:`ConversionError` when the script has errors,
    :class:`~pineopt.runtime.inputs.InputError` for a bad input override,
    :class:`~pineopt.errors.DataError` for unusable data and
    :class:`~pineopt.errors.PineRuntimeError` for a runtime error of the script: all are
    :class:`~pineopt.errors.PineOptError`.
    """
    from pineopt.runtime.standalone import prepare, run_module

    conversion, module = _module(script)
    chart = prepare(
        data,
        symbol=symbol,
        timeframe=timeframe,
        timezone=timezone,
        mintick=mintick,
        pointvalue=pointvalue,
        session=session,
        syminfo=syminfo,
        start=start,
        end=end,
        htf_data=htf_data,
        security_data=security_data,
    )
    warnings = tuple(d for d in conversion.diagnostics if not d.is_error)
    overrides = {**(strategy or {}), **strategy_overrides}
    result = run_module(
        module,
        chart,
        inputs=inputs,
        diagnostics=warnings,
        strategy=overrides or None,
        magnifier=magnifier_data,
    )
    result.source = conversion.source or None
    result.chart = chart
    return result
