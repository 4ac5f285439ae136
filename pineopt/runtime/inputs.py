"""``input.*``: a script's settings, from their defaults or from the user's overrides.

An override is matched by the input's ``title`` or by the name of the variable the input is
assigned to (``length = input.int(14, "Length")`` answers to ``Length`` and ``length``). Values
given as text (the command line's ``--input NAME=VALUE``) are converted to the input's type;
``options``, ``minval`` and ``maxval`` are enforced with a clear error, as TradingView's
settings dialog enforces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pineopt.errors import PineOptError
from pineopt.runtime.pine_color import Color

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class InputError(PineOptError, ValueError):
    """An override that does not fit its input."""


@dataclass
class InputSpec:
    """One ``input.*`` call of the script, as the settings dialog would show it."""

    kind: str
    name: str | None
    title: str | None
    default: object
    value: object
    options: tuple | None = None
    minval: float | None = None
    maxval: float | None = None
    step: float | None = None
    extra: dict = field(default_factory=dict)


class Inputs:
    """Resolves every ``input.*`` call of one run; ``specs`` lists them in call order."""

    def __init__(self, overrides: Mapping[str, object] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.used: set[str] = set()
        self.specs: list[InputSpec] = []
        self.errors: list[str] = []

    def __call__(
        self,
        kind: str,
        defval: object,
        title: str | None = None,
        *,
        name: str | None = None,
        options: list | tuple | None = None,
        minval: float | None = None,
        maxval: float | None = None,
        step: float | None = None,
        **extra: object,
    ) -> object:
        value = defval
        for key in (title, name):
            if key is not None and key in self.overrides:
                self.used.add(key)
                try:
                    value = self._convert(kind, self.overrides[key], key, options)
                    self._check(kind, value, key, options, minval, maxval)
                except InputError as exc:  # reported by check(), with every input listed
                    self.errors.append(str(exc))
                    value = defval
                break
        if kind == "source" and isinstance(value, str):
            value = value.lower()
        self.specs.append(
            InputSpec(
                kind,
                name,
                title,
                defval,
                value,
                tuple(options) if options is not None else None,
                minval,
                maxval,
                step,
                extra,
            )
        )
        return value

    def unused(self) -> list[str]:
        """Overrides that matched no input of the script."""
        return [k for k in self.overrides if k not in self.used]

    def check(self) -> None:
        """Raise :class:`InputError` for overrides that matched no input or did not fit theirs
        (called once every input of the script has been declared, before the bar loop)."""
        problems = list(self.errors)
        unused = self.unused()
        if unused:
            problems.append(f"no input named {', '.join(map(repr, unused))}")
        if problems:
            raise InputError(f"{'; '.join(problems)}; {self.describe()}")

    def describe(self) -> str:
        """``the script's inputs are: Length / length (int, default 14), ...``."""
        if not self.specs:
            return "the script has no inputs"
        shown = []
        for spec in self.specs:
            label = " / ".join(dict.fromkeys(x for x in (spec.title, spec.name) if x))
            default = spec.default
            if isinstance(default, bool):
                default = "true" if default else "false"
            shown.append(f"{label or '(unnamed)'} ({spec.kind}, default {default})")
        return "the script's inputs are: " + ", ".join(shown)

    @staticmethod
    def _convert(kind: str, raw: object, key: str, options: list | tuple | None = None) -> object:
        if kind == "enum" and options is not None:
            for member in options:
                if raw is member or raw in (
                    getattr(member, "title", None),
                    getattr(member, "name", None),
                ):
                    return member
            raise InputError(f"input '{key}': {raw!r} is not one of its options")
        if not isinstance(raw, str):
            if kind == "int" and isinstance(raw, float) and raw.is_integer():
                return int(raw)
            return raw
        text = raw.strip()
        try:
            if kind == "int":
                number = float(text)
                if not number.is_integer():
                    raise ValueError
                return int(number)
            if kind in ("float", "price"):
                return float(text)
            if kind == "bool":
                if text.lower() in _TRUE:
                    return True
                if text.lower() in _FALSE:
                    return False
                raise ValueError
            if kind == "color":
                return Color.from_hex(text)
            if kind in ("time",):
                return int(float(text))
        except ValueError:
            raise InputError(f"input '{key}': {raw!r} is not a valid {kind}") from None
        return text

    @staticmethod
    def _check(kind, value, key, options, minval, maxval) -> None:  # type: ignore[no-untyped-def]
        if options is not None and value not in options:
            shown = ", ".join(str(o) for o in options)
            raise InputError(f"input '{key}': {value!r} is not one of its options ({shown})")
        if kind in ("int", "float") and isinstance(value, int | float):
            if minval is not None and minval == minval and value < minval:
                raise InputError(f"input '{key}': {value} is below its minval {minval}")
            if maxval is not None and maxval == maxval and value > maxval:
                raise InputError(f"input '{key}': {value} is above its maxval {maxval}")
