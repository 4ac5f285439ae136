"""Settings of ``strategy()`` refused at convert time (pineopt/compiler/refusals.py)."""

from __future__ import annotations

import pytest

from pineopt.compiler import convert

HEAD = '//@version=6\nstrategy("t"{})\nstrategy.entry("L", strategy.long)\n'


@pytest.mark.parametrize(
    "setting",
    [
        ", calc_on_order_fills = true",
        ', "S", true, calc_on_order_fills = true',
        # positional: title, shorttitle, overlay, format, precision, scale, pyramiding,
        # calc_on_order_fills
        ', "S", true, format.inherit, 2, scale.right, 0, true',
    ],
)
def test_calc_on_order_fills_is_refused_on_its_argument(setting):
    source = HEAD.format(setting)
    conversion = convert(source, "t.pine")
    assert not conversion.ok
    [error] = conversion.errors
    assert "calc_on_order_fills = true is not supported" in error.message
    line = source.splitlines()[1]
    assert (error.span.line, error.span.column) == (2, line.rindex("true") + 1)


@pytest.mark.parametrize(
    "setting",
    [
        "",
        ", calc_on_order_fills = false",
        ", calc_on_every_tick = true",
        ", fill_orders_on_standard_ohlc = true",
    ],
)
def test_settings_without_effect_on_history_are_accepted(setting):
    assert convert(HEAD.format(setting), "t.pine").ok
