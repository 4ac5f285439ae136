"""Whole-history results shared between the runs of one process.

A parameter sweep runs one script on the same bars hundreds of times; most of its
whole-history indicator calls get the same arguments every time (``ta.atr(14)``, or
``ta.sma(close, 10)`` while only the slow length changes). The costly ``ta`` functions (those
that step bar by bar in Python) are wrapped in :func:`shared`: a call whose arguments were seen
before returns a copy of the result kept then, instead of computing it again.

Safe by construction:

* the key is the function and every argument: an array by its content (dtype, shape and a
  SHA-256 of its bytes, never its identity, which a freed array's successor may reuse), a plain
  value by its type and ``repr`` (so ``0.0`` and ``-0.0``, or two ``nan``, are told apart or
  matched as Python would print them); a call with any other argument is not shared;
* the kept result is a read-only copy, and each hit returns a fresh copy of it: a caller that
  writes into its result cannot change what the next run gets (a tuple of Python numbers is
  immutable: it is kept and returned as it is);
* the results kept are bounded (:data:`LIMIT_BYTES`), the least recently used dropped first;
  one lock guards them, for runs on several threads.

``enabled = False`` computes every call (benchmarks compare the two; the results are the same
to the bit, since the functions are pure).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

LIMIT_BYTES = 64 << 20  # about 140 results of 58,000 bars

enabled = True

_lock = threading.Lock()
_kept: OrderedDict[tuple, Any] = OrderedDict()
_sizes: dict[tuple, int] = {}
_total = 0

_PLAIN = (bool, int, float, str, type(None), np.bool_, np.integer, np.floating)
_NUMBER_TYPES = {int, float}  # exactly these (a bool or a numpy scalar is not kept as a number)


def shared(fn: Callable) -> Callable:
    """Share ``fn``'s results between calls with the same arguments (see the module doc)."""

    @functools.wraps(fn)
    def call(*args: object, **kwargs: object) -> object:
        key = _key(fn, args, kwargs) if enabled else None
        if key is None:
            return fn(*args, **kwargs)
        with _lock:
            kept = _kept.get(key)
            if kept is not None:
                _kept.move_to_end(key)
        if kept is not None:
            return _copy(kept)
        result = fn(*args, **kwargs)
        frozen = _frozen(result)
        if frozen is not None:
            _keep(key, frozen)
        return result

    return call


def clear() -> None:
    """Forget every kept result."""
    global _total
    with _lock:
        _kept.clear()
        _sizes.clear()
        _total = 0


def _key(fn: Callable, args: tuple, kwargs: dict) -> tuple | None:
    parts: list[object] = [fn.__module__, fn.__qualname__]
    for name, value in [*enumerate(args), *sorted(kwargs.items())]:
        part = _part(value)
        if part is None:
            return None
        parts.append((name, part))
    return tuple(parts)


def _part(value: object) -> tuple | None:
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return None
        data = np.ascontiguousarray(value)
        return ("array", data.dtype.str, data.shape, hashlib.sha256(memoryview(data)).digest())
    if isinstance(value, _PLAIN):
        return (type(value).__name__, repr(value))
    return None


class _Numbers:
    """A kept tuple of Python numbers (immutable: one object serves every hit), checked once
    when kept; checking 58,000 numbers on every hit would cost more than the hit saves."""

    __slots__ = ("value",)

    def __init__(self, value: tuple) -> None:
        self.value = value


def _frozen(result: object) -> object:
    """A read-only copy of an array result, a tuple of numbers as it is (immutable, marked
    :class:`_Numbers`), or a tuple of these; None for anything else."""
    if isinstance(result, np.ndarray) and result.dtype != object:
        kept = result.copy()
        kept.flags.writeable = False
        return kept
    if isinstance(result, tuple) and set(map(type, result)) <= _NUMBER_TYPES:
        return _Numbers(result)
    if isinstance(result, tuple) and result:
        parts = tuple(_frozen(r) for r in result)
        return None if any(p is None for p in parts) else parts
    return None


def _copy(kept: object) -> object:
    if isinstance(kept, _Numbers):
        return kept.value
    if isinstance(kept, tuple):
        return tuple(_copy(k) for k in kept)
    return kept.copy()  # type: ignore[attr-defined]


def _nbytes(kept: object) -> int:
    if isinstance(kept, _Numbers):
        return 32 * len(kept.value)  # a pointer and a number object each
    if isinstance(kept, tuple):
        return sum(_nbytes(k) for k in kept)
    return kept.nbytes  # type: ignore[attr-defined]


def _keep(key: tuple, kept: object) -> None:
    global _total
    size = _nbytes(kept)
    if size > LIMIT_BYTES:
        return
    with _lock:
        if key in _kept:
            return
        _kept[key] = kept
        _sizes[key] = size
        _total += size
        while _total > LIMIT_BYTES:
            old, _ = _kept.popitem(last=False)
            _total -= _sizes.pop(old)
