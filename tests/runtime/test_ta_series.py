"""``pineopt.runtime.ta_series`` against ``ta_vector``: bit-identical results bar by bar."""

from __future__ import annotations

import math
import timeit

import numpy as np
import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import ta_series as ts
from pineopt.runtime import ta_vector as tv

N = 400


def _data(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = 100.0 + np.cumsum(rng.normal(0.0, 1.0, N))
    x[50:58] = x[50]  # constant stretches
    x[200:230] = 90.0
    y = 50.0 + np.cumsum(rng.normal(0.0, 0.5, N))
    spread = np.abs(rng.normal(0.0, 1.0, N))
    h, lo = x + spread, x - np.abs(rng.normal(0.0, 1.0, N))
    h[200:230] = lo[200:230] = 90.0
    v = rng.integers(1, 1000, N).astype(np.float64)
    gaps = rng.random(N) < 0.05
    xn = x.copy()
    xn[gaps] = np.nan
    xn[:3] = np.nan
    return {
        "x": xn,
        "y": np.where(rng.random(N) < 0.05, np.nan, y),
        "o": x + rng.normal(0.0, 0.3, N),
        "h": h,
        "l": lo,
        "c": x,
        "v": v,
        "b": rng.random(N) < 0.2,
        "bx": xn > 100.0,
    }


D = _data()

# Pine name -> (vector args, series args); strings name arrays of D, anything else is a scalar.
CASES: list[tuple[str, tuple]] = [
    ("ta.sma", ("x", 5)),
    ("ta.sma", ("c", 1)),
    ("ta.ema", ("x", 7)),
    ("ta.rma", ("x", 4)),
    ("ta.wma", ("x", 6)),
    ("ta.vwma", ("v", "x", 5)),
    ("ta.swma", ("x",)),
    ("ta.alma", ("x", 9, 0.85, 6.0)),
    ("ta.alma", ("c", 10, 0.55, 12.0, True)),
    ("ta.hma", ("x", 9)),
    ("ta.change", ("x", 1)),
    ("ta.change", ("x", 3)),
    ("ta.change", ("b", 2)),
    ("ta.mom", ("x", 4)),
    ("ta.roc", ("x", 4)),
    ("ta.rsi", ("x", 14)),
    ("ta.cmo", ("x", 9)),
    ("math.sum", ("x", 5)),
    ("ta.tsi", ("x", 5, 9)),
    ("ta.tr", ("h", "l", "c", False)),
    ("ta.tr", ("h", "l", "x", True)),
    ("ta.atr", ("h", "l", "c", 14)),
    ("ta.stdev", ("x", 10)),
    ("ta.stdev", ("x", 10, False)),
    ("ta.variance", ("x", 8)),
    ("ta.variance", ("x", 8, False)),
    ("ta.dev", ("x", 8)),
    ("ta.cci", ("x", 20)),
    ("ta.bb", ("x", 20, 2.0)),
    ("ta.bbw", ("x", 20, 2.1)),
    ("ta.kc", ("h", "l", "c", "x", 20, 2.0)),
    ("ta.kcw", ("h", "l", "c", "x", 20, 2.1, False)),
    ("ta.highest", ("x", 10)),
    ("ta.lowest", ("x", 10)),
    ("ta.highestbars", ("x", 10)),
    ("ta.lowestbars", ("x", 10)),
    ("ta.range", ("x", 10)),
    ("ta.median", ("x", 10)),
    ("ta.median", ("x", 9)),
    ("ta.mode", ("x", 10)),
    ("ta.percentile_nearest_rank", ("x", 20, 30.0)),
    ("ta.percentile_linear_interpolation", ("x", 20, 30.0)),
    ("ta.stoch", ("x", "h", "l", 14)),
    ("ta.wpr", ("h", "l", "c", 14)),
    ("ta.crossover", ("x", "y")),
    ("ta.crossunder", ("x", "y")),
    ("ta.cross", ("x", "y")),
    ("ta.rising", ("x", 3)),
    ("ta.falling", ("x", 3)),
    ("ta.valuewhen", ("b", "x", 0)),
    ("ta.valuewhen", ("b", "x", 2)),
    ("ta.barssince", ("b",)),
    ("ta.cum", ("x",)),
    ("ta.max", ("x",)),
    ("ta.min", ("x",)),
    ("ta.mfi", ("v", "x", 14)),
    ("ta.macd", ("x", 12, 26, 9)),
    ("ta.linreg", ("x", 20, 0)),
    ("ta.linreg", ("c", 20, 10)),
    ("ta.cog", ("x", 10)),
    ("ta.percentrank", ("x", 20)),
    ("ta.rci", ("x", 10)),
    ("ta.rci", ("c", 10)),
    ("ta.correlation", ("x", "y", 20)),
    ("ta.pivothigh", ("x", 4, 2)),
    ("ta.pivotlow", ("c", 4, 2)),
    ("ta.pivothigh", ("h", 0, 0)),
    ("ta.dmi", ("h", "l", "c", 14, 10)),
    ("ta.supertrend", ("h", "l", "c", 3.0, 10)),
    ("ta.sar", ("h", "l", "c", 0.02, 0.02, 0.2)),
    ("ta.vwap", ("v", "x", "bx")),
    ("ta.vwap", ("v", "c", "b", 2.0)),
]


def _arg(a: object, i: int | None) -> object:
    if isinstance(a, str):
        arr = D[a]
        return arr if i is None else (bool(arr[i]) if arr.dtype == bool else float(arr[i]))
    return a


def _as_arrays(result: object) -> list[np.ndarray]:
    if isinstance(result, tuple):
        return [np.asarray(r, dtype=np.float64) for r in result]
    return [np.asarray(result, dtype=np.float64)]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_series_equals_vector(name: str, args: tuple) -> None:
    vector = ts.VECTOR[name](*(_arg(a, None) for a in args))  # type: ignore[operator]
    obj = ts.CLASSES[name]()
    rows = [obj.update(*(_arg(a, i) for a in args)) for i in range(N)]
    if isinstance(rows[0], tuple):
        series = [np.array([r[k] for r in rows], dtype=np.float64) for k in range(len(rows[0]))]
    else:
        series = [np.array(rows, dtype=np.float64)]
    expected = _as_arrays(vector)
    assert len(series) == len(expected)
    for got, want in zip(series, expected, strict=True):
        np.testing.assert_array_equal(got, want)
        assert (np.signbit(got) == np.signbit(want))[~np.isnan(want) & (want != 0)].all()


def test_every_pine_function_has_a_class() -> None:
    names = {n for n in ts.CLASSES if n.startswith("ta.")}
    assert len(names) == 58 and "ta.pivot_point_levels" not in names  # 59 in Pine v6
    assert set(ts.VECTOR) == set(ts.CLASSES)
    assert {n for n in ts.IMPLICIT} <= set(ts.CLASSES)


def test_conditional_call_does_not_advance() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    run = [True, False, True, False, True, True]
    sma = ts.Sma()
    out = [sma.update(v, 2) if r else None for v, r in zip(x, run, strict=True)]
    assert out[2] == 2.0 and out[4] == 4.0 and out[5] == 5.5


@pytest.mark.parametrize(
    ("name", "vector"),
    [
        ("ta.sma", tv.sma),
        ("ta.wma", tv.wma),
        ("ta.stdev", tv.stdev),
        ("ta.highest", tv.highest),
        ("ta.lowest", tv.lowest),
        ("ta.median", tv.median),
        ("math.sum", tv.math_sum),
        ("ta.percentrank", tv.percentrank),
        ("ta.mom", tv.mom),
    ],
)
def test_series_length(name: str, vector) -> None:
    x = D["x"]
    obj = ts.CLASSES[name]()
    for i in range(N):
        n = 1 + (i * 7) % 13
        got = obj.update(float(x[i]), float(n) + 0.75 if i % 2 else n)  # floats truncate
        want = vector(x[: i + 1], n)[-1]
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("length", [0, -1, math.nan])
def test_invalid_length_raises(length: float) -> None:
    with pytest.raises(PineRuntimeError, match=r"ta\.sma"):
        ts.Sma().update(1.0, length)  # type: ignore[arg-type]
    with pytest.raises(PineRuntimeError, match=r"ta\.highest"):
        ts.Highest().update(1.0, length)  # type: ignore[arg-type]


def test_update_is_fast() -> None:
    """A sanity bound (the report quotes the measured figures)."""
    sma = ts.Sma()
    seconds = timeit.timeit(lambda: sma.update(1.5, 14), number=20_000) / 20_000
    assert seconds < 50e-6
