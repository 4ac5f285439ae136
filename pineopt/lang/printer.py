"""``unparse``: syntax tree → canonical Pine text.

The text is Pine as a careful person writes it: one statement per line, blocks indented by 4
spaces, spaces around binary operators and after commas, strings in double quotes, and only the
parentheses that precedence requires. Parsing it gives back the same tree (spans aside):
``same_tree(parse(unparse(t)).script, t)``.

Two places get parentheses beyond precedence because TradingView requires them: history of a
history, ``(x[1])[2]``, and a field of a history, ``(obj[1]).field``.

Two visitors do the work: one turns an expression into its text and binding strength, the other
a statement into lines (blocks are the lines of their statements, indented one level).
"""

from __future__ import annotations

import math

from pineopt.lang import nodes as n
from pineopt.lang.nodes import NodeVisitor

INDENT = "    "

# Binding strength, loosest first; the grammar's precedence ladder.
TERNARY, OR, AND, EQUALITY, COMPARISON, ADDITIVE, MULTIPLICATIVE, UNARY, POSTFIX, ATOM = range(10)

BINARY_PRECEDENCE = {
    "or": OR,
    "and": AND,
    "==": EQUALITY,
    "!=": EQUALITY,
    "<": COMPARISON,
    ">": COMPARISON,
    "<=": COMPARISON,
    ">=": COMPARISON,
    "+": ADDITIVE,
    "-": ADDITIVE,
    "*": MULTIPLICATIVE,
    "/": MULTIPLICATIVE,
    "%": MULTIPLICATIVE,
}

_STRUCTURES = (n.If, n.Switch, n.For, n.ForIn, n.While)
_DEFINITIONS = (n.FunctionDef, n.TypeDef, n.EnumDef)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def unparse(node: n.Node) -> str:
    """Pine text of a Script, a statement, an expression or a type."""
    if isinstance(node, n.Script):
        return _script(node)
    if isinstance(node, n.Stmt):
        return "\n".join(_Statements().visit(node)) + "\n"
    if isinstance(node, n.TypeRef):
        return type_text(node)
    return expression(node)


def expression(node: n.Expr) -> str:
    """Pine text of an expression (control structures excepted: they need lines)."""
    return _Expressions().visit(node)[0]


def string_literal(value: str) -> str:
    """``value`` as a double-quoted Pine string literal."""
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in value) + '"'


def type_text(type_: n.TypeRef) -> str:
    if type_.legacy_array:
        return f"{type_.name}[]"
    if type_.args:
        return f"{type_.name}<{', '.join(type_text(t) for t in type_.args)}>"
    return type_.name


def _script(script: n.Script) -> str:
    """Annotations go back before the first statement that followed them in the source (all at
    the top when the tree has no spans); definitions are set apart by blank lines."""
    lines = [f"//@version={script.version}"]
    pending = [a for a in script.annotations if a.name != "version"]
    previous: n.Stmt | None = None
    for stmt in script.body:
        if previous is not None and (
            isinstance(stmt, _DEFINITIONS) or isinstance(previous, _DEFINITIONS)
        ):
            lines.append("")
        while pending and pending[0].span.line <= stmt.span.line:
            lines.append(_annotation(pending.pop(0)))
        lines.extend(_Statements().visit(stmt))
        previous = stmt
    lines.extend(_annotation(a) for a in pending)
    return "\n".join(lines) + "\n"


def _annotation(annotation: n.Annotation) -> str:
    return f"//@{annotation.name} {annotation.text}".rstrip()


# ---- statements ---------------------------------------------------------------------------------


