"""Pine's ``math`` namespace and the numeric operators that differ from Python (scalar path).

``na`` representation (one per type, LANGUAGE-NOTES §5):

* **float** ``na`` is ``float('nan')``; every float-returning function returns NaN for ``na``.
* **int** ``na`` is NaN too (see :mod:`pineopt.runtime`): int-returning functions (``ceil``,
  ``floor``, ``round`` without precision, ``pine_mod`` / v5 integer ``pine_div`` of two ints)
  return an ``int``, or NaN for ``na``.
* ``None`` is accepted as ``na`` on input as well.

``na`` in → ``na`` out for every function here (``math.max(na, 1)`` is ``na``), except the
rolling :func:`sum_`, which skips ``na`` bars like the ``ta.*`` family does (§12).

Division by zero yields ``na`` (NaN): TradingView's
documented behaviour for ``na()``. PyneCore measured IEEE ±inf in further arithmetic; that
difference is only visible if a script keeps computing with the quotient (uncertain, §5).
"""

from __future__ import annotations

import math as _m
import random as _random

import numpy as np

from pineopt.errors import PineRuntimeError
from pineopt.runtime import ta_vector

__all__ = [
    "PineRandom",
    "abs_",
    "acos",
    "asin",
    "atan",
    "avg",
    "ceil",
    "cos",
    "e",
    "exp",
    "floor",
    "is_na",
    "log",
    "log10",
    "max_",
    "min_",
    "phi",
    "pi",
    "pine_div",
    "pine_mod",
    "pow_",
    "random",
    "round_",
    "round_to_mintick",
    "rphi",
    "sign",
    "sin",
    "sqrt",
    "sum_",
    "tan",
    "todegrees",
    "toradians",
]

NA = _m.nan

pi = 3.141592653589793
e = 2.718281828459045
phi = 1.618033988749895
rphi = 0.6180339887498948

Number = int | float | None


def is_na(x: object) -> bool:
    """``na(x)``: ``None`` or a float NaN."""
    return x is None or (isinstance(x, float) and x != x)


def _any_na(*xs: object) -> bool:
    return any(is_na(x) for x in xs)


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _f(fn, x: Number) -> float:  # type: ignore[no-untyped-def]
    """Apply a float function; domain errors give NaN, overflow gives ±inf (IEEE, like Java)."""
    if is_na(x):
        return NA
    try:
        return float(fn(float(x)))  # type: ignore[arg-type]
    except ValueError:
        return NA
    except OverflowError:
        return _m.inf


# --- one-argument float functions ---------------------------------------------------------


def acos(angle: Number) -> float:
    return _f(_m.acos, angle)


def asin(angle: Number) -> float:
    return _f(_m.asin, angle)


def atan(angle: Number) -> float:
    return _f(_m.atan, angle)


def cos(angle: Number) -> float:
    return _f(_m.cos, angle)


def sin(angle: Number) -> float:
    return _f(_m.sin, angle)


def tan(angle: Number) -> float:
    return _f(_m.tan, angle)


def exp(number: Number) -> float:
    return _f(_m.exp, number)


def _log_ieee(fn):  # type: ignore[no-untyped-def]
    def inner(x: float) -> float:
        if x == 0:
            return -_m.inf
        if x == _m.inf:
            return _m.inf
        return fn(x) if x > 0 else NA

    return inner


def log(number: Number) -> float:
    """Natural logarithm; ``log(0)`` is ``-inf`` and a negative argument ``na`` (IEEE)."""
    return _f(_log_ieee(_m.log), number)


def log10(number: Number) -> float:
    return _f(_log_ieee(_m.log10), number)


def sqrt(number: Number) -> float:
    """Square root; a negative argument gives ``na``."""
    return _f(lambda x: _m.sqrt(x) if x >= 0 else NA, number)


def todegrees(radians: Number) -> float:
    return _f(_m.degrees, radians)


def toradians(degrees: Number) -> float:
    return _f(_m.radians, degrees)


def sign(number: Number) -> float:
    """``1.0``, ``-1.0`` or ``0.0``; ``na`` for ``na``."""
    return _f(lambda x: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0), number)


