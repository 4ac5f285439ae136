"""Fixtures for the provider tests: writing small data files and checking nothing else changes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from pineopt.errors import DataError


def snapshot(directory: Path, contents: bool = True) -> dict[str, tuple]:
    """Every file and folder under ``directory`` with its size, mtime and (optionally) hash."""
    state: dict[str, tuple] = {}
    for path in sorted(directory.rglob("*")):
        info = path.stat()
        if path.is_dir():
            state[str(path.relative_to(directory))] = ("dir",)
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if contents else ""
        state[str(path.relative_to(directory))] = (info.st_size, info.st_mtime_ns, digest)
    return state


@pytest.fixture
def state() -> Callable[[Path], dict[str, tuple]]:
    """The :func:`snapshot` function, for tests that compare a folder before and after."""
    return snapshot


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(name, text_or_bytes)`` → a file in ``tmp_path`` (text is written as UTF-8
    exactly as given: no newline is added or translated)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture
def fails(tmp_path: Path) -> Callable[..., str]:
    """``fails(call, path, *fragments)``: ``call(path)`` raises a one-line DataError that starts
    with the path and contains every fragment, and leaves the folder of ``path`` untouched."""

    def _fails(call: Callable[[Path], object], path: Path, *fragments: str) -> str:
        folder = path.parent if path.parent.exists() else tmp_path
        before = snapshot(folder)
        with pytest.raises(DataError) as caught:
            call(path)
        message = str(caught.value)
        assert "\n" not in message, message
        assert message.startswith(str(path)), message
        for fragment in fragments:
            assert fragment in message, f"{fragment!r} not in {message!r}"
        assert snapshot(folder) == before, "the failed read changed files"
        return message

    return _fails


OUR_STEMS = ("vwap", "ma", "time_head")


@pytest.fixture
def untouched(files: Path):
    """The test data files these tests read are neither modified nor joined by new files
    (a cache, an index) of the same name."""

    def ours() -> dict[str, tuple]:
        return {
            name: state
            for name, state in snapshot(files, contents=False).items()
            if Path(name).parent == Path(".") and Path(name).name.split(".")[0] in OUR_STEMS
        }

    before = ours()
    yield files
    assert ours() == before
