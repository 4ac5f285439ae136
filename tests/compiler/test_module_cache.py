"""Converted modules kept on disk (:mod:`pineopt.compiler.cache`)."""

from __future__ import annotations

import json

import pytest

from pineopt.compiler import cache
from pineopt.compiler.cache import cache_dir, convert_for_run

SCRIPT = '//@version=6\nstrategy("t")\nvar x = 0\nx := 1\nplot(close)\n'


def entries():
    return sorted(cache_dir().glob("*.json"))


def test_a_conversion_is_kept_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    first = convert_for_run(SCRIPT, "t.pine")
    assert first.ok and first.analysis is not None and first.kind == "strategy"
    [entry] = entries()
    assert entry.parent == tmp_path / "xdg" / "pineopt" / "modules"
    second = convert_for_run(SCRIPT, "t.pine")
    assert second.analysis is None  # read back, not converted
    assert (second.code, second.kind, second.source, second.filename) == (
        first.code,
        first.kind,
        first.source,
        first.filename,
    )
    assert second.pine_lines == first.pine_lines
    assert second.diagnostics == first.diagnostics
    assert [str(d) for d in second.diagnostics] == [str(d) for d in first.diagnostics]


def test_warnings_survive_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = '//@version=6\nindicator("t")\nopen = 1.0\nplot(open)\n'
    first = convert_for_run(source, "w.pine")
    assert first.ok and first.diagnostics  # a warning: shadowing built-in variable 'open'
    second = convert_for_run(source, "w.pine")
    assert second.analysis is None
    assert second.format_diagnostics() == first.format_diagnostics()


def test_the_key_is_the_text_the_file_name_and_the_converter(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    convert_for_run(SCRIPT, "t.pine")
    convert_for_run(SCRIPT, "u.pine")
    convert_for_run(SCRIPT.replace("x := 1", "x := 2"), "t.pine")
    assert len(entries()) == 3
    monkeypatch.setattr(cache, "_converter_fingerprint", lambda: "another converter")
    assert convert_for_run(SCRIPT, "t.pine").analysis is not None
    assert len(entries()) == 4


@pytest.mark.parametrize(
    "text",
    ["", "{not json", json.dumps({"format": 1, "code": "x = 1"}), json.dumps([1, 2])],
    ids=["empty", "not-json", "incomplete", "not-an-object"],
)
def test_a_corrupt_entry_is_ignored_and_written_again(tmp_path, monkeypatch, text):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    convert_for_run(SCRIPT, "t.pine")
    [entry] = entries()
    entry.write_text(text, encoding="utf-8")
    again = convert_for_run(SCRIPT, "t.pine")
    assert again.ok and again.analysis is not None  # converted afresh
    assert json.loads(entry.read_text(encoding="utf-8"))["code"] == again.code
    assert not list(entry.parent.glob(".*.tmp"))


def test_scripts_with_errors_are_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    conversion = convert_for_run('//@version=6\nindicator("t")\nplot(nosuchthing)\n', "e.pine")
    assert not conversion.ok
    assert entries() == []


def test_an_unwritable_cache_only_costs_the_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert cache_dir() is None
    assert convert_for_run(SCRIPT, "t.pine").ok
