"""Pine ``map`` functions (bar-loop path)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import pine_map as pm

NAN = float("nan")
TSV = Path(__file__).resolve().parents[2] / "pineopt" / "lang" / "data" / "v6-builtins.tsv"


def test_functions_cover_the_namespace() -> None:
    rows = (line.split("\t") for line in TSV.read_text().splitlines()[1:])
    names = {r[0] for r in rows if r[0].startswith("map.") and r[1] == "function"}
    assert set(pm.FUNCTIONS) == names
    assert len(pm.FUNCTIONS) == 11


def test_put_get_contains_remove() -> None:
    m = pm.new(na_value=NAN)
    assert isinstance(m, dict)
    assert math.isnan(pm.put(m, "a", 1.0))  # new key: na of the value type
    assert pm.put(m, "a", 2.0) == 1.0  # previous value
    assert pm.get(m, "a") == 2.0
    assert math.isnan(pm.get(m, "zz"))
    assert pm.contains(m, "a") and not pm.contains(m, "zz")
    assert pm.remove(m, "a") == 2.0
    assert math.isnan(pm.remove(m, "a"))
    assert pm.size(m) == 0


def test_default_na_is_none() -> None:
    m = pm.new()
    assert pm.get(m, 1) is None
    assert pm.put(m, 1, "x") is None
    assert pm.get({}, 1) is None  # plain dicts work too


def test_keys_values_order_and_copies() -> None:
    m = pm.new()
    for k, v in (("b", 2), ("a", 1), ("c", 3)):
        pm.put(m, k, v)
    pm.put(m, "b", 20)  # updating keeps the insertion position
    ks, vs = pm.keys(m), pm.values(m)
    assert ks == ["b", "a", "c"] and vs == [20, 1, 3]
    ks.append("x")
    assert pm.size(m) == 3


def test_copy_clear_put_all() -> None:
    m = pm.new(na_value=NAN)
    pm.put(m, 1, 1.0)
    c = pm.copy(m)
    assert isinstance(c, pm.PineMap) and math.isnan(pm.get(c, 9))
    pm.put(c, 2, 2.0)
    assert pm.size(m) == 1 and pm.size(c) == 2
    other = {2: 5.0, 3: 6.0}
    pm.put_all(m, other)
    assert pm.keys(m) == [1, 2, 3] and pm.values(m) == [1.0, 5.0, 6.0]
    pm.clear(m)
    assert pm.size(m) == 0


def test_numeric_keys() -> None:
    m = pm.new()
    pm.put(m, 1, "one")
    assert pm.get(m, 1.0) == "one"  # int 1 and float 1.0 are the same key


def test_limit() -> None:
    m = pm.new()
    for i in range(50_000):
        pm.put(m, i, i)
    assert pm.put(m, 0, -1) == 0  # replacing is still allowed at the limit
    with pytest.raises(PineRuntimeError, match="50000"):
        pm.put(m, 50_000, 0)
    with pytest.raises(PineRuntimeError, match="too large"):
        pm.put_all(m, {-1: 0})
    assert pm.size(m) == 50_000


def test_na_map_raises() -> None:
    for fn, args in [
        (pm.get, (None, 1)),
        (pm.put, (None, 1, 2)),
        (pm.contains, (None, 1)),
        (pm.remove, (None, 1)),
        (pm.size, (None,)),
        (pm.keys, (None,)),
        (pm.values, (None,)),
        (pm.copy, (None,)),
        (pm.clear, (None,)),
        (pm.put_all, (None, {})),
    ]:
        with pytest.raises(PineRuntimeError, match="'id'='na'"):
            fn(*args)
