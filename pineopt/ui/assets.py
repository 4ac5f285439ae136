"""Keep the explorer offline-clean under Voilà: every resource from the Voilà server itself.

``panel serve`` serves Panel's JavaScript and stylesheets itself. Inside Voilà, Panel renders
through ipywidgets (``PANEL_COMMS=ipywidgets``, and ``jupyter_bokeh`` installed) with its
JavaScript inlined (``PANEL_INLINE=true``), but its components still link stylesheets from
``cdn.holoviz.org`` and Voilà's default template links Font Awesome from a CDN. So:

* ``dashboards/jupyter/voila/templates/pineopt`` is a Voilà template (found through
  ``JUPYTER_PATH``) without the CDN links;
* :func:`prepare_assets` makes a second Jupyter data directory whose ``pineopt`` template
  ``static/`` folder holds Panel's ``dist`` directory and BokehJS (hard links), which Voilà
  serves under ``/voila/templates/pineopt/static/``; ``PANEL_CDN_ROOT`` points Panel there.

It also writes that template's ``pineopt_preload.html.j2``: plain ``<script>`` tags for BokehJS,
Panel's JavaScript and the extensions' scripts, which our ``index.html.j2`` puts in the page
head. Without them the page only loads BokehJS through the output of ``pn.extension``, which
runs it *after* fetching the extensions' scripts asynchronously, while Voilà's widget manager
creates the app's view (jupyter_bokeh's ``BokehView``, which needs ``window.Bokeh`` in its
constructor) as soon as the kernel is connected: whichever came first decided between the app
and "Could not create a view for model id ...". Loaded in the head, BokehJS and Panel are
there before Voilà's own script runs, and the ``pn.extension`` output finds them loaded.

:func:`voila_environment` returns the environment Voilà needs (``PANEL_COMMS``,
``PANEL_INLINE``, ``PANEL_CDN_ROOT``, ``JUPYTER_PATH``); :func:`voila_command` the command line.
From a shell::

    python -m pineopt.ui.assets voila dashboards/strategy_explorer.ipynb --port 8866
    eval "$(python -m pineopt.ui.assets env)"   # the variables, for a hand-written voila call
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "EXTENSIONS",
    "TEMPLATE",
    "TEMPLATE_ROOT",
    "cdn_root",
    "configure_panel",
    "prepare_assets",
    "voila_command",
    "voila_environment",
]

ROOT = Path(__file__).resolve().parents[2]
#: the Jupyter data directory holding our Voilà template (``voila/templates/pineopt``)
TEMPLATE_ROOT = ROOT / "dashboards" / "jupyter"
TEMPLATE = "pineopt"
NOTEBOOK = ROOT / "dashboards" / "strategy_explorer.ipynb"
#: the Panel extensions the notebook loads (``pn.extension(*EXTENSIONS)``)
EXTENSIONS = ("tabulator", "codeeditor")
#: the BokehJS bundles Panel inlines in a notebook, in load order (before ``panel.min.js``)
BOKEH_BUNDLES = ("bokeh", "bokeh-gl", "bokeh-widgets", "bokeh-tables")
PRELOAD = "pineopt_preload.html.j2"


def _panel_dist() -> tuple[Path, str]:
    from panel.io.resources import DIST_DIR, JS_VERSION

    return Path(DIST_DIR), str(JS_VERSION)


def default_asset_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pineopt" / "voila-assets"


def _bokeh_dist() -> tuple[Path, str]:
    import bokeh
    from bokeh.util.paths import bokehjs_path

    return Path(bokehjs_path()) / "js", str(bokeh.__version__)


def prepare_assets(asset_dir: str | Path | None = None) -> Path:
    """Make ``asset_dir`` a Jupyter data directory whose ``pineopt`` Voilà template static
    folder holds ``panel/<version>/dist`` (the installed Panel's ``dist`` directory) and
    ``bokeh/<version>/`` (BokehJS's bundles), as hard links (a copy across file systems), and
    whose template folder holds ``pineopt_preload.html.j2`` (their ``<script>`` tags). Symbolic
    links would not do: Voilà refuses files whose real path lies outside the static folder.
    Returns ``asset_dir``."""
    root = Path(asset_dir) if asset_dir is not None else default_asset_dir()
    dist, version = _panel_dist()
    bokeh_js, bokeh_version = _bokeh_dist()
    template = root / "voila" / "templates" / TEMPLATE
    target = template / "static" / "panel" / version / "dist"
    bokeh_target = template / "static" / "bokeh" / bokeh_version
    preload = template / PRELOAD
    stamp = target.parent / "SOURCE"
    source = "\n".join([str(dist), str(bokeh_js), ",".join(EXTENSIONS)])
    if (
        stamp.is_file()
        and stamp.read_text(encoding="utf-8") == source
        and target.is_dir()
        and bokeh_target.is_dir()
        and preload.is_file()
    ):
        return root
    for old in (target, bokeh_target):
        if old.is_symlink() or old.is_file():
            old.unlink()
        elif old.is_dir():
            shutil.rmtree(old)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(dist, target, copy_function=_link_or_copy)
    bokeh_target.mkdir(parents=True)
    for bundle in BOKEH_BUNDLES:
        _link_or_copy(str(bokeh_js / f"{bundle}.min.js"), str(bokeh_target / f"{bundle}.min.js"))
    preload.write_text(_preload_html(version, bokeh_version), encoding="utf-8")
    stamp.write_text(source, encoding="utf-8")
    return root


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


def cdn_root(base_url: str = "/") -> str:
    """``PANEL_CDN_ROOT`` for a Voilà server at ``base_url``: Panel then asks for
    ``<root><version>/dist/...``, which Voilà serves from the template's static folder."""
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    return f"{base}voila/templates/{TEMPLATE}/static/panel/"


def voila_environment(
    env: Mapping[str, str] | None = None,
    *,
    asset_dir: str | Path | None = None,
    base_url: str = "/",
) -> dict[str, str]:
    """``env`` (default: this process's) plus what the explorer needs under Voilà."""
    out = dict(os.environ if env is None else env)
    assets = prepare_assets(asset_dir)
    paths = [str(TEMPLATE_ROOT), str(assets)]
    if out.get("JUPYTER_PATH"):
        paths.append(out["JUPYTER_PATH"])
    out.update(
        PANEL_COMMS="ipywidgets",
        PANEL_INLINE="true",
        PANEL_CDN_ROOT=cdn_root(base_url),
        JUPYTER_PATH=os.pathsep.join(paths),
    )
    return out


def voila_command(
    notebook: str | Path = NOTEBOOK,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    extra: Sequence[str] = (),
) -> list[str]:
    """The ``voila`` command line serving ``notebook`` with our template."""
    voila = Path(sys.executable).with_name("voila")
    args = [str(voila) if voila.exists() else "voila", str(notebook), "--no-browser"]
    args += [f"--port={port}", f"--Voila.ip={ip}", f"--template={TEMPLATE}"]
    return [*args, *extra]  # (voila, unlike ``jupyter``, runs as root without --allow-root)


def configure_panel() -> None:
    """In a Jupyter kernel (Voilà, a notebook), render Panel through ipywidgets with its
    JavaScript inlined, unless the environment already says otherwise. Call it before
    ``pn.extension``. Under ``panel serve`` it does nothing."""
    if "ipykernel" not in sys.modules:
        return
    import panel as pn

    if not os.environ.get("PANEL_COMMS"):
        pn.config.comms = "ipywidgets"
    if not os.environ.get("PANEL_INLINE"):
        pn.config.inline = True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pineopt.ui.assets",
        description="Serve the strategy explorer in Voilà, offline-clean.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    env_cmd = sub.add_parser("env", help="print the environment variables as shell exports")
    env_cmd.add_argument("--base-url", default="/")
    serve = sub.add_parser("voila", help="run voila on the dashboard with our template")
    serve.add_argument("notebook", nargs="?", default=str(NOTEBOOK))
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument("--ip", default="127.0.0.1")
    args, extra = parser.parse_known_args(argv)
    if args.command == "env":
        env = voila_environment({}, base_url=args.base_url)
        for key in ("PANEL_COMMS", "PANEL_INLINE", "PANEL_CDN_ROOT"):
            print(f"export {key}={shlex.quote(env[key])}")
        current = os.environ.get("JUPYTER_PATH")
        path = env["JUPYTER_PATH"] + (os.pathsep + current if current else "")
        print(f"export JUPYTER_PATH={shlex.quote(path)}")
        return 0
    command = voila_command(args.notebook, port=args.port, ip=args.ip, extra=extra)
    env = voila_environment()
    print(" ".join(shlex.quote(c) for c in command), file=sys.stderr)
    os.execvpe(command[0], command, env)
    return 0  # pragma: no cover - exec does not return


if __name__ == "__main__":
    sys.exit(main())
