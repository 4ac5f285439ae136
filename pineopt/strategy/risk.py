"""``strategy.risk.*``: the rules that stop trading for the day or for good.

:class:`RiskDesk` (a part of :class:`~pineopt.strategy.broker.Broker`) keeps the trading day,
counts filled orders on the price path, and on a breach cancels the pending orders, closes the
position and halts trading.
"""

from __future__ import annotations

from dataclasses import dataclass

from pineopt.strategy.orders import CLOSE_ALL, NA, Order, is_na


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


class RiskDesk:
    """The ``strategy.risk.*`` rules (a part of :class:`~pineopt.strategy.broker.Broker`)."""

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
        self._settle()  # the peak equity so far
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
            if is_na(price):
                self._fill_close(close, self.closes[bar], bar)
            else:
                self._fill(close, price, bar, market=market)
        self.risk.halted = True
        self.risk.halted_until_day = 1 << 62 if forever else self._day  # type: ignore[assignment]

    def _tick_done(self, bar: int, price: float) -> None:
        """The path has reached ``price`` (the open, a high or low, the close) and the orders
        met on the way have filled: a ``max_intraday_filled_orders`` count reached by them
        cancels the other orders and closes the position there, for the rest of the day
        (called when ``_count_reached`` is set)."""
        self._count_reached = False
        if not self.risk.halted:
            comment = "Close Position (Max number of filled orders in one day)"
            self._halt(bar, forever=False, price=price, market=True, comment=comment)
