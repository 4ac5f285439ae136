"""TradingView's Strategy Tester *Performance Summary*, computed from a run's results.

:func:`summarize` is the one implementation: a pure function of plain numpy columns - the trade
list (:class:`TradeColumns`), the per-bar equity (:class:`EquityColumns`) and the chart's last
close - that returns ``{"all": {...}, "long": {...}, "short": {...}}`` with the snake_case
metric names of the CLI contract (``pineopt run --metrics``). A strategy run feeds it the
broker's own arrays, so a parameter sweep never builds a DataFrame
(:meth:`~pineopt.strategy.trades.TradeBook.summary`). :func:`performance_summary` is its pandas
face: it reads the ``trades`` and ``equity`` frames of a Result (or hand-made ones) into the
same columns. :func:`to_json` writes a summary (NaN and infinities as ``null``, floats at full
precision) and :func:`summary_frame` lays it out as a table for display.

Inputs (as frames)
------------------
``trades``
    One row per trade in order (a partial exit is its own row; the last rows may be trades still
    open). Columns used: ``direction`` ("long"/"short"), ``entry_time``, ``exit_time``,
    ``entry_price``, ``profit`` (net of commission; for an open trade its open profit),
    ``bars``, ``commission``, ``is_open`` (derived from a missing ``exit_time`` when absent).
``equity``
    Indexed by bar open time: ``equity`` (initial capital + net profit + open profit at the bar's
    close) and ``position_size`` (signed). Optional ``equity_low`` / ``equity_high``: the worst and
    best *intrabar* equity of each bar; when present they replace ``equity`` as the trough of a
    drawdown and the top of a run-up (see below).
``bars``
    The chart's OHLCV frame (only its last ``close`` is used, for Buy & Hold).

Definitions
-----------
Sources: TradingView Help Center, knowledge-base folder "I'd like to know more about values in the
Strategy Tester Report" (support/folders/43000587044) and its articles, quoted where relevant;
"TV" below means TradingView. Closed-trade statistics never include open trades.

A trade is *winning* when its net ``profit`` > 0, *losing* when < 0 and *even* when it is 0
(``abs(profit) <= 1e-9``, to absorb float noise; TV states no tolerance — unsure).

``net_profit``
    Sum of ``profit`` over closed trades (TV: "Net Profit" excludes open P&L, which TV shows as
    "Open PL"). ``net_profit_pct`` = net_profit / initial_capital × 100 (per side too).
``gross_profit`` / ``gross_loss``
    Sum of the profits of winning closed trades / the magnitude of the sum of losing ones. Both
    are net of commission, like the trade profits they add up (the backtest-rookies.com walkthrough
    of the Performance Summary notes this "confusing" TV behaviour). ``gross_loss`` is reported
    as a positive number, like Pine's ``strategy.grossloss``.
``profit_factor``
    gross_profit / gross_loss (TV "Profit Factor"). When there is no losing trade the ratio is
    undefined and TV shows no number: NaN (``null`` in JSON), never ``inf``. *Unsure* whether TV
    shows a dash or "N/A"; either way no value.
``total_closed_trades``, ``total_open_trades``, ``winning_trades``, ``losing_trades``,
``even_trades``
    Counts of rows; a partial exit counts as its own trade, as in TV's List of Trades.
``percent_profitable``
    winning_trades / total_closed_trades × 100 (TV: "dividing the number of winning trades by the
    total number of closed trades"). Even trades count in the denominator only.
``avg_trade``
    net_profit / total_closed_trades. ``avg_winning_trade`` = gross_profit / winning_trades;
    ``avg_losing_trade`` = gross_loss / losing_trades (positive, like gross_loss).
``ratio_avg_win_loss``
    avg_winning_trade / avg_losing_trade (TV "Ratio Avg Win / Avg Loss"); NaN without a winning
    or a losing trade.
``largest_winning_trade`` / ``largest_losing_trade``
    The largest closed-trade profit among winners / the largest loss magnitude among losers
    (positive); NaN when there is none.
``avg_bars_in_trade``
    Mean of ``bars`` over closed trades (TV "Avg # Bars in Trades").
``commission_paid``
    Sum of ``commission`` over all trades, open ones included (the entry commission of an open
    trade has been paid). *Unsure* whether TV counts the open trade's entry fee here.
``max_contracts_held``
    Largest ``abs(position_size)`` over the equity curve ("all"); the largest long position
    ("long") and the largest short position magnitude ("short"). 0 when never in the market.
``margin_calls``
    Passed in by the broker: an int goes to "all" (NaN for the sides), a mapping with keys
    ``all``/``long``/``short`` fills each section.

Account-level metrics, reported in "all" and NaN in "long"/"short" (TV shows them for the whole
account only; *unsure* for the newest report layout, which may split run-up and drawdown):

``max_drawdown`` / ``max_drawdown_pct``
    TV ("Performance Summary: Max Drawdown", support/solutions/43000681690): for every bar in a
    position, ``Max_Equity - Equity_on_Entry + Contracts × (Entry_Price - Low)`` (long; ``High``
    for shorts), where *Max_Equity* is the largest of the initial capital and the equity after
    each trade closed so far — i.e. the drop from the **realized** high-water mark (open profit
    never lifts it) to the worst **intrabar** mark-to-market equity. Here: for each bar ``t``,
    ``peak_t`` = running maximum of realized equity (initial capital + profit of the trades closed
    on or before ``t``), ``trough_t`` = ``equity_low`` if given, else ``equity`` at the bar's close,
    and ``max_drawdown`` = max(0, max_t(peak_t − trough_t)). With close-only equity this misses
    the intrabar extremes TV uses, so it can be smaller than TV's value. ``max_drawdown_pct`` =
    max_t((peak_t − trough_t) / peak_t × 100): each drawdown against the peak it fell from,
    maximised on its own (it may come from a different bar than the currency maximum). *Unsure*
    about the percent base: TV's Pine reference describes ``strategy.max_drawdown_percent``
    differently; the peak-relative reading follows measurements reported in PyneCore's source
    comments (Apache-2.0; read for facts only, no code taken).
``max_runup``
    TV ("Performance Summary: Max Run-up", support/solutions/43000682585), the mirror image: from
    the running **minimum** of realized equity (initial capital included) up to ``equity_high`` (or
    ``equity`` at the close). max(0, max_t(top_t − trough_t)).
``buy_hold_return``
    TV ("Overview: Buy & hold equity", support/solutions/43000681736): "the return achieved if all
    funds (Initial Capital) were used to buy the security when the first trade is entered, and the
    position was held for the duration of the test period". Here: initial_capital ×
    (last close / first trade's entry price − 1), in account currency (like ``net_profit``), with
    fractional quantity and no commission. NaN without trades. *Unsure*: whether TV buys at the
    first fill price or at that bar's close/open, and whether it applies commission.
``sharpe_ratio``
    TV ("Performance Summary: Sharpe Ratio"): SR = (MR − RFR) / SD, "MR is the average return for a
    period (monthly for a trading period of 3 or more months or daily for a trading period of 3 or
    more days)", RFR the risk-free rate (``strategy(risk_free_rate=2)`` % a year), SD the standard
    deviation of the returns. Here: the trading period runs from the first to the last bar of
    ``equity``; at least 3 calendar months → monthly periods, else at least 3 days → daily periods
    (UTC calendar days), else NaN. Each period's equity is the equity at the close of its last
    bar; periods with no bar are skipped (no weekend days for a stock); the base of the first
    return is the initial capital. r_i = E_i / E_{i−1} − 1, RFR per period = rate/100/12 (monthly)
    or rate/100/365 (daily; *unsure*: 365 vs 252), SD is the **sample** standard deviation
    (ddof=1) — consistent with a Quant StackExchange reconstruction of TV's value (question 75572:
    returns [1%, 0, 0] and RFR 0 give TV's 0.577). Not annualised. NaN with fewer than 2 returns or
    SD = 0.
``sortino_ratio``
    TV ("Performance Summary: Sortino Ratio", support/solutions/43000681697): (MR − RFR) / DD with
    DD = sqrt(sum(min(0, X_i − T)²) / N) over all N returns, same periods and RFR as Sharpe. The
    target return T is taken to be the per-period risk-free rate (*unsure*: TV names T without
    giving its value). NaN when DD = 0 or with fewer than 2 returns.

With no trades at all TV shows no report; here the counts and sums are 0 (drawdown and run-up
too, from the flat equity curve) and every average, ratio or percentage is NaN — Sharpe and
Sortino included (a flat curve would otherwise give a Sortino of −1 against a positive target).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "LONG",
    "METRIC_KEYS",
    "SECTIONS",
    "SHORT",
    "EquityColumns",
    "TradeColumns",
    "performance_summary",
    "summarize",
    "summary_frame",
    "to_json",
]

#: The metric names of every section, in TradingView's display order (the CLI contract).
METRIC_KEYS: tuple[str, ...] = (
    "net_profit",
    "net_profit_pct",
    "gross_profit",
    "gross_loss",
    "max_drawdown",
    "max_drawdown_pct",
    "max_runup",
    "buy_hold_return",
    "sharpe_ratio",
    "sortino_ratio",
    "profit_factor",
    "total_closed_trades",
    "total_open_trades",
    "winning_trades",
    "losing_trades",
    "even_trades",
    "percent_profitable",
    "avg_trade",
    "avg_winning_trade",
    "avg_losing_trade",
    "ratio_avg_win_loss",
    "largest_winning_trade",
    "largest_losing_trade",
    "avg_bars_in_trade",
    "commission_paid",
    "max_contracts_held",
    "margin_calls",
)

#: Section keys of the summary and their display titles.
SECTIONS: dict[str, str] = {"all": "All", "long": "Long", "short": "Short"}

#: Metrics TradingView reports for the whole account only (NaN in "long"/"short").
_ACCOUNT_ONLY = (
    "max_drawdown",
    "max_drawdown_pct",
    "max_runup",
    "buy_hold_return",
    "sharpe_ratio",
    "sortino_ratio",
)

#: ``TradeColumns.direction`` of a long and of a short trade.
LONG, SHORT = 1, -1

_DIRECTIONS = {"long": LONG, "short": SHORT}
_EVEN_TOLERANCE = 1e-9
_DAY_NS = 86_400_000_000_000
_NAN = float("nan")


@dataclass(frozen=True)
class TradeColumns:
    """The trade list as numpy columns, one element per trade in list order (closed trades,
    then those still open; a partial exit is a trade of its own)."""

    direction: np.ndarray
    """:data:`LONG` or :data:`SHORT` (int8; anything else counts in "all" only)."""
    is_open: np.ndarray
    """bool: the trade is still open."""
    entry_price: np.ndarray
    exit_time: np.ndarray
    """int64 nanoseconds since the epoch, UTC; not read for an open trade."""
    profit: np.ndarray
    """Net of commission; for an open trade its open profit."""
    bars: np.ndarray
    """float: the bars the trade was held."""
    commission: np.ndarray

    def __len__(self) -> int:
        return len(self.profit)


@dataclass(frozen=True)
class EquityColumns:
    """The per-bar equity as numpy columns (a missing column is None)."""

    time: np.ndarray
    """int64 nanoseconds since the epoch, UTC: each bar's open time."""
    equity: np.ndarray | None
    position_size: np.ndarray | None
    equity_low: np.ndarray | None = None
    equity_high: np.ndarray | None = None


