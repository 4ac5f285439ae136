"""The explorer's "Saved" tab: the strategies and backtests kept in the store.

:class:`SavedRuns` lists what a :class:`pineopt.Store` holds (the default database, or the one
given) and acts on the backtests ticked in its table:

* **Open** shows one backtest as it was recorded: its Performance Summary, its trades and its
  equity curve, read back from the store (nothing runs);
* **Re-run** runs its strategy again on the same symbol, timeframe, range, ``strategy()``
  settings and input values, and records the new run as another backtest (:func:`rerun`);
* **Compare** lays two or more backtests side by side (:meth:`pineopt.Store.compare`).

Selecting a strategy in the upper table narrows the backtests to its own. **Save the last run**
records the explorer's last run (the strategy under the name typed, else its title).

The explorer shows it as a tab; on its own, in Python::

    from pineopt.ui.saved import SavedRuns
    saved = SavedRuns("outputs/pineopt.db")   # a Store, a URL or a SQLite file; None: default
    saved.refresh()                          # fill the tables
    saved.open(3)                            # stats, trades, equity of backtest 3
    new_id = saved.rerun(3)                  # backtest 3 again, recorded as new_id
    saved.compare([3, new_id])               # the comparison table
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import panel as pn

import pineopt
from pineopt.data.resolver import resolve_data
from pineopt.errors import PineOptError
from pineopt.ui.explorer import display_frame, format_number, headline_html

__all__ = ["Rerun", "SavedRuns", "bars_of_backtest", "rerun"]

#: the columns of the backtests table, in order (``Store.backtests`` has a few more)
BACKTEST_COLUMNS = (
    "id",
    "strategy",
    "symbol",
    "timeframe",
    "provider",
    "start",
    "end",
    "net_profit",
    "net_profit_pct",
    "total_trades",
    "percent_profitable",
    "profit_factor",
    "max_drawdown",
    "status",
    "created_at",
)
STRATEGY_COLUMNS = ("id", "name", "language", "backtests", "validation_status", "updated_at")


# --------------------------------------------------------------------------- re-running


class Rerun(NamedTuple):
    """What :func:`rerun` did: the new backtest's id, and whether its bars are the very bars
    the original ran on (the same fingerprint; False when the file or the provider's data has
    changed since)."""

    backtest_id: int
    same_bars: bool


def bars_of_backtest(record: Mapping[str, Any]) -> pineopt.Dataset:
    """Load again the bars a backtest ran on (``record`` as :meth:`pineopt.Store.backtest`
    returns it): the same provider, symbol, timeframe and range, or, for bars read from a
    file, that file. Bars that were a DataFrame in memory cannot be found again: that is a
    :class:`~pineopt.errors.PineOptError` saying so."""
    data = record.get("data") or {}
    provider = record.get("provider") or data.get("provider")
    span = {"timeframe": record["timeframe"], "start": record["start"], "end": record["end"]}
    if provider == "file":
        path = data.get("cache_path")
        if not path or not Path(path).is_file():
            raise PineOptError(
                f"backtest {record['id']} ran on bars read from a file that is gone: {path}"
            )
        return resolve_data(path, provider="file", **span)
    if not provider:
        raise PineOptError(
            f"backtest {record['id']} ran on bars given as a DataFrame, which the store does not "
            "keep: re-run it from the notebook that has them"
        )
    exchange = record.get("exchange")
    return resolve_data(symbol=record["symbol"], provider=provider, exchange=exchange, **span)


def rerun(store: Any, backtest_id: int) -> Rerun:
    """Run backtest ``backtest_id`` of ``store`` again and record the new run.

    The strategy's saved source runs on the bars of :func:`bars_of_backtest` with the
    backtest's ``strategy()`` settings and input values; the new backtest is filed under the
    same strategy, symbol and provider. A strategy edited since runs as it is now. Python
    strategies run only in the sandbox of ``pineopt serve``, so they are refused here."""
    record = store.backtest(backtest_id)
    strategy = store.strategy(record["strategy_id"])
    if strategy["language"] != "pine":
        raise PineOptError(
            f"{strategy['name']!r} is a Python strategy: it runs only in the sandbox of "
            "`pineopt serve` (POST /api/backtests/run)"
        )
    dataset = bars_of_backtest(record)
    settings = record["settings"] or None
    result = pineopt.run(
        strategy["source"], dataset, inputs=record["inputs"] or None, strategy=settings
    )
    new_id = store.record(
        result,
        strategy=strategy["id"],
        symbol=record["symbol"],
        exchange=record["exchange"],
        provider=record["provider"],
        settings=settings,
    )
    original = (record.get("data") or {}).get("fingerprint")
    return Rerun(new_id, original == result.data_fingerprint["sha256"])


# --------------------------------------------------------------------------- the tab


class SavedRuns:
    """The Saved tab's widgets and actions; :attr:`layout` is what is shown.

    ``store`` is a :class:`pineopt.Store`, a database URL or a SQLite file path (None: the
    default database); it is opened on first use (:meth:`refresh`), so building the explorer
    creates no database. ``last_run`` returns the Result **Save the last run** records (None
    when nothing ran yet). Each action returns whether it worked (or the new id) and says why
    not in :attr:`status`.
    """

    def __init__(self, store: Any = None, *, last_run: Callable[[], Any] = lambda: None) -> None:
        self._store_arg = store
        self._store: Any = None
        self._last_run = last_run
        self.comparison: pd.DataFrame | None = None

        self.status = pn.pane.Alert(
            "Saved strategies and backtests appear here.",
            alert_type="info",
            sizing_mode="stretch_width",
        )
        self.refresh_button = pn.widgets.Button(label="Refresh", width=100)
        self.save_name = pn.widgets.TextInput(
            placeholder="strategy name (default: its title)", width=260
        )
        self.save_button = pn.widgets.Button(label="Save the last run", width=160)
        self.strategies_table = pn.widgets.Tabulator(
            pd.DataFrame(columns=STRATEGY_COLUMNS),
            disabled=True,
            selectable=1,
            show_index=False,
            height=180,
            sizing_mode="stretch_width",
        )
        self.backtests_table = pn.widgets.Tabulator(
            pd.DataFrame(columns=BACKTEST_COLUMNS),
            disabled=True,
            selectable="checkbox",
            show_index=False,
            pagination="local",
            page_size=10,
            sizing_mode="stretch_width",
        )
        self.open_button = pn.widgets.Button(label="Open", color="primary", width=100)
        self.rerun_button = pn.widgets.Button(label="Re-run", width=100)
        self.compare_button = pn.widgets.Button(label="Compare", width=100)
        self.title = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.metrics_pane = pn.pane.HTML("", sizing_mode="stretch_width")
        self.stats_table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, sizing_mode="stretch_width", height=420
        )
        self.trades_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            pagination="local",
            page_size=15,
            show_index=False,
            sizing_mode="stretch_width",
        )
        self.equity_pane = pn.Column(sizing_mode="stretch_width")
        self.compare_table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, sizing_mode="stretch_width", height=420
        )

        self.refresh_button.on_click(lambda _event: self.refresh())
        self.save_button.on_click(lambda _event: self.save())
        self.open_button.on_click(lambda _event: self.open())
        self.rerun_button.on_click(lambda _event: self.rerun())
        self.compare_button.on_click(lambda _event: self.compare())
        self.strategies_table.param.watch(
            lambda _event: self._act(self._list_backtests, "Cannot read the store"), "selection"
        )
        self.details = pn.Tabs(
            ("Performance", self.stats_table),
            ("Trades", self.trades_table),
            ("Equity", self.equity_pane),
            ("Comparison", self.compare_table),
            dynamic=False,
            sizing_mode="stretch_width",
        )
        self.layout = pn.Column(
            pn.Row(self.refresh_button, self.save_name, self.save_button),
            self.status,
            pn.pane.Markdown("#### Strategies (select one to see only its backtests)"),
            self.strategies_table,
            pn.pane.Markdown("#### Backtests (tick one to open or re-run, two to compare)"),
            self.backtests_table,
            pn.Row(self.open_button, self.rerun_button, self.compare_button),
            self.title,
            self.metrics_pane,
            self.details,
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ the store

    @property
    def store(self) -> Any:
        """The :class:`pineopt.Store`, opened on first use."""
        if self._store is None:
            given = self._store_arg
            self._store = given if isinstance(given, pineopt.Store) else pineopt.Store(given)
        return self._store

    def _act(self, action: Callable[[], Any], failure: str) -> Any:
        """``action()``, or None with ``failure: MESSAGE`` in the status when it raises."""
        try:
            return action()
        except PineOptError as exc:
            self._say(f"**{failure}:** {_first_line(exc)}", "danger")
        except Exception as exc:  # a bug: say what, rather than leave the page silent
            self._say(f"**{failure}:** {type(exc).__name__}: {_first_line(exc)}", "danger")
        return None

    def _say(self, text: str, kind: str = "info") -> None:
        self.status.alert_type = kind
        self.status.object = text

    # ------------------------------------------------------------------ lists

    def refresh(self) -> bool:
        """Read the strategies and the backtests (of the selected strategy, else all) again."""

        def read() -> bool:
            chosen = self.selected_strategy()
            table = display_frame(self.store.strategies()[list(STRATEGY_COLUMNS)])
            self.strategies_table.value = table
            rows = [row for row, key in enumerate(table["id"]) if key == chosen]
            if self.strategies_table.selection != rows:
                self.strategies_table.selection = rows  # its watcher lists the backtests
            else:
                self._list_backtests()
            self._say(
                f"{len(table)} strategies, {self.store.count_backtests()} backtests in "
                f"`{self.store.url}`."
            )
            return True

        return bool(self._act(read, "Cannot read the store"))

    def _list_backtests(self) -> None:
        chosen = self.selected_strategy()
        frame = self.store.backtests(strategy=chosen)
        self.backtests_table.value = display_frame(frame[list(BACKTEST_COLUMNS)])
        self.backtests_table.selection = []

    def selected_strategy(self) -> int | None:
        """The id of the strategy selected in the upper table (None: all strategies)."""
        rows = self.strategies_table.selection
        if not rows:
            return None
        return int(self.strategies_table.value.iloc[rows[0]]["id"])

    def selected_backtests(self) -> list[int]:
        """The ids of the ticked backtests, in table order."""
        frame = self.backtests_table.value
        return [int(frame.iloc[row]["id"]) for row in sorted(self.backtests_table.selection)]

    def _one(self, backtest_id: int | None, verb: str) -> int | None:
        if backtest_id is not None:
            return backtest_id
        ticked = self.selected_backtests()
        if len(ticked) != 1:
            self._say(f"Tick one backtest to {verb} it ({len(ticked)} ticked).", "warning")
            return None
        return ticked[0]

    # ------------------------------------------------------------------ actions

    def save(self) -> int | None:
        """Record the explorer's last run (``last_run()``) under the name typed (default: the
        strategy's title); returns the backtest id."""
        result = self._last_run()
        if result is None or getattr(result, "metrics", None) is None:
            self._say("Run a strategy first: only strategy runs are saved.", "warning")
            return None
        name = self.save_name.value.strip() or None

        def save() -> int:
            backtest_id = self.store.record(result, strategy=name)
            self.refresh()
            self._say(f"Saved the last run as backtest {backtest_id}.", "success")
            return backtest_id

        return self._act(save, "Not saved")

    def open(self, backtest_id: int | None = None) -> bool:
        """Show backtest ``backtest_id`` (default: the one ticked) as recorded: its headline
        numbers, Performance Summary, trades and equity curve."""
        from bokeh.layouts import column

        from pineopt.reports.charts import drawdown_chart, equity_chart
        from pineopt.strategy.metrics import summary_frame

        wanted = self._one(backtest_id, "open")
        if wanted is None:
            return False

        def show() -> bool:
            record = self.store.backtest(wanted)
            metrics, equity = self.store.stats(wanted), self.store.equity(wanted)
            self.title.object = f"### {html.escape(_describe(record))}"
            self.metrics_pane.object = headline_html(metrics) if metrics else ""
            stats = summary_frame(metrics).map(format_number) if metrics else pd.DataFrame()
            stats.index = [str(k).replace("_", " ") for k in stats.index]
            self.stats_table.value = stats
            self.trades_table.value = display_frame(self.store.trades(wanted))
            charts = []
            if len(equity):
                top = equity_chart(equity)
                bottom = drawdown_chart(equity)
                bottom.x_range = top.x_range
                charts = [pn.pane.Bokeh(column(top, bottom, sizing_mode="stretch_width"))]
            self.equity_pane.objects = charts
            self.details.active = 0
            self._say(f"Opened backtest {wanted}.", "success")
            return True

        return bool(self._act(show, f"Cannot open backtest {wanted}"))

    def rerun(self, backtest_id: int | None = None) -> int | None:
        """Run backtest ``backtest_id`` (default: the one ticked) again (:func:`rerun`),
        refresh the lists and open the new backtest; returns its id."""
        wanted = self._one(backtest_id, "re-run")
        if wanted is None:
            return None
        self._say(f"Re-running backtest {wanted}…")
        done = self._act(lambda: rerun(self.store, wanted), f"Cannot re-run backtest {wanted}")
        if done is None:
            return None
        self.refresh()
        self.open(done.backtest_id)
        bars = "the same bars" if done.same_bars else "bars that differ from the original's"
        self._say(f"Re-ran backtest {wanted} as backtest {done.backtest_id}, on {bars}.", "success")
        return done.backtest_id

    def compare(self, ids: list[int] | None = None) -> bool:
        """Lay the backtests ``ids`` (default: the ticked ones, at least two) side by side."""
        wanted = list(ids) if ids is not None else self.selected_backtests()
        if len(wanted) < 2:
            self._say(f"Tick two backtests or more to compare ({len(wanted)} ticked).", "warning")
            return False
        table = self._act(lambda: self.store.compare(wanted), "Cannot compare")
        if table is None:
            return False
        self.comparison = table
        self.compare_table.value = table.map(_cell)
        self.details.active = 3
        self._say(f"Comparing backtests {', '.join(map(str, wanted))}.", "success")
        return True


# --------------------------------------------------------------------------- helpers


def _describe(record: Mapping[str, Any]) -> str:
    """``#3 SMA cross · BINANCE:BTCUSDT 1D · 2024-01-01 → 2024-06-30 · sample``."""
    symbol = f"{record['exchange']}:{record['symbol']}" if record["exchange"] else record["symbol"]
    span = " → ".join(f"{t:%Y-%m-%d %H:%M}" for t in (record["start"], record["end"]) if t)
    parts = [f"#{record['id']} {record['strategy']}", f"{symbol} {record['timeframe']}", span]
    if record["provider"]:
        parts.append(record["provider"])
    return " · ".join(part for part in parts if part)


def _cell(value: Any) -> str:
    """A value of the comparison as text: numbers as the explorer prints metrics, times in
    UTC to the minute, missing values blank."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value.tz_convert('UTC') if value.tz else value:%Y-%m-%d %H:%M}"
    return format_number(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return html.escape(text.splitlines()[0])
