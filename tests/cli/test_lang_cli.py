"""``pineopt check`` and ``pineopt parse`` through the real entry point, as a user runs them."""

import json
import subprocess
import sys

import pytest

from pineopt.cli import main

GOOD = '//@version=6\nindicator("ok")\nplot(close)\n'
BAD = '//@version=6\nindicator("bad")\nx = close +* 2\ny = )\n'
OLD = '//@version=6\nindicator("old")\nfloat[] a = na\nplot(close)\n'


@pytest.fixture
def write(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    return write


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_clean_files(capsys, write):
    code, out, err = run(capsys, "check", write("a.pine", GOOD), write("b.pine", GOOD))
    assert (code, out, err) == (0, "2 files checked, 0 with errors\n", "")


def test_check_reports_every_error_with_its_line_and_caret(capsys, write):
    path = write("bad.pine", BAD)
    code, out, err = run(capsys, "check", path)
    assert code == 1 and out == "1 file checked, 1 with errors\n"
    assert err == (
        f"{path}:3:12: error: unexpected '*'; expected an expression\n"
        "x = close +* 2\n"
        "           ^\n"
        f"{path}:4:5: error: unexpected ')'; expected an expression\n"
        "y = )\n"
        "    ^\n"
    )


def test_check_warnings_keep_exit_zero(capsys, write):
    path = write("old.pine", OLD)
    code, _, err = run(capsys, "check", path)
    assert code == 0 and err.startswith(f"{path}:3:1: warning: 'float[]' is the deprecated")


def test_check_fails_when_any_file_fails(capsys, write):
    code, out, _ = run(capsys, "check", write("a.pine", GOOD), write("b.pine", BAD))
    assert code == 1 and out == "2 files checked, 1 with errors\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00", "not a text file (it contains NUL bytes)"),
        (b"//@version=6\n\xff\xfe", "the file is not UTF-8 text"),
        ('//@version=4\nstudy("x")\n', "Pine Script v4 and older are not supported"),
        ("x = 1\n", "missing '//@version=6' annotation"),
    ],
)
def test_check_refuses_what_is_not_a_supported_script(capsys, write, content, message):
    code, _, err = run(capsys, "check", write("x.pine", content))
    assert code == 1 and message in err and "Traceback" not in err


def test_a_refused_file_gets_one_line_without_a_source_line(capsys, write):
    path = write("image.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert run(capsys, "check", path)[2] == (
        f"{path}:1:1: error: not a text file (it contains NUL bytes)\n"
    )


def test_check_unreadable_paths_are_usage_errors(capsys, tmp_path, write):
    code, out, err = run(capsys, "check", write("a.pine", GOOD), tmp_path / "missing.pine")
    assert (code, out) == (2, "")
    assert (
        err
        == f"pineopt: error: cannot read {tmp_path / 'missing.pine'}: No such file or directory\n"
    )
    assert run(capsys, "check", tmp_path)[0] == 2  # a directory


@pytest.mark.parametrize("argv", [["check"], ["check", "--frobnicate", "a.pine"], ["parse"]])
def test_argument_errors_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_parse_prints_canonical_pine(capsys, write):
    code, out, err = run(
        capsys, "parse", write("a.pine", "//@version=6\nindicator('x')\nplot(close+1)\n")
    )
    assert (code, out, err) == (0, '//@version=6\nindicator("x")\nplot(close + 1)\n', "")


def test_parse_json_dumps_the_tree(capsys, write):
    code, out, _ = run(capsys, "parse", write("a.pine", GOOD), "--json")
    tree = json.loads(out)
    assert code == 0 and tree["node"] == "Script" and tree["version"] == 6
    assert tree["body"][1]["expr"]["func"] == {"node": "Name", "span": [3, 1, 3, 5], "id": "plot"}


def test_parse_with_errors_prints_diagnostics_only(capsys, write):
    code, out, err = run(capsys, "parse", write("bad.pine", BAD), "--json")
    assert code == 1 and out == "" and "error: unexpected" in err


def test_no_traceback_on_hostile_input_through_the_installed_command(write):
    path = write("deep.pine", '//@version=6\nindicator("x")\nx = ' + "(" * 1000 + "1" + ")" * 1000)
    done = subprocess.run(
        [sys.executable, "-m", "pineopt", "check", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "brackets nested more than" in done.stderr
    assert "Traceback" not in done.stderr


SEMANTIC = '//@version=6\nindicator("s")\nplot(ta.ema(close, bar_index))\nplot(foo)\n'


def test_check_reports_semantic_errors(capsys, write):
    path = write("s.pine", SEMANTIC)
    code, out, err = run(capsys, "check", path)
    assert code == 1 and out == "1 file checked, 1 with errors\n"
    assert f"{path}:3:20: error: Cannot call 'ta.ema' with argument 'length'" in err
    assert f"{path}:4:6: error: Undeclared identifier 'foo'" in err


def test_check_features_as_text_and_json(capsys, write):
    path = write("a.pine", GOOD)
    code, out, _ = run(capsys, "check", "--features", path)
    assert code == 0
    assert (
        out
        == f"{path}:\n  built-ins: close x1, indicator x1, plot x1\n1 file checked, 0 with errors\n"
    )
    code, out, _ = run(capsys, "check", "--features", "--json", path)
    assert code == 0
    assert json.loads(out) == {
        str(path): {
            "builtins": {"close": 1, "indicator": 1, "plot": 1},
            "features": {},
            "library_calls": {},
            "unsupported": [],
        }
    }


def test_check_features_names_what_cannot_run_yet(tmp_path, capsys) -> None:
    script = tmp_path / "s.pine"
    script.write_text('//@version=6\nindicator("s")\nimport a/b/1 as lib\nplot(close)\n')
    assert main(["check", "--features", str(script)]) == 0
    assert "not supported yet: imports (line 3)" in capsys.readouterr().out
