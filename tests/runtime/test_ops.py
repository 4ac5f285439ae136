"""Operators of converted scripts that the runtime implements (``pineopt.runtime.ops``)."""

from __future__ import annotations

import math

import pytest

from pineopt.runtime import ops

BOLD, ITALIC, NONE = "text.format_bold", "text.format_italic", "text.format_none"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (BOLD, ITALIC, "text.format_bold+text.format_italic"),
        (ITALIC, BOLD, "text.format_bold+text.format_italic"),
        (BOLD, BOLD, BOLD),
        (NONE, ITALIC, ITALIC),
        (NONE, NONE, NONE),
        (None, BOLD, BOLD),
        (ops.add_text_formats(BOLD, ITALIC), NONE, "text.format_bold+text.format_italic"),
    ],
)
def test_text_formats_add_up_to_each_format_once(a, b, expected):
    assert ops.add_text_formats(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("a", "b", "ab"), (None, "b", "b"), ("a", None, "a"), (None, None, "")],
)
def test_concat_counts_an_na_string_as_empty(a, b, expected):
    # the manual's "Weekly and smaller units" example extends `string s = na` with `+=`
    assert ops.concat(a, b) == expected


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf])
def test_int_of_na_is_na(value):
    # `f() => int(na)` (User-defined functions page): the bare `na` literal is None here
    assert math.isnan(ops.to_int(value))


def test_int_truncates_toward_zero():
    assert ops.to_int(-2.7) == -2 and ops.to_int(2.7) == 2
