"""TradingView's broker emulator: orders, fills, positions, trades and equity, bar by bar.

A converted strategy drives one :class:`Broker` through its bar loop::

    for bar_index in range(n):
        broker.begin_bar(bar_index)     # fill what is pending, along the bar's price path
        ...script...                    # strategy.entry/exit/close... place orders
        broker.end_bar(bar_index)       # process_orders_on_close fills; equity at the close

The fill model (LANGUAGE-NOTES §15):

* an order placed on bar N is processed from bar N+1: market orders fill at its **open**;
  with ``process_orders_on_close`` (or ``immediately=true``) at bar N's close, which is then
  one more tick for the orders placed on the bar: a stop or limit the close has already
  passed fills there (as one the open gapped through);
* the bar's assumed intrabar path is open → high → low → close when the open is nearer the
  high, else open → low → high → close (ties: low first); a stop or limit fills where the path
  reaches its price, or at the open when the open has gapped through it (a limit fills at the
  better price, a stop at the worse); several orders fill in the order the path reaches them;
  orders filling at one price (the open, the close tick) fill buys first, then sells;
* stop and limit levels sit on the tick grid, rounded away from the market (a buy stop and a
  sell limit up, a sell stop and a buy limit down; float noise within 1e-6 tick is ignored);
* stop and market fills pay ``slippage`` ticks against the trader, limit fills do not;
* an entry's size is fixed when it is placed: the requested quantity plus the opposite
  position that the market orders already pending will leave (the position held, less what
  the ``strategy.close``/``close_all`` orders will close, turned or grown by the market
  entries placed before it on the bar): its reversal part; when it fills it closes what it
  can of the opposite position and opens the rest (placed while flat, it only closes a
  position it meets; placed against a position that is gone by the fill, it opens both
  parts);
* ``strategy.close_all`` closes the trades open when it was placed, not those opened before
  it fills (a position reversed in between is kept);
* an entry (or the part of an order that opens or adds) whose position would need more
  margin (``margin_long``/``margin_short`` percent of its value at the fill price) than the
  equity at that price is not filled, and does not act on its OCA group;
* ``pyramiding`` caps the entries in one direction and is judged when a bar starts: a pending
  entry the position cannot take then is dropped, even if a reversal later on the bar would
  make room for it;
* a default-sized market entry is sized on its signal bar: equity and close there (for
  ``percent_of_equity``, leaving room for a percent commission; a ``cash`` size is cash /
  price), rounded down to the symbol's quantity step; a price order's default size is computed
  at its fill price from the budget frozen when it was placed;
* bar prices are taken on the tick grid before matching;
* ``strategy.exit`` brackets (take profit, stop loss, trailing stop) act on the trades of their
  ``from_entry`` placed up to the exit call (all trades without one), the first level reached
  wins; in v6, when both a relative and an absolute level are given, the one reached first is
  used (v5: the absolute one); a trailing stop activates where the path first reaches its
  activation level (``trail_points`` ticks from the entry or ``trail_price``, on the tick grid
  away from the entry), at the open when the open is past it, or at the close of the bar the
  exit is placed on when that close is past it; from there its stop follows the best price
  ``trail_offset`` ticks behind (no ``trail_offset``: at the best price itself, so it fills
  where it activates), and the nearer of it and the stop loss is the bracket's stop; an exit
  reserves its quantity (``qty_percent`` of the trades it first meets): a later exit gets only
  what is left; a stop-limit whose limit is already good when the open triggers its stop
  fills at the open; ``backtest_fill_limits_assumption`` makes a limit wait until the price
  trades that many ticks through it;
* exits close trades first-in first-out unless ``close_entries_rule = "ANY"`` (then the trades
  of ``from_entry``); OCA groups cancel or reduce their other orders; margin calls liquidate
  four times the shortfall;
* ``strategy.risk.*``: a breach cancels the pending orders, closes the position and stops
  trading for the rest of the trading day (``max_intraday_loss``,
  ``max_intraday_filled_orders``) or for good (``max_drawdown``, ``max_cons_loss_days``);
  orders placed while trading is stopped are ignored. ``max_intraday_filled_orders`` (each
  order that trades counts once, a reversal too) is checked at each point of the bar's path:
  the count reached by the fills on the way to the open, a high or low or the close closes
  the position at that point; the other rules are checked at the close. ``allow_entry_in``
  turns forbidden entries into exits and ``max_position_size`` caps entries.

With lower-timeframe bars (``use_bar_magnifier``) the path is made of the intrabars' own paths.
Not emulated, and refused when set (:mod:`pineopt.strategy.engine`): ``calc_on_order_fills``
and an account currency other than the symbol's. ``calc_on_every_tick`` and
``fill_orders_on_standard_ohlc`` change nothing on historical bars of a standard chart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pineopt.errors import PineRuntimeError
from pineopt.strategy.config import (
    CASH,
    COMMISSION_PER_CONTRACT,
    COMMISSION_PER_ORDER,
    COMMISSION_PERCENT,
    FIXED,
    StrategyConfig,
)

NA = math.nan
LONG = "strategy.long"
SHORT = "strategy.short"
OCA_CANCEL = "strategy.oca.cancel"
OCA_REDUCE = "strategy.oca.reduce"

ENTRY, ORDER, EXIT, CLOSE, CLOSE_ALL = "entry", "order", "exit", "close", "close_all"
ACTIVATE = "activate"  # the activation level of a trailing stop not yet active (a level kind)


def _na(x: object) -> bool:
    return x is None or x != x


def _side(direction: str) -> int:
    if direction == LONG:
        return 1
    if direction == SHORT:
        return -1
    raise PineRuntimeError(
        f"invalid order direction {direction!r}: use strategy.long or strategy.short"
    )


@dataclass(slots=True)
class Order:
    """A pending order (see :class:`Broker` for how each kind fills)."""

    id: str
    kind: str
    side: int  # +1 buys, -1 sells (exits: the side that closes; 0 until known)
    qty: float = NA
    limit: float = NA
    stop: float = NA
    oca_name: str = ""
    oca_type: str = "strategy.oca.none"
    comment: str = ""
    created_bar: int = 0
    from_entry: str = ""
    qty_percent: float = NA
    profit: float = NA
    loss: float = NA
    trail_price: float = NA
    trail_points: float = NA
    trail_offset: float = NA
    comment_profit: str = ""
    comment_loss: str = ""
    comment_trailing: str = ""
    budget: float = NA  # default-sized price orders: the money frozen at placement
    triggered: bool = False  # stop-limit orders: the stop has been reached
    trail_best: float = NA  # trailing stops: the best price since activation
    armed: bool = False  # exits: trades to exit have existed
    key: tuple = ()  # exits: the arguments of the call (an unchanged re-call keeps the order)
    reverse: float = 0.0  # entries: the opposite position when placed, which the order closes
    targets: tuple | None = None  # close_all: the trades open when placed (None: all)

    @property
    def is_market(self) -> bool:
        return self.kind in (CLOSE, CLOSE_ALL) or (
            self.kind in (ENTRY, ORDER) and _na(self.limit) and _na(self.stop)
        )


@dataclass(slots=True)
class OpenTrade:
    """An entry still (partly) open."""

    entry_id: str
    side: int
    qty: float
    entry_price: float
    entry_bar: int
    entry_time: int
    comment: str
    commission: float
    best: float = NA
    worst: float = NA
    placed_bar: int = -1  # the bar the entry order was placed on


@dataclass(slots=True)
class ClosedTrade:
    """A trade (or the closed part of one)."""

    entry_id: str
    side: int
    qty: float
    entry_price: float
    entry_bar: int
    entry_time: int
    entry_comment: str
    exit_id: str
    exit_price: float
    exit_bar: int
    exit_time: int
    exit_comment: str
    profit: float
    commission: float
    max_runup: float
    max_drawdown: float


@dataclass
class RiskRules:
    """``strategy.risk.*`` settings."""

    allow_entry_in: str = "strategy.direction.all"
    max_position_size: float = NA
    max_intraday_loss: tuple[float, str] | None = None
    max_drawdown: tuple[float, str] | None = None
    max_intraday_filled_orders: int | None = None
    max_cons_loss_days: int | None = None
    halted_until_day: int = -1
    halted: bool = False


@dataclass
class StrategyResult:
    """What the broker leaves after the last bar."""

    trades: pd.DataFrame
    equity: pd.DataFrame
    config: StrategyConfig
    margin_calls: int = 0
    orders: list = field(default_factory=list)


class Broker:
    """The emulator for one run (see the module docstring)."""

    def __init__(
        self,
        config: StrategyConfig,
        opens: Sequence[float],
        highs: Sequence[float],
        lows: Sequence[float],
        closes: Sequence[float],
        times: Sequence[int],
        *,
        mintick: float = 0.01,
        pointvalue: float = 1.0,
        qty_step: float = 0.0,
        trading_days: Sequence[int] | None = None,
        intrabars: Sequence[Sequence[tuple[float, float, float, float]]] | None = None,
        version: int = 6,
    ) -> None:
        self.config = config
        self.opens, self.highs, self.lows, self.closes = opens, highs, lows, closes
        self.times = times
        self.mintick = mintick
        self._tick_digits = _decimals(mintick)
        self._ohlc_grid = [self._grid_all(v) for v in (opens, highs, lows, closes)]
        self.pointvalue = pointvalue
        self.qty_step = qty_step
        self.trading_days = trading_days
        self.intrabars = intrabars
        self.version = version
        self.bar = -1
        self.pending: list[Order] = []
        self._cache: list[tuple[Order, str, int, float]] | None = None
        self._cache_state: tuple = ()
        self._qty_changes = 0  # partial closes change a trade without replacing it
        self.open_trades: list[OpenTrade] = []
        self.closed: list[ClosedTrade] = []
        self.realized = 0.0
        self.commission_paid = 0.0
        self.risk = RiskRules()
        n = len(closes)
        self.equity_curve = [NA] * n
        self.position_curve = [0.0] * n
        self.equity_low_curve = [NA] * n
        self.equity_high_curve = [NA] * n
        self.margin_calls = 0
        self.max_contracts = {1: 0.0, -1: 0.0}
        self._peak_equity = config.initial_capital
        self._trough_equity = config.initial_capital
        self.max_drawdown = 0.0
        self.max_runup = 0.0
        self._day = None
        self._day_start_equity = config.initial_capital
        self._day_fills = 0
        self._executions = 0  # trades opened and (parts) closed: tells an order that traded
        self._count_reached = False  # max_intraday_filled_orders reached at this tick
        self._loss_days = 0
        self._last_entry_id = ""

    # ================================================================ script-facing orders

    def entry(
        self,
        id: str,
        direction: str,
        qty: float = NA,
        limit: float = NA,
        stop: float = NA,
        oca_name: str = "",
        oca_type: str = "strategy.oca.none",
        comment: str = "",
        alert_message: str = "",
        disable_alert: bool = False,
        when: bool = True,
    ) -> None:
        """``strategy.entry``: a new order with the id of a pending one replaces it."""
        self._new_order(ENTRY, id, direction, qty, limit, stop, oca_name, oca_type, comment, when)

    def order(
        self,
        id: str,
        direction: str,
        qty: float = NA,
        limit: float = NA,
        stop: float = NA,
        oca_name: str = "",
        oca_type: str = "strategy.oca.none",
        comment: str = "",
        alert_message: str = "",
        disable_alert: bool = False,
        when: bool = True,
    ) -> None:
        """``strategy.order``: buys or sells ``qty``, ignoring pyramiding and reversals."""
        self._new_order(ORDER, id, direction, qty, limit, stop, oca_name, oca_type, comment, when)

    def _new_order(
        self,
        kind: str,
        id: str,
        direction: str,
        qty: float,
        limit: float,
        stop: float,
        oca_name: str,
        oca_type: str,
        comment: str,
        when: bool,
    ) -> None:
        if when and not self.risk.halted:  # a halted strategy's orders are ignored
            side = _side(direction)
            order = Order(
                str(id), kind, side, qty, limit, stop, oca_name or "", oca_type, comment or "",
                self.bar,
            )  # fmt: skip
            self._submit(order)

    def exit(
        self,
        id: str,
        from_entry: str = "",
        qty: float = NA,
        qty_percent: float = 100.0,
        profit: float = NA,
        limit: float = NA,
        loss: float = NA,
        stop: float = NA,
        trail_price: float = NA,
        trail_points: float = NA,
        trail_offset: float = NA,
        oca_name: str = "",
        comment: str = "",
        comment_profit: str = "",
        comment_loss: str = "",
        comment_trailing: str = "",
        alert_message: str = "",
        alert_profit: str = "",
        alert_loss: str = "",
        alert_trailing: str = "",
        disable_alert: bool = False,
        when: bool = True,
    ) -> None:
        """``strategy.exit``: a bracket of take profit / stop loss / trailing stop."""
        if not when or self.risk.halted:
            return
        levels = (profit, limit, loss, stop, trail_price, trail_points)
        if all(_na(x) for x in levels):
            return  # TradingView ignores an exit without any level
        id, from_entry = str(id), str(from_entry or "")
        key = (qty, qty_percent, profit, limit, loss, stop, trail_price, trail_points,
               trail_offset, oca_name or "", comment or "", comment_profit or "",
               comment_loss or "", comment_trailing or "")  # fmt: skip
        for old in self.pending:
            if old.kind == EXIT and old.id == id and old.from_entry == from_entry:
                if old.key == key:  # re-issued unchanged (the usual every-bar call)
                    if from_entry and any(
                        t.entry_id == from_entry and old.created_bar < t.placed_bar <= self.bar
                        for t in self.open_trades
                    ):
                        self._cache = None  # it now covers trades placed since its last call
                    old.created_bar = self.bar
                    return
                break
        order = Order(
            str(id),
            EXIT,
            0,
            qty,
            limit,
            stop,
            oca_name or "",
            OCA_REDUCE,
            comment or "",
            self.bar,
            from_entry=from_entry,
            qty_percent=100.0 if _na(qty_percent) else float(qty_percent),
            profit=profit,
            loss=loss,
            trail_price=trail_price,
            trail_points=trail_points,
            trail_offset=trail_offset,
            comment_profit=comment_profit or "",
            comment_loss=comment_loss or "",
            comment_trailing=comment_trailing or "",
        )
        order.key = key
        self._submit(order)

    def close(
        self,
        id: str,
        comment: str = "",
        qty: float = NA,
        qty_percent: float = 100.0,
        alert_message: str = "",
        immediately: bool = False,
        disable_alert: bool = False,
        when: bool = True,
    ) -> None:
        """``strategy.close``: a market order closing the trades entered with ``id``."""
        if not when or self.risk.halted or not any(t.entry_id == id for t in self.open_trades):
            return
        order = Order(str(id), CLOSE, 0, qty, comment=comment or "", created_bar=self.bar)
        order.qty_percent = 100.0 if _na(qty_percent) else float(qty_percent)
        self._submit(order, immediately=immediately)

    def close_all(
        self,
        comment: str = "",
        alert_message: str = "",
        immediately: bool = False,
        disable_alert: bool = False,
        when: bool = True,
    ) -> None:
        """``strategy.close_all``: a market order flattening the position."""
        if not when or self.risk.halted or not self.open_trades:
            return
        order = Order("", CLOSE_ALL, 0, comment=comment or "", created_bar=self.bar)
        order.targets = tuple(self.open_trades)  # the position now, not trades opened later
        self._submit(order, immediately=immediately)

    def cancel(self, id: str, when: bool = True) -> None:
        """``strategy.cancel``: drops the unfilled orders with ``id``."""
        if when:
            self.pending = [o for o in self.pending if o.id != id]

    def cancel_all(self, when: bool = True) -> None:
        if when:
            self.pending = []

    # ---- strategy.risk.*

    def risk_allow_entry_in(self, value: str) -> None:
        self.risk.allow_entry_in = value

    def risk_max_position_size(self, contracts: float) -> None:
        self.risk.max_position_size = float(contracts)

    def risk_max_intraday_loss(self, value: float, type: str, alert_message: str = "") -> None:
        self.risk.max_intraday_loss = (float(value), type)

    def risk_max_drawdown(self, value: float, type: str, alert_message: str = "") -> None:
        self.risk.max_drawdown = (float(value), type)

    def risk_max_intraday_filled_orders(self, count: int, alert_message: str = "") -> None:
        self.risk.max_intraday_filled_orders = int(count)

    def risk_max_cons_loss_days(self, count: int, alert_message: str = "") -> None:
        self.risk.max_cons_loss_days = int(count)

    # ================================================================ the bar cycle

    def begin_bar(self, bar: int) -> None:
        """Fill the pending orders on ``bar`` (before the script runs on its close)."""
        self.bar = bar
        self._new_day(bar)
        # pyramiding is judged when the bar starts: an entry the position cannot take then is
        # dropped, even when a reversal later on the bar would make room for it
        if self.pending:
            self.pending = [
                o
                for o in self.pending
                if o.kind != ENTRY
                or o.created_bar >= bar
                or sum(1 for t in self.open_trades if t.side == o.side) < self.config.max_entries
            ]
        if self.pending or self.open_trades:
            if self.intrabars is not None and self.intrabars[bar]:
                for o, h, lo, c in self.intrabars[bar]:
                    self._run_path(bar, o, h, lo, c)
            else:
                o, h, lo, c = self._ohlc_grid
                self._run_path(bar, o[bar], h[bar], lo[bar], c[bar], on_grid=True)
            self._margin_check(bar)

    def end_bar(self, bar: int) -> None:
        """After the script: ``process_orders_on_close`` fills, then equity at the close."""
        if self.config.process_orders_on_close:
            price = self.closes[bar]
            for order in [o for o in self.pending if o.is_market and o.created_bar == bar]:
                if order in self.pending:
                    self.pending.remove(order)
                    self._execute(order, price, bar, market=True)
            if self.pending:
                # the close is one more tick for the orders placed on the bar: a stop or limit
                # the close has already passed fills there, as one the open gapped through
                self._cache = None
                self._gapped(bar, self._ohlc_grid[3][bar], at_close=True)
                self._cache = None
        self._tick_done(bar, self.closes[bar])
        if self.open_trades:
            self._activate_at_close(bar)
        risk = self.risk
        if risk.max_intraday_loss is not None or risk.max_drawdown is not None:
            self._check_risk(bar)
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
        else:
            self.equity_low_curve[bar] = self.equity_high_curve[bar] = equity
        if size:
            side = 1 if size > 0 else -1
            if abs(size) > self.max_contracts[side]:
                self.max_contracts[side] = abs(size)
        # peak, trough, max drawdown and run-up with the equity at this bar's close
        if equity > self._peak_equity:
            self._peak_equity = equity
        elif self._peak_equity - equity > self.max_drawdown:
            self.max_drawdown = self._peak_equity - equity
        if equity < self._trough_equity:
            self._trough_equity = equity
        elif equity - self._trough_equity > self.max_runup:
            self.max_runup = equity - self._trough_equity

    # ================================================================ fills along the path

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
        if not self._active_levels(bar) and not self._active(bar):
            self._tick_done(bar, o)
            # nothing left that the path could fill: only the open trades' extremes move
            self._track_extremes_at(h)
            self._track_extremes_at(lo)
            return
        self._track_extremes_at(o)
        high_first = (h - o) < (o - lo)
        path = (o, h, lo, c) if high_first else (o, lo, h, c)
        self._gapped(bar, o)
        self._advance_trailing(bar, o)
        self._tick_done(bar, o)
        for a, b in itertools.pairwise(path):
            self._segment(bar, a, b)
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
            cache = [
                (order, kind, side, level)
                for order in self._active(bar, at_close)
                for kind, side, level in self._levels(order)
            ]
            self._cache = cache
            self._cache_state = self._state()
        return cache

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

    # ---- levels

    def _levels(self, order: Order) -> list[tuple[str, int, float]]:
        """(kind, side, price) of the price levels of an active order: kind ``limit`` or
        ``stop``; side +1 buys / -1 sells; prices on the tick grid (see :meth:`_on_tick`)."""
        return [(k, side, self._on_tick(k, side, p)) for k, side, p in self._raw_levels(order)]

    def _grid_all(self, prices: Sequence[float]) -> list[float]:
        """:meth:`_grid` of a whole history at once."""
        tick = self.mintick
        if not tick > 0:
            return list(prices)
        values = np.asarray(prices, dtype=np.float64)
        return np.round(np.round(values / tick) * tick, self._tick_digits).tolist()

    def _grid(self, price: float) -> float:
        """A bar price on the symbol's tick grid (the nearest multiple of mintick)."""
        tick = self.mintick
        if not tick > 0 or _na(price):
            return price
        return round(round(price / tick) * tick, self._tick_digits)

    def _on_tick(self, kind: str, side: int, price: float) -> float:
        """A level rounded to the tick grid away from the market: a buy stop up, a sell stop
        down, a buy limit down, a sell limit up (a level within 1e-6 tick of the grid is on
        it, so float noise such as ``1.13641 - 0.00001`` does not move it a whole tick)."""
        tick = self.mintick
        if not tick > 0 or _na(price):
            return price
        units = price / tick
        up = (kind == "stop") == (side > 0)
        n = math.ceil(units - 1e-6) if up else math.floor(units + 1e-6)
        return round(n * tick, self._tick_digits)

    def _raw_levels(self, order: Order) -> list[tuple[str, int, float]]:
        if order.kind in (ENTRY, ORDER):
            if not _na(order.stop) and not order.triggered:
                return [("stop", order.side, order.stop)]
            if not _na(order.limit):
                return [("limit", order.side, order.limit)]
            return []
        trades = self._trades_for(order)
        if not trades or not self._exit_qty(order, trades) > 0:
            return []
        side = -trades[0].side
        entry = self._avg_price(trades)
        tick = self.mintick
        levels = []
        relative_take = _offset(entry, order.profit, -side, tick)
        relative_loss = _offset(entry, -order.loss if not _na(order.loss) else NA, -side, tick)
        if self.version < 6:  # v5: an absolute level replaces the relative one
            relative_take = NA if not _na(order.limit) else relative_take
            relative_loss = NA if not _na(order.stop) else relative_loss
        take = _first_reached([order.limit, relative_take], -side)
        if not _na(take):
            levels.append(("limit", side, take))
        stops = []
        loss = _first_reached([order.stop, relative_loss], side)
        if not _na(loss):
            stops.append(loss)
        if _na(order.trail_price) and _na(order.trail_points):
            pass  # no trailing stop
        elif _na(order.trail_best):
            activation = _first_reached(
                [order.trail_price, _offset(entry, order.trail_points, -side, tick)], -side
            )
            if not _na(activation):
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
        offset = 0.0 if _na(order.trail_offset) else order.trail_offset
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
            if order.kind != EXIT or _na(order.trail_best) or not order.armed:
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
            if order.kind != EXIT or not _na(order.trail_best) or order.created_bar != bar:
                continue
            if _na(order.trail_price) and _na(order.trail_points):
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
        if order.kind in (ENTRY, ORDER) and not _na(order.limit):
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
        if order.kind in (ENTRY, ORDER) and not _na(order.limit):
            order.triggered = True  # a stop-limit: now a limit order
            self._cache = None
            return None
        return level, self._slipped(level, side)

    def _slipped(self, price: float, side: int) -> float:
        return price + side * self.config.slippage * self.mintick

    # ---- fills

    def _fill_price_order(self, order: Order, price: float, bar: int) -> None:
        self._cache = None
        if order not in self.pending:
            return
        if order.kind != EXIT:
            self.pending.remove(order)
        self._execute(order, price, bar, market=False)

    def _execute(self, order: Order, price: float, bar: int, *, market: bool) -> None:
        """Fill one order taken off the book at ``price``; an order that trades (a reversal
        is one order) counts for ``max_intraday_filled_orders`` (see :meth:`_tick_done`)."""
        before = self._executions
        if order.kind == EXIT:
            self._fill_exit(order, price, bar)
        else:
            self._fill(order, price, bar, market=market)
        if self._executions == before:
            return
        self._day_fills += 1
        count = self.risk.max_intraday_filled_orders
        if count is not None and self.trading_days is not None and self._day_fills >= count:
            self._count_reached = True

    def _tick_done(self, bar: int, price: float) -> None:
        """The path has reached ``price`` (the open, a high or low, the close) and the orders
        met on the way have filled: a ``max_intraday_filled_orders`` count reached by them
        cancels the other orders and closes the position there, for the rest of the day."""
        if self._count_reached:
            self._count_reached = False
            if not self.risk.halted:
                comment = "Close Position (Max number of filled orders in one day)"
                self._halt(bar, forever=False, price=price, market=True, comment=comment)

    def _fill(self, order: Order, price: float, bar: int, *, market: bool) -> None:
        if order.kind in (CLOSE, CLOSE_ALL):
            self._fill_close(
                order, self._slipped(price, -self._position_side()) if market else price, bar
            )
            return
        if self.risk.halted:
            return
        if market:
            price = self._slipped(price, order.side)
        qty = self._order_qty(order, price)
        if not qty > 0:
            return
        before = self._executions
        if order.kind == ENTRY:
            self._fill_entry(order, price, qty, bar)
        else:
            self._fill_raw(order, price, qty, bar)
        if self._executions != before:  # an order that did not trade leaves its group alone
            self._oca(order, qty)

    def _fill_entry(self, order: Order, price: float, qty: float, bar: int) -> None:
        side = order.side
        allowed = self.risk.allow_entry_in
        blocked = (allowed == "strategy.direction.long" and side < 0) or (
            allowed == "strategy.direction.short" and side > 0
        )
        # the order's size was fixed when it was placed: the opposite position then (if any)
        # plus the entry; it closes what it can of the opposite position and opens the rest
        qty += order.reverse
        opposite = [t for t in self.open_trades if t.side != side]
        if opposite:
            held = sum(t.qty for t in opposite)
            closing = held if blocked else min(held, qty)
            self._close_qty(opposite, closing, price, bar, order.id, order.comment or order.id)
            qty -= closing
        if blocked or not qty > 1e-12:
            return
        same = sum(1 for t in self.open_trades if t.side == side)
        if same >= self.config.max_entries:
            return
        if not _na(self.risk.max_position_size):
            room = self.risk.max_position_size - abs(self.position_size)
            qty = min(qty, self._round_qty(room))
            if not qty > 0:
                return
        self._open(order, side, qty, price, bar)

    def _fill_raw(self, order: Order, price: float, qty: float, bar: int) -> None:
        side = order.side
        remaining = qty
        opposite = [t for t in self.open_trades if t.side != side]
        if opposite:
            closing = min(remaining, sum(t.qty for t in opposite))
            self._close_qty(opposite, closing, price, bar, order.id, order.comment or order.id)
            remaining -= closing
        if remaining > 1e-12:
            self._open(order, side, remaining, price, bar)

    def _open(self, order: Order, side: int, qty: float, price: float, bar: int) -> None:
        if not self._affordable(side, qty, price):
            return
        commission = self._commission(qty, price)
        self.commission_paid += commission
        trade = OpenTrade(
            order.id,
            side,
            qty,
            price,
            bar,
            self.times[bar],
            order.comment or order.id,
            commission,
            price,
            price,
            order.created_bar,
        )
        self.open_trades.append(trade)
        self._executions += 1
        self._last_entry_id = order.id

    def _affordable(self, side: int, qty: float, price: float) -> bool:
        """Whether the equity at ``price`` covers the margin of the position with ``qty``
        more contracts on ``side`` (margin 0: no check)."""
        margin = self.config.margin_long if side > 0 else self.config.margin_short
        if not margin:
            return True
        held = 0.0
        open_profit = 0.0
        for t in self.open_trades:
            held += t.qty
            open_profit += (price - t.entry_price) * t.qty * t.side * self.pointvalue
            open_profit -= t.commission
        equity = self.config.initial_capital + self.realized + open_profit
        required = (held + qty) * price * self.pointvalue * margin / 100.0
        return required <= equity + 1e-9

    def _close_target(self, order: Order) -> tuple[list[OpenTrade], float]:
        """The trades a ``close``/``close_all`` order acts on and the quantity it closes."""
        if order.kind == CLOSE_ALL:
            trades = list(self.open_trades)
            if order.targets is not None:
                trades = [t for t in trades if any(t is x for x in order.targets)]
        else:
            trades = [t for t in self.open_trades if t.entry_id == order.id]
        total = sum(t.qty for t in trades)
        qty = total if _na(order.qty) else min(float(order.qty), total)
        if _na(order.qty) and order.qty_percent < 100:
            qty = self._round_qty(total * order.qty_percent / 100)
        return trades, qty

    def _fill_close(self, order: Order, price: float, bar: int) -> None:
        trades, qty = self._close_target(order)
        if not trades:
            return
        exit_id = order.comment or (
            "Close entry(s) order " + order.id if order.kind == CLOSE else "Close position order"
        )
        self._close_qty(trades, qty, price, bar, order.id, exit_id)

    def _fill_exit(self, order: Order, price: float, bar: int) -> None:
        trades = self._trades_for(order)
        if not trades:
            return
        qty = self._exit_qty(order, trades)
        if not qty > 0:
            return
        side = -trades[0].side
        if self.config.close_entries_rule == "FIFO":
            # FIFO: the exit closes the oldest trades of the position, whatever their entry
            trades = [t for t in self.open_trades if t.side == trades[0].side]
        kind = self._exit_kind(order, price, side)
        comment = (
            {
                "profit": order.comment_profit,
                "loss": order.comment_loss,
                "trailing": order.comment_trailing,
            }.get(kind)
            or order.comment
            or order.id
        )
        self._close_qty(trades, qty, price, bar, order.id, comment)
        self.pending.remove(order)
        if order.oca_name:
            self._oca(order, qty)

    def _exit_kind(self, order: Order, price: float, side: int) -> str:
        """Which leg of a bracket filled: ``profit`` (its limit), ``trailing`` (an active
        trailing stop that is the bracket's stop) or ``loss``."""
        stop = NA
        for kind, _, level in self._levels(order):
            if kind == "limit" and (price - level) * side <= 1e-12:
                return "profit"
            if kind == "stop":
                stop = level
        if _na(order.trail_best):
            return "loss"
        trail = self._on_tick("stop", side, self._trail_level(order, side))
        return "trailing" if _na(stop) or abs(stop - trail) < 1e-9 else "loss"

    def _close_qty(
        self,
        trades: list[OpenTrade],
        qty: float,
        price: float,
        bar: int,
        exit_id: str,
        comment: str,
    ) -> None:
        """Close ``qty`` of ``trades``, oldest first (or the given trades in order)."""
        remaining = qty
        exit_commission_total = self._commission(qty, price)
        self.commission_paid += exit_commission_total
        for trade in list(trades):
            if remaining <= 1e-12:
                break
            part = min(trade.qty, remaining)
            share = part / trade.qty
            entry_commission = trade.commission * share
            exit_commission = exit_commission_total * (part / qty) if qty else 0.0
            gross = (price - trade.entry_price) * part * trade.side * self.pointvalue
            profit = gross - entry_commission - exit_commission
            best = trade.best if trade.side > 0 else trade.worst
            worst = trade.worst if trade.side > 0 else trade.best
            runup = max(0.0, (best - trade.entry_price) * trade.side * part * self.pointvalue)
            drawdown = min(0.0, (worst - trade.entry_price) * trade.side * part * self.pointvalue)
            self.closed.append(
                ClosedTrade(
                    trade.entry_id,
                    trade.side,
                    part,
                    trade.entry_price,
                    trade.entry_bar,
                    trade.entry_time,
                    trade.comment,
                    exit_id,
                    price,
                    bar,
                    self.times[bar],
                    comment,
                    profit,
                    entry_commission + exit_commission,
                    runup,
                    drawdown,
                )
            )
            self.realized += profit
            self._executions += 1
            trade.qty -= part
            trade.commission -= entry_commission
            remaining -= part
            self._qty_changes += 1
            if trade.qty <= 1e-12:
                self.open_trades.remove(trade)

    def _oca(self, order: Order, qty: float) -> None:
        if not order.oca_name:
            return
        for other in list(self.pending):
            if other is order or other.oca_name != order.oca_name:
                continue
            if order.oca_type == OCA_CANCEL and other.oca_type == OCA_CANCEL:
                self.pending.remove(other)
            elif (
                order.oca_type == OCA_REDUCE and other.oca_type == OCA_REDUCE and not _na(other.qty)
            ):
                other.qty -= qty
                self._qty_changes += 1
                if other.qty <= 1e-12:
                    self.pending.remove(other)

    # ---- helpers

    def _submit(self, order: Order, *, immediately: bool = False) -> None:
        """An order built from a call of the script, handed to the book (a bridge to another
        engine overrides this one method)."""
        if order.kind == EXIT:
            self._place_exit(order)
        elif order.kind in (CLOSE, CLOSE_ALL):
            if immediately:
                self._execute(order, self.closes[self.bar], self.bar, market=False)
            else:
                self._replace_market(order)
        else:
            self._place(order)

    def _place_exit(self, order: Order) -> None:
        """Queue an exit: one with the id and ``from_entry`` of a pending one replaces it,
        keeping what the old one had reached (armed, trailing best, reserved share)."""
        for i, old in enumerate(self.pending):
            if old.kind == EXIT and old.id == order.id and old.from_entry == order.from_entry:
                order.armed, order.trail_best = old.armed, old.trail_best
                if old.armed and _na(order.qty) and order.qty_percent < 100:
                    order.qty = old.qty  # the share it reserved when it was first armed
                self.pending[i] = order
                return
        self.pending.append(order)

    def _place(self, order: Order) -> None:
        """Queue an entry/order: one with the id of a pending one of its kind replaces it. An
        entry against the position also carries that position's size (its reversal part)."""
        position = self._position_after_pending_market()
        if order.kind == ENTRY and position and (position > 0) != (order.side > 0):
            order.reverse = abs(position)
        if _na(order.qty) and not order.is_market:
            order.budget = self._budget()
        elif _na(order.qty):
            order.qty = self._default_qty(self.closes[self.bar])
        for i, old in enumerate(self.pending):
            if old.kind == order.kind and old.id == order.id:
                self.pending[i] = order
                return
        self.pending.append(order)

    def _position_after_pending_market(self) -> float:
        """The position the market orders already pending will leave: an entry placed after
        them reverses that (a ``close`` then ``entry`` flip opens the entry's own size, not
        twice that; a market entry then an opposite price entry on one bar: the price entry
        carries the position the market entry will open)."""
        position = self.position_size
        for order in self.pending:
            if order.kind in (CLOSE, CLOSE_ALL):
                trades, qty = self._close_target(order)
                if trades:
                    position -= qty * trades[0].side
            elif order.is_market and order.created_bar == self.bar and not _na(order.qty):
                if order.kind == ENTRY and position * order.side < 0:
                    position = order.side * float(order.qty)  # it reverses to its own size
                else:
                    position += order.side * float(order.qty)
        return position

    def _replace_market(self, order: Order) -> None:
        for i, old in enumerate(self.pending):
            if old.kind == order.kind and old.id == order.id:
                self.pending[i] = order
                return
        self.pending.append(order)

    def _order_qty(self, order: Order, price: float) -> float:
        if not _na(order.qty):
            return float(order.qty)
        if not _na(order.budget):
            return self._qty_for(order.budget, price)
        return self._default_qty(price)

    def _budget(self) -> float:
        """The money a default-sized order may use (fixed sizing: none, the quantity is set)."""
        c = self.config
        if c.default_qty_type == FIXED:
            return NA
        if c.default_qty_type == CASH:
            return float(c.default_qty_value)
        return self.equity * float(c.default_qty_value) / 100.0

    def _default_qty(self, price: float) -> float:
        c = self.config
        if c.default_qty_type == FIXED:
            return float(c.default_qty_value)
        return self._qty_for(self._budget(), price)

    def _qty_for(self, budget: float, price: float) -> float:
        if self.config.default_qty_type == FIXED:
            return float(self.config.default_qty_value)
        unit = price * self.pointvalue
        if (
            self.config.default_qty_type != CASH
            and self.config.commission_type == COMMISSION_PERCENT
        ):
            # percent of equity leaves room for a percent commission; a cash size does not
            unit *= 1 + self.config.commission_value / 100.0
        if not unit > 0:
            return 0.0
        return self._round_qty(budget / unit)

    def _round_qty(self, qty: float) -> float:
        step = self.qty_step
        if step and step > 0:
            return math.floor(qty / step + 1e-9) * step
        return qty

    def _commission(self, qty: float, price: float) -> float:
        c = self.config
        if not c.commission_value:
            return 0.0
        if c.commission_type == COMMISSION_PERCENT:
            return qty * price * self.pointvalue * c.commission_value / 100.0
        if c.commission_type == COMMISSION_PER_CONTRACT:
            return qty * c.commission_value
        if c.commission_type == COMMISSION_PER_ORDER:
            return float(c.commission_value)
        return 0.0

    def _trades_for(self, order: Order) -> list[OpenTrade]:
        """The trades an exit acts on: with ``from_entry``, the trades of that entry placed
        on or before the bar of the exit call; without, every open trade."""
        if order.from_entry:
            return [
                t
                for t in self.open_trades
                if t.entry_id == order.from_entry and t.placed_bar <= order.created_bar
            ]
        return list(self.open_trades)

    def _exit_qty(self, order: Order, trades: list[OpenTrade]) -> float:
        """What an exit may close: its ``qty`` (or ``qty_percent`` of its trades), less what
        exits placed before it have reserved of the same trades."""
        total = sum(t.qty for t in trades)
        reserved = 0.0
        for other in self.pending:
            if other is order:
                break
            if other.kind == EXIT and other.armed and self._overlap(other, order):
                other_trades = self._trades_for(other)
                reserved += self._wanted(other, sum(t.qty for t in other_trades))
        return max(0.0, min(self._wanted(order, total), total - reserved))

    def _wanted(self, order: Order, total: float) -> float:
        if not _na(order.qty):
            return min(float(order.qty), total)
        if order.qty_percent < 100:
            return self._round_qty(total * order.qty_percent / 100)
        return total

    @staticmethod
    def _overlap(a: Order, b: Order) -> bool:
        return not a.from_entry or not b.from_entry or a.from_entry == b.from_entry

    def _arm(self, order: Order) -> bool:
        """An exit acts while it has trades; once they are gone it is dropped. A
        ``qty_percent`` exit reserves its share of the trades it first meets."""
        trades = self._trades_for(order)
        has = bool(trades)
        if has:
            if not order.armed and _na(order.qty) and order.qty_percent < 100:
                order.qty = self._round_qty(sum(t.qty for t in trades) * order.qty_percent / 100)
            order.armed = True
        elif order.armed:
            self.pending.remove(order)
        return has

    @staticmethod
    def _avg_price(trades: list[OpenTrade]) -> float:
        total = sum(t.qty for t in trades)
        return sum(t.entry_price * t.qty for t in trades) / total if total else NA

    def _position_side(self) -> int:
        size = self.position_size
        return 1 if size > 0 else -1 if size < 0 else 0

    def _track_extremes_at(self, price: float) -> None:
        for trade in self.open_trades:
            if price > trade.best or trade.best != trade.best:
                trade.best = price
            if price < trade.worst or trade.worst != trade.worst:
                trade.worst = price

    def _margin_check(self, bar: int) -> None:
        """Liquidate four times the shortfall when equity no longer covers the margin."""
        trades = self.open_trades
        if not trades:
            return
        side = trades[0].side  # trades of one position share its side
        margin = self.config.margin_long if side > 0 else self.config.margin_short
        if not margin:
            return
        price = self.lows[bar] if side > 0 else self.highs[bar]
        size = 0.0
        open_profit = 0.0
        for t in trades:
            size += t.qty
            open_profit += (price - t.entry_price) * t.qty * t.side
        equity = self.config.initial_capital + self.realized + open_profit * self.pointvalue
        required = size * price * self.pointvalue * margin / 100.0
        if equity >= required:
            return
        per_unit = price * self.pointvalue * margin / 100.0
        shortfall_qty = (required - equity) / per_unit if per_unit else size
        qty = min(size, self._round_qty(4 * shortfall_qty) or size)
        self.margin_calls += 1
        self._close_qty(list(self.open_trades), qty, price, bar, "Margin call", "Margin call")

    def _new_day(self, bar: int) -> None:
        if self.trading_days is None:
            return
        day = self.trading_days[bar]
        if day != self._day:
            equity = self.equity if bar else self.config.initial_capital
            if self._day is not None and self.risk.max_cons_loss_days is not None:
                # a day that ended below its start counts; a profitable one resets the count
                lost = equity < self._day_start_equity
                self._loss_days = self._loss_days + 1 if lost else 0
                if self._loss_days >= self.risk.max_cons_loss_days and not self.risk.halted:
                    self._halt(bar, forever=True)
            self._day = day
            self._day_start_equity = equity
            self._day_fills = 0
            if self.risk.halted and self.risk.halted_until_day < day:
                self.risk.halted = False

    def _check_risk(self, bar: int) -> None:
        """``strategy.risk.*`` at the close: a breached rule cancels the pending orders,
        closes the position at the close and stops trading - for the rest of the trading day
        (intraday loss, filled orders per day) or for good (drawdown, consecutive loss days)."""
        risk = self.risk
        if risk.halted:
            return
        rule = risk.max_intraday_loss
        if rule is not None and self.trading_days is not None:
            value, kind = rule
            limit = value if kind == "strategy.cash" else self._day_start_equity * value / 100.0
            if self._day_start_equity - self.equity >= limit:
                self._halt(bar, forever=False)
                return
        rule = risk.max_drawdown
        if rule is not None:
            value, kind = rule
            peak = max(self._peak_equity, self.equity)
            limit = value if kind == "strategy.cash" else peak * value / 100.0
            if peak - self.equity >= limit:
                self._halt(bar, forever=True)

    def _halt(
        self,
        bar: int,
        *,
        forever: bool,
        price: float = NA,
        market: bool = False,
        comment: str = "",
    ) -> None:
        """Cancel the pending orders and flatten (at the close, or at ``price``)."""
        self.pending = []
        self._cache = None
        if self.open_trades:
            close = Order("", CLOSE_ALL, 0, comment=comment, created_bar=bar)
            if _na(price):
                self._fill_close(close, self.closes[bar], bar)
            else:
                self._fill(close, price, bar, market=market)
        self.risk.halted = True
        self.risk.halted_until_day = 1 << 62 if forever else self._day  # type: ignore[assignment]

    # ================================================================ strategy.* values

    @property
    def position_size(self) -> float:
        return sum(t.qty * t.side for t in self.open_trades)

    @property
    def position_avg_price(self) -> float:
        return self._avg_price(self.open_trades) if self.open_trades else NA

    @property
    def position_entry_name(self) -> str:
        return self.open_trades[-1].entry_id if self.open_trades else ""

    @property
    def openprofit(self) -> float:
        if not self.open_trades or self.bar < 0:
            return 0.0
        price = self.closes[self.bar]
        return sum(
            (price - t.entry_price) * t.qty * t.side * self.pointvalue - t.commission
            for t in self.open_trades
        )

    @property
    def netprofit(self) -> float:
        return self.realized

    @property
    def equity(self) -> float:
        return self.config.initial_capital + self.realized + self.openprofit

    @property
    def initial_capital(self) -> float:
        return self.config.initial_capital

    @property
    def closedtrades(self) -> int:
        return len(self.closed)

    @property
    def opentrades(self) -> int:
        return len(self.open_trades)

    @property
    def wintrades(self) -> int:
        return sum(1 for t in self.closed if t.profit > 0)

    @property
    def losstrades(self) -> int:
        return sum(1 for t in self.closed if t.profit < 0)

    @property
    def eventrades(self) -> int:
        return sum(1 for t in self.closed if t.profit == 0)

    @property
    def grossprofit(self) -> float:
        return sum(t.profit for t in self.closed if t.profit > 0)

    @property
    def grossloss(self) -> float:
        return -sum(t.profit for t in self.closed if t.profit < 0)

    def value(self, name: str) -> object:
        """``strategy.<name>`` for the names without a property of their own."""
        closed = self.closed
        capital = self.config.initial_capital
        wins = [t.profit for t in closed if t.profit > 0]
        losses = [t.profit for t in closed if t.profit < 0]
        table = {
            "netprofit_percent": lambda: self.realized / capital * 100,
            "openprofit_percent": lambda: self.openprofit / capital * 100,
            "grossprofit_percent": lambda: self.grossprofit / capital * 100,
            "grossloss_percent": lambda: self.grossloss / capital * 100,
            "max_drawdown": lambda: max(
                self.max_drawdown, max(self._peak_equity, self.equity) - self.equity
            ),
            "max_runup": lambda: max(
                self.max_runup, self.equity - min(self._trough_equity, self.equity)
            ),
            "max_drawdown_percent": lambda: self.max_drawdown / max(self._peak_equity, 1e-12) * 100,
            "max_runup_percent": lambda: self.max_runup / max(self._trough_equity, 1e-12) * 100,
            "avg_trade": lambda: sum(t.profit for t in closed) / len(closed) if closed else NA,
            "avg_trade_percent": lambda: (
                sum(self._profit_pct(t) for t in closed) / len(closed) if closed else NA
            ),
            "avg_winning_trade": lambda: sum(wins) / len(wins) if wins else NA,
            "avg_losing_trade": lambda: -sum(losses) / len(losses) if losses else NA,
            "avg_winning_trade_percent": lambda: (
                sum(self._profit_pct(t) for t in closed if t.profit > 0) / len(wins) if wins else NA
            ),
            "avg_losing_trade_percent": lambda: (
                -sum(self._profit_pct(t) for t in closed if t.profit < 0) / len(losses)
                if losses
                else NA
            ),
            "max_contracts_held_all": lambda: max(self.max_contracts.values()),
            "max_contracts_held_long": lambda: self.max_contracts[1],
            "max_contracts_held_short": lambda: self.max_contracts[-1],
            "account_currency": lambda: "USD",
            "margin_liquidation_price": lambda: NA,
            "opentrades.capital_held": lambda: sum(
                t.qty * t.entry_price * self.pointvalue for t in self.open_trades
            ),
            "closedtrades.first_index": lambda: 0,
        }
        if name not in table:
            raise PineRuntimeError(f"strategy.{name} is not available")
        return table[name]()

    def _profit_pct(self, t: ClosedTrade) -> float:
        cost = t.entry_price * t.qty * self.pointvalue
        return t.profit / cost * 100 if cost else NA

    def closed_trade(self, field_name: str, trade_num: int) -> object:
        """``strategy.closedtrades.<field>(trade_num)``."""
        if _na(trade_num) or not 0 <= int(trade_num) < len(self.closed):
            return (
                NA
                if field_name not in ("entry_id", "exit_id", "entry_comment", "exit_comment")
                else None
            )
        t = self.closed[int(trade_num)]
        cost = t.entry_price * t.qty * self.pointvalue
        values = {
            "commission": t.commission,
            "entry_bar_index": t.entry_bar,
            "entry_comment": t.entry_comment,
            "entry_id": t.entry_id,
            "entry_price": t.entry_price,
            "entry_time": t.entry_time,
            "exit_bar_index": t.exit_bar,
            "exit_comment": t.exit_comment,
            "exit_id": t.exit_id,
            "exit_price": t.exit_price,
            "exit_time": t.exit_time,
            "max_drawdown": -t.max_drawdown,
            "max_drawdown_percent": -t.max_drawdown / cost * 100 if cost else NA,
            "max_runup": t.max_runup,
            "max_runup_percent": t.max_runup / cost * 100 if cost else NA,
            "profit": t.profit,
            "profit_percent": t.profit / cost * 100 if cost else NA,
            "size": t.qty * t.side,
        }
        return values[field_name]

    def open_trade(self, field_name: str, trade_num: int) -> object:
        """``strategy.opentrades.<field>(trade_num)``."""
        if _na(trade_num) or not 0 <= int(trade_num) < len(self.open_trades):
            return NA if field_name not in ("entry_id", "entry_comment") else None
        t = self.open_trades[int(trade_num)]
        price = self.closes[self.bar] if self.bar >= 0 else t.entry_price
        profit = (price - t.entry_price) * t.qty * t.side * self.pointvalue - t.commission
        cost = t.entry_price * t.qty * self.pointvalue
        best = t.best if t.side > 0 else t.worst
        worst = t.worst if t.side > 0 else t.best
        runup = max(0.0, (best - t.entry_price) * t.side * t.qty * self.pointvalue)
        drawdown = -min(0.0, (worst - t.entry_price) * t.side * t.qty * self.pointvalue)
        values = {
            "commission": t.commission,
            "entry_bar_index": t.entry_bar,
            "entry_comment": t.comment,
            "entry_id": t.entry_id,
            "entry_price": t.entry_price,
            "entry_time": t.entry_time,
            "max_drawdown": drawdown,
            "max_drawdown_percent": drawdown / cost * 100 if cost else NA,
            "max_runup": runup,
            "max_runup_percent": runup / cost * 100 if cost else NA,
            "profit": profit,
            "profit_percent": profit / cost * 100 if cost else NA,
            "size": t.qty * t.side,
        }
        return values[field_name]

    def convert_to_account(self, value: float) -> float:
        return value

    def convert_to_symbol(self, value: float) -> float:
        return value

    def default_entry_qty(self, fill_price: float) -> float:
        return self._default_qty(fill_price)

    # ================================================================ results

    def result(self, index: pd.DatetimeIndex) -> StrategyResult:
        """The trades (closed ones, then those still open, valued at the last close) and the
        per-bar equity."""
        rows = []
        cumulative = 0.0
        times = pd.DatetimeIndex(index)
        for number, t in enumerate(self.closed, start=1):
            cumulative += t.profit
            cost = t.entry_price * t.qty * self.pointvalue
            rows.append(
                {
                    "trade": number,
                    "direction": "long" if t.side > 0 else "short",
                    "entry_time": times[t.entry_bar],
                    "entry_price": t.entry_price,
                    "entry_signal": t.entry_comment,
                    "entry_bar": t.entry_bar,
                    "exit_time": times[t.exit_bar],
                    "exit_price": t.exit_price,
                    "exit_signal": t.exit_comment,
                    "exit_bar": t.exit_bar,
                    "qty": t.qty,
                    "profit": t.profit,
                    "profit_pct": t.profit / cost * 100 if cost else NA,
                    "cum_profit": cumulative,
                    "mfe": t.max_runup,
                    "mae": t.max_drawdown,
                    "bars": t.exit_bar - t.entry_bar,
                    "commission": t.commission,
                    "is_open": False,
                }
            )
        last = len(self.closes) - 1
        for t in self.open_trades:
            price = self.closes[last]
            profit = (price - t.entry_price) * t.qty * t.side * self.pointvalue - t.commission
            cost = t.entry_price * t.qty * self.pointvalue
            best = t.best if t.side > 0 else t.worst
            worst = t.worst if t.side > 0 else t.best
            rows.append(
                {
                    "trade": len(rows) + 1,
                    "direction": "long" if t.side > 0 else "short",
                    "entry_time": times[t.entry_bar],
                    "entry_price": t.entry_price,
                    "entry_signal": t.comment,
                    "entry_bar": t.entry_bar,
                    "exit_time": pd.NaT,
                    "exit_price": NA,
                    "exit_signal": None,
                    "exit_bar": -1,
                    "qty": t.qty,
                    "profit": profit,
                    "profit_pct": profit / cost * 100 if cost else NA,
                    "cum_profit": cumulative + profit,
                    "mfe": max(0.0, (best - t.entry_price) * t.side * t.qty * self.pointvalue),
                    "mae": min(0.0, (worst - t.entry_price) * t.side * t.qty * self.pointvalue),
                    "bars": last - t.entry_bar,
                    "commission": t.commission,
                    "is_open": True,
                }
            )
        trades = pd.DataFrame(rows, columns=TRADE_COLUMNS)
        equity = pd.DataFrame(
            {
                "equity": np.asarray(self.equity_curve, dtype=np.float64),
                "position_size": self.position_curve,
            },
            index=times,
        )
        equity["equity_low"] = np.asarray(self.equity_low_curve, dtype=np.float64)
        equity["equity_high"] = np.asarray(self.equity_high_curve, dtype=np.float64)
        peak = equity["equity"].cummax()
        equity["drawdown"] = equity["equity"] - peak
        equity["drawdown_pct"] = equity["drawdown"] / peak * 100
        return StrategyResult(trades, equity, self.config, self.margin_calls)


