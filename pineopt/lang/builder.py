"""From grammar rules to syntax-tree nodes.

lark calls one method of :class:`Builder` each time the LALR parser reduces a rule of
``pine.lark`` (the method named after the rule or its ``-> alias``), with the rule's children:
tokens and what earlier methods returned. The tree is built during parsing, no lark ``Tree`` is
ever made.

Each node's span runs from the start of its first child to the end of its last one; rules that
begin or end with a keyword or bracket keep those tokens (``!rule`` in the grammar) for this.

The few checks that the grammar cannot express (``[a, b] = ...`` must hold names, ``:=`` needs
a variable or field on its left, named arguments come last) raise :class:`BuildError`, which the
parser reports like a syntax error.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, NamedTuple

from lark import Token, Transformer

from pineopt.lang import nodes as n
from pineopt.lang.nodes import Span


class BuildError(Exception):
    """A construct that parses but is not valid Pine; reported as a syntax error."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


class _TypeArgs(NamedTuple):
    """What ``type_args`` hands to the rules using it: the types and the closing ``>``."""

    types: tuple[n.TypeRef, ...]
    close: Token


# ---- Spans ---------------------------------------------------------------------------------------


def _start(item: Any) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.line, item.column
    if isinstance(item, (list, tuple)):
        return _start(item[0])
    return item.span.line, item.span.column


def _end(item: Any) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.end_line, item.end_column
    if isinstance(item, (list, tuple)):
        return _end(item[-1])
    return item.span.end_line, item.span.end_column


def _span(first: Any, last: Any) -> Span:
    return Span(*_start(first), *_end(last))


def _cover(children: list[Any]) -> Span:
    """The span from the first to the last child that is present (optional ones may be None)."""
    present = [child for child in children if child is not None]
    return _span(present[0], present[-1])


# ---- Literal values ------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def decode_string(text: str) -> str:
    r"""The value of a string literal as written in the source (quotes included).

    ``\n``, ``\t``, ``\\`` and escaped quotes are resolved; any other backslash is kept as it is,
    so ``"\d+"`` is the three characters ``\d+``, as a regular expression wants."""
    quote = text[:3] if text[:3] in ('"""', "'''") else text[:1]
    body = text[len(quote) :]
    if body.endswith(quote):
        body = body[: -len(quote)]
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _names_to_expr(names: list[Token]) -> n.Expr:
    """``a.b.c`` (a list of NAME tokens) as nested Attributes over a Name; a lone ``na`` is Na."""
    first = names[0]
    if len(names) == 1 and first == "na":
        return n.Na(span=_span(first, first))
    expr: n.Expr = n.Name(str(first), span=_span(first, first))
    for name in names[1:]:
        expr = n.Attribute(expr, str(name), span=_span(first, name))
    return expr


def _flag(token: Token | None) -> bool:
    return token is not None


def _text(token: Token | None) -> Any:
    return None if token is None else str(token)


# ---- The builder ---------------------------------------------------------------------------------


