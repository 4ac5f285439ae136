"""Pine's ``matrix`` namespace (bar-loop path).

A ``matrix<T>`` is a :class:`PineMatrix`: ``rows`` x ``columns`` elements stored row-major as
a list of row lists (``data[row][column]``); ``na`` (the matrix itself) is ``None``. Elements
follow the runtime conventions (numeric ``na`` is NaN). At most
:data:`~pineopt.runtime.pine_array.MAX_SIZE` (100,000) elements.

Indices are ``0 <= i < size`` (no negative indices for matrices); violations raise
:class:`~pineopt.errors.PineRuntimeError`. An ``na`` row/column index makes ``get`` return
``na`` (measured by PyneCore). Element-wise arithmetic, ``mult``, ``pow``, ``trace`` and the
reductions are plain Python (the summation order of a naive loop, and ``int`` stays ``int``);
``det``, ``inv``, ``pinv``, ``rank``, ``eigenvalues``, ``eigenvectors`` use numpy (LAPACK), so
their last bits may differ from TradingView's. Reductions (``avg``, ``min``, ``max``,
``median``, ``mode``) skip ``na`` like their ``array.*`` counterparts.

Unverified choices: error texts; ``inv`` of a singular matrix gives a matrix of NaN;
``eigenvalues`` / ``eigenvectors`` keep numpy's order, return real parts and unit-length
eigenvectors (one per column); ``is_stochastic`` means non-negative with every row summing to
1 (tolerance :data:`~pineopt.runtime.pine_array.EPSILON`); ``str(matrix)`` prints one
``[a, b]`` row per line.
"""

from __future__ import annotations

import math as _m
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from pineopt.errors import PineRuntimeError
from pineopt.runtime import pine_array as _arr
from pineopt.runtime import whole
from pineopt.runtime.pine_str import tostring as _tostring

__all__ = [
    "FUNCTIONS",
    "PineMatrix",
    "add_col",
    "add_row",
    "avg",
    "col",
    "columns",
    "concat",
    "copy",
    "det",
    "diff",
    "eigenvalues",
    "eigenvectors",
    "elements_count",
    "fill",
    "get",
    "inv",
    "is_antidiagonal",
    "is_antisymmetric",
    "is_binary",
    "is_diagonal",
    "is_identity",
    "is_square",
    "is_stochastic",
    "is_symmetric",
    "is_triangular",
    "is_zero",
    "kron",
    "max_",
    "median",
    "min_",
    "mode",
    "mult",
    "new",
    "pinv",
    "pow_",
    "rank",
    "remove_col",
    "remove_row",
    "reshape",
    "reverse",
    "row",
    "rows",
    "set_",
    "sort",
    "submatrix",
    "sum_",
    "swap_columns",
    "swap_rows",
    "trace",
    "transpose",
]

NA = _m.nan
MAX_SIZE = _arr.MAX_SIZE
EPS = _arr.EPSILON


class PineMatrix:
    """A Pine matrix: ``rows`` x ``columns`` elements in ``data`` (a list of row lists)."""

    __slots__ = ("columns", "data", "rows")

    def __init__(self, data: list[list[Any]], columns: int | None = None) -> None:
        self.data = data
        self.rows = len(data)
        self.columns = len(data[0]) if data else (columns or 0)

    def __iter__(self) -> Iterator[list[Any]]:
        """``for row in m``: each row as a new array."""
        return (list(r) for r in self.data)

    def __repr__(self) -> str:
        return f"PineMatrix({self.data!r})"

    def __str__(self) -> str:
        return "\n".join(_tostring(r) for r in self.data)

    def tolist(self) -> list[list[Any]]:
        """A copy of the elements as a list of row lists."""
        return [list(r) for r in self.data]


def _err(fn: str, text: str) -> PineRuntimeError:
    return PineRuntimeError(f"In 'matrix.{fn}()' function. {text}")


def _na_id(fn: str) -> PineRuntimeError:
    return PineRuntimeError(f"Cannot call 'matrix.{fn}()' with argument 'id'='na'.")


def _m_(id: PineMatrix | None, fn: str) -> PineMatrix:
    if id is None:
        raise _na_id(fn)
    return id


def _isna(x: Any) -> bool:
    return x is None or x != x


