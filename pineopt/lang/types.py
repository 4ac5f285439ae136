"""The Pine Script type model: qualifiers and (qualified) types.

Every Pine value has a *type* (``int``, ``float``, ``array<float>``, ``label`` ...) and a
*qualifier* saying when the value is known:

``const`` < ``input`` < ``simple`` < ``series``
    compile time < from the script's inputs < on the first bar < may change on every bar.

A parameter declared with a qualifier accepts arguments of that qualifier or any *weaker* one
(``simple int`` accepts ``const``/``input``/``simple`` ints, not ``series``). Objects (drawings,
``chart.point``, ``footprint``) and collections (``array``/``matrix``/``map``) are always
``series``; their qualifier is usually not written.

:class:`PineType` represents one written type, qualifier included, in the notation of the
TradingView Reference Manual and of ``pineopt/lang/data/signatures.txt``::

    series int/float           union of int and float, qualified series
    simple int                 qualified scalar
    array<float>               collection (qualifier omitted = series)
    map<string, float>         two type arguments
    array<T>, series T         ``T`` is a type variable (bound by unification, see :func:`unify`)
    q float                    ``q``: polymorphic qualifier, resolved per call (see below)
    [series float, series int] tuple (multiple return values)
    [const int, ...]           open-ended tuple (``options = [1, 2, 3]``)

Base type names fall into these groups: value types (:data:`VALUE_TYPES`), "unique" types that
only accept their own built-in constants (:data:`UNIQUE_TYPES`, e.g. ``plot_style``), object
types (:data:`OBJECT_TYPES`), collections (:data:`COLLECTION_ARITY`), the specials ``void``
(no value), ``any`` (any non-void type), ``enum`` (any user-defined enum type) and ``na`` (the
type of the ``na`` literal, assignable to everything), type variables, and any other identifier,
which is taken to be a user-defined type (UDT or enum).

The polymorphic qualifier ``q``: many ``math.*``/``str.*``/``color.*`` functions return the
strongest qualifier among their arguments (``math.max(1, 2)`` is ``const int``,
``math.max(close, 2)`` is ``series float``). In the signature table those parameters and the
return type are written with ``q``; an analyser computes the result qualifier with
:meth:`Qualifier.strongest` over the qualifiers of the arguments bound to ``q`` parameters.

Implicit conversions handled here: ``int`` -> ``float`` and ``plot_simple_display`` ->
``plot_display``; the first also applies to the type arguments of a collection: an
``array<int>`` (``matrix<int>``, ``map<K, int>``) is accepted where an ``array<float>`` is
expected - TradingView accepts ``matrix.add_row(m, 0, array.from(1, 2, 3))`` on a
``matrix<float>`` - but never the reverse, and no other element type converts. Rules that
depend on the language version or on user declarations (v6 ``bool`` is never ``na``; which user
types are enums) are left to the analyser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum


class Qualifier(IntEnum):
    """Type qualifiers, ordered from weakest (known earliest) to strongest."""

    CONST = 0
    INPUT = 1
    SIMPLE = 2
    SERIES = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Qualifier:
        """``"simple"`` -> ``Qualifier.SIMPLE``; raises ``ValueError`` for anything else."""
        if text in QUALIFIER_NAMES:
            return cls[text.upper()]
        raise ValueError(f"not a qualifier: {text!r}")

    def accepts(self, argument: Qualifier) -> bool:
        """True if a parameter qualified ``self`` accepts an argument qualified ``argument``."""
        return argument <= self

    @classmethod
    def strongest(cls, qualifiers: Iterable[Qualifier]) -> Qualifier:
        """The strongest of ``qualifiers``; ``CONST`` when there are none."""
        return max(qualifiers, default=cls.CONST)


QUALIFIER_NAMES = ("const", "input", "simple", "series")
#: How the polymorphic qualifier is written in the signature table.
POLY_QUALIFIER = "q"

VALUE_TYPES = frozenset({"int", "float", "bool", "string", "color"})
#: Keyword-less types whose only values are built-in constants (``plot.style_line`` ...).
UNIQUE_TYPES = frozenset(
    {
        "plot_style",
        "plot_display",
        "plot_simple_display",
        "plot_line_style",
        "hline_style",
        "barmerge_gaps",
        "barmerge_lookahead",
        "strategy_direction",
        "sort_order",
        "text_format",
        "scale_type",
        "settlement",
        "backadjustment",
    }
)
#: Reference types without type arguments. ``plot``/``hline`` are the ids returned by
#: ``plot()``/``hline()`` (usable only by ``fill()``).
OBJECT_TYPES = frozenset(
    {
        "label",
        "line",
        "box",
        "table",
        "linefill",
        "polyline",
        "chart.point",
        "footprint",
        "volume_row",
        "plot",
        "hline",
    }
)
#: Collection type -> number of type arguments.
COLLECTION_ARITY: Mapping[str, int] = {"array": 1, "matrix": 1, "map": 2}
SPECIAL_TYPES = frozenset({"void", "any", "enum", "na"})
#: Every base type name the built-in table may use (type variables excepted).
BUILTIN_TYPE_NAMES = (
    VALUE_TYPES | UNIQUE_TYPES | OBJECT_TYPES | set(COLLECTION_ARITY) | SPECIAL_TYPES
)

#: Implicit conversions between distinct base types: (from, to).
WIDENING = frozenset({("int", "float"), ("plot_simple_display", "plot_display")})

_UNION = "<union>"
_TUPLE = "<tuple>"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_TOKEN = re.compile(r"\s+|(\.\.\.|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|[<>,/\[\]])")
_DEFAULT_TYPE_VAR = re.compile(r"[A-Z]\Z")


class TypeSyntaxError(ValueError):
    """A type written in a form :func:`parse_type` does not understand."""


@dataclass(frozen=True)
class PineType:
    """One (possibly qualified) Pine type. Build it with :func:`parse_type` or the helpers.

    ``name`` is the base type name (``"int"``, ``"array"``, ``"chart.point"``, a type variable
    such as ``"T"``, or a UDT name); unions and tuples use internal names and keep their members
    in ``args``. Element types of collections are unqualified; tuple elements carry their own
    qualifiers; a union's qualifier applies to all members.
    """

    name: str
    args: tuple[PineType, ...] = ()
    qualifier: Qualifier | None = None
    #: The qualifier is the polymorphic ``q`` (``qualifier`` is then ``None``).
    poly: bool = False
    #: ``name`` is a type variable (``T``, ``K``, ``V`` ...).
    is_var: bool = False
    #: Tuple written ``[X, ...]``: any number of elements of type ``args[0]``.
    open_ended: bool = False

    # ------------------------------------------------------------------ constructors
    @staticmethod
    def union(members: Sequence[PineType], qualifier: Qualifier | None = None) -> PineType:
        """The union of ``members`` (one member gives that member)."""
        flat: list[PineType] = []
        for member in members:
            for item in member.members:
                if item.unqualified() not in flat:
                    flat.append(item.unqualified())
        if len(flat) == 1:
            return replace(flat[0], qualifier=qualifier)
        return PineType(_UNION, tuple(flat), qualifier)

    @staticmethod
    def tuple_of(elements: Sequence[PineType], open_ended: bool = False) -> PineType:
        return PineType(_TUPLE, tuple(elements), open_ended=open_ended)

    # ------------------------------------------------------------------ classification
    @property
    def is_union(self) -> bool:
        return self.name == _UNION

    @property
    def is_tuple(self) -> bool:
        return self.name == _TUPLE

    @property
    def members(self) -> tuple[PineType, ...]:
        """Union members (unqualified), or ``(self,)`` for any other type."""
        return self.args if self.is_union else (self,)

    @property
    def kind(self) -> str:
        """One of ``value unique object collection special var udt union tuple``."""
        if self.is_union:
            return "union"
        if self.is_tuple:
            return "tuple"
        if self.is_var:
            return "var"
        if self.name in VALUE_TYPES:
            return "value"
        if self.name in UNIQUE_TYPES:
            return "unique"
        if self.name in OBJECT_TYPES:
            return "object"
        if self.name in COLLECTION_ARITY:
            return "collection"
        if self.name in SPECIAL_TYPES:
            return "special"
        return "udt"

    @property
    def is_reference(self) -> bool:
        """Objects, collections and user-defined types: values that are always ``series``."""
        return self.kind in ("object", "collection", "udt")

    @property
    def is_void(self) -> bool:
        return self.name == "void"

    @property
    def effective_qualifier(self) -> Qualifier | None:
        """The written qualifier, ``SERIES`` for reference types written without one, ``None``
        when unknown (polymorphic ``q``, bare value types, tuples, ``void``)."""
        if self.poly:
            return None
        if self.qualifier is not None:
            return self.qualifier
        if self.is_reference:
            return Qualifier.SERIES
        return None

    def type_vars(self) -> frozenset[str]:
        """Names of the type variables occurring anywhere in this type."""
        found = {self.name} if self.is_var else set()
        for arg in self.args:
            found |= arg.type_vars()
        return frozenset(found)

    # ------------------------------------------------------------------ transformations
    def unqualified(self) -> PineType:
        if self.qualifier is None and not self.poly:
            return self
        return replace(self, qualifier=None, poly=False)

    def with_qualifier(self, qualifier: Qualifier | None) -> PineType:
        return replace(self, qualifier=qualifier, poly=False)

    def substitute(self, bindings: Mapping[str, PineType]) -> PineType:
        """Replace bound type variables; the variable's own qualifier is kept (``series T`` with
        ``T = float`` gives ``series float``). Unbound variables stay as they are."""
        if self.is_var and self.name in bindings:
            bound = bindings[self.name]
            if self.qualifier is None and not self.poly:
                return bound
            if bound.is_tuple:  # `series T` with a tuple: the tuple keeps its own qualifiers
                return bound
            return replace(bound, qualifier=self.qualifier, poly=self.poly)
        if not self.args:
            return self
        return replace(self, args=tuple(arg.substitute(bindings) for arg in self.args))

    # ------------------------------------------------------------------ text
    def __str__(self) -> str:
        if self.is_tuple:
            items = [str(arg) for arg in self.args]
            if self.open_ended:
                items.append("...")
            return "[" + ", ".join(items) + "]"
        base = "/".join(_base_text(member) for member in self.members)
        if self.poly:
            return f"{POLY_QUALIFIER} {base}"
        return f"{self.qualifier} {base}" if self.qualifier is not None else base


def _base_text(t: PineType) -> str:
    if t.args and not t.is_union:
        return t.name + "<" + ", ".join(str(arg) for arg in t.args) + ">"
    return t.name


def simple_type(name: str, qualifier: Qualifier | None = None) -> PineType:
    """A base type without type arguments: ``simple_type("int", Qualifier.SIMPLE)``."""
    return PineType(name, qualifier=qualifier)


# ---------------------------------------------------------------------------- parsing
def tokenize_type(text: str) -> list[str]:
    """Split a type's text into tokens (names, ``< > , / [ ] ...``)."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise TypeSyntaxError(f"unexpected character {text[pos]!r} in type {text!r}")
        if match.group(1):
            tokens.append(match.group(1))
        pos = match.end()
    return tokens


