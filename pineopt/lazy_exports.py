"""Package attributes imported on first use.

A package that re-exports names from heavy modules (the parser, the code generator) gives
them a home module each and lets Python's module ``__getattr__`` import that home when the name
is first read; a process that never reads them never imports their homes::

    __getattr__ = lazy_exports(__name__, {"parse": "parser"}, globals())

The value is then kept in the package's namespace, so the hook runs once per name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package`` for the names of ``homes`` (name -> the
    submodule defining it); ``namespace`` is the package's ``globals()``."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    return __getattr__
