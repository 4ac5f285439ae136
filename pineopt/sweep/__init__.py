"""Parameter sweeps, optimisation and walk-forward, on one machine or a Dask cluster.

``pineopt.sweep(script, data, params, ...)`` evaluates a strategy over a space of input
values and returns a DataFrame, one row per parameter set × dataset, best first (see
:func:`pineopt.sweep.api.sweep`). ``pineopt.walk_forward(...)`` optimises on rolling training
windows and measures the chosen parameters on the windows that follow
(:func:`pineopt.sweep.walkforward.walk_forward`). :func:`pooled` ranks sets across
datasets and :func:`best` names the best one.

This package is callable: ``pineopt.sweep`` is both the package (``pineopt.sweep.space``,
``pineopt.sweep.cluster`` ...) and the function, so that the short spelling works however
the package was imported.

One module per concern: :mod:`~pineopt.sweep.space` (what varies),
:mod:`~pineopt.sweep.constraints`, :mod:`~pineopt.sweep.objectives`,
:mod:`~pineopt.sweep.search` (grid, random, Optuna), :mod:`~pineopt.sweep.evaluate` (what
runs on workers), :mod:`~pineopt.sweep.cluster` (where it runs; its Dask plumbing,
:mod:`~pineopt.sweep.dask_tasks`, is shared with report grids),
:mod:`~pineopt.sweep.campaign`, :mod:`~pineopt.sweep.results`, :mod:`~pineopt.sweep.outputs`,
:mod:`~pineopt.sweep.saving` (the store) and :mod:`~pineopt.sweep.walkforward`.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from pineopt.sweep.api import sweep
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.results import best, pooled
from pineopt.sweep.walkforward import WalkForward, walk_forward

__all__ = ["SweepUsageError", "WalkForward", "best", "pooled", "sweep", "walk_forward"]


class _CallableModule(types.ModuleType):
    """The package's module type: calling it calls :func:`sweep`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