def _row_ix(fn: str, id: PineMatrix, r: Any, extra: int = 0) -> int:
    r = whole(r)
    if _isna(r) or not 0 <= r < id.rows + extra:
        raise _err(fn, f"Row index {r} is out of bounds. The matrix has {id.rows} rows.")
    return int(r)


def _col_ix(fn: str, id: PineMatrix, c: Any, extra: int = 0) -> int:
    c = whole(c)
    if _isna(c) or not 0 <= c < id.columns + extra:
        raise _err(fn, f"Column index {c} is out of bounds. The matrix has {id.columns} columns.")
    return int(c)


def _na_like(id: PineMatrix) -> Any:
    for r in id.data:
        return _arr._na_like(r)
    return NA


def _flat(id: PineMatrix) -> list[Any]:
    return [x for r in id.data for x in r]


def _numpy(id: PineMatrix) -> np.ndarray:
    return np.array(id.data, dtype=np.float64).reshape(id.rows, id.columns)


def _from_numpy(a: np.ndarray) -> PineMatrix:
    return PineMatrix(a.tolist(), a.shape[1])


def _square(fn: str, id: PineMatrix) -> None:
    if id.rows != id.columns:
        raise _err(fn, "The matrix must be square.")


# --- construction, access -------------------------------------------------------------------


def new(rows: int = 0, columns: int = 0, initial_value: Any = NA) -> PineMatrix:
    """``matrix.new<T>(rows, columns, initial_value)``; the compiler passes ``T``'s ``na``."""
    r = 0 if _isna(rows) else int(rows)
    c = 0 if _isna(columns) else int(columns)
    if r < 0 or c < 0:
        raise PineRuntimeError("Cannot create a matrix with a negative number of rows or columns.")
    if r * c > MAX_SIZE:
        raise PineRuntimeError(f"Matrix is too large. Maximum size is {MAX_SIZE} elements.")
    return PineMatrix([[initial_value] * c for _ in range(r)], c)


def get(id: PineMatrix, row: int, column: int) -> Any:
    try:
        if 0 <= row < id.rows and 0 <= column < id.columns:
            return id.data[row][column]
    except (TypeError, AttributeError):
        pass
    m = _m_(id, "get")
    if _isna(row) or _isna(column):
        return _na_like(m)
    _row_ix("get", m, row)
    _col_ix("get", m, column)
    return m.data[int(row)][int(column)]


def set_(id: PineMatrix, row: int, column: int, value: Any) -> None:
    try:
        if 0 <= row < id.rows and 0 <= column < id.columns:
            id.data[row][column] = value
            return
    except (TypeError, AttributeError):
        pass
    m = _m_(id, "set")
    m.data[_row_ix("set", m, row)][_col_ix("set", m, column)] = value


def rows(id: PineMatrix) -> int:
    return _m_(id, "rows").rows


def columns(id: PineMatrix) -> int:
    return _m_(id, "columns").columns


def elements_count(id: PineMatrix) -> int:
    m = _m_(id, "elements_count")
    return m.rows * m.columns


def row(id: PineMatrix, row: int) -> list:
    m = _m_(id, "row")
    return list(m.data[_row_ix("row", m, row)])


def col(id: PineMatrix, column: int) -> list:
    m = _m_(id, "col")
    c = _col_ix("col", m, column)
    return [r[c] for r in m.data]


def copy(id: PineMatrix) -> PineMatrix:
    m = _m_(id, "copy")
    return PineMatrix([list(r) for r in m.data], m.columns)


# --- shape changes --------------------------------------------------------------------------


def add_row(id: PineMatrix, row: int | None = None, array_id: list | None = None) -> None:
    """Inserts a row at ``row`` (default: after the last) filled from ``array_id`` or ``na``.
    An empty matrix takes its column count from the array."""
    m = _m_(id, "add_row")
    r = m.rows if _isna(row) else _row_ix("add_row", m, row, 1)
    if array_id is None:
        values = [_na_like(m)] * m.columns
    else:
        if m.rows * m.columns == 0 and array_id:
            m.columns = len(array_id)
            m.data = [[_arr._na_like(array_id)] * m.columns for _ in range(m.rows)]
        if len(array_id) != m.columns:
            raise _err(
                "add_row",
                f"The array size ({len(array_id)}) must equal the number of columns ({m.columns}).",
            )
        values = list(array_id)
    if (m.rows + 1) * m.columns > MAX_SIZE:
        raise PineRuntimeError(f"Matrix is too large. Maximum size is {MAX_SIZE} elements.")
    m.data.insert(r, values)
    m.rows += 1


