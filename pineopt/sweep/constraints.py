"""Constraints on parameter sets, such as ``"Fast length < Slow length"``.

A constraint is a small expression checked on each candidate set before anything runs; a set
that fails any constraint is never evaluated. The language is deliberately tiny and parsed
here, never handed to ``eval``:

* names of the script's inputs, by title or variable name; titles may contain spaces, and at
  each position the longest declared name that matches wins (``Slow length 2`` before
  ``Slow length``);
* numbers, ``true``/``false``, parentheses;
* ``+ - * /``, comparisons ``< <= > >= == !=`` (chained as in Python: ``5 <= a < b``),
  ``and``, ``or``, ``not``.

An input the set does not vary takes its fixed value (an ``inputs=`` override, else its
default). A word that names no input is a usage error that lists the inputs.

>>> check = Constraint.parse("Fast length * 2 <= Slow length", specs)  # doctest: +SKIP
>>> check({"Fast length": 10, "Slow length": 30})                      # doctest: +SKIP
True
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pineopt.runtime.inputs import InputSpec
from pineopt.sweep.errors import SweepUsageError
from pineopt.sweep.space import describe_inputs, label

_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_]\w*")
_SYMBOLS = ("<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")")
_KEYWORDS = {"and", "or", "not", "true", "false"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}

# A parsed expression is a tree of tuples: ("num", value), ("name", title), ("neg", x),
# ("not", x), ("and"/"or", [x, ...]), ("arith", op, a, b), ("cmp", [a, b, ...], [op, ...]).
Node = tuple


@dataclass(frozen=True)
class Constraint:
    """One parsed constraint: ``text`` as written, ``names`` the inputs it reads (titles)."""

    text: str
    tree: Node
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, specs: Sequence[InputSpec]) -> Constraint:
        tokens = _tokenize(str(text), specs)
        parser = _Parser(tokens, str(text))
        tree = parser.expression()
        if parser.position != len(tokens):
            parser.fail(f"unexpected {tokens[parser.position][1]!r}")
        names = tuple(dict.fromkeys(v for k, v in tokens if k == "name"))
        return cls(str(text), tree, names)

    def __call__(self, values: Mapping[str, Any]) -> bool:
        try:
            return bool(_evaluate(self.tree, values))
        except ZeroDivisionError:
            return False


def parse_constraints(
    texts: Sequence[str] | str | None, specs: Sequence[InputSpec]
) -> list[Constraint]:
    """Parse every constraint (one string or several)."""
    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [texts]
    return [Constraint.parse(t, specs) for t in texts]


def satisfied(constraints: Sequence[Constraint], values: Mapping[str, Any]) -> bool:
    """Whether ``values`` (every input by title) meets every constraint."""
    return all(c(values) for c in constraints)


def _tokenize(text: str, specs: Sequence[InputSpec]) -> list[tuple[str, Any]]:
    names: dict[str, str] = {}
    for spec in specs:
        for alias in (spec.title, spec.name):
            if alias:
                names.setdefault(alias, label(spec))
    longest_first = sorted(names, key=len, reverse=True)
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        matched = _declared_name(text, i, longest_first)
        if matched is not None:
            tokens.append(("name", names[matched]))
            i += len(matched)
            continue
        number = _NUMBER.match(text, i)
        if number:
            tokens.append(("num", float(number.group())))
            i = number.end()
            continue
        word = _WORD.match(text, i)
        if word:
            value = word.group()
            if value.lower() not in _KEYWORDS:
                raise SweepUsageError(
                    f"--constraint {text!r}: no input named {value!r}; {describe_inputs(specs)}"
                )
            tokens.append(("op", value.lower()))
            i = word.end()
            continue
        symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if symbol is None:
            raise SweepUsageError(f"--constraint {text!r}: unexpected {text[i]!r}")
        tokens.append(("op", symbol))
        i += len(symbol)
    if not tokens:
        raise SweepUsageError("--constraint: empty")
    return tokens


def _declared_name(text: str, i: int, names: Sequence[str]) -> str | None:
    """The longest input name at ``text[i:]`` that is not the start of a longer word."""
    for name in names:
        if text.startswith(name, i):
            end = i + len(name)
            if (
                end < len(text)
                and (text[end].isalnum() or text[end] == "_")
                and (name[-1].isalnum() or name[-1] == "_")
            ):
                continue
            return name
    return None


class _Parser:
    """Recursive descent: or → and → not → comparison → sum → product → unary → atom."""

    def __init__(self, tokens: list[tuple[str, Any]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def fail(self, message: str) -> None:
        raise SweepUsageError(f"--constraint {self.text!r}: {message}")

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, *ops: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ops:
            self.position += 1
            return token[1]
        return None

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.take("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def conjunction(self) -> Node:
        parts = [self.negation()]
        while self.take("and"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def negation(self) -> Node:
        if self.take("not"):
            return ("not", self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        operands = [self.sum()]
        ops: list[str] = []
        while (op := self.take(*_COMPARE)) is not None:
            ops.append(op)
            operands.append(self.sum())
        return operands[0] if not ops else ("cmp", operands, ops)

    def sum(self) -> Node:
        node = self.product()
        while (op := self.take("+", "-")) is not None:
            node = ("arith", op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while (op := self.take("*", "/")) is not None:
            node = ("arith", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.take("-"):
            return ("neg", self.unary())
        if self.take("+"):
            return self.unary()
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            self.fail("the expression ends too early")
        assert token is not None
        kind, value = token
        if kind in ("num", "name"):
            self.position += 1
            return (kind, value)
        if self.take("true", "false"):
            return ("num", value == "true")
        if self.take("("):
            node = self.expression()
            if not self.take(")"):
                self.fail("a '(' is not closed")
            return node
        self.fail(f"unexpected {value!r}")
        raise AssertionError  # fail() raised


def _evaluate(node: Node, values: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "name":
        return values[node[1]]
    if kind == "neg":
        return -_evaluate(node[1], values)
    if kind == "not":
        return not _evaluate(node[1], values)
    if kind == "and":
        return all(_evaluate(n, values) for n in node[1])
    if kind == "or":
        return any(_evaluate(n, values) for n in node[1])
    if kind == "arith":
        return _ARITHMETIC[node[1]](_evaluate(node[2], values), _evaluate(node[3], values))
    operands = [_evaluate(n, values) for n in node[1]]
    return all(_COMPARE[op](operands[k], operands[k + 1]) for k, op in enumerate(node[2]))
