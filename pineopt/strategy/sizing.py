"""Order sizes, commission and margin.

:class:`Sizing` (a part of :class:`~pineopt.strategy.broker.Broker`): default sizes from the
``strategy()`` declaration (fixed, cash, percent of equity with room for a percent
commission), the symbol's quantity step, commission per fill, the margin an entry needs and
the margin call that liquidates four times the shortfall.
"""

from __future__ import annotations

import math

from pineopt.strategy.config import (
    CASH,
    COMMISSION_PER_CONTRACT,
    COMMISSION_PER_ORDER,
    COMMISSION_PERCENT,
    FIXED,
)
from pineopt.strategy.orders import NA, Order, is_na


class Sizing:
    """Quantities, commission and margin (a part of :class:`~pineopt.strategy.broker.Broker`)."""

    def _order_qty(self, order: Order, price: float) -> float:
        if not is_na(order.qty):
            return float(order.qty)
        if not is_na(order.budget):
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

    def default_entry_qty(self, fill_price: float) -> float:
        return self._default_qty(fill_price)
