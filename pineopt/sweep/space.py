"""The parameter space of a sweep: which inputs vary, over which values.

Each varied input is a :class:`Dimension`, written the way ``--param`` spells it:

* ``NAME=LOW:HIGH:STEP``: an arithmetic range, both ends included (``Fast length=5:50:5`` is
  5, 10, ... 50). Decimal arithmetic keeps ``0.1:0.5:0.1`` free of ``0.30000000000000004``.
* ``NAME=LOW:HIGH``: for an ``int``, step 1; for a ``float``, a *continuous* range that random
  sampling and Optuna draw from but a grid cannot enumerate.
* ``NAME=LOW:HIGH:log:N``: N values spaced geometrically (``1:1000:log:4`` is 1, 10, 100,
  1000); integers are rounded and repeated values dropped. Random and Optuna sample it
  log-uniformly.
* ``NAME=A,B,C``: a list (``true,false`` for a ``bool``, text for ``string``/``source``
  inputs, option titles for an ``enum``). A single value fixes the input.

NAME is an input's title or the variable it is assigned to, as ``--input`` takes it. Every
value is converted to the input's kind and checked against its ``minval``/``maxval`` and
``options`` here, before anything runs, with the same words as a bad ``--input``. From Python a
dimension may also be a sequence or a ``range`` of values.

:meth:`Space.grid` enumerates the cartesian product; :meth:`Space.sample` draws sets at random
(seeded) for the random search.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pineopt.runtime.inputs import InputError, Inputs, InputSpec
from pineopt.sweep.errors import SweepUsageError

#: the kinds whose ranges make sense
NUMERIC = ("int", "float")
#: a grid larger than this is refused (the user almost certainly mistyped a step)
MAX_GRID = 1_000_000


@dataclass(frozen=True)
class Dimension:
    """One varied input: ``kind`` ``"range"`` (``low``, ``high``, ``step``; ``step`` None for a
    continuous float range), ``"log"`` (``low``, ``high``, ``count``) or ``"list"``
    (``choices``). ``input`` is the declared input; ``text`` how the user wrote it."""

    input: InputSpec
    kind: str
    text: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    count: int | None = None

    @property
    def name(self) -> str:
        """The column name of the input: its title, else its variable name."""
        return label(self.input)

    @property
    def is_int(self) -> bool:
        return self.input.kind == "int"

    def values(self) -> tuple:
        """Every value of a grid along this dimension."""
        if self.kind == "list":
            return self.choices
        if self.kind == "log":
            raw = _geometric(self.low, self.high, self.count)
            if self.is_int:
                return tuple(dict.fromkeys(round(v) for v in raw))
            return tuple(raw)
        if self.step is None:
            raise SweepUsageError(
                f"--param {self.text!r}: a grid needs a step (LOW:HIGH:STEP) for a float range"
            )
        return self.choices

    def draw(self, rng: random.Random) -> Any:
        """One value drawn at random: a list item, a point of a stepped range, or a point of a
        continuous (log-uniform for ``log``) range."""
        if self.kind == "list" or (self.kind == "range" and self.step is not None):
            return self.choices[rng.randrange(len(self.choices))]
        if self.kind == "log":
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        return round(value) if self.is_int else value

    def describe(self) -> Any:
        """The dimension as JSON for the manifest and the store."""
        if self.kind == "list":
            return {"values": [_plain(v) for v in self.choices]}
        if self.kind == "log":
            return {"low": self.low, "high": self.high, "log": True, "count": self.count}
        return {"low": self.low, "high": self.high, "step": self.step}


@dataclass(frozen=True)
class Space:
    """The varied inputs (``dimensions``, in the order given) and every declared input of the
    script (``inputs``), which constraints may also name."""

    dimensions: tuple[Dimension, ...]
    inputs: tuple[InputSpec, ...]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def grid(self) -> Iterator[dict[str, Any]]:
        """Every combination, the first dimension varying slowest."""
        axes = [d.values() for d in self.dimensions]
        size = math.prod(len(a) for a in axes)
        if size > MAX_GRID:
            raise SweepUsageError(
                f"the grid has {size:,} parameter sets (more than {MAX_GRID:,}): "
                "use larger steps, or --method random/optuna with --trials"
            )
        for combination in itertools.product(*axes):
            yield dict(zip(self.names, combination, strict=True))

    def sample(self, rng: random.Random) -> dict[str, Any]:
        """One parameter set drawn at random."""
        return {d.name: d.draw(rng) for d in self.dimensions}

    def describe(self) -> dict[str, Any]:
        return {d.name: d.describe() for d in self.dimensions}


def label(spec: InputSpec) -> str:
    """How an input is named in results: its title, else its variable name."""
    return spec.title or spec.name or "(unnamed)"


def find_input(specs: Sequence[InputSpec], name: str, flag: str = "--param") -> InputSpec:
    """The input ``name`` designates: by title first, then by variable name (as ``--input``);
    an unknown name is a usage error that lists the script's inputs."""
    for attribute in ("title", "name"):
        for spec in specs:
            if getattr(spec, attribute) == name:
                return spec
    raise SweepUsageError(f"{flag}: no input named {name!r}; {describe_inputs(specs)}")


def describe_inputs(specs: Sequence[InputSpec]) -> str:
    """``the script's inputs are: Fast length / fastLength (int, default 50), ...``."""
    inputs = Inputs()
    inputs.specs = list(specs)
    return inputs.describe()


