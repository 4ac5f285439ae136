"""Pine's ``ta`` namespace bar by bar (the per-call-site path).

One class per ``ta`` function; the compiler creates one instance per call written in the source
and calls ``update(...)`` once on every bar on which that call executes. A bar on which it does
not execute leaves the state untouched - Pine's per-call-site semantics, so ``ta.sma`` inside an
``if`` averages the last ``length`` *executed* values.

``update`` takes the implicit bar series first (:data:`IMPLICIT`, the same order as the
``ta_vector`` function's parameters), then Pine's parameters in Pine's order with Pine's names,
and returns the value for this bar (a tuple for ``bb``, ``kc``, ``dmi``, ``macd``,
``supertrend`` and ``vwap`` with ``stdev_mult``). Inputs are Python floats (``na`` = NaN), ints
and bools.

Every class gives the same bits as its ``ta_vector`` function run over the executed bars: the
window kernels add in the same order (oldest first, from 0.0) and the recursive ones repeat the
vector loop's operations. Lengths typed ``series int`` in Pine may change from bar to bar: the
classes keep the history they need and use the current length (a float length is truncated).
"""

from __future__ import annotations

import math
from functools import reduce
from operator import add

from pineopt.errors import PineRuntimeError
from pineopt.runtime import ta_vector as tv

NAN = math.nan
_KEEP = 10_000  # history kept for series lengths (a window longer than this is unusual)


def _len(length: object, name: str, minimum: int = 1) -> int:
    """Validate ``length`` (truncating a float) the way ``ta_vector._length`` words errors."""
    if type(length) is int and length >= minimum:
        return length
    if isinstance(length, float):
        if length != length:
            raise PineRuntimeError(f"{name}: invalid length argument na")
        length = int(length)
    try:
        value = int(length)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise PineRuntimeError(f"{name}: invalid length {length!r}") from None
    if value < minimum:
        raise PineRuntimeError(f"{name}: invalid length argument {value}; it must be >= {minimum}")
    return value


def _div(a: float, b: float) -> float:
    """``a / b`` with numpy's float rules (``x / 0`` is ``±inf``, ``0 / 0`` is ``na``)."""
    if b == 0.0:
        if a != a or a == 0.0:
            return NAN
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _fmax(a: float, b: float) -> float:
    if a != a:
        return b
    if b != b:
        return a
    return a if a >= b else b


def _fmin(a: float, b: float) -> float:
    if a != a:
        return b
    if b != b:
        return a
    return a if a <= b else b


class History(list):
    """The past inputs a call site keeps: a list that only grows at its end and drops old
    values from its front, counting them (``dropped``), so that :class:`PerBar` can take
    back the values appended since a point with ``len(h) + h.dropped``. A drop keeps at
    least ``_KEEP`` values beyond what the call needs, so taking back a bar's appends never
    reaches a dropped value."""

    __slots__ = ("dropped",)

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def keep_last(self, count: int) -> None:
        """Drop all but the last ``count`` values."""
        extra = len(self) - count
        if extra > 0:
            del self[:extra]
            self.dropped += extra


def _trim(buf: History) -> None:
    if len(buf) > 2 * _KEEP:
        buf.keep_last(_KEEP)


# --------------------------------------------------------------------------- kernels


def _mean_and_dev(w: list[float], n: int, power: int) -> tuple[float, float]:
    mean = reduce(add, w, 0.0) / n
    acc = 0.0
    if power == 1:
        for v in w:
            acc += abs(v - mean)
    else:
        for v in w:
            d = v - mean
            acc += d * d
    return mean, acc


def _variance(w: list[float], n: int, biased: bool) -> float:
    _, ss = _mean_and_dev(w, n, 2)
    denom = n if biased else n - 1
    return ss / denom if denom else NAN


def _dot(w: list[float], weights: list[float]) -> float:
    acc = 0.0
    for v, k in zip(w, weights, strict=True):
        acc += v * k
    return acc


def _median(s: list[float]) -> float:
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


# --------------------------------------------------------------------------- bases


class _Skip:
    """Window over the last ``length`` non-``na`` inputs; ``na`` gives ``na`` and is skipped."""

    name = ""
    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf: History = History()

    def _window(self, source: float, length: object) -> list[float] | None:
        n = _len(length, self.name)
        if source != source:
            return None
        buf = self.buf
        buf.append(source)
        if len(buf) > 2 * _KEEP:
            buf.keep_last(_KEEP)
        if len(buf) < n:
            return None
        return buf[-n:]


class _All:
    """Window over the last inputs, ``na`` included."""

    name = ""
    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf: History = History()

    def _window(self, source: float, size: int) -> list[float] | None:
        buf = self.buf
        buf.append(source)
        if len(buf) > 2 * _KEEP:
            buf.keep_last(_KEEP)
        if len(buf) < size:
            return None
        return buf[-size:]


# --------------------------------------------------------------------------- moving averages


class Sma:
    """``ta.sma``: :class:`ta_vector.RollingSum` / ``length``, stepped on every non-``na`` value
    (the same object and operations as the vector path, so the same bits); a length that
    changes from bar to bar restarts the accumulator over the previous values of the new
    window."""

    name = "ta.sma"
    __slots__ = ("acc", "buf", "length")

    def __init__(self) -> None:
        self.buf: History = History()
        self.length = 0
        self.acc: tv.RollingSum | None = None

    def update(self, source: float, length: int) -> float:
        n = _len(length, self.name)
        if source != source:
            return NAN
        buf = self.buf
        if n != self.length:  # a new length: restart from the previous bar's window of it
            self.length = n
            acc = self.acc = tv.RollingSum(n)
            for value in buf[-n:]:
                acc.push(value)
        buf.append(source)
        if len(buf) > 2 * _KEEP:
            buf.keep_last(_KEEP)
        total = self.acc.push(source)  # type: ignore[union-attr]
        if len(buf) < n:
            return NAN
        return total / n


