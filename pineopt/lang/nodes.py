"""The Pine syntax tree: one frozen dataclass per construct, each with its source span.

The tree is plain data, in the spirit of Python's :mod:`ast`:

* statements derive from :class:`Stmt`, expressions from :class:`Expr`; helper nodes (a
  parameter, a switch branch, a named argument, a type) derive from :class:`Node` directly;
* sequences are tuples, absent parts are ``None``;
* every node has a ``span`` (1-based lines and columns, end exclusive), keyword-only and last;
* nodes compare by identity, as ``ast`` nodes do, so that later passes can key tables by node
  (two calls ``ta.sma(close, 14)`` on different lines are different call sites). Compare
  structure with :func:`same_tree`.

Passes walk the tree with :class:`NodeVisitor` / :class:`NodeTransformer` (``visit_<Class>``
methods), :func:`iter_child_nodes` and :func:`walk`; :func:`to_dict` is the JSON form printed by
``pineopt parse --json``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, NamedTuple

DeclMode = Literal["var", "varip"]
Qualifier = Literal["const", "simple", "series"]


class Span(NamedTuple):
    """Where a node is in the source: 1-based line and column of its first character, and of the
    position just past its last one."""

    line: int
    column: int
    end_line: int
    end_column: int


NO_SPAN = Span(0, 0, 0, 0)
"""The span of nodes that were built by a program rather than parsed."""


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    """Base of every node."""

    span: Span = field(default=NO_SPAN, kw_only=True)


@dataclass(frozen=True, eq=False, slots=True)
class Stmt(Node):
    """Base of statements."""


@dataclass(frozen=True, eq=False, slots=True)
class Expr(Node):
    """Base of expressions (control structures included: in Pine they have a value)."""


# ---- Script ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class Annotation(Node):
    """A ``//@name text`` compiler annotation: ``//@version=6`` is ``("version", "6")``."""

    name: str
    text: str


@dataclass(frozen=True, eq=False, slots=True)
class Script(Node):
    """A whole script: its ``//@version``, all its annotations and its global statements."""

    version: int
    annotations: tuple[Annotation, ...]
    body: tuple[Stmt, ...]

    @property
    def declaration(self) -> Call | None:
        """The ``indicator(...)``, ``strategy(...)`` or ``library(...)`` call, if any."""
        for stmt in self.body:
            if isinstance(stmt, ExprStmt) and is_declaration_call(stmt.expr):
                return stmt.expr  # type: ignore[return-value]
        return None


DECLARATION_FUNCTIONS = frozenset({"indicator", "strategy", "library"})


def is_declaration_call(expr: Expr) -> bool:
    """Whether ``expr`` is a call of ``indicator``, ``strategy`` or ``library``."""
    return (
        isinstance(expr, Call)
        and isinstance(expr.func, Name)
        and expr.func.id in DECLARATION_FUNCTIONS
    )


# ---- Types -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class TypeRef(Node):
    """A written type: ``float``, ``chart.point``, ``lib.Pair``, ``map<string, float>``; the
    deprecated ``float[]`` is ``TypeRef("float", legacy_array=True)``."""

    name: str
    args: tuple[TypeRef, ...] = ()
    legacy_array: bool = False


# ---- Statements --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class VarDecl(Stmt):
    """``[export] [var|varip] [const|simple|series] [type] name = value`` (``export`` only in
    the global scope: ``export const float RATIO = 0.5`` in a library)."""

    mode: DeclMode | None
    qualifier: Qualifier | None
    type: TypeRef | None
    name: str
    value: Expr
    is_export: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class TupleDecl(Stmt):
    """``[a, _, c] = value``: declares one variable per name (``_`` discards an element)."""

    names: tuple[str, ...]
    value: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Assign(Stmt):
    """``target := value`` or a compound ``+= -= *= /= %=``; the target is a Name or Attribute."""

    target: Expr
    op: str
    value: Expr


@dataclass(frozen=True, eq=False, slots=True)
class ExprStmt(Stmt):
    """An expression evaluated for its effect or, at the end of a body, for its value."""

    expr: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Break(Stmt):
    """``break``."""


@dataclass(frozen=True, eq=False, slots=True)
class Continue(Stmt):
    """``continue``."""


