"""The committed build of the JupyterLab extension (``extensions/jupyterlab-pineopt/labextension/``)
is the build of the current sources, and is what the wheel installs.

``jlpm build:prod`` ends with ``scripts/stamp.mjs``, which writes ``labextension/build-stamp.json``:
the SHA-256 of every source file the build reads. This test recomputes it in Python (no Node.js),
so changing a source without rebuilding and committing the build fails ``make test``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extensions" / "jupyterlab-pineopt"
BUILD = EXTENSION / "labextension"
INSTALLER = ROOT / "tools" / "install_data_files.py"
NAME = "jupyterlab-pineopt"
# Keep in step with SOURCES in extensions/jupyterlab-pineopt/scripts/stamp.mjs.
SOURCES = (
    "extensions/jupyterlab-pineopt/package.json",
    "extensions/jupyterlab-pineopt/yarn.lock",
    "extensions/jupyterlab-pineopt/tsconfig.json",
    "extensions/jupyterlab-pineopt/scripts",
    "extensions/jupyterlab-pineopt/schema",
    "extensions/jupyterlab-pineopt/src",
    "extensions/jupyterlab-pineopt/style",
    "pineopt/lang/data/v6-builtins.tsv",
)
GENERATED = "extensions/jupyterlab-pineopt/src/generated"
REBUILD = (
    "rebuild it: `cd extensions/jupyterlab-pineopt && jlpm install && jlpm build:prod` "
    "(with the venv's bin on PATH), then commit labextension/"
)


def sources_sha256(root: Path) -> tuple[str, int]:
    """The hash scripts/stamp.mjs writes: path, NUL, bytes (CRLF as LF), NUL, by sorted path."""
    paths: list[str] = []
    for source in SOURCES:
        start = root / source
        if start.is_file():
            paths.append(source)
        elif start.is_dir():
            for path in start.rglob("*"):
                relative = path.relative_to(root).as_posix()
                if path.is_file() and not relative.startswith(GENERATED + "/"):
                    paths.append(relative)
    digest = hashlib.sha256()
    for relative in sorted(paths):
        digest.update(relative.encode() + b"\0")
        digest.update((root / relative).read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest(), len(paths)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_committed_build_is_the_build_of_the_sources():
    stamp = json.loads((BUILD / "build-stamp.json").read_text())
    digest, count = sources_sha256(ROOT)
    assert stamp == {"sources_sha256": digest, "files": count}, (
        f"the committed JupyterLab extension build is older than its sources: {REBUILD}"
    )


def test_committed_build_is_complete():
    package = json.loads((BUILD / "package.json").read_text())
    assert package["name"] == NAME
    entry = BUILD / package["jupyterlab"]["_build"]["load"]
    assert entry.is_file(), f"{entry.name} is missing: {REBUILD}"
    # every chunk the build made is committed with it (no stale chunks of an older build either)
    chunks = {path.name for path in (BUILD / "static").iterdir()}
    assert entry.name in chunks and "style.js" in chunks


def test_the_wheel_installs_every_built_file():
    """Every built file is in pyproject.toml's data-files table (as tools/install_data_files.py
    reads it for an editable install), in the folder JupyterLab expects."""
    spec = importlib.util.spec_from_file_location("install_data_files", INSTALLER)
    installer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installer)
    target = f"share/jupyter/labextensions/{NAME}"
    shipped: dict[str, set[str]] = {}
    for folder, path in installer.data_files(ROOT):
        shipped.setdefault(folder, set()).add(path.name)
    built = {path.relative_to(BUILD) for path in BUILD.rglob("*") if path.is_file()}
    for relative in built:
        folder = target if relative.parent == Path(".") else f"{target}/{relative.parent}"
        assert relative.name in shipped.get(folder, set()), f"{relative} is not in data-files"
    assert "install.json" in shipped[target]


def test_installed_extension_is_the_committed_build():
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / NAME
    if not installed.exists():
        pytest.skip(f"{NAME} is not installed in {sys.prefix} (make install puts it there)")
    found = _tree(installed)
    # chunks of an older build left beside the current one are never loaded: only the committed
    # build's files must be there, the same
    stale = [name for name, data in _tree(BUILD).items() if found.get(name) != data]
    assert not stale, f"{installed} differs from {BUILD.relative_to(ROOT)} in {stale}: make install"
