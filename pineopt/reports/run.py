"""The report pipeline: run a Pine script over bars through ``notebooks/report.ipynb``.

:func:`run_report` executes the report notebook with papermill and writes one folder,
``<out>/<run-id>/`` (``outputs/reports/`` by default; run-id = UTC timestamp + a short hash of
the inputs):

* ``report.ipynb``: the executed notebook, and ``report.html``, its HTML export (images
  embedded, Bokeh charts inline: the page loads nothing from the network);
* ``tearsheet.html``: the QuantStats tear sheet (strategies covering at least three days);
* ``trades.csv``, ``metrics.json`` (strategies) and ``plots.csv``;
* ``manifest.json``: the script's SHA-256, a fingerprint of the bars (SHA-256 of the time index
  and the OHLCV values), the parameters, package versions, the time taken by each step and the
  output files (relative paths).

Everything is written into a hidden temporary folder beside the target and renamed into place
at the end, so a run folder is complete or absent. The hidden folder's name carries this host
and process: one left by a process that was killed (a Dask worker lost mid-report) is removed
by the next report run into the same place, on the same host, once that process is gone
(:func:`remove_abandoned`). Running the same inputs again gives the same manifest except
``run_id`` and ``timings``.

With ``save=`` a strategy's run is also recorded in the store (:class:`pineopt.Store`) as a
backtest whose ``report_path`` is the run folder: the script is run once more in this process
on the same bars (the notebook runs in its own kernel, and the engine is deterministic, so the
recorded trades and metrics are the report's). :func:`save_report` does the same for a report
that already ran, possibly elsewhere: a report grid on a Dask cluster runs the notebooks on the
workers, and only the client process records them.

The notebook's helpers live here too: :func:`fingerprint`, :func:`monthly_returns` and
:func:`headline`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pineopt.data.cache import default_root
from pineopt.data.dataset import slice_frame
from pineopt.data.frame import fingerprint
from pineopt.data.resolver import resolve_data
from pineopt.errors import PineOptError, PineRuntimeError
from pineopt.fileio import atomic_write_text

__all__ = [
    "NOTEBOOK",
    "ReportError",
    "ReportRun",
    "fingerprint",
    "headline",
    "monthly_returns",
    "run_report",
    "save_report",
]

#: the report notebook executed by :func:`run_report`
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "report.ipynb"
#: where run folders go by default (relative to the working directory)
DEFAULT_OUT = Path("outputs") / "reports"
#: the Jupyter kernel the notebook runs in
KERNEL = "python3"
#: packages whose versions the manifest records
VERSIONED = ("pineopt", "numpy", "pandas", "papermill", "quantstats", "bokeh")
#: the metrics :func:`headline` picks from a Performance Summary
HEADLINE_KEYS = (
    "net_profit",
    "net_profit_pct",
    "total_closed_trades",
    "percent_profitable",
    "profit_factor",
    "max_drawdown",
    "max_drawdown_pct",
    "buy_hold_return",
    "sharpe_ratio",
)
# exception names raised in the notebook that are the caller's mistake (CLI exit code 2)
_USAGE_ERRORS = {"InputError", "StrategyConfigError"}
_REMOTE_SCRIPT = re.compile(r"<script\s+src=\"https?://[^\"]*\"\s*>\s*</script>", re.IGNORECASE)


class ReportError(PineOptError):
    """The report notebook failed. ``usage`` is true when the cause is a bad input override or
    strategy parameter (the CLI exits 2 then)."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass
class ReportRun:
    """One finished report: its folder and files, the manifest and the headline metrics."""

    run_id: str
    directory: Path
    manifest: dict[str, Any]
    headline: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: the id of the backtest recorded in the store (``run_report(save=...)``), else None
    backtest_id: int | None = None

    def path(self, name: str) -> Path | None:
        """The absolute path of output ``name`` (``html``, ``notebook``, ``tearsheet``,
        ``trades``, ``metrics``, ``plots``, ``manifest``), None when the run has none."""
        relative = self.manifest["outputs"].get(name)
        return self.directory / relative if relative else None

    @property
    def html(self) -> Path:
        return self.directory / self.manifest["outputs"]["html"]

    @property
    def notebook(self) -> Path:
        return self.directory / self.manifest["outputs"]["notebook"]

    @property
    def tearsheet(self) -> Path | None:
        return self.path("tearsheet")

    def __repr__(self) -> str:
        return f"<ReportRun {self.run_id}: {self.html}>"


