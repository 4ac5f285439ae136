"""Static analysis for the API: what a script is, uses and needs, without running it.

Everything here reads PineOpt's own tables and output, never guesses:

* :func:`conversion_report` - the converter's code, diagnostics and feature report;
* :func:`inputs_from_code` - the inputs of a converted module, read from its
  ``ctx.input(...)`` calls (the same text a ``.py`` upload carries);
* :func:`profile` - counts of the script's constructs and which Pine lines the generated code
  computes over the whole history before the bar loop and which it runs on every bar;
* :func:`widgets` - how a form should show each input (slider, select, checkbox ...);
* :func:`capabilities` - what PineOpt runs and refuses: the v6 catalogue against
  :func:`~pineopt.compiler.builtins_map.supported_names` (the table the catalogue test walks),
  the refused language features and ``strategy()`` settings, the limits.

These back ``/api/ai/*`` (an "assistant" that is honest static analysis, no language model)
and ``/api/strategies/{id}/profile``; they are plain functions usable from Python too.
"""

from __future__ import annotations

import ast
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

SOURCES = ("open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4", "hlcc4")
"""The built-in series an ``input.source`` chooses from (the runtime's bar series)."""

TIMEFRAMES = ("", "1", "5", "15", "30", "60", "120", "240", "1D", "1W", "1M")
"""Common choices of an ``input.timeframe`` (``""`` is the chart's own)."""


# ------------------------------------------------------------------ diagnostics


def diagnostic_dict(diagnostic: Any) -> dict[str, Any]:
    """A converter :class:`~pineopt.lang.diagnostics.Diagnostic` as JSON."""
    span = diagnostic.span
    return {
        "line": span.line,
        "col": span.column,
        "end_line": span.end_line,
        "end_col": span.end_column,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
    }


def diagnostic_dicts(diagnostics: Iterable[Any]) -> list[dict[str, Any]]:
    return [diagnostic_dict(d) if not isinstance(d, dict) else d for d in diagnostics]


# ------------------------------------------------------------------ conversion


def conversion_report(source: str, filename: str = "<input>") -> tuple[Any, dict[str, Any]]:
    """Convert ``source``; return the :class:`~pineopt.compiler.Conversion` and its JSON
    report (``ok``, ``code``, ``diagnostics``, ``features``, ``declaration``, ``seconds``).

    The compiler is called directly: :func:`pineopt.convert` reads a one-line text naming an
    existing file as that file, which a server must never do with a caller's text."""
    from pineopt.compiler import convert

    started = time.perf_counter()
    conversion = convert(source, filename)
    seconds = time.perf_counter() - started
    return conversion, {
        "ok": conversion.ok,
        "code": conversion.code if conversion.ok else None,
        "diagnostics": diagnostic_dicts(conversion.diagnostics),
        "features": features_dict(conversion.features),
        "declaration": declaration(conversion),
        "seconds": seconds,
    }


def converted(source: str, filename: str = "<input>") -> tuple[Any, dict[str, Any]]:
    """:func:`conversion_report` with the Conversion stripped of its syntax tree, so that it
    crosses from a worker process to the server (and is small)."""
    import dataclasses

    conversion, report = conversion_report(source, filename)
    return dataclasses.replace(conversion, analysis=None), report


def features_dict(report: Any) -> dict[str, Any]:
    """A :class:`~pineopt.lang.features.FeatureReport` as JSON, with what PineOpt refuses."""
    from pineopt.compiler.builtins_map import supported_names

    return report.to_dict(set(supported_names()))


def declaration(conversion: Any) -> dict[str, Any]:
    """The declaration's arguments: from the generated ``DECLARATION`` when the script
    converted, else what the syntax tree says (kind, title, version)."""
    if conversion.ok and conversion.code:
        found = module_declaration(conversion.code)
        if found:
            return found
    analysis = getattr(conversion, "analysis", None)
    script = getattr(analysis, "script", None)
    if script is None:
        return {}
    return _tree_declaration(script)


def _tree_declaration(script: Any) -> dict[str, Any]:
    from pineopt.lang import nodes as n

    call = script.declaration
    result: dict[str, Any] = {"version": script.version}
    if call is None:
        return result
    result["kind"] = call.func.id
    title = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.name == "title":
            title = keyword.value
    if isinstance(title, n.String):
        result["title"] = title.value
    return result


