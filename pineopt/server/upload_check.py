"""Static checks of an uploaded Python strategy, before it may run (in the sandbox only).

An upload is a module in the layout ``pineopt convert`` writes: ``DECLARATION = {...}`` (a
dict literal: the arguments of ``strategy()``/``indicator()``) and ``def script(ctx): ...``,
edited by its author. :func:`check_python_strategy` reads it with Python's :mod:`ast` - nothing
of it is executed here - and refuses, each at its line and column:

* **imports** other than ``pineopt.runtime`` and its script-facing modules (those the compiler
  imports: ``ops``, ``ta_vector``, ``pine_str`` ...) and a short list of pure standard-library
  modules (:data:`ALLOWED_MODULES`); a name imported from them must be public and come from
  PineOpt's runtime or from that list (``pineopt.runtime.pine_math.np`` is numpy, refused).
  ``numpy`` itself is not on the list: it reads and writes files (``np.load``, ``np.fromfile``,
  ``np.memmap``) and loads C libraries (``np.ctypeslib``) - too large a surface to vet - and a
  converted script needs none of it (the runtime's ``ta_vector``/``vector_ops`` hand back
  arrays). ``typing`` is not either: ``typing.ForwardRef("...")._evaluate({}, {}, ...)``
  evaluates a string with the real built-ins.
* **built-ins** outside :data:`ALLOWED_BUILTINS` wherever the name could reach Python's
  built-ins (``open``, ``exec``, ``eval``, ``compile``, ``__import__``, ``globals``,
  ``locals``, ``vars``, ``dir``, ``getattr``/``setattr``/``delattr``/``hasattr``,
  ``breakpoint``, ``input``, ``help``, ``exit`` ...). A converted script names its bar series
  ``open`` and its Pine variables ``input`` or ``type``: a name bound in the enclosing function
  is its own and fine; at module or class level, where a binding that did not run falls
  through to the built-in, it is refused. ``getattr`` is refused even with a literal name: a
  literal name is an attribute and can be written as one.
* **special names and introspection**: dunder names and attributes (``x.__class__``,
  ``__builtins__``, ``__subclasses__``; only ``__name__`` and ``__slots__`` are kept), frame,
  generator, coroutine and traceback internals (``gi_frame``, ``f_globals``, ``tb_frame`` ...),
  methods that evaluate text (``str.format`` and ``format_map``, whose fields read
  attributes; pandas ``eval``/``query``), enum-style ``_sunder_`` names, private attributes
  the upload does not declare itself (in a ``__slots__`` or by assigning them), and string
  literals naming special attributes (``"__globals__"``).
* **layout**: ``DECLARATION`` assigned once, a literal dict with ``kind`` ``strategy`` or
  ``indicator``; ``script`` a plain one-argument function defined once.

What it guarantees: an upload that passes names no module, built-in, special attribute or
introspection path that Python offers for leaving the script's own objects. What it does not:
Python objects are too connected for a static check to prove that nothing reachable from
``ctx`` leads out (a DataFrame method may write a file, a runtime function may hold a module)
- it refuses what an honest edit never needs and every well-known in-process escape, and the
module still only ever runs in :mod:`pineopt.server.sandbox`, which is the boundary. The
sandbox's child also gives the module only these built-ins and imports (see
:func:`runtime_policy`), so a name that slipped past the scope analysis finds nothing there.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import re
import types
from dataclasses import dataclass, field
from typing import Any

from pineopt.compiler.names import RUNTIME_MODULES
from pineopt.errors import PineOptError
from pineopt.lang.diagnostics import Diagnostic, error, format_diagnostics, split_lines
from pineopt.lang.nodes import Span

RUNTIME_PACKAGE = "pineopt.runtime"

ALLOWED_MODULES: dict[str, frozenset[str] | None] = {
    "math": None,
    "statistics": None,
    "itertools": None,
    "bisect": None,
    "heapq": None,
    "collections": None,
    "collections.abc": None,
    "dataclasses": None,
    "functools": frozenset(
        {"reduce", "partial", "lru_cache", "cache", "cmp_to_key", "total_ordering"}
    ),
}
"""Standard-library modules an upload may import, with the names it may use from each (None:
every public name defined there). They compute and nothing else; ``functools`` is limited
because ``update_wrapper``/``wraps`` copy attributes by name and ``singledispatch`` evaluates
annotations."""

ALLOWED_BUILTINS = frozenset(
    {
        # values and containers
        "bool", "int", "float", "complex", "str", "bytes", "list", "tuple", "dict", "set",
        "frozenset", "range", "slice", "object", "type", "Ellipsis", "NotImplemented",
        # functions
        "abs", "all", "any", "ascii", "bin", "callable", "chr", "divmod", "enumerate",
        "filter", "format", "hash", "hex", "isinstance", "issubclass", "iter", "len", "map",
        "max", "min", "next", "oct", "ord", "pow", "print", "repr", "reversed", "round",
        "sorted", "sum", "zip",
        # classes
        "property", "staticmethod", "classmethod", "super",
        # exceptions a script may raise or catch
        "Exception", "ArithmeticError", "AssertionError", "AttributeError", "IndexError",
        "KeyError", "LookupError", "NotImplementedError", "OverflowError", "RuntimeError",
        "StopIteration", "TypeError", "ValueError", "ZeroDivisionError",
    }
)  # fmt: skip
"""The built-ins an upload may name; the sandbox's child gives the module only these."""

