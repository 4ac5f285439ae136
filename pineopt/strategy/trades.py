"""Trade bookkeeping: fills turned into open and closed trades, and the run's results.

:class:`TradeBook` (a part of :class:`~pineopt.strategy.broker.Broker`) executes a filled order:
an entry closes what it can of the opposite position and opens the rest, exits and closes
take trades first in first out (or by entry with ``close_entries_rule = "ANY"``), OCA groups
cancel or reduce their other orders. After the last bar, :meth:`TradeBook.summary` computes the
Performance Summary from the broker's own arrays, and :meth:`TradeBook.result` lays the trades
and the equity out as DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pineopt.strategy.config import (
    StrategyConfig,
)
from pineopt.strategy.metrics import LONG, SHORT, EquityColumns, TradeColumns, summarize
from pineopt.strategy.orders import (
    CLOSE,
    CLOSE_ALL,
    ENTRY,
    EXIT,
    NA,
    OCA_CANCEL,
    OCA_REDUCE,
    Order,
    is_na,
)
from pineopt.strategy.quiet import MARGIN_AHEAD


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
class StrategyResult:
    """What the broker leaves after the last bar."""

    trades: pd.DataFrame
    equity: pd.DataFrame
    config: StrategyConfig
    margin_calls: int = 0
    orders: list = field(default_factory=list)


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


class TradeBook:
    """Executing fills as trades, and the results (a part of
    :class:`~pineopt.strategy.broker.Broker`)."""

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
        if not is_na(self.risk.max_position_size):
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
        self._note_closes()  # the bars so far are noted with the position they had
        self._sync_extremes()
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
        self._position_changed()
        self._executions += 1
        self._last_open_bar = bar

    def _close_target(self, order: Order) -> tuple[list[OpenTrade], float]:
        """The trades a ``close``/``close_all`` order acts on and the quantity it closes."""
        if order.kind == CLOSE_ALL:
            trades = list(self.open_trades)
            if order.targets is not None:
                trades = [t for t in trades if any(t is x for x in order.targets)]
        else:
            trades = [t for t in self.open_trades if t.entry_id == order.id]
        total = sum(t.qty for t in trades)
        qty = total if is_na(order.qty) else min(float(order.qty), total)
        if is_na(order.qty) and order.qty_percent < 100:
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
        self._note_closes()  # the bars so far are noted with the position they had
        self._sync_extremes()
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
        self._position_changed()

    def _position_changed(self) -> None:
        """The open trades have changed: ``strategy.position_size`` and ``position_avg_price``
        are computed again when next read (they are read on most bars, and change only here)."""
        self._position = None
        self._avg_entry = None
        self._margin_ok_until = -1  # the margin checked ahead was for the old position
        self._margin_span = MARGIN_AHEAD

    def _oca(self, order: Order, qty: float) -> None:
        if not order.oca_name:
            return
        for other in list(self.pending):
            if other is order or other.oca_name != order.oca_name:
                continue
            if order.oca_type == OCA_CANCEL and other.oca_type == OCA_CANCEL:
                self.pending.remove(other)
            elif (
                order.oca_type == OCA_REDUCE
                and other.oca_type == OCA_REDUCE
                and not is_na(other.qty)
            ):
                other.qty -= qty
                self._qty_changes += 1
                if other.qty <= 1e-12:
                    self.pending.remove(other)

    @staticmethod
    def _avg_price(trades: list[OpenTrade]) -> float:
        total = sum(t.qty for t in trades)
        return sum(t.entry_price * t.qty for t in trades) / total if total else NA

    def _position_side(self) -> int:
        size = self.position_size
        return 1 if size > 0 else -1 if size < 0 else 0

    def _finish(self) -> None:
        """Write what the broker keeps for later: the bars closed since the position last
        changed, and the open trades' extremes over the quiet bars."""
        self._settle()
        self._sync_extremes()

    def _open_profit(self, trade: OpenTrade) -> float:
        """The profit of an open trade at the last close, net of its entry commission."""
        price = self.closes[len(self.closes) - 1]
        gross = (price - trade.entry_price) * trade.qty * trade.side * self.pointvalue
        return gross - trade.commission

    def summary(self, index: pd.DatetimeIndex) -> dict[str, dict[str, Any]]:
        """The Performance Summary of the run over the bars of ``index``: what
        :func:`~pineopt.strategy.metrics.performance_summary` gives for the frames of
        :meth:`result`, computed from the broker's own arrays without building them."""
        self._finish()
        times = pd.DatetimeIndex(index).as_unit("ns").asi8
        last = len(self.closes) - 1
        closed, still = self.closed, self.open_trades
        exit_bars = [t.exit_bar for t in closed] + [last] * len(still)  # an open one's: unread
        trades = TradeColumns(
            direction=np.array(
                [LONG if t.side > 0 else SHORT for t in (*closed, *still)], dtype=np.int8
            ),
            is_open=np.arange(len(closed) + len(still)) >= len(closed),
            entry_price=np.array([t.entry_price for t in (*closed, *still)], dtype=float),
            exit_time=times[np.array(exit_bars, dtype=int)],
            profit=np.array(
                [t.profit for t in closed] + [self._open_profit(t) for t in still], dtype=float
            ),
            bars=np.array(
                [t.exit_bar - t.entry_bar for t in closed] + [last - t.entry_bar for t in still],
                dtype=float,
            ),
            commission=np.array([t.commission for t in (*closed, *still)], dtype=float),
        )
        equity = EquityColumns(
            time=times,
            equity=self.equity_curve,
            position_size=self.position_curve,
            equity_low=self.equity_low_curve,
            equity_high=self.equity_high_curve,
        )
        return summarize(
            trades,
            equity,
            last_close=self.closes[last] if last >= 0 else float("nan"),
            initial_capital=self.config.initial_capital,
            risk_free_rate=self.config.risk_free_rate,
            margin_calls=self.margin_calls,
        )

    def result(self, index: pd.DatetimeIndex) -> StrategyResult:
        """The trades (closed ones, then those still open, valued at the last close) and the
        per-bar equity."""
        self._finish()
        rows = []
        cumulative = 0.0
        times = pd.DatetimeIndex(index)
        # the bars' times boxed at once (one lookup per trade is slow)
        entry_times = times[[t.entry_bar for t in (*self.closed, *self.open_trades)]].tolist()
        exit_times = times[[t.exit_bar for t in self.closed]].tolist()
        for number, t in enumerate(self.closed, start=1):
            cumulative += t.profit
            cost = t.entry_price * t.qty * self.pointvalue
            rows.append(
                {
                    "trade": number,
                    "direction": "long" if t.side > 0 else "short",
                    "entry_time": entry_times[number - 1],
                    "entry_price": t.entry_price,
                    "entry_signal": t.entry_comment,
                    "entry_bar": t.entry_bar,
                    "exit_time": exit_times[number - 1],
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
            profit = self._open_profit(t)
            cost = t.entry_price * t.qty * self.pointvalue
            best = t.best if t.side > 0 else t.worst
            worst = t.worst if t.side > 0 else t.best
            rows.append(
                {
                    "trade": len(rows) + 1,
                    "direction": "long" if t.side > 0 else "short",
                    "entry_time": entry_times[len(rows)],
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
        for column in ("entry_time", "exit_time"):
            # the bars' own time type, whatever the rows hold (all NaT: a naive column)
            moments = pd.to_datetime(trades[column], utc=True).dt.tz_convert(times.tz)
            trades[column] = moments.astype(times.dtype)
        equity = pd.DataFrame(
            {
                "equity": self.equity_curve.copy(),
                "position_size": self.position_curve.copy(),
            },
            index=times,
        )
        equity["equity_low"] = self.equity_low_curve.copy()
        equity["equity_high"] = self.equity_high_curve.copy()
        peak = equity["equity"].cummax()
        equity["drawdown"] = equity["equity"] - peak
        equity["drawdown_pct"] = equity["drawdown"] / peak * 100
        return StrategyResult(trades, equity, self.config, self.margin_calls)