class MathSum(Sma):
    """``math.sum``: the :class:`ta_vector.RollingSum` itself."""

    name = "math.sum"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        average = super().update(source, length)
        return average if average != average else self.acc.s  # type: ignore[union-attr]


class Wma(_Skip):
    name = "ta.wma"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, length)
        if w is None:
            return NAN
        n = len(w)
        return _dot(w, [float(i) for i in range(1, n + 1)]) / (n * (n + 1) / 2.0)


class _Recursive:
    """Seed: ``ta.sma`` of the first ``length`` values (a :class:`ta_vector.RollingSum`), then
    :meth:`_step` - the operations of ``ta_vector._recursive_ma``."""

    __slots__ = ("acc", "alpha", "beta", "count", "n", "prev")
    name = ""

    def __init__(self) -> None:
        self.count = 0
        self.prev = 0.0
        self.n = 0

    def _alpha(self, n: int) -> float:
        raise NotImplementedError

    def _step(self, source: float) -> float:
        return self.alpha * source + self.beta * self.prev

    def update(self, source: float, length: int) -> float:
        n = self.n
        if n == 0 or length != n:
            n = _len(length, self.name)
            if self.n == 0:
                self.n = n
                self.alpha = self._alpha(n)
                self.beta = 1.0 - self.alpha
                self.acc = tv.RollingSum(n)
        if source != source:
            return NAN
        count = self.count
        if count >= n:
            self.prev = self._step(source)
            return self.prev
        total = self.acc.push(source)
        self.count = count + 1
        if count + 1 == n:
            self.prev = total / n
            self.acc = None
            return self.prev
        return NAN


class Ema(_Recursive):
    """``ta.ema``: SMA seed, then ``alpha * x + (1 - alpha) * prev`` (``length`` is simple)."""

    name = "ta.ema"
    __slots__ = ()

    def _alpha(self, n: int) -> float:
        return 2.0 / (n + 1)


class Rma(_Recursive):
    """``ta.rma``: SMA seed, then ``(prev * (length - 1) + x) / length``."""

    name = "ta.rma"
    __slots__ = ()

    def _alpha(self, n: int) -> float:
        return 1.0 / n

    def _step(self, source: float) -> float:
        n = self.n
        return (self.prev * (n - 1) + source) / n


class Vwma:
    __slots__ = ("den", "num")

    def __init__(self) -> None:
        self.num, self.den = Sma(), Sma()

    def update(self, volume: float, source: float, length: int) -> float:
        return _div(self.num.update(source * volume, length), self.den.update(volume, length))


class Swma(_All):
    name = "ta.swma"
    __slots__ = ()

    def update(self, source: float) -> float:
        w = self._window(source, 4)
        return NAN if w is None else _dot(w, tv.SWMA_WEIGHTS)


class Alma(_All):
    name = "ta.alma"
    __slots__ = ("key", "norm", "weights")

    def __init__(self) -> None:
        super().__init__()
        self.key: tuple | None = None

    def update(
        self, series: float, length: int, offset: float, sigma: float, floor: bool = False
    ) -> float:
        n = _len(length, self.name)
        key = (n, offset, sigma, floor)
        if key != self.key:
            self.key = key
            self.weights, self.norm = tv.alma_weights(n, offset, sigma, floor)
        w = self._window(series, n)
        return NAN if w is None else _dot(w, self.weights) / self.norm


class Hma:
    __slots__ = ("full", "half", "outer")

    def __init__(self) -> None:
        self.half, self.full, self.outer = Wma(), Wma(), Wma()

    def update(self, source: float, length: int) -> float:
        n = _len(length, "ta.hma", 2)
        inner = 2.0 * self.half.update(source, n // 2) - self.full.update(source, n)
        return self.outer.update(inner, math.floor(math.sqrt(n)))


# --------------------------------------------------------------------------- oscillators


class Change(_All):
    name = "ta.change"
    __slots__ = ()

    def update(self, source: float | bool, length: int = 1) -> float | bool:
        n = _len(length, self.name, 0)
        w = self._window(source, n + 1)  # type: ignore[arg-type]
        if isinstance(source, bool):
            return False if w is None else source != w[0]
        return source - NAN if w is None else source - w[0]


class Mom(_All):
    name = "ta.mom"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, _len(length, self.name) + 1)
        return NAN if w is None else source - w[0]


class Roc(_All):
    name = "ta.roc"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, _len(length, self.name) + 1)
        return NAN if w is None else _div(100.0 * (source - w[0]), w[0])


class Rsi:
    __slots__ = ("down", "prev", "up")

    def __init__(self) -> None:
        self.prev = NAN
        self.up, self.down = Rma(), Rma()

    def update(self, source: float, length: int) -> float:
        _len(length, "ta.rsi")
        if source != source:
            return NAN
        prev, self.prev = self.prev, source
        if prev != prev:
            return NAN
        delta = source - prev
        up = self.up.update(max(delta, 0.0), length)
        down = self.down.update(max(-delta, 0.0), length)
        if up != up or down != down:
            return NAN
        if down == 0.0:
            return 100.0
        if up == 0.0:
            return 0.0
        return 100.0 - 100.0 / (1.0 + up / down)


