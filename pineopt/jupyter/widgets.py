"""ipywidgets for a script's inputs, and a panel that re-runs the script when one changes.

:func:`input_widgets` turns ``result.inputs`` (:class:`~pineopt.runtime.inputs.InputSpec`)
into widgets the way TradingView's settings dialog shows them: sliders for ``int``/``float``
inputs with both bounds (number boxes otherwise), dropdowns for ``options`` and sources,
checkboxes for ``bool``, colour pickers, text boxes. :class:`InteractiveRun` lays them out above
an ``Output`` and re-runs the script through :func:`pineopt.run` whenever a value changes
(sliders and text boxes report on release / Enter: ``continuous_update=False``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as w

__all__ = ["SOURCES", "TIMEFRAMES", "InteractiveRun", "input_value", "input_widgets"]

SOURCES = ("open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4", "hlcc4")
"""The built-in series an ``input.source`` can choose from."""

TIMEFRAMES = ("", "1", "5", "15", "30", "60", "120", "240", "1D", "1W", "1M")
"""Choices of an ``input.timeframe`` (``""`` is the chart's timeframe)."""

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "auto", "min_width": "260px"}


def input_key(spec: Any) -> str:
    """The name an override of ``spec`` is passed under: its variable name, else its title."""
    return str(spec.name or spec.title)


def _label(spec: Any) -> str:
    return str(spec.title or spec.name or spec.kind)


def _number(value: Any, default: float | None = None) -> float | None:
    if value is None or isinstance(value, bool):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if number != number else number  # NaN


def _hex6(value: Any) -> str:
    to_hex = getattr(value, "to_hex", None)
    text = to_hex() if callable(to_hex) else str(value or "#000000")
    return text[:7] if text.startswith("#") and len(text) >= 7 else "#000000"


def _widget(spec: Any) -> w.Widget:
    kind = str(spec.kind)
    label = _label(spec)
    value = spec.value
    common: dict[str, Any] = {"description": label, "style": _STYLE, "layout": _LAYOUT}
    if spec.options:
        options = list(spec.options)
        chosen = value if value in options else options[0]
        shown = [(_hex6(o) if kind == "color" else str(o), o) for o in options]
        return w.Dropdown(options=shown, value=chosen, **common)
    if kind == "bool":
        return w.Checkbox(value=bool(value), indent=False, **common)
    if kind == "int":
        low, high = _number(spec.minval), _number(spec.maxval)
        step = int(_number(spec.step, 1) or 1)
        current = int(_number(value, 0) or 0)
        if low is not None and high is not None:
            return w.IntSlider(
                value=current,
                min=int(low),
                max=int(high),
                step=step,
                continuous_update=False,
                **common,
            )
        if low is not None or high is not None:
            return w.BoundedIntText(
                value=current,
                min=int(low if low is not None else -(2**31)),
                max=int(high if high is not None else 2**31 - 1),
                step=step,
                continuous_update=False,
                **common,
            )
        return w.IntText(value=current, step=step, continuous_update=False, **common)
    if kind in ("float", "price"):
        low, high = _number(spec.minval), _number(spec.maxval)
        current = float(_number(value, 0.0) or 0.0)
        step = _number(spec.step)
        if low is not None and high is not None:
            return w.FloatSlider(
                value=current,
                min=low,
                max=high,
                step=step or (high - low) / 100 or 0.1,
                continuous_update=False,
                **common,
            )
        if low is not None or high is not None:
            return w.BoundedFloatText(
                value=current,
                min=low if low is not None else -1e300,
                max=high if high is not None else 1e300,
                step=step or 0.1,
                continuous_update=False,
                **common,
            )
        return w.FloatText(value=current, step=step or 0.1, continuous_update=False, **common)
    if kind == "color":
        return w.ColorPicker(value=_hex6(value), concise=False, **common)
    if kind == "source":
        current = str(value)
        choices = list(SOURCES) + ([current] if current not in SOURCES else [])
        return w.Dropdown(options=choices, value=current, **common)
    if kind == "timeframe":
        current = str(value)
        choices = list(TIMEFRAMES) + ([current] if current not in TIMEFRAMES else [])
        shown = [("chart" if tf == "" else tf, tf) for tf in choices]
        return w.Dropdown(options=shown, value=current, **common)
    if kind == "text_area":
        return w.Textarea(value=str(value or ""), continuous_update=False, **common)
    return w.Text(value="" if value is None else str(value), continuous_update=False, **common)