# ---------------------------------------------------------------------------- notebook helpers


def monthly_returns(equity_df: pd.DataFrame, initial_capital: float | None = None) -> pd.DataFrame:
    """Compounded monthly returns of the ``equity`` column as a year x month table (%), with a
    ``Year`` column (the year's compounded return). The first month is measured from
    ``initial_capital`` (default: the first equity)."""
    equity = equity_df["equity"].astype(float)
    index = pd.DatetimeIndex(equity.index)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    equity = pd.Series(equity.to_numpy(), index=index)
    month_end = equity.groupby(index.to_period("M")).last()
    start = float(initial_capital) if initial_capital else float(equity.iloc[0])
    previous = month_end.shift(1)
    previous.iloc[0] = start
    returns = (month_end / previous - 1) * 100
    table = pd.DataFrame(
        {"year": returns.index.year, "month": returns.index.month, "ret": returns.to_numpy()}
    ).pivot(index="year", columns="month", values="ret")
    table = table.reindex(columns=range(1, 13))
    table.columns = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
    ]  # fmt: skip
    table["Year"] = ((1 + table.fillna(0) / 100).prod(axis=1) - 1) * 100
    table.index.name = None
    return table


def headline(metrics: dict[str, Any] | None) -> dict[str, Any]:
    """The headline numbers of a Performance Summary (``metrics["all"]``): net profit, closed
    trades, win rate, profit factor, max drawdown, buy & hold return, Sharpe."""
    if not metrics:
        return {}
    section = metrics.get("all", metrics)
    return {key: section.get(key) for key in HEADLINE_KEYS}


# --------------------------------------------------------------------------------- the pipeline


