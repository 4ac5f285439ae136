"""PineOpt: TradingView Pine Script outside TradingView.

The public API is small: :func:`load` brings market data (bundled samples, files, exchanges)
as a :class:`~pineopt.data.dataset.Dataset`.
"""

__version__ = "0.1.0"

from pineopt.data import Dataset, SymbolInfo, Timeframe, load

__all__ = ["Dataset", "SymbolInfo", "Timeframe", "__version__", "load"]