def parse_type(text: str, type_vars: Iterable[str] | None = None) -> PineType:
    """Parse a type such as ``"series int/float"``, ``"map<K, V>"`` or ``"[series float,
    series float]"``.

    ``type_vars`` names the type variables; by default every single upper-case letter is one.
    Any other unknown identifier is taken as a user-defined type.
    """
    tokens = tokenize_type(text)
    result, pos = parse_type_tokens(tokens, 0, type_vars)
    if pos != len(tokens):
        raise TypeSyntaxError(f"unexpected {tokens[pos]!r} in type {text!r}")
    return result


def parse_type_tokens(
    tokens: Sequence[str], pos: int, type_vars: Iterable[str] | None = None
) -> tuple[PineType, int]:
    """Parse one qualified type starting at ``tokens[pos]``; return it and the next position.

    Used by the signature-table parser, which shares the token spelling of
    :func:`tokenize_type` for everything that can appear inside a type.
    """
    return _TypeParser(tokens, type_vars).qualified(pos)


class _TypeParser:
    def __init__(self, tokens: Sequence[str], type_vars: Iterable[str] | None) -> None:
        self.tokens = tokens
        self.type_vars = None if type_vars is None else frozenset(type_vars)

    def _peek(self, pos: int) -> str | None:
        return self.tokens[pos] if pos < len(self.tokens) else None

    def _expect(self, pos: int, token: str) -> int:
        if self._peek(pos) != token:
            raise TypeSyntaxError(f"expected {token!r} in a type, got {self._peek(pos)!r}")
        return pos + 1

    def _is_var(self, name: str) -> bool:
        if self.type_vars is None:
            return bool(_DEFAULT_TYPE_VAR.match(name))
        return name in self.type_vars

    def qualified(self, pos: int) -> tuple[PineType, int]:
        token = self._peek(pos)
        if token == "[":
            return self.tuple_(pos)
        qualifier: Qualifier | None = None
        poly = False
        nxt = self._peek(pos + 1)
        if nxt is not None and _NAME.match(nxt) and token in (*QUALIFIER_NAMES, POLY_QUALIFIER):
            poly = token == POLY_QUALIFIER
            qualifier = None if poly else Qualifier.parse(token)
            pos += 1
        base, pos = self.union(pos)
        return replace(base, qualifier=qualifier, poly=poly), pos

    def tuple_(self, pos: int) -> tuple[PineType, int]:
        pos = self._expect(pos, "[")
        elements: list[PineType] = []
        open_ended = False
        while True:
            if self._peek(pos) == "..." and elements:
                open_ended = True
                pos += 1
                break
            element, pos = self.qualified(pos)
            elements.append(element)
            if self._peek(pos) != ",":
                break
            pos += 1
        pos = self._expect(pos, "]")
        if open_ended and len(elements) != 1:
            raise TypeSyntaxError("an open-ended tuple has exactly one element type: [T, ...]")
        return PineType.tuple_of(elements, open_ended), pos

    def union(self, pos: int) -> tuple[PineType, int]:
        members = []
        while True:
            member, pos = self.base(pos)
            members.append(member)
            if self._peek(pos) != "/":
                break
            pos += 1
        return (members[0] if len(members) == 1 else PineType.union(members)), pos

    def base(self, pos: int) -> tuple[PineType, int]:
        name = self._peek(pos)
        if name is None or not _NAME.match(name) or name in (*QUALIFIER_NAMES, POLY_QUALIFIER):
            raise TypeSyntaxError(f"expected a type name, got {name!r}")
        pos += 1
        if self._is_var(name):
            return PineType(name, is_var=True), pos
        args: list[PineType] = []
        if self._peek(pos) == "<":
            pos += 1
            while True:
                arg, pos = self.union(pos)
                args.append(arg)
                if self._peek(pos) != ",":
                    break
                pos += 1
            pos = self._expect(pos, ">")
        arity = COLLECTION_ARITY.get(name)
        if arity is not None and len(args) != arity:
            raise TypeSyntaxError(f"{name} takes {arity} type argument(s), got {len(args)}")
        if arity is None and args:
            raise TypeSyntaxError(f"{name} takes no type arguments")
        return PineType(name, tuple(args)), pos


