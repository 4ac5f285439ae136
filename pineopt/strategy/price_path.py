"""Fills along the bar's price path: where and at what price pending orders trade.

The path is TradingView's assumed intrabar move (open, the nearer extreme, the other one,
close); :class:`PricePath` (a part of :class:`~pineopt.strategy.broker.Broker`) walks it,
fills what the open has gapped through, then each segment's orders nearest first, keeps
trailing stops moving, and puts every level on the symbol's tick grid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from pineopt.strategy.orders import ACTIVATE, ENTRY, EXIT, NA, ORDER, Order, is_na


def tick_decimals(tick: float) -> int:
    """The decimals a multiple of ``tick`` is written with (0.01: 2, 0.025: 3; at most 12):
    grid prices are rounded to them, so a level and a bar price on one tick are equal floats."""
    for digits in range(13):
        if tick > 0 and abs(round(tick, digits) - tick) <= tick * 1e-9:
            return digits
    return 12


def _offset(entry: float, ticks: float, direction: int, tick: float) -> float:
    """``entry`` moved ``ticks`` ticks in the favourable ``direction`` of the trade (the exit's
    side is ``-direction``)."""
    if is_na(ticks) or is_na(entry):
        return NA
    return entry + direction * ticks * tick


def _absolute(order: Order) -> bool:
    """Whether an exit's levels are its absolute ``limit`` and ``stop`` alone (no level in ticks
    from the entry, no trailing stop)."""
    return (
        is_na(order.profit)
        and is_na(order.loss)
        and is_na(order.trail_points)
        and is_na(order.trail_price)
    )


def _absolute_levels(order: Order, side: int) -> list[tuple[str, int, float]]:
    """(kind, side, price) of an exit with absolute levels only (:func:`_absolute`): its
    ``limit``, then its ``stop``, those that are not na, off the tick grid."""
    levels = [] if is_na(order.limit) else [("limit", side, order.limit)]
    if not is_na(order.stop):
        levels.append(("stop", side, order.stop))
    return levels


def _first_reached(a: float, b: float, direction: int) -> float:
    """Of two levels (an absolute and a relative one, either may be na), the one the price
    reaches first moving in ``direction`` (+1 up: the lower one; -1 down: the higher one)."""
    if is_na(a):
        return NA if is_na(b) else b
    if is_na(b):
        return a
    return min(a, b) if direction > 0 else max(a, b)


class PricePath:
    """Matching pending orders against the bar's price path (a part of
    :class:`~pineopt.strategy.broker.Broker`)."""

    def _run_path(
        self, bar: int, o: float, h: float, lo: float, c: float, *, on_grid: bool = False
    ) -> None:
        """Market orders at the open, then price orders where the path reaches them (prices
        taken on the tick grid)."""
        if not on_grid:
            o, h, lo, c = (self._grid(p) for p in (o, h, lo, c))
        if self.pending:
            for order in [x for x in self.pending if x.is_market and x.created_bar < bar]:
                if order in self.pending:
                    self.pending.remove(order)
                    self._execute(order, o, bar, market=True)
        if self._cache is not None and self._cache_state != self._state():
            self._cache = None  # orders or trades changed since the levels were computed
        if not self._active_levels(bar) and not self._cache_active:
            if self._count_reached:
                self._tick_done(bar, o)
            # nothing left that the path could fill: only the open trades' extremes move
            self._track_extremes_at(h)
            self._track_extremes_at(lo)
            return
        high_first = (h - o) < (o - lo)
        path = (o, h, lo, c) if high_first else (o, lo, h, c)
        if self._fast_path and not self._count_reached and self._out_of_reach(h, lo):
            # no level within the bar's range and no trailing stop to move: walking the path
            # would only move the extremes, to the bar's high and low when it has the open and
            # close between them (as on any sane bar)
            if lo <= o <= h and lo <= c <= h:
                path = (h, lo)
            for price in path:
                self._track_extremes_at(price)
            return
        self._track_extremes_at(o)
        self._gapped(bar, o)
        self._advance_trailing(bar, o)
        if self._count_reached:
            self._tick_done(bar, o)
        for a, b in itertools.pairwise(path):
            self._segment(bar, a, b)
            if self._count_reached:
                self._tick_done(bar, b)
            self._track_extremes_at(b)

    def _active(self, bar: int, at_close: bool = False) -> list[Order]:
        """The price orders that may fill on ``bar``: those placed before it (at the close
        with ``process_orders_on_close``, those placed on it too)."""
        active = []
        for order in list(self.pending):
            if (
                order.is_market
                or order.created_bar > bar
                or (order.created_bar == bar and not at_close)
            ):
                continue
            if order.kind == EXIT and not self._arm(order):
                continue
            active.append(order)
        return active

    def _active_levels(
        self, bar: int, at_close: bool = False
    ) -> list[tuple[Order, str, int, float]]:
        """(order, kind, side, level) of every active order, kept until a fill, a triggered
        stop-limit or a moved trailing stop changes them."""
        cache = self._cache
        if cache is None:
            active = self._active(bar, at_close)
            cache = [
                (order, kind, side, level)
                for order in active
                for kind, side, level in self._levels(order)
            ]
            self._cache = cache
            self._cache_state = self._state()
            self._cache_active = bool(active)  # active orders without a level: exits not due
            self._cache_reach = None  # computed when first needed
        return cache

    def _relevel(self, order: Order) -> bool:
        """Put ``order``'s new levels in place of its old ones among the kept levels (its
        price moved, nothing else): False when it had none there (the levels are then
        recomputed whole)."""
        cache = self._cache
        at = [i for i, entry in enumerate(cache) if entry[0] is order]
        if not at:
            return False
        raw = _absolute_levels(order, cache[at[0]][2]) if _absolute(order) else None
        if raw is not None and [k for k, _, _ in raw] == [e[1] for e in cache[at[0] : at[-1] + 1]]:
            # the same absolute levels as before, on the same trades: only their prices move
            new = [(order, kind, side, self._on_tick(kind, side, p)) for kind, side, p in raw]
        else:
            new = [(order, kind, side, level) for kind, side, level in self._levels(order)]
        cache[at[0] : at[-1] + 1] = new
        self._cache_reach = None
        return True

    def _reach(self, levels: list[tuple[Order, str, int, float]]) -> tuple[float, float]:
        """(floor, ceiling): the bar's path fills or activates nothing of ``levels`` while its
        low stays above the floor and its high below the ceiling (a NaN level gives a NaN
        bound: never out of reach). A buy stop, a sell limit (``through`` ticks past it) and
        a long's trailing activation wait above the price; a sell stop, a buy limit and a
        short's activation below it. With an active trailing stop, which moves with every
        new extreme, nothing is out of reach (no bounds)."""
        if any(o.kind == EXIT and not is_na(o.trail_best) for o in self.pending):
            return NA, NA
        through = self.config.backtest_fill_limits_assumption * self.mintick
        floor, ceiling = -math.inf, math.inf
        for _, kind, side, level in levels:
            if kind == "limit":
                up = side < 0
                trigger = level + through if up else level - through
            else:  # a stop, or a trailing stop's activation (on the side the trade gains)
                up = side > 0 if kind == "stop" else side < 0
                trigger = level
            if trigger != trigger:
                return NA, NA
            if up and trigger < ceiling:
                ceiling = trigger
            elif not up and trigger > floor:
                floor = trigger
        return floor, ceiling

    def _out_of_reach(self, high: float, low: float) -> bool:
        """Whether the bar from ``low`` to ``high`` reaches none of the active levels (see
        :meth:`_reach`; the levels are current)."""
        if self._cache_reach is None:
            self._cache_reach = self._reach(self._cache)
        floor, ceiling = self._cache_reach
        return floor < low and high < ceiling

    def _state(self) -> tuple:
        """What the levels depend on besides fills (which reset the cache themselves): the
        pending orders (a modified order is a new object) and the trades."""
        return (tuple(map(id, self.pending)), tuple(map(id, self.open_trades)), self._qty_changes)

    def _gapped(
        self, bar: int, price: float, only: Order | None = None, at_close: bool = False
    ) -> None:
        """Orders whose level the open jumped over fill at the open (``only``: one order
        whose levels just changed, at the path's ``price``; ``at_close``: the orders the close
        has passed, with ``process_orders_on_close``)."""
        while True:
            # all fill at this one price: the buys first, then the sells (each in book order)
            levels = sorted(self._active_levels(bar, at_close), key=lambda x: -x[2])
            for order, kind, side, level in levels:
                if only is not None and order is not only:
                    continue
                if kind == ACTIVATE:
                    if price >= level if side < 0 else price <= level:
                        self._activate(order, price)  # the open is past the activation level
                        break
                    continue
                fill_price = self._reached_level(order, kind, side, level, price)
                if fill_price is not None:
                    self._fill_price_order(order, fill_price, bar)
                    break
            else:
                return

    def _segment(self, bar: int, a: float, b: float) -> None:
        """Price moves from ``a`` to ``b``: fill the orders met on the way, nearest first."""
        if a == b:
            return
        up = b > a
        low, high = (a, b) if up else (b, a)
        through = self.config.backtest_fill_limits_assumption * self.mintick
        start = a
        while True:
            best: tuple[float, Order, str, float] | None = None
            for order, kind, side, level in self._active_levels(bar):
                if not low - through <= level <= high + through:
                    continue  # not on this move: the common case, decided cheaply
                hit = self._hit_level(order, kind, side, level, start, b, up)
                if hit is not None:
                    trigger, fill_price = hit
                    distance = abs(trigger - start)
                    if best is None or distance < best[0]:
                        best = (distance, order, kind, fill_price)
            if best is None:
                self._advance_trailing(bar, b)
                return
            _, order, kind, fill_price = best
            if kind == ACTIVATE:
                # a trailing stop activates where the path reaches its activation level and
                # trails from there: with no offset its stop is touched at once
                self._activate(order, fill_price)
                self._gapped(bar, fill_price, only=order)
                start = fill_price
                continue
            self._fill_price_order(order, fill_price, bar)
            start = fill_price if (fill_price - start) * (1 if up else -1) > 0 else start

    def _levels(self, order: Order) -> list[tuple[str, int, float]]:
        """(kind, side, price) of the price levels of an active order: kind ``limit`` or
        ``stop``; side +1 buys / -1 sells; prices on the tick grid (see :meth:`_on_tick`)."""
        return [(k, side, self._on_tick(k, side, p)) for k, side, p in self._raw_levels(order)]

    def _grid_all(self, prices: Sequence[float]) -> list[float]:
        """:meth:`_grid` of a whole history at once."""
        return on_grid(prices, self.mintick)

    def _grid(self, price: float) -> float:
        """A bar price on the symbol's tick grid (the nearest multiple of mintick)."""
        tick = self.mintick
        if not tick > 0 or is_na(price):
            return price
        return round(round(price / tick) * tick, self._tick_digits)

    def _on_tick(self, kind: str, side: int, price: float) -> float:
        """A level rounded to the tick grid away from the market: a buy stop up, a sell stop
        down, a buy limit down, a sell limit up (a level within 1e-6 tick of the grid is on
        it, so float noise such as ``1.13641 - 0.00001`` does not move it a whole tick)."""
        tick = self.mintick
        if not tick > 0 or is_na(price):
            return price
        units = price / tick
        up = (kind == "stop") == (side > 0)
        n = math.ceil(units - 1e-6) if up else math.floor(units + 1e-6)
        return round(n * tick, self._tick_digits)

    def _raw_levels(self, order: Order) -> list[tuple[str, int, float]]:
        if order.kind in (ENTRY, ORDER):
            if not is_na(order.stop) and not order.triggered:
                return [("stop", order.side, order.stop)]
            if not is_na(order.limit):
                return [("limit", order.side, order.limit)]
            return []
        trades = self._trades_for(order)
        if not trades or not self._exit_qty(order, trades) > 0:
            return []
        side = -trades[0].side
        if _absolute(order):
            return _absolute_levels(order, side)
        relative = not (is_na(order.profit) and is_na(order.loss) and is_na(order.trail_points))
        entry = self._avg_price(trades) if relative else NA  # levels in ticks from the entry
        tick = self.mintick
        levels = []
        relative_take = _offset(entry, order.profit, -side, tick)
        relative_loss = _offset(entry, -order.loss if not is_na(order.loss) else NA, -side, tick)
        if self.version < 6:  # v5: an absolute level replaces the relative one
            relative_take = NA if not is_na(order.limit) else relative_take
            relative_loss = NA if not is_na(order.stop) else relative_loss
        take = _first_reached(order.limit, relative_take, -side)
        if not is_na(take):
            levels.append(("limit", side, take))
        stops = []
        loss = _first_reached(order.stop, relative_loss, side)
        if not is_na(loss):
            stops.append(loss)
        if is_na(order.trail_price) and is_na(order.trail_points):
            pass  # no trailing stop
        elif is_na(order.trail_best):
            activation = _first_reached(
                order.trail_price, _offset(entry, order.trail_points, -side, tick), -side
            )
            if not is_na(activation):
                levels.append((ACTIVATE, side, activation))
        else:
            stops.append(self._trail_level(order, side))
        if stops:
            # the stop nearest the market fills first: the highest for a sell, lowest for a buy
            levels.append(("stop", side, max(stops) if side < 0 else min(stops)))
        return levels

    def _trail_level(self, order: Order, side: int) -> float:
        """An active trailing stop: ``trail_offset`` ticks behind the best price (no offset:
        at the best price)."""
        offset = 0.0 if is_na(order.trail_offset) else order.trail_offset
        return order.trail_best + side * offset * self.mintick

    def _activate(self, order: Order, price: float) -> None:
        """A trailing stop becomes active at ``price`` (the best price so far)."""
        order.trail_best = price
        self._cache = None

    def _advance_trailing(self, bar: int, price: float) -> None:
        """Active trailing stops follow the best price the path reached (one without an
        offset is touched there)."""
        moved = []
        for order in self.pending:
            if order.kind != EXIT or is_na(order.trail_best) or not order.armed:
                continue
            trades = self._trades_for(order)
            if not trades:
                continue
            side = -trades[0].side  # the closing side
            if (side < 0 and price > order.trail_best) or (side > 0 and price < order.trail_best):
                order.trail_best = price
                self._cache = None
                moved.append(order)
        for order in moved:
            self._gapped(bar, price, only=order)

    def _activate_at_close(self, bar: int) -> None:
        """The close the script runs on is a price the trailing stops see: an exit placed on
        this bar activates when the close is already past its activation level (it fills from
        the next bar on)."""
        for order in self.pending:
            if order.kind != EXIT or order.created_bar != bar:
                continue
            if is_na(order.trail_price) and is_na(order.trail_points):
                continue
            if not is_na(order.trail_best):
                continue
            price = self._ohlc_grid[3][bar]
            for kind, side, level in self._levels(order):
                if kind == ACTIVATE and (price >= level if side < 0 else price <= level):
                    self._activate(order, price)

    def _reached_level(
        self, order: Order, kind: str, side: int, level: float, price: float
    ) -> float | None:
        """The fill price at the open ``price`` of one level, None when it is not passed."""
        through = self.config.backtest_fill_limits_assumption * self.mintick
        if kind == "limit":
            if price <= level - through if side > 0 else price >= level + through:
                return price
            return None
        if not (price >= level if side > 0 else price <= level):
            return None
        if order.kind in (ENTRY, ORDER) and not is_na(order.limit):
            order.triggered = True  # a stop-limit: its limit may be good already
            self._cache = None
            limit = self._on_tick("limit", side, order.limit)
            good = price <= limit - through if side > 0 else price >= limit + through
            return price if good else None
        return self._slipped(price, side)

    def _hit_level(
        self, order: Order, kind: str, side: int, level: float, a: float, b: float, up: bool
    ) -> tuple[float, float] | None:
        """One level on the move from ``a`` to ``b``: (the price that triggers it, the fill
        price). A limit needs the price ``backtest_fill_limits_assumption`` ticks through."""
        if kind == ACTIVATE:  # the favourable move reaching a trailing stop's activation
            if (side < 0) == up and ((a < level <= b) if up else (b <= level < a)):
                return level, level
            return None
        if kind == "limit":
            if (side > 0 and up) or (side < 0 and not up):
                return None
            through = self.config.backtest_fill_limits_assumption * self.mintick
            trigger = level - through if side > 0 else level + through
            if (a < trigger <= b) if up else (b <= trigger < a):
                return trigger, level
            return None
        if not ((a < level <= b) if up else (b <= level < a)):
            return None
        if not ((side > 0 and up) or (side < 0 and not up)):
            return None
        if order.kind in (ENTRY, ORDER) and not is_na(order.limit):
            order.triggered = True  # a stop-limit: now a limit order
            self._cache = None
            return None
        return level, self._slipped(level, side)

    def _slipped(self, price: float, side: int) -> float:
        return price + side * self.config.slippage * self.mintick

    def _exit_kind(self, order: Order, price: float, side: int) -> str:
        """Which leg of a bracket filled: ``profit`` (its limit), ``trailing`` (an active
        trailing stop that is the bracket's stop) or ``loss``."""
        stop = NA
        for kind, _, level in self._levels(order):
            if kind == "limit" and (price - level) * side <= 1e-12:
                return "profit"
            if kind == "stop":
                stop = level
        if is_na(order.trail_best):
            return "loss"
        trail = self._on_tick("stop", side, self._trail_level(order, side))
        return "trailing" if is_na(stop) or abs(stop - trail) < 1e-9 else "loss"

    def _track_extremes_at(self, price: float) -> None:
        for trade in self.open_trades:
            if price > trade.best or trade.best != trade.best:
                trade.best = price
            if price < trade.worst or trade.worst != trade.worst:
                trade.worst = price


def on_grid(prices: Sequence[float], mintick: float) -> list[float]:
    """Bar prices on the symbol's tick grid (:meth:`PricePath._grid`), a whole history at once."""
    if not mintick > 0:
        return list(prices)
    values = np.asarray(prices, dtype=np.float64)
    return np.round(np.round(values / mintick) * mintick, tick_decimals(mintick)).tolist()
