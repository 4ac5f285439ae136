"""The converter: Pine source -> parse -> analyse -> refuse what cannot run -> generate code.

:func:`convert` returns a :class:`~pineopt.compiler.conversion.Conversion`: the readable Python
module with ``PINE_LINES`` (Python line -> Pine line, for located runtime errors) and the main
block that lets the module run on its own, or the located diagnostics that stopped it.
:func:`diagnose` stops before code generation: it gives the diagnostics of the first three
steps, for an editor that checks a script on every keystroke.
"""

from __future__ import annotations

import ast

from pineopt.compiler.builtins_map import supported_names
from pineopt.compiler.codegen import CodeGen
from pineopt.compiler.conversion import Conversion
from pineopt.compiler.pyast import AST_LOCK
from pineopt.compiler.refusals import refused_settings
from pineopt.lang.analyzer import Analysis, analyze
from pineopt.lang.diagnostics import Diagnostic, Severity
from pineopt.lang.parser import parse

__all__ = ["MAIN_BLOCK", "convert", "diagnose", "refusals"]


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
    refused = refusals(analysis, filename)
    diagnostics.extend(refused)
    if refused:
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


def diagnose(source: str | bytes, filename: str = "<input>") -> tuple[Diagnostic, ...]:
    """The diagnostics :func:`convert` reports before it generates code - the parser's, the
    analyser's and the :func:`refusals` of a script without errors - sorted by place. Nothing
    is generated or run."""
    parsed = parse(source, filename)
    analysis = analyze(parsed, filename=filename)
    diagnostics = list(analysis.diagnostics)
    if analysis.ok and analysis.script is not None:
        diagnostics.extend(refusals(analysis, filename))
    return _sorted(diagnostics)


def refusals(analysis: Analysis, filename: str) -> list[Diagnostic]:
    """What a checked script asks for that the runtime cannot run: each built-in it does not
    support yet (at its first use) and each refused ``strategy()`` setting."""
    supported = set(supported_names())
    refused = [
        Diagnostic(Severity.ERROR, f"'{name}' is not supported by PineOpt yet", span, filename)
        for name, span in analysis.features.unsupported(supported)
    ]
    return refused + refused_settings(analysis, filename)


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
