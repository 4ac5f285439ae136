"""Pine's ``array`` namespace (bar-loop path).

An ``array<T>`` is a plain Python ``list``; ``na`` (the array itself) is ``None``. Elements
follow the runtime conventions: numeric ``na`` is NaN (``None`` is accepted too), bool is never
``na``, every other ``na`` is ``None``. Functions are kept minimal because the compiler calls
them inside the bar loop; the rare cases (errors, ``na`` arguments) are handled on a slow path
reached through ``try``/``except``.

Rules (TradingView's, from the reference manual and from measurements PyneCore published):

* ``get`` / ``set`` / ``insert`` / ``remove`` accept negative indices counting from the end
  (v6); anything else out of range raises :class:`~pineopt.errors.PineRuntimeError`
  ``"Index 5 is out of bounds. Array size is 3."``. An ``na`` index is tolerated: ``get`` and
  ``remove`` return ``na`` without touching the array, ``set`` does nothing, ``insert`` appends.
* An array holds at most :data:`MAX_SIZE` (100,000) elements.
* Numeric reductions skip ``na`` elements and return NaN when nothing is left.
  ``sort`` puts ``na`` last in numeric arrays and first in string arrays (then reverses for
  ``order.descending``). ``includes`` / ``indexof`` / ``lastindexof`` / ``percentrank`` compare
  floats with Pine's absolute tolerance :data:`EPSILON`; an ``na`` value matches ``na``
  elements (unverified).
* ``array.slice`` returns a **copy**, not the view TradingView returns: writes to the slice do
  not reach the parent array and later changes of the parent are not seen by the slice. Scripts
  that only read a fresh slice (the common use) behave identically.

Error texts not documented by TradingView (``first``/``last`` of an empty array, percentages
out of range, size mismatches) are our own wording.
"""

from __future__ import annotations

import math as _m
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from pineopt.errors import PineRuntimeError
from pineopt.runtime import whole
from pineopt.runtime.pine_str import tostring as _tostring

__all__ = [
    "EPSILON",
    "FUNCTIONS",
    "MAX_SIZE",
    "ORDER_ASCENDING",
    "ORDER_DESCENDING",
    "abs_",
    "avg",
    "binary_search",
    "binary_search_leftmost",
    "binary_search_rightmost",
    "clear",
    "concat",
    "copy",
    "covariance",
    "every",
    "fill",
    "first",
    "from_",
    "get",
    "includes",
    "indexof",
    "insert",
    "join",
    "last",
    "lastindexof",
    "max_",
    "median",
    "min_",
    "mode",
    "new",
    "new_bool",
    "new_box",
    "new_color",
    "new_float",
    "new_int",
    "new_label",
    "new_line",
    "new_linefill",
    "new_string",
    "new_table",
    "percentile_linear_interpolation",
    "percentile_nearest_rank",
    "percentrank",
    "pop",
    "push",
    "range_",
    "remove",
    "reverse",
    "set_",
    "shift",
    "size",
    "slice_",
    "some",
    "sort",
    "sort_indices",
    "standardize",
    "stdev",
    "sum_",
    "unshift",
    "variance",
]

NA = _m.nan
MAX_SIZE = 100_000
"""Most elements an array (and a matrix) may hold."""
EPSILON = 1e-10
"""Pine's absolute float comparison tolerance (LANGUAGE-NOTES §6, measured by PyneCore)."""
ORDER_ASCENDING = "order.ascending"
ORDER_DESCENDING = "order.descending"


# --- helpers --------------------------------------------------------------------------------


def _isna(x: object) -> bool:
    return x is None or x != x


def _na_id(fn: str) -> PineRuntimeError:
    return PineRuntimeError(f"Cannot call 'array.{fn}()' with argument 'id'='na'.")


def _oob(fn: str, index: object, n: int) -> PineRuntimeError:
    return PineRuntimeError(
        f"In 'array.{fn}()' function. Index {index} is out of bounds. Array size is {n}."
    )