class Builder(Transformer):
    """One method per grammar rule; see the module docstring."""

    # ---- statements and blocks

    def start(self, children: list[Any]) -> list[n.Stmt]:
        first = children[0]
        return first if isinstance(first, list) else [first]

    def statements(self, children: list[n.Stmt]) -> list[n.Stmt]:
        return children

    def block(self, lines: list[list[n.Stmt]]) -> list[n.Stmt]:
        return [stmt for line in lines for stmt in line]

    def body(self, children: list[list[n.Stmt]]) -> list[n.Stmt]:
        return children[0]

    def var_decl(self, c: list[Any]) -> n.VarDecl:
        mode, qualifier, type_, name, _equals, value = c
        return n.VarDecl(_text(mode), _text(qualifier), type_, str(name), value, span=_cover(c))

    def exported_var(self, c: list[Any]) -> n.VarDecl:
        _export, decl = c
        return dataclasses.replace(decl, is_export=True, span=_cover(c))

    def decl_mode(self, c: list[Token]) -> Token:
        return c[0]

    def qualifier(self, c: list[Token]) -> Token:
        return c[0]

    def tuple_decl(self, c: list[Any]) -> n.TupleDecl:
        targets, value = c
        for element in targets.elements:
            if not isinstance(element, n.Name):
                raise BuildError(
                    "a tuple declaration declares variables: write names (or _) between the "
                    "brackets",
                    element.span,
                )
        names = tuple(element.id for element in targets.elements)
        return n.TupleDecl(names, value, span=_span(targets, value))

    def assignment(self, c: list[Any]) -> n.Assign:
        target, op, value = c
        if isinstance(target, n.Tuple):
            raise BuildError(
                f"a tuple cannot be reassigned with '{op}': declare new variables with "
                "[a, b] = ... instead",
                _token_span(op),
            )
        if not isinstance(target, (n.Name, n.Attribute)):
            raise BuildError(f"'{op}' needs a variable or a field on its left", target.span)
        return n.Assign(target, str(op), value, span=_span(target, value))

    def expr_stmt(self, c: list[n.Expr]) -> n.ExprStmt:
        return n.ExprStmt(c[0], span=c[0].span)

    def break_stmt(self, c: list[Token]) -> n.Break:
        return n.Break(span=_cover(c))

    def continue_stmt(self, c: list[Token]) -> n.Continue:
        return n.Continue(span=_cover(c))

    # ---- types

    def dotted(self, names: list[Token]) -> list[Token]:
        return names

    def simple_type(self, c: list[Any]) -> n.TypeRef:
        names = c[0]
        return n.TypeRef(".".join(names), span=_span(names, names))

    def generic_type(self, c: list[Any]) -> n.TypeRef:
        names, args = c
        return n.TypeRef(".".join(names), args.types, span=_span(names, args.close))

    def legacy_array_type(self, c: list[Any]) -> n.TypeRef:
        names, brackets = c
        return n.TypeRef(".".join(names), legacy_array=True, span=_span(names, brackets))

    def type_args(self, c: list[Any]) -> _TypeArgs:
        return _TypeArgs(tuple(c[1:-1]), c[-1])

    # ---- control structures

    def if_expr(self, c: list[Any]) -> n.If:
        body, orelse = c[2], c[-1]
        elifs = tuple(c[3:-1])
        last = orelse if orelse is not None else (elifs[-1] if elifs else body)
        return n.If(
            c[1],
            tuple(body),
            elifs,
            None if orelse is None else tuple(orelse),
            span=_span(c[0], last),
        )

    def else_if(self, c: list[Any]) -> n.ElseIf:
        return n.ElseIf(c[2], tuple(c[3]), span=_cover(c))

    def else_clause(self, c: list[Any]) -> list[n.Stmt]:
        return c[1]

    def switch_expr(self, c: list[Any]) -> n.Switch:
        switch, subject, branches = c
        cases, default = [], None
        for pattern, body, span in branches:
            if pattern is not None:
                cases.append(n.Case(pattern, body, span=span))
            elif default is None:
                default = body
            else:
                raise BuildError("a switch can have only one default branch '=> ...'", span)
        return n.Switch(subject, tuple(cases), default, span=_span(switch, branches[-1][1]))

    def switch_cases(self, branches: list[Any]) -> list[Any]:
        return branches

    def switch_case(self, c: list[Any]) -> tuple[n.Expr | None, tuple[n.Stmt, ...], Span]:
        pattern, _arrow, body = c
        return pattern, tuple(body), _cover(c)

    def for_expr(self, c: list[Any]) -> n.For:
        _for, var, _equals, start, _to, end, _by, step, body = c
        return n.For(str(var), start, end, step, tuple(body), span=_cover(c))

    def for_in_expr(self, c: list[Any]) -> n.ForIn:
        iterable, body = c[-2], c[-1]
        if len(c) == 5:  # for item in iterable
            index, item = None, str(c[1])
        else:  # for [index, item] in iterable
            index, item = str(c[2]), str(c[4])
        return n.ForIn(index, item, iterable, tuple(body), span=_cover(c))

    def while_expr(self, c: list[Any]) -> n.While:
        return n.While(c[1], tuple(c[2]), span=_cover(c))

    # ---- definitions

    def function_def(self, c: list[Any]) -> n.FunctionDef:
        export, method, name, _open, params, _close, _arrow, body = c
        return n.FunctionDef(
            str(name),
            tuple(params or ()),
            tuple(body),
            is_method=_flag(method),
            is_export=_flag(export),
            span=_cover(c),
        )

    def parameters(self, params: list[n.Param]) -> list[n.Param]:
        return params

    def parameter(self, c: list[Any]) -> n.Param:
        qualifier, type_, name, _equals, default = c
        return n.Param(_text(qualifier), type_, str(name), default, span=_cover(c))

    def type_def(self, c: list[Any]) -> n.TypeDef:
        export, _type, name, fields = c
        return n.TypeDef(str(name), tuple(fields), is_export=_flag(export), span=_cover(c))

    def fields(self, fields: list[n.Field]) -> list[n.Field]:
        return fields

    def field(self, c: list[Any]) -> n.Field:
        varip, type_, name, _equals, default = c
        return n.Field(_flag(varip), type_, str(name), default, span=_cover(c))

    def enum_def(self, c: list[Any]) -> n.EnumDef:
        export, _enum, name, members = c
        return n.EnumDef(str(name), tuple(members), is_export=_flag(export), span=_cover(c))

    def enum_members(self, members: list[n.EnumMember]) -> list[n.EnumMember]:
        return members

    def enum_member(self, c: list[Any]) -> n.EnumMember:
        name, _equals, title = c
        value = None if title is None else decode_string(title)
        return n.EnumMember(str(name), value, span=_cover(c))

    def import_stmt(self, c: list[Any]) -> n.Import:
        _import, user, _slash, library, _slash2, version, _as, alias = c
        return n.Import(str(user), str(library), int(version), _text(alias), span=_cover(c))

    # ---- expressions

    def ternary(self, c: list[n.Expr]) -> n.Ternary:
        condition, if_true, if_false = c
        return n.Ternary(condition, if_true, if_false, span=_span(condition, if_false))

    def binary(self, c: list[Any]) -> n.Binary:
        left, op, right = c
        return n.Binary(str(op), left, right, span=_span(left, right))

    def unary(self, c: list[Any]) -> n.Unary:
        op, operand = c
        return n.Unary(str(op), operand, span=_span(op, operand))

    def name_or_attribute(self, c: list[list[Token]]) -> n.Expr:
        return _names_to_expr(c[0])

    def attribute(self, c: list[Any]) -> n.Attribute:
        value, name = c
        return n.Attribute(value, str(name), span=_span(value, name))

    def call(self, c: list[Any]) -> n.Call:
        func, _open, arguments, close = c
        if isinstance(func, n.Na):  # na(x): the function, not the value
            func = n.Name("na", span=func.span)
        return _make_call(func, (), arguments, _span(func, close))

    def generic_call(self, c: list[Any]) -> n.Call:
        names, type_args, _open, arguments, close = c
        func = _names_to_expr(names)
        return _make_call(func, type_args.types, arguments, _span(names, close))

    def arguments(self, args: list[n.Expr | n.Keyword]) -> list[n.Expr | n.Keyword]:
        return args

    def keyword(self, c: list[Any]) -> n.Keyword:
        name, value = c
        return n.Keyword(str(name), value, span=_span(name, value))

    def index(self, c: list[Any]) -> n.Index:
        value, _open, index, close = c
        return n.Index(value, index, span=_span(value, close))

    def int(self, c: list[Token]) -> n.Int:
        return n.Int(int(c[0]), span=_span(c[0], c[0]))

    def float(self, c: list[Token]) -> n.Float:
        return n.Float(float(c[0]), span=_span(c[0], c[0]))

    def string(self, c: list[Token]) -> n.String:
        return n.String(decode_string(c[0]), span=_span(c[0], c[0]))

    def color(self, c: list[Token]) -> n.Color:
        return n.Color(str(c[0]), span=_span(c[0], c[0]))

    def boolean(self, c: list[Token]) -> n.Bool:
        return n.Bool(c[0] == "true", span=_span(c[0], c[0]))

    def paren(self, c: list[Any]) -> n.Expr:
        """``(expr)`` is ``expr`` itself, its span widened to the parentheses."""
        return dataclasses.replace(c[1], span=_span(c[0], c[2]))

    def tuple(self, c: list[Any]) -> n.Tuple:
        return n.Tuple(tuple(c[1:-1:2]), span=_span(c[0], c[-1]))


def _token_span(token: Token) -> Span:
    return _span(token, token)


def _make_call(
    func: n.Expr,
    type_args: tuple[n.TypeRef, ...],
    arguments: list[n.Expr | n.Keyword] | None,
    span: Span,
) -> n.Call:
    args: list[n.Expr] = []
    keywords: list[n.Keyword] = []
    for argument in arguments or ():
        if isinstance(argument, n.Keyword):
            keywords.append(argument)
        elif keywords:
            raise BuildError("a positional argument cannot follow a named argument", argument.span)
        else:
            args.append(argument)
    return n.Call(func, tuple(args), tuple(keywords), type_args, span=span)
