"""The Pine runtime: what converted scripts call, bar by bar or over the whole history.

Conventions every runtime module follows (the compiler relies on them):

**Values.** ``int`` and ``float`` are Python ``int``/``float``; numeric ``na`` is ``float('nan')``
for both (:data:`NA`), so arithmetic propagates it without checks. ``bool`` is a Python ``bool``
and is never ``na`` (a v6 rule; v5 ``na`` bools are ``False``). ``string``, ``color``
(:class:`~pineopt.runtime.pine_color.Color`), enum members and every object - arrays (Python
lists), maps (dicts, insertion ordered), matrices, drawings, user-defined types - are ``None``
when ``na``. Tuples are Python tuples.

**Two paths.** A built-in called unconditionally on every bar with simple arguments runs once
over the whole history with numpy (``*_vector`` modules: float64 arrays in, arrays out). A call
that sits in a branch, a loop or a user function runs in the bar loop through a per-call-site
object (``ta_series``): one instance per call written in the source, ``update(...)`` once per
execution. Both paths give bit-identical results; tests hold them together.

**Names.** A Pine built-in ``ns.name`` is the attribute ``name`` of its module, or ``name_``
when that shadows a Python keyword or built-in (``math.max`` -> ``pine_math.max_``). Parameters
carry Pine's own names and order (see ``pineopt/lang/data/signatures.txt``) so that the
compiler can pass Pine's keyword arguments through unchanged.

**Errors.** A runtime error of the script (an index out of range, ``runtime.error``) raises
:class:`pineopt.errors.PineRuntimeError` with TradingView's wording; the bar loop adds the Pine
line and the bar.
"""

NA = float("nan")
"""Numeric ``na``."""
