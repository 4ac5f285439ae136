"""Constraints: a tiny expression language over the script's inputs, never eval."""

from __future__ import annotations

import pytest

from pineopt.runtime.inputs import InputSpec
from pineopt.sweep.constraints import Constraint, parse_constraints, satisfied
from pineopt.sweep.errors import SweepUsageError


def test_comparison_by_titles_with_spaces(specs):
    check = Constraint.parse("Fast length < Slow length", specs)
    assert check({"Fast length": 10, "Slow length": 20})
    assert not check({"Fast length": 20, "Slow length": 20})
    assert check.names == ("Fast length", "Slow length")


def test_variable_names_arithmetic_and_logic(specs):
    check = Constraint.parse("fastLength * 2 <= slowLength and (useStop or atrMult > 2)", specs)
    assert check({"Fast length": 10, "Slow length": 20, "ATR stop": False, "ATR multiple": 3})
    assert not check({"Fast length": 10, "Slow length": 20, "ATR stop": False, "ATR multiple": 1})
    assert not check({"Fast length": 11, "Slow length": 20, "ATR stop": True, "ATR multiple": 1})


def test_chained_comparison_negation_and_unary_minus(specs):
    check = Constraint.parse("5 <= Fast length < Slow length - -1 and not ATR stop", specs)
    assert check({"Fast length": 5, "Slow length": 5, "ATR stop": False})
    assert not check({"Fast length": 4, "Slow length": 50, "ATR stop": False})
    assert not check({"Fast length": 5, "Slow length": 50, "ATR stop": True})


def test_longest_name_wins():
    specs = [
        InputSpec("int", "a", "Length", 1, 1),
        InputSpec("int", "b", "Length 2", 2, 2),
    ]
    check = Constraint.parse("Length 2 > Length", specs)
    assert check.names == ("Length 2", "Length")
    assert check({"Length": 1, "Length 2": 3})
    assert not check({"Length": 3, "Length 2": 1})


def test_division_by_zero_rejects_the_set(specs):
    check = Constraint.parse("Slow length / (Fast length - 5) > 1", specs)
    assert not check({"Fast length": 5, "Slow length": 10})


def test_satisfied_needs_every_constraint(specs):
    checks = parse_constraints(["Fast length < Slow length", "Slow length <= 100"], specs)
    assert satisfied(checks, {"Fast length": 5, "Slow length": 100})
    assert not satisfied(checks, {"Fast length": 5, "Slow length": 101})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Fast length < Slowlen", "no input named 'Slowlen'; the script's inputs are"),
        ("Fast length < __import__", "no input named '__import__'"),
        ("Fast length <", "ends too early"),
        ("(Fast length < 5", "'(' is not closed"),
        ("Fast length < 5)", "unexpected ')'"),
        ("Fast length ; 5", "unexpected ';'"),
        ("", "empty"),
    ],
)
def test_bad_constraints_are_usage_errors(specs, text, message):
    with pytest.raises(SweepUsageError) as caught:
        Constraint.parse(text, specs)
    assert message in str(caught.value)