class Cmo:
    __slots__ = ("change", "down", "up")

    def __init__(self) -> None:
        self.change = Change()
        self.up, self.down = MathSum(), MathSum()

    def update(self, series: float, length: int) -> float:
        n = _len(length, "ta.cmo")
        delta = self.change.update(series)
        up = self.up.update(delta if delta >= 0.0 else 0.0, n)
        down = self.down.update(0.0 if delta >= 0.0 else -delta, n)
        return _div(100.0 * (up - down), up + down) if up == up and down == down else NAN


class Tsi:
    __slots__ = ("change", "d1", "d2", "n1", "n2")

    def __init__(self) -> None:
        self.change = Change()
        self.n1, self.n2, self.d1, self.d2 = Ema(), Ema(), Ema(), Ema()

    def update(self, source: float, short_length: int, long_length: int) -> float:
        pc = self.change.update(source)
        num = self.n2.update(self.n1.update(pc, long_length), short_length)
        den = self.d2.update(self.d1.update(abs(pc), long_length), short_length)
        return _div(num, den)


class Mfi:
    __slots__ = ("change", "lower", "upper")

    def __init__(self) -> None:
        self.change = Change()
        self.upper, self.lower = MathSum(), MathSum()

    def update(self, volume: float, series: float, length: int) -> float:
        n = _len(length, "ta.mfi")
        delta = self.change.update(series)
        upper = self.upper.update(volume * (0.0 if delta <= 0.0 else series), n)
        lower = self.lower.update(volume * (0.0 if delta >= 0.0 else series), n)
        if upper != upper or lower != lower:
            return NAN
        return 100.0 - 100.0 / (1.0 + _div(upper, lower))


# --------------------------------------------------------------------------- volatility


class Tr:
    """``ta.tr(handle_na)``; the previous close is the one of the previous call."""

    __slots__ = ("prev",)

    def __init__(self) -> None:
        self.prev = NAN

    def update(self, high: float, low: float, close: float, handle_na: bool = False) -> float:
        prev, self.prev = self.prev, close
        span = high - low
        if span != span:
            return NAN
        if prev != prev:
            return span if handle_na else NAN
        return _fmax(span, _fmax(abs(high - prev), abs(low - prev)))


class Atr:
    __slots__ = ("rma", "tr")

    def __init__(self) -> None:
        self.tr, self.rma = Tr(), Rma()

    def update(self, high: float, low: float, close: float, length: int) -> float:
        return self.rma.update(self.tr.update(high, low, close, True), length)


class Stdev(_Skip):
    name = "ta.stdev"
    __slots__ = ()

    def update(self, source: float, length: int, biased: bool = True) -> float:
        w = self._window(source, length)
        return NAN if w is None else math.sqrt(_variance(w, len(w), biased))


class Variance(_Skip):
    name = "ta.variance"
    __slots__ = ()

    def update(self, source: float, length: int, biased: bool = True) -> float:
        w = self._window(source, length)
        return NAN if w is None else _variance(w, len(w), biased)


class Dev(_Skip):
    name = "ta.dev"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, length)
        return NAN if w is None else _mean_and_dev(w, len(w), 1)[1] / len(w)


class Cci(_Skip):
    name = "ta.cci"
    __slots__ = ("sma",)

    def __init__(self) -> None:
        super().__init__()
        self.sma = Sma()

    def update(self, source: float, length: int) -> float:
        average = self.sma.update(source, length)
        w = self._window(source, length)
        if w is None:
            return NAN
        n = len(w)
        _, acc = _mean_and_dev(w, n, 1)
        return _div(source - average, 0.015 * (acc / n))


class Bb:
    __slots__ = ("sma", "stdev")

    def __init__(self) -> None:
        self.sma, self.stdev = Sma(), Stdev()

    def update(self, series: float, length: int, mult: float) -> tuple[float, float, float]:
        basis = self.sma.update(series, length)
        dev = mult * self.stdev.update(series, length)
        return basis, basis + dev, basis - dev


class Bbw:
    __slots__ = ("bb",)

    def __init__(self) -> None:
        self.bb = Bb()

    def update(self, series: float, length: int, mult: float) -> float:
        basis, upper, lower = self.bb.update(series, length, mult)
        return _div(upper - lower, basis) * 100.0


class Kc:
    __slots__ = ("basis", "range", "tr")

    def __init__(self) -> None:
        self.basis, self.range, self.tr = Ema(), Ema(), Tr()

    def update(
        self,
        high: float,
        low: float,
        close: float,
        series: float,
        length: int,
        mult: float,
        useTrueRange: bool = True,
    ) -> tuple[float, float, float]:
        basis = self.basis.update(series, length)
        span = self.tr.update(high, low, close) if useTrueRange else high - low
        range_ema = self.range.update(span, length)
        return basis, basis + mult * range_ema, basis - mult * range_ema


class Kcw:
    __slots__ = ("kc",)

    def __init__(self) -> None:
        self.kc = Kc()

    def update(
        self,
        high: float,
        low: float,
        close: float,
        series: float,
        length: int,
        mult: float,
        useTrueRange: bool = True,
    ) -> float:
        basis, upper, lower = self.kc.update(high, low, close, series, length, mult, useTrueRange)
        return _div(upper - lower, basis)


# --------------------------------------------------------------------------- extremes


class Highest(_Skip):
    name = "ta.highest"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, length)
        return NAN if w is None else max(w)


class Lowest(_Skip):
    name = "ta.lowest"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, length)
        return NAN if w is None else min(w)


