"""The table of Pine Script built-ins: signatures of functions, types of variables and constants.

Data lives in ``pineopt/lang/data``:

* ``v6-builtins.tsv`` - the catalogue of every built-in *name* (function, variable, constant,
  type, keyword, annotation, operator) with its namespace; see :func:`catalog`.
* ``signatures.txt`` - what the semantic analyser checks calls against, written in the small
  DSL described below; parsed once on first use (:func:`table`) and cached.

Signature DSL
=============

One *logical line* per entry. Lines whose first non-blank character is ``#`` are comments; a line
whose parentheses are not yet balanced continues on the next physical line. Three forms::

    [method] NAME [<GENERICS>] ( PARAMS ) -> TYPE [FLAGS]
    variable NAME: TYPE [FLAGS]
    constant NAME: TYPE [= VALUE] [FLAGS]

``PARAMS`` is a comma-separated list of ``[...]name: TYPE [= DEFAULT] [{v5}|{v6}]``:

* no ``=``: the parameter is required; ``= DEFAULT`` makes it optional with that default (a
  number, a ``"string"``, ``true``/``false``, ``na``, a ``#RRGGBB`` colour or a built-in
  variable/constant name); ``= ?`` makes it optional with a default that is not one literal
  (chosen by TradingView, e.g. a plot's colour or a title defaulting to the variable name).
* ``...name`` is a variadic tail (zero or more further arguments of that type); it comes last.
* ``{v5}`` / ``{v6}`` restrict a parameter to one language version. Two parameters with the same
  name and disjoint versions give a per-version type or default (``margin_long = 100 {v6}``,
  ``margin_long = 0 {v5}``); :meth:`Signature.params_for` yields the positional order of a
  version.

``TYPE`` uses the notation of :mod:`pineopt.lang.types` (``series int/float``, ``array<T>``,
``map<K, V>``, ``[series float, series float]``, ``[const int, ...]``, ``q float``).
Value-like types must carry a qualifier; objects and collections may omit it (always series).
``q`` is the polymorphic qualifier: the result takes the strongest qualifier among the arguments
passed to ``q`` parameters.

``GENERICS`` declares type variables: ``<T>``, ``<T: int/float>`` (restricted to the union),
``<K: int/string, V>``. A leading ``method`` marks functions callable as ``obj.fn(...)`` with
``obj`` as the first argument. ``FLAGS`` is a bracketed comma list of:

``toplevel``   only allowed in the global scope (plots, declarations, alertcondition ...)
``v5`` / ``v6``  the entry exists only in that language version (default: both)
``deprecated`` still accepted, deprecated by TradingView
``typeargs``   the call writes its type arguments (``array.new<float>()``, ``map.new<K, V>()``)
``unsure``     details not confirmed against the Reference Manual (kept to avoid false errors)

Overloads are separate lines, tried in file order. Errors in the file raise
:class:`SignatureSyntaxError` naming the file and line.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

from pineopt.lang.types import (
    BUILTIN_TYPE_NAMES,
    PineType,
    Qualifier,
    TypeSyntaxError,
    is_assignable,
    parse_type_tokens,
    simple_type,
)

#: Language versions the table describes.
VERSIONS = frozenset({5, 6})
#: The 20 names the catalogue lists as kind ``type`` (17 type keywords + 3 qualifiers; the
#: ``input`` qualifier has no keyword of its own).
TYPE_NAMES = (
    "array",
    "bool",
    "box",
    "chart.point",
    "color",
    "const",
    "float",
    "footprint",
    "int",
    "label",
    "line",
    "linefill",
    "map",
    "matrix",
    "polyline",
    "series",
    "simple",
    "string",
    "table",
    "volume_row",
)
#: Names the table may define although the v6 catalogue does not list them (v5-only built-ins).
#: Every v5 difference so far is an overload or a parameter of a v6 name, so this is empty.
V5_ONLY_NAMES: frozenset[str] = frozenset()

FLAGS = ("toplevel", "v5", "v6", "deprecated", "typeargs", "unsure")
_DATA_PACKAGE = "pineopt.lang.data"
_SIGNATURES_FILE = "signatures.txt"
_CATALOG_FILE = "v6-builtins.tsv"


class SignatureSyntaxError(ValueError):
    """An entry of the signature table that cannot be parsed or is inconsistent."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


