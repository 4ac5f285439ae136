"""Keep the explorer offline-clean under Voilà: every resource from the Voilà server itself.

``panel serve`` serves Panel's JavaScript and stylesheets itself. Inside Voilà, Panel renders
through ipywidgets (``jupyter_bokeh``) with its JavaScript inlined, but its components link
their stylesheets (and Ace its theme) from ``PANEL_CDN_ROOT``, by default ``cdn.holoviz.org``.
Two pieces of installed Jupyter data make Voilà serve them instead:

* the Voilà template ``pineopt`` (installed from ``dashboards/jupyter/voila/templates/pineopt``
  into ``share/jupyter``, chosen by the notebook's metadata ``"voila": {"template":
  "pineopt"}``): Voilà's ``lab`` template without its CDN links, which loads the scripts of
  ``pineopt_preload.html.j2`` after the last cell, before Voilà's own script;
* :func:`prepare_assets` puts in that template's ``static/`` folder Panel's ``dist`` directory
  and BokehJS's bundles, as hard links to the installed files (a copy across file systems;
  Voilà refuses symbolic links that leave the folder), and writes ``pineopt_preload.html.j2``:
  ``<script>`` tags for BokehJS, Panel and the scripts of :data:`EXTENSIONS`. Voilà serves
  the folder at ``<base_url>voila/templates/pineopt/static/``, standalone or as the Jupyter
  server's extension (JupyterLab's Voilà preview).

The notebook's first cell calls :func:`configure_panel` before it imports Panel: under Voilà
it points ``PANEL_CDN_ROOT`` at that folder (no environment variable to set by hand), makes
the assets if they are missing or stale (the template includes the preload file after the
cells ran, so even the first page load finds it), and sets Panel's comms and inlining.
``make install`` runs ``python -m pineopt.ui.assets install`` to make them beforehand.

Why preload: without it, the only loader of BokehJS is the output of ``pn.extension``, which
runs BokehJS after fetching the extensions' scripts, while Voilà's widget manager creates the
app's view (jupyter_bokeh's ``BokehView``, which needs ``window.Bokeh``) as soon as the kernel
is connected; whichever came first decided between the app and "Could not create a view for
model id ...". Ace, loaded by ``src``, also knows its folder and finds its theme there
(inlined, it asked for ``theme-chrome.js`` next to the page).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import posixpath
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "EXTENSIONS",
    "TEMPLATE",
    "asset_root",
    "cdn_root",
    "configure_panel",
    "prepare_assets",
]

TEMPLATE = "pineopt"
#: the Panel extensions the notebook loads (``pn.extension(*EXTENSIONS)``)
EXTENSIONS = ("tabulator", "codeeditor")
#: the BokehJS bundles Panel inlines in a notebook, in load order (before ``panel.min.js``)
BOKEH_BUNDLES = ("bokeh", "bokeh-gl", "bokeh-widgets", "bokeh-tables")
PRELOAD = "pineopt_preload.html.j2"


def _panel_dist() -> tuple[Path, str]:
    from panel.io.resources import DIST_DIR, JS_VERSION

    return Path(DIST_DIR), str(JS_VERSION)


def _bokeh_dist() -> tuple[Path, str]:
    import bokeh
    from bokeh.util.paths import bokehjs_path

    return Path(bokehjs_path()) / "js", str(bokeh.__version__)


def asset_root() -> Path:
    """The Jupyter data directory that holds the assets: this environment's
    (``sys.prefix/share/jupyter``, where the template is installed) when it can be written,
    else the user's (``~/.local/share/jupyter``). Voilà searches both."""
    from jupyter_core.paths import ENV_JUPYTER_PATH, jupyter_data_dir

    env = Path(ENV_JUPYTER_PATH[0])
    probe = env
    while not probe.exists():
        probe = probe.parent
    return env if os.access(probe, os.W_OK) else Path(jupyter_data_dir())


def prepare_assets(data_dir: str | Path | None = None) -> Path:
    """Put ``panel/<version>/dist`` (the installed Panel's ``dist`` directory) and
    ``bokeh/<version>/`` (BokehJS's bundles) in the ``static`` folder of the ``pineopt`` Voilà
    template of ``data_dir`` (default :func:`asset_root`), and ``pineopt_preload.html.j2``
    (their ``<script>`` tags) in the template folder. Does nothing when they match the
    installed Panel, Bokeh and :data:`EXTENSIONS`. Returns the template folder.

    Two kernels that find the assets stale at once (two dashboards opened right after an
    upgrade) take turns: the second finds them made by the first (:func:`_one_at_a_time`)."""
    root = Path(data_dir) if data_dir is not None else asset_root()
    dist, version = _panel_dist()
    bokeh_js, bokeh_version = _bokeh_dist()
    template = root / "voila" / "templates" / TEMPLATE
    target = template / "static" / "panel" / version / "dist"
    bokeh_target = template / "static" / "bokeh" / bokeh_version
    preload = template / PRELOAD
    stamp = template / "static" / "SOURCE"
    source = "\n".join([str(dist), str(bokeh_js), ",".join(EXTENSIONS)])

    def made() -> bool:
        return stamp.is_file() and stamp.read_text(encoding="utf-8") == source and preload.is_file()

    if made():
        return template
    with _one_at_a_time(template / "static"):
        if made():
            return template
        for old in (target.parents[1], bokeh_target.parent):  # every version's
            if old.is_dir():
                shutil.rmtree(old)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(dist, target, copy_function=_link_or_copy)
        bokeh_target.mkdir(parents=True)
        for bundle in BOKEH_BUNDLES:
            _link_or_copy(
                str(bokeh_js / f"{bundle}.min.js"), str(bokeh_target / f"{bundle}.min.js")
            )
        preload.write_text(_preload_html(version, bokeh_version), encoding="utf-8")
        stamp.write_text(source, encoding="utf-8")
    return template


