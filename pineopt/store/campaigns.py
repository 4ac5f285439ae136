"""Optimization campaigns: a parameter sweep of one strategy and its evaluated points.

A sweep creates its campaign (:meth:`~CampaignsMixin.create_campaign`: the search ``method``,
the ``objective`` it ranks by, the parameter ``space``), adds iterations as they come back
(:meth:`~CampaignsMixin.add_iterations`; the client writes, never the workers) and finishes it,
naming the best iteration. Deleting the strategy deletes its campaigns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from pineopt.store.codec import json_safe
from pineopt.store.errors import StoreError
from pineopt.store.models import (
    CAMPAIGN_STATUSES,
    Backtest,
    OptimizationCampaign,
    OptimizationIteration,
    utcnow,
)
from pineopt.store.records import StrategyRef, campaign_row, frame, record_id, strategy_row

ITERATION_COLUMNS = [
    "id",
    "number",
    "status",
    "objective",
    "seconds",
    "backtest_id",
    "error",
    "created_at",
    "parameters",
    "metrics",
]
_ITERATION_KEYS = {
    "number",
    "parameters",
    "metrics",
    "objective",
    "status",
    "error",
    "seconds",
    "backtest_id",
}


class CampaignsMixin:
    """The campaign methods of :class:`~pineopt.store.Store`."""

    def create_campaign(
        self,
        strategy: StrategyRef,
        *,
        name: str,
        method: str,
        objective: str,
        space: Mapping[str, Any],
        settings: Mapping[str, Any] | None = None,
    ) -> int:
        """Start a campaign (status ``running``) over ``strategy`` and return its id.
        ``method`` is the search (``grid``, ``random``, ``optuna`` ...), ``objective`` the
        metric it ranks by, ``space`` the parameters searched (JSON-like), ``settings`` the
        rest (data, ranges, budgets)."""
        if not isinstance(space, Mapping):
            raise StoreError(f"a campaign's space maps parameter names to values, not {space!r}")
        with self._write() as session:
            row = OptimizationCampaign(
                strategy_id=strategy_row(session, strategy).id,
                name=_text(name, "name"),
                method=_text(method, "method"),
                objective=_text(objective, "objective"),
                space=json_safe(dict(space)),
                settings=json_safe(dict(settings or {})),
                status="running",
            )
            session.add(row)
            session.flush()
            return row.id

    def add_iterations(self, campaign_id: int, rows: Iterable[Mapping[str, Any]]) -> list[int]:
        """Add evaluated points to a running campaign and return their ids. Each row has a
        ``number`` (unique in the campaign) and ``parameters``, and may have ``metrics``,
        ``objective`` (a number), ``status`` (default ``done``), ``error``, ``seconds`` and the
        ``backtest_id`` it was recorded as."""
        values = [_iteration(row) for row in rows]
        with self._write() as session:
            campaign = campaign_row(session, campaign_id)
            if campaign.status != "running":
                raise StoreError(f"campaign {campaign.id} is {campaign.status}: it takes no more")
            for value in values:
                backtest = value.get("backtest_id")
                if backtest is not None and session.get(Backtest, backtest) is None:
                    raise StoreError(f"iteration {value['number']}: no backtest with id {backtest}")
            identity = campaign.id  # the row expires if the flush fails
            added = [OptimizationIteration(campaign_id=identity, **value) for value in values]
            session.add_all(added)
            try:
                session.flush()
            except IntegrityError:
                numbers = ", ".join(str(v["number"]) for v in values)
                raise StoreError(
                    f"campaign {identity} already has an iteration numbered among {numbers}"
                ) from None
            return [row.id for row in added]

    def finish_campaign(
        self, campaign_id: int, status: str = "done", best_iteration: int | None = None
    ) -> None:
        """End a campaign with ``status`` (``done``, ``failed``, ``cancelled``);
        ``best_iteration`` is the number of its best iteration."""
        if status not in CAMPAIGN_STATUSES or status == "running":
            ended = ", ".join(s for s in CAMPAIGN_STATUSES if s != "running")
            raise StoreError(f"a campaign ends {ended}, not {status!r}")
        with self._write() as session:
            campaign = campaign_row(session, campaign_id)
            if best_iteration is not None:
                best = session.scalar(
                    sa.select(OptimizationIteration.id).where(
                        OptimizationIteration.campaign_id == campaign.id,
                        OptimizationIteration.number == record_id(best_iteration, "iteration"),
                    )
                )
                if best is None:
                    raise StoreError(f"campaign {campaign.id} has no iteration {best_iteration}")
                campaign.best_iteration_id = best
            campaign.status = status
            campaign.finished_at = utcnow()

    def campaign(self, campaign_id: int) -> dict[str, Any]:
        """One campaign: ``id, strategy_id, strategy, name, method, objective, space, settings,
        status, created_at, finished_at, iterations`` (how many) and ``best`` (the best
        iteration as a dict, or None)."""
        with self._read() as session:
            row = campaign_row(session, campaign_id)
            count = session.scalar(
                sa.select(sa.func.count(OptimizationIteration.id)).where(
                    OptimizationIteration.campaign_id == row.id
                )
            )
            best = (
                session.get(OptimizationIteration, row.best_iteration_id)
                if row.best_iteration_id is not None
                else None
            )
            return {
                "id": row.id,
                "strategy_id": row.strategy_id,
                "strategy": row.strategy.name,
                "name": row.name,
                "method": row.method,
                "objective": row.objective,
                "space": dict(row.space or {}),
                "settings": dict(row.settings or {}),
                "status": row.status,
                "created_at": pd.Timestamp(row.created_at),
                "finished_at": None if row.finished_at is None else pd.Timestamp(row.finished_at),
                "iterations": int(count or 0),
                "best": None if best is None else _iteration_dict(best),
            }

    def iterations(self, campaign_id: int) -> pd.DataFrame:
        """The iterations of a campaign by number: ``number, status, objective``, one column
        per parameter, then ``seconds, backtest_id, error, created_at, id`` and the
        ``parameters`` and ``metrics`` dicts."""
        with self._read() as session:
            campaign_row(session, campaign_id)
            rows = session.scalars(
                sa.select(OptimizationIteration)
                .where(OptimizationIteration.campaign_id == campaign_id)
                .order_by(OptimizationIteration.number)
            ).all()
        result = frame(
            [[getattr(r, c) for c in ITERATION_COLUMNS] for r in rows],
            ITERATION_COLUMNS,
            times=("created_at",),
        )
        result = result.astype({"id": "int64", "number": "int64", "objective": "float64"})
        names = list(dict.fromkeys(k for r in rows for k in (r.parameters or {})))
        fixed = set(ITERATION_COLUMNS)
        expanded = pd.DataFrame(
            {
                name: [(r.parameters or {}).get(name) for r in rows]
                for name in names
                if name not in fixed
            },
            index=result.index,
        )
        lead = result[["number", "status", "objective"]]
        rest = result[["seconds", "backtest_id", "error", "created_at", "id"]]
        return pd.concat([lead, expanded, rest, result[["parameters", "metrics"]]], axis=1)


def _text(value: Any, name: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise StoreError(f"a campaign needs a {name}")
    return text


def _iteration(row: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of one iteration row, checked."""
    if not isinstance(row, Mapping):
        raise StoreError(f"an iteration is a dict, not {row!r}")
    unknown = set(row) - _ITERATION_KEYS
    if unknown:
        raise StoreError(
            f"unknown iteration field(s) {', '.join(sorted(map(str, unknown)))} "
            f"(known: {', '.join(sorted(_ITERATION_KEYS))})"
        )
    if "number" not in row:
        raise StoreError("an iteration needs its number")
    objective = row.get("objective")
    if objective is not None:
        try:
            objective = float(objective)
        except (TypeError, ValueError):
            raise StoreError(f"an iteration's objective is a number, not {objective!r}") from None
        if not math.isfinite(objective):
            objective = None
    backtest = row.get("backtest_id")
    return {
        "number": record_id(row["number"], "iteration"),
        "parameters": json_safe(dict(row.get("parameters") or {})),
        "metrics": json_safe(row.get("metrics")),
        "objective": objective,
        "status": str(row.get("status") or "done"),
        "error": None if row.get("error") is None else str(row["error"]),
        "seconds": None if row.get("seconds") is None else float(row["seconds"]),
        "backtest_id": None if backtest is None else record_id(backtest, "backtest"),
    }


def _iteration_dict(row: OptimizationIteration) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "parameters": dict(row.parameters or {}),
        "metrics": row.metrics,
        "objective": row.objective,
        "status": row.status,
        "error": row.error,
        "seconds": row.seconds,
        "backtest_id": row.backtest_id,
        "created_at": pd.Timestamp(row.created_at),
    }
