"""The searches: which parameter sets to evaluate.

* ``grid``: every combination of the space (:meth:`Space.grid`) that meets the constraints.
* ``random``: ``trials`` distinct sets drawn with a seeded :class:`random.Random`; sets that
  break a constraint are drawn again.
* ``optuna``: Optuna's TPE sampler (seeded) through its ask/tell interface, in this process:
  ask a batch of trials, evaluate the batch on the cluster, tell the results, ask again. With
  ``folds`` (walk-forward training windows split in consecutive parts) a trial is evaluated
  fold by fold, reports its running mean with ``trial.report`` and a
  :class:`~optuna.pruners.MedianPruner` may stop it before its later folds; its value is the
  mean objective over its folds.

Grid and random need nothing but the standard library; Optuna is imported only for its method.
Every set gets a ``set`` id (1, 2, ... in the order it was chosen).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pineopt.sweep.constraints import Constraint, satisfied
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.objectives import Objective
from pineopt.sweep.space import Dimension, Space

METHODS = ("grid", "random", "optuna")
#: trials of ``random`` and ``optuna`` when none is given
DEFAULT_TRIALS = 50
#: draws allowed per wanted set before a random or Optuna search stops short
DRAWS_PER_SET = 50

#: evaluate ``[(set id, params), ...]`` (over ``window``, a (start, end) pair or None) and
#: return each set's objective, pooled over the datasets
Evaluate = Callable[[Sequence[tuple[int, dict]], Any], dict[int, float]]


def check_method(method: str, trials: int | None) -> str:
    method = str(method).strip().lower()
    if method not in METHODS:
        raise SweepUsageError(f"unknown method {method!r}; the methods are: {', '.join(METHODS)}")
    if trials is not None and trials < 1:
        raise SweepUsageError(f"trials must be at least 1, not {trials}")
    if method == "grid" and trials is not None:
        raise SweepUsageError("--trials is for --method random or optuna; a grid runs every set")
    return method


def grid_sets(
    space: Space, constraints: Sequence[Constraint], fixed: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every combination that meets the constraints."""
    return [s for s in space.grid() if satisfied(constraints, {**fixed, **s})]


def random_sets(
    space: Space,
    constraints: Sequence[Constraint],
    fixed: Mapping[str, Any],
    trials: int,
    seed: int | None,
) -> list[dict[str, Any]]:
    """Up to ``trials`` distinct sets drawn at random (fewer when the space, after the
    constraints, holds fewer)."""
    rng = random.Random(seed)
    chosen: dict[tuple, dict[str, Any]] = {}
    for _ in range(trials * DRAWS_PER_SET):
        if len(chosen) == trials:
            break
        candidate = space.sample(rng)
        if satisfied(constraints, {**fixed, **candidate}):
            chosen.setdefault(_key(candidate), candidate)
    return list(chosen.values())


