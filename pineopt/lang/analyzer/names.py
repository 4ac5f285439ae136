"""Names: declaring them in scopes, resolving them to variables, built-ins, enum members,
library members or fields, and resolving written types.

TradingView's rules on names, as the manual and its compiler give them:

* a variable named like a namespace (``timeframe``, ``color``, ``matrix``) does not hide it:
  ``color.red`` and ``timeframe.change(tf)`` stay the built-ins (:meth:`Names.is_qualified_name`;
  calls: :meth:`~pineopt.lang.analyzer.calls.Calls.calls_namespace`), and a user type named like
  one shadows it (``type line`` makes ``line.new()`` the type's);
* only the five primitive types cannot name a user type or an object (the manual, Objects >
  Shadowing), but a variable of a user-defined type cannot take a namespace's name either: it
  would obscure the namespace (Variable declarations > Shadowing, ``myType syminfo = ...``);
* an enum needs a name that matches no built-in type or namespace (Enums > Shadowing:
  ``enum ta`` is an error, ``enum Ta`` is not);
* an exported library function reads only ``const`` global variables (Libraries > Library
  functions: no global fed by an input, no global array);
* a variable may take a built-in variable's name (a warning), but not once the script has used
  that built-in (an error);
* the keywords of :data:`~pineopt.lang.lexer.CONTEXTUAL_KEYWORDS` are names where no name
  follows them (``ma(type, src, len) =>``) - the lexer decides.

Not implemented: a longer chain over a namesake variable (``v.field.x`` with a built-in
``v.field.x``) is read as fields; the built-in variable rule is not applied to loop counters,
nor the namespace rule of user-defined-type variables to parameters and loop variables
(TradingView's behaviour there is unknown); the rule on the globals an exported function reads
is not followed into the non-exported functions it calls; ``to``, ``by``, ``in``, ``as``,
``var`` and ``varip`` stay keywords everywhere.
"""

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
        self.check_shadowing(symbol)
        outer = self.scope.parent.lookup(symbol.name) if self.scope.parent else None
        if outer is not None and symbol.kind is SymbolKind.VARIABLE:
            self.warning(
                f"Shadowing variable '{symbol.name}' which exists in parent scope. Did you want "
                "to use the ':=' operator instead of '='?",
                symbol.span,
            )

    def check_shadowing(self, symbol: Symbol) -> None:
        """TradingView's shadowing rules for a new name (the namespaces' own rule is in
        :meth:`is_qualified_name`). An object cannot take the name of one of the five primitive
        types (the manual, Objects > Shadowing; for user types see :meth:`primitive_name`), and
        a variable of a user-defined type not the name of a namespace (Variable declarations >
        Shadowing: ``myType syminfo = myType.new()`` would obscure ``syminfo``); a variable
        of a built-in type may (``line = line.new(...)``). A variable may take a built-in
        variable's name - a warning - unless the script has already used that built-in before
        the declaration: an error."""
        name = symbol.name
        if name in VALUE_TYPES and symbol.info.name in self.globals.types:
            self.error(
                f"'{name}' is a primitive type and cannot name an object (here of the type "
                f"'{symbol.info.name}')",
                symbol.span,
            )
        elif (
            symbol.kind is SymbolKind.VARIABLE
            and self.is_user_type(symbol.info.type)
            and name in builtins.namespaces()
        ):
            self.error(
                f"A variable of the user-defined type '{symbol.info.name}' cannot be named "
                f"'{name}': it would obscure the built-in namespace '{name}'",
                symbol.span,
            )
        if symbol.kind is not SymbolKind.VARIABLE or builtins.variable(name, self.version) is None:
            return
        first_use = self.builtin_first_use.get(name)
        declared_at = symbol.node.span[:2] if symbol.node is not None else symbol.span[:2]
        if first_use is not None and first_use < declared_at:
            self.error(
                f"Cannot shadow the built-in variable '{name}' because it has already been "
                f"used as a built-in (line {first_use[0]})",
                symbol.span,
            )
        else:
            self.warning(f"Shadowing built-in variable '{name}'", symbol.span)

    def is_user_type(self, t: PineType) -> bool:
        """A user-defined type of the script or of an imported library (not an enum)."""
        if t.name in self.globals.types:
            return True
        prefix, dot, _ = t.name.partition(".")
        return bool(dot) and prefix in self.globals.imports

    def enum_name(self, name: str, where: Span) -> bool:
        """Report an enum named like a built-in type or namespace (the manual, Enums >
        Shadowing: unlike user-defined types, enums cannot shadow them); True when it is one."""
        if self.primitive_name(name, "an enum", where):
            return True
        if name not in OBJECT_TYPES | set(COLLECTION_ARITY) | set(builtins.namespaces()):
            return False
        self.error(
            f"An enum cannot be named '{name}': an enum's name must not match a built-in type "
            "or namespace",
            where,
        )
        return True

    def primitive_name(self, name: str, what: str, where: Span) -> bool:
        """Report a user type or enum named like a primitive type (the manual, Objects >
        Shadowing: only ``int``, ``float``, ``string``, ``bool`` and ``color`` cannot be
        shadowed); True when it is one."""
        if name not in VALUE_TYPES:
            return False
        self.error(f"'{name}' is a primitive type and cannot name {what}", where)
        return True

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
        """The qualifier of a variable declared without a qualifier keyword: its initial
        value's - a literal's ``const`` too, with or without ``var`` (the manual's Type system
        page titles a plot with ``var PLOT1_TITLE = "High"``) - unless it is reassigned: a
        reassigned ``var``/``varip`` is ``series``, and so is, in v6, any reassigned variable.
        References (objects, collections, UDTs) are always ``series``."""
        if self.is_reference(value.type):
            return SERIES
        if (mode is not None or self.version >= 6) and self.reassigned_later(name):
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
        first_use = self.builtin_first_use.get(name)
        if first_use is None or node.span[:2] < first_use:
            self.builtin_first_use[name] = node.span[:2]
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
            self.check_exported_read(symbol, node)
            return symbol.info
        if node.id in self.globals.imports or node.id in self.globals.type_names():
            self.error(f"'{node.id}' is a type or a library, not a value", node)
            return UNKNOWN
        if node.id in self.globals.functions or builtins.functions(node.id, self.version):
            self.error(f"'{node.id}' is a function: call it with parentheses", node)
        else:
            self.error(f"Undeclared identifier '{node.id}'", node)
        return UNKNOWN

    def check_exported_read(self, symbol: Symbol, node: n.Name) -> None:
        """An exported library function may read a global variable only if it is ``const``
        (the manual, Libraries > Library functions)."""
        function = self.defining
        if (
            function is None
            or not function.node.is_export
            or symbol.scope is not self.globals
            or symbol.kind is not SymbolKind.VARIABLE
            or (symbol.info.qualifier is CONST and not self.is_reference(symbol.info.type))
        ):
            return
        self.error(
            f"The exported function '{function.name}' cannot use the global variable "
            f"'{symbol.name}' of type '{symbol.info}': exported functions can only use global "
            "variables that are 'const'",
            node,
        )

    def visit_Attribute(self, node: n.Attribute) -> TypeInfo:
        path = dotted(node)
        if path is not None and self.is_qualified_name(path, node):
            found = self.qualified_name(path, node)
            if found is not None:
                return found
        value = self.expr(node.value)
        return self.field(node, value)

    def is_qualified_name(self, path: str, node: n.Attribute) -> bool:
        """Whether the dotted name ``path`` is read as one name (a built-in, an enum member,
        something of a library) rather than as fields of a variable. Always, when no variable
        has its first name. A variable named like a namespace does not hide the namespace's
        built-ins: with a variable ``color`` in scope, ``color.red`` is still the built-in
        unless the variable's value has a field ``red``; such reads are recorded in
        ``namespace_paths`` for the compiler."""
        symbol = self.scope.lookup(path.partition(".")[0])
        if symbol is None:
            return True
        if self.builtin_value(path) is None or self.has_field(node.value, symbol, node.attr):
            return False
        if not self.silent:
            self.namespace_paths.add(node)
        return True

    def has_field(self, value: n.Expr, root: Symbol, attr: str) -> bool:
        """Whether ``value`` - the variable ``root`` itself, or a chain of fields over it -
        may have a field ``attr``: a user type's or a built-in object's field of that name,
        anything of a library's type; a chain always may (it is read as fields)."""
        if not isinstance(value, n.Name):
            return True
        type_name = root.info.name
        user_type = self.globals.types.get(type_name)
        if user_type is not None:
            return attr in user_type.fields
        if "." in type_name and type_name.partition(".")[0] in self.globals.imports:
            return True
        return attr in BUILTIN_FIELDS.get(type_name, {})

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