class _ExtremeBars:
    __slots__ = ("bar", "bars", "buf")
    name = ""
    high = True

    def __init__(self) -> None:
        self.buf: History = History()
        self.bars: History = History()
        self.bar = -1

    def update(self, source: float, length: int) -> float:
        n = _len(length, self.name)
        self.bar += 1
        if source != source:
            return NAN
        self.buf.append(source)
        self.bars.append(self.bar)
        if len(self.buf) > 2 * _KEEP:
            self.buf.keep_last(_KEEP)
            self.bars.keep_last(_KEEP)
        if len(self.buf) < n:
            return NAN
        w = self.buf[-n:]
        best = max(w) if self.high else min(w)
        j = w.index(best)  # the oldest wins a tie, like numpy's argmax
        return float(self.bars[len(self.bars) - n + j] - self.bar)


class Highestbars(_ExtremeBars):
    name = "ta.highestbars"
    __slots__ = ()


class Lowestbars(_ExtremeBars):
    name = "ta.lowestbars"
    high = False
    __slots__ = ()


class Range:
    __slots__ = ("hi", "lo")

    def __init__(self) -> None:
        self.hi, self.lo = Highest(), Lowest()

    def update(self, source: float, length: int) -> float:
        return self.hi.update(source, length) - self.lo.update(source, length)


class Median(_Skip):
    name = "ta.median"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, length)
        return NAN if w is None else _median(sorted(w))


class Mode(_Skip):
    name = "ta.mode"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        w = self._window(source, length)
        return NAN if w is None else tv.mode_of_sorted(sorted(w))


class PercentileNearestRank(_Skip):
    name = "ta.percentile_nearest_rank"
    __slots__ = ()

    def update(self, source: float, length: int, percentage: float) -> float:
        w = self._window(source, length)
        if w is None:
            return NAN
        return sorted(w)[tv.nearest_rank_index(len(w), percentage)]


class PercentileLinearInterpolation(_Skip):
    name = "ta.percentile_linear_interpolation"
    __slots__ = ()

    def update(self, source: float, length: int, percentage: float) -> float:
        w = self._window(source, length)
        if w is None:
            return NAN
        o = sorted(w)
        lo, hi, frac = tv.linear_rank(len(o), percentage)
        return o[lo] + (o[hi] - o[lo]) * frac


class Stoch:
    __slots__ = ("hi", "lo")

    def __init__(self) -> None:
        self.hi, self.lo = Highest(), Lowest()

    def update(self, source: float, high: float, low: float, length: int) -> float:
        lo = self.lo.update(low, length)
        hi = self.hi.update(high, length)
        return _div(100.0 * (source - lo), hi - lo)


class Wpr:
    __slots__ = ("hi", "lo")

    def __init__(self) -> None:
        self.hi, self.lo = Highest(), Lowest()

    def update(self, high: float, low: float, close: float, length: int) -> float:
        hi = self.hi.update(high, length)
        lo = self.lo.update(low, length)
        return _div(100.0 * (close - hi), hi - lo)


class Max:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = NAN

    def update(self, source: float) -> float:
        self.value = _fmax(self.value, source)
        return self.value


class Min:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = NAN

    def update(self, source: float) -> float:
        self.value = _fmin(self.value, source)
        return self.value


# --------------------------------------------------------------------------- conditions


class Crossover:
    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a = self.b = NAN

    def update(self, source1: float, source2: float) -> bool:
        a, b = self.a, self.b
        self.a, self.b = source1, source2
        return source1 > source2 and a <= b


class Crossunder:
    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a = self.b = NAN

    def update(self, source1: float, source2: float) -> bool:
        a, b = self.a, self.b
        self.a, self.b = source1, source2
        return source1 < source2 and a >= b


class Cross:
    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a = self.b = NAN

    def update(self, source1: float, source2: float) -> bool:
        a, b = self.a, self.b
        self.a, self.b = source1, source2
        return (source1 > source2 and a <= b) or (source1 < source2 and a >= b)


class _Monotone:
    __slots__ = ("prev", "run")
    name = ""
    up = True

    def __init__(self) -> None:
        self.prev = NAN
        self.run = 0

    def update(self, source: float, length: int) -> bool:
        n = _len(length, self.name)
        prev, self.prev = self.prev, source
        ok = source > prev if self.up else source < prev
        self.run = self.run + 1 if ok else 0
        return self.run >= n


class Rising(_Monotone):
    name = "ta.rising"
    __slots__ = ()


class Falling(_Monotone):
    name = "ta.falling"
    up = False
    __slots__ = ()


class Barssince:
    __slots__ = ("since",)

    def __init__(self) -> None:
        self.since = -1

    def update(self, condition: bool) -> float:
        if condition:
            self.since = 0
            return 0
        if self.since < 0:
            return NAN
        self.since += 1
        return self.since


class Valuewhen:
    __slots__ = ("hits",)

    def __init__(self) -> None:
        self.hits: History = History()

    def update(self, condition: bool, source: float, occurrence: int) -> float:
        k = _len(occurrence, "ta.valuewhen", 0)
        hits = self.hits
        if condition:
            hits.append(source)
            if len(hits) > k + 1 + 2 * _KEEP:
                hits.keep_last(k + 1 + _KEEP)
        return hits[-1 - k] if len(hits) > k else NAN


class _Pivot(_All):
    __slots__ = ()
    high = True

    def update(self, source: float, leftbars: int, rightbars: int) -> float:
        left = _len(leftbars, self.name, 0)
        right = _len(rightbars, self.name, 0)
        w = self._window(source, left + right + 1)
        return NAN if w is None else tv.pivot_of(w, left, self.high)


class Pivothigh(_Pivot):
    name = "ta.pivothigh"
    __slots__ = ()


