"""Objectives: the number a sweep ranks parameter sets by, and which way is better.

Each objective is one figure of TradingView's Performance Summary for the whole account
(``Result.metrics["all"]``, :mod:`pineopt.strategy.metrics`). Profits, ratios and the share of
winners are maximised; drawdowns are minimised. A set whose figure is missing (no trade, so no
Sharpe ratio) or that failed ranks last whatever the direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pineopt.sweep.errors import SweepUsageError


@dataclass(frozen=True)
class Objective:
    """``name`` as the user gives it, ``metric`` the Performance Summary key, ``maximize``."""

    name: str
    metric: str
    maximize: bool

    @property
    def direction(self) -> str:
        """``"maximize"`` or ``"minimize"`` (Optuna's words)."""
        return "maximize" if self.maximize else "minimize"

    def value(self, metrics: dict[str, Any] | None) -> float:
        """The objective of one run's ``metrics["all"]`` (NaN when absent)."""
        if not metrics:
            return math.nan
        value = metrics.get(self.metric)
        try:
            value = float(value)
        except (TypeError, ValueError):
            return math.nan
        return value if math.isfinite(value) else math.nan

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` ranks before ``b`` (NaN ranks after anything)."""
        if math.isnan(a):
            return False
        if math.isnan(b):
            return True
        return a > b if self.maximize else a < b


#: short names → (Performance Summary key, maximise?)
OBJECTIVES: dict[str, tuple[str, bool]] = {
    "net_profit": ("net_profit", True),
    "net_profit_pct": ("net_profit_pct", True),
    "gross_profit": ("gross_profit", True),
    "sharpe": ("sharpe_ratio", True),
    "sortino": ("sortino_ratio", True),
    "profit_factor": ("profit_factor", True),
    "max_drawdown": ("max_drawdown", False),
    "max_drawdown_pct": ("max_drawdown_pct", False),
    "percent_profitable": ("percent_profitable", True),
    "total_closed_trades": ("total_closed_trades", True),
    "avg_trade": ("avg_trade", True),
    "ratio_avg_win_loss": ("ratio_avg_win_loss", True),
    "max_runup": ("max_runup", True),
    "gross_loss": ("gross_loss", False),
    "commission_paid": ("commission_paid", False),
}
# the summary's own names work too (``sharpe_ratio`` as well as ``sharpe``)
_ALIASES = {metric: name for name, (metric, _) in OBJECTIVES.items()}


def objective(name: str | Objective) -> Objective:
    """The :class:`Objective` called ``name`` (a short name or a Performance Summary key);
    an unknown name is a usage error listing the known ones."""
    if isinstance(name, Objective):
        return name
    key = str(name).strip()
    key = _ALIASES.get(key, key)
    if key not in OBJECTIVES:
        known = ", ".join(OBJECTIVES)
        raise SweepUsageError(f"unknown objective {name!r}; the objectives are: {known}")
    metric, maximize = OBJECTIVES[key]
    return Objective(key, metric, maximize)
