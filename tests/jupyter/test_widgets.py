"""Widgets built from a script's inputs, and the panel that re-runs it."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
import pytest

import pineopt
from pineopt.errors import PineOptError
from pineopt.jupyter.widgets import InteractiveRun, input_value, input_widgets

MA = Path(__file__).parents[1] / "data" / "files" / "ma.csv"

INPUTS = """//@version=6
indicator("Inputs", overlay=true)
length = input.int(14, "Length", minval=1, maxval=100, step=2)
free = input.int(3, "Free")
floor = input.int(3, "Floor", minval=1)
mult = input.float(1.5, "Mult", minval=0.5, maxval=5.0, step=0.25)
offset = input.float(0.1, "Offset")
mode = input.string("SMA", "Mode", options=["SMA", "EMA"])
show = input.bool(true, "Show")
col = input.color(color.new(color.red, 50), "Colour")
label_text = input.string("hi", "Text")
src = input.source(hl2, "Source")
tf = input.timeframe("", "TF")
ma = mode == "SMA" ? ta.sma(src, length) : ta.ema(src, length)
plot(show ? ma * mult + offset : na, "MA", color=col)
"""


@pytest.fixture(scope="module")
def bars():
    return pineopt.load(str(MA), provider="file")


@pytest.fixture(scope="module")
def result(bars):
    return pineopt.run(INPUTS, bars)


def test_widget_kinds(result):
    widgets = input_widgets(result.inputs)
    kinds = {key: type(widget).__name__ for key, widget in widgets.items()}
    assert kinds == {
        "length": "IntSlider",
        "free": "IntText",
        "floor": "BoundedIntText",
        "mult": "FloatSlider",
        "offset": "FloatText",
        "mode": "Dropdown",
        "show": "Checkbox",
        "col": "ColorPicker",
        "label_text": "Text",
        "src": "Dropdown",
        "tf": "Dropdown",
    }
    length = widgets["length"]
    assert (length.min, length.max, length.step, length.value) == (1, 100, 2, 14)
    assert length.description == "Length" and length.continuous_update is False
    mult = widgets["mult"]
    assert (mult.min, mult.max, mult.step, mult.value) == (0.5, 5.0, 0.25, 1.5)
    assert widgets["floor"].min == 1
    assert list(widgets["mode"].options) == [("SMA", "SMA"), ("EMA", "EMA")]
    assert widgets["show"].value is True
    assert widgets["col"].value == "#F23645"
    assert widgets["src"].value == "hl2" and "close" in widgets["src"].options
    assert widgets["tf"].value == "" and ("chart", "") in widgets["tf"].options
    assert widgets["label_text"].value == "hi"


def test_input_values_round_trip(result, bars):
    widgets = input_widgets(result.inputs)
    spec = widgets["col"].pine_input
    assert input_value(spec, "#00ff00") == "#00FF0080"  # the input's transparency is kept
    widgets["length"].value = 20
    widgets["mode"].value = "EMA"
    widgets["src"].value = "close"
    widgets["col"].value = "#00ff00"
    overrides = {k: input_value(wd.pine_input, wd.value) for k, wd in widgets.items()}
    rerun = pineopt.run(INPUTS, bars, inputs=overrides)
    values = {spec.name: spec.value for spec in rerun.inputs}
    assert values["length"] == 20 and values["mode"] == "EMA" and values["src"] == "close"
    assert values["col"].to_hex() == "#00FF0080"


def test_interactive_run_reruns_on_change(result, bars):
    calls: list[dict] = []
    rendered: list = []
    errors: list = []
    bound: list = []

    def run(inputs):
        calls.append(inputs)
        if inputs.get("length") == 99:
            raise PineOptError("too long")
        return pineopt.run(INPUTS, bars, inputs=inputs)

    panel = InteractiveRun(
        result,
        run,
        rendered.append,
        errors.append,
        on_result=bound.append,
        base_inputs={"offset": 0.5},
    )
    assert isinstance(panel.box, w.VBox) and isinstance(panel.output, w.Output)
    panel.show()
    assert rendered == [result] and calls == []
    panel.widgets["length"].value = 30
    assert calls[-1]["length"] == 30 and calls[-1]["offset"] == 0.1  # widgets win over base
    assert bound and bound[-1].inputs[0].value == 30 and panel.result is bound[-1]
    assert rendered[-1] is bound[-1]
    assert "bars" in panel.status.value
    last = panel.result
    panel.widgets["length"].value = 99
    assert isinstance(errors[-1], PineOptError) and panel.result is last
    assert len(calls) == 2


def test_base_inputs_without_widget():
    class Spec:
        kind, name, title, value, options = "int", "n", "N", 1, None
        minval = maxval = step = None

    panel = InteractiveRun(
        type("R", (), {"inputs": [Spec()]})(), dict, print, print, base_inputs={"other": 2}
    )
    assert panel.inputs() == {"other": 2, "n": 1}