class Pivotlow(_Pivot):
    name = "ta.pivotlow"
    high = False
    __slots__ = ()


# --------------------------------------------------------------------------- volume


class Cum:
    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total = 0.0

    def update(self, source: float) -> float:
        if source != source:
            return NAN
        self.total += source
        return self.total


class Vwap:
    """``ta.vwap(source, anchor[, stdev_mult])``; ``anchor`` is a bool (see ``ta_vector.vwap``)."""

    __slots__ = ("sp2v", "spv", "started", "sv")

    def __init__(self) -> None:
        self.started = False
        self.sv = self.spv = self.sp2v = 0.0

    def update(
        self, volume: float, source: float, anchor: bool, stdev_mult: float | None = None
    ) -> float | tuple[float, float, float]:
        if anchor:
            self.started = True
            self.sv = self.spv = self.sp2v = 0.0
        if source == source and volume == volume:
            self.sv += volume
            self.spv += source * volume
            self.sp2v += source * source * volume
        value = _div(self.spv, self.sv) if self.started else NAN
        if stdev_mult is None:
            return value
        if value != value:
            return NAN, NAN, NAN
        var = _div(self.sp2v, self.sv) - value * value
        dev = stdev_mult * math.sqrt(var if var > 0.0 else 0.0)
        return value, value + dev, value - dev


class VolumeIndex:
    """``ta.pvi`` (``positive``) / ``ta.nvi`` state, used by ``ta_vector``."""

    __slots__ = ("close", "positive", "value", "volume")

    def __init__(self, positive: bool) -> None:
        self.positive = positive
        self.value = NAN
        self.close = self.volume = NAN

    def update(self, close: float, volume: float) -> float:
        prev_close, prev_volume = self.close, self.volume
        self.close, self.volume = close, volume
        prev = 1.0 if (self.value != self.value or self.value == 0.0) else self.value
        pc = 0.0 if prev_close != prev_close else prev_close
        cc = 0.0 if close != close else close
        pv = 0.0 if prev_volume != prev_volume else prev_volume
        if cc == 0.0 or pc == 0.0:
            self.value = prev
        elif (volume > pv) if self.positive else (volume < pv):
            self.value = prev + (close - prev_close) / prev_close * prev
        else:
            self.value = prev
        return self.value


# --------------------------------------------------------------------------- composites


class Macd:
    __slots__ = ("fast", "signal", "slow")

    def __init__(self) -> None:
        self.fast, self.slow, self.signal = Ema(), Ema(), Ema()

    def update(
        self, source: float, fastlen: int, slowlen: int, siglen: int
    ) -> tuple[float, float, float]:
        line = self.fast.update(source, fastlen) - self.slow.update(source, slowlen)
        signal = self.signal.update(line, siglen)
        return line, signal, line - signal


class Linreg(_All):
    name = "ta.linreg"
    __slots__ = ()

    def update(self, source: float, length: int, offset: int) -> float:
        n = _len(length, self.name)
        w = self._window(source, n)
        if w is None:
            return NAN
        sum_y = reduce(add, w, 0.0)
        sum_ty = _dot(w, [float(t) for t in range(n)])
        sum_t, sum_tt = tv.linreg_time_sums(n)
        slope = _div(n * sum_ty - sum_t * sum_y, n * sum_tt - sum_t * sum_t)
        intercept = (sum_y - slope * sum_t) / n
        return intercept + slope * (n - 1 - offset)


class Cog(_All):
    name = "ta.cog"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        n = _len(length, self.name)
        w = self._window(source, n)
        if w is None:
            return NAN
        return _div(-_dot(w, [float(n - j) for j in range(n)]), reduce(add, w, 0.0))


class Percentrank(_All):
    name = "ta.percentrank"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        n = _len(length, self.name)
        w = self._window(source, n + 1)
        if w is None or any(v != v for v in w):
            return NAN
        return sum(1 for v in w[:-1] if v <= source) * (100.0 / n)


class Rci(_All):
    name = "ta.rci"
    __slots__ = ()

    def update(self, source: float, length: int) -> float:
        n = _len(length, self.name)
        w = self._window(source, n + 1)  # TradingView's first value is on bar ``length``
        return NAN if w is None else tv.rci_of(w[1:])


class Correlation:
    __slots__ = ("sx", "sy", "x", "xy", "y")

    def __init__(self) -> None:
        self.xy, self.x, self.y, self.sx, self.sy = Sma(), Sma(), Sma(), Stdev(), Stdev()

    def update(self, source1: float, source2: float, length: int) -> float:
        cov = self.xy.update(source1 * source2, length) - self.x.update(
            source1, length
        ) * self.y.update(source2, length)
        return _div(cov, self.sx.update(source1, length) * self.sy.update(source2, length))


class Dmi:
    __slots__ = ("adx", "minus", "ph", "pl", "plus", "rm", "rp", "tr", "trur")

    def __init__(self) -> None:
        self.ph = self.pl = NAN
        self.tr, self.trur, self.rp, self.rm, self.adx = Tr(), Rma(), Rma(), Rma(), Rma()
        self.plus = self.minus = NAN

    def update(
        self,
        high: float,
        low: float,
        close: float,
        diLength: int,
        adxSmoothing: int,
    ) -> tuple[float, float, float]:
        n = _len(diLength, "ta.dmi")
        m = _len(adxSmoothing, "ta.dmi")
        up = high - self.ph
        down = -(low - self.pl)
        self.ph, self.pl = high, low
        plus_dm = NAN if up != up else (up if up > down and up > 0.0 else 0.0)
        minus_dm = NAN if down != down else (down if down > up and down > 0.0 else 0.0)
        trur = self.trur.update(self.tr.update(high, low, close), n)
        plus = _div(100.0 * self.rp.update(plus_dm, n), trur)
        minus = _div(100.0 * self.rm.update(minus_dm, n), trur)
        if plus == plus:
            self.plus = plus
        if minus == minus:
            self.minus = minus
        plus, minus = self.plus, self.minus
        total = plus + minus
        adx = 100.0 * self.adx.update(abs(plus - minus) / (1.0 if total == 0.0 else total), m)
        return plus, minus, adx


