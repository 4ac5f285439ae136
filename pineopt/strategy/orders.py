"""Orders and their lifecycle: what the script's ``strategy.*`` order calls put in the book.

:class:`Order` is one pending order; :class:`OrderBook` (a part of
:class:`~pineopt.strategy.broker.Broker`) holds the calls ``strategy.entry``, ``order``,
``exit``, ``close``, ``close_all``, ``cancel`` and ``cancel_all``: a call with the id of a
pending order replaces it, an entry's size (and its reversal part) is fixed when it is placed,
and an exit is armed by the trades it acts on and reserves its share of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pineopt.errors import PineRuntimeError

if TYPE_CHECKING:
    from pineopt.strategy.trades import OpenTrade


NA = math.nan

LONG = "strategy.long"

SHORT = "strategy.short"

OCA_CANCEL = "strategy.oca.cancel"

OCA_REDUCE = "strategy.oca.reduce"

ENTRY, ORDER, EXIT, CLOSE, CLOSE_ALL = "entry", "order", "exit", "close", "close_all"

ACTIVATE = "activate"  # the activation level of a trailing stop not yet active (a level kind)


def is_na(x: object) -> bool:
    """Pine's `na` for a value of an order or a trade (None or NaN)."""
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
            self.kind in (ENTRY, ORDER) and is_na(self.limit) and is_na(self.stop)
        )


class OrderBook:
    """The script's order calls and the book of pending orders (a part of
    :class:`~pineopt.strategy.broker.Broker`, whose ``__init__`` sets the state)."""

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
        for level in (profit, limit, loss, stop, trail_price, trail_points):
            if level is not None and level == level:
                break
        else:
            return  # TradingView ignores an exit without any level
        id, from_entry = str(id), str(from_entry or "")
        # the call's arguments: all but the absolute prices, then those
        key = ((qty, qty_percent, profit, loss, trail_price, trail_points, trail_offset,
                oca_name or "", comment or "", comment_profit or "", comment_loss or "",
                comment_trailing or ""), (limit, stop))  # fmt: skip
        for old in self.pending:
            if old.kind == EXIT and old.id == id and old.from_entry == from_entry:
                if old.key == key:  # re-issued unchanged (the usual every-bar call)
                    if self._joined_since(old):
                        self._cache = None  # it now covers trades placed since its last call
                    old.created_bar = self.bar
                    return
                if self._fast_path and old.key[0] == key[0]:  # only its prices move
                    self._reprice_exit(old, key, limit, stop)
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
            qty_percent=100.0 if is_na(qty_percent) else float(qty_percent),
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

    def _reprice_exit(self, order: Order, key: tuple, limit: float, stop: float) -> None:
        """A pending exit called again with new absolute levels only (a stop or limit that
        follows the price, re-placed every bar): its ``limit`` and ``stop`` move, as a
        replacement would move them. The levels kept for the bar's path
        (:meth:`~pineopt.strategy.price_path.PricePath._active_levels`) are then recomputed for
        this order alone, unless a trade of its entry placed since its last call joins it:
        what it reserves of the trades changes, and with it what the exits after it get."""
        # (kept levels that are already stale stay so: they are dropped when next read)
        kept = self._cache is not None and not self._joined_since(order)
        order.limit, order.stop, order.key, order.created_bar = limit, stop, key, self.bar
        if kept:
            kept = self._relevel(order)
        if not kept:
            self._cache = None

    def _joined_since(self, order: Order) -> bool:
        """Whether an exit called again on this bar now covers a trade of its ``from_entry``
        placed since its last call (an open trade its last call did not cover)."""
        return bool(
            order.from_entry
            and self._last_open_bar > order.created_bar  # a trade opened since
            and any(
                t.entry_id == order.from_entry and order.created_bar < t.placed_bar <= self.bar
                for t in self.open_trades
            )
        )

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
        order.qty_percent = 100.0 if is_na(qty_percent) else float(qty_percent)
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
                if old.armed and is_na(order.qty) and order.qty_percent < 100:
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
        if is_na(order.qty) and not order.is_market:
            order.budget = self._budget()
        elif is_na(order.qty):
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
            elif order.is_market and order.created_bar == self.bar and not is_na(order.qty):
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
        if not is_na(order.qty):
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
            if not order.armed and is_na(order.qty) and order.qty_percent < 100:
                order.qty = self._round_qty(sum(t.qty for t in trades) * order.qty_percent / 100)
            order.armed = True
        elif order.armed:
            self.pending.remove(order)
        return has
