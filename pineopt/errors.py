"""The exceptions PineOpt raises on bad input.

Every error a user can cause derives from :class:`PineOptError`; the CLI and the
Jupyter surfaces print its message (one clear line, no traceback) and exit.
"""

from __future__ import annotations


class PineOptError(Exception):
    """Base class of every error caused by input rather than by a PineOpt bug."""


class DataError(PineOptError):
    """OHLCV data that cannot be read or does not meet the frame contract."""


class DataNotFound(DataError):
    """A ``--data`` name that names nothing: no such file, bundled sample or cached series."""


class ProviderError(DataError):
    """A market-data provider could not deliver the requested bars."""


class NetworkUnavailable(ProviderError):
    """A remote provider could not reach its service (offline, DNS, refused, timed out)."""


class PineRuntimeError(PineOptError, ValueError):
    """What Pine reports as a runtime error (e.g. a non-positive ``length`` for a ``ta.*`` call)."""