class Supertrend:
    __slots__ = ("atr", "i", "prev_atr", "prev_close", "prev_lower", "prev_st", "prev_upper")

    def __init__(self) -> None:
        self.atr = Atr()
        self.i = 0
        self.prev_upper = self.prev_lower = self.prev_st = NAN
        self.prev_close = self.prev_atr = NAN

    def update(
        self,
        high: float,
        low: float,
        close: float,
        factor: float,
        atrPeriod: int,
    ) -> tuple[float, float]:
        n = _len(atrPeriod, "ta.supertrend")
        atr_ = self.atr.update(high, low, close, n)
        src = (high + low) / 2.0
        upper, lower = src + factor * atr_, src - factor * atr_
        pl = 0.0 if self.prev_lower != self.prev_lower else self.prev_lower
        pu = 0.0 if self.prev_upper != self.prev_upper else self.prev_upper
        prev_close = self.prev_close
        if not (lower > pl or prev_close < pl):
            lower = pl
        if not (upper < pu or prev_close > pu):
            upper = pu
        if self.i == 0 or self.prev_atr != self.prev_atr:
            d = 1.0
        elif self.prev_st == pu:
            d = -1.0 if close > upper else 1.0
        else:
            d = 1.0 if close < lower else -1.0
        st = lower if d == -1.0 else upper
        self.i += 1
        self.prev_upper, self.prev_lower, self.prev_st = upper, lower, st
        self.prev_close, self.prev_atr = close, atr_
        return st, d


class Sar:
    __slots__ = ("accel", "below", "c0", "hi", "i", "lo", "max_min", "result")

    def __init__(self) -> None:
        self.i = -1
        self.hi: list[float] = []
        self.lo: list[float] = []
        self.c0 = NAN
        self.result = self.max_min = self.accel = NAN
        self.below = False

    def update(
        self, high: float, low: float, close: float, start: float, inc: float, max: float
    ) -> float:
        maximum = max
        self.i += 1
        i = self.i
        hi, lo = self.hi, self.lo
        hi.append(high)
        lo.append(low)
        if len(hi) > 3:
            del hi[0], lo[0]
        if i == 0:
            self.c0 = close
            return NAN
        result, max_min, accel, below = self.result, self.max_min, self.accel, self.below
        first_trend_bar = False
        if i == 1:
            if close > self.c0:
                below, max_min, result = True, high, lo[-2]
            else:
                below, max_min, result = False, low, hi[-2]
            first_trend_bar = True
            accel = start
        result = result + accel * (max_min - result)
        if below:
            if result > low:
                first_trend_bar, below = True, False
                result = _py_max(high, max_min)
                max_min, accel = low, start
        elif result < high:
            first_trend_bar, below = True, True
            result = _py_min(low, max_min)
            max_min, accel = high, start
        if not first_trend_bar:
            if below:
                if high > max_min:
                    max_min = high
                    accel = _py_min(accel + inc, maximum)
            elif low < max_min:
                max_min = low
                accel = _py_min(accel + inc, maximum)
        if below:
            result = _py_min(result, lo[-2])
            if i > 1:
                result = _py_min(result, lo[-3])
        else:
            result = _py_max(result, hi[-2])
            if i > 1:
                result = _py_max(result, hi[-3])
        self.result, self.max_min, self.accel, self.below = result, max_min, accel, below
        return result


_py_max = max
_py_min = min


# --------------------------------------------------------------------------- pivot point levels


def _pivot_levels(kind: str, o: float, h: float, low: float, c: float, o_next: float) -> list:
    """The 11 levels ``[P, R1, S1, R2, S2, R3, S3, R4, S4, R5, S5]`` of a period with open ``o``,
    high ``h``, low ``low`` and close ``c``; ``o_next`` is the next period's open (Woodie)."""
    r = h - low
    if kind == "Traditional":
        p = (h + low + c) / 3
        return [
            p,
            p * 2 - low,
            p * 2 - h,
            p + r,
            p - r,
            p * 2 + (h - 2 * low),
            p * 2 - (2 * h - low),
            p * 3 + (h - 3 * low),
            p * 3 - (3 * h - low),
            p * 4 + (h - 4 * low),
            p * 4 - (4 * h - low),
        ]
    if kind == "Fibonacci":
        p = (h + low + c) / 3
        return [
            p,
            p + 0.382 * r,
            p - 0.382 * r,
            p + 0.618 * r,
            p - 0.618 * r,
            p + r,
            p - r,
            NAN,
            NAN,
            NAN,
            NAN,
        ]
    if kind == "Woodie":
        p = (h + low + 2 * o_next) / 4
        r3 = h + 2 * (p - low)
        s3 = low - 2 * (h - p)
        return [p, 2 * p - low, 2 * p - h, p + r, p - r, r3, s3, r3 + r, s3 - r, NAN, NAN]
    if kind == "Classic":
        p = (h + low + c) / 3
        return [
            p,
            2 * p - low,
            2 * p - h,
            p + r,
            p - r,
            p + 2 * r,
            p - 2 * r,
            p + 3 * r,
            p - 3 * r,
            NAN,
            NAN,
        ]
    if kind == "DM":
        if c == o:
            x = h + low + 2 * c
        elif c > o:
            x = 2 * h + low + c
        else:
            x = 2 * low + h + c
        return [x / 4, x / 2 - low, x / 2 - h, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN]
    # Camarilla (the caller validated ``kind``)
    p = (h + low + c) / 3
    r5 = _div(h, low) * c
    return [
        p,
        c + r * 1.1 / 12,
        c - r * 1.1 / 12,
        c + r * 1.1 / 6,
        c - r * 1.1 / 6,
        c + r * 1.1 / 4,
        c - r * 1.1 / 4,
        c + r * 1.1 / 2,
        c - r * 1.1 / 2,
        r5,
        c - (r5 - c),
    ]


