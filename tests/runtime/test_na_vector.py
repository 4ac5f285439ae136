"""Hand-checked cases for ``pineopt.runtime.na_vector``."""

from __future__ import annotations

import numpy as np
import pytest

from pineopt.runtime.na_vector import fixnan, na, nz

NA = np.nan


def test_na_is_a_bool_mask():
    result = na(np.array([1.0, NA, 0.0, -np.inf, NA]))
    assert result.dtype == np.bool_
    assert result.tolist() == [False, True, False, False, True]


def test_na_accepts_lists_and_empty():
    assert na([NA, 2]).tolist() == [True, False]
    assert na(np.array([], dtype=np.float64)).shape == (0,)


def test_nz_default_is_zero():
    np.testing.assert_array_equal(nz(np.array([NA, 1.5, NA, -2.0])), [0.0, 1.5, 0.0, -2.0])


def test_nz_replacement():
    np.testing.assert_array_equal(nz(np.array([NA, 3.0]), 2), [2.0, 3.0])


def test_nz_keeps_infinities_and_negative_zero():
    out = nz(np.array([np.inf, -0.0, NA]), 7.0)
    assert out[0] == np.inf and np.signbit(out[1]) and out[2] == 7.0


def test_nz_with_na_replacement_is_identity():
    np.testing.assert_array_equal(nz(np.array([NA, 1.0]), NA), [NA, 1.0])


def test_nz_does_not_mutate_input():
    x = np.array([NA, 1.0])
    nz(x)
    assert np.isnan(x[0])


def test_fixnan_carries_forward_and_leading_na_stays():
    out = fixnan(np.array([NA, NA, 1.0, NA, NA, 4.0, NA]))
    np.testing.assert_array_equal(out, [NA, NA, 1.0, 1.0, 1.0, 4.0, 4.0])


def test_fixnan_all_na_and_no_na_and_empty():
    np.testing.assert_array_equal(fixnan(np.array([NA, NA])), [NA, NA])
    np.testing.assert_array_equal(fixnan(np.array([1.0, 2.0])), [1.0, 2.0])
    assert fixnan(np.array([], dtype=np.float64)).shape == (0,)


def test_fixnan_does_not_mutate_input_and_returns_float64():
    x = np.array([1.0, NA])
    out = fixnan(x)
    assert np.isnan(x[1]) and out.dtype == np.float64 and out[1] == 1.0


def test_fixnan_rejects_2d():
    with pytest.raises(ValueError):
        fixnan(np.zeros((2, 2)))