INTROSPECTION_ATTRIBUTES = frozenset(
    {
        "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "gi_suspended",
        "cr_frame", "cr_code", "cr_await", "cr_origin", "cr_running", "cr_suspended",
        "ag_frame", "ag_code", "ag_await", "ag_running",
        "tb_frame", "tb_next", "tb_lasti", "tb_lineno",
        "f_back", "f_builtins", "f_code", "f_globals", "f_locals", "f_trace", "f_lasti",
    }
)  # fmt: skip
"""Attributes that lead from a generator, a coroutine or a traceback to frames, and from a
frame to other frames' globals and built-ins."""

TEXT_EVALUATING_ATTRIBUTES = frozenset({"format", "format_map", "eval", "exec", "query"})
"""Methods that interpret a string: ``str.format`` fields read attributes
(``"{0.__class__}"``); pandas ``DataFrame.eval``/``query`` evaluate expressions."""

_DUNDER_TEXT = re.compile(r"__\w+__")
_RUNTIME_ORIGINS = frozenset(
    {RUNTIME_PACKAGE, "pineopt.errors"} | {f"{RUNTIME_PACKAGE}.{m}" for m in RUNTIME_MODULES}
)
_STANDALONE = f"{RUNTIME_PACKAGE}.standalone"
_RUNNABLE_KINDS = ("strategy", "indicator")
_INPUT_FIELDS = ("name", "title", "kind", "default", "options", "minval", "maxval", "step", "group")


class UploadRejected(PineOptError):
    """An uploaded module that may not run. The message lists every problem as
    ``FILE:LINE:COL: error: MESSAGE`` with the source line and a caret; ``diagnostics`` holds
    them as :class:`~pineopt.lang.diagnostics.Diagnostic` objects."""

    def __init__(self, diagnostics: list[Diagnostic], source: str) -> None:
        super().__init__(format_diagnostics(diagnostics, source))
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class PythonStrategyInfo:
    """What an accepted upload declares: ``declaration`` (the ``DECLARATION`` dict) and
    ``inputs`` (one dict per literal ``ctx.input(...)`` call: name, title, kind, default,
    options, minval, maxval, step, group; values the check cannot read statically are None)."""

    declaration: dict[str, Any]
    inputs: list[dict[str, Any]] = field(default_factory=list)


def check_python_strategy(text: str, filename: str = "strategy.py") -> PythonStrategyInfo:
    """Check an uploaded module (see the module docstring); return what it declares or raise
    :class:`UploadRejected` with every problem found."""
    tree = _parse(text, filename)
    checker = _Checker(text, filename, tree)
    checker.run()
    if checker.problems:
        raise UploadRejected(sorted(checker.problems, key=lambda d: d.span), text)
    return PythonStrategyInfo(checker.declaration, checker.inputs())


