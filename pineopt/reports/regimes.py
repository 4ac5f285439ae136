"""Market regimes of a run: how the strategy did in up, down and sideways trends, and in high and
low volatility, beside buying and holding the instrument over the same bars.

Classification (every rule looks only at bars up to the one classified):

* **trend**: the close against its simple moving average of ``trend_length`` bars (200 by
  default) with a band of ``trend_band`` (2 %) around it: ``up`` when
  ``close > sma * (1 + band)``, ``down`` when ``close < sma * (1 - band)``, ``sideways`` in
  between. Bars before the average exists have no trend (``NaN``).
* **volatility**: ATR % = the simple average of the true range over ``vol_length`` bars (14)
  divided by the close. ``high`` when it is at or above the ``vol_quantile`` (0.5: the median) of
  every ATR % of the sample, ``low`` below; ``NaN`` while the average warms up. (The threshold is
  the whole sample's quantile: a description of the history, not a trading rule.)

Attribution: the return over bar ``t`` (equity ``t`` / equity ``t-1`` - 1, and close ``t`` /
close ``t-1`` - 1 for buy & hold) belongs to the regime known at the close of bar ``t-1``: the
state of the market when the position held through bar ``t`` was decided.

Per regime :func:`regime_breakdown` gives ``bars`` (returns attributed to it), ``share`` of all
attributed bars, ``strategy_return`` and ``buy_hold_return`` (compounded), ``hit_rate`` (the
share of bars in the market whose strategy return is positive), ``exposure`` (the share of bars
with an open position) and, when trades are given, ``trades`` entered in the regime and their
``win_rate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pineopt.errors import PineOptError

__all__ = ["classify", "regime_breakdown"]

TREND_LABELS = ("up", "down", "sideways")
VOLATILITY_LABELS = ("high", "low")
COLUMNS = (
    "bars",
    "share",
    "strategy_return",
    "buy_hold_return",
    "hit_rate",
    "exposure",
    "trades",
    "win_rate",
)


def classify(
    bars: pd.DataFrame,
    *,
    trend_length: int = 200,
    trend_band: float = 0.02,
    vol_length: int = 14,
    vol_quantile: float = 0.5,
) -> pd.DataFrame:
    """The regime of every bar: columns ``trend`` (up/down/sideways), ``volatility``
    (high/low), and the values behind them, ``sma`` and ``atr_pct``. See the module docstring."""
    missing = [c for c in ("high", "low", "close") if c not in getattr(bars, "columns", ())]
    if missing:
        raise PineOptError(f"the bars need column(s) {', '.join(missing)}")
    if trend_length < 1 or vol_length < 1:
        raise PineOptError("trend_length and vol_length must be at least 1")
    if not 0 <= vol_quantile <= 1:
        raise PineOptError("vol_quantile must be between 0 and 1")
    high = bars["high"].astype(float)
    low = bars["low"].astype(float)
    close = bars["close"].astype(float)

    sma = close.rolling(trend_length, min_periods=trend_length).mean()
    trend = pd.Series(np.nan, index=bars.index, dtype=object)
    known = sma.notna()
    trend[known] = "sideways"
    trend[known & (close > sma * (1 + trend_band))] = "up"
    trend[known & (close < sma * (1 - trend_band))] = "down"

    previous = close.shift(1)
    true_range = pd.concat(
        [high - low, (high - previous).abs(), (low - previous).abs()], axis=1
    ).max(axis=1, skipna=True)
    atr_pct = true_range.rolling(vol_length, min_periods=vol_length).mean() / close
    volatility = pd.Series(np.nan, index=bars.index, dtype=object)
    if atr_pct.notna().any():
        threshold = atr_pct.quantile(vol_quantile)
        volatility[atr_pct.notna()] = "low"
        volatility[atr_pct >= threshold] = "high"
    return pd.DataFrame(
        {"trend": trend, "volatility": volatility, "sma": sma, "atr_pct": atr_pct},
        index=bars.index,
    )


def regime_breakdown(
    equity_df: pd.DataFrame,
    bars: pd.DataFrame,
    trades: pd.DataFrame | None = None,
    **classify_options: float,
) -> pd.DataFrame:
    """Per-regime performance of a run (see the module docstring).

    ``equity_df`` is a Result's ``equity`` (``equity`` and ``position_size`` columns), ``bars``
    the OHLC bars it ran on (same index), ``trades`` a Result's ``trades``; the options go to
    :func:`classify`. Returns one row per regime, indexed by (``dimension``, ``regime``):
    ``("all", "all")``, then ``trend`` up/down/sideways, ``volatility`` high/low, and the
    combined ``trend x volatility`` regimes; columns :data:`COLUMNS`. A regime with no bars
    keeps its row with ``bars == 0`` and NaN rates.
    """
    if not isinstance(equity_df, pd.DataFrame) or "equity" not in equity_df.columns:
        raise PineOptError("the equity frame needs an 'equity' column")
    labels = classify(bars, **classify_options)  # type: ignore[arg-type]
    equity = equity_df["equity"].astype(float).reindex(bars.index)
    if "position_size" in equity_df.columns:
        position = equity_df["position_size"].astype(float).reindex(bars.index).fillna(0.0)
    else:
        position = pd.Series(0.0, index=bars.index)
    frame = pd.DataFrame(
        {
            "strategy": equity.pct_change(fill_method=None),
            "buy_hold": bars["close"].astype(float).pct_change(fill_method=None),
            "in_market": position != 0,
            "trend": labels["trend"].shift(1),
            "volatility": labels["volatility"].shift(1),
        }
    ).iloc[1:]
    frame = frame[frame["strategy"].notna() & frame["buy_hold"].notna()]
    attributed = frame[frame["trend"].notna() | frame["volatility"].notna()]
    total = len(attributed)

    entries = _entry_regimes(trades, labels)
    rows: dict[tuple[str, str], dict[str, float]] = {}
    rows["all", "all"] = _stats(frame, len(frame), entries)
    for dimension, names in (("trend", TREND_LABELS), ("volatility", VOLATILITY_LABELS)):
        for name in names:
            mask = frame[dimension] == name
            picked = entries[entries[dimension] == name] if entries is not None else None
            rows[dimension, name] = _stats(frame[mask], total, picked)
    for trend in TREND_LABELS:
        for vol in VOLATILITY_LABELS:
            mask = (frame["trend"] == trend) & (frame["volatility"] == vol)
            picked = (
                entries[(entries["trend"] == trend) & (entries["volatility"] == vol)]
                if entries is not None
                else None
            )
            rows["trend x volatility", f"{trend}/{vol}"] = _stats(frame[mask], total, picked)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS))
    table.index = pd.MultiIndex.from_tuples(table.index, names=["dimension", "regime"])
    table["bars"] = table["bars"].astype("int64")
    if trades is None:
        table = table.drop(columns=["trades", "win_rate"])
    else:
        table["trades"] = table["trades"].astype("int64")
    return table


def _stats(frame: pd.DataFrame, total: int, entries: pd.DataFrame | None) -> dict[str, float]:
    bars = len(frame)
    in_market = frame["in_market"]
    held = int(in_market.sum())
    stats: dict[str, float] = {
        "bars": bars,
        "share": bars / total if total else np.nan,
        "strategy_return": float(np.prod(1 + frame["strategy"].to_numpy()) - 1) if bars else np.nan,
        "buy_hold_return": float(np.prod(1 + frame["buy_hold"].to_numpy()) - 1) if bars else np.nan,
        "hit_rate": float((frame["strategy"][in_market] > 0).sum() / held) if held else np.nan,
        "exposure": held / bars if bars else np.nan,
        "trades": 0,
        "win_rate": np.nan,
    }
    if entries is not None:
        closed = entries[entries["closed"]]
        stats["trades"] = len(entries)
        stats["win_rate"] = float((closed["profit"] > 0).mean()) if len(closed) else np.nan
    return stats


def _entry_regimes(trades: pd.DataFrame | None, labels: pd.DataFrame) -> pd.DataFrame | None:
    """Each trade's profit, whether it is closed, and the regime known at its entry (the
    regime of the bar before the entry bar, as for returns)."""
    if trades is None:
        return None
    columns = ["profit", "closed", "trend", "volatility"]
    if len(trades) == 0 or "entry_time" not in trades.columns:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    shifted = labels[["trend", "volatility"]].shift(1)
    times = pd.DatetimeIndex(pd.to_datetime(trades["entry_time"], utc=True))
    index = labels.index
    if index.tz is None:
        times = times.tz_localize(None)
    at = shifted.reindex(times)
    closed = (
        ~trades["is_open"].astype(bool).to_numpy()
        if "is_open" in trades.columns
        else np.ones(len(trades), dtype=bool)
    )
    return pd.DataFrame(
        {
            "profit": trades["profit"].astype(float).to_numpy(),
            "closed": closed,
            "trend": at["trend"].to_numpy(),
            "volatility": at["volatility"].to_numpy(),
        }
    )
