"""Pine's ``map`` namespace (bar-loop path).

A ``map<K, V>`` is a :class:`PineMap`: a ``dict`` (insertion ordered, like Pine's maps) that
also remembers the ``na`` of its value type, so that ``map.get`` / ``map.put`` /
``map.remove`` can return the right ``na`` for a missing key. The compiler passes it to
:func:`new` as ``na_value`` (NaN for ``int``/``float`` values, ``False`` for ``bool``,
``None`` otherwise, the default). Plain dicts are accepted everywhere and answer ``None``.

A map holds at most :data:`MAX_PAIRS` (50,000) key-value pairs. An ``na`` map raises
:class:`~pineopt.errors.PineRuntimeError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pineopt.errors import PineRuntimeError

__all__ = [
    "FUNCTIONS",
    "MAX_PAIRS",
    "PineMap",
    "clear",
    "contains",
    "copy",
    "get",
    "keys",
    "new",
    "put",
    "put_all",
    "remove",
    "size",
    "values",
]

MAX_PAIRS = 50_000
"""Most key-value pairs a map may hold."""


class PineMap(dict):
    """A Pine map: a ``dict`` plus the ``na`` of its value type (:attr:`na`)."""

    __slots__ = ("na",)

    def __init__(self, *args: Any, na_value: Any = None) -> None:
        super().__init__(*args)
        self.na = na_value

    def __repr__(self) -> str:
        return f"PineMap({dict.__repr__(self)})"


def _na_id(fn: str) -> PineRuntimeError:
    return PineRuntimeError(f"Cannot call 'map.{fn}()' with argument 'id'='na'.")


def _too_large() -> PineRuntimeError:
    return PineRuntimeError(f"Map is too large. Maximum number of key-value pairs is {MAX_PAIRS}.")


def _na(id: dict) -> Any:
    return getattr(id, "na", None)


def new(*, na_value: Any = None) -> PineMap:
    """``map.new<K, V>()``; ``na_value`` is the ``na`` of ``V`` (passed by the compiler)."""
    return PineMap(na_value=na_value)


def put(id: dict, key: Any, value: Any) -> Any:
    """Sets ``key`` to ``value``; returns the previous value, or ``na`` for a new key."""
    try:
        if key in id:
            old = id[key]
            id[key] = value
            return old
    except TypeError:
        if id is None:
            raise _na_id("put") from None
        raise
    if len(id) >= MAX_PAIRS:
        raise _too_large()
    id[key] = value
    return _na(id)


def get(id: dict, key: Any) -> Any:
    try:
        return id[key]
    except KeyError:
        return _na(id)
    except TypeError:
        if id is None:
            raise _na_id("get") from None
        raise


def contains(id: dict, key: Any) -> bool:
    if id is None:
        raise _na_id("contains")
    return key in id


def remove(id: dict, key: Any) -> Any:
    """Removes ``key``; returns its value, or ``na`` if it was absent."""
    if id is None:
        raise _na_id("remove")
    return id.pop(key, _na(id))


def size(id: dict) -> int:
    if id is None:
        raise _na_id("size")
    return len(id)


def clear(id: dict) -> None:
    if id is None:
        raise _na_id("clear")
    id.clear()


def keys(id: dict) -> list:
    """A new array of the keys, in insertion order."""
    if id is None:
        raise _na_id("keys")
    return list(id)


def values(id: dict) -> list:
    """A new array of the values, in insertion order of their keys."""
    if id is None:
        raise _na_id("values")
    return list(id.values())


def copy(id: dict) -> PineMap:
    """A shallow copy (values that are objects are shared)."""
    if id is None:
        raise _na_id("copy")
    return PineMap(id, na_value=_na(id))


def put_all(id: dict, id2: dict) -> None:
    """Puts every pair of ``id2`` into ``id``."""
    if id is None or id2 is None:
        raise _na_id("put_all")
    if len(id) + sum(1 for k in id2 if k not in id) > MAX_PAIRS:
        raise _too_large()
    id.update(id2)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "map.clear": clear,
    "map.contains": contains,
    "map.copy": copy,
    "map.get": get,
    "map.keys": keys,
    "map.new": new,
    "map.put": put,
    "map.put_all": put_all,
    "map.remove": remove,
    "map.size": size,
    "map.values": values,
}
"""Pine name -> callable, for every ``map.*`` function."""