def _too_large() -> PineRuntimeError:
    return PineRuntimeError(f"Array is too large. Maximum size is {MAX_SIZE}.")


def _na_like(id: list) -> Any:
    """The ``na`` of the array's element type, guessed from its elements (NaN if unknown)."""
    for x in id:
        if x is None:
            continue
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return NA
        if isinstance(x, bool):
            return False
        return None
    return NA if not id else None


def _values(id: list | None, fn: str) -> list:
    """The non-``na`` elements of a numeric array."""
    if id is None:
        raise _na_id(fn)
    return [x for x in id if x is not None and x == x]


def _index(fn: str, id: list | None, index: Any) -> int:
    """Slow path of an indexed call: raise for ``na`` ids / bad indices, or return a float
    ``index`` as an ``int``, truncated toward zero (an ``int / int`` keeps its fraction,
    LANGUAGE-NOTES §10). Returns ``-(2**63)`` for an ``na`` index."""
    if id is None:
        raise _na_id(fn)
    if _isna(index):
        return -(2**63)
    if type(index) is float and abs(index) != _m.inf:
        return whole(index)
    raise _oob(fn, index, len(id))


# --- constructors ---------------------------------------------------------------------------


def new(size: int = 0, initial_value: Any = NA) -> list:
    """``array.new<T>(size, initial_value)``; the compiler passes the element type's ``na``."""
    if size is None or size != size:
        return []
    if size < 0:
        raise PineRuntimeError("Cannot create an array with a negative size.")
    if size > MAX_SIZE:
        raise _too_large()
    return [initial_value] * int(size)


def new_float(size: int = 0, initial_value: float | int = NA) -> list:
    if initial_value is None:
        initial_value = NA
    elif type(initial_value) is int:
        initial_value = float(initial_value)
    return new(size, initial_value)


def new_int(size: int = 0, initial_value: int | float = NA) -> list:
    return new(size, NA if initial_value is None else initial_value)


def new_bool(size: int = 0, initial_value: bool = False) -> list:
    return new(size, bool(initial_value) if initial_value == initial_value else False)


def new_string(size: int = 0, initial_value: str | None = None) -> list:
    return new(size, initial_value)


def new_color(size: int = 0, initial_value: Any = None) -> list:
    return new(size, initial_value)


def new_line(size: int = 0, initial_value: Any = None) -> list:
    return new(size, initial_value)


def new_label(size: int = 0, initial_value: Any = None) -> list:
    return new(size, initial_value)


def new_box(size: int = 0, initial_value: Any = None) -> list:
    return new(size, initial_value)


def new_table(size: int = 0, initial_value: Any = None) -> list:
    return new(size, initial_value)


def new_linefill(size: int = 0, initial_value: Any = None) -> list:
    return new(size, initial_value)


def from_(*args: Any) -> list:
    """``array.from(arg0, ...)``."""
    if len(args) > MAX_SIZE:
        raise _too_large()
    return list(args)


# --- element access -------------------------------------------------------------------------


def get(id: list, index: int) -> Any:
    try:
        return id[index]
    except (IndexError, TypeError):
        i = _index("get", id, index)
        if i == -(2**63):
            return _na_like(id)
        return get(id, i)


def set_(id: list, index: int, value: Any) -> None:
    try:
        id[index] = value
    except (IndexError, TypeError):
        i = _index("set", id, index)
        if i != -(2**63):
            set_(id, i, value)


def insert(id: list, index: int, value: Any) -> None:
    try:
        n = len(id)
        if -n <= index <= n:
            if n >= MAX_SIZE:
                raise _too_large()
            id.insert(index, value)
            return
    except TypeError:
        pass
    i = _index("insert", id, index)
    if i == -(2**63):
        push(id, value)
    elif -len(id) <= i <= len(id):
        insert(id, i, value)
    else:
        raise _oob("insert", index, len(id))


def remove(id: list, index: int) -> Any:
    try:
        return id.pop(index)
    except (IndexError, TypeError, AttributeError):
        i = _index("remove", id, index)
        if i == -(2**63):
            return _na_like(id)
        return remove(id, i)


