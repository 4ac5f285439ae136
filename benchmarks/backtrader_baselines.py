"""Hand-written backtrader equivalents of the benchmark strategies (``strategies/*.pine``).

Each class below is the logic of one Pine strategy of the same stem, written the way a backtrader
user would: ``bt.indicators`` for the series, orders from ``next()`` on the bar's close, market
orders filling at the next bar's open (backtrader's default, no cheat-on-close/open), commission
0.1 % of the traded value on every fill, initial cash 100,000, as in the scripts' ``strategy()``
settings. Observers are off (``stdstats=False``): nothing here needs them, and the baseline is then
as fast as backtrader gets.

Trades are rebuilt from the fills, first in first out (one trade per entry, closed by the fills
against it; a fill crossing zero closes everything and opens the rest the other way), which is
how TradingView's trade list counts them. Each trade is a dict with ``direction``,
``entry_bar``, ``entry_price``, ``exit_bar``, ``exit_price``, ``qty`` (``exit_bar`` -1 when
still open at the last bar); bars are 0-based positions in the feed.

Where backtrader cannot say a thing the Pine way, the nearest equivalent is used:

* ``sma_cross``: Pine's ``ta.crossover(a, b)`` is ``a > b and a[1] <= b[1]``; written out (not
  ``bt.ind.CrossOver``, which carries the last non-zero difference across equal values).
* ``rsi_macd_bb_brackets``: ``strategy.exit`` brackets are active from the entry's fill on,
  in the fill bar too. backtrader's ``buy_bracket`` only activates its children on the bar after
  the parent fills, so the bracket is three plain orders sent together: the market entry, then a
  stop and a limit exit, one-cancels-other; the broker tries them in that order on the fill bar.
  A long's take-profit and stop-loss are ticks from the entry's fill price
  (``strategy.exit(profit=, loss=)``), the next bar's open, read as ``data.open[1]`` (the
  preloaded feed allows it). The short's absolute limit/stop are fixed on the signal bar. When
  one bar reaches both exits, backtrader takes the stop (the first sent); TradingView takes the
  one its intrabar path (open, then the nearer of high/low) meets first.
* ``pyramid_pullback``: ``pyramiding = 3`` is a count of the open entries (at most three);
  ``strategy.close_all()`` is ``self.close()``; cash sizing is ``10000 / close``.

Usage (see ``bench_strategies.py``)::

    cerebro, result = build("sma_cross", frame)   # untimed setup
    cerebro.run()                                  # the timed part
    result.trades                                  # list of trade dicts
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import backtrader as bt
import pandas as pd

INITIAL_CASH = 100_000.0
COMMISSION = 0.001  # 0.1 % of the traded value, per fill
MINTICK = 0.01


@dataclass
class Recorder:
    """Fills and trades of one run (reset at the start of every run)."""

    trades: list[dict[str, Any]] = field(default_factory=list)
    fills: int = 0
    open_lots: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.trades, self.fills, self.open_lots = [], 0, []

    def fill(self, bar: int, price: float, size: float) -> None:
        """Book one fill (``size`` signed) first in first out against the open lots."""
        self.fills += 1
        side = 1 if size > 0 else -1
        remaining = abs(size)
        while remaining > 1e-12 and self.open_lots and self.open_lots[0]["side"] != side:
            lot = self.open_lots[0]
            take = min(lot["qty"], remaining)
            self.trades.append(
                {
                    "direction": "long" if lot["side"] > 0 else "short",
                    "entry_bar": lot["bar"],
                    "entry_price": lot["price"],
                    "exit_bar": bar,
                    "exit_price": price,
                    "qty": take,
                }
            )
            lot["qty"] -= take
            remaining -= take
            if lot["qty"] <= 1e-12:
                self.open_lots.pop(0)
        if remaining > 1e-12:
            self.open_lots.append({"side": side, "bar": bar, "price": price, "qty": remaining})

    def all_trades(self) -> list[dict[str, Any]]:
        """Closed trades, then the lots still open (``exit_bar`` -1)."""
        still_open = [
            {
                "direction": "long" if lot["side"] > 0 else "short",
                "entry_bar": lot["bar"],
                "entry_price": lot["price"],
                "exit_bar": -1,
                "exit_price": float("nan"),
                "qty": lot["qty"],
            }
            for lot in self.open_lots
        ]
        return self.trades + still_open


class _Base(bt.Strategy):
    params = (("recorder", None),)

    def start(self) -> None:
        self.p.recorder.reset()

    def notify_order(self, order: bt.Order) -> None:
        if order.status == order.Completed:
            # the order filled on the feed's current bar (already advanced when notified)
            self.p.recorder.fill(len(self.data) - 1, order.executed.price, order.executed.size)

    def open_entries(self) -> int:
        return len(self.p.recorder.open_lots)


class SmaCross(_Base):
    """``sma_cross.pine``: SMA 20/50 cross, always in the market, 0.1 BTC fixed."""

    params = (("fast", 20), ("slow", 50), ("qty", 0.1))

    def __init__(self) -> None:
        self.fast = bt.ind.SMA(self.data.close, period=self.p.fast)
        self.slow = bt.ind.SMA(self.data.close, period=self.p.slow)

    def next(self) -> None:
        # x[1] is NaN on the first bar an average has: every comparison is then False, as na is
        fast, slow = self.fast[0], self.slow[0]
        fast1, slow1 = self.fast[-1], self.slow[-1]
        if fast > slow and fast1 <= slow1:
            self.order_target_size(target=self.p.qty)
        if fast < slow and fast1 >= slow1:
            self.order_target_size(target=-self.p.qty)


class RsiMacdBbBrackets(_Base):
    """``rsi_macd_bb_brackets.pine``: filtered entries at 10 % of equity, each with a bracket."""

    params = (("pct", 10.0),)

    def __init__(self) -> None:
        close = self.data.close
        self.rsi = bt.ind.RSI(close, period=14, safediv=True)
        macd = bt.ind.MACD(close, period_me1=12, period_me2=26, period_signal=9)
        self.hist = macd.macd - macd.signal
        self.basis = bt.ind.BollingerBands(close, period=20, devfactor=2.0).mid

    def next(self) -> None:
        if self.position.size != 0:
            return
        close, rsi, hist, hist1 = self.data.close[0], self.rsi[0], self.hist[0], self.hist[-1]
        long_signal = rsi < 45 and hist > hist1 and close < self.basis[0]
        short_signal = rsi > 55 and hist < hist1 and close > self.basis[0]
        if not (long_signal or short_signal):
            return
        try:
            fill = self.data.open[1]  # the entry's fill price: the next bar's open
        except IndexError:  # the last bar: the order would never fill
            return
        # TradingView sizes percent_of_equity net of the entry's commission (PineOpt and
        # PyneCore both do): qty = equity * pct / (close * (1 + commission))
        size = self.broker.getvalue() * self.p.pct / 100.0 / (close * (1.0 + COMMISSION))
        if long_signal:
            self.buy(size=size)
            limit = fill + round(close * 0.02 / MINTICK) * MINTICK
            stop = fill - round(close * 0.01 / MINTICK) * MINTICK
            stop_order = self.sell(size=size, exectype=bt.Order.Stop, price=stop)
            self.sell(size=size, exectype=bt.Order.Limit, price=limit, oco=stop_order)
        else:
            self.sell(size=size)
            limit = round(close * 0.98 / MINTICK) * MINTICK
            stop = round(close * 1.01 / MINTICK) * MINTICK
            stop_order = self.buy(size=size, exectype=bt.Order.Stop, price=stop)
            self.buy(size=size, exectype=bt.Order.Limit, price=limit, oco=stop_order)


class PyramidPullback(_Base):
    """``pyramid_pullback.pine``: up to three 10,000-cash entries on pullbacks, then close all."""

    params = (("cash", 10_000.0), ("pyramiding", 3))

    def __init__(self) -> None:
        self.trend = bt.ind.EMA(self.data.close, period=200)
        self.rsi = bt.ind.RSI(self.data.close, period=7, safediv=True)

    def next(self) -> None:
        close, trend, rsi = self.data.close[0], self.trend[0], self.rsi[0]
        if close > trend and rsi < 30 and self.open_entries() < self.p.pyramiding:
            self.buy(size=self.p.cash / close)
        exit_signal = (rsi > 75 and self.rsi[-1] <= 75) or close < trend * 0.97
        if exit_signal and self.position.size != 0:
            self.close()


STRATEGIES: dict[str, type[_Base]] = {
    "sma_cross": SmaCross,
    "rsi_macd_bb_brackets": RsiMacdBbBrackets,
    "pyramid_pullback": PyramidPullback,
}


def feed(frame: pd.DataFrame) -> bt.feeds.PandasData:
    """A backtrader feed of the bars (index = bar open time; naive UTC, as backtrader wants)."""
    bars = frame[["open", "high", "low", "close", "volume"]].copy()
    index = pd.DatetimeIndex(bars.index)
    if index.tz is not None:
        bars.index = index.tz_convert("UTC").tz_localize(None)
    return bt.feeds.PandasData(dataname=bars, openinterest=None)


def build(name: str, frame: pd.DataFrame) -> tuple[bt.Cerebro, Recorder]:
    """A ready Cerebro for strategy ``name`` over ``frame`` and the recorder of its trades;
    ``cerebro.run()`` may be called again for another run (the recorder is reset each time)."""
    recorder = Recorder()
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(feed(frame))
    cerebro.addstrategy(STRATEGIES[name], recorder=recorder)
    cerebro.broker.setcash(INITIAL_CASH)
    cerebro.broker.setcommission(commission=COMMISSION)
    return cerebro, recorder
