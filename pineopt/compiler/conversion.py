"""What converting a Pine script gives (:class:`Conversion`) and how it becomes a module
(:func:`load`).

Kept apart from the converter itself (:mod:`pineopt.compiler.pipeline`): a run whose conversion
comes from the on-disk cache (:mod:`pineopt.compiler.cache`) needs these two and not the parser,
the analyser or the code generator.
"""

from __future__ import annotations

import hashlib
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pineopt.lang.diagnostics import Diagnostic, format_diagnostics
from pineopt.lang.features import FeatureReport

if TYPE_CHECKING:  # pragma: no cover
    from pineopt.lang.analyzer import Analysis

__all__ = ["Conversion", "load"]


@dataclass
class Conversion:
    """What :func:`convert` produced: the Python ``code`` (None when there are errors), every
    diagnostic, the feature report of the script and its ``kind`` (``strategy``,
    ``indicator`` or ``library``; empty when the script has no declaration)."""

    code: str | None
    diagnostics: tuple[Diagnostic, ...]
    features: FeatureReport = field(default_factory=FeatureReport)
    source: str = ""
    filename: str = "<input>"
    pine_lines: dict[int, int] = field(default_factory=dict)
    analysis: Analysis | None = field(default=None, repr=False)
    kind: str = ""

    @property
    def ok(self) -> bool:
        return self.code is not None and not any(d.is_error for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def format_diagnostics(self) -> str:
        return format_diagnostics(self.diagnostics, self.source or None)

    def _repr_pretty_(self, printer, cycle) -> None:  # type: ignore[no-untyped-def]
        printer.text(self.code if self.ok else self.format_diagnostics())


def load(conversion: Conversion, name: str | None = None) -> types.ModuleType:
    """Execute the converted code as a fresh module."""
    if not conversion.ok or conversion.code is None:
        from pineopt.compiler.codegen import CompileError

        raise CompileError("the script has errors: " + conversion.format_diagnostics(), None)  # type: ignore[arg-type]
    digest = hashlib.sha1(conversion.code.encode()).hexdigest()[:10]
    module_name = name or f"pineopt_script_{digest}"
    filename = f"<pineopt:{conversion.filename}>"
    module = types.ModuleType(module_name)
    module.__file__ = filename
    exec(compile(conversion.code, filename, "exec"), module.__dict__)
    return module
