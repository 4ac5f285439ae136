"""Run a converted Pine strategy inside backtrader's Cerebro.

backtrader is GPL-3.0; this module is the only part of PineOpt that imports it.

Usage::

    import backtrader as bt
    from pineopt.integrations.backtrader import PineStrategy, pandas_feed, run_in_cerebro

    cerebro, strat, trades = run_in_cerebro(open("s.pine").read(), frame, cash=100_000)

    # or by hand, with your own broker settings and analyzers
    cerebro = bt.Cerebro()
    cerebro.adddata(pandas_feed(frame))
    cerebro.addstrategy(PineStrategy, script=source, inputs={"Fast": 12})
    cerebro.addanalyzer(bt.analyzers.TradeAnalyzer, _name="ta")
    strat = cerebro.run()[0]
    strat.pine_trades          # PineOpt's trade list layout (pineopt.compare_trades works)

How it runs
-----------
A converted strategy's ``script(ctx)`` computes its whole-history series with numpy and then
runs its own bar loop. :class:`PineStrategy` builds the run's
:class:`~pineopt.runtime.engine.Context` from the **whole** frame up front and runs
``script(ctx)`` in a daemon worker thread whose ``ctx.broker`` is a :class:`BridgeBroker`.
The two threads strictly alternate: in backtrader's ``next()`` for bar *i* the strategy lets the
script run bar *i* (``begin_bar(i)`` → script body → ``end_bar(i)``), waits until the script
reaches ``begin_bar(i + 1)`` (or ends), then submits the orders the script placed with
backtrader's ``buy``/``sell``/``close``/``cancel``. Fills come back through ``notify_order`` and
are booked in a trade ledger with TradingView's rules (first in, first out; an entry against
the position reverses it), so ``strategy.closedtrades``, ``strategy.netprofit`` & co. and the
``pine_trades`` frame read as in PineOpt's own strategy tester. ``strategy.position_size``,
``strategy.position_avg_price`` and ``strategy.equity`` are read from backtrader
(``self.position``, ``broker.getvalue()``). A runtime error of the script is raised in the
main thread as a :class:`~pineopt.errors.PineRuntimeError` with its Pine line; the worker
thread is joined in ``stop()`` (and when the run fails).

**The data must be the same feed**: the Context is built from ``frame`` (the ``frame``
parameter, or the DataFrame of a ``PandasData`` feed when ``frame`` is omitted) and every
``next()`` checks that backtrader's bar *i* has the time of the frame's bar *i*.

Order mapping
-------------
* ``strategy.entry`` market → ``buy``/``sell`` at the next open; against the position the size
  is the position plus the entry's quantity (one order: backtrader books the closing and the
  opening part as two trades, as TradingView does); ``pyramiding`` is checked when the order is
  submitted (TradingView checks at the fill);
* ``limit``/``stop`` → ``exectype=Limit``/``Stop``, both → ``StopLimit``; prices rounded to the
  tick as PineOpt does; an order with the id of a live one replaces it (cancel + submit);
* ``strategy.order`` → the same without reversal or pyramiding;
* ``strategy.exit`` → a take-profit ``Limit`` and a stop-loss ``Stop`` linked with ``oco=`` for
  the quantity of its ``from_entry`` trades; re-sent when its levels or quantity change;
* ``strategy.close`` / ``strategy.close_all`` → a market order for the trades' quantity /
  ``close()``; ``strategy.cancel``/``cancel_all`` → ``cancel(order)``;
* ``oca_type = strategy.oca.cancel`` groups → ``oco=``;
* default order sizes (``default_qty_type``) are computed from backtrader's value and the
  signal bar's close (price orders: their limit/stop price).

Where the two engines differ
----------------------------
With backtrader's default broker (market orders fill at the next open; ``coc``, ``coo`` and
``cheat_on_open`` off) the trades are identical to PineOpt's emulator - directions, entry and
exit bars, prices, quantities, P&L, MFE/MAE - for market, limit and stop entries and
reversals, ``strategy.order``, ``strategy.close``/``close_all``/``cancel``, OCA-cancel groups,
fixed and percent-of-equity sizes, the three commission types, slippage and
``process_orders_on_close`` as set up by :func:`run_in_cerebro` (the tests check each).
Elsewhere:

* **Exits start one bar later.** backtrader only learns that an entry filled in the next
  ``next()``, so a ``strategy.exit`` bracket becomes active on the bar after its entry's fill;
  TradingView can take the profit or stop out on the entry bar itself.
* **Several orders in one bar.** TradingView walks an assumed intrabar path (open → nearer of
  high/low → the other → close) and fills orders in the order the path reaches them;
  backtrader checks its pending orders one by one in submission order against the whole bar.
  When both legs of a bracket are inside one bar's range, backtrader fills the leg submitted
  first (the take profit), TradingView the one nearer the open. A market order placed on bar
  *i* fills before price orders in TradingView; in backtrader an older price order whose level
  the open gapped through fills first.
* **Gaps** are handled alike: a stop or limit the open jumped over fills at the open.
* **Stop-limit** orders: TradingView triggers the stop and fills the limit along its intrabar
  path; backtrader checks the limit against the whole trigger bar, so fills may differ.
* **Not supported** (a :class:`~pineopt.errors.PineRuntimeError` or no effect, as listed):
  trailing stops in ``strategy.exit`` (error); ``strategy.risk.*`` (accepted, not enforced);
  ``oca_type = strategy.oca.reduce`` (treated as no group); ``use_bar_magnifier``
  (ignored); margin calls (backtrader's broker rules apply instead: it may reject an order
  for lack of cash where TradingView fills it); ``immediately = true`` of ``strategy.close*``
  (a normal market order).
* ``process_orders_on_close`` is mapped to ``broker.set_coc(True)`` by :func:`run_in_cerebro`
  (set it yourself when building Cerebro by hand); TradingView also fills at that close a
  stop or limit placed on the bar that the close has already passed, backtrader does not.
* ``slippage`` maps to ``set_slippage_fixed(ticks * mintick)`` (market and stop fills, not
  limits) with ``slip_out=True``: as in TradingView a slipped price may leave the bar's range.
* Trade MFE/MAE follow TradingView's intrabar path around price-order fills, as PineOpt's
  emulator does.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import backtrader as bt
import numpy as np
import pandas as pd

from pineopt.errors import DataError, PineOptError, PineRuntimeError
from pineopt.strategy.broker import Broker
from pineopt.strategy.config import (
    COMMISSION_PER_CONTRACT,
    COMMISSION_PER_ORDER,
    COMMISSION_PERCENT,
    StrategyConfig,
)
from pineopt.strategy.orders import (
    CLOSE,
    CLOSE_ALL,
    ENTRY,
    EXIT,
    OCA_CANCEL,
    ORDER,
    Order,
    is_na,
)

__all__ = ["BridgeBroker", "PineStrategy", "pandas_feed", "run_in_cerebro"]

NA = math.nan


# =============================================================================== the thread


class _Aborted(BaseException):
    """Raised in the script thread to unwind it when the run stops early."""


class _ScriptThread:
    """``script(ctx)`` in a daemon thread, alternating strictly with backtrader's ``next()``."""

    def __init__(self, module: Any, ctx: Any) -> None:
        self.module, self.ctx = module, ctx
        self._cond = threading.Condition()
        self._turn = "script"
        self._abort = False
        self.reached = -1  # the bar whose begin_bar the script waits in
        self.finished = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="pineopt-script", daemon=True)

    # ---- main thread

    def start(self) -> None:
        """Run the script's whole-history part, up to its first ``begin_bar``."""
        self.thread.start()
        self._wait_for("main")
        self._raise()

    def run_bar(self, bar: int) -> None:
        """Let the script run ``bar``; return when it waits for the next one (or ended)."""
        if self.finished:
            self._raise()
            raise PineRuntimeError(
                f"the script ended before backtrader's bar {bar}: the feed has more bars than "
                "the frame the script runs on"
            )
        if self.reached != bar:
            raise PineRuntimeError(
                f"backtrader is at bar {bar} but the script waits for bar {self.reached}"
            )
        with self._cond:
            self._turn = "script"
            self._cond.notify_all()
        self._wait_for("main")
        self._raise()

    def close(self, timeout: float = 10.0) -> None:
        """Unwind the script thread if it still runs, and join it."""
        if self.thread.is_alive():
            with self._cond:
                self._abort = True
                self._turn = "script"
                self._cond.notify_all()
            self.thread.join(timeout)

    def _wait_for(self, turn: str) -> None:
        with self._cond:
            while self._turn != turn:
                self._cond.wait()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            self.finished = True
            raise error

    # ---- script thread

    def at_bar(self, bar: int) -> None:
        """Called by ``begin_bar``: hand over to backtrader and wait for its ``next()``."""
        with self._cond:
            self.reached = bar
            self._turn = "main"
            self._cond.notify_all()
            while self._turn != "script":
                self._cond.wait()
            if self._abort:
                raise _Aborted

    def _main(self) -> None:
        from pineopt.runtime.engine import _explain, _located
        from pineopt.runtime.inputs import InputError

        try:
            self.module.script(self.ctx)
            self.ctx.inputs.check()
        except _Aborted:
            pass
        except InputError as exc:
            self.error = exc
        except PineRuntimeError as exc:
            self.error = _located(exc, self.module, self.ctx)
        except PineOptError as exc:
            self.error = exc
        except Exception as exc:
            self.error = _located(PineRuntimeError(_explain(exc)), self.module, self.ctx)
            self.error.__cause__ = exc
        except BaseException as exc:  # re-raised in the main thread
            self.error = exc
        finally:
            with self._cond:
                self.finished = True
                self._turn = "main"
                self._cond.notify_all()


