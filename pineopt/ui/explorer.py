"""The Strategy explorer: a Panel app to run Pine scripts on market data and inspect the results.

Pick a dataset (a bundled sample, a series from the local cache, or bars fetched from an
exchange through ccxt), pick an example script or paste Pine into the editor, press **Run**:
the chart (price with trades and plots, equity, drawdown), the performance summary, the trades
table (downloadable as ``trades.csv``) and the diagnostics appear. After the first run the
script's inputs become widgets; change them and run again. **Compare with TradingView** lays
the run's trades beside a TradingView "List of trades" CSV export. The **Saved** tab
(:mod:`pineopt.ui.saved`) lists the strategies and backtests of the store, saves the last run,
opens, re-runs and compares saved backtests.

Run it with ``panel serve pineopt/ui/explorer.py`` or, in Voilà, through
``dashboards/strategy_explorer.ipynb`` (see ``DEVELOPERS.md``). In Python::

    from pineopt.ui.explorer import StrategyExplorer
    app = StrategyExplorer()
    app.run()                 # the default example on the default dataset
    app.metrics_pane.object   # the headline numbers (HTML)
    app.layout                # the Panel layout to display or serve
"""

from __future__ import annotations

import asyncio
import html
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

import pineopt
from pineopt.data.resolver import data_name, resolve_data
from pineopt.errors import PineOptError

__all__ = [
    "HEADLINE",
    "DatasetChoice",
    "StrategyExplorer",
    "build_app",
    "dataset_choices",
    "display_frame",
    "example_scripts",
    "format_number",
]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT / "examples"
FALLBACK_DIR = ROOT / "tests" / "conformance" / "strategies"
DEFAULT_EXAMPLE = "sma_cross_strategy.pine"
DEFAULT_DATASET = ("sample", "BTCUSDT", "1D")
DEFAULT_BARS = 5000
FETCH_TIMEOUT = 60.0
SOURCES = ("close", "open", "high", "low", "hl2", "hlc3", "ohlc4", "hlcc4", "volume")

#: the headline metrics shown above the tabs: (key in ``metrics["all"]``, label)
HEADLINE = (
    ("net_profit", "Net profit"),
    ("net_profit_pct", "Net profit %"),
    ("total_closed_trades", "Closed trades"),
    ("percent_profitable", "Percent profitable"),
    ("profit_factor", "Profit factor"),
    ("max_drawdown", "Max drawdown"),
)

_COUNT_KEYS = {
    "total_closed_trades",
    "total_open_trades",
    "winning_trades",
    "losing_trades",
    "even_trades",
}