def push(id: list, value: Any) -> None:
    try:
        id.append(value)
    except AttributeError:
        raise _na_id("push") from None
    if len(id) > MAX_SIZE:
        id.pop()
        raise _too_large()


def unshift(id: list, value: Any) -> None:
    if id is None:
        raise _na_id("unshift")
    if len(id) >= MAX_SIZE:
        raise _too_large()
    id.insert(0, value)


def pop(id: list) -> Any:
    try:
        return id.pop()
    except IndexError:
        raise PineRuntimeError("Cannot use pop() if array is empty.") from None
    except AttributeError:
        raise _na_id("pop") from None


def shift(id: list) -> Any:
    try:
        return id.pop(0)
    except IndexError:
        raise PineRuntimeError("Cannot use shift() if array is empty.") from None
    except AttributeError:
        raise _na_id("shift") from None


def first(id: list) -> Any:
    try:
        return id[0]
    except IndexError:
        raise _oob("first", 0, 0) from None
    except TypeError:
        raise _na_id("first") from None


def last(id: list) -> Any:
    try:
        return id[-1]
    except IndexError:
        raise _oob("last", -1, 0) from None
    except TypeError:
        raise _na_id("last") from None


def size(id: list) -> int:
    if id is None:
        raise _na_id("size")
    return len(id)


def clear(id: list) -> None:
    if id is None:
        raise _na_id("clear")
    id.clear()


def copy(id: list) -> list:
    if id is None:
        raise _na_id("copy")
    return list(id)


def concat(id1: list, id2: list) -> list:
    """Appends ``id2`` to ``id1`` **in place** and returns ``id1`` (TradingView's semantics)."""
    if id1 is None or id2 is None:
        raise _na_id("concat")
    if len(id1) + len(id2) > MAX_SIZE:
        raise _too_large()
    id1.extend(id2)
    return id1


def reverse(id: list) -> None:
    if id is None:
        raise _na_id("reverse")
    id.reverse()


def fill(id: list, value: Any, index_from: int = 0, index_to: int | None = NA) -> None:
    """Sets ``id[index_from:index_to]`` to ``value``; ``na`` bounds mean the array's ends.
    Bounds outside ``[0, size]`` raise (TradingView halts, as PyneCore measured)."""
    if id is None:
        raise _na_id("fill")
    n = len(id)
    lo = 0 if _isna(index_from) else int(index_from)
    hi = n if _isna(index_to) else int(index_to)
    if not 0 <= lo <= n:
        raise _oob("fill", lo, n)
    if not 0 <= hi <= n:
        raise _oob("fill", hi, n)
    if hi > lo:
        id[lo:hi] = [value] * (hi - lo)


def slice_(id: list, index_from: int, index_to: int) -> list:
    """``array.slice``: elements ``index_from`` (inclusive) to ``index_to`` (exclusive).

    Deviation: returns a **copy**. TradingView returns a view sharing the parent's storage, so
    there writes through either array are visible in the other; here they are not. ``na``
    bounds mean the array's ends (measured by PyneCore).
    """
    if id is None:
        raise _na_id("slice")
    n = len(id)
    lo = 0 if _isna(index_from) else int(index_from)
    hi = n if _isna(index_to) else int(index_to)
    if lo > hi:
        raise PineRuntimeError("Index 'from' should be less than index 'to'.")
    if lo < 0 or hi > n:
        raise PineRuntimeError("Slice is out of bounds of the parent array.")
    return id[lo:hi]


def join(id: list, separator: str = "") -> str:
    """Elements formatted like ``str.tostring`` (``na`` prints ``NaN``)."""
    if id is None:
        raise _na_id("join")
    return ("" if separator is None else separator).join([_tostring(x) for x in id])


# --- search ---------------------------------------------------------------------------------


def _matcher(value: Any) -> Callable[[Any], bool]:
    if value is None or value != value:
        return _isna
    if type(value) is float:

        def close(x: Any) -> bool:
            try:
                return x == value or -EPSILON <= x - value <= EPSILON
            except TypeError:
                return False

        return close
    return lambda x: x == value


