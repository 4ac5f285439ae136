"""The campaign report: an optimisation campaign through ``notebooks/campaign.ipynb``.

:func:`run_campaign_report` reads a campaign (a sweep's output folder, or a campaign id of the
store: :func:`pineopt.reports.campaign.load_campaign`), executes the campaign notebook with
papermill and writes one folder, ``<out>/<run-id>/`` (``outputs/reports/`` by default; run-id =
UTC timestamp + a short hash of the campaign), as :func:`pineopt.reports.run.run_report` does
for a single run:

* ``campaign.ipynb``, the executed notebook, and ``campaign.html``, its HTML export (Bokeh
  inline: the page loads nothing from the network);
* ``campaign/``: the campaign as a sweep's folder (``manifest.json``, ``results.parquet``,
  ``results.csv``, the walk-forward files, ``script.pine``), which is what the notebook read;
* ``manifest.json``: where the campaign came from, its summary, package versions, the time
  taken by each step and the output files.

Everything is written into a hidden temporary folder beside the target and renamed into place
at the end, so a report folder is complete or absent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pineopt.errors import PineOptError
from pineopt.fileio import atomic_write_text
from pineopt.reports.campaign import load_campaign, write_campaign
from pineopt.reports.run import (
    DEFAULT_OUT,
    KERNEL,
    ReportRun,
    _check_kernel,
    _execute,
    _export_html,
    _move_into_place,
    _readable,
    _run_id,
    _versions,
)

__all__ = ["NOTEBOOK", "run_campaign_report"]

#: the campaign notebook executed by :func:`run_campaign_report`
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "campaign.ipynb"


def run_campaign_report(
    campaign: Any,
    *,
    database: Any = None,
    store: Any = None,
    out: str | Path | None = None,
    top: int = 10,
    title: str | None = None,
    progress: bool = True,
    notebook: str | Path | None = None,
    kernel_name: str = KERNEL,
) -> ReportRun:
    """Execute the campaign notebook for ``campaign`` and return the :class:`ReportRun`.

    ``campaign`` is a sweep's output folder (``pineopt sweep --out DIR``) or the id of a
    campaign in the store (``store``: a :class:`pineopt.Store`, or opened on ``database``, a URL
    or SQLite file; default ``$PINEOPT_DATABASE_URL``, else ``outputs/pineopt.db``). ``top``
    is how many parameter sets the tables list; ``out`` the folder the report folder goes in
    (default ``outputs/reports``); ``progress`` shows papermill's cell progress bar.

    The report shows the campaign's summary, its best parameter sets, heatmaps of the objective
    over every pair of swept numeric inputs, the parameter-stability view, results per
    instrument and pooled, a walk-forward's windows and stitched out-of-sample equity, and the
    regime breakdown of the best set per instrument (run again with :func:`pineopt.run`).

    Raises :class:`~pineopt.reports.campaign.CampaignNotFound` for an unknown campaign,
    :class:`~pineopt.reports.run.ReportError` when the notebook fails.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    template = Path(notebook) if notebook is not None else NOTEBOOK
    if not template.is_file():
        raise PineOptError(f"the campaign notebook is missing: {template}")
    _check_kernel(kernel_name)
    out_root = Path(out if out is not None else DEFAULT_OUT).expanduser().resolve()

    step = time.perf_counter()
    data = load_campaign(campaign, database=database, store=store)
    timings["load"] = time.perf_counter() - step
    summary = json.dumps(data.manifest, sort_keys=True, default=str)
    parameters = {"campaign": data.origin, "top": int(top), "title": title}
    run_id = _run_id(
        hashlib.sha256(summary.encode()).hexdigest(), str(len(data.results)), parameters
    )

    out_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{run_id}.", suffix=".tmp", dir=out_root))
    try:
        step = time.perf_counter()
        write_campaign(data, work / "campaign")
        timings["write campaign"] = time.perf_counter() - step

        step = time.perf_counter()
        nb_parameters = {
            "campaign": "campaign",
            "database": None,
            "top": int(top),
            "title": title,
            "origin": data.origin,
            "out_dir": ".",
        }
        executed = _execute(
            template,
            work,
            nb_parameters,
            kernel_name,
            progress,
            ("script.pine", data.script or ""),
            output_name="campaign.ipynb",
        )
        timings["execute"] = time.perf_counter() - step

        step = time.perf_counter()
        report_title = title or f"{data.title} campaign"
        _export_html(executed, work / "campaign.html", f"{report_title} · PineOpt")
        timings["export"] = time.perf_counter() - step

        campaign_files = sorted(
            f"campaign/{path.name}" for path in (work / "campaign").iterdir() if path.is_file()
        )
        manifest: dict[str, Any] = {
            "pineopt_report": 1,
            "kind": "campaign",
            "run_id": run_id,
            "campaign": {
                "origin": data.origin,
                "store_id": data.manifest.get("campaign"),
                "title": data.title,
                "method": data.manifest.get("method"),
                "objective": data.manifest.get("objective"),
                "space": data.manifest.get("space"),
                "data": [entry.get("name") for entry in data.manifest.get("data", [])],
                "walk_forward": (data.manifest.get("walk_forward") or {}).get("spec"),
                "counts": data.manifest.get("counts"),
                "best": data.manifest.get("best"),
            },
            "parameters": parameters,
            "versions": _versions(),
            "python": ".".join(str(part) for part in sys.version_info[:3]),
            "outputs": {
                "notebook": "campaign.ipynb",
                "html": "campaign.html",
                "campaign": campaign_files,
                "manifest": "manifest.json",
            },
            "notes": data.notes,
            "timings": {},
        }
        timings["total"] = time.perf_counter() - started
        manifest["timings"] = {key: round(value, 3) for key, value in timings.items()}
        text = json.dumps(manifest, indent=2, allow_nan=False, default=str) + "\n"
        atomic_write_text(work / "manifest.json", text)
        _readable(work)
        _readable(work / "campaign")
        target = _move_into_place(work, out_root, run_id, manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ReportRun(
        run_id=target.name,
        directory=target,
        manifest=manifest,
        headline={},
        seconds=timings["total"],
    )
