"""The event mask: the bars on which a script's bar loop can do anything.

Many strategies act on few bars: every statement of their loop is an ``if`` whose condition is
a whole-history series (``if ta.crossover(fast, slow)`` → ``strategy.entry``). On a bar where
all those conditions are false the loop does nothing, so it need not visit that bar: the
compiler computes, before the loop, the bars where some condition may hold, and the loop runs
over :meth:`ctx.bars(acting) <pineopt.runtime.engine.Context.bars>` instead of every bar::

    acting = vector_ops.any_of(ctx.bar_count, ta_crossover, ta_crossunder, useStop)
    for bar_index in ctx.bars(acting):
        ...

:func:`acting_bars` reads the loop body the code generator produced (Python statements) and
gives that mask, or None when the script does not qualify; then the loop stays
``range(ctx.bar_count)``. A statement qualifies when it is

* ``if TEST: ...`` (``elif`` chains included, no ``else``) whose ``TEST`` is false, and evaluated
  without effect, on every bar outside its mask (:func:`_mask`): a ``bool`` series read on the
  bar (``cond[bar_index]``) is false outside itself; a value fixed for the run (an input) is
  false everywhere or nowhere; ``a and b`` is false where either is (an operand after the first
  one that may have an effect is never evaluated outside the mask of those before it);
  ``a or b`` where both are; ``not c[bar_index]`` outside ``c``; a comparison (Python's own
  ``< > <= >= == !=``) of the bar's values of whole-history series (``float`` ones in ``+ - *``
  arithmetic, ``int`` ones such as ``hour[bar_index]`` as they are) and values fixed for the
  run is false where the same comparison of the whole arrays is. Any other operand that reads
  without effect (names, constants, ``strategy.*`` values, other arithmetic and comparisons) may
  be true on any bar (:data:`PURE_CALLS` included);
* ``if x is UNSET: x = ...``, a ``var`` declaration taking its first value: that happens on
  the first bar, which the mask then holds;
* ``ctx.bar_index = bar_index``, which only tells logs, alerts and errors the bar.

Anything else (an assignment or a call run on every bar, a ``var`` whose first value is set in
the loop, the history of a bar-by-bar value, drawings, ``strategy.risk.*`` rules) keeps the
script on every bar. Since nothing runs on the bars left out, ``var`` state, loops, user
functions and calls inside the ``if`` bodies are untouched by the skipping.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from pineopt.compiler import pyast as P

EVERY_BAR = "every bar"  # a mask: the statement may act on any bar

PURE_CALLS = frozenset({"ops.eq", "ops.ne", "ops.is_na", "ops.nz", "ops.to_bool"})
"""Runtime functions that only compute a value from their arguments (Pine's ``==``, ``!=``,
``na()``, ``nz()``, ``bool()``)."""


def acting_bars(
    loop: list[ast.stmt], series: Mapping[str, tuple[str, ast.expr]], fixed: Mapping[str, str]
) -> ast.expr | None:
    """The expression of the event mask of ``loop`` (the statements run on each bar), or None
    when it may act on every bar. ``series`` maps the whole-history series the loop reads as
    ``name[bar_index]`` to their type and their whole history before the loop (an array);
    ``fixed`` maps the names of values fixed for the run to their type."""
    reader = _Reader(series, fixed)
    masks: list = []
    for stmt in loop:
        if reader.is_bar_index_note(stmt):
            continue
        if not isinstance(stmt, ast.If):
            return None
        mask = reader.statement(stmt)
        if mask is EVERY_BAR:
            return None
        masks.append(mask)
    if not masks:
        return None
    return _combine("any_of", masks)


def _combine(how: str, masks: list) -> ast.expr:
    """``vector_ops.any_of(ctx.bar_count, ...)`` / ``all_of``, each distinct mask once."""
    seen: dict[str, ast.expr] = {}
    for mask in masks:
        seen.setdefault(ast.dump(mask), mask)
    if len(seen) == 1 and how == "all_of":
        (only,) = seen.values()
        return only
    return P.call(P.attr("vector_ops", how), [P.attr("ctx", "bar_count"), *seen.values()])


class _Reader:
    """Reads the conditions of a loop body (see the module docstring)."""

    def __init__(
        self, series: Mapping[str, tuple[str, ast.expr]], fixed: Mapping[str, str]
    ) -> None:
        self.series = series
        self.fixed = fixed

    @staticmethod
    def is_bar_index_note(stmt: ast.stmt) -> bool:
        """``ctx.bar_index = bar_index``."""
        return (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and ast.dump(stmt.targets[0]) == ast.dump(P.attr("ctx", "bar_index", store=True))
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id == "bar_index"
        )

    def statement(self, stmt: ast.If) -> object:
        """The mask of an ``if``/``elif`` chain: where its first test or the rest may act."""
        if self.is_first_value(stmt):
            return P.call(P.attr("ctx", "series"), [P.const("barstate.isfirst")])
        test = self.mask(stmt.test)
        if test is None or test is EVERY_BAR:
            return EVERY_BAR
        if not stmt.orelse:
            return test
        if len(stmt.orelse) != 1 or not isinstance(stmt.orelse[0], ast.If):
            return EVERY_BAR  # an else block runs wherever the tests are false
        rest = self.statement(stmt.orelse[0])
        if rest is EVERY_BAR:
            return EVERY_BAR
        return _combine("any_of", [test, rest])

    @staticmethod
    def is_first_value(stmt: ast.If) -> bool:
        """``if x is UNSET: ... x = ...``: a ``var`` taking its first value, on the first bar
        (which the mask then holds, so it runs there on both paths)."""
        test = stmt.test
        if stmt.orelse or not (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Is)
            and isinstance(test.comparators[0], ast.Name)
            and test.comparators[0].id == "UNSET"
        ):
            return False
        name = test.left.id
        return any(
            isinstance(s, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in s.targets)
            for s in stmt.body
        )

    def mask(self, test: ast.expr) -> object:
        """Where ``test`` may be true (an expression, or :data:`EVERY_BAR`); outside it the
        test is false and evaluating it has no effect. None: it may have an effect."""
        if isinstance(test, ast.Subscript) and self.is_bar_read(test, "bool"):
            return self.series[test.value.id][1]  # type: ignore[attr-defined]
        if isinstance(test, ast.Name) and test.id in self.fixed:
            return P.name(test.id)
        if isinstance(test, ast.Compare):
            whole = self.whole_history(test)
            if whole is not None:
                return whole
        if isinstance(test, ast.Constant):
            return EVERY_BAR if test.value else P.const(False)
        if (
            isinstance(test, ast.UnaryOp)
            and isinstance(test.op, ast.Not)
            and isinstance(test.operand, ast.Subscript)
            and self.is_bar_read(test.operand, "bool")
        ):
            whole = self.series[test.operand.value.id][1]  # type: ignore[attr-defined]
            return P.call(P.attr("vector_ops", "logical_not"), [whole])
        if isinstance(test, ast.BoolOp):
            return self.bool_op(test)
        return EVERY_BAR if self.is_pure(test) else None

    def bool_op(self, test: ast.BoolOp) -> object:
        if isinstance(test.op, ast.Or):
            masks = [self.mask(v) for v in test.values]
            if any(m is None or m is EVERY_BAR for m in masks):
                return None if None in masks else EVERY_BAR
            return _combine("any_of", masks)
        known = []
        for value in test.values:  # an operand runs only where those before it are true
            mask = self.mask(value)
            if mask is None:
                break
            if mask is not EVERY_BAR:
                known.append(mask)
        if not known:
            return EVERY_BAR if self.is_pure(test) else None
        return _combine("all_of", known)

    def is_bar_read(self, node: ast.Subscript, type_name: str) -> bool:
        """``x[bar_index]`` of a whole-history series of type ``type_name``."""
        return (
            isinstance(node.value, ast.Name)
            and self.series.get(node.value.id, ("",))[0] == type_name
            and isinstance(node.slice, ast.Name)
            and node.slice.id == "bar_index"
        )

    def whole_history(self, node: ast.expr) -> ast.expr | None:
        """``node``, a comparison (``< > <= >= == !=``, Python's own: Pine's ``==`` with its
        tolerance is a call) of arithmetic (``+ - *``) on the bar's values of whole-history
        ``float`` series, fixed numbers and constants, as the same operations on the whole
        arrays (numpy gives each bar the bits and truth Python gives it), or None."""
        if isinstance(node, ast.Subscript) and self.is_bar_read(node, "float"):
            return self.series[node.value.id][1]  # type: ignore[attr-defined]
        if isinstance(node, ast.Name) and self.fixed.get(node.id) in ("int", "float"):
            return P.name(node.id)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            left, right = self.whole_history(node.left), self.whole_history(node.right)
            if left is None or right is None:
                return None
            return ast.BinOp(left=left, op=node.op, right=right)
        if (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.Lt | ast.Gt | ast.LtE | ast.GtE | ast.Eq | ast.NotEq)
        ):
            left, right = self.compared(node.left), self.compared(node.comparators[0])
            reads = any(isinstance(x, ast.Subscript) for x in ast.walk(node))
            if left is None or right is None or not reads:  # no series read: not a mask
                return None
            return ast.Compare(left=left, ops=node.ops, comparators=[right])
        return None

    def compared(self, node: ast.expr) -> ast.expr | None:
        """An operand of a comparison as a whole history (:meth:`whole_history`), the bar's
        value of an ``int`` series included (``hour[bar_index] == 9``: its whole values compare
        as the same floats; never inside arithmetic, where Python's ints are exact and floats
        are not)."""
        if isinstance(node, ast.Subscript) and self.is_bar_read(node, "int"):
            return self.series[node.value.id][1]  # type: ignore[attr-defined]
        return self.whole_history(node)

    def is_pure(self, node: ast.expr) -> bool:
        """Whether evaluating ``node`` only reads: names, constants, the broker's values,
        series reads, arithmetic, comparisons, boolean operators and :data:`PURE_CALLS`."""
        if isinstance(node, ast.Name | ast.Constant):
            return True
        if isinstance(node, ast.Attribute):
            return isinstance(node.value, ast.Name) and node.value.id == "broker"
        if isinstance(node, ast.Subscript):
            return isinstance(node.value, ast.Name) and self.is_pure(node.slice)
        if isinstance(node, ast.BinOp):
            return self.is_pure(node.left) and self.is_pure(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.is_pure(node.operand)
        if isinstance(node, ast.BoolOp):
            return all(self.is_pure(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return self.is_pure(node.left) and all(self.is_pure(c) for c in node.comparators)
        if isinstance(node, ast.Call):
            return (
                ast.unparse(node.func) in PURE_CALLS
                and not node.keywords
                and all(self.is_pure(a) for a in node.args)
            )
        return False
