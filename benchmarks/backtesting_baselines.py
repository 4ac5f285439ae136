"""The SMA cross of `examples/sma_cross_strategy.pine` (no ATR stop) in backtesting.py, for
`bench_sweep.py`.

A module of its own: ``Backtest.optimize`` pickles the strategy class by reference into its
worker processes, which a class local to a function cannot be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from backtesting import Strategy
from backtesting.lib import crossover

#: 90 % of the available equity per order
FRACTION = 0.9


def sma(values: np.ndarray, length: int) -> np.ndarray:
    return pd.Series(values).rolling(length).mean().to_numpy()


class SmaCross(Strategy):
    """Long on a crossover of SMA(n1) over SMA(n2), short on a crossunder; with
    ``exclusive_orders=True`` each order first closes the position (a reversal)."""

    n1 = 50
    n2 = 200

    def init(self):
        self.fast = self.I(sma, self.data.Close, self.n1)
        self.slow = self.I(sma, self.data.Close, self.n2)

    def next(self):
        if crossover(self.fast, self.slow):
            self.buy(size=FRACTION)
        elif crossover(self.slow, self.fast):
            self.sell(size=FRACTION)