# =============================================================================== the broker


@dataclass
class _Request:
    """An order call of the script on the current bar."""

    kind: str  # entry, order, exit, close, close_all, cancel, cancel_all
    order: Order | None = None
    id: str = ""


@dataclass
class _Exit:
    """A ``strategy.exit`` still active, with the backtrader orders that implement it."""

    order: Order
    legs: list = field(default_factory=list)  # [(bt order, "profit" | "loss")]
    key: tuple = ()  # (side, qty, take, stop) the legs were sent with


class BridgeBroker(Broker):
    """The ``ctx.broker`` of a script run by :class:`PineStrategy`.

    It has the interface of PineOpt's :class:`~pineopt.strategy.broker.Broker`: the order calls
    are recorded and sent to backtrader after the bar; fills are booked in the inherited trade
    ledger (``open_trades``/``closed``), which serves ``strategy.closedtrades.*``,
    ``strategy.netprofit`` & co. and :meth:`result`. ``position_size``, ``position_avg_price``
    and ``equity`` come from backtrader."""

    def __init__(self, strategy: PineStrategy, ctx: Any, config: StrategyConfig) -> None:
        symbol = ctx.symbol
        super().__init__(
            config,
            ctx.series("open").tolist(),
            ctx.series("high").tolist(),
            ctx.series("low").tolist(),
            ctx.series("close").tolist(),
            [int(t) for t in ctx.series("time").tolist()],
            mintick=float(symbol.mintick),
            pointvalue=float(symbol.pointvalue),
            qty_step=float(symbol.mincontract or 0.0),
            trading_days=None,
            version=ctx.version,
        )
        self._bt = strategy
        self._thread: _ScriptThread | None = None
        self.requests: list[_Request] = []
        self._fill_comminfo: Any = None
        self._entry_start: dict[int, int] = {}  # id(trade) -> first path point it tracks

    # ---- the bar cycle (script thread)

    def bars(self, acting: Any) -> range:
        """Every bar, whatever the script's event mask: backtrader steps the script through
        each of its bars and fills its orders itself."""
        return range(len(self.closes))

    def begin_bar(self, bar: int) -> None:
        assert self._thread is not None
        self._thread.at_bar(bar)
        self.bar = bar
        path = self._path(bar)
        for trade in self.open_trades:
            start = self._entry_start.get(id(trade), 0) if trade.entry_bar == bar else 0
            for price in path[start:]:
                self._track_one(trade, price)

    def _path(self, bar: int) -> tuple[float, float, float, float]:
        """TradingView's assumed intrabar path (see :mod:`pineopt.strategy.broker`)."""
        o, h, lo, c = self.opens[bar], self.highs[bar], self.lows[bar], self.closes[bar]
        return (o, h, lo, c) if (h - o) < (o - lo) else (o, lo, h, c)

    def _segment_of(self, bar: int, price: float) -> int:
        """The segment of the path on which a price order filled at ``price``."""
        path = self._path(bar)
        for k in range(3):
            if min(path[k], path[k + 1]) <= price <= max(path[k], path[k + 1]):
                return k
        return 0

    @staticmethod
    def _track_one(trade: Any, price: float) -> None:
        if price > trade.best or trade.best != trade.best:
            trade.best = price
        if price < trade.worst or trade.worst != trade.worst:
            trade.worst = price

    # end_bar is Broker's: equity (from backtrader) and position at the close, drawdowns.

    # ---- orders (script thread): recorded, sent by PineStrategy after the bar

    def _submit(self, order: Order, *, immediately: bool = False) -> None:
        """Every order call of the script (Broker builds the order): recorded, sent after the
        bar. ``immediately=true`` closes become ordinary market orders."""
        if order.kind == EXIT and not (is_na(order.trail_price) and is_na(order.trail_points)):
            raise PineRuntimeError(
                "strategy.exit: trailing stops are not supported by the backtrader bridge"
            )
        self._queue(_Request(order.kind, order, order.id))

    def cancel(self, id: str, when: bool = True) -> None:
        if when:
            self.requests = [r for r in self.requests if r.order is None or r.id != str(id)]
            self.requests.append(_Request("cancel", None, str(id)))

    def cancel_all(self, when: bool = True) -> None:
        if when:
            self.requests = [_Request("cancel_all")]

    def _queue(self, request: _Request) -> None:
        """A second call with the id of an order placed on this bar replaces it in place."""
        for i, old in enumerate(self.requests):
            same_exit = (
                request.kind == EXIT
                and old.kind == EXIT
                and old.order.from_entry == request.order.from_entry
            )
            if (
                old.kind == request.kind
                and old.id == request.id
                and (request.kind != EXIT or same_exit)
            ):
                self.requests[i] = request
                return
        self.requests.append(request)

    # ---- strategy.risk.*: accepted, not enforced

    def risk_allow_entry_in(self, value: str) -> None:
        pass

    def risk_max_position_size(self, contracts: float) -> None:
        pass

    def risk_max_intraday_loss(self, value: float, type: str, alert_message: str = "") -> None:
        pass

    def risk_max_drawdown(self, value: float, type: str, alert_message: str = "") -> None:
        pass

    def risk_max_intraday_filled_orders(self, count: int, alert_message: str = "") -> None:
        pass

    def risk_max_cons_loss_days(self, count: int, alert_message: str = "") -> None:
        pass

    def _check_risk(self, bar: int) -> None:
        pass

    # ---- values read from backtrader

    @property
    def position_size(self) -> float:
        return float(self._bt.position.size)

    @property
    def position_avg_price(self) -> float:
        position = self._bt.position
        return float(position.price) if position.size else NA

    @property
    def equity(self) -> float:
        return float(self._bt.broker.getvalue())

    def _commission(self, qty: float, price: float) -> float:
        if self._fill_comminfo is not None:
            return float(self._fill_comminfo.getcommission(qty, price))
        return super()._commission(qty, price)

    # ---- fills (main thread, from notify_order)

    def book(
        self,
        kind: str,
        pine: Order,
        leg: str,
        size: float,
        price: float,
        bar: int,
        market: bool = True,
    ) -> None:
        """Book a fill of ``size`` (signed) at ``price`` on ``bar`` in the trade ledger.

        MFE/MAE follow TradingView's path: a price order's fill first tracks the path up to
        its segment (a market fill at the open tracks nothing); a trade it opens tracks only
        the rest of the bar (in :meth:`begin_bar`)."""
        side = 1 if size > 0 else -1
        qty = abs(size)
        self.bar = max(self.bar, bar)
        segment = 0
        if not market:
            segment = self._segment_of(bar, price)
            for point in self._path(bar)[: segment + 1]:
                self._track_extremes_at(point)
        before = {id(t) for t in self.open_trades}
        self._book(kind, pine, leg, side, qty, price, bar)
        for trade in self.open_trades:
            if id(trade) not in before:
                self._entry_start[id(trade)] = segment + 1 if not market else 0

    def _book(
        self, kind: str, pine: Order, leg: str, side: int, qty: float, price: float, bar: int
    ) -> None:
        opposite = [t for t in self.open_trades if t.side != side]
        if kind in (ENTRY, ORDER):
            closing = min(qty, sum(t.qty for t in opposite))
            if closing > 1e-12:
                self._close_qty(opposite, closing, price, bar, pine.id, pine.comment or pine.id)
            if qty - closing > 1e-12:
                self._open(pine, side, qty - closing, price, bar)
            return
        if kind == EXIT:
            trades = [t for t in self._trades_for(pine) if t.side != side] or opposite
            comment = (
                {"profit": pine.comment_profit, "loss": pine.comment_loss}.get(leg)
                or pine.comment
                or pine.id
            )
            exit_id = pine.id
        else:
            trades = (
                opposite
                if kind == CLOSE_ALL
                else ([t for t in opposite if t.entry_id == pine.id] or opposite)
            )
            comment = pine.comment or (
                "Close entry(s) order " + pine.id if kind == CLOSE else "Close position order"
            )
            exit_id = pine.id
        closing = min(qty, sum(t.qty for t in trades))
        if closing > 1e-12:
            self._close_qty(trades, closing, price, bar, exit_id, comment)
        rest = qty - closing
        if rest > 1e-12:  # more than the trades held (should not happen): a new trade
            self._open(pine, side, rest, price, bar)