# ---------------------------------------------------------------------------- assignability
def is_assignable(argument: PineType, parameter: PineType) -> bool:
    """Can a value of type ``argument`` be passed where ``parameter`` is declared?

    Both types should be free of type variables (see :func:`unify` for generic parameters).
    Qualifiers are compared when both are known; a ``q`` parameter accepts any qualifier.
    """
    if not parameter.poly:
        expected, actual = parameter.effective_qualifier, argument.effective_qualifier
        if expected is not None and actual is not None and not expected.accepts(actual):
            return False
    return _base_assignable(argument.unqualified(), parameter.unqualified())


def _base_assignable(arg: PineType, param: PineType) -> bool:
    if arg.is_void or param.is_void:
        return arg.is_void and param.is_void
    if param.name == "any" or arg.name == "na":
        return True
    if arg.is_union:
        return all(_base_assignable(member, param) for member in arg.members)
    if param.is_union:
        return any(_base_assignable(arg, member) for member in param.members)
    if arg.is_tuple or param.is_tuple:
        if not (arg.is_tuple and param.is_tuple):
            return False
        if param.open_ended:
            return all(is_assignable(element, param.args[0]) for element in arg.args)
        return len(arg.args) == len(param.args) and all(
            is_assignable(a, p) for a, p in zip(arg.args, param.args, strict=True)
        )
    if arg.name == param.name:
        return len(arg.args) == len(param.args) and all(
            _element_matches(a, p) for a, p in zip(arg.args, param.args, strict=True)
        )
    if (arg.name, param.name) in WIDENING:
        return True
    # `enum` stands for any user enum type; which UDT names are enums is the analyser's business.
    return param.name == "enum" and arg.kind == "udt"


