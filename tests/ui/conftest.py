"""The browser the dashboard and JupyterLab tests drive: Debian's Chromium, one per module."""

from __future__ import annotations

import pytest
from local_servers import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing"
    )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