def pow_(base: Number, exponent: Number) -> float:
    """``math.pow``: IEEE semantics (``pow(-8, 1/3)`` is ``na``, overflow is ``inf``)."""
    if _any_na(base, exponent):
        return NA
    b, x = float(base), float(exponent)  # type: ignore[arg-type]
    try:
        return _m.pow(b, x)
    except ValueError:
        # 0 ** negative is +inf in IEEE/Java; other domain errors are NaN.
        return _m.inf if b == 0 else NA
    except OverflowError:
        return _m.inf if b > 0 or (x == int(x) and int(x) % 2 == 0) else -_m.inf


# --- generic int/float functions ------------------------------------------------------------


def abs_(number: Number) -> Number:
    """``math.abs``: keeps the type (int in → int out); ``na`` stays ``na`` of its type."""
    if number is None:
        return NA
    return abs(number)


def _na_of(*xs: object) -> Number:
    """The ``na`` of the result type of a generic ``T`` function (int only if all are int)."""
    return NA


def max_(number0: Number, number1: Number, *numbers: Number) -> Number:
    """``math.max``: ``na`` if any argument is ``na``; int only when every argument is int."""
    xs = (number0, number1, *numbers)
    if _any_na(*xs):
        return _na_of(*xs)
    r = max(xs)  # type: ignore[type-var]
    return r if all(_is_int(x) for x in xs) else float(r)  # type: ignore[arg-type]


def min_(number0: Number, number1: Number, *numbers: Number) -> Number:
    """``math.min``: ``na`` if any argument is ``na``; int only when every argument is int."""
    xs = (number0, number1, *numbers)
    if _any_na(*xs):
        return _na_of(*xs)
    r = min(xs)  # type: ignore[type-var]
    return r if all(_is_int(x) for x in xs) else float(r)  # type: ignore[arg-type]


def avg(number0: Number, number1: Number, *numbers: Number) -> float:
    """``math.avg``: arithmetic mean; ``na`` if any argument is ``na``."""
    xs = (number0, number1, *numbers)
    if _any_na(*xs):
        return NA
    return _m.fsum(float(x) for x in xs) / len(xs)  # type: ignore[arg-type]


# --- rounding -------------------------------------------------------------------------------


def _round_half_away(x: float) -> float:
    """Round to an integer, ties away from zero (exact: ``x - floor(x)`` is exact for doubles)."""
    if not _m.isfinite(x):
        return x
    a = abs(x)
    f = _m.floor(a)
    r = f + 1.0 if a - f >= 0.5 else f
    return _m.copysign(r, x) if r else 0.0


def ceil(number: Number) -> Number:
    if is_na(number) or not _m.isfinite(number):  # type: ignore[arg-type]
        return NA
    return _m.ceil(number)  # type: ignore[arg-type]


def floor(number: Number) -> Number:
    if is_na(number) or not _m.isfinite(number):  # type: ignore[arg-type]
        return NA
    return _m.floor(number)  # type: ignore[arg-type]


def round_(number: Number, precision: int | None = None) -> Number:
    """``math.round``: ties away from zero (``2.5`` → 3, ``-2.5`` → -3).

    Without ``precision`` the result is an int (NaN for ``na``). With ``precision`` the
    result is a float rounded to that many decimals: the value is scaled by ``10**precision``,
    rounded half away from zero and scaled back. A value whose decimal literal is a tie but whose
    binary value is not (``1.005``) therefore rounds by its binary value; whether TradingView
    does the same is unverified.
    """
    if precision is None:
        if is_na(number) or not _m.isfinite(number):  # type: ignore[arg-type]
            return NA
        return int(_round_half_away(float(number)))  # type: ignore[arg-type]
    if is_na(precision):
        return NA
    if is_na(number):
        return NA
    if not _is_int(precision):
        raise PineRuntimeError(f"math.round: precision must be an int, got {precision!r}")
    x = float(number)  # type: ignore[arg-type]
    if not _m.isfinite(x):
        return x
    scale = 10.0**precision
    scaled = x * scale
    if not _m.isfinite(scaled):
        return x
    return _round_half_away(scaled) / scale


