"""Small constructors for Python's :mod:`ast`, so that the code generator reads like the code
it builds (``call(name("f"), [const(1)])`` rather than ``ast.Call(func=ast.Name(...))``)."""

from __future__ import annotations

import ast
import math
import threading

#: Held by everything in PineOpt that turns Python text into an ``ast`` tree or compiles one.
#: CPython 3.11's conversion between its internal syntax trees and :mod:`ast` objects counts
#: its recursion depth per interpreter rather than per call, so two threads doing it at once
#: can fail with ``SystemError: AST constructor recursion depth mismatch`` (CPython issue
#: gh-106905; seen with eight threads saving strategies at once).
AST_LOCK = threading.RLock()


def name(id: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id, ctx=ast.Store() if store else ast.Load())


def attr(value: ast.expr | str, attr_name: str, store: bool = False) -> ast.Attribute:
    if isinstance(value, str):
        value = name(value)
    return ast.Attribute(value=value, attr=attr_name, ctx=ast.Store() if store else ast.Load())


def dotted(path: str) -> ast.expr:
    """``a.b.c`` as loads."""
    head, *rest = path.split(".")
    node: ast.expr = name(head)
    for part in rest:
        node = attr(node, part)
    return node


def const(value: object) -> ast.expr:
    if isinstance(value, float) and math.isnan(value):
        return name("NA")
    if isinstance(value, float) and math.isinf(value):
        return ast.UnaryOp(ast.USub(), name("INF")) if value < 0 else name("INF")
    return ast.Constant(value=value)


def call(
    func: ast.expr | str, args: list[ast.expr] | None = None, **keywords: ast.expr
) -> ast.Call:
    if isinstance(func, str):
        func = dotted(func)
    return ast.Call(
        func=func,
        args=list(args or []),
        keywords=[ast.keyword(arg=k, value=v) for k, v in keywords.items()],
    )


def call_kw(func: ast.expr | str, args: list[ast.expr], keywords: list[tuple[str, ast.expr]]):
    """A call whose keyword names need not be Python identifiers known in advance."""
    if isinstance(func, str):
        func = dotted(func)
    return ast.Call(
        func=func, args=list(args), keywords=[ast.keyword(arg=k, value=v) for k, v in keywords]
    )


def assign(target: str | ast.expr, value: ast.expr) -> ast.Assign:
    if isinstance(target, str):
        target = name(target, store=True)
    return ast.Assign(targets=[target], value=value)


def store(node: ast.expr) -> ast.expr:
    """The same target expression in store context."""
    if isinstance(node, ast.Name):
        return name(node.id, store=True)
    if isinstance(node, ast.Attribute):
        return ast.Attribute(value=node.value, attr=node.attr, ctx=ast.Store())
    if isinstance(node, ast.Subscript):
        return ast.Subscript(value=node.value, slice=node.slice, ctx=ast.Store())
    if isinstance(node, ast.Tuple):
        return ast.Tuple(elts=[store(e) for e in node.elts], ctx=ast.Store())
    raise TypeError(f"cannot assign to {ast.dump(node)}")


def subscript(value: ast.expr, index: ast.expr, store_ctx: bool = False) -> ast.Subscript:
    return ast.Subscript(value=value, slice=index, ctx=ast.Store() if store_ctx else ast.Load())


def binop(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.BinOp:
    return ast.BinOp(left=left, op=op, right=right)


def compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.Compare:
    return ast.Compare(left=left, ops=[op], comparators=[right])


def ifexp(test: ast.expr, body: ast.expr, orelse: ast.expr) -> ast.IfExp:
    return ast.IfExp(test=test, body=body, orelse=orelse)


def expr_stmt(value: ast.expr) -> ast.Expr:
    return ast.Expr(value=value)


def if_stmt(test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt] | None = None) -> ast.If:
    return ast.If(test=test, body=body or [ast.Pass()], orelse=orelse or [])


def tuple_(elements: list[ast.expr]) -> ast.Tuple:
    return ast.Tuple(elts=elements, ctx=ast.Load())


def list_(elements: list[ast.expr]) -> ast.List:
    return ast.List(elts=elements, ctx=ast.Load())


def function(
    fn_name: str, params: list[str], body: list[ast.stmt], doc: str | None = None
) -> ast.FunctionDef:
    statements: list[ast.stmt] = [expr_stmt(const(doc))] if doc else []
    statements.extend(body or [ast.Pass()])
    return ast.FunctionDef(
        name=fn_name,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p) for p in params],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=statements,
        decorator_list=[],
        returns=None,
        type_params=[],
    )


def statements(source: str) -> list[ast.stmt]:
    """Parse a fixed snippet of Python."""
    return ast.parse(source).body
