"""Market-data providers, one module each, all registered by name in :mod:`.base`."""

from pineopt.data.providers import cached, file, sample, tradingview  # noqa: F401  (registration)
from pineopt.data.providers.base import (
    DataRequest,
    DatasetInfo,
    Provider,
    get_provider,
    provider_names,
    provider_options,
    register,
)

__all__ = [
    "DataRequest",
    "DatasetInfo",
    "Provider",
    "get_provider",
    "provider_names",
    "provider_options",
    "register",
]
