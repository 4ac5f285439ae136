#!/usr/bin/env python3
"""Copy the data files of ``pyproject.toml`` (``[tool.setuptools.data-files]``) into a Python's
prefix, as a wheel install puts them: ``PREFIX/etc/jupyter/...``, ``PREFIX/share/jupyter/...``.

    python tools/install_data_files.py [--prefix PREFIX]   # default: this Python's sys.prefix

``pip install -e .`` leaves them out: setuptools' editable wheel never runs ``install_data``
(setuptools 84 asks the distribution for ``has_data``, a method only the install command has),
so an editable install alone would have neither the Jupyter server extension enabled nor the
Voilà template installed. ``make install`` runs this after it. Each value of the table is a
list of files or glob patterns relative to the project, copied flat into the key's folder;
the copies are replaced on every run. Prints one line per file.
"""

from __future__ import annotations

import argparse
import glob
import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT = Path(__file__).resolve().parents[1]


def data_files(project: Path = PROJECT) -> list[tuple[str, Path]]:
    """``(destination folder, source file)`` for every file the table names."""
    with (project / "pyproject.toml").open("rb") as handle:
        table = tomllib.load(handle).get("tool", {}).get("setuptools", {}).get("data-files", {})
    found = []
    for folder, patterns in table.items():
        for pattern in patterns:
            matches = sorted(glob.glob(pattern, root_dir=project))
            if not matches:
                raise SystemExit(f"pyproject.toml data-files: nothing matches {pattern!r}")
            found += [(folder, project / m) for m in matches if (project / m).is_file()]
    return found


def install(prefix: Path, project: Path = PROJECT) -> list[Path]:
    """Copy every data file under ``prefix``; returns the copies."""
    copies = []
    for folder, source in data_files(project):
        target = prefix / folder / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copies.append(target)
    return copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix))
    args = parser.parse_args(argv)
    for copy in install(args.prefix):
        print(copy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
