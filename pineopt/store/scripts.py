"""What the store learns from a script's text before saving it.

A Pine script is converted (:func:`pineopt.compiler.convert`): a script with errors is refused
with :class:`~pineopt.store.errors.InvalidScript`; otherwise its declaration, its inputs
(:func:`pineopt.runtime.engine.declared_inputs`, which stops the script before its first bar),
the libraries it imports, its feature report and its warnings are kept.

A Python strategy is a converted module (``DECLARATION = {...}`` and ``def script(ctx)``, the
layout ``pineopt convert`` writes) that its author may have edited. The store never imports or
runs it (that is the sandbox's job): its declaration is read with :func:`ast.literal_eval`, its
imports from the syntax tree, and its validity is whatever the caller's checker said
(``validation=``), else ``unknown``.
"""

from __future__ import annotations

import ast
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pineopt.store.codec import diagnostic_dicts, json_safe, parameter_dict
from pineopt.store.errors import InvalidScript, StoreError
from pineopt.store.models import LANGUAGES, VALIDATION_STATUSES


@dataclass
class Script:
    """A script ready to be saved: its text and what was found in it."""

    language: str
    source: str
    declaration: dict[str, Any]
    parameters: list[dict[str, Any]]
    dependencies: list[str]
    #: {status, diagnostics, features, seconds, declaration}
    validation: dict[str, Any]
    #: the Pine conversion (None for Python)
    conversion: Any = None

    @property
    def sha256(self) -> str:
        return sha256(self.source)

    @property
    def status(self) -> str:
        return self.validation["status"]

    @property
    def title(self) -> str | None:
        title = str(self.declaration.get("title") or "").strip()
        return title or None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_source(source: str | bytes | Path) -> tuple[str, str]:
    """The text of ``source`` (script text, bytes in UTF-8, or a :class:`~pathlib.Path`) and
    the file name its diagnostics carry."""
    if isinstance(source, Path):
        try:
            data = source.expanduser().read_bytes()
        except OSError as error:
            raise StoreError(f"cannot read {source}: {error.strerror or error}") from None
        return _decode(data, str(source)), str(source)
    if isinstance(source, bytes):
        return _decode(source, "the script"), "<input>"
    if isinstance(source, str):
        return source, "<input>"
    raise StoreError(f"a script is text or a Path, not {type(source).__name__}")


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StoreError(f"{what} is not UTF-8 text (byte {error.start})") from None


def infer_language(text: str) -> str:
    """``python`` for a converted module's layout (a top-level ``DECLARATION = ...`` and
    ``def script(ctx)``), else ``pine``."""
    from pineopt.compiler.pyast import AST_LOCK

    try:
        with AST_LOCK:
            tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return "pine"
    return "python" if _declaration_node(tree) and _script_function(tree) else "pine"


def analyse(
    text: str,
    *,
    language: str | None = None,
    filename: str = "<input>",
    validation: Mapping[str, Any] | None = None,
) -> Script:
    """Read ``text`` as ``language`` (inferred when None) into a :class:`Script`."""
    language = language or infer_language(text)
    if language not in LANGUAGES:
        raise StoreError(f"unknown language {language!r} (one of {', '.join(LANGUAGES)})")
    if not text.strip():
        raise StoreError("the script is empty")
    if language == "pine":
        if validation is not None:
            raise StoreError(
                "a Pine script is validated by its conversion: validation= is only for Python "
                "strategies"
            )
        return pine_script(*convert_pine(text, filename))
    return _python(text, filename, validation)


def convert_pine(text: str, filename: str = "<input>") -> tuple[Any, float]:
    """The :class:`~pineopt.compiler.Conversion` of a Pine text and the seconds it took."""
    from pineopt.compiler import convert

    started = time.perf_counter()
    conversion = convert(text, filename)
    return conversion, time.perf_counter() - started