def summarize(
    trades: TradeColumns,
    equity: EquityColumns,
    *,
    last_close: float,
    initial_capital: float,
    risk_free_rate: float = 2.0,
    margin_calls: int | Mapping[str, int] = 0,
) -> dict[str, dict[str, Any]]:
    """Return TradingView's Performance Summary as ``{"all": …, "long": …, "short": …}``.

    ``last_close`` is the chart's last close (NaN: no Buy & Hold). Every section holds exactly
    :data:`METRIC_KEYS`; counts are ints, everything else floats (NaN where TradingView shows
    no value). Definitions: see the module docstring.
    """
    initial_capital = float(initial_capital)
    closed = ~trades.is_open

    contracts = _max_contracts(equity.position_size)
    summary: dict[str, dict[str, Any]] = {}
    for side in SECTIONS:
        if side == "all":
            rows = np.ones(len(trades), dtype=bool)
        else:
            rows = trades.direction == _DIRECTIONS[side]
        section = _trade_stats(trades, rows, rows & closed, initial_capital)
        section["max_contracts_held"] = contracts[side]
        section["margin_calls"] = _margin_calls(margin_calls, side)
        for key in _ACCOUNT_ONLY:
            section[key] = _NAN
        summary[side] = section

    account = summary["all"]
    dd, dd_pct, runup = _drawdown_runup(trades, closed, equity, initial_capital)
    account["max_drawdown"] = dd
    account["max_drawdown_pct"] = dd_pct
    account["max_runup"] = runup
    account["buy_hold_return"] = _buy_hold(trades, float(last_close), initial_capital)
    sharpe, sortino = (
        _sharpe_sortino(equity, initial_capital, float(risk_free_rate))
        if len(trades)
        else (_NAN, _NAN)
    )
    account["sharpe_ratio"] = sharpe
    account["sortino_ratio"] = sortino

    return {side: {key: summary[side][key] for key in METRIC_KEYS} for side in SECTIONS}


