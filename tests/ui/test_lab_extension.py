"""The JupyterLab extension (``extensions/jupyterlab-pineopt/``) in a real JupyterLab and browser.

JupyterLab starts on a free 127.0.0.1 port with throwaway Jupyter config, data, runtime, settings
and workspace folders (the developer's own settings do not leak in), PineOpt's server extension
enabled, and the committed build of the extension found through ``JUPYTER_PATH``. Debian's
Chromium, driven by Python playwright, may only reach that server: any other request is recorded,
aborted and fails the test, as does any console error. Screenshots and the seconds JupyterLab
takes to show a highlighted ``%%pine`` cell are written under ``outputs/screenshots/``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
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

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "extensions" / "jupyterlab-pineopt" / "labextension"
SHOTS = ROOT / "outputs" / "screenshots"
SERVER_EXTENSION = "pineopt.jupyter.server_extension"
HAS_SERVER_EXTENSION = importlib.util.find_spec(SERVER_EXTENSION) is not None
needs_server_extension = pytest.mark.skipif(
    not HAS_SERVER_EXTENSION, reason=f"{SERVER_EXTENSION} is missing (the endpoints it serves)"
)

pytestmark = [
    pytest.mark.slow,
    needs_chromium,
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

PINE_CELL = """%%pine --data BTCUSDT_1D
//@version=6
// fast and slow averages
strategy("SMA cross", overlay=true)
fast = ta.sma(close, 50)
if ta.crossover(fast, ta.sma(close, 200))
    strategy.entry("Long", strategy.long)