TRADE_COLUMNS = [
    "trade",
    "direction",
    "entry_time",
    "entry_price",
    "entry_signal",
    "entry_bar",
    "exit_time",
    "exit_price",
    "exit_signal",
    "exit_bar",
    "qty",
    "profit",
    "profit_pct",
    "cum_profit",
    "mfe",
    "mae",
    "bars",
    "commission",
    "is_open",
]


def _decimals(tick: float) -> int:
    """The decimals a multiple of ``tick`` is written with (0.01: 2, 0.025: 3; at most 12):
    grid prices are rounded to them, so a level and a bar price on one tick are equal floats."""
    for digits in range(13):
        if tick > 0 and abs(round(tick, digits) - tick) <= tick * 1e-9:
            return digits
    return 12


def _offset(entry: float, ticks: float, direction: int, tick: float) -> float:
    """``entry`` moved ``ticks`` ticks in the favourable ``direction`` of the trade (the exit's
    side is ``-direction``)."""
    if _na(ticks) or _na(entry):
        return NA
    return entry + direction * ticks * tick


def _first_reached(levels: list[float], direction: int) -> float:
    """Of a relative and an absolute level, the one the price reaches first moving in
    ``direction`` (+1 up: the lower one; -1 down: the higher one)."""
    values = [x for x in levels if not _na(x)]
    if not values:
        return NA
    return min(values) if direction > 0 else max(values)
