"""Semantic analysis: names, types, qualifiers, calls and placement of a parsed Pine script.

:func:`analyze` walks the syntax tree once, statement by statement, in source order - which is
also the order Pine requires: a variable, function, type or enum must be declared before it is
used. On the way it

* keeps the scopes (:mod:`pineopt.lang.scopes`) and resolves every name;
* infers the type and qualifier of every expression (:class:`~pineopt.lang.scopes.TypeInfo`):
  literals are ``const``, ``input.*()`` results ``input``, ``syminfo.*`` ``simple``, bar data
  ``series``; an operation takes the strongest qualifier of its operands; a variable takes its
  initial value's (with or without ``var``), except that a reassigned ``var``/``varip``
  variable - and in v6 every variable that is reassigned with ``:=`` - is ``series``;
  references are always ``series`` (``const`` on one only forbids reassigning it); a
  parameter written with a value type and no qualifier keyword is ``series``, or ``simple``
  where its function's body needs it; the items of a tuple a local scope returns share one
  qualifier, at least ``simple``;
  ``int / int`` is an ``int`` (:func:`~pineopt.lang.analyzer.expressions.arithmetic`); the
  only implicit conversion is int -> float, of values and of collection elements
  (:mod:`pineopt.lang.types`);
* checks every call against the built-in signature table or the user's definitions
  (:mod:`pineopt.lang.overloads`): arguments, overloads, generics, qualifiers;
* applies the rules of Pine v5 and v6 (LANGUAGE-NOTES §16): v6 has no implicit int/float ->
  bool, no ``na`` bools, no ``[]`` on literals or directly on fields, no repeated arguments,
  no ``na`` as a comparison's operand, and no ``when``/``transp`` parameters (v5 warns
  about these two);
* checks placement: plots and the declaration only in the global scope, ``break`` only in
  loops, ``export`` only in libraries, order commands only in strategies, no inputs and only
  ``const`` globals in exported functions;
* fills the :class:`~pineopt.lang.features.FeatureReport`.

After an error it goes on: a name it cannot resolve gets the type ``unknown``, which every check
accepts, so one mistake gives one message. At most :data:`MAX_ERRORS` errors are reported.

Type and qualifier rules not checked yet (TradingView's behaviour is not documented or not
known well enough to refuse on it): a ``simple``/``input`` variable reassigned inside a block
whose condition is ``series``; which of two built-in overloads TradingView prefers when both
fit only by an int -> float conversion (the table's order decides; user overloads prefer the
one that takes the arguments as they are). Each rule module lists what else it leaves out.

The rules live in one module each, as a chain of classes over one shared state:

* :mod:`~pineopt.lang.analyzer.state` - the tables, scopes and nesting of one pass; reporting;
* :mod:`~pineopt.lang.analyzer.locate` - positions of tokens the tree does not keep;
* :mod:`~pineopt.lang.analyzer.names` - declaring and resolving names and written types,
  TradingView's shadowing rules (namespaces, primitive types, built-in variables);
* :mod:`~pineopt.lang.analyzer.expressions` - literals, operators, ``?:``, ``[]``;
* :mod:`~pineopt.lang.analyzer.statements` - declarations, assignments, control structures;
* :mod:`~pineopt.lang.analyzer.placement` - where things may appear; script-wide rules;
* :mod:`~pineopt.lang.analyzer.definitions` - functions, methods, types, enums, imports;
* :mod:`~pineopt.lang.analyzer.arguments` - rules on particular built-ins' arguments
  (``input.*()`` options, ``request.*()`` expressions);
* :mod:`~pineopt.lang.analyzer.calls` - resolving and checking calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.calls import Calls
from pineopt.lang.analyzer.state import MAX_ERRORS, Callee
from pineopt.lang.diagnostics import Diagnostic, format_diagnostics
from pineopt.lang.features import FeatureReport
from pineopt.lang.parser import ParseResult, parse
from pineopt.lang.scopes import Symbol, TypeInfo

__all__ = ["MAX_ERRORS", "Analysis", "analyze", "check"]


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found. The tables are keyed by node (nodes hash by identity):

    * ``types`` - the :class:`TypeInfo` of every expression;
    * ``symbols`` - the :class:`Symbol` each :class:`~pineopt.lang.nodes.Name` refers to;
    * ``calls`` - what each call resolved to: a built-in :class:`Signature` (the overload
      chosen), a :class:`UserFunction`, a :class:`UserType` (``Type.new``/``copy``) or an
      :class:`ImportAlias` (a library call, contents unknown);
    * ``namespace_paths`` - the dotted names read as built-ins although a variable has their
      first name (``color.red``, or ``timeframe.change`` called, with a variable ``color`` or
      ``timeframe`` in scope): a variable does not hide its namesake namespace.
    """

    script: n.Script | None
    diagnostics: tuple[Diagnostic, ...]
    types: dict[n.Node, TypeInfo] = field(default_factory=dict)
    symbols: dict[n.Name, Symbol] = field(default_factory=dict)
    calls: dict[n.Call, Callee] = field(default_factory=dict)
    features: FeatureReport = field(default_factory=FeatureReport)
    source: str = ""
    namespace_paths: frozenset[n.Attribute] = frozenset()

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
    analyzer = Analyzer(script, version or script.version, filename, source)
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
        frozenset(analyzer.namespace_paths),
    )


def check(source: str | bytes, filename: str = "<input>") -> Analysis:
    """Parse and analyse ``source``: every diagnostic of both steps."""
    return analyze(parse(source, filename), filename=filename)


class Analyzer(Calls):
    """One pass over the script, with every rule."""

    def run(self) -> None:
        self.statements(self.script.body)
        self.check_script()