# ---------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class TypeParam:
    """A declared type variable, optionally restricted to a union (``T: int/float``)."""

    name: str
    constraint: PineType | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.constraint}" if self.constraint else self.name


@dataclass(frozen=True)
class Param:
    """One parameter of a built-in function.

    ``type`` is the full declared type; ``qualifier`` its effective qualifier (``SERIES`` for
    object/collection types written without one, ``None`` when polymorphic ``q`` or for tuples).
    ``default`` is the default's source text (``"0"``, ``"na"``, ``"plot.style_line"``), or
    ``None`` when the parameter is required or its default is unspecified (``= ?``).
    """

    name: str
    type: PineType
    qualifier: Qualifier | None
    default: str | None
    required: bool
    variadic: bool = False
    versions: frozenset[int] = VERSIONS

    def __str__(self) -> str:
        text = f"{'...' if self.variadic else ''}{self.name}: {self.type}"
        if self.default is not None:
            text += f" = {self.default}"
        elif not self.required and not self.variadic:
            text += " = ?"
        if self.versions != VERSIONS:
            text += " " + " ".join(f"{{v{v}}}" for v in sorted(self.versions))
        return text


@dataclass(frozen=True)
class Signature:
    """One overload of a built-in function (see the module docstring for the notation)."""

    name: str
    params: tuple[Param, ...]
    returns: PineType
    variadic: bool = False
    generics: tuple[TypeParam, ...] = ()
    method: bool = False
    top_level_only: bool = False
    versions: frozenset[int] = VERSIONS
    deprecated: bool = False
    explicit_type_args: bool = False
    unsure: bool = False
    #: Line of ``signatures.txt`` the entry starts on (diagnostics only; not compared).
    line: int = field(default=0, compare=False)

    @property
    def namespace(self) -> str | None:
        """``"ta"`` for ``ta.sma``, ``"chart.point"`` for ``chart.point.new``; ``None`` if bare."""
        return self.name.rpartition(".")[0] or None

    def params_for(self, version: int = 6) -> tuple[Param, ...]:
        """The parameters of ``version`` in positional order."""
        return tuple(p for p in self.params if version in p.versions)

    def param(self, name: str, version: int = 6) -> Param | None:
        return next((p for p in self.params_for(version) if p.name == name), None)

    def required_params(self, version: int = 6) -> tuple[Param, ...]:
        return tuple(p for p in self.params_for(version) if p.required)

    def max_args(self, version: int = 6) -> int | None:
        """Largest number of arguments, ``None`` when variadic."""
        return None if self.variadic else len(self.params_for(version))

    @property
    def qualifier_polymorphic(self) -> bool:
        """True if the return qualifier depends on the arguments (``q``)."""
        return self.returns.poly or any(p.type.poly for p in self.params)

    def constraints(self) -> dict[str, PineType | None]:
        return {g.name: g.constraint for g in self.generics}

    def flags(self) -> tuple[str, ...]:
        found = []
        if self.top_level_only:
            found.append("toplevel")
        if self.versions != VERSIONS:
            found.extend(f"v{v}" for v in sorted(self.versions))
        if self.deprecated:
            found.append("deprecated")
        if self.explicit_type_args:
            found.append("typeargs")
        if self.unsure:
            found.append("unsure")
        return tuple(found)

    def __str__(self) -> str:
        generics = "<" + ", ".join(str(g) for g in self.generics) + ">" if self.generics else ""
        params = ", ".join(str(p) for p in self.params)
        text = (
            f"{'method ' if self.method else ''}{self.name}{generics}({params}) -> {self.returns}"
        )
        flags = self.flags()
        return text + (" [" + ", ".join(flags) + "]" if flags else "")


@dataclass(frozen=True)
class BuiltinVariable:
    """A built-in variable (``close``) or constant (``color.red``).

    ``qualifier`` is the effective qualifier (reference types: ``SERIES``). ``value`` is the
    constant's documented value as source text (``"#F23645"``, ``"1"``, ``'"USD"'``) or
    ``None``.
    """

    name: str
    type: PineType
    qualifier: Qualifier
    kind: str = "variable"
    value: str | None = None
    versions: frozenset[int] = VERSIONS
    line: int = field(default=0, compare=False)

    def __str__(self) -> str:
        text = f"{self.kind} {self.name}: {self.type}"
        if self.value is not None:
            text += f" = {self.value}"
        if self.versions != VERSIONS:
            text += " [" + ", ".join(f"v{v}" for v in sorted(self.versions)) + "]"
        return text


