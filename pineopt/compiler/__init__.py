"""The compiler: a checked Pine script -> a readable Python module.

:func:`convert` parses and analyses the source (:mod:`pineopt.lang`), refuses what the runtime
cannot run yet with a located diagnostic naming it (a built-in, or a setting of
:mod:`pineopt.compiler.refusals`), and generates the module
(:mod:`pineopt.compiler.codegen`). :func:`load` turns a successful :class:`Conversion` into a
module object ready for :func:`pineopt.runtime.engine.execute`.
"""

from __future__ import annotations

import ast
import hashlib
import types
from dataclasses import dataclass, field

from pineopt.compiler.builtins_map import supported_names
from pineopt.compiler.codegen import CodeGen, CompileError
from pineopt.compiler.pyast import AST_LOCK
from pineopt.compiler.refusals import refused_settings
from pineopt.lang.analyzer import Analysis, analyze
from pineopt.lang.diagnostics import Diagnostic, Severity, format_diagnostics
from pineopt.lang.features import FeatureReport
from pineopt.lang.parser import parse

__all__ = ["CompileError", "Conversion", "convert", "load"]


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


def convert(source: str | bytes, filename: str = "<input>") -> Conversion:
    """Convert Pine ``source`` to Python (see :class:`Conversion`). Thread-safe: conversions
    run one at a time (see :data:`pineopt.compiler.pyast.AST_LOCK`)."""
    with AST_LOCK:
        return _convert(source, filename)


def _convert(source: str | bytes, filename: str) -> Conversion:
    parsed = parse(source, filename)
    analysis = analyze(parsed, filename=filename)
    text = parsed.source
    diagnostics = list(analysis.diagnostics)
    if not analysis.ok or analysis.script is None:
        return Conversion(
            None, tuple(diagnostics), analysis.features, text, filename, analysis=analysis
        )
    supported = supported_names()
    missing = analysis.features.unsupported(set(supported))
    for name, span in missing:
        diagnostics.append(
            Diagnostic(Severity.ERROR, f"'{name}' is not supported by PineOpt yet", span, filename)
        )
    settings = refused_settings(analysis, filename)
    diagnostics.extend(settings)
    if missing or settings:
        return Conversion(
            None, _sorted(diagnostics), analysis.features, text, filename, analysis=analysis
        )
    generator = CodeGen(analysis, filename)
    module = generator.module()
    for error in generator.errors:
        diagnostics.append(Diagnostic(Severity.ERROR, error.message, error.node.span, filename))
    if generator.errors:
        return Conversion(
            None, _sorted(diagnostics), analysis.features, text, filename, analysis=analysis
        )
    code, pine_lines = _print(module, generator.lines, generator.loop_lines)
    kind = getattr(getattr(analysis.script.declaration, "func", None), "id", None) or ""
    return Conversion(
        code, _sorted(diagnostics), analysis.features, text, filename, pine_lines, analysis, kind
    )


def _sorted(diagnostics: list[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=lambda d: (d.span.line, d.span.column)))


def _print(
    module: ast.Module, lines: dict[int, int], loop_lines: dict[int, int]
) -> tuple[str, dict[int, int]]:
    """Unparse ``module`` and append ``PINE_LINES``: Python line -> Pine line of every
    statement (found by walking the re-parsed code alongside the generated tree); and, when
    loops are nested, ``PINE_LOOPS``: the Python line of each inner loop (and of its checks) ->
    the Pine line of the outermost loop, where the loop time limit is reported."""
    code = ast.unparse(module)
    reparsed = ast.parse(code)
    mapping: dict[int, int] = {}
    loops: dict[int, int] = {}
    for built, printed in zip(ast.walk(module), ast.walk(reparsed), strict=False):
        line = lines.get(id(built))
        if line and isinstance(printed, ast.stmt):
            end = printed.end_lineno or printed.lineno
            for py_line in range(printed.lineno, end + 1):
                mapping[py_line] = line  # inner statements (walked later) win
        if id(built) in loop_lines and isinstance(printed, ast.stmt):
            loops[printed.lineno] = loop_lines[id(built)]
    code += "\n\nPINE_LINES = " + _table(mapping) + "\n"
    if loops:
        code += "PINE_LOOPS = " + _table(loops) + "\n"
    code += MAIN_BLOCK
    return code, mapping


def _table(mapping: dict[int, int]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(mapping.items())) + "}"


MAIN_BLOCK = """
if __name__ == "__main__":
    from pineopt.runtime.standalone import main

    main(DECLARATION, script)
"""
"""Lets a converted module run on its own: ``python OUT.py --data FILE``."""


def load(conversion: Conversion, name: str | None = None) -> types.ModuleType:
    """Execute the converted code as a fresh module."""
    if not conversion.ok or conversion.code is None:
        raise CompileError("the script has errors: " + conversion.format_diagnostics(), None)  # type: ignore[arg-type]
    digest = hashlib.sha1(conversion.code.encode()).hexdigest()[:10]
    module_name = name or f"pineopt_script_{digest}"
    filename = f"<pineopt:{conversion.filename}>"
    module = types.ModuleType(module_name)
    module.__file__ = filename
    exec(compile(conversion.code, filename, "exec"), module.__dict__)
    return module
