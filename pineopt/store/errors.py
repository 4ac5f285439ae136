"""The errors of the store: every one is a :class:`~pineopt.errors.PineOptError`, so the CLI
prints its message on one line and the REST shim turns it into a JSON answer."""

from __future__ import annotations

from typing import Any

from pineopt.errors import PineOptError


class StoreError(PineOptError):
    """The database could not do what was asked: it is unreachable or locked for too long, was
    written by a newer PineOpt, or refuses a change (a strategy name already taken, a backtest
    already finished). The message names the database (password masked) or the record."""


class NotFound(StoreError, LookupError):
    """No strategy, backtest or campaign with that id or name."""


class InvalidScript(StoreError):
    """A Pine script that does not convert, so it cannot be saved.

    ``str(error)`` is the formatted diagnostics (``FILE:LINE:COL: error: MESSAGE``, the source
    line and a caret); ``diagnostics`` holds them as dicts ``{line, col, end_line, end_col,
    severity, message}`` (1-based lines and columns, the end column exclusive), ready for JSON.
    """

    def __init__(self, message: str, diagnostics: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics
