"""`SymbolInfo`: what Pine's ``syminfo.*`` says about the instrument on the chart.

It carries the ticker and exchange prefix, the instrument type, the exchange timezone and
session (which decide calendar variables and daily/weekly bar boundaries), the price grid
(``mintick = minmove / pricescale``), the point value and the currencies. Providers fill in
sane defaults; a syminfo TOML (the layout of TradingView-derived ``.toml`` files: a
``[symbol]`` table and ``[[opening_hours]]``) overrides them.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pineopt.data.session import Session
from pineopt.errors import DataError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SYMBOL_TYPES = (
    "crypto",
    "stock",
    "forex",
    "futures",
    "index",
    "fund",
    "cfd",
    "bond",
    "dr",
    "economic",
    "spread",
)
_TOML_TEXT = (
    "ticker",
    "prefix",
    "description",
    "type",
    "timezone",
    "currency",
    "basecurrency",
    "volumetype",
)
_TOML_NUMBERS = ("mintick", "pricescale", "minmove", "pointvalue", "mincontract")


@dataclass(frozen=True)
class SymbolInfo:
    """The chart symbol's description, with TradingView's ``syminfo.*`` names."""

    ticker: str
    prefix: str = ""
    description: str = ""
    type: str = "crypto"
    timezone: str = "UTC"
    session: Session = field(default_factory=Session)
    mintick: float = 0.01
    pointvalue: float = 1.0
    mincontract: float = 0.0
    currency: str = "USD"
    basecurrency: str = ""
    volumetype: str = "base"

    def __post_init__(self) -> None:
        if not self.ticker:
            raise DataError("a symbol needs a ticker")
        if self.type not in SYMBOL_TYPES:
            raise DataError(f"unknown symbol type {self.type!r} (one of {', '.join(SYMBOL_TYPES)})")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise DataError(
                f"unknown timezone {self.timezone!r} (use an IANA name or UTC)"
            ) from exc
        if not (self.mintick > 0 and math.isfinite(self.mintick)):
            raise DataError(f"mintick must be a positive number, got {self.mintick!r}")
        if not (self.pointvalue > 0 and math.isfinite(self.pointvalue)):
            raise DataError(f"pointvalue must be a positive number, got {self.pointvalue!r}")
        if not isinstance(self.session, Session):
            object.__setattr__(self, "session", Session.parse(self.session))

    @property
    def tickerid(self) -> str:
        """``PREFIX:TICKER`` as in ``syminfo.tickerid`` (just the ticker without a prefix)."""
        return f"{self.prefix}:{self.ticker}" if self.prefix else self.ticker

    @property
    def pricescale(self) -> int:
        """``syminfo.pricescale``: the integer for which ``mintick = minmove / pricescale``."""
        return max(1, round(1 / self.mintick))

    def replace(self, **changes: Any) -> SymbolInfo:
        """A copy with some fields changed (``session`` may be given as a Pine session string)."""
        if "session" in changes:
            changes["session"] = Session.parse(changes["session"])
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the session as a Pine session string); ``SymbolInfo(**d)``
        reverses it."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["session"] = str(self.session)
        return values

    @classmethod
    def from_toml(cls, path: str | Path) -> SymbolInfo:
        """Read a syminfo TOML: ``[symbol]`` with syminfo names, optional ``[[opening_hours]]``."""
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DataError(f"{path}: cannot read symbol file ({exc.strerror or exc})") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: not valid TOML ({exc})") from exc
        return cls.from_mapping(document, source=str(path))

    @classmethod
    def from_mapping(cls, document: dict[str, Any], source: str = "symbol info") -> SymbolInfo:
        """Build from a parsed syminfo document (see :meth:`from_toml`)."""
        table = document.get("symbol")
        if not isinstance(table, dict):
            raise DataError(f"{source}: missing [symbol] table")
        values: dict[str, Any] = {k: str(table[k]) for k in _TOML_TEXT if k in table}
        numbers = {k: table[k] for k in _TOML_NUMBERS if k in table}
        for key, value in numbers.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise DataError(f"{source}: {key} must be a number, got {value!r}")
        if "mintick" in numbers:
            values["mintick"] = float(numbers["mintick"])
        elif "pricescale" in numbers:
            values["mintick"] = float(numbers.get("minmove", 1)) / float(numbers["pricescale"])
        for key in ("pointvalue", "mincontract"):
            if key in numbers:
                values[key] = float(numbers[key])
        if values.get("timezone") in ("Etc/UTC", "GMT", "Etc/GMT"):
            values["timezone"] = "UTC"
        if "session" in table:
            values["session"] = Session.parse(str(table["session"]))
        elif document.get("opening_hours"):
            values["session"] = Session.from_opening_hours(document["opening_hours"])
        if "ticker" not in values:
            raise DataError(f"{source}: [symbol] has no ticker")
        try:
            return cls(**values)
        except TypeError as exc:  # pragma: no cover - guarded by the key lists above
            raise DataError(f"{source}: {exc}") from exc

    @classmethod
    def default(cls, ticker: str, provider: str = "file", exchange: str = "") -> SymbolInfo:
        """Sensible defaults: crypto pairs trade 24x7 in UTC, with the quote as currency."""
        ticker = ticker.upper()
        if "/" in ticker:  # ccxt style BTC/USDT
            base, _, quote = ticker.partition("/")
            quote = quote.split(":")[0]
            return cls(
                ticker=base + quote,
                prefix=exchange.upper(),
                type="crypto",
                currency=quote,
                basecurrency=base,
            )
        for quote in ("USDT", "USDC", "BUSD", "FDUSD", "BTC", "ETH"):
            if ticker.endswith(quote) and len(ticker) > len(quote) + 1 and provider != "file":
                return cls(
                    ticker=ticker,
                    prefix=exchange.upper(),
                    type="crypto",
                    currency=quote,
                    basecurrency=ticker[: -len(quote)],
                )
        return cls(ticker=ticker, prefix=exchange.upper())
