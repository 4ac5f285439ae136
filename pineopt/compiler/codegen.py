"""Checked Pine AST -> a Python module (built with :mod:`ast`, printed with ``ast.unparse``).

The module defines ``DECLARATION`` and ``script(ctx)``. ``script`` has three parts, in the order
the speed principles of ARCHITECTURE.md ask for:

1. **fixed values and whole-history series**: inputs and other values fixed for the run (among
   them calls of pure user functions with fixed arguments, :meth:`CodeGen.is_pure`; the user
   functions are defined first), then every expression that runs unconditionally on every bar
   with fixed arguments (``ta.sma(close, length)``, ``close - open``, ``nz(x[1])``) computed
   once with numpy;
2. **outputs**: every ``plot``-type call registered in source order (a plot of a whole-history
   series is filled at once);
3. **the bar loop**, only for what depends on state: ``var``/``:=`` variables, calls inside
   branches, loops and user functions (each call site with its own state object), drawings and
   logs. It reads the precomputed series as Python lists, ``close[bar_index]``. When every
   statement of the loop is an ``if`` on whole-history conditions, the loop runs only over the
   bars where one may hold (the event mask, :mod:`pineopt.compiler.events`).

Pine names are kept wherever they are legal; each Python statement maps back to its Pine line
through ``PINE_LINES`` (used to locate runtime errors). Loops run under TradingView's time limit
of 500 ms per loop and bar (:mod:`pineopt.runtime.loop_limit`; :meth:`CodeGen.loop_nest`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from pineopt.compiler import pyast as P
from pineopt.compiler.builtins_map import (
    BAR_SERIES,
    DRAWING_NAMESPACES,
    INT_SERIES,
    OUTPUT_FUNCTIONS,
    RUN_VALUES,
    RUN_VALUES_PREFIXES,
    SCALAR_MODULES,
    SERIES_DATA_PARAMS,
    runtime_attr,
)
from pineopt.compiler.events import acting_bars
from pineopt.compiler.names import RUNTIME_MODULES, PyNames
from pineopt.lang import builtins
from pineopt.lang import nodes as n
from pineopt.lang.analyzer import Analysis
from pineopt.lang.builtins import Signature
from pineopt.lang.scopes import SymbolKind, TypeInfo, UserFunction, UserType
from pineopt.lang.types import Qualifier
from pineopt.runtime.loop_limit import CHECK_EVERY
from pineopt.runtime.ops import EQUALITY_TOLERANCE

NUMERIC = ("int", "float")
PRICE_SERIES = frozenset(
    {"open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4", "hlcc4"}
)
MAX_INLINE_OFFSET = 10_000

CALENDAR_FUNCTIONS = frozenset(
    {"year", "month", "weekofyear", "dayofmonth", "dayofweek", "hour", "minute", "second"}
)

OUTPUT_SERIES = {
    "plot": ("series",),
    "plotshape": ("series",),
    "plotchar": ("series",),
    "plotarrow": ("series",),
    "plotcandle": ("open", "high", "low", "close"),
    "plotbar": ("open", "high", "low", "close"),
    "bgcolor": ("color",),
    "barcolor": ("color",),
    "alertcondition": ("condition",),
}
"""The per-bar arguments of each plot-type call (the rest are fixed for the run)."""

DISPLAY_TYPES = frozenset({"plot_display", "plot_simple_display"})
"""The types of the ``display.*`` constants, which combine with ``+`` and ``-``."""

PURE_NAMESPACES = ("math.", "str.", "color.")
PURE_BUILTINS = frozenset({"na", "nz", "int", "float", "bool", "string", "color"})


def is_pure_builtin(name: str) -> bool:
    """Whether a pure user function may call the built-in ``name`` (:meth:`CodeGen.is_pure`):
    a value function without state or effects, of :data:`PURE_BUILTINS` or
    :data:`PURE_NAMESPACES` (``math.random`` excepted)."""
    if name == "math.random":
        return False
    return name in PURE_BUILTINS or name.startswith(PURE_NAMESPACES)


COLOR_PARAMS = frozenset({"color", "textcolor", "colorup", "colordown", "wickcolor", "bordercolor"})


class CompileError(Exception):
    """Something the compiler cannot translate, at ``node``."""

    def __init__(self, message: str, node: n.Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass
class Var:
    """How a Pine variable lives in the generated code.

    ``kind``: ``fixed`` (one value for the run, computed before the loop), ``vector`` (a
    whole-history series: a numpy array before the loop, a list inside it), ``scalar`` (a local
    of the loop or of a function), ``state`` (a ``var`` of a user function: an attribute of its
    call-site state ``s``). ``history`` names the list that keeps past values when ``x[n]`` is
    used: one slot per bar (``per_bar``) or one per execution of the variable's scope."""

    py: str
    kind: str
    type: str = "unknown"
    history: str | None = None
    per_bar: bool = True
    decl: n.Node | None = None
    definition: n.Expr | None = None
    element: int | None = None


@dataclass
class FunctionInfo:
    """A user function: its Python name and, when it keeps state, its state class."""

    py: str
    node: n.FunctionDef
    state_class: str | None = None
    slots: list[tuple[str, ast.expr]] = field(default_factory=list)
    stateful: bool = False
    param_names: dict[str, str] = field(default_factory=dict)


@dataclass
class Frame:
    """The Python function being generated: the script's loop or a user function."""

    is_global: bool
    info: FunctionInfo | None = None
    commits: list[ast.stmt] = field(default_factory=list)
    loop_depth: int = 0
    loop_line: int = 0
    loop_deadline: str | None = None
    loop_ticks: str | None = None

    @property
    def state(self) -> str | None:
        return "s" if self.info is not None and self.info.stateful else None


