"""Interactive front ends of PineOpt (optional: they need ``panel``).

:mod:`pineopt.ui.explorer` is the Strategy explorer, a Panel app that runs under
``panel serve pineopt/ui/explorer.py`` and, through ``dashboards/strategy_explorer.ipynb``,
under Voilà; :mod:`pineopt.ui.saved` is its Saved tab (the store's strategies and backtests).
:mod:`pineopt.ui.assets` keeps it offline-clean under Voilà (Panel's files served by Voilà from
the installed ``pineopt`` template instead of from its CDN).
"""

__all__ = ["StrategyExplorer", "build_app"]


def __getattr__(name: str):  # imported on first use: ``import pineopt.ui`` stays light
    if name in __all__:
        from pineopt.ui import explorer

        return getattr(explorer, name)
    raise AttributeError(f"module 'pineopt.ui' has no attribute {name!r}")
