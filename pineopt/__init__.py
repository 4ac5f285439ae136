"""PineOpt: TradingView Pine Script outside TradingView.

The public API is small: :func:`load` brings market data (bundled samples, files, exchanges)
as a :class:`~pineopt.data.dataset.Dataset`; :func:`compare_trades` lays our trades beside a
TradingView "List of trades" export.
"""

__version__ = "0.1.0"

from pineopt.data import Dataset, SymbolInfo, Timeframe, load
from pineopt.strategy.compare import compare_trades

__all__ = ["Dataset", "SymbolInfo", "Timeframe", "__version__", "compare_trades", "load"]
