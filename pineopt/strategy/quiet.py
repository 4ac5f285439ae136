"""Quiet bars: a position is held and no order is pending, so the bar can fill nothing.

Most bars of most strategies are quiet: the script has entered and waits for its signal to
leave. Walking such a bar's price path would change only two things, and
:class:`QuietBars` (a part of :class:`~pineopt.strategy.broker.Broker`) does both a stretch of
bars at a time, with the same results:

* the open trades' extremes (their best and worst price, which make a trade's max run-up and
  drawdown): the path moves them to the bar's high and low. They are only read when a trade
  closes, when the script asks ``strategy.opentrades.max_runup()`` & co. and for the results,
  so the quiet bars are only counted, and :meth:`QuietBars._sync_extremes` moves the extremes
  over the whole stretch before any of these (and before any bar that walks its path);
* the margin check, which must still run on every bar, since a margin call changes the
  position the script sees. Its arithmetic on one bar depends only on the position and that
  bar's low (long) or high (short), so :meth:`QuietBars._margin_ahead` settles it for a span
  of bars ahead: at once when the span's worst price passes with room to spare, else with
  numpy in the bar-by-bar code's operations and order, until the first bar that would call;
  the quiet bars before it skip the check, and that bar takes the usual one.

The stretch ends, and these are recomputed, whenever the position changes (a fill, a margin
call, a risk halt): :meth:`~pineopt.strategy.trades.TradeBook._position_changed`.

A quiet bar on which the script cannot act either needs no visit at all. When the compiler
knows the bars the script can act on (its event mask, :mod:`pineopt.compiler.events`), the bar
loop runs over :meth:`QuietBars.bars`: those bars, plus every bar on which the broker has work
(an order pending, a margin call due, a ``strategy.risk.*`` rule to watch); the bars in
between are passed a stretch at a time (:meth:`QuietBars._pass_quiet`), which leaves the broker
as their ``begin_bar``/``end_bar`` would have.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

MARGIN_AHEAD = 256  # bars of margin checks evaluated at once, doubling while the position holds
MARGIN_AHEAD_MAX = 4096
EXTREMES_MIN = 8  # a shorter stretch of extremes is moved bar by bar (numpy's overhead)


class QuietBars:
    """The quiet-bar path (a part of :class:`~pineopt.strategy.broker.Broker`)."""

    def _init_quiet(self) -> None:
        self._quiet_from = -1  # the quiet bars [_quiet_from, _quiet_to) whose extremes wait
        self._quiet_to = -1
        self._margin_ok_until = -1  # the bars before it pass the margin check (this position)
        self._margin_span = MARGIN_AHEAD

    def _quiet_bar(self, bar: int) -> None:
        """``bar`` has trades open and nothing pending: count it for the extremes and check
        the margin (see the module docstring)."""
        if self._quiet_from < 0:
            self._quiet_from = bar
        self._quiet_to = bar + 1
        if bar >= self._margin_ok_until:
            self._margin_ahead(bar)
            if bar >= self._margin_ok_until:  # this bar calls: the usual check does it
                self._margin_check(bar)

    def bars(self, acting: np.ndarray) -> Iterator[int]:
        """The bars the script's loop visits, given ``acting``, the bars where the script may do
        something (see the module docstring). Each bar is decided when the loop asks for it,
        after the previous one has run: an order placed there makes the next bar a visit."""
        count = len(self.closes)
        if not self._fast_path or self.intrabars is not None or acting.all():
            yield from range(count)
            return
        bar = 0
        for event in [*np.flatnonzero(acting).tolist(), count]:
            while bar < event:
                if self.pending or self._watching_risk():
                    yield bar
                    bar += 1
                    continue
                bar = self._pass_quiet(bar, event)
                if bar < event:  # a margin call is due there: the usual bar does it
                    yield bar
                    bar += 1
            if event < count:
                yield event
                bar = event + 1
        self.bar = count - 1

    def _watching_risk(self) -> bool:
        """Whether a ``strategy.risk.*`` rule needs every bar (its trading days, its checks)."""
        risk = self.risk
        return (
            risk.halted
            or risk.max_intraday_loss is not None
            or risk.max_drawdown is not None
            or risk.max_intraday_filled_orders is not None
            or risk.max_cons_loss_days is not None
        )

    def _pass_quiet(self, start: int, stop: int) -> int:
        """Pass the bars ``[start, stop)`` (nothing pending, the script idle) as their
        ``begin_bar``/``end_bar`` would: count them for the open trades' extremes and their
        closes for the equity, up to the first bar whose margin check calls, which is
        returned (else ``stop``) to be visited."""
        if self.open_trades:
            bar = start
            while bar < stop:
                if bar >= self._margin_ok_until:
                    self._margin_ahead(bar)
                    if bar >= self._margin_ok_until:
                        stop = bar
                        break
                bar = min(stop, self._margin_ok_until)
            if stop > start:
                if self._quiet_from < 0:
                    self._quiet_from = start
                self._quiet_to = stop
        if stop > start:
            self._closed = stop
        return stop

    def _sync_extremes(self) -> None:
        """Move the open trades' extremes over the quiet bars counted so far: the path would
        have tracked each bar's high and low (on the tick grid), and a trade's best price is the
        highest of them (a NaN price is skipped, as the path's comparisons skip it)."""
        start, stop = self._quiet_from, self._quiet_to
        if start < 0:
            return
        self._quiet_from = -1
        if stop - start < EXTREMES_MIN:
            highs, lows = self._ohlc_grid[1], self._ohlc_grid[2]
            for bar in range(start, stop):
                self._track_extremes_at(highs[bar])
                self._track_extremes_at(lows[bar])
            return
        highs = self._grid_high_array[start:stop]
        lows = self._grid_low_array[start:stop]
        top = np.fmax(np.fmax.reduce(highs), np.fmax.reduce(lows))
        bottom = np.fmin(np.fmin.reduce(highs), np.fmin.reduce(lows))
        for trade in self.open_trades:
            if top > trade.best or trade.best != trade.best:
                trade.best = float(top)
            if bottom < trade.worst or trade.worst != trade.worst:
                trade.worst = float(bottom)

    def _margin_ahead(self, bar: int) -> None:
        """Evaluate :meth:`~pineopt.strategy.sizing.Sizing._margin_check`'s test for the bars
        from ``bar`` on (a span that doubles while the position holds) and set
        ``_margin_ok_until`` to the first that fails it (the end of the span if none does).
        A span whose worst price passes with room to spare (:meth:`_margin_clear`) passes
        whole; any other is evaluated bar by bar, with numpy."""
        trades = self.open_trades
        side = trades[0].side
        margin = self.config.margin_long if side > 0 else self.config.margin_short
        stop = min(bar + self._margin_span, len(self.closes))
        self._margin_span = min(2 * self._margin_span, MARGIN_AHEAD_MAX)
        if not margin:
            self._margin_ok_until = len(self.closes)
            return
        price = (self._low_array if side > 0 else self._high_array)[bar:stop]
        if self._margin_clear(trades, margin, float(price.min()), float(price.max())):
            self._margin_ok_until = stop
            return
        size = 0.0
        open_profit = np.zeros(stop - bar)
        for t in trades:
            size += t.qty
            open_profit += (price - t.entry_price) * t.qty * t.side
        equity = self.config.initial_capital + self.realized + open_profit * self.pointvalue
        required = size * price * self.pointvalue * margin / 100.0
        calls = np.flatnonzero(~(equity >= required))
        self._margin_ok_until = bar + int(calls[0]) if len(calls) else stop

    def _margin_clear(self, trades: list, margin: float, low: float, high: float) -> bool:
        """Whether the margin test passes at every price in ``[low, high]``.

        Equity less the margin required is linear in the price: ``k * price + c``, with ``k``
        the position's size times the point value times ``1 - margin/100`` (long) or
        ``-(1 + margin/100)`` (short). Its least value in the range is at ``low`` when
        ``k >= 0``, else at ``high``. Computed there in the test's own operations, it must
        exceed the rounding of any bar's computation by far (a billionth of the magnitudes
        involved): then every bar of the range passes to the bit. A NaN fails the comparison
        and leaves the span to the bar-by-bar evaluation."""
        side = trades[0].side
        worst = low if side > 0 and margin <= 100.0 else high
        size = 0.0
        open_profit = 0.0
        entries = 0.0
        for t in trades:
            size += t.qty
            open_profit += (worst - t.entry_price) * t.qty * t.side
            entries += abs(t.entry_price) * t.qty
        pointvalue = self.pointvalue
        capital = self.config.initial_capital + self.realized
        equity = capital + open_profit * pointvalue
        required = size * worst * pointvalue * margin / 100.0
        largest = max(abs(low), abs(high))
        scale = abs(capital) + abs(pointvalue) * (entries + size * largest * (1 + margin / 100))
        return equity - required > 1e-9 * scale
