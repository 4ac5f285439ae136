"""One run of a converted script: the context it reads its bars from, and what it leaves.

A converted module defines ``DECLARATION`` (the arguments of ``indicator()``/``strategy()``)
and ``script(ctx)``, which computes the whole-history series with numpy and then runs its bar
loop. :func:`execute` builds the :class:`Context` from an OHLCV frame, calls ``script`` and
collects the :class:`Result`. A runtime error of the script is reported with the Pine line it
comes from (the module's ``PINE_LINES`` table maps its Python lines to Pine lines).
"""

from __future__ import annotations

import functools
import math
import sys
import time as _time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np
import pandas as pd

from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import PineOptError, PineRuntimeError
from pineopt.runtime import calendar, loop_limit, ta_series
from pineopt.runtime.inputs import InputError, Inputs, InputSpec

Array = np.ndarray

_BAR_FIELDS = ("open", "high", "low", "close", "volume")
_CALENDAR_FIELDS = ("year", "month", "weekofyear", "dayofmonth", "dayofweek", "hour", "minute")


@dataclass
class Log:
    """One ``log.info`` / ``log.warning`` / ``log.error`` message."""

    bar_index: int
    time: pd.Timestamp
    level: str
    message: str


class Later:
    """A :class:`Result` value given as the function that computes it, called when the value
    is first read (see :class:`Result`)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


_REQUIRED = object()


class _Lazy:
    """A :class:`Result` field that may hold a :class:`Later`: the first read computes the
    value and keeps it in its place."""

    def __init__(self, default: object = _REQUIRED) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, result: object, owner: type | None = None) -> object:
        if result is None:  # the class's field default (dataclasses ask for it this way)
            if self.default is _REQUIRED:
                raise AttributeError(self.name)
            return self.default
        value = result.__dict__[self.name]
        if isinstance(value, Later):
            value = result.__dict__[self.name] = value.make()
        return value

    def __set__(self, result: object, value: object) -> None:
        result.__dict__[self.name] = value


@dataclass
class Result:
    """What one run produced.

    * ``plots`` - one column per plot title, as TradingView's "Export chart data" (index: bar
      open times, UTC);
    * ``drawings`` - the labels, lines, boxes, tables, polylines and linefills alive at the end;
    * ``alerts`` and ``logs`` - the events of the run, in order;
    * ``inputs`` - every input with the value used;
    * ``diagnostics`` - the converter's warnings;
    * strategies: ``trades`` (one row per trade), ``equity`` (per bar) and ``metrics``
      (TradingView's Performance Summary);
    * from :func:`pineopt.run`: ``source`` (the Pine text run) and ``chart`` (the
      :class:`~pineopt.runtime.standalone.Chart`: bars, symbol, timeframe), which
      ``data_fingerprint`` identifies and :meth:`pineopt.Store.record` files the run under.

    ``plots``, ``trades``, ``equity`` and ``strategy`` are built when first read (each may be
    given as a :class:`Later`): a parameter sweep reads only ``metrics`` and never pays for
    them. Pickling a Result builds them all, so it travels as plain data.
    """

    plots: pd.DataFrame = _Lazy()  # type: ignore[assignment]
    drawings: dict = field(default_factory=dict)
    alerts: list = field(default_factory=list)
    logs: list[Log] = field(default_factory=list)
    inputs: list[InputSpec] = field(default_factory=list)
    diagnostics: tuple = ()
    declaration: dict = field(default_factory=dict)
    outputs: object = None
    seconds: float = 0.0
    trades: pd.DataFrame | None = _Lazy(None)  # type: ignore[assignment]
    equity: pd.DataFrame | None = _Lazy(None)  # type: ignore[assignment]
    metrics: dict | None = None
    strategy: object = _Lazy(None)
    source: str | None = None
    chart: object = None

    def __getstate__(self) -> dict:
        """What pickling keeps: every field, each :class:`Later` one computed first."""
        return {
            name: getattr(self, name) if isinstance(value, Later) else value
            for name, value in self.__dict__.items()
        }

    @property
    def bars(self) -> int:
        return len(self.plots)

    @functools.cached_property
    def data_fingerprint(self) -> dict | None:
        """The fingerprint of the chart's bars (:func:`pineopt.data.frame.fingerprint`:
        ``sha256``, ``bars``, ``first``, ``last``), computed on first use; None without a
        chart."""
        from pineopt.data.frame import fingerprint

        frame = getattr(self.chart, "frame", None)
        return None if frame is None else fingerprint(frame)

    def __repr__(self) -> str:
        title = self.declaration.get("title", "script")
        trades = f", {len(self.trades)} trades" if self.trades is not None else ""
        return (
            f"<Result {title!r}: {self.bars} bars, {len(self.plots.columns)} plots{trades}, "
            f"{len(self.logs)} logs, {len(self.alerts)} alerts>"
        )


class Context:
    """Everything a converted script reads: bars, symbol, timeframe, inputs; and where its
    outputs go. ``bar_index`` is kept current by scripts whose built-ins need to know the bar
    (logs, drawings, runtime errors)."""

    def __init__(
        self,
        frame: pd.DataFrame,
        symbol: SymbolInfo,
        timeframe: Timeframe,
        *,
        inputs: Mapping[str, object] | None = None,
        declaration: Mapping[str, object] | None = None,
        version: int = 6,
        htf_frames: Mapping[str, pd.DataFrame] | None = None,
        source_frame: pd.DataFrame | None = None,
    ) -> None:
        from pineopt.runtime.drawings import Drawings
        from pineopt.runtime.outputs import Outputs

        self.frame = frame
        self.index = pd.DatetimeIndex(frame.index)
        self.bar_count = len(frame)
        self.symbol = symbol
        self.timeframe = timeframe
        self.version = version
        self.declaration = dict(declaration or {})
        self.inputs = Inputs(inputs)
        self.htf_frames = dict(htf_frames or {})
        self.source_frame = frame if source_frame is None else source_frame
        self.outputs = Outputs(self.bar_count)
        counts = {
            k: int(self.declaration[k])
            for k in (
                "max_lines_count",
                "max_labels_count",
                "max_boxes_count",
                "max_polylines_count",
            )
            if k in self.declaration
        }
        self.drawings = Drawings(**counts)
        self.logs: list[Log] = []
        self.bar_index = 0
        self._series: dict[str, Array] = {}

    #: Visit only the bars where the script can act (and a strategy's broker has work), when
    #: the compiler gives them (:meth:`bars`). False visits every bar: a private switch, for the
    #: tests that hold the two together (same results, bit for bit).
    _event_bars = True

    def bars(self, acting: Array) -> Iterable[int]:
        """The bars a script's loop runs on, given ``acting``: the bars where its bar-by-bar
        part can do anything (:mod:`pineopt.compiler.events`); on the others every statement's
        condition is false. An indicator needs only those; a strategy's broker adds the bars
        where it has work and passes the rest a stretch at a time
        (:meth:`~pineopt.strategy.quiet.QuietBars.bars`)."""
        if not self._event_bars:
            return range(self.bar_count)
        broker = getattr(self, "broker", None)
        if broker is not None:
            return broker.bars(acting)
        return np.flatnonzero(acting).tolist()

    # ---- whole-history series

    def series(self, name: str) -> Array:
        """The whole history of a built-in series variable (``close``, ``time``, ``year``,
        ``barstate.islast``, ``ta.obv`` …) as a numpy array."""
        cached = self._series.get(name)
        if cached is None:
            cached = self._series[name] = self._compute_series(name)
        return cached

    def _compute_series(self, name: str) -> Array:
        f = self.frame
        n = self.bar_count
        if name in _BAR_FIELDS:
            return f[name].to_numpy(dtype=np.float64)
        s = self.series
        if name == "hl2":
            return (s("high") + s("low")) / 2
        if name == "hlc3":
            return (s("high") + s("low") + s("close")) / 3
        if name == "ohlc4":
            return (s("open") + s("high") + s("low") + s("close")) / 4
        if name == "hlcc4":
            return (s("high") + s("low") + s("close") + s("close")) / 4
        if name == "bar_index":
            return np.arange(n, dtype=np.float64)
        if name == "time":
            return calendar.time(self.index)
        if name == "time_close":
            return calendar.time_close(self.index, self.timeframe, self.symbol)
        if name == "time_tradingday":
            return calendar.time_tradingday(self.index, self.symbol)
        if name in _CALENDAR_FIELDS or name == "second":
            return getattr(calendar, name)(s("time"), None, self.symbol)
        if name.startswith("barstate."):
            flag = name.partition(".")[2]
            out = np.zeros(n, dtype=bool)
            if flag in ("isconfirmed", "ishistory", "isnew"):
                out[:] = True
            elif flag == "isfirst" and n:
                out[0] = True
            elif flag in ("islast", "islastconfirmedhistory") and n:
                out[-1] = True
            return out
        if name.startswith("session."):
            flag = name.partition(".")[2]
            if flag in ("ispremarket", "ispostmarket"):
                return np.zeros(n, dtype=bool)
            return getattr(calendar, f"session_{flag}")(self.index, self.timeframe, self.symbol)
        if name == "vwap.anchor":
            return self.new_session()
        if name in ta_series.VARIABLES:
            fn, arguments = ta_series.VARIABLES[name]
            values = (self.new_session() if k == "anchor" else s(k) for k in arguments)
            return fn(*values)  # type: ignore[operator]
        raise PineRuntimeError(f"the built-in series '{name}' is not available")

    def new_session(self) -> Array:
        """True on the first bar of each trading day: the default anchor of ``ta.vwap``."""
        return calendar.timeframe_change(self.index, "1D", self.symbol) | self.series(
            "barstate.isfirst"
        )

    def timeframe_change(self, timeframe: str) -> Array:
        """``timeframe.change(timeframe)`` over the whole history."""
        tf = self.timeframe if timeframe in ("", None) else Timeframe.parse(timeframe)
        return calendar.timeframe_change(self.index, tf, self.symbol)

    def time_function(
        self,
        timeframe: str | None,
        session: str | None = None,
        timezone: str | None = None,
        bars_back: int = 0,
        timeframe_bars_back: int = 0,
        *,
        close: bool = False,
    ) -> Array:
        """``time(timeframe, session, timezone)`` / ``time_close(...)``: the open (close) of the
        ``timeframe`` period each bar belongs to; ``na`` outside ``session`` when one is given."""
        from pineopt.data.resample import period_bounds

        tf = self.timeframe if timeframe in ("", None) else Timeframe.parse(timeframe)
        symbol = self.symbol
        if timezone not in (None, ""):
            symbol = symbol.replace(timezone=str(timezone))
        opens, closes = period_bounds(self.index, tf, symbol)
        out = ((closes if close else opens) // 1_000_000).astype(np.float64)
        if session not in (None, ""):
            in_session = calendar.session_ismarket(
                self.index, self.timeframe, symbol.replace(session=str(session))
            )
            out = np.where(in_session, out, np.nan)
        shift = int(bars_back or 0)
        if shift:
            out = np.r_[np.full(min(shift, len(out)), np.nan), out[: len(out) - shift]]
        return out

    def calendar_field(self, name: str, times: object, timezone: str | None = None) -> object:
        """``year(time, timezone)`` and the other calendar functions, for one time or an array."""
        values = getattr(calendar, name)(times, timezone or None, self.symbol)
        if np.ndim(times) == 0:
            value = float(values[0])
            return int(value) if value == value else math.nan
        return values

    def timeframe_in_seconds(self, timeframe: str | None = None) -> int:
        tf = self.timeframe if timeframe in ("", None) else Timeframe.parse(timeframe)
        return tf.seconds

    def timeframe_from_seconds(self, seconds: float) -> str:
        return self.period_text(Timeframe.from_seconds(seconds))

    def security(
        self,
        symbol: str | None,
        timeframe: str | None,
        expression: Callable[[Context], object],
        gaps: str = "barmerge.gaps_off",
        lookahead: str = "barmerge.lookahead_off",
    ) -> object:
        """``request.security``: evaluate ``expression`` (a function of a context) on the
        requested bars - the chart's own, aggregated in process to a higher timeframe, or a
        frame supplied for another symbol or timeframe - and merge it onto the chart's bars."""
        from pineopt.data.resample import resample
        from pineopt.runtime import security as merge

        chart_symbol = symbol in (None, "", self.symbol.tickerid, self.symbol.ticker)
        tf = self.timeframe if timeframe in ("", None) else Timeframe.parse(timeframe)
        frame, req_symbol = self._requested_frame(symbol, tf, chart_symbol)
        if frame is None:
            if not chart_symbol:
                raise PineRuntimeError(
                    f"request.security: no data for symbol '{symbol}'"
                    + (f" at {tf}" if timeframe else "")
                    + "; supply it (pineopt run --htf-data SYMBOL=PATH or htf_data=)"
                )
            if tf == self.timeframe:
                frame = self.frame
            elif tf.seconds < self.timeframe.seconds:
                raise PineRuntimeError(
                    f"request.security: the timeframe {tf} is lower than the chart's "
                    f"{self.timeframe}; supply its bars with --htf-data {tf}=PATH"
                )
            else:  # aggregated from the whole feed, bars before the first executed one included
                frame = resample(self.source_frame, tf, self.symbol, self.timeframe)
        child = Context(
            frame,
            req_symbol,
            tf,
            declaration=self.declaration,
            version=self.version,
            htf_frames=self.htf_frames,
        )
        child.inputs = self.inputs
        values = expression(child)
        if tf == self.timeframe and chart_symbol:
            return values
        kwargs = {
            "lookahead": lookahead == "barmerge.lookahead_on",
            "gaps": gaps == "barmerge.gaps_on",
        }
        args = (child.index, tf, req_symbol, self.index, self.timeframe, self.symbol)

        def one(v: object) -> Array:
            array = np.asarray(v)
            if array.ndim == 0:
                array = np.full(child.bar_count, float(array))
            if array.dtype == bool:
                return merge.security(array.astype(np.float64), *args, **kwargs) == 1.0
            return merge.security(array, *args, **kwargs)

        if isinstance(values, tuple):
            return tuple(one(v) for v in values)
        return one(values)

    def security_lower_tf(
        self,
        symbol: str | None,
        timeframe: str | None,
        expression: Callable[[Context], object],
    ) -> list | tuple:
        """``request.security_lower_tf``: for every chart bar, the list of the expression's
        values on its intrabars. The chart's own timeframe is served by the chart's bars (one
        intrabar per bar); a lower one needs a supplied frame. A timeframe higher than the
        chart's stops the script, as TradingView does by default (``ignore_invalid_timeframe =
        true``, which returns ``na`` instead, is not supported yet: the script stops too)."""
        from pineopt.runtime import security as merge

        chart_symbol = symbol in (None, "", self.symbol.tickerid, self.symbol.ticker)
        tf = self.timeframe if timeframe in ("", None) else Timeframe.parse(timeframe)
        if tf.seconds > self.timeframe.seconds:
            raise PineRuntimeError(
                f"request.security_lower_tf: the timeframe {tf} is higher than the chart's "
                f"{self.timeframe}; it must be lower or equal"
            )
        frame, req_symbol = self._requested_frame(symbol, tf, chart_symbol)
        if frame is None and chart_symbol and tf == self.timeframe:
            frame = self.frame
        if frame is None:
            raise PineRuntimeError(
                f"request.security_lower_tf: no {tf} bars for '{symbol or self.symbol.ticker}'; "
                f"supply them (pineopt run --htf-data {tf}=PATH or htf_data=)"
            )
        child = Context(frame, req_symbol, tf, declaration=self.declaration, version=self.version)
        child.inputs = self.inputs
        values = expression(child)
        bars = merge.intrabars(self.index, self.timeframe, self.symbol, child.index, tf, req_symbol)

        def lists(v: object) -> list[list]:
            return [
                a.tolist() for a in merge.lower_tf_arrays(np.asarray(v, dtype=np.float64), bars)
            ]

        if isinstance(values, tuple):
            return tuple(lists(v) for v in values)
        return lists(values)

    def _requested_frame(
        self, symbol: str | None, tf: Timeframe, chart_symbol: bool
    ) -> tuple[pd.DataFrame | None, SymbolInfo]:
        """The supplied frame for ``symbol`` at ``tf`` (aggregated when it is finer), and its
        symbol. For the chart's symbol, a timeframe lower than the chart's (which the chart's
        own feed cannot give) is also served by a feed supplied at a finer timeframe that it is a
        whole multiple of (``--htf-data 1=PATH`` serves "5" and "15")."""
        keys = [str(tf)] if chart_symbol else []
        if chart_symbol and tf.seconds < self.timeframe.seconds:
            keys += self._finer_feeds(tf)
        if not chart_symbol:
            bare = str(symbol).rpartition(":")[2]
            keys = [f"{symbol}@{tf}", f"{bare}@{tf}", str(symbol), bare]
        for key in keys:
            frame = self.htf_frames.get(key)
            if frame is not None:
                req = self.symbol if chart_symbol else self.symbol.replace(ticker=bare)
                sym = frame.attrs.get("symbol") if hasattr(frame, "attrs") else None
                req = sym if isinstance(sym, SymbolInfo) else req
                return self._at_timeframe(frame, tf, req), req
        return None, self.symbol

    def _finer_feeds(self, tf: Timeframe) -> list[str]:
        """Keys of the chart symbol's supplied feeds at a timeframe finer than ``tf`` that ``tf``
        is a whole multiple of, coarsest first."""
        finer = []
        for key in self.htf_frames:
            try:
                own = Timeframe.parse(key)
            except PineOptError:
                continue  # another symbol's feed
            if own.is_intraday and own.seconds < tf.seconds and tf.seconds % own.seconds == 0:
                finer.append((own.seconds, key))
        return [key for _, key in sorted(finer, reverse=True)]

    @staticmethod
    def _at_timeframe(frame: pd.DataFrame, tf: Timeframe, symbol: SymbolInfo) -> pd.DataFrame:
        """A supplied feed at the requested timeframe: aggregated when it is finer."""
        from pineopt.data.frame import infer_timeframe
        from pineopt.data.resample import resample

        if len(frame) < 2:
            return frame
        own = infer_timeframe(pd.DatetimeIndex(frame.index))
        if own.seconds < tf.seconds:
            return resample(frame, tf, symbol, own)
        return frame

    # ---- simple values

    def value(self, name: str) -> object:
        """A built-in value fixed for the run (``syminfo.*``, ``timeframe.*``,
        ``last_bar_index`` …)."""
        sym, tf = self.symbol, self.timeframe
        ns, _, attr = name.partition(".")
        if ns == "syminfo":
            if attr == "tickerid":
                return sym.tickerid
            if attr in ("main_tickerid", "current_contract"):
                return sym.tickerid
            if attr == "root":
                return sym.ticker
            if attr == "session":
                return "regular"
            if attr == "minmove":
                return round(sym.mintick * sym.pricescale)
            if attr == "country":
                return None
            value = getattr(sym, attr, None)
            return value if value is not None else math.nan
        if ns == "timeframe":
            flags = {
                "isintraday": tf.is_intraday,
                "isdaily": tf.is_daily,
                "isweekly": tf.is_weekly,
                "ismonthly": tf.is_monthly,
                "isseconds": tf.is_seconds,
                "isminutes": tf.is_minutes,
                "isdwm": tf.is_dwm,
                "isticks": False,
            }
            if attr in flags:
                return flags[attr]
            if attr in ("period", "main_period"):
                return self.period_text(tf)
            if attr == "multiplier":
                return tf.multiplier
        if name == "last_bar_index":
            return self.bar_count - 1
        if name == "last_bar_time":
            return float(self.series("time")[-1]) if self.bar_count else math.nan
        if name == "timenow":
            return float(_time.time_ns() // 1_000_000)
        if ns == "chart":
            if attr == "is_standard":
                return True
            if attr.startswith("is_"):
                return False
            if attr in ("left_visible_bar_time", "right_visible_bar_time"):
                times = self.series("time")
                return float(times[0 if attr.startswith("left") else -1])
            return None
        raise PineRuntimeError(f"the built-in value '{name}' is not available")

    def symbol_part(self, part: str, symbol: str | None) -> str | None:
        """``syminfo.prefix(symbol)`` (``part="prefix"``) or ``syminfo.ticker(symbol)``: the
        exchange prefix or the ticker of ``"EXCHANGE:TICKER"``. The Reference asks for the
        prefix; without it only the chart's own ticker is known (TradingView would look the
        symbol up)."""
        if symbol is None:
            return None
        prefix, colon, ticker = str(symbol).partition(":")
        if colon:
            return prefix if part == "prefix" else ticker
        if symbol == self.symbol.ticker:
            return self.symbol.prefix if part == "prefix" else self.symbol.ticker
        raise PineRuntimeError(
            f"syminfo.{part}(): the symbol '{symbol}' has no exchange prefix; "
            'pass it as "EXCHANGE:TICKER"'
        )

    def period_text(self, tf: Timeframe) -> str:
        """``timeframe.period``: v6 always writes the multiplier (``"1D"``), v5 drops a 1."""
        text = str(tf)
        if self.version < 6 and tf.multiplier == 1 and tf.unit in ("D", "W", "M", "S"):
            return tf.unit
        return text

    # ---- events

    def log(self, level: str, message: object) -> None:
        i = self.bar_index
        stamp = self.index[i] if 0 <= i < self.bar_count else pd.NaT
        self.logs.append(Log(i, stamp, level, "" if message is None else str(message)))

    def input(self, kind: str, defval: object, title: str | None = None, **kw: object) -> object:
        return self.inputs(kind, defval, title, **kw)

    def alert(self, message: object = None, freq: str = "alert.freq_once_per_bar") -> None:
        """``alert(message, freq)`` on the current bar: an event with the message's literal
        text. Placeholders such as ``{{ticker}}`` are not Pine's: TradingView's alert service
        would substitute them on delivery, the script and its orders never see them."""
        i = self.bar_index
        stamp = self.index[i] if 0 <= i < self.bar_count else None
        time_ms = int(stamp.value // 1_000_000) if stamp is not None else 0
        text = None if message is None else str(message)
        self.outputs.alert(i, time_ms, text, freq)


ScriptFunction = Callable[[Context], None]


def execute(
    module: ModuleType,
    frame: pd.DataFrame,
    symbol: SymbolInfo,
    timeframe: Timeframe,
    *,
    inputs: Mapping[str, object] | None = None,
    htf_frames: Mapping[str, pd.DataFrame] | None = None,
    source_frame: pd.DataFrame | None = None,
    diagnostics: tuple = (),
    strategy: Mapping[str, object] | None = None,
    magnifier_frame: pd.DataFrame | None = None,
) -> Result:
    """Run a converted module over ``frame`` and collect its :class:`Result`. A strategy
    gets its broker (``strategy`` overrides its ``strategy()`` parameters; ``magnifier_frame``
    holds the lower-timeframe bars of ``use_bar_magnifier``)."""
    declaration = dict(getattr(module, "DECLARATION", {}))
    ctx = Context(
        frame,
        symbol,
        timeframe,
        inputs=inputs,
        declaration=declaration,
        version=int(declaration.get("version", 6)),
        htf_frames=htf_frames,
        source_frame=source_frame,
    )
    if declaration.get("kind") == "strategy":
        from pineopt.strategy.engine import make_broker

        ctx.broker = make_broker(ctx, declaration, strategy, magnifier_frame)
    elif strategy or magnifier_frame is not None:
        raise PineRuntimeError("strategy settings need a strategy() script")
    started = _time.perf_counter()
    try:
        module.script(ctx)
    except InputError:
        raise
    except PineRuntimeError as exc:
        raise _located(exc, module, ctx) from None
    except PineOptError:  # bad data or settings: already a message of their own
        raise
    except Exception as exc:
        raise _located(PineRuntimeError(_explain(exc)), module, ctx) from exc
    ctx.inputs.check()
    seconds = _time.perf_counter() - started
    extra: dict = {}
    broker = getattr(ctx, "broker", None)
    if broker is not None:
        from pineopt.strategy.engine import strategy_results

        metrics, tables = strategy_results(broker, ctx)
        extra = {
            "metrics": metrics,
            "trades": Later(lambda: tables().trades),
            "equity": Later(lambda: tables().equity),
            "strategy": Later(tables),
        }
    return Result(
        plots=Later(functools.partial(ctx.outputs.frame, ctx.index)),
        drawings=ctx.drawings.snapshot(),
        alerts=list(ctx.outputs.alerts),
        logs=ctx.logs,
        inputs=ctx.inputs.specs,
        diagnostics=diagnostics,
        declaration=declaration,
        outputs=ctx.outputs,
        seconds=seconds,
        **extra,
    )


class _InputsDeclared(BaseException):
    """Stops :func:`declared_inputs`' run once the script has declared every input (a signal,
    not an error: no ``except Exception`` of the script path may swallow it)."""


class _DeclaringInputs(Inputs):
    def check(self) -> None:
        raise _InputsDeclared


def declared_inputs(module: ModuleType) -> list[InputSpec]:
    """The inputs a converted module declares, in call order, each with its default as value.

    A converted script declares every input before it reads a bar (then checks the overrides
    against them): the script is started over one placeholder bar and stopped at that check, so
    nothing of the bar loop runs. A failure before it raises as :func:`execute` would."""
    declaration = dict(getattr(module, "DECLARATION", {}))
    index = pd.DatetimeIndex([pd.Timestamp("2000-01-03", tz="UTC")], name="time")
    frame = pd.DataFrame({name: [1.0] for name in _BAR_FIELDS}, index=index)
    ctx = Context(
        frame,
        SymbolInfo(ticker="PLACEHOLDER"),
        Timeframe.parse("1D"),
        declaration=declaration,
        version=int(declaration.get("version", 6)),
    )
    ctx.inputs = _DeclaringInputs()
    if declaration.get("kind") == "strategy":
        from pineopt.strategy.engine import make_broker

        ctx.broker = make_broker(ctx, declaration, None, None)
    try:
        module.script(ctx)
    except _InputsDeclared:
        pass
    except PineRuntimeError as exc:
        raise _located(exc, module, ctx) from None
    except PineOptError:
        raise
    except Exception as exc:
        raise _located(PineRuntimeError(_explain(exc)), module, ctx) from exc
    return ctx.inputs.specs


def _explain(exc: BaseException) -> str:
    """The Pine wording of an exception raised by Python while the script ran.

    What Pine reports itself (an ``na`` object's field, an ``na`` where a value is needed)
    gets Pine's words; anything else is a fault of PineOpt, never of the script, and is
    reported as such without Python's text (the exception stays chained for debugging)."""
    text = str(exc)
    if isinstance(exc, AttributeError) and "NoneType" in text:
        return "Cannot access a field of an na object"
    if isinstance(exc, TypeError) and "NoneType" in text:
        return "An na value was used where a value is required"
    if isinstance(exc, RecursionError | MemoryError):
        return "The script ran out of memory"
    return "Internal error of PineOpt's runtime while running this statement (please report it)"


def _located(exc: PineRuntimeError, module: ModuleType, ctx: Context) -> PineRuntimeError:
    """Add the Pine line (from the module's ``PINE_LINES``) and the bar to a runtime error.

    The line is that of the innermost frame of the converted module (for the loop time limit,
    that of the outermost loop of a nest: the module's ``PINE_LOOPS``); the bar is the
    ``bar_index`` of the script's loop at the time of the error (read from its frame)."""
    lines: dict[int, int] = getattr(module, "PINE_LINES", {})
    if str(exc) == loop_limit.MESSAGE:
        lines = {**lines, **getattr(module, "PINE_LOOPS", {})}
    filename = getattr(module, "__file__", None)
    pine_line = None
    bar = None
    tb = exc.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename:
            pine_line = lines.get(tb.tb_lineno, pine_line)
            if code.co_name == "script":
                bar = tb.tb_frame.f_locals.get("bar_index")
        tb = tb.tb_next
    where = f"line {pine_line}: " if pine_line else ""
    when = ""
    if isinstance(bar, int) and 0 <= bar < ctx.bar_count:
        when = f" (bar {bar}, {ctx.index[bar].isoformat()})"
    located = PineRuntimeError(f"{where}{exc}{when}")
    located.pine_line = pine_line  # type: ignore[attr-defined]
    located.bar_index = bar  # type: ignore[attr-defined]
    return located
