"""PineOpt: TradingView Pine Script outside TradingView.

The public API is small: :func:`load` brings market data (bundled samples, files, exchanges)
as a :class:`~pineopt.data.dataset.Dataset`; :func:`convert` turns Pine Script into Python;
:func:`run` runs a script over bars and returns a :class:`Result`; :func:`compare_trades` lays
our trades beside a TradingView "List of trades" export; :class:`Store` keeps strategies and
backtests in a database (SQLite or PostgreSQL); :func:`sweep` and :func:`walk_forward` search
a strategy's inputs, on this machine or a Dask cluster.
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from pineopt.api import ConversionError, convert, run
from pineopt.data import Dataset, SymbolInfo, Timeframe, load
from pineopt.strategy.compare import compare_trades

if TYPE_CHECKING:  # pragma: no cover
    from pineopt.runtime.engine import Result
    from pineopt.store import Store

__all__ = [
    "ConversionError",
    "Dataset",
    "Result",
    "Store",
    "SymbolInfo",
    "Timeframe",
    "__version__",
    "compare_trades",
    "convert",
    "load",
    "load_ipython_extension",
    "run",
    "sweep",
    "walk_forward",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext pineopt``: the ``%%pine`` magics and rich display (see
    :mod:`pineopt.jupyter`; IPython is imported only here)."""
    from pineopt.jupyter import load_ipython_extension as load_extension

    load_extension(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext pineopt``: remove the rich display formatters."""
    from pineopt.jupyter import unload_ipython_extension as unload_extension

    unload_extension(ipython)


def __getattr__(name: str) -> Any:
    # ``Result`` (the runtime), ``Store`` (SQLAlchemy) and the sweeps (pandas, Dask on use)
    # are imported on first use to keep ``import pineopt`` light. ``pineopt.sweep`` is the
    # package :mod:`pineopt.sweep`, which is callable (``pineopt.sweep(script, data, ...)``).
    if name == "Result":
        from pineopt.runtime.engine import Result

        return Result
    if name == "Store":
        from pineopt.store import Store

        return Store
    if name == "sweep":
        import pineopt.sweep

        return pineopt.sweep
    if name == "walk_forward":
        from pineopt.sweep import walk_forward

        return walk_forward
    raise AttributeError(f"module 'pineopt' has no attribute {name!r}")
