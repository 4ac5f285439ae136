"""Symbol tables: what a name means at one point of a Pine script.

Pine resolves names lexically. The **global scope** holds the script's global variables and
everything defined at the top level — user functions and methods, user-defined types (UDTs),
enums, library aliases — in front of the built-ins (``close``, ``ta.sma``, ``color.red``), which
come from :mod:`pineopt.lang.builtins`. Each function body opens a **function scope**, and each
``if``/``else`` branch, ``switch`` branch and loop body opens a **block scope**; a block sees
the scopes around it, a function body sees only itself and the global scope.

Definitions must come before their uses: the analyser adds a function, type or enum to the
global scope when it reaches its definition, so an earlier call does not find it.

>>> from pineopt.lang.types import Qualifier
>>> global_scope = GlobalScope()
>>> block = Scope(ScopeKind.IF, global_scope)
>>> x = Symbol("x", SymbolKind.VARIABLE, TypeInfo.of("float", Qualifier.SERIES))
>>> global_scope.declare(x) is None     # no earlier 'x' in that scope
True
>>> block.lookup("x") is x
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pineopt.lang import nodes as n
from pineopt.lang.builtins import Signature
from pineopt.lang.nodes import NO_SPAN, Span
from pineopt.lang.types import PineType, Qualifier, is_assignable

# ---- Types of values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeInfo:
    """The type and qualifier of a value: ``series float`` is ``TypeInfo(float, SERIES)``.

    ``type`` carries no qualifier of its own, except the elements of a tuple, which keep theirs
    (``[series float, simple int]``; the tuple's ``qualifier`` is then the strongest). Besides
    the types of :mod:`pineopt.lang.types`, the analyser uses ``na`` (the literal's type, which
    fits every type), ``void`` (no value) and ``unknown`` (a value whose type could not be found:
    an undeclared name, a library call; it fits everything, so that one error does not cascade).
    """

    type: PineType
    qualifier: Qualifier = Qualifier.CONST

    @staticmethod
    def of(name: str, qualifier: Qualifier = Qualifier.CONST) -> TypeInfo:
        """A type without type arguments: ``TypeInfo.of("int", Qualifier.SIMPLE)``."""
        return TypeInfo(PineType(name), qualifier)

    @staticmethod
    def tuple_of(elements: list[TypeInfo]) -> TypeInfo:
        qualified = [e.type.with_qualifier(e.qualifier) for e in elements]
        return TypeInfo(
            PineType.tuple_of(qualified), Qualifier.strongest(e.qualifier for e in elements)
        )

    @property
    def name(self) -> str:
        return self.type.name

    @property
    def is_unknown(self) -> bool:
        return self.type.name == "unknown"

    @property
    def is_na(self) -> bool:
        return self.type.name == "na"

    @property
    def is_void(self) -> bool:
        return self.type.name == "void"

    @property
    def is_tuple(self) -> bool:
        return self.type.is_tuple

    @property
    def is_numeric(self) -> bool:
        return self.type.name in ("int", "float")

    def elements(self) -> list[TypeInfo]:
        """The element types of a tuple."""
        return [TypeInfo(e.unqualified(), qualifier_of(e)) for e in self.type.args]

    def qualified(self) -> PineType:
        """As one :class:`PineType` (what :func:`~pineopt.lang.types.unify` matches)."""
        return self.type if self.type.is_tuple else self.type.with_qualifier(self.qualifier)

    def with_qualifier(self, qualifier: Qualifier) -> TypeInfo:
        """The same type with ``qualifier``; a tuple gives it to every item (the items of a
        tuple a local scope returns share one qualifier)."""
        if self.type.is_tuple:
            return TypeInfo.tuple_of([e.with_qualifier(qualifier) for e in self.elements()])
        return TypeInfo(self.type, qualifier)

    def __str__(self) -> str:
        """As Pine writes it in messages: ``series float``, ``array<int>``, ``[series float,
        series float]``."""
        if self.type.is_tuple or self.type.is_reference or self.type.name in _BARE:
            return str(self.type)
        return f"{self.qualifier} {self.type}"


def qualifier_of(t: PineType) -> Qualifier:
    """The qualifier written in ``t``; ``series`` when there is none (objects, unknowns)."""
    found = t.effective_qualifier
    return Qualifier.SERIES if found is None else found


_BARE = frozenset({"void", "unknown", "na"})
UNKNOWN = TypeInfo.of("unknown")
VOID = TypeInfo.of("void")
NA = TypeInfo.of("na")


# ---- Symbols -----------------------------------------------------------------------------------


class SymbolKind(str, Enum):
    VARIABLE = "variable"
    PARAMETER = "parameter"
    LOOP_VARIABLE = "loop variable"
    BUILTIN = "built-in"


@dataclass(eq=False)
class Symbol:
    """A named value: a variable, a parameter, a loop variable or a built-in variable/constant.

    ``declared_qualifier`` is the keyword written in the declaration (``simple int x = 1``), which
    ``:=`` must respect; ``reassigned`` is set when the analyser meets a ``:=`` to it."""

    name: str
    kind: SymbolKind
    info: TypeInfo
    node: n.Node | None = None
    span: Span = NO_SPAN
    mode: str | None = None  # "var" / "varip"
    declared_qualifier: Qualifier | None = None
    scope: Scope | None = field(default=None, repr=False)
    reassigned: bool = False


@dataclass(eq=False)
class UserFunction:
    """A function or method defined in the script (overloads are separate objects).

    ``signature`` is its parameter list in the form the built-ins use (see
    :func:`pineopt.lang.overloads.match`); ``result`` the type of its body's last statement
    with the parameters as declared (the analyser refines it per call)."""

    node: n.FunctionDef
    signature: Signature
    receiver: PineType | None = None
    result: TypeInfo = UNKNOWN

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_method(self) -> bool:
        return self.node.is_method


@dataclass(frozen=True)
class FieldInfo:
    name: str
    info: TypeInfo
    node: n.Field


@dataclass(eq=False)
class UserType:
    """A UDT: its fields in order. ``Name.new(...)`` builds one, ``obj.copy()`` copies one."""

    name: str
    node: n.TypeDef
    fields: dict[str, FieldInfo] = field(default_factory=dict)

    @property
    def type(self) -> PineType:
        return PineType(self.name)


@dataclass(eq=False)
class UserEnum:
    """An enum: member name -> title (the title defaults to the name)."""

    name: str
    node: n.EnumDef
    members: dict[str, str] = field(default_factory=dict)

    @property
    def type(self) -> PineType:
        return PineType(self.name)


@dataclass(eq=False)
class ImportAlias:
    """``import user/lib/1 as alias``: what the library holds is unknown here, so anything
    reached through the alias is accepted with an ``unknown`` type."""

    alias: str
    node: n.Import

    @property
    def path(self) -> str:
        return f"{self.node.user}/{self.node.library}/{self.node.version}"


# ---- Scopes ------------------------------------------------------------------------------------


class ScopeKind(str, Enum):
    """The kinds of scope; the value is how messages name the place."""

    GLOBAL = "the global scope"
    FUNCTION = "a function body"
    IF = "an if block"
    SWITCH = "a switch block"
    FOR = "a for loop"
    WHILE = "a while loop"


@dataclass(eq=False)
class Scope:
    """One scope: its own symbols, and the scope around it."""

    kind: ScopeKind
    parent: Scope | None = None
    symbols: dict[str, Symbol] = field(default_factory=dict)
    function: UserFunction | None = None

    def lookup(self, name: str) -> Symbol | None:
        """The innermost symbol called ``name`` visible from here (built-ins excluded)."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.symbols.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def declare(self, symbol: Symbol) -> Symbol | None:
        """Add ``symbol``; returns the symbol of the same name already in *this* scope, if any
        (then nothing is added). ``_`` is never stored: it discards a value."""
        if symbol.name == "_":
            return None
        existing = self.symbols.get(symbol.name)
        if existing is not None:
            return existing
        symbol.scope = self
        self.symbols[symbol.name] = symbol
        return None

    @property
    def is_global(self) -> bool:
        return self.kind is ScopeKind.GLOBAL

    def enclosing_function(self) -> Scope | None:
        """The function scope this scope is in, if any."""
        scope: Scope | None = self
        while scope is not None and scope.kind is not ScopeKind.FUNCTION:
            scope = scope.parent
        return scope


@dataclass(eq=False)
class GlobalScope(Scope):
    """The global scope, with the script's top-level definitions by name."""

    kind: ScopeKind = ScopeKind.GLOBAL
    functions: dict[str, list[UserFunction]] = field(default_factory=dict)
    methods: dict[str, list[UserFunction]] = field(default_factory=dict)
    types: dict[str, UserType] = field(default_factory=dict)
    enums: dict[str, UserEnum] = field(default_factory=dict)
    imports: dict[str, ImportAlias] = field(default_factory=dict)

    def add_function(self, function: UserFunction) -> None:
        """Register a function or method; a method is also callable as a function."""
        self.functions.setdefault(function.name, []).append(function)
        if function.is_method:
            self.methods.setdefault(function.name, []).append(function)

    def methods_for(self, name: str, receiver: PineType) -> list[UserFunction]:
        """The user methods ``name`` whose first parameter accepts ``receiver`` (a method on
        ``float`` or ``matrix<float>`` is also one of ``int`` or ``matrix<int>``)."""
        return [
            m
            for m in self.methods.get(name, ())
            if m.receiver is not None and is_assignable(receiver.unqualified(), m.receiver)
        ]

    def type_names(self) -> set[str]:
        return set(self.types) | set(self.enums)


# ---- Names Pine reserves -------------------------------------------------------------------------

RESERVED_WORDS = frozenset(
    {
        "catch",
        "class",
        "do",
        "ellipse",
        "in",
        "is",
        "polygon",
        "range",
        "return",
        "struct",
        "text",
        "throw",
        "try",
    }
)
"""Words the compiler refuses as identifiers although they do nothing (the ``reserved`` rows of
the built-in catalogue)."""
