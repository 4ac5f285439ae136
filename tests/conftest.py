"""Shared fixtures: paths to test data, and an isolated cache root for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FILES = TESTS / "data" / "files"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's outputs/datasets."""
    monkeypatch.setenv("PINEOPT_DATA_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def files() -> Path:
    return FILES
