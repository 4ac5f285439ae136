"""Types and qualifiers of expressions: literals, operators, ``?:``, history references
``[]`` and tuples, and the rules for joining branch types and assigning values.

A literal is ``const``; an operation takes the strongest qualifier of its operands; ``[]``
gives a ``series``. ``?:`` cannot return a tuple - only local scopes can (the manual, Type
system > Tuples). The v6 rules on expressions live here too: no implicit int/float -> bool in
conditions, no ``na`` bools, no ``[]`` on literals or directly on fields, no ``na`` as an
operand of a comparison (``x == na``: an error in v6, a warning in v5).
"""

from __future__ import annotations

from pineopt.lang import builtins
from pineopt.lang import nodes as n
from pineopt.lang.analyzer.names import Names, dotted
from pineopt.lang.analyzer.state import BOOL, FLOAT, INT, SERIES, SIMPLE, STRING
from pineopt.lang.printer import expression
from pineopt.lang.scopes import NA, UNKNOWN, VOID, TypeInfo
from pineopt.lang.types import PineType, Qualifier, is_assignable

_LITERALS = (n.Int, n.Float, n.String, n.Bool, n.Color, n.Na)
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
_ORDERING = frozenset({"<", "<=", ">", ">="})
_COMPARISON = _ORDERING | {"==", "!="}
_DISPLAY = frozenset({"plot_display", "plot_simple_display"})


