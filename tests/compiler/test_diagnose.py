"""``diagnose``: what ``convert`` reports before generating code (compiler/pipeline.py)."""

from __future__ import annotations

import pytest

from pineopt.compiler import convert, diagnose

HEAD = '//@version=6\nstrategy("t"{})\n'


@pytest.mark.parametrize(
    "source",
    [
        HEAD.format("") + "plot(close +)\n",  # the parser's
        HEAD.format("") + "plot(ta.sma(clos, 3))\n",  # the analyser's
        HEAD.format("") + 'plot(request.financial(syminfo.tickerid, "EPS", "FQ"))\n',
        HEAD.format(", calc_on_order_fills = true") + "plot(close)\n",  # a refused setting
        HEAD.format("") + "open = 1.0\nplot(open)\n",  # a warning only
    ],
)
def test_diagnose_reports_what_convert_reports(source):
    assert diagnose(source, "t.pine") == convert(source, "t.pine").diagnostics


def test_diagnose_runs_nothing():
    """A script that fails only when run (a length of 0) has no diagnostics."""
    assert diagnose('//@version=6\nindicator("x")\nplot(ta.sma(close, 0))\n') == ()
