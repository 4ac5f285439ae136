"""Equity at the close: the per-bar equity, position and drawdown, written lazily.

:class:`EquityBook` (a part of :class:`~pineopt.strategy.broker.Broker`) keeps the curves of a
run (equity, position size, the equity at the bar's low and high) and its running peak,
trough, max drawdown and max run-up.

What a bar's close adds to them depends only on that close, its high and low, and the
position: the open trades (entry price, quantity, side, commission left) and the realized
profit. Between two fills none of these change, so the broker does not write each bar as it
closes: :meth:`EquityBook._close_bar` only counts it; :meth:`EquityBook._note_closes` notes the bars
counted so far with the position they had (a few numbers), *before* anything changes the
position (a fill, a margin call, a risk halt); and :meth:`EquityBook._settle` writes every
bar noted, before anything reads what the curves hold (``strategy.max_drawdown``, the risk
rules, the results). Many stretches are then written by one pass of numpy over all their bars,
in the same operations and the same order as the bar-by-bar code (so the results are the same
to the bit); a few bars are written bar by bar, where numpy's call overhead would cost more.

    bar 10 closes ─┐
    bar 11 closes  ├─ counted only (``_closed`` = 13)
    bar 12 closes ─┘
    bar 13: a fill ─▶ ``_note_closes()`` notes bars 10-12 and the position they had; the fill
                      changes the position
    ...
    the results    ─▶ ``_settle()`` writes every bar noted, in one pass
"""

from __future__ import annotations

import numpy as np

from pineopt.strategy.orders import NA

VECTOR_MIN = 16  # bars: at least this many noted are written with numpy, fewer in a loop


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
        self._settled = 0  # bars [0, _settled) are noted (and those not in _noted written)
        self._closed = 0  # bars [_settled, _closed) have closed with the position unchanged since
        self._noted: list[tuple] = []  # (start, stop, open trades, realized) not yet written
        self._noted_bars = 0

    def _close_bar(self, bar: int) -> None:
        """``bar`` has closed: count it (written at the next :meth:`_settle`)."""
        self._closed = bar + 1
        if not self._fast_path:  # the full path writes each bar as it closes
            self._settle()

    def _note_closes(self) -> None:
        """Note the bars closed since the last note with the position they had (see the module
        doc). Cheap: call it before any change of the position."""
        start, stop = self._settled, self._closed
        if start >= stop:
            return
        self._settled = stop
        trades = tuple((t.entry_price, t.qty, t.side, t.commission) for t in self.open_trades)
        self._noted.append((start, stop, trades, self.realized))
        self._noted_bars += stop - start

    def _settle(self) -> None:
        """Write every bar closed so far into the curves and drawdowns: call it before any read
        of them."""
        self._note_closes()
        if not self._noted:
            return
        noted, self._noted = self._noted, []
        if self._noted_bars < VECTOR_MIN:
            for start, stop, trades, realized in noted:
                for bar in range(start, stop):
                    self._settle_bar(bar, trades, realized)
        else:
            self._settle_stretches(noted)
        self._noted_bars = 0

    def _settle_bar(self, bar: int, trades: tuple, realized: float) -> None:
        """One bar's close with the open ``trades`` (entry price, quantity, side, commission)
        and ``realized`` profit: equity, position, the equity at the bar's extremes,
        drawdowns."""
        price = self.closes[bar]
        size = 0.0
        open_profit = 0.0
        for entry, qty, side, commission in trades:  # one pass: size and open profit
            size += qty * side
            open_profit += (price - entry) * qty * side * self.pointvalue
            open_profit -= commission
        equity = self.config.initial_capital + realized + open_profit
        self.equity_curve[bar] = equity
        self.position_curve[bar] = size
        if size:  # the equity at the bar's extremes with the position held at its close
            swing_low = (self.lows[bar] - price) * size * self.pointvalue
            swing_high = (self.highs[bar] - price) * size * self.pointvalue
            self.equity_low_curve[bar] = equity + min(swing_low, swing_high)
            self.equity_high_curve[bar] = equity + max(swing_low, swing_high)
            self._held(size)
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

    def _held(self, size: float) -> None:
        side = 1 if size > 0 else -1
        if abs(size) > self.max_contracts[side]:
            self.max_contracts[side] = abs(size)

    def _settle_stretches(self, noted: list[tuple]) -> None:
        """:meth:`_settle_bar` for every bar of the ``noted`` stretches at once: they tile the
        bars ``[first, last)``; each bar gets its stretch's position repeated, and the same
        float operations, elementwise, so every value is the same to the bit."""
        first, last = noted[0][0], noted[-1][1]
        lengths = [stop - start for start, stop, _, _ in noted]
        sizes = []
        for _, _, trades, _ in noted:
            size = 0.0
            for _, qty, side, _ in trades:
                size += qty * side
            sizes.append(size)
            if size:
                self._held(size)
        price = self._close_array[first:last]
        open_profit = np.zeros(last - first)
        for slot in range(max(len(trades) for _, _, trades, _ in noted)):
            # the bars whose position has a trade in this slot, with that trade's numbers
            pairs = zip(lengths, noted, strict=True)
            holding = [(n, t[slot]) for n, (_, _, t, _) in pairs if len(t) > slot]
            have = np.repeat([len(t) > slot for _, _, t, _ in noted], lengths)
            bars = np.flatnonzero(have)
            counts = [n for n, _ in holding]
            entry, qty, side, commission = (
                np.repeat([trade[k] for _, trade in holding], counts) for k in range(4)
            )
            term = (price[bars] - entry) * qty * side * self.pointvalue
            open_profit[bars] = (open_profit[bars] + term) - commission
        realized = np.repeat([r for _, _, _, r in noted], lengths)
        equity = self.config.initial_capital + realized + open_profit
        size = np.repeat(sizes, lengths)
        self.equity_curve[first:last] = equity
        self.position_curve[first:last] = size
        swing_low = (self._low_array[first:last] - price) * size * self.pointvalue
        swing_high = (self._high_array[first:last] - price) * size * self.pointvalue
        # Python's min(a, b) is b only when b < a (NaN included): np.where says the same
        low = equity + np.where(swing_high < swing_low, swing_high, swing_low)
        high = equity + np.where(swing_high > swing_low, swing_high, swing_low)
        held = size != 0  # a flat bar's extremes are its equity
        self.equity_low_curve[first:last] = np.where(held, low, equity)
        self.equity_high_curve[first:last] = np.where(held, high, equity)
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