def runtime_policy() -> dict[str, list[str]]:
    """The import and built-in lists, as the sandbox's child enforces them at run time:
    ``modules`` (importable module names) and ``builtins`` (the module's built-ins)."""
    modules = {RUNTIME_PACKAGE, "__future__", *ALLOWED_MODULES}
    modules |= {f"{RUNTIME_PACKAGE}.{m}" for m in RUNTIME_MODULES}
    return {"modules": sorted(modules), "builtins": sorted(ALLOWED_BUILTINS)}


# --------------------------------------------------------------------------- parsing


def _parse(text: str, filename: str) -> ast.Module:
    """The module's tree; a syntax error (including those Python finds only when compiling:
    ``return`` outside a function, a misplaced ``nonlocal``) is a located rejection."""
    if "\0" in text:
        raise _rejected(text, filename, "the module contains a NUL character", text.index("\0"))
    try:
        tree = ast.parse(text, filename)
        compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = exc.offset or 1
        end = exc.end_offset if exc.end_lineno == line and exc.end_offset else column + 1
        message = f"invalid syntax: {exc.msg}" if exc.msg != "invalid syntax" else exc.msg
        span = Span(line, column, line, max(end, column + 1))
        raise UploadRejected([error(message, span, filename)], text) from None
    except (RecursionError, MemoryError):
        raise _rejected(text, filename, "the module is nested too deeply to check", 0) from None
    return tree


def _rejected(text: str, filename: str, message: str, index: int) -> UploadRejected:
    before = text[:index].replace("\r\n", "\n").replace("\r", "\n")
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    return UploadRejected([error(message, Span(line, column, line, column + 1), filename)], text)


# --------------------------------------------------------------------------- scopes


@dataclass(eq=False)
class _Scope:
    """One Python scope: the names bound in it (assignments, parameters, imports, ``def``,
    ``class``, ``for``/``with``/``except``/``match`` targets), and those declared global or
    nonlocal. ``kind`` is ``module``, ``class``, ``function`` or ``comprehension``."""

    kind: str
    parent: _Scope | None
    bound: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)

    def owns(self, name: str) -> bool:
        return (
            name in self.bound
            and name not in self.declared_global
            and name not in self.declared_nonlocal
        )

    def reaches_builtins(self, name: str) -> bool:
        """Whether a load of ``name`` here may end in the built-ins: only a binding of an
        enclosing function (or comprehension) is sure to be found first; a module- or
        class-level binding may not have run, and Python then falls through to the built-in.
        Class bodies are skipped on the way out, as Python skips them."""
        scope: _Scope | None = self
        while scope is not None:
            if scope.kind in ("function", "comprehension"):
                if name in scope.declared_global:
                    return True
                if scope.owns(name):
                    return False
            elif scope.kind == "module" or scope is self:
                return True
            scope = scope.parent
        return True


class _ScopedVisitor(ast.NodeVisitor):
    """Walks a module the way Python evaluates it: decorators, defaults, annotations, base
    classes and a comprehension's first iterable in the enclosing scope, the rest inside the
    scope of the function, lambda, class or comprehension."""

    def __init__(self, module_scope: _Scope) -> None:
        self.scope = module_scope

    def scope_of(self, node: ast.AST, kind: str) -> _Scope:
        raise NotImplementedError

    def defined(self, name: str, node: ast.AST) -> None:
        """``def name`` / ``class name`` binds ``name`` in the current scope."""

    def _inside(self, node: ast.AST, kind: str, parts: list[ast.AST]) -> None:
        outer = self.scope
        self.scope = self.scope_of(node, kind)
        for part in parts:
            self.visit(part)
        self.scope = outer

    def _visit_all(self, parts: list[ast.AST | None]) -> None:
        for part in parts:
            if part is not None:
                self.visit(part)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        arguments = node.args
        self._visit_all([*node.decorator_list, *arguments.defaults, *arguments.kw_defaults])
        self._visit_all([a.annotation for a in _all_arguments(arguments)] + [node.returns])
        self.defined(node.name, node)
        self._inside(node, "function", list(node.body))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_all([*node.args.defaults, *node.args.kw_defaults])
        self._inside(node, "function", [node.body])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all([*node.decorator_list, *node.bases, *node.keywords])
        self.defined(node.name, node)
        self._inside(node, "class", list(node.body))

    def _comprehension(self, node: ast.AST, generators: list[ast.comprehension]) -> None:
        self.visit(generators[0].iter)
        parts: list[ast.AST] = []
        for number, generator in enumerate(generators):
            parts += [generator.target, *([generator.iter] if number else []), *generator.ifs]
        if isinstance(node, ast.DictComp):
            parts += [node.key, node.value]
        else:
            parts.append(node.elt)  # type: ignore[attr-defined]
        self._inside(node, "comprehension", parts)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, node.generators)

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp  # type: ignore[assignment]