# =============================================================================== the strategy


class PineStrategy(bt.Strategy):
    """A converted Pine ``strategy()`` script as a backtrader strategy.

    Parameters:

    * ``script``: Pine source text, a ``.pine`` path or a :class:`~pineopt.compiler.Conversion`;
    * ``frame``: the bars backtrader runs on (a PineOpt OHLCV DataFrame, a
      :class:`~pineopt.data.dataset.Dataset` or a file path); omitted, the DataFrame of the
      first ``PandasData`` feed is used. It must be the same bars as the feed;
    * ``inputs``: input overrides (by title or variable name);
    * ``overrides``: overrides of the ``strategy()`` parameters (``pyramiding``,
      ``default_qty_type`` …; commission, slippage and capital are backtrader's broker's);
    * ``symbol``/``timeframe``: the chart's symbol (``SymbolInfo`` or ticker) and timeframe.

    After the run: ``pine_trades`` (PineOpt's trade layout), ``pine_equity``, ``pine_context``
    (the script's Context: plots in ``pine_context.outputs``) and ``pine_broker``.
    """

    params = (
        ("script", None),
        ("frame", None),
        ("inputs", None),
        ("overrides", None),
        ("symbol", None),
        ("timeframe", None),
    )

    # ---- backtrader's hooks

    def start(self) -> None:
        from pineopt.api import _module
        from pineopt.runtime.engine import Context
        from pineopt.runtime.standalone import prepare

        if self.p.script is None:
            raise PineRuntimeError("PineStrategy needs script= (Pine source or a Conversion)")
        _, module = _module(self.p.script)
        declaration = dict(getattr(module, "DECLARATION", {}))
        if declaration.get("kind") != "strategy":
            raise PineRuntimeError("PineStrategy runs strategy() scripts only")
        frame = self.p.frame
        if frame is None:
            frame = getattr(self.data.p, "dataname", None)
            if not isinstance(frame, pd.DataFrame):
                raise DataError(
                    "PineStrategy needs frame= (the feed's bars) unless the feed is a PandasData"
                )
        chart = prepare(frame, symbol=self.p.symbol, timeframe=self.p.timeframe)
        ctx = Context(
            chart.frame,
            chart.symbol,
            chart.timeframe,
            inputs=self.p.inputs,
            declaration=declaration,
            version=int(declaration.get("version", 6)),
            htf_frames=chart.htf_frames,
            source_frame=chart.source_frame,
        )
        config = StrategyConfig.from_declaration(declaration, self.p.overrides)
        self.pine_context = ctx
        self.pine_broker = BridgeBroker(self, ctx, config)
        ctx.broker = self.pine_broker
        index = ctx.index.tz_convert("UTC").tz_localize(None) if ctx.index.tz else ctx.index
        self._times = index.asi8
        self._bar_of = {int(t): i for i, t in enumerate(self._times)}
        self._live: dict[tuple[str, str], Any] = {}  # (kind, id) -> bt order of an entry/order
        self._exits: dict[tuple[str, str], _Exit] = {}  # (id, from_entry)
        self._oca: dict[str, Any] = {}
        self._closing: dict[int, str | None] = {}  # market orders closing trades: entry id
        self._projected = 0.0  # the position after the market orders sent on this bar
        self._info: dict[int, tuple[str, Order, str]] = {}  # bt order ref -> what it does
        self.pine_trades: pd.DataFrame | None = None
        self.pine_equity: pd.DataFrame | None = None
        self._runner = _ScriptThread(module, ctx)
        self.pine_broker._thread = self._runner
        try:
            self._runner.start()
        except BaseException:
            self._runner.close()
            raise

    def next(self) -> None:
        bar = len(self.data) - 1
        try:
            self._check_time(bar)
            self._runner.run_bar(bar)
            self._send(bar)
        except BaseException:
            self._runner.close()
            raise

    def stop(self) -> None:
        self._runner.close()
        result = self.pine_broker.result(self.pine_context.index)
        self.pine_trades = result.trades
        self.pine_equity = result.equity

    def notify_order(self, order: Any) -> None:
        info = self._info.get(order.ref)
        if info is None:
            return
        if order.status == order.Completed:
            kind, pine, leg = info
            size = order.executed.size
            self.pine_broker._fill_comminfo = self.broker.getcommissioninfo(order.data)
            try:
                self.pine_broker.book(
                    kind,
                    pine,
                    leg,
                    size,
                    float(order.executed.price),
                    self._fill_bar(order),
                    market=order.exectype == bt.Order.Market,
                )
            finally:
                self.pine_broker._fill_comminfo = None
            if kind == EXIT:
                self._exits.pop((pine.id, pine.from_entry), None)
        if not order.alive():
            self._info.pop(order.ref, None)
            self._closing.pop(order.ref, None)
            for key, live in list(self._live.items()):
                if live is order:
                    del self._live[key]

    # ---- helpers

    def _check_time(self, bar: int) -> None:
        if bar >= len(self._times):
            raise DataError(
                f"backtrader's feed has more bars than the frame the script runs on ({bar + 1}"
                f" > {len(self._times)}): pass the same bars"
            )
        now = pd.Timestamp(self.data.datetime.datetime(0)).value
        if now != int(self._times[bar]):
            raise DataError(
                f"backtrader's bar {bar} is at {pd.Timestamp(now)} but the script's bar {bar} "
                f"is at {pd.Timestamp(int(self._times[bar]))}: feed PineStrategy the same bars"
            )

    def _fill_bar(self, order: Any) -> int:
        stamp = pd.Timestamp(bt.num2date(order.executed.dt)).value
        bar = self._bar_of.get(int(stamp))
        if bar is None:
            bar = int(np.searchsorted(self._times, stamp, side="right")) - 1
        return max(bar, 0)

    def _send(self, bar: int) -> None:
        """Send the orders the script placed on ``bar``, then bring the exits up to date."""
        broker = self.pine_broker
        requests, broker.requests = broker.requests, []
        # the position the market orders sent so far will leave (the emulator sizes an entry's
        # reversal part, and aims a close_all, against it)
        self._projected = broker.position_size
        for request in requests:
            kind = request.kind
            if kind == "cancel_all":
                for live in list(self._live.values()):
                    self.cancel(live)
                for key in list(self._exits):
                    self._drop_exit(key)
            elif kind == "cancel":
                for key in [k for k in self._live if k[1] == request.id]:
                    self.cancel(self._live[key])
                for key in [k for k in self._exits if k[0] == request.id]:
                    self._drop_exit(key)
            elif kind in (ENTRY, ORDER):
                self._send_order(request.order, bar)
            elif kind == EXIT:
                order = request.order
                key = (order.id, order.from_entry)
                old = self._exits.get(key)
                if old is not None:
                    order.armed = old.order.armed
                    self._exits[key] = _Exit(order, old.legs, old.key)
                else:
                    self._exits[key] = _Exit(order)
            else:
                self._send_close(request.order)
        for key in list(self._exits):
            self._sync_exit(key)

    def _submit(self, side: int, size: float, info: tuple, **kw: Any) -> Any:
        if not size > 1e-12:
            return None
        method = self.buy if side > 0 else self.sell
        order = method(size=size, **kw)
        if order is not None:
            self._info[order.ref] = info
        return order

    def _send_order(self, order: Order, bar: int) -> None:
        broker = self.pine_broker
        key = (order.kind, order.id)
        live = self._live.pop(key, None)
        if live is not None:
            self.cancel(live)
        side = order.side
        levels = {k: p for k, _, p in broker._levels(order)}
        stop, limit = levels.get("stop", NA), NA
        if not is_na(order.limit):
            limit = broker._on_tick("limit", side, order.limit)
        if order.is_market:
            qty = broker._order_qty(order, broker.closes[bar])
        else:
            qty = (
                float(order.qty)
                if not is_na(order.qty)
                else broker._qty_for(broker._budget(), stop if not is_na(stop) else limit)
            )
        if not qty > 0:
            return
        position = self._projected
        reverses = False
        if order.kind == ENTRY:
            if position and (position > 0) == (side > 0):
                same = sum(1 for t in broker.open_trades if t.side == side)
                if same >= broker.config.max_entries:
                    return
            reverses = bool(position) and (position > 0) != (side > 0)
            if reverses:
                qty += abs(position)
                if order.is_market:
                    self._cancel_exit_legs(None)
        kw: dict[str, Any] = {}
        if not is_na(stop) and not is_na(limit):
            kw.update(exectype=bt.Order.StopLimit, price=stop, plimit=limit)
        elif not is_na(stop):
            kw.update(exectype=bt.Order.Stop, price=stop)
        elif not is_na(limit):
            kw.update(exectype=bt.Order.Limit, price=limit)
        if order.oca_name and order.oca_type == OCA_CANCEL:
            anchor = self._oca.get(order.oca_name)
            if anchor is not None and anchor.alive():
                kw["oco"] = anchor
        sent = self._submit(side, qty, (order.kind, order, ""), **kw)
        if sent is not None and order.is_market:
            self._projected = position + side * qty
        if sent is not None:
            self._live[key] = sent
            if order.kind == ENTRY and reverses and order.is_market:
                self._closing[sent.ref] = None
            if order.oca_name and order.oca_type == OCA_CANCEL and "oco" not in kw:
                self._oca[order.oca_name] = sent

    def _send_close(self, order: Order) -> None:
        broker = self.pine_broker
        if order.kind == CLOSE_ALL:
            trades = list(broker.open_trades)
            self._cancel_exit_legs(None)
        else:
            trades = [t for t in broker.open_trades if t.entry_id == order.id]
            self._cancel_exit_legs(order.id)
        total = sum(t.qty for t in trades)
        if not trades or not total > 0:
            return
        if self._projected * trades[0].side <= 0:
            return  # an entry sent before it turns the position over: its trades are gone
        qty = total if is_na(order.qty) else min(float(order.qty), total)
        if is_na(order.qty) and order.qty_percent < 100:
            qty = broker._round_qty(total * order.qty_percent / 100)
        sent = self._submit(-trades[0].side, qty, (order.kind, order, ""))
        if sent is not None:
            self._projected -= trades[0].side * qty
            self._closing[sent.ref] = None if order.kind == CLOSE_ALL else order.id

    def _sync_exit(self, key: tuple[str, str]) -> None:
        """Send, re-send or drop the bracket of an exit for the trades it covers now."""
        broker = self.pine_broker
        state = self._exits[key]
        order = state.order
        trades = broker._trades_for(order)
        if not trades:
            if order.armed:
                self._drop_exit(key)
            return
        order.armed = True
        if any(e is None or order.from_entry in ("", e) for e in self._closing.values()):
            return  # a market order closes these trades at the next open
        total = sum(t.qty for t in trades)
        if not is_na(order.qty):
            qty = min(float(order.qty), total)
        elif order.qty_percent < 100:
            qty = broker._round_qty(total * order.qty_percent / 100)
        else:
            qty = total
        side = -trades[0].side
        levels = {k: p for k, _, p in broker._levels(order)}
        take, stop = levels.get("limit", NA), levels.get("stop", NA)
        wanted = (side, qty, take, stop)
        alive = state.legs and all(leg.alive() for leg, _ in state.legs)
        if alive and _same(state.key, wanted):
            return
        for leg, _ in state.legs:
            if leg.alive():
                self.cancel(leg)
        state.legs, state.key = [], wanted
        first = None
        if not is_na(take):
            first = self._submit(
                side, qty, (EXIT, order, "profit"), exectype=bt.Order.Limit, price=take
            )
            state.legs.append((first, "profit"))
        if not is_na(stop):
            kw: dict[str, Any] = {"oco": first} if first is not None else {}
            leg = self._submit(side, qty, (EXIT, order, "loss"), exectype=bt.Order.Stop, price=stop,
                               **kw)  # fmt: skip
            state.legs.append((leg, "loss"))
        state.legs = [(leg, kind) for leg, kind in state.legs if leg is not None]

    def _cancel_exit_legs(self, entry_id: str | None) -> None:
        """Before a market order closes trades: their exits must not fill as well."""
        for state in self._exits.values():
            if entry_id is None or state.order.from_entry in ("", entry_id):
                for leg, _ in state.legs:
                    if leg.alive():
                        self.cancel(leg)
                state.legs, state.key = [], ()

    def _drop_exit(self, key: tuple[str, str]) -> None:
        state = self._exits.pop(key, None)
        if state is not None:
            for leg, _ in state.legs:
                if leg.alive():
                    self.cancel(leg)


