"""Whole-history results shared between runs (:mod:`pineopt.runtime.shared`)."""

from __future__ import annotations

import numpy as np
import pytest

from pineopt.runtime import shared, ta_vector


@pytest.fixture
def counted(monkeypatch):
    """A shared function that counts its calls, with an empty store."""
    shared.clear()
    calls = []

    @shared.shared
    def double(x, k=1):
        calls.append(1)
        return np.asarray(x, dtype=np.float64) * 2 * k

    yield double, calls
    shared.clear()


def test_same_arguments_compute_once(counted):
    double, calls = counted
    x = np.arange(5.0)
    first = double(x, 3)
    again = double(x.copy(), 3)  # another array with the same content
    assert len(calls) == 1
    np.testing.assert_array_equal(first, again)


def test_any_other_argument_computes_again(counted):
    double, calls = counted
    x = np.arange(5.0)
    double(x, 3)
    double(x, 4)
    double(x, k=3)  # by keyword: another key (the function might treat it otherwise)
    double(x + 1, 3)
    double(x.astype(np.float32), 3)
    assert len(calls) == 5
    double(np.array([0.0]), 0.0)
    double(np.array([0.0]), -0.0)  # told apart from 0.0
    assert len(calls) == 7


def test_a_result_written_into_does_not_change_the_kept_one(counted):
    double, _ = counted
    x = np.arange(5.0)
    first = double(x)
    first[:] = -1  # the caller's own array
    second = double(x)
    assert second.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    second[:] = -1  # a hit is a fresh copy too
    assert double(x).tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    (kept,) = shared._kept.values()
    assert not kept.flags.writeable


def test_arguments_it_cannot_key_are_not_shared(counted):
    double, calls = counted
    double([1.0, 2.0])
    double([1.0, 2.0])
    double(np.array([1.0], dtype=object))
    double(np.array([1.0], dtype=object))
    assert len(calls) == 4
    assert not shared._kept


def test_the_store_is_bounded(counted, monkeypatch):
    double, calls = counted
    monkeypatch.setattr(shared, "LIMIT_BYTES", 3 * 8 * 100)  # three results of 100 floats
    arrays = [np.full(100, float(i)) for i in range(4)]
    for a in arrays:
        double(a)
    assert len(shared._kept) == 3
    assert shared._total == 3 * 800
    double(arrays[0])  # the oldest was dropped: computed again
    assert len(calls) == 5


def test_disabled_computes_every_call(counted, monkeypatch):
    double, calls = counted
    monkeypatch.setattr(shared, "enabled", False)
    x = np.arange(3.0)
    double(x)
    double(x)
    assert len(calls) == 2


def test_tuple_results_are_shared():
    shared.clear()
    calls = []

    @shared.shared
    def both(x):
        calls.append(1)
        return x + 1, x - 1

    x = np.arange(3.0)
    first = both(x)
    hit = both(x)
    assert len(calls) == 1
    assert [a.tolist() for a in hit] == [a.tolist() for a in first] == [[1, 2, 3], [-1, 0, 1]]
    assert all(k.flags.writeable is False for k in shared._kept[next(iter(shared._kept))])
    shared.clear()


def test_ta_results_are_the_same_bits_with_and_without(monkeypatch):
    rng = np.random.default_rng(7)
    close = 100 + np.cumsum(rng.normal(size=2000))
    close[50:60] = np.nan
    high, low = close + 1, close - 1
    shared.clear()
    computed = [ta_vector.sma(close, 10), ta_vector.atr(high, low, close, 14)]
    kept = [ta_vector.sma(close, 10), ta_vector.atr(high, low, close, 14)]
    assert len(shared._kept) >= 2
    monkeypatch.setattr(shared, "enabled", False)
    plain = [ta_vector.sma(close, 10), ta_vector.atr(high, low, close, 14)]
    for a, b, c in zip(computed, kept, plain, strict=True):
        assert a.tobytes() == b.tobytes() == c.tobytes()
    shared.clear()


def test_tuples_of_numbers_are_kept_as_they_are():
    shared.clear()
    calls = []

    @shared.shared
    def prices(x):
        calls.append(1)
        return tuple(x.tolist()), x * 2

    x = np.arange(3.0)
    numbers, doubled = prices(x)
    again, doubled_again = prices(x)
    assert len(calls) == 1
    assert again is numbers  # immutable: one copy serves every run
    (kept,) = shared._kept.values()
    assert isinstance(kept[0], shared._Numbers)  # checked once when kept, not on every hit
    assert doubled_again is not doubled and doubled_again.tolist() == [0.0, 2.0, 4.0]
    shared.clear()