_PIVOT_TYPES = ("Traditional", "Fibonacci", "Woodie", "Classic", "DM", "Camarilla")


class PivotPointLevels:
    """``ta.pivot_point_levels(type, anchor, developing)``: a new list of the 11 levels
    ``[P, R1, S1, R2, S2, R3, S3, R4, S4, R5, S5]`` per bar (levels ``type`` lacks are ``na``).

    A period runs from bar 0 or a bar where ``anchor`` is true up to the next such bar. Not
    developing, the levels come from the last completed period's open, high, low and close
    (Woodie: its high and low and the current period's open) and stay ``na`` until the first
    anchor after bar 0; developing, they come from the current period so far."""

    __slots__ = ("cur", "prev", "started")

    def __init__(self) -> None:
        self.started = False
        self.cur = [NAN, NAN, NAN, NAN]  # the current period's open, high, low, close so far
        self.prev: list[float] | None = None  # the last completed period's

    def update(
        self,
        open: float,
        high: float,
        low: float,
        close: float,
        type: str,
        anchor: bool,
        developing: bool = False,
    ) -> list[float]:
        if type not in _PIVOT_TYPES:
            raise PineRuntimeError(
                f"ta.pivot_point_levels: invalid type {type!r}; it must be one of "
                + ", ".join(f'"{t}"' for t in _PIVOT_TYPES)
            )
        if developing and type == "Woodie":
            raise PineRuntimeError(
                'ta.pivot_point_levels: developing cannot be true when type is "Woodie"'
            )
        cur = self.cur
        if anchor or not self.started:
            if anchor and self.started:
                self.prev = cur
            self.started = True
            cur = self.cur = [open, high, low, close]
        else:
            if cur[0] != cur[0]:
                cur[0] = open
            cur[1] = _fmax(cur[1], high)
            cur[2] = _fmin(cur[2], low)
            if close == close:
                cur[3] = close
        if developing:
            o, h, lo, c = cur
            return _pivot_levels(type, o, h, lo, c, NAN)
        prev = self.prev
        if prev is None:
            return [NAN] * 11
        o, h, lo, c = prev
        return _pivot_levels(type, o, h, lo, c, cur[0])


# --------------------------------------------------------------------------- repeated calls

_MISSING = object()
_SLOTS: dict[type, tuple[str, ...]] = {}


def _slots(cls: type) -> tuple[str, ...]:
    names = _SLOTS.get(cls)
    if names is None:
        found: list[str] = []
        for klass in cls.__mro__:
            for name in klass.__dict__.get("__slots__", ()):
                if name not in found:
                    found.append(name)
        names = _SLOTS[cls] = tuple(found)
    return names


class _Nested:
    """A nested state object (``Atr``'s ``Rma``, ``Macd``'s ``Ema`` ...) and its snapshot."""

    __slots__ = ("obj", "snapshot")

    def __init__(self, obj: object) -> None:
        self.obj = obj
        self.snapshot = _snapshot(obj)


class _Mark:
    """A :class:`History` and how many values it had received at the snapshot."""

    __slots__ = ("history", "total")

    def __init__(self, history: History) -> None:
        self.history = history
        self.total = len(history) + history.dropped


def _is_state(value: object) -> bool:
    """A state object kept by a call site: a call-site class, or an accumulator such as
    :class:`ta_vector.RollingSum` (slotted, from one of the runtime's state modules)."""
    cls = type(value)
    if "__slots__" not in dir(cls) or cls.__module__ not in _STATE_MODULES:
        return False
    return hasattr(cls, "update") or hasattr(cls, "push")


_STATE_MODULES = (__name__, "pineopt.runtime.ops", "pineopt.runtime.ta_vector")


def _snapshot(obj: object) -> list:
    """The state of a call-site object: its slots, lists copied, nested states snapshotted."""
    out = []
    for name in _slots(type(obj)):
        value = getattr(obj, name, _MISSING)
        if type(value) is History:
            value = _Mark(value)
        elif type(value) is list:
            value = list(value)
        elif type(value) is dict:
            value = dict(value)
        elif _is_state(value):
            value = _Nested(value)
        out.append((name, value))
    return out


def _restore(obj: object, snapshot: list) -> None:
    for name, value in snapshot:
        if value is _MISSING:
            if hasattr(obj, name):
                delattr(obj, name)
        elif type(value) is list:
            setattr(obj, name, list(value))
        elif type(value) is dict:
            setattr(obj, name, dict(value))
        elif type(value) is _Mark:
            history = value.history
            extra = len(history) + history.dropped - value.total
            if extra > 0:
                del history[-extra:]
            setattr(obj, name, history)
        elif type(value) is _Nested:
            _restore(value.obj, value.snapshot)
            setattr(obj, name, value.obj)
        else:
            setattr(obj, name, value)


