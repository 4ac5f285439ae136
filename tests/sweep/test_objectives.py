"""Objectives map to Performance Summary keys, with their direction."""

from __future__ import annotations

import math

import pytest

from pineopt.strategy.metrics import METRIC_KEYS
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.objectives import OBJECTIVES, objective


def test_every_objective_is_a_summary_key():
    assert {metric for metric, _ in OBJECTIVES.values()} <= set(METRIC_KEYS)


@pytest.mark.parametrize(
    ("name", "metric", "maximize"),
    [
        ("net_profit", "net_profit", True),
        ("sharpe", "sharpe_ratio", True),
        ("sharpe_ratio", "sharpe_ratio", True),
        ("sortino", "sortino_ratio", True),
        ("max_drawdown", "max_drawdown", False),
        ("max_drawdown_pct", "max_drawdown_pct", False),
        ("percent_profitable", "percent_profitable", True),
    ],
)
def test_names_and_directions(name, metric, maximize):
    chosen = objective(name)
    assert (chosen.metric, chosen.maximize) == (metric, maximize)
    assert chosen.direction == ("maximize" if maximize else "minimize")


def test_values_and_ranking():
    drawdown = objective("max_drawdown")
    assert drawdown.value({"max_drawdown": 12.5}) == 12.5
    assert math.isnan(drawdown.value({"max_drawdown": float("nan")}))
    assert math.isnan(drawdown.value(None))
    assert drawdown.better(1.0, 2.0) and not drawdown.better(2.0, 1.0)
    assert drawdown.better(5.0, float("nan")) and not drawdown.better(float("nan"), 5.0)
    assert objective("net_profit").better(2.0, 1.0)


def test_unknown_objective_lists_the_known_ones():
    with pytest.raises(SweepUsageError, match=r"unknown objective 'profit'; the objectives are: "):
        objective("profit")