def run_report(
    script: str | Path,
    data: Any = None,
    *,
    symbol: str | None = None,
    provider: str | None = None,
    timeframe: Any = None,
    start: Any = None,
    end: Any = None,
    inputs: dict[str, Any] | None = None,
    strategy: dict[str, Any] | None = None,
    out: str | Path | None = None,
    progress: bool = True,
    benchmark: bool = True,
    chart_bars: int = 3000,
    title: str | None = None,
    notebook: str | Path | None = None,
    kernel_name: str = KERNEL,
    save: bool | str = False,
    store: Any = None,
) -> ReportRun:
    """Execute the report notebook for ``script`` over the bars and return the :class:`ReportRun`.

    ``script`` is a ``.pine`` path (or Pine text); ``data``/``symbol``/``provider``/
    ``timeframe``/``start``/``end`` choose the bars as in
    :func:`~pineopt.data.resolver.resolve_data` (``data`` may also be a DataFrame); ``inputs``
    and ``strategy`` override inputs and ``strategy()`` parameters; ``out`` is the folder the
    run folder goes in (default ``outputs/reports``); ``progress`` shows papermill's cell
    progress bar; ``chart_bars`` limits the candlestick chart to the last bars (0: all).

    ``save`` records the run of a strategy in the store (``True``: the strategy under its title;
    text: under that name) as a backtest whose ``report_path`` is the run folder; its id is
    :attr:`ReportRun.backtest_id`. ``store`` is the :class:`pineopt.Store` or its database URL
    (default: ``$PINEOPT_DATABASE_URL``, else ``outputs/pineopt.db``); it is opened before the
    notebook runs, so an unusable database fails fast. Saving an indicator raises
    :class:`ReportError` (a usage error) before anything runs.

    Raises :class:`~pineopt.api.ConversionError` for a script with errors,
    :class:`~pineopt.errors.PineRuntimeError` for a runtime error of the script (its message
    located: ``FILE:LINE:COL: error: MESSAGE``, the line, carets), :class:`ReportError` when the
    notebook fails otherwise, :class:`PineOptError` for unusable data.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    out_root = Path(out if out is not None else DEFAULT_OUT).expanduser().resolve()
    template = Path(notebook) if notebook is not None else NOTEBOOK
    if not template.is_file():
        raise PineOptError(f"the report notebook is missing: {template}")
    _check_kernel(kernel_name)

    # 1. the script and the bars
    step = time.perf_counter()
    script_text, script_path = _script(script)
    from pineopt.api import ConversionError, convert

    conversion = convert(script_text, str(script_path) if script_path else "script.pine")
    if not conversion.ok:
        raise ConversionError(conversion)
    declaration = _declaration(conversion)
    if save is not False:
        _check_saveable(declaration["kind"])
    frame_data = isinstance(data, pd.DataFrame)
    if frame_data:
        bars = data
        if start is not None or end is not None:
            bars = slice_frame(bars, start, end)
        data_source = "<DataFrame>"
        symbol_name, timeframe_name = symbol, timeframe
    else:
        dataset = resolve_data(
            data, symbol=symbol, provider=provider, timeframe=timeframe, start=start, end=end
        )
        bars = dataset.frame
        data_source = _data_source(data, dataset)
        symbol_name, timeframe_name = dataset.symbol.tickerid, str(dataset.timeframe)
    if len(bars) == 0:
        raise PineOptError("no bars between start and end")
    data_print = fingerprint(bars)
    script_sha = hashlib.sha256(script_text.encode("utf-8")).hexdigest()
    parameters = {
        "script": str(script_path) if script_path else None,
        "data": data_source,
        "symbol": symbol,
        "provider": provider,
        "timeframe": None if timeframe is None else str(timeframe),
        "start": None if start is None else str(start),
        "end": None if end is None else str(end),
        "inputs": _plain(inputs or {}),
        "strategy": _plain(strategy or {}),
        "benchmark": bool(benchmark),
        "chart_bars": int(chart_bars),
        "title": title,
    }
    run_id = _run_id(script_sha, data_print["sha256"], parameters)
    timings["prepare"] = time.perf_counter() - step

    out_root.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out_root)
    owner = f"{_HOST}-{os.getpid()}"  # who writes the work folder: this host and process
    work = Path(tempfile.mkdtemp(prefix=f".{run_id}.{owner}.", suffix=".tmp", dir=out_root))
    database = None
    try:
        if save is not False:  # opened first: an unusable database fails before the notebook
            database = _open_store(store)
        # the notebook reads the script and the bars from files of the run folder when they are
        # not files already (Pine text, a DataFrame)
        nb_script = str(script_path) if script_path else str(work / "script.pine")
        if not script_path:
            atomic_write_text(work / "script.pine", script_text)
        nb_data: Any = data_source if not frame_data else str(work / "data.parquet")
        if frame_data:
            bars.reset_index().to_parquet(work / "data.parquet")
        elif data_source.startswith("file:"):
            nb_data = data_source[len("file:") :]
        nb_parameters = {
            **parameters,
            "script": nb_script,
            "data": nb_data if (frame_data or data is not None) else None,
            "timeframe": parameters["timeframe"],
            "out_dir": ".",
        }
        if frame_data:
            nb_parameters["symbol"] = None
            nb_parameters["start"] = nb_parameters["end"] = None
        elif dataset.provenance.get("provider") == "cache":  # the kernel runs in the run folder
            nb_parameters["data_dir"] = str(default_root().resolve())

        # 2. execute the notebook
        step = time.perf_counter()
        script_name = str(script_path) if script_path else "script.pine"
        executed = _execute(
            template, work, nb_parameters, kernel_name, progress, (script_name, script_text)
        )
        timings["execute"] = time.perf_counter() - step

        # 3. export it to HTML
        step = time.perf_counter()
        report_title = title or declaration.get("title") or "PineOpt report"
        _export_html(executed, work / "report.html", f"{report_title} · PineOpt report")
        timings["export"] = time.perf_counter() - step

        # 4. the manifest, then the folder moves into place
        step = time.perf_counter()
        outputs = {
            "notebook": "report.ipynb",
            "html": "report.html",
            "tearsheet": "tearsheet.html" if (work / "tearsheet.html").is_file() else None,
            "trades": "trades.csv" if (work / "trades.csv").is_file() else None,
            "metrics": "metrics.json" if (work / "metrics.json").is_file() else None,
            "plots": "plots.csv" if (work / "plots.csv").is_file() else None,
            "manifest": "manifest.json",
        }
        if not script_path:
            outputs["script"] = "script.pine"
        if frame_data:
            outputs["data"] = "data.parquet"
        metrics = None
        if outputs["metrics"]:
            metrics = json.loads((work / "metrics.json").read_text(encoding="utf-8"))
        checksums = {
            outputs[name]: _sha256_file(work / outputs[name])
            for name in ("trades", "metrics", "plots")
            if outputs[name]
        }
        manifest: dict[str, Any] = {
            "pineopt_report": 1,
            "run_id": run_id,
            "script": {
                "path": parameters["script"],
                "sha256": script_sha,
                "title": declaration.get("title"),
                "kind": declaration.get("kind"),
            },
            "data": {
                "source": data_source,
                "symbol": symbol_name,
                "timeframe": None if timeframe_name is None else str(timeframe_name),
                **data_print,
            },
            "parameters": parameters,
            "versions": _versions(),
            "python": ".".join(str(part) for part in sys.version_info[:3]),
            "headline": headline(metrics),
            "outputs": outputs,
            "checksums": checksums,
            "timings": {},
        }
        timings["write"] = time.perf_counter() - step
        timings["total"] = time.perf_counter() - started
        manifest["timings"] = {key: round(value, 3) for key, value in timings.items()}
        atomic_write_text(
            work / "manifest.json", json.dumps(manifest, indent=2, allow_nan=False) + "\n"
        )
        _readable(work)
        target = _move_into_place(work, out_root, run_id, manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        _close_opened(database, store)
        raise
    report = ReportRun(
        run_id=target.name,
        directory=target,
        manifest=manifest,
        headline=manifest["headline"],
        seconds=timings["total"],
    )
    if database is not None:
        options = {"symbol": symbol, "timeframe": timeframe} if frame_data else {}
        try:
            report.backtest_id = _record(
                database,
                conversion,
                bars if frame_data else dataset,
                name=save if isinstance(save, str) and save else None,
                inputs=inputs,
                strategy=strategy,
                folder=target,
                **options,
            )
        finally:
            _close_opened(database, store)
    return report


def save_report(report: ReportRun, store: Any = None, *, name: str | None = None) -> int:
    """Record a finished report of a strategy in the store as a backtest whose
    ``report_path`` is its folder, set :attr:`ReportRun.backtest_id` and return it.

    What ``run_report(save=...)`` does once its notebook ran, for a report that ran without
    saving, e.g. on a Dask worker (workers never open the store): the script is run once more
    in this process on the report's bars, the script file and the bars its manifest names (a
    DataFrame's bars kept in the run folder). Both must still be what the report ran (the
    manifest's SHA-256s), else :class:`PineOptError`. ``store`` and ``name`` are as
    ``run_report``'s ``store`` and ``save``; an indicator's report raises :class:`ReportError`
    (a usage error)."""
    from pineopt.api import ConversionError, convert

    manifest = report.manifest
    _check_saveable(manifest["script"]["kind"])
    parameters = manifest["parameters"]
    outputs = manifest["outputs"]
    given = parameters["script"]
    text, path = _script(Path(given) if given else report.directory / outputs["script"])
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != manifest["script"]["sha256"]:
        raise PineOptError(f"{path} changed since report {report.run_id} ran; not saved")
    conversion = convert(text, given or "script.pine")
    if not conversion.ok:
        raise ConversionError(conversion)
    options: dict[str, Any] = {}
    if outputs.get("data"):  # a DataFrame's bars, kept in the run folder
        data: Any = resolve_data(str(report.directory / outputs["data"])).frame
        bars = data
        options = {"symbol": parameters["symbol"], "timeframe": parameters["timeframe"]}
    else:
        source = parameters["data"] or None
        if source is not None and source.startswith("file:"):
            source = source[len("file:") :]
        data = resolve_data(
            source,
            symbol=parameters["symbol"],
            provider=parameters["provider"],
            timeframe=parameters["timeframe"],
            start=parameters["start"],
            end=parameters["end"],
        )
        bars = data.frame
    if fingerprint(bars)["sha256"] != manifest["data"]["sha256"]:
        raise PineOptError(
            f"the bars of report {report.run_id} are no longer those it ran on; not saved"
        )
    database = _open_store(store)
    try:
        report.backtest_id = _record(
            database,
            conversion,
            data,
            name=name,
            inputs=parameters["inputs"],
            strategy=parameters["strategy"],
            folder=report.directory,
            **options,
        )
    finally:
        _close_opened(database, store)
    return report.backtest_id


def check_saveable(script: str | Path) -> None:
    """Raise :class:`ReportError` (a usage error) unless ``script`` (a ``.pine`` path or Pine
    text) declares a strategy: what ``save`` refuses before anything runs. A script that does
    not convert passes (its runs fail with its diagnostics)."""
    from pineopt.api import convert

    text, path = _script(script)
    conversion = convert(text, str(path) if path else "script.pine")
    if conversion.ok:
        _check_saveable(_declaration(conversion)["kind"])


def _check_saveable(kind: str | None) -> None:
    if kind != "strategy":
        raise ReportError(
            f"save needs a strategy() script; the script declares {kind}()", usage=True
        )


def _open_store(store: Any):  # type: ignore[no-untyped-def]
    """The :class:`~pineopt.store.Store` ``store`` names: itself, or one opened on its URL
    (None: the default database)."""
    from pineopt.store import Store

    return store if isinstance(store, Store) else Store(store)


def _close_opened(database: Any, store: Any) -> None:
    """Close ``database`` when :func:`_open_store` opened it (not the caller's Store)."""
    if database is not None and database is not store:
        database.close()


def _record(
    store: Any,
    conversion: Any,
    data: Any,
    *,
    name: str | None,
    inputs: dict[str, Any] | None,
    strategy: dict[str, Any] | None,
    folder: Path,
    **options: Any,
) -> int:
    """Run the script in this process on the report's bars (a Dataset, or a frame with the
    ``symbol``/``timeframe`` ``options`` given) and record it as a backtest whose
    ``report_path`` is the run ``folder``; returns its id."""
    from pineopt.api import run

    result = run(conversion, data, inputs=inputs, strategy=strategy or None, **options)
    return store.record(result, strategy=name, settings=strategy or None, report_path=str(folder))


def _execute(
    template: Path,
    work: Path,
    parameters: dict[str, Any],
    kernel_name: str,
    progress: bool,
    script: tuple[str, str],
    output_name: str = "report.ipynb",
):
    """Run the notebook into ``work/output_name``; a failure raises :class:`ReportError`, or a
    :class:`~pineopt.errors.PineRuntimeError` for a runtime error of the Pine ``script`` (its
    file name and text), located at its line as the CLI shows it."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output = work / output_name
    try:
        return papermill.execute_notebook(
            str(template),
            str(output),
            parameters=parameters,
            kernel_name=kernel_name,
            progress_bar=progress,
            cwd=str(work),
            log_output=False,
        )
    except PapermillExecutionError as exc:
        message = str(exc.evalue).strip().splitlines()
        first = message[0] if message else exc.ename
        if exc.ename == "PineRuntimeError":
            raise _located_runtime_error(first, *script) from None
        raise ReportError(
            f"the report notebook failed in cell {exc.exec_count}: {exc.ename}: {first}",
            usage=exc.ename in _USAGE_ERRORS,
        ) from None


_RUNTIME_LINE = re.compile(r"^line (?P<line>\d+): (?P<message>.*)$")


def _located_runtime_error(message: str, filename: str, source: str) -> PineRuntimeError:
    """A runtime error of the script (``line N: MESSAGE``, as the runtime words it) with the
    message in the ``FILE:LINE:COL: error: MESSAGE`` form, its source line and carets."""
    from pineopt.lang.diagnostics import error, format_diagnostics
    from pineopt.lang.nodes import Span

    match = _RUNTIME_LINE.match(message)
    lines = source.splitlines()
    if match is None or not 0 < int(match["line"]) <= len(lines):
        return PineRuntimeError(f"{filename}: error: {message}")
    line = int(match["line"])
    text = lines[line - 1].rstrip()
    column = len(text) - len(text.lstrip()) + 1
    span = Span(line, column, line, max(column + 1, len(text) + 1))
    located = PineRuntimeError(
        format_diagnostics([error(match["message"], span, filename)], source)
    )
    located.pine_line = line  # type: ignore[attr-defined]
    return located


def _export_html(notebook, path: Path, title: str) -> None:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(embed_images=True, exclude_input=True)
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    atomic_write_text(path, offline_html(body))


def offline_html(body: str) -> str:
    """The exported page without the scripts nbconvert's template loads from CDNs (require.js
    and MathJax: the report uses neither; Bokeh's JavaScript is inlined in the page)."""
    return _REMOTE_SCRIPT.sub("", body)


def _check_kernel(name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise PineOptError(
            f"no Jupyter kernel named {name!r}: register one with "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name {name}`"
        ) from None


def _script(script: str | Path) -> tuple[str, Path | None]:
    from pineopt.api import _looks_like_path

    if isinstance(script, Path) or (isinstance(script, str) and _looks_like_path(script)):
        path = Path(script).expanduser().resolve()
        try:
            return path.read_text(encoding="utf-8"), path
        except OSError as exc:
            raise PineOptError(f"cannot read {script}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise PineOptError(f"{script} is not UTF-8 text") from None
    if isinstance(script, str):
        return script, None
    raise PineOptError(f"a script is Pine text or a path, not {type(script).__name__}")


def _declaration(conversion) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    script = getattr(conversion.analysis, "script", None)
    declaration = getattr(script, "declaration", None)
    kind = getattr(getattr(declaration, "func", None), "id", None)
    title = None
    args = getattr(declaration, "args", ())
    if args and hasattr(args[0], "value") and isinstance(args[0].value, str):
        title = args[0].value
    for keyword in getattr(declaration, "keywords", ()):
        if keyword.name == "title" and isinstance(getattr(keyword.value, "value", None), str):
            title = keyword.value.value
    return {"kind": kind, "title": title}


def _data_source(data: Any, dataset: Any) -> str:
    """How the manifest and the notebook name the bars: ``file:/abs/path`` or the name given."""
    if data is None:
        return ""
    if dataset.provenance.get("provider") == "file":
        return f"file:{dataset.provenance['path']}"
    return str(data)


def _readable(folder: Path) -> None:
    """Give the run folder and its files the usual modes (mkdtemp and mkstemp make them
    private), honouring the umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(folder, 0o777 & ~mask)
    for path in folder.iterdir():
        if path.is_file():
            os.chmod(path, 0o666 & ~mask)


def _run_id(script_sha: str, data_sha: str, parameters: dict[str, Any]) -> str:
    key = json.dumps([script_sha, data_sha, parameters], sort_keys=True, default=str)
    short = hashlib.sha256(key.encode()).hexdigest()[:8]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{short}"


_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
"""This host, as work folders' names carry it (with the writing process's id)."""
_WORK_NAME = re.compile(r"^\.[^.]+\.(?P<host>[0-9a-f]{8})-(?P<pid>\d+)\..*\.tmp$")


def remove_abandoned(root: Path) -> list[Path]:
    """Remove the hidden work folders in ``root`` left by processes of this host that are
    gone (killed before they could clean up); return them. Folders of live processes and of
    other hosts are left alone."""
    removed = []
    for folder in root.glob(".*.tmp"):
        match = _WORK_NAME.match(folder.name)
        if not match or match["host"] != _HOST or _alive(int(match["pid"])):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _move_into_place(work: Path, root: Path, run_id: str, manifest: dict[str, Any]) -> Path:
    """Rename the finished ``work`` folder to ``root/run_id`` (``run_id-2``, ``-3``, ... when
    taken, also by a concurrent run); the manifest names the folder it ends in."""
    number = 1
    while True:
        name = run_id if number == 1 else f"{run_id}-{number}"
        target = root / name
        number += 1
        if target.exists():
            continue
        if manifest["run_id"] != name:
            manifest["run_id"] = name
            text = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
            atomic_write_text(work / "manifest.json", text)
            _readable(work)
        try:
            os.rename(work, target)
        except OSError:
            if target.exists():  # another run took the name meanwhile
                continue
            raise
        return target


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _plain(value: Any) -> Any:
    """JSON-ready copies of parameter values (papermill and the manifest need plain data)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _iso(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
