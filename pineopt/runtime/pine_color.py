"""Pine's ``color`` namespace (scalar path).

A Pine colour is a value (LANGUAGE-NOTES §4.2): red, green, blue 0–255 and a *transparency*
0–100 (0 = opaque, 100 = invisible), not an alpha. :class:`Color` is an immutable value with
``r``, ``g``, ``b`` as ints and ``t`` as a **float** so that ``color.new(c, 50)`` reads back
exactly ``50.0`` and ``#RRGGBBAA`` literals keep their exact fraction (``#FF000080`` has
``t = (255 - 128) / 255 * 100 = 49.80…``).

``na`` representation (as in :mod:`pineopt.runtime.pine_math`): a colour ``na`` is ``None``;
``color.r/g/b/t`` return floats (Pine's signature is ``float``), so their ``na`` is NaN.
Inputs may be ``None`` or NaN for ``na``. ``na`` in → ``na`` out for every function here.

Conventions (TradingView's exact behaviour for these edge cases is unverified; all are
conservative and documented):

* **t ↔ alpha**: ``alpha = round_half_up(255 * (100 - t) / 100)``; parsing ``AA`` gives
  ``t = (255 - AA) / 255 * 100`` (a float, no rounding), so parse → print round-trips.
  ``#RRGGBB`` has ``t = 0``. Hex is case-insensitive on input and upper case on output;
  :meth:`Color.to_hex` omits ``AA`` when alpha is ``FF``.
* **Out-of-range components** are clamped, never an error: ``color.rgb`` rounds r, g, b half
  away from zero (like ``math.round``) and clamps them to 0–255; every transparency is clamped
  to 0–100 and kept as a float. A non-finite (±inf) component or transparency is treated like
  ``na``.
* **from_gradient**: the position ``(value - bottom) / (top - bottom)`` is clamped to 0–1 and
  r, g, b, t are interpolated linearly (r, g, b rounded half up to ints, t kept as a float). The
  range may be given reversed (``bottom > top``). When ``bottom == top`` the result is
  ``bottom_color`` for ``value <= bottom`` and ``top_color`` otherwise.
* **Palette**: :func:`constants` returns the 17 ``color.*`` constants; v6 changed ``red``,
  ``teal`` and ``yellow`` (§16 item 19). ``version >= 6`` gives the v6 palette, lower versions
  the v5 one.
"""

from __future__ import annotations

import math as _m
import re
from dataclasses import dataclass

__all__ = [
    "PALETTE_V5",
    "PALETTE_V6",
    "Color",
    "b",
    "constants",
    "from_gradient",
    "g",
    "new",
    "r",
    "rgb",
    "t",
]

Number = int | float | None

