"""Pine's operators and conversions where they differ from Python's (the per-bar path).

The compiler emits plain Python operators wherever Python already agrees with Pine (``+``,
``<``, ``and`` of bools...) and one of these helpers where it does not:

* every comparison with ``na`` is false - Python's ``nan != 1`` is true, so ``!=`` goes through
  :func:`ne`; ``==`` of floats through :func:`eq`, which also applies the float tolerance;
* ``/`` by zero is ``na`` (:func:`div`), v5 ``const int / const int`` truncates (:func:`idiv`);
* ``%`` takes the dividend's sign (:func:`mod`);
* ``int()``, ``float()``, ``bool()``, ``na()``, ``nz()`` on Pine's ``na`` values.

Numeric ``na`` is NaN, other ``na`` values are ``None`` (see :mod:`pineopt.runtime`).
"""

from __future__ import annotations

import math

from pineopt.errors import PineRuntimeError
from pineopt.runtime import NA
from pineopt.runtime.pine_color import Color

EQUALITY_TOLERANCE = 1e-10
"""Floats closer than this compare equal (PyneCore's measurement of TradingView, §10)."""

TRANSPARENT = Color(0, 0, 0, 100)


class _Unset:
    """The value of a ``var`` variable before its declaration first runs."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def is_na(x: object) -> bool:
    """``na(x)`` for a value of any type."""
    return x is None or x != x


def nz(x: object, replacement: object = 0) -> object:
    """``nz(x, replacement)``: ``x``, or ``replacement`` when ``x`` is ``na``."""
    return replacement if x is None or x != x else x


def nz_color(x: Color | None, replacement: Color | None = TRANSPARENT) -> Color | None:
    """``nz(color)``: an ``na`` color becomes transparent black."""
    return replacement if x is None else x


def eq(a: object, b: object) -> bool:
    """Pine's ``==``: false when either side is ``na``; floats within the tolerance are equal."""
    if a is None or b is None:
        return False
    if type(a) is float or type(b) is float:
        return abs(a - b) <= EQUALITY_TOLERANCE  # type: ignore[operator]
    return a == b


def ne(a: object, b: object) -> bool:
    """Pine's ``!=``: false when either side is ``na`` (Python says true for NaN)."""
    if a is None or b is None or a != a or b != b:
        return False
    if type(a) is float or type(b) is float:
        return abs(a - b) > EQUALITY_TOLERANCE  # type: ignore[operator]
    return a != b


def div(a: float, b: float) -> float:
    """Pine's ``/``: the fractional quotient; ``na`` when dividing by zero."""
    return a / b if b else NA


def idiv(a: float, b: float) -> float:
    """v5's ``/`` of two ``const int``: the quotient truncated toward zero."""
    if not b or a != a or b != b:
        return NA
    q = abs(int(a)) // abs(int(b))
    return q if (a >= 0) == (b > 0) else -q


def mod(a: float, b: float) -> float:
    """Pine's ``%``: the remainder takes the dividend's sign (``-7 % 3`` is -1)."""
    if not b or a != a or b != b:
        return NA
    r = math.fmod(a, b)
    return int(r) if type(a) is int and type(b) is int else r


def to_int(x: float) -> float:
    """``int(x)``: truncates toward zero; ``na`` stays ``na``."""
    return int(x) if x == x and x not in (math.inf, -math.inf) else NA


def to_float(x: float) -> float:
    """``float(x)``."""
    return NA if x is None else float(x)


def to_bool(x: object) -> bool:
    """``bool(x)``: false for ``na`` and zero."""
    return x is not None and x == x and bool(x)


def history(values: list, index: int, offset: float, default: object = NA) -> object:
    """``x[offset]`` with a series offset: ``values`` holds one value per bar."""
    if offset != offset:
        return default
    offset = int(offset)
    if offset < 0:
        raise PineRuntimeError(f"Invalid history reference: the offset {offset} is negative")
    return values[index - offset] if index >= offset else default


def local_history(values: list, offset: float, default: object = NA) -> object:
    """``x[offset]`` of a local series: ``values`` holds one value per past execution."""
    if offset != offset:
        return default
    offset = int(offset)
    if offset < 0:
        raise PineRuntimeError(f"Invalid history reference: the offset {offset} is negative")
    return values[-offset] if len(values) >= offset else default


def runtime_error(message: str) -> None:
    """``runtime.error(message)``: stops the script with ``message``."""
    raise PineRuntimeError(message if message is not None else "runtime error")


class FixNan:
    """``fixnan(x)`` at one call site: the last non-``na`` value seen."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: object = NA

    def update(self, x: object) -> object:
        if x is None or x != x:
            return self.last
        self.last = x
        return x