class Expressions(Names):
    """Infers the type of literals and operators; checks conditions and assignments."""

    # ---- literals

    def visit_Int(self, node: n.Int) -> TypeInfo:
        return TypeInfo(INT)

    def visit_Float(self, node: n.Float) -> TypeInfo:
        return TypeInfo(FLOAT)

    def visit_String(self, node: n.String) -> TypeInfo:
        return TypeInfo(STRING)

    def visit_Color(self, node: n.Color) -> TypeInfo:
        return TypeInfo.of("color")

    def visit_Bool(self, node: n.Bool) -> TypeInfo:
        return TypeInfo(BOOL)

    def visit_Na(self, node: n.Na) -> TypeInfo:
        return NA

    # ---- checks on operands and values

    def condition(self, node: n.Expr, where: str) -> TypeInfo:
        info = self.expr(node)
        if info.is_unknown or info.is_na or info.name == "bool":
            return TypeInfo(BOOL, info.qualifier)
        if info.is_numeric:
            if self.version >= 6:
                self.error(
                    f"Cannot use a '{info}' value as the condition of {where}: Pine v6 does not "
                    "convert int or float to bool implicitly (write bool(x) or x != 0)",
                    node,
                )
        else:
            self.error(f"Cannot use a '{info}' value as the condition of {where}", node)
        return TypeInfo(BOOL, info.qualifier)

    def numeric(self, node: n.Expr, what: str) -> TypeInfo:
        info = self.expr(node)
        if not (info.is_unknown or info.is_na or info.is_numeric):
            self.error(f"{what} must be an int or a float, not '{info}'", node)
        return info

    def check_assignable(self, value: TypeInfo, target: PineType, node: n.Expr, name: str) -> None:
        if value.is_unknown or target.name == "unknown":
            return
        if value.is_na:
            if target.name == "bool" and self.version >= 6:
                self.error(
                    f"Cannot assign na to the bool variable '{name}': in Pine v6 a bool is "
                    "never na (use false)",
                    node,
                )
            return
        if not is_assignable(value.type.unqualified(), target.unqualified()):
            self.error(
                f"Cannot assign a value of type '{value}' to the variable '{name}' of type "
                f"'{target}'",
                node,
            )

    # ---- operators

    def visit_Unary(self, node: n.Unary) -> TypeInfo:
        if node.op == "not":
            return self.condition(node.operand, "'not'")
        return self.numeric(node.operand, f"The operand of unary '{node.op}'")

    def visit_Binary(self, node: n.Binary) -> TypeInfo:
        op = node.op
        if op in ("and", "or"):
            left = self.condition(node.left, f"'{op}'")
            right = self.condition(node.right, f"'{op}'")
            return TypeInfo(BOOL, max(left.qualifier, right.qualifier))
        left, right = self.expr(node.left), self.expr(node.right)
        qualifier = max(left.qualifier, right.qualifier)
        if op in _COMPARISON and (isinstance(node.left, n.Na) or isinstance(node.right, n.Na)):
            self.na_comparison(node)
        if op in _ARITHMETIC:
            result = arithmetic(op, left, right)
        elif op in _ORDERING:
            result = self.ordering(node, left, right)
        else:
            result = BOOL if left.is_unknown or right.is_unknown or join([left, right]) else None
        if result is None:
            self.error(
                f"Cannot apply operator '{op}' to operands of type '{left}' and '{right}'",
                self.locate.after(node.left, op, node.span),
            )
            return UNKNOWN
        return TypeInfo(result, qualifier) if result.name != "unknown" else UNKNOWN

    def na_comparison(self, node: n.Binary) -> None:
        """``x == na``: in v6 an error - ``na`` cannot be an operand of a comparison (the
        manual, Type system > ``na`` value); in v5 a warning, the comparison being never true."""
        where = self.locate.after(node.left, node.op, node.span)
        if self.version >= 6:
            self.error(
                f"Cannot use '{node.op}' with na: a value cannot be compared with na directly "
                "(test it with na(x))",
                where,
            )
        else:
            self.warning(
                f"A comparison with na using '{node.op}' is never true: test the value with na(x)",
                where,
            )

    def ordering(self, node: n.Binary, left: TypeInfo, right: TypeInfo) -> PineType | None:
        for side in (left, right):
            if side.name in self.globals.enums:
                self.error(
                    f"Cannot apply operator '{node.op}' to enum values: enums support only "
                    "'==' and '!='",
                    self.locate.after(node.left, node.op, node.span),
                )
                return PineType("unknown")
        if all(side.is_unknown or side.is_na or side.is_numeric for side in (left, right)):
            return BOOL
        return None

    def visit_Ternary(self, node: n.Ternary) -> TypeInfo:
        condition = self.condition(node.condition, "the ternary operator '?:'")
        self.ternary_depth += 1
        try:
            if_true, if_false = self.expr(node.if_true), self.expr(node.if_false)
        finally:
            self.ternary_depth -= 1
        for branch, value in ((if_true, node.if_true), (if_false, node.if_false)):
            if branch.is_tuple:
                self.error(
                    "A ternary operation cannot return a tuple: '?:' is an expression, not a "
                    "local scope (return the tuple from an 'if' or 'switch' structure)",
                    value,
                )
                return UNKNOWN
        joined = join([if_true, if_false])
        if joined is None:
            self.error(
                f"The two results of '?:' have incompatible types '{if_true}' and '{if_false}'",
                node.if_false,
            )
            return UNKNOWN
        return joined.with_qualifier(max(joined.qualifier, condition.qualifier))

    def visit_Index(self, node: n.Index) -> TypeInfo:
        self.feature("history", node)
        value = self.expr(node.value)
        offset = self.expr(node.index)
        bracket = self.locate.after(node.value, "[", node.span)
        if self.version >= 6:
            if self.is_constant(node.value):
                self.error(
                    "Pine v6 does not allow '[]' on a literal or a built-in constant", bracket
                )
            elif self.is_direct_field(node.value):
                inner = node.value
                assert isinstance(inner, n.Attribute)
                self.error(
                    "Pine v6 does not allow '[]' directly on a field: write "
                    f"'({expression(inner.value)}[...]).{inner.attr}'",
                    bracket,
                )
        if not (offset.is_unknown or offset.name == "int"):
            self.error(f"The history offset must be an int, not '{offset}'", node.index)
        elif isinstance(node.index, n.Unary) and node.index.op == "-":
            self.error("The history offset cannot be negative", node.index)
        if value.is_tuple or value.is_void:
            self.error(f"'[]' cannot be applied to a value of type '{value}'", bracket)
            return UNKNOWN
        return value.with_qualifier(SERIES)

    def is_constant(self, node: n.Expr) -> bool:
        """A literal or a built-in constant (``color.red``), not read as a variable's field."""
        if isinstance(node, _LITERALS):
            return True
        path = dotted(node)
        if path is None:
            return False
        if self.scope.lookup(path.partition(".")[0]) is not None and (
            node not in self.namespace_paths
        ):
            return False
        return builtins.constant(path, self.version) is not None

    def is_direct_field(self, node: n.Expr) -> bool:
        """A field access written without parentheses (``b.c``, not ``(b.c)``)."""
        return (
            isinstance(node, n.Attribute)
            and node in self.field_accesses
            and node.span[:2] == node.value.span[:2]
        )

    def visit_Tuple(self, node: n.Tuple) -> TypeInfo:
        return TypeInfo.tuple_of([self.expr(element) for element in node.elements])

    @staticmethod
    def scope_value(value: TypeInfo) -> TypeInfo:
        """The value a local scope (a function body, an ``if`` or ``switch``) returns: the items
        of a tuple all take its strongest qualifier, and at least ``simple`` (the manual, Type
        system > Tuples: ``[source, length]`` with a series ``source`` makes ``length``
        series too)."""
        if not value.is_tuple:
            return value
        return value.with_qualifier(max(value.qualifier, SIMPLE))