def _same(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if is_na(x) and is_na(y):
            continue
        if is_na(x) or is_na(y) or abs(float(x) - float(y)) > 1e-9:
            return False
    return True


# =============================================================================== Cerebro set-up


def pandas_feed(frame: Any, **kw: Any) -> bt.feeds.PandasData:
    """A backtrader ``PandasData`` feed of a PineOpt OHLCV frame (or Dataset): times naive UTC,
    no open interest."""
    from pineopt.data.dataset import Dataset

    if isinstance(frame, Dataset):
        frame = frame.frame
    data = frame[["open", "high", "low", "close", "volume"]].copy()
    index = pd.DatetimeIndex(data.index)
    if index.tz is not None:
        data.index = index.tz_convert("UTC").tz_localize(None)
    return bt.feeds.PandasData(dataname=data, openinterest=None, **kw)


class _PerOrder(bt.CommInfoBase):
    """TradingView's ``strategy.commission.cash_per_order``."""

    params = (("stocklike", True), ("commtype", bt.CommInfoBase.COMM_FIXED))

    def _getcommission(self, size: float, price: float, pseudoexec: bool) -> float:
        return float(self.p.commission) if size else 0.0


def run_in_cerebro(
    source: Any,
    frame: Any,
    *,
    cash: float | None = None,
    commission: float | None = None,
    inputs: Mapping[str, object] | None = None,
    strategy: Mapping[str, object] | None = None,
    symbol: Any = None,
    timeframe: Any = None,
    analyzers: Mapping[str, Any] | None = None,
) -> tuple[bt.Cerebro, PineStrategy, pd.DataFrame]:
    """Run the Pine strategy ``source`` over ``frame`` in a new Cerebro.

    ``frame`` is a PineOpt OHLCV frame or Dataset (fed as ``PandasData``); ``cash`` defaults to
    the script's ``initial_capital``; ``commission`` (a fraction of the traded value, backtrader's
    convention) defaults to the script's ``commission_type``/``commission_value`` (percent, per
    contract or per order); ``slippage`` and ``process_orders_on_close`` are set on the broker
    (``set_slippage_fixed``, ``set_coc``). ``analyzers`` maps names to analyzer classes.

    Returns ``(cerebro, strategy instance, trades)``, ``trades`` in PineOpt's layout."""
    from pineopt.api import _module
    from pineopt.runtime.standalone import prepare

    _, module = _module(source)
    declaration = dict(getattr(module, "DECLARATION", {}))
    config = StrategyConfig.from_declaration(declaration, strategy)
    chart = prepare(frame, symbol=symbol, timeframe=timeframe)
    pointvalue = float(chart.symbol.pointvalue)
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(pandas_feed(chart.frame))
    cerebro.broker.setcash(float(config.initial_capital if cash is None else cash))
    if commission is not None:
        cerebro.broker.setcommission(commission=float(commission), mult=pointvalue)
    elif config.commission_type == COMMISSION_PERCENT:
        cerebro.broker.setcommission(commission=config.commission_value / 100.0, mult=pointvalue)
    elif config.commission_type == COMMISSION_PER_CONTRACT:
        cerebro.broker.setcommission(
            commission=config.commission_value,
            commtype=bt.CommInfoBase.COMM_FIXED,
            stocklike=True,
            mult=pointvalue,
        )
    elif config.commission_type == COMMISSION_PER_ORDER:
        cerebro.broker.addcommissioninfo(
            _PerOrder(commission=config.commission_value, mult=pointvalue)
        )
    if config.slippage:
        cerebro.broker.set_slippage_fixed(
            config.slippage * float(chart.symbol.mintick),
            slip_open=True,
            slip_limit=False,
            slip_out=True,
        )
    if config.process_orders_on_close:
        cerebro.broker.set_coc(True)
    for name, analyzer in (analyzers or {}).items():
        cerebro.addanalyzer(analyzer, _name=name)
    cerebro.addstrategy(
        PineStrategy,
        script=source,
        frame=chart.frame,
        inputs=dict(inputs or {}),
        overrides=dict(strategy or {}),
        symbol=chart.symbol,
        timeframe=chart.timeframe,
    )
    instance = cerebro.run()[0]
    return cerebro, instance, instance.pine_trades
