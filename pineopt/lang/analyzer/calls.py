"""Calls: resolving what is called - a user function or method, a built-in, ``Type.new`` or
``copy``, a library function - and checking the arguments against it
(:mod:`pineopt.lang.overloads`: overloads, generics, qualifiers). The v5/v6 rules on calls
live here: v6 forbids repeated arguments, ``na()`` of a bool and the ``when``/``transp``
parameters, which v5 only warns about. A user method named like a built-in method overrides it
where its parameters fit and overloads it otherwise (:meth:`Calls.call_method`).

Not checked yet: which of a user method and a built-in one TradingView prefers when both fit
only by an int -> float conversion (the user method wins here); inside a user method, a call of
the built-in method of the same name is refused as a recursive call.
"""

from __future__ import annotations

from dataclasses import replace

from pineopt.lang import builtins
from pineopt.lang import nodes as n
from pineopt.lang.analyzer.arguments import Arguments
from pineopt.lang.analyzer.names import dotted
from pineopt.lang.analyzer.state import BOOL, SERIES
from pineopt.lang.builtins import VERSIONS, Param, Signature
from pineopt.lang.overloads import Argument, Match, resolve
from pineopt.lang.scopes import UNKNOWN, TypeInfo, UserFunction, UserType
from pineopt.lang.types import COLLECTION_ARITY, OBJECT_TYPES, PineType

#: Built-in types whose functions can be called as methods of a value (``a.push(x)``).
METHOD_NAMESPACES = frozenset(COLLECTION_ARITY) | (OBJECT_TYPES - {"plot", "hline"})
#: Parameters v6 removed, and what to write instead.
REMOVED_IN_V6 = {
    "transp": "set the transparency with color.new()",
    "when": "put the call in an 'if' block",
}


class Calls(Arguments):
    """Resolves and checks calls; records what each call resolved to."""

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
            overloads = builtins.functions(path, self.version) if path is not None else []
            if overloads and self.calls_namespace(node, func, receiver, overloads, arguments):
                return self.call_builtin(node, path, overloads, arguments, type_args)  # type: ignore[arg-type]
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
        """A call of a dotted name: ``Type.new``/``copy``, a built-in, a library function.
        None when the name is a value whose method is called (``close.f()`` ...). A type
        named like a namespace shadows it (``type line`` makes ``line.new()`` the type's)."""
        prefix, _, attr = path.rpartition(".")
        user_type = self.globals.types.get(prefix)
        overloads = builtins.functions(path, self.version)
        if overloads and not (user_type is not None and attr in ("new", "copy")):
            return self.call_builtin(node, path, overloads, arguments, type_args)
        if path.partition(".")[0] in self.globals.imports:
            if not self.silent:
                self.features.add_library_call(path, node.span)
                self.calls[node] = self.globals.imports[path.partition(".")[0]]
            return UNKNOWN
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

    def calls_namespace(
        self,
        node: n.Call,
        func: n.Attribute,
        receiver: TypeInfo,
        overloads: list[Signature],
        arguments: list[Argument],
    ) -> bool:
        """Whether ``v.name(...)``, ``v`` a variable named like a namespace, calls the
        built-in ``v.name`` rather than a method of ``v``: a variable does not hide its
        namespace's functions (``timeframe.change("D")`` with a variable ``timeframe``). The
        built-in is called when its arguments fit it, or when ``v`` has no such method; the
        choice is recorded in ``namespace_paths`` for the compiler."""
        fits = resolve(overloads, node, arguments, self.version, func.attr).ok
        if not fits and self.has_method(receiver, func.attr):
            return False
        if not self.silent:
            self.namespace_paths.add(func)
        return True

    def has_method(self, receiver: TypeInfo, name: str) -> bool:
        """Whether a value of ``receiver``'s type has a method ``name`` (user or built-in)."""
        if receiver.is_unknown or self.globals.methods_for(name, receiver.type):
            return True
        if name == "copy" and receiver.name in self.globals.types:
            return True
        namespace = receiver.name if receiver.name in METHOD_NAMESPACES else None
        return namespace is not None and any(
            s.method for s in builtins.functions(f"{namespace}.{name}", self.version)
        )

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
        """``value.name(...)``: a user method, a built-in method, or ``copy`` of an object.

        A user method named like a built-in one overrides it where its parameters fit the
        arguments and overloads it otherwise (the manual's Methods page, "Method
        overloading": ``zeros.fill(0.0)`` calls the built-in ``array.fill()`` next to a user
        ``fill(array<float>, float, float, float, float)``)."""
        name = func.attr
        if receiver.is_unknown:
            return UNKNOWN
        arguments = [Argument(receiver, func.value), *arguments]
        namespace = receiver.name if receiver.name in METHOD_NAMESPACES else None
        overloads = builtins.functions(f"{namespace}.{name}", self.version) if namespace else []
        overloads = [s for s in overloads if s.method]
        user = self.globals.methods_for(name, receiver.type)
        if user and not (overloads and self.builtin_method_fits(node, user, overloads, arguments)):
            return self.call_user(node, user, name, arguments)
        defining = self.defining
        if defining is not None and defining.is_method and defining.name == name:
            self.error(f"Recursive call: the method '{name}' cannot call itself", node)
            return UNKNOWN
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

    def builtin_method_fits(
        self,
        node: n.Call,
        user: list[UserFunction],
        overloads: list[Signature],
        arguments: list[Argument],
    ) -> bool:
        """Whether the built-in method fits the arguments where no user method does."""
        name = node.func.attr  # type: ignore[union-attr]
        signatures = [f.signature for f in user]
        if resolve(signatures, node, arguments, self.version, name, exact_first=True).ok:
            return False
        return resolve(overloads, node, arguments, self.version, name).ok

    def check_call(
        self,
        node: n.Call,
        overloads: list[Signature],
        arguments: list[Argument],
        name: str,
        type_args: tuple[PineType, ...] = (),
        exact_first: bool = False,
    ) -> Match:
        version = self.version
        if name.startswith("request.") and self.dynamic_requests:
            version = 6  # v5 with dynamic_requests = true takes series symbols like v6
        match = resolve(overloads, node, arguments, version, name, type_args, exact_first)
        for problem in match.problems:
            self.error(problem.message, problem.node)
        return match

    def call_user(
        self, node: n.Call, overloads: list[UserFunction], name: str, arguments: list[Argument]
    ) -> TypeInfo:
        signatures = [f.signature for f in overloads]
        match = self.check_call(node, signatures, arguments, name, exact_first=True)
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
        self.check_arguments(node, name, match)
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
