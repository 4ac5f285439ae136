"""``pineopt.conformance``: probe folders found, run through ``pineopt.run`` and scored."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from pineopt.conformance import (
    Probe,
    _chart_frame,
    chart_start_time,
    default_feed,
    find_probes,
    report_json,
    report_text,
    run_probe,
    run_probes,
)
from pineopt.errors import DataError


def test_probes_are_found_sorted_and_filtered(probe_dir):
    names = [p.name for p in find_probes(probe_dir)]
    assert names == ["order-broken-01", "order-late-01", "order-match-01"]
    assert [p.name for p in find_probes(probe_dir, "match")] == ["order-match-01"]
    probe = find_probes(probe_dir, "match")[0]
    assert probe.category == "order"
    assert probe.inputs == {"Exit bar": 3}  # run settings and comments are not inputs
    # the folder of probes itself works as well as its parent
    assert len(find_probes(probe_dir / "probes")) == 3


def test_a_folder_without_probes_is_refused(tmp_path):
    with pytest.raises(DataError, match="no probe folders"):
        find_probes(tmp_path)
    with pytest.raises(DataError, match="not a folder"):
        find_probes(tmp_path / "missing")


def test_bad_settings_are_a_clear_error(probe_dir):
    (probe_dir / "probes" / "order-match-01" / "inputs.json").write_text("{oops")
    with pytest.raises(DataError, match=r"inputs\.json: not readable JSON"):
        find_probes(probe_dir)


def test_the_matching_probe_is_exact(probe_dir):
    probe = find_probes(probe_dir, "match")[0]
    result = run_probe(probe, default_feed(probe_dir))
    assert result.error is None
    assert result.verdict == "exact"
    assert (result.score.tv_entries, result.score.matched_entries) == (1, 1)
    assert result.score.pnl_equal == 1


def test_settings_change_the_run(probe_dir):
    # without the input override the close never fills; without the chart start the entry
    # fills at 101, 30 minutes earlier
    probe = find_probes(probe_dir, "match")[0]
    feed = default_feed(probe_dir)
    for key in ("Exit bar", "ohlcv_start_ms"):
        settings = {k: v for k, v in probe.settings.items() if k != key}
        changed = type(probe)(probe.name, probe.folder, settings)
        assert run_probe(changed, feed).verdict == "differs", key


def test_gzipped_lists_and_feeds_are_read(probe_dir):
    folder = probe_dir / "probes" / "order-match-01"
    trades = folder / "tv_trades.csv"
    (folder / "tv_trades.csv.gz").write_bytes(gzip.compress(trades.read_bytes()))
    trades.unlink()
    feed = probe_dir / "data" / "bars.csv"
    (probe_dir / "data" / "bars.csv.gz").write_bytes(gzip.compress(feed.read_bytes()))
    feed.unlink()
    settings = json.loads((folder / "inputs.json").read_text())
    settings["ohlcv_csv"] = "../../data/bars.csv"  # named as the plain file: the .gz is used
    (folder / "inputs.json").write_text(json.dumps(settings))
    probe = find_probes(probe_dir, "match")[0]
    assert default_feed(probe_dir).name == "bars.csv.gz"
    assert run_probe(probe).verdict == "exact"


def test_failures_become_one_line_errors(probe_dir):
    results = run_probes(find_probes(probe_dir), default_feed(probe_dir))
    by_name = {r.name: r for r in results}
    broken = by_name["order-broken-01"]
    assert broken.verdict == "error"
    assert "\n" not in broken.error and "strategy.pine:4:" in broken.error
    assert by_name["order-late-01"].verdict == "differs"
    missing = find_probes(probe_dir, "match")[0]
    (missing.folder / "tv_trades.csv").unlink()
    assert "no TradingView trade list" in run_probe(missing, default_feed(probe_dir)).error


def test_parallel_runs_give_the_same_results(probe_dir):
    probes = find_probes(probe_dir)
    feed = default_feed(probe_dir)
    seen = []
    parallel = run_probes(probes, feed, jobs=2, on_result=lambda n, r: seen.append(n))
    serial = run_probes(probes, feed, jobs=1)
    assert [r.to_dict() | {"seconds": 0} for r in parallel] == [
        r.to_dict() | {"seconds": 0} for r in serial
    ]
    assert sorted(seen) == [1, 2, 3]


def test_the_report_ends_with_the_summary_line(probe_dir):
    results = run_probes(find_probes(probe_dir), default_feed(probe_dir))
    text = report_text(results)
    assert text.splitlines()[-1] == "exact 1/3 within1pct 1/3"
    assert "order          3      1           1       1" in text
    assert "order-late-01 (worst ratio 0.000): 2025-01-01 00:30 UTC entry long" in text
    data = report_json(results)
    assert data["summary"] == {"probes": 3, "exact": 1, "within_1pct": 1, "errors": 1}
    assert [p["verdict"] for p in data["probes"]] == ["error", "differs", "exact"]


def test_chart_start_drops_earlier_bars_unless_the_probe_sets_its_own(probe_dir):
    probe = find_probes(probe_dir, "match")[0]
    feed = default_feed(probe_dir)
    bare = Probe(probe.name, probe.folder, {"Exit bar": 3})
    assert len(_chart_frame(bare, feed, {}).frame) == 8
    # the chart from the third bar: the probe's own ohlcv_start_ms says the same
    data = _chart_frame(bare, feed, {}, "2025-01-01T00:30Z")
    assert data.frame.index[0] == pd.Timestamp("2025-01-01 00:30", tz="UTC")
    assert run_probe(bare, feed, chart_start="2025-01-01T00:30Z").verdict == "exact"
    # a probe's own ohlcv_start_ms wins over the command's chart start
    assert len(_chart_frame(probe, feed, {}, 1735689600000).frame) == 6


def test_chart_start_time_forms():
    want = pd.Timestamp("2025-03-31 00:00", tz="UTC")
    assert chart_start_time("1743379200000") == want
    assert chart_start_time(1743379200000) == want
    assert chart_start_time("2025-03-31 00:00") == want
    assert chart_start_time("2025-03-31T08:00+08:00") == want
    with pytest.raises(DataError, match="not a time"):
        chart_start_time("soon")


def test_a_chart_starting_after_the_exports_first_fill_is_noted(probe_dir):
    probe = find_probes(probe_dir, "match")[0]
    feed = default_feed(probe_dir)
    late = Probe(probe.name, probe.folder, {"Exit bar": 3, "ohlcv_start_ms": 1735693200000})
    result = run_probe(late, feed)  # the chart from 01:00, after TradingView's entry at 00:45
    assert result.verdict == "differs"
    note = (
        "the chart starts 2025-01-01 01:00 UTC, after TradingView's first fill "
        "(2025-01-01 00:45 UTC): it is not the chart the export came from"
    )
    assert result.notes == [note]
    assert f"note: {note}" in report_text([result])
    assert run_probe(probe, feed).notes == []