class CodeGen:
    """Generates the module for one analysed script (see the module docstring)."""

    def __init__(self, analysis: Analysis, filename: str = "<input>") -> None:
        assert analysis.script is not None
        self.analysis = analysis
        self.script = analysis.script
        self.version = self.script.version
        self.filename = filename
        self.names = PyNames()
        self.scopes: list[dict[str, Var]] = [{}]
        self.module_defs: list[ast.stmt] = []
        self.fixed: list[ast.stmt] = []
        self.vector: list[ast.stmt] = []
        self.outputs: list[ast.stmt] = []
        self.functions: list[ast.stmt] = []
        self.state_init: list[ast.stmt] = []
        self.loop: list[ast.stmt] = []
        self.out: list[ast.stmt] = self.loop
        self.lines: dict[int, int] = {}
        self.errors: list[CompileError] = []
        self.conditional = 0
        self.frame = Frame(is_global=True)
        self.bar_series: set[str] = set()
        self.loop_lists: dict[str, str] = {}  # py name of a vector -> its element type
        self.runtime_modules: set[str] = set()
        self.aliases: dict[str, ast.expr] = {}  # Python name -> value, in order of first use
        self.alias_names: dict[str, str] = {}  # what an alias stands for -> its Python name
        self.bar_names: dict[str, str] = {}  # bar series -> its Python name
        self.user_functions: dict[int, FunctionInfo] = {}
        self.user_types: dict[str, str] = {}
        self.enums: dict[str, str] = {}
        self.history_targets = self._history_targets()
        self.loop_nodes, self.repeating_functions = self._repeated_code()
        self.reassigned = self._reassigned()
        self.counter = 0
        self.current_line = 0
        self.needs_bar_index = False
        self.uses_drawings = False
        declaration = self.script.declaration
        self.is_strategy = declaration is not None and declaration.func.id == "strategy"  # type: ignore[union-attr]
        self.constants: dict[str, ast.expr] = {}
        self.color_names: dict[str, str] = {}  # colour literal -> its module constant
        self.series_aliases: dict[str, ast.expr] = {}
        self.in_security = False
        self.lenient_types = False
        self.has_inputs = False
        self.variants: dict[tuple[int, tuple[str, ...]], str | None] = {}
        self.hoisted_series: dict[tuple, tuple[str, ...]] = {}
        self._vec_cache: dict[int, bool] = {}
        self.scope_commits: list[list[ast.stmt]] = [[]]
        self.pending_name: str | None = None
        self.loop_names: dict[str, str] = {}
        self.loop_lines: dict[int, int] = {}  # id of a statement -> its outermost loop's line
        self.pure_functions: dict[int, bool] = {}  # id of a FunctionDef -> CodeGen.is_pure
        self.computed_fields: dict[str, list[n.Field]] = {}  # type -> CodeGen.field_default

    # ================================================================ entry point

    def module(self) -> ast.Module:
        """Build the module; :attr:`errors` lists what could not be translated."""
        for stmt in self.script.body:
            try:
                self.global_statement(stmt)
            except CompileError as exc:
                self.errors.append(exc)
        body: list[ast.stmt] = [P.expr_stmt(P.const(self._docstring()))]
        body.extend(self._imports())
        body.append(P.assign("DECLARATION", self._declaration()))
        body.extend(P.assign(k, v) for k, v in sorted(self.constants.items()))
        body.extend(self.module_defs)
        body.append(P.function("script", ["ctx"], self._script_body(), self._script_doc()))
        module = ast.Module(body=body, type_ignores=[])
        return ast.fix_missing_locations(module)

    def _docstring(self) -> str:
        declaration = self.script.declaration
        title = ""
        if (
            declaration is not None
            and declaration.args
            and isinstance(declaration.args[0], n.String)
        ):
            title = declaration.args[0].value
        return (
            f"{title or self.filename} - converted from Pine Script v{self.version} by PineOpt.\n\n"
            "Run it with pineopt.run(...) or stand-alone: python THIS.py --data FILE.csv"
        )

    def _script_doc(self) -> str:
        return "One run of the script over ctx's bars (see pineopt.runtime.engine)."

    def _imports(self) -> list[ast.stmt]:
        modules = sorted(self.runtime_modules | {"ops"})
        text = "from pineopt.runtime import NA, " + ", ".join(modules) + "\n"
        text += "from pineopt.runtime.ops import UNSET\n"
        return P.statements(text)

    def _script_body(self) -> list[ast.stmt]:
        body: list[ast.stmt] = []
        if self.is_strategy:
            self.alias("broker", P.attr("ctx", "broker"))
        # in the order they were first needed: an alias may use an earlier one (box_new uses
        # drawing), and that order is deterministic for a given script
        alias_stmts = [P.assign(k, v) for k, v in self.aliases.items()]
        series_stmts = [P.assign(k, v) for k, v in sorted(self.series_aliases.items())]
        # the state (``var`` variables, per-call-site objects, history lists) comes before the
        # values fixed for the run: a fixed ``if`` block may declare a ``var`` of its own
        sections = [
            ("built-ins", alias_stmts),
            ("bar series", series_stmts),
            ("state", self.state_init),
            ("user functions", self.functions),  # before the values: pure ones compute some
            ("values fixed for the run", self.fixed),
            ("whole-history series", self.vector),
            ("outputs", self.outputs),
        ]
        for title, stmts in sections:
            body.extend(stmts)
            if title == "values fixed for the run" and self.has_inputs:
                body.append(P.expr_stmt(P.call(P.attr(P.attr("ctx", "inputs"), "check"))))
        if self.loop and self.uses_drawings:
            self.bar_series.update(("time", "close"))
        if self.loop or self.is_strategy:
            bars = P.call("range", [P.attr("ctx", "bar_count")])
            acting = self._acting_bars()
            if acting is not None:
                name = self.names.fresh("acting")
                body.append(P.assign(name, acting))
                bars = P.call(P.attr("ctx", "bars"), [P.name(name)])
            for series in sorted(self.bar_series):
                body.append(P.assign(self._bar_py(series), self._series_list(series)))
            for py, type_ in sorted(self.loop_lists.items()):
                if type_ not in (*NUMERIC, "bool"):
                    continue  # objects per bar (arrays): already a list
                if type_ == "int":
                    value = P.call("ops.int_list", [P.name(py)])
                else:
                    value = P.call(P.attr(py, "tolist"))
                body.append(P.assign(py, value))
            loop_body = list(self.loop)
            if self.is_strategy:
                broker = self.alias("broker", P.attr("ctx", "broker"))
                loop_body.insert(
                    0, P.expr_stmt(P.call(P.attr(broker, "begin_bar"), [P.name("bar_index")]))
                )
            if self.uses_drawings:
                set_bar = P.attr(P.attr("ctx", "drawings"), "set_bar")
                bar_values = [
                    P.name("bar_index"),
                    self.builtin_value("time", self.script),
                    self.builtin_value("close", self.script),
                ]
                loop_body.insert(0, P.expr_stmt(P.call(set_bar, bar_values)))
            if self.needs_bar_index:
                loop_body.insert(
                    0, P.assign(P.attr("ctx", "bar_index", store=True), P.name("bar_index"))
                )
            loop_body.extend(self.frame.commits)
            if self.is_strategy:
                end_bar = P.attr(broker, "end_bar")
                loop_body.append(P.expr_stmt(P.call(end_bar, [P.name("bar_index")])))
            body.append(
                ast.For(
                    target=P.name("bar_index", store=True),
                    iter=bars,
                    body=loop_body,
                    orelse=[],
                )
            )
        return body or [ast.Pass()]

    def _acting_bars(self) -> ast.expr | None:
        """The event mask of the bar loop (:mod:`pineopt.compiler.events`), or None."""
        if self.uses_drawings or any(k.startswith("strategy_risk_") for k in self.alias_names):
            return None
        loop = list(self.loop) + list(self.frame.commits)
        series = {py: (type_, P.name(py)) for py, type_ in self.loop_lists.items()}
        for name, py in self.bar_names.items():
            if name in PRICE_SERIES or name in INT_SERIES:
                type_ = "float" if name in PRICE_SERIES else "int"
                series[py] = (type_, P.call(P.attr("ctx", "series"), [P.const(name)]))
        fixed = {v.py: v.type for v in self.scopes[0].values() if v.kind == "fixed"}
        mask = acting_bars(loop, series, fixed)
        if mask is not None:
            self.use_module("vector_ops")
        return mask

    # ================================================================ bookkeeping

    def _history_targets(self) -> set[tuple[int, str]]:
        """Declarations whose variable is read with ``[]``: (id of declaring node, name)."""
        targets = set()
        for node in n.walk(self.script):
            if isinstance(node, n.Index) and isinstance(node.value, n.Name):
                symbol = self.analysis.symbols.get(node.value)
                if symbol is not None and symbol.node is not None:
                    targets.add((id(symbol.node), node.value.id))
        return targets

    def _repeated_code(self) -> tuple[set[int], set[int]]:
        """What can run several times on one bar: the nodes inside a loop (a ``for`` body and
        its v6 ``to`` bound, a ``for...in`` body, a ``while`` condition and body) of their own
        function or of the global scope, and the user functions called from such nodes or from
        such functions (ids of nodes and of ``FunctionDef`` nodes)."""
        in_loop: set[int] = set()
        calls: list[tuple[int | None, bool, n.Call]] = []  # (enclosing function, in loop, call)
        stack: list[tuple[n.Node, bool, int | None]] = [(self.script, False, None)]
        while stack:
            node, looping, function = stack.pop()
            if looping:
                in_loop.add(id(node))
            if isinstance(node, n.Call):
                calls.append((function, looping, node))
            if isinstance(node, n.FunctionDef):
                stack.extend((child, False, id(node)) for child in n.iter_child_nodes(node))
                continue
            repeated: tuple[n.Node, ...] = ()
            if isinstance(node, n.For):
                repeated = (node.end, *node.body) if self.version >= 6 else node.body
            elif isinstance(node, n.ForIn):
                repeated = node.body
            elif isinstance(node, n.While):
                repeated = (node.condition, *node.body)
            for child in n.iter_child_nodes(node):
                inside = looping or any(child is r for r in repeated)
                stack.append((child, inside, function))
        repeating: set[int] = set()
        changed = True
        while changed:
            changed = False
            for function, looping, call in calls:
                callee = self.analysis.calls.get(call)
                if not isinstance(callee, UserFunction) or callee.node is None:
                    continue
                if id(callee.node) in repeating:
                    continue
                if looping or (function is not None and function in repeating):
                    repeating.add(id(callee.node))
                    changed = True
        return in_loop, repeating

    def repeats(self, node: n.Node) -> bool:
        """Whether the call ``node`` may run several times on a bar (:meth:`_repeated_code`)."""
        if id(node) in self.loop_nodes:
            return True
        info = self.frame.info
        return info is not None and id(info.node) in self.repeating_functions

    def _reassigned(self) -> set[tuple[int, str]]:
        found = set()
        for node in n.walk(self.script):
            if isinstance(node, n.Assign) and isinstance(node.target, n.Name):
                symbol = self.analysis.symbols.get(node.target)
                if symbol is not None and symbol.node is not None:
                    found.add((id(symbol.node), node.target.id))
        return found

    def emit(self, stmt: ast.stmt, node: n.Node | None = None) -> None:
        self.out.append(stmt)
        self.mark(stmt, node)

    def mark(self, stmt: ast.stmt, node: n.Node | None = None) -> None:
        line = node.span.line if node is not None and node.span.line else self.current_line
        if line:
            self.lines[id(stmt)] = line

    @contextmanager
    def into(self, target: list[ast.stmt]):
        saved = self.out
        self.out = target
        try:
            yield target
        finally:
            self.out = saved

    @contextmanager
    def scope(self):
        self.scopes.append({})
        try:
            yield
        finally:
            self.scopes.pop()

    @contextmanager
    def branch(self):
        self.conditional += 1
        try:
            yield
        finally:
            self.conditional -= 1

    def lookup(self, name: str) -> Var | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def declare(self, name: str, var: Var) -> Var:
        self.scopes[-1][name] = var
        return var

    def temp(self, hint: str) -> str:
        return self.names.fresh(hint)

    def info(self, node: n.Node) -> TypeInfo | None:
        return self.analysis.types.get(node)

    def type_of(self, node: n.Node) -> str:
        info = self.info(node)
        if info is None or info.is_unknown:
            return "unknown"
        return info.name

    def qualifier(self, node: n.Node) -> Qualifier:
        info = self.info(node)
        if info is None or info.is_unknown:
            return Qualifier.SERIES
        return info.qualifier

    def na_of(self, type_name: str) -> ast.expr:
        if type_name in NUMERIC or type_name == "unknown":
            return P.name("NA")
        if type_name == "bool":
            return P.const(False)
        return P.const(None)

    def use_module(self, module: str) -> ast.expr:
        assert module in RUNTIME_MODULES, module  # their names are kept from Pine's
        self.runtime_modules.add(module)
        return P.name(module)

    def alias(self, pine_name: str, value: ast.expr) -> ast.expr:
        """A readable local for a runtime callable or value: ``math_max`` for ``math.max``
        (``math_max_2`` when a Pine variable took that name first)."""
        local = self.alias_names.get(pine_name)
        if local is None:
            local = self.alias_names[pine_name] = self.names.fresh(pine_name.replace(".", "_"))
            self.aliases[local] = value
        return P.name(local)

    def unconditional(self) -> bool:
        return self.frame.is_global and self.conditional == 0

    # ================================================================ global statements

    def global_statement(self, stmt: n.Stmt) -> None:
        self.current_line = stmt.span.line
        if isinstance(stmt, n.ExprStmt) and isinstance(stmt.expr, n.Call):
            name = self.builtin_name(stmt.expr)
            if name in ("indicator", "strategy", "library"):
                return
            if name in OUTPUT_FUNCTIONS:
                self.output_call(stmt.expr, name)
                return
        if isinstance(stmt, n.FunctionDef):
            self.function_def(stmt)
            return
        if isinstance(stmt, n.TypeDef):
            self.type_def(stmt)
            return
        if isinstance(stmt, n.EnumDef):
            self.enum_def(stmt)
            return
        if isinstance(stmt, n.Import):
            raise CompileError("imported libraries are not supported yet", stmt)
        if isinstance(stmt, n.VarDecl) and isinstance(stmt.value, n.Call):
            name = self.builtin_name(stmt.value)
            if name in OUTPUT_FUNCTIONS:  # p = plot(...): the record, for fill()
                record = self.output_call(stmt.value, name)
                self.declare(stmt.name, Var(record, "fixed", name, decl=stmt))
                return
        if isinstance(stmt, n.VarDecl) and self.global_decl(stmt):
            return
        if isinstance(stmt, n.TupleDecl) and self.global_tuple(stmt):
            return
        self.statement(stmt)

    def global_decl(self, stmt: n.VarDecl) -> bool:
        """Declare a global that needs no bar loop: fixed or whole-history. False otherwise."""
        self.pending_name = stmt.name if self.is_input(stmt.value) else None
        try:
            return self._global_decl(stmt)
        finally:
            self.pending_name = None

    def _global_decl(self, stmt: n.VarDecl) -> bool:
        if (id(stmt), stmt.name) in self.reassigned:
            return False
        type_name = self.decl_type(stmt)
        if stmt.name in ("_",):
            return False
        if self.qualifier(stmt.value) <= Qualifier.SIMPLE and self.is_fixed(stmt.value):
            # a `var` that is never reassigned and starts fixed is fixed too (and may be const)
            if self.is_input(stmt.value):
                value = self.scalar(stmt.value)
                assert isinstance(value, ast.Name)
                self.declare(stmt.name, Var(value.id, "fixed", type_name, decl=stmt))
                return True
            py = self.names.fresh(stmt.name)
            with self.into(self.fixed):
                value = self.value_for(stmt.value, type_name)
                self.emit(P.assign(py, value), stmt)
            self.declare(stmt.name, Var(py, "fixed", type_name, decl=stmt))
            return True
        if stmt.mode is not None:
            return False
        if type_name in (*NUMERIC, "bool") and self.vectorisable(stmt.value):
            py = self.names.fresh(stmt.name)
            with self.into(self.vector):
                self.emit(P.assign(py, self.as_array(stmt.value, type_name)), stmt)
            self.declare(stmt.name, Var(py, "vector", type_name, decl=stmt, definition=stmt.value))
            return True
        return False

    def is_input(self, node: n.Expr) -> bool:
        if not isinstance(node, n.Call):
            return False
        name = self.builtin_name(node)
        return name is not None and (name == "input" or name.startswith("input."))

    def global_tuple(self, stmt: n.TupleDecl) -> bool:
        """Declare a global tuple of whole-history series; False when it needs the loop (its
        value does, or one of its variables is reassigned)."""
        value = stmt.value
        if any((id(stmt), name) in self.reassigned for name in stmt.names):
            return False
        if not (isinstance(value, n.Call) and self.vectorisable(value)):
            return False
        pys = []
        for element in stmt.names:
            pys.append(self.names.fresh(element) if element != "_" else "_")
        with self.into(self.vector):
            target = P.tuple_([P.name(p, store=True) for p in pys])
            target.ctx = ast.Store()
            self.emit(ast.Assign(targets=[target], value=self.vector_expr(value)), stmt)
        types = self._tuple_types(value, len(pys))
        for i, (element, py, type_name) in enumerate(zip(stmt.names, pys, types, strict=True)):
            if element != "_":
                var = Var(py, "vector", type_name, decl=stmt, definition=value, element=i)
                self.declare(element, var)
        return True

    def _tuple_types(self, value: n.Expr, count: int) -> list[str]:
        info = self.info(value)
        if info is not None and info.type.is_tuple:
            return [e.name for e in info.type.args][:count] + ["float"] * (
                count - len(info.type.args)
            )
        return ["float"] * count

    def decl_type(self, stmt: n.VarDecl) -> str:
        if stmt.type is not None:
            if stmt.type.legacy_array:
                return "array"
            return stmt.type.name
        return self.type_of(stmt.value)

    # ================================================================ statements (loop path)

    def body(self, stmts: tuple[n.Stmt, ...]) -> None:
        for stmt in stmts:
            self.statement(stmt)

    def statement(self, stmt: n.Stmt) -> None:
        self.current_line = stmt.span.line or self.current_line
        method = getattr(self, "stmt_" + type(stmt).__name__, None)
        if method is None:
            raise CompileError(f"{type(stmt).__name__} statements are not supported", stmt)
        method(stmt)

    def stmt_VarDecl(self, stmt: n.VarDecl) -> None:
        """A declaration of the loop path. The variable is declared after its value is
        compiled: ``var yloc = cond ? yloc.abovebar : yloc.price`` reads the namespace (the
        analyser met no variable ``yloc`` there either). A ``var`` computes its first value
        only once."""
        type_name = self.decl_type(stmt)
        var = self.new_variable(stmt, stmt.name, type_name, stmt.mode is not None)
        target = self.target_of(var)
        if stmt.mode is not None:
            first: list[ast.stmt] = []
            with self.into(first):
                value = self.value_for(stmt.value, type_name)
            first.append(P.assign(P.store(target), value))
            check = P.compare(target, ast.Is(), P.name("UNSET"))
            self.emit(P.if_stmt(check, first), stmt)
        else:
            self.assign_value(var, stmt.value, type_name, stmt)
        self.declare(stmt.name, var)

    def assign_value(self, var: Var, value: n.Expr, type_name: str, stmt: n.Node) -> None:
        target = self.target_of(var)
        if isinstance(value, n.If | n.Switch | n.For | n.ForIn | n.While):
            self.structure(value, target)
            return
        self.emit(P.assign(P.store(target), self.value_for(value, type_name)), stmt)

    def value_for(self, value: n.Expr, type_name: str) -> ast.expr:
        """``value`` as a value of ``type_name``: ``na`` becomes that type's ``na``; an int
        assigned to a float stays an int (Pine ints are doubles at run time)."""
        if isinstance(value, n.Na):
            return self.na_of(type_name)
        if isinstance(value, n.If | n.Switch | n.For | n.ForIn | n.While):
            tmp = self.temp("value")
            self.structure(value, P.name(tmp))
            return P.name(tmp)
        return self.scalar(value)

    def new_variable(self, decl: n.Node, name: str, type_name: str, persistent: bool) -> Var:
        """A new variable of the loop path (``persistent``: a ``var``/``varip``), for the
        caller to :meth:`declare` once its value is compiled."""
        frame = self.frame
        needs_history = (id(decl), name) in self.history_targets
        py = self.names.fresh(name)
        if persistent and frame.state is not None:
            var = Var(py, "state", type_name, decl=decl)
            frame.info.slots.append((py, P.name("UNSET")))  # type: ignore[union-attr]
        else:
            var = Var(py, "scalar", type_name, decl=decl)
            if persistent:
                self.state_init.append(P.assign(py, P.name("UNSET")))
        if needs_history:
            self.add_history(var, name)
        return var

    def add_history(self, var: Var, name: str) -> None:
        """Give ``var`` a list of past values, committed at the end of its scope's run."""
        frame = self.frame
        hist = self.names.fresh(name + "_history")
        top_level = frame.is_global and len(self.scopes) == 1
        value = self.target_of(var)
        if top_level:
            var.history, var.per_bar = hist, True
            self.state_init.append(
                P.assign(
                    hist,
                    P.binop(
                        P.list_([self.na_of(var.type)]), ast.Mult(), P.attr("ctx", "bar_count")
                    ),
                )
            )
            frame.commits.append(
                P.assign(P.subscript(P.name(hist), P.name("bar_index"), True), value)
            )
            return
        var.history, var.per_bar = hist, False
        if frame.state is not None:
            frame.info.slots.append((hist, P.list_([])))  # type: ignore[union-attr]
            buffer: ast.expr = P.attr("s", hist)
            var.history = f"s.{hist}"
        else:
            self.state_init.append(P.assign(hist, P.list_([])))
            buffer = P.name(hist)
        commit = P.expr_stmt(P.call(P.attr(buffer, "append"), [value]))
        self.scope_commits[-1].append(commit)

    def target_of(self, var: Var) -> ast.expr:
        if var.kind == "state":
            return P.attr("s", var.py)
        return P.name(var.py)

    def stmt_TupleDecl(self, stmt: n.TupleDecl) -> None:
        types = self._tuple_types(stmt.value, len(stmt.names))
        targets = []
        declared = []
        for name, type_name in zip(stmt.names, types, strict=True):
            if name == "_":
                targets.append(P.name("_", store=True))
                continue
            var = self.new_variable(stmt, name, type_name, False)
            declared.append((name, var))
            targets.append(P.store(self.target_of(var)))
        if isinstance(stmt.value, n.If | n.Switch):
            tmp = self.temp("values")
            self.structure(stmt.value, P.name(tmp))
            value: ast.expr = P.name(tmp)
        else:
            value = self.scalar(stmt.value)
        self.emit(ast.Assign(targets=[ast.Tuple(elts=targets, ctx=ast.Store())], value=value), stmt)
        for name, var in declared:
            self.declare(name, var)

    def stmt_Assign(self, stmt: n.Assign) -> None:
        target_node = stmt.target
        if isinstance(target_node, n.Name):
            var = self.lookup(target_node.id)
            if var is None:
                raise CompileError(f"cannot assign to '{target_node.id}'", stmt)
            if var.kind in ("fixed", "vector"):
                raise CompileError(f"internal: '{target_node.id}' was planned as fixed", stmt)
            target = self.target_of(var)
            type_name = var.type
        else:
            target = self.scalar(target_node)
            type_name = self.type_of(target_node)
        if stmt.op == ":=":
            if isinstance(stmt.value, n.If | n.Switch | n.For | n.ForIn | n.While):
                self.structure(stmt.value, target)
                return
            value = self.value_for(stmt.value, type_name)
        else:
            op = stmt.op[0]
            value = self.binary_op(op, target, self.scalar(stmt.value), target_node, stmt.value)
        self.emit(P.assign(P.store(target), value), stmt)

    def stmt_ExprStmt(self, stmt: n.ExprStmt) -> None:
        expr = stmt.expr
        if isinstance(expr, n.If | n.Switch | n.For | n.ForIn | n.While):
            self.structure(expr, None)
            return
        if isinstance(expr, n.Call):
            name = self.builtin_name(expr)
            if name in OUTPUT_FUNCTIONS:
                raise CompileError(f"'{name}' is only allowed in the global scope", expr)
        value = self.scalar(expr)
        if isinstance(value, ast.Name | ast.Constant):
            return
        self.emit(P.expr_stmt(value), stmt)

    def stmt_Break(self, stmt: n.Break) -> None:
        self.emit(ast.Break(), stmt)

    def stmt_Continue(self, stmt: n.Continue) -> None:
        self.emit(ast.Continue(), stmt)

    def stmt_FunctionDef(self, stmt: n.FunctionDef) -> None:
        raise CompileError("functions can only be defined in the global scope", stmt)

    # ---------------------------------------------------------------- control structures

    def block(self, stmts: tuple[n.Stmt, ...], target: ast.expr | None) -> list[ast.stmt]:
        """A local block: its statements, the last one's value stored in ``target``."""
        out: list[ast.stmt] = []
        with self.into(out), self.scope(), self.branch():
            self.scope_commits.append([])
            try:
                for i, stmt in enumerate(stmts):
                    last = i == len(stmts) - 1
                    if last and target is not None:
                        self.last_value(stmt, target)
                    else:
                        self.statement(stmt)
            finally:
                commits = self.scope_commits.pop()
            out.extend(commits)
        return out or [ast.Pass()]

    def last_value(self, stmt: n.Stmt, target: ast.expr) -> None:
        """The last statement of a block whose value is wanted."""
        self.current_line = stmt.span.line or self.current_line
        if isinstance(stmt, n.ExprStmt):
            expr = stmt.expr
            if isinstance(expr, n.If | n.Switch | n.For | n.ForIn | n.While):
                self.structure(expr, target)
                return
            self.emit(P.assign(P.store(target), self.scalar(expr)), stmt)
            return
        self.statement(stmt)
        if isinstance(stmt, n.Assign) and isinstance(stmt.target, n.Name):
            var = self.lookup(stmt.target.id)
            if var is not None:
                self.emit(P.assign(P.store(target), self.target_of(var)), stmt)
                return
        if isinstance(stmt, n.VarDecl):
            var = self.lookup(stmt.name)
            if var is not None:
                self.emit(P.assign(P.store(target), self.target_of(var)), stmt)

    def structure(self, node: n.Expr, target: ast.expr | None) -> None:
        """An if/switch/loop as a statement; its value (if wanted) goes to ``target``."""
        type_name = self.type_of(node)
        if isinstance(node, n.If):
            self.if_structure(node, target, type_name)
        elif isinstance(node, n.Switch):
            self.switch_structure(node, target, type_name)
        elif isinstance(node, n.For):
            self.for_structure(node, target)
        elif isinstance(node, n.ForIn):
            self.for_in_structure(node, target)
        elif isinstance(node, n.While):
            self.while_structure(node, target)

    def if_structure(self, node: n.If, target: ast.expr | None, type_name: str) -> None:
        test = self.condition(node.condition)
        body = self.block(node.body, target)
        orelse: list[ast.stmt] = []
        tail = orelse
        for elif_ in node.elifs:
            with self.into(tail):
                elif_test = self.condition(elif_.condition)
            branch = P.if_stmt(elif_test, self.block(elif_.body, target))
            self.mark(branch, elif_)
            tail.append(branch)
            tail = branch.orelse
        if node.orelse is not None:
            tail.extend(self.block(node.orelse, target))
        elif target is not None:
            tail.append(P.assign(P.store(target), self.na_of(type_name)))
        self.emit(P.if_stmt(test, body, orelse), node)

    def switch_structure(self, node: n.Switch, target: ast.expr | None, type_name: str) -> None:
        subject = None
        if node.subject is not None:
            subject = P.name(self.temp("subject"))
            self.emit(P.assign(P.store(subject), self.scalar(node.subject)), node)
        first: ast.If | None = None
        tail: list[ast.stmt] = []
        for case in node.cases:
            with self.into(tail if first is not None else self.out):
                if subject is not None:
                    test = self.equality(
                        subject, self.scalar(case.pattern), node.subject, case.pattern
                    )
                else:
                    test = self.condition(case.pattern)
            branch = P.if_stmt(test, self.block(case.body, target))
            self.mark(branch, case)
            if first is None:
                first = branch
            else:
                tail.append(branch)
            tail = branch.orelse
        default: list[ast.stmt] = []
        if node.default is not None:
            default = self.block(node.default, target)
        elif target is not None:
            default = [P.assign(P.store(target), self.na_of(type_name))]
        if first is None:
            self.out.extend(default)
            return
        tail.extend(default)
        self.emit(first, node)

    # ---- loops, under TradingView's time limit (pineopt.runtime.loop_limit)

    @contextmanager
    def loop_nest(self, node: n.For | n.ForIn | n.While):
        """Generate the loop ``node`` inside its nest: the outermost loop of a function that
        holds a ``while`` or a nested loop gets a deadline (``loop_deadline``) that every loop
        of the nest checks, and a ``while`` among them an iteration countdown (``loop_ticks``);
        a lone counted loop times itself in the runtime."""
        frame = self.frame
        outermost = frame.loop_depth == 0
        if outermost:
            frame.loop_line = node.span.line
            inner = [x for x in n.walk(node) if isinstance(x, n.For | n.ForIn | n.While)]
            if isinstance(node, n.While) or len(inner) > 1:
                frame.loop_deadline = self.loop_name("loop_deadline")
            if any(isinstance(x, n.While) for x in inner):
                frame.loop_ticks = self.loop_name("loop_ticks")
        frame.loop_depth += 1
        try:
            yield
        finally:
            frame.loop_depth -= 1
            if outermost:
                frame.loop_deadline = frame.loop_ticks = None

    def loop_name(self, hint: str) -> str:
        """The Python name of a loop-limit variable: one per module, reused by every nest."""
        if hint not in self.loop_names:
            self.loop_names[hint] = self.temp(hint)
        return self.loop_names[hint]

    def loop_deadline_args(self) -> list[ast.expr]:
        """The deadline argument of a runtime loop helper, when the nest has one."""
        deadline = self.frame.loop_deadline
        return [P.name(deadline)] if deadline is not None else []

    def loop_prologue(self, node: n.Node) -> None:
        """Before the outermost loop of a nest: start its deadline and countdown (if any)."""
        frame = self.frame
        if frame.loop_depth == 1 and frame.loop_deadline is not None:
            self.use_module("loop_limit")
            self.emit(P.assign(frame.loop_deadline, P.call("loop_limit.deadline")), node)
            if frame.loop_ticks is not None:
                self.emit(P.assign(frame.loop_ticks, P.const(CHECK_EVERY)), node)

    def emit_loop(self, stmt: ast.stmt, node: n.Node) -> None:
        """Emit a statement of a loop's own (its header, its counter); in a nested loop it
        reports the time limit at the outermost loop, which TradingView says times out first."""
        self.emit(stmt, node)
        if self.frame.loop_depth > 1:
            self.loop_lines[id(stmt)] = self.frame.loop_line

    def loop_countdown(self, node: n.Node) -> list[ast.stmt]:
        """``loop_ticks -= 1`` and, when it reaches zero, a check of the nest's deadline: the
        first statements of a ``while`` body."""
        ticks, deadline = self.frame.loop_ticks, self.frame.loop_deadline
        assert ticks is not None and deadline is not None
        self.use_module("loop_limit")
        count = ast.AugAssign(target=P.name(ticks, store=True), op=ast.Sub(), value=P.const(1))
        check = P.assign(ticks, P.call("loop_limit.check", [P.name(deadline)]))
        when_zero = P.if_stmt(ast.UnaryOp(ast.Not(), P.name(ticks)), [check])
        for statement in (count, when_zero, check):
            self.mark(statement, node)
            if self.frame.loop_depth > 1:
                self.loop_lines[id(statement)] = self.frame.loop_line
        return [count, when_zero]

    def for_structure(self, node: n.For, target: ast.expr | None) -> None:
        with self.loop_nest(node):
            self.for_loop(node, target)

    def for_loop(self, node: n.For, target: ast.expr | None) -> None:
        start = self.scalar(node.start)
        end_node = node.end
        step = self.scalar(node.step) if node.step is not None else P.const(1)
        if target is not None:
            self.emit(P.assign(P.store(target), self.na_of(self.type_of(node))), node)
        with self.scope():
            var = self.names.fresh(node.var)
            self.declare(node.var, Var(var, "scalar", self.type_of(node.start)))
            assigned = {
                s.target.id
                for s in n.walk(n.Script(6, (), node.body))
                if isinstance(s, n.Assign) and isinstance(s.target, n.Name)
            }
            end_names = {x.id for x in n.walk(n.ExprStmt(end_node)) if isinstance(x, n.Name)}
            end_calls = any(isinstance(x, n.Call) for x in n.walk(n.ExprStmt(end_node)))
            dynamic_end = self.version >= 6 and (bool(assigned & end_names) or end_calls)
            end = self.scalar(end_node)
            body = self.block(node.body, target)
            bounds = [node.start, end_node] + ([node.step] if node.step is not None else [])
            ints = all(self.type_of(bound) == "int" for bound in bounds)
            deadline = self.loop_deadline_args()
            if not dynamic_end:
                counter = "ops.int_range" if ints else "ops.pine_range"
                iterator = P.call(counter, [start, end, step, *deadline])
                loop = ast.For(target=P.name(var, store=True), iter=iterator, body=body, orelse=[])
                self.loop_prologue(node)
                self.emit_loop(loop, node)
                return
            # v6 re-reads the end bound before every iteration (it changes in the body)
            state = self.temp("loop")
            counter_args = [start, end, step] + ([P.const(True)] if ints else [])
            keywords = {"loop_deadline": deadline[0]} if deadline else {}
            counter = P.call("ops.LoopCounter", counter_args, **keywords)
            self.loop_prologue(node)
            self.emit_loop(P.assign(state, counter), node)
            test = P.call(P.attr(state, "next"), [end])
            loop_body = [P.assign(var, P.attr(state, "value")), *body]
            self.emit_loop(ast.While(test=test, body=loop_body, orelse=[]), node)

    def for_in_structure(self, node: n.ForIn, target: ast.expr | None) -> None:
        with self.loop_nest(node):
            self.for_in_loop(node, target)

    def for_in_loop(self, node: n.ForIn, target: ast.expr | None) -> None:
        iterable = self.scalar(node.iterable)
        kind = self.type_of(node.iterable)
        if target is not None:
            self.emit(P.assign(P.store(target), self.na_of(self.type_of(node))), node)
        self.use_module("loop_limit")
        deadline = self.loop_deadline_args()
        with self.scope():
            item = self.names.fresh(node.item)
            self.declare(node.item, Var(item, "scalar", "unknown"))
            if kind == "map":
                items = P.call("list", [P.call(P.attr(iterable, "items"))])
                iterator = P.call("loop_limit.over", [items, *deadline])
                key = self.names.fresh(node.index or "_key")
                if node.index:
                    self.declare(node.index, Var(key, "scalar", "unknown"))
                loop_target: ast.expr = ast.Tuple(
                    elts=[P.name(key, store=True), P.name(item, store=True)], ctx=ast.Store()
                )
            else:
                items = P.call("list", [iterable])  # a matrix iterates over row copies
                iterator = P.call("loop_limit.over", [items, *deadline])
                if node.index:
                    index = self.names.fresh(node.index)
                    self.declare(node.index, Var(index, "scalar", "int"))
                    iterator = P.call("enumerate", [iterator])
                    loop_target = ast.Tuple(
                        elts=[P.name(index, store=True), P.name(item, store=True)], ctx=ast.Store()
                    )
                else:
                    loop_target = P.name(item, store=True)
            body = self.block(node.body, target)
            self.loop_prologue(node)
            self.emit_loop(ast.For(target=loop_target, iter=iterator, body=body, orelse=[]), node)

    def while_structure(self, node: n.While, target: ast.expr | None) -> None:
        with self.loop_nest(node):
            self.while_loop(node, target)

    def while_loop(self, node: n.While, target: ast.expr | None) -> None:
        if target is not None:
            self.emit(P.assign(P.store(target), self.na_of(self.type_of(node))), node)
        countdown = self.loop_countdown(node)
        body: list[ast.stmt] = []
        with self.into(body):
            test = self.condition(node.condition)
        if body:  # the condition needed statements: re-evaluate it before every iteration
            loop_body = [*countdown, *body, P.if_stmt(ast.UnaryOp(ast.Not(), test), [ast.Break()])]
            loop_body.extend(self.block(node.body, target))
            self.loop_prologue(node)
            self.emit_loop(ast.While(test=P.const(True), body=loop_body, orelse=[]), node)
            return
        loop_body = [*countdown, *self.block(node.body, target)]
        self.loop_prologue(node)
        self.emit_loop(ast.While(test=test, body=loop_body, orelse=[]), node)

    def condition(self, node: n.Expr) -> ast.expr:
        value = self.scalar(node)
        if self.type_of(node) in NUMERIC:
            return P.call("ops.to_bool", [value])
        return value

    # ================================================================ expressions (per bar)

    def scalar(self, node: n.Expr) -> ast.expr:
        """``node``'s value on the current bar."""
        if (
            self.unconditional()
            and not self.is_leaf(node)
            and not self.is_fixed_value(node)
            and self.vectorisable(node)
        ):
            return self.hoisted(node)
        method = getattr(self, "x_" + type(node).__name__, None)
        if method is None:
            raise CompileError(f"{type(node).__name__} expressions are not supported", node)
        return method(node)

    def is_leaf(self, node: n.Expr) -> bool:
        if isinstance(node, n.Int | n.Float | n.Bool | n.String | n.Color | n.Na | n.Name):
            return True
        if isinstance(node, n.Attribute):
            return self.builtin_path(node) is not None
        return isinstance(node, n.Index) and self.is_leaf(node.value)

    def hoisted(self, node: n.Expr) -> ast.expr:
        """A whole-history series computed before the loop, read at this bar. The same
        expression over the same variables is computed once (an unconditional call's series
        depends on its inputs only, so two call sites of it share one)."""
        key = self.expression_key(node)
        pys = self.hoisted_series.get(key)
        tuple_ = self.is_tuple(node)
        if pys is None:
            if tuple_:  # a series per element
                types = self._tuple_types(node, len(self.info(node).type.args))  # type: ignore[union-attr]
                pys = tuple(self.names.fresh(self.hint(node)) for _ in types)
                target = ast.Tuple(elts=[P.name(py, store=True) for py in pys], ctx=ast.Store())
                statement: ast.stmt = ast.Assign(targets=[target], value=self.vector_expr(node))
            else:
                types = [self.type_of(node)]
                pys = (self.names.fresh(self.hint(node)),)
                statement = P.assign(pys[0], self.as_array(node, types[0]))
            with self.into(self.vector):
                self.emit(statement, node)
            for py, type_name in zip(pys, types, strict=True):
                if type_name not in (*NUMERIC, "bool"):
                    type_name = "object" if type_name == "array" else "float"
                self.loop_lists[py] = type_name
            self.hoisted_series[key] = pys
        values = [P.subscript(P.name(py), P.name("bar_index")) for py in pys]
        return P.tuple_(values) if tuple_ else values[0]

    def is_tuple(self, node: n.Expr) -> bool:
        info = self.info(node)
        return info is not None and info.type.is_tuple

    def expression_key(self, node: n.Expr) -> tuple:
        """The Pine text of ``node`` and what each name in it resolves to here."""
        from pineopt.lang.printer import unparse

        names = []
        for sub in n.walk(n.ExprStmt(node)):
            if isinstance(sub, n.Name):
                var = self.lookup(sub.id)
                names.append(var.py if var is not None else sub.id)
        return unparse(node), tuple(names)

    def hint(self, node: n.Expr) -> str:
        if isinstance(node, n.Call):
            name = self.builtin_name(node) or "value"
            return name.replace(".", "_")
        if isinstance(node, n.Index):
            return "past"
        if isinstance(node, n.Binary) and node.op in (
            "and",
            "or",
            "<",
            ">",
            "<=",
            ">=",
            "==",
            "!=",
        ):
            return "cond"
        return "series"

    def x_Int(self, node: n.Int) -> ast.expr:
        return P.const(node.value)

    def x_Float(self, node: n.Float) -> ast.expr:
        return P.const(node.value)

    def x_Bool(self, node: n.Bool) -> ast.expr:
        return P.const(node.value)

    def x_String(self, node: n.String) -> ast.expr:
        return P.const(node.value)

    def x_Color(self, node: n.Color) -> ast.expr:
        return self.color_constant(node.value)

    def color_constant(self, hex_text: str) -> ast.expr:
        """A colour literal: a module-level constant ``COLOR_F23645``."""
        digits = hex_text.lstrip("#").upper()
        local = self.color_names.get(digits)
        if local is None:
            local = self.color_names[digits] = self.names.fresh("COLOR_" + digits)
            self.constants[local] = P.call("pine_color.Color.from_hex", [P.const(hex_text)])
            self.use_module("pine_color")
        return P.name(local)

    def x_Na(self, node: n.Na) -> ast.expr:
        return self.na_of(self.type_of(node))

    def x_Name(self, node: n.Name) -> ast.expr:
        var = self.lookup(node.id)
        if var is not None:
            return self.read_var(var)
        return self.builtin_value(node.id, node)

    def read_var(self, var: Var) -> ast.expr:
        if var.kind == "vector":
            if var.py not in self.loop_lists:
                self.loop_lists[var.py] = var.type
            return P.subscript(P.name(var.py), P.name("bar_index"))
        return self.target_of(var)

    def builtin_value(self, path: str, node: n.Node) -> ast.expr:
        if path == "na":
            return self.na_of(self.type_of(node))
        if path in ("true", "false"):
            return P.const(path == "true")
        if path in BAR_SERIES:
            if path == "bar_index":
                return P.name("bar_index")
            self.bar_series.add(path)
            return P.subscript(P.name(self._bar_py(path)), P.name("bar_index"))
        if path in RUN_VALUES or path.startswith(RUN_VALUES_PREFIXES):
            return self.fixed_value(path)
        if path.startswith("strategy.") and builtins.variable(path, self.version) is not None:
            return self.strategy_value(path)
        constant = builtins.constant(path, self.version)
        if constant is not None:
            return self.constant_value(constant, node)
        enum_member = self.enum_member(path)
        if enum_member is not None:
            return enum_member
        if path.startswith(
            ("label.all", "line.all", "box.all", "table.all", "polyline.all", "linefill.all")
        ):
            kind = path.partition(".")[0]
            return P.call(P.attr(P.attr("ctx", "drawings"), "all"), [P.const(kind)])
        raise CompileError(f"'{path}' is not supported yet", node)

    def strategy_value(self, path: str) -> ast.expr:
        """``strategy.position_size`` and the other values of the broker."""
        from pineopt.strategy.broker import Broker

        broker = self.alias("broker", P.attr("ctx", "broker"))
        name = path.partition(".")[2]
        if isinstance(getattr(Broker, name, None), property):
            return P.attr(broker, name)
        return P.call(P.attr(broker, "value"), [P.const(name)])

    def strategy_call(
        self, node: n.Call, sig: Signature, args: list[tuple[str, n.Expr]]
    ) -> ast.expr:
        """``strategy.entry(...)`` and the other order and accessor functions."""
        broker = self.alias("broker", P.attr("ctx", "broker"))
        name = sig.name.partition(".")[2]
        pos, kws = self.positional(args, sig)
        group, _, member = name.rpartition(".")
        if group in ("closedtrades", "opentrades"):
            method = "closed_trade" if group == "closedtrades" else "open_trade"
            return P.call_kw(P.attr(broker, method), [P.const(member), *pos], kws)
        method = name.replace(".", "_")
        func = self.alias("strategy_" + method, P.attr(broker, method))
        return P.call_kw(func, pos, kws)

    def fixed_value(self, path: str) -> ast.expr:
        return self.alias(path, P.call(P.attr("ctx", "value"), [P.const(path)]))

    def constant_value(self, constant: builtins.BuiltinVariable, node: n.Node) -> ast.expr:
        text = constant.value
        type_name = constant.type.name
        if type_name == "color" and text:
            return self.color_constant(text)
        if text is None:
            return P.const(constant.name)
        if type_name == "string":
            return P.const(ast.literal_eval(text))
        if type_name in ("int", "float"):
            value = float(text) if type_name == "float" else int(float(text))
            return P.const(value)
        if type_name == "bool":
            return P.const(text == "true")
        return P.const(text)

    def _bar_py(self, series: str) -> str:
        """The Python name of a bar series, the same before the loop (an array) and in it
        (a list): ``close``, ``barstate_isfirst``; ``bar_indices`` for ``bar_index``."""
        py = self.bar_names.get(series)
        if py is None:
            wanted = "bar_indices" if series == "bar_index" else series.replace(".", "_")
            py = self.bar_names[series] = self.names.fresh(wanted)
        return py

    def _series_list(self, series: str) -> ast.expr:
        value = P.call(P.attr("ctx", "series"), [P.const(series)])
        if series in INT_SERIES:
            return P.call("ops.int_list", [value])
        return P.call(P.attr(value, "tolist"))

    def shadowed(self, root: n.Name, path: n.Attribute) -> bool:
        """Whether the variable ``root`` (if any) makes ``path`` a field or method access: a
        variable named like a namespace does not when the analyser read ``path`` as the
        built-in (:attr:`~pineopt.lang.analyzer.Analysis.namespace_paths`)."""
        return self.lookup(root.id) is not None and path not in self.analysis.namespace_paths

    def builtin_path(self, node: n.Attribute) -> str | None:
        """``a.b.c`` when ``node`` names a built-in or enum member rather than a field."""
        parts = []
        cur: n.Expr = node
        while isinstance(cur, n.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if not isinstance(cur, n.Name) or self.shadowed(cur, node):
            return None
        parts.append(cur.id)
        path = ".".join(reversed(parts))
        if (
            path in BAR_SERIES
            or path in RUN_VALUES
            or path.startswith(RUN_VALUES_PREFIXES)
            or builtins.constant(path, self.version) is not None
            or builtins.variable(path, self.version) is not None
            or self.enum_member(path) is not None
        ):
            return path
        return None

    def x_Attribute(self, node: n.Attribute) -> ast.expr:
        path = self.builtin_path(node)
        if path is not None:
            return self.builtin_value(path, node)
        value = self.scalar(node.value)
        return P.attr(value, node.attr)

    def enum_member(self, path: str) -> ast.expr | None:
        prefix, _, member = path.rpartition(".")
        py = self.enums.get(prefix)
        if py is None:
            return None
        return P.attr(py, member)

    def x_Index(self, node: n.Index) -> ast.expr:
        value = node.value
        offset_node = node.index
        type_name = self.type_of(node)
        default = self.na_of(type_name)
        fixed = isinstance(offset_node, n.Int)
        offset = self.scalar(offset_node)
        if isinstance(value, n.Name):
            var = self.lookup(value.id)
            if var is None and value.id in BAR_SERIES:
                if value.id == "bar_index":
                    return P.call("ops.past_bar_index", [P.name("bar_index"), offset])
                self.bar_series.add(value.id)
                return self.per_bar_history(
                    P.name(self._bar_py(value.id)), offset, fixed, default, offset_node
                )
            if var is not None:
                if var.kind == "vector":
                    self.loop_lists.setdefault(var.py, var.type)
                    return self.per_bar_history(P.name(var.py), offset, fixed, default, offset_node)
                if var.kind == "fixed":  # the same value on every bar since the first
                    past = ast.Compare(
                        left=P.const(0),
                        ops=[ast.LtE(), ast.LtE()],
                        comparators=[offset, P.name("bar_index")],
                    )
                    return P.ifexp(past, self.target_of(var), default)
                if var.history is not None:
                    buffer = P.dotted(var.history)
                    if var.per_bar:
                        return self.per_bar_history(buffer, offset, fixed, default, offset_node)
                    return self.local_history(
                        buffer, self.target_of(var), offset, fixed, default, offset_node
                    )
        if isinstance(value, n.Attribute):
            path = self.builtin_path(value)
            if path in BAR_SERIES:
                self.bar_series.add(path)
                return self.per_bar_history(
                    P.name(self._bar_py(path)), offset, fixed, default, offset_node
                )
        # history of an expression: keep its values in a list of its own
        if self.unconditional() and self.vectorisable(value):
            py = self.names.fresh("series")
            vtype = self.type_of(value) if self.type_of(value) in (*NUMERIC, "bool") else "float"
            with self.into(self.vector):
                self.emit(P.assign(py, self.as_array(value, vtype)), node)
            self.loop_lists[py] = vtype
            return self.per_bar_history(P.name(py), offset, fixed, default, offset_node)
        current = self.scalar(value)
        hist = self.names.fresh("past_values")
        if self.frame.is_global and not self.conditional:
            self.state_init.append(
                P.assign(hist, P.binop(P.list_([default]), ast.Mult(), P.attr("ctx", "bar_count")))
            )
            tmp = self.temp("value")
            self.emit(P.assign(tmp, current), node)
            self.emit(
                P.assign(P.subscript(P.name(hist), P.name("bar_index"), True), P.name(tmp)), node
            )
            return self.per_bar_history(P.name(hist), offset, fixed, default, offset_node)
        if self.frame.state is not None:
            self.frame.info.slots.append((hist, P.list_([])))  # type: ignore[union-attr]
            buffer: ast.expr = P.attr("s", hist)
        else:
            self.state_init.append(P.assign(hist, P.list_([])))
            buffer = P.name(hist)
        tmp = self.temp("value")
        self.emit(P.assign(tmp, current), node)
        self.emit(P.expr_stmt(P.call(P.attr(buffer, "append"), [P.name(tmp)])), node)
        return P.call(
            "ops.local_history", [buffer, P.binop(offset, ast.Add(), P.const(1)), default]
        )

    def per_bar_history(
        self, values: ast.expr, offset: ast.expr, fixed: bool, default: ast.expr, node: n.Expr
    ) -> ast.expr:
        if fixed:
            k = offset.value  # type: ignore[attr-defined]
            if k < 0:
                raise CompileError("a history offset cannot be negative", node)
            if k == 0:
                return P.subscript(values, P.name("bar_index"))
            index = P.binop(P.name("bar_index"), ast.Sub(), P.const(k))
            test = P.compare(P.name("bar_index"), ast.GtE(), P.const(k))
            return P.ifexp(test, P.subscript(values, index), default)
        checked = P.call("ops.history", [values, P.name("bar_index"), offset, default])
        if self.type_of(node) == "int" and self.is_pure_offset(offset):
            # the common case inline; negative, na or fractional offsets (an int / int keeps
            # its fraction: a float) go through the check
            index = P.binop(P.name("bar_index"), ast.Sub(), offset)
            in_range = ast.Compare(
                left=P.const(0),
                ops=[ast.LtE(), ast.LtE()],
                comparators=[offset, P.name("bar_index")],
            )
            whole = P.compare(P.call("type", [offset]), ast.Is(), P.name("int"))
            test = ast.BoolOp(ast.And(), [whole, in_range])
            return P.ifexp(test, P.subscript(values, index), checked)
        return checked

    @staticmethod
    def is_simple(value: ast.expr) -> bool:
        """A local, a constant or ``series[bar_index]``: cheap and safe to evaluate twice."""
        if isinstance(value, ast.Name | ast.Constant):
            return True
        if isinstance(value, ast.Attribute):
            return isinstance(value.value, ast.Name)
        return (
            isinstance(value, ast.Subscript)
            and isinstance(value.value, ast.Name)
            and isinstance(value.slice, ast.Name)
        )

    @staticmethod
    def is_pure_offset(offset: ast.expr) -> bool:
        """A name, or a name plus or minus a constant: cheap to evaluate twice."""
        if isinstance(offset, ast.Name | ast.Constant):
            return True
        return (
            isinstance(offset, ast.BinOp)
            and isinstance(offset.op, ast.Add | ast.Sub)
            and isinstance(offset.left, ast.Name)
            and isinstance(offset.right, ast.Constant)
        )

    def local_history(
        self,
        buffer: ast.expr,
        current: ast.expr,
        offset: ast.expr,
        fixed: bool,
        default: ast.expr,
        node: n.Expr,
    ) -> ast.expr:
        if fixed and offset.value == 0:  # type: ignore[attr-defined]
            return current
        return P.call("ops.local_history", [buffer, offset, default, current])

    def x_Unary(self, node: n.Unary) -> ast.expr:
        operand = self.scalar(node.operand)
        if node.op == "not":
            return ast.UnaryOp(ast.Not(), operand)
        if node.op == "-":
            return ast.UnaryOp(ast.USub(), operand)
        return operand

    def x_Binary(self, node: n.Binary) -> ast.expr:
        op = node.op
        if op in ("and", "or"):
            left = self.condition(node.left)
            if self.version >= 6:
                with self.branch():
                    right = self.condition(node.right)
                return ast.BoolOp(ast.And() if op == "and" else ast.Or(), [left, right])
            right = self.condition(node.right)
            return P.call("ops.strict_and" if op == "and" else "ops.strict_or", [left, right])
        left = self.scalar(node.left)
        right = self.scalar(node.right)
        return self.binary_op(op, left, right, node.left, node.right)

    def binary_op(
        self, op: str, left: ast.expr, right: ast.expr, left_node: n.Expr, right_node: n.Expr
    ) -> ast.expr:
        lt, rt = self.type_of(left_node), self.type_of(right_node)
        if op in ("==", "!="):
            test = self.equality(left, right, left_node, right_node)
            return test if op == "==" else self.inequality(left, right, left_node, right_node)
        if op in ("<", ">", "<=", ">="):
            return self.ordering(op, left, right, lt, rt)
        if op == "+" and "text_format" in (lt, rt):
            return P.call("ops.add_text_formats", [left, right])
        if op == "+" and "string" in (lt, rt):
            if self.never_na_string(left_node) and self.never_na_string(right_node):
                return P.binop(left, ast.Add(), right)
            return P.call("ops.concat", [left, right])
        if op in "+-" and {lt, rt} & DISPLAY_TYPES:
            return P.call("ops.combine_displays", [P.const(op), left, right])
        if op == "+":
            return P.binop(left, ast.Add(), right)
        if op == "-":
            return P.binop(left, ast.Sub(), right)
        if op == "*":
            return P.binop(left, ast.Mult(), right)
        if op == "/":
            if (
                self.version < 6
                and lt == "int"
                and rt == "int"
                and self.qualifier(left_node) == Qualifier.CONST
                and self.qualifier(right_node) == Qualifier.CONST
            ):
                return P.call("ops.idiv", [left, right])
            if isinstance(right_node, n.Int | n.Float) and right_node.value != 0:
                return P.binop(left, ast.Div(), right)
            if self.is_simple(right):  # cheap to read twice: inline the zero check
                return P.ifexp(right, P.binop(left, ast.Div(), right), P.name("NA"))
            return P.call("ops.div", [left, right])
        if op == "%":
            return P.call("ops.mod", [left, right])
        raise CompileError(f"operator '{op}' is not supported", left_node)

    def never_na_string(self, node: n.Expr) -> bool:
        """A string expression that cannot be ``na``: a literal, a concatenation (``na`` counts
        as empty there) or a ``str.tostring`` call."""
        if isinstance(node, n.String):
            return True
        if isinstance(node, n.Binary) and node.op == "+":
            return True
        return isinstance(node, n.Call) and self.builtin_name(node) == "str.tostring"

    @staticmethod
    def ordering(op: str, left: ast.expr, right: ast.expr, lt: str, rt: str) -> ast.expr:
        """``<``, ``>``, ``<=``, ``>=`` with Pine's float tolerance (``ops.EQUALITY_TOLERANCE``,
        the one ``==`` uses): floats closer than it are equal, so ``a > b`` is
        ``a - b > 1e-10`` and ``a >= b`` is ``a - b >= -1e-10``. Measured on TradingView's
        trades: an RSI that moves by one ulp on a flat close (``rsi > rsi[1]``) does not count
        as rising. Emitted as inline arithmetic (the same code on floats and numpy arrays; an
        ``na`` operand makes the difference NaN, so every comparison is false); two ints compare
        exactly, which is the same thing."""
        cmp = {"<": ast.Lt(), ">": ast.Gt(), "<=": ast.LtE(), ">=": ast.GtE()}[op]
        if lt == "int" and rt == "int":
            return P.compare(left, cmp, right)
        bound = EQUALITY_TOLERANCE if op in (">", "<=") else -EQUALITY_TOLERANCE
        return P.compare(P.binop(left, ast.Sub(), right), cmp, P.const(bound))

    def equality(
        self, left: ast.expr, right: ast.expr, ln: n.Expr | None, rn: n.Expr | None
    ) -> ast.expr:
        lt = self.type_of(ln) if ln is not None else "unknown"
        rt = self.type_of(rn) if rn is not None else "unknown"
        if isinstance(ln, n.Na) or isinstance(rn, n.Na):
            return P.const(False)
        if lt in ("bool", "string", "int") and rt in ("bool", "string", "int") and lt == rt:
            return P.compare(left, ast.Eq(), right)
        return P.call("ops.eq", [left, right])

    def inequality(self, left: ast.expr, right: ast.expr, ln: n.Expr, rn: n.Expr) -> ast.expr:
        lt, rt = self.type_of(ln), self.type_of(rn)
        if isinstance(ln, n.Na) or isinstance(rn, n.Na):
            return P.const(False)
        if lt == "bool" and rt == "bool":
            return P.compare(left, ast.NotEq(), right)
        return P.call("ops.ne", [left, right])

    def x_Ternary(self, node: n.Ternary) -> ast.expr:
        test = self.condition(node.condition)
        with self.branch():
            a = self.value_for(node.if_true, self.type_of(node))
            b = self.value_for(node.if_false, self.type_of(node))
        return P.ifexp(test, a, b)

    def x_Tuple(self, node: n.Tuple) -> ast.expr:
        return P.tuple_([self.scalar(e) for e in node.elements])

    def x_If(self, node: n.Expr) -> ast.expr:
        tmp = P.name(self.temp("value"))
        self.structure(node, tmp)
        return tmp

    x_Switch = x_If
    x_For = x_If
    x_ForIn = x_If
    x_While = x_If

    # ---------------------------------------------------------------- calls

    def builtin_name(self, call: n.Call) -> str | None:
        callee = self.analysis.calls.get(call)
        if isinstance(callee, Signature):
            return callee.name
        if callee is None and isinstance(call.func, n.Name) and self.lookup(call.func.id) is None:
            return call.func.id
        return None

    def x_Call(self, node: n.Call) -> ast.expr:
        callee = self.analysis.calls.get(node)
        if isinstance(callee, UserFunction):
            return self.user_call(node, callee)
        if isinstance(callee, UserType):
            return self.type_call(node, callee)
        if isinstance(callee, Signature):
            return self.builtin_call(node, callee)
        raise CompileError("this call cannot be compiled (unknown function)", node)

    def call_args(self, node: n.Call, sig: Signature) -> list[tuple[str, n.Expr]]:
        """The arguments as (Pine parameter name, value) in the signature's order, named ones
        too (``ta.vwma(length = 20, source = close)`` is ``ta.vwma(close, 20)``); a method
        call's receiver is the first argument: a variable's (``a.size()``) or a built-in
        value's (``label.all.size()``), not a namespace's (``array.size(a)``)."""
        params = sig.params_for(self.version)
        args: list[n.Expr] = list(node.args)
        if (
            isinstance(node.func, n.Attribute)
            and sig.method
            and self.builtin_path_of_func(node) != sig.name
        ):
            args.insert(0, node.func.value)
        out: list[tuple[str, n.Expr]] = []
        variadic = next((p for p in params if p.variadic), None)
        for i, arg in enumerate(args):
            if i < len(params) and not params[i].variadic:
                out.append((params[i].name, arg))
            elif variadic is not None:
                out.append(("*", arg))
            else:
                raise CompileError(f"too many arguments for '{sig.name}'", arg)
        order = {p.name: i for i, p in enumerate(params)}
        for kw in sorted(node.keywords, key=lambda kw: order.get(kw.name, len(params))):
            out.append((kw.name, kw.value))
        return out

    def builtin_path_of_func(self, node: n.Call) -> str | None:
        func = node.func
        if isinstance(func, n.Attribute):
            parts = []
            cur: n.Expr = func
            while isinstance(cur, n.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if (
                isinstance(cur, n.Name)
                and not self.shadowed(cur, func)
                and cur.id not in self.user_types
            ):
                parts.append(cur.id)
                return ".".join(reversed(parts))
            return None
        if isinstance(func, n.Name):
            return func.id
        return None

    def builtin_call(self, node: n.Call, sig: Signature) -> ast.expr:
        name = sig.name
        args = self.call_args(node, sig)
        handler = getattr(self, "call_" + name.replace(".", "_"), None)
        if handler is not None:
            return handler(node, sig, args)
        namespace = name.rpartition(".")[0]
        if name.startswith("strategy."):
            return self.strategy_call(node, sig, args)
        if namespace == "ta" or name == "math.sum":
            return self.ta_call(node, sig, args)
        if name == "math.random":
            state = self.call_site_state("math.random", P.call("pine_math.PineRandom"))
            self.use_module("pine_math")
            pos, kws = self.positional(args, sig)
            return P.call_kw(state, pos, kws)
        if namespace in ("input",) or name == "input":
            return self.input_call(node, sig, args)
        if namespace in SCALAR_MODULES:
            return self.module_call(name, SCALAR_MODULES[namespace], args, sig, node)
        if namespace in DRAWING_NAMESPACES:
            return self.drawing_call(name, args, sig)
        if name in OUTPUT_FUNCTIONS:
            raise CompileError(f"'{name}' is only allowed in the global scope", node)
        raise CompileError(f"'{name}' is not supported yet", node)

    def positional(
        self,
        args: list[tuple[str, n.Expr]],
        sig: Signature,
        node: n.Call | None = None,
        convert: Callable[[str, n.Expr], ast.expr] | None = None,
    ) -> tuple[list[ast.expr], list[tuple[str, ast.expr]]]:
        """The Python arguments of a runtime call: positional while they follow the
        signature's order without a gap, keywords after. An ``na`` argument takes the ``na``
        of its parameter's type (``node``: the call, whose result type binds a type variable
        no argument binds); ``convert`` gives an argument's Python value instead (by default
        its value on this bar)."""
        pos: list[ast.expr] = []
        kws: list[tuple[str, ast.expr]] = []
        params = {p.name: p for p in sig.params_for(self.version)}
        names = list(params)
        for pname, arg in args:
            param = params.get(pname)
            if convert is not None:
                value = convert(pname, arg)
            elif isinstance(arg, n.Na):
                ptype = param.type.name if param is not None else "unknown"
                if param is not None and param.type.is_var:
                    ptype = self.bound_type(ptype, args, params, sig, node)
                value = self.value_for(arg, ptype)
            else:
                value = self.scalar(arg)
            if pname == "*" or (not kws and pname in params and names.index(pname) == len(pos)):
                pos.append(value)
            else:
                kws.append((pname, value))
        return pos, kws

    def bound_type(
        self,
        var: str,
        args: list[tuple[str, n.Expr]],
        params: dict,
        sig: Signature,
        node: n.Call | None,
    ) -> str:
        """The type a call binds to the type variable ``var`` (``T`` of ``array.push(id,
        value)`` is the element type of ``id``, of ``array.new<string>(3, na)`` the element
        type of the result), so that an ``na`` argument gets that type's ``na`` (NaN in a
        ``matrix<float>``, ``None`` in an ``array<string>``)."""
        for pname, arg in args:
            param = params.get(pname)
            if param is None or isinstance(arg, n.Na):
                continue
            if param.type.name == var:
                return self.type_of(arg)
            for position, type_arg in enumerate(param.type.args):
                if type_arg.name == var:
                    return self.element_type(arg, position)
        if node is not None and sig.returns.name == var:
            return self.type_of(node)
        for position, type_arg in enumerate(sig.returns.args if node is not None else ()):
            if type_arg.name == var:
                return self.element_type(node, position)  # type: ignore[arg-type]
        return "unknown"

    def module_call(
        self, name: str, module: str, args: list[tuple[str, n.Expr]], sig: Signature, node: n.Call
    ) -> ast.expr:
        mod = self.use_module(module)
        func = self.alias(name, P.attr(mod, runtime_attr(name)))
        pos, kws = self.positional(args, sig, node)
        if name in ("array.new", "matrix.new") and not any(p == "initial_value" for p, _ in args):
            kws.append(("initial_value", self.na_of(self.element_type(node, 0))))
        if name == "map.new":
            kws.append(("na_value", self.na_of(self.element_type(node, 1))))
        if name in ("str.tostring", "math.round_to_mintick"):
            kws.append(("mintick", self.fixed_value("syminfo.mintick")))
        return P.call_kw(func, pos, kws)

    def element_type(self, node: n.Expr, position: int) -> str:
        """The type argument ``position`` of a collection's type (``array<float>`` -> float)."""
        info = self.info(node)
        if info is None or info.is_unknown or len(info.type.args) <= position:
            return "unknown"
        return info.type.args[position].name

    def hoisted_stateless(self, node: n.Call, what: str) -> ast.expr:
        """A stateless whole-history call (``time()``, ``timeframe.change()``) is computed
        before the loop even when it sits in a branch."""
        if not self.vector_call_ok(node):
            raise CompileError(f"{what} needs arguments fixed for the run", node)
        return self.hoisted(node)

    def call_time(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self.hoisted_stateless(node, "time()")

    def call_time_close(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self.hoisted_stateless(node, "time_close()")

    def call_timeframe_change(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self.hoisted_stateless(node, "timeframe.change()")

    def call_na(self, node: n.Call, sig: Signature, args) -> ast.expr:  # type: ignore[no-untyped-def]
        value = self.scalar(args[0][1])
        if self.type_of(args[0][1]) in NUMERIC and isinstance(value, ast.Name | ast.Subscript):
            return P.compare(value, ast.NotEq(), value)
        return P.call("ops.is_na", [value])

    def call_nz(self, node: n.Call, sig: Signature, args) -> ast.expr:  # type: ignore[no-untyped-def]
        values = [self.scalar(a) for _, a in args]
        if self.type_of(args[0][1]) == "color":
            return P.call("ops.nz_color", values)
        if len(values) == 2 and self.type_of(args[0][1]) in NUMERIC and self.is_simple(values[0]):
            value = values[0]
            return P.ifexp(P.compare(value, ast.Eq(), value), value, values[1])
        return P.call("ops.nz", values)

    def call_fixnan(self, node: n.Call, sig: Signature, args) -> ast.expr:  # type: ignore[no-untyped-def]
        value = self.scalar(args[0][1])
        if self.repeats(node):  # one sample per bar (see ta_series.PerBar)
            self.use_module("ta_series")
            init = P.call(P.attr(P.name("ta_series"), "PerBar"), [P.call("ops.FixNan")])
            state = self.call_site_state("fixnan", init)
            return P.call(P.attr(state, "update"), [self.builtin_value("bar_index", node), value])
        state = self.call_site_state("fixnan", P.call("ops.FixNan"))
        return P.call(P.attr(state, "update"), [value])

    def call_int(self, node, sig, args):  # type: ignore[no-untyped-def]
        return P.call("ops.to_int", [self.scalar(args[0][1])])

    def call_float(self, node, sig, args):  # type: ignore[no-untyped-def]
        return P.call("ops.to_float", [self.scalar(args[0][1])])

    def call_bool(self, node, sig, args):  # type: ignore[no-untyped-def]
        return P.call("ops.to_bool", [self.scalar(args[0][1])])

    def call_string(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self.scalar(args[0][1])

    def call_color(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self.scalar(args[0][1])

    def call_object_cast(self, node, sig, args):  # type: ignore[no-untyped-def]
        """``label(x)``, ``line(x)``, ``box(x)``, ``linefill(x)``, ``table(x)``: the object
        itself (``label(na)`` is an ``na`` label)."""
        return self.value_for(args[0][1], sig.returns.name)

    call_label = call_line = call_box = call_linefill = call_table = call_object_cast

    def call_max_bars_back(self, node, sig, args):  # type: ignore[no-untyped-def]
        return P.const(None)

    def call_runtime_error(self, node, sig, args):  # type: ignore[no-untyped-def]
        self.needs_bar_index = True
        return P.call("ops.runtime_error", [self.scalar(args[0][1])])

    def _log(self, level: str, node, sig, args):  # type: ignore[no-untyped-def]
        self.needs_bar_index = True
        self.use_module("pine_str")
        values = [self.scalar(a) for _, a in args]
        message = (
            P.call("pine_str.format_", values)
            if len(values) > 1
            else P.call("pine_str.tostring", values)
        )
        return P.call(P.attr("ctx", "log"), [P.const(level), message])

    def call_log_info(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._log("info", node, sig, args)

    def call_log_warning(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._log("warning", node, sig, args)

    def call_log_error(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._log("error", node, sig, args)

    def call_alert(self, node, sig, args):  # type: ignore[no-untyped-def]
        self.needs_bar_index = True
        pos, kws = self.positional(args, sig)
        return P.call_kw(P.attr("ctx", "alert"), pos, kws)

    def call_timeframe_in_seconds(self, node, sig, args):  # type: ignore[no-untyped-def]
        pos, kws = self.positional(args, sig)
        return P.call_kw(P.attr("ctx", "timeframe_in_seconds"), pos, kws)

    def call_timeframe_from_seconds(self, node, sig, args):  # type: ignore[no-untyped-def]
        pos, kws = self.positional(args, sig)
        return P.call_kw(P.attr("ctx", "timeframe_from_seconds"), pos, kws)

    def call_syminfo_prefix(self, node, sig, args):  # type: ignore[no-untyped-def]
        return P.call(P.attr("ctx", "symbol_part"), [P.const("prefix"), self.scalar(args[0][1])])

    def call_syminfo_ticker(self, node, sig, args):  # type: ignore[no-untyped-def]
        return P.call(P.attr("ctx", "symbol_part"), [P.const("ticker"), self.scalar(args[0][1])])

    def call_request_security(self, node, sig, args):  # type: ignore[no-untyped-def]
        raise CompileError(
            "request.security is supported where it runs on every bar with fixed symbol, "
            "timeframe and options, and an expression of bar series and ta calls",
            node,
        )

    def _calendar_call(self, name, node, sig, args):  # type: ignore[no-untyped-def]
        values = [self.scalar(a) for _, a in args]
        return P.call(P.attr("ctx", "calendar_field"), [P.const(name), *values])

    def call_year(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("year", node, sig, args)

    def call_month(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("month", node, sig, args)

    def call_weekofyear(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("weekofyear", node, sig, args)

    def call_dayofmonth(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("dayofmonth", node, sig, args)

    def call_dayofweek(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("dayofweek", node, sig, args)

    def call_hour(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("hour", node, sig, args)

    def call_minute(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("minute", node, sig, args)

    def call_second(self, node, sig, args):  # type: ignore[no-untyped-def]
        return self._calendar_call("second", node, sig, args)

    def call_timestamp(self, node, sig, args):  # type: ignore[no-untyped-def]
        pos, kws = self.positional(args, sig)
        kws.append(("symbol", P.attr("ctx", "symbol")))
        self.use_module("calendar")
        return P.call_kw("calendar.timestamp", pos, kws)

    def call_site_state(self, hint: str, init: ast.expr) -> ast.expr:
        """A per-call-site object: in the script's state, or in the function's state."""
        py = self.names.fresh(hint.replace(".", "_"))
        if self.frame.state is not None:
            self.frame.info.slots.append((py, init))  # type: ignore[union-attr]
            return P.attr("s", py)
        if not self.frame.is_global:
            raise CompileError(f"internal: state '{hint}' outside a stateful function", self.script)
        self.state_init.append(P.assign(py, init))
        return P.name(py)

    def ta_call(self, node: n.Call, sig: Signature, args: list[tuple[str, n.Expr]]) -> ast.expr:
        from pineopt.runtime import ta_series

        name = sig.name
        args = self.ta_normalise(name, args)
        cls = ta_series.CLASSES.get(name) if hasattr(ta_series, "CLASSES") else None
        if cls is None:
            raise CompileError(f"'{name}' is not supported yet", node)
        self.use_module("ta_series")
        init = P.call(P.attr(P.name("ta_series"), cls.__name__))
        repeats = self.repeats(node)
        if repeats:
            init = P.call(P.attr(P.name("ta_series"), "PerBar"), [init])
        state = self.call_site_state(name, init)
        implicit = [self.builtin_value(k, node) for k in ta_series.IMPLICIT.get(name, ())]
        if repeats:
            implicit.insert(0, self.builtin_value("bar_index", node))
        pos, kws = self.positional(args, sig)
        if name == "ta.vwap" and not any(p == "anchor" for p, _ in args):
            self.bar_series.add("vwap.anchor")
            anchor = P.name(self._bar_py("vwap.anchor"))
            kws.append(("anchor", P.subscript(anchor, P.name("bar_index"))))
        return P.call_kw(P.attr(state, "update"), [*implicit, *pos], kws)

    def ta_normalise(self, name: str, args: list[tuple[str, n.Expr]]) -> list[tuple[str, n.Expr]]:
        """``ta.highest(10)`` is ``ta.highest(high, 10)``; ``ta.pivothigh(2, 2)`` reads ``high``."""
        one_arg = {
            "ta.highest": "high",
            "ta.lowest": "low",
            "ta.highestbars": "high",
            "ta.lowestbars": "low",
            "ta.pivothigh": "high",
            "ta.pivotlow": "low",
        }
        if name in one_arg and not any(p == "source" for p, _ in args):
            count = 1 if name.startswith(("ta.highest", "ta.lowest")) else 2
            positional = [a for p, a in args if p != "*"]
            if len(args) == count:
                source = n.Name(one_arg[name], span=args[0][1].span if args else n.NO_SPAN)
                self.analysis.types[source] = TypeInfo.of("float", Qualifier.SERIES)
                names = ["length"] if count == 1 else ["leftbars", "rightbars"]
                return [("source", source), *zip(names, positional, strict=False)]
        return args

    # ================================================================ vector path

    def vectorisable(self, node: n.Expr) -> bool:
        """Whether ``node`` can be computed over the whole history before the loop (it must
        be evaluated unconditionally on every bar: the caller ensures it)."""
        cache = self._vec_cache
        key = id(node)
        if key in cache:
            return cache[key]
        cache[key] = False
        result = self._vectorisable(node)
        cache[key] = result
        return result

    def _vectorisable(self, node: n.Expr) -> bool:
        if isinstance(node, n.Int | n.Float | n.Bool | n.Na):
            return True
        if self.is_fixed_value(node) and self.type_of(node) in (*NUMERIC, "bool", "color"):
            return True  # one value for the run: a scalar in the array expression
        if isinstance(node, n.Color):
            return True
        if isinstance(node, n.Name):
            var = self.lookup(node.id)
            if var is not None:
                return var.kind in ("vector", "fixed")
            return node.id in BAR_SERIES or node.id in RUN_VALUES or node.id == "na"
        if isinstance(node, n.Attribute):
            path = self.builtin_path(node)
            if path is None:
                return False
            if path in BAR_SERIES or path in RUN_VALUES or path.startswith(RUN_VALUES_PREFIXES):
                return not path.startswith("timeframe.") or path != "timeframe.change"
            constant = builtins.constant(path, self.version)
            return constant is not None and constant.type.name in ("int", "float", "bool", "color")
        if isinstance(node, n.Unary):
            return self.vectorisable(node.operand) and self.numeric_or_bool(node.operand)
        if isinstance(node, n.Binary):
            if not (self.numeric_or_bool(node.left) and self.numeric_or_bool(node.right)):
                return False
            if not (self.vectorisable(node.left) and self.vectorisable(node.right)):
                return False
            return not (
                node.op in ("and", "or") and self.version >= 6 and self.has_state(node.right)
            )
        if isinstance(node, n.Ternary):
            if not all(self.vectorisable(x) for x in (node.condition, node.if_true, node.if_false)):
                return False
            if self.type_of(node) not in (*NUMERIC, "bool", "color"):
                return False
            return not (self.has_state(node.if_true) or self.has_state(node.if_false))
        if isinstance(node, n.Index):
            return (
                isinstance(node.index, n.Int)
                and 0 <= node.index.value <= MAX_INLINE_OFFSET
                and self.vectorisable(node.value)
                and self.type_of(node.value) in (*NUMERIC, "bool")
            )
        if isinstance(node, n.Call):
            return self.vector_call_ok(node)
        if isinstance(node, n.Tuple):
            return all(self.vectorisable(e) for e in node.elements)
        return False

    def numeric_or_bool(self, node: n.Expr) -> bool:
        type_name = self.type_of(node)
        if type_name == "unknown" and self.lenient_types:
            return True  # inside a whole-history function variant called with numeric series
        return type_name in (*NUMERIC, "bool") or isinstance(node, n.Na)

    # ---------------------------------------------------------------- whole-history functions

    def function_kinds(self, node: n.Call, callee: UserFunction) -> tuple[str, ...] | None:
        """For a call of a user function: per parameter, ``fixed`` or ``vector`` (None when
        an argument is neither a fixed value nor a numeric whole-history series)."""
        fn = callee.node
        if fn.is_method or any(
            p.type is not None and p.type.name not in (*NUMERIC, "bool") for p in fn.params
        ):
            return None
        args: dict[str, n.Expr] = {}
        for i, arg in enumerate(node.args):
            if i >= len(fn.params):
                return None
            args[fn.params[i].name] = arg
        for kw in node.keywords:
            args[kw.name] = kw.value
        kinds = []
        for param in fn.params:
            arg = args.get(param.name, param.default)
            if arg is None:
                return None
            if self.is_fixed_value(arg):
                kinds.append("fixed")
            elif self.vectorisable(arg) and self.numeric_or_bool(arg):
                kinds.append("vector")
            else:
                return None
        return tuple(kinds)

    def function_variant(self, callee: UserFunction, kinds: tuple[str, ...]) -> str | None:
        """The whole-history form of a user function for these parameter kinds: a Python
        function over arrays, generated on first use (None when its body needs the bar loop)."""
        key = (id(callee.node), kinds)
        if key in self.variants:
            return self.variants[key]
        self.variants[key] = None
        fn = callee.node
        body = fn.body
        if not body or not all(isinstance(b, n.VarDecl) and b.mode is None for b in body[:-1]):
            return None
        last = body[-1]
        if not isinstance(last, n.ExprStmt):
            return None
        saved = (self.scopes, self._vec_cache, self.lenient_types)
        self.scopes = [self.scopes[0], {}]
        self._vec_cache = {}
        self.lenient_types = True
        statements: list[ast.stmt] = []
        params: list[str] = []
        try:
            for param, kind in zip(fn.params, kinds, strict=True):
                py = self.names.fresh(param.name)
                params.append(py)
                type_name = param.type.name if param.type is not None else "float"
                self.declare(param.name, Var(py, kind, type_name))
            for decl in body[:-1]:
                assert isinstance(decl, n.VarDecl)
                if (id(decl), decl.name) in self.reassigned:
                    return None
                if not self.vectorisable(decl.value):
                    return None
                py = self.names.fresh(decl.name)
                statements.append(P.assign(py, self.vector_expr(decl.value)))
                kind = "fixed" if self.is_scalar_in_variant(decl.value) else "vector"
                self.declare(decl.name, Var(py, kind, self.decl_type(decl), decl=decl))
            result = last.expr
            elements = result.elements if isinstance(result, n.Tuple) else [result]
            if not all(self.vectorisable(e) for e in elements):
                return None
            values = [self.variant_result(e) for e in elements]
            value = ast.Tuple(values, ast.Load()) if isinstance(result, n.Tuple) else values[0]
            statements.append(ast.Return(value=value))
        finally:
            self.scopes, self._vec_cache, self.lenient_types = saved
        py_name = self.names.fresh(fn.name + "_series")
        doc = f"Whole-history form of Pine function '{fn.name}' (line {fn.span.line})."
        function = P.function(py_name, params, statements, doc)
        self.emit_vector(function, fn)
        self.variants[key] = py_name
        return py_name

    def is_scalar_in_variant(self, node: n.Expr) -> bool:
        """Whether ``node`` has one value for the whole history in a function's whole-history
        form (it reads no series: a constant, an input, a ``fixed`` argument)."""
        return self.is_scalar_vector(node) or self.is_fixed_value(node)

    def variant_result(self, node: n.Expr) -> ast.expr:
        """A result of a function's whole-history form: always a series, one value per bar
        (``f() => int(na)`` or ``[chart.fg_color, close]`` broadcast their scalars)."""
        value = self.vector_expr(node)
        if not self.is_scalar_in_variant(node):
            return value
        self.use_module("vector_ops")
        return P.call("vector_ops.full", [P.attr("ctx", "bar_count"), value])

    def has_state(self, node: n.Expr) -> bool:
        """Whether evaluating ``node`` updates call-site state (ta, fixnan, user functions)."""
        for sub in n.walk(n.ExprStmt(node)):
            if isinstance(sub, n.Call):
                callee = self.analysis.calls.get(sub)
                if isinstance(callee, UserFunction):
                    return True
                if isinstance(callee, Signature) and (
                    callee.name.startswith(("ta.", "math.sum", "request."))
                    or callee.name == "fixnan"
                ):
                    return True
        return False

    def vector_call_ok(self, node: n.Call) -> bool:
        from pineopt.runtime import ta_series, vector_ops

        callee = self.analysis.calls.get(node)
        if isinstance(callee, UserFunction) and not self.in_security:
            kinds = self.function_kinds(node, callee)
            return kinds is not None and self.function_variant(callee, kinds) is not None
        if not isinstance(callee, Signature):
            return False
        name = callee.name
        args = self.call_args(node, callee)
        args = self.ta_normalise(name, args) if name.startswith("ta.") else args
        if name in ("na", "nz", "fixnan", "int", "float", "bool") or name in vector_ops.MATH:
            return all(self.vectorisable(a) and self.numeric_or_bool(a) for _, a in args)
        if name == "timeframe.change":
            return all(self.qualifier(a) <= Qualifier.SIMPLE and self.is_fixed(a) for _, a in args)
        if name == "input.source" or (name == "input" and self.is_source_default(args)):
            return True
        if name in ("time", "time_close"):
            return all(self.is_fixed_value(a) for _, a in args)
        if name in CALENDAR_FUNCTIONS:
            return all(
                self.is_fixed_value(a) if p == "timezone" else self.vectorisable(a) for p, a in args
            )
        if name in ("request.security", "request.security_lower_tf"):
            return all(
                self.vectorisable(a) if p == "expression" else self.is_fixed_value(a)
                for p, a in args
            ) and self.security_expression_ok(dict(args).get("expression"))
        vector = getattr(ta_series, "VECTOR", {}).get(name)
        if name == "math.sum":
            vector = True
        if vector is None:
            return False
        for pname, arg in args:
            if pname in SERIES_DATA_PARAMS:
                if not (self.vectorisable(arg) and self.numeric_or_bool(arg)):
                    return False
            elif not (self.qualifier(arg) <= Qualifier.SIMPLE and self.is_fixed(arg)):
                return False
        return True

    def security_expression_ok(self, node: n.Expr | None) -> bool:
        if node is None:
            return False
        if isinstance(node, n.Tuple):
            return all(self.vectorisable(e) and self.numeric_or_bool(e) for e in node.elements)
        return self.numeric_or_bool(node) and self.vectorisable(node)

    def is_fixed(self, node: n.Expr) -> bool:
        """A value fixed for the run that can be computed before the loop: it reads fixed
        variables only and calls only pure user functions (:meth:`is_pure`)."""
        for sub in n.walk(n.ExprStmt(node)):
            if isinstance(sub, n.Name):
                var = self.lookup(sub.id)
                if var is not None and var.kind != "fixed":
                    return False
            if isinstance(sub, n.Call):
                callee = self.analysis.calls.get(sub)
                if isinstance(callee, UserFunction) and not self.is_pure(callee):
                    return False
        return True

    def is_pure(self, callee: UserFunction) -> bool:
        """Whether a call of the user function gives the same value whenever its arguments
        are the same and changes nothing, so that with fixed arguments it runs once before
        the loop (``join(1, 2)`` as a plot's ``linewidth``): it keeps no state, calls only
        pure built-ins (:data:`PURE_BUILTINS`, :data:`PURE_NAMESPACES`) and pure functions,
        and reads no global variable but fixed ones."""
        key = id(callee.node)
        if key not in self.pure_functions:
            self.pure_functions[key] = False  # a recursive call is not pure
            self.pure_functions[key] = self._is_pure(callee.node)
        return self.pure_functions[key]

    def _is_pure(self, fn: n.FunctionDef) -> bool:
        info = self.user_functions.get(id(fn))
        if info is None or info.stateful:
            return False
        own = {id(sub) for sub in n.walk(fn)}
        for sub in n.walk(fn):
            if isinstance(sub, n.Call):
                callee = self.analysis.calls.get(sub)
                if isinstance(callee, UserFunction):
                    if not self.is_pure(callee):
                        return False
                elif not (isinstance(callee, Signature) and is_pure_builtin(callee.name)):
                    return False
            if isinstance(sub, n.Name):
                symbol = self.analysis.symbols.get(sub)
                if symbol is None or symbol.node is None or id(symbol.node) in own:
                    continue
                var = self.scopes[0].get(sub.id)
                if var is not None and var.kind != "fixed":
                    return False
        return True

    def as_array(self, node: n.Expr, type_name: str) -> ast.expr:
        value = self.vector_expr(node)
        if self.is_scalar_vector(node):
            self.use_module("vector_ops")
            return P.call("vector_ops.full", [P.attr("ctx", "bar_count"), value])
        return value

    def is_scalar_vector(self, node: n.Expr) -> bool:
        """Whether the vector form of ``node`` is a plain scalar (no series in it)."""
        for sub in n.walk(n.ExprStmt(node)):
            if isinstance(sub, n.Name):
                var = self.lookup(sub.id)
                if (var is not None and var.kind == "vector") or (
                    var is None and sub.id in BAR_SERIES
                ):
                    return False
            if isinstance(sub, n.Attribute) and self.builtin_path(sub) in BAR_SERIES:
                return False
            if isinstance(sub, n.Call):
                return False
        return True

    def vector_expr(self, node: n.Expr) -> ast.expr:
        if not isinstance(node, n.Int | n.Float | n.Bool | n.Na | n.Color | n.Name) and (
            self.is_fixed_value(node) and not self.in_security
        ):
            return self.scalar_fixed(node)
        method = getattr(self, "v_" + type(node).__name__)
        return method(node)

    def v_Int(self, node: n.Int) -> ast.expr:
        return P.const(node.value)

    def v_Float(self, node: n.Float) -> ast.expr:
        return P.const(node.value)

    def v_Bool(self, node: n.Bool) -> ast.expr:
        return P.const(node.value)

    def v_Na(self, node: n.Na) -> ast.expr:
        return P.name("NA")  # a whole-history series is numeric (v6 bools are never na)

    def v_Color(self, node: n.Color) -> ast.expr:
        return self.color_constant(node.value)

    def v_Name(self, node: n.Name) -> ast.expr:
        var = self.lookup(node.id)
        if var is not None:
            if self.in_security and var.kind == "vector" and var.definition is not None:
                value = self.vector_expr(var.definition)  # recomputed on the requested bars
                if var.element is not None:
                    return P.subscript(value, P.const(var.element))
                return value
            return P.name(var.py)
        return self.vector_builtin(node.id, node)

    def vector_builtin(self, path: str, node: n.Node) -> ast.expr:
        if path in BAR_SERIES:
            if self.in_security:
                return P.call(P.attr("ctx", "series"), [P.const(path)])
            local = self._bar_py(path)
            if local not in self.series_aliases:
                self.series_aliases[local] = P.call(P.attr("ctx", "series"), [P.const(path)])
            return P.name(local)
        return self.builtin_value(path, node)

    def v_Attribute(self, node: n.Attribute) -> ast.expr:
        path = self.builtin_path(node)
        assert path is not None
        return self.vector_builtin(path, node)

    def v_Unary(self, node: n.Unary) -> ast.expr:
        operand = self.vector_expr(node.operand)
        if node.op == "not":
            self.use_module("vector_ops")
            return P.call("vector_ops.logical_not", [operand])
        if node.op == "-":
            return ast.UnaryOp(ast.USub(), operand)
        return operand

    def v_Binary(self, node: n.Binary) -> ast.expr:
        self.use_module("vector_ops")
        left = self.vector_expr(node.left)
        right = self.vector_expr(node.right)
        op = node.op
        lt, rt = self.type_of(node.left), self.type_of(node.right)
        if op in ("and", "or"):
            return P.call(f"vector_ops.logical_{op}", [left, right])
        if op in ("==", "!="):
            if isinstance(node.left, n.Na) or isinstance(node.right, n.Na):
                return P.call("vector_ops.full", [P.attr("ctx", "bar_count"), P.const(False)])
            kind = "bool" if lt == "bool" and rt == "bool" else ""
            fn = ("eq" if op == "==" else "ne") + ("_bool" if kind else "")
            return P.call(f"vector_ops.{fn}", [left, right])
        if op in ("<", ">", "<=", ">="):
            return self.ordering(op, left, right, lt, rt)
        if op == "/":
            if (
                self.version < 6
                and lt == "int"
                and rt == "int"
                and self.qualifier(node.left) == Qualifier.CONST
                and self.qualifier(node.right) == Qualifier.CONST
            ):
                return P.call("vector_ops.idiv", [left, right])
            return P.call("vector_ops.div", [left, right])
        if op == "%":
            return P.call("vector_ops.mod", [left, right])
        py_op = {"+": ast.Add(), "-": ast.Sub(), "*": ast.Mult()}[op]
        return P.binop(left, py_op, right)

    def v_Ternary(self, node: n.Ternary) -> ast.expr:
        self.use_module("vector_ops")
        na = self.na_of(self.type_of(node))

        def branch(value: n.Expr) -> ast.expr:
            return na if isinstance(value, n.Na) else self.vector_expr(value)

        return P.call(
            "vector_ops.where",
            [self.vector_expr(node.condition), branch(node.if_true), branch(node.if_false)],
        )

    def v_Index(self, node: n.Index) -> ast.expr:
        self.use_module("vector_ops")
        value = self.as_array(node.value, self.type_of(node.value))  # a fixed value has a past
        args = [value, P.const(node.index.value)]  # type: ignore[attr-defined]
        if self.type_of(node.value) == "bool":
            args.append(P.const(False))
        return P.call("vector_ops.shift", args)

    def v_Tuple(self, node: n.Tuple) -> ast.expr:
        return P.tuple_([self.vector_expr(e) for e in node.elements])

    def v_Call(self, node: n.Call) -> ast.expr:
        from pineopt.runtime import ta_series, vector_ops

        callee = self.analysis.calls[node]
        if isinstance(callee, UserFunction):
            kinds = self.function_kinds(node, callee)
            assert kinds is not None
            variant = self.function_variant(callee, kinds)
            given = {callee.node.params[i].name: a for i, a in enumerate(node.args)}
            given.update({k.name: k.value for k in node.keywords})
            values = []
            for param, kind in zip(callee.node.params, kinds, strict=True):
                arg = given.get(param.name, param.default)
                assert arg is not None
                values.append(self.vector_expr(arg) if kind == "vector" else self.scalar_fixed(arg))
            return P.call(P.name(variant or ""), values)
        sig = callee
        assert isinstance(sig, Signature)
        name = sig.name
        args = self.call_args(node, sig)
        if name.startswith("ta."):
            args = self.ta_normalise(name, args)
        self.use_module("vector_ops")
        if name == "na":
            return P.call("vector_ops.is_na", [self.vector_expr(args[0][1])])
        if name in ("nz", "fixnan"):
            self.use_module("na_vector")
            return P.call(f"na_vector.{name}", [self.vector_expr(a) for _, a in args])
        if name == "int":
            return P.call("vector_ops.to_int", [self.vector_expr(args[0][1])])
        if name == "bool":
            return P.call("vector_ops.to_bool", [self.vector_expr(args[0][1])])
        if name == "float":
            return self.vector_expr(args[0][1])
        if name in vector_ops.MATH:
            fn = vector_ops.MATH[name].__name__
            return P.call_kw(
                f"vector_ops.{fn}",
                [self.vector_expr(a) for _, a in args],
                [],
            )
        if name == "timeframe.change":
            return P.call(
                P.attr("ctx", "timeframe_change"), [self.scalar_fixed(a) for _, a in args]
            )
        if name == "input.source" or name == "input":
            choice = self.source_input(node, args)
            return P.call(P.attr("ctx", "series"), [choice])
        if name in ("time", "time_close"):
            values = [(p, self.scalar_fixed(a)) for p, a in args]
            if name == "time_close":
                values.append(("close", P.const(True)))
            return P.call_kw(P.attr("ctx", "time_function"), [], values)
        if name in CALENDAR_FUNCTIONS:
            values = [
                self.scalar_fixed(a) if p == "timezone" else self.vector_expr(a) for p, a in args
            ]
            return P.call(P.attr("ctx", "calendar_field"), [P.const(name), *values])
        if name in ("request.security", "request.security_lower_tf"):
            return self.security_call(node, dict(args), lower=name.endswith("lower_tf"))
        self.use_module("ta_vector")
        fn_name = ta_series.VECTOR[name].__name__ if name in ta_series.VECTOR else "math_sum"
        implicit = [self.vector_builtin(k, node) for k in ta_series.IMPLICIT.get(name, ())]

        def whole_history(pname: str, arg: n.Expr) -> ast.expr:
            if pname in SERIES_DATA_PARAMS:
                return self.as_array(arg, self.type_of(arg))
            return self.scalar_fixed(arg)

        pos, kws = self.positional(args, sig, node, whole_history)
        if name == "ta.vwap" and not any(p == "anchor" for p, _ in args):
            kws.append(("anchor", P.call(P.attr("ctx", "series"), [P.const("vwap.anchor")])))
        return P.call_kw(f"ta_vector.{fn_name}", [*implicit, *pos], kws)

    def security_call(self, node: n.Call, args: dict[str, n.Expr], lower: bool = False) -> ast.expr:
        """``request.security``: the expression becomes a function of the requested bars'
        context, evaluated over their whole history and merged onto the chart's bars."""
        expression = args["expression"]
        fn = self.names.fresh("requested")
        saved = self.in_security
        self.in_security = True
        try:
            value = self.vector_expr(expression)
        finally:
            self.in_security = saved
        doc = "The requested expression, on the requested bars."
        function = P.function(fn, ["ctx"], [ast.Return(value=value)], doc)
        self.emit_vector(function, node)
        values = [
            self.scalar_fixed(args[k]) if k in args else P.const(None)
            for k in ("symbol", "timeframe")
        ]
        if lower:
            return P.call(P.attr("ctx", "security_lower_tf"), [*values, P.name(fn)])
        keywords = [(k, self.scalar_fixed(args[k])) for k in ("gaps", "lookahead") if k in args]
        return P.call_kw(P.attr("ctx", "security"), [*values, P.name(fn)], keywords)

    def emit_vector(self, stmt: ast.stmt, node: n.Node) -> None:
        with self.into(self.vector):
            self.emit(stmt, node)

    def scalar_fixed(self, node: n.Expr) -> ast.expr:
        """A fixed argument (a length) of a whole-history call."""
        saved, self.out = self.out, self.fixed
        try:
            return self.scalar(node) if not isinstance(node, n.Na) else P.name("NA")
        finally:
            self.out = saved

    # ================================================================ inputs and outputs

    def input_call(self, node: n.Call, sig: Signature, args: list[tuple[str, n.Expr]]) -> ast.expr:
        kind = sig.name.partition(".")[2] or "any"
        if sig.name == "input":
            kind = "source" if self.is_source_default(args) else self.type_of(node)
        if kind == "source":
            return self.source_input(node, args)
        values: list[tuple[str, ast.expr]] = []
        for pname, arg in args:
            values.append((pname, self.scalar_fixed(arg)))
        defval = next((v for p, v in values if p == "defval"), P.const(None))
        rest = [(p, v) for p, v in values if p not in ("defval", "title")]
        if kind == "enum" and not any(p == "options" for p, _ in values):
            enum_py = self.enums.get(self.type_of(node))
            if enum_py is not None:
                rest.append(("options", P.call("list", [P.name(enum_py)])))
        title = next((v for p, v in values if p == "title"), P.const(None))
        var_name = self.pending_name
        rest.append(("name", P.const(var_name)))
        self.has_inputs = True
        py = self.names.fresh((var_name or "input") if self.frame.is_global else "input")
        call = P.call_kw(P.attr("ctx", "input"), [P.const(kind), defval, title], rest)
        with self.into(self.fixed):
            self.emit(P.assign(py, call), node)
        return P.name(py)

    def is_source_default(self, args: list[tuple[str, n.Expr]]) -> bool:
        """``input(close, ...)``: the generic input with a bar series is ``input.source``."""
        default = next((a for p, a in args if p == "defval"), None)
        return (
            isinstance(default, n.Name)
            and default.id in BAR_SERIES
            and self.lookup(default.id) is None
        )

    def source_input(self, node: n.Call, args: list[tuple[str, n.Expr]]) -> ast.expr:
        default = next((a for p, a in args if p == "defval"), None)
        source_name = None
        if (
            isinstance(default, n.Name)
            and default.id in BAR_SERIES
            and self.lookup(default.id) is None
        ):
            source_name = default.id
        if source_name is None:
            raise CompileError(
                "input.source needs a built-in series (close, hl2…) as its default", node
            )
        values = [(p, self.scalar_fixed(a)) for p, a in args if p not in ("defval", "title")]
        title = next((self.scalar_fixed(a) for p, a in args if p == "title"), P.const(None))
        values.append(("name", P.const(self.pending_name)))
        self.has_inputs = True
        choice = self.names.fresh((self.pending_name or "source") + "_name")
        with self.into(self.fixed):
            call = P.call_kw(
                P.attr("ctx", "input"), [P.const("source"), P.const(source_name), title], values
            )
            self.emit(P.assign(choice, call), node)
        return P.name(choice)

    def output_call(self, call: n.Call, name: str) -> str:
        """Register a plot-type call before the loop; fill its series at once or per bar."""
        sig = self.analysis.calls[call]
        assert isinstance(sig, Signature)
        args = self.call_args(call, sig)
        series_params = OUTPUT_SERIES.get(name, ())
        title = next((a for p, a in args if p == "title"), None)
        hint = name
        if isinstance(title, n.String) and title.value.strip():
            words = "".join(ch if ch.isalnum() else "_" for ch in title.value.lower()).strip("_")
            hint = f"{name}_{words}"[:40].rstrip("_") if words.isascii() else name
        record = self.names.fresh(hint)
        outputs = self.alias("outputs", P.attr("ctx", "outputs"))
        registration: list[tuple[str, ast.expr]] = []
        fills: list[tuple[str, n.Expr]] = []
        colors: list[tuple[str, n.Expr]] = []
        for pname, arg in args:
            if pname in series_params:
                fills.append((pname, arg))
            elif pname in COLOR_PARAMS and not self.is_fixed_value(arg):
                registration.append((pname, P.attr(outputs, "SERIES")))
                colors.append((pname, arg))
            else:
                registration.append((pname, self.output_argument(arg)))
        if name in ("bgcolor", "barcolor"):
            colors = [(p, a) for p, a in fills]
            fills = []
            registration.append(("color", P.attr(outputs, "SERIES")))
        method = "fill_kw" if name == "fill" else name
        with self.into(self.outputs):
            self.emit(P.assign(record, P.call_kw(P.attr(outputs, method), [], registration)), call)
        if name in ("plotcandle", "plotbar"):
            self.candle_values(record, fills, call)
        else:
            for _, arg in fills:
                self.record_values(P.attr(record, "values"), P.attr(record, "set_all"), arg, call)
        for pname, arg in colors:
            lists = P.subscript(P.attr(record, "series_colors"), P.const(pname))
            setter = P.attr(record, "set_colors")
            self.record_values(lists, setter, arg, call, param=pname)
        return record

    def is_fixed_value(self, node: n.Expr) -> bool:
        return self.qualifier(node) <= Qualifier.SIMPLE and self.is_fixed(node)

    def output_argument(self, node: n.Expr) -> ast.expr:
        if isinstance(node, n.Name):
            var = self.lookup(node.id)
            if var is not None and var.kind == "fixed":
                return P.name(var.py)
        return self.scalar_fixed(node)

    def record_values(
        self,
        values: ast.expr,
        setter: ast.expr,
        arg: n.Expr,
        call: n.Node,
        param: str | None = None,
    ) -> None:
        type_name = self.type_of(arg)
        if type_name in (*NUMERIC, "bool", "color") and self.vectorisable(arg):
            array = self.as_array(arg, type_name)
            args = [array] if param is None else [P.const(param), array]
            with self.into(self.outputs):
                self.emit(P.expr_stmt(P.call(setter, args)), call)
            return
        value = self.scalar(arg)
        target = P.subscript(values, P.name("bar_index"), True)
        self.emit(P.assign(target, value), call)

    def candle_values(self, record: str, fills: list[tuple[str, n.Expr]], call: n.Node) -> None:
        """``plotcandle``/``plotbar``: the four prices at once when all four are whole-history
        series, else per bar."""
        given = dict(fills)
        prices = ("open", "high", "low", "close")
        if all(self.vectorisable(given[k]) for k in prices if k in given):
            arrays = [
                self.as_array(given[k], "float") if k in given else P.name("NA") for k in prices
            ]
            with self.into(self.outputs):
                self.emit(P.expr_stmt(P.call(P.attr(record, "set_all"), arrays)), call)
            return
        for pname, arg in fills:
            target = P.subscript(P.attr(record, pname), P.name("bar_index"), True)
            self.emit(P.assign(target, self.scalar(arg)), call)

    # ================================================================ user definitions

    def function_def(self, stmt: n.FunctionDef) -> None:
        """A user function or method: a nested Python function; when it keeps state (``var``,
        ``ta.*`` calls, history, stateful calls) it takes its call site's state ``s`` first."""
        info = FunctionInfo(self.names.fresh(stmt.name), stmt)
        info.stateful = self.function_is_stateful(stmt)
        if info.stateful:
            info.state_class = self.names.fresh(stmt.name + "_state")
        self.user_functions[id(stmt)] = info
        saved = (self.frame, self.scopes, self.scope_commits, self.conditional)
        self.frame = Frame(is_global=False, info=info)
        self.scopes = [self.scopes[0], {}]
        self.scope_commits = [[]]
        self.conditional = 0
        body: list[ast.stmt] = []
        params: list[str] = ["s"] if info.stateful else []
        defaults: list[ast.expr] = []
        try:
            with self.into(body):
                pys = [self.names.fresh(param.name) for param in stmt.params]
                for param, py in zip(stmt.params, pys, strict=True):
                    if param.default is not None:
                        defaults.append(self.param_default(param, py))
                for param, py in zip(stmt.params, pys, strict=True):
                    params.append(py)
                    type_name = param.type.name if param.type is not None else "unknown"
                    var = self.declare(param.name, Var(py, "scalar", type_name, decl=param))
                    info.param_names[param.name] = py
                    if (id(param), param.name) in self.history_targets:
                        self.add_history(var, param.name)
                result = P.name(self.names.fresh("result"))
                body.append(P.assign(P.store(result), P.name("NA")))
                for i, sub in enumerate(stmt.body):
                    if i == len(stmt.body) - 1:
                        self.last_value(sub, result)
                    else:
                        self.statement(sub)
                body.extend(self.scope_commits[0])
                body.append(ast.Return(value=result))
        finally:
            self.frame, self.scopes, self.scope_commits, self.conditional = saved
        doc = f"Pine function '{stmt.name}' (line {stmt.span.line})."
        function = P.function(info.py, params, body, doc)
        function.args.defaults = defaults
        self.functions.append(function)
        self.mark(function, stmt)
        if info.stateful:
            self.module_defs.append(self.state_class(info))

    def param_default(self, param: n.Param, py: str) -> ast.expr:
        """The Python default of a parameter: its value when it is one for the whole run (a
        literal, a built-in constant), else ``UNSET`` and, first in the body, its value on the
        call's bar (``int barIndex = bar_index`` is the caller's bar): Pine evaluates a default
        at each call. Compiled before the parameters are declared, it sees only globals."""
        assert param.default is not None
        type_name = param.type.name if param.type is not None else "unknown"
        value = self.definition_value(param.default, type_name)
        if value is not None:
            return value
        init: list[ast.stmt] = []
        with self.into(init):
            init.append(P.assign(py, self.value_for(param.default, type_name)))
        self.emit(P.if_stmt(P.compare(P.name(py), ast.Is(), P.name("UNSET")), init), param)
        return P.name("UNSET")

    def definition_value(self, node: n.Expr, type_name: str) -> ast.expr | None:
        """``node``'s value when it can be computed once, where a function or type is
        defined: ``na``, a literal, a built-in constant (None otherwise)."""
        if isinstance(node, n.Na):
            return self.na_of(type_name)
        if isinstance(node, n.Color):
            return self.color_constant(node.value)
        if isinstance(node, n.Attribute):
            path = self.builtin_path(node)
            constant = builtins.constant(path, self.version) if path else None
            return self.constant_value(constant, node) if constant is not None else None
        return self.literal(node)

    def function_is_stateful(self, stmt: n.FunctionDef) -> bool:
        for sub in n.walk(stmt):
            if isinstance(sub, n.VarDecl) and sub.mode is not None:
                return True
            if isinstance(sub, n.Index):
                return True
            if isinstance(sub, n.Call):
                callee = self.analysis.calls.get(sub)
                if isinstance(callee, UserFunction):
                    other = self.user_functions.get(id(callee.node))
                    if other is not None and other.stateful:
                        return True
                if isinstance(callee, Signature) and (
                    callee.name.startswith(("ta.", "request."))
                    or callee.name in ("fixnan", "math.sum", "math.random")
                ):
                    return True
        return False

    def state_class(self, info: FunctionInfo) -> ast.ClassDef:
        slots = [name for name, _ in info.slots]
        init = P.function(
            "__init__",
            ["self"],
            [P.assign(P.attr("self", name, store=True), value) for name, value in info.slots],
        )
        doc = f"State of one call site of '{info.node.name}': its var variables and built-in calls."
        return ast.ClassDef(
            name=info.state_class or "state",
            bases=[],
            keywords=[],
            body=[
                P.expr_stmt(P.const(doc)),
                P.assign("__slots__", P.tuple_([P.const(x) for x in slots])),
                init,
            ],
            decorator_list=[],
            type_params=[],
        )

    def user_call(self, node: n.Call, callee: UserFunction) -> ast.expr:
        info = self.user_functions.get(id(callee.node))
        if info is None:
            raise CompileError(f"'{callee.name}' is called before its definition", node)
        args: list[n.Expr] = list(node.args)
        if callee.node.is_method and isinstance(node.func, n.Attribute):
            args.insert(0, node.func.value)
        values: list[ast.expr] = []
        for i, arg in enumerate(args):
            ptype = "unknown"
            if i < len(callee.node.params) and callee.node.params[i].type is not None:
                ptype = callee.node.params[i].type.name  # type: ignore[union-attr]
            values.append(self.value_for(arg, ptype))
        keywords = [
            (info.param_names.get(k.name, k.name), self.scalar(k.value)) for k in node.keywords
        ]
        if info.stateful:
            state = self.call_site_state(info.node.name, P.call(info.state_class or ""))
            values.insert(0, state)
        return P.call_kw(P.name(info.py), values, keywords)

    def type_def(self, stmt: n.TypeDef) -> None:
        py = self.names.fresh(stmt.name)
        self.user_types[stmt.name] = py
        fields = [f.name for f in stmt.fields]
        defaults = []
        computed = []
        for f in stmt.fields:
            type_name = f.type.name if not f.type.args else "object"
            value = None if f.default is None else self.field_default(f.default, type_name)
            if f.default is not None and value is None:
                computed.append(f)
            defaults.append(value if value is not None else self.na_of(type_name))
        self.computed_fields[stmt.name] = computed
        assigns = [P.assign(P.attr("self", f, store=True), P.name(f)) for f in fields]
        init = P.function("__init__", ["self", *fields], assigns)
        init.args.defaults = defaults
        cls = ast.ClassDef(
            name=py,
            bases=[P.dotted("ops.PineObject")],
            keywords=[],
            body=[
                P.expr_stmt(P.const(f"Pine type '{stmt.name}' (line {stmt.span.line}).")),
                P.assign("__slots__", P.tuple_([P.const(f) for f in fields])),
                init,
            ],
            decorator_list=[],
            type_params=[],
        )
        self.mark(cls, stmt)
        self.module_defs.append(cls)

    def field_default(self, node: n.Expr, type_name: str) -> ast.expr | None:
        """A field's default when it is one value for the run (a literal, a built-in
        constant), else None: it is computed by each ``new()`` that leaves the field out, on
        that call's bar (the manual's Objects page, ``var``: ``int index = bar_index``), from
        built-in variables only."""
        value = self.definition_value(node, type_name)
        if value is not None:
            return value
        for sub in n.walk(n.ExprStmt(node)):
            symbol = self.analysis.symbols.get(sub) if isinstance(sub, n.Name) else None
            if (symbol is not None and symbol.kind != SymbolKind.BUILTIN) or (
                isinstance(sub, n.Call) and self.has_state(sub)
            ):
                raise CompileError(
                    "a field default that reads a variable or keeps state is not supported yet",
                    node,
                )
        return None

    def construction_defaults(self, type_name: str, given: set[str]) -> list[tuple[str, ast.expr]]:
        """The fields ``new()`` leaves out whose default is computed per call
        (:meth:`field_default`), with their values on this bar: built-ins only, so they are
        compiled without the variables in scope."""
        saved = self.scopes
        self.scopes = [{}]
        try:
            return [
                (f.name, self.value_for(f.default, f.type.name if not f.type.args else "object"))
                for f in self.computed_fields.get(type_name, ())
                if f.name not in given
            ]
        finally:
            self.scopes = saved

    def type_call(self, node: n.Call, callee: UserType) -> ast.expr:
        py = self.user_types.get(callee.name)
        if py is None:
            raise CompileError(f"unknown type '{callee.name}'", node)
        func = node.func
        method = func.attr if isinstance(func, n.Attribute) else "new"
        if method == "copy":
            on_type = (
                isinstance(func, n.Attribute)
                and isinstance(func.value, n.Name)
                and (func.value.id == callee.name and self.lookup(callee.name) is None)
            )
            target = node.args[0] if on_type else func.value  # type: ignore[union-attr]
            return P.call("ops.copy_object", [self.scalar(target)])
        field_types = {f.name: f.type.name for f in callee.node.fields}
        names = [f.name for f in callee.node.fields]
        values = [
            self.value_for(arg, field_types.get(names[i], "unknown") if i < len(names) else "")
            for i, arg in enumerate(node.args)
        ]
        keywords = [
            (k.name, self.value_for(k.value, field_types.get(k.name, "unknown")))
            for k in node.keywords
        ]
        given = set(names[: len(node.args)]) | {k.name for k in node.keywords}
        keywords.extend(self.construction_defaults(callee.name, given))
        return P.call_kw(P.name(py), values, keywords)

    def enum_def(self, stmt: n.EnumDef) -> None:
        py = self.names.fresh(stmt.name)
        self.enums[stmt.name] = py
        members = ast.Dict(
            keys=[P.const(m.name) for m in stmt.members],
            values=[P.const(m.title if m.title is not None else m.name) for m in stmt.members],
        )
        assignment = P.assign(py, P.call("ops.make_enum", [P.const(stmt.name), members]))
        self.mark(assignment, stmt)
        self.module_defs.append(assignment)

    def drawing_call(self, name: str, args: list[tuple[str, n.Expr]], sig: Signature) -> ast.expr:
        self.uses_drawings = True
        self.use_module("drawings")
        functions = self.alias("drawing", P.call("drawings.FUNCTIONS", [P.attr("ctx", "drawings")]))
        func = self.alias(name, P.subscript(functions, P.const(name)))
        pos, kws = self.positional(args, sig)
        return P.call_kw(func, pos, kws)

    # ================================================================ declaration

    def _declaration(self) -> ast.expr:
        declaration = self.script.declaration
        keys: list[ast.expr | None] = [P.const("kind"), P.const("version")]
        values: list[ast.expr] = [
            P.const(declaration.func.id if declaration is not None else "indicator"),  # type: ignore[union-attr]
            P.const(self.version),
        ]
        if declaration is not None:
            sig = self.analysis.calls.get(declaration)
            params = sig.params_for(self.version) if isinstance(sig, Signature) else ()
            for i, arg in enumerate(declaration.args):
                if i < len(params):
                    literal = self.literal(arg)
                    if literal is not None:
                        keys.append(P.const(params[i].name))
                        values.append(literal)
            for kw in declaration.keywords:
                literal = self.literal(kw.value)
                if literal is not None:
                    keys.append(P.const(kw.name))
                    values.append(literal)
        return ast.Dict(keys=keys, values=values)

    def literal(self, node: n.Expr) -> ast.expr | None:
        if isinstance(node, n.Int | n.Float | n.String | n.Bool):
            return P.const(node.value)
        if (
            isinstance(node, n.Unary)
            and node.op == "-"
            and isinstance(node.operand, n.Int | n.Float)
        ):
            return P.const(-node.operand.value)
        if isinstance(node, n.Attribute):
            path = self.builtin_path(node)
            constant = builtins.constant(path, self.version) if path else None
            if constant is not None:
                if constant.value is not None and constant.type.name in ("int", "float", "string"):
                    return P.const(ast.literal_eval(constant.value))
                return P.const(path)
        return None