class _Scopes(_ScopedVisitor):
    """First pass: every scope of the module and what it binds, keyed by the scope's node."""

    def __init__(self, tree: ast.Module) -> None:
        super().__init__(_Scope("module", None))
        self.by_node: dict[ast.AST, _Scope] = {tree: self.scope}
        for statement in tree.body:
            self.visit(statement)

    def scope_of(self, node: ast.AST, kind: str) -> _Scope:
        scope = self.by_node[node] = _Scope(kind, self.scope)
        if isinstance(node, _FUNCTION_NODES):
            scope.bound.update(a.arg for a in _all_arguments(node.args))
        return scope

    def defined(self, name: str, node: ast.AST) -> None:
        self.scope.bound.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.scope.bound.add(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        scope = self.scope  # := binds in the nearest scope that is no comprehension
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        scope.bound.add(node.target.id)
        self.visit(node.value)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.scope.bound.add(alias.asname or alias.name.partition(".")[0])

    visit_ImportFrom = visit_Import  # type: ignore[assignment]

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.declared_nonlocal.update(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.scope.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.scope.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.scope.bound.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.scope.bound.add(node.rest)
        self.generic_visit(node)


_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _all_arguments(arguments: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *extra]


# --------------------------------------------------------------------------- the checks


class _Checker(_ScopedVisitor):
    """Second pass: every rule of the module docstring, each problem located."""

    def __init__(self, text: str, filename: str, tree: ast.Module) -> None:
        self.scopes = _Scopes(tree).by_node
        super().__init__(self.scopes[tree])
        self.lines = split_lines(text)
        self.filename = filename
        self.tree = tree
        self.problems: list[Diagnostic] = []
        self.declaration: dict[str, Any] = {}
        self.script_parameter = "ctx"
        self.modules = _module_names(tree)
        self.declared_private = _declared_private(tree)
        self.in_main_block = False

    def run(self) -> None:
        self._layout()
        try:
            for statement in self.tree.body:
                self.in_main_block = _is_main_block(statement)
                self.visit(statement)
        except RecursionError:
            self._problem(self.tree, "the module is nested too deeply to check")

    def scope_of(self, node: ast.AST, kind: str) -> _Scope:
        return self.scopes[node]

    def _problem(self, node: ast.AST, message: str) -> None:
        self.problems.append(error(message, self._span(node), self.filename))

    def _span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        column = self._column(line, getattr(node, "col_offset", 0))
        end_line = getattr(node, "end_lineno", None) or line
        end_column = self._column(end_line, getattr(node, "end_col_offset", None) or 0)
        if end_line == line:
            end_column = max(end_column, column + 1)
        return Span(line, column, end_line, end_column)

    def _column(self, line: int, byte_offset: int) -> int:
        """``ast`` columns count UTF-8 bytes; diagnostics count characters, from 1."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    # ---- layout: DECLARATION and script

    def _layout(self) -> None:
        declarations = _module_bindings(self.tree, "DECLARATION")
        scripts = _module_bindings(self.tree, "script")
        if not declarations:
            self._problem(self.tree, "the module must assign DECLARATION = {...}")
        for extra in declarations[1:]:
            self._problem(extra, "DECLARATION is assigned more than once")
        if declarations:
            self._declaration(declarations[0])
        if not scripts:
            self._problem(self.tree, "the module must define def script(ctx): ...")
        for extra in scripts[1:]:
            self._problem(extra, "script is defined more than once")
        if scripts:
            self._script(scripts[0])

    def _declaration(self, node: ast.AST) -> None:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            self._problem(node, "DECLARATION must be assigned alone: DECLARATION = {...}")
            return
        if not isinstance(node.value, ast.Dict):
            self._problem(node.value, "DECLARATION must be a dict literal")
            return
        try:
            declaration = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            self._problem(node.value, "DECLARATION may hold literal values only")
            return
        if not all(isinstance(key, str) for key in declaration):
            self._problem(node.value, "DECLARATION's keys must be strings")
            return
        kind = declaration.get("kind")
        if kind not in _RUNNABLE_KINDS:
            self._problem(
                node.value, f"DECLARATION's kind must be 'strategy' or 'indicator', not {kind!r}"
            )
        self.declaration = _plain(declaration)

    def _script(self, node: ast.AST) -> None:
        if not isinstance(node, ast.FunctionDef):
            self._problem(node, "script must be a function: def script(ctx): ...")
            return
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        extra = arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.defaults
        if node.decorator_list:
            self._problem(node.decorator_list[0], "script may not be decorated")
        if len(positional) != 1 or extra:
            self._problem(node, "script must take exactly one argument: def script(ctx)")
        else:
            self.script_parameter = positional[0].arg

    # ---- imports

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.name
            self._alias(node, alias)
            if not _allowed_module(name):
                self._problem(node, f"import of {name!r} is not allowed{_import_hint(name)}")
            elif "." in name and alias.asname is None:
                self._problem(node, f"write 'import {name} as NAME' (or 'from ... import ...')")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            self._alias(node, alias)
        if node.level:
            self._problem(node, "relative imports are not allowed")
        elif module == _STANDALONE and self.in_main_block:
            if [a.name for a in node.names] != ["main"]:
                self._problem(node, f"only 'main' may be imported from {_STANDALONE}")
        elif module != "__future__" and not _allowed_module(module):
            self._problem(node, f"import from {module!r} is not allowed{_import_hint(module)}")
        elif module != "__future__":
            for alias in node.names:
                if alias.name == "*":
                    self._problem(
                        node, f"'from {module} import *' is not allowed: name what you use"
                    )
                elif not _allowed_module(f"{module}.{alias.name}"):
                    problem = _refused_member(module, alias.name)
                    if problem:
                        self._problem(node, problem)

    def _alias(self, node: ast.AST, alias: ast.alias) -> None:
        if alias.asname and _is_dunder(alias.asname):
            self._problem(node, f"the special name {alias.asname!r} is not allowed")

    # ---- names, attributes, strings

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if _is_dunder(name):
            store = isinstance(node.ctx, ast.Store)
            if not (
                (name == "__name__" and not store)
                or (name == "__slots__" and store and self.scope.kind == "class")
            ):
                self._problem(node, f"the special name {name!r} is not allowed")
        elif (
            isinstance(node.ctx, ast.Load)
            and name in _BUILTIN_NAMES
            and name not in ALLOWED_BUILTINS
            and self.scope.reaches_builtins(name)
        ):
            self._problem(node, _builtin_message(name))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        problem = self._attribute_problem(node.attr) or self._module_attribute(node)
        if problem:
            self._problem(node, problem)
        self.generic_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        """``case C(attr=pattern)`` reads ``attr`` by name."""
        for name in node.kwd_attrs:
            problem = self._attribute_problem(name)
            if problem:
                self._problem(node, problem)
        self.generic_visit(node)

    def _attribute_problem(self, attribute: str) -> str | None:
        if attribute.startswith("__"):
            return f"the special attribute {attribute!r} is not allowed"
        if attribute in INTROSPECTION_ATTRIBUTES:
            return f"the introspection attribute {attribute!r} is not allowed"
        if attribute in TEXT_EVALUATING_ATTRIBUTES:
            return (
                f"the method {attribute!r} is not allowed: it interprets text"
                " (use an f-string, or pine_str.format_ for Pine's str.format)"
            )
        if attribute.startswith("_") and attribute.endswith("_") and len(attribute) > 2:
            return f"the reserved attribute {attribute!r} is not allowed"
        if attribute.startswith("_") and attribute not in self.declared_private:
            return (
                f"the private attribute {attribute!r} is not allowed: uploads may use the"
                " private attributes their own classes declare"
            )
        return None

    def _module_attribute(self, node: ast.Attribute) -> str | None:
        """``ops.nz`` where ``ops`` names an imported module: the name must exist and come
        from the runtime or the allowed modules (``pine_math.np`` is numpy)."""
        root = node.value
        if not isinstance(root, ast.Name) or root.id not in self.modules:
            return None
        module = self.modules[root.id]
        if _allowed_module(f"{module}.{node.attr}"):
            return None
        return _refused_member(module, node.attr)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value != "__main__":
            match = _DUNDER_TEXT.search(node.value)
            if match:
                self._problem(
                    node, f"text naming the special attribute {match.group()!r} is not allowed"
                )

    # ---- inputs

    def inputs(self) -> list[dict[str, Any]]:
        """One dict per ``ctx.input(kind, default, title, ...)`` call, in source order."""
        constants = _module_constants(self.tree)
        found = []
        for node in ast.walk(self.tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "input"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in (self.script_parameter, "ctx")
            ):
                continue
            arguments = dict(zip(("kind", "default", "title"), node.args, strict=False))
            arguments.update((k.arg, k.value) for k in node.keywords if k.arg)
            values = {key: _static_value(arguments.get(key), constants) for key in _INPUT_FIELDS}
            if isinstance(values["kind"], str):
                found.append((node.lineno, node.col_offset, values))
        return [values for *_, values in sorted(found, key=lambda item: item[:2])]


# --------------------------------------------------------------------------- helpers


_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not _DUNDER_TEXT.fullmatch(n))

_BUILTIN_REASONS = {
    "open": "uploads may not read or write files",
    "input": "uploads may not read the terminal (Pine inputs are ctx.input(...))",
    "exec": "uploads may not run text as code",
    "eval": "uploads may not run text as code",
    "compile": "uploads may not run text as code",
    "globals": "uploads may not reach namespaces by name",
    "locals": "uploads may not reach namespaces by name",
    "vars": "uploads may not reach namespaces by name",
    "dir": "uploads may not list objects' attributes",
    "getattr": "write the attribute itself (obj.name)",
    "setattr": "write the attribute itself (obj.name = value)",
    "delattr": "write the attribute itself (del obj.name)",
    "hasattr": "uploads may not probe attributes by name",
    "breakpoint": "uploads may not start a debugger",
    "help": "uploads may not start the help system",
    "exit": "uploads may not stop the interpreter",
    "quit": "uploads may not stop the interpreter",
}


def _builtin_message(name: str) -> str:
    reason = _BUILTIN_REASONS.get(name, "it is not on the list of allowed built-ins")
    return f"the built-in {name!r} is not allowed: {reason}"


def _import_hint(name: str) -> str:
    if name.partition(".")[0] == "pineopt":
        return " (uploads import from pineopt.runtime and its script modules only)"
    return f" (allowed: pineopt.runtime and {', '.join(sorted(ALLOWED_MODULES))})"


def _allowed_module(name: str) -> bool:
    if name in ALLOWED_MODULES or name == RUNTIME_PACKAGE:
        return True
    package, _, module = name.rpartition(".")
    return package == RUNTIME_PACKAGE and module in RUNTIME_MODULES


_NAMED_BINDINGS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
)


def _module_names(tree: ast.Module) -> dict[str, str]:
    """Names the upload binds to allowed modules by importing them (and binds in no other
    way), with the module each names: ``ops`` -> ``pineopt.runtime.ops``."""
    modules: dict[str, str] = {}
    other: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                bound = alias.asname or alias.name
                if _allowed_module(target):
                    modules[bound] = target
                else:
                    other.add(bound)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname or "." not in alias.name:
                    modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            other.add(node.id)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
        elif isinstance(node, _NAMED_BINDINGS) and node.name:
            other.add(node.name)
    return {
        name: module
        for name, module in modules.items()
        if name not in other and _allowed_module(module)
    }


def _refused_member(module_name: str, name: str) -> str | None:
    """Why ``module_name.name`` may not be used (None when it may): it must be public, exist,
    and be no module outside the lists nor an object defined outside them."""
    where = f"{module_name}.{name}"
    if name.startswith("_"):
        return f"{where} is private"
    module = importlib.import_module(module_name)
    if not hasattr(module, name):
        if hasattr(module, "__path__") and importlib.util.find_spec(where) is not None:
            return f"{where} is the module {where!r}, which uploads may not use"
        return f"{module_name} has no name {name!r}"
    value = getattr(module, name)
    allowed_names = ALLOWED_MODULES.get(module_name)
    if allowed_names is not None and name not in allowed_names:
        return f"{where} is not allowed (from {module_name}: {', '.join(sorted(allowed_names))})"
    if isinstance(value, types.ModuleType):
        if _allowed_module(value.__name__):
            return None
        return f"{where} is the module {value.__name__!r}, which uploads may not use"
    origin = getattr(value, "__module__", None)
    if not isinstance(origin, str) or _origin_allowed(origin, value):
        return None
    return f"{where} comes from {origin!r}, which uploads may not use"


def _origin_allowed(origin: str, value: object) -> bool:
    if origin in _RUNTIME_ORIGINS:
        return True
    if origin == "builtins":
        return getattr(value, "__name__", None) in ALLOWED_BUILTINS
    public = origin.lstrip("_")  # C accelerators: _bisect, _heapq, _functools
    if public not in ALLOWED_MODULES:
        return False
    names = ALLOWED_MODULES[public]
    return names is None or getattr(value, "__name__", None) in names


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _is_main_block(statement: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` at the top level of the module."""
    if not isinstance(statement, ast.If):
        return False
    test = statement.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _assigns(statement: ast.stmt, name: str) -> bool:
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
        targets = [statement.target]
    return any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t))