def module_declaration(code: str) -> dict[str, Any]:
    """The literal ``DECLARATION = {...}`` of a converted module (``{}`` when absent)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DECLARATION" for t in stmt.targets
        ):
            try:
                value = ast.literal_eval(stmt.value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                return {}
            return value if isinstance(value, dict) else {}
    return {}


# ------------------------------------------------------------------ inputs


_INPUT_KEYWORDS = ("minval", "maxval", "step", "options", "group", "tooltip", "inline")


def inputs_from_code(code: str) -> list[dict[str, Any]]:
    """Every ``ctx.input(kind, default, title, ...)`` call of a converted module, in order, as
    ``{name, title, kind, default, options, minval, maxval, step, group}``. A value that is not
    a literal (a computed default) is ``None``; a colour constant is its ``#RRGGBB`` text."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    colors = _color_constants(tree)

    def value(node: ast.expr | None) -> Any:
        if node is None:
            return None
        if isinstance(node, ast.Name) and node.id in colors:
            return colors[node.id]
        try:
            literal = ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        return list(literal) if isinstance(literal, tuple) else literal

    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "input"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "ctx"
            and node.args
        ):
            continue
        args = list(node.args) + [None] * 3
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        kind = value(args[0])
        spec: dict[str, Any] = {
            "name": value(keywords.get("name")),
            "title": value(args[2]) if args[2] is not None else value(keywords.get("title")),
            "kind": kind if isinstance(kind, str) else "unknown",
            "default": value(args[1]),
        }
        for key in _INPUT_KEYWORDS:
            spec[key] = value(keywords.get(key))
        found.append((node.lineno, node.col_offset, spec))
    return [spec for _, _, spec in sorted(found, key=lambda item: item[:2])]


def _color_constants(tree: ast.Module) -> dict[str, str]:
    """``COLOR_F23645 = pine_color.Color.from_hex('#F23645')`` -> ``{"COLOR_F23645": ...}``."""
    colors = {}
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "from_hex"
            and stmt.value.args
            and isinstance(stmt.value.args[0], ast.Constant)
            and isinstance(stmt.value.args[0].value, str)
        ):
            colors[stmt.targets[0].id] = stmt.value.args[0].value
    return colors


