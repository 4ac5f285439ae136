"""The rules that keep the explorer offline-clean under Voilà (pineopt/ui/assets.py); the
browser tests (test_browser.py) check the result."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import threading
import time

import pytest

from pineopt.ui import assets


def test_the_cdn_root_is_the_templates_static_folder():
    assert assets.cdn_root() == "/voila/templates/pineopt/static/panel/"
    assert assets.cdn_root("/jupyter/") == "/jupyter/voila/templates/pineopt/static/panel/"


def test_the_cdn_root_is_relative_to_the_page():
    """Panel makes URLs that start with ``/`` page-relative: the root is written that way."""
    assert assets.cdn_root("/", "/") == "voila/templates/pineopt/static/panel/"
    preview = "/voila/render/dashboards/strategy_explorer.ipynb"
    assert assets.cdn_root("/", preview) == "../../templates/pineopt/static/panel/"
    assert assets.cdn_root("/lab/", "/lab/voila/render/x.ipynb") == (
        "../templates/pineopt/static/panel/"
    )


def _in_a_fresh_interpreter(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PANEL_", "VOILA_"))}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )


def test_outside_voila_configure_panel_does_nothing():
    code = (
        "import os, sys\n"
        "from pineopt.ui.assets import configure_panel\n"
        "configure_panel()\n"
        "print('panel' in sys.modules, os.environ.get('PANEL_CDN_ROOT'))\n"
    )
    done = _in_a_fresh_interpreter(code)
    assert done.stdout.split() == ["False", "None"], done.stderr


def test_under_voila_panel_must_not_be_imported_first():
    code = "import panel\nfrom pineopt.ui.assets import configure_panel\nconfigure_panel()\n"
    done = _in_a_fresh_interpreter(code, VOILA_BASE_URL="/")
    assert done.returncode == 1
    assert "must run before Panel is imported" in done.stderr


@pytest.mark.slow
def test_prepare_assets_links_panel_and_bokeh_and_writes_the_preload(tmp_path):
    template = assets.prepare_assets(tmp_path)
    assert template == tmp_path / "voila" / "templates" / "pineopt"
    dist, version = assets._panel_dist()
    linked = template / "static" / "panel" / version / "dist" / "panel.min.js"
    if os.stat(tmp_path).st_dev == os.stat(dist).st_dev:  # across file systems: a copy
        assert linked.samefile(dist / "panel.min.js")  # a hard link, no bytes copied
    assert linked.read_bytes() == (dist / "panel.min.js").read_bytes()
    preload = (template / assets.PRELOAD).read_text()
    assert preload.count("<script") == len(assets.BOKEH_BUNDLES) + 1 + len(
        assets._extension_scripts()
    )
    assert "/ace.js" in preload and "{{ resources.base_url }}voila/templates/pineopt/" in preload
    stamp = template / "static" / "SOURCE"
    before = stamp.stat().st_mtime_ns
    assets.prepare_assets(tmp_path)  # up to date: nothing is redone
    assert stamp.stat().st_mtime_ns == before


@pytest.mark.slow
def test_kernels_that_find_the_assets_stale_at_once_take_turns(tmp_path, monkeypatch):
    """Two dashboards opened together after an upgrade: each kernel's configure_panel() finds
    the assets stale; they are made once, whole, and neither fails."""
    made = []
    preload = assets._preload_html

    def slow_preload(*args):  # widens the window in which the two would collide
        made.append(threading.get_ident())
        time.sleep(0.3)
        return preload(*args)

    monkeypatch.setattr(assets, "_preload_html", slow_preload)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: assets.prepare_assets(tmp_path), range(2)))
    assert results[0] == results[1] == tmp_path / "voila" / "templates" / "pineopt"
    assert len(made) == 1  # the second found them made by the first
    dist, version = assets._panel_dist()
    linked = results[0] / "static" / "panel" / version / "dist" / "panel.min.js"
    assert linked.read_bytes() == (dist / "panel.min.js").read_bytes()
