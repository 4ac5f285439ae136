"""PineOpt: TradingView Pine Script outside TradingView."""
__version__ = "0.1.0"