@dataclass(frozen=True)
class CatalogEntry:
    """A row of ``v6-builtins.tsv``."""

    name: str
    kind: str
    namespace: str


# ---------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class BuiltinTable:
    """All entries of a parsed signature file, with lookups by name."""

    signatures: tuple[Signature, ...]
    variables: tuple[BuiltinVariable, ...]
    constants: tuple[BuiltinVariable, ...]

    @functools.cached_property
    def _functions(self) -> dict[str, list[Signature]]:
        index: dict[str, list[Signature]] = {}
        for sig in self.signatures:
            index.setdefault(sig.name, []).append(sig)
        return index

    @functools.cached_property
    def _values(self) -> dict[tuple[str, str], list[BuiltinVariable]]:
        index: dict[tuple[str, str], list[BuiltinVariable]] = {}
        for entry in (*self.variables, *self.constants):
            index.setdefault((entry.kind, entry.name), []).append(entry)
        return index

    def functions(self, name: str, version: int | None = None) -> list[Signature]:
        """The overloads of ``name`` in table order (only those of ``version`` if given)."""
        found = self._functions.get(name, [])
        return [s for s in found if version is None or version in s.versions]

    def _value(self, kind: str, name: str, version: int | None) -> BuiltinVariable | None:
        found = self._values.get((kind, name), [])
        wanted = 6 if version is None else version
        return next((e for e in found if wanted in e.versions), None)

    def variable(self, name: str, version: int | None = None) -> BuiltinVariable | None:
        return self._value("variable", name, version)

    def constant(self, name: str, version: int | None = None) -> BuiltinVariable | None:
        return self._value("constant", name, version)

    @functools.cached_property
    def function_names(self) -> frozenset[str]:
        return frozenset(self._functions)

    @functools.cached_property
    def variable_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.variables)

    @functools.cached_property
    def constant_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.constants)

    def namespaces(self) -> tuple[str, ...]:
        """Every dotted prefix of a built-in name (``ta``, ``strategy``,
        ``strategy.closedtrades``, ``chart``, ``chart.point`` ...), sorted."""
        found: set[str] = set()
        for name in self.function_names | self.variable_names | self.constant_names:
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts)))
        return tuple(sorted(found))


# ---------------------------------------------------------------------------- parsing
_TOKEN = re.compile(
    r"""\s+|(
        "(?:[^"\\]|\\.)*"                              # string literal
      | \#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?(?![0-9A-Za-z_])  # colour literal
      | -?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![0-9A-Za-z_])  # number
      | \.\.\. | ->
      | [A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*
      | [()<>\[\]{},:=/?]
    )""",
    re.VERBOSE,
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_LITERAL_TYPES = {"true": "bool", "false": "bool"}


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"unexpected character {text[pos]!r}")
        if match.group(1):
            tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _logical_lines(text: str, source: str) -> Iterable[tuple[int, str]]:
    """Yield ``(first line number, joined text)`` per entry; comments and blanks dropped."""
    pending: list[str] = []
    start = 0
    depth = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        pending.append(stripped)
        depth += _paren_balance(stripped)
        if depth < 0:
            raise SignatureSyntaxError(source, start, "unbalanced ')'")
        if depth == 0:
            yield start, " ".join(pending)
            pending = []
    if pending:
        raise SignatureSyntaxError(source, start, "unclosed '(' at end of file")


def _paren_balance(text: str) -> int:
    balance = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "(":
            balance += 1
        elif char == ")":
            balance -= 1
    return balance


