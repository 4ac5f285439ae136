"""Keep the explorer offline-clean under Voilà: every resource from the Voilà server itself.

``panel serve`` serves Panel's JavaScript and stylesheets itself. Inside Voilà, Panel renders
through ipywidgets (``PANEL_COMMS=ipywidgets``, and ``jupyter_bokeh`` installed) with its
JavaScript inlined (``PANEL_INLINE=true``), but its components still link stylesheets from
``cdn.holoviz.org`` and Voilà's default template links Font Awesome from a CDN. So:

* ``dashboards/jupyter/voila/templates/pineopt`` is a Voilà template (found through
  ``JUPYTER_PATH``) without the CDN links;
* :func:`prepare_assets` makes a second Jupyter data directory whose ``pineopt`` template
  ``static/`` folder holds Panel's ``dist`` directory (hard links), which Voilà serves under
  ``/voila/templates/pineopt/static/``; ``PANEL_CDN_ROOT`` points Panel there.

:func:`voila_environment` returns the environment Voilà needs (``PANEL_COMMS``,
``PANEL_INLINE``, ``PANEL_CDN_ROOT``, ``JUPYTER_PATH``); :func:`voila_command` the command line.
From a shell::

    python -m pineopt.ui.assets voila dashboards/strategy_explorer.ipynb --port 8866
    eval "$(python -m pineopt.ui.assets env)"   # the variables, for a hand-written voila call
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
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


def _panel_dist() -> tuple[Path, str]:
    from panel.io.resources import DIST_DIR, JS_VERSION

    return Path(DIST_DIR), str(JS_VERSION)


def default_asset_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pineopt" / "voila-assets"


def prepare_assets(asset_dir: str | Path | None = None) -> Path:
    """Make ``asset_dir`` a Jupyter data directory whose ``pineopt`` Voilà template static
    folder holds ``panel/<version>/dist``: the installed Panel's ``dist`` directory as hard
    links (a copy across file systems). Symbolic links would not do: Voilà refuses files
    whose real path lies outside the static folder. Returns ``asset_dir``."""
    root = Path(asset_dir) if asset_dir is not None else default_asset_dir()
    dist, version = _panel_dist()
    target = root / "voila" / "templates" / TEMPLATE / "static" / "panel" / version / "dist"
    stamp = target.parent / "SOURCE"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == str(dist) and target.is_dir():
        return root
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(dist, target, copy_function=_link_or_copy)
    stamp.write_text(str(dist), encoding="utf-8")
    return root


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
