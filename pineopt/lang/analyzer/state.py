"""The state one analysis pass carries, how it reports, and how it walks bodies and blocks.

Every rule module adds methods to this state: :class:`AnalyzerState` is the base of the chain
``Names -> Expressions -> Statements -> Placement -> Definitions -> Arguments -> Calls`` that
:class:`pineopt.lang.analyzer.Analyzer` ends. ``visit_*`` methods of statements and
expressions return the :class:`TypeInfo` of their value.
"""

from __future__ import annotations

from collections.abc import Iterable

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.locate import Locator
from pineopt.lang.builtins import Signature
from pineopt.lang.diagnostics import Diagnostic, Severity
from pineopt.lang.features import FeatureReport
from pineopt.lang.nodes import NodeVisitor, Span
from pineopt.lang.scopes import (
    VOID,
    GlobalScope,
    ImportAlias,
    Scope,
    ScopeKind,
    Symbol,
    TypeInfo,
    UserFunction,
    UserType,
)
from pineopt.lang.types import PineType, Qualifier

MAX_ERRORS = 50
"""Errors reported per file before the analyser stops reporting."""

CONST, SIMPLE, SERIES = Qualifier.CONST, Qualifier.SIMPLE, Qualifier.SERIES
BOOL = PineType("bool")
INT = PineType("int")
FLOAT = PineType("float")
STRING = PineType("string")

Problem = tuple[str, Span]
"""An error found while a function body is analysed silently: its message and place."""

Callee = Signature | UserFunction | UserType | ImportAlias
"""What a call resolves to (see :attr:`pineopt.lang.analyzer.Analysis.calls`)."""


class AnalyzerState(NodeVisitor):
    """The tables being filled, the current scope and nesting, and the reporting that every
    rule shares. Errors raised while a function body is re-analysed for one call are collected
    (``instance_errors``) instead of reported."""

    def __init__(self, script: n.Script, version: int, filename: str, source: str) -> None:
        self.script = script
        self.version = version
        self.filename = filename
        self.locate = Locator(source)
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
        self.instance_errors: list[Problem] | None = None
        self.instance_problems: dict[tuple[UserFunction, tuple[TypeInfo, ...]], list[Problem]] = {}
        self.trials = 0  # > 0 while a body is analysed on trial (promoted_parameters)
        self.field_accesses: set[n.Attribute] = set()
        self.namespace_paths: set[n.Attribute] = set()
        self.builtin_symbols: dict[str, Symbol] = {}
        self.builtin_first_use: dict[str, tuple[int, int]] = {}  # built-in value -> (line, col)
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

    # ---- bodies and blocks

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
