"""Semantic analysis: names, types, qualifiers, calls and placement of a parsed Pine script.

:func:`analyze` walks the syntax tree once, statement by statement, in source order - which is
also the order Pine requires: a variable, function, type or enum must be declared before it is
used. On the way it

* keeps the scopes (:mod:`pineopt.lang.scopes`) and resolves every name;
* infers the type and qualifier of every expression (:class:`~pineopt.lang.scopes.TypeInfo`):
  literals are ``const``, ``input.*()`` results ``input``, ``syminfo.*`` ``simple``, bar data
  ``series``; an operation takes the strongest qualifier of its operands; a variable takes its
  initial value's, except that ``var``/``varip`` variables - and in v6 every variable that is
  reassigned with ``:=`` - are ``series``;
* checks every call against the built-in signature table or the user's definitions
  (:mod:`pineopt.lang.overloads`): arguments, overloads, generics, qualifiers;
* applies the rules of Pine v5 and v6 (LANGUAGE-NOTES §16): v6 has no implicit int/float ->
  bool, no ``na`` bools, no ``[]`` on literals or directly on fields, no repeated arguments,
  and no ``when``/``transp`` parameters (v5 warns that they are deprecated);
* checks placement: plots and the declaration only in the global scope, ``break`` only in
  loops, ``export`` only in libraries, order commands only in strategies;
* fills the :class:`~pineopt.lang.features.FeatureReport`.

After an error it goes on: a name it cannot resolve gets the type ``unknown``, which every check
accepts, so one mistake gives one message. At most :data:`MAX_ERRORS` errors are reported.

User functions are analysed twice over: once where they are defined, with the parameters as
declared (an untyped parameter is ``unknown``; a parameter without a qualifier keyword takes
the qualifier of its argument, so it is checked as ``const``), which reports the errors of the
body; and again, silently, for each distinct list of argument types it is called with, which
gives the type and qualifier of that call's result (Pine compiles one instance per call too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pineopt.lang import builtins
from pineopt.lang import nodes as n
from pineopt.lang.builtins import VERSIONS, Param, Signature
from pineopt.lang.diagnostics import Diagnostic, Severity, format_diagnostics, split_lines
from pineopt.lang.features import FeatureReport
from pineopt.lang.nodes import NodeVisitor, Span
from pineopt.lang.overloads import Argument, Match, resolve
from pineopt.lang.parser import ParseResult, parse
from pineopt.lang.printer import expression
from pineopt.lang.scopes import (
    NA,
    RESERVED_WORDS,
    UNKNOWN,
    VOID,
    FieldInfo,
    GlobalScope,
    ImportAlias,
    Scope,
    ScopeKind,
    Symbol,
    SymbolKind,
    TypeInfo,
    UserEnum,
    UserFunction,
    UserType,
)
from pineopt.lang.types import (
    COLLECTION_ARITY,
    OBJECT_TYPES,
    VALUE_TYPES,
    PineType,
    Qualifier,
    is_assignable,
)

MAX_ERRORS = 50
"""Errors reported per file before the analyser stops reporting."""

CONST, SERIES = Qualifier.CONST, Qualifier.SERIES
BOOL = PineType("bool")
INT = PineType("int")
FLOAT = PineType("float")
STRING = PineType("string")

#: Calls that make an indicator show something; an indicator needs at least one.
OUTPUT_FUNCTIONS = frozenset(
    {
        "plot",
        "plotshape",
        "plotchar",
        "plotarrow",
        "plotbar",
        "plotcandle",
        "hline",
        "fill",
        "bgcolor",
        "barcolor",
        "alertcondition",
        "alert",
        "label.new",
        "line.new",
        "box.new",
        "table.new",
        "polyline.new",
        "linefill.new",
        "log.info",
        "log.warning",
        "log.error",
    }
)
#: Built-in types whose functions can be called as methods of a value (``a.push(x)``).
METHOD_NAMESPACES = frozenset(COLLECTION_ARITY) | (OBJECT_TYPES - {"plot", "hline"})
#: Fields of built-in object types.
BUILTIN_FIELDS = {
    "chart.point": {"index": INT, "time": INT, "price": FLOAT},
}
#: Parameters v6 removed, and what to write instead.
REMOVED_IN_V6 = {
    "transp": "set the transparency with color.new()",
    "when": "put the call in an 'if' block",
}
_LITERALS = (n.Int, n.Float, n.String, n.Bool, n.Color, n.Na)
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
_ORDERING = frozenset({"<", "<=", ">", ">="})
_DISPLAY = frozenset({"plot_display", "plot_simple_display"})

Callee = Signature | UserFunction | UserType | ImportAlias


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found. The tables are keyed by node (nodes hash by identity):

    * ``types`` - the :class:`TypeInfo` of every expression;
    * ``symbols`` - the :class:`Symbol` each :class:`~pineopt.lang.nodes.Name` refers to;
    * ``calls`` - what each call resolved to: a built-in :class:`Signature` (the overload
      chosen), a :class:`UserFunction`, a :class:`UserType` (``Type.new``/``copy``) or an
      :class:`ImportAlias` (a library call, contents unknown).
    """

    script: n.Script | None
    diagnostics: tuple[Diagnostic, ...]
    types: dict[n.Node, TypeInfo] = field(default_factory=dict)
    symbols: dict[n.Name, Symbol] = field(default_factory=dict)
    calls: dict[n.Call, Callee] = field(default_factory=dict)
    features: FeatureReport = field(default_factory=FeatureReport)
    source: str = ""

    @property
    def ok(self) -> bool:
        """No errors (there may be warnings)."""
        return not any(d.is_error for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def format_diagnostics(self) -> str:
        return format_diagnostics(self.diagnostics, self.source or None)


def analyze(
    parsed: ParseResult | n.Script, version: int | None = None, filename: str | None = None
) -> Analysis:
    """Analyse a parsed script (a :class:`ParseResult`, whose diagnostics are kept, or a bare
    :class:`~pineopt.lang.nodes.Script`). ``version`` overrides the script's ``//@version``;
    ``filename`` defaults to the one the parser's diagnostics name."""
    if isinstance(parsed, ParseResult):
        script, source, earlier = parsed.script, parsed.source, parsed.diagnostics
    else:
        script, source, earlier = parsed, "", ()
    if filename is None:
        filename = earlier[0].filename if earlier else "<input>"
    if script is None:
        return Analysis(None, tuple(earlier), source=source)
    analyzer = _Analyzer(script, version or script.version, filename, source)
    analyzer.run()
    diagnostics = sorted(
        (*earlier, *analyzer.diagnostics), key=lambda d: (d.span.line, d.span.column)
    )
    return Analysis(
        script,
        tuple(diagnostics),
        analyzer.types,
        analyzer.symbols,
        analyzer.calls,
        analyzer.features,
        source,
    )


def check(source: str | bytes, filename: str = "<input>") -> Analysis:
    """Parse and analyse ``source``: every diagnostic of both steps."""
    return analyze(parse(source, filename), filename=filename)


# ---- Finding tokens the tree does not keep -----------------------------------------------------


class _Locator:
    """Finds the position of a token inside a node's text (a declared name, an operator, the
    ``[`` of a history reference), for messages that point at it. Without the source text it
    falls back to the start of the node."""

    def __init__(self, source: str) -> None:
        self.lines = split_lines(source) if source else []

    def find(self, pattern: str, line: int, column: int, fallback: Span) -> Span:
        """The first match of ``pattern`` at or after ``line:column`` (within a few lines)."""
        regex = re.compile(pattern)
        for number in range(line, min(line + 5, len(self.lines) + 1)):
            text = self.lines[number - 1]
            start = column - 1 if number == line else 0
            found = regex.search(text, start)
            if found:
                return Span(number, found.start() + 1, number, found.end() + 1)
        return fallback

    def name(self, name: str, node: n.Node, after: n.Node | None = None) -> Span:
        """Where ``name`` is declared in ``node``: its first occurrence as a word, after the
        written type ``after`` if there is one (keywords cannot be names, so ``var``,
        ``simple``, ``method`` ... before it never match)."""
        if after is not None:
            line, column = after.span.end_line, after.span.end_column
        else:
            line, column = node.span.line, node.span.column
        return self.find(r"\b" + re.escape(name) + r"\b", line, column, node.span)

    def after(self, node: n.Node, token: str, fallback: Span) -> Span:
        """``token`` following ``node`` (an operator after its left operand, ``[`` after the
        value of a history reference)."""
        regex = re.compile(r"\s*" + re.escape(token))
        line, column = node.span.end_line, node.span.end_column
        if 0 < line <= len(self.lines):
            found = regex.match(self.lines[line - 1], column - 1)
            if found:
                end = found.end() + 1
                return Span(line, end - len(token), line, end)
        return fallback


# ---- The analyser ------------------------------------------------------------------------------


class _Analyzer(NodeVisitor):
    """One pass over the script. ``visit_*`` methods of statements and expressions return the
    :class:`TypeInfo` of their value."""

    def __init__(self, script: n.Script, version: int, filename: str, source: str) -> None:
        self.script = script
        self.version = version
        self.filename = filename
        self.locate = _Locator(source)
        declaration = script.declaration
        self.kind = declaration.func.id if declaration is not None else None  # type: ignore[union-attr]
        self.dynamic_requests = version >= 6 or any(
            k.name == "dynamic_requests" and isinstance(k.value, n.Bool) and k.value.value
            for k in (declaration.keywords if declaration is not None else ())
        )
        self.globals = GlobalScope()
        self.scope: Scope = self.globals
        self.diagnostics: list[Diagnostic] = []
        self.types: dict[n.Node, TypeInfo] = {}
        self.symbols: dict[n.Name, Symbol] = {}
        self.calls: dict[n.Call, Callee] = {}
        self.features = FeatureReport()
        self.errors = 0
        self.silent = 0  # > 0 while re-analysing a function body for one call
        self.loop_depth = 0
        self.ternary_depth = 0
        self.defining: UserFunction | None = None
        self.statement_expr: n.Expr | None = None  # an if/switch/loop standing as a statement
        self.bodies: list[tuple[n.Stmt, ...]] = []
        self.reassigned_cache: dict[int, frozenset[str]] = {}
        self.instances: dict[tuple[UserFunction, tuple[TypeInfo, ...]], TypeInfo] = {}
        self.instance_errors: list[tuple[str, Span]] | None = None
        self.field_accesses: set[n.Attribute] = set()
        self.builtin_symbols: dict[str, Symbol] = {}
        self.defined_later = {s.name for s in script.body if isinstance(s, n.FunctionDef)}
        self.constructors: dict[str, Signature] = {}

    # ---- reporting

    def error(self, message: str, where: n.Node | Span) -> None:
        span = where if isinstance(where, Span) else where.span
        if self.silent:
            if self.instance_errors is not None:
                self.instance_errors.append((message, span))
            return
        self.errors += 1
        if self.errors <= MAX_ERRORS:
            self.diagnostics.append(Diagnostic(Severity.ERROR, message, span, self.filename))
        elif self.errors == MAX_ERRORS + 1:
            message = f"too many errors; stopped after {MAX_ERRORS}"
            self.diagnostics.append(Diagnostic(Severity.ERROR, message, span, self.filename))

    def warning(self, message: str, where: n.Node | Span) -> None:
        if not self.silent:
            span = where if isinstance(where, Span) else where.span
            self.diagnostics.append(Diagnostic(Severity.WARNING, message, span, self.filename))

    def feature(self, name: str, node: n.Node) -> None:
        if not self.silent:
            self.features.add_feature(name, node.span)

    def builtin_used(self, name: str, node: n.Node) -> None:
        if not self.silent:
            self.features.add_builtin(name, node.span)

    # ---- the script

    def run(self) -> None:
        self.statements(self.script.body)
        _ScriptRules(self).check()

    def statements(self, body: tuple[n.Stmt, ...]) -> TypeInfo:
        """Analyse a body in the current scope; its value is that of its last statement."""
        self.bodies.append(body)
        value = VOID
        for stmt in body:
            value = self.visit(stmt)
        self.bodies.pop()
        return value

    def block(
        self, body: tuple[n.Stmt, ...], kind: ScopeKind, symbols: Iterable[Symbol] = ()
    ) -> TypeInfo:
        """Analyse a local block in a new scope holding ``symbols`` (loop variables)."""
        outer = self.scope
        self.scope = Scope(kind, outer)
        for symbol in symbols:
            self.scope.declare(symbol)
        try:
            return self.statements(body)
        finally:
            self.scope = outer

    def expr(self, node: n.Expr) -> TypeInfo:
        info = self.visit(node)
        if not self.silent:
            self.types[node] = info
        return info

    def generic_visit(self, node: n.Node) -> TypeInfo:
        raise TypeError(f"the analyser has no rule for {type(node).__name__}")

    # ---- names and declarations

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
        if keyword is not None:
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

    def visit_Break(self, stmt: n.Break) -> TypeInfo:
        if not self.loop_depth:
            self.error("'break' can only be used inside a loop (for, for...in, while)", stmt)
        return VOID

    def visit_Continue(self, stmt: n.Continue) -> TypeInfo:
        if not self.loop_depth:
            self.error("'continue' can only be used inside a loop (for, for...in, while)", stmt)
        return VOID

    # ---- definitions

    def check_export(self, stmt: n.FunctionDef | n.TypeDef | n.EnumDef) -> None:
        if stmt.is_export:
            self.feature("exports", stmt)
            if self.kind is not None and self.kind != "library":
                self.error("'export' is only allowed in library scripts", stmt)

    def visit_FunctionDef(self, stmt: n.FunctionDef) -> TypeInfo:
        self.check_export(stmt)
        self.feature("methods" if stmt.is_method else "user_functions", stmt)
        self.check_name(stmt.name, self.locate.name(stmt.name, stmt), "a function")
        params: list[Param] = []
        declared: list[TypeInfo] = []
        for param in stmt.params:
            formal, info = self.parameter(param, stmt)
            params.append(formal)
            declared.append(info)
        receiver = None
        if stmt.is_method:
            if not stmt.params:
                self.error(
                    f"The method '{stmt.name}' has no parameters: a method needs a first "
                    "parameter with an explicit type, the object it is called on",
                    self.locate.name(stmt.name, stmt),
                )
            elif stmt.params[0].type is None:
                self.error(
                    "The first parameter of a method must have an explicit type (the type the "
                    "method is called on)",
                    stmt.params[0],
                )
            elif not declared[0].is_unknown:
                receiver = declared[0].type
        signature = Signature(stmt.name, tuple(params), PineType("any"))
        function = UserFunction(stmt, signature, receiver)
        function.result = self.function_body(function, declared)
        self.globals.add_function(function)
        self.defined_later.discard(stmt.name)
        return VOID

    def parameter(self, param: n.Param, function: n.FunctionDef) -> tuple[Param, TypeInfo]:
        """A parameter as a formal :class:`Param`, and its type in the definition's body."""
        span = self.locate.name(param.name, param, param.type)
        self.check_name(param.name, span, "a parameter")
        default = self.expr(param.default) if param.default is not None else None
        declared = self.resolve_type(param.type) if param.type is not None else None
        if function.is_export and param.type is None:
            self.error(
                f"The parameter '{param.name}' of an exported function must have a type", param
            )
        if declared is None and default is not None and not default.is_na:
            declared = default.type
        keyword = Qualifier.parse(param.qualifier) if param.qualifier else None
        if declared is None:
            formal_type = PineType("any", poly=keyword is None, qualifier=keyword)
            info = UNKNOWN
        else:
            formal_type = (
                declared.with_qualifier(keyword) if keyword else replace(declared, poly=True)
            )
            default_qualifier = SERIES if self.is_reference(declared) else CONST
            info = TypeInfo(declared, default_qualifier if keyword is None else keyword)
        text = None if param.default is None else expression(param.default)
        formal = Param(param.name, formal_type, keyword, text, param.default is None)
        return formal, info

    def function_body(self, function: UserFunction, params: list[TypeInfo]) -> TypeInfo:
        """Analyse the body of ``function`` with its parameters typed ``params``."""
        saved = (self.scope, self.loop_depth, self.ternary_depth, self.defining)
        self.scope = Scope(ScopeKind.FUNCTION, self.globals, function=function)
        self.loop_depth = self.ternary_depth = 0
        self.defining = function
        try:
            for param, info in zip(function.node.params, params, strict=True):
                span = self.locate.name(param.name, param, param.type)
                self.declare(Symbol(param.name, SymbolKind.PARAMETER, info, param, span))
            return self.statements(function.node.body)
        finally:
            self.scope, self.loop_depth, self.ternary_depth, self.defining = saved

    def instance(
        self, function: UserFunction, match_bound: dict[str, list[Argument]], call: n.Call
    ) -> TypeInfo:
        """The result of calling ``function`` with the bound arguments (memoised). The body is
        analysed again with the arguments' types; errors that only these types cause (a series
        argument reaching a simple parameter of a built-in) are reported in the body, naming
        the call."""
        infos = []
        for formal in function.signature.params:
            given = match_bound.get(formal.name)
            if formal.type.name == "any":
                info = given[0].info if given else UNKNOWN
            else:
                qualifier = formal.qualifier
                if qualifier is None:
                    qualifier = given[0].info.qualifier if given else CONST
                if self.is_reference(formal.type):
                    qualifier = SERIES
                info = TypeInfo(formal.type.unqualified(), qualifier)
            infos.append(info)
        key = (function, tuple(infos))
        if key in self.instances:
            return self.instances[key]
        self.instances[key] = UNKNOWN  # a call inside its own instance: recursion
        outermost = self.instance_errors is None
        if outermost:
            self.instance_errors = []
        self.silent += 1
        try:
            self.instances[key] = self.function_body(function, infos)
        finally:
            self.silent -= 1
        if outermost:
            found, self.instance_errors = self.instance_errors, None
            reported = {(d.span, d.message) for d in self.diagnostics}
            for message, span in found or ():
                if (span, message) not in reported:
                    reported.add((span, message))
                    line = call.span.line
                    self.error(f"{message} (in the call of '{function.name}' on line {line})", span)
        return self.instances[key]

    def visit_TypeDef(self, stmt: n.TypeDef) -> TypeInfo:
        self.check_export(stmt)
        self.feature("udt", stmt)
        self.check_name(stmt.name, self.locate.name(stmt.name, stmt), "a type")
        if stmt.name in self.globals.type_names():
            self.error(
                f"The type '{stmt.name}' is already defined", self.locate.name(stmt.name, stmt)
            )
            return VOID
        user_type = UserType(stmt.name, stmt)
        self.globals.types[stmt.name] = user_type  # before the fields: types may be recursive
        for member in stmt.fields:
            if member.is_varip:
                self.feature("varip", member)
            declared = self.resolve_type(member.type)
            info = TypeInfo(declared or PineType("unknown"), SERIES)
            if member.default is not None:
                value = self.expr(member.default)
                if declared is not None:
                    self.check_assignable(value, declared, member.default, member.name)
            if member.name in user_type.fields:
                span = self.locate.name(member.name, member, member.type)
                self.error(f"The field '{member.name}' is already declared", span)
            user_type.fields[member.name] = FieldInfo(member.name, info, member)
        return VOID

    def visit_EnumDef(self, stmt: n.EnumDef) -> TypeInfo:
        self.check_export(stmt)
        self.feature("enums", stmt)
        if stmt.name in self.globals.type_names():
            self.error(
                f"The type '{stmt.name}' is already defined", self.locate.name(stmt.name, stmt)
            )
            return VOID
        enum = UserEnum(stmt.name, stmt)
        for member in stmt.members:
            if member.name in enum.members:
                self.error(f"The enum member '{member.name}' is already declared", member)
            enum.members[member.name] = member.title if member.title is not None else member.name
        self.globals.enums[stmt.name] = enum
        return VOID

    def visit_Import(self, stmt: n.Import) -> TypeInfo:
        self.feature("imports", stmt)
        alias = stmt.alias or stmt.library
        if alias in self.globals.imports:
            self.error(f"The library alias '{alias}' is already used", stmt)
        self.globals.imports[alias] = ImportAlias(alias, stmt)
        return VOID

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

    # ---- control structures

    def take_statement(self, node: n.Expr) -> bool:
        """Whether ``node`` stands as a statement of its own (its value is then not used, so
        branches of different types are no error)."""
        is_statement = self.statement_expr is node
        self.statement_expr = None
        return is_statement

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
        return value.with_qualifier(Qualifier.strongest([value.qualifier, *qualifiers]))

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
        return value.with_qualifier(Qualifier.strongest([value.qualifier, *qualifiers]))

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

    def numeric(self, node: n.Expr, what: str) -> TypeInfo:
        info = self.expr(node)
        if not (info.is_unknown or info.is_na or info.is_numeric):
            self.error(f"{what} must be an int or a float, not '{info}'", node)
        return info

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
                symbols.append(Symbol(name, SymbolKind.LOOP_VARIABLE, info, node, span))
        return self.loop_body(node.body, ScopeKind.FOR, symbols)

    def visit_While(self, node: n.While) -> TypeInfo:
        self.take_statement(node)
        self.feature("while", node)
        self.condition(node.condition, "a 'while' loop")
        return self.loop_body(node.body, ScopeKind.WHILE, [])

    # ---- literals and names

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
        if op in _ARITHMETIC:
            result = arithmetic(op, left, right, self.version)
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
        """A literal or a built-in constant (``color.red``), not shadowed by a variable."""
        if isinstance(node, _LITERALS):
            return True
        path = dotted(node)
        if path is None or self.scope.lookup(path.partition(".")[0]) is not None:
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

    # ---- calls

    def visit_Call(self, node: n.Call) -> TypeInfo:
        arguments = [Argument(self.expr(arg), arg) for arg in node.args]
        seen: set[str] = set()
        for keyword in node.keywords:
            info = self.expr(keyword.value)
            if keyword.name in seen:
                if self.version >= 6:
                    self.error(
                        f"The argument '{keyword.name}' is given more than once: Pine v6 "
                        "does not allow repeating an argument",
                        keyword,
                    )
                continue
            seen.add(keyword.name)
            arguments.append(Argument(info, keyword, keyword.name))
        type_args = tuple(self.resolve_type(t) for t in node.type_args)
        if any(t is None for t in type_args):
            return UNKNOWN
        func = node.func
        if isinstance(func, n.Name):
            return self.call_name(node, func.id, arguments, type_args)  # type: ignore[arg-type]
        if isinstance(func, n.Attribute):
            path = dotted(func)
            if path is not None and self.scope.lookup(path.partition(".")[0]) is None:
                found = self.call_path(node, path, arguments, type_args)  # type: ignore[arg-type]
                if found is not None:
                    return found
            receiver = self.expr(func.value)
            return self.call_method(node, func, receiver, arguments)
        self.error("Only functions can be called", func)
        return UNKNOWN

    def call_name(
        self,
        node: n.Call,
        name: str,
        arguments: list[Argument],
        type_args: tuple[PineType, ...],
    ) -> TypeInfo:
        user = self.globals.functions.get(name)
        if user:
            return self.call_user(node, user, name, arguments)
        if self.defining is not None and self.defining.name == name:
            self.error(f"Recursive call: the function '{name}' cannot call itself", node)
            return UNKNOWN
        overloads = builtins.functions(name, self.version)
        if overloads:
            return self.call_builtin(node, name, overloads, arguments, type_args)
        self.unknown_function(name, node.func)
        return UNKNOWN

    def unknown_function(self, name: str, where: n.Node) -> None:
        if name in self.defined_later:
            self.error(
                f"'{name}' is called before its definition: functions must be defined before "
                "they are used",
                where,
            )
        elif builtins.functions(name):
            other = ", ".join(f"v{v}" for v in sorted(VERSIONS - {self.version}))
            self.error(f"'{name}' does not exist in Pine v{self.version} (only in {other})", where)
        else:
            self.error(f"Could not find function or function reference '{name}'", where)

    def call_path(
        self,
        node: n.Call,
        path: str,
        arguments: list[Argument],
        type_args: tuple[PineType, ...],
    ) -> TypeInfo | None:
        """A call of a dotted name: a built-in, a library function, ``Type.new``/``copy``.
        None when the name is a value whose method is called (``close.f()`` ...)."""
        overloads = builtins.functions(path, self.version)
        if overloads:
            return self.call_builtin(node, path, overloads, arguments, type_args)
        if path.partition(".")[0] in self.globals.imports:
            if not self.silent:
                self.features.add_library_call(path, node.span)
                self.calls[node] = self.globals.imports[path.partition(".")[0]]
            return UNKNOWN
        prefix, _, attr = path.rpartition(".")
        user_type = self.globals.types.get(prefix)
        if user_type is not None and attr in ("new", "copy"):
            if not self.silent:
                self.calls[node] = user_type
            if attr == "new":
                return self.construct(node, user_type, arguments)
            copy = Signature(
                path, (Param("id", user_type.type, SERIES, None, True),), user_type.type
            )
            return self.check_call(node, [copy], arguments, path).result
        if prefix in self.globals.type_names():
            self.error(f"Could not find function or function reference '{path}'", node.func)
            return UNKNOWN
        root = path.partition(".")[0]
        if self.builtin_value(prefix) is None and (
            root in builtins.namespaces() or builtins.functions(path)
        ):
            self.unknown_function(path, node.func)
            return UNKNOWN
        return None

    def construct(self, node: n.Call, user_type: UserType, arguments: list[Argument]) -> TypeInfo:
        """``Type.new(...)``: the fields, in order, are optional parameters."""
        signature = self.constructors.get(user_type.name)
        if signature is None:
            params = tuple(
                Param(f.name, replace(f.info.type, poly=True), None, None, False)
                for f in user_type.fields.values()
            )
            signature = Signature(f"{user_type.name}.new", params, user_type.type)
            self.constructors[user_type.name] = signature
        self.check_call(node, [signature], arguments, signature.name)
        return TypeInfo(user_type.type, SERIES)

    def call_method(
        self, node: n.Call, func: n.Attribute, receiver: TypeInfo, arguments: list[Argument]
    ) -> TypeInfo:
        """``value.name(...)``: a user method, a built-in method, or ``copy`` of an object."""
        name = func.attr
        if receiver.is_unknown:
            return UNKNOWN
        arguments = [Argument(receiver, func.value), *arguments]
        user = self.globals.methods_for(name, receiver.type)
        if user:
            return self.call_user(node, user, name, arguments)
        defining = self.defining
        if defining is not None and defining.is_method and defining.name == name:
            self.error(f"Recursive call: the method '{name}' cannot call itself", node)
            return UNKNOWN
        namespace = receiver.name if receiver.name in METHOD_NAMESPACES else None
        overloads = builtins.functions(f"{namespace}.{name}", self.version) if namespace else []
        overloads = [s for s in overloads if s.method]
        if overloads:
            return self.call_builtin(node, f"{namespace}.{name}", overloads, arguments, ())
        if name == "copy" and receiver.name in self.globals.types:
            if not self.silent:
                self.calls[node] = self.globals.types[receiver.name]
            return receiver.with_qualifier(SERIES)
        if receiver.name.partition(".")[0] in self.globals.imports:
            return UNKNOWN
        if name in self.defined_later:
            self.unknown_function(name, func)
        else:
            self.error(f"Could not find method '{name}' for a value of type '{receiver}'", func)
        return UNKNOWN

    def check_call(
        self,
        node: n.Call,
        overloads: list[Signature],
        arguments: list[Argument],
        name: str,
        type_args: tuple[PineType, ...] = (),
    ) -> Match:
        version = self.version
        if name.startswith("request.") and self.dynamic_requests:
            version = 6  # v5 with dynamic_requests = true takes series symbols like v6
        match = resolve(overloads, node, arguments, version, name, type_args)
        for problem in match.problems:
            self.error(problem.message, problem.node)
        return match

    def call_user(
        self, node: n.Call, overloads: list[UserFunction], name: str, arguments: list[Argument]
    ) -> TypeInfo:
        match = self.check_call(node, [f.signature for f in overloads], arguments, name)
        function = next(f for f in overloads if f.signature is match.signature)
        if not self.silent:
            self.calls[node] = function
        if not match.ok:
            return UNKNOWN
        return self.instance(function, match.bound, node)

    def call_builtin(
        self,
        node: n.Call,
        name: str,
        overloads: list[Signature],
        arguments: list[Argument],
        type_args: tuple[PineType, ...],
    ) -> TypeInfo:
        self.builtin_used(name, node)
        arguments = self.removed_parameters(name, overloads, arguments)
        if self.version >= 6 and name in ("na", "nz", "fixnan") and arguments:
            first = arguments[0]
            if first.info.name == "bool":
                self.error(
                    f"Cannot call '{name}' with a 'bool' argument: in Pine v6 a bool is never na",
                    first.value,
                )
                return TypeInfo(BOOL, first.info.qualifier)
        match = self.check_call(node, overloads, arguments, name, type_args)
        signature = match.signature
        if not self.silent:
            self.calls[node] = signature
        self.check_placement(node, name, signature)
        if signature.deprecated:
            self.warning(f"'{name}' is deprecated", node)
        if not match.ok:
            return UNKNOWN
        if name == "request.security_lower_tf" and match.result.name == "array":
            element = match.result.type.args[0]
            if element.is_tuple:  # a tuple of expressions gives a tuple of arrays
                arrays = [
                    TypeInfo(PineType("array", (e.unqualified(),)), SERIES) for e in element.args
                ]
                return TypeInfo.tuple_of(arrays)
        return match.result

    def removed_parameters(
        self, name: str, overloads: list[Signature], arguments: list[Argument]
    ) -> list[Argument]:
        """Named arguments of parameters one version removed: an error in v6 (the argument is
        then dropped), a deprecation warning in v5."""
        current = {p.name for s in overloads for p in s.params_for(self.version)}
        latest = {p.name for s in builtins.functions(name, 6) for p in s.params_for(6)}
        kept = []
        for argument in arguments:
            key = argument.name
            if key is not None and key not in latest and key in REMOVED_IN_V6:
                hint = REMOVED_IN_V6[key]
                if key not in current:
                    self.error(
                        f"'{key}' is not a valid parameter of '{name}' in Pine v6: it was "
                        f"removed ({hint})",
                        argument.node,
                    )
                    continue
                self.warning(
                    f"The '{key}' parameter of '{name}' is deprecated and removed in Pine v6 "
                    f"({hint})",
                    argument.node,
                )
            kept.append(argument)
        return kept

    def check_placement(self, node: n.Call, name: str, signature: Signature) -> None:
        if signature.top_level_only:
            where = None
            if not self.scope.is_global:
                where = self.scope.kind.value
            elif self.ternary_depth:
                where = "an operand of '?:'"
            if where is not None:
                self.error(
                    f"Cannot use '{name}' in local scope: {name}() is only allowed in the global "
                    f"scope (here: {where})",
                    node,
                )
        if name.startswith("strategy.") and self.kind == "indicator":
            self.error(
                f"Cannot use '{name}' in an {self.kind}: strategy.* functions are only allowed "
                "in strategies",
                node,
            )


# ---- Rules about the whole script --------------------------------------------------------------


class _ScriptRules:
    """Rules that look at the whole script once it is analysed."""

    def __init__(self, analyzer: _Analyzer) -> None:
        self.analyzer = analyzer
        self.script = analyzer.script

    def check(self) -> None:
        declaration = self.script.declaration
        if declaration is None:
            return  # the parser reported it
        if self.analyzer.kind == "library":
            self.library_exports(declaration)
        elif self.analyzer.kind == "indicator":
            self.indicator_output(declaration)

    def library_exports(self, declaration: n.Call) -> None:
        exported = any(
            isinstance(stmt, (n.FunctionDef, n.TypeDef, n.EnumDef)) and stmt.is_export
            for stmt in self.script.body
        )
        if not exported:
            self.analyzer.error(
                "A library must export at least one function, method, type or enum",
                declaration,
            )

    def indicator_output(self, declaration: n.Call) -> None:
        features = self.analyzer.features
        if features.library_calls or OUTPUT_FUNCTIONS & set(features.builtins):
            return
        self.analyzer.error(
            "Script must have at least one output function call (e.g. plot, plotshape, "
            "bgcolor, alertcondition, label.new)",
            declaration,
        )


# ---- Helpers on types and names ----------------------------------------------------------------


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


def arithmetic(op: str, left: TypeInfo, right: TypeInfo, version: int = 6) -> PineType | None:
    """The type of ``left op right`` for ``+ - * / %`` (None when the operands do not fit).
    ``/`` of two ints is a float (``7 / 2`` is 3.5), except between two const ints in v5,
    which divide as integers."""
    if left.is_unknown or right.is_unknown:
        return PineType("unknown")
    sides = [s for s in (left, right) if not s.is_na]
    if all(s.is_numeric for s in sides):
        if any(s.name == "float" for s in sides) or not sides:
            return FLOAT
        if op == "/" and not (version < 6 and all(s.qualifier == CONST for s in sides)):
            return FLOAT
        return INT
    if op == "+" and sides and all(s.name == "string" for s in sides):
        return STRING
    if op in "+-" and sides and all(s.name in _DISPLAY for s in sides):
        return PineType("plot_display")  # display.all - display.status_line
    return None


def join(infos: list[TypeInfo]) -> TypeInfo | None:
    """The common type of the branches of an ``if``/``switch``/``?:`` (None when there is
    none): ``na`` fits any type, int and float give float, tuples join element by element."""
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
        if other == result or other.is_tuple:
            if other.is_tuple:
                return None
            continue
        if {other.name, result.name} == {"int", "float"}:
            result = FLOAT
        else:
            return None
    return TypeInfo(result, qualifier)