def add_col(id: PineMatrix, column: int | None = None, array_id: list | None = None) -> None:
    """Inserts a column at ``column`` (default: after the last) filled from ``array_id`` or
    ``na``. An empty matrix takes its row count from the array."""
    m = _m_(id, "add_col")
    c = m.columns if _isna(column) else _col_ix("add_col", m, column, 1)
    if array_id is None:
        values = [_na_like(m)] * m.rows
    else:
        if m.rows * m.columns == 0 and array_id:
            m.data = [[] for _ in array_id]
            m.rows, m.columns, c = len(array_id), 0, 0
        if len(array_id) != m.rows:
            raise _err(
                "add_col",
                f"The array size ({len(array_id)}) must equal the number of rows ({m.rows}).",
            )
        values = array_id
    if m.rows * (m.columns + 1) > MAX_SIZE:
        raise PineRuntimeError(f"Matrix is too large. Maximum size is {MAX_SIZE} elements.")
    for r, v in zip(m.data, values, strict=True):
        r.insert(c, v)
    m.columns += 1


def remove_row(id: PineMatrix, row: int | None = None) -> list:
    """Removes row ``row`` (default: the last) and returns it."""
    m = _m_(id, "remove_row")
    r = _row_ix("remove_row", m, m.rows - 1 if _isna(row) else row)
    m.rows -= 1
    return m.data.pop(r)


def remove_col(id: PineMatrix, column: int | None = None) -> list:
    """Removes column ``column`` (default: the last) and returns it."""
    m = _m_(id, "remove_col")
    c = _col_ix("remove_col", m, m.columns - 1 if _isna(column) else column)
    m.columns -= 1
    return [r.pop(c) for r in m.data]


def swap_rows(id: PineMatrix, row1: int, row2: int) -> None:
    m = _m_(id, "swap_rows")
    a, b = _row_ix("swap_rows", m, row1), _row_ix("swap_rows", m, row2)
    m.data[a], m.data[b] = m.data[b], m.data[a]


def swap_columns(id: PineMatrix, column1: int, column2: int) -> None:
    m = _m_(id, "swap_columns")
    a, b = _col_ix("swap_columns", m, column1), _col_ix("swap_columns", m, column2)
    for r in m.data:
        r[a], r[b] = r[b], r[a]


def _span(fn: str, lo: Any, hi: Any, n: int, what: str) -> tuple[int, int]:
    a = 0 if _isna(lo) else int(lo)
    b = n if _isna(hi) else int(hi)
    if not 0 <= a <= b <= n:
        raise _err(fn, f"The {what} range [{a}, {b}) is out of bounds (size {n}).")
    return a, b


def fill(
    id: PineMatrix,
    value: Any,
    from_row: int = 0,
    to_row: int | None = None,
    from_column: int = 0,
    to_column: int | None = None,
) -> None:
    """Sets rows ``[from_row, to_row)`` x columns ``[from_column, to_column)`` to ``value``."""
    m = _m_(id, "fill")
    r0, r1 = _span("fill", from_row, to_row, m.rows, "row")
    c0, c1 = _span("fill", from_column, to_column, m.columns, "column")
    for r in m.data[r0:r1]:
        r[c0:c1] = [value] * (c1 - c0)


def submatrix(
    id: PineMatrix,
    from_row: int = 0,
    to_row: int | None = None,
    from_column: int = 0,
    to_column: int | None = None,
) -> PineMatrix:
    """A new matrix of rows ``[from_row, to_row)`` x columns ``[from_column, to_column)``."""
    m = _m_(id, "submatrix")
    r0, r1 = _span("submatrix", from_row, to_row, m.rows, "row")
    c0, c1 = _span("submatrix", from_column, to_column, m.columns, "column")
    return PineMatrix([r[c0:c1] for r in m.data[r0:r1]], c1 - c0)


