"""TradingView's time limit on loops: one loop may run for 500 ms on one bar.

TradingView stops a script whose loop runs longer than that on a bar with the runtime error
"Loop is too long (> 500 ms)" (User Manual: "Limitations", section "Loop execution", and "Error
messages"); the outer loop of nested loops counts as one loop. PineOpt keeps the same budget on
its own clock, so that a loop which never ends (``while true``) stops with a located runtime
error instead of hanging, and does it without slowing the loops that finish:

* a loop whose length is known when it starts (``for i = a to b``, ``for x in collection``)
  iterates in chunks of 64, then 128 … up to 4096 items (:func:`over`) and reads the clock only
  between chunks: a short loop returns its ``range`` or list untouched and costs nothing;
* a ``while`` loop counts its iterations down and reads the clock every :data:`CHECK_EVERY`
  iterations (:func:`check`), as does a v6 ``for`` whose end bound changes in its body
  (:class:`~pineopt.runtime.ops.LoopCounter`);
* the loops nested in a loop of the same function share that outermost loop's deadline
  (:func:`deadline`) and check it each time they start.

The bar loop locates the error at the outermost loop of the nest (the one that "times out
first"; the module's ``PINE_LOOPS``) and the bar. What is not emulated: a loop in a user
function called from a loop has a budget of its own, and the calling loop is checked only as
above (between chunks, on entering an inner loop); PineOpt's clock is not TradingView's (Python
runs a loop at another speed, so a loop near the limit may pass on one and fail on the other).
"""

from __future__ import annotations

from itertools import chain
from time import perf_counter

from pineopt.errors import PineRuntimeError

TIME_LIMIT = 0.5
"""Seconds one loop may run on one bar (TradingView: 500 ms)."""

CHECK_EVERY = 64
"""Iterations between two readings of the clock in a ``while`` loop; also the length below
which a counted loop is not split into chunks."""

MAX_CHUNK = 4096
"""The largest chunk of a long counted loop (chunks double from :data:`CHECK_EVERY`)."""

MESSAGE = "Loop is too long (> 500 ms)"
"""TradingView's wording of the error."""


def deadline() -> float:
    """The clock time at which a loop starting now has used its budget."""
    return perf_counter() + TIME_LIMIT


def check(loop_deadline: float) -> int:
    """Stop the script when ``loop_deadline`` has passed; else the number of iterations to run
    before the next check."""
    if perf_counter() > loop_deadline:
        raise PineRuntimeError(MESSAGE)
    return CHECK_EVERY


def over(items, loop_deadline: float | None = None):  # type: ignore[no-untyped-def]
    """Iterate ``items`` (a ``range`` or a list) under the budget: unchanged when it is short,
    else in growing chunks with the clock read between them. ``loop_deadline`` is the deadline
    of an enclosing loop (checked now, on entry); without it a long loop starts its own."""
    if loop_deadline is not None:
        check(loop_deadline)
    if len(items) <= CHECK_EVERY:
        return items
    return chain.from_iterable(
        _chunks(items, deadline() if loop_deadline is None else loop_deadline)
    )


def _chunks(items, loop_deadline: float):  # type: ignore[no-untyped-def]
    size = CHECK_EVERY
    start = 0
    while start < len(items):
        if start:
            check(loop_deadline)
        yield items[start : start + size]
        start += size
        size = min(size * 2, MAX_CHUNK)