def widgets(parameters: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """How a settings form shows each input, the way TradingView's dialog does (and the
    notebook widgets of :mod:`pineopt.jupyter.widgets`): ``options`` -> select; ``bool`` ->
    checkbox; ``int``/``float``/``price`` -> slider with both bounds, number box otherwise;
    ``color`` -> colour picker; ``source`` and ``timeframe`` -> select of the usual choices;
    ``text_area`` -> textarea; anything else -> text. One widget per override key (the
    variable, else the title; the first input of a repeated key wins)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for spec in parameters:
        key = spec.get("name") or spec.get("title")
        if not key or key in seen:
            continue
        seen.add(key)
        kind = str(spec.get("kind") or "unknown")
        options = spec.get("options")
        low, high = _number(spec.get("minval")), _number(spec.get("maxval"))
        widget: dict[str, Any] = {
            "key": key,
            "label": spec.get("title") or key,
            "kind": kind,
            "default": spec.get("default"),
            "group": spec.get("group") if isinstance(spec.get("group"), str) else None,
        }
        if options:
            widget.update(widget="select", options=list(options))
        elif kind == "bool":
            widget["widget"] = "checkbox"
        elif kind in ("int", "float", "price"):
            step = _number(spec.get("step"))
            widget.update(
                widget="slider" if low is not None and high is not None else "number",
                min=low,
                max=high,
                step=step if step is not None else (1.0 if kind == "int" else None),
            )
        elif kind == "color":
            widget["widget"] = "color"
        elif kind == "source":
            current = spec.get("default")
            choices = list(SOURCES)
            if isinstance(current, str) and current not in choices:
                choices.append(current)
            widget.update(widget="select", options=choices)
        elif kind == "timeframe":
            current = spec.get("default")
            choices = list(TIMEFRAMES)
            if isinstance(current, str) and current not in choices:
                choices.append(current)
            widget.update(widget="select", options=choices)
        elif kind == "text_area":
            widget["widget"] = "textarea"
        else:
            widget["widget"] = "text"
        out.append(widget)
    return out


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number or number in (float("inf"), float("-inf")) else number


# ------------------------------------------------------------------ profile


def _line_counts(source: str, comment: str) -> tuple[int, int]:
    lines = source.splitlines()
    code = [s for s in (line.strip() for line in lines) if s and not s.startswith(comment)]
    return len(lines), len(code)


def _construct_counts(nodes: Any, kinds: dict[type, str], statement: type) -> Counter[str]:
    """How many of each construct ``nodes`` hold: ``kinds`` maps a node class to the name it
    is counted under; every instance of ``statement`` also counts as one of ``statements``."""
    counts: Counter[str] = Counter()
    for node in nodes:
        if isinstance(node, statement):
            counts["statements"] += 1
        name = kinds.get(type(node))
        if name:
            counts[name] += 1
    return counts


def profile(source: str, language: str = "pine", filename: str = "<input>") -> dict[str, Any]:
    """The feature and complexity report of a script (see :class:`~.schemas.ProfileOut`)."""
    if language == "python":
        return profile_python(source)
    return profile_pine(source, filename)


def profile_pine(source: str, filename: str = "<input>") -> dict[str, Any]:
    from pineopt.lang import nodes as n

    conversion, report = conversion_report(source, filename)
    lines, code_lines = _line_counts(source, "//")
    script = getattr(conversion.analysis, "script", None)
    counts: Counter[str] = Counter()
    depth = 0
    if script is not None:
        kinds = {
            n.FunctionDef: "functions",
            n.TypeDef: "types",
            n.EnumDef: "enums",
            n.Import: "imports",
            n.For: "loops",
            n.ForIn: "loops",
            n.While: "loops",
            n.If: "branches",
            n.Switch: "branches",
            n.Ternary: "conditionals",
            n.Call: "calls",
            n.Index: "history_references",
            n.VarDecl: "declarations",
            n.TupleDecl: "declarations",
        }
        nodes = list(n.walk(script))
        counts = _construct_counts(nodes, kinds, n.Stmt)
        for node in nodes:
            if isinstance(node, n.FunctionDef) and node.is_method:
                counts["methods"] += 1
                counts["functions"] -= 1
        depth = n.depth(script)
    return {
        "language": "pine",
        "lines": lines,
        "code_lines": code_lines,
        "declaration": report["declaration"],
        "counts": dict(sorted(counts.items())),
        "max_depth": depth,
        "features": report["features"],
        "execution": line_split(conversion.code, conversion.pine_lines) if conversion.ok else None,
        "runs": conversion.ok,
        "problems": [str(d) for d in conversion.errors],
    }


def line_split(code: str, pine_lines: dict[int, int]) -> dict[str, list[int]]:
    """Pine lines by where the generated module runs them: before the bar loop (whole
    history, numpy) or inside it (every bar). A Pine line with parts in both is per bar."""
    tree = ast.parse(code)
    loop_lines: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and node.target.id == "bar_index"
        ):
            loop_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    per_bar = {pine for py, pine in pine_lines.items() if py in loop_lines}
    whole = {pine for py, pine in pine_lines.items() if py not in loop_lines} - per_bar
    return {"whole_history": sorted(whole), "per_bar": sorted(per_bar)}


def profile_python(source: str) -> dict[str, Any]:
    """The report of a converted Python module (an upload): its constructs and declaration."""
    lines, code_lines = _line_counts(source, "#")
    problems: list[str] = []
    counts: Counter[str] = Counter()
    depth = 0
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        tree = None
        line = getattr(exc, "lineno", None)
        problems.append(f"strategy.py:{line or 1}: error: {getattr(exc, 'msg', exc)}")
    if tree is not None:
        kinds = {
            ast.FunctionDef: "functions",
            ast.ClassDef: "types",
            ast.For: "loops",
            ast.While: "loops",
            ast.If: "branches",
            ast.IfExp: "conditionals",
            ast.Call: "calls",
            ast.Import: "imports",
            ast.ImportFrom: "imports",
        }
        counts = _construct_counts(ast.walk(tree), kinds, ast.stmt)
        depth = _python_depth(tree)
        names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)} | {
            t.id
            for s in tree.body
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name)
        }
        for required in ("DECLARATION", "script"):
            if required not in names:
                problems.append(f"the module has no {required} (it is not a converted strategy)")
    return {
        "language": "python",
        "lines": lines,
        "code_lines": code_lines,
        "declaration": module_declaration(source),
        "counts": dict(sorted(counts.items())),
        "max_depth": depth,
        "features": None,
        "execution": None,
        "runs": not problems,
        "problems": problems,
    }


def _python_depth(tree: ast.AST) -> int:
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


# ------------------------------------------------------------------ the assistant's answers


EMPTY_FEATURES = {"builtins": {}, "features": {}, "library_calls": {}, "unsupported": []}


def script_inputs(source: str, language: str, name: str = "<input>") -> list[dict[str, Any]]:
    """The inputs of a script: read from the module a Pine script converts to, or from the
    Python module itself (never run)."""
    if language == "python":
        return inputs_from_code(source)
    conversion, _ = conversion_report(source, f"{name}.pine")
    return inputs_from_code(conversion.code) if conversion.ok and conversion.code else []


def analyze(source: str, language: str = "pine", name: str = "<input>") -> dict[str, Any]:
    """Everything ``POST /api/ai/analyze`` answers about one script."""
    filename = f"{name}.pine" if language == "pine" else name
    report = profile(source, language, filename)
    if language == "python":
        inputs = inputs_from_code(source)
        diagnostics: list[dict[str, Any]] = []
        features = EMPTY_FEATURES
    else:
        conversion, converted_report = conversion_report(source, filename)
        inputs = inputs_from_code(conversion.code) if conversion.ok and conversion.code else []
        diagnostics = converted_report["diagnostics"]
        features = converted_report["features"]
    declared = report["declaration"]
    version = declared.get("version")
    return {
        "kind": declared.get("kind"),
        "title": declared.get("title"),
        "version": version if isinstance(version, int) else None,
        "runs": report["runs"],
        "problems": report["problems"],
        "diagnostics": diagnostics,
        "features": features,
        "inputs": inputs,
        "widgets": widgets(inputs),
        "profile": report,
    }


def verdict(source: str, language: str = "pine", name: str = "<input>") -> dict[str, Any]:
    """``POST /api/ai/validate``: would the script run? Counts, diagnostics, unsupported names."""
    if language == "python":
        problems = profile_python(source)["problems"]
        return {
            "valid": not problems,
            "errors": len(problems),
            "warnings": 0,
            "diagnostics": [],
            "unsupported": [],
        }
    conversion, report = conversion_report(source, f"{name}.pine")
    errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
    return {
        "valid": conversion.ok,
        "errors": len(errors),
        "warnings": len(report["diagnostics"]) - len(errors),
        "diagnostics": report["diagnostics"],
        "unsupported": report["features"].get("unsupported", []),
    }


# ------------------------------------------------------------------ capabilities


def capabilities() -> dict[str, Any]:
    """What PineOpt runs and refuses, from the runtime's own tables."""
    from pineopt.compiler.builtins_map import supported_names
    from pineopt.compiler.refusals import REFUSED
    from pineopt.lang import builtins
    from pineopt.lang.features import LANGUAGE_FEATURES
    from pineopt.lang.limits import MAX_DEPTH, MAX_SOURCE_CHARS, SUPPORTED_VERSIONS
    from pineopt.lang.scopes import RESERVED_WORDS
    from pineopt.runtime.loop_limit import TIME_LIMIT

    supported = supported_names()
    by_kind: dict[str, dict[str, Any]] = {}
    for entry in builtins.catalog():
        if entry.kind not in ("function", "variable", "constant"):
            continue
        row = by_kind.setdefault(entry.kind, {"total": 0, "runs": 0, "refused": []})
        row["total"] += 1
        if entry.name in supported:
            row["runs"] += 1
        else:
            row["refused"].append(entry.name)
    for row in by_kind.values():
        row["refused"].sort()
    return {
        "pine_versions": list(SUPPORTED_VERSIONS),
        "builtins": by_kind,
        "language_features": dict(LANGUAGE_FEATURES),
        "refused_features": {k: v for k, v in LANGUAGE_FEATURES.items() if k not in supported},
        "refused_settings": dict(REFUSED),
        "limits": {
            "max_source_chars": MAX_SOURCE_CHARS,
            "max_syntax_depth": MAX_DEPTH,
            "loop_seconds_per_bar": TIME_LIMIT,
            "reserved_words": sorted(RESERVED_WORDS),
        },
    }
