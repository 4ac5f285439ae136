"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Write into a temporary file in the target's folder, flush it to disk, then rename it over the
target (``os.replace`` is atomic on POSIX and Windows). If anything fails — or the process is
killed — before the rename, the previous file is untouched and the temporary file is removed
(or, after a kill, left as a hidden ``.NAME.*.tmp`` that nothing reads).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """Open a binary stream whose content replaces ``path`` when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    with atomic_output(path) as stream:
        stream.write(text.encode("utf-8"))