def reshape(id: PineMatrix, rows: int, columns: int) -> None:
    """Rearranges the elements (row-major order) into ``rows`` x ``columns``."""
    m = _m_(id, "reshape")
    if _isna(rows) or _isna(columns) or rows * columns != m.rows * m.columns:
        raise _err(
            "reshape",
            f"Cannot reshape a {m.rows}x{m.columns} matrix into {rows}x{columns}: the number "
            "of elements must not change.",
        )
    flat = _flat(m)
    r, c = int(rows), int(columns)
    m.data = [flat[i * c : (i + 1) * c] for i in range(r)]
    m.rows, m.columns = r, c


def reverse(id: PineMatrix) -> None:
    """Reverses the order of rows and of columns (the first element becomes the last)."""
    m = _m_(id, "reverse")
    m.data.reverse()
    for r in m.data:
        r.reverse()


def transpose(id: PineMatrix) -> PineMatrix:
    m = _m_(id, "transpose")
    return PineMatrix([list(c) for c in zip(*m.data, strict=True)], m.rows)


def concat(id1: PineMatrix, id2: PineMatrix) -> PineMatrix:
    """Appends the rows of ``id2`` to ``id1`` (in place) and returns ``id1``."""
    m1, m2 = _m_(id1, "concat"), _m_(id2, "concat")
    if m1.rows * m1.columns == 0:
        m1.columns = m2.columns
        m1.data = []
        m1.rows = 0
    elif m2.rows and m1.columns != m2.columns:
        raise _err("concat", "The matrices must have the same number of columns.")
    if (m1.rows + m2.rows) * m1.columns > MAX_SIZE:
        raise PineRuntimeError(f"Matrix is too large. Maximum size is {MAX_SIZE} elements.")
    rows = [list(r) for r in m2.data]  # copied first: id2 may be id1
    m1.data.extend(rows)
    m1.rows += len(rows)
    return m1


# --- arithmetic -----------------------------------------------------------------------------


def _elementwise(fn: str, id1: PineMatrix, id2: Any, op: Callable[[Any, Any], Any]) -> PineMatrix:
    m1 = _m_(id1, fn)
    if isinstance(id2, PineMatrix):
        if m1.rows != id2.rows or m1.columns != id2.columns:
            raise _err(fn, "The matrices must have the same dimensions.")
        data = [
            [op(a, b) for a, b in zip(r1, r2, strict=True)]
            for r1, r2 in zip(m1.data, id2.data, strict=True)
        ]
    elif id2 is None:
        raise PineRuntimeError(f"Cannot call 'matrix.{fn}()' with argument 'id2'='na'.")
    else:
        data = [[op(a, id2) for a in r] for r in m1.data]
    return PineMatrix(data, m1.columns)


def sum_(id1: PineMatrix, id2: PineMatrix | float) -> PineMatrix:
    """Element-wise sum with a matrix of the same shape, or with a scalar."""
    return _elementwise("sum", id1, id2, lambda a, b: a + b)


def diff(id1: PineMatrix, id2: PineMatrix | float) -> PineMatrix:
    """Element-wise difference with a matrix of the same shape, or with a scalar."""
    return _elementwise("diff", id1, id2, lambda a, b: a - b)


def _matmul(a: list[list[Any]], b: list[list[Any]]) -> list[list[Any]]:
    bt = list(zip(*b, strict=True))
    out = []
    for r in a:
        row_out = []
        for c in bt:
            s = r[0] * c[0]
            for k in range(1, len(r)):
                s += r[k] * c[k]
            row_out.append(s)
        out.append(row_out)
    return out


def mult(id1: PineMatrix, id2: PineMatrix | list | float) -> PineMatrix | list:
    """Matrix product (``id1.columns == id2.rows``), product with a scalar, or product with a
    vector (an array of ``id1.columns`` elements; returns an array of ``id1.rows``)."""
    m1 = _m_(id1, "mult")
    if isinstance(id2, PineMatrix):
        if m1.columns != id2.rows:
            raise _err(
                "mult",
                "The number of columns of the first matrix must equal the number of rows of "
                "the second.",
            )
        if not m1.columns:
            return new(m1.rows, id2.columns, 0.0)
        return PineMatrix(_matmul(m1.data, id2.data), id2.columns)
    if isinstance(id2, list):
        if len(id2) != m1.columns:
            raise _err("mult", "The array size must equal the number of matrix columns.")
        if not id2:
            return [0.0] * m1.rows
        return [r[0] for r in _matmul(m1.data, [[x] for x in id2])]
    if id2 is None:
        raise PineRuntimeError("Cannot call 'matrix.mult()' with argument 'id2'='na'.")
    return PineMatrix([[a * id2 for a in r] for r in m1.data], m1.columns)