def optuna_search(
    space: Space,
    constraints: Sequence[Constraint],
    fixed: Mapping[str, Any],
    *,
    trials: int,
    seed: int | None,
    objective: Objective,
    evaluate: Evaluate,
    parallel: int,
    first_id: int = 1,
    folds: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Run an Optuna study of ``trials`` evaluated sets, ``parallel`` at a time; returns
    ``{"best": params or None, "value": its value, "pruned": count, "trials": count}``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=max(2, parallel), n_warmup_steps=0)
        if folds and len(folds) > 1
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        direction=objective.direction,
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=pruner,
    )
    distributions = {d.name: _distribution(d) for d in space.dimensions}
    known: dict[tuple, float] = {}
    evaluated = asked = pruned = 0
    next_id = first_id
    while evaluated < trials and asked < trials * DRAWS_PER_SET:
        batch: list[tuple[Any, int, dict]] = []
        pending: set[tuple] = set()
        while len(batch) < min(parallel, trials - evaluated) and asked < trials * DRAWS_PER_SET:
            trial = study.ask(distributions)
            asked += 1
            params = {d.name: _suggested(d, trial.params[d.name]) for d in space.dimensions}
            if not satisfied(constraints, {**fixed, **params}):
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                continue
            key = _key(params)
            if key in known:  # TPE proposed a set already run: its value is known
                study.tell(trial, _told(known[key], objective))
                continue
            if key in pending:  # the same set twice in one batch: run it once
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                continue
            pending.add(key)
            batch.append((trial, next_id, params))
            next_id += 1
        if not batch:
            continue
        values, stopped = _evaluate_trials(batch, evaluate, folds, optuna)
        for trial, set_id, params in batch:
            value = values[set_id]
            known[_key(params)] = value
            if set_id in stopped:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                pruned += 1
            else:
                study.tell(trial, _told(value, objective))
        evaluated += len(batch)
    if evaluated < trials:
        print(
            f"pineopt sweep: optuna found only {evaluated} sets meeting the constraints",
            file=sys.stderr,
        )
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    finite = [t for t in complete if t.value is not None and math.isfinite(t.value)]
    best = None
    if finite:
        pick = max if objective.maximize else min
        winner = pick(finite, key=lambda t: t.value)
        best = {d.name: _suggested(d, winner.params[d.name]) for d in space.dimensions}
    return {
        "best": best,
        "value": None if best is None else known[_key(best)],
        "pruned": pruned,
        "trials": evaluated,
    }


def _evaluate_trials(
    batch: list[tuple[Any, int, dict]], evaluate: Evaluate, folds: Sequence[Any] | None, optuna
) -> tuple[dict[int, float], set[int]]:
    """Each trial's value: one evaluation, or fold by fold with reports and pruning."""
    sets = [(set_id, params) for _, set_id, params in batch]
    if not folds:
        return evaluate(sets, None), set()
    scores: dict[int, list[float]] = {set_id: [] for set_id, _ in sets}
    stopped: set[int] = set()
    trials = {set_id: trial for trial, set_id, _ in batch}
    for step, fold in enumerate(folds):
        alive = [(i, p) for i, p in sets if i not in stopped]
        if not alive:
            break
        for set_id, value in evaluate(alive, fold).items():
            scores[set_id].append(value)
            running = _mean(scores[set_id])
            if math.isnan(running):
                continue
            trials[set_id].report(running, step)
            if step < len(folds) - 1 and trials[set_id].should_prune():
                stopped.add(set_id)
    return {i: _mean(v) for i, v in scores.items()}, stopped


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite and len(finite) == len(values) else math.nan


def _told(value: float, objective: Objective) -> float:
    """What Optuna is told for a set without a value (failed, no trades): the worst number."""
    if math.isnan(value):
        return -sys.float_info.max if objective.maximize else sys.float_info.max
    return value


def _distribution(dimension: Dimension) -> Any:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if dimension.kind == "list":
        return CategoricalDistribution(list(dimension.choices))
    low, high = dimension.low, dimension.high
    if dimension.is_int:
        if dimension.kind == "log":
            return IntDistribution(math.ceil(low), math.floor(high), log=True)
        step = int(dimension.step or 1)
        top = int(low) + (int(high) - int(low)) // step * step
        return IntDistribution(int(low), top, step=step)
    if dimension.kind == "log":
        return FloatDistribution(low, high, log=True)
    if dimension.step is None:
        return FloatDistribution(low, high)
    top = low + math.floor((high - low) / dimension.step + 1e-9) * dimension.step
    return FloatDistribution(low, top, step=dimension.step)


def _suggested(dimension: Dimension, value: Any) -> Any:
    """Optuna's value as the input takes it (a stepped float on its grid's decimals)."""
    if dimension.kind == "range" and dimension.step is not None and not dimension.is_int:
        return min(dimension.choices, key=lambda choice: abs(choice - value))
    if hasattr(value, "item"):
        return value.item()
    return value


def _key(params: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in params.items()))