plot(fast, color=#FF8800)"""
PYTHON_CELL = "x = 1  # plain Python\nprint(x)"
SETTINGS = {
    "@jupyterlab/completer-extension/manager": {"showDocumentationPanel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


def _notebook() -> dict:
    def cell(number: int, source: str) -> dict:
        lines = source.splitlines(keepends=True)
        return {"cell_type": "code", "execution_count": None, "id": f"cell-{number}",
                "metadata": {}, "outputs": [], "source": lines}  # fmt: skip

    return {
        "cells": [cell(1, PINE_CELL), cell(2, PYTHON_CELL), cell(3, "")],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _installed_labextensions() -> list[str]:
    """The names of the prebuilt JupyterLab extensions installed where JupyterLab looks."""
    from jupyter_core.paths import jupyter_path
    from jupyterlab_server.config import get_federated_extensions

    return sorted(get_federated_extensions(jupyter_path("labextensions")))


class Lab:
    """A JupyterLab server in its own folders; ``stop`` ends it by its PID."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.root = folder / "root"
        self.log = folder / "lab.log"
        env = dict(os.environ)
        for name in ("config", "data", "runtime", "settings", "workspaces", "ipython", "path"):
            (folder / name).mkdir()
            env_name = {"config": "JUPYTER_CONFIG_DIR", "data": "JUPYTER_DATA_DIR",
                        "runtime": "JUPYTER_RUNTIME_DIR", "settings": "JUPYTERLAB_SETTINGS_DIR",
                        "workspaces": "JUPYTERLAB_WORKSPACES_DIR", "ipython": "IPYTHONDIR",
                        "path": "JUPYTER_PATH"}[name]  # fmt: skip
            env[env_name] = str(folder / name)
        # the committed build, found first on the Jupyter data path
        (folder / "path" / "labextensions").mkdir()
        (folder / "path" / "labextensions" / "jupyterlab-pineopt").symlink_to(BUILD)
        config = {"ServerApp": {"jpserver_extensions": {SERVER_EXTENSION: True}}}
        (folder / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
        # JupyterLab's debugger asks the kernel for its state when it connects, and the other
        # installed extensions (widgets, Bokeh, Panel...) open comms on a kernel start: a restart
        # or a reload that cancels those requests logs errors of theirs ("Canceled future for
        # create_subshell_request", "Comm not found"). They are off here, so a console error is
        # ours or JupyterLab's own
        (folder / "config" / "labconfig").mkdir()
        others = [name for name in _installed_labextensions() if name != "jupyterlab-pineopt"]
        disabled = ["@jupyterlab/debugger-extension", *others]
        page_config = {"disabledExtensions": dict.fromkeys(disabled, True)}
        (folder / "config" / "labconfig" / "page_config.json").write_text(json.dumps(page_config))
        # the completer shows the documentation of the chosen item; no news question pops up
        for plugin, values in SETTINGS.items():
            path = folder / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        self.root.mkdir()
        (self.root / "pine_cells.ipynb").write_text(json.dumps(_notebook()))
        shutil.copy(ROOT / "examples" / "sma_cross_strategy.pine", self.root / "sma.pine")
        command = jupyter_server_command(
            "jupyterlab",
            self.port,
            f"--ServerApp.root_dir={self.root}",
            "--IdentityProvider.token=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        )
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            command, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait(self, timeout: float = 60.0) -> None:
        wait_for_port(self.port, self.proc, timeout, self.tail)

    def tail(self) -> str:
        return self.log.read_text()[-4000:] if self.log.exists() else "(no log)"

    def stop(self) -> None:
        stop(self.proc)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser, lab, request):
    """A page that may reach only the server, with no console error when the test ends."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.set_default_timeout(30_000)
    external: list[str] = []
    errors: list[str] = []

    def guard(route):
        external.append(route.request.url)
        route.abort()

    page.route(lambda url: not re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", url), guard)
    page.on("console", lambda m: errors.append(m.text[:300]) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"[:300]))
    # the console names no URL when a resource fails: say which
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    failures = request.session.testsfailed
    yield page
    if request.session.testsfailed > failures or external or errors:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"lab_{request.node.name}_failure.png"))
        print(lab.tail())
    page.close()
    assert not external, f"requests left 127.0.0.1: {sorted(set(external))}"
    assert not errors, f"console errors: {errors}"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _record(name: str, seconds: float) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / "lab_extension_seconds.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = round(seconds, 2)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"{name}: {seconds:.1f} s")


def _open_notebook(page, lab: Lab):
    page.goto(f"{lab.url}lab/tree/pine_cells.ipynb?reset")
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")


def _editor(notebook, index: int):
    return notebook.locator(".jp-Cell").nth(index).locator(".cm-content")


def _colors(content) -> dict[str, str]:
    """The computed colour of the editor's plain text ('') and of each styled token's text."""
    return content.evaluate(
        """content => {
            const colors = {'': getComputedStyle(content.querySelector('.cm-line')).color};
            for (const span of content.querySelectorAll('.cm-line span')) {
                colors[span.textContent] = getComputedStyle(span).color;
            }
            return colors;
        }"""
    )


def _wait_idle(page) -> None:
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()


def _type_cell(page, notebook, index: int, text: str) -> None:
    """Replace the text of a cell by typing ``text`` (newlines are Enter presses)."""
    _editor(notebook, index).click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def test_pine_cells_are_highlighted_and_follow_the_magic(page, lab):
    started = time.monotonic()
    notebook = _open_notebook(page, lab)
    pine, python = _editor(notebook, 0), _editor(notebook, 1)
    pine.wait_for()
    shown = time.monotonic()
    pine.and_(page.locator("[data-language='pine']")).wait_for()
    pine.locator("span", has_text=re.compile(r"^if$")).first.wait_for()
    highlighted = time.monotonic()
    _record("server_start_to_highlighted_pine_cell", highlighted - lab.started)
    _record("page_load_to_highlighted_pine_cell", highlighted - started)
    _record("cell_shown_to_highlighted_as_pine", highlighted - shown)
    # (the Python cell waits for the kernel's language info, or for JupyterLab's default)
    sync_api.expect(python).to_have_attribute("data-language", "python")

    colors = _colors(pine)
    plain = colors[""]
    styled = {
        "keyword": colors["if"],
        "string": colors['"SMA cross"'],
        "comment": colors["// fast and slow averages"],
        "annotation": colors["//@version=6"],
        "built-in function": colors["ta.sma"],
        "number": colors["50"],
        "colour literal": colors["#FF8800"],
    }
    assert all(color != plain for color in styled.values()), (plain, styled)
    assert len({styled["keyword"], styled["string"], styled["comment"]}) == 3, styled
    assert "fast" not in colors  # a user's variable is plain text

    # the kernel's language info arrives after the cells exist: the Pine cell stays Pine
    _wait_idle(page)
    assert pine.get_attribute("data-language") == "pine"
    _shot(page, "lab_pine_cell")

    # removing the magic gives the cell back to the kernel's language; undo brings Pine back
    pine.locator(".cm-line").first.click()
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Delete")
    sync_api.expect(pine).to_have_attribute("data-language", "python")
    page.keyboard.press("Control+z")
    sync_api.expect(pine).to_have_attribute("data-language", "pine")

    # typing a Pine magic into a Python cell makes it Pine
    _type_cell(page, notebook, 2, "%%pine_convert --as converted\nplot(close)")
    sync_api.expect(_editor(notebook, 2)).to_have_attribute("data-language", "pine")

    # a kernel restart sends the language info again
    page.keyboard.press("Escape")
    page.locator("jp-button[data-command='notebook:restart-kernel']").first.click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='restarting']").first.wait_for()
    _wait_idle(page)
    page.wait_for_timeout(500)
    assert pine.get_attribute("data-language") == "pine"
    sync_api.expect(python).to_have_attribute("data-language", "python")

    # and so does reloading the page
    page.reload()
    _wait_idle(page)
    sync_api.expect(_editor(notebook, 0)).to_have_attribute("data-language", "pine")
    sync_api.expect(_editor(notebook, 1)).to_have_attribute("data-language", "python")


def test_pine_file_opens_highlighted_with_its_icon(page, lab):
    page.goto(f"{lab.url}lab/tree/sma.pine?reset")
    editor = page.locator(".jp-FileEditor .cm-content[data-language='pine']")
    editor.wait_for()
    editor.locator("span", has_text=re.compile(r"^strategy\.entry$")).first.wait_for()
    colors = _colors(editor)
    assert colors["//@version=6"] != colors[""]
    assert colors["strategy.entry"] != colors[""]
    item = page.locator(".jp-DirListing-item", has_text="sma.pine")
    icon = item.locator(".jp-DirListing-itemIcon svg")
    assert icon.get_attribute("data-icon") == "jupyterlab-pineopt:pine"
    _shot(page, "lab_pine_file")


@needs_server_extension
def test_completions_offer_builtins_with_signatures(page, lab):
    notebook = _open_notebook(page, lab)
    _wait_idle(page)
    _type_cell(page, notebook, 2, "%%pine\nplot(ta.sm")
    sync_api.expect(_editor(notebook, 2)).to_have_attribute("data-language", "pine")
    page.keyboard.press("Tab")
    # the list offers ta.sma, and only names that start with what was typed
    page.locator(".jp-Completer-item[data-value='ta.sma']").wait_for()
    assert page.locator(".jp-Completer-item[data-value='ta.stdev']").count() == 0
    # the signature comes from the server's built-in table
    docs = page.locator(".jp-Completer-docpanel")
    sync_api.expect(docs).to_contain_text("ta.sma(source, length)")
    _shot(page, "lab_pine_completions")


@needs_server_extension
def test_a_typo_is_underlined_where_it_is(page, lab):
    notebook = _open_notebook(page, lab)
    _wait_idle(page)
    _type_cell(page, notebook, 2, '%%pine\n//@version=6\nindicator("t")\nplot(ta.smaa(close, 14))')
    cell = _editor(notebook, 2)
    underline = cell.locator(".cm-lintRange-error").first
    underline.wait_for()
    line = cell.locator(".cm-line").nth(3)
    # line 4 of the cell, columns 6 to 12: the unknown name
    assert line.locator(".cm-lintRange-error").first.inner_text() == "ta.smaa"
    underline.hover()
    tooltip = page.locator(".cm-tooltip-lint")
    sync_api.expect(tooltip).to_contain_text("ta.smaa")
    _shot(page, "lab_pine_diagnostics")

    # a .pine file is checked as a file: its own lines
    page.goto(f"{lab.url}lab/tree/sma.pine?reset")
    editor = page.locator(".jp-FileEditor .cm-content[data-language='pine']")
    editor.locator(".cm-line", has_text="slow = ta.sma").click()
    page.keyboard.press("End")
    page.keyboard.type(" + nope")
    line = editor.locator(".cm-line").nth(12)  # line 13: slow = ta.sma(close, slowLength)
    sync_api.expect(line.locator(".cm-lintRange-error")).to_have_text("nope")
