"""Where things may appear: plots and the declaration only in the global scope, ``break`` and
``continue`` only in loops, ``export`` only in libraries (an exported variable is a ``const``
of a value type), ``strategy.*`` only in strategies, ``input.*()`` not in exported library
functions (the manual, Libraries > Library functions); and the rules on the whole script: a
library exports something, an indicator shows something.
"""

from __future__ import annotations

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.statements import Statements
from pineopt.lang.builtins import Signature
from pineopt.lang.scopes import VOID, TypeInfo

#: The types of the constants a library may export (``export const float RATIO = 0.5``).
EXPORTABLE_CONSTANT_TYPES = frozenset({"int", "float", "bool", "color", "string"})

#: Calls that make an indicator show something; an indicator needs at least one.
OUTPUT_FUNCTIONS = frozenset(
    {
        "plot",
        "plotshape",
        "plotchar",
        "plotarrow",
        "plotbar",
        "plotcandle",
        "hline",
        "fill",
        "bgcolor",
        "barcolor",
        "alertcondition",
        "alert",
        "label.new",
        "line.new",
        "box.new",
        "table.new",
        "polyline.new",
        "linefill.new",
        "log.info",
        "log.warning",
        "log.error",
    }
)


class Placement(Statements):
    """Checks where statements, calls and ``export`` appear, and the script-wide rules."""

    def visit_Break(self, stmt: n.Break) -> TypeInfo:
        if not self.loop_depth:
            self.error("'break' can only be used inside a loop (for, for...in, while)", stmt)
        return VOID

    def visit_Continue(self, stmt: n.Continue) -> TypeInfo:
        if not self.loop_depth:
            self.error("'continue' can only be used inside a loop (for, for...in, while)", stmt)
        return VOID

    def check_export(
        self, stmt: n.FunctionDef | n.TypeDef | n.EnumDef | n.VarDecl, info: TypeInfo | None = None
    ) -> None:
        if stmt.is_export:
            self.feature("exports", stmt)
            if self.kind is not None and self.kind != "library":
                self.error("'export' is only allowed in library scripts", stmt)
            if isinstance(stmt, n.VarDecl) and info is not None:
                self.check_exported_constant(stmt, info)

    def check_exported_constant(self, stmt: n.VarDecl, info: TypeInfo) -> None:
        """``export const float X = ...``: a library exports a constant of a value type, declared
        with ``const`` (the release notes of June 2025)."""
        if stmt.qualifier != "const" or stmt.mode is not None:
            self.error(
                f"The exported variable '{stmt.name}' must be declared 'const' (export const "
                f"<type> {stmt.name} = <value>)",
                stmt,
            )
        elif not info.is_unknown and info.type.name not in EXPORTABLE_CONSTANT_TYPES:
            self.error(
                f"The exported variable '{stmt.name}' must be of type int, float, bool, color or "
                f"string, not '{info.type}'",
                stmt,
            )

    def check_placement(self, node: n.Call, name: str, signature: Signature) -> None:
        if signature.top_level_only:
            where = None
            if not self.scope.is_global:
                where = self.scope.kind.value
            elif self.ternary_depth:
                where = "an operand of '?:'"
            if where is not None:
                self.error(
                    f"Cannot use '{name}' in local scope: {name}() is only allowed in the global "
                    f"scope (here: {where})",
                    node,
                )
        function = self.defining
        if name.partition(".")[0] == "input" and function is not None and function.node.is_export:
            self.error(
                f"Cannot call '{name}' in the exported function '{function.name}': exported "
                "library functions cannot create inputs",
                node,
            )
        if name.startswith("strategy.") and self.kind == "indicator":
            self.error(
                f"Cannot use '{name}' in an {self.kind}: strategy.* functions are only allowed "
                "in strategies",
                node,
            )

    # ---- the whole script, once it is analysed

    def check_script(self) -> None:
        """A library must export something, an indicator must show something."""
        declaration = self.script.declaration
        if declaration is None:
            return  # the parser reported it
        if self.kind == "library":
            self.library_exports(declaration)
        elif self.kind == "indicator":
            self.indicator_output(declaration)

    def library_exports(self, declaration: n.Call) -> None:
        exported = any(
            isinstance(stmt, (n.FunctionDef, n.TypeDef, n.EnumDef, n.VarDecl)) and stmt.is_export
            for stmt in self.script.body
        )
        if not exported:
            self.error(
                "A library must export at least one function, method, type or enum",
                declaration,
            )

    def indicator_output(self, declaration: n.Call) -> None:
        features = self.features
        if features.library_calls or OUTPUT_FUNCTIONS & set(features.builtins):
            return
        self.error(
            "Script must have at least one output function call (e.g. plot, plotshape, "
            "bgcolor, alertcondition, label.new)",
            declaration,
        )
