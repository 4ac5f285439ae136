"""Declaration settings PineOpt cannot honour, refused at convert time.

A setting of ``strategy()`` that changes how often the script executes cannot be ignored
without giving other trades than TradingView's, so :func:`refused_settings` names it with a
located diagnostic on its argument instead:

* ``calc_on_order_fills = true`` makes TradingView execute the script once more after every
  order fill inside a bar (the "Strategies" page of the manual, "calc_on_order_fills"); PineOpt
  executes a script once per bar. Only a literal ``false`` is accepted: a ``const bool``
  variable could be ``true``.

``calc_on_every_tick`` and ``fill_orders_on_standard_ohlc`` change nothing on the historical
bars of a standard chart and are accepted.
"""

from __future__ import annotations

from pineopt.lang import nodes as n
from pineopt.lang.analyzer import Analysis
from pineopt.lang.builtins import Signature
from pineopt.lang.diagnostics import Diagnostic, Severity

REFUSED = {
    "calc_on_order_fills": (
        "calc_on_order_fills = true is not supported by PineOpt yet: the script executes once "
        "per bar, not again after each order fill (remove the argument or set it to false)"
    ),
}
"""Each refused ``strategy()`` parameter and why; its only accepted value is ``false``."""


def refused_settings(analysis: Analysis, filename: str) -> list[Diagnostic]:
    """The ``strategy()`` arguments of :data:`REFUSED` that are not the literal ``false``."""
    script = analysis.script
    declaration = script.declaration if script is not None else None
    if declaration is None or not isinstance(declaration.func, n.Name):
        return []
    if declaration.func.id != "strategy":
        return []
    signature = analysis.calls.get(declaration)
    if not isinstance(signature, Signature):
        return []
    params = signature.params_for(script.version)  # type: ignore[union-attr]
    arguments = [(params[i].name, arg) for i, arg in enumerate(declaration.args[: len(params)])]
    arguments += [(kw.name, kw.value) for kw in declaration.keywords]
    return [
        Diagnostic(Severity.ERROR, REFUSED[name], value.span, filename)
        for name, value in arguments
        if name in REFUSED and not (isinstance(value, n.Bool) and value.value is False)
    ]
