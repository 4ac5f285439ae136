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
from pineopt.runtime import NA, loop_limit, whole
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
    """``int(x)``: truncates toward zero; ``na`` (NaN, or ``None`` for a bare ``na``) stays
    ``na``."""
    return int(x) if x is not None and x == x and x not in (math.inf, -math.inf) else NA


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


def local_history(
    values: list, offset: float, default: object = NA, current: object = NA
) -> object:
    """``x[offset]`` of a local series: ``values`` holds one value per past execution of its
    scope, ``current`` is the value of this execution (``x[0]``)."""
    if offset != offset:
        return default
    offset = int(offset)
    if offset < 0:
        raise PineRuntimeError(f"Invalid history reference: the offset {offset} is negative")
    if offset == 0:
        return current
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


def int_list(values: object) -> list:
    """A whole-history int series as a list: whole values as Python ints (they index lists),
    ``na`` and fractional values as floats (an ``int / int`` keeps its fraction, LANGUAGE-NOTES
    §10; whoever needs an int truncates it)."""
    return [
        v if type(v) is int or not v.is_integer() else int(v)
        for v in values.tolist()  # type: ignore[attr-defined]
    ]


def strict_and(a: bool, b: bool) -> bool:
    """v5's ``and``: both operands are evaluated (the call's arguments already were)."""
    return a and b


def strict_or(a: bool, b: bool) -> bool:
    """v5's ``or``: both operands are evaluated."""
    return a or b


def concat(a: str | None, b: str | None) -> str:
    """``a + b`` of strings: an ``na`` string counts as empty (the manual's "Weekly and smaller
    units" example starts from ``string formattedString = na`` and extends it with ``+=``)."""
    return (a or "") + (b or "")


TEXT_FORMATS = ("text.format_bold", "text.format_italic")


def add_text_formats(a: str | None, b: str | None) -> str:
    """``text.format_bold + text.format_italic``: each format of either side, once, in the
    order of :data:`TEXT_FORMATS`, joined by ``+``; ``text.format_none`` (and ``na``) adds
    nothing."""
    given = set((a or "").split("+")) | set((b or "").split("+"))
    return "+".join(f for f in TEXT_FORMATS if f in given) or "text.format_none"


DISPLAY_LOCATIONS = (
    "display.pane",
    "display.price_scale",
    "display.status_line",
    "display.data_window",
    "display.pine_screener",
)
"""Where a plot can show its values; ``display.all`` is all of them, ``display.none`` none."""


def display_locations(display: str | None) -> frozenset[str]:
    """The locations a ``display`` value names (see :func:`combine_displays`)."""
    if display is None or display == "display.none":
        return frozenset()
    if display == "display.all":
        return frozenset(DISPLAY_LOCATIONS)
    return frozenset(display.split("+"))


def combine_displays(op: str, a: str | None, b: str | None) -> str:
    """``display.all - display.pane``, ``display.status_line + display.data_window``: the
    display constants are sets of locations that ``+`` joins and ``-`` removes from (the
    Reference's ``plot(display=...)``: "Display options support addition and subtraction").
    The result is ``display.all``, ``display.none`` or its locations, in the order of
    :data:`DISPLAY_LOCATIONS`, joined by ``+``."""
    left, right = display_locations(a), display_locations(b)
    chosen = left | right if op == "+" else left - right
    if len(chosen) == len(DISPLAY_LOCATIONS):
        return "display.all"
    return "+".join(x for x in DISPLAY_LOCATIONS if x in chosen) or "display.none"


def past_bar_index(index: int, offset: float) -> float:
    """``bar_index[offset]``."""
    if offset != offset:
        return NA
    past = index - int(offset)
    return past if past >= 0 else NA


def int_range(start: float, end: float, step: float = 1, loop_deadline: float | None = None):
    """``for i = start to end by step`` with int bounds: a fractional bound is truncated
    toward zero first, so the counter stays a whole int (``for i = 0 to 7 / 2`` runs 0..3)."""
    return pine_range(whole(start), whole(end), whole(step), loop_deadline)