def round_to_mintick(number: Number, mintick: float) -> float:
    """``math.round_to_mintick``: nearest multiple of ``mintick`` (ties away from zero).

    Pine reads the tick from ``syminfo.mintick``; here the runtime passes it explicitly.
    """
    if is_na(number) or is_na(mintick):
        return NA
    if mintick <= 0:
        raise PineRuntimeError(f"math.round_to_mintick: invalid mintick {mintick!r}")
    x = float(number)  # type: ignore[arg-type]
    if not _m.isfinite(x):
        return x
    ticks = _round_half_away(x / mintick)
    # Clean the binary noise of ticks * mintick (e.g. 123 * 0.01) to the tick's precision.
    digits = max(0, -_m.floor(_m.log10(mintick))) + 6
    return round(ticks * mintick, digits) + 0.0


# --- operators ------------------------------------------------------------------------------


def pine_div(
    a: Number,
    b: Number,
    version: int = 6,
    a_is_int: bool = False,
    b_is_int: bool = False,
    *,
    both_const: bool = True,
) -> Number:
    """Pine's ``/``.

    v6: always the fractional quotient (``5 / 2`` is 2.5). v5: two ``const int`` operands give
    the integer quotient truncated toward zero (``-7 / 2`` is -3); the compiler passes
    ``both_const=False`` when either int operand is not ``const``, which keeps the fraction.
    Division by zero gives ``na`` (see the module docstring).
    """
    int_div = version < 6 and a_is_int and b_is_int and both_const
    if _any_na(a, b) or b == 0:
        return NA
    if int_div:
        q = abs(int(a)) // abs(int(b))  # type: ignore[arg-type]
        return q if (a >= 0) == (b > 0) else -q  # type: ignore[operator]
    return float(a) / float(b)  # type: ignore[arg-type]


def pine_mod(a: Number, b: Number) -> Number:
    """Pine's ``%``: the quotient truncates toward zero, so the result takes the dividend's sign.

    ``-7 % 3`` is -1 and ``7 % -3`` is 1 (Python gives 2 and -2). Two ints give an int
    (NaN for ``na`` or a zero divisor); anything else gives a float (NaN for ``na``).
    """
    if _any_na(a, b) or b == 0:
        return NA
    if _is_int(a) and _is_int(b):
        r = abs(a) % abs(b)  # type: ignore[arg-type]
        return -r if a < 0 else r  # type: ignore[operator]
    return _m.fmod(float(a), float(b))  # type: ignore[arg-type]


# --- random ---------------------------------------------------------------------------------


class PineRandom:
    """State of one ``math.random`` call site.

    Values are deterministic per seed (a Mersenne Twister seeded with ``seed``); they **cannot**
    equal TradingView's, whose generator is unpublished. Without a seed the sequence is seeded
    from ``default_seed`` so that runs are reproducible. As in Pine, the seed of the first call
    starts the sequence and later calls continue it.
    """

    def __init__(self, default_seed: int = 0) -> None:
        self._default_seed = default_seed
        self._rng: _random.Random | None = None

    def __call__(self, min: Number = 0, max: Number = 1, seed: int | None = None) -> float:
        if self._rng is None:
            self._rng = _random.Random(self._default_seed if is_na(seed) else seed)
        if _any_na(min, max):
            return NA
        lo, hi = float(min), float(max)  # type: ignore[arg-type]
        return lo + (hi - lo) * self._rng.random()


_DEFAULT_RANDOM = PineRandom()


def random(min: Number = 0, max: Number = 1, seed: int | None = None) -> float:
    """``math.random`` through one module-wide generator (see :class:`PineRandom`).

    With a ``seed`` a fresh generator is used, so equal seeds give equal values. The runtime
    should keep one :class:`PineRandom` per call site instead.
    """
    if seed is not None and not is_na(seed):
        return PineRandom(int(seed))(min, max)
    return _DEFAULT_RANDOM(min, max)


# --- rolling sum (vector form, like ta_vector) ----------------------------------------------


def sum_(source: np.ndarray, length: int) -> np.ndarray:
    """``math.sum(source, length)`` over a whole history: see :func:`ta_vector.math_sum`."""
    return ta_vector.math_sum(source, length)
