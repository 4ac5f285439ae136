"""Parsing --param values into a space, checked against the script's inputs."""

from __future__ import annotations

import random

import pytest

from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.space import parse_space, split_param


def test_inclusive_arithmetic_range(specs):
    space = parse_space(specs, ["Fast length=5:50:5"])
    assert space.dimensions[0].values() == (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)


def test_an_int_range_without_step_steps_by_one(specs):
    assert parse_space(specs, ["Fast length=5:8"]).dimensions[0].values() == (5, 6, 7, 8)


def test_float_range_has_no_binary_noise(specs):
    space = parse_space(specs, {"ATR multiple": "0.1:0.5:0.1"})
    assert space.dimensions[0].values() == (0.1, 0.2, 0.3, 0.4, 0.5)


def test_names_by_title_or_variable(specs):
    space = parse_space(specs, {"slowLength": "20,40", "ATR stop": "true,false"})
    assert space.names == ["Slow length", "ATR stop"]
    assert space.dimensions[1].values() == (True, False)


def test_log_range_rounds_and_deduplicates_ints(specs):
    space = parse_space(specs, ["Slow length=2:8:log:5"])
    # 2, 2.83, 4, 5.66, 8 -> 2, 3, 4, 6, 8
    assert space.dimensions[0].values() == (2, 3, 4, 6, 8)
    space = parse_space(specs, ["Fast length=1:3:log:6"])
    assert space.dimensions[0].values() == (1, 2, 3)


def test_log_range_of_floats(specs):
    values = parse_space(specs, ["ATR multiple=0.5:8:log:5"]).dimensions[0].values()
    assert values == pytest.approx((0.5, 1.0, 2.0, 4.0, 8.0))


def test_python_sequences_and_ranges(specs):
    space = parse_space(specs, {"Fast length": range(5, 8), "ATR multiple": [1, 2.5]})
    assert space.dimensions[0].values() == (5, 6, 7)
    assert space.dimensions[1].values() == (1.0, 2.5)


def test_grid_is_the_cartesian_product(specs):
    space = parse_space(specs, {"Fast length": "5,10", "ATR stop": "true,false"})
    assert list(space.grid()) == [
        {"Fast length": 5, "ATR stop": True},
        {"Fast length": 5, "ATR stop": False},
        {"Fast length": 10, "ATR stop": True},
        {"Fast length": 10, "ATR stop": False},
    ]


def test_random_sampling_is_seeded_and_honours_int_and_step(specs):
    space = parse_space(
        specs, {"Fast length": "5:50:5", "Slow length": "20:30", "ATR multiple": "0.5:4.5"}
    )
    assert space.sample(random.Random(7)) == space.sample(random.Random(7))
    rng = random.Random(1)
    for _ in range(200):
        drawn = space.sample(rng)
        assert drawn["Fast length"] % 5 == 0 and 5 <= drawn["Fast length"] <= 50
        assert isinstance(drawn["Slow length"], int) and 20 <= drawn["Slow length"] <= 30
        assert 0.5 <= drawn["ATR multiple"] <= 4.5


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("Fast lenth=5:10:5", "no input named 'Fast lenth'; the script's inputs are: Fast length"),
        ("Fast length=5:x:5", "'x' is not a number"),
        ("Fast length=10:5:1", "HIGH is below LOW"),
        ("Fast length=5:10:0", "STEP must be positive"),
        ("Fast length=0:10:5", "0 is below its minval 1"),
        ("Fast length=5:10:2.5", "7.5 is not a whole number"),
        ("ATR stop=true,maybe", "'maybe' is not a valid bool"),
        ("Fast length=5,six", "'six' is not a valid int"),
        ("Fast length=0:10:log:3", "a log range needs 0 < LOW < HIGH"),
        ("Fast length=1:10:log:1", "N of at least 2"),
        ("Fast length=1:2:3:4:5", "expected LOW:HIGH:STEP"),
        ("Fast length", "--param expects NAME=VALUES"),
    ],
)
def test_bad_params_are_usage_errors(specs, param, message):
    with pytest.raises(SweepUsageError, match=None) as caught:
        parse_space(specs, [param])
    assert message in str(caught.value)


def test_a_continuous_float_range_cannot_be_a_grid(specs):
    space = parse_space(specs, ["ATR multiple=1:2"])
    with pytest.raises(SweepUsageError, match="a grid needs a step"):
        list(space.grid())


def test_an_input_given_twice(specs):
    with pytest.raises(SweepUsageError, match="given twice"):
        parse_space(specs, ["Fast length=5", "fastLength=6"])


def test_split_param_keeps_spaces_in_the_name():
    assert split_param(" Fast length = 5:50:5 ") == ("Fast length", "5:50:5")