def pow_(id: PineMatrix, power: int) -> PineMatrix:
    """``id`` multiplied by itself ``power`` times (``power`` 0 gives the identity)."""
    m = _m_(id, "pow")
    _square("pow", m)
    if _isna(power) or power < 0:
        raise _err("pow", f"The 'power' argument must be non-negative, got {power}.")
    n = m.rows
    result = [[1 if i == j else 0 for j in range(n)] for i in range(n)]
    if power == 0:
        return PineMatrix(result, n)
    result = [list(r) for r in m.data]
    for _ in range(int(power) - 1):
        result = _matmul(result, m.data)
    return PineMatrix(result, n)


def kron(id1: PineMatrix, id2: PineMatrix) -> PineMatrix:
    """Kronecker product."""
    a, b = _m_(id1, "kron"), _m_(id2, "kron")
    data = [[x * y for x in ra for y in rb] for ra in a.data for rb in b.data]
    return PineMatrix(data, a.columns * b.columns)


def trace(id: PineMatrix) -> float | int:
    m = _m_(id, "trace")
    _square("trace", m)
    if not m.rows:
        return NA
    s = m.data[0][0]
    for i in range(1, m.rows):
        s += m.data[i][i]
    return s


def det(id: PineMatrix) -> float:
    m = _m_(id, "det")
    _square("det", m)
    if not m.rows:
        return NA
    return float(np.linalg.det(_numpy(m)))


def inv(id: PineMatrix) -> PineMatrix:
    """Inverse of a square matrix; a singular matrix gives a matrix of NaN (unverified)."""
    m = _m_(id, "inv")
    _square("inv", m)
    try:
        return _from_numpy(np.linalg.inv(_numpy(m)))
    except np.linalg.LinAlgError:
        return new(m.rows, m.columns, NA)


def pinv(id: PineMatrix) -> PineMatrix:
    """Moore-Penrose pseudoinverse (SVD)."""
    m = _m_(id, "pinv")
    if not m.rows or not m.columns:
        return PineMatrix([], m.rows)
    return _from_numpy(np.linalg.pinv(_numpy(m)))


def rank(id: PineMatrix) -> int:
    m = _m_(id, "rank")
    if not m.rows or not m.columns:
        return 0
    return int(np.linalg.matrix_rank(_numpy(m)))


def eigenvalues(id: PineMatrix) -> list:
    """Eigenvalues (real parts) of a square matrix, in numpy's order (unverified)."""
    m = _m_(id, "eigenvalues")
    _square("eigenvalues", m)
    if not m.rows:
        return []
    return np.real(np.linalg.eigvals(_numpy(m))).tolist()


def eigenvectors(id: PineMatrix) -> PineMatrix:
    """Unit eigenvectors (real parts) of a square matrix, one per column, in the order of
    :func:`eigenvalues` (unverified)."""
    m = _m_(id, "eigenvectors")
    _square("eigenvectors", m)
    if not m.rows:
        return PineMatrix([], 0)
    return _from_numpy(np.real(np.linalg.eig(_numpy(m))[1]))


# --- reductions, sorting --------------------------------------------------------------------


def avg(id: PineMatrix) -> float:
    return _arr.avg(_flat(_m_(id, "avg")))


def min_(id: PineMatrix) -> float | int:
    return _arr.min_(_flat(_m_(id, "min")))


def max_(id: PineMatrix) -> float | int:
    return _arr.max_(_flat(_m_(id, "max")))


def median(id: PineMatrix) -> float | int:
    return _arr.median(_flat(_m_(id, "median")))


def mode(id: PineMatrix) -> float | int:
    return _arr.mode(_flat(_m_(id, "mode")))


def sort(
    id: PineMatrix,
    column: int = 0,
    order: str = _arr.ORDER_ASCENDING,
    sort_field: str | None = None,
) -> None:
    """Reorders the rows by the values of ``column`` (``na`` placed like ``array.sort``)."""
    m = _m_(id, "sort")
    if not m.rows:
        return
    c = _col_ix("sort", m, 0 if _isna(column) else column)
    idx = _arr.sort_indices([r[c] for r in m.data], order, sort_field)
    m.data = [m.data[i] for i in idx]