def input_widgets(inputs: Iterable[Any]) -> dict[str, w.Widget]:
    """One widget per input, keyed by :func:`input_key` (first input of a repeated key wins).

    ``int``/``float`` with ``minval`` and ``maxval``: ``IntSlider``/``FloatSlider`` (``step``
    honoured); one bound: ``BoundedIntText``/``BoundedFloatText``; none: ``IntText``/
    ``FloatText``; ``options``: ``Dropdown``; ``bool``: ``Checkbox``; ``color``:
    ``ColorPicker``; ``source``: ``Dropdown`` of the built-in series; ``timeframe``:
    ``Dropdown`` of common timeframes (``"chart"`` is the chart's); ``text_area``:
    ``Textarea``; anything else (``string``, ``symbol``, ``session``, ``time``): ``Text``.
    """
    widgets: dict[str, w.Widget] = {}
    for spec in inputs:
        key = input_key(spec)
        if key not in widgets:
            widget = _widget(spec)
            widget.pine_input = spec  # type: ignore[attr-defined]
            widgets[key] = widget
    return widgets


def input_value(spec: Any, value: Any) -> Any:
    """A widget's ``value`` as an override :func:`pineopt.run` accepts for ``spec``.

    A colour keeps the transparency of the input's current colour (the picker has no alpha).
    """
    if spec.kind == "color" and isinstance(value, str) and not spec.options:
        current = getattr(spec.value, "to_hex", None)
        text = current() if callable(current) else ""
        alpha = text[7:9] if len(text) == 9 else ""
        return value.upper() + alpha
    return value


class InteractiveRun:
    """Widgets for a script's inputs above an ``Output`` that shows each run.

    ``run(inputs)`` runs the script with the overrides and returns its Result (raising
    :class:`~pineopt.errors.PineOptError` on a bad run); ``render(result)`` displays it (called
    inside the Output); ``on_error(exc)`` displays an error instead. ``result`` is the last
    good run; ``on_result`` (optional) is called with every new one.
    """

    def __init__(
        self,
        result: Any,
        run: Callable[[dict[str, Any]], Any],
        render: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        on_result: Callable[[Any], None] | None = None,
        base_inputs: Mapping[str, Any] | None = None,
    ) -> None:
        self.result = result
        self._run = run
        self._render = render
        self._on_error = on_error
        self._on_result = on_result
        self.base_inputs = dict(base_inputs or {})
        self.widgets = input_widgets(result.inputs)
        self.output = w.Output()
        self.status = w.HTML(value="")
        for widget in self.widgets.values():
            widget.observe(self._changed, names="value")
        self.box = w.VBox(
            [
                w.Box(
                    list(self.widgets.values()),
                    layout=w.Layout(display="flex", flex_flow="row wrap"),
                ),
                self.status,
                self.output,
            ]
        )

    def inputs(self) -> dict[str, Any]:
        """The overrides the widgets stand for (on top of ``base_inputs``)."""
        values = dict(self.base_inputs)
        for key, widget in self.widgets.items():
            values[key] = input_value(widget.pine_input, widget.value)
        return values

    def _changed(self, change: Mapping[str, Any]) -> None:
        self.rerun()

    def rerun(self) -> Any:
        """Run the script with the widgets' values and redraw the Output."""
        self.status.value = "<i>running…</i>"
        try:
            result = self._run(self.inputs())
        except Exception as exc:  # shown in the Output, never raised to ipywidgets
            self.status.value = ""
            self.output.clear_output(wait=True)
            with self.output:
                self._on_error(exc)
            return None
        self.result = result
        if self._on_result is not None:
            self._on_result(result)
        self.status.value = f"<small>{result.bars:,} bars in {result.seconds:.2f} s</small>"
        self.output.clear_output(wait=True)
        with self.output:
            self._render(result)
        return result

    def show(self) -> None:
        """Render the current result into the Output (without running again)."""
        self.output.clear_output(wait=True)
        with self.output:
            self._render(self.result)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)
