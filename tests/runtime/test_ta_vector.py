"""Hand-checked cases for ``pineopt.runtime.ta_vector``: warm-up, na handling, values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import ta_vector as ta

NA = np.nan
X = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def same(a: np.ndarray, b: list[float]) -> bool:
    return np.allclose(a, np.array(b, dtype=np.float64), rtol=1e-12, atol=0, equal_nan=True)


def test_sma_warm_up_and_value() -> None:
    assert same(ta.sma(X, 3), [NA, NA, 2, 3, 4, 5])


def test_sma_skips_na_inputs() -> None:
    x = np.array([1.0, NA, 2.0, 3.0, NA, 4.0])
    assert same(ta.sma(x, 2), [NA, NA, 1.5, 2.5, NA, 3.5])


def test_ema_seeds_with_sma_of_first_values() -> None:
    out = ta.ema(X, 3)  # alpha = 0.5, seed = mean(1, 2, 3) = 2
    assert same(out, [NA, NA, 2, 3, 4, 5])
    out = ta.ema(np.array([2.0, 4.0, 10.0]), 2)  # seed 3; 3 + 2/3 * (10 - 3)
    assert same(out, [NA, 3, 3 + 2 / 3 * 7])


def test_ema_skips_leading_and_inner_na() -> None:
    x = np.array([NA, NA, 2.0, 4.0, NA, 10.0])
    assert same(ta.ema(x, 2), [NA, NA, NA, 3, NA, 3 + 2 / 3 * 7])


def test_rma_wilder_step() -> None:
    out = ta.rma(np.array([1.0, 3.0, 5.0, 9.0]), 2)  # seed 2; (2 + 5) / 2; (3.5 + 9) / 2
    assert same(out, [NA, 2, 3.5, 6.25])


def test_rma_step_is_prev_times_n_minus_1_plus_x_over_n_to_the_bit() -> None:
    # seed (1 + 2 + 4) / 3 = 2.3333333333333335; next (seed * 2 + 5) / 3 = 9.666666666666668 / 3
    # = 3.2222222222222228, while the alpha form 5/3 + (2/3) * seed rounds to
    # 3.2222222222222223: TradingView's rma is the first (it decides the stochastic RSI ties).
    out = ta.rma(np.array([1.0, 2.0, 4.0, 5.0]), 3)
    assert out[3] == 3.2222222222222228
    assert out[3] != (1 / 3) * 5.0 + (1 - 1 / 3) * out[2]


def test_sma_is_a_compensated_rolling_sum() -> None:
    # 0.1, 0.1, 1.1 then zeros, length 3. The rolling sum: 0.1, 0.2, 1.3 (exact adds, c = 0);
    # evicting 0.1 gives t = 1.2 with the lost bits kept in c = -8.3e-17, evicting 0.1 again
    # 1.1 (c = 5.6e-17), evicting 1.1 exactly 0.0. A plain running sum ends at -2.2e-16 instead
    # (1.3 - 0.1 - 0.1 - 1.1), an average of -7.4e-17 that would cross below 0.
    out = ta.sma(np.array([0.1, 0.1, 1.1, 0.0, 0.0, 0.0]), 3)
    assert out[5] == 0.0
    # 0.1, 0.2, 0.7: after 0.1 + 0.2 the compensation is 2.8e-17, and adding 0.7 to it would
    # lose part of it (0.7 + 2.8e-17 rounds to 0.7), so the accumulator re-baselines to the
    # plain newest-first sum 0.7 + 0.2 + 0.1 = 0.9999999999999999 with c = 0; evicting the
    # three values then leaves -1.1e-16 (the plain running sum would have ended at 0.0).
    out = ta.sma(np.array([0.1, 0.2, 0.7, 0.0, 0.0, 0.0]), 3)
    assert out[2] == 0.9999999999999999 / 3
    assert out[5] == -1.1102230246251565e-16 / 3


def test_wma_weights() -> None:
    assert same(ta.wma(X, 3), [NA, NA, (1 + 4 + 9) / 6, (2 + 6 + 12) / 6, 26 / 6, 32 / 6])


def test_vwma() -> None:
    v = np.array([1.0, 1.0, 2.0, 2.0, 1.0, 1.0])
    assert same(ta.vwma(v, X, 2), [NA, 1.5, 8 / 3, 3.5, 13 / 3, 5.5])


def test_swma_propagates_na() -> None:
    assert same(ta.swma(X), [NA, NA, NA, 2.5, 3.5, 4.5])
    x = X.copy()
    x[4] = NA
    assert np.isnan(ta.swma(x)[4:]).all()


def test_alma_constant_series_and_na() -> None:
    assert same(ta.alma(np.full(6, 2.0), 3, 0.85, 6), [NA, NA, 2, 2, 2, 2])
    x = X.copy()
    x[3] = NA
    assert np.isnan(ta.alma(x, 3, 0.85, 6)[3:6]).all()


def test_alma_weights() -> None:
    m, s = 0.85 * 2, 3 / 6
    w = [math.exp(-((i - m) ** 2) / (2 * s * s)) for i in range(3)]
    want = sum(v * wi for v, wi in zip([1.0, 2.0, 3.0], w, strict=True)) / sum(w)
    assert ta.alma(X, 3, 0.85, 6)[2] == pytest.approx(want, rel=1e-14)


def test_hma_of_a_line_is_the_line() -> None:
    out = ta.hma(X, 4)  # wma(2 * wma(x, 2) - wma(x, 4), 2); exact on a straight line
    assert np.isnan(out[:4]).all()
    assert same(out[4:], [5, 6])


def test_rsi_extremes_and_warm_up() -> None:
    assert same(ta.rsi(X, 3), [NA, NA, NA, 100, 100, 100])
    assert same(ta.rsi(X[::-1].copy(), 3), [NA, NA, NA, 0, 0, 0])
    x = np.array([1.0, 2.0, 1.0, 2.0])  # gains rma 0.5 → 0.75, losses 0.5 → 0.25
    assert same(ta.rsi(x, 2), [NA, NA, 50, 75])


def test_tr_handle_na_and_atr() -> None:
    h = np.array([3.0, 4.0, 6.0])
    lo = np.array([1.0, 3.0, 5.0])
    c = np.array([2.0, 3.5, 5.5])
    assert same(ta.tr(h, lo, c), [NA, 2, 2.5])
    assert same(ta.tr(h, lo, c, True), [2, 2, 2.5])
    assert same(ta.atr(h, lo, c, 2), [NA, 2, 2.25])


def test_stdev_biased_and_unbiased() -> None:
    assert same(ta.stdev(X, 2), [NA, 0.5, 0.5, 0.5, 0.5, 0.5])
    assert ta.stdev(X, 3, biased=False)[2] == pytest.approx(1.0, rel=1e-15)


def test_highest_lowest_and_bars() -> None:
    x = np.array([1.0, 5.0, 2.0, 5.0, 0.0])
    assert same(ta.highest(x, 3), [NA, NA, 5, 5, 5])
    assert same(ta.lowest(x, 3), [NA, NA, 1, 2, 0])
    assert same(ta.highestbars(x, 3), [NA, NA, -1, -2, -1])  # oldest wins a tie
    assert same(ta.lowestbars(x, 3), [NA, NA, -2, -1, 0])
    assert same(ta.range_(x, 3), [NA, NA, 4, 3, 5])


def test_change_mom_and_bool_change() -> None:
    assert same(ta.change(X), [NA, 1, 1, 1, 1, 1])
    assert same(ta.mom(X, 2), [NA, NA, 2, 2, 2, 2])
    b = np.array([True, True, False, False])
    assert ta.change(b).tolist() == [False, False, True, False]


def test_cross_family_is_bool_and_false_on_na() -> None:
    a = np.array([NA, 1.0, 3.0, 1.0, 2.0])
    b = np.array([2.0, 2.0, 2.0, 2.0, 2.0])
    assert ta.crossover(a, b).tolist() == [False, False, True, False, False]
    assert ta.crossunder(a, b).tolist() == [False, False, False, True, False]
    assert ta.cross(a, b).dtype == bool
    assert ta.cross(a, b).tolist() == [False, False, True, True, False]


def test_rising_falling_need_every_step() -> None:
    x = np.array([1.0, 2.0, 3.0, 2.5, 4.0, 5.0])
    assert ta.rising(x, 2).tolist() == [False, False, True, False, False, True]
    assert ta.falling(x[::-1].copy(), 2).tolist() == [False, False, True, False, False, True]


def test_macd_tuple() -> None:
    line, signal, hist = ta.macd(X, 2, 3, 2)
    assert np.isnan(line[:2]).all() and np.isnan(signal[:3]).all()
    assert same(hist, (line - signal).tolist())


def test_bb_and_bbw() -> None:
    basis, upper, lower = ta.bb(X, 2, 2)
    assert same(basis, [NA, 1.5, 2.5, 3.5, 4.5, 5.5])
    assert same(upper - lower, [NA, 2, 2, 2, 2, 2])
    assert ta.bbw(X, 2, 2)[1] == pytest.approx(2 / 1.5 * 100, rel=1e-14)


def test_kc_without_true_range() -> None:
    h, lo = X + 1, X - 1
    basis, upper, _ = ta.kc(h, lo, X, X, 2, 1.5, use_true_range=False)
    assert same(upper - basis, [NA, 3, 3, 3, 3, 3])
    assert ta.kcw(h, lo, X, X, 2, 1.5, False)[1] == pytest.approx(6 / 1.5, rel=1e-14)


def test_cci_cmo_stoch_wpr() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert ta.cci(x, 3)[2] == pytest.approx(1 / (0.015 * 2 / 3), rel=1e-14)
    assert same(ta.cmo(np.array([1.0, 2.0, 1.5, 2.5]), 2), [NA, NA, 100 * 0.5 / 1.5, 100 / 3])
    h, lo = X + 1, X - 1
    assert ta.stoch(X, h, lo, 2)[1] == pytest.approx(100 * 2 / 3, rel=1e-14)
    assert ta.wpr(h, lo, X, 2)[1] == pytest.approx(-100 / 3, rel=1e-14)


def test_mfi_counts_first_bar_in_both_sums() -> None:
    # bar 0: change is na, so neither `<= 0` nor `>= 0` holds: volume * x enters both sums
    x = np.array([1.0, 2.0, 1.0])
    v = np.ones(3)
    assert same(ta.mfi(v, x, 2), [NA, 100 - 100 / (1 + 3 / 1), 100 - 100 / (1 + 2 / 1)])


def test_obv_accdist_cum() -> None:
    c = np.array([1.0, 2.0, 1.0, 1.0])
    v = np.array([5.0, 3.0, 2.0, 7.0])
    assert same(ta.obv(c, v), [NA, 3, 1, 1])
    h, lo = c + 1, c - 1
    assert same(ta.accdist(h, lo, c, v), [0, 0, 0, 0])
    assert same(ta.cum(np.array([1.0, NA, 2.0])), [1, NA, 3])


def test_linreg_on_a_line_and_na() -> None:
    assert same(ta.linreg(X, 3, 0), [NA, NA, 3, 4, 5, 6])
    assert same(ta.linreg(X, 3, 1), [NA, NA, 2, 3, 4, 5])
    x = X.copy()
    x[3] = NA
    assert np.isnan(ta.linreg(x, 3, 0)[3:6]).all()


def test_cog_percentrank_median() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert ta.cog(x, 3)[2] == pytest.approx(-(3 * 1 + 2 * 2 + 1 * 3) / 6, rel=1e-14)
    y = np.array([3.0, 1.0, 2.0, 2.0])
    assert same(ta.percentrank(y, 2), [NA, NA, 50, 100])
    assert same(ta.median(y, 3), [NA, NA, 2, 2])


def test_tsi_of_a_steady_rise_is_one() -> None:
    assert same(ta.tsi(X, 2, 2), [NA, NA, NA, 1, 1, 1])


def test_valuewhen() -> None:
    cond = np.array([True, False, True, False, True])
    assert same(ta.valuewhen(cond, X[:5], 0), [1, 1, 3, 3, 5])
    assert same(ta.valuewhen(cond, X[:5], 1), [NA, NA, 1, 1, 3])


def test_supertrend_and_dmi_shapes() -> None:
    rng = np.random.default_rng(0)
    c = 100 + np.cumsum(rng.normal(size=200))
    h, lo = c + 1, c - 1
    value, direction = ta.supertrend(h, lo, c, 3, 10)
    assert set(np.unique(direction)) <= {-1.0, 1.0}
    up = direction == -1
    assert (value[up] <= c[up]).all()
    plus, _, adx = ta.dmi(h, lo, c, 14, 14)
    assert np.isnan(plus[:14]).all() and not np.isnan(plus[14:]).any()
    assert np.nanmax(adx) <= 100


def test_sar_starts_on_bar_one() -> None:
    h = np.array([2.0, 3.0, 4.0, 5.0])
    lo = np.array([1.0, 2.0, 3.0, 4.0])
    c = np.array([1.5, 2.5, 3.5, 4.5])
    out = ta.sar(h, lo, c, 0.02, 0.02, 0.2)
    # bar 1: long from low[0] = 1, + 0.02 * (3 - 1), capped at low[0]
    assert np.isnan(out[0]) and out[1] == pytest.approx(1.0)
    assert (out[1:] < lo[1:]).all()


@pytest.mark.parametrize(
    "call",
    [
        lambda: ta.sma(X, 0),
        lambda: ta.ema(X, -1),
        lambda: ta.rsi(X, 0),
        lambda: ta.wma(X, 0.5),
        lambda: ta.hma(X, 1),
    ],
)
def test_invalid_length_is_a_runtime_error(call) -> None:
    with pytest.raises(PineRuntimeError, match="length"):
        call()


def test_a_fractional_length_is_truncated_toward_zero() -> None:
    # an `int / int` length keeps its fraction (LANGUAGE-NOTES §10): `14 / 8` is length 1
    np.testing.assert_array_equal(ta.wma(X, 2.5), ta.wma(X, 2))
    np.testing.assert_array_equal(ta.sma(X, 14 / 8), ta.sma(X, 1))


def test_running_sma_drifts_far_less_than_the_conformance_tolerance() -> None:
    """``ta.sma`` keeps TradingView's rolling sum; after 60,000 bars its rounding drift stays
    orders of magnitude below the 1e-7 relative tolerance the exports are held to."""
    rng = np.random.default_rng(1)
    x = 30000 + np.cumsum(rng.normal(size=60000))
    out = ta.sma(x, 14)
    want = np.array([math.fsum(x[i - 13 : i + 1]) / 14 for i in range(59000, 60000)])
    assert np.max(np.abs(out[59000:] - want) / want) < 1e-12


def test_pivot_ties_the_later_bar_is_the_pivot() -> None:
    # TradingView (measured on the ETHUSDT probes using ta.pivothigh/pivotlow, e.g. the highs
    # 2830.00, 2830.00 of 2025-06-11 21:00/21:15 UTC whose pivot is confirmed on 22:30): a bar
    # level with one on its left is still a pivot; one level with a bar on its right is not.
    h = np.array([1.0, 3.0, 3.0, 2.0, 1.0])
    # left 1, right 1: bar 1 (3) has the equal bar 2 on its right -> na (on bar 2);
    # bar 2 (3) has the equal bar 1 on its left and 2 < 3 on its right -> 3 (on bar 3)
    assert same(ta.pivothigh(h, 1, 1), [NA, NA, NA, 3, NA])
    lo = -h
    assert same(ta.pivotlow(lo, 1, 1), [NA, NA, NA, -3, NA])
