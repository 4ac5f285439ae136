"""Converted modules kept on disk, so that running a script again does not convert it again.

Converting a script (parsing, analysing, generating the module) costs a few tenths of a second,
most of it reading the built-in signature tables: as much as running a short strategy.
:func:`convert_for_run` keeps each successful conversion in the user's cache directory
(``$XDG_CACHE_HOME/pineopt/modules``, else ``~/.cache/pineopt/modules``), one JSON file per
script, named after a hash of

* the script's text and file name (the module's docstring names the file),
* PineOpt's version, the Python version (``ast.unparse`` may print differently) and a
  fingerprint of the converter's own files (name, size, modification time of every file of
  :mod:`pineopt.lang` and :mod:`pineopt.compiler`): an edited checkout never reuses a module
  an older converter made.

An entry is written into a temporary file and renamed over its name, so a reader sees a whole
entry or none (it is not flushed to disk: a cache needs no durability); one that cannot be read
or does not have the expected fields is ignored and written again; a directory that cannot be
written only costs the time. Conversions with errors are not kept (their diagnostics are the
point of converting).

A conversion read back has what running needs (``code``, ``diagnostics``, ``source``,
``filename``, ``pine_lines``, ``kind``) but no ``analysis`` and an empty feature report: it is
for :func:`pineopt.run` and ``pineopt run``, while :func:`pineopt.convert` always converts.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import cache
from pathlib import Path

from pineopt.lang.diagnostics import Diagnostic, Severity
from pineopt.lang.nodes import Span

FORMAT = 1  # the layout of an entry; a new layout is a new key

_PACKAGES = ("lang", "compiler")  # the converter: its files make the fingerprint


def convert_for_run(source: str | bytes, filename: str = "<input>"):  # type: ignore[no-untyped-def]
    """:func:`pineopt.compiler.convert` of ``source``, read from the cache when this converter
    has converted it before (see the module docstring)."""
    from pineopt.compiler import Conversion

    path = _entry_path(source, filename)
    if path is not None:
        entry = _read(path)
        if entry is not None:
            return Conversion(
                entry["code"],
                tuple(
                    Diagnostic(Severity(severity), message, Span(*span), filename)
                    for severity, message, span in entry["diagnostics"]
                ),
                source=entry["source"],
                filename=filename,
                pine_lines={int(k): v for k, v in entry["pine_lines"].items()},
                kind=entry["kind"],
            )
    from pineopt.compiler import convert  # the converter itself only on a miss

    conversion = convert(source, filename)
    if path is not None and conversion.ok:
        _write(path, conversion)
    return conversion


def _entry_path(source: str | bytes, filename: str) -> Path | None:
    """The entry's file for this script (None when there is no writable cache directory)."""
    folder = cache_dir()
    if folder is None:
        return None
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    key = hashlib.sha256(f"{FORMAT}\0{_converter_fingerprint()}\0{filename}\0".encode())
    key.update(data)
    return folder / f"{key.hexdigest()[:32]}.json"


def cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/pineopt/modules`` (or under ``~/.cache``), created; None when it
    cannot be written."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(root) / "pineopt" / "modules"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


@cache
def _converter_fingerprint() -> str:
    """PineOpt's and Python's versions and the name, size and modification time of every file
    of the converter's packages."""
    from pineopt import __version__

    root = Path(__file__).resolve().parent.parent
    parts = [__version__, sys.version]
    for package in _PACKAGES:
        for folder, dirs, files in os.walk(root / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read(path: Path) -> dict | None:
    """The entry at ``path``, or None when it is missing or not a complete entry."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if (
            entry.get("format") == FORMAT
            and isinstance(entry.get("code"), str)
            and isinstance(entry.get("source"), str)
            and isinstance(entry.get("kind"), str)
            and isinstance(entry.get("pine_lines"), dict)
            and all(
                d[0] in ("error", "warning") and isinstance(d[1], str) and len(d[2]) == 4
                for d in entry.get("diagnostics")
            )
        ):
            return entry
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return None


def _write(path: Path, conversion) -> None:  # type: ignore[no-untyped-def]
    """Keep ``conversion`` at ``path`` (a failure to write is only a missed cache)."""
    entry = {
        "format": FORMAT,
        "code": conversion.code,
        "source": conversion.source,
        "kind": conversion.kind,
        "pine_lines": conversion.pine_lines,
        "diagnostics": [
            [d.severity.value, d.message, list(d.span)] for d in conversion.diagnostics
        ],
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(entry), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
