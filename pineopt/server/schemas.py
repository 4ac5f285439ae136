"""The request and response bodies of the REST shim, as pydantic models.

They are the OpenAPI schema (``/openapi.json``): every constraint a route enforces is written
here, so that what the schema calls invalid is refused with 422 and what it calls valid is
accepted. Text fields refuse the NUL character (PostgreSQL cannot store it) and numbers refuse
NaN and infinity (JSON cannot carry them back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

MAX_ID = 2**31 - 1
"""The largest id a path accepts (the store's ids are 32-bit integers)."""


def _valid_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text is not valid Unicode (lone surrogate)") from None
    return value


NO_NUL = r"^[^\x00]*$"

Text = Annotated[str, Field(pattern=NO_NUL), AfterValidator(_valid_text)]
"""Any text without the NUL character."""

Name = Annotated[
    str, Field(min_length=1, max_length=200, pattern=NO_NUL), AfterValidator(_valid_text)
]
"""A short non-empty label: a strategy name, a tag, a symbol."""

Finite = Annotated[float, Field(allow_inf_nan=False)]

Scalar = (
    StrictBool
    | StrictInt
    | Annotated[StrictFloat, Field(allow_inf_nan=False)]
    | Annotated[StrictStr, Field(max_length=1000, pattern=NO_NUL)]
)
"""A value of an input or a strategy setting: ``14``, ``2.5``, ``true``, ``"close"``."""

Ident = Annotated[int, Field(ge=1, le=MAX_ID)]

TIMEFRAME = r"^\s*([1-9][0-9]{0,5}\s*[SDWMsmhdw]?|[SDWM])\s*$"
"""Pine notation (``15``, ``60``, ``1D``, ``D``, ``1W``, ``1M``, ``1S``) or an exchange spelling
(``1m``, ``4h``, ``1d``)."""

Timeframe = Annotated[str, Field(min_length=1, max_length=16, pattern=TIMEFRAME)]

T = TypeVar("T")


class Model(BaseModel):
    """Base of the request bodies: unknown fields are refused, not silently dropped, and
    values are taken as their JSON type says (``false`` is not ``0``, ``"5"`` is not ``5``)."""

    model_config = ConfigDict(extra="forbid", strict=True)


# ------------------------------------------------------------------ errors and diagnostics


class DiagnosticOut(BaseModel):
    """One located message of the converter (lines and columns count from 1)."""

    line: int
    col: int
    end_line: int
    end_col: int
    severity: Literal["error", "warning"]
    message: str


class FieldProblem(BaseModel):
    """One part of a request that was refused: where (``["body", "symbol"]``) and why."""

    loc: list[str | int]
    message: str


class ErrorOut(BaseModel):
    """Every error answer: ``detail`` says what went wrong in one message. Invalid Pine adds
    its located ``diagnostics``; a request that does not fit the schema adds ``errors``."""

    detail: str
    diagnostics: list[DiagnosticOut] | None = None
    errors: list[FieldProblem] | None = None


# ------------------------------------------------------------------ pages


class Page(BaseModel, Generic[T]):
    """One page of a listing: ``total`` rows match, these are ``offset`` .. ``offset+limit``."""

    items: list[T]
    total: int
    limit: int
    offset: int


# ------------------------------------------------------------------ conversion


class ConvertIn(Model):
    source: Text = Field(description="the Pine Script text (v5 or v6)")
    filename: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = Field(
        "<input>", description="the name diagnostics carry"
    )


class UnsupportedName(BaseModel):
    name: str
    line: int
    column: int


class FeaturesOut(BaseModel):
    """What a script uses, counted: built-ins by full name, language features, library calls;
    ``unsupported`` lists what PineOpt refuses, at its first use."""

    builtins: dict[str, int]
    features: dict[str, int]
    library_calls: dict[str, int]
    unsupported: list[UnsupportedName] = []


class ConvertOut(BaseModel):
    ok: bool
    code: str | None = Field(description="the Python module (None when the script has errors)")
    diagnostics: list[DiagnosticOut]
    features: FeaturesOut
    declaration: dict[str, Any] = Field(description="the declaration's arguments")
    seconds: float


# ------------------------------------------------------------------ strategies


class ParameterOut(BaseModel):
    """One input of a strategy, as its ``input.*`` call declares it."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    title: str | None = None
    kind: str
    default: Any = None
    options: list[Any] | None = None
    minval: float | None = None
    maxval: float | None = None
    step: float | None = None
    group: str | None = None


class StrategyIn(Model):
    source: Text = Field(description="Pine text, or a converted Python module")
    name: Name | None = Field(None, description="default: the declaration's title")
    language: Literal["pine", "python"] | None = Field(
        None, description="default: python when the text is a converted module, else pine"
    )
    description: Annotated[str, Field(max_length=10_000, pattern=NO_NUL)] = ""
    author: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""
    tags: list[Name] = Field(default_factory=list, max_length=50)
    replace: bool = Field(False, description="replace the source of a strategy of that name")


class StrategyUpdate(Model):
    source: Text | None = None
    name: Name | None = None
    description: Annotated[str, Field(max_length=10_000, pattern=NO_NUL)] | None = None
    author: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | None = None
    tags: list[Name] | None = Field(None, max_length=50)


class StrategyOut(BaseModel):
    id: int
    name: str
    description: str
    author: str
    language: Literal["pine", "python"]
    source: str
    parameters: list[ParameterOut]
    dependencies: list[Any]
    validation_status: Literal["valid", "invalid", "unknown"]
    validation: dict[str, Any] | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class StrategySummary(BaseModel):
    id: int
    name: str
    language: Literal["pine", "python"]
    description: str
    author: str
    tags: list[str]
    validation_status: Literal["valid", "invalid", "unknown"]
    backtests: int
    created_at: datetime
    updated_at: datetime


class ValidationOut(BaseModel):
    status: Literal["valid", "invalid", "unknown"]
    diagnostics: list[DiagnosticOut]
    features: dict[str, Any]
    seconds: float


class LineSplit(BaseModel):
    """Pine lines by where the converted code runs them."""

    whole_history: list[int] = Field(
        description="lines computed once over all bars before the bar loop (numpy)"
    )
    per_bar: list[int] = Field(description="lines executed on every bar inside the loop")


class ProfileOut(BaseModel):
    """The feature and complexity report of a strategy (static: nothing is run)."""

    language: Literal["pine", "python"]
    lines: int
    code_lines: int
    declaration: dict[str, Any]
    counts: dict[str, int] = Field(
        description="statements, functions, types, loops, branches, calls ... in the source"
    )
    max_depth: int = Field(description="deepest nesting of the syntax tree")
    features: FeaturesOut | None = None
    execution: LineSplit | None = None
    runs: bool = Field(description="whether PineOpt runs this script as it is")
    problems: list[str] = Field(description="why it does not run, one message each")


# ------------------------------------------------------------------ backtests


class BacktestRun(Model):
    strategy_id: Ident
    symbol: Name = Field(
        description="a bundled sample or cached symbol (BTCUSDT), or without timeframe a data "
        "name SYMBOL_TF as pineopt run --data takes it (BTCUSDT_1D, binance:BTC/USDT_4h)"
    )
    timeframe: Timeframe | None = Field(
        None, description="Pine notation: 1, 15, 60, 240, 1D, 1W ...; default: from the symbol"
    )
    provider: Literal["sample", "cache", "ccxt", "tardis"] | None = Field(
        None, description="default: the bundled sample, else the cache (as pineopt run --data)"
    )
    exchange: Annotated[str, Field(max_length=64, pattern=NO_NUL)] | None = None
    start: Annotated[str, Field(max_length=40, pattern=NO_NUL)] | None = Field(
        None, description="first bar executed (ISO 8601)"
    )
    end: Annotated[str, Field(max_length=40, pattern=NO_NUL)] | None = Field(
        None, description="last bar executed (ISO 8601)"
    )
    capital: Annotated[float, Field(gt=0, le=1e15, allow_inf_nan=False)] | None = None
    commission: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] | None = None
    slippage: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        None, description="ticks, as strategy(slippage=...)"
    )
    settings: dict[Annotated[str, Field(max_length=64, pattern=NO_NUL)], Scalar] = Field(
        default_factory=dict,
        max_length=64,
        description="strategy() parameters: pyramiding, default_qty_value, ...",
    )
    inputs: dict[Annotated[str, Field(max_length=200, pattern=NO_NUL)], Scalar] = Field(
        default_factory=dict, max_length=200, description="input values by title or variable"
    )


class JobOut(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed"]


class DataSessionOut(BaseModel):
    """The bars a finished backtest ran on: where from, which range, their fingerprint."""

    model_config = ConfigDict(extra="allow")

    provider: str | None = None
    exchange: str | None = None
    symbol: str | None = None
    timeframe: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    bars: int | None = None
    fingerprint: Any = None


class BacktestOut(BaseModel):
    id: int
    strategy_id: int | None
    strategy: str | None
    conversion_id: int | None = None
    status: Literal["queued", "running", "done", "failed"]
    error: str | None
    symbol: str
    timeframe: str
    provider: str | None
    exchange: str | None
    start: datetime | None
    end: datetime | None
    initial_capital: float | None
    commission: float | None
    slippage: float | None
    settings: dict[str, Any]
    inputs: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None
    pineopt_version: str | None
    metrics: dict[str, dict[str, float | int | None]] | None = Field(
        None, description="the performance summary once done: all, long, short"
    )
    trades: int = Field(0, description="how many trades were recorded")
    data: DataSessionOut | None = Field(None, description="the bars it ran on, once done")


class BacktestSummary(BaseModel):
    id: int
    strategy_id: int | None
    strategy: str | None
    symbol: str
    timeframe: str
    provider: str | None
    start: datetime | None
    end: datetime | None
    status: Literal["queued", "running", "done", "failed"]
    created_at: datetime
    finished_at: datetime | None
    seconds: float | None
    net_profit: float | None
    net_profit_pct: float | None
    total_trades: int | None
    percent_profitable: float | None
    profit_factor: float | None
    max_drawdown: float | None


class StatsOut(BaseModel):
    """TradingView's Performance Summary, snake_case, for all, long and short trades."""

    id: int
    metrics: dict[str, dict[str, float | int | None]]


class ChartOut(BaseModel):
    """The equity curve and its drawdown, one value per bar (times: bar open, UTC)."""

    id: int
    time: list[datetime]
    equity: list[float | None]
    drawdown: list[float | None]
    drawdown_pct: list[float | None]


class TradeOut(BaseModel):
    trade: int
    direction: Literal["long", "short"]
    entry_time: datetime | None
    entry_price: float | None
    entry_signal: str | None
    entry_bar: int | None
    exit_time: datetime | None
    exit_price: float | None
    exit_signal: str | None
    exit_bar: int | None
    qty: float | None
    profit: float | None
    profit_pct: float | None
    cum_profit: float | None
    mfe: float | None
    mae: float | None
    bars: int | None
    commission: float | None
    is_open: bool


class CompareIn(Model):
    ids: list[Ident] = Field(min_length=1, max_length=20)


class CompareRow(BaseModel):
    name: str
    values: list[Any]


class CompareOut(BaseModel):
    """One column per backtest; rows: the headline metrics, then symbol, timeframe, range,
    settings and inputs."""

    columns: list[str]
    rows: list[CompareRow]


# ------------------------------------------------------------------ market data


class Bar(BaseModel):
    time: datetime
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None


class OhlcvOut(BaseModel):
    symbol: str
    timeframe: str
    provider: str
    total: int = Field(description="bars in the requested range")
    offset: int
    limit: int
    bars: list[Bar]


class ProviderOut(BaseModel):
    name: str
    description: str
    remote: bool
    enabled: bool


class DatasetOut(BaseModel):
    provider: str
    symbol: str
    timeframe: str
    rows: int | None
    start: str | None
    end: str | None
    description: str


class MarketStatusOut(BaseModel):
    providers: list[ProviderOut]
    datasets: list[DatasetOut]


# ------------------------------------------------------------------ static analysis


class SourceIn(Model):
    """A script given by its text."""

    source: Text = Field(description="Pine text")


class StrategyRefIn(Model):
    """A script given by a saved strategy's id."""

    strategy_id: Ident


AnalyzeIn = SourceIn | StrategyRefIn
"""The script an analysis is about: ``{"source": ...}`` or ``{"strategy_id": ...}``."""


class WidgetOut(BaseModel):
    """How a form shows one input: the widget, its bounds and choices."""

    key: str = Field(description="the name an override is sent under (variable, else title)")
    label: str
    kind: str
    widget: Literal["slider", "number", "checkbox", "select", "color", "text", "textarea"]
    default: Any = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    options: list[Any] | None = None
    group: str | None = None


class UiConfigOut(BaseModel):
    strategy_id: int
    title: str
    widgets: list[WidgetOut]


class AnalyzeOut(BaseModel):
    kind: str | None = Field(description="indicator, strategy or library")
    title: str | None
    version: int | None
    runs: bool
    problems: list[str]
    diagnostics: list[DiagnosticOut]
    features: FeaturesOut
    inputs: list[ParameterOut]
    widgets: list[WidgetOut]
    profile: ProfileOut


class AiValidateOut(BaseModel):
    valid: bool
    errors: int
    warnings: int
    diagnostics: list[DiagnosticOut]
    unsupported: list[UnsupportedName]


class CapabilitiesOut(BaseModel):
    pine_versions: list[int]
    builtins: dict[str, Any] = Field(
        description="the v6 catalogue: how many names of each kind run, and those refused"
    )
    language_features: dict[str, str]
    refused_features: dict[str, str]
    refused_settings: dict[str, str]
    limits: dict[str, Any]
    data_providers: list[ProviderOut]
    python_uploads: dict[str, Any]


# ------------------------------------------------------------------ health


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: dict[str, Any]
    jobs: dict[str, Any]
    sandbox: dict[str, Any]
    auth: bool
