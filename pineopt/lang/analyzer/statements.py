"""Statements: variable and tuple declarations, reassignments, and the control structures
(``if``, ``switch``, ``for``, ``for...in``, ``while``), which are expressions in Pine: their
value is that of the last statement of the branch taken.

A variable takes its initial value's qualifier (``x = 14`` and ``var x = 14`` are ``const``),
except that a reassigned ``var``/``varip`` variable - and in v6 every variable that is
reassigned with ``:=`` - is ``series`` (see ``Names.variable_qualifier``). A qualifier keyword
on a reference-type variable (``const array<float> a = ...``) does not make the reference
const - objects and collections are always ``series`` - but ``const`` still forbids
reassigning it.
"""

from __future__ import annotations

import re

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.expressions import Expressions, join
from pineopt.lang.analyzer.state import CONST, FLOAT, INT, SERIES
from pineopt.lang.printer import expression
from pineopt.lang.scopes import NA, UNKNOWN, ScopeKind, Symbol, SymbolKind, TypeInfo
from pineopt.lang.types import PineType, Qualifier


class Statements(Expressions):
    """Declares variables, checks reassignments and walks control structures."""

    # ---- declarations and assignments

    def visit_VarDecl(self, stmt: n.VarDecl) -> TypeInfo:
        span = self.locate.name(stmt.name, stmt, stmt.type)
        self.check_name(stmt.name, span)
        if stmt.mode is not None:
            self.feature(stmt.mode, stmt)
        value = self.expr(stmt.value)
        keyword = Qualifier.parse(stmt.qualifier) if stmt.qualifier else None
        if stmt.type is not None:
            declared = self.resolve_type(stmt.type)
            info = UNKNOWN
            if declared is not None:
                self.check_assignable(value, declared, stmt.value, stmt.name)
                info = TypeInfo(declared, value.qualifier)
        else:
            info = self.inferred(value, stmt.value)
        if keyword is not None and self.is_reference(info.type):
            qualifier = SERIES  # a reference is always series: `const` only forbids `:=`
        elif keyword is not None:
            if value.qualifier > keyword and not value.is_unknown:
                self.error(
                    f"Cannot assign a '{value}' value to the {keyword} variable '{stmt.name}'",
                    stmt.value,
                )
            qualifier = keyword
        else:
            qualifier = self.variable_qualifier(info, stmt.mode, stmt.name)
        info = info.with_qualifier(qualifier)
        symbol = Symbol(
            stmt.name, SymbolKind.VARIABLE, info, stmt, span, stmt.mode, declared_qualifier=keyword
        )
        self.declare(symbol)
        if stmt.is_export:
            self.check_export(stmt, info)
        return info

    def inferred(self, value: TypeInfo, node: n.Expr) -> TypeInfo:
        """The type of a variable declared without one: its value's, if that has one."""
        if value.is_na:
            self.error(
                "Value with NA type cannot be assigned to a variable that was defined without "
                "type keyword: cannot determine the type (write e.g. 'float x = na')",
                node,
            )
            return UNKNOWN
        if value.is_void:
            self.error("Void expression cannot be assigned to a variable", node)
            return UNKNOWN
        if value.is_tuple:
            self.error(
                "A tuple cannot be assigned to one variable: declare one variable per value "
                "with '[a, b] = ...'",
                node,
            )
            return UNKNOWN
        return value

    def visit_TupleDecl(self, stmt: n.TupleDecl) -> TypeInfo:
        value = self.expr(stmt.value)
        self.feature("tuples", stmt)
        count = len(stmt.names)
        elements = [UNKNOWN] * count
        if value.is_tuple:
            found = value.elements()
            if len(found) == count:
                elements = found
            else:
                self.error(
                    f"The right side returns {len(found)} values but {count} variables are "
                    "declared",
                    stmt.value,
                )
        elif not value.is_unknown:
            self.error(
                f"A tuple declaration needs a tuple value ('[a, b] = f()'), not '{value}'",
                stmt.value,
            )
        column = stmt.span.column
        for name, element in zip(stmt.names, elements, strict=True):
            span = self.locate.find(
                r"\b" + re.escape(name) + r"\b", stmt.span.line, column, stmt.span
            )
            column = span.end_column
            if name == "_":
                continue
            self.check_name(name, span)
            qualifier = self.variable_qualifier(element, None, name)
            info = TypeInfo(element.type, qualifier) if not element.is_na else UNKNOWN
            self.declare(Symbol(name, SymbolKind.VARIABLE, info, stmt, span))
        return value

    def visit_Assign(self, stmt: n.Assign) -> TypeInfo:
        value = self.expr(stmt.value)
        target = stmt.target
        if isinstance(target, n.Name):
            symbol = self.assignable_symbol(target, stmt)
            if symbol is None:
                return UNKNOWN
            target_info, name = symbol.info, target.id
            keyword = symbol.declared_qualifier  # `simple int x = 1`: `:=` keeps it simple
            if (
                keyword is not None
                and not self.is_reference(target_info.type)
                and value.qualifier > keyword
                and not value.is_unknown
            ):
                self.error(
                    f"Cannot assign a '{value}' value to the {keyword} variable '{name}'",
                    stmt.value,
                )
        else:
            target_info, name = self.expr(target), expression(target)
            if isinstance(target, n.Attribute) and target not in self.field_accesses:
                if not target_info.is_unknown:
                    self.error(f"Cannot modify '{name}': only variables and fields can", target)
                return UNKNOWN
        if stmt.op == ":=" or self.check_compound(stmt, target_info, value):
            self.check_assignable(value, target_info.type, stmt.value, name)
        return target_info

    def assignable_symbol(self, target: n.Name, stmt: n.Assign) -> Symbol | None:
        """The variable ``target`` names, if ``stmt`` may reassign it (after an error: None)."""
        symbol = self.scope.lookup(target.id)
        if symbol is None:
            if self.builtin_value(target.id) is not None:
                self.error(f"Cannot modify the built-in variable '{target.id}'", target)
            else:
                self.error(f"Undeclared identifier '{target.id}'", target)
            return None
        if not self.silent:
            self.symbols[target] = symbol
        if symbol.declared_qualifier == CONST:
            self.error(
                f"Cannot modify the const variable '{target.id}': a variable declared with "
                "'const' keeps its value",
                target,
            )
            return None
        function_scope = self.scope.enclosing_function()
        if function_scope is not None:
            if symbol.kind is SymbolKind.PARAMETER and symbol.scope is function_scope:
                self.error(
                    f"Cannot modify the parameter '{target.id}': a function cannot reassign "
                    "its own parameters",
                    stmt,
                )
                return None
            if symbol.scope is self.globals:
                self.error(f"Cannot modify global variable '{target.id}' in function", stmt)
                return None
        symbol.reassigned = True
        return symbol

    def check_compound(self, stmt: n.Assign, target: TypeInfo, value: TypeInfo) -> bool:
        """Whether ``+=`` & co. apply to these types (reported when not)."""
        if target.is_unknown or value.is_unknown:
            return True
        strings = stmt.op == "+=" and target.name == "string" and value.name in ("string", "na")
        numbers = target.is_numeric and (value.is_numeric or value.is_na)
        if not (strings or numbers):
            self.error(
                f"Cannot apply '{stmt.op}' to a variable of type '{target}' and a value of "
                f"type '{value}'",
                stmt.value,
            )
        return strings or numbers

    def visit_ExprStmt(self, stmt: n.ExprStmt) -> TypeInfo:
        self.statement_expr = stmt.expr
        return self.expr(stmt.expr)

    # ---- control structures

    def take_statement(self, node: n.Expr) -> bool:
        """Whether ``node`` stands as a statement of its own (its value is then not used, so
        branches of different types are no error)."""
        is_statement = self.statement_expr is node
        self.statement_expr = None
        return is_statement

    def structure_value(
        self, branches: list[TypeInfo], node: n.Expr, is_statement: bool, what: str
    ) -> TypeInfo:
        joined = join(branches)
        if joined is None:
            if not is_statement:
                found = ", ".join(sorted({str(b) for b in branches if not b.is_na}))
                self.error(
                    f"Return type of one of the '{what}' blocks is not compatible with return "
                    f"type of other block(s) ({found})",
                    node,
                )
            return UNKNOWN
        return joined

    def visit_If(self, node: n.If) -> TypeInfo:
        is_statement = self.take_statement(node)
        self.feature("if", node)
        qualifiers = [self.condition(node.condition, "an 'if'").qualifier]
        branches = [self.block(node.body, ScopeKind.IF)]
        for branch in node.elifs:
            qualifiers.append(self.condition(branch.condition, "an 'if'").qualifier)
            branches.append(self.block(branch.body, ScopeKind.IF))
        branches.append(NA if node.orelse is None else self.block(node.orelse, ScopeKind.IF))
        value = self.structure_value(branches, node, is_statement, "if")
        value = value.with_qualifier(Qualifier.strongest([value.qualifier, *qualifiers]))
        return self.scope_value(value)

    def visit_Switch(self, node: n.Switch) -> TypeInfo:
        is_statement = self.take_statement(node)
        self.feature("switch", node)
        subject = self.expr(node.subject) if node.subject is not None else None
        qualifiers = [subject.qualifier] if subject is not None else []
        branches = []
        for case in node.cases:
            if subject is None:
                qualifiers.append(self.condition(case.pattern, "a 'switch' case").qualifier)
            else:
                pattern = self.expr(case.pattern)
                qualifiers.append(pattern.qualifier)
                if join([subject, pattern]) is None or pattern.is_void:
                    self.error(
                        f"The case value of type '{pattern}' cannot be compared with the "
                        f"switch value of type '{subject}'",
                        case.pattern,
                    )
            branches.append(self.block(case.body, ScopeKind.SWITCH))
        default = node.default
        branches.append(NA if default is None else self.block(default, ScopeKind.SWITCH))
        value = self.structure_value(branches, node, is_statement, "switch")
        value = value.with_qualifier(Qualifier.strongest([value.qualifier, *qualifiers]))
        return self.scope_value(value)

    def loop_body(
        self, body: tuple[n.Stmt, ...], kind: ScopeKind, symbols: list[Symbol]
    ) -> TypeInfo:
        self.loop_depth += 1
        try:
            value = self.block(body, kind, symbols)
        finally:
            self.loop_depth -= 1
        return value.with_qualifier(SERIES) if not value.is_void else value

    def visit_For(self, node: n.For) -> TypeInfo:
        self.take_statement(node)
        self.feature("for", node)
        bounds = [node.start, node.end] + ([node.step] if node.step is not None else [])
        infos = [self.numeric(bound, "a 'for' loop bound") for bound in bounds]
        counter = FLOAT if any(info.name == "float" for info in infos) else INT
        span = self.locate.name(node.var, node)
        self.check_name(node.var, span)
        symbol = Symbol(node.var, SymbolKind.LOOP_VARIABLE, TypeInfo(counter, SERIES), node, span)
        return self.loop_body(node.body, ScopeKind.FOR, [symbol])

    def visit_ForIn(self, node: n.ForIn) -> TypeInfo:
        self.take_statement(node)
        self.feature("for_in", node)
        iterable = self.expr(node.iterable)
        index, item = TypeInfo(INT, SERIES), UNKNOWN
        kind = iterable.name
        if kind in ("array", "matrix"):
            element = iterable.type.args[0]
            item = TypeInfo(element if kind == "array" else PineType("array", (element,)), SERIES)
        elif kind == "map":
            if node.index is None:
                self.error("A map is iterated with 'for [key, value] in map'", node.iterable)
            index = TypeInfo(iterable.type.args[0], SERIES)
            item = TypeInfo(iterable.type.args[1], SERIES)
        elif not iterable.is_unknown:
            self.error(f"Cannot iterate over a value of type '{iterable}'", node.iterable)
        symbols = []
        for name, info in ((node.index, index), (node.item, item)):
            if name is not None and name != "_":
                span = self.locate.name(name, node)
                self.check_name(name, span)
                symbol = Symbol(name, SymbolKind.LOOP_VARIABLE, info, node, span)
                self.check_shadowing(symbol)
                symbols.append(symbol)
        return self.loop_body(node.body, ScopeKind.FOR, symbols)

    def visit_While(self, node: n.While) -> TypeInfo:
        self.take_statement(node)
        self.feature("while", node)
        self.condition(node.condition, "a 'while' loop")
        return self.loop_body(node.body, ScopeKind.WHILE, [])
