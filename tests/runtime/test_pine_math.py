"""Pine ``math`` functions and operators, scalar path.

Expected values are ones TradingView documents or that follow from IEEE arithmetic; cases where
TradingView's exact output is unverified (``math.random`` values, ties of ``round`` with a
precision whose binary value is not a tie) are deliberately not asserted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import pine_math as pm

NAN = float("nan")


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and (a == b if not isinstance(a, float) else math.isclose(a, b))


CASES = [
    (pm.round_, (2.5,), 3),
    (pm.round_, (-2.5,), -3),
    (pm.round_, (0.5,), 1),
    (pm.round_, (1.4,), 1),
    (pm.round_, (-1.6,), -2),
    (pm.round_, (0.49999999999999994,), 0),
    (pm.round_, (7,), 7),
    (pm.round_, (NAN,), NAN),
    (pm.round_, (1.2345, 2), 1.23),
    (pm.round_, (1.2355, 0), 1.0),
    (pm.round_, (-1.25, 1), -1.3),
    (pm.round_, (NAN, 2), NAN),
    (pm.ceil, (1.2,), 2),
    (pm.ceil, (-1.2,), -1),
    (pm.floor, (-1.2,), -2),
    (pm.floor, (None,), NAN),
    (pm.abs_, (-3,), 3),
    (pm.abs_, (-3.5,), 3.5),
    (pm.abs_, (None,), NAN),
    (pm.abs_, (NAN,), NAN),
    (pm.max_, (1, 5, 3), 5),
    (pm.max_, (1, 5.0), 5.0),
    (pm.max_, (NAN, 1.0), NAN),
    (pm.max_, (None, 1), NAN),
    (pm.min_, (2, -4, 3), -4),
    (pm.min_, (2.0, NAN), NAN),
    (pm.avg, (1, 2, 3, 4), 2.5),
    (pm.avg, (1, NAN), NAN),
    (pm.sign, (-3,), -1.0),
    (pm.sign, (0,), 0.0),
    (pm.sign, (2.5,), 1.0),
    (pm.sign, (NAN,), NAN),
    (pm.sqrt, (16,), 4.0),
    (pm.sqrt, (-1,), NAN),
    (pm.log, (math.e,), 1.0),
    (pm.log, (0,), -math.inf),
    (pm.log, (-1,), NAN),
    (pm.log10, (1000,), 3.0),
    (pm.exp, (0,), 1.0),
    (pm.pow_, (2, 10), 1024.0),
    (pm.pow_, (-8, 1 / 3), NAN),
    (pm.pow_, (NAN, 2), NAN),
    (pm.sin, (0,), 0.0),
    (pm.cos, (0,), 1.0),
    (pm.tan, (0,), 0.0),
    (pm.asin, (1,), math.pi / 2),
    (pm.acos, (2,), NAN),
    (pm.atan, (1,), math.pi / 4),
    (pm.todegrees, (math.pi,), 180.0),
    (pm.toradians, (180,), math.pi),
    (pm.round_to_mintick, (1.23456, 0.01), 1.23),
    (pm.round_to_mintick, (1.235, 0.25), 1.25),
    (pm.round_to_mintick, (-0.375, 0.25), -0.5),
    (pm.round_to_mintick, (NAN, 0.01), NAN),
    (pm.pine_mod, (-7, 3), -1),
    (pm.pine_mod, (7, -3), 1),
    (pm.pine_mod, (-1, 9), -1),
    (pm.pine_mod, (7, 3), 1),
    (pm.pine_mod, (-7.5, 2), -1.5),
    (pm.pine_mod, (5, 0), NAN),
    (pm.pine_mod, (None, 3), NAN),
    (pm.pine_mod, (5.0, NAN), NAN),
    (pm.pine_div, (5, 2, 6, True, True), 2.5),
    (pm.pine_div, (5, 2, 5, True, True), 2),
    (pm.pine_div, (-7, 2, 5, True, True), -3),
    (pm.pine_div, (7, -2, 5, True, True), -3),
    (pm.pine_div, (5, 2, 5, True, False), 2.5),
    (pm.pine_div, (5, 0, 5, True, True), NAN),
    (pm.pine_div, (1.0, 0.0, 6), NAN),
    (pm.pine_div, (NAN, 2.0, 6), NAN),
]


@pytest.mark.parametrize(("fn", "args", "expected"), CASES)
def test_math_cases(fn, args, expected) -> None:
    got = fn(*args)
    assert same(got, expected), f"{fn.__name__}{args} = {got!r}, expected {expected!r}"


def test_pine_div_v5_non_const_keeps_fraction() -> None:
    assert pm.pine_div(5, 2, 5, True, True, both_const=False) == 2.5


def test_constants() -> None:
    assert pm.pi == math.pi
    assert pm.e == math.e
    assert pm.phi == pytest.approx((1 + math.sqrt(5)) / 2)
    assert pm.rphi == pytest.approx(pm.phi - 1)


def test_round_precision_type_error() -> None:
    with pytest.raises(PineRuntimeError):
        pm.round_(1.5, 1.5)  # type: ignore[arg-type]


def test_round_to_mintick_rejects_bad_tick() -> None:
    with pytest.raises(PineRuntimeError):
        pm.round_to_mintick(1.0, 0)


def test_random_deterministic_per_seed() -> None:
    a = pm.PineRandom()
    b = pm.PineRandom()
    seq_a = [a(0, 10, 42) for _ in range(5)]
    seq_b = [b(0, 10, 42) for _ in range(5)]
    assert seq_a == seq_b
    assert all(0 <= v < 10 for v in seq_a)
    assert len(set(seq_a)) == 5
    assert pm.random(5, 6, 7) == pm.random(5, 6, 7)
    assert 5 <= pm.random(5, 6) < 6
    assert math.isnan(pm.PineRandom()(NAN, 1))


def test_sum_vector() -> None:
    x = np.array([1.0, 2.0, np.nan, 3.0, 4.0])
    got = pm.sum_(x, 2)
    np.testing.assert_array_equal(got, [np.nan, 3.0, np.nan, 5.0, 7.0])
    np.testing.assert_array_equal(pm.sum_(np.array([1.0]), 3), [np.nan])
    with pytest.raises(PineRuntimeError):
        pm.sum_(x, 0)
    with pytest.raises(PineRuntimeError):
        pm.sum_(x, 0.5)  # type: ignore[arg-type]
    np.testing.assert_array_equal(pm.sum_(x, 2.5), pm.sum_(x, 2))  # type: ignore[arg-type]


def test_is_na() -> None:
    assert pm.is_na(None) and pm.is_na(NAN)
    assert not pm.is_na(0) and not pm.is_na(0.0)