def arithmetic(op: str, left: TypeInfo, right: TypeInfo) -> PineType | None:
    """The type of ``left op right`` for ``+ - * / %`` (None when the operands do not fit).

    ``/`` of two ints keeps the type ``int`` (TradingView's own Hull MA passes ``length / 2``
    to ``ta.wma``), although its value keeps the fraction (``7 / 2`` is 3.5, except between two
    const ints in v5, which divide as integers): where an int is needed - a length, an index,
    a loop bound - the value is truncated toward zero (LANGUAGE-NOTES §10)."""
    if left.is_unknown or right.is_unknown:
        return PineType("unknown")
    sides = [s for s in (left, right) if not s.is_na]
    if all(s.is_numeric for s in sides):
        if any(s.name == "float" for s in sides) or not sides:
            return FLOAT
        return INT
    if op == "+" and sides and all(s.name == "string" for s in sides):
        return STRING
    if op == "+" and sides and all(s.name == "text_format" for s in sides):
        return PineType("text_format")  # text.format_bold + text.format_italic
    if op in "+-" and sides and all(s.name in _DISPLAY for s in sides):
        return PineType("plot_display")  # display.all - display.status_line
    return None


def join(infos: list[TypeInfo]) -> TypeInfo | None:
    """The common type of the branches of an ``if``/``switch``/``?:`` (None when there is
    none): ``na`` fits any type, a type that converts implicitly to the other's gives the other
    (int and float give float, ``array<int>`` and ``array<float>`` give ``array<float>``),
    tuples join element by element."""
    qualifier = Qualifier.strongest(info.qualifier for info in infos)
    if any(info.is_unknown for info in infos):
        return UNKNOWN
    known = [info for info in infos if not info.is_na]
    if not known:
        return NA.with_qualifier(qualifier)
    if any(info.is_void for info in known):
        return VOID
    first = known[0]
    if first.is_tuple:
        if not all(i.is_tuple and len(i.type.args) == len(first.type.args) for i in known):
            return None
        columns = zip(*(info.elements() for info in known), strict=True)
        elements = [join(list(column)) for column in columns]
        if any(element is None for element in elements):
            return None
        return TypeInfo.tuple_of(elements)  # type: ignore[arg-type]
    result = first.type
    for info in known[1:]:
        other = info.type
        if other.is_tuple:
            return None
        if is_assignable(other, result):
            continue
        if is_assignable(result, other):
            result = other
        else:
            return None
    return TypeInfo(result, qualifier)