@dataclass(frozen=True, eq=False, slots=True)
class Param(Node):
    """A function parameter: ``[const|simple|series] [type] name [= default]``."""

    qualifier: Qualifier | None
    type: TypeRef | None
    name: str
    default: Expr | None


@dataclass(frozen=True, eq=False, slots=True)
class FunctionDef(Stmt):
    """``[export] [method] name(params) => body``; one-line bodies are one-statement bodies."""

    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    is_method: bool = False
    is_export: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class Field(Node):
    """A field of a user-defined type: ``[varip] type name [= default]``."""

    is_varip: bool
    type: TypeRef
    name: str
    default: Expr | None


@dataclass(frozen=True, eq=False, slots=True)
class TypeDef(Stmt):
    """``[export] type Name`` and its indented fields."""

    name: str
    fields: tuple[Field, ...]
    is_export: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class EnumMember(Node):
    """``name [= "title"]``; the title defaults to the name (``title`` is then None)."""

    name: str
    title: str | None


@dataclass(frozen=True, eq=False, slots=True)
class EnumDef(Stmt):
    """``[export] enum Name`` and its indented members."""

    name: str
    members: tuple[EnumMember, ...]
    is_export: bool = False


@dataclass(frozen=True, eq=False, slots=True)
class Import(Stmt):
    """``import user/library/version [as alias]``."""

    user: str
    library: str
    version: int
    alias: str | None


# ---- Expressions: literals and names -------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class Int(Expr):
    value: int


@dataclass(frozen=True, eq=False, slots=True)
class Float(Expr):
    value: float


@dataclass(frozen=True, eq=False, slots=True)
class String(Expr):
    """A string literal; ``value`` is the text after escapes (``\\n``, ``\\"``…) are resolved."""

    value: str


@dataclass(frozen=True, eq=False, slots=True)
class Color(Expr):
    """``#RRGGBB`` or ``#RRGGBBAA``, as written."""

    value: str


@dataclass(frozen=True, eq=False, slots=True)
class Bool(Expr):
    value: bool


@dataclass(frozen=True, eq=False, slots=True)
class Na(Expr):
    """``na`` used as a value (the function ``na(x)`` is a Call of Name("na"))."""


@dataclass(frozen=True, eq=False, slots=True)
class Name(Expr):
    id: str


@dataclass(frozen=True, eq=False, slots=True)
class Attribute(Expr):
    """``value.attr``: a field (``obj.price``) or a namespaced name (``ta.sma``, ``color.red``)."""

    value: Expr
    attr: str


# ---- Expressions: operations ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class Keyword(Node):
    """A named argument ``name = value``."""

    name: str
    value: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Call(Expr):
    """``func<type_args>(args, name = value, ...)``; ``obj.m(x)`` is a call of Attribute(obj, m)."""

    func: Expr
    args: tuple[Expr, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    type_args: tuple[TypeRef, ...] = ()


@dataclass(frozen=True, eq=False, slots=True)
class Index(Expr):
    """The history operator ``value[index]``."""

    value: Expr
    index: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Unary(Expr):
    """``+x``, ``-x``, ``not x``."""

    op: str
    operand: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Binary(Expr):
    """``left op right`` for arithmetic, comparison, ``and`` and ``or``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Ternary(Expr):
    """``condition ? if_true : if_false``."""

    condition: Expr
    if_true: Expr
    if_false: Expr


@dataclass(frozen=True, eq=False, slots=True)
class Tuple(Expr):
    """``[a, b, ...]``: the several results of a function, branch or ``request.security``."""

    elements: tuple[Expr, ...]


# ---- Expressions: control structures -------------------------------------------------------------


@dataclass(frozen=True, eq=False, slots=True)
class ElseIf(Node):
    """One ``else if condition`` branch of an If."""

    condition: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False, slots=True)
class If(Expr):
    """``if`` / ``else if`` ... / ``else``; ``orelse`` is None when there is no ``else``."""

    condition: Expr
    body: tuple[Stmt, ...]
    elifs: tuple[ElseIf, ...] = ()
    orelse: tuple[Stmt, ...] | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Case(Node):
    """A switch branch ``pattern => body``."""

    pattern: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False, slots=True)
class Switch(Expr):
    """``switch [subject]`` and its branches; ``default`` is the body of the ``=> ...`` branch.

    With a subject, a branch matches when its pattern equals the subject; without one, when its
    pattern (a condition) is true."""

    subject: Expr | None
    cases: tuple[Case, ...]
    default: tuple[Stmt, ...] | None = None


@dataclass(frozen=True, eq=False, slots=True)
class For(Expr):
    """``for var = start to end [by step]`` (both bounds inclusive)."""

    var: str
    start: Expr
    end: Expr
    step: Expr | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False, slots=True)
class ForIn(Expr):
    """``for item in iterable`` or ``for [index, item] in iterable``."""

    index: str | None
    item: str
    iterable: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, eq=False, slots=True)
class While(Expr):
    condition: Expr
    body: tuple[Stmt, ...]


# ---- Walking and comparing ---------------------------------------------------------------------


@cache
def _field_names(cls: type[Node]) -> tuple[str, ...]:
    """The fields of a node class other than its span, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.name != "span")