def indexof(id: list, value: Any) -> int:
    if id is None:
        raise _na_id("indexof")
    if type(value) is not float:
        try:
            return id.index(value) if value is not None else _scan(id, value)
        except ValueError:
            return -1
    return _scan(id, value)


def _scan(id: list, value: Any) -> int:
    match = _matcher(value)
    for i, x in enumerate(id):
        if match(x):
            return i
    return -1


def lastindexof(id: list, value: Any) -> int:
    if id is None:
        raise _na_id("lastindexof")
    match = _matcher(value)
    for i in range(len(id) - 1, -1, -1):
        if match(id[i]):
            return i
    return -1


def includes(id: list, value: Any) -> bool:
    return indexof(id, value) >= 0


def binary_search(id: list, val: float) -> int:
    """Index of ``val`` in an ascending array, or -1."""
    if id is None:
        raise _na_id("binary_search")
    i = bisect_left(id, val)
    return i if i < len(id) and id[i] == val else -1


def binary_search_leftmost(id: list, val: float) -> int:
    """Index of ``val`` (its first occurrence), else of the nearest smaller element (-1 if
    none)."""
    if id is None:
        raise _na_id("binary_search_leftmost")
    i = bisect_left(id, val)
    return i if i < len(id) and id[i] == val else i - 1


def binary_search_rightmost(id: list, val: float) -> int:
    """Index of ``val`` (its last occurrence), else of the nearest larger element (``size``
    if none)."""
    if id is None:
        raise _na_id("binary_search_rightmost")
    j = bisect_right(id, val)
    return j - 1 if j > 0 and id[j - 1] == val else j


def every(id: list) -> bool:
    if id is None:
        raise _na_id("every")
    return all(id)


def some(id: list) -> bool:
    if id is None:
        raise _na_id("some")
    return any(id)


# --- numeric reductions ---------------------------------------------------------------------


def sum_(id: list) -> float | int:
    a = _values(id, "sum")
    return sum(a) if a else NA


def avg(id: list) -> float:
    a = _values(id, "avg")
    return sum(a) / len(a) if a else NA


def min_(id: list, nth: int = 0) -> float | int:
    """``nth`` smallest non-``na`` element (0 = the minimum); NaN when out of range."""
    a = _values(id, "min")
    if not a:
        return NA
    if nth is None or nth != nth or nth == 0:
        return min(a)
    if not 0 <= nth < len(a):
        return NA
    a.sort()
    return a[int(nth)]


def max_(id: list, nth: int = 0) -> float | int:
    """``nth`` largest non-``na`` element (0 = the maximum); NaN when out of range."""
    a = _values(id, "max")
    if not a:
        return NA
    if nth is None or nth != nth or nth == 0:
        return max(a)
    if not 0 <= nth < len(a):
        return NA
    a.sort(reverse=True)
    return a[int(nth)]


def range_(id: list) -> float | int:
    a = _values(id, "range")
    return max(a) - min(a) if a else NA


def median(id: list) -> float | int:
    a = _values(id, "median")
    if not a:
        return NA
    a.sort()
    h = len(a) // 2
    return a[h] if len(a) % 2 else (a[h - 1] + a[h]) / 2


def mode(id: list) -> float | int:
    """Most frequent non-``na`` element; the smallest of equally frequent ones."""
    a = _values(id, "mode")
    if not a:
        return NA
    counts: dict[Any, int] = {}
    for x in a:
        counts[x] = counts.get(x, 0) + 1
    best = max(counts.values())
    return min(x for x, c in counts.items() if c == best)


def variance(id: list, biased: bool = True) -> float:
    a = _values(id, "variance")
    n = len(a)
    if not n:
        return NA
    if n == 1:
        return 0.0
    mean = sum(a) / n
    ss = 0.0
    for x in a:
        ss += (x - mean) * (x - mean)
    return ss / (n if biased else n - 1)


