"""Python names for Pine names: the Pine name whenever it is legal and free, else a suffix.

Every declaration gets its own Python name, unique in the whole module, so that Pine's block
scoping (an inner ``x`` shadowing an outer one) survives in Python's flat function scopes and
a nested function never confuses its locals with the script's variables. The names the
compiler gives the runtime's callables and values (``math_max``, ``timeframe_period``,
``COLOR_F23645``, the bar series ``close``) come from the same allocator, so a Pine variable
named ``timeframe_period`` or ``close`` never hides one of them; the runtime modules' names
are never given to Pine names.
"""

from __future__ import annotations

import keyword
import re

RUNTIME_MODULES = frozenset(
    {
        "calendar",
        "drawings",
        "loop_limit",
        "na_vector",
        "ops",
        "pine_array",
        "pine_color",
        "pine_map",
        "pine_math",
        "pine_matrix",
        "pine_str",
        "ta_series",
        "ta_vector",
        "vector_ops",
    }
)
"""The runtime modules a converted script imports by their own names (``ops.nz(...)``)."""

_RESERVED = (
    RUNTIME_MODULES
    | set(keyword.kwlist)
    | set(keyword.softkwlist)
    | {
        # Python built-ins the generated code calls
        "range",
        "len",
        "list",
        "enumerate",
        "int",
        "float",
        "bool",
        "str",
        "tuple",
        "dict",
        "object",
        "isinstance",
        "print",
        "slice",
        "__name__",
        "__file__",
        "ctx",
        "script",
        "bar_index",
        "NA",
        "INF",
        "UNSET",
        "DECLARATION",
        "PINE_LINES",
        "vops",
        "np",
        "s",
    }
)


class PyNames:
    """Allocates unique Python identifiers."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.used: set[str] = set(_RESERVED) | set(taken or ())

    def fresh(self, wanted: str) -> str:
        base = re.sub(r"\W", "_", wanted) or "_"
        if base[0].isdigit():
            base = "_" + base
        if base not in self.used:
            self.used.add(base)
            return base
        i = 2
        while f"{base}_{i}" in self.used:
            i += 1
        chosen = f"{base}_{i}"
        self.used.add(chosen)
        return chosen
