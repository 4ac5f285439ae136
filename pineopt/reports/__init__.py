"""Reports of a strategy run (QuantStats tear sheets and Bokeh charts) and of an optimisation
campaign (:func:`run_campaign_report`), all made offline.

``from pineopt.reports import write_tearsheet`` works, but the submodule (and its heavy
dependencies: bokeh for charts, quantstats and matplotlib for tear sheets) is only imported
when one of its names is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "returns_from_equity": "tearsheet",
    "buy_hold_returns": "tearsheet",
    "write_tearsheet": "tearsheet",
    "price_chart": "charts",
    "equity_chart": "charts",
    "drawdown_chart": "charts",
    "strategy_layout": "charts",
    "save_html": "charts",
    "load_campaign": "campaign",
    "run_campaign_report": "campaign_run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
