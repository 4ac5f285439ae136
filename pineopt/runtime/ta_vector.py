"""Pine's ``ta`` namespace over a whole history at once (the vectorised path).

Every function takes float64 numpy arrays (``na`` is NaN) that hold one value per bar and
returns what TradingView plots on every bar, warm-up ``na`` included. Bool results are numpy
bool arrays (a v6 bool is never ``na``; it is ``False`` where Pine has no value).

Two families of ``na`` handling (LANGUAGE-NOTES §12):

* **na ignored** (``sma``, ``ema``, ``rma``, ``wma``, ``stdev``, ``highest``, ``rsi`` …): a bar
  whose input is ``na`` gives ``na`` and does not advance the state, so the window always holds
  the last ``length`` non-``na`` inputs. Implemented by computing over the non-``na`` bars only
  and scattering the result back (:func:`_skip_na`).
* **na included** (``change``, ``mom``, ``alma``, ``swma``, ``linreg``, ``percentrank``): any
  ``na`` in the window makes the result ``na``.

``sma`` (and the seed of ``ema``/``rma``) is TradingView's rolling compensated sum
(:class:`RollingSum`, one object both paths step). Other window sums are computed per window,
never as differences of a running cumulative sum (whose rounding drifts over long histories),
adding the window's values oldest first from 0.0: the order ``ta_series`` repeats, so both paths
give the same bits. Implicit bar series (``high``, ``low``,
``close``, ``volume``) come first in every signature, in the order of ``ta_series.IMPLICIT``.
Recursive indicators (``ema``, ``rma``,
``sar``, ``supertrend``) are plain O(n) loops.

The functions that step bar by bar in Python or sum ``length`` shifted copies are
:func:`~pineopt.runtime.shared.shared`: a sweep that calls them again with the same arguments
(same bars, same lengths) gets a copy of the first result.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from pineopt.errors import PineRuntimeError
from pineopt.runtime.shared import shared

Array = np.ndarray

__all__ = [
    "accdist",
    "alma",
    "atr",
    "barssince",
    "bb",
    "bbw",
    "cci",
    "change",
    "cmo",
    "cog",
    "correlation",
    "cross",
    "crossover",
    "crossunder",
    "cum",
    "dev",
    "dmi",
    "ema",
    "falling",
    "highest",
    "highestbars",
    "hma",
    "iii",
    "kc",
    "kcw",
    "linreg",
    "lowest",
    "lowestbars",
    "macd",
    "math_sum",
    "max_",
    "median",
    "mfi",
    "min_",
    "mode",
    "mom",
    "nvi",
    "obv",
    "percentile_linear_interpolation",
    "percentile_nearest_rank",
    "percentrank",
    "pivothigh",
    "pivotlow",
    "pvi",
    "pvt",
    "range_",
    "rci",
    "rising",
    "rma",
    "roc",
    "rsi",
    "sar",
    "sma",
    "stdev",
    "stoch",
    "supertrend",
    "swma",
    "tr",
    "tsi",
    "valuewhen",
    "variance",
    "vwap",
    "vwma",
    "wad",
    "wma",
    "wpr",
    "wvad",
]


# --------------------------------------------------------------------------- helpers


def _f64(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


def _length(length: object, name: str, *, minimum: int = 1) -> int:
    """Validate a ``length`` argument the way Pine's runtime does (``name`` is a ``ta`` function
    name, or a qualified one such as ``math.sum``). A fractional length - an ``int / int``
    keeps its fraction - is truncated toward zero (LANGUAGE-NOTES §10)."""
    name = name if "." in name else f"ta.{name}"
    try:
        value = int(length)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise PineRuntimeError(f"{name}: invalid length {length!r}") from None
    if value < minimum:
        raise PineRuntimeError(f"{name}: invalid length argument {value}; it must be >= {minimum}")
    return value


def _windows(x: Array, n: int) -> Array:
    """Windows of ``n`` values ending on bars ``n-1 .. len-1`` (oldest first in each row)."""
    if len(x) < n:
        return np.empty((0, n), dtype=x.dtype)
    return sliding_window_view(x, n)


def _pad(values: Array, total: int, fill: float = np.nan) -> Array:
    """Left-pad ``values`` (one per complete window) to ``total`` bars."""
    out = np.full(total, fill, dtype=np.float64)
    if len(values):
        out[total - len(values) :] = values
    return out


def _shift(x: Array, k: int = 1, fill: float = np.nan) -> Array:
    """``x[k]`` in Pine terms (history reference)."""
    out = np.full(len(x), fill, dtype=np.float64)
    if k < len(x):
        out[k:] = x[: len(x) - k]
    return out


def _skip_na(fn: Callable[..., object], *arrays: Array) -> object:
    """Run ``fn`` over the bars where no input is ``na`` and scatter results back."""
    mask = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        mask &= ~np.isnan(a)
    if mask.all():
        return fn(*arrays)
    result = fn(*(a[mask] for a in arrays))

    def scatter(r: Array) -> Array:
        out = np.full(len(mask), np.nan)
        out[mask] = r
        return out

    if isinstance(result, tuple):
        return tuple(scatter(r) for r in result)
    return scatter(result)  # type: ignore[arg-type]


def _seq_sum(x: Array, n: int) -> Array:
    """Sum of each complete window of ``n`` values, added oldest first starting from 0.0 (the
    order ``ta_series`` repeats with ``functools.reduce``, so both paths give the same bits)."""
    k = len(x) - n + 1
    acc = np.zeros(max(k, 0))
    if k <= 0:
        return acc
    for j in range(n):
        acc = acc + x[j : j + k]
    return acc


def _seq_dot(x: Array, weights: list[float]) -> Array:
    """``sum(w[j] * x[j])`` over each complete window, oldest first, starting from 0.0."""
    n = len(weights)
    k = len(x) - n + 1
    acc = np.zeros(max(k, 0))
    if k <= 0:
        return acc
    for j in range(n):
        acc = acc + x[j : j + k] * weights[j]
    return acc


def _window_sum(x: Array, n: int) -> Array:
    return _pad(_seq_sum(x, n), len(x))


class RollingSum:
    """TradingView's rolling window sum (``math.sum``, and ``ta.sma`` = this / ``length``): a
    compensated accumulator that each bar evicts the entry stored ``length`` values ago and adds
    the new value, instead of summing the window afresh.

    State: the sum ``s``, its compensation ``c`` and, per stored value, the *entry* it was added
    with (what left the accumulator for it, which is not the raw value once ``c`` is non-zero).
    A bar with value ``x``:

    * **re-baseline** when ``c != 0``, ``x != 0`` and the rounding of ``x + |c|`` drops part of
      ``|c|`` (``|c| - ((x + |c|) - x) > 0``): ``s`` becomes the plain sum of the window's raw
      values newest first (``x + x[1] + ... + x[length-1]``), ``c = 0``, the entry is ``x``;
    * **filling** (at most ``length`` values seen): one compensated add, ``y = x - c``,
      ``s' = s + y``, ``c = (s' - s) - y``; the entry is ``y``;
    * **steady**: with ``d`` the entry of the value leaving, ``y1 = -d - c``, ``t = s + y1``,
      ``y2 = x - ((t - s) - y1)``, ``s' = t + y2``, ``c = (s' - t) - y2``; the entry is ``y2``.

    The sum is reported once ``length`` values are in. This is PyneCore's published
    measurement of Pine's engine; on TradingView's trades it decides the exact ties the way
    TradingView does: the stochastic RSI probe's %K/%D ties (``k`` pinned at 0 or 100 for a few
    bars, ``d`` landing a hair above or below it) go TradingView's way on 137 of 138 (the plain
    running sum: about half), and so do the three exact ties of the exports. Note that a value
    leaves with the entry it was stored with: after a run of zeros the sum can sit at a few
    1e-17 instead of 0. The state is plain floats and lists, so ``ta_series`` steps the same
    object bar by bar.
    """

    __slots__ = ("c", "entries", "n", "raw", "s")

    def __init__(self, n: int) -> None:
        self.n = n
        self.s = 0.0
        self.c = 0.0
        self.raw: list[float] = []
        self.entries: list[float] = []

    def push(self, x: float) -> float:
        """Add the next value; the window sum, or NaN until ``n`` values are in."""
        n = self.n
        raw, entries = self.raw, self.entries
        raw.append(x)
        c = self.c
        fires = False
        if c != 0.0 and x != 0.0:
            b = c if c > 0.0 else -c
            r = x + b
            if r != 0.0 and r - r == 0.0:  # finite
                fires = b - (r - x) > 0.0
        if fires:
            total = x
            for j in range(2, min(len(raw), n) + 1):
                total += raw[-j]
            self.s, self.c = total, 0.0
            entries.append(x)
        elif len(raw) <= n:
            s = self.s
            y = x - c
            total = s + y
            self.s, self.c = total, (total - s) - y
            entries.append(y)
        else:
            s = self.s
            y1 = -entries[-n] - c
            t = s + y1
            y2 = x - ((t - s) - y1)
            total = t + y2
            self.s, self.c = total, (total - t) - y2
            entries.append(y2)
        if len(raw) > 2 * n + 64:  # keep the window and the entry that leaves next
            del raw[: -n - 1], entries[: -n - 1]
        return self.s if len(raw) >= n else math.nan


def _rolling_sums(x: Array, n: int) -> Array:
    """:class:`RollingSum` over every value of ``x`` (no ``na``): NaN until ``n`` are in.

    The same operations as :meth:`RollingSum.push` in the same order (so the same bits), on
    the whole history at once with local variables instead of one method call per value."""
    values = x.tolist()
    out = [math.nan] * len(values)
    entries = [0.0] * len(values)
    s = c = 0.0
    for i, v in enumerate(values):
        if c != 0.0 and v != 0.0:
            b = c if c > 0.0 else -c
            r = v + b
            if r != 0.0 and r - r == 0.0 and b - (r - v) > 0.0:  # re-baseline
                total = v
                for k in range(i - 1, max(i - n, -1), -1):
                    total += values[k]
                s, c = total, 0.0
                entries[i] = v
                if i >= n - 1:
                    out[i] = s
                continue
        if i < n:
            y = v - c
            total = s + y
            s, c = total, (total - s) - y
            entries[i] = y
        else:
            y1 = -entries[i - n] - c
            t = s + y1
            y2 = v - ((t - s) - y1)
            total = t + y2
            s, c = total, (total - t) - y2
            entries[i] = y2
        if i >= n - 1:
            out[i] = s
    return np.array(out, dtype=np.float64)


def _recursive_ma(x: Array, n: int, alpha: float | None) -> Array:
    """Seeded with ``ta.sma`` of the first ``n`` values (the rolling sum / ``n``), then
    ``alpha * x + (1 - alpha) * prev`` (``ema``), or ``(prev * (n - 1) + x) / n`` when
    ``alpha`` is None (``rma``: TradingView's Wilder step; the ``alpha = 1/n`` form differs
    from it in the last bits on most bars, which moves exact ties of oscillators built on it)."""
    out = np.full(len(x), np.nan)
    if len(x) < n:
        return out
    values = x.tolist()
    acc = RollingSum(n)
    for v in values[:n]:
        prev = acc.push(v)
    prev /= n
    out[n - 1] = prev
    if alpha is None:
        m = n - 1
        for i in range(n, len(values)):
            prev = (prev * m + values[i]) / n
            out[i] = prev
        return out
    beta = 1.0 - alpha
    for i in range(n, len(values)):
        prev = alpha * values[i] + beta * prev
        out[i] = prev
    return out


# --------------------------------------------------------------------------- moving averages


@shared
def sma(source: Array, length: int) -> Array:
    """``ta.sma``: mean of the last ``length`` non-``na`` values: TradingView's rolling window
    sum (:class:`RollingSum`) divided by ``length``.

    Its rounding decides exact ties: where two averages are equal in exact arithmetic (a %K
    pinned at 0 or 100 for a few bars and its %D catching up), TradingView's exports cross or
    not as the compensated sum's last bits say. Measured on the stochastic RSI probe (138 such
    ties, from the chart's first bar): this accumulator reproduces 137 (the other one falls 50
    bars after the chart's first bar, where the window warm-up still matters),
    the plain running sum (subtract ``x[length]``, add ``x``) about half; it also reproduces
    the three exact ties of the exports (``valuewhen.csv`` bar 116, ``futures_pnl`` trades
    203-204 and 281-282)."""
    n = _length(length, "sma")
    return _skip_na(lambda x: _running_mean(x, n), _f64(source))


def _running_mean(x: Array, n: int) -> Array:
    return _rolling_sums(x, n) / n


@shared
def ema(source: Array, length: int) -> Array:
    """``ta.ema``: α = 2/(length+1), seeded with the SMA (:func:`sma`) of the first ``length``
    values, then ``α·x + (1 - α)·prev``."""
    n = _length(length, "ema")
    return _skip_na(lambda x: _recursive_ma(x, n, 2.0 / (n + 1)), _f64(source))


@shared
def rma(source: Array, length: int) -> Array:
    """``ta.rma`` (Wilder): seeded with the SMA of the first ``length`` values, then
    ``(prev * (length - 1) + x) / length`` (not ``α·x + (1 - α)·prev`` with α = 1/length: the
    last bits differ on most bars, and the stochastic RSI probe's ties need this form)."""
    n = _length(length, "rma")
    return _skip_na(lambda x: _recursive_ma(x, n, None), _f64(source))


@shared
def wma(source: Array, length: int) -> Array:
    """``ta.wma``: linear weights ``1 .. length`` (newest heaviest)."""
    n = _length(length, "wma")
    weights = [float(i) for i in range(1, n + 1)]
    norm = n * (n + 1) / 2.0
    return _skip_na(lambda x: _pad(_seq_dot(x, weights) / norm, len(x)), _f64(source))


def vwma(volume: Array, source: Array, length: int) -> Array:
    """``ta.vwma``: ``sma(source * volume) / sma(volume)``."""
    n = _length(length, "vwma")
    src, vol = _f64(source), _f64(volume)
    return sma(src * vol, n) / sma(vol, n)


def swma(source: Array) -> Array:
    """``ta.swma``: weights 1/6, 2/6, 2/6, 1/6 over the last 4 bars; ``na`` propagates."""
    x = _f64(source)
    return _pad(_seq_dot(x, SWMA_WEIGHTS), len(x))


def alma(source: Array, length: int, offset: float, sigma: float, floor: bool = False) -> Array:
    """``ta.alma``: Gaussian weights centred at ``offset * (length - 1)``; ``na`` propagates."""
    n = _length(length, "alma")
    x = _f64(source)
    weights, norm = alma_weights(n, offset, sigma, floor)
    return _pad(_seq_dot(x, weights) / norm, len(x))


SWMA_WEIGHTS = [1.0 / 6.0, 2.0 / 6.0, 2.0 / 6.0, 1.0 / 6.0]


def alma_weights(n: int, offset: float, sigma: float, floor: bool) -> tuple[list[float], float]:
    """ALMA's Gaussian weights (oldest first) and their sum, with ``math.exp`` (shared by both
    paths)."""
    m = offset * (n - 1)
    if floor:
        m = math.floor(m)
    s = n / sigma
    weights = [math.exp(-((i - m) ** 2) / (2.0 * s * s)) for i in range(n)]
    norm = 0.0
    for w in weights:
        norm += w
    return weights, norm


def hma(source: Array, length: int) -> Array:
    """``ta.hma``: ``wma(2 * wma(x, length / 2) - wma(x, length), floor(sqrt(length)))``."""
    n = _length(length, "hma", minimum=2)
    x = _f64(source)
    inner = 2.0 * wma(x, n // 2) - wma(x, n)
    return wma(inner, math.floor(math.sqrt(n)))


# --------------------------------------------------------------------------- oscillators


def change(source: Array, length: int = 1) -> Array:
    """``ta.change``: ``x - x[length]``; for bool input, ``x != x[length]`` (False in warm-up)."""
    n = _length(length, "change", minimum=0)
    src = np.asarray(source)
    if src.dtype == bool:
        out = np.zeros(len(src), dtype=bool)
        out[n:] = src[n:] != src[: len(src) - n]
        return out
    x = _f64(src)
    return x - _shift(x, n)


def mom(source: Array, length: int) -> Array:
    """``ta.mom``: ``x - x[length]``."""
    n = _length(length, "mom")
    x = _f64(source)
    return x - _shift(x, n)


@shared
def rsi(source: Array, length: int) -> Array:
    """``ta.rsi``: Wilder RSI; 100 when losses are 0, 0 when gains are 0."""
    n = _length(length, "rsi")

    def compute(x: Array) -> Array:
        delta = x - _shift(x)
        up = rma(np.maximum(delta, 0.0), n)
        down = rma(np.maximum(-delta, 0.0), n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 100.0 - 100.0 / (1.0 + up / down)
        out = np.where(down == 0.0, 100.0, np.where(up == 0.0, 0.0, out))
        out[np.isnan(up) | np.isnan(down)] = np.nan
        return out

    return _skip_na(compute, _f64(source))  # type: ignore[return-value]


def cmo(source: Array, length: int) -> Array:
    """``ta.cmo``: Chande momentum oscillator over ``length`` changes."""
    n = _length(length, "cmo")
    delta = change(_f64(source))
    up = _math_sum(np.where(delta >= 0.0, delta, 0.0), n)
    down = _math_sum(np.where(delta >= 0.0, 0.0, -delta), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (up - down) / (up + down)


def _math_sum(x: Array, n: int) -> Array:
    """``math.sum``: window sum of the last ``n`` non-``na`` values (:class:`RollingSum`)."""
    return _skip_na(lambda v: _rolling_sums(v, n), x)  # type: ignore[return-value]


@shared
def math_sum(source: Array, length: int) -> Array:
    """``math.sum(source, length)``: the sum of the last ``length`` non-``na`` values (an ``na``
    bar gives ``na`` and is skipped), kept by TradingView's rolling sum (:class:`RollingSum`,
    the accumulator of ``ta.sma``)."""
    return _math_sum(_f64(source), _length(length, "math.sum"))


@shared
def tsi(source: Array, short_length: int, long_length: int) -> Array:
    """``ta.tsi``: double-smoothed momentum over double-smoothed absolute momentum."""
    s = _length(short_length, "tsi")
    lg = _length(long_length, "tsi")
    pc = change(_f64(source))
    num = ema(ema(pc, lg), s)
    den = ema(ema(np.abs(pc), lg), s)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


# --------------------------------------------------------------------------- volatility


def tr(high: Array, low: Array, close: Array, handle_na: bool = False) -> Array:
    """``ta.tr(handle_na)``: true range; bar 0 is ``high - low`` only with ``handle_na``."""
    h, lo, c = _f64(high), _f64(low), _f64(close)
    prev = _shift(c)
    out = np.fmax(h - lo, np.fmax(np.abs(h - prev), np.abs(lo - prev)))
    out[np.isnan(h - lo)] = np.nan
    if handle_na:
        out = np.where(np.isnan(prev), h - lo, out)
    else:
        out[np.isnan(prev)] = np.nan
    return out


@shared
def atr(high: Array, low: Array, close: Array, length: int) -> Array:
    """``ta.atr``: ``rma(tr(true), length)``."""
    n = _length(length, "atr")
    return rma(tr(high, low, close, True), n)


def _moments(x: Array, n: int, power: int) -> tuple[Array, Array]:
    """Per complete window: the mean and the sequential sum of ``|v - mean|`` (``power`` 1) or
    ``(v - mean) * (v - mean)`` (``power`` 2)."""
    k = len(x) - n + 1
    mean = _seq_sum(x, n) / n
    acc = np.zeros(max(k, 0))
    for j in range(n if k > 0 else 0):
        d = x[j : j + k] - mean
        acc = acc + (np.abs(d) if power == 1 else d * d)
    return mean, acc


def _variance(x: Array, n: int, biased: bool) -> Array:
    _, ss = _moments(x, n, 2)
    denom = n if biased else n - 1
    return _pad(ss / denom if denom else np.full(len(ss), np.nan), len(x))


@shared
def variance(source: Array, length: int, biased: bool = True) -> Array:
    """``ta.variance``: population (``biased``) or sample variance of the last ``length``
    non-``na`` values."""
    n = _length(length, "variance")
    return _skip_na(lambda x: _variance(x, n, biased), _f64(source))  # type: ignore[return-value]


@shared
def stdev(source: Array, length: int, biased: bool = True) -> Array:
    """``ta.stdev``: population (``biased``) or sample standard deviation."""
    n = _length(length, "stdev")
    return _skip_na(lambda x: np.sqrt(_variance(x, n, biased)), _f64(source))  # type: ignore


def _mean_dev(x: Array, n: int) -> Array:
    _, acc = _moments(x, n, 1)
    return _pad(acc / n, len(x))


@shared
def dev(source: Array, length: int) -> Array:
    """``ta.dev``: mean absolute deviation from the ``sma`` of the last ``length`` non-``na``
    values."""
    n = _length(length, "dev")
    return _skip_na(lambda x: _mean_dev(x, n), _f64(source))  # type: ignore[return-value]


@shared
def cci(source: Array, length: int) -> Array:
    """``ta.cci``: ``(x - sma) / (0.015 * mean absolute deviation)``."""
    n = _length(length, "cci")

    def compute(x: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (x - sma(x, n)) / (0.015 * _mean_dev(x, n))

    return _skip_na(compute, _f64(source))  # type: ignore[return-value]


def bb(source: Array, length: int, mult: float) -> tuple[Array, Array, Array]:
    """``ta.bb``: ``[basis, upper, lower]`` with ``basis = sma`` and a biased ``stdev``."""
    n = _length(length, "bb")
    x = _f64(source)
    basis = sma(x, n)
    dev = mult * stdev(x, n)
    return basis, basis + dev, basis - dev


def bbw(source: Array, length: int, mult: float) -> Array:
    """``ta.bbw``: ``(upper - lower) / basis * 100``."""
    basis, upper, lower = bb(source, length, mult)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (upper - lower) / basis * 100.0


def kc(
    high: Array,
    low: Array,
    close: Array,
    source: Array,
    length: int,
    mult: float,
    use_true_range: bool = True,
) -> tuple[Array, Array, Array]:
    """``ta.kc``: ``[ema(x), ema(x) + mult * ema(range), ema(x) - mult * ema(range)]``."""
    n = _length(length, "kc")
    basis = ema(_f64(source), n)
    span = tr(high, low, close) if use_true_range else _f64(high) - _f64(low)
    range_ema = ema(span, n)
    return basis, basis + mult * range_ema, basis - mult * range_ema


def kcw(
    high: Array,
    low: Array,
    close: Array,
    source: Array,
    length: int,
    mult: float,
    use_true_range: bool = True,
) -> Array:
    """``ta.kcw``: ``(upper - lower) / basis``."""
    basis, upper, lower = kc(high, low, close, source, length, mult, use_true_range)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (upper - lower) / basis


# --------------------------------------------------------------------------- extremes


@shared
def highest(source: Array, length: int) -> Array:
    """``ta.highest``: maximum of the last ``length`` non-``na`` values."""
    n = _length(length, "highest")
    return _skip_na(lambda x: _pad(_windows(x, n).max(axis=1), len(x)), _f64(source))


@shared
def lowest(source: Array, length: int) -> Array:
    """``ta.lowest``: minimum of the last ``length`` non-``na`` values."""
    n = _length(length, "lowest")
    return _skip_na(lambda x: _pad(_windows(x, n).min(axis=1), len(x)), _f64(source))


def _extreme_bars(x: Array, n: int, pick: Callable[..., Array]) -> Array:
    # The oldest bar wins a tie (measured on TradingView's export). ``na`` bars are skipped like
    # ``highest`` does; the offset counts chart bars, ``na`` bars included.
    bars = np.flatnonzero(~np.isnan(x))
    out = np.full(len(x), np.nan)
    w = _windows(x[bars], n)
    if len(w):
        ends = bars[n - 1 :]
        out[ends] = bars[np.arange(len(w)) + pick(w, axis=1)] - ends
    return out


@shared
def highestbars(source: Array, length: int) -> Array:
    """``ta.highestbars``: offset (<= 0) to the highest of the last ``length`` bars."""
    n = _length(length, "highestbars")
    return _extreme_bars(_f64(source), n, np.argmax)


@shared
def lowestbars(source: Array, length: int) -> Array:
    """``ta.lowestbars``: offset (<= 0) to the lowest of the last ``length`` bars."""
    n = _length(length, "lowestbars")
    return _extreme_bars(_f64(source), n, np.argmin)


def range_(source: Array, length: int) -> Array:
    """``ta.range``: ``highest - lowest`` over ``length`` bars."""
    return highest(source, length) - lowest(source, length)


@shared
def median(source: Array, length: int) -> Array:
    """``ta.median``: median of the last ``length`` non-``na`` values."""
    n = _length(length, "median")
    return _skip_na(lambda x: _pad(_median(np.sort(_windows(x, n), axis=1)), len(x)), _f64(source))


def _median(ordered: Array) -> Array:
    n = ordered.shape[1]
    if n % 2:
        return ordered[:, n // 2].copy()
    return (ordered[:, n // 2 - 1] + ordered[:, n // 2]) / 2.0


def stoch(source: Array, high: Array, low: Array, length: int) -> Array:
    """``ta.stoch``: ``100 * (x - lowest(low)) / (highest(high) - lowest(low))``."""
    n = _length(length, "stoch")
    lo = lowest(low, n)
    hi = highest(high, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (_f64(source) - lo) / (hi - lo)


def wpr(high: Array, low: Array, close: Array, length: int) -> Array:
    """``ta.wpr``: Williams %R, ``100 * (close - highest) / (highest - lowest)``."""
    n = _length(length, "wpr")
    hi = highest(high, n)
    lo = lowest(low, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (_f64(close) - hi) / (hi - lo)


# --------------------------------------------------------------------------- conditions


def crossover(a: Array, b: Array) -> Array:
    """``ta.crossover``: ``a > b and a[1] <= b[1]`` (False where any operand is ``na``)."""
    x, y = _f64(a), _f64(b)
    return (x > y) & (_shift(x) <= _shift(y))


def crossunder(a: Array, b: Array) -> Array:
    """``ta.crossunder``: ``a < b and a[1] >= b[1]``."""
    x, y = _f64(a), _f64(b)
    return (x < y) & (_shift(x) >= _shift(y))


def cross(a: Array, b: Array) -> Array:
    """``ta.cross``: crossover or crossunder."""
    return crossover(a, b) | crossunder(a, b)


def _monotone(step_ok: Array, n: int) -> Array:
    """True where the last ``n`` one-bar steps all satisfy the comparison."""
    counts = _pad(_windows(step_ok.astype(np.float64), n).sum(axis=1), len(step_ok), 0.0)
    return counts == n


def rising(source: Array, length: int) -> Array:
    """``ta.rising``: ``x`` rose on each of the last ``length`` bars
    (``x > x[1] > … > x[length]``, measured on TradingView's export)."""
    n = _length(length, "rising")
    x = _f64(source)
    return _monotone(x > _shift(x), n)


def falling(source: Array, length: int) -> Array:
    """``ta.falling``: ``x`` fell on each of the last ``length`` bars
    (``x < x[1] < … < x[length]``)."""
    n = _length(length, "falling")
    x = _f64(source)
    return _monotone(x < _shift(x), n)


def valuewhen(condition: Array, source: Array, occurrence: int) -> Array:
    """``ta.valuewhen``: ``source`` on the ``occurrence``-th most recent bar where
    ``condition`` was true (0 = the latest, possibly this bar)."""
    k = _length(occurrence, "valuewhen", minimum=0)
    cond = np.asarray(condition).astype(bool)
    x = _f64(source)
    hits = np.flatnonzero(cond)
    count = np.cumsum(cond)
    out = np.full(len(x), np.nan)
    ok = count > k
    out[ok] = x[hits[count[ok] - 1 - k]]
    return out


# --------------------------------------------------------------------------- volume


def cum(source: Array) -> Array:
    """``ta.cum``: running total; an ``na`` bar gives ``na`` without resetting the sum."""
    x = _f64(source)
    nan = np.isnan(x)
    out = np.cumsum(np.where(nan, 0.0, x))
    out[nan] = np.nan
    return out


def obv(close: Array, volume: Array) -> Array:
    """``ta.obv``: ``cum(sign(change(close)) * volume)``."""
    return cum(np.sign(change(close)) * _f64(volume))


def accdist(high: Array, low: Array, close: Array, volume: Array) -> Array:
    """``ta.accdist``: cumulative money-flow volume (0 on bars with ``high == low``)."""
    h, lo, c, v = _f64(high), _f64(low), _f64(close), _f64(volume)
    span = h - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        mfv = np.where(span == 0.0, 0.0, ((c - lo) - (h - c)) / span * v)
    return cum(mfv)


@shared
def mfi(volume: Array, source: Array, length: int) -> Array:
    """``ta.mfi``: money-flow index over ``length`` bars."""
    n = _length(length, "mfi")
    x, v = _f64(source), _f64(volume)
    delta = change(x)
    upper = _math_sum(v * np.where(delta <= 0.0, 0.0, x), n)
    lower = _math_sum(v * np.where(delta >= 0.0, 0.0, x), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 - 100.0 / (1.0 + upper / lower)


# --------------------------------------------------------------------------- composites


def macd(
    source: Array, fast_length: int, slow_length: int, signal_length: int
) -> tuple[Array, Array, Array]:
    """``ta.macd``: ``[macd, signal, histogram]``."""
    x = _f64(source)
    line = ema(x, fast_length) - ema(x, slow_length)
    signal = ema(line, signal_length)
    return line, signal, line - signal


@shared
def linreg(source: Array, length: int, offset: int) -> Array:
    """``ta.linreg``: least-squares line over ``length`` bars at ``length - 1 - offset``."""
    n = _length(length, "linreg")
    x = _f64(source)
    sum_y = _seq_sum(x, n)
    sum_ty = _seq_dot(x, [float(t) for t in range(n)])
    sum_t, sum_tt = linreg_time_sums(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (n * sum_ty - sum_t * sum_y) / (n * sum_tt - sum_t * sum_t)
    intercept = (sum_y - slope * sum_t) / n
    return _pad(intercept + slope * (n - 1 - offset), len(x))


def linreg_time_sums(n: int) -> tuple[float, float]:
    """``sum(t)`` and ``sum(t * t)`` for ``t = 0 .. n-1`` (exact integers)."""
    return float(n * (n - 1) // 2), float((n - 1) * n * (2 * n - 1) // 6)


@shared
def cog(source: Array, length: int) -> Array:
    """``ta.cog``: centre of gravity ``-sum(x[i] * (i + 1)) / sum(x)``."""
    n = _length(length, "cog")
    x = _f64(source)
    weights = [float(n - j) for j in range(n)]  # oldest bar has i = n - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return _pad(-_seq_dot(x, weights) / _seq_sum(x, n), len(x))


@shared
def percentrank(source: Array, length: int) -> Array:
    """``ta.percentrank``: % of the previous ``length`` values that are <= the current one."""
    n = _length(length, "percentrank")
    x = _f64(source)
    w = _windows(x, n + 1)
    current = w[:, -1:]
    out = (w[:, :-1] <= current).sum(axis=1) * (100.0 / n)
    out[np.isnan(w).any(axis=1)] = np.nan
    return _pad(out, len(x))


@shared
def dmi(
    high: Array, low: Array, close: Array, di_length: int, adx_smoothing: int
) -> tuple[Array, Array, Array]:
    """``ta.dmi``: ``[+DI, -DI, ADX]``."""
    n = _length(di_length, "dmi")
    m = _length(adx_smoothing, "dmi")
    h, lo = _f64(high), _f64(low)
    up = change(h)
    down = -change(lo)
    plus_dm = np.where((up > down) & (up > 0.0), up, 0.0)
    plus_dm[np.isnan(up)] = np.nan
    minus_dm = np.where((down > up) & (down > 0.0), down, 0.0)
    minus_dm[np.isnan(down)] = np.nan
    trur = rma(tr(h, lo, close), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        plus = _fixnan(100.0 * rma(plus_dm, n) / trur)
        minus = _fixnan(100.0 * rma(minus_dm, n) / trur)
        total = plus + minus
        adx = 100.0 * rma(np.abs(plus - minus) / np.where(total == 0.0, 1.0, total), m)
    return plus, minus, adx


def _fixnan(x: Array) -> Array:
    idx = np.where(np.isnan(x), 0, np.arange(len(x)))
    np.maximum.accumulate(idx, out=idx)
    out = x[idx]
    if len(x) and np.isnan(x[0]):
        first = np.flatnonzero(~np.isnan(x))
        out[: first[0] if len(first) else len(x)] = np.nan
    return out


@shared
def supertrend(
    high: Array, low: Array, close: Array, factor: float, atr_period: int
) -> tuple[Array, Array]:
    """``ta.supertrend``: ``[value, direction]``; direction -1 is an uptrend."""
    n = _length(atr_period, "supertrend")
    h, lo, c = _f64(high), _f64(low), _f64(close)
    atr_ = atr(h, lo, c, n)
    src = (h + lo) / 2.0
    upper_raw = (src + factor * atr_).tolist()
    lower_raw = (src - factor * atr_).tolist()
    atr_l = atr_.tolist()
    cl = c.tolist()
    size = len(cl)
    value = np.full(size, np.nan)
    direction = np.full(size, np.nan)
    prev_upper = prev_lower = math.nan
    prev_st = math.nan
    for i in range(size):
        upper, lower = upper_raw[i], lower_raw[i]
        pl = 0.0 if math.isnan(prev_lower) else prev_lower
        pu = 0.0 if math.isnan(prev_upper) else prev_upper
        prev_close = cl[i - 1] if i else math.nan
        if not (lower > pl or prev_close < pl):
            lower = pl
        if not (upper < pu or prev_close > pu):
            upper = pu
        if i == 0 or math.isnan(atr_l[i - 1]):
            d = 1.0
        elif prev_st == pu:
            d = -1.0 if cl[i] > upper else 1.0
        else:
            d = 1.0 if cl[i] < lower else -1.0
        st = lower if d == -1.0 else upper
        value[i], direction[i] = st, d
        prev_upper, prev_lower, prev_st = upper, lower, st
    return value, direction


@shared
def sar(high: Array, low: Array, close: Array, start: float, inc: float, maximum: float) -> Array:
    """``ta.sar``: parabolic stop-and-reverse (first value on bar 1)."""
    hi, lo, cl = _f64(high).tolist(), _f64(low).tolist(), _f64(close).tolist()
    size = len(cl)
    out = np.full(size, np.nan)
    result = max_min = accel = math.nan
    below = False
    for i in range(1, size):
        first_trend_bar = False
        if i == 1:
            if cl[1] > cl[0]:
                below, max_min, result = True, hi[1], lo[0]
            else:
                below, max_min, result = False, lo[1], hi[0]
            first_trend_bar = True
            accel = start
        result = result + accel * (max_min - result)
        if below:
            if result > lo[i]:
                first_trend_bar, below = True, False
                result = max(hi[i], max_min)
                max_min, accel = lo[i], start
        elif result < hi[i]:
            first_trend_bar, below = True, True
            result = min(lo[i], max_min)
            max_min, accel = hi[i], start
        if not first_trend_bar:
            if below:
                if hi[i] > max_min:
                    max_min = hi[i]
                    accel = min(accel + inc, maximum)
            elif lo[i] < max_min:
                max_min = lo[i]
                accel = min(accel + inc, maximum)
        if below:
            result = min(result, lo[i - 1])
            if i > 1:
                result = min(result, lo[i - 2])
        else:
            result = max(result, hi[i - 1])
            if i > 1:
                result = max(result, hi[i - 2])
        out[i] = result
    return out


# --------------------------------------------------------------------------- added statistics


def roc(source: Array, length: int) -> Array:
    """``ta.roc``: ``100 * (x - x[length]) / x[length]``; ``na`` propagates."""
    n = _length(length, "roc")
    x = _f64(source)
    prev = _shift(x, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * (x - prev) / prev


@shared
def correlation(source1: Array, source2: Array, length: int) -> Array:
    """``ta.correlation``: ``(sma(x*y) - sma(x)*sma(y)) / (stdev(x) * stdev(y))`` with biased
    deviations; each average skips its own ``na`` bars (so gaps can push it outside [-1, 1])."""
    n = _length(length, "correlation")
    x, y = _f64(source1), _f64(source2)
    cov = sma(x * y, n) - sma(x, n) * sma(y, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (stdev(x, n) * stdev(y, n))


def _sorted_windows(source: Array, n: int, fn: Callable[[Array], Array]) -> Array:
    return _skip_na(lambda x: _pad(fn(np.sort(_windows(x, n), axis=1)), len(x)), _f64(source))  # type: ignore


@shared
def mode(source: Array, length: int) -> Array:
    """``ta.mode``: the most frequent of the last ``length`` non-``na`` values (the smallest one
    on a tie)."""
    n = _length(length, "mode")

    def pick(ordered: Array) -> Array:
        out = np.empty(len(ordered))
        for i, row in enumerate(ordered.tolist()):
            out[i] = mode_of_sorted(row)
        return out

    return _sorted_windows(source, n, pick)


def mode_of_sorted(row: list[float]) -> float:
    """The most frequent value of an ascending list (the first, i.e. smallest, on a tie)."""
    best, best_count = row[0], 0
    run_value, run = row[0], 0
    for v in row:
        if v == run_value:
            run += 1
        else:
            run_value, run = v, 1
        if run > best_count:
            best, best_count = run_value, run
    return best


@shared
def percentile_nearest_rank(source: Array, length: int, percentage: float) -> Array:
    """``ta.percentile_nearest_rank``: the value at rank ``ceil(p / 100 * length)`` of the last
    ``length`` non-``na`` values in ascending order (rank 1 at least)."""
    n = _length(length, "percentile_nearest_rank")
    rank = nearest_rank_index(n, percentage)
    return _sorted_windows(source, n, lambda o: o[:, rank].copy())


def nearest_rank_index(n: int, percentage: float) -> int:
    return min(max(math.ceil(percentage / 100.0 * n), 1), n) - 1


@shared
def percentile_linear_interpolation(source: Array, length: int, percentage: float) -> Array:
    """``ta.percentile_linear_interpolation``: linear interpolation between the two nearest
    ranks of the last ``length`` non-``na`` values."""
    n = _length(length, "percentile_linear_interpolation")
    lo, hi, frac = linear_rank(n, percentage)
    return _sorted_windows(source, n, lambda o: o[:, lo] + (o[:, hi] - o[:, lo]) * frac)


def linear_rank(n: int, percentage: float) -> tuple[int, int, float]:
    pos = percentage / 100.0 * n - 0.5
    pos = min(max(pos, 0.0), n - 1.0)
    lo = math.floor(pos)
    return lo, min(lo + 1, n - 1), pos - lo


@shared
def rci(source: Array, length: int) -> Array:
    """``ta.rci``: Spearman rank correlation (×100) of the last ``length`` values with time;
    tied values share their average rank; ``na`` propagates."""
    n = _length(length, "rci")
    x = _f64(source)
    out = np.full(len(x), np.nan)
    for i, row in enumerate(_windows(x, n).tolist()):
        out[i + n - 1] = rci_of(row)
    out[: min(n, len(x))] = np.nan  # TradingView's first value is on bar ``length``
    return out


RANK_TIE = 1e-10
"""Values this close rank as a tie in ``ta.rci`` (TradingView ties ``hl2`` values one ulp apart)."""


def rci_of(row: list[float]) -> float:
    """RCI of one window (oldest first)."""
    n = len(row)
    if any(v != v for v in row):
        return math.nan
    order = sorted(range(n), key=lambda j: -row[j])  # rank 1 = highest value
    ranks = [0.0] * n
    j = 0
    while j < n:
        k = j
        while k + 1 < n and row[order[j]] - row[order[k + 1]] <= RANK_TIE:
            k += 1
        avg = (j + k) / 2.0 + 1.0
        for m in range(j, k + 1):
            ranks[order[m]] = avg
        j = k + 1
    if n < 2:
        return math.nan
    # Pearson correlation of the price ranks with the time ranks (1 = newest bar); with no ties
    # this is Spearman's ``1 - 6 * sum(d^2) / (n^3 - n)``.
    mean = (n + 1) / 2.0
    sxy = syy = sxx = 0.0
    for j in range(n):
        dx = (n - j) - mean
        dy = ranks[j] - mean
        sxy += dx * dy
        sxx += dx * dx
        syy += dy * dy
    return 100.0 * sxy / math.sqrt(sxx * syy) if syy else math.nan


def max_(source: Array) -> Array:
    """``ta.max``: the highest value so far (``na`` bars ignored; ``na`` before the first
    value)."""
    return np.fmax.accumulate(_f64(source)) if len(source) else _f64(source)


def min_(source: Array) -> Array:
    """``ta.min``: the lowest value so far (``na`` bars ignored)."""
    return np.fmin.accumulate(_f64(source)) if len(source) else _f64(source)


def barssince(condition: Array) -> Array:
    """``ta.barssince``: bars since ``condition`` was last true (0 on a true bar, ``na`` before
    the first one)."""
    cond = np.asarray(condition).astype(bool)
    idx = np.where(cond, np.arange(len(cond)), -1)
    last = np.maximum.accumulate(idx) if len(idx) else idx
    out = (np.arange(len(cond)) - last).astype(np.float64)
    out[last < 0] = np.nan
    return out


def _pivot(source: Array, leftbars: int, rightbars: int, high: bool) -> Array:
    name = "pivothigh" if high else "pivotlow"
    left = _length(leftbars, name, minimum=0)
    right = _length(rightbars, name, minimum=0)
    x = _f64(source)
    out = np.full(len(x), np.nan)
    for i, row in enumerate(_windows(x, left + right + 1).tolist()):
        out[i + left + right] = pivot_of(row, left, high)
    return out


def pivot_of(row: list[float], left: int, high: bool) -> float:
    """The pivot value of one window (``left`` bars, the candidate, ``right`` bars), or ``na``.

    The candidate must be strictly beyond every bar on its right and at least equal to every
    bar on its left: of equal highs (lows) the latest is the pivot. Measured on TradingView:
    a high equal to one of the 5 bars after it is no ``ta.pivothigh(10, 5)`` (the ``ta/pivot``
    export, the high of 2023-01-06 20:00 UTC), and two equal lows 15 minutes apart give a
    ``ta.pivotlow(low, 10, 5)`` at the second (ETHUSDT 15m 2025-04-27 02:00 UTC, the
    composite-ies-pivot-liquidity-sweep probe's long at 04:45)."""
    c = row[left]
    if c != c:
        return math.nan
    for j, v in enumerate(row):
        if j < left:
            if not (v <= c if high else v >= c):
                return math.nan
        elif j > left and not (v < c if high else v > c):
            return math.nan
    return c


@shared
def pivothigh(source: Array, leftbars: int, rightbars: int) -> Array:
    """``ta.pivothigh``: the pivot's price on the bar ``rightbars`` after it, else ``na``."""
    return _pivot(source, leftbars, rightbars, True)


@shared
def pivotlow(source: Array, leftbars: int, rightbars: int) -> Array:
    """``ta.pivotlow``: the pivot's price on the bar ``rightbars`` after it, else ``na``."""
    return _pivot(source, leftbars, rightbars, False)


# --------------------------------------------------------------------------- vwap and volume


@shared
def vwap(
    volume: Array, source: Array, anchor: Array, stdev_mult: float | None = None
) -> Array | tuple[Array, Array, Array]:
    """``ta.vwap(source, anchor[, stdev_mult])``: volume-weighted average price since the last
    bar where ``anchor`` is true, ``na`` before the first one; with ``stdev_mult`` also
    ``vwap ± stdev_mult * stdev`` (volume-weighted). ``anchor`` is a bool array: the compiler
    passes Pine's default (a new trading day, ``timeframe.change("D")`` / the chart's first
    bar) when the script gives none. Bars with ``na`` source or volume add nothing."""
    from pineopt.runtime.ta_series import Vwap

    state = Vwap()
    size = len(source)
    src, vol = _f64(source).tolist(), _f64(volume).tolist()
    anc = np.asarray(anchor).astype(bool).tolist()
    if stdev_mult is None:
        return np.array([state.update(vol[i], src[i], anc[i]) for i in range(size)], dtype=float)
    rows = [state.update(vol[i], src[i], anc[i], stdev_mult) for i in range(size)]
    arr = np.array(rows, dtype=np.float64).reshape(size, 3)
    return arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()


def iii(high: Array, low: Array, close: Array, volume: Array) -> Array:
    """``ta.iii``: intraday intensity ``(2 * close - high - low) / ((high - low) * volume)``."""
    h, lo, c, v = _f64(high), _f64(low), _f64(close), _f64(volume)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (2.0 * c - h - lo) / ((h - lo) * v)


def _volume_index(close: Array, volume: Array, positive: bool) -> Array:
    from pineopt.runtime.ta_series import VolumeIndex

    state = VolumeIndex(positive)
    c, v = _f64(close).tolist(), _f64(volume).tolist()
    return np.array([state.update(c[i], v[i]) for i in range(len(c))], dtype=np.float64)


@shared
def nvi(close: Array, volume: Array) -> Array:
    """``ta.nvi``: negative volume index (starts at 1; moves with close on falling volume)."""
    return _volume_index(close, volume, False)


@shared
def pvi(close: Array, volume: Array) -> Array:
    """``ta.pvi``: positive volume index (starts at 1; moves with close on rising volume)."""
    return _volume_index(close, volume, True)


def pvt(close: Array, volume: Array) -> Array:
    """``ta.pvt``: ``cum(change(close) / close[1] * volume)``."""
    c = _f64(close)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cum(change(c) / _shift(c) * _f64(volume))


def wad(high: Array, low: Array, close: Array) -> Array:
    """``ta.wad``: Williams accumulation/distribution."""
    h, lo, c = _f64(high), _f64(low), _f64(close)
    prev = _shift(c)
    mom_ = c - prev
    true_high = np.fmax(h, prev)
    true_low = np.fmin(lo, prev)
    gain = np.where(mom_ > 0.0, c - true_low, np.where(mom_ < 0.0, c - true_high, 0.0))
    return cum(gain)


def wvad(open: Array, high: Array, low: Array, close: Array, volume: Array) -> Array:
    """``ta.wvad``: Williams variable accumulation/distribution
    ``(close - open) / (high - low) * volume``."""
    o, h, lo, c, v = _f64(open), _f64(high), _f64(low), _f64(close), _f64(volume)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (c - o) / (h - lo) * v
