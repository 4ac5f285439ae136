"""The provider interface and its registry.

A provider is one class with a ``name`` and a :meth:`Provider.load` that turns a
:class:`DataRequest` into a :class:`~pineopt.data.dataset.Dataset`; registering it with
:func:`register` makes it available to :func:`pineopt.load`, the CLI and the notebooks by name.
Remote providers set ``remote = True`` and go through the Parquet cache.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from pineopt.data.dataset import Dataset, to_timestamp
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError


@dataclass(frozen=True)
class DataRequest:
    """What to load: a symbol at a timeframe between two optional UTC times (``end`` inclusive)."""

    symbol: str
    timeframe: Timeframe | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    exchange: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        symbol: str,
        timeframe: Any = None,
        start: Any = None,
        end: Any = None,
        exchange: str | None = None,
        **options: Any,
    ) -> DataRequest:
        """Build a request from loose values (timeframe strings, ISO or epoch times)."""
        if not isinstance(symbol, str) or not symbol.strip():
            raise DataError("a symbol (or a file path) is required")
        tf = Timeframe.parse(timeframe) if timeframe not in (None, "") else None
        lo, hi = to_timestamp(start, "start"), to_timestamp(end, "end")
        if lo is not None and hi is not None and hi < lo:
            raise DataError(f"end {hi} is before start {lo}")
        return cls(symbol.strip(), tf, lo, hi, exchange, dict(options))


@dataclass(frozen=True)
class DatasetInfo:
    """One line of a provider's listing."""

    provider: str
    symbol: str
    timeframe: str
    rows: int | None = None
    start: str | None = None
    end: str | None = None
    description: str = ""


class Provider:
    """Base class: subclasses set ``name`` (and ``remote``) and implement :meth:`load`."""

    name: ClassVar[str] = ""
    remote: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def load(self, request: DataRequest) -> Dataset:
        raise NotImplementedError

    def available(self) -> list[DatasetInfo]:
        """Datasets this provider can list without a network call (none by default)."""
        return []


_REGISTRY: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    """Class decorator: make a provider available by its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def provider_names() -> list[str]:
    return sorted(_REGISTRY)


def provider_class(name: str) -> type[Provider] | None:
    """The class registered as ``name`` (its ``description`` and ``remote`` flag, without
    building an instance, which may import a heavy client), or None."""
    return _REGISTRY.get(name)


def provider_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Remove from ``options`` and return those the provider's constructor takes (``cache=``,
    ``progress=``, …); what stays are request options."""
    cls = _REGISTRY.get(name)
    if cls is None:
        return {}
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "args", "kwargs"}
    return {key: options.pop(key) for key in list(options) if key in accepted}


def get_provider(name: str, **options: Any) -> Provider:
    """An instance of the provider registered as ``name``."""
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise DataError(
            f"unknown provider {name!r} (one of {', '.join(provider_names())})"
        ) from None
    return cls(**options)
