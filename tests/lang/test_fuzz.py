"""Fuzzing the front end: mutated corpus scripts must only ever produce diagnostics.

Hypothesis picks a valid corpus script and damages it the ways editing does (deleting a span,
inserting stray characters or tokens, duplicating, swapping or re-indenting lines, truncating).
Whatever comes out, ``check`` must return an analysis — never raise — and do so quickly: each
example has a deadline, so a hang or an exponential blow-up fails the test.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pineopt.lang import check

CORPUS = Path(__file__).parent / "corpus"
SCRIPTS = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("v[56]/*.pine"))]
TOKENS = [
    "(",
    ")",
    "[",
    "]",
    "=>",
    ":=",
    "=",
    "if",
    "else",
    "for",
    "to",
    "switch",
    "var",
    "?",
    ":",
    ",",
    ".",
    "\t",
    "    ",
    "\n",
    '"',
    "'''",
    "#ff",
    "na",
    "1e",
    "//@version=6",
    "indicator(",
    "plot(",
    "type",
    "method",
    "export",
    "import a/b/1 as c",
    "\\",
    "\x00",
]


@st.composite
def mutated_scripts(draw) -> str:
    text = draw(st.sampled_from(SCRIPTS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        kind = draw(
            st.sampled_from(
                ["delete", "insert", "token", "duplicate", "swap", "indent", "truncate"]
            )
        )
        if kind in ("delete", "insert", "token", "truncate") and text:
            at = draw(st.integers(0, len(text) - 1))
            if kind == "delete":
                text = text[:at] + text[at + draw(st.integers(1, 40)) :]
            elif kind == "insert":
                text = text[:at] + draw(st.text(max_size=8)) + text[at:]
            elif kind == "token":
                text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
            else:
                text = text[:at]
        elif len(lines) > 1:
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate":
                lines.insert(j, lines[i])
            elif kind == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = " " * draw(st.integers(0, 9)) + lines[i].lstrip()
            text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_scripts())
def test_mutated_scripts_only_give_diagnostics(source):
    analysis = check(source, "fuzz.pine")
    text = analysis.format_diagnostics()
    assert all(d.span.line >= 0 for d in analysis.diagnostics)
    assert isinstance(text, str)
    if not analysis.ok:
        assert "error:" in text