def pine_range(start: float, end: float, step: float = 1, loop_deadline: float | None = None):
    """``for i = start to end by step``: both bounds inclusive, counting down when
    ``start > end`` (``step`` is the magnitude); ``na`` bounds run no iteration. The loop runs
    under the time limit of :mod:`~pineopt.runtime.loop_limit` (``loop_deadline``: that of an
    enclosing loop)."""
    if start != start or end != end or step != step:
        return ()
    step = abs(step)
    if step == 0:
        raise PineRuntimeError("The 'by' step of a for loop cannot be zero")
    if type(start) is int and type(end) is int and type(step) is int:
        steps = range(start, end + 1, step) if start <= end else range(start, end - 1, -step)
        if loop_deadline is None and len(steps) <= loop_limit.CHECK_EVERY:
            return steps  # a short loop: nothing to time
        return loop_limit.over(steps, loop_deadline)
    return _float_range(start, end, step, loop_deadline)


def _float_range(start: float, end: float, step: float, loop_deadline: float | None):
    if loop_deadline is None:
        loop_deadline = loop_limit.deadline()
    else:
        loop_limit.check(loop_deadline)
    up = start <= end
    i = start
    ticks = loop_limit.CHECK_EVERY
    while i <= end if up else i >= end:
        yield i
        i = i + step if up else i - step
        ticks -= 1
        if not ticks:
            ticks = loop_limit.check(loop_deadline)


class LoopCounter:
    """The counter of a v6 ``for`` loop whose end bound changes inside the loop: the direction
    is fixed by the first bounds, the end is re-read before every iteration. With ``ints``
    (every bound int-typed) fractional bounds are truncated toward zero, as :func:`int_range`
    does. The loop runs under the time limit (:mod:`~pineopt.runtime.loop_limit`)."""

    __slots__ = ("deadline", "ints", "started", "step", "ticks", "up", "value")

    def __init__(
        self,
        start: float,
        end: float,
        step: float = 1,
        ints: bool = False,
        loop_deadline: float | None = None,
    ) -> None:
        if ints:
            start, end, step = whole(start), whole(end), whole(step)
        self.value = start
        self.step = abs(step)
        self.up = start <= end
        self.started = False
        self.ints = ints
        if loop_deadline is None:
            loop_deadline = loop_limit.deadline()
        else:
            loop_limit.check(loop_deadline)
        self.deadline = loop_deadline
        self.ticks = loop_limit.CHECK_EVERY

    def next(self, end: float) -> bool:
        if self.ints:
            end = whole(end)
        if self.started:
            self.value = self.value + self.step if self.up else self.value - self.step
        self.started = True
        self.ticks -= 1
        if not self.ticks:
            self.ticks = loop_limit.check(self.deadline)
        if end != end or self.value != self.value:
            return False
        return self.value <= end if self.up else self.value >= end


class PineObject:
    """Base of the classes of user-defined types: objects compare by identity."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)  # type: ignore[attr-defined]
        return f"{type(self).__name__}({fields})"


def copy_object(obj: PineObject | None) -> PineObject | None:
    """``obj.copy()``: a shallow copy (nested objects and collections are shared)."""
    if obj is None:
        return None
    clone = object.__new__(type(obj))
    for name in obj.__slots__:  # type: ignore[attr-defined]
        setattr(clone, name, getattr(obj, name))
    return clone


class EnumMember:
    """A member of a Pine enum: ``str()`` gives its title, as ``str.tostring`` does in Pine."""

    __slots__ = ("enum", "name", "title")

    def __init__(self, enum: str, name: str, title: str) -> None:
        self.enum, self.name, self.title = enum, name, title

    def __str__(self) -> str:
        return self.title

    def __repr__(self) -> str:
        return f"{self.enum}.{self.name}"


class PineEnum:
    """An enum: its members are attributes; iterating gives them in declaration order."""

    def __init__(self, name: str, members: dict[str, str]) -> None:
        self.__name__ = name
        self._members = [EnumMember(name, k, v) for k, v in members.items()]
        for member in self._members:
            setattr(self, member.name, member)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._members)

    def __repr__(self) -> str:
        return f"<enum {self.__name__}>"


def make_enum(name: str, members: dict[str, str]) -> PineEnum:
    """``enum Name`` with ``members`` (name -> title)."""
    return PineEnum(name, members)
