"""The feature report: which built-ins and language features a script uses.

The analyser fills one :class:`FeatureReport` per script. The compiler later asks it which of
those the runtime cannot run yet (:meth:`FeatureReport.unsupported`), so that a script is refused
with every missing piece named, instead of failing on the first one at run time.

Three kinds of entries, each counted and remembered with the place of its first use:

* ``builtins`` - built-in functions, variables and constants by full name (``ta.sma``,
  ``close``, ``color.red``); a method call ``a.push(x)`` counts as ``array.push``;
* ``features`` - language features, named by the keys of :data:`LANGUAGE_FEATURES`;
* ``library_calls`` - what a script reaches through an imported library (``lib.f``), whose
  contents the analyser does not know.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pineopt.lang.nodes import Span

LANGUAGE_FEATURES = {
    "var": "var declarations",
    "varip": "varip declarations and fields",
    "history": "the history operator x[n] on an expression",
    "user_functions": "user-defined functions",
    "methods": "user-defined methods",
    "udt": "user-defined types",
    "enums": "enums",
    "if": "if structures",
    "switch": "switch structures",
    "for": "for loops",
    "for_in": "for...in loops",
    "while": "while loops",
    "tuples": "tuple declarations and results",
    "arrays": "arrays",
    "matrices": "matrices",
    "maps": "maps",
    "drawings": "drawing objects (label, line, box, table, polyline, linefill)",
    "strategy": "strategy order commands and strategy.* values",
    "request": "request.* calls to other symbols or timeframes",
    "inputs": "script inputs",
    "imports": "imported libraries",
    "exports": "library exports",
}
"""Language feature names and what they stand for."""

#: Built-in namespaces whose use implies a language feature.
NAMESPACE_FEATURES = {
    "array": "arrays",
    "matrix": "matrices",
    "map": "maps",
    "label": "drawings",
    "line": "drawings",
    "box": "drawings",
    "table": "drawings",
    "polyline": "drawings",
    "linefill": "drawings",
    "strategy": "strategy",
    "request": "request",
    "input": "inputs",
}


@dataclass
class FeatureReport:
    """What one script uses (see the module docstring)."""

    builtins: Counter[str] = field(default_factory=Counter)
    features: Counter[str] = field(default_factory=Counter)
    library_calls: Counter[str] = field(default_factory=Counter)
    first_use: dict[str, Span] = field(default_factory=dict)

    def add_builtin(self, name: str, span: Span) -> None:
        """Count a built-in; its namespace may imply a feature (``array.push`` -> arrays)."""
        self._add(self.builtins, name, span)
        namespace, _, member = name.partition(".")
        feature = NAMESPACE_FEATURES.get(namespace) if member or name == "input" else None
        if feature is not None:
            self.add_feature(feature, span)

    def add_feature(self, name: str, span: Span) -> None:
        assert name in LANGUAGE_FEATURES, f"unknown language feature {name!r}"
        self._add(self.features, name, span)

    def add_library_call(self, name: str, span: Span) -> None:
        self._add(self.library_calls, name, span)

    def _add(self, counter: Counter[str], name: str, span: Span) -> None:
        counter[name] += 1
        self.first_use.setdefault(name, span)

    def names(self) -> list[str]:
        """Every name used: built-ins, then features, then library calls, each sorted."""
        return [*sorted(self.builtins), *sorted(self.features), *sorted(self.library_calls)]

    def unsupported(self, supported_names: set[str]) -> list[tuple[str, Span]]:
        """The names used that are not in ``supported_names``, with their first use, in source
        order."""
        missing = [(name, self.first_use[name]) for name in self.names()]
        missing = [(name, span) for name, span in missing if name not in supported_names]
        return sorted(missing, key=lambda item: (item[1].line, item[1].column, item[0]))

    def to_dict(self, supported_names: set[str] | None = None) -> dict[str, Any]:
        """The JSON form: counts by name and, given the runtime's names, what it lacks."""
        result: dict[str, Any] = {
            "builtins": dict(sorted(self.builtins.items())),
            "features": dict(sorted(self.features.items())),
            "library_calls": dict(sorted(self.library_calls.items())),
        }
        if supported_names is not None:
            result["unsupported"] = [
                {"name": name, "line": span.line, "column": span.column}
                for name, span in self.unsupported(supported_names)
            ]
        return result
