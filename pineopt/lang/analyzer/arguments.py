"""Rules on the arguments of particular built-ins, beyond their types and qualifiers:

* an ``input.*()`` call with ``options`` must have a ``defval`` among them (the manual,
  Inputs > Input function parameters: "the defval value must be one of the list's elements");
* the ``expression`` of a ``request.*()`` call must be requestable: fundamental types, chart
  points, and collections and user-defined types made of those - no drawings (Other timeframes
  and data > Requestable data).

Not checked: a ``defval`` or an option that is not a literal or an enum member (a ``const``
variable: its value is not computed here).
"""

from __future__ import annotations

from pineopt.lang import nodes as n
from pineopt.lang.analyzer.definitions import Definitions
from pineopt.lang.analyzer.names import dotted
from pineopt.lang.overloads import Match
from pineopt.lang.printer import expression
from pineopt.lang.types import PineType

#: Drawing types: their objects live on the chart, so a request cannot return them.
DRAWINGS = frozenset({"line", "label", "box", "table", "linefill", "polyline"})


class Arguments(Definitions):
    """Checks the arguments of the built-ins that have rules of their own."""

    def check_arguments(self, node: n.Call, name: str, match: Match) -> None:
        if not match.ok:
            return
        bound = match.bound
        if "options" in bound and "defval" in bound:
            self.check_defval(name, bound["defval"][0].value, bound["options"][0].value)
        if name.startswith("request.") and "expression" in bound:
            argument = bound["expression"][0]
            info = argument.info
            types = [e.type for e in info.elements()] if info.is_tuple else [info.type]
            drawing = next(filter(None, (self.drawing_in(t, set()) for t in types)), None)
            if drawing is not None:
                self.error(
                    f"Cannot call '{name}' with argument 'expression'="
                    f"'{expression(argument.value)}': a request cannot return '{drawing}' "
                    "objects, only fundamental types, chart points, and collections and "
                    "objects of user-defined types made of them",
                    argument.value,
                )

    def check_defval(self, name: str, defval: n.Expr, options: n.Expr) -> None:
        if not isinstance(options, n.Tuple):
            return
        choices = [self.literal(element) for element in options.elements]
        default = self.literal(defval)
        if default is None or None in choices or default in choices:
            return
        self.error(
            f"The defval {expression(defval)} of '{name}' is not one of its options "
            f"({expression(options)}): with options, defval must be one of them",
            defval,
        )

    def literal(self, node: n.Expr) -> object | None:
        """The value of a literal (a negated number included) or an enum member's path; None
        for anything else."""
        if isinstance(node, (n.Int, n.Float, n.String, n.Bool)):
            return node.value
        if (
            isinstance(node, n.Unary)
            and node.op == "-"
            and isinstance(node.operand, n.Int | n.Float)
        ):
            return -node.operand.value
        path = dotted(node)
        if path is not None and path.rpartition(".")[0] in self.globals.enums:
            return path
        return None

    def drawing_in(self, t: PineType, seen: set[str]) -> str | None:
        """The drawing type ``t`` is or holds (as a collection's element, or a field of a user
        type, at any depth), if any."""
        if t.name in DRAWINGS:
            return t.name
        if t.args and not t.is_tuple:
            return next(filter(None, (self.drawing_in(a, seen) for a in t.args)), None)
        user_type = self.globals.types.get(t.name)
        if user_type is None or t.name in seen:
            return None
        seen.add(t.name)
        fields = (f.info.type for f in user_type.fields.values())
        return next(filter(None, (self.drawing_in(f, seen) for f in fields)), None)