def format_number(value: Any, key: str = "") -> str:
    """How the explorer prints a metric: counts as integers, other numbers with two decimals
    and thousands separators, missing values as ``n/a``."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "n/a"
        if key in _COUNT_KEYS or isinstance(value, int):
            return f"{int(value):,}"
        return f"{value:,.2f}"
    return str(value)


# --------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class DatasetChoice:
    """One entry of the dataset list: the data name ``pineopt run --data`` takes for it
    (``BTCUSDT_1D``, ``binance:BTC/USDT_4h``) and where it comes from."""

    provider: str
    symbol: str
    timeframe: str
    label: str

    @property
    def name(self) -> str:
        return data_name(self.symbol, self.timeframe)

    def load(self) -> pineopt.Dataset:
        return resolve_data(self.name, provider=self.provider)


def dataset_choices() -> list[DatasetChoice]:
    """The bundled samples and every series in the local Parquet cache (no network)."""
    from pineopt.data import get_provider

    choices: list[DatasetChoice] = []
    for provider in ("sample", "cache"):
        try:
            infos = get_provider(provider).available()
        except PineOptError:
            continue
        for info in infos:
            rows = f", {info.rows:,} bars" if info.rows else ""
            name = data_name(info.symbol, info.timeframe)
            label = f"{info.symbol} {info.timeframe} ({provider}{rows}; --data {name})"
            choices.append(DatasetChoice(provider, info.symbol, info.timeframe, label))
    return choices


def example_scripts() -> dict[str, Path]:
    """``{file name: path}`` of the example Pine scripts (``examples/*.pine``; the conformance
    RSI strategy when there are none)."""
    paths = sorted(EXAMPLES_DIR.glob("*.pine"))
    if not paths:
        paths = [p for p in (FALLBACK_DIR / "rsi.pine",) if p.is_file()]
    return {p.name: p for p in paths}


def fetch_dataset(exchange: str, symbol: str, timeframe: str, start: str | None):
    """Bars from an exchange through the ``ccxt`` provider (cached), failing fast offline."""
    return pineopt.load(
        symbol,
        timeframe,
        start=start or None,
        provider="ccxt",
        exchange=exchange or "binance",
        progress=False,
        max_retries=1,
        config={"timeout": 15_000},
    )


# --------------------------------------------------------------------------- the app


class StrategyExplorer:
    """The explorer's widgets, panes and callbacks; :attr:`layout` is what is shown."""

    def __init__(self, *, fetcher: Callable[..., Any] = fetch_dataset, store: Any = None) -> None:
        """``fetcher`` loads exchange bars (:func:`fetch_dataset`); ``store`` is the Saved tab's
        :class:`pineopt.Store`, database URL or SQLite file (None: the default database, opened
        when the tab is first shown)."""
        from pineopt.ui.saved import SavedRuns

        self._fetcher = fetcher
        self.dataset: pineopt.Dataset | None = None
        self.result: Any = None
        self.comparison: Any = None
        self._input_widgets: dict[str, pn.widgets.Widget] = {}
        self._inputs_script: str | None = None
        self._fetched: dict[str, DatasetChoice] = {}
        self._fetched_data: dict[str, pineopt.Dataset] = {}

        # data
        self.choices = {c.label: c for c in dataset_choices()}
        default = next(
            (
                label
                for label, c in self.choices.items()
                if (c.provider, c.symbol, c.timeframe) == DEFAULT_DATASET
            ),
            next(iter(self.choices), None),
        )
        self.dataset_select = pn.widgets.Select(
            label="Dataset", options=list(self.choices), value=default, sizing_mode="stretch_width"
        )
        self.bars_input = pn.widgets.IntInput(
            label="Last bars (0: all)", value=DEFAULT_BARS, start=0, step=500, width=160
        )
        self.exchange_input = pn.widgets.TextInput(label="Exchange", value="binance", width=110)
        self.symbol_input = pn.widgets.TextInput(label="Symbol", value="BTC/USDT", width=110)
        self.timeframe_input = pn.widgets.TextInput(label="Timeframe", value="1h", width=80)
        self.start_input = pn.widgets.TextInput(
            label="Start (optional)", placeholder="2024-01-01", width=150
        )
        self.fetch_button = pn.widgets.Button(label="Fetch", color="default", width=90)
        self.fetch_progress = pn.indicators.Progress(
            label="Fetching", active=True, visible=False, sizing_mode="stretch_width", height=12
        )
        self.fetch_status = pn.pane.Markdown("", sizing_mode="stretch_width")

        # script
        self.examples = example_scripts()
        first = DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in self.examples else next(iter(self.examples))
        self.example_select = pn.widgets.Select(
            label="Example", options=[*self.examples, "(paste your own)"], value=first
        )
        self.editor = pn.widgets.CodeEditor(
            value=self.examples[first].read_text(encoding="utf-8") if first else "",
            language="text",
            theme="chrome",
            height=260,
            sizing_mode="stretch_width",
        )
        self.inputs_box = pn.Column(
            pn.pane.Markdown("*Run once to edit the script's inputs.*"),
            sizing_mode="stretch_width",
        )
        self.run_button = pn.widgets.Button(label="Run", color="primary", width=120)
        self.status = pn.pane.Alert(
            "Choose a dataset and a script, then press **Run**.",
            alert_type="info",
            sizing_mode="stretch_width",
        )

        # results
        self.metrics_pane = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["metrics"])
        self.chart_pane = pn.Column(
            pn.pane.Markdown("*No run yet.*"), sizing_mode="stretch_width", min_height=300
        )
        self.summary_table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, sizing_mode="stretch_width", height=560
        )
        self.trades_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            pagination="local",
            page_size=20,
            sizing_mode="stretch_width",
            show_index=False,
        )
        self.trades_download = pn.widgets.FileDownload(
            callback=self._trades_csv, filename="trades.csv", label="Download trades.csv"
        )
        self.diagnostics_pane = pn.pane.HTML("<p>No run yet.</p>", sizing_mode="stretch_width")
        self.tv_file = pn.widgets.FileInput(accept=".csv", multiple=False)
        self.tv_timezone = pn.widgets.TextInput(
            label="Chart timezone of the export",
            value="UTC",
            placeholder="UTC, Europe/Berlin, +08:00",
            width=220,
        )
        self.compare_button = pn.widgets.Button(label="Compare", color="default", width=120)
        self.compare_status = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.compare_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            pagination="local",
            page_size=20,
            sizing_mode="stretch_width",
            show_index=False,
        )

        self.saved = SavedRuns(store, last_run=lambda: self.result)

        self.example_select.param.watch(self._on_example, "value")
        self.editor.param.watch(self._on_script_edit, "value")
        self.run_button.on_click(lambda _event: self.run())
        self.fetch_button.on_click(self._on_fetch)
        self.compare_button.on_click(lambda _event: self.compare())
        self.layout = self._build_layout()

    # ------------------------------------------------------------------ layout

    def _build_layout(self) -> pn.viewable.Viewable:
        data = pn.Column(
            pn.pane.Markdown("### Data"),
            self.dataset_select,
            self.bars_input,
            pn.pane.Markdown("Fetch from an exchange (ccxt, cached):"),
            pn.Row(self.exchange_input, self.symbol_input, self.timeframe_input),
            pn.Row(self.start_input, self.fetch_button),
            self.fetch_progress,
            self.fetch_status,
            sizing_mode="stretch_width",
        )
        script = pn.Column(
            pn.pane.Markdown("### Script"),
            self.example_select,
            self.editor,
            pn.pane.Markdown("### Inputs"),
            self.inputs_box,
            self.run_button,
            sizing_mode="stretch_width",
        )
        sidebar = pn.Column(data, script, width=400)
        compare = pn.Column(
            pn.pane.Markdown(
                "Upload TradingView's *List of trades* export (CSV) of the same script on the "
                "same symbol and timeframe, give the chart timezone it was exported in, and "
                "press **Compare**."
            ),
            pn.Row(self.tv_file, self.tv_timezone, self.compare_button),
            self.compare_status,
            self.compare_table,
            sizing_mode="stretch_width",
        )
        self.tabs = pn.Tabs(
            ("Chart", self.chart_pane),
            ("Performance", self.summary_table),
            ("Trades", pn.Column(self.trades_download, self.trades_table)),
            ("Diagnostics", self.diagnostics_pane),
            ("Compare with TradingView", compare),
            ("Saved", self.saved.layout),
            dynamic=False,
            sizing_mode="stretch_width",
        )
        self.tabs.param.watch(self._on_tab, "active")
        main = pn.Column(self.status, self.metrics_pane, self.tabs, sizing_mode="stretch_width")
        return pn.Column(
            pn.pane.Markdown("## PineOpt strategy explorer"),
            pn.Row(sidebar, main, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    def _on_tab(self, event) -> None:
        if self.tabs.objects[event.new] is self.saved.layout:  # read when shown
            self.saved.refresh()

    def servable(self, title: str = "PineOpt strategy explorer"):
        return self.layout.servable(title=title)

    # ------------------------------------------------------------------ script

    def _on_example(self, event) -> None:
        path = self.examples.get(event.new)
        if path is not None:
            self.editor.value = path.read_text(encoding="utf-8")

    def _on_script_edit(self, _event) -> None:
        if self._inputs_script is not None and self.editor.value != self._inputs_script:
            self._inputs_script = None
            self._input_widgets = {}
            self.inputs_box.objects = [
                pn.pane.Markdown("*The script changed: run it to edit its inputs.*")
            ]

    @property
    def input_widgets(self) -> dict[str, pn.widgets.Widget]:
        """The inputs' widgets by override key (the input's variable, else its title)."""
        return dict(self._input_widgets)

    def input_values(self) -> dict[str, object]:
        """The overrides the next run passes (empty until the inputs are widgets)."""
        if self._inputs_script != self.editor.value:
            return {}
        return {key: _widget_value(w) for key, w in self._input_widgets.items()}

    def _build_inputs(self, specs) -> None:
        widgets: dict[str, pn.widgets.Widget] = {}
        for spec in specs:
            key = spec.name or spec.title
            if not key or key in widgets:
                continue
            widget = input_widget(spec)
            if widget is not None:
                widgets[key] = widget
        self._input_widgets = widgets
        self._inputs_script = self.editor.value
        self.inputs_box.objects = list(widgets.values()) or [
            pn.pane.Markdown("*This script has no inputs.*")
        ]

    # ------------------------------------------------------------------ data

    def selected_dataset(self) -> pineopt.Dataset:
        """The chosen dataset, cut to the last ``bars_input`` bars."""
        label = self.dataset_select.value
        if label in self._fetched_data:
            dataset = self._fetched_data[label]
        else:
            choice = self.choices.get(label) or self._fetched.get(label)
            if choice is None:
                raise PineOptError("choose a dataset first")
            dataset = choice.load()
        return last_bars(dataset, self.bars_input.value or 0)

    async def _on_fetch(self, _event=None) -> None:
        await self.fetch()

    async def fetch(self) -> bool:
        """Fetch the exchange bars named by the fetch widgets in a worker thread (the page
        stays live, the progress bar shows); offline it ends with the provider's message."""
        args = (
            self.exchange_input.value.strip(),
            self.symbol_input.value.strip(),
            self.timeframe_input.value.strip(),
            self.start_input.value.strip() or None,
        )
        self.fetch_button.disabled = True
        self.fetch_progress.visible = True
        self.fetch_status.object = f"Fetching {args[1]} {args[2]} from {args[0]}…"
        loop = asyncio.get_running_loop()
        try:
            dataset = await asyncio.wait_for(
                loop.run_in_executor(None, self._fetcher, *args), FETCH_TIMEOUT
            )
        except asyncio.TimeoutError:
            self.fetch_status.object = (
                f"**Fetch failed:** no answer from {args[0]} within {FETCH_TIMEOUT:.0f} s "
                "(offline, or the exchange is unreachable). Use a sample or cached dataset."
            )
            return False
        except ImportError as exc:
            self.fetch_status.object = f"**Fetch failed:** ccxt is not installed ({exc})."
            return False
        except Exception as exc:
            self.fetch_status.object = f"**Fetch failed:** {_one_line(exc)}"
            return False
        finally:
            self.fetch_progress.visible = False
            self.fetch_button.disabled = False
        label = f"{args[1]} {args[2]} ({args[0]}, fetched, {len(dataset.frame):,} bars)"
        self._fetched_data[label] = dataset
        self.dataset_select.options = [*self.dataset_select.options, label]
        self.dataset_select.value = label
        self.fetch_status.object = f"Fetched {len(dataset.frame):,} bars: {label}."
        return True

    # ------------------------------------------------------------------ run

    def run(self) -> bool:
        """Run the editor's script on the chosen dataset with the input widgets' values and
        show the results; errors go to the status line and the Diagnostics tab."""
        script = self.editor.value
        if not script.strip():
            self._fail("The script is empty: choose an example or paste Pine Script.")
            return False
        self.status.alert_type = "info"
        self.status.object = "Running…"
        try:
            dataset = self.selected_dataset()
            result = pineopt.run(script, dataset, inputs=self.input_values() or None)
        except PineOptError as exc:
            self._fail(str(exc))
            return False
        except Exception as exc:
            self._fail(f"{type(exc).__name__}: {exc}")
            return False
        self.dataset, self.result = dataset, result
        if self._inputs_script != script:
            self._build_inputs(result.inputs)
        self._show(result)
        return True

    def _fail(self, message: str) -> None:
        self.status.alert_type = "danger"
        first = message.strip().splitlines()[0] if message.strip() else "error"
        self.status.object = f"**Run failed:** {html.escape(first)}"
        self.diagnostics_pane.object = f"<pre>{html.escape(message)}</pre>"

    def _show(self, result) -> None:
        from pineopt.reports.charts import price_chart, strategy_layout
        from pineopt.strategy.metrics import summary_frame

        bars = self.dataset.frame
        if len(result.plots.index) and len(result.plots.index) != len(bars):
            bars = bars.reindex(result.plots.index)
        overlay = bool(result.declaration.get("overlay", True)) if result.declaration else True
        plots = result.plots if len(result.plots.columns) else None
        is_strategy = result.metrics is not None and result.equity is not None
        if is_strategy:
            chart = strategy_layout(bars, result.trades, result.equity, plots if overlay else None)
        else:
            chart = price_chart(bars, None, plots if overlay else None)
        panes: list[Any] = [pn.pane.Bokeh(chart, sizing_mode="stretch_width")]
        if plots is not None and not overlay:
            panes.append(pn.pane.Bokeh(_plots_chart(plots), sizing_mode="stretch_width"))
        self.chart_pane.objects = panes

        n = len(bars)
        span = f"{bars.index[0]:%Y-%m-%d %H:%M} → {bars.index[-1]:%Y-%m-%d %H:%M} UTC" if n else ""
        self.status.alert_type = "success"
        self.status.object = (
            f"Ran **{html.escape(_title(result))}** on {n:,} bars ({span}) in "
            f"{result.seconds:.2f} s."
        )
        if is_strategy:
            self.metrics_pane.object = headline_html(result.metrics)
            frame = summary_frame(result.metrics).map(lambda v: format_number(v))
            frame.index = [k.replace("_", " ") for k in frame.index]
            self.summary_table.value = frame
            self.trades_table.value = display_trades(result.trades)
        else:
            self.metrics_pane.object = (
                '<div class="pineopt-metrics">An indicator: no trades or performance summary.</div>'
            )
            self.summary_table.value = pd.DataFrame()
            self.trades_table.value = pd.DataFrame()
        self.diagnostics_pane.object = diagnostics_html(result)

    def _trades_csv(self) -> io.StringIO:
        trades = getattr(self.result, "trades", None)
        frame = trades if trades is not None else pd.DataFrame()
        return io.StringIO(frame.to_csv(index=False))

    # ------------------------------------------------------------------ compare

    def compare(self) -> bool:
        """Compare the last run's trades with the uploaded TradingView export."""
        from pineopt.strategy.tv_trades import read_tv_trades

        if self.result is None or getattr(self.result, "trades", None) is None:
            self.compare_status.object = "**Run a strategy first.**"
            return False
        if not self.tv_file.value:
            self.compare_status.object = "**Upload TradingView's List of trades CSV first.**"
            return False
        buffer = io.BytesIO(self.tv_file.value)
        buffer.name = self.tv_file.filename or "trades.csv"
        try:
            tv = read_tv_trades(buffer, self.tv_timezone.value.strip() or "UTC")
            comparison = pineopt.compare_trades(self.result.trades, tv)
        except PineOptError as exc:
            self.compare_status.object = f"**Comparison failed:** {_one_line(exc)}"
            return False
        self.comparison = comparison
        verdict = "All trades match." if comparison.all_match else "Some trades differ."
        self.compare_status.object = f"**{verdict}** {comparison.text}"
        self.compare_table.value = display_frame(comparison.table)
        return True


# --------------------------------------------------------------------------- helpers


def last_bars(dataset, count: int):
    """``dataset`` cut to its last ``count`` bars (all when ``count`` is 0 or larger)."""
    frame = dataset.frame
    if count and 0 < count < len(frame):
        return dataset.between(frame.index[-count], None)
    return dataset


def input_widget(spec) -> pn.widgets.Widget | None:
    """The widget editing one input (an :class:`~pineopt.runtime.inputs.InputSpec`)."""
    label = spec.title or spec.name or "input"
    value = spec.value if spec.value is not None else spec.default
    if spec.options:
        options = {str(o): o for o in spec.options}
        current = value if value in spec.options else spec.options[0]
        return pn.widgets.Select(label=label, options=options, value=current)
    kind = spec.kind
    if kind == "bool":
        return pn.widgets.Checkbox(label=label, value=bool(value))
    if kind == "int" and isinstance(value, int | float):
        bounds = {"start": spec.minval, "end": spec.maxval, "step": int(spec.step or 1)}
        if spec.minval is not None and spec.maxval is not None:
            return pn.widgets.IntSlider(label=label, value=int(value), **bounds)
        return pn.widgets.IntInput(label=label, value=int(value), **bounds)
    if kind in ("float", "price") and isinstance(value, int | float):
        bounds = {"start": spec.minval, "end": spec.maxval, "step": spec.step or 0.1}
        if spec.minval is not None and spec.maxval is not None:
            return pn.widgets.FloatSlider(label=label, value=float(value), **bounds)
        return pn.widgets.FloatInput(label=label, value=float(value), **bounds)
    if kind == "color":
        return pn.widgets.ColorPicker(label=label, value=_hex_color(value))
    if kind == "source":
        name = value if isinstance(value, str) else str(spec.default or "close")
        options = list(SOURCES) if name in SOURCES else [name, *SOURCES]
        return pn.widgets.Select(label=label, options=options, value=name)
    return pn.widgets.TextInput(label=label, value="" if value is None else str(value))


def _widget_value(widget: pn.widgets.Widget) -> object:
    return widget.value


def _hex_color(value: Any) -> str:
    if isinstance(value, str) and value.startswith("#") and len(value) >= 7:
        return value[:7]
    if isinstance(value, int):
        return f"#{(value >> 16) & 0xFF:02x}{(value >> 8) & 0xFF:02x}{value & 0xFF:02x}"
    for attr in ("hex", "to_hex"):
        got = getattr(value, attr, None)
        text = got() if callable(got) else got
        if isinstance(text, str) and text.startswith("#"):
            return text[:7]
    rgb = [getattr(value, c, None) for c in ("r", "g", "b")]
    if all(isinstance(c, int | float) for c in rgb):
        return "#" + "".join(f"{int(c):02x}" for c in rgb)
    return "#2962ff"


def headline_html(metrics: dict) -> str:
    """The headline metrics as HTML; each value is a ``span`` with ``data-metric=KEY``."""
    row = metrics.get("all", {})
    cells = "".join(
        f'<div class="pineopt-metric"><div class="label">{label}</div>'
        f'<span class="value" data-metric="{key}">{format_number(row.get(key), key)}</span></div>'
        for key, label in HEADLINE
    )
    style = (
        "<style>.pineopt-metrics{display:flex;gap:24px;flex-wrap:wrap;margin:4px 0 8px}"
        ".pineopt-metric .label{font-size:12px;color:#555}"
        ".pineopt-metric .value{font-size:18px;font-weight:600}</style>"
    )
    return f'{style}<div class="pineopt-metrics">{cells}</div>'


def display_trades(trades: pd.DataFrame | None) -> pd.DataFrame:
    """The trades as the table shows them (times as UTC text, floats rounded)."""
    if trades is None:
        return pd.DataFrame()
    return display_frame(trades)


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as the explorer's tables show it: a fresh 0..n-1 index (the rows a table's
    ``selection`` counts), times as UTC text, floats rounded, None as blank."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M")
        elif pd.api.types.is_float_dtype(series):
            out[column] = series.round(6)
        elif series.dtype == object:
            out[column] = series.map(lambda v: "" if v is None else v)
    return out


def diagnostics_html(result) -> str:
    """The run's converter warnings, logs, alerts and timing."""
    parts = [f"<p>Run time: {result.seconds:.3f} s.</p>"]
    diags = [str(d) for d in result.diagnostics]
    parts.append("<h4>Converter warnings</h4>")
    parts.append(_pre(diags) if diags else "<p>None.</p>")
    logs = [f"{log.time} [{log.level}] {log.message}" for log in result.logs]
    parts.append("<h4>Logs</h4>")
    parts.append(_pre(logs[-200:]) if logs else "<p>None.</p>")
    alerts = [str(a) for a in result.alerts]
    parts.append("<h4>Alerts</h4>")
    parts.append(_pre(alerts[-200:]) if alerts else "<p>None.</p>")
    return "".join(parts)


def _pre(lines: list[str]) -> str:
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


def _title(result) -> str:
    declaration = result.declaration or {}
    return str(declaration.get("title") or declaration.get("shorttitle") or "the script")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return html.escape(text.splitlines()[0])


def _plots_chart(plots: pd.DataFrame):
    from bokeh.palettes import Category10_10
    from bokeh.plotting import figure

    fig = figure(x_axis_type="datetime", height=220, sizing_mode="stretch_width", title="Plots")
    times = plots.index.tz_convert("UTC").tz_localize(None)
    for i, column in enumerate(plots.columns):
        values = pd.to_numeric(plots[column], errors="coerce")
        fig.line(times, values.to_numpy(), legend_label=str(column), color=Category10_10[i % 10])
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"
    return fig


def build_app() -> pn.viewable.Viewable:
    """The explorer's layout, with the Panel extensions it needs loaded (under Voilà, call
    :func:`pineopt.ui.assets.configure_panel` first, before importing this module)."""
    from pineopt.ui.assets import EXTENSIONS

    pn.extension(*EXTENSIONS)
    return StrategyExplorer().layout


if __name__.startswith("bokeh"):  # ``panel serve pineopt/ui/explorer.py``
    build_app().servable(title="PineOpt strategy explorer")
