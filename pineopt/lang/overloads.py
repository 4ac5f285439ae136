"""Matching a call's arguments against a signature, and choosing among overloads.

A call ``f(a, b, name = c)`` binds its positional arguments to the parameters in order, then
its named arguments by name. The binding fails with a :class:`Problem` for each argument too
many, unknown name, parameter given twice, required parameter left out, or argument whose type
or qualifier the parameter does not accept. Type variables (``array.get<T>``) are bound by
:func:`~pineopt.lang.types.unify`; the result type substitutes them, and a ``q`` result takes the
strongest qualifier of the arguments given to ``q`` parameters.

:func:`resolve` tries the overloads in table order and picks the first that matches; when none
does, it returns the *closest* one (fewest problems) so that the errors talk about the overload
the user most likely meant. For the user's own overloads (``exact_first``) an overload that
takes every argument as it is wins over one that needs an implicit int -> float conversion:
``f(1)`` calls ``f(int x)`` even when ``f(float x)`` is defined first.

User functions and ``Type.new`` are matched the same way: the analyser describes them with a
:class:`~pineopt.lang.builtins.Signature` whose untyped parameters have the type ``any``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pineopt.lang import nodes as n
from pineopt.lang.builtins import Param, Signature
from pineopt.lang.printer import expression
from pineopt.lang.scopes import UNKNOWN, TypeInfo, qualifier_of
from pineopt.lang.types import Bindings, PineType, Qualifier, unify


@dataclass(frozen=True)
class Argument:
    """One argument of a call: its type, its node (for messages) and its name if named."""

    info: TypeInfo
    node: n.Node
    name: str | None = None

    @property
    def value(self) -> n.Expr:
        return self.node.value if isinstance(self.node, n.Keyword) else self.node  # type: ignore[return-value]


@dataclass(frozen=True)
class Problem:
    """Why an argument list does not fit a signature, located at ``node``."""

    message: str
    node: n.Node


@dataclass
class Match:
    """The outcome of matching one signature: problems (none when it fits), the arguments bound
    to each parameter, the result type, and how many arguments an implicit int -> float
    conversion made fit (``widened``)."""

    signature: Signature
    problems: list[Problem] = field(default_factory=list)
    bound: dict[str, list[Argument]] = field(default_factory=dict)
    result: TypeInfo = UNKNOWN
    widened: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def resolve(
    overloads: list[Signature],
    call: n.Call,
    arguments: list[Argument],
    version: int,
    display_name: str,
    type_args: tuple[PineType, ...] = (),
    exact_first: bool = False,
) -> Match:
    """The first overload that fits (with ``exact_first``: the first that fits with the fewest
    widened arguments), or else the one with the fewest problems."""
    best: Match | None = None
    fitting: Match | None = None
    for signature in overloads:
        found = match(signature, call, arguments, version, display_name, type_args)
        if found.ok:
            if not exact_first or not found.widened:
                return found
            if fitting is None or found.widened < fitting.widened:
                fitting = found
        elif best is None or len(found.problems) < len(best.problems):
            best = found
    if fitting is not None:
        return fitting
    assert best is not None, "resolve() needs at least one overload"
    return best


def match(
    signature: Signature,
    call: n.Call,
    arguments: list[Argument],
    version: int,
    display_name: str,
    type_args: tuple[PineType, ...] = (),
) -> Match:
    """Bind ``arguments`` to the parameters of ``signature`` and check their types."""
    result = Match(signature)
    params = signature.params_for(version)
    by_name = {p.name: p for p in params}
    _bind(result, call, params, by_name, arguments, display_name)
    bindings = _explicit_type_args(result, call, signature, type_args, display_name)
    if bindings is None:
        return result
    constraints = signature.constraints()
    for param in params:
        for argument in result.bound.get(param.name, ()):
            bindings = _check_argument(
                result, param, argument, bindings, constraints, version, display_name
            )
    if result.ok:
        result.result = _result_type(signature, result.bound, bindings)
    return result


def _bind(
    result: Match,
    call: n.Call,
    params: tuple[Param, ...],
    by_name: dict[str, Param],
    arguments: list[Argument],
    display_name: str,
) -> None:
    positional = [a for a in arguments if a.name is None]
    for index, argument in enumerate(positional):
        if index < len(params) and not params[index].variadic:
            result.bound.setdefault(params[index].name, []).append(argument)
        elif params and params[-1].variadic:
            result.bound.setdefault(params[-1].name, []).append(argument)
        else:
            result.problems.append(
                Problem(
                    f"Too many arguments in the call of '{display_name}': it takes at most "
                    f"{len(params)}",
                    argument.node,
                )
            )
            break
    for argument in arguments:
        if argument.name is None:
            continue
        param = by_name.get(argument.name)
        if param is None or param.variadic:
            result.problems.append(
                Problem(
                    f"The '{display_name}' function does not have an argument with the name "
                    f"'{argument.name}'",
                    argument.node,
                )
            )
        elif argument.name in result.bound:
            result.problems.append(
                Problem(
                    f"The argument '{argument.name}' of '{display_name}' is given twice",
                    argument.node,
                )
            )
        else:
            result.bound[argument.name] = [argument]
    for param in params:
        if param.required and param.name not in result.bound:
            result.problems.append(
                Problem(
                    f"Missing required argument '{param.name}' in the call of '{display_name}'",
                    call,
                )
            )


def _explicit_type_args(
    result: Match,
    call: n.Call,
    signature: Signature,
    type_args: tuple[PineType, ...],
    display_name: str,
) -> Bindings | None:
    """Bindings from ``array.new<float>``-style type arguments (None after a problem)."""
    bindings = Bindings()
    if not type_args:
        return bindings
    if len(type_args) != len(signature.generics):
        result.problems.append(
            Problem(
                f"'{display_name}' takes {len(signature.generics)} type argument(s), "
                f"got {len(type_args)}",
                call,
            )
        )
        return None
    for generic, given in zip(signature.generics, type_args, strict=True):
        bound = unify(PineType(generic.name, is_var=True), given, bindings, signature.constraints())
        if bound is None:
            result.problems.append(
                Problem(
                    f"'{given}' cannot be the type argument {generic.name} of '{display_name}' "
                    f"(allowed: {generic.constraint})",
                    call,
                )
            )
            return None
        bindings = bound
        bindings.rigid.add(generic.name)
    return bindings


def _check_argument(
    result: Match,
    param: Param,
    argument: Argument,
    bindings: Bindings,
    constraints: dict[str, PineType | None],
    version: int,
    display_name: str,
) -> Bindings:
    info = argument.info
    if info.is_unknown:
        return bindings
    bound = unify(param.type, info.qualified(), bindings, constraints)
    if bound is not None:
        expected = param.type.substitute(bound.types).unqualified()
        if _widens(info.type.unqualified(), expected):
            result.widened += 1
        return bound
    if version == 5 and info.is_numeric and _accepts_bool(param.type):
        return bindings  # v5 converts int and float to bool implicitly
    expected = param.type.substitute(bindings.types)
    if expected.poly:
        expected = expected.unqualified()
    result.problems.append(
        Problem(
            f"Cannot call '{display_name}' with argument '{param.name}'="
            f"'{_text(argument.value)}'. An argument of '{info}' type was used but a "
            f"'{expected}' is expected",
            argument.value,
        )
    )
    return bindings


def _widens(argument: PineType, parameter: PineType) -> bool:
    """Whether ``argument`` fits ``parameter`` only by an int -> float conversion (of the value
    or of a collection's elements)."""
    if parameter.is_union or parameter.type_vars() or argument.name in ("na", "unknown"):
        return False
    if argument.name == "int" and parameter.name == "float":
        return True
    return argument.name == parameter.name and any(
        _widens(a, p) for a, p in zip(argument.args, parameter.args, strict=False)
    )


def _accepts_bool(t: PineType) -> bool:
    return any(member.name == "bool" for member in t.members)


def _result_type(
    signature: Signature, bound: dict[str, list[Argument]], bindings: Bindings
) -> TypeInfo:
    returns = signature.returns.substitute(bindings.types)
    if returns.type_vars():
        return UNKNOWN
    if returns.is_tuple:
        return TypeInfo.tuple_of([TypeInfo(e.unqualified(), qualifier_of(e)) for e in returns.args])
    if returns.poly:
        qualifier = Qualifier.strongest(
            argument.info.qualifier
            for param in signature.params
            if param.type.poly
            for argument in bound.get(param.name, ())
        )
    else:
        qualifier = qualifier_of(returns)
    return TypeInfo(returns.unqualified(), qualifier)


def _text(node: n.Expr) -> str:
    text = expression(node)
    return text if len(text) <= 40 else text[:37] + "..."
