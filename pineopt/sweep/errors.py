"""The sweep's own error: a request that cannot be run as given."""

from __future__ import annotations

from pineopt.errors import PineOptError


class SweepUsageError(PineOptError, ValueError):
    """A sweep asked for something that cannot be (an unknown input, a malformed range, an
    unknown objective, a constraint naming what the script lacks). ``pineopt sweep`` exits 2
    with its message, as for any usage error."""