# --- predicates -----------------------------------------------------------------------------


def _all(id: PineMatrix, fn: str, pred: Callable[[int, int, Any], bool], square: bool) -> bool:
    m = _m_(id, fn)
    if square and m.rows != m.columns:
        return False
    for i, r in enumerate(m.data):
        for j, x in enumerate(r):
            if not pred(i, j, x):
                return False
    return True


def is_square(id: PineMatrix) -> bool:
    m = _m_(id, "is_square")
    return m.rows == m.columns


def is_zero(id: PineMatrix) -> bool:
    return _all(id, "is_zero", lambda i, j, x: x == 0, False)


def is_binary(id: PineMatrix) -> bool:
    return _all(id, "is_binary", lambda i, j, x: x == 0 or x == 1, False)


def is_identity(id: PineMatrix) -> bool:
    return _all(id, "is_identity", lambda i, j, x: x == (1 if i == j else 0), True)


def is_diagonal(id: PineMatrix) -> bool:
    return _all(id, "is_diagonal", lambda i, j, x: i == j or x == 0, True)


def is_antidiagonal(id: PineMatrix) -> bool:
    n = _m_(id, "is_antidiagonal").rows
    return _all(id, "is_antidiagonal", lambda i, j, x: i + j == n - 1 or x == 0, True)


def is_symmetric(id: PineMatrix) -> bool:
    d = _m_(id, "is_symmetric").data
    return _all(id, "is_symmetric", lambda i, j, x: x == d[j][i], True)


def is_antisymmetric(id: PineMatrix) -> bool:
    d = _m_(id, "is_antisymmetric").data
    return _all(id, "is_antisymmetric", lambda i, j, x: x == -d[j][i], True)


def is_triangular(id: PineMatrix) -> bool:
    """Square and zero above or below the main diagonal."""
    return _all(id, "is_triangular", lambda i, j, x: j <= i or x == 0, True) or _all(
        id, "is_triangular", lambda i, j, x: j >= i or x == 0, True
    )


def is_stochastic(id: PineMatrix) -> bool:
    """Non-negative elements with every row summing to 1."""
    m = _m_(id, "is_stochastic")
    if not m.rows:
        return False
    for r in m.data:
        for x in r:
            if not x >= 0:
                return False
        if abs(sum(r) - 1) > EPS:
            return False
    return True


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "matrix.add_col": add_col,
    "matrix.add_row": add_row,
    "matrix.avg": avg,
    "matrix.col": col,
    "matrix.columns": columns,
    "matrix.concat": concat,
    "matrix.copy": copy,
    "matrix.det": det,
    "matrix.diff": diff,
    "matrix.eigenvalues": eigenvalues,
    "matrix.eigenvectors": eigenvectors,
    "matrix.elements_count": elements_count,
    "matrix.fill": fill,
    "matrix.get": get,
    "matrix.inv": inv,
    "matrix.is_antidiagonal": is_antidiagonal,
    "matrix.is_antisymmetric": is_antisymmetric,
    "matrix.is_binary": is_binary,
    "matrix.is_diagonal": is_diagonal,
    "matrix.is_identity": is_identity,
    "matrix.is_square": is_square,
    "matrix.is_stochastic": is_stochastic,
    "matrix.is_symmetric": is_symmetric,
    "matrix.is_triangular": is_triangular,
    "matrix.is_zero": is_zero,
    "matrix.kron": kron,
    "matrix.max": max_,
    "matrix.median": median,
    "matrix.min": min_,
    "matrix.mode": mode,
    "matrix.mult": mult,
    "matrix.new": new,
    "matrix.pinv": pinv,
    "matrix.pow": pow_,
    "matrix.rank": rank,
    "matrix.remove_col": remove_col,
    "matrix.remove_row": remove_row,
    "matrix.reshape": reshape,
    "matrix.reverse": reverse,
    "matrix.row": row,
    "matrix.rows": rows,
    "matrix.set": set_,
    "matrix.sort": sort,
    "matrix.submatrix": submatrix,
    "matrix.sum": sum_,
    "matrix.swap_columns": swap_columns,
    "matrix.swap_rows": swap_rows,
    "matrix.trace": trace,
    "matrix.transpose": transpose,
}
"""Pine name -> callable, for every ``matrix.*`` function."""