_HEX_RE = re.compile(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?")


def _is_na(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


def _bad(x: object) -> bool:
    """``na`` or a non-finite number (treated as ``na``)."""
    return _is_na(x) or (isinstance(x, float) and not _m.isfinite(x))


def _round_half_away(x: float) -> int:
    return _m.floor(x + 0.5) if x >= 0 else -_m.floor(-x + 0.5)


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _component(x: float) -> int:
    return int(_clamp(_round_half_away(float(x)), 0, 255))


@dataclass(frozen=True, slots=True)
class Color:
    """An immutable Pine colour: ``r``, ``g``, ``b`` ints 0–255, ``t`` float transparency 0–100."""

    r: int
    g: int
    b: int
    t: float = 0.0

    def __post_init__(self) -> None:
        for name in ("r", "g", "b"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 255:
                raise ValueError(f"Color.{name} must be an int 0-255, got {v!r}")
        if isinstance(self.t, bool) or not isinstance(self.t, int | float):
            raise ValueError(f"Color.t must be a number 0-100, got {self.t!r}")
        if not 0.0 <= self.t <= 100.0:  # also rejects NaN
            raise ValueError(f"Color.t must be 0-100, got {self.t!r}")
        object.__setattr__(self, "t", float(self.t))

    @property
    def alpha(self) -> int:
        """Opacity 0–255 (``#RRGGBBAA``'s ``AA``): ``round_half_up(255 * (100 - t) / 100)``."""
        return _m.floor(255.0 * (100.0 - self.t) / 100.0 + 0.5)

    @classmethod
    def from_hex(cls, text: str) -> Color:
        """Parse ``#RRGGBB`` or ``#RRGGBBAA`` (``AA`` = opacity, ``00`` = fully transparent)."""
        m = _HEX_RE.fullmatch(text)
        if m is None:
            raise ValueError(f"invalid colour literal {text!r}")
        rgb_hex, aa = m.group(1), m.group(2)
        rr, gg, bb = (int(rgb_hex[i : i + 2], 16) for i in (0, 2, 4))
        transp = 0.0 if aa is None else (255 - int(aa, 16)) / 255 * 100
        return cls(rr, gg, bb, transp)

    def to_hex(self) -> str:
        """``#RRGGBB`` when fully opaque (alpha ``FF``), else ``#RRGGBBAA``; upper case."""
        a = self.alpha
        base = f"#{self.r:02X}{self.g:02X}{self.b:02X}"
        return base if a == 255 else f"{base}{a:02X}"

    def __str__(self) -> str:
        return self.to_hex()


_COMMON = {
    "aqua": "#00BCD4",
    "black": "#363A45",
    "blue": "#2196F3",
    "fuchsia": "#E040FB",
    "gray": "#787B86",
    "green": "#4CAF50",
    "lime": "#00E676",
    "maroon": "#880E4F",
    "navy": "#311B92",
    "olive": "#808000",
    "orange": "#FF9800",
    "purple": "#9C27B0",
    "silver": "#B2B5BE",
    "white": "#FFFFFF",
}
_V5_ONLY = {"red": "#FF5252", "teal": "#00897B", "yellow": "#FFEB3B"}
_V6_ONLY = {"red": "#F23645", "teal": "#089981", "yellow": "#FDD835"}

PALETTE_V5: dict[str, Color] = {
    k: Color.from_hex(v) for k, v in sorted({**_COMMON, **_V5_ONLY}.items())
}
PALETTE_V6: dict[str, Color] = {
    k: Color.from_hex(v) for k, v in sorted({**_COMMON, **_V6_ONLY}.items())
}


def constants(version: int) -> dict[str, Color]:
    """The ``color.*`` constants (names without the ``color.`` prefix) for a script version."""
    return dict(PALETTE_V6 if version >= 6 else PALETTE_V5)


def new(color: Color | None, transp: Number) -> Color | None:
    """``color.new``: same r, g, b with transparency ``transp`` (clamped to 0–100)."""
    if color is None or _bad(transp):
        return None
    return Color(color.r, color.g, color.b, _clamp(float(transp), 0.0, 100.0))  # type: ignore[arg-type]


def rgb(red: Number, green: Number, blue: Number, transp: Number = 0) -> Color | None:
    """``color.rgb``: components rounded half away from zero and clamped to 0–255; ``transp``
    clamped to 0–100."""
    if _bad(red) or _bad(green) or _bad(blue) or _bad(transp):
        return None
    return Color(
        _component(red),  # type: ignore[arg-type]
        _component(green),  # type: ignore[arg-type]
        _component(blue),  # type: ignore[arg-type]
        _clamp(float(transp), 0.0, 100.0),  # type: ignore[arg-type]
    )


def r(color: Color | None) -> float:
    """``color.r``: red component as a float (NaN for ``na``)."""
    return _m.nan if color is None else float(color.r)


def g(color: Color | None) -> float:
    """``color.g``: green component as a float (NaN for ``na``)."""
    return _m.nan if color is None else float(color.g)


def b(color: Color | None) -> float:
    """``color.b``: blue component as a float (NaN for ``na``)."""
    return _m.nan if color is None else float(color.b)


def t(color: Color | None) -> float:
    """``color.t``: transparency 0–100 as a float (NaN for ``na``)."""
    return _m.nan if color is None else color.t


def from_gradient(
    value: Number,
    bottom_value: Number,
    top_value: Number,
    bottom_color: Color | None,
    top_color: Color | None,
) -> Color | None:
    """``color.from_gradient``: linear blend of ``bottom_color`` → ``top_color`` by the position
    of ``value`` in ``[bottom_value, top_value]`` (clamped)."""
    if (
        _bad(value)
        or _bad(bottom_value)
        or _bad(top_value)
        or bottom_color is None
        or top_color is None
    ):
        return None
    v, lo, hi = float(value), float(bottom_value), float(top_value)  # type: ignore[arg-type]
    if lo == hi:
        return bottom_color if v <= lo else top_color
    pos = _clamp((v - lo) / (hi - lo), 0.0, 1.0)

    def mix(a: float, z: float) -> float:
        return a + (z - a) * pos

    return Color(
        _component(mix(bottom_color.r, top_color.r)),
        _component(mix(bottom_color.g, top_color.g)),
        _component(mix(bottom_color.b, top_color.b)),
        _clamp(mix(bottom_color.t, top_color.t), 0.0, 100.0),
    )