def pine_script(conversion: Any, seconds: float) -> Script:
    """The :class:`Script` of a Pine conversion; :class:`InvalidScript` when it failed."""
    from pineopt.compiler import load, supported_names
    from pineopt.lang.nodes import Import
    from pineopt.runtime.engine import declared_inputs

    diagnostics = diagnostic_dicts(conversion.diagnostics)
    if not conversion.ok:
        raise InvalidScript(
            conversion.format_diagnostics()
            or f"{conversion.filename}: the script could not be converted",
            diagnostics,
        )
    module = load(conversion)
    declaration = json_safe(dict(getattr(module, "DECLARATION", {})))
    parameters: list[dict[str, Any]] = []
    if "inputs" in conversion.features.features:
        try:
            parameters = [parameter_dict(spec) for spec in declared_inputs(module)]
        except Exception as error:  # reported; the script still saves
            diagnostics.append(_note(f"its inputs could not be listed: {error}"))
    tree = conversion.analysis.script if conversion.analysis is not None else None
    imports = [s for s in getattr(tree, "body", ()) if isinstance(s, Import)]
    dependencies = sorted({f"{s.user}/{s.library}/{s.version}" for s in imports})
    features = conversion.features.to_dict(set(supported_names()))
    return Script(
        language="pine",
        source=conversion.source,
        declaration=declaration,
        parameters=parameters,
        dependencies=dependencies,
        validation={
            "status": "valid",
            "diagnostics": diagnostics,
            "features": features,
            "seconds": seconds,
            "declaration": declaration,
        },
        conversion=conversion,
    )


def _python(text: str, filename: str, validation: Mapping[str, Any] | None) -> Script:
    from pineopt.compiler.pyast import AST_LOCK

    try:
        with AST_LOCK:
            tree = ast.parse(text, filename)
    except SyntaxError as error:
        line, col = error.lineno or 1, error.offset or 1
        raise InvalidScript(
            f"{filename}:{line}:{col}: error: {error.msg}",
            [_located(line, col, f"{error.msg}")],
        ) from None
    node = _declaration_node(tree)
    if node is None or _script_function(tree) is None:
        message = (
            "not a PineOpt strategy module: it needs a top-level DECLARATION = {...} and "
            "def script(ctx) (the layout `pineopt convert` writes)"
        )
        raise InvalidScript(f"{filename}:1:1: error: {message}", [_located(1, 1, message)])
    try:
        declaration = ast.literal_eval(node.value)
    except ValueError:
        declaration = None
    if not isinstance(declaration, dict):
        line, col = node.lineno, node.col_offset + 1
        message = "DECLARATION must be a dict literal"
        raise InvalidScript(
            f"{filename}:{line}:{col}: error: {message}", [_located(line, col, message)]
        )
    given = dict(validation or {})
    status = given.get("status", "unknown")
    if status not in VALIDATION_STATUSES:
        raise StoreError(
            f"unknown validation status {status!r} (one of {', '.join(VALIDATION_STATUSES)})"
        )
    return Script(
        language="python",
        source=text,
        declaration=json_safe(declaration),
        parameters=json_safe(list(given.get("parameters") or [])),
        dependencies=_imports(tree),
        validation={
            "status": status,
            "diagnostics": json_safe(list(given.get("diagnostics") or [])),
            "features": json_safe(given.get("features")),
            "seconds": given.get("seconds"),
            "declaration": json_safe(declaration),
        },
    )


def _declaration_node(tree: ast.Module) -> ast.Assign | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DECLARATION" for t in node.targets
        ):
            return node
    return None


def _script_function(tree: ast.Module) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "script":
            return node
    return None


def _imports(tree: ast.Module) -> list[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return sorted(names)


def _located(line: int, col: int, message: str) -> dict[str, Any]:
    return {
        "line": line,
        "col": col,
        "end_line": line,
        "end_col": col + 1,
        "severity": "error",
        "message": message,
    }


def _note(message: str) -> dict[str, Any]:
    return {
        "line": None,
        "col": None,
        "end_line": None,
        "end_col": None,
        "severity": "warning",
        "message": message,
    }