class _Statements(NodeVisitor):
    """``visit(statement)`` → its lines, unindented."""

    def __init__(self) -> None:
        self.expr = _Expressions()

    def block(self, body: tuple[n.Stmt, ...]) -> list[str]:
        return [INDENT + line for stmt in body for line in self.visit(stmt)]

    def value(self, prefix: str, value: n.Expr) -> list[str]:
        """``prefix`` followed by an expression, or by a control structure and its blocks."""
        if isinstance(value, _STRUCTURES):
            lines = self.visit(value)
            return [prefix + lines[0], *lines[1:]]
        return [prefix + self.expr.text(value)]

    def arrow_body(self, head: str, body: tuple[n.Stmt, ...]) -> list[str]:
        """``head=>`` and a body: on the same line when it is one simple statement, as a block
        otherwise. ``head`` is what comes before ``=>``, with its space (empty for the default
        branch of a switch)."""
        if len(body) == 1:
            lines = self.visit(body[0])
            if len(lines) == 1:
                return [f"{head}=> {lines[0]}"]
        return [f"{head}=>", *self.block(body)]

    # ---- simple statements

    def visit_ExprStmt(self, node: n.ExprStmt) -> list[str]:
        return self.value("", node.expr)

    def visit_VarDecl(self, node: n.VarDecl) -> list[str]:
        type_ = node.type and type_text(node.type)
        export = "export" if node.is_export else None
        parts = (export, node.mode, node.qualifier, type_, node.name)
        head = " ".join(part for part in parts if part)
        return self.value(f"{head} = ", node.value)

    def visit_TupleDecl(self, node: n.TupleDecl) -> list[str]:
        return self.value(f"[{', '.join(node.names)}] = ", node.value)

    def visit_Assign(self, node: n.Assign) -> list[str]:
        return self.value(f"{self.expr.text(node.target)} {node.op} ", node.value)

    def visit_Break(self, node: n.Break) -> list[str]:
        return ["break"]

    def visit_Continue(self, node: n.Continue) -> list[str]:
        return ["continue"]

    # ---- control structures (first line without what precedes it: `x = `)

    def visit_If(self, node: n.If) -> list[str]:
        lines = [f"if {self.expr.text(node.condition)}", *self.block(node.body)]
        for branch in node.elifs:
            lines += [f"else if {self.expr.text(branch.condition)}", *self.block(branch.body)]
        if node.orelse is not None:
            lines += ["else", *self.block(node.orelse)]
        return lines

    def visit_Switch(self, node: n.Switch) -> list[str]:
        subject = "" if node.subject is None else " " + self.expr.text(node.subject)
        branches = [self.arrow_body(f"{self.expr.text(c.pattern)} ", c.body) for c in node.cases]
        if node.default is not None:
            branches.append(self.arrow_body("", node.default))
        return [f"switch{subject}", *(INDENT + line for lines in branches for line in lines)]

    def visit_For(self, node: n.For) -> list[str]:
        text = self.expr.text
        step = "" if node.step is None else f" by {text(node.step)}"
        head = f"for {node.var} = {text(node.start)} to {text(node.end)}{step}"
        return [head, *self.block(node.body)]

    def visit_ForIn(self, node: n.ForIn) -> list[str]:
        target = node.item if node.index is None else f"[{node.index}, {node.item}]"
        return [f"for {target} in {self.expr.text(node.iterable)}", *self.block(node.body)]

    def visit_While(self, node: n.While) -> list[str]:
        return [f"while {self.expr.text(node.condition)}", *self.block(node.body)]

    # ---- definitions

    def visit_FunctionDef(self, node: n.FunctionDef) -> list[str]:
        keywords = ("export " if node.is_export else "") + ("method " if node.is_method else "")
        params = ", ".join(self.param(p) for p in node.params)
        return self.arrow_body(f"{keywords}{node.name}({params}) ", node.body)

    def param(self, param: n.Param) -> str:
        parts = (param.qualifier, param.type and type_text(param.type), param.name)
        text = " ".join(part for part in parts if part)
        return text if param.default is None else f"{text} = {self.expr.text(param.default)}"

    def visit_TypeDef(self, node: n.TypeDef) -> list[str]:
        lines = [f"{'export ' if node.is_export else ''}type {node.name}"]
        for field in node.fields:
            varip = "varip " if field.is_varip else ""
            default = "" if field.default is None else f" = {self.expr.text(field.default)}"
            lines.append(f"{INDENT}{varip}{type_text(field.type)} {field.name}{default}")
        return lines

    def visit_EnumDef(self, node: n.EnumDef) -> list[str]:
        lines = [f"{'export ' if node.is_export else ''}enum {node.name}"]
        for member in node.members:
            title = "" if member.title is None else f" = {string_literal(member.title)}"
            lines.append(f"{INDENT}{member.name}{title}")
        return lines

    def visit_Import(self, node: n.Import) -> list[str]:
        alias = "" if node.alias is None else f" as {node.alias}"
        return [f"import {node.user}/{node.library}/{node.version}{alias}"]

    def generic_visit(self, node: n.Node) -> list[str]:
        raise TypeError(f"not a Pine statement: {type(node).__name__}")