def parse_space(specs: Sequence[InputSpec], params: Mapping[str, Any] | Sequence[str]) -> Space:
    """The :class:`Space` of ``params``: ``{"Fast length": "5:50:5", "ATR stop": [True,
    False]}`` or ``["Fast length=5:50:5", ...]`` (the ``--param`` form)."""
    if isinstance(params, Mapping):
        items = list(params.items())
    else:
        items = [split_param(text) for text in params]
    if not items:
        raise SweepUsageError("no parameters to sweep: give at least one --param NAME=VALUES")
    dimensions: list[Dimension] = []
    seen: dict[str, str] = {}
    for name, spec_text in items:
        spec = find_input(specs, str(name))
        key = label(spec)
        if key in seen:
            raise SweepUsageError(f"--param: input {key!r} is given twice ({seen[key]!r})")
        seen[key] = str(name)
        dimensions.append(parse_dimension(spec, spec_text, str(name)))
    return Space(tuple(dimensions), tuple(specs))


def split_param(text: str) -> tuple[str, str]:
    """``"Fast length=5:50:5"`` → ``("Fast length", "5:50:5")``."""
    name, sep, value = str(text).partition("=")
    if not sep or not name.strip() or not value.strip():
        raise SweepUsageError(f"--param expects NAME=VALUES, got {text!r}")
    return name.strip(), value.strip()


def parse_dimension(spec: InputSpec, values: Any, name: str) -> Dimension:
    """One :class:`Dimension` of input ``spec`` from text or from Python values."""
    if isinstance(values, range):
        values = list(values)
    if not isinstance(values, str):
        if isinstance(values, Sequence | set | frozenset) and not isinstance(values, bytes):
            choices = tuple(_value(spec, v, name) for v in values)
            if not choices:
                raise SweepUsageError(f"--param {name!r}: no values")
            return Dimension(spec, "list", f"{name}={values!r}", tuple(dict.fromkeys(choices)))
        values = str(values)
    text = f"{name}={values}"
    parts = [p.strip() for p in values.split(":")]
    if len(parts) == 1 or spec.kind not in NUMERIC:
        items = [v.strip() for v in values.split(",")]
        if any(not v for v in items):
            raise SweepUsageError(f"--param {text!r}: an empty value in the list")
        choices = tuple(dict.fromkeys(_value(spec, v, name) for v in items))
        return Dimension(spec, "list", text, choices)
    if len(parts) == 4 and parts[2].lower() == "log":
        low, high = _number(parts[0], text), _number(parts[1], text)
        count = _count(parts[3], text)
        if low <= 0 or high <= low:
            raise SweepUsageError(f"--param {text!r}: a log range needs 0 < LOW < HIGH")
        for bound in (low, high):
            _value(spec, round(bound) if spec.kind == "int" else float(bound), name)
        return Dimension(spec, "log", text, low=float(low), high=float(high), count=count)
    if len(parts) not in (2, 3):
        raise SweepUsageError(f"--param {text!r}: expected LOW:HIGH:STEP, LOW:HIGH:log:N or A,B,C")
    low, high = _number(parts[0], text), _number(parts[1], text)
    if high < low:
        raise SweepUsageError(f"--param {text!r}: HIGH is below LOW")
    if len(parts) == 2 and spec.kind == "float":
        for bound in (low, high):
            _value(spec, float(bound), name)
        return Dimension(spec, "range", text, low=float(low), high=float(high))
    step = _number(parts[2], text) if len(parts) == 3 else Decimal(1)
    if step <= 0:
        raise SweepUsageError(f"--param {text!r}: STEP must be positive")
    count = int((high - low) / step) + 1
    if count > MAX_GRID:
        raise SweepUsageError(f"--param {text!r}: {count:,} values; use a larger step")
    raw = [low + k * step for k in range(count)]
    choices = tuple(_value(spec, _typed(spec, v, text), name) for v in raw)
    return Dimension(
        spec,
        "range",
        text,
        tuple(dict.fromkeys(choices)),
        low=float(low),
        high=float(high),
        step=float(step),
    )


def check_value(spec: InputSpec, value: Any, name: str | None = None) -> Any:
    """``value`` converted to the kind of input ``spec`` and checked against its bounds and
    options (a :class:`SweepUsageError` when it does not fit)."""
    return _value(spec, value, name or label(spec))


def _value(spec: InputSpec, raw: Any, name: str) -> Any:
    try:
        value = Inputs._convert(spec.kind, raw, name, spec.options)
        if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise InputError(f"input '{name}': {raw!r} is not a valid int")
        if spec.kind == "bool" and not isinstance(value, bool):
            raise InputError(f"input '{name}': {raw!r} is not a valid bool")
        Inputs._check(spec.kind, value, name, spec.options, spec.minval, spec.maxval)
    except InputError as exc:
        raise SweepUsageError(f"--param: {exc}") from None
    return _plain(value)


def _typed(spec: InputSpec, value: Decimal, text: str) -> int | float:
    if spec.kind == "int":
        if value != value.to_integral_value():
            raise SweepUsageError(f"--param {text!r}: {value} is not a whole number (int input)")
        return int(value)
    return float(value)


def _number(text: str, whole: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SweepUsageError(f"--param {whole!r}: {text!r} is not a number") from None
    if not value.is_finite():
        raise SweepUsageError(f"--param {whole!r}: {text!r} is not a finite number")
    return value


def _count(text: str, whole: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise SweepUsageError(f"--param {whole!r}: N must be a whole number") from None
    if count < 2:
        raise SweepUsageError(f"--param {whole!r}: a log range needs N of at least 2")
    return count


def _geometric(low: float, high: float, count: int) -> list[float]:
    ratio = (high / low) ** (1.0 / (count - 1))
    values = [low * ratio**k for k in range(count)]
    values[-1] = high
    return values


def _plain(value: Any) -> Any:
    """Enum members by their title or name; numpy scalars as Python numbers."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    for attribute in ("title", "name"):
        named = getattr(value, attribute, None)
        if isinstance(named, str) and not isinstance(value, str):
            return named
    return value
