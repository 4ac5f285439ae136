"""The Pine runtime: what converted scripts call, bar by bar or over the whole history.

Conventions every runtime module follows (the compiler relies on them):

**Values.** ``int`` and ``float`` are Python ``int``/``float``; numeric ``na`` is ``float('nan')``
for both (:data:`NA`), so arithmetic propagates it without checks. An int-typed value may carry
a fraction as a Python ``float``: ``int / int`` keeps the type ``int`` and its fraction
(``7 / 2`` is 3.5, LANGUAGE-NOTES §10); whatever needs a whole number - a length, an index, a
count, a loop bound, a history offset - truncates it toward zero (:func:`whole`).
``bool`` is a Python ``bool`` and is never ``na`` (a v6 rule; v5 ``na`` bools are ``False``).
``string``, ``color`` (:class:`~pineopt.runtime.pine_color.Color`), enum members and every
object - arrays (Python lists), maps (dicts, insertion ordered), matrices, drawings,
user-defined types - are ``None`` when ``na``. Tuples are Python tuples.

**Two paths.** A built-in called unconditionally on every bar with simple arguments runs once
over the whole history with numpy (``*_vector`` modules: float64 arrays in, arrays out). A call
that sits in a branch, a loop or a user function runs in the bar loop through a per-call-site
object (``ta_series``): one instance per call written in the source, ``update(...)`` once per
execution. Both paths give bit-identical results; tests hold them together.

**Names.** A Pine built-in ``ns.name`` is the attribute ``name`` of its module, or ``name_``
when that shadows a Python keyword or built-in (``math.max`` -> ``pine_math.max_``). Parameters
carry Pine's own names and order (see ``pineopt/lang/data/signatures.txt``) so that the
compiler can pass Pine's keyword arguments through unchanged.

**Errors.** A runtime error of the script (an index out of range, ``runtime.error``, a loop
running past TradingView's 500 ms per bar: :mod:`~pineopt.runtime.loop_limit`) raises
:class:`pineopt.errors.PineRuntimeError` with TradingView's wording; the bar loop adds the Pine
line and the bar.
"""

NA = float("nan")
"""Numeric ``na``."""


def whole(x: float) -> float:
    """An int-typed value where a whole number is needed: truncated toward zero when it has a
    fraction (``whole(3.5)`` is 3, ``whole(-3.5)`` is -3); ints, ``na`` and infinities are
    returned as they are."""
    if type(x) is int or x != x or x in (_INF, -_INF):
        return x
    return int(x)


_INF = float("inf")
