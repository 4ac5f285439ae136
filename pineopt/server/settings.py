"""The REST shim's settings, read from the environment.

Every limit of ``pineopt serve`` has a default that suits one researcher on one machine and an
environment variable to change it:

========================== =========================================================== ==========
variable                   meaning                                                     default
========================== =========================================================== ==========
``PINEOPT_API_KEY``        the key callers send in the ``X-API-Key`` header; several    none
                           keys may be given separated by commas (each gets its own
                           rate-limit budget). Without a key the API is open, so the
                           server refuses to listen beyond the loopback address.
``PINEOPT_DATABASE_URL``   the store (see :func:`pineopt.store.default_url`)             SQLite
``PINEOPT_MAX_BODY``       largest request body in bytes (JSON requests)                 1 MiB
``PINEOPT_MAX_UPLOAD``     largest uploaded strategy file in bytes                       1 MiB
``PINEOPT_RATE_LIMIT``     requests per minute per key (per client address without a     600
                           key); ``0`` switches the limit off
``PINEOPT_RUN_TIMEOUT``    seconds a backtest may take (data, conversion and run)        600
``PINEOPT_PAGE_MAX``       largest page of a listing (``limit`` is clamped to it)        500
``PINEOPT_MAX_BARS``       most bars ``GET /api/market/ohlcv`` returns at once           10000
``PINEOPT_WORKERS``        backtests run at the same time (one process each)             2
``PINEOPT_ANALYSIS_WORKERS`` conversions and analyses run at the same time (one process   CPUs
                           each)
``PINEOPT_REMOTE_DATA``    ``0`` refuses providers that reach the network (ccxt, ...)    1
``PINEOPT_DASK_SCHEDULER`` address of a Dask scheduler: backtests run there instead      none
========================== =========================================================== ==========

A malformed value is a :class:`SettingsError` naming the variable, not a traceback.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pineopt.errors import PineOptError

MiB = 1024 * 1024


class SettingsError(PineOptError):
    """A setting (environment variable or command-line value) that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """What one server allows; build it with :meth:`from_env` or directly (tests)."""

    api_keys: tuple[str, ...] = ()
    database_url: str | None = None
    max_body_bytes: int = MiB
    max_upload_bytes: int = MiB
    rate_limit: int = 600
    rate_window_seconds: float = 60.0
    run_timeout: float = 600.0
    page_max: int = 500
    max_bars: int = 10_000
    workers: int = 2
    analysis_workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    remote_data: bool = True
    dask_scheduler: str | None = None

    @property
    def auth_required(self) -> bool:
        return bool(self.api_keys)

    @property
    def page_default(self) -> int:
        """The page size of a listing called without ``limit``."""
        return min(50, self.page_max)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``env`` (default ``os.environ``); ``overrides`` win over both."""
        env = os.environ if env is None else env
        keys = tuple(k.strip() for k in env.get("PINEOPT_API_KEY", "").split(",") if k.strip())
        values: dict[str, object] = {
            "api_keys": keys,
            "database_url": env.get("PINEOPT_DATABASE_URL") or None,
            "max_body_bytes": _int(env, "PINEOPT_MAX_BODY", cls.max_body_bytes, minimum=1024),
            "max_upload_bytes": _int(env, "PINEOPT_MAX_UPLOAD", cls.max_upload_bytes, minimum=1),
            "rate_limit": _int(env, "PINEOPT_RATE_LIMIT", cls.rate_limit, minimum=0),
            "run_timeout": _float(env, "PINEOPT_RUN_TIMEOUT", cls.run_timeout),
            "page_max": _int(env, "PINEOPT_PAGE_MAX", cls.page_max, minimum=1),
            "max_bars": _int(env, "PINEOPT_MAX_BARS", cls.max_bars, minimum=1),
            "workers": _int(env, "PINEOPT_WORKERS", cls.workers, minimum=1),
            "analysis_workers": _int(
                env, "PINEOPT_ANALYSIS_WORKERS", os.cpu_count() or 2, minimum=1
            ),
            "remote_data": _bool(env, "PINEOPT_REMOTE_DATA", cls.remote_data),
            "dask_scheduler": env.get("PINEOPT_DASK_SCHEDULER", "").strip() or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Raise :class:`SettingsError` for values no server can run with."""
        if self.workers < 1:
            raise SettingsError(f"workers must be at least 1, not {self.workers}")
        if self.run_timeout <= 0:
            raise SettingsError(f"the run timeout must be positive, not {self.run_timeout:g}")
        if self.page_max < 1 or self.max_bars < 1:
            raise SettingsError("page and bar limits must be at least 1")


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name} must be a positive number of seconds, not {text!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0 (true or false), not {text!r}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (``127.0.0.1``, ``::1``,
    ``localhost``); ``0.0.0.0`` and real addresses are not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to listen on a non-loopback address while the API is open to anyone."""
    if not is_loopback(host) and not settings.auth_required:
        raise SettingsError(
            f"refusing to listen on {host} without an API key: anyone who can reach this "
            "machine could run code on it. Set PINEOPT_API_KEY (callers then send it in the "
            "X-API-Key header) or listen on 127.0.0.1"
        )
