"""Bridges from PineOpt to other backtesting frameworks.

Each bridge lives in its own module and is the only place its framework is imported, so
``import pineopt`` never pulls one in. :mod:`pineopt.integrations.backtrader` runs a converted
Pine strategy inside backtrader's Cerebro (backtrader is GPL-3.0: importing that module is
the user's choice).
"""
