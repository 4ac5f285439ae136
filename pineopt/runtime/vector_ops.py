"""Pine's operators and elementwise built-ins over whole histories (the vectorised path).

The array twins of :mod:`pineopt.runtime.ops` and the scalar ``math.*`` functions: float64
arrays with NaN for ``na`` (scalars broadcast), bool arrays for conditions. Each gives, bar for
bar, what the scalar form gives; tests hold the two together.
"""

from __future__ import annotations

import numpy as np

from pineopt.runtime.ops import EQUALITY_TOLERANCE

Array = np.ndarray


def _f(x: object) -> Array:
    return np.asarray(x, dtype=np.float64)


def shift(x: Array, offset: int, fill: object = np.nan) -> Array:
    """``x[offset]``: the series ``offset`` bars back (``fill`` before the first bar)."""
    x = np.asarray(x)
    offset = int(offset)
    if offset == 0:
        return x
    out = np.empty_like(x, dtype=np.float64 if fill is np.nan and x.dtype != bool else x.dtype)
    out[:offset] = fill
    out[offset:] = x[:-offset] if offset < len(x) else x[:0]
    return out


def where(condition: Array, a: object, b: object) -> Array:
    """``condition ? a : b``."""
    return np.where(condition, a, b)


def div(a: object, b: object) -> Array:
    """``a / b`` with ``na`` for a zero divisor."""
    a, b = _f(a), _f(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / b
    return np.where(b == 0, np.nan, out)


def idiv(a: object, b: object) -> Array:
    """v5 ``const int / const int``: truncated toward zero."""
    return np.trunc(div(a, b))


def mod(a: object, b: object) -> Array:
    """``a % b`` with the dividend's sign; ``na`` for a zero divisor."""
    a, b = _f(a), _f(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.fmod(a, b)
    return np.where(b == 0, np.nan, out)


def eq(a: object, b: object) -> Array:
    """``a == b`` of numbers: within the tolerance, false on ``na``."""
    return np.abs(_f(a) - _f(b)) <= EQUALITY_TOLERANCE


def ne(a: object, b: object) -> Array:
    """``a != b`` of numbers: false on ``na``."""
    return np.abs(_f(a) - _f(b)) > EQUALITY_TOLERANCE


def eq_bool(a: object, b: object) -> Array:
    return np.asarray(a) == np.asarray(b)


def ne_bool(a: object, b: object) -> Array:
    return np.asarray(a) != np.asarray(b)


def logical_and(a: object, b: object) -> Array:
    return np.logical_and(a, b)


def logical_or(a: object, b: object) -> Array:
    return np.logical_or(a, b)


def logical_not(a: object) -> Array:
    return np.logical_not(a)


def to_bool(x: object) -> Array:
    """``bool(x)``: false for ``na`` and zero."""
    x = _f(x)
    return ~np.isnan(x) & (x != 0)


def to_int(x: object) -> Array:
    """``int(x)``: truncated toward zero."""
    return np.trunc(_f(x))


def is_na(x: object) -> Array:
    return np.isnan(_f(x))


# ---- math.* ------------------------------------------------------------------------------------


def abs_(x: object) -> Array:
    return np.abs(_f(x))


def sign(x: object) -> Array:
    return np.sign(_f(x))


def _domain(fn, x: object, ok) -> Array:  # type: ignore[no-untyped-def]
    x = _f(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = fn(x)
    return np.where(ok(x), out, np.nan)


def sqrt(x: object) -> Array:
    return _domain(np.sqrt, x, lambda v: v >= 0)


def log(x: object) -> Array:
    return _domain(np.log, x, lambda v: v > 0)


def log10(x: object) -> Array:
    return _domain(np.log10, x, lambda v: v > 0)


def exp(x: object) -> Array:
    return np.exp(_f(x))


def pow_(base: object, exponent: object) -> Array:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.power(_f(base), _f(exponent))
    return np.where(np.isfinite(out), out, np.nan)


def max_(*xs: object) -> Array:
    out = _f(xs[0])
    for x in xs[1:]:
        out = np.maximum(out, _f(x))
    return out


def min_(*xs: object) -> Array:
    out = _f(xs[0])
    for x in xs[1:]:
        out = np.minimum(out, _f(x))
    return out


def avg(*xs: object) -> Array:
    total = _f(xs[0])
    for x in xs[1:]:
        total = total + _f(x)
    return total / len(xs)


def round_(x: object, precision: object = None) -> Array:
    """``math.round``: halves away from zero."""
    x = _f(x)
    if precision is None:
        return np.copysign(np.floor(np.abs(x) + 0.5), x) + 0.0
    scale = 10.0 ** int(precision)
    return np.copysign(np.floor(np.abs(x) * scale + 0.5), x) / scale + 0.0


def ceil(x: object) -> Array:
    return np.ceil(_f(x))


def floor(x: object) -> Array:
    return np.floor(_f(x))


def sin(x: object) -> Array:
    return np.sin(_f(x))


def cos(x: object) -> Array:
    return np.cos(_f(x))


def tan(x: object) -> Array:
    return np.tan(_f(x))


def asin(x: object) -> Array:
    return _domain(np.arcsin, x, lambda v: np.abs(v) <= 1)


def acos(x: object) -> Array:
    return _domain(np.arccos, x, lambda v: np.abs(v) <= 1)


def atan(x: object) -> Array:
    return np.arctan(_f(x))


def todegrees(x: object) -> Array:
    return _f(x) * (180.0 / np.pi)


def toradians(x: object) -> Array:
    return _f(x) * (np.pi / 180.0)


MATH = {
    "math.abs": abs_,
    "math.sign": sign,
    "math.sqrt": sqrt,
    "math.log": log,
    "math.log10": log10,
    "math.exp": exp,
    "math.pow": pow_,
    "math.max": max_,
    "math.min": min_,
    "math.avg": avg,
    "math.round": round_,
    "math.ceil": ceil,
    "math.floor": floor,
    "math.sin": sin,
    "math.cos": cos,
    "math.tan": tan,
    "math.asin": asin,
    "math.acos": acos,
    "math.atan": atan,
    "math.todegrees": todegrees,
    "math.toradians": toradians,
}
"""``math.*`` functions with an elementwise form, by Pine name."""


def full(count: int, value: object) -> Array:
    """A series holding ``value`` on every bar."""
    if isinstance(value, bool | np.bool_):
        return np.full(count, bool(value))
    if value is None or isinstance(value, int | float):
        return np.full(count, np.nan if value is None else float(value))
    return np.full(count, value, dtype=object)


def any_of(count: int, *conditions: object) -> Array:
    """The bars where at least one of ``conditions`` holds: each a bool series or a value fixed
    for the run (true on every bar when truthy). The compiler's event mask
    (:mod:`pineopt.compiler.events`) is built from these and :func:`all_of`."""
    out = np.zeros(count, dtype=bool)
    for condition in conditions:
        out |= _bars(count, condition)
    return out


def all_of(count: int, *conditions: object) -> Array:
    """The bars where every one of ``conditions`` holds (see :func:`any_of`)."""
    out = np.ones(count, dtype=bool)
    for condition in conditions:
        out &= _bars(count, condition)
    return out


def _bars(count: int, condition: object) -> Array:
    if isinstance(condition, np.ndarray):
        return condition.astype(bool, copy=False)
    return np.full(count, bool(condition))
