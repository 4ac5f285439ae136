"""The compiler: a checked Pine script -> a readable Python module.

:func:`convert` parses and analyses the source (:mod:`pineopt.lang`), refuses what the runtime
cannot run yet with a located diagnostic naming it (a built-in, or a setting of
:mod:`pineopt.compiler.refusals`), and generates the module
(:mod:`pineopt.compiler.codegen`), in :mod:`pineopt.compiler.pipeline`. :func:`load` turns a
successful :class:`Conversion` (:mod:`pineopt.compiler.conversion`) into a
module object ready for :func:`pineopt.runtime.engine.execute`. :func:`diagnose` gives what
:func:`convert` reports before generating code (for editors: nothing is generated or run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pineopt.compiler.conversion import Conversion, load
from pineopt.lazy_exports import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from pineopt.compiler.builtins_map import supported_names
    from pineopt.compiler.codegen import CompileError
    from pineopt.compiler.pipeline import convert, diagnose

__all__ = ["CompileError", "Conversion", "convert", "diagnose", "load", "supported_names"]

# The converter and its tables are imported on first use (see pineopt.compiler.conversion).
_HOMES = {
    "CompileError": "codegen",
    "convert": "pipeline",
    "diagnose": "pipeline",
    "supported_names": "builtins_map",
}


__getattr__ = lazy_exports(__name__, _HOMES, globals())