def stdev(id: list, biased: bool = True) -> float:
    v = variance(id, biased) if id is not None else _values(id, "stdev")
    return _m.sqrt(v) if v == v else NA


def covariance(id1: list, id2: list, biased: bool = True) -> float:
    """Covariance of the pairs where both elements are non-``na`` (an online co-moment, the
    form PyneCore measured to match TradingView to the bit). Arrays of different sizes give
    NaN (unverified)."""
    if id1 is None or id2 is None:
        raise _na_id("covariance")
    if len(id1) != len(id2):
        return NA
    n = 0
    mx = my = cm = 0.0
    for x, y in zip(id1, id2, strict=True):
        if x is None or y is None or x != x or y != y:
            continue
        n += 1
        dx = x - mx
        mx += dx / n
        my += (y - my) / n
        cm += dx * (y - my)
    if not n:
        return NA
    d = n if biased else n - 1
    return cm / d if d else 0.0


def abs_(id: list) -> list:
    if id is None:
        raise _na_id("abs")
    return [NA if x is None else abs(x) for x in id]


def standardize(id: list) -> list:
    """z-scores against the population mean and standard deviation of the non-``na``
    elements; ``na`` stays ``na``. All-equal elements give 1.0 (as PyneCore measured)."""
    a = _values(id, "standardize")
    if not a:
        return [NA] * len(id)
    n = len(a)
    mean = sum(a) / n
    ss = 0.0
    for x in a:
        ss += (x - mean) * (x - mean)
    sd = _m.sqrt(ss / n)
    if sd == 0:
        return [NA if _isna(x) else 1.0 for x in id]
    return [NA if _isna(x) else (x - mean) / sd for x in id]


def _check_percentage(fn: str, p: float) -> None:
    if not 0 <= p <= 100:
        raise PineRuntimeError(
            f"Invalid value of the 'percentage' argument ({p}) in 'array.{fn}()'. "
            "It must be between 0 and 100."
        )


def percentile_linear_interpolation(id: list, percentage: float) -> float:
    """Linear interpolation at 1-based position ``n * p / 100 + 0.5`` over the sorted array,
    ``na`` elements sorting last. With any ``na`` present only integral positions (and the
    low clamp) give a value (PyneCore's TradingView measurements)."""
    a = _values(id, "percentile_linear_interpolation")
    if not id or _isna(percentage):
        return NA
    _check_percentage("percentile_linear_interpolation", percentage)
    a.sort()
    n, m = len(id), len(a)
    pos = n * percentage / 100.0 + 0.5
    r = round(pos)
    if abs(pos - r) < 1e-9:
        pos = float(r)
    if pos <= 1:
        return a[0] if m else NA
    if pos >= n:
        return a[-1] if m == n else NA
    lo = int(pos)
    frac = pos - lo
    if frac == 0:
        return a[lo - 1] if lo <= m else NA
    if m < n:
        return NA
    return a[lo - 1] * (1 - frac) + a[lo] * frac


def percentile_nearest_rank(id: list, percentage: float) -> float | int:
    """Element of rank ``ceil(p * n / 100)`` (clamped to ``[1, n]``) in the sorted array,
    ``na`` elements sorting last; an ``na`` percentage counts as 0."""
    a = _values(id, "percentile_nearest_rank")
    if not id:
        return NA
    if _isna(percentage):
        percentage = 0
    _check_percentage("percentile_nearest_rank", percentage)
    a.sort()
    n, m = len(id), len(a)
    if percentage == 0:
        return a[0] if m else NA
    rank = min(max(_m.ceil(percentage * n / 100), 1), n)
    return a[rank - 1] if rank <= m else NA