def _module_bindings(tree: ast.Module, name: str) -> list[ast.AST]:
    """The statements and nodes that bind ``name`` at module level, in source order (nested
    functions and classes have scopes of their own and are not entered)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                found.append(node)
            continue
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and _assigns(node, name):
            found.append(node)
            continue
        if (
            (isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load))
            or (isinstance(node, ast.alias) and (node.asname or node.name) == name)
            or (isinstance(node, ast.Global | ast.NamedExpr) and name in _bound_by(node))
        ):
            found.append(node)
        pending.extend(reversed(list(ast.iter_child_nodes(node))))
    return sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _bound_by(node: ast.Global | ast.NamedExpr) -> list[str]:
    return node.names if isinstance(node, ast.Global) else [node.target.id]


def _declared_private(tree: ast.Module) -> set[str]:
    """Private attribute names the upload declares: entries of a ``__slots__``, names bound
    in a class body, attributes it assigns (``self._box = ...``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.attr)
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(statement.name)
                elif isinstance(statement, ast.Assign) and _assigns(statement, "__slots__"):
                    slots = statement.value  # type: ignore[attr-defined]
                    for item in ast.walk(slots):
                        if isinstance(item, ast.Constant) and isinstance(item.value, str):
                            names.add(item.value)
                elif isinstance(statement, ast.Assign | ast.AnnAssign):
                    targets = getattr(statement, "targets", None) or [statement.target]
                    names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return {name for name in names if name.startswith("_") and not _is_dunder(name)}


