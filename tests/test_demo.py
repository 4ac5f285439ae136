import json

from pineopt import demo


def test_demo_writes_its_report(tmp_path, capsys):
    path = demo.run(tmp_path)
    assert path == tmp_path / "summary.md"
    text = path.read_text()
    assert "14620 bars compared, 14619 identical; differing: 2023-03-24T12:00:00Z" in text
    assert "3064 bars compared, 3064 identical; differing: none" in text
    sections = json.loads((tmp_path / "summary.json").read_text())
    assert sections["validation"]["missing_bars"] == 128
    assert "finished in" in capsys.readouterr().out
