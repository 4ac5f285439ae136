"""The process inside the sandbox: run one uploaded module over the bars, write what it left.

:mod:`pineopt.server.sandbox` starts this file by path inside bubblewrap (so that the server
package is not imported in here), as an unprivileged user, with ``/sandbox/job`` holding the
job (read-only) and ``/sandbox/out`` the files to fill (nothing else in it is writable). In
order, it:

1. reads ``job.json`` and sets the rlimits (CPU time, address space, processes, file size, open
   files, no core dumps) before anything else is imported;
2. loads the bars (``bars.parquet``, written by the server) and the module: compiled under the
   upload's file name, executed with ``__builtins__`` cut down to the checker's list and an
   ``__import__`` that lets through only the checker's modules (:func:`runtime_policy`), so
   that a name or an import that slipped past the static check still finds nothing;
3. runs it with :func:`~pineopt.runtime.standalone.run_module` and writes ``plots``,
   ``trades`` and ``equity`` as Parquet (plain columns: the server puts the bars' times back)
   and ``result.json`` (declaration, inputs, logs, alerts, metrics, seconds);
4. or, when anything fails, writes ``result.json`` as ``{"error": {reason, message, line,
   column, end_column}}``: the reason (``script``, ``input``, ``memory``, ``processes``,
   ``file_size``, ``open_files``), the exception's type and message without a traceback, the
   innermost line of the upload it came from and the bar.

It ends with ``os._exit``: threads the script started do not keep the process alive, and a
process the script forked never writes (only the first process does).

.. code-block:: text

    exit 0  result written          exit 3  error written
"""

from __future__ import annotations

import builtins
import errno
import json
import math
import numbers
import os
import resource
import types
from pathlib import Path
from typing import Any

import numpy as np

JOB = Path("/sandbox/job")
OUT = Path("/sandbox/out")
EXIT_OK = 0
EXIT_REPORTED = 3

_LIMITS = (
    ("cpu_seconds", resource.RLIMIT_CPU),
    ("memory_bytes", resource.RLIMIT_AS),
    ("processes", resource.RLIMIT_NPROC),
    ("file_bytes", resource.RLIMIT_FSIZE),
    ("open_files", resource.RLIMIT_NOFILE),
)


def main() -> int:
    """The whole run (see the module docstring); the exit status."""
    first_process = os.getpid()
    job = json.loads((JOB / "job.json").read_text(encoding="utf-8"))
    apply_limits(job["limits"])
    try:
        result = run(job)
        if os.getpid() == first_process:
            write_result(result)
        return EXIT_OK
    except BaseException as exc:  # everything is reported, nothing is shown as a traceback
        if os.getpid() == first_process:
            write_json("result.json", {"error": describe(exc, job["filename"])})
        return EXIT_REPORTED


def apply_limits(limits: dict[str, float]) -> None:
    """Soft and hard limits alike (the script cannot raise them again); the CPU limit's hard
    value is one second later, so that SIGXCPU comes first and SIGKILL only if it is caught."""
    for key, which in _LIMITS:
        value = math.ceil(limits[key])
        resource.setrlimit(which, (value, value + 1 if key == "cpu_seconds" else value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(job: dict[str, Any]) -> Any:
    """Load the bars and the module, run it; the runtime's Result."""
    import pandas as pd

    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe
    from pineopt.runtime.standalone import Chart, run_module

    frame = pd.read_parquet(JOB / "bars.parquet")
    chart = Chart(frame, SymbolInfo(**job["symbol"]), Timeframe.parse(job["timeframe"]), {})
    module = load_module(
        (JOB / "strategy.py").read_text(encoding="utf-8"), job["filename"], job["policy"]
    )
    return run_module(module, chart, inputs=job["inputs"], strategy=job["strategy"])


def load_module(source: str, filename: str, policy: dict[str, list[str]]) -> types.SimpleNamespace:
    """Execute the module's top level with the cut-down built-ins; what the engine needs of it
    (no ``PINE_LINES``: an edited module's Pine lines would mislead, errors point at its own
    lines instead)."""
    allowed = {name: getattr(builtins, name) for name in policy["builtins"]}
    allowed["__build_class__"] = builtins.__build_class__
    allowed["__import__"] = _guarded_import(frozenset(policy["modules"]))
    namespace: dict[str, Any] = {"__name__": "strategy", "__builtins__": allowed}
    exec(compile(source, filename, "exec", dont_inherit=True), namespace)
    return types.SimpleNamespace(
        DECLARATION=dict(namespace["DECLARATION"]),
        script=namespace["script"],
        __file__=filename,
        __name__="strategy",
    )


def _guarded_import(modules: frozenset[str]) -> Any:
    real_import = builtins.__import__

    def guarded(
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if level or name not in modules:
            raise ImportError(f"import of {name!r} is not allowed")
        module = real_import(name, globals, locals, fromlist, level)
        for item in fromlist or ():
            value = getattr(module, item, None)
            if item.startswith("_") or (
                isinstance(value, types.ModuleType) and value.__name__ not in modules
            ):
                raise ImportError(f"import of {name}.{item} is not allowed")
        return module

    return guarded


# --------------------------------------------------------------------------- outputs


def write_result(result: Any) -> None:
    write_parquet("plots.parquet", result.plots)
    if result.trades is not None:
        write_parquet("trades.parquet", result.trades)
        write_parquet("equity.parquet", result.equity)
    write_json(
        "result.json",
        {
            "declaration": _plain(result.declaration),
            "inputs": [_plain(vars(spec)) for spec in result.inputs],
            "logs": [[log.bar_index, log.level, log.message] for log in result.logs],
            "alerts": [[a.bar_index, a.time, a.message, a.freq] for a in result.alerts],
            "metrics": _plain(result.metrics),
            "seconds": result.seconds,
        },
    )


def write_parquet(name: str, frame: Any) -> None:
    """Columns only: the index is the bars' times, which the server has."""
    with open(OUT / name, "wb") as stream:
        frame.reset_index(drop=True).to_parquet(stream, index=False)


def write_json(name: str, document: Any) -> None:
    with open(OUT / name, "w", encoding="utf-8") as stream:
        json.dump(document, stream)


def _plain(value: Any) -> Any:
    """JSON-ready values (NaN kept: both ends are Python's json): numpy numbers as Python
    numbers, colours, enum members and other objects as their text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


# --------------------------------------------------------------------------- errors


def describe(exc: BaseException, filename: str) -> dict[str, Any]:
    """What went wrong, for the server: ``reason``, ``message`` (type and text, no traceback),
    the upload's innermost ``line``, ``column`` and ``end_column`` on it, and the ``bar``."""
    from pineopt.errors import PineOptError
    from pineopt.runtime.inputs import InputError

    located = hasattr(exc, "pine_line")  # the engine's wrapper: the cause holds the truth
    cause = (exc.__cause__ or exc.__context__ or exc) if located else exc
    if isinstance(cause, InputError):
        reason, message = "input", str(cause)
    elif isinstance(cause, PineOptError):
        reason, message = "script", str(cause)
    else:
        reason, message = _reason(cause)
    line, column, end_column = _location(cause, filename) or _location(exc, filename) or (0, 0, 0)
    bar = getattr(exc, "bar_index", None) if located else None
    return {
        "reason": reason,
        "message": message,
        "line": line,
        "column": column,
        "end_column": end_column,
        "bar": bar if isinstance(bar, int) else None,
    }


def _reason(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, MemoryError):
        return "memory", ""
    if isinstance(exc, OSError):
        by_errno = {
            errno.EAGAIN: "processes",
            errno.EFBIG: "file_size",
            errno.ENOSPC: "file_size",
            errno.EMFILE: "open_files",
            errno.ENFILE: "open_files",
        }
        if exc.errno in by_errno:
            return by_errno[exc.errno], ""
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return "processes", ""
    text = str(exc)
    return "script", f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _location(exc: BaseException, filename: str) -> tuple[int, int, int] | None:
    """Line, column and end column (1-based, UTF-8 bytes as Python counts them) of the
    innermost frame of the upload in the exception's traceback."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename:
            found = (tb.tb_lineno, code, tb.tb_lasti)
        tb = tb.tb_next
    if found is None:
        return None
    line, code, offset = found
    positions = list(code.co_positions())
    start_line, end_line, column, end_column = positions[offset // 2]
    if start_line != line or column is None:
        return line, 1, 2
    if end_line != line or end_column is None:
        end_column = column + 1
    return line, column + 1, end_column + 1


if __name__ == "__main__":
    os._exit(main())
