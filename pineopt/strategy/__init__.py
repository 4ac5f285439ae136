"""Strategy results: trade lists and their TradingView Strategy Tester counterparts."""
