"""Pine ``color`` namespace: Color value, hex literals, palettes, new/rgb/r/g/b/t, from_gradient.

Expected values follow from the documented definitions (palette hex values from the signature
table, transparency 0–100, ``AA`` = opacity); clamping and rounding of out-of-range inputs are
PineOpt's documented conventions, not verified TradingView output.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from pineopt.runtime import pine_color as pc
from pineopt.runtime.pine_color import Color

NAN = float("nan")
V5 = pc.constants(5)
V6 = pc.constants(6)


# --- Color value and hex -------------------------------------------------------------------


def test_color_is_immutable_and_hashable() -> None:
    c = Color(1, 2, 3, 40)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.r = 5  # type: ignore[misc]
    assert isinstance(c.t, float) and c.t == 40.0
    assert {c, Color(1, 2, 3, 40.0)} == {c}


@pytest.mark.parametrize(
    "args", [(256, 0, 0), (-1, 0, 0), (0, 0, 0, 101), (0, 0, 0, -0.1), (0, 0, 0, NAN), (1.5, 0, 0)]
)
def test_color_rejects_out_of_range(args: tuple) -> None:
    with pytest.raises(ValueError):
        Color(*args)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#FF0000", Color(255, 0, 0, 0)),
        ("#ff5252", Color(255, 82, 82, 0)),
        ("#000000FF", Color(0, 0, 0, 0)),
        ("#00000000", Color(0, 0, 0, 100)),
    ],
)
def test_from_hex(text: str, expected: Color) -> None:
    assert Color.from_hex(text) == expected


def test_from_hex_partial_alpha() -> None:
    c = Color.from_hex("#FF000080")
    assert (c.r, c.g, c.b) == (255, 0, 0)
    assert c.t == pytest.approx(127 / 255 * 100)
    assert c.t == pytest.approx(49.8039, abs=1e-4)
    assert c.alpha == 128


@pytest.mark.parametrize("text", ["FF0000", "#FF00", "#FF00000", "#GG0000", "#FF0000801", ""])
def test_from_hex_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        Color.from_hex(text)


@pytest.mark.parametrize(
    "text", ["#FF0000", "#FF000080", "#00000000", "#12345601", "#ABCDEFFE", "#F23645"]
)
def test_hex_round_trip(text: str) -> None:
    assert Color.from_hex(text).to_hex() == text
    assert str(Color.from_hex(text.lower())) == text


@pytest.mark.parametrize(
    "transp, alpha",
    [(0, 255), (100, 0), (50, 128), (25, 191), (75, 64), (10, 230), (90, 26)],
)
def test_alpha_rounding(transp: float, alpha: int) -> None:
    # 255 * (100 - t) / 100, rounded half up: 127.5 -> 128, 191.25 -> 191, 63.75 -> 64
    assert Color(0, 0, 0, transp).alpha == alpha


def test_to_hex_with_transparency() -> None:
    assert Color(255, 0, 0, 50).to_hex() == "#FF000080"
    assert Color(255, 0, 0, 100).to_hex() == "#FF000000"


# --- palettes ------------------------------------------------------------------------------


def test_palette_has_17_constants() -> None:
    names = {
        "aqua", "black", "blue", "fuchsia", "gray", "green", "lime", "maroon", "navy",
        "olive", "orange", "purple", "red", "silver", "teal", "white", "yellow",
    }  # fmt: skip
    assert set(V5) == names and set(V6) == names


@pytest.mark.parametrize(
    "name, v5, v6",
    [
        ("red", "#FF5252", "#F23645"),
        ("teal", "#00897B", "#089981"),
        ("yellow", "#FFEB3B", "#FDD835"),
    ],
)
def test_palette_v6_changes(name: str, v5: str, v6: str) -> None:
    assert V5[name].to_hex() == v5
    assert V6[name].to_hex() == v6
    assert V6["red"] == Color(242, 54, 69, 0)


@pytest.mark.parametrize(
    "name, hex_",
    [
        ("aqua", "#00BCD4"),
        ("black", "#363A45"),
        ("blue", "#2196F3"),
        ("fuchsia", "#E040FB"),
        ("gray", "#787B86"),
        ("green", "#4CAF50"),
        ("lime", "#00E676"),
        ("maroon", "#880E4F"),
        ("navy", "#311B92"),
        ("olive", "#808000"),
        ("orange", "#FF9800"),
        ("purple", "#9C27B0"),
        ("silver", "#B2B5BE"),
        ("white", "#FFFFFF"),
    ],
)
def test_palette_common(name: str, hex_: str) -> None:
    assert V5[name].to_hex() == hex_ == V6[name].to_hex()
    assert V6[name].t == 0.0


def test_constants_returns_a_copy_and_older_versions_use_v5() -> None:
    d = pc.constants(6)
    d["red"] = Color(0, 0, 0)
    assert pc.constants(6)["red"] == Color(242, 54, 69)
    assert pc.constants(4)["red"] == V5["red"]
    assert pc.constants(7)["red"] == V6["red"]


# --- new / rgb / r g b t -------------------------------------------------------------------


def test_new_keeps_rgb_sets_t() -> None:
    red = V6["red"]
    c = pc.new(red, 50)
    assert c == Color(242, 54, 69, 50.0)
    assert pc.t(c) == 50.0 and pc.r(c) == 242.0 and pc.g(c) == 54.0 and pc.b(c) == 69.0
    assert pc.new(c, 0) == red
    assert pc.new(red, 12.5).t == 12.5


@pytest.mark.parametrize("transp, expected", [(-10, 0.0), (150, 100.0), (100, 100.0)])
def test_new_clamps(transp: float, expected: float) -> None:
    assert pc.new(V5["blue"], transp).t == expected


def test_rgb() -> None:
    assert pc.rgb(255, 0, 0) == Color(255, 0, 0, 0)
    assert pc.rgb(10, 20, 30, 70) == Color(10, 20, 30, 70)
    assert pc.rgb(0.5, 1.49, 254.5) == Color(1, 1, 255)
    assert pc.rgb(300, -5, 128, 120) == Color(255, 0, 128, 100)
    assert pc.rgb(1, 2, 3, -1).t == 0.0


def test_component_accessors_return_floats() -> None:
    c = pc.rgb(1, 2, 3, 4)
    vals = (pc.r(c), pc.g(c), pc.b(c), pc.t(c))
    assert vals == (1.0, 2.0, 3.0, 4.0)
    assert all(type(v) is float for v in vals)


@pytest.mark.parametrize("na", [None, NAN])
def test_na_propagation(na: object) -> None:
    c = V6["green"]
    assert pc.new(None, 50) is None
    assert pc.new(c, na) is None  # type: ignore[arg-type]
    assert pc.rgb(na, 0, 0) is None  # type: ignore[arg-type]
    assert pc.rgb(0, na, 0) is None  # type: ignore[arg-type]
    assert pc.rgb(0, 0, na) is None  # type: ignore[arg-type]
    assert pc.rgb(0, 0, 0, na) is None  # type: ignore[arg-type]
    for fn in (pc.r, pc.g, pc.b, pc.t):
        assert math.isnan(fn(None))


def test_infinite_is_na() -> None:
    assert pc.rgb(math.inf, 0, 0) is None
    assert pc.new(V6["red"], -math.inf) is None


# --- from_gradient -------------------------------------------------------------------------

BLACK = Color(0, 0, 0, 0)
WHITE = Color(255, 255, 255, 100)


def test_gradient_endpoints_and_midpoint() -> None:
    assert pc.from_gradient(0, 0, 100, BLACK, WHITE) == BLACK
    assert pc.from_gradient(100, 0, 100, BLACK, WHITE) == WHITE
    mid = pc.from_gradient(50, 0, 100, BLACK, WHITE)
    assert mid == Color(128, 128, 128, 50.0)  # 127.5 rounds up
    q = pc.from_gradient(25, 0, 100, Color(0, 100, 200, 20), Color(100, 200, 0, 60))
    assert q == Color(25, 125, 150, 30.0)


def test_gradient_clamps_value() -> None:
    assert pc.from_gradient(-50, 0, 100, BLACK, WHITE) == BLACK
    assert pc.from_gradient(1e9, 0, 100, BLACK, WHITE) == WHITE


def test_gradient_reversed_range() -> None:
    # bottom_value > top_value: position still measured from bottom_value
    assert pc.from_gradient(100, 100, 0, BLACK, WHITE) == BLACK
    assert pc.from_gradient(0, 100, 0, BLACK, WHITE) == WHITE
    assert pc.from_gradient(75, 100, 0, BLACK, WHITE) == Color(64, 64, 64, 25.0)


def test_gradient_empty_range() -> None:
    assert pc.from_gradient(5, 5, 5, BLACK, WHITE) == BLACK
    assert pc.from_gradient(4, 5, 5, BLACK, WHITE) == BLACK
    assert pc.from_gradient(6, 5, 5, BLACK, WHITE) == WHITE


def test_gradient_with_v6_palette() -> None:
    g = pc.from_gradient(50, 0, 100, V6["red"], V6["green"])
    # red #F23645 (242, 54, 69), green #4CAF50 (76, 175, 80)
    assert g == Color(159, 115, 75, 0.0)  # 159, 114.5 -> 115, 74.5 -> 75


@pytest.mark.parametrize("na", [None, NAN])
def test_gradient_na(na: object) -> None:
    assert pc.from_gradient(na, 0, 100, BLACK, WHITE) is None  # type: ignore[arg-type]
    assert pc.from_gradient(50, na, 100, BLACK, WHITE) is None  # type: ignore[arg-type]
    assert pc.from_gradient(50, 0, na, BLACK, WHITE) is None  # type: ignore[arg-type]
    assert pc.from_gradient(50, 0, 100, None, WHITE) is None
    assert pc.from_gradient(50, 0, 100, BLACK, None) is None


def test_every_alpha_round_trips() -> None:
    for a in range(256):
        text = f"#102030{a:02X}"
        c = Color.from_hex(text)
        assert c.alpha == a
        assert c.to_hex() == (text[:7] if a == 255 else text)
