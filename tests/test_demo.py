import json

import pytest

from pineopt import demo


@pytest.mark.slow
def test_demo_runs_the_report_pipeline(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo campaign's sweep goes to outputs/sweeps/
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
    # then the demo campaign: 20 sets on three instruments, and its report
    assert "20 parameter sets x 3 instruments" in out
    campaign_html = out.split("Campaign report: ")[1].splitlines()[0]
    assert campaign_html.endswith("campaign.html")
    campaign = json.loads((tmp_path / campaign_html.split("/")[-2] / "manifest.json").read_text())
    assert campaign["kind"] == "campaign"
    assert campaign["campaign"]["data"] == ["BTCUSDT_1D", "ETHUSDT_1D", "SOLUSDT_1D"]
    assert campaign["campaign"]["counts"]["sets"] == 20


def test_demo_reports_errors(tmp_path, capsys):
    assert demo.main(["--data", "NOSUCH_1h", "--out", str(tmp_path), "--quiet"]) == 1
    assert "pineopt demo: error:" in capsys.readouterr().err
