"""The ``strategy.*`` values a script reads: position, profits, trade counts and accessors.

:class:`StrategyValues` (a part of :class:`~pineopt.strategy.broker.Broker`) answers
``strategy.position_size``, ``strategy.equity``, ``strategy.netprofit``… and
``strategy.closedtrades.*(n)`` / ``strategy.opentrades.*(n)`` from the trades so far.
"""

from __future__ import annotations

from pineopt.errors import PineRuntimeError
from pineopt.strategy.orders import NA, is_na
from pineopt.strategy.trades import ClosedTrade


class StrategyValues:
    """The ``strategy.*`` variables and trade accessors (a part of
    :class:`~pineopt.strategy.broker.Broker`)."""

    @property
    def position_size(self) -> float:
        if self._position is None:  # kept until the open trades change
            self._position = sum(t.qty * t.side for t in self.open_trades)
        return self._position

    @property
    def position_avg_price(self) -> float:
        if self._avg_entry is None:  # kept until the open trades change
            trades = self.open_trades
            self._avg_entry = self._avg_price(trades) if trades else NA
        return self._avg_entry

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
        self._settle()  # the drawdowns and contracts held include every bar closed so far
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
        if is_na(trade_num) or not 0 <= int(trade_num) < len(self.closed):
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
        if is_na(trade_num) or not 0 <= int(trade_num) < len(self.open_trades):
            return NA if field_name not in ("entry_id", "entry_comment") else None
        self._sync_extremes()  # the quiet bars so far count for the run-up and drawdown
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
