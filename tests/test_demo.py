import json

import pytest

from pineopt import demo


@pytest.mark.slow
def test_demo_runs_the_report_pipeline(tmp_path, capsys):
    code = demo.main(["--bars", "3000", "--out", str(tmp_path), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    for text in ("net profit", "trades", "max drawdown", "profit factor", "Report: "):
        assert text in out, text
    report = out.split("Report: ")[1].splitlines()[0]
    folder = tmp_path / report.split("/")[-2]
    assert (folder / "report.html").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["script"]["title"] == "SMA cross"
    assert manifest["data"]["bars"] == 3000
    assert manifest["data"]["last"] == "2024-04-21T14:00:00Z"
    assert str(manifest["headline"]["total_closed_trades"]) in out


def test_demo_reports_errors(tmp_path, capsys):
    assert demo.main(["--data", "NOSUCH_1h", "--out", str(tmp_path), "--quiet"]) == 1
    assert "pineopt demo: error:" in capsys.readouterr().err
