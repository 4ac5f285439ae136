"""Recording a sweep in the store (``--save``): an optimisation campaign and its iterations.

The strategy is filed under its declared title (saved, or updated when its text changed, as
:meth:`pineopt.Store.record` does). One iteration per parameter set, numbered by set id:
``parameters`` are the set, ``objective`` its objective (averaged over the datasets when
there are several) and ``metrics`` its Performance Summary (with several datasets, a mapping
``{dataset: summary}``); a set that failed is an iteration with status ``failed`` and its
error. The campaign's ``settings`` hold what the manifest holds (data, constraints, seed,
counts); the best iteration is named when the campaign is finished. Only the client process
writes here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: iterations written per transaction
CHUNK = 500


def save_campaign(
    store: Any,
    *,
    name: str,
    title: str,
    source: str,
    method: str,
    objective: str,
    space: Mapping[str, Any],
    settings: Mapping[str, Any],
    rows: Sequence[dict[str, Any]],
    best_set: int | None,
) -> int:
    """Write the campaign and its iterations to ``store`` and return the campaign id."""
    from pineopt.store import NotFound

    try:
        saved = store.strategy(title)
    except NotFound:
        store.save_strategy(source, name=title)
    else:
        if saved.get("source") != source:
            store.save_strategy(source, name=title, replace=True)
    campaign = store.create_campaign(
        title, name=name, method=method, objective=objective, space=space, settings=settings
    )
    try:
        iterations = _iterations(rows)
        for first in range(0, len(iterations), CHUNK):
            store.add_iterations(campaign, iterations[first : first + CHUNK])
    except BaseException:
        store.finish_campaign(campaign, "failed")
        raise
    store.finish_campaign(campaign, "done", best_iteration=best_set)
    return campaign


def _iterations(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    by_set: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(row["set"], []).append(row)
    iterations = []
    for set_id in sorted(by_set):
        group = by_set[set_id]
        errors = [f"{r['dataset']}: {r['error']}" for r in group if r.get("error")]
        values = [r["objective"] for r in group]
        objective = None if any(math.isnan(v) for v in values) else sum(values) / len(values)
        metrics = (
            group[0]["metrics"] if len(group) == 1 else {_where(r): r["metrics"] for r in group}
        )
        iterations.append(
            {
                "number": set_id,
                "parameters": group[0]["params"],
                "metrics": metrics,
                "objective": objective,
                "status": "failed" if errors else "done",
                "error": "; ".join(errors) or None,
                "seconds": sum(r.get("seconds") or 0.0 for r in group),
            }
        )
    return iterations


def _where(row: dict[str, Any]) -> str:
    """``BTCUSDT_1h``, or ``BTCUSDT_1h fold 2`` for a fold of a walk-forward training window."""
    fold = row.get("fold")
    return row["dataset"] if fold is None else f"{row['dataset']} fold {fold}"
