"""``pineopt.runtime.ta_series`` against ``ta_vector``: bit-identical results bar by bar."""

from __future__ import annotations

import math

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


@pytest.mark.parametrize(("name", "args"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_repeated_call_on_a_bar_replaces_its_sample(name: str, args: tuple, monkeypatch) -> None:
    # A call site run several times on one bar (in a loop) keeps one sample per bar: the
    # bar's last call wins, the earlier ones leave no trace. Two decoy calls with another
    # bar's inputs come first on every bar; the results must be those of one call per bar.
    # A small history limit makes the buffers drop old values often on the way.
    monkeypatch.setattr(ts, "_KEEP", 40)
    vector = ts.VECTOR[name](*(_arg(a, None) for a in args))  # type: ignore[operator]
    obj = ts.PerBar(ts.CLASSES[name]())
    rows = []
    for i in range(N):
        for decoy in ((i * 37 + 11) % N, (i * 53 + 5) % N):
            obj.update(i, *(_arg(a, decoy) for a in args))
        rows.append(obj.update(i, *(_arg(a, i) for a in args)))
    if isinstance(rows[0], tuple):
        series = [np.array([r[k] for r in rows], dtype=np.float64) for k in range(len(rows[0]))]
    else:
        series = [np.array(rows, dtype=np.float64)]
    for got, want in zip(series, _as_arrays(vector), strict=True):
        np.testing.assert_array_equal(got, want)


def test_repeated_call_hand_computed() -> None:
    # ta.sma(x, 2) called with 1*x, 2*x, 3*x on each bar is the SMA of 3*x:
    # x = 1, 2, 3 -> na, (3 + 6) / 2 = 4.5, (6 + 9) / 2 = 7.5
    sma = ts.PerBar(ts.Sma())
    out = []
    for bar, x in enumerate([1.0, 2.0, 3.0]):
        for k in (1.0, 2.0, 3.0):
            value = sma.update(bar, x * k, 2)
        out.append(value)
    assert math.isnan(out[0]) and out[1:] == [4.5, 7.5]


def test_every_pine_function_has_a_class() -> None:
    names = {n for n in ts.CLASSES if n.startswith("ta.")}
    assert len(names) == 59  # every ta function of Pine v6
    # ta.pivot_point_levels returns an array per bar: per-bar only
    assert set(ts.VECTOR) == set(ts.CLASSES) - {"ta.pivot_point_levels"}
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
        if name in ("ta.sma", "math.sum"):
            # the rolling sum restarts when the length changes: the same sum, other last bits
            np.testing.assert_allclose(got, want, rtol=1e-13)
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("length", [0, -1, math.nan])
def test_invalid_length_raises(length: float) -> None:
    with pytest.raises(PineRuntimeError, match=r"ta\.sma"):
        ts.Sma().update(1.0, length)  # type: ignore[arg-type]
    with pytest.raises(PineRuntimeError, match=r"ta\.highest"):
        ts.Highest().update(1.0, length)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- pivot point levels

# (open, high, low, close, anchor): a partial first period, then two full ones
PIVOT_BARS = [
    (10.0, 12.0, 9.0, 11.0, False),
    (11.0, 13.0, 10.0, 12.0, False),
    (12.5, 14.0, 11.5, 13.0, True),
    (13.0, 15.0, 12.0, 12.5, False),
    (12.5, 13.0, 8.0, 9.0, False),
    (9.5, 10.0, 9.0, 9.5, True),
    (9.5, 11.0, 9.2, 10.5, False),
]
LEVEL_COUNT = {
    "Traditional": 11,
    "Fibonacci": 7,
    "Woodie": 9,
    "Classic": 9,
    "DM": 3,
    "Camarilla": 11,
}


def _pivot_run(kind: str, developing: bool = False) -> list[list[float]]:
    obj = ts.CLASSES["ta.pivot_point_levels"]()
    assert ts.IMPLICIT["ta.pivot_point_levels"] == ("open", "high", "low", "close")
    return [obj.update(o, h, lo, c, kind, a, developing) for o, h, lo, c, a in PIVOT_BARS]


def _na(levels: list[float]) -> list[bool]:
    return [v != v for v in levels]


def test_pivot_point_levels_traditional() -> None:
    out = _pivot_run("Traditional")
    assert all(len(r) == 11 and all(_na(r)) for r in out[:2])  # na until the first anchor
    h, lo, c = 13.0, 9.0, 12.0  # bars 0-1 (the period from bar 0 counts)
    p = (h + lo + c) / 3
    want = [p, 2 * p - lo, 2 * p - h, p + (h - lo), p - (h - lo)]
    want += [2 * p + (h - 2 * lo), 2 * p - (2 * h - lo), 3 * p + (h - 3 * lo)]
    want += [3 * p - (3 * h - lo), 4 * p + (h - 4 * lo), 4 * p - (4 * h - lo)]
    assert out[2] == out[3] == out[4] == pytest.approx(want, abs=1e-12)
    h, lo, c = 15.0, 8.0, 9.0  # bars 2-4
    p = (h + lo + c) / 3
    assert out[5] == out[6] and out[5][:3] == pytest.approx([p, 2 * p - lo, 2 * p - h], abs=1e-12)


@pytest.mark.parametrize("kind", sorted(LEVEL_COUNT))
def test_pivot_point_levels_defined_levels(kind: str) -> None:
    out = _pivot_run(kind)
    for row in out[2:]:
        assert _na(row) == [False] * LEVEL_COUNT[kind] + [True] * (11 - LEVEL_COUNT[kind])


def test_pivot_point_levels_types() -> None:
    h, lo, c, o = 15.0, 8.0, 9.0, 12.5  # bars 2-4 (open 12.5, close 9.0: a down period)
    r, p = h - lo, (h + lo + c) / 3
    fib = _pivot_run("Fibonacci")[5]
    assert fib[:7] == pytest.approx(
        [p, p + 0.382 * r, p - 0.382 * r, p + 0.618 * r, p - 0.618 * r, p + r, p - r]
    )
    classic = _pivot_run("Classic")[5]
    assert classic[5:9] == pytest.approx([p + 2 * r, p - 2 * r, p + 3 * r, p - 3 * r])
    cam = _pivot_run("Camarilla")[5]
    r5 = h / lo * c
    assert cam == pytest.approx(
        [p, *(c + s * r * 1.1 / k for k in (12, 6, 4, 2) for s in (1, -1)), r5, 2 * c - r5]
    )
    x = 2 * lo + h + c  # close < open
    assert _pivot_run("DM")[5][:3] == pytest.approx([x / 4, x / 2 - lo, x / 2 - h])
    assert o != c
    woodie = _pivot_run("Woodie")
    wp = (h + lo + 2 * 9.5) / 4  # the current period's open (bar 5)
    assert woodie[5] == woodie[6]
    r3, s3 = h + 2 * (wp - lo), lo - 2 * (h - wp)
    assert woodie[5][:9] == pytest.approx(
        [wp, 2 * wp - lo, 2 * wp - h, wp + r, wp - r, *(r3, s3, r3 + r, s3 - r)]
    )


def test_pivot_point_levels_developing() -> None:
    out = _pivot_run("Traditional", developing=True)
    # the current period so far, from bar 0 before the first anchor
    for i, (h, lo, c) in enumerate([(12, 9, 11), (13, 9, 12), (14, 11.5, 13), (15, 11.5, 12.5)]):
        assert out[i][0] == pytest.approx((h + lo + c) / 3)
    dm = _pivot_run("DM", developing=True)
    assert dm[6][0] == pytest.approx((2 * 11.0 + 9.0 + 10.5) / 4)  # open 9.5 < close 10.5


def test_pivot_point_levels_anchor_on_first_bar() -> None:
    obj = ts.PivotPointLevels()
    assert all(_na(obj.update(1.0, 2.0, 0.5, 1.5, "Classic", True)))
    assert all(_na(obj.update(1.5, 2.5, 1.0, 2.0, "Classic", False)))
    assert obj.update(2.0, 3.0, 1.5, 2.5, "Classic", True)[0] == pytest.approx(
        (2.5 + 0.5 + 2.0) / 3
    )


def test_pivot_point_levels_returns_a_new_array() -> None:
    obj = ts.PivotPointLevels()
    rows = [obj.update(o, h, lo, c, "Traditional", a) for o, h, lo, c, a in PIVOT_BARS[:4]]
    assert rows[2] == rows[3] and rows[2] is not rows[3]
    rows[3][0] = -1.0  # a script may modify the array it got
    assert obj.update(12.5, 13.0, 8.0, 9.0, "Traditional", False)[0] == rows[2][0]


def test_pivot_point_levels_invalid_type() -> None:
    obj = ts.PivotPointLevels()
    with pytest.raises(PineRuntimeError, match=r"ta\.pivot_point_levels.*'Standard'"):
        obj.update(1.0, 2.0, 0.5, 1.5, "Standard", False)
    with pytest.raises(PineRuntimeError, match="Woodie"):
        obj.update(1.0, 2.0, 0.5, 1.5, "Woodie", False, True)
