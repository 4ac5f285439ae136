"""Scripts modelled on the Pine v6 User Manual's examples, page by page (``corpus/manual*``).

* ``manual/`` — valid scripts TradingView compiles: each is checked without error, converted and,
  when it is an indicator or a strategy, run over the last bars of the bundled BTCUSDT 1h sample
  without a runtime error. A script calling ``request.security_lower_tf`` runs on 1h bars
  aggregated from the bundled 1-minute sample instead, with those minutes as its lower-timeframe
  feed.
* ``manual_unsupported/`` — valid scripts that use a feature PineOpt cannot run yet: ``check``
  accepts them and ``convert`` refuses them with a located diagnostic whose message contains the
  text of line 2, ``// refused: TEXT``.
* ``manual_invalid/`` — scripts the manual shows as errors, with the layout of ``invalid/``:
  line 1 ``// expect: error at LINE:COL — reason``, line 2 ``// message: TEXT``.

Line 2 of a valid script is ``// manual: PAGE — what it exercises`` (the manual page it follows).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from pineopt.compiler import convert
from pineopt.lang import check

CORPUS = Path(__file__).parent / "corpus"
VALID = sorted((CORPUS / "manual").glob("*.pine"))
UNSUPPORTED = sorted((CORPUS / "manual_unsupported").glob("*.pine"))
INVALID = sorted((CORPUS / "manual_invalid").glob("*.pine"))
EXPECT = re.compile(r"//\s*expect:\s*error at (\d+):(\d+)")
MESSAGE = re.compile(r"//\s*message:\s*(.+?)\s*$")
REFUSED = re.compile(r"//\s*refused:\s*(.+?)\s*$")
BARS = 1500  # the last bars of the sample each script runs over
LOWER_TF = re.compile(r"\brequest\.security_lower_tf\s*\(")


@functools.cache
def _bars():
    import pineopt

    frame = pineopt.load("BTCUSDT", "1h").frame
    return frame.iloc[-BARS:]


@functools.cache
def _minute_chart():
    """1h chart bars aggregated from the 1-minute sample, and that sample as the "1" feed."""
    import pineopt
    from pineopt.data.resample import resample

    minutes = pineopt.load("BTCUSDT", "1").frame
    return resample(minutes, "60"), {"1": minutes}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_script_checks_converts_and_runs(path):
    import pineopt

    text = _text(path)
    assert text.splitlines()[1].startswith("// manual:"), "line 2 must be '// manual: PAGE — …'"
    analysis = check(text, str(path))
    assert analysis.ok, analysis.format_diagnostics()
    conversion = convert(text, str(path))
    assert conversion.ok, conversion.format_diagnostics()
    if re.search(r"^\s*library\s*\(", text, re.MULTILINE):
        return
    if LOWER_TF.search(text):
        chart, feeds = _minute_chart()
        pineopt.run(conversion, chart, htf_data=feeds)
        return
    pineopt.run(conversion, _bars())


@pytest.mark.parametrize("path", UNSUPPORTED, ids=lambda p: p.name)
def test_unsupported_script_is_refused_with_a_located_diagnostic(path):
    text = _text(path)
    refused = REFUSED.search(text.splitlines()[1])
    assert refused, "line 2 must be '// refused: TEXT'"
    analysis = check(text, str(path))
    assert analysis.ok, analysis.format_diagnostics()
    conversion = convert(text, str(path))
    assert not conversion.ok
    messages = [d.message for d in conversion.diagnostics if d.is_error]
    assert any(refused[1] in m for m in messages), conversion.format_diagnostics()
    assert all(d.span.line >= 1 for d in conversion.diagnostics if d.is_error)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_script_has_the_expected_error(path):
    text = _text(path)
    header = text.splitlines()[:2]
    where = EXPECT.search(header[0])
    message = MESSAGE.search(header[1]) if len(header) > 1 else None
    assert where and message, "lines 1-2 must be '// expect: error at L:C — …', '// message: …'"
    line, column = int(where[1]), int(where[2])
    analysis = check(text, str(path))
    found = [
        d
        for d in analysis.errors
        if (d.span.line, d.span.column) == (line, column) and message[1] in d.message
    ]
    assert found, f"expected {line}:{column} '{message[1]}'\n" + analysis.format_diagnostics()


def test_the_manual_corpus_is_large_enough():
    assert len(VALID) + len(UNSUPPORTED) >= 150
