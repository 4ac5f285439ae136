"""Score a trade list against TradingView's the way the strategy conformance corpus does.

Where :mod:`pineopt.strategy.compare` pairs trades one by one in order (and loses track once a
single trade differs), :func:`score_trades` treats the two lists as *fills* and asks how many
of TradingView's fills PineOpt reproduces:

* entries, and separately exits (a still-open trade has no exit), are multisets of
  (UTC minute, direction), restricted to the window of TradingView's export (its first to its
  last fill time: the feed may reach further than the export);
* ``recall`` = fills matched / TradingView's fills, ``precision`` = matched / our fills in the
  window;
* each matched fill is paired with the nearest unused price of the same key; prices are equal
  within :data:`PRICE_TOLERANCE`;
* P&L is compared on the trades both lists identify uniquely by (entry minute, exit minute,
  direction), within ``max(0.011, 0.2 %)`` (TradingView converts its P&L at a USDT/USD rate);
  quantity on the same trades.

A probe is **exact** when entry recall and precision and exit recall are 1 and every matched
price is equal; **within 1 %** when those five ratios (entry recall, entry precision, exit
recall, entry and exit price agreement) are all at least 0.99.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

__all__ = ["PRICE_TOLERANCE", "Divergence", "Score", "score_trades"]

#: prices are equal when they differ by at most this (a tick of 0.01 plus float noise)
PRICE_TOLERANCE = 0.011
#: P&L allowance: absolute floor and relative part
PNL_ABSOLUTE = 0.011
PNL_RELATIVE = 0.002
#: the least a ratio may be for a probe to be within 1 %
WITHIN = 0.99


@dataclass(frozen=True)
class Divergence:
    """The first fill (in time) where the two lists disagree."""

    time: pd.Timestamp
    kind: str  # "entry" or "exit"
    direction: str  # "long" or "short"
    tv_price: float | None  # None: TradingView has no such fill
    ours_price: float | None  # None: PineOpt has no such fill

    def text(self) -> str:
        def price(value: float | None) -> str:
            return "none" if value is None else f"{value:g}"

        return (
            f"{self.time:%Y-%m-%d %H:%M} UTC {self.kind} {self.direction}: "
            f"TradingView {price(self.tv_price)}, ours {price(self.ours_price)}"
        )


@dataclass(frozen=True)
class Score:
    """How one trade list reproduces TradingView's (see the module docstring)."""

    tv_entries: int
    tv_exits: int
    our_entries: int
    our_exits: int
    matched_entries: int
    matched_exits: int
    entry_prices_equal: int
    exit_prices_equal: int
    pnl_compared: int
    pnl_equal: int
    qty_equal: int
    window: tuple[pd.Timestamp, pd.Timestamp] | None
    divergence: Divergence | None

    @property
    def entry_recall(self) -> float:
        return _ratio(self.matched_entries, self.tv_entries)

    @property
    def entry_precision(self) -> float:
        return _ratio(self.matched_entries, self.our_entries)

    @property
    def exit_recall(self) -> float:
        return _ratio(self.matched_exits, self.tv_exits)

    @property
    def exit_precision(self) -> float:
        return _ratio(self.matched_exits, self.our_exits)

    @property
    def entry_price_match(self) -> float:
        return _ratio(self.entry_prices_equal, self.matched_entries)

    @property
    def exit_price_match(self) -> float:
        return _ratio(self.exit_prices_equal, self.matched_exits)

    @property
    def ratios(self) -> dict[str, float]:
        """The five ratios the verdict is made of."""
        return {
            "entry_recall": self.entry_recall,
            "entry_precision": self.entry_precision,
            "exit_recall": self.exit_recall,
            "entry_price_match": self.entry_price_match,
            "exit_price_match": self.exit_price_match,
        }

    @property
    def exact(self) -> bool:
        return all(value == 1.0 for value in self.ratios.values())

    @property
    def within_1pct(self) -> bool:
        return all(value >= WITHIN for value in self.ratios.values())

    @property
    def worst_ratio(self) -> float:
        return min(self.ratios.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["window"] = [str(t) for t in self.window] if self.window else None
        data["divergence"] = self.divergence.text() if self.divergence else None
        data.update(self.ratios)
        data["exit_precision"] = self.exit_precision
        data["exact"] = self.exact
        data["within_1pct"] = self.within_1pct
        return data


def _ratio(part: int, whole: int) -> float:
    """``part / whole``; an empty whole is a perfect 1 (nothing to find, nothing extra)."""
    return part / whole if whole else 1.0


def _fills(trades: pd.DataFrame) -> tuple[list[tuple], list[tuple]]:
    """(minute, direction, price) of every entry and of every exit of closed trades."""
    entries, exits = [], []
    for row in trades.itertuples(index=False):
        direction = str(row.direction)
        entries.append((_minute(row.entry_time), direction, float(row.entry_price)))
        if not pd.isna(row.exit_time):
            exits.append((_minute(row.exit_time), direction, float(row.exit_price)))
    return entries, exits


def _minute(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("min")


def _match(tv: list[tuple], ours: list[tuple]) -> tuple[int, int, list[tuple]]:
    """Multiset matching by (minute, direction): (matched, prices equal, the keys where the two
    lists differ with TradingView's and our prices there)."""
    tv_prices: dict[tuple, list[float]] = defaultdict(list)
    our_prices: dict[tuple, list[float]] = defaultdict(list)
    for minute, direction, price in tv:
        tv_prices[(minute, direction)].append(price)
    for minute, direction, price in ours:
        our_prices[(minute, direction)].append(price)
    matched = equal = 0
    differences = []
    for key in sorted(set(tv_prices) | set(our_prices)):
        theirs, mine = sorted(tv_prices.get(key, [])), list(our_prices.get(key, []))
        for price in theirs:
            if not mine:
                differences.append((key, price, None))
                continue
            nearest = min(range(len(mine)), key=lambda i: abs(mine[i] - price))
            ours_price = mine.pop(nearest)
            matched += 1
            if abs(ours_price - price) <= PRICE_TOLERANCE:
                equal += 1
            else:
                differences.append((key, price, ours_price))
        differences.extend((key, None, price) for price in mine)
    return matched, equal, differences


def _unique_trades(trades: pd.DataFrame) -> dict[tuple, tuple[float, float]]:
    """(entry minute, exit minute, direction) -> (profit, qty) of the closed trades whose key
    is unique in the list."""
    keys = [
        (_minute(r.entry_time), _minute(r.exit_time), str(r.direction))
        for r in trades.itertuples(index=False)
    ]
    counts = Counter(keys)
    return {
        key: (float(r.profit), float(r.qty))
        for key, r in zip(keys, trades.itertuples(index=False), strict=True)
        if counts[key] == 1
    }


def score_trades(ours: pd.DataFrame, tv: pd.DataFrame) -> Score:
    """Score ``ours`` against ``tv`` (both in PineOpt's trades layout: ``direction``,
    ``entry_time``, ``entry_price``, ``exit_time``, ``exit_price``, ``qty``, ``profit``;
    :func:`~pineopt.strategy.tv_trades.read_tv_trades` reads TradingView's export into it)."""
    tv_entries, tv_exits = _fills(tv)
    times = [f[0] for f in tv_entries + tv_exits]
    if not times:
        window = None
        our_entries: list[tuple] = []
        our_exits: list[tuple] = []
    else:
        window = (min(times), max(times))
        entries, exits = _fills(ours)
        our_entries = [f for f in entries if window[0] <= f[0] <= window[1]]
        our_exits = [f for f in exits if window[0] <= f[0] <= window[1]]
    matched_entries, entries_equal, entry_diffs = _match(tv_entries, our_entries)
    matched_exits, exits_equal, exit_diffs = _match(tv_exits, our_exits)

    differences = [(key, "entry", a, b) for key, a, b in entry_diffs]
    differences += [(key, "exit", a, b) for key, a, b in exit_diffs]
    divergence = None
    if differences:
        # earliest first; at one minute an exit comes before the entry it makes room for
        (minute, direction), kind, tv_price, our_price = min(
            differences, key=lambda d: (d[0][0], d[1] != "exit", d[0][1])
        )
        divergence = Divergence(minute, kind, direction, tv_price, our_price)

    closed_tv = tv[tv["exit_time"].notna()]
    closed_ours = ours[ours["exit_time"].notna()] if len(ours) else ours
    tv_unique = _unique_trades(closed_tv)
    our_unique = _unique_trades(closed_ours) if len(closed_ours) else {}
    compared = pnl_equal = qty_equal = 0
    for key, (tv_profit, tv_qty) in tv_unique.items():
        if key not in our_unique:
            continue
        profit, qty = our_unique[key]
        compared += 1
        if abs(profit - tv_profit) <= max(PNL_ABSOLUTE, PNL_RELATIVE * abs(tv_profit)):
            pnl_equal += 1
        if abs(qty - tv_qty) <= 1e-9 * max(1.0, abs(tv_qty)):
            qty_equal += 1

    return Score(
        tv_entries=len(tv_entries),
        tv_exits=len(tv_exits),
        our_entries=len(our_entries),
        our_exits=len(our_exits),
        matched_entries=matched_entries,
        matched_exits=matched_exits,
        entry_prices_equal=entries_equal,
        exit_prices_equal=exits_equal,
        pnl_compared=compared,
        pnl_equal=pnl_equal,
        qty_equal=qty_equal,
        window=window,
        divergence=divergence,
    )
