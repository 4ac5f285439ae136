"""Market-data providers, one module each, all registered by name in :mod:`.base`."""

from pineopt.data.providers import sample  # noqa: F401  (registers "sample")
from pineopt.data.providers.base import (
    DataRequest,
    DatasetInfo,
    Provider,
    get_provider,
    provider_names,
    register,
)

__all__ = ["DataRequest", "DatasetInfo", "Provider", "get_provider", "provider_names", "register"]