@contextlib.contextmanager
def _one_at_a_time(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder/.lock`` (``flock``: processes and threads alike wait
    for it; released if the holder dies). Where there is no ``fcntl`` (Windows) nothing is
    locked."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _extension_scripts() -> list[str]:
    """The scripts ``pn.extension(*EXTENSIONS)`` loads, relative to ``PANEL_CDN_ROOT``
    (computed in a child process: ``pn.extension`` changes Panel's global state)."""
    code = (
        "import json, panel as pn\n"
        "from panel.io.resources import Resources\n"
        f"pn.extension(*{list(EXTENSIONS)!r})\n"
        "print(json.dumps(Resources(mode='cdn').js_files))\n"
    )
    marker = "https://pineopt.invalid/panel/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANEL_")}
    env["PANEL_CDN_ROOT"] = marker
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout
    files = json.loads(out.strip().splitlines()[-1])
    return [f[len(marker) :] for f in files if f.startswith(marker)]


def _preload_html(panel_version: str, bokeh_version: str) -> str:
    static = "{{ resources.base_url }}voila/templates/" + TEMPLATE + "/static/"
    urls = [f"{static}bokeh/{bokeh_version}/{bundle}.min.js" for bundle in BOKEH_BUNDLES]
    urls.append(f"{static}panel/{panel_version}/dist/panel.min.js")
    urls += [static + "panel/" + path for path in _extension_scripts()]
    lines = [
        "{#- Written by pineopt.ui.assets.prepare_assets: BokehJS, Panel and the extensions'",
        "scripts, loaded before Voilà creates the app's view. -#}",
    ]
    lines += [f'<script type="text/javascript" src="{url}"></script>' for url in urls]
    return "\n".join(lines) + "\n"


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def cdn_root(base_url: str = "/", page: str | None = None) -> str:
    """``PANEL_CDN_ROOT`` for a Voilà server at ``base_url``: Panel then asks for
    ``<root><version>/dist/...``, which Voilà serves from the template's static folder.

    Given the path of the ``page`` that shows the dashboard, the root is relative to it:
    Panel makes every URL that starts with its own base URL (``/``) relative to the page, so
    ``/voila/...`` would only work for a page at the server's root, not for JupyterLab's
    preview at ``/voila/render/NOTEBOOK``."""
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    root = f"{base}voila/templates/{TEMPLATE}/static/panel/"
    if page is None:
        return root
    return posixpath.relpath(root, posixpath.dirname(page) or "/") + "/"


def configure_panel() -> None:
    """Under Voilà (its kernels have ``VOILA_BASE_URL`` and ``VOILA_REQUEST_URL``): Panel's
    resources from the Voilà server (:func:`cdn_root`; the assets made if needed), rendered
    through ipywidgets with its JavaScript inlined; ``PANEL_CDN_ROOT``, ``PANEL_COMMS`` and
    ``PANEL_INLINE`` win when set. Call it before importing Panel: Panel reads its CDN root
    once, on import. Elsewhere (``panel serve``, JupyterLab) it does nothing: Panel serves
    itself there."""
    base_url = os.environ.get("VOILA_BASE_URL")
    if base_url is None:
        return
    if "panel" in sys.modules and "PANEL_CDN_ROOT" not in os.environ:
        raise RuntimeError(
            "configure_panel() must run before Panel is imported (Panel reads its CDN root "
            "on import); call it in the notebook's first cell"
        )
    page = urlsplit(os.environ.get("VOILA_REQUEST_URL", "")).path or None
    os.environ.setdefault("PANEL_CDN_ROOT", cdn_root(base_url, page))
    prepare_assets()
    import panel as pn

    if not os.environ.get("PANEL_COMMS"):
        pn.config.comms = "ipywidgets"
    if not os.environ.get("PANEL_INLINE"):
        pn.config.inline = True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pineopt.ui.assets",
        description="Make the assets that keep the strategy explorer offline-clean in Voilà.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="hard-link Panel's and Bokeh's files (see above)")
    install.add_argument("--data-dir", help="a Jupyter data directory (default: see asset_root)")
    args = parser.parse_args(argv)
    print(prepare_assets(args.data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
