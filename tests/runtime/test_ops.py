"""Operators of converted scripts that the runtime implements (``pineopt.runtime.ops``)."""

from __future__ import annotations

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
