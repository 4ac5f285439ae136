"""The script corpus through parse + analyse: valid scripts are clean, and each invalid script
gets an error exactly where its ``// expect: error at LINE:COL`` comment says."""

import re
from pathlib import Path

import pytest

from pineopt.lang import check

CORPUS = Path(__file__).parent / "corpus"
VALID = sorted(CORPUS.glob("v[56]/*.pine"))
INVALID = sorted(CORPUS.glob("invalid/*.pine"))
EXPECT = re.compile(r"//\s*expect:\s*error at (\d+):(\d+)")

#: Invalid scripts where PineOpt reports the error at another place than the corpus's
#: ``// expect:`` line (which models TradingView), on purpose: (line, column, why).
ELSEWHERE = {
    "003_unclosed_call_paren.pine": (
        4,
        17,
        "the parser points at the '(' that is never closed, "
        "which is where the fix goes, rather than at the next line",
    ),
    "023_v4_script_with_v5_names.pine": (
        2,
        1,
        "a //@version=4 script is refused at its version annotation: PineOpt reads v5 and v6 only",
    ),
}


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_scripts_have_no_errors(path):
    analysis = check(path.read_text(encoding="utf-8"), str(path))
    assert analysis.ok, analysis.format_diagnostics()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_scripts_have_an_error_where_expected(path):
    text = path.read_text(encoding="utf-8")
    expected = EXPECT.search(text.splitlines()[0])
    assert expected, "the first line must be '// expect: error at LINE:COL - reason'"
    line, column = ELSEWHERE.get(path.name, (int(expected[1]), int(expected[2])))[:2]
    analysis = check(text, str(path))
    where = {(d.span.line, d.span.column) for d in analysis.errors}
    assert (line, column) in where, analysis.format_diagnostics()