def _element_matches(arg: PineType, param: PineType) -> bool:
    """Collection elements match exactly, except that int elements fit float ones; a union
    element in the parameter lists alternatives."""
    if param.name == "any":
        return True
    if param.is_union:
        return any(_element_matches(arg, member) for member in param.members)
    if arg.is_union:
        return arg == param
    return arg.unqualified() == param.unqualified() or _int_to_float(arg, param)


def _int_to_float(arg: PineType, param: PineType) -> bool:
    return arg.name == "int" and param.name == "float"


# ---------------------------------------------------------------------------- unification
@dataclass
class Bindings:
    """Type-variable bindings built up while matching a call's arguments (see :func:`unify`).

    A variable bound through a collection element (``array<T>``) is *rigid*: a later ``float``
    argument does not widen ``T = int`` (an ``array<int>`` cannot receive a float). A later
    ``int`` argument still fits ``T = float``, an ``array<int>`` too (``matrix.add_row`` of a
    ``matrix<float>`` takes an ``array<int>`` row).
    """

    types: dict[str, PineType] = field(default_factory=dict)
    rigid: set[str] = field(default_factory=set)

    def copy(self) -> Bindings:
        return Bindings(dict(self.types), set(self.rigid))

    def __getitem__(self, name: str) -> PineType:
        return self.types[name]

    def __contains__(self, name: object) -> bool:
        return name in self.types


