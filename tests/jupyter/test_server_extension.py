"""The Jupyter server extension over HTTP: a real ``jupyter server`` on a free 127.0.0.1 port,
with a token and its own configuration, data and runtime folders, stopped after the module.
The extension is enabled by the configuration file the package installs
(``jupyter-config/jupyter_server_config.d/pineopt.json``), read from the repository."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

import pytest
from local_servers import free_port, jupyter_server_command, stop

httpx = pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "pineopt-test-token"
CLEAN = """//@version=6
indicator("Clean")
plot(ta.sma(close, 14))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of a Jupyter server that found PineOpt's configuration file."""
    folder = tmp_path_factory.mktemp("jupyter")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for name in ("config", "data", "runtime"):
        (folder / name).mkdir()
        env[f"JUPYTER_{name.upper()}_DIR"] = str(folder / name)
    env["JUPYTER_CONFIG_PATH"] = str(ROOT / "jupyter-config")
    token, root = f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={folder}"
    command = jupyter_server_command("jupyter_server", port, token, root)
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("jupyter server did not start:\n" + (folder / "server.log").read_text())
            try:
                httpx.get(url + "api/status", headers=_auth(), timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        stop(proc)
        log.close()


def _auth() -> dict[str, str]:
    return {"Authorization": f"token {TOKEN}"}


def _diagnose(server: str, source: str, kind: str = "cell") -> list[dict]:
    answer = httpx.post(
        server + "pineopt/diagnostics", json={"source": source, "kind": kind}, headers=_auth()
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["diagnostics"]


def test_a_clean_cell_has_no_diagnostics(server):
    assert _diagnose(server, "%%pine --data BTCUSDT_1h\n" + CLEAN) == []


def test_a_typo_is_located_on_the_cells_own_line(server):
    """The typo is on the 3rd Pine line, the cell's 4th (the magic's line comes first)."""
    cell = "%%pine --data BTCUSDT_1h\n" + CLEAN.replace("ta.sma", "ta.smaa")
    (found,) = _diagnose(server, cell)
    assert found == {
        "line": 4,
        "column": 6,
        "end_line": 4,
        "end_column": 13,
        "severity": "error",
        "message": "Could not find function or function reference 'ta.smaa'",
    }


def test_a_pine_file_is_not_shifted(server):
    (found,) = _diagnose(server, CLEAN.replace("ta.sma", "ta.smaa"), kind="file")
    assert (found["line"], found["column"]) == (3, 6)


def test_warnings_and_refusals_are_reported(server):
    """A warning of the analyser, and a built-in PineOpt refuses before generating code."""
    cell = (
        "%%pine\n//@version=6\nindicator('w')\nopen = 1.0\n"
        'plot(request.financial(syminfo.tickerid, "EPS", "FQ"))\n'
    )
    found = {(d["severity"], d["line"]): d["message"] for d in _diagnose(server, cell)}
    assert found[("warning", 4)] == "Shadowing built-in variable 'open'"
    assert "not supported by PineOpt" in found[("error", 5)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b'["source"]', "not a JSON object"),
        (b'{"kind": "cell"}', '"source" must be a string'),
        (b'{"source": 3}', '"source" must be a string'),
        (b'{"source": "", "kind": "notebook"}', '"kind" must be one of'),
        (b'{"source": "' + b"x" * 1_000_001 + b'"}', "longer than 1000000"),
    ],
)
def test_bad_payloads_are_400_with_a_message(server, body, message):
    answer = httpx.post(server + "pineopt/diagnostics", content=body, headers=_auth())
    assert answer.status_code == 400
    assert message in answer.json()["message"]
    assert "Traceback" not in answer.text


def test_builtins_come_from_pineopts_table(server):
    answer = httpx.get(server + "pineopt/builtins", headers=_auth())
    assert answer.status_code == 200
    reference = answer.json()
    sma = next(f for f in reference["functions"] if f["name"] == "ta.sma")
    assert sma["signature"] == "ta.sma(source, length) → series float"
    assert {"name": "close", "type": "series float"} in reference["variables"]
    assert "ta" in reference["namespaces"] and "if" in reference["keywords"]


def test_the_routes_need_the_servers_login(server):
    assert httpx.get(server + "pineopt/builtins").status_code in (401, 403)
    answer = httpx.post(server + "pineopt/diagnostics", json={"source": CLEAN})
    assert answer.status_code in (401, 403)


def test_a_100_line_script_is_answered_well_under_100_ms(server):
    lines = ["%%pine", "//@version=6", 'indicator("Long")']
    lines += [f"x{i} = ta.sma(close, {i % 20 + 2}) + math.max(open, high) * {i}" for i in range(96)]
    lines += ["plot(x95)"]
    cell = "\n".join(lines) + "\n"
    assert len(lines) == 100
    with httpx.Client(headers=_auth()) as client:
        timings = []
        for _ in range(23):
            started = time.perf_counter()
            answer = client.post(server + "pineopt/diagnostics", json={"source": cell})
            timings.append(time.perf_counter() - started)
            assert answer.json() == {"diagnostics": []}
    median = statistics.median(timings[3:])  # after warm-up
    print(f"100-line cell: median {median * 1000:.1f} ms over {len(timings) - 3} requests")
    assert median < 0.1
