"""Pine ``matrix`` functions (bar-loop path), with hand-computed expectations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import pine_matrix as pm
from pineopt.runtime.pine_matrix import PineMatrix

NAN = float("nan")
TSV = Path(__file__).resolve().parents[2] / "pineopt" / "lang" / "data" / "v6-builtins.tsv"


def M(*rows: list) -> PineMatrix:
    return PineMatrix([list(r) for r in rows])


def test_functions_cover_the_namespace() -> None:
    rows = (line.split("\t") for line in TSV.read_text().splitlines()[1:])
    names = {r[0] for r in rows if r[0].startswith("matrix.") and r[1] == "function"}
    assert set(pm.FUNCTIONS) == names
    assert len(pm.FUNCTIONS) == 49


# --- construction and access ----------------------------------------------------------------


def test_new_get_set_shape() -> None:
    m = pm.new(2, 3, 0)
    assert (pm.rows(m), pm.columns(m), pm.elements_count(m)) == (2, 3, 6)
    pm.set_(m, 1, 2, 7)
    assert pm.get(m, 1, 2) == 7 and pm.get(m, 0, 0) == 0
    e = pm.new()
    assert (pm.rows(e), pm.columns(e)) == (0, 0)
    assert all(math.isnan(x) for x in pm.row(pm.new(1, 2), 0))
    assert pm.get(m, NAN, 0) != pm.get(m, NAN, 0)  # na index -> na


def test_new_errors() -> None:
    with pytest.raises(PineRuntimeError, match="negative"):
        pm.new(-1, 2)
    with pytest.raises(PineRuntimeError, match="too large"):
        pm.new(1000, 101)
    assert pm.elements_count(pm.new(1000, 100)) == 100_000


def test_index_errors() -> None:
    m = pm.new(2, 2, 0)
    with pytest.raises(PineRuntimeError, match="Row index 2 is out of bounds"):
        pm.get(m, 2, 0)
    with pytest.raises(PineRuntimeError, match="Row index -1 is out of bounds"):
        pm.get(m, -1, 0)  # no negative indices for matrices
    with pytest.raises(PineRuntimeError, match="Column index 5 is out of bounds"):
        pm.set_(m, 0, 5, 1)
    with pytest.raises(PineRuntimeError, match="'id'='na'"):
        pm.get(None, 0, 0)
    with pytest.raises(PineRuntimeError, match="'id'='na'"):
        pm.rows(None)


def test_row_col_copy() -> None:
    m = M([1, 2, 3], [4, 5, 6])
    r = pm.row(m, 1)
    assert r == [4, 5, 6]
    r[0] = 0
    assert pm.get(m, 1, 0) == 4  # a new array
    assert pm.col(m, 2) == [3, 6]
    c = pm.copy(m)
    pm.set_(c, 0, 0, 9)
    assert pm.get(m, 0, 0) == 1
    assert list(m) == [[1, 2, 3], [4, 5, 6]]  # for row in matrix


# --- shape changes --------------------------------------------------------------------------


def test_add_remove_rows_cols() -> None:
    m = M([1, 2], [3, 4])
    pm.add_row(m, 1, [9, 9])
    assert m.data == [[1, 2], [9, 9], [3, 4]] and pm.rows(m) == 3
    pm.add_row(m)  # appended, filled with na
    assert pm.rows(m) == 4 and math.isnan(pm.get(m, 3, 0))
    assert pm.remove_row(m)[0] != pm.remove_row(M([NAN]))[0]  # removed the na row
    assert pm.remove_row(m, 1) == [9, 9]
    assert m.data == [[1, 2], [3, 4]]
    pm.add_col(m, 0, [7, 8])
    assert m.data == [[7, 1, 2], [8, 3, 4]] and pm.columns(m) == 3
    assert pm.remove_col(m) == [2, 4]
    assert pm.remove_col(m, 0) == [7, 8]
    assert m.data == [[1], [3]] and pm.columns(m) == 1
    with pytest.raises(PineRuntimeError, match="array size"):
        pm.add_row(m, 0, [1, 2])
    with pytest.raises(PineRuntimeError, match="Row index 5"):
        pm.add_row(m, 5, [1])
    e = pm.new()
    pm.add_row(e, 0, [1, 2, 3])
    assert e.data == [[1, 2, 3]] and (pm.rows(e), pm.columns(e)) == (1, 3)
    e = pm.new()
    pm.add_col(e, 0, [1, 2])
    assert e.data == [[1], [2]] and (pm.rows(e), pm.columns(e)) == (2, 1)


def test_swaps_reverse_transpose() -> None:
    m = M([1, 2, 3], [4, 5, 6])
    pm.swap_rows(m, 0, 1)
    assert m.data == [[4, 5, 6], [1, 2, 3]]
    pm.swap_columns(m, 0, 2)
    assert m.data == [[6, 5, 4], [3, 2, 1]]
    pm.reverse(m)
    assert m.data == [[1, 2, 3], [4, 5, 6]]
    t = pm.transpose(m)
    assert t.data == [[1, 4], [2, 5], [3, 6]] and (t.rows, t.columns) == (3, 2)
    with pytest.raises(PineRuntimeError, match="Row index 2"):
        pm.swap_rows(m, 0, 2)


def test_fill_submatrix_reshape() -> None:
    m = pm.new(3, 3, 0)
    pm.fill(m, 1, 1, 3, 0, 2)
    assert m.data == [[0, 0, 0], [1, 1, 0], [1, 1, 0]]
    pm.fill(m, 5)
    assert m.data == [[5] * 3] * 3
    m = M([1, 2, 3], [4, 5, 6], [7, 8, 9])
    s = pm.submatrix(m, 1, 3, 1, 3)
    assert s.data == [[5, 6], [8, 9]] and (s.rows, s.columns) == (2, 2)
    assert pm.submatrix(m).data == m.data
    with pytest.raises(PineRuntimeError, match="out of bounds"):
        pm.submatrix(m, 0, 4)
    m = M([1, 2, 3], [4, 5, 6])
    pm.reshape(m, 3, 2)
    assert m.data == [[1, 2], [3, 4], [5, 6]] and (m.rows, m.columns) == (3, 2)
    with pytest.raises(PineRuntimeError, match="reshape"):
        pm.reshape(m, 4, 2)


def test_concat() -> None:
    a = M([1, 2])
    r = pm.concat(a, M([3, 4], [5, 6]))
    assert r is a and a.data == [[1, 2], [3, 4], [5, 6]] and a.rows == 3
    with pytest.raises(PineRuntimeError, match="same number of columns"):
        pm.concat(a, M([1, 2, 3]))
    b = M([1, 2])
    assert pm.concat(b, b).data == [[1, 2], [1, 2]] and b.rows == 2  # with itself: doubled


# --- arithmetic -----------------------------------------------------------------------------


def test_sum_diff() -> None:
    a, b = M([1, 2], [3, 4]), M([10, 20], [30, 40])
    assert pm.sum_(a, b).data == [[11, 22], [33, 44]]
    assert pm.diff(b, a).data == [[9, 18], [27, 36]]
    assert pm.sum_(a, 1.5).data == [[2.5, 3.5], [4.5, 5.5]]
    assert pm.diff(a, 1).data == [[0, 1], [2, 3]]
    with pytest.raises(PineRuntimeError, match="same dimensions"):
        pm.sum_(a, M([1, 2]))


def test_mult() -> None:
    a = M([1, 2], [3, 4])
    b = M([5, 6], [7, 8])
    assert pm.mult(a, b).data == [[19, 22], [43, 50]]
    assert pm.mult(a, 2).data == [[2, 4], [6, 8]]
    assert pm.mult(a, [1, 1]) == [3, 7]
    c = M([1, 2, 3])
    d = M([1], [2], [3])
    assert pm.mult(c, d).data == [[14]]
    assert pm.mult(d, c).data == [[1, 2, 3], [2, 4, 6], [3, 6, 9]]
    with pytest.raises(PineRuntimeError, match="number of columns"):
        pm.mult(c, c)
    with pytest.raises(PineRuntimeError, match="array size"):
        pm.mult(a, [1, 2, 3])


def test_pow_kron_trace() -> None:
    a = M([1, 1], [1, 0])
    assert pm.pow_(a, 5).data == [[8, 5], [5, 3]]  # Fibonacci
    assert pm.pow_(a, 1).data == [[1, 1], [1, 0]]
    assert pm.pow_(a, 0).data == [[1, 0], [0, 1]]
    with pytest.raises(PineRuntimeError, match="square"):
        pm.pow_(M([1, 2]), 2)
    k = pm.kron(M([1, 2]), M([1], [10]))
    assert k.data == [[1, 2], [10, 20]] and (k.rows, k.columns) == (2, 2)
    assert pm.trace(M([1, 2], [3, 4])) == 5


def test_linear_algebra() -> None:
    a = M([4.0, 7.0], [2.0, 6.0])
    assert pm.det(a) == pytest.approx(10.0)
    inv = pm.inv(a)
    assert pm.row(inv, 0) == pytest.approx([0.6, -0.7])
    assert pm.row(inv, 1) == pytest.approx([-0.2, 0.4])
    sing = pm.inv(M([1.0, 2.0], [2.0, 4.0]))
    assert all(math.isnan(x) for r in sing.data for x in r)
    assert pm.rank(M([1.0, 2.0], [2.0, 4.0])) == 1
    assert pm.rank(a) == 2
    p = pm.pinv(M([1.0, 2.0]))  # pinv of a row vector v is v^T / |v|^2
    assert (p.rows, p.columns) == (2, 1)
    assert p.data[0][0] == pytest.approx(0.2) and p.data[1][0] == pytest.approx(0.4)
    with pytest.raises(PineRuntimeError, match="square"):
        pm.det(M([1.0, 2.0]))


def test_eigen() -> None:
    a = M([2.0, 0.0], [0.0, 3.0])
    assert sorted(pm.eigenvalues(a)) == pytest.approx([2.0, 3.0])
    s = M([2.0, 1.0], [1.0, 2.0])
    vals = pm.eigenvalues(s)
    vecs = pm.eigenvectors(s)
    assert sorted(vals) == pytest.approx([1.0, 3.0])
    for k, lam in enumerate(vals):  # A v = lambda v, column k
        v = pm.col(vecs, k)
        av = pm.mult(s, v)
        assert av == pytest.approx([lam * x for x in v])
        assert math.hypot(*v) == pytest.approx(1.0)


# --- reductions, sort, predicates -----------------------------------------------------------


def test_reductions() -> None:
    m = M([1.0, 2.0, NAN], [4.0, 2.0, 9.0])
    assert pm.avg(m) == pytest.approx(3.6)
    assert pm.min_(m) == 1.0 and pm.max_(m) == 9.0
    assert pm.median(m) == 2.0
    assert pm.mode(m) == 2.0


def test_sort() -> None:
    m = M([3, 30], [1, 10], [2, 20])
    pm.sort(m)
    assert m.data == [[1, 10], [2, 20], [3, 30]]
    pm.sort(m, 1, "order.descending")
    assert m.data == [[3, 30], [2, 20], [1, 10]]
    with pytest.raises(PineRuntimeError, match="Column index 2"):
        pm.sort(m, 2)


def test_predicates() -> None:
    ident = M([1, 0], [0, 1])
    assert pm.is_square(ident) and pm.is_identity(ident) and pm.is_diagonal(ident)
    assert pm.is_binary(ident) and not pm.is_zero(ident) and pm.is_symmetric(ident)
    assert pm.is_triangular(ident)
    assert pm.is_zero(pm.new(2, 3, 0)) and not pm.is_square(pm.new(2, 3, 0))
    assert not pm.is_identity(M([1, 0], [0, 2])) and pm.is_diagonal(M([1, 0], [0, 2]))
    assert pm.is_antidiagonal(M([0, 1], [2, 0])) and not pm.is_antidiagonal(ident)
    assert pm.is_antisymmetric(M([0, 2], [-2, 0])) and not pm.is_antisymmetric(ident)
    assert pm.is_symmetric(M([1, 2], [2, 3])) and not pm.is_symmetric(M([1, 2], [3, 1]))
    assert pm.is_triangular(M([1, 2], [0, 3])) and pm.is_triangular(M([1, 0], [5, 3]))
    assert not pm.is_triangular(M([1, 2], [5, 3]))
    assert not pm.is_binary(M([0, 2]))
    assert pm.is_stochastic(M([0.5, 0.5], [0.2, 0.8]))
    assert not pm.is_stochastic(M([0.5, 0.6])) and not pm.is_stochastic(M([1.5, -0.5]))


def test_str() -> None:
    assert str(M([1, 2], [3.5, NAN])) == "[1, 2]\n[3.5, NaN]"
