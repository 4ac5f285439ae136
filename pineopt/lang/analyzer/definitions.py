"""Definitions: user functions and methods, types (UDTs), enums and library imports.

User functions are analysed twice over: once where they are defined, with the parameters as
declared, which reports the errors of the body; and again, silently, for each distinct list
of argument types it is called with, which gives the type and qualifier of that call's result
(Pine compiles one instance per call too). The qualifier of a parameter (the manual,
User-defined functions > Declaring parameter types):

* without a type keyword, the argument's (the definition is checked with an ``unknown`` type);
* with a qualifier keyword, that one - except on a reference type (array, UDT ...), which is
  always ``series``;
* with a value type but no qualifier keyword, ``series`` - or ``simple`` where the body needs
  it (``ta.ema(src, length)``); the result of ``pass(int x) => x`` is therefore "series int"
  even for ``pass(14)`` (:meth:`Definitions.promoted_parameters`). The definition itself is
  checked, and its types recorded, with such parameters ``const``.

A function returning a tuple gives all its items one qualifier, at least ``simple``
(Type system > Tuples). Overloads must differ in their required parameters' qualified types
(:meth:`Definitions.check_overload`). Not checked: that an exported function's
``request.*()`` expression does not depend on its parameters.
"""

from __future__ import annotations

from dataclasses import replace

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.placement import Placement
from pineopt.lang.analyzer.state import CONST, SERIES, SIMPLE, Problem
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
        function = UserFunction(
            stmt, Signature(stmt.name, tuple(params), PineType("any")), receiver
        )
        promoted, problems = self.promoted_parameters(function, params, declared)
        for index, qualifier in promoted.items():
            formal = params[index]
            params[index] = replace(
                formal, type=formal.type.with_qualifier(qualifier), qualifier=qualifier
            )
        function.signature = Signature(stmt.name, tuple(params), PineType("any"))
        function.result = self.scope_value(self.function_body(function, declared))
        for message, span in problems:
            self.error(message, span)
        self.check_overload(function)
        self.globals.add_function(function)
        self.defined_later.discard(stmt.name)
        return VOID

    def promoted_parameters(
        self, function: UserFunction, params: list[Param], declared: list[TypeInfo]
    ) -> tuple[dict[int, Qualifier], list[Problem]]:
        """The qualifier of each parameter written with a value type but no qualifier keyword
        (``f(int x)``), by position, and the errors that remain with them. TradingView tries
        ``series`` first and falls back to ``simple`` when the body passes the parameter where
        ``series`` is refused; if ``simple`` is refused too, the body is in error (the manual,
        User-defined functions > Qualifier keywords: ``pass(int source) => source`` returns a
        "series int" even for ``pass(14)``). The body is analysed on trial, silently: a
        parameter is ``series`` unless that adds errors to those it has with ``const``
        parameters - the types the definition itself is checked and recorded with."""
        typed = [
            index
            for index, (formal, info) in enumerate(zip(params, declared, strict=True))
            if formal.qualifier is None and not info.is_unknown and not self.is_reference(info.type)
        ]

        def errors_with(qualifiers: dict[int, Qualifier]) -> set[Problem]:
            trial = [
                info.with_qualifier(qualifiers[index]) if index in qualifiers else info
                for index, info in enumerate(declared)
            ]
            return self.trial_errors(function, trial)

        if not typed:
            return {}, []
        everything = errors_with(dict.fromkeys(typed, SERIES))
        if not everything:
            return dict.fromkeys(typed, SERIES), []
        anyway = errors_with({})
        if everything <= anyway:
            return dict.fromkeys(typed, SERIES), []
        promoted = {i: SERIES if errors_with({i: SERIES}) <= anyway else SIMPLE for i in typed}
        return promoted, sorted(errors_with(promoted) - anyway, key=lambda p: p[1][:2])

    def trial_errors(self, function: UserFunction, params: list[TypeInfo]) -> set[Problem]:
        """The errors the body of ``function`` has with its parameters typed ``params``,
        collected without reporting them; the instances of other functions it analyses on the
        way are forgotten (their errors are reported when a real call analyses them)."""
        saved = (self.instance_errors, dict(self.instances), dict(self.instance_problems))
        self.instance_errors = []
        self.silent += 1
        self.trials += 1
        try:
            self.function_body(function, params)
            return set(self.instance_errors)
        finally:
            self.trials -= 1
            self.silent -= 1
            self.instance_errors, self.instances, self.instance_problems = saved

    def check_overload(self, function: UserFunction) -> None:
        """An overload must differ from every earlier one of its name in the number of its
        required parameters or in the qualified type of one of them, position by position;
        parameter names and optional parameters do not count (the manual, User-defined
        functions > Function overloading: a call could not tell the two apart)."""
        required = [p.type for p in function.signature.params if p.required]
        for other in self.globals.functions.get(function.name, ()):
            if [p.type for p in other.signature.params if p.required] != required:
                continue
            types = ", ".join(str(t) for t in required) or "none"
            self.error(
                f"The overload of '{function.name}' is ambiguous: it has the same required "
                f"parameter types ({types}) as the one defined on line {other.node.span.line}; "
                "overloads must differ in the number or the types of their required parameters",
                self.locate.name(function.name, function.node),
            )
            return

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
            if self.trials and self.instance_errors is not None:  # the errors count in a trial
                self.instance_errors.extend(self.instance_problems.get(key, ()))
            return self.instances[key]
        self.instances[key] = UNKNOWN  # a call inside its own instance: recursion
        outermost = self.instance_errors is None
        if outermost:
            self.instance_errors = []
        assert self.instance_errors is not None
        first = len(self.instance_errors)
        self.silent += 1
        try:
            self.instances[key] = self.scope_value(self.function_body(function, infos))
        finally:
            self.silent -= 1
        self.instance_problems[key] = self.instance_errors[first:]
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
        if self.enum_name(stmt.name, self.locate.name(stmt.name, stmt)):
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
