"""``pineopt conformance DIR`` through the real entry point."""

from __future__ import annotations

import json

import pytest

from pineopt.cli import main


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_probe_within_one_percent_exits_0(probe_dir, capsys, tmp_path):
    out_json = tmp_path / "score.json"
    code, out, err = run(
        capsys, "conformance", probe_dir, "--only", "match", "--jobs", "1", "--json", out_json
    )
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("[1/1] exact      order-match-01  entries 1/1 (ours 1)")
    assert lines[-1] == "exact 1/1 within1pct 1/1"
    assert "1 probes, default feed bars.csv, 1 jobs" in err
    data = json.loads(out_json.read_text())
    assert data["summary"]["exact"] == 1
    assert data["probes"][0]["entry_recall"] == 1.0


def test_a_differing_or_failing_probe_exits_1_with_the_worst_listed(probe_dir, capsys):
    code, out, err = run(capsys, "conformance", probe_dir, "--jobs", "2")
    assert code == 1
    assert out.splitlines()[-1] == "exact 1/3 within1pct 1/3"
    assert "worst probes (first divergence):" in out
    assert "order-broken-01: " in out and "Traceback" not in out + err
    assert "order-late-01 (worst ratio 0.000): 2025-01-01 00:30 UTC entry long" in out


def test_the_list_timezone_can_be_given(probe_dir, capsys):
    # read as UTC, TradingView's fills are eight hours later than ours
    code, out, _ = run(capsys, "conformance", probe_dir, "--only", "match", "--tz", "UTC")
    assert code == 1
    assert out.splitlines()[-1] == "exact 0/1 within1pct 0/1"


def test_usage_errors_exit_2(probe_dir, capsys, tmp_path):
    code, _, err = run(capsys, "conformance", probe_dir, "--only", "nothing-like-this")
    assert code == 2 and "no probe name contains" in err
    code, _, err = run(capsys, "conformance", probe_dir, "--tz", "Mars/Base")
    assert code == 2 and "unknown chart timezone" in err
    code, _, err = run(capsys, "conformance", probe_dir, "--chart-start", "soon")
    assert code == 2 and "not a time: 'soon'" in err
    for argv in ([tmp_path / "missing"], [probe_dir, "--jobs", "0"]):
        with pytest.raises(SystemExit) as exc:
            main(["conformance", *map(str, argv)])
        assert exc.value.code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "conformance", empty)
    assert code == 1 and "no probe folders" in err
