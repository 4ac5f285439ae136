"""The strategy explorer in a real browser: plain ``voila dashboards/strategy_explorer.ipynb``
(``make dashboard``), the same notebook in a Jupyter server's Voilà preview, and ``panel serve``.

Each server starts on a free 127.0.0.1 port with no ``PANEL_*`` or ``JUPYTER_PATH`` variable
(the installed template and assets must do) and is killed in the fixture's teardown. Chromium
(Debian's ``/usr/bin/chromium``, driven by Python playwright) may only reach that server: any
other request is recorded and aborted, and the test fails if there was one (offline-clean), or
if the console showed any error (Ace's theme must load from the server). The seconds from
starting the server to a usable page are printed and written, with the screenshots, under
``outputs/screenshots/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from local_servers import (
    free_port,
    jupyter_server_command,
    needs_chromium,
    stop,
    wait_for_port,
)

import pineopt
from pineopt.ui.explorer import EXAMPLES_DIR, HEADLINE, format_number, last_bars

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "outputs" / "screenshots"
SCRIPT = EXAMPLES_DIR / "sma_cross_strategy.pine"
NOTEBOOK = "dashboards/strategy_explorer.ipynb"
TEMPLATE = Path(sys.prefix, "share", "jupyter", "voila", "templates", "pineopt", "index.html.j2")

pytestmark = [
    pytest.mark.slow,
    needs_chromium,
    pytest.mark.skipif(not SCRIPT.exists(), reason="examples/sma_cross_strategy.pine is missing"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")


def _clean_env() -> dict[str, str]:
    """This process's environment without what would configure Panel or Jupyter's paths."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith("PANEL_") and k != "JUPYTER_PATH"
    }


class Server:
    def __init__(self, name: str, command: list[str], port: int, log: Path, page: str = "") -> None:
        self.name, self.port = name, port
        self.origin = f"http://127.0.0.1:{port}/"
        self.url = self.origin + page
        self.log = log
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_clean_env(),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        stop(self.proc)


@pytest.fixture
def installed_template():
    if not TEMPLATE.is_file():
        pytest.skip(f"PineOpt's Voilà template is not installed in {sys.prefix} (make install)")


@pytest.fixture
def voila_server(tmp_path, installed_template):
    """``make dashboard``: plain ``voila NOTEBOOK``, the template chosen by the notebook."""
    port = free_port()
    command = [sys.executable, "-m", "voila", NOTEBOOK, "--no-browser", f"--port={port}"]
    server = Server("voila", [*command, "--Voila.ip=127.0.0.1"], port, tmp_path / "voila.log")
    try:
        wait_for_port(port, server.proc)
        yield server
    finally:
        server.stop()


@pytest.fixture
def voila_preview_server(tmp_path, installed_template):
    """JupyterLab's Voilà preview: the Jupyter server's ``voila/render/NOTEBOOK`` page."""
    port = free_port()
    command = jupyter_server_command("jupyter_server", port, "--IdentityProvider.token=")
    log = tmp_path / "preview.log"
    server = Server("voila_preview", command, port, log, page=f"voila/render/{NOTEBOOK}")
    try:
        wait_for_port(port, server.proc)
        yield server
    finally:
        server.stop()


@pytest.fixture
def panel_server(tmp_path):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "panel",
        "serve",
        "pineopt/ui/explorer.py",
        "--address=127.0.0.1",
        f"--port={port}",
        f"--allow-websocket-origin=127.0.0.1:{port}",
    ]
    server = Server("panel", command, port, tmp_path / "panel.log")
    try:
        wait_for_port(port, server.proc)
        yield server
    finally:
        server.stop()


def _expected(inputs: dict | None = None) -> dict[str, str]:
    dataset = last_bars(pineopt.load("BTCUSDT", "1D", provider="sample"), 5000)
    result = pineopt.run(SCRIPT, dataset, inputs=inputs)
    return {key: format_number(result.metrics["all"].get(key), key) for key, _ in HEADLINE}, result


def _metric(page, key: str) -> str:
    return page.locator(f"[data-metric={key}]").first.inner_text().strip()


def _record(name: str, seconds: float) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "ready_seconds.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = {"seconds_to_ready": round(seconds, 2), "page_loads": 1}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"{name}: page ready {seconds:.1f} s after the server started (1 load)")


def _exercise(browser, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(90_000)
    external: list[str] = []

    def guard(route):
        external.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(server.origin), guard)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text[:300]) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)[:300]))
    themes: list[int] = []
    page.on("response", lambda r: themes.append(r.status) if "/theme-chrome.js" in r.url else None)
    try:
        run = page.locator("button", has_text="Run").first
        # One load must do: the first page load renders the app (no reload to paper over
        # "Could not create a view for model id"; see pineopt/ui/assets.py).
        page.goto(server.url, timeout=120_000)
        run.wait_for(timeout=60_000)
        _record(server.name, time.monotonic() - server.started)

        expected, result = _expected()
        run.click()
        page.wait_for_selector("[data-metric=net_profit]")
        for key, _label in HEADLINE:
            assert _metric(page, key) == expected[key], key
        assert page.locator("canvas").count() > 0

        page.get_by_text("Trades", exact=True).first.click()
        first = result.trades.iloc[0]
        stamp = first["entry_time"].strftime("%Y-%m-%d %H:%M")
        row = page.locator(".tabulator-row", has_text=stamp).first
        row.wait_for()
        assert str(first["direction"]) in row.inner_text()
        page.get_by_text("Chart", exact=True).first.click()

        # change an input widget, run again: the metrics follow
        changed, _ = _expected({"fastLength": 20})
        assert changed["net_profit"] != expected["net_profit"]
        field = page.locator(".bk-input-group", has_text="Fast length").locator("input").first
        field.fill("20")
        field.press("Enter")
        page.wait_for_timeout(300)
        run.click()
        sync_api.expect(page.locator("[data-metric=net_profit]").first).to_have_text(
            changed["net_profit"], timeout=60_000
        )
        for key, _label in HEADLINE:
            assert _metric(page, key) == changed[key], key

        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{server.name}_explorer.png"), full_page=True)
        assert not external, f"requests left 127.0.0.1: {sorted(set(external))}"
        assert not errors, f"console errors: {errors}"
        assert themes and set(themes) <= {200, 304}, f"Ace's theme: {themes}"
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{server.name}_failure.png"), full_page=True)
        print("browser console errors:", *errors[-20:], sep="\n  ")
        print(server.log.read_text()[-4000:] if server.log.exists() else "(no server log)")
        raise
    finally:
        page.close()


def test_voila_explorer(browser, voila_server):
    _exercise(browser, voila_server)


def test_voila_preview_explorer(browser, voila_preview_server):
    _exercise(browser, voila_preview_server)


def test_panel_serve_explorer(browser, panel_server):
    _exercise(browser, panel_server)