class _LineParser:
    """Recursive-descent parser for one logical line."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError("unexpected end of line")
        self.pos += 1
        return token

    def expect(self, token: str) -> None:
        found = self.peek()
        if found != token:
            raise ValueError(f"expected {token!r}, got {found!r}")
        self.pos += 1

    def name(self, what: str = "a name") -> str:
        token = self.take()
        if not _IDENT.match(token):
            raise ValueError(f"expected {what}, got {token!r}")
        return token

    def type(self, type_vars: Iterable[str]) -> PineType:
        try:
            parsed, self.pos = parse_type_tokens(self.tokens, self.pos, type_vars)
        except TypeSyntaxError as exc:
            raise ValueError(str(exc)) from None
        return parsed

    def flags(self) -> set[str]:
        found: set[str] = set()
        if self.peek() == "[":
            self.take()
            while True:
                flag = self.name("a flag")
                if flag not in FLAGS:
                    raise ValueError(f"unknown flag {flag!r} (known: {', '.join(FLAGS)})")
                found.add(flag)
                if self.peek() != ",":
                    break
                self.take()
            self.expect("]")
        return found

    def end(self) -> None:
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r} at end of entry")


def _versions(flags: set[str]) -> frozenset[int]:
    picked = frozenset(int(f[1]) for f in flags if f in ("v5", "v6"))
    return picked or VERSIONS


def _parse_default(parser: _LineParser) -> str | None:
    token = parser.take()
    if token == "?":
        return None
    if token in "()<>[]{},:=/" or token in ("...", "->"):
        raise ValueError(f"expected a default value, got {token!r}")
    return token


def _parse_function(parser: _LineParser, line: int) -> Signature:
    method = parser.peek() == "method" and parser.peek(1) not in ("(", "<")
    if method:
        parser.take()
    name = parser.name("a function name")
    generics: list[TypeParam] = []
    if parser.peek() == "<":
        parser.take()
        while True:
            var = parser.name("a type variable")
            constraint = None
            if parser.peek() == ":":
                parser.take()
                constraint = parser.type(())
            generics.append(TypeParam(var, constraint))
            if parser.peek() != ",":
                break
            parser.take()
        parser.expect(">")
    type_vars = [g.name for g in generics]
    parser.expect("(")
    params: list[Param] = []
    while parser.peek() != ")":
        variadic = parser.peek() == "..."
        if variadic:
            parser.take()
        pname = parser.name("a parameter name")
        parser.expect(":")
        ptype = parser.type(type_vars)
        default: str | None = None
        required = not variadic
        if parser.peek() == "=":
            parser.take()
            default = _parse_default(parser)
            required = False
        versions = VERSIONS
        if parser.peek() == "{":
            parser.take()
            versions = _versions({parser.name("v5 or v6")})
            parser.expect("}")
        params.append(
            Param(pname, ptype, ptype.effective_qualifier, default, required, variadic, versions)
        )
        if parser.peek() != ",":
            break
        parser.take()
    parser.expect(")")
    parser.expect("->")
    returns = parser.type(type_vars)
    flags = parser.flags()
    parser.end()
    return Signature(
        name=name,
        params=tuple(params),
        returns=returns,
        variadic=any(p.variadic for p in params),
        generics=tuple(generics),
        method=method,
        top_level_only="toplevel" in flags,
        versions=_versions(flags),
        deprecated="deprecated" in flags,
        explicit_type_args="typeargs" in flags,
        unsure="unsure" in flags,
        line=line,
    )


def _parse_value(parser: _LineParser, kind: str, line: int) -> BuiltinVariable:
    parser.expect(kind)
    name = parser.name(f"a {kind} name")
    parser.expect(":")
    vtype = parser.type(())
    value = None
    if kind == "constant" and parser.peek() == "=":
        parser.take()
        value = _parse_default(parser)
        if value is None:
            raise ValueError("a constant's value cannot be '?'; omit it instead")
    flags = parser.flags()
    unknown = flags - {"v5", "v6"}
    if unknown:
        raise ValueError(f"flags {sorted(unknown)} do not apply to a {kind}")
    parser.end()
    qualifier = vtype.effective_qualifier
    if qualifier is None:
        raise ValueError(f"{kind} {name} needs a qualifier")
    return BuiltinVariable(name, vtype, qualifier, kind, value, _versions(flags), line)


def _parse_entry(text: str, line: int) -> Signature | BuiltinVariable:
    parser = _LineParser(_tokenize(text))
    first = parser.peek()
    if first in ("variable", "constant") and parser.peek(1) not in ("(", "<"):
        return _parse_value(parser, first, line)
    return _parse_function(parser, line)


# ---------------------------------------------------------------------------- validation
def _check_type(t: PineType, declared: set[str], where: str, top: bool) -> None:
    """Known names only; value-like types carry a qualifier at the top level; void is bare."""
    if t.is_tuple:
        for element in t.args:
            _check_type(element, declared, where, True)
        return
    for member in t.members:
        if member.is_var:
            if member.name not in declared:
                raise ValueError(f"{where}: type variable {member.name} is not declared")
        elif member.name not in BUILTIN_TYPE_NAMES:
            if re.fullmatch(r"[A-Z]", member.name):
                raise ValueError(f"{where}: type variable {member.name} is not declared")
            raise ValueError(f"{where}: unknown type {member.name!r}")
        for arg in member.args:
            _check_type(arg, declared, where, False)
    if not top:
        if t.qualifier is not None or t.poly:
            raise ValueError(f"{where}: type arguments take no qualifier ({t})")
        return
    if t.is_void:
        if t.qualifier is not None or t.poly:
            raise ValueError(f"{where}: void takes no qualifier")
        return
    needs_qualifier = any(not m.is_reference for m in t.members)
    if needs_qualifier and t.qualifier is None and not t.poly:
        raise ValueError(f"{where}: {t} needs a qualifier (const/input/simple/series/q)")


def _literal_type(text: str) -> PineType | None:
    """The type of a literal default/value, ``None`` for names."""
    if text.startswith('"'):
        return simple_type("string", Qualifier.CONST)
    if text.startswith("#"):
        return simple_type("color", Qualifier.CONST)
    if text in _LITERAL_TYPES:
        return simple_type(_LITERAL_TYPES[text], Qualifier.CONST)
    if text == "na":
        return simple_type("na", Qualifier.CONST)
    if re.fullmatch(r"-?\d+", text):
        return simple_type("int", Qualifier.CONST)
    if re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text):
        return simple_type("float", Qualifier.CONST)
    return None


def _default_fits(text: str, param: Param, tables: Sequence[BuiltinTable]) -> str | None:
    """Why the default ``text`` cannot be the value of ``param`` (``None`` if it can)."""
    if param.type.type_vars():
        return None if text == "na" else "a generic parameter can only default to na"
    value_type = _literal_type(text)
    if value_type is None:
        entry = next(
            (e for t in tables for e in (t.constant(text), t.variable(text)) if e is not None), None
        )
        if entry is None:
            return f"default {text!r} is not a literal or a built-in variable/constant"
        value_type = entry.type
    target = param.type.with_qualifier(None)
    if not is_assignable(value_type.with_qualifier(None), target):
        return f"default {text} ({value_type}) does not fit {param.type}"
    return None


def _validate(
    entries: list[Signature | BuiltinVariable], source: str, context: BuiltinTable | None
) -> BuiltinTable:
    signatures = [e for e in entries if isinstance(e, Signature)]
    values = [e for e in entries if isinstance(e, BuiltinVariable)]
    table = BuiltinTable(
        tuple(signatures),
        tuple(v for v in values if v.kind == "variable"),
        tuple(v for v in values if v.kind == "constant"),
    )
    seen_values: dict[tuple[str, str], set[int]] = {}
    for value in values:
        try:
            _check_type(value.type, set(), value.name, True)
            if value.value is not None:
                vtype = _literal_type(value.value)
                if vtype is None or not is_assignable(vtype, value.type.with_qualifier(None)):
                    raise ValueError(f"value {value.value} does not fit {value.type}")
            key = (value.kind, value.name)
            clash = seen_values.setdefault(key, set()) & value.versions
            if clash:
                raise ValueError(f"{value.kind} {value.name} defined twice for v{min(clash)}")
            seen_values[key] |= value.versions
        except ValueError as exc:
            raise SignatureSyntaxError(source, value.line, str(exc)) from None
    for sig in signatures:
        try:
            _validate_signature(sig, (table, context) if context else (table,))
        except ValueError as exc:
            raise SignatureSyntaxError(source, sig.line, str(exc)) from None
    return table


def _validate_signature(sig: Signature, tables: Sequence[BuiltinTable]) -> None:
    declared = {g.name for g in sig.generics}
    if len(declared) != len(sig.generics):
        raise ValueError("a type variable is declared twice")
    for g in sig.generics:
        if g.constraint is not None:
            _check_type(g.constraint, set(), f"constraint of {g.name}", False)
    used: set[str] = set(sig.returns.type_vars())
    for param in sig.params:
        _check_type(param.type, declared, f"parameter {param.name}", True)
        used |= param.type.type_vars()
        if param.versions != VERSIONS and not param.versions <= sig.versions:
            raise ValueError(f"parameter {param.name} is versioned outside its signature")
        if param.default is not None:
            problem = _default_fits(param.default, param, tables)
            if problem:
                raise ValueError(f"parameter {param.name}: {problem}")
    _check_type(sig.returns, declared, "return type", True)
    unused = declared - used
    if unused:
        raise ValueError(f"type variable(s) {sorted(unused)} are declared but never used")
    for version in sorted(sig.versions):
        params = sig.params_for(version)
        names = [p.name for p in params]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"parameter(s) {sorted(duplicates)} repeated in v{version}")
        if any(p.variadic for p in params[:-1]):
            raise ValueError("only the last parameter can be variadic")
    if sig.method and not sig.params:
        raise ValueError("a method needs the object as its first parameter")


def parse_signatures(
    text: str, source: str = "<signatures>", context: BuiltinTable | None = None
) -> BuiltinTable:
    """Parse and validate signature-table text; errors name ``source`` and the line.

    Default values that name built-ins must resolve in the parsed text itself or in
    ``context`` (pass :func:`table` to parse single entries that refer to the bundled ones).
    """
    entries: list[Signature | BuiltinVariable] = []
    for line, logical in _logical_lines(text, source):
        try:
            entries.append(_parse_entry(logical, line))
        except ValueError as exc:
            raise SignatureSyntaxError(source, line, str(exc)) from None
    return _validate(entries, source, context)


# ---------------------------------------------------------------------------- the bundled data
def _read_data(filename: str) -> str:
    return resources.files(_DATA_PACKAGE).joinpath(filename).read_text(encoding="utf-8")


@functools.cache
def table() -> BuiltinTable:
    """The bundled signature table, parsed once."""
    return parse_signatures(_read_data(_SIGNATURES_FILE), _SIGNATURES_FILE)


@functools.cache
def catalog() -> tuple[CatalogEntry, ...]:
    """The rows of ``v6-builtins.tsv`` (every built-in name of every kind)."""
    reader = csv.DictReader(io.StringIO(_read_data(_CATALOG_FILE)), delimiter="\t")
    return tuple(CatalogEntry(row["name"], row["kind"], row["namespace"]) for row in reader)


def functions(name: str, version: int | None = None) -> list[Signature]:
    """Overloads of the built-in function ``name`` (empty if there is none)."""
    return table().functions(name, version)


def variable(name: str, version: int | None = None) -> BuiltinVariable | None:
    """The built-in variable ``name`` (``close``, ``syminfo.mintick``), or ``None``."""
    return table().variable(name, version)


def constant(name: str, version: int | None = None) -> BuiltinVariable | None:
    """The built-in constant ``name`` (``color.red``, ``plot.style_line``), or ``None``."""
    return table().constant(name, version)


def namespaces() -> tuple[str, ...]:
    """Every namespace prefix of a built-in name (see :meth:`BuiltinTable.namespaces`)."""
    return table().namespaces()


def is_builtin(name: str) -> bool:
    """True for built-in functions, variables, constants and type names (not keywords)."""
    t = table()
    return (
        name in t.function_names
        or name in t.variable_names
        or name in t.constant_names
        or name in TYPE_NAMES
    )


__all__ = [
    "TYPE_NAMES",
    "V5_ONLY_NAMES",
    "VERSIONS",
    "BuiltinTable",
    "BuiltinVariable",
    "CatalogEntry",
    "Param",
    "Signature",
    "SignatureSyntaxError",
    "TypeParam",
    "catalog",
    "constant",
    "functions",
    "is_builtin",
    "namespaces",
    "parse_signatures",
    "table",
    "variable",
]
