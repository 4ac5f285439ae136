"""PineOpt in Jupyter: ``%load_ext pineopt`` registers the magics and the rich display.

* ``%%pine --data BTCUSDT_1h [--input Length=20] [--as r] [--interactive] [--no-chart]``:
  convert and run the cell's Pine script, show its chart (and a strategy's Performance
  Summary), bind the :class:`~pineopt.runtime.engine.Result` (default ``_pine``);
* ``%pine_convert PATH`` / ``%%pine_convert``: the Python the script converts to;
* ``%pine_data`` lists the bundled samples and cached series, ``%pine_data BTCUSDT 1h``
  loads one (bound to ``_pine_data``).

The rich display is registered as IPython ``text/html`` formatters (see
:mod:`pineopt.jupyter.display`); the runtime classes know nothing of Jupyter.

:mod:`pineopt.jupyter.server_extension` is the Jupyter *server* side: live diagnostics and the
built-ins for Pine editors (enabled by the installed ``jupyter_server_config.d/pineopt.json``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics and the ``text/html`` formatters with ``ipython``."""
    from pineopt.jupyter.display import register_formatters
    from pineopt.jupyter.magics import PineMagics

    ipython.register_magics(PineMagics)
    register_formatters(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the formatters (IPython keeps magics once registered)."""
    from pineopt.jupyter.display import unregister_formatters

    unregister_formatters(ipython)
