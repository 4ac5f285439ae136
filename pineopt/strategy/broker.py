"""TradingView's broker emulator: orders, fills, positions, trades and equity, bar by bar.

:class:`Broker` is assembled from one part per concern, each a module of its own:
:mod:`~pineopt.strategy.orders` (the order calls and the book of pending orders),
:mod:`~pineopt.strategy.price_path` (fills along the bar's price path),
:mod:`~pineopt.strategy.trades` (fills turned into trades, and the results),
:mod:`~pineopt.strategy.sizing` (sizes, commission, margin), :mod:`~pineopt.strategy.risk`
(``strategy.risk.*``), :mod:`~pineopt.strategy.values` (the ``strategy.*`` values),
:mod:`~pineopt.strategy.quiet` (bars with nothing pending, a stretch at a time) and
:mod:`~pineopt.strategy.equity` (equity and drawdowns at each close, written lazily). This
module holds the state they share and the bar cycle.

A converted strategy drives one :class:`Broker` through its bar loop::

    for bar_index in range(n):
        broker.begin_bar(bar_index)     # fill what is pending, along the bar's price path
        ...script...                    # strategy.entry/exit/close... place orders
        broker.end_bar(bar_index)       # process_orders_on_close fills; equity at the close

The fill model (LANGUAGE-NOTES §15):

* an order placed on bar N is processed from bar N+1: market orders fill at its **open**;
  with ``process_orders_on_close`` (or ``immediately=true``) at bar N's close, which is then
  one more tick for the orders placed on the bar: a stop or limit the close has already
  passed fills there (as one the open gapped through);
* the bar's assumed intrabar path is open → high → low → close when the open is nearer the
  high, else open → low → high → close (ties: low first); a stop or limit fills where the path
  reaches its price, or at the open when the open has gapped through it (a limit fills at the
  better price, a stop at the worse); several orders fill in the order the path reaches them;
  orders filling at one price (the open, the close tick) fill buys first, then sells;
* stop and limit levels sit on the tick grid, rounded away from the market (a buy stop and a
  sell limit up, a sell stop and a buy limit down; float noise within 1e-6 tick is ignored);
* stop and market fills pay ``slippage`` ticks against the trader, limit fills do not;
* an entry's size is fixed when it is placed: the requested quantity plus the opposite
  position that the market orders already pending will leave (the position held, less what
  the ``strategy.close``/``close_all`` orders will close, turned or grown by the market
  entries placed before it on the bar): its reversal part; when it fills it closes what it
  can of the opposite position and opens the rest (placed while flat, it only closes a
  position it meets; placed against a position that is gone by the fill, it opens both
  parts);
* ``strategy.close_all`` closes the trades open when it was placed, not those opened before
  it fills (a position reversed in between is kept);
* an entry (or the part of an order that opens or adds) whose position would need more
  margin (``margin_long``/``margin_short`` percent of its value at the fill price) than the
  equity at that price is not filled, and does not act on its OCA group;
* ``pyramiding`` caps the entries in one direction and is judged when a bar starts: a pending
  entry the position cannot take then is dropped, even if a reversal later on the bar would
  make room for it;
* a default-sized market entry is sized on its signal bar: equity and close there (for
  ``percent_of_equity``, leaving room for a percent commission; a ``cash`` size is cash /
  price), rounded down to the symbol's quantity step; a price order's default size is computed
  at its fill price from the budget frozen when it was placed;
* bar prices are taken on the tick grid before matching;
* ``strategy.exit`` brackets (take profit, stop loss, trailing stop) act on the trades of their
  ``from_entry`` placed up to the exit call (all trades without one), the first level reached
  wins; in v6, when both a relative and an absolute level are given, the one reached first is
  used (v5: the absolute one); a trailing stop activates where the path first reaches its
  activation level (``trail_points`` ticks from the entry or ``trail_price``, on the tick grid
  away from the entry), at the open when the open is past it, or at the close of the bar the
  exit is placed on when that close is past it; from there its stop follows the best price
  ``trail_offset`` ticks behind (no ``trail_offset``: at the best price itself, so it fills
  where it activates), and the nearer of it and the stop loss is the bracket's stop; an exit
  reserves its quantity (``qty_percent`` of the trades it first meets): a later exit gets only
  what is left; a stop-limit whose limit is already good when the open triggers its stop
  fills at the open; ``backtest_fill_limits_assumption`` makes a limit wait until the price
  trades that many ticks through it;
* exits close trades first-in first-out unless ``close_entries_rule = "ANY"`` (then the trades
  of ``from_entry``); OCA groups cancel or reduce their other orders; margin calls liquidate
  four times the shortfall;
* ``strategy.risk.*``: a breach cancels the pending orders, closes the position and stops
  trading for the rest of the trading day (``max_intraday_loss``,
  ``max_intraday_filled_orders``) or for good (``max_drawdown``, ``max_cons_loss_days``);
  orders placed while trading is stopped are ignored. ``max_intraday_filled_orders`` (each
  order that trades counts once, a reversal too) is checked at each point of the bar's path:
  the count reached by the fills on the way to the open, a high or low or the close closes
  the position at that point; the other rules are checked at the close. ``allow_entry_in``
  turns forbidden entries into exits and ``max_position_size`` caps entries.

With lower-timeframe bars (``use_bar_magnifier``) the path is made of the intrabars' own paths.
Not emulated, and refused when set (:mod:`pineopt.strategy.engine`): ``calc_on_order_fills``
(in a script already at convert time, :mod:`pineopt.compiler.refusals`) and an account currency
other than the symbol's. ``calc_on_every_tick`` and
``fill_orders_on_standard_ohlc`` change nothing on historical bars of a standard chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pineopt.strategy.config import StrategyConfig
from pineopt.strategy.equity import EquityBook
from pineopt.strategy.orders import ENTRY, NA, Order, OrderBook
from pineopt.strategy.price_path import PricePath, tick_decimals
from pineopt.strategy.quiet import QuietBars
from pineopt.strategy.risk import RiskDesk, RiskRules
from pineopt.strategy.sizing import Sizing
from pineopt.strategy.trades import ClosedTrade, OpenTrade, TradeBook
from pineopt.strategy.values import StrategyValues


class Broker(
    OrderBook, PricePath, QuietBars, TradeBook, Sizing, RiskDesk, StrategyValues, EquityBook
):
    """The emulator for one run (see the module docstring)."""

    #: Skip the work that cannot change anything, or do it a stretch of bars at a time: a bar
    #: with nothing pending (:mod:`pineopt.strategy.quiet`) or none of whose pending orders the
    #: price path can reach (:meth:`PricePath._run_path`) only moves the trades' extremes and
    #: checks the margin; the equity at each close is written when the position next changes
    #: (:mod:`pineopt.strategy.equity`). False takes the full path on every bar: a private
    #: switch, for the tests that hold the two together (same results, bit for bit).
    _fast_path = True

    def __init__(
        self,
        config: StrategyConfig,
        opens: Sequence[float],
        highs: Sequence[float],
        lows: Sequence[float],
        closes: Sequence[float],
        times: Sequence[int],
        *,
        mintick: float = 0.01,
        pointvalue: float = 1.0,
        qty_step: float = 0.0,
        trading_days: Sequence[int] | None = None,
        intrabars: Sequence[Sequence[tuple[float, float, float, float]]] | None = None,
        version: int = 6,
        grid: Sequence[Sequence[float]] | None = None,
        arrays: Sequence[np.ndarray] | None = None,
    ) -> None:
        self.config = config
        self.opens, self.highs, self.lows, self.closes = opens, highs, lows, closes
        self.times = times
        self.mintick = mintick
        self._tick_digits = tick_decimals(mintick)
        # the OHLC on the tick grid (``grid``: already computed for these bars)
        self._ohlc_grid = (
            list(grid)
            if grid is not None
            else [self._grid_all(v) for v in (opens, highs, lows, closes)]
        )
        self.pointvalue = pointvalue
        self.qty_step = qty_step
        self.trading_days = trading_days
        self.intrabars = intrabars
        self.version = version
        self.bar = -1
        self.pending: list[Order] = []
        self._cache: list[tuple[Order, str, int, float]] | None = None
        self._cache_state: tuple = ()
        self._cache_active = False  # whether the cached levels came with active orders
        self._cache_reach: tuple[float, float] | None = None  # see _reach (None: to compute)
        self._qty_changes = 0  # partial closes change a trade without replacing it
        self.open_trades: list[OpenTrade] = []
        self.closed: list[ClosedTrade] = []
        self.realized = 0.0
        self.commission_paid = 0.0
        self.risk = RiskRules()
        self.margin_calls = 0
        self._position: float | None = 0.0  # the size of the open trades (None: to compute)
        self._avg_entry: float | None = NA  # and their average entry price
        # the close, high and low, and the high and low on the tick grid, as float64 arrays for
        # the stretches computed with numpy (``arrays``: already made for these bars)
        if arrays is None:
            sources = (closes, highs, lows, self._ohlc_grid[1], self._ohlc_grid[2])
            arrays = [np.asarray(v, dtype=np.float64) for v in sources]
        (
            self._close_array,
            self._high_array,
            self._low_array,
            self._grid_high_array,
            self._grid_low_array,
        ) = arrays
        self._init_equity(len(closes))
        self._init_quiet()
        self._day = None
        self._day_start_equity = config.initial_capital
        self._day_fills = 0
        self._executions = 0  # trades opened and (parts) closed: tells an order that traded
        self._count_reached = False  # max_intraday_filled_orders reached at this tick
        self._loss_days = 0
        self._last_open_bar = -1  # the bar the newest trade opened on

    def begin_bar(self, bar: int) -> None:
        """Fill the pending orders on ``bar`` (before the script runs on its close)."""
        self.bar = bar
        self._new_day(bar)
        # pyramiding is judged when the bar starts: an entry the position cannot take then is
        # dropped, even when a reversal later on the bar would make room for it
        if self.pending:
            self.pending = [
                o
                for o in self.pending
                if o.kind != ENTRY
                or o.created_bar >= bar
                or sum(1 for t in self.open_trades if t.side == o.side) < self.config.max_entries
            ]
        if not self.pending and self._fast_path and self.intrabars is None:
            if self.open_trades:
                self._quiet_bar(bar)
            return
        self._sync_extremes()
        if self.pending or self.open_trades:
            if self.intrabars is not None and self.intrabars[bar]:
                for o, h, lo, c in self.intrabars[bar]:
                    self._run_path(bar, o, h, lo, c)
            else:
                o, h, lo, c = self._ohlc_grid
                self._run_path(bar, o[bar], h[bar], lo[bar], c[bar], on_grid=True)
            self._margin_check(bar)

    def end_bar(self, bar: int) -> None:
        """After the script: ``process_orders_on_close`` fills, then equity at the close."""
        if self.config.process_orders_on_close:
            price = self.closes[bar]
            for order in [o for o in self.pending if o.is_market and o.created_bar == bar]:
                if order in self.pending:
                    self.pending.remove(order)
                    self._execute(order, price, bar, market=True)
            if self.pending:
                # the close is one more tick for the orders placed on the bar: a stop or limit
                # the close has already passed fills there, as one the open gapped through
                self._cache = None
                self._gapped(bar, self._ohlc_grid[3][bar], at_close=True)
                self._cache = None
        if self._count_reached:
            self._tick_done(bar, self.closes[bar])
        if self.open_trades and self.pending:
            self._activate_at_close(bar)
        risk = self.risk
        if risk.max_intraday_loss is not None or risk.max_drawdown is not None:
            self._check_risk(bar)
        self._close_bar(bar)
