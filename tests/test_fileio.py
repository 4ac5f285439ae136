import pytest

from pineopt.fileio import atomic_output, atomic_write_text


def test_replaces_the_file(tmp_path):
    target = tmp_path / "deep" / "report.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["report.txt"]


def test_an_error_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "report.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_output(target) as stream:
        stream.write(b"half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]