def unify(
    parameter: PineType,
    argument: PineType,
    bindings: Bindings | None = None,
    constraints: Mapping[str, PineType | None] | None = None,
) -> Bindings | None:
    """Match ``argument`` against a ``parameter`` that may contain type variables.

    Returns the extended bindings (a new object), or ``None`` when the argument does not fit.
    ``constraints`` maps a type variable to the union it must stay within (``<T: int/float>``).
    Scalar ``int`` and ``float`` arguments bound to the same variable widen it to ``float``;
    an ``int`` (element) fits a variable already bound to ``float``; an ``na`` argument never
    binds a variable.
    """
    result = (bindings or Bindings()).copy()
    return result if _unify(parameter, argument, result, constraints or {}, False) else None


def _unify(
    param: PineType,
    arg: PineType,
    bindings: Bindings,
    constraints: Mapping[str, PineType | None],
    rigid: bool,
) -> bool:
    if not param.type_vars():
        return is_assignable(arg, param) if not rigid else _element_matches(arg, param)
    if not param.poly and param.effective_qualifier is not None:
        actual = arg.effective_qualifier
        if actual is not None and not param.effective_qualifier.accepts(actual):
            return False
    if param.is_var:
        return _bind(param.name, arg, bindings, constraints, rigid)
    if arg.name == "na":
        return True
    if param.is_union:
        return any(_unify(member, arg, bindings, constraints, rigid) for member in param.members)
    if param.is_tuple:
        if not arg.is_tuple:
            return False
        if param.open_ended:
            return all(_unify(param.args[0], a, bindings, constraints, rigid) for a in arg.args)
        return len(arg.args) == len(param.args) and all(
            _unify(p, a, bindings, constraints, rigid)
            for p, a in zip(param.args, arg.args, strict=True)
        )
    if param.name != arg.name or len(param.args) != len(arg.args):
        return False
    return all(
        _unify(p, a, bindings, constraints, True) for p, a in zip(param.args, arg.args, strict=True)
    )


def _bind(
    name: str,
    arg: PineType,
    bindings: Bindings,
    constraints: Mapping[str, PineType | None],
    rigid: bool,
) -> bool:
    value = arg if arg.is_tuple else arg.unqualified()
    if value.name == "na":
        return True
    constraint = constraints.get(name)
    if constraint is not None and not _base_assignable(value, constraint):
        return False
    if name not in bindings:
        bindings.types[name] = value
    else:
        bound = bindings[name]
        if bound != value:
            if bound.name == "int" and value.name == "float" and name not in bindings.rigid:
                bindings.types[name] = value  # int + float -> float
            elif not _int_to_float(value, bound):
                return False
    if rigid:
        bindings.rigid.add(name)
    return True