# ---- expressions --------------------------------------------------------------------------------


class _Expressions(NodeVisitor):
    """``visit(expression)`` → ``(text, binding strength)``."""

    def text(self, node: n.Expr) -> str:
        return self.visit(node)[0]

    def operand(self, node: n.Expr, minimum: int, force_parens: bool = False) -> str:
        """The text of an operand, parenthesised when it binds more loosely than ``minimum``."""
        text, strength = self.visit(node)
        return f"({text})" if force_parens or strength < minimum else text

    def visit_Binary(self, node: n.Binary) -> tuple[str, int]:
        strength = BINARY_PRECEDENCE[node.op]
        left = self.operand(node.left, strength)
        right = self.operand(node.right, strength + 1)  # left-associative
        return f"{left} {node.op} {right}", strength

    def visit_Unary(self, node: n.Unary) -> tuple[str, int]:
        separator = " " if node.op == "not" else ""
        return f"{node.op}{separator}{self.operand(node.operand, UNARY)}", UNARY

    def visit_Ternary(self, node: n.Ternary) -> tuple[str, int]:
        condition = self.operand(node.condition, OR)
        if_false = self.operand(node.if_false, TERNARY)  # right-associative
        return f"{condition} ? {self.text(node.if_true)} : {if_false}", TERNARY

    def visit_Call(self, node: n.Call) -> tuple[str, int]:
        type_args = ""
        if node.type_args:
            type_args = "<" + ", ".join(type_text(t) for t in node.type_args) + ">"
        args = [self.text(a) for a in node.args]
        args += [f"{k.name} = {self.text(k.value)}" for k in node.keywords]
        return f"{self.operand(node.func, POSTFIX)}{type_args}({', '.join(args)})", POSTFIX

    def visit_Index(self, node: n.Index) -> tuple[str, int]:
        value = self.operand(node.value, POSTFIX, isinstance(node.value, n.Index))
        return f"{value}[{self.text(node.index)}]", POSTFIX

    def visit_Attribute(self, node: n.Attribute) -> tuple[str, int]:
        # (x[1]).f as TradingView wants; (1).f and (na).f so that they stay what they are
        force_parens = isinstance(node.value, (n.Index, n.Int, n.Float, n.Na))
        return f"{self.operand(node.value, POSTFIX, force_parens)}.{node.attr}", POSTFIX

    def visit_Tuple(self, node: n.Tuple) -> tuple[str, int]:
        return "[" + ", ".join(self.text(e) for e in node.elements) + "]", ATOM

    def visit_Name(self, node: n.Name) -> tuple[str, int]:
        return node.id, ATOM

    def visit_Int(self, node: n.Int) -> tuple[str, int]:
        return str(node.value), ATOM

    def visit_Float(self, node: n.Float) -> tuple[str, int]:
        return (repr(node.value) if math.isfinite(node.value) else "1e999"), ATOM

    def visit_String(self, node: n.String) -> tuple[str, int]:
        return string_literal(node.value), ATOM

    def visit_Color(self, node: n.Color) -> tuple[str, int]:
        return node.value, ATOM

    def visit_Bool(self, node: n.Bool) -> tuple[str, int]:
        return ("true" if node.value else "false"), ATOM

    def visit_Na(self, node: n.Na) -> tuple[str, int]:
        return "na", ATOM

    def generic_visit(self, node: n.Node) -> tuple[str, int]:
        if isinstance(node, _STRUCTURES):
            raise ValueError(f"a {type(node).__name__} cannot be printed inside an expression")
        raise TypeError(f"not a Pine expression: {type(node).__name__}")