class PerBar:
    """A call site that can run several times on one bar (in a loop body, or in a function
    called from one): Pine keeps one sample per bar for it, so a later call on the same bar
    *replaces* that bar's sample instead of adding one. Each call on a bar starts from the
    state the site had when the bar began (the previous bar's last call); the bar's last
    call is the one that stays. ``update(bar_index, *args)`` wraps the inner ``update``."""

    __slots__ = ("bar", "inner", "saved")

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.bar = -1
        self.saved: list = []

    def update(self, bar: int, *args: object, **kwargs: object) -> object:
        if bar == self.bar:
            _restore(self.inner, self.saved)
        else:
            self.bar = bar
            self.saved = _snapshot(self.inner)
        return self.inner.update(*args, **kwargs)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- tables

IMPLICIT: dict[str, tuple[str, ...]] = {
    "ta.atr": ("high", "low", "close"),
    "ta.dmi": ("high", "low", "close"),
    "ta.kc": ("high", "low", "close"),
    "ta.kcw": ("high", "low", "close"),
    "ta.sar": ("high", "low", "close"),
    "ta.supertrend": ("high", "low", "close"),
    "ta.tr": ("high", "low", "close"),
    "ta.wpr": ("high", "low", "close"),
    "ta.mfi": ("volume",),
    "ta.pivot_point_levels": ("open", "high", "low", "close"),
    "ta.vwap": ("volume",),
    "ta.vwma": ("volume",),
}
"""Pine name -> bar series the compiler passes first, in this order, to both the class's
``update`` and the ``ta_vector`` function. Names not listed take none."""

CLASSES: dict[str, type] = {
    "ta.alma": Alma,
    "ta.atr": Atr,
    "ta.barssince": Barssince,
    "ta.bb": Bb,
    "ta.bbw": Bbw,
    "ta.cci": Cci,
    "ta.change": Change,
    "ta.cmo": Cmo,
    "ta.cog": Cog,
    "ta.correlation": Correlation,
    "ta.cross": Cross,
    "ta.crossover": Crossover,
    "ta.crossunder": Crossunder,
    "ta.cum": Cum,
    "ta.dev": Dev,
    "ta.dmi": Dmi,
    "ta.ema": Ema,
    "ta.falling": Falling,
    "ta.highest": Highest,
    "ta.highestbars": Highestbars,
    "ta.hma": Hma,
    "ta.kc": Kc,
    "ta.kcw": Kcw,
    "ta.linreg": Linreg,
    "ta.lowest": Lowest,
    "ta.lowestbars": Lowestbars,
    "ta.macd": Macd,
    "ta.max": Max,
    "ta.median": Median,
    "ta.mfi": Mfi,
    "ta.min": Min,
    "ta.mode": Mode,
    "ta.mom": Mom,
    "ta.percentile_linear_interpolation": PercentileLinearInterpolation,
    "ta.percentile_nearest_rank": PercentileNearestRank,
    "ta.percentrank": Percentrank,
    "ta.pivothigh": Pivothigh,
    "ta.pivotlow": Pivotlow,
    "ta.pivot_point_levels": PivotPointLevels,
    "ta.range": Range,
    "ta.rci": Rci,
    "ta.rising": Rising,
    "ta.rma": Rma,
    "ta.roc": Roc,
    "ta.rsi": Rsi,
    "ta.sar": Sar,
    "ta.sma": Sma,
    "ta.stdev": Stdev,
    "ta.stoch": Stoch,
    "ta.supertrend": Supertrend,
    "ta.swma": Swma,
    "ta.tr": Tr,
    "ta.tsi": Tsi,
    "ta.valuewhen": Valuewhen,
    "ta.variance": Variance,
    "ta.vwap": Vwap,
    "ta.vwma": Vwma,
    "ta.wma": Wma,
    "ta.wpr": Wpr,
    "math.sum": MathSum,
}
"""Pine function name -> per-call-site class."""

_BAR_ONLY = frozenset({"ta.pivot_point_levels"})
"""Per-bar only (an array per bar): no ``ta_vector`` function, not in :data:`VECTOR`."""

VECTOR: dict[str, object] = {
    name: getattr(
        tv,
        {"ta.max": "max_", "ta.min": "min_", "ta.range": "range_"}.get(
            name, "math_sum" if name == "math.sum" else name[3:]
        ),
    )
    for name in CLASSES
    if name not in _BAR_ONLY
}
"""Pine function name -> ``ta_vector`` function (same argument order as ``update``)."""

VARIABLES: dict[str, tuple[object, tuple[str, ...]]] = {
    "ta.accdist": (tv.accdist, ("high", "low", "close", "volume")),
    "ta.iii": (tv.iii, ("high", "low", "close", "volume")),
    "ta.nvi": (tv.nvi, ("close", "volume")),
    "ta.obv": (tv.obv, ("close", "volume")),
    "ta.pvi": (tv.pvi, ("close", "volume")),
    "ta.pvt": (tv.pvt, ("close", "volume")),
    "ta.tr": (tv.tr, ("high", "low", "close")),
    "ta.vwap": (tv.vwap, ("volume", "hlc3", "anchor")),
    "ta.wad": (tv.wad, ("high", "low", "close")),
    "ta.wvad": (tv.wvad, ("open", "high", "low", "close", "volume")),
}
"""Pine ``ta`` variable -> (``ta_vector`` function, its arguments). Always vectorised.
``ta.vwap``'s ``anchor`` is the default anchor (a new trading day) as a bool array."""