def iter_fields(node: Node) -> Iterator[tuple[str, Any]]:
    """``(name, value)`` for every field of ``node`` except its span."""
    for name in _field_names(type(node)):
        yield name, getattr(node, name)


def iter_child_nodes(node: Node) -> Iterator[Node]:
    """The nodes directly below ``node``, in field order."""
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, parents before children (no recursion)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(iter_child_nodes(current))))


def depth(node: Node) -> int:
    """The number of nodes on the longest path from ``node`` down to a leaf (no recursion)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in iter_child_nodes(current))
    return deepest


def same_tree(a: Any, b: Any) -> bool:
    """Structural equality that ignores spans: what ``parse(unparse(t))`` preserves."""
    pairs = [(a, b)]
    while pairs:
        x, y = pairs.pop()
        if isinstance(x, Node):
            if type(x) is not type(y):
                return False
            pairs.extend((value, getattr(y, name)) for name, value in iter_fields(x))
        elif isinstance(x, tuple):
            if not isinstance(y, tuple) or len(x) != len(y):
                return False
            pairs.extend(zip(x, y, strict=True))
        elif type(x) is not type(y) or x != y:
            return False
    return True


def to_dict(node: Node) -> dict[str, Any]:
    """The JSON-ready form of a tree: ``{"node": "Call", "span": [line, column, end_line,
    end_column], "func": {...}, ...}``."""
    result: dict[str, Any] = {"node": type(node).__name__, "span": list(node.span)}
    for name, value in iter_fields(node):
        result[name] = _to_json(value)
    return result


def _to_json(value: Any) -> Any:
    if isinstance(value, Node):
        return to_dict(value)
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


class NodeVisitor:
    """Walks a tree calling ``visit_<ClassName>(node)``, or :meth:`generic_visit` when the class
    has no method; ``generic_visit`` visits the children. Results are returned, not collected."""

    def visit(self, node: Node) -> Any:
        method = getattr(self, "visit_" + type(node).__name__, self.generic_visit)
        return method(node)

    def generic_visit(self, node: Node) -> Any:
        for child in iter_child_nodes(node):
            self.visit(child)
        return None


class NodeTransformer(NodeVisitor):
    """A visitor that rebuilds the tree from what its methods return.

    A ``visit_<Class>`` method returns the replacement node: the node itself to keep it, another
    node to replace it and, inside a tuple field, ``None`` to remove it or a list to splice several
    nodes in. :meth:`generic_visit` transforms the children and copies the node only if one of
    them changed."""

    def generic_visit(self, node: Node) -> Any:
        changes: dict[str, Any] = {}
        for name, value in iter_fields(node):
            if isinstance(value, Node):
                new = self.visit(value)
                if new is not value:
                    changes[name] = new
            elif isinstance(value, tuple) and any(isinstance(item, Node) for item in value):
                items: list[Any] = []
                for item in value:
                    new = self.visit(item) if isinstance(item, Node) else item
                    if isinstance(new, list):
                        items.extend(new)
                    elif new is not None:
                        items.append(new)
                if len(items) != len(value) or any(
                    x is not y for x, y in zip(items, value, strict=True)
                ):
                    changes[name] = tuple(items)
        return dataclasses.replace(node, **changes) if changes else node
