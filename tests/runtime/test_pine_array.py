"""Pine ``array`` functions (bar-loop path), with hand-computed expectations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import pine_array as pa

NAN = float("nan")
TSV = Path(__file__).resolve().parents[2] / "pineopt" / "lang" / "data" / "v6-builtins.tsv"


def _names(ns: str) -> set[str]:
    rows = (line.split("\t") for line in TSV.read_text().splitlines()[1:])
    return {r[0] for r in rows if r[0].startswith(ns + ".") and r[1] == "function"}


def nan(x: float) -> bool:
    return isinstance(x, float) and math.isnan(x)


def test_functions_cover_the_namespace() -> None:
    assert set(pa.FUNCTIONS) == _names("array")
    assert len(pa.FUNCTIONS) == 55


# --- constructors ---------------------------------------------------------------------------


def test_new_variants() -> None:
    assert pa.new(3, 1.5) == [1.5, 1.5, 1.5]
    assert pa.new() == []
    assert all(nan(x) for x in pa.new_float(2))
    assert pa.new_float(2, 1) == [1.0, 1.0] and isinstance(pa.new_float(1, 1)[0], float)
    assert all(nan(x) for x in pa.new_int(2))
    assert pa.new_int(2, 7) == [7, 7]
    assert pa.new_bool(2) == [False, False]
    assert pa.new_string(2) == [None, None]
    assert pa.new_string(1, "a") == ["a"]
    for f in (pa.new_color, pa.new_line, pa.new_label, pa.new_box, pa.new_table, pa.new_linefill):
        assert f(2) == [None, None]
    assert pa.new(NAN, 1) == []  # na size: empty (measured by PyneCore)
    assert pa.from_(1, 2, 3) == [1, 2, 3]
    assert pa.from_() == []


def test_new_errors_and_limit() -> None:
    with pytest.raises(PineRuntimeError, match="negative size"):
        pa.new(-1)
    assert len(pa.new(100_000, 0)) == 100_000
    with pytest.raises(PineRuntimeError, match="Maximum size is 100000"):
        pa.new(100_001)


def test_push_limit() -> None:
    a = pa.new(100_000, 0)
    with pytest.raises(PineRuntimeError, match="too large"):
        pa.push(a, 1)
    assert len(a) == 100_000
    with pytest.raises(PineRuntimeError, match="too large"):
        pa.unshift(a, 1)
    with pytest.raises(PineRuntimeError, match="too large"):
        pa.insert(a, 0, 1)
    with pytest.raises(PineRuntimeError, match="too large"):
        pa.concat(a, [1])
    assert len(a) == 100_000


# --- indexed access -------------------------------------------------------------------------


def test_get_set_negative_indices() -> None:
    a = [10, 20, 30]
    assert pa.get(a, 0) == 10
    assert pa.get(a, -1) == 30
    assert pa.get(a, -3) == 10
    assert pa.get(a, 2.0) == 30  # integral float index
    pa.set_(a, -1, 99)
    pa.set_(a, 0, 5)
    assert a == [5, 20, 99]


@pytest.mark.parametrize("index", [3, 5, -4])
def test_get_out_of_bounds(index: int) -> None:
    with pytest.raises(PineRuntimeError) as e:
        pa.get([1, 2, 3], index)
    assert f"Index {index} is out of bounds. Array size is 3." in str(e.value)
    assert "array.get()" in str(e.value)


def test_set_out_of_bounds() -> None:
    with pytest.raises(PineRuntimeError, match=r"Index 3 is out of bounds\. Array size is 3"):
        pa.set_([1, 2, 3], 3, 0)


def test_na_index() -> None:
    a = [10.0, 20.0]
    assert nan(pa.get(a, NAN))
    assert nan(pa.get(a, None))
    assert pa.get(["x"], NAN) is None
    pa.set_(a, NAN, 1.0)
    assert a == [10.0, 20.0]
    assert nan(pa.remove(a, NAN))
    assert a == [10.0, 20.0]
    pa.insert(a, NAN, 30.0)  # na index appends (measured by PyneCore)
    assert a == [10.0, 20.0, 30.0]


def test_na_array_raises() -> None:
    for fn, args in [
        (pa.get, (None, 0)),
        (pa.set_, (None, 0, 1)),
        (pa.push, (None, 1)),
        (pa.pop, (None,)),
        (pa.size, (None,)),
        (pa.sum_, (None,)),
        (pa.sort, (None,)),
        (pa.insert, (None, 0, 1)),
        (pa.remove, (None, 0)),
        (pa.first, (None,)),
        (pa.stdev, (None,)),
    ]:
        with pytest.raises(PineRuntimeError, match="with argument 'id'='na'"):
            fn(*args)


def test_insert_remove() -> None:
    a = [1, 2, 3]
    pa.insert(a, 0, 0)
    assert a == [0, 1, 2, 3]
    pa.insert(a, 4, 4)  # index == size appends
    assert a == [0, 1, 2, 3, 4]
    pa.insert(a, -1, 9)  # before the last element
    assert a == [0, 1, 2, 3, 9, 4]
    with pytest.raises(PineRuntimeError, match=r"Index 7 is out of bounds\. Array size is 6"):
        pa.insert(a, 7, 0)
    with pytest.raises(PineRuntimeError, match="Index -7 is out of bounds"):
        pa.insert(a, -7, 0)
    assert pa.remove(a, -2) == 9
    assert pa.remove(a, 0) == 0
    assert a == [1, 2, 3, 4]
    with pytest.raises(PineRuntimeError, match=r"Index 4 is out of bounds\. Array size is 4"):
        pa.remove(a, 4)


def test_push_pop_shift_unshift_first_last() -> None:
    a: list = []
    pa.push(a, 1)
    pa.push(a, 2)
    pa.unshift(a, 0)
    assert a == [0, 1, 2]
    assert pa.first(a) == 0 and pa.last(a) == 2
    assert pa.pop(a) == 2
    assert pa.shift(a) == 0
    assert a == [1]
    assert pa.size(a) == 1
    pa.clear(a)
    assert a == [] and pa.size(a) == 0
    with pytest.raises(PineRuntimeError, match=r"Cannot use pop\(\) if array is empty"):
        pa.pop(a)
    with pytest.raises(PineRuntimeError, match=r"Cannot use shift\(\) if array is empty"):
        pa.shift(a)
    with pytest.raises(PineRuntimeError, match=r"out of bounds\. Array size is 0"):
        pa.first(a)
    with pytest.raises(PineRuntimeError, match=r"out of bounds\. Array size is 0"):
        pa.last(a)


# --- whole-array operations -----------------------------------------------------------------


def test_copy_concat_reverse() -> None:
    a = [1, 2]
    b = pa.copy(a)
    b.append(3)
    assert a == [1, 2]
    r = pa.concat(a, [3, 4])
    assert r is a and a == [1, 2, 3, 4]
    pa.reverse(a)
    assert a == [4, 3, 2, 1]


def test_fill() -> None:
    a = [1, 2, 3, 4]
    pa.fill(a, 0)
    assert a == [0, 0, 0, 0]
    a = [10, 20, 30, 40]
    pa.fill(a, 5, 1, 3)
    assert a == [10, 5, 5, 40]
    a = [10, 20, 30, 40]
    pa.fill(a, 5, NAN, 2)
    assert a == [5, 5, 30, 40]
    a = [10, 20, 30, 40]
    pa.fill(a, 5, 1)
    assert a == [10, 5, 5, 5]
    with pytest.raises(PineRuntimeError, match="Index 9 is out of bounds"):
        pa.fill(a, 0, 0, 9)


def test_slice_is_a_copy() -> None:
    a = [10, 20, 30, 40]
    s = pa.slice_(a, 1, 3)
    assert s == [20, 30]
    assert pa.slice_(a, NAN, 2) == [10, 20]
    assert pa.slice_(a, 1, NAN) == [20, 30, 40]
    assert pa.slice_(a, 2, 2) == []
    s[0] = 0
    assert a == [10, 20, 30, 40]  # documented deviation: TradingView's slice is a view
    with pytest.raises(PineRuntimeError, match="'from' should be less than index 'to'"):
        pa.slice_(a, 3, 1)
    with pytest.raises(PineRuntimeError, match="out of bounds of the parent array"):
        pa.slice_(a, 0, 5)
    with pytest.raises(PineRuntimeError, match="out of bounds of the parent array"):
        pa.slice_(a, -1, 2)


def test_join() -> None:
    assert pa.join([1, 2, 3], ", ") == "1, 2, 3"
    assert pa.join([1.5, 2.0, NAN], ";") == "1.5;2;NaN"
    assert pa.join(["a", "b"]) == "ab"
    assert pa.join([]) == ""


def test_every_some() -> None:
    assert pa.every([True, True]) and not pa.every([True, False])
    assert pa.some([False, True]) and not pa.some([False, False])


# --- search ---------------------------------------------------------------------------------


def test_indexof_includes() -> None:
    a = [1.0, 2.0, 3.0, 2.0]
    assert pa.indexof(a, 2.0) == 1
    assert pa.lastindexof(a, 2.0) == 3
    assert pa.indexof(a, 5.0) == -1 and pa.lastindexof(a, 5.0) == -1
    assert pa.includes(a, 3.0) and not pa.includes(a, 4.0)
    assert pa.indexof(a, 2.0 + 1e-12) == 1  # Pine's float tolerance
    assert pa.indexof(a, 2.0 + 1e-6) == -1
    assert pa.indexof(["a", "b"], "b") == 1
    assert pa.indexof([1, 2], 2) == 1
    assert pa.indexof([1.0, NAN], NAN) == 1  # na matches na elements (unverified)
    assert pa.indexof(["a", None], None) == 1
    assert not pa.includes([1.0], NAN)


def test_binary_search() -> None:
    a = [1, 3, 3, 5, 7]
    assert pa.binary_search(a, 5) == 3
    assert pa.binary_search(a, 4) == -1
    assert pa.binary_search_leftmost(a, 3) == 1
    assert pa.binary_search_rightmost(a, 3) == 2
    assert pa.binary_search_leftmost(a, 4) == 2  # nearest smaller: 3 at index 2
    assert pa.binary_search_rightmost(a, 4) == 3  # nearest larger: 5 at index 3
    assert pa.binary_search_leftmost(a, 0) == -1
    assert pa.binary_search_rightmost(a, 9) == 5


# --- numeric reductions ---------------------------------------------------------------------


def test_sum_avg_range_skip_na() -> None:
    a = [1.0, NAN, 2.0, 6.0]
    assert pa.sum_(a) == 9.0
    assert pa.avg(a) == 3.0
    assert pa.range_(a) == 5.0
    assert pa.sum_([1, 2, 3]) == 6 and isinstance(pa.sum_([1, 2, 3]), int)
    for f in (pa.sum_, pa.avg, pa.range_, pa.median, pa.mode, pa.stdev, pa.variance):
        assert nan(f([])), f
        assert nan(f([NAN, NAN])), f


def test_min_max_nth() -> None:
    a = [5.0, 1.0, NAN, 3.0, 4.0]
    assert pa.min_(a) == 1.0 and pa.max_(a) == 5.0
    assert pa.min_(a, 1) == 3.0 and pa.max_(a, 1) == 4.0
    assert pa.min_(a, 3) == 5.0 and pa.max_(a, 3) == 1.0
    assert nan(pa.min_(a, 4)) and nan(pa.max_(a, -1))
    assert pa.max_(a, NAN) == 5.0
    assert nan(pa.min_([])) and nan(pa.max_([NAN]))


def test_median_mode() -> None:
    assert pa.median([3.0, 1.0, 2.0]) == 2.0
    assert pa.median([4.0, 1.0, 3.0, 2.0, NAN]) == 2.5
    assert pa.mode([1, 2, 2, 3, 3]) == 2  # ties: the smallest
    assert pa.mode([5.0, 4.0, 5.0, NAN, NAN, NAN]) == 5.0


def test_stdev_variance_covariance() -> None:
    a = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    assert pa.variance(a) == 4.0
    assert pa.stdev(a) == 2.0
    assert pa.variance(a, False) == pytest.approx(32 / 7)
    assert pa.stdev(a, False) == pytest.approx(math.sqrt(32 / 7))
    assert pa.variance([3.0]) == 0.0 and pa.stdev([3.0, NAN]) == 0.0
    x = [1.0, 2.0, 3.0, NAN]
    y = [2.0, 4.0, 7.0, 1.0]
    # pairs (1,2) (2,4) (3,7): means 2 and 13/3; co-moment (-1)(-7/3)+0+(1)(8/3) = 5
    assert pa.covariance(x, y) == pytest.approx(5 / 3)
    assert pa.covariance(x, y, False) == pytest.approx(5 / 2)
    assert nan(pa.covariance([1.0], [1.0, 2.0]))
    assert nan(pa.covariance([], []))


def test_abs_standardize() -> None:
    out = pa.abs_([-1, 2.5, NAN, -0.5])
    assert out[:2] == [1, 2.5] and nan(out[2]) and out[3] == 0.5
    z = pa.standardize([1.0, 2.0, 3.0, NAN])
    s = math.sqrt(2 / 3)
    assert z[0] == pytest.approx(-1 / s) and z[1] == 0.0 and z[2] == pytest.approx(1 / s)
    assert nan(z[3])
    assert pa.standardize([2.0, 2.0]) == [1.0, 1.0]  # as PyneCore measured
    assert all(nan(v) for v in pa.standardize([NAN]))


def test_percentiles() -> None:
    a = [4.0, 1.0, 3.0, 2.0]
    assert pa.percentile_linear_interpolation(a, 50) == 2.5
    assert pa.percentile_linear_interpolation(a, 0) == 1.0
    assert pa.percentile_linear_interpolation(a, 100) == 4.0
    assert pa.percentile_linear_interpolation(a, 25) == 1.5  # pos 1.5
    assert nan(pa.percentile_linear_interpolation(a, NAN))
    assert nan(pa.percentile_linear_interpolation([], 50))
    # with an na element only integral positions give a value: pos 2.0 -> rank 2, pos 1.7 -> na
    assert pa.percentile_linear_interpolation([1.0, 2.0, NAN], 50) == 2.0
    assert nan(pa.percentile_linear_interpolation([1.0, 2.0, NAN], 40))
    assert pa.percentile_nearest_rank(a, 50) == 2.0  # rank ceil(2) = 2
    assert pa.percentile_nearest_rank(a, 51) == 3.0  # rank ceil(2.04) = 3
    assert pa.percentile_nearest_rank(a, 0) == 1.0
    assert pa.percentile_nearest_rank(a, 100) == 4.0
    assert pa.percentile_nearest_rank(a, NAN) == 1.0  # na counts as 0
    assert nan(pa.percentile_nearest_rank([1.0, NAN], 100))  # rank 2 is the na
    assert nan(pa.percentile_nearest_rank([], 10))
    with pytest.raises(PineRuntimeError, match="between 0 and 100"):
        pa.percentile_nearest_rank(a, 101)
    with pytest.raises(PineRuntimeError, match="between 0 and 100"):
        pa.percentile_linear_interpolation(a, -1)


def test_percentrank() -> None:
    a = [10.0, 20.0, 30.0, 40.0]
    assert pa.percentrank(a, 0) == 0.0
    assert pa.percentrank(a, 2) == pytest.approx(200 / 3)
    assert pa.percentrank(a, 3) == 100.0
    assert pa.percentrank(a, NAN) == 0.0  # na index counts as 0
    assert nan(pa.percentrank([5.0], 0))
    assert nan(pa.percentrank([], 0))
    assert nan(pa.percentrank([1.0, NAN], 1))
    with pytest.raises(PineRuntimeError, match="Index -1 is out of bounds"):
        pa.percentrank(a, -1)


# --- sorting --------------------------------------------------------------------------------


def test_sort_numbers() -> None:
    a = [3, 1, 2]
    pa.sort(a)
    assert a == [1, 2, 3]
    pa.sort(a, pa.ORDER_DESCENDING)
    assert a == [3, 2, 1]
    a = [30.0, NAN, 10.0, 20.0]
    pa.sort(a)
    assert a[:3] == [10.0, 20.0, 30.0] and nan(a[3])
    pa.sort(a, "order.descending")
    assert nan(a[0]) and a[1:] == [30.0, 20.0, 10.0]


def test_sort_strings_na_first() -> None:
    a = ["b", None, "a"]
    pa.sort(a)
    assert a == [None, "a", "b"]


def test_sort_indices() -> None:
    a = [NAN, NAN, 5.0, 1.0]
    assert pa.sort_indices(a) == [3, 2, 0, 1]
    assert pa.sort_indices([5, 1, 4]) == [1, 2, 0]
    assert pa.sort_indices([5, 1, 4], pa.ORDER_DESCENDING) == [0, 2, 1]
    assert a[2] == 5.0  # unchanged


def test_sort_field() -> None:
    class P:
        def __init__(self, v: float) -> None:
            self.v = v

    items = [P(3.0), P(1.0), P(2.0)]
    assert pa.sort_indices(items, pa.ORDER_ASCENDING, "v") == [1, 2, 0]
    pa.sort(items, pa.ORDER_DESCENDING, "v")
    assert [p.v for p in items] == [3.0, 2.0, 1.0]
