"""Equity at the close: the per-bar equity, position and drawdown, written lazily.

:class:`EquityBook` (a part of :class:`~pineopt.strategy.broker.Broker`) keeps the curves of a
run (equity, position size, the equity at the bar's low and high) and its running peak,
trough, max drawdown and max run-up.

What a bar's close adds to them depends only on that close, its high and low, and the
position: the open trades (entry price, quantity, side, commission left) and the realized
profit. Between two fills none of these change, so the broker does not write each bar as it
closes: :meth:`EquityBook._close_bar` only counts it, and :meth:`EquityBook._settle` writes
every bar counted so far, *before* anything changes the position (a fill, a margin call, a
risk halt) or reads what they hold (``strategy.max_drawdown``, the risk rules, the results).
A stretch of bars with one position is an affine function of the closes, computed with numpy
in the same operations, in the same order, as the bar-by-bar code (so the results are the same
to the bit); a short one is written bar by bar, where numpy's call overhead would cost more.

    bar 10 closes ─┐
    bar 11 closes  ├─ counted only (``_closed`` = 13)
    bar 12 closes ─┘
    bar 13: a fill ─▶ ``_settle()`` writes bars 10-12 with the position they had, then the
                      fill changes the position
"""

from __future__ import annotations

import numpy as np

from pineopt.strategy.orders import NA

VECTOR_MIN = 16  # bars: a stretch at least this long is written with numpy, a shorter one in a loop


class EquityBook:
    """The equity curves and drawdowns (a part of :class:`~pineopt.strategy.broker.Broker`)."""

    def _init_equity(self, bars: int) -> None:
        self.equity_curve = np.full(bars, NA)
        self.position_curve = np.zeros(bars)
        self.equity_low_curve = np.full(bars, NA)
        self.equity_high_curve = np.full(bars, NA)
        self.max_contracts = {1: 0.0, -1: 0.0}
        self._peak_equity = self.config.initial_capital
        self._trough_equity = self.config.initial_capital
        self.max_drawdown = 0.0
        self.max_runup = 0.0
        self._settled = 0  # bars [0, _settled) are written
        self._closed = 0  # bars [_settled, _closed) have closed with the position unchanged since
        self._close_array = np.asarray(self.closes, dtype=np.float64)
        self._high_array = np.asarray(self.highs, dtype=np.float64)
        self._low_array = np.asarray(self.lows, dtype=np.float64)

    def _close_bar(self, bar: int) -> None:
        """``bar`` has closed: count it (written at the next :meth:`_settle`)."""
        self._closed = bar + 1
        if not self._fast_path:  # the full path writes each bar as it closes
            self._settle()

    def _settle(self) -> None:
        """Write the bars closed since the last change of the position (see the module doc).
        Cheap when there is nothing to write: call it before any change or read."""
        start, stop = self._settled, self._closed
        if start >= stop:
            return
        self._settled = stop
        if stop - start < VECTOR_MIN:
            for bar in range(start, stop):
                self._settle_bar(bar)
        else:
            self._settle_stretch(start, stop)

    def _settle_bar(self, bar: int) -> None:
        """One bar's close: equity, position, the equity at the bar's extremes, drawdowns."""
        price = self.closes[bar]
        size = 0.0
        open_profit = 0.0
        for t in self.open_trades:  # one pass: position size and open profit at the close
            size += t.qty * t.side
            open_profit += (price - t.entry_price) * t.qty * t.side * self.pointvalue
            open_profit -= t.commission
        equity = self.config.initial_capital + self.realized + open_profit
        self.equity_curve[bar] = equity
        self.position_curve[bar] = size
        if size:  # the equity at the bar's extremes with the position held at its close
            swing_low = (self.lows[bar] - price) * size * self.pointvalue
            swing_high = (self.highs[bar] - price) * size * self.pointvalue
            self.equity_low_curve[bar] = equity + min(swing_low, swing_high)
            self.equity_high_curve[bar] = equity + max(swing_low, swing_high)
            side = 1 if size > 0 else -1
            if abs(size) > self.max_contracts[side]:
                self.max_contracts[side] = abs(size)
        else:
            self.equity_low_curve[bar] = self.equity_high_curve[bar] = equity
        # peak, trough, max drawdown and run-up with the equity at this bar's close
        if equity > self._peak_equity:
            self._peak_equity = equity
        elif self._peak_equity - equity > self.max_drawdown:
            self.max_drawdown = self._peak_equity - equity
        if equity < self._trough_equity:
            self._trough_equity = equity
        elif equity - self._trough_equity > self.max_runup:
            self.max_runup = equity - self._trough_equity

    def _settle_stretch(self, start: int, stop: int) -> None:
        """:meth:`_settle_bar` for the bars ``[start, stop)`` at once (one position held):
        the same float operations, elementwise, so every value is the same to the bit."""
        price = self._close_array[start:stop]
        size = 0.0
        open_profit = np.zeros(stop - start)
        for t in self.open_trades:
            size += t.qty * t.side
            open_profit += (price - t.entry_price) * t.qty * t.side * self.pointvalue
            open_profit -= t.commission
        equity = self.config.initial_capital + self.realized + open_profit
        self.equity_curve[start:stop] = equity
        self.position_curve[start:stop] = size
        if size:
            swing_low = (self._low_array[start:stop] - price) * size * self.pointvalue
            swing_high = (self._high_array[start:stop] - price) * size * self.pointvalue
            # Python's min(a, b) is b only when b < a (NaN included): np.where says the same
            self.equity_low_curve[start:stop] = equity + np.where(
                swing_high < swing_low, swing_high, swing_low
            )
            self.equity_high_curve[start:stop] = equity + np.where(
                swing_high > swing_low, swing_high, swing_low
            )
            side = 1 if size > 0 else -1
            if abs(size) > self.max_contracts[side]:
                self.max_contracts[side] = abs(size)
        else:
            self.equity_low_curve[start:stop] = equity
            self.equity_high_curve[start:stop] = equity
        # running peak and trough (fmax/fmin skip a NaN equity as the comparisons above do);
        # the drawdown of a bar is its peak less its equity, 0 on a new peak
        peaks = np.fmax.accumulate(np.concatenate(([self._peak_equity], equity)))[1:]
        troughs = np.fmin.accumulate(np.concatenate(([self._trough_equity], equity)))[1:]
        drawdown = float(np.fmax.reduce(peaks - equity))
        runup = float(np.fmax.reduce(equity - troughs))
        self._peak_equity = float(peaks[-1])
        self._trough_equity = float(troughs[-1])
        if drawdown > self.max_drawdown:
            self.max_drawdown = drawdown
        if runup > self.max_runup:
            self.max_runup = runup
