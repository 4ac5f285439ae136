"""Market-data providers, one module each, all registered by name in :mod:`.base`."""

from pineopt.data.providers import (  # noqa: F401  (registration)
    cached,
    ccxt_exchange,
    file,
    sample,
    tardis_trades,
    tradingview,
)
from pineopt.data.providers.base import (
    DataRequest,
    DatasetInfo,
    Provider,
    get_provider,
    provider_class,
    provider_names,
    provider_options,
    register,
)

__all__ = [
    "DataRequest",
    "DatasetInfo",
    "Provider",
    "get_provider",
    "provider_class",
    "provider_names",
    "provider_options",
    "register",
]
