"""The ``strategy()`` declaration: every parameter of TradingView's Strategy Tester, with its
default, read from the converted script's declaration and the user's overrides.

Defaults follow TradingView as it behaves today (LANGUAGE-NOTES §14): an initial capital of
100,000 and orders sized at 100 % of equity (the v6 reference manual still lists 1,000,000 and
one contract; both stay reachable through ``strategy()`` arguments or ``--strategy KEY=VALUE``).
``margin_long``/``margin_short`` default to 100 in v6 and 0 (no margin checks) in v5.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from pineopt.errors import PineOptError

FIXED = "strategy.fixed"
CASH = "strategy.cash"
PERCENT_OF_EQUITY = "strategy.percent_of_equity"
COMMISSION_PERCENT = "strategy.commission.percent"
COMMISSION_PER_CONTRACT = "strategy.commission.cash_per_contract"
COMMISSION_PER_ORDER = "strategy.commission.cash_per_order"

_QTY_TYPES = (FIXED, CASH, PERCENT_OF_EQUITY)
_COMMISSION_TYPES = (COMMISSION_PERCENT, COMMISSION_PER_CONTRACT, COMMISSION_PER_ORDER)


class StrategyConfigError(PineOptError, ValueError):
    """A ``strategy()`` parameter (or an override) that cannot be used."""


@dataclass(frozen=True)
class StrategyConfig:
    """The parameters of ``strategy()`` that change how orders fill and trades count."""

    initial_capital: float = 100_000.0
    currency: str = "currency.NONE"
    default_qty_type: str = PERCENT_OF_EQUITY
    default_qty_value: float = 100.0
    pyramiding: int = 1
    commission_type: str = COMMISSION_PERCENT
    commission_value: float = 0.0
    slippage: int = 0
    process_orders_on_close: bool = False
    close_entries_rule: str = "FIFO"
    margin_long: float = 100.0
    margin_short: float = 100.0
    calc_on_order_fills: bool = False
    calc_on_every_tick: bool = False
    use_bar_magnifier: bool = False
    backtest_fill_limits_assumption: int = 0
    fill_orders_on_standard_ohlc: bool = False
    risk_free_rate: float = 2.0
    max_bars_back: int = 0

    @classmethod
    def from_declaration(
        cls, declaration: Mapping[str, object], overrides: Mapping[str, object] | None = None
    ) -> StrategyConfig:
        """The config of a converted script's ``DECLARATION`` (the literal arguments of its
        ``strategy()`` call) with ``overrides`` (by parameter name, values or their text)."""
        version = int(declaration.get("version", 6))  # type: ignore[call-overload]
        values: dict[str, object] = {}
        if version < 6:
            values.update(margin_long=0.0, margin_short=0.0)
        names = {f.name for f in dataclasses.fields(cls)}
        for key, value in declaration.items():
            if key in names:
                values[key] = value
        for key, value in (overrides or {}).items():
            if key not in names:
                known = ", ".join(sorted(names))
                raise StrategyConfigError(f"unknown strategy parameter '{key}' (known: {known})")
            values[key] = value
        return cls(**{k: _coerce(k, v) for k, v in values.items()})

    def __post_init__(self) -> None:
        if self.default_qty_type not in _QTY_TYPES:
            raise StrategyConfigError(
                f"default_qty_type must be one of {', '.join(_QTY_TYPES)}, "
                f"not {self.default_qty_type!r}"
            )
        if self.commission_type not in _COMMISSION_TYPES:
            raise StrategyConfigError(
                f"commission_type must be one of {', '.join(_COMMISSION_TYPES)}, "
                f"not {self.commission_type!r}"
            )
        if self.close_entries_rule not in ("FIFO", "ANY"):
            raise StrategyConfigError('close_entries_rule must be "FIFO" or "ANY"')
        if not self.initial_capital > 0:
            raise StrategyConfigError("initial_capital must be positive")
        for name in ("slippage", "pyramiding", "backtest_fill_limits_assumption"):
            if getattr(self, name) < 0:
                raise StrategyConfigError(f"{name} cannot be negative")

    @property
    def max_entries(self) -> int:
        """Entries allowed in one direction (``pyramiding`` 0 and 1 both mean one)."""
        return max(1, int(self.pyramiding))


_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _coerce(name: str, value: object) -> object:
    """An override given as text (``--strategy slippage=2``) in the field's type."""
    field = {f.name: f for f in dataclasses.fields(StrategyConfig)}[name]
    kind = field.type if isinstance(field.type, str) else field.type.__name__
    try:
        if kind == "bool":
            if isinstance(value, str):
                return _BOOLS[value.strip().lower()]
            return bool(value)
        if kind == "int":
            number = float(value)  # type: ignore[arg-type]
            if not number.is_integer():
                raise ValueError
            return int(number)
        if kind == "float":
            return float(value)  # type: ignore[arg-type]
    except (KeyError, ValueError, TypeError):
        raise StrategyConfigError(
            f"strategy parameter '{name}': {value!r} is not a {kind}"
        ) from None
    text = str(value)
    if name == "default_qty_type" and not text.startswith("strategy."):
        text = f"strategy.{text}"
    if name == "commission_type" and not text.startswith("strategy."):
        text = f"strategy.commission.{text}"
    return text
