"""Names: declaring them in scopes, resolving them to variables, built-ins, enum members,
library members or fields, and resolving written types."""

from __future__ import annotations

from pineopt.lang import builtins
from pineopt.lang import nodes as n
from pineopt.lang.analyzer.state import CONST, FLOAT, INT, SERIES, AnalyzerState
from pineopt.lang.nodes import Span
from pineopt.lang.scopes import (
    RESERVED_WORDS,
    UNKNOWN,
    Symbol,
    SymbolKind,
    TypeInfo,
)
from pineopt.lang.types import COLLECTION_ARITY, OBJECT_TYPES, VALUE_TYPES, PineType, Qualifier

#: Fields of built-in object types.
BUILTIN_FIELDS = {
    "chart.point": {"index": INT, "time": INT, "price": FLOAT},
}


class Names(AnalyzerState):
    """Declares and resolves names; infers the qualifier of a variable."""

    # ---- declarations

    def check_name(self, name: str, span: Span, what: str = "a variable") -> None:
        if name in RESERVED_WORDS:
            self.error(f"'{name}' is a reserved word and cannot name {what}", span)

    def declare(self, symbol: Symbol) -> None:
        existing = self.scope.declare(symbol)
        if existing is not None:
            self.error(
                f"'{symbol.name}' is already declared in this scope (line {existing.span.line})",
                symbol.span,
            )
            return
        outer = self.scope.parent.lookup(symbol.name) if self.scope.parent else None
        if outer is not None and symbol.kind is SymbolKind.VARIABLE:
            self.warning(
                f"Shadowing variable '{symbol.name}' which exists in parent scope. Did you want "
                "to use the ':=' operator instead of '='?",
                symbol.span,
            )

    def reassigned_later(self, name: str) -> bool:
        """Whether the body being analysed reassigns ``name`` with ``:=`` or a compound
        operator (function definitions excluded: they cannot reassign outer variables)."""
        body = self.bodies[-1]
        names = self.reassigned_cache.get(id(body))
        if names is None:
            names = frozenset(
                node.target.id
                for stmt in body
                if not isinstance(stmt, n.FunctionDef)
                for node in n.walk(stmt)
                if isinstance(node, n.Assign) and isinstance(node.target, n.Name)
            )
            self.reassigned_cache[id(body)] = names
        return name in names

    def is_reference(self, t: PineType) -> bool:
        """Objects, collections and UDTs (always series); enums are values."""
        return t.is_reference and t.name not in self.globals.enums

    def variable_qualifier(self, value: TypeInfo, mode: str | None, name: str) -> Qualifier:
        if mode is not None or self.is_reference(value.type):
            return SERIES
        if self.version >= 6 and self.reassigned_later(name):
            return SERIES
        return value.qualifier

    def resolve_type(self, ref: n.TypeRef) -> PineType | None:
        """The type a written type names (None after reporting an unknown name)."""
        if ref.legacy_array:
            element = self.resolve_type(n.TypeRef(ref.name, span=ref.span))
            return None if element is None else PineType("array", (element,))
        arity = COLLECTION_ARITY.get(ref.name)
        if arity is not None:
            self.feature({"array": "arrays", "matrix": "matrices", "map": "maps"}[ref.name], ref)
            if len(ref.args) != arity:
                self.error(f"'{ref.name}' takes {arity} type argument(s)", ref)
                return None
            args = [self.resolve_type(arg) for arg in ref.args]
            if any(arg is None for arg in args):
                return None
            return PineType(ref.name, tuple(args))  # type: ignore[arg-type]
        if ref.args:
            self.error(f"The type '{ref.name}' takes no type arguments", ref)
            return None
        known = ref.name in VALUE_TYPES or ref.name in OBJECT_TYPES
        if known or ref.name in self.globals.type_names():
            return PineType(ref.name)
        if ref.name.partition(".")[0] in self.globals.imports:
            return PineType(ref.name)
        self.error(f"Unknown type '{ref.name}'", ref)
        return None

    # ---- references

    def builtin_value(self, name: str) -> builtins.BuiltinVariable | None:
        return builtins.variable(name, self.version) or builtins.constant(name, self.version)

    def builtin_symbol(self, name: str, node: n.Name | n.Attribute) -> Symbol | None:
        """The built-in variable or constant ``name`` (counted in the feature report)."""
        entry = self.builtin_value(name)
        if entry is None:
            return None
        symbol = self.builtin_symbols.get(name)
        if symbol is None:
            info = TypeInfo(entry.type.unqualified(), entry.qualifier)
            symbol = Symbol(name, SymbolKind.BUILTIN, info)
            self.builtin_symbols[name] = symbol
        self.builtin_used(name, node)
        return symbol

    def visit_Name(self, node: n.Name) -> TypeInfo:
        symbol = self.scope.lookup(node.id) or self.builtin_symbol(node.id, node)
        if symbol is not None:
            if not self.silent:
                self.symbols[node] = symbol
            return symbol.info
        if node.id in self.globals.imports or node.id in self.globals.type_names():
            self.error(f"'{node.id}' is a type or a library, not a value", node)
            return UNKNOWN
        if node.id in self.globals.functions or builtins.functions(node.id, self.version):
            self.error(f"'{node.id}' is a function: call it with parentheses", node)
        else:
            self.error(f"Undeclared identifier '{node.id}'", node)
        return UNKNOWN

    def visit_Attribute(self, node: n.Attribute) -> TypeInfo:
        path = dotted(node)
        if path is not None and self.scope.lookup(path.partition(".")[0]) is None:
            found = self.qualified_name(path, node)
            if found is not None:
                return found
        value = self.expr(node.value)
        return self.field(node, value)

    def qualified_name(self, path: str, node: n.Attribute) -> TypeInfo | None:
        """A dotted name that is not a field access: a built-in value, an enum member, something
        of a library. None when it is none of these (it is then read as field accesses)."""
        symbol = self.builtin_symbol(path, node)
        if symbol is not None:
            return symbol.info
        root = path.partition(".")[0]
        if root in self.globals.imports:
            if not self.silent:
                self.features.add_library_call(path, node.span)
            return UNKNOWN
        prefix, _, member = path.rpartition(".")
        enum = self.globals.enums.get(prefix)
        if enum is not None:
            if member not in enum.members:
                self.error(f"The enum '{prefix}' has no member '{member}'", attribute_name(node))
                return UNKNOWN
            return TypeInfo(enum.type, CONST)
        if builtins.functions(path, self.version):
            self.error(f"'{path}' is a function: call it with parentheses", node)
            return UNKNOWN
        if root in builtins.namespaces():
            self.error(f"Undeclared identifier '{path}'", node)
            return UNKNOWN
        return None

    def field(self, node: n.Attribute, value: TypeInfo) -> TypeInfo:
        """``value.attr`` as a field of an object."""
        if value.is_unknown:
            return UNKNOWN
        user_type = self.globals.types.get(value.name)
        if user_type is not None:
            member = user_type.fields.get(node.attr)
            if member is None:
                message = f"The type '{value.name}' has no field '{node.attr}'"
                self.error(message, attribute_name(node))
                return UNKNOWN
            self.field_accesses.add(node)
            return member.info
        builtin_fields = BUILTIN_FIELDS.get(value.name)
        if builtin_fields is not None and node.attr in builtin_fields:
            self.field_accesses.add(node)
            return TypeInfo(builtin_fields[node.attr], SERIES)
        if "." in value.name and value.name.partition(".")[0] in self.globals.imports:
            self.field_accesses.add(node)
            return UNKNOWN
        self.error(f"A value of type '{value}' has no field '{node.attr}'", attribute_name(node))
        return UNKNOWN


def dotted(node: n.Expr) -> str | None:
    """``a.b.c`` for a chain of attributes over a name, None for anything else."""
    parts = []
    while isinstance(node, n.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, n.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def attribute_name(node: n.Attribute) -> Span:
    """The span of the name after the dot of ``node``."""
    span = node.span
    return Span(span.end_line, span.end_column - len(node.attr), span.end_line, span.end_column)
