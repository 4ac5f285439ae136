"""How a campaign's objective depends on its parameters: the tables and Bokeh charts of the
campaign report.

Everything starts from :func:`combinations`: one row per distinct parameter combination with
its objective averaged over the datasets (and, for a walk-forward's in-sample rows, over the
training windows), missing when any of them failed. Then:

* :func:`heatmap_table` / :func:`heatmap_chart`: the objective over two inputs. The other
  swept inputs are held at their value in the best combination when the search was a grid
  (a slice through the best set); for random and Optuna searches, whose sets rarely share the
  other values, each cell is the best objective over the other inputs. :func:`heatmap_note`
  says which.
* :func:`stability_table` / :func:`stability_chart`: for each input and value, the spread of
  the objective over every combination with that value (min, median, max) beside the slice
  through the best set; and :func:`neighbours`: the sets one step away from the best along
  one input, the others unchanged, with their objective relative to the best's.

Random and Optuna searches draw values from continuous ranges: there, an input with more than
:data:`MAX_VALUES` distinct values is shown in :data:`BINS` equal ranges (the heatmap labels
them ``LOW–HIGH``, the stability view by their midpoints).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "combinations",
    "heatmap_chart",
    "heatmap_note",
    "heatmap_pairs",
    "heatmap_table",
    "neighbours",
    "stability_chart",
    "stability_table",
]


#: an input with more distinct values than this is shown in ranges (random and Optuna)
MAX_VALUES = 15
#: how many equal ranges it is cut into
BINS = 10


def _axis(values: pd.Series, *, labels: bool) -> pd.Series:
    """``values`` as they are, or, with more than :data:`MAX_VALUES` distinct ones, the range
    of :data:`BINS` equal ranges each falls in: labelled ``LOW–HIGH`` (``labels``) or its
    midpoint."""
    if values.nunique(dropna=True) <= MAX_VALUES or not pd.api.types.is_numeric_dtype(values):
        return values
    binned = pd.cut(values.astype(float), bins=BINS)
    categories = binned.cat.categories
    if labels:
        names = [f"{iv.left:.4g}–{iv.right:.4g}" for iv in categories]
    else:
        names = [float(f"{iv.mid:.4g}") for iv in categories]
    return binned.cat.rename_categories(names)


def combinations(results: pd.DataFrame, parameters: list[str], maximize: bool) -> pd.DataFrame:
    """One row per parameter combination of ``results``: the parameters, ``objective`` (the
    mean over its rows, NaN when any is missing) and ``rows``; best first."""
    if results.empty:
        return pd.DataFrame(columns=[*parameters, "objective", "rows"])
    grouped = results.groupby(parameters, dropna=False, sort=False)["objective"]
    table = grouped.agg(
        objective=lambda values: values.mean() if values.notna().all() else math.nan,
        rows="size",
    ).reset_index()
    ranked = table.sort_values(
        "objective", ascending=not maximize, na_position="last", kind="stable"
    )
    return ranked.reset_index(drop=True)


def numeric_parameters(table: pd.DataFrame, parameters: list[str]) -> list[str]:
    """The swept inputs that are numbers (not bools) and take more than one value."""
    found = []
    for name in parameters:
        column = table[name]
        if column.dtype == bool or not pd.api.types.is_numeric_dtype(column):
            continue
        if column.nunique(dropna=True) > 1:
            found.append(name)
    return found


def heatmap_pairs(table: pd.DataFrame, parameters: list[str]) -> list[tuple[str, str]]:
    """Every pair of swept numeric inputs with several values, in the order given."""
    names = numeric_parameters(table, parameters)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]


def heatmap_note(method: str) -> str:
    """How the heatmaps treat the other swept inputs (see the module docstring)."""
    if method == "grid":
        return "other swept inputs held at their value in the best set"
    return "each cell the best objective over the other swept inputs"


def heatmap_table(
    table: pd.DataFrame,
    x: str,
    y: str,
    parameters: list[str],
    *,
    method: str,
    maximize: bool,
) -> pd.DataFrame:
    """The objective with ``y`` values as rows and ``x`` values as columns (see
    :func:`heatmap_note`); combinations never evaluated are NaN."""
    others = [p for p in parameters if p not in (x, y)]
    if method == "grid":
        rows = table
        if others and len(table) and pd.notna(table["objective"].iloc[0]):
            best = table.iloc[0]
            mask = np.ones(len(table), dtype=bool)
            for name in others:
                mask &= (table[name] == best[name]).to_numpy()
            rows = table.loc[mask]
        pivot = rows.pivot_table(
            index=y, columns=x, values="objective", aggfunc="first", dropna=False
        )
        return pivot.reindex(
            index=sorted(table[y].dropna().unique()), columns=sorted(table[x].dropna().unique())
        )
    rows = table.assign(**{x: _axis(table[x], labels=True), y: _axis(table[y], labels=True)})
    return rows.pivot_table(
        index=y,
        columns=x,
        values="objective",
        aggfunc="max" if maximize else "min",
        dropna=False,
        observed=False,
    )


def heatmap_chart(pivot: pd.DataFrame, *, objective: str, maximize: bool, title: str = ""):
    """A Bokeh heatmap of :func:`heatmap_table` (a diverging palette centred on zero when the
    objective takes both signs; greener is better); hovering shows the values."""
    from bokeh.models import BasicTicker, ColorBar, ColumnDataSource, LinearColorMapper
    from bokeh.palettes import RdYlGn11
    from bokeh.plotting import figure

    x, y = pivot.columns.name, pivot.index.name
    stacked = pivot.stack(future_stack=True).rename("value").reset_index()
    stacked.columns = ["y", "x", "value"]
    xs = [_label(v) for v in pivot.columns]
    ys = [_label(v) for v in pivot.index]
    source = ColumnDataSource(
        {
            "x": [_label(v) for v in stacked["x"]],
            "y": [_label(v) for v in stacked["y"]],
            "value": stacked["value"].to_numpy(dtype=float),
            "shown": [_number(v) for v in stacked["value"]],
        }
    )
    values = stacked["value"].dropna()
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    if low < 0 < high:
        bound = max(-low, high)
        low, high = -bound, bound
    # RdYlGn11 runs from green to red and the mapper gives high values the last colour
    palette = list(reversed(RdYlGn11)) if maximize else list(RdYlGn11)
    mapper = LinearColorMapper(palette=palette, low=low, high=high, nan_color="#eeeeee")
    fig = figure(
        x_range=xs,
        y_range=ys,
        title=title or f"{objective} by {x} and {y}",
        x_axis_label=str(x),
        y_axis_label=str(y),
        height=max(260, 28 * len(ys) + 120),
        width=max(360, 44 * len(xs) + 160),
        tools="hover,save",
        tooltips=[(str(x), "@x"), (str(y), "@y"), (objective, "@shown")],
        toolbar_location="right",
    )
    fig.rect(
        "x",
        "y",
        1,
        1,
        source=source,
        fill_color={"field": "value", "transform": mapper},
        line_color="white",
    )
    fig.grid.grid_line_color = None
    fig.axis.major_tick_line_color = None
    long = len(xs) > 12 or max((len(label) for label in xs), default=0) > 5
    fig.xaxis.major_label_orientation = 0.8 if long else 0
    bar = ColorBar(color_mapper=mapper, ticker=BasicTicker(desired_num_ticks=7), width=10)
    fig.add_layout(bar, "right")
    return fig


def stability_table(table: pd.DataFrame, parameters: list[str], *, method: str) -> pd.DataFrame:
    """For each swept input with several values and each of its values: ``min``,
    ``median``, ``max`` of the objective over the combinations with that value, ``sets``
    counted, and ``best_slice``: the objective with the other inputs at the best set's values
    (grid searches; NaN where that set was not evaluated). Indexed by (input, value)."""
    frames = []
    best = table.iloc[0] if len(table) else None
    for name in parameters:
        if table[name].nunique(dropna=True) < 2:
            continue
        axis = table[name] if method == "grid" else _axis(table[name], labels=False)
        stats = (
            table.assign(**{name: axis})
            .groupby(name, dropna=True, observed=True)["objective"]
            .agg(min="min", median="median", max="max", sets="size")
        )
        others = [p for p in parameters if p != name]
        if method == "grid" and best is not None:
            mask = np.ones(len(table), dtype=bool)
            for other in others:
                mask &= (table[other] == best[other]).to_numpy()
            stats["best_slice"] = table.loc[mask].groupby(name)["objective"].first()
        else:
            stats["best_slice"] = math.nan
        stats.index = pd.MultiIndex.from_product(
            [[name], list(stats.index)], names=["input", "value"]
        )
        frames.append(stats)
    if not frames:
        return pd.DataFrame(columns=["min", "median", "max", "sets", "best_slice"])
    return pd.concat(frames)


def stability_chart(stability: pd.DataFrame, name: str, *, objective: str, best_value: Any):
    """One input's :func:`stability_table` rows as a Bokeh chart: the min-max band, the
    median and the slice through the best set, the best value marked."""
    from bokeh.models import ColumnDataSource, Span
    from bokeh.plotting import figure

    part = stability.xs(name, level="input")
    values = [float(v) for v in part.index]
    source = ColumnDataSource(
        {
            "value": values,
            "low": part["min"].to_numpy(dtype=float),
            "high": part["max"].to_numpy(dtype=float),
            "median": part["median"].to_numpy(dtype=float),
            "slice": part["best_slice"].to_numpy(dtype=float),
        }
    )
    fig = figure(
        title=f"{objective} by {name}",
        x_axis_label=name,
        y_axis_label=objective,
        height=240,
        width=520,
        tools="hover,save",
        tooltips=[(name, "@value"), ("min", "@low"), ("median", "@median"), ("max", "@high")],
    )
    fig.varea("value", "low", "high", source=source, fill_color="#90caf9", fill_alpha=0.45,
              legend_label="min-max")  # fmt: skip
    fig.line("value", "median", source=source, color="#1565c0", line_width=2,
             legend_label="median")  # fmt: skip
    if part["best_slice"].notna().any():
        fig.line("value", "slice", source=source, color="#ef6c00", line_width=2,
                 line_dash="dashed", legend_label="others at best")  # fmt: skip
    if best_value is not None:
        fig.add_layout(Span(location=float(best_value), dimension="height",
                            line_color="#2e7d32", line_width=2))  # fmt: skip
    legend = fig.legend[0]
    legend.label_text_font_size = "8pt"
    fig.add_layout(legend, "right")
    return fig


def neighbours(table: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """The combinations one value away from the best along one swept input (the next lower
    and higher value evaluated), the other inputs unchanged: ``input``, ``step`` (``-1`` or
    ``+1``), the parameters, ``objective`` and ``change`` (relative to the best's objective,
    in %). Empty when the best has no neighbour (random searches rarely have them)."""
    if not len(table) or pd.isna(table["objective"].iloc[0]):
        return pd.DataFrame(columns=["input", "step", *parameters, "objective", "change"])
    best = table.iloc[0]
    rows = []
    for name in parameters:
        values = sorted(table[name].dropna().unique())
        if len(values) < 2 or best[name] not in values:
            continue
        position = values.index(best[name])
        others = [p for p in parameters if p != name]
        for step in (-1, 1):
            if not 0 <= position + step < len(values):
                continue
            mask = (table[name] == values[position + step]).to_numpy().copy()
            for other in others:
                mask &= (table[other] == best[other]).to_numpy()
            for _, row in table.loc[mask].iterrows():
                change = (
                    (row["objective"] - best["objective"]) / abs(best["objective"]) * 100
                    if best["objective"]
                    else math.nan
                )
                rows.append(
                    {
                        "input": name,
                        "step": step,
                        **{p: row[p] for p in parameters},
                        "objective": row["objective"],
                        "change": change,
                    }
                )
    return pd.DataFrame(rows, columns=["input", "step", *parameters, "objective", "change"])


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.4g}"
