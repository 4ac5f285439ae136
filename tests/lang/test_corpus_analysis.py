"""The script corpus through parse + analyse: valid scripts are clean, and each invalid script
gets an error exactly where its header says: line 1 ``// expect: error at LINE:COL — reason``,
line 2 ``// message: TEXT``, a substring of the message of that same error."""

import re
from pathlib import Path

import pytest

from pineopt.lang import check

CORPUS = Path(__file__).parent / "corpus"
VALID = sorted(CORPUS.glob("v[56]/*.pine"))
INVALID = sorted(CORPUS.glob("invalid/*.pine"))
EXPECT = re.compile(r"//\s*expect:\s*error at (\d+):(\d+)")
MESSAGE = re.compile(r"//\s*message:\s*(.+?)\s*$")

#: Invalid scripts where PineOpt reports the error at another place than the corpus's
#: ``// expect:`` line (which models TradingView), on purpose: (line, column, message, why).
ELSEWHERE = {
    "003_unclosed_call_paren.pine": (
        5,
        17,
        "'(' is never closed",
        "the parser points at the '(' that is never closed, "
        "which is where the fix goes, rather than at the next line",
    ),
    "023_v4_script_with_v5_names.pine": (
        3,
        1,
        "Pine Script v4 and older are not supported",
        "a //@version=4 script is refused at its version annotation: PineOpt reads v5 and v6 only",
    ),
}


def expected_error(path: Path, text: str) -> tuple[int, int, str]:
    """Line, column and message substring of the error ``path`` must produce."""
    header = text.splitlines()[:2]
    where = EXPECT.search(header[0]) if header else None
    message = MESSAGE.search(header[1]) if len(header) > 1 else None
    assert where, "line 1 must be '// expect: error at LINE:COL — reason'"
    assert message, "line 2 must be '// message: TEXT'"
    if path.name in ELSEWHERE:
        return ELSEWHERE[path.name][:3]
    return int(where[1]), int(where[2]), message[1]


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_scripts_have_no_errors(path):
    analysis = check(path.read_text(encoding="utf-8"), str(path))
    assert analysis.ok, analysis.format_diagnostics()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_scripts_have_the_expected_error(path):
    text = path.read_text(encoding="utf-8")
    line, column, message = expected_error(path, text)
    analysis = check(text, str(path))
    found = [
        d.message
        for d in analysis.errors
        if (d.span.line, d.span.column) == (line, column) and message in d.message
    ]
    assert found, f"expected {line}:{column} '{message}'\n" + analysis.format_diagnostics()


def test_there_are_at_least_100_invalid_scripts():
    assert len(INVALID) >= 100
