"""tools/install_data_files.py: the data files an editable install leaves out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "install_data_files.py"


def test_the_data_files_land_under_the_prefix_as_a_wheel_puts_them(tmp_path):
    done = subprocess.run(
        [sys.executable, str(TOOL), "--prefix", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    config = tmp_path / "etc/jupyter/jupyter_server_config.d/pineopt.json"
    assert str(config) in done.stdout.splitlines()
    enabled = json.loads(config.read_text())["ServerApp"]["jpserver_extensions"]
    assert enabled == {"pineopt.jupyter.server_extension": True}
    template = tmp_path / "share/jupyter/voila/templates/pineopt"
    assert {f.name for f in template.iterdir()} == {"conf.json", "index.html.j2"}