def _module_constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level names whose value an input may show: literals, ``Color.from_hex('#..')``
    (as the hex text) and ``ops.make_enum(name, {...})`` (as the list of member names)."""
    constants: dict[str, Any] = {}
    for statement in tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            continue
        name, value = statement.targets[0].id, statement.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            arguments = value.args
            if value.func.attr == "from_hex" and arguments:
                constants[name] = _literal(arguments[0])
            elif value.func.attr == "make_enum" and len(arguments) == 2:
                members = _literal(arguments[1])
                if isinstance(members, dict):
                    constants[name] = list(members)
            continue
        literal = _literal(value)
        if literal is not None:
            constants[name] = literal
    return constants


def _static_value(node: ast.expr | None, constants: dict[str, Any]) -> Any:
    """What an argument of ``ctx.input`` reads as without running anything (None if unknown):
    a literal, a module constant, an enum member's name, ``list(Enum)``."""
    if node is None:
        return None
    literal = _literal(node)
    if literal is not None:
        return literal
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        members = constants.get(node.value.id)
        return node.attr if isinstance(members, list) and node.attr in members else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "list"
        and len(node.args) == 1
    ):
        return _static_value(node.args[0], constants)
    if isinstance(node, ast.Tuple | ast.List):
        return [_static_value(item, constants) for item in node.elts]
    return None


def _literal(node: ast.expr) -> Any:
    try:
        return _plain(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _plain(value: Any) -> Any:
    """A literal as JSON-ready data (tuples and sets as lists, other values as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)
