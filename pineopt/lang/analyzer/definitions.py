"""Definitions: user functions and methods, types (UDTs), enums and library imports.

User functions are analysed twice over: once where they are defined, with the parameters as
declared (an untyped parameter is ``unknown``; a parameter without a qualifier keyword takes
the qualifier of its argument, so it is checked as ``const``; a qualifier keyword on a
reference-type parameter is ignored, references being always ``series``), which reports the
errors of the body; and again, silently, for each distinct list of argument types it is
called with, which gives the type and qualifier of that call's result (Pine compiles one
instance per call too).
"""

from __future__ import annotations

from dataclasses import replace

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.placement import Placement
from pineopt.lang.analyzer.state import CONST, SERIES
from pineopt.lang.builtins import Param, Signature
from pineopt.lang.overloads import Argument
from pineopt.lang.printer import expression
from pineopt.lang.scopes import (
    UNKNOWN,
    VOID,
    FieldInfo,
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
from pineopt.lang.types import PineType, Qualifier


class Definitions(Placement):
    """Defines functions, types, enums and imports; computes the result of a call of a user
    function (one memoised instance per list of argument types)."""

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
        if declared is not None and self.is_reference(declared):
            keyword = None  # `simple array<float> a`: references are always series
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
        where = self.locate.name(stmt.name, stmt)
        self.check_name(stmt.name, where, "a type")
        if self.primitive_name(stmt.name, "a user-defined type", where):
            return VOID
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
        if self.primitive_name(stmt.name, "an enum", self.locate.name(stmt.name, stmt)):
            return VOID
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