def performance_summary(
    trades: pd.DataFrame | None,
    equity: pd.DataFrame | None,
    bars: pd.DataFrame | None,
    *,
    initial_capital: float,
    risk_free_rate: float = 2.0,
    margin_calls: int | Mapping[str, int] = 0,
) -> dict[str, dict[str, Any]]:
    """:func:`summarize` of a Result's ``trades`` and ``equity`` frames and the chart's
    ``bars`` (the frames described in the module docstring; any of them may be None)."""
    return summarize(
        _trade_columns(trades),
        _equity_columns(equity),
        last_close=_last_close(bars),
        initial_capital=initial_capital,
        risk_free_rate=risk_free_rate,
        margin_calls=margin_calls,
    )


def to_json(summary: Mapping[str, Mapping[str, Any]], *, indent: int | None = 2) -> str:
    """Serialise a summary: NaN and infinities become ``null``, floats keep full precision."""
    return json.dumps(_jsonable(summary), indent=indent, allow_nan=False)


def summary_frame(summary: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The summary as a table: one row per metric, columns ``All``, ``Long``, ``Short``."""
    data = {
        title: [summary.get(side, {}).get(key, _NAN) for key in METRIC_KEYS]
        for side, title in SECTIONS.items()
    }
    frame = pd.DataFrame(data, index=pd.Index(METRIC_KEYS, name="metric"), dtype=object)
    return frame


# ------------------------------------------------------------------ frames to columns


def _trade_columns(trades: pd.DataFrame | None) -> TradeColumns:
    if trades is None or len(trades) == 0:
        empty = np.empty(0)
        return TradeColumns(
            np.empty(0, np.int8),
            np.empty(0, bool),
            empty,
            np.empty(0, np.int64),
            empty,
            empty,
            empty,
        )
    required = ["direction", "entry_time", "exit_time", "entry_price", "profit", "bars"]
    missing = [c for c in required if c not in trades.columns]
    if missing:
        raise ValueError(f"trades frame lacks column(s): {', '.join(missing)}")
    if "is_open" in trades.columns:
        is_open = trades["is_open"].fillna(False).astype(bool)
    else:
        is_open = trades["exit_time"].isna()
    if "commission" in trades.columns:
        commission = trades["commission"].astype(float).fillna(0.0).to_numpy(dtype=float)
    else:
        commission = np.zeros(len(trades))
    direction = trades["direction"].astype(str).str.lower()
    codes = np.where(direction == "long", LONG, np.where(direction == "short", SHORT, 0))
    exits = pd.DatetimeIndex(pd.to_datetime(trades["exit_time"], utc=True))
    return TradeColumns(
        direction=codes.astype(np.int8),
        is_open=is_open.to_numpy(dtype=bool),
        entry_price=trades["entry_price"].to_numpy(dtype=float),
        exit_time=exits.as_unit("ns").asi8,
        profit=trades["profit"].astype(float).to_numpy(dtype=float),
        bars=trades["bars"].to_numpy(dtype=float),
        commission=commission,
    )


def _equity_columns(equity: pd.DataFrame | None) -> EquityColumns:
    if equity is None or len(equity) == 0:
        return EquityColumns(np.empty(0, np.int64), None, None)

    def column(name: str) -> np.ndarray | None:
        return equity[name].to_numpy(dtype=float) if name in equity.columns else None

    return EquityColumns(
        time=_utc(pd.DatetimeIndex(equity.index)).as_unit("ns").asi8,
        equity=column("equity"),
        position_size=column("position_size"),
        equity_low=column("equity_low"),
        equity_high=column("equity_high"),
    )


def _last_close(bars: pd.DataFrame | None) -> float:
    if bars is None or len(bars) == 0:
        return _NAN
    close = next((c for c in bars.columns if str(c).lower() == "close"), None)
    return _NAN if close is None else float(bars[close].iloc[-1])


# --------------------------------------------------------------------------- trade statistics


def _trade_stats(
    trades: TradeColumns, rows: np.ndarray, closed: np.ndarray, initial_capital: float
) -> dict[str, Any]:
    """The statistics of the trades of one section (``rows``; ``closed``: those closed)."""
    profit = trades.profit[closed]
    wins = profit[profit > _EVEN_TOLERANCE]
    losses = profit[profit < -_EVEN_TOLERANCE]
    n_closed = int(profit.size)
    n_win = int(wins.size)
    n_loss = int(losses.size)

    net = float(profit.sum())
    gross_profit = float(wins.sum())
    gross_loss = float(-losses.sum())
    avg_win = _div(gross_profit, n_win)
    avg_loss = _div(gross_loss, n_loss)
    bars_held = trades.bars[closed]

    return {
        "net_profit": net,
        "net_profit_pct": _div(net * 100.0, initial_capital),
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "profit_factor": _div(gross_profit, gross_loss),
        "total_closed_trades": n_closed,
        "total_open_trades": int(np.count_nonzero(trades.is_open[rows])),
        "winning_trades": n_win,
        "losing_trades": n_loss,
        "even_trades": n_closed - n_win - n_loss,
        "percent_profitable": _div(n_win * 100.0, n_closed),
        "avg_trade": _div(net, n_closed),
        "avg_winning_trade": avg_win,
        "avg_losing_trade": avg_loss,
        "ratio_avg_win_loss": _div(avg_win, avg_loss),
        "largest_winning_trade": float(wins.max()) if n_win else _NAN,
        "largest_losing_trade": float(-losses.min()) if n_loss else _NAN,
        "avg_bars_in_trade": float(bars_held.mean()) if bars_held.size else _NAN,
        "commission_paid": float(trades.commission[rows].sum()),
    }


def _max_contracts(position_size: np.ndarray | None) -> dict[str, float]:
    """The largest position of each section: either side, long, short (its magnitude)."""
    size = np.empty(0) if position_size is None else position_size[~np.isnan(position_size)]
    if size.size == 0:
        return dict.fromkeys(SECTIONS, 0.0)
    return {
        "all": float(np.abs(size).max()),
        "long": float(max(size.max(), 0.0)),
        "short": float(max(-size.min(), 0.0)),
    }


def _margin_calls(margin_calls: int | Mapping[str, int], side: str) -> float | int:
    if isinstance(margin_calls, Mapping):
        value = margin_calls.get(side)
        return _NAN if value is None else int(value)
    return int(margin_calls) if side == "all" else _NAN


# ------------------------------------------------------------------------- account statistics


def _realized_equity(
    exit_time: np.ndarray, profit: np.ndarray, bar_time: np.ndarray, initial_capital: float
) -> np.ndarray:
    """Initial capital plus the profit of every trade closed (at ``exit_time``, with
    ``profit``) on or before each bar of ``bar_time``."""
    realized = np.full(len(bar_time), initial_capital, dtype=float)
    if len(exit_time) == 0 or len(bar_time) == 0:
        return realized
    order = np.argsort(exit_time, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(profit[order])])
    count = np.searchsorted(exit_time[order], bar_time, side="right")
    return realized + cum[count]


def _drawdown_runup(
    trades: TradeColumns, closed: np.ndarray, equity: EquityColumns, initial_capital: float
) -> tuple[float, float, float]:
    close_eq = equity.equity
    if close_eq is None or close_eq.size == 0:
        return _NAN, _NAN, _NAN
    realized = _realized_equity(
        trades.exit_time[closed], trades.profit[closed], equity.time, initial_capital
    )
    low_eq = _or(equity.equity_low, close_eq)
    high_eq = _or(equity.equity_high, close_eq)

    peak = np.maximum.accumulate(realized)
    drawdown = peak - low_eq
    with np.errstate(divide="ignore", invalid="ignore"):
        dd_pct = np.where(peak > 0, drawdown / peak * 100.0, np.nan)
    trough = np.minimum.accumulate(realized)
    return _largest(drawdown), _largest(dd_pct), _largest(high_eq - trough)


def _largest(values: np.ndarray) -> float:
    """max(0, the largest value that is not NaN); NaN when all are (``np.fmax.reduce`` is what
    ``np.nanmax`` computes, without its warning)."""
    return max(float(np.fmax.reduce(values)), 0.0)


def _buy_hold(trades: TradeColumns, last_close: float, initial_capital: float) -> float:
    if len(trades) == 0:
        return _NAN
    entry_price = float(trades.entry_price[0])
    if not (entry_price > 0) or math.isnan(last_close):
        return _NAN
    return initial_capital * (last_close / entry_price - 1.0)


def _sharpe_sortino(
    equity: EquityColumns, initial_capital: float, risk_free_rate: float
) -> tuple[float, float]:
    returns, periods_per_year = _period_returns(equity, initial_capital)
    if returns.size < 2:
        return _NAN, _NAN
    rfr = risk_free_rate / 100.0 / periods_per_year
    excess = float(returns.mean()) - rfr
    sd = float(returns.std(ddof=1))
    sharpe = excess / sd if sd > 0 else _NAN
    downside = np.minimum(returns - rfr, 0.0)
    dd = math.sqrt(float((downside**2).sum()) / returns.size)
    sortino = excess / dd if dd > 0 else _NAN
    return sharpe, sortino


def _period_returns(equity: EquityColumns, initial_capital: float) -> tuple[np.ndarray, int]:
    """Per-period returns of the equity curve: monthly, daily or none (see the docstring)."""
    values = equity.equity
    if values is None or values.size == 0:
        return np.empty(0), 12
    times = equity.time
    first, last = pd.Timestamp(int(times[0])), pd.Timestamp(int(times[-1]))
    if last >= first + pd.DateOffset(months=3):
        keys, per_year = _months(times), 12
    elif last >= first + pd.Timedelta(days=3):
        keys, per_year = times // _DAY_NS, 365
    else:
        return np.empty(0), 12
    ends = _last_of_each(keys, values)
    levels = np.concatenate([[initial_capital], ends])
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = levels[1:] / levels[:-1] - 1.0
    return returns[np.isfinite(returns)], per_year


def _months(times: np.ndarray) -> np.ndarray:
    """The calendar month (UTC) of each time as a number that grows with the month: how many
    month starts from the earliest time's month on are at or before it."""
    first, last = (
        np.datetime64(int(t), "ns").astype("datetime64[M]") for t in (times.min(), times.max())
    )
    starts = np.arange(first, last + 1).astype("datetime64[ns]").view(np.int64)
    return np.searchsorted(starts, times, side="right")


def _last_of_each(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The last non-NaN value of each key (NaN when it has none), keys in ascending order:
    pandas' ``Series(values).groupby(keys).last()``."""
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    stops = np.append(starts[1:], len(keys))
    valid = np.flatnonzero(~np.isnan(values))
    before = np.searchsorted(valid, stops)  # how many valid values lie before each stop
    last = np.concatenate([[-1], valid])[before]  # the last of them (-1: none at all)
    return np.where(last >= starts, values[last], np.nan)


# ------------------------------------------------------------------------------------ helpers


def _utc(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(index)
    return index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")


def _or(values: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    """``values`` with ``default`` where they are NaN (all of ``default`` when None)."""
    if values is None:
        return default
    return np.where(np.isnan(values), default, values)


def _div(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(denominator) or math.isnan(numerator):
        return _NAN
    return float(numerator) / float(denominator)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or value is pd.NaT:
        return None
    return value