def percentrank(id: list, index: int) -> float:
    """Percentage of the other elements that are <= the element at ``index``:
    ``(count(x <= v) - 1) * 100 / (size - 1)``. No negative indices here; an ``na`` index
    counts as 0."""
    if id is None:
        raise _na_id("percentrank")
    if _isna(index):
        index = 0
    n = len(id)
    if not n:
        return NA
    if not 0 <= index < n:
        raise _oob("percentrank", index, n)
    if n == 1:
        return NA
    v = id[int(index)]
    if _isna(v):
        return NA
    count = 0
    for x in id:
        if x is not None and x == x and (x <= v or x - v <= EPSILON):
            count += 1
    return (count - 1) * 100.0 / (n - 1)


# --- sorting --------------------------------------------------------------------------------


def _sort_key(sort_field: str | None) -> Callable[[Any], Any] | None:
    if not sort_field:
        return None
    return lambda x: getattr(x, sort_field)


def _split_na(id: list, key: Callable[[Any], Any] | None) -> tuple[list[int], list[int]]:
    good: list[int] = []
    bad: list[int] = []
    for i, x in enumerate(id):
        v = key(x) if key is not None and x is not None else x
        (bad if v is None or v != v else good).append(i)
    return good, bad


def sort_indices(id: list, order: str = ORDER_ASCENDING, sort_field: str | None = None) -> list:
    """Indices that visit ``id`` in sorted order; ``na`` elements go last in numeric arrays,
    first in string arrays, keeping their relative order; descending reverses the result."""
    if id is None:
        raise _na_id("sort_indices")
    key = _sort_key(sort_field)
    good, bad = _split_na(id, key)
    if key is None:
        good.sort(key=id.__getitem__)
        sample = id[good[0]] if good else None
    else:
        good.sort(key=lambda i: key(id[i]))
        sample = key(id[good[0]]) if good else None
    out = bad + good if isinstance(sample, str) else good + bad
    if order == ORDER_DESCENDING:
        out.reverse()
    return out


def sort(id: list, order: str = ORDER_ASCENDING, sort_field: str | None = None) -> None:
    """Sorts in place (see :func:`sort_indices` for ``na`` placement)."""
    if id is None:
        raise _na_id("sort")
    if sort_field is None:
        try:
            for x in id:
                if x is None or x != x:
                    break
            else:
                id.sort(reverse=order == ORDER_DESCENDING)
                return
        except TypeError:
            pass
    idx = sort_indices(id, order, sort_field)
    id[:] = [id[i] for i in idx]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "array.abs": abs_,
    "array.avg": avg,
    "array.binary_search": binary_search,
    "array.binary_search_leftmost": binary_search_leftmost,
    "array.binary_search_rightmost": binary_search_rightmost,
    "array.clear": clear,
    "array.concat": concat,
    "array.copy": copy,
    "array.covariance": covariance,
    "array.every": every,
    "array.fill": fill,
    "array.first": first,
    "array.from": from_,
    "array.get": get,
    "array.includes": includes,
    "array.indexof": indexof,
    "array.insert": insert,
    "array.join": join,
    "array.last": last,
    "array.lastindexof": lastindexof,
    "array.max": max_,
    "array.median": median,
    "array.min": min_,
    "array.mode": mode,
    "array.new": new,
    "array.new_bool": new_bool,
    "array.new_box": new_box,
    "array.new_color": new_color,
    "array.new_float": new_float,
    "array.new_int": new_int,
    "array.new_label": new_label,
    "array.new_line": new_line,
    "array.new_linefill": new_linefill,
    "array.new_string": new_string,
    "array.new_table": new_table,
    "array.percentile_linear_interpolation": percentile_linear_interpolation,
    "array.percentile_nearest_rank": percentile_nearest_rank,
    "array.percentrank": percentrank,
    "array.pop": pop,
    "array.push": push,
    "array.range": range_,
    "array.remove": remove,
    "array.reverse": reverse,
    "array.set": set_,
    "array.shift": shift,
    "array.size": size,
    "array.slice": slice_,
    "array.some": some,
    "array.sort": sort,
    "array.sort_indices": sort_indices,
    "array.standardize": standardize,
    "array.stdev": stdev,
    "array.sum": sum_,
    "array.unshift": unshift,
    "array.variance": variance,
}
"""Pine name -> callable, for every ``array.*`` function."""
